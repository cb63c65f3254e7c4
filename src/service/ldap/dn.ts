import { UsageError } from '../../errors.js';

/**
 * An attribute value as it may stand in a DN (RFC 4514 §2.4). Every
 * character the RFC says must be escaped — `"+,;<>\` anywhere, `#` or a
 * space at the start, a space at the end, NUL — is written as `\` and its
 * hex code, never as `\` and itself: a DN then holds no bare comma at all,
 * which keeps clients that split DNs on unescaped commas (ldapts's modifyDN
 * does) from cutting a value in two.
 */
export function escapeDnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const special =
      '"+,;<>\\=\u0000'.includes(ch) ||
      ((ch === '#' || ch === ' ') && i === 0) ||
      (ch === ' ' && i === value.length - 1);
    out += special ? `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

/** The same value back: `\XX` hex pairs (UTF-8) and `\c` escapes undone. */
export function unescapeDnValue(escaped: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped[i]!;
    if (ch !== '\\') {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      continue;
    }
    const pair = escaped.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(pair)) {
      bytes.push(parseInt(pair, 16));
      i += 2;
    } else if (i + 1 < escaped.length) {
      for (const b of Buffer.from(escaped[i + 1]!, 'utf8')) bytes.push(b);
      i += 1;
    } else {
      throw new UsageError(`${JSON.stringify(escaped)} ends in a lone backslash`);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Where the Directory publishes, from `ldaps://HOST[:PORT]/BASE-DN`. */
export interface DirectoryLocation {
  /** `ldaps://HOST:PORT`, what the LDAP client connects to. */
  readonly serverUrl: string;
  readonly host: string;
  /** The DN the URL names. */
  readonly baseDn: string;
  /**
   * The container the service objects live in: the URL's DN when it is
   * CN=WinsockServices,CN=System,… or a container below it, else
   * CN=WinsockServices,CN=System,<the URL's DN> (the URL named the domain).
   */
  readonly containerDn: string;
}

const WINSOCK_SERVICES = /(^|,)\s*CN=WinsockServices\s*,\s*CN=System\s*,/i;

/**
 * Parse a directory URL. Only ldaps:// is accepted: a domain controller
 * refuses simple binds without TLS (`ldap server require strong auth`),
 * and a password must not cross the network in clear anyway.
 */
export function parseDirectoryUrl(text: string): DirectoryLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--directory ${JSON.stringify(text)} is not a URL (ldaps://HOST[:PORT]/BASE-DN)`);
  }
  if (url.protocol !== 'ldaps:')
    throw new UsageError(`--directory must be an ldaps:// URL (simple binds need TLS), not ${url.protocol}//`);
  if (url.username || url.password)
    throw new UsageError(
      '--directory must not carry credentials: use --bind and $RNRKIT_BIND_PASSWORD or --password-file',
    );
  if (url.search || url.hash)
    throw new UsageError('--directory takes no ?attributes or #fragment: ldaps://HOST[:PORT]/BASE-DN');
  const baseDn = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z][\w-]*=/.test(baseDn))
    throw new UsageError(
      `--directory ${JSON.stringify(text)} names no base DN (ldaps://HOST[:PORT]/DC=example,DC=com)`,
    );
  const port = url.port || '636';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    serverUrl: `ldaps://${url.hostname}:${port}`,
    host,
    baseDn,
    containerDn:
      WINSOCK_SERVICES.test(`,${baseDn}`) || /^CN=WinsockServices\s*,\s*CN=System\s*,/i.test(baseDn)
        ? baseDn
        : `CN=WinsockServices,CN=System,${baseDn}`,
  };
}
