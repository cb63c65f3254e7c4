import { randomBytes } from 'node:crypto';
import { Attribute, Change, Client, Control, type Entry, ResultCodeError } from 'ldapts';
import { NS_NTDS, RNRSERVICE_DEREGISTER, RNRSERVICE_REGISTER, SERVICE_MULTIPLE } from '../../abi/constants.js';
import { canonicalGuid } from '../../abi/guid.js';
import type { QuerySetJson } from '../../codec/canonical.js';
import { AddressSet } from '../../match/index.js';
import type { DirectoryBackend, DirectoryObjectQuery, DirectoryRecord } from '../directory-backend.js';
import { accessDenied, invalid, notEnoughMemory, WinsockError } from '../errors.js';
import { contextKey, foldInstanceName, type ObjectKey, objectKey } from '../object-key.js';
import type { NspCallContext, ProviderOutcome, SetServiceOperation } from '../provider.js';
import { addressErrorAsWinsock } from '../providers/address-errors.js';
import { tableOutcome } from '../providers/outcome.js';
import { checkPrincipalQuota, type PrincipalQuotas, resolvePrincipalQuotas } from '../quotas.js';
import type { RemoteDirectoryProvider } from '../registry.js';
import { applyTable, type TableAction } from '../semantics.js';
import type { ServiceObjectJson } from '../store.js';
import { type DirectoryLocation, parseDirectoryUrl } from './dn.js';
import { DirectoryError } from './errors.js';
import {
  BINARY_ATTRIBUTES,
  classIdBytes,
  DEREGISTERED_KEYWORD,
  generalizedTime,
  KEYWORD_PREFIX,
  type LdapObject,
  OBJECT_ATTRIBUTES,
  OWNER_KEYWORD,
  objectFromEntry,
  objectRdn,
  parkedPrefix,
  parkedRdn,
  propertiesOf,
  REMOVING_PREFIX,
} from './mapping.js';
import { domainOf, principalSid, usageOf } from './quota-usage.js';
import { encodeNormalised } from './winsock-addresses.js';

/**
 * How to reach the directory, and its bounds. The per-principal quotas
 * (`maxObjectsPerPrincipal`, `maxAddressesPerPrincipal`) are the embedded
 * store's, with the same defaults and the same WSA_NOT_ENOUGH_MEMORY
 * (docs/directory.md, "Quotas").
 */
export interface LdapDirectoryOptions extends Partial<PrincipalQuotas> {
  /** `ldaps://HOST[:PORT]/BASE-DN` (dn.ts: the container it names). */
  readonly url: string;
  /** Who binds: a UPN (alice@example.com), a DN, or DOMAIN\user. The principal of every call. */
  readonly bind: string;
  readonly password: string;
  /** PEM of the CA(s) that sign the server's certificate; without it, Node's default CAs. */
  readonly ca?: string | Buffer;
  /** Accept any server certificate. Off by default; the CLI names it --insecure-skip-tls-verify. */
  readonly insecureSkipTlsVerify?: boolean;
  /** Longest wait for one LDAP operation, ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Longest wait for the TCP/TLS connection, ms. Default 5,000. */
  readonly connectTimeoutMs?: number;
  /**
   * Most objects the container may hold before a REGISTER that creates one
   * is WSA_NOT_ENOUGH_MEMORY. Default: none (a count is a search over the
   * container on every create; AD's own quotas, msDS-QuotaContainer, limit
   * objects per principal on the server).
   */
  readonly maxObjects?: number;
  /** Most addresses one object may hold. Default 4096. */
  readonly maxAddressesPerObject?: number;
  /** The provider id objects belong to (the registry's Directory id). */
  readonly providerId: string;
  /**
   * How old (by the server's whenChanged) an object parked under
   * `CN=rnrkit-removing-…` must be before this backend takes it for the
   * leftover of a writer that stopped between the rename and the delete,
   * and finishes it: deletes it when empty, else puts it back. Checked on
   * open and on every write to that object. Default 60,000 ms: far longer
   * than a live writer keeps an object parked (two operations, each bounded
   * by its own timeout).
   */
  readonly recoverParkedAfterMs?: number;
}

/** LDAP_SERVER_PERMISSIVE_MODIFY_OID: adding a value that is there, or deleting one that is not, is not an error. */
class PermissiveModifyControl extends Control {
  constructor() {
    super('1.2.840.113556.1.4.1413');
  }
}

/** LDAP_SERVER_SD_FLAGS_OID with OWNER_SECURITY_INFORMATION: read the owner without needing rights to the SACL. */
class OwnerOnlyControl extends Control {
  constructor() {
    super('1.2.840.113556.1.4.801');
  }

  protected override writeControl(writer: Parameters<Control['write']>[0]): void {
    // SEQUENCE { INTEGER 1 } inside the control's OCTET STRING.
    writer.writeBuffer(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), 4);
  }
}

const PERMISSIVE = new PermissiveModifyControl();
const OWNER_ONLY = new OwnerOnlyControl();
/** Attempts of one call before concurrent writers are reported as a failure of the directory. */
const MAX_ATTEMPTS = 12;
/** How often a DEREGISTER or DELETE reads again before it answers that no object exists. */
const NOT_FOUND_REREADS = 4;
const PAGE_SIZE = 200;

/** Thrown inside an attempt when another writer changed the object between our read and our write. */
class Conflict extends Error {}

/**
 * NS_NTDS on Active Directory: the Directory provider's objects as
 * `serviceInstance` objects under CN=WinsockServices,CN=System,<domain>
 * (mapping.ts), written over LDAP. The operation × flags table is the
 * embedded store's (semantics.ts); what changes is how a call is made
 * atomic, since there is no transaction across an LDAP read and write
 * (docs/directory.md, "Atomicity"):
 *
 * - each write is one LDAP operation, which the server applies whole or not
 *   at all: an object is created with every attribute and address at once;
 * - addresses are added and removed as attribute values, never by
 *   rewriting the set, so another writer's values are not lost; because a
 *   value's bytes are its exact-match identity (winsock-addresses.ts), the
 *   server's value comparison is the exact-match rule;
 * - removals that must be exact use a strict modify (a value another writer
 *   removed meanwhile fails it) and are retried after a fresh read;
 * - "delete the object when no address is left" first renames the object to
 *   a private RDN (one atomic modifyDN), so a concurrent REGISTER either
 *   landed before the rename and is seen in the renamed object, which is
 *   then put back, or lands after it and creates a fresh object.
 *
 * Access is the directory's: the principal is the bind identity and the
 * server's ACLs decide; insufficientAccessRights is WSAEACCES.
 */
export class LdapDirectory implements DirectoryBackend, RemoteDirectoryProvider {
  readonly kind = 'ldap';
  readonly location: string;
  readonly displayName: string;
  readonly backend = this;
  readonly maxObjects: number;
  readonly maxAddressesPerObject: number;
  readonly quotas: PrincipalQuotas;
  readonly recoverParkedAfterMs: number;
  /** The bind identity's SID, whom the objects it creates charge (set by open). */
  principalSid = '';
  private readonly owners = new Map<string, string>();

  private constructor(
    private readonly client: Client,
    readonly where: DirectoryLocation,
    readonly principal: string,
    readonly providerId: string,
    options: LdapDirectoryOptions,
  ) {
    this.location = `${where.serverUrl}/${where.containerDn}`;
    this.displayName = `rnrkit Directory (LDAP ${this.location})`;
    this.maxObjects = options.maxObjects ?? Number.POSITIVE_INFINITY;
    this.maxAddressesPerObject = options.maxAddressesPerObject ?? 4096;
    this.quotas = resolvePrincipalQuotas({
      maxObjectsPerPrincipal: options.maxObjectsPerPrincipal,
      maxAddressesPerPrincipal: options.maxAddressesPerPrincipal,
    });
    this.recoverParkedAfterMs = options.recoverParkedAfterMs ?? 60_000;
  }

  /**
   * Connect, bind and check that the directory can hold the mapping: the
   * schema has serviceInstance and the container exists. Every failure is a
   * DirectoryError naming what failed.
   */
  static async open(options: LdapDirectoryOptions): Promise<LdapDirectory> {
    const where = parseDirectoryUrl(options.url);
    // Options are checked before anything is sent, so a bad quota is a UsageError, not a half-open connection.
    resolvePrincipalQuotas({
      maxObjectsPerPrincipal: options.maxObjectsPerPrincipal,
      maxAddressesPerPrincipal: options.maxAddressesPerPrincipal,
    });
    const client = new Client({
      url: where.serverUrl,
      timeout: options.timeoutMs ?? 10_000,
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      tlsOptions: {
        ...(options.ca ? { ca: options.ca } : {}),
        rejectUnauthorized: !options.insecureSkipTlsVerify,
        // Certificates for an address (ldaps://127.0.0.1) name it in subjectAltName IP.
        servername: /^[\d.]+$|:/.test(where.host) ? '' : where.host,
      },
    });
    try {
      await client.bind(options.bind, options.password);
    } catch (e) {
      await client.unbind().catch(() => {});
      throw asDirectoryError(e, `bind as ${options.bind} to ${where.serverUrl}`);
    }
    const directory = new LdapDirectory(client, where, options.bind, options.providerId, options);
    try {
      await directory.checkSchema();
      try {
        directory.principalSid = await principalSid(client, domainOf(where.containerDn), options.bind);
      } catch (e) {
        throw asDirectoryError(e, `looking up the account of ${options.bind}`);
      }
      await directory.recoverParked(REMOVING_PREFIX);
    } catch (e) {
      await client.unbind().catch(() => {});
      throw e;
    }
    return directory;
  }

  private async checkSchema(): Promise<void> {
    let schemaDn: string | undefined;
    try {
      const root = await this.client.search('', { scope: 'base', attributes: ['schemaNamingContext'] });
      schemaDn = String(root.searchEntries[0]?.schemaNamingContext ?? '');
      const found = await this.client.search(schemaDn, {
        scope: 'one',
        filter: '(lDAPDisplayName=serviceInstance)',
        attributes: ['lDAPDisplayName'],
      });
      if (found.searchEntries.length === 0)
        throw new DirectoryError(
          'schema',
          `${this.where.serverUrl}: the schema (${schemaDn}) has no serviceInstance class`,
        );
      const container = await this.client
        .search(this.where.containerDn, { scope: 'base', attributes: ['objectClass'] })
        .catch((e: unknown) => {
          if (e instanceof ResultCodeError && e.code === 32) return undefined;
          throw e;
        });
      if (!container)
        throw new DirectoryError(
          'schema',
          `${this.where.serverUrl}: the container ${this.where.containerDn} does not exist (or this identity may not see it)`,
        );
    } catch (e) {
      throw asDirectoryError(e, `reading the schema of ${this.where.serverUrl}`);
    }
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => {});
  }

  // ---- readers (DirectoryBackend) ----

  async list(): Promise<ServiceObjectJson[]> {
    const objects: { created: number; json: ServiceObjectJson }[] = [];
    for await (const { object, record } of this.walk({})) {
      const { lpszComment: _c, lpVersion: _v, ...json } = record;
      objects.push({ created: object.created, json });
    }
    return objects.sort((a, b) => a.created - b.created).map((o) => o.json);
  }

  async *findObjects(query: DirectoryObjectQuery = {}): AsyncGenerator<DirectoryRecord> {
    for await (const { record } of this.walk(query)) yield record;
  }

  private async *walk(query: DirectoryObjectQuery): AsyncGenerator<{ object: LdapObject; record: DirectoryRecord }> {
    const filters = ['(objectClass=serviceInstance)', `(!(cn=${REMOVING_PREFIX}*))`];
    // Classes are compared here, not in the filter: ldapts reads a filter's \XX escapes as UTF-8, which mangles GUID bytes.
    const classId = query.serviceClassId === undefined ? undefined : canonicalGuid(query.serviceClassId);
    const nameKey = query.instanceName === undefined ? undefined : foldInstanceName(query.instanceName);
    const context = query.context === undefined ? undefined : contextKey(query.context);
    try {
      const pages = this.client.searchPaginated(
        this.where.containerDn,
        {
          scope: 'one',
          filter: `(&${filters.join('')})`,
          attributes: OBJECT_ATTRIBUTES,
          explicitBufferAttributes: BINARY_ATTRIBUTES,
          paged: { pageSize: PAGE_SIZE },
        },
        OWNER_ONLY,
      );
      for await (const page of pages) {
        for (const entry of page.searchEntries) {
          const object = objectFromEntry(entry as Entry & { dn: string });
          if (classId !== undefined && object.serviceClassId !== classId) continue;
          if (nameKey !== undefined && foldInstanceName(object.instanceName) !== nameKey) continue;
          if (context !== undefined && contextKey(object.context) !== context) continue;
          yield { object, record: await this.record(object) };
        }
      }
    } catch (e) {
      throw asDirectoryError(e, `searching ${this.where.containerDn}`);
    }
  }

  private async record(o: LdapObject): Promise<DirectoryRecord> {
    return {
      provider: this.providerId,
      namespace: NS_NTDS,
      lpServiceClassId: o.serviceClassId,
      lpszServiceInstanceName: o.instanceName,
      lpszContext: o.context,
      state: o.state,
      owner: await this.ownerName(o.ownerSid),
      lpcsaBuffer: o.addresses,
      ...(o.opaque.length > 0 ? { opaqueAddresses: o.opaque.map((v) => v.toString('hex')) } : {}),
      lpszComment: o.comment,
      lpVersion: o.version,
    };
  }

  /** The owner's account name (sAMAccountName), or the SID when it names no account this identity can read. */
  private async ownerName(sid: string | undefined): Promise<string> {
    if (!sid) return '';
    const known = this.owners.get(sid);
    if (known !== undefined) return known;
    let name = sid;
    try {
      const base = domainOf(this.where.containerDn);
      const found = await this.client.search(base, {
        scope: 'sub',
        filter: `(objectSid=${sid})`,
        attributes: ['sAMAccountName'],
      });
      const account = found.searchEntries[0]?.sAMAccountName;
      if (account !== undefined) name = String(account);
    } catch {
      // An unreadable owner is shown as its SID.
    }
    this.owners.set(sid, name);
    return name;
  }

  // ---- NSPSetService ----

  async NSPSetServiceAsync(
    providerId: string,
    _serviceClassInfo: unknown,
    qs: QuerySetJson,
    operation: SetServiceOperation,
    controlFlags: number,
    _context: NspCallContext,
  ): Promise<ProviderOutcome> {
    const multiple = (controlFlags & SERVICE_MULTIPLE) !== 0;
    const key = objectKey(providerId, qs.lpServiceClassId!, qs.lpszServiceInstanceName, qs.lpszContext);
    const dn = `${objectRdn(key)},${this.where.containerDn}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(dn, key, qs, operation, multiple, attempt);
      } catch (e) {
        if (e instanceof Conflict) {
          if (attempt < MAX_ATTEMPTS) continue;
          throw new DirectoryError(
            'server',
            `${dn}: other writers changed the object ${MAX_ATTEMPTS} times during one call; nothing was acknowledged`,
          );
        }
        if (e instanceof WinsockError || e instanceof DirectoryError) throw e;
        const winsock = addressErrorAsWinsock(e);
        if (winsock !== e) throw winsock;
        throw asDirectoryError(e, dn);
      }
    }
  }

  private async read(dn: string): Promise<LdapObject | undefined> {
    try {
      const found = await this.client.search(
        dn,
        { scope: 'base', attributes: OBJECT_ATTRIBUTES, explicitBufferAttributes: BINARY_ATTRIBUTES },
        OWNER_ONLY,
      );
      const entry = found.searchEntries[0];
      return entry ? objectFromEntry(entry as Entry & { dn: string }) : undefined;
    } catch (e) {
      if (e instanceof ResultCodeError && e.code === 32) return undefined;
      throw e;
    }
  }

  private async attempt(
    dn: string,
    key: ObjectKey,
    qs: QuerySetJson,
    operation: SetServiceOperation,
    multiple: boolean,
    attemptNumber = 1,
  ): Promise<ProviderOutcome> {
    // One round trip for both: LDAP answers several requests on one connection.
    const [existing, recovered] = await Promise.all([this.read(dn), this.recoverParked(parkedPrefix(key))]);
    // A crashed writer's parked copy of this object was just finished off or put back: read again.
    if (recovered > 0) throw new Conflict();
    if (!existing && operation !== RNRSERVICE_REGISTER && attemptNumber < NOT_FOUND_REREADS) {
      // Another writer's DELETE | SERVICE_MULTIPLE parks an object under a private name for the moment it
      // checks that the object is really empty, and renames it back when someone added an address
      // meanwhile (removeAndDeleteIfEmpty). Read again shortly before answering WSASERVICE_NOT_FOUND.
      await new Promise((resolve) => setTimeout(resolve, 20 * attemptNumber));
      throw new Conflict();
    }
    const requested = qs.lpcsaBuffer ?? [];
    if (!existing && operation === RNRSERVICE_REGISTER) await this.checkObjectQuota();
    const limits = { maxAddressesPerObject: this.maxAddressesPerObject - (existing?.opaque.length ?? 0) };
    const action = applyTable(
      existing && { state: existing.state, addresses: AddressSet.fromCanonical(existing.addresses) },
      operation,
      multiple,
      requested,
      limits,
    );
    await this.checkPrincipalQuotas(existing, action);
    if (!existing) return this.create(dn, qs, action);
    if (action.action === 'delete') {
      if (!multiple) {
        await this.write(() => this.client.del(dn));
        return tableOutcome(action);
      }
      return this.removeAndDeleteIfEmpty(dn, key, existing, action);
    }
    const finalValues = action.addresses.toCanonical().map(encodeNormalised);
    const seen = new Set(existing.values.map((v) => v.toString('hex')));
    const added = finalValues.filter((v) => !seen.has(v.toString('hex')));
    const finalHex = new Set(finalValues.map((v) => v.toString('hex')));
    const changes: Change[] = [];
    const opaqueCount = existing.opaque.length;
    if (operation === RNRSERVICE_REGISTER) {
      // Values only: another writer's addresses added since our read stay (as if they came after this call).
      if (added.length > 0) changes.push(valuesChange('add', 'winsockAddresses', added));
      if (!multiple) {
        const dropped = existing.values.filter((v) => !finalHex.has(v.toString('hex')));
        if (dropped.length > 0) changes.push(valuesChange('delete', 'winsockAddresses', dropped));
      }
      changes.push(...this.propertyChanges(existing, qs));
      await this.write(() => this.client.modify(dn, changes, PERMISSIVE));
      return tableOutcome(action, { addressesBeyondTable: opaqueCount });
    }
    const removed = existing.values.filter((v) => !finalHex.has(v.toString('hex')));
    const deregistering = action.state === 'DEREGISTERED' && existing.state !== 'DEREGISTERED';
    if (operation === RNRSERVICE_DEREGISTER && !multiple) {
      // Remove every address (as one group): another writer's value added before this modify is caught by the check below.
      if (removed.length > 0) changes.push(valuesChange('delete', 'winsockAddresses', removed));
      if (deregistering) changes.push(valuesChange('add', 'keywords', [DEREGISTERED_KEYWORD]));
      if (changes.length > 0) await this.write(() => this.client.modify(dn, changes, PERMISSIVE));
      await this.settleDeregistered(dn, true);
      return tableOutcome(action, { addressesBeyondTable: opaqueCount });
    }
    // DEREGISTER or DELETE with SERVICE_MULTIPLE, the object stays: a strict modify, so each value
    // reported removed was removed by this call (if another writer removed it first, we read again).
    if (removed.length > 0) changes.push(valuesChange('delete', 'winsockAddresses', removed));
    if (deregistering) changes.push(valuesChange('add', 'keywords', [DEREGISTERED_KEYWORD]));
    if (changes.length > 0) await this.write(() => this.client.modify(dn, changes), true);
    if (deregistering) await this.settleDeregistered(dn, false);
    return tableOutcome(action, { addressesBeyondTable: opaqueCount });
  }

  /**
   * DEREGISTERED means no address. A writer whose REGISTER landed after our
   * read but before our modify left an address we did not remove: for
   * DEREGISTER (none) this call is ordered after it, so its addresses go
   * too; for DEREGISTER | SERVICE_MULTIPLE, which only marks the object when
   * nothing is left, the mark comes off again.
   */
  private async settleDeregistered(dn: string, removeAll: boolean): Promise<void> {
    for (let round = 0; round < MAX_ATTEMPTS; round++) {
      const now = await this.read(dn);
      if (now?.state !== 'DEREGISTERED' || now.values.length === 0) return;
      const change = removeAll
        ? valuesChange('delete', 'winsockAddresses', now.values)
        : valuesChange('delete', 'keywords', [DEREGISTERED_KEYWORD]);
      await this.write(() => this.client.modify(dn, [change], PERMISSIVE));
      if (!removeAll) return;
    }
  }

  /** DELETE | SERVICE_MULTIPLE that leaves no address: remove the values, then the object — unless someone added one meanwhile. */
  private async removeAndDeleteIfEmpty(
    dn: string,
    key: ObjectKey,
    existing: LdapObject,
    action: Extract<TableAction, { action: 'delete' }>,
  ): Promise<ProviderOutcome> {
    if (existing.values.length > 0) {
      await this.write(
        () => this.client.modify(dn, [valuesChange('delete', 'winsockAddresses', existing.values)]),
        true,
      );
    }
    if (existing.opaque.length > 0) {
      // Values rnrkit cannot read are still addresses: the object stays.
      return {
        object: 'updated',
        state: existing.state,
        addressCount: existing.opaque.length,
        added: [],
        removed: action.removed,
        unmatched: action.unmatched,
        alreadyPresent: [],
      };
    }
    const parked = parkedRdn(key, randomBytes(8).toString('hex'));
    const parkedDn = `${parked},${this.where.containerDn}`;
    try {
      await this.client.modifyDN(dn, parked);
    } catch (e) {
      // Deleted or renamed by another writer meanwhile: what we removed is gone either way; read again to report truly.
      if (e instanceof ResultCodeError && e.code === 32) throw new Conflict();
      throw mapWriteError(e);
    }
    const left = await this.read(parkedDn);
    if (left && left.values.length === 0 && left.opaque.length === 0) {
      await this.write(() => this.client.del(parkedDn));
      return tableOutcome(action);
    }
    // Another writer added addresses between our modify and the rename: the object stays, with them.
    await this.restoreParked(parkedDn, dn, left);
    const now = await this.read(dn);
    return {
      object: 'updated',
      state: now?.state ?? existing.state,
      addressCount: (now?.values.length ?? 0) + (now?.opaque.length ?? 0),
      added: [],
      removed: action.removed,
      unmatched: action.unmatched,
      alreadyPresent: [],
    };
  }

  /**
   * Put a parked object back under its own DN. When a new object was
   * created under that name meanwhile, the parked addresses are added to it
   * and the parked copy is dropped. A parked copy already gone (another
   * writer finished it) is not an error.
   */
  private async restoreParked(parkedDn: string, dn: string, parked: LdapObject | undefined): Promise<void> {
    const rdn = dn.slice(0, dn.search(/(?<!\\),/));
    try {
      await this.client.modifyDN(parkedDn, rdn);
      return;
    } catch (e) {
      if (e instanceof ResultCodeError && e.code === 32) return;
      if (!(e instanceof ResultCodeError && e.code === 68)) throw mapWriteError(e);
    }
    const values = [...(parked?.values ?? []), ...(parked?.opaque ?? [])];
    if (values.length > 0)
      await this.write(() => this.client.modify(dn, [valuesChange('add', 'winsockAddresses', values)], PERMISSIVE));
    await this.client.del(parkedDn).catch((e: unknown) => {
      if (!(e instanceof ResultCodeError && e.code === 32)) throw mapWriteError(e);
    });
  }

  /**
   * Finish the parked objects whose cn starts with `prefix` and that are
   * older than recoverParkedAfterMs: what a writer left when it stopped
   * between parking an object (DELETE | SERVICE_MULTIPLE) and deleting it.
   * An empty one is deleted, as that writer meant to; one holding addresses
   * (a REGISTER landed before the rename) is put back. Younger ones may be
   * another writer's work in progress and are left alone, and so are other
   * principals' (only their owner, or an administrator by hand, may finish
   * them). Returns how many were finished.
   */
  private async recoverParked(prefix: string): Promise<number> {
    const found = await this.client.search(
      this.where.containerDn,
      {
        scope: 'one',
        filter: `(&(objectClass=serviceInstance)(cn=${prefix}*))`,
        attributes: OBJECT_ATTRIBUTES,
        explicitBufferAttributes: BINARY_ATTRIBUTES,
      },
      OWNER_ONLY,
    );
    if (found.searchEntries.length === 0) return 0;
    // Ages by the server's clock: whenChanged is the server's, and the client's clock may differ.
    const root = await this.client.search('', { scope: 'base', attributes: ['currentTime'] });
    const now = generalizedTime(String(root.searchEntries[0]?.currentTime ?? ''));
    let finished = 0;
    for (const entry of found.searchEntries) {
      const parked = objectFromEntry(entry as Entry & { dn: string });
      // whenChanged has whole seconds: one more second, so nothing younger than the threshold is taken.
      if (!(now - parked.changed >= this.recoverParkedAfterMs + 1000)) continue;
      // Another principal's leftover is theirs to finish: the directory would refuse this one half-way
      // (its addresses moved to the object under the name, the parked copy not deletable).
      if ((parked.quotaOwner ?? parked.ownerSid) !== this.principalSid) continue;
      const key = objectKey(this.providerId, parked.serviceClassId, parked.instanceName, parked.context);
      const dn = `${objectRdn(key)},${this.where.containerDn}`;
      try {
        if (parked.values.length === 0 && parked.opaque.length === 0) {
          await this.client.del(parked.dn).catch((e: unknown) => {
            if (!(e instanceof ResultCodeError && e.code === 32)) throw mapWriteError(e);
          });
        } else {
          await this.restoreParked(parked.dn, dn, parked);
        }
      } catch (e) {
        // Rights narrowed since it was made (an administrator's ACL change): leave it, do not fail the call.
        if (WinsockError.is(e, 'WSAEACCES')) continue;
        throw e;
      }
      finished++;
    }
    return finished;
  }

  /**
   * The per-principal quotas, as the embedded store applies them: only a
   * change that grows a count is checked, against what the owner (the
   * object's, not the caller's: an administrator adding to another's object
   * charges that owner) owns now. One search per such write; none for a
   * write that grows nothing. There is no lock to hold across the count and
   * the write (docs/directory.md, "Quotas", says what that allows).
   */
  private async checkPrincipalQuotas(existing: LdapObject | undefined, action: TableAction): Promise<void> {
    if (action.action !== 'write') return;
    const newObjects = existing ? 0 : 1;
    const newAddresses = action.addresses.size - (existing?.values.length ?? 0);
    if (newObjects <= 0 && newAddresses <= 0) return;
    const owner = existing ? (existing.quotaOwner ?? existing.ownerSid) : this.principalSid;
    // An object whose owner cannot be read (no rights to its descriptor, no keyword) charges nobody.
    if (!owner) return;
    const usage = await usageOf(this.client, this.where.containerDn, owner, newAddresses > 0);
    try {
      checkPrincipalQuota(await this.ownerName(owner), usage, newObjects, newAddresses, this.quotas);
    } catch (e) {
      // Access comes before quotas, as in the embedded store: someone who may not change another's
      // object is told WSAEACCES, not how full its owner is.
      if (existing && owner !== this.principalSid && !(await this.mayWriteAddresses(existing.dn)))
        throw accessDenied(`the directory refused: this identity may not change winsockAddresses of ${existing.dn}`);
      throw e;
    }
  }

  /** Whether the bound identity may write winsockAddresses of `dn` (allowedAttributesEffective, computed by the server from its ACL). */
  private async mayWriteAddresses(dn: string): Promise<boolean> {
    const found = await this.client.search(dn, { scope: 'base', attributes: ['allowedAttributesEffective'] });
    const allowed = found.searchEntries[0]?.allowedAttributesEffective;
    return (Array.isArray(allowed) ? allowed : [allowed]).some((a) => String(a).toLowerCase() === 'winsockaddresses');
  }

  private async create(dn: string, qs: QuerySetJson, action: TableAction): Promise<ProviderOutcome> {
    if (action.action !== 'write') throw new Error('creating an object is a write');
    const props = propertiesOf(qs);
    const attributes: Attribute[] = [
      new Attribute({ type: 'objectClass', values: ['serviceInstance'] }),
      new Attribute({ type: 'displayName', values: [props.displayName] }),
      new Attribute({ type: 'serviceClassID', values: [classIdBytes(qs.lpServiceClassId!)] }),
    ];
    const values = action.addresses.toCanonical().map(encodeNormalised);
    if (values.length > 0) attributes.push(new Attribute({ type: 'winsockAddresses', values }));
    if (props.version) attributes.push(new Attribute({ type: 'serviceInstanceVersion', values: [props.version] }));
    if (props.description !== undefined)
      attributes.push(new Attribute({ type: 'description', values: [props.description] }));
    attributes.push(
      new Attribute({ type: 'keywords', values: [...props.keywords, OWNER_KEYWORD + this.principalSid] }),
    );
    try {
      // One add: the object appears with all its addresses or not at all.
      await this.client.add(dn, attributes);
    } catch (e) {
      if (e instanceof ResultCodeError && e.code === 68) throw new Conflict();
      throw mapWriteError(e);
    }
    return tableOutcome(action);
  }

  /** displayName, version, comment and rnrkit's keywords as this REGISTER brings them; the state becomes REGISTERED. */
  private propertyChanges(existing: LdapObject, qs: QuerySetJson): Change[] {
    const props = propertiesOf(qs);
    const changes = [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'displayName', values: [props.displayName] }),
      }),
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'serviceInstanceVersion', values: props.version ? [props.version] : [] }),
      }),
      new Change({
        operation: 'replace',
        modification: new Attribute({
          type: 'description',
          values: props.description !== undefined ? [props.description] : [],
        }),
      }),
    ];
    // Only rnrkit's own keywords change; anyone else's stay, and so does whom the object's quota charges.
    const ours = existing.keywords.filter(
      (k) => k.startsWith(KEYWORD_PREFIX) && !k.startsWith(OWNER_KEYWORD) && !props.keywords.includes(k),
    );
    if (!ours.includes(DEREGISTERED_KEYWORD)) ours.push(DEREGISTERED_KEYWORD);
    changes.push(valuesChange('delete', 'keywords', ours));
    const wanted = [...props.keywords];
    // An object another writer made starts to count against its owner's quota the first time rnrkit registers to it.
    if (existing.quotaOwner === undefined && existing.ownerSid) wanted.push(OWNER_KEYWORD + existing.ownerSid);
    const fresh = wanted.filter((k) => !existing.keywords.includes(k));
    if (fresh.length > 0) changes.push(valuesChange('add', 'keywords', fresh));
    return changes;
  }

  private async checkObjectQuota(): Promise<void> {
    if (this.maxObjects === Number.POSITIVE_INFINITY) return;
    let count = 0;
    const pages = this.client.searchPaginated(this.where.containerDn, {
      scope: 'one',
      filter: '(objectClass=serviceInstance)',
      attributes: ['1.1'],
      paged: { pageSize: 1000 },
    });
    for await (const page of pages) count += page.searchEntries.length;
    if (count >= this.maxObjects) throw notEnoughMemory(`the container holds its quota of ${this.maxObjects} objects`);
  }

  /** Run one write; a value another writer changed first (strict modifies) or an object gone meanwhile is a Conflict: read again. */
  private async write(op: () => Promise<void>, strict = false): Promise<void> {
    try {
      await op();
    } catch (e) {
      if (e instanceof ResultCodeError && (e.code === 32 || (strict && (e.code === 16 || e.code === 20))))
        throw new Conflict();
      throw mapWriteError(e);
    }
  }
}

function valuesChange(operation: 'add' | 'delete', type: string, values: Buffer[] | string[]): Change {
  return new Change({ operation, modification: new Attribute({ type, values }) });
}

/** A failed write in Winsock terms where there is one: the directory's ACLs refusing is WSAEACCES; a value it will not hold, WSAEINVAL. */
function mapWriteError(e: unknown): Error {
  if (e instanceof ResultCodeError) {
    if (e.code === 50) return accessDenied(`the directory refused: ${e.message}`);
    if (e.code === 19 || e.code === 21) return invalid(`the directory will not hold the object: ${e.message}`);
  }
  return asDirectoryError(e, 'writing');
}

/** Anything that is not a Winsock result, as a DirectoryError of the right kind. */
export function asDirectoryError(e: unknown, doing: string): Error {
  if (e instanceof DirectoryError || e instanceof WinsockError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown }).code;
  if (e instanceof ResultCodeError) {
    if (e.code === 10)
      return new DirectoryError(
        'referral',
        `${doing}: the server answered with a referral (${message}); point --directory at a server that holds the container`,
      );
    if (e.code === 49 || e.code === 8 || e.code === 48 || e.code === 13)
      return new DirectoryError('bind', `${doing}: the bind was refused (${message})`);
    if (e.code === 3) return new DirectoryError('timeout', `${doing}: the server's time limit was exceeded`);
    if (e.code === 17 || e.code === 65)
      return new DirectoryError('schema', `${doing}: the schema does not fit the mapping (${message})`);
    if (e.code === 32) return new DirectoryError('schema', `${doing}: no such object (${message})`);
    return new DirectoryError('server', `${doing}: LDAP result ${e.code} (${message})`);
  }
  if (/timed? ?out|timeout/i.test(message)) return new DirectoryError('timeout', `${doing}: ${message}`);
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|HOSTNAME|ALTNAME/.test(code))
    return new DirectoryError(
      'tls',
      `${doing}: the server's certificate did not verify (${code}: ${message}); give its CA with --ca FILE`,
    );
  if (
    typeof code === 'string' &&
    /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET|EPIPE|EADDRNOTAVAIL/.test(code)
  )
    return new DirectoryError('unreachable', `${doing}: the server cannot be reached (${code})`);
  if (/closed|socket|connect/i.test(message)) return new DirectoryError('unreachable', `${doing}: ${message}`);
  return new DirectoryError('server', `${doing}: ${message}`);
}
