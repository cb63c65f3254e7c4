import type { Client } from 'ldapts';
import type { Usage } from '../quotas.js';
import { DirectoryError } from './errors.js';
import { OWNER_KEYWORD, sidString } from './mapping.js';

/** RFC 4515 §3: the characters a filter's assertion value must escape. */
function escapeFilterValue(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters RFC 4515 requires escaped.
  return value.replace(/[*()\\\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The domain's DN (its DC= components) from any DN inside it. */
export function domainOf(dn: string): string {
  return dn.slice(dn.search(/(^|,)DC=/i)).replace(/^,/, '');
}

/**
 * The SID of the account a bind identity names: a DN (read at that DN),
 * `DOMAIN\user` (sAMAccountName), or a UPN — its userPrincipalName, else
 * the implicit UPN `sAMAccountName@<domain>` that AD accepts for accounts
 * without one (Samba's Administrator has none). The per-principal quotas
 * charge objects to this SID (docs/directory.md, "Quotas"). The directory
 * offers no "who am I" here (Samba answers the RFC 4532 extended operation
 * with protocolError), so the account is looked up.
 */
export async function principalSid(client: Client, domainDn: string, bind: string): Promise<string> {
  let entries: Record<string, unknown>[];
  if (/^[A-Za-z][\w-]*=/.test(bind)) {
    entries = (
      await client.search(bind, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] })
    ).searchEntries;
  } else {
    const slash = bind.indexOf('\\');
    const at = bind.lastIndexOf('@');
    const domainName = domainDn
      .split(',')
      .map((part) => part.replace(/^\s*DC=/i, ''))
      .join('.')
      .toLowerCase();
    let filter: string;
    if (slash >= 0) filter = `(sAMAccountName=${escapeFilterValue(bind.slice(slash + 1))})`;
    else if (at > 0 && bind.slice(at + 1).toLowerCase() === domainName)
      filter = `(|(userPrincipalName=${escapeFilterValue(bind)})(sAMAccountName=${escapeFilterValue(bind.slice(0, at))}))`;
    else if (at > 0) filter = `(userPrincipalName=${escapeFilterValue(bind)})`;
    else filter = `(sAMAccountName=${escapeFilterValue(bind)})`;
    const found = (
      await client.search(domainDn, {
        scope: 'sub',
        filter: `(&(objectSid=*)${filter})`,
        attributes: ['objectSid', 'userPrincipalName'],
        explicitBufferAttributes: ['objectSid'],
      })
    ).searchEntries;
    // An explicit UPN wins over another account's implicit one.
    const explicit = found.filter((e) => String(e.userPrincipalName ?? '').toLowerCase() === bind.toLowerCase());
    entries = explicit.length > 0 ? explicit : found;
  }
  const sids = entries.map((e) => e.objectSid).filter((v): v is Buffer => Buffer.isBuffer(v));
  const sid = sids.length === 1 ? sidString(sids[0]!) : undefined;
  if (!sid)
    throw new DirectoryError(
      'bind',
      `${bind}: ${sids.length > 1 ? 'more than one account has' : 'no account visible to it has'} this name in ${domainDn}; the per-principal quotas need its SID`,
    );
  return sid;
}

/**
 * What the principal `sid` owns in the container: its objects (those that
 * carry its `rnrkit:owner=` keyword, an indexed search on the server) and,
 * when `withAddresses`, every winsockAddresses value of them (opaque ones
 * too: they take room like any other). Without addresses only the DNs
 * cross the network. Objects parked by a DELETE | SERVICE_MULTIPLE count:
 * they exist until the delete finishes.
 */
export async function usageOf(
  client: Client,
  containerDn: string,
  sid: string,
  withAddresses: boolean,
): Promise<Usage> {
  let objects = 0;
  let addresses = 0;
  const pages = client.searchPaginated(containerDn, {
    scope: 'one',
    filter: `(&(objectClass=serviceInstance)(keywords=${escapeFilterValue(OWNER_KEYWORD + sid)}))`,
    attributes: withAddresses ? ['winsockAddresses'] : ['1.1'],
    explicitBufferAttributes: ['winsockAddresses'],
    paged: { pageSize: 1000 },
  });
  for await (const page of pages) {
    for (const entry of page.searchEntries) {
      objects++;
      const values = entry.winsockAddresses;
      addresses += values === undefined ? 0 : Array.isArray(values) ? values.length : 1;
    }
  }
  return { objects, addresses };
}
