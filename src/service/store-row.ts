import type { WsaVersionJson } from '../codec/canonical.js';
import { RnrError } from '../errors.js';
import { AddressSet } from '../match/index.js';
import { StoreError } from './errors.js';
import type { ObjectState } from './semantics.js';
import type { ObjectProperties, StoredObject } from './store.js';

/** The service_object columns every reader of the store selects, in ServiceObjectRow's order. */
export const SERVICE_OBJECT_COLUMNS =
  'id, provider, namespace, service_class_id, instance_name, context, state, owner, addresses, properties';

/**
 * A service_object row as SQLite hands it over. SQLite keeps whatever type
 * a value was written with, whatever the column says, so a damaged file can
 * hold anything in any column: every column but the id is unknown until
 * decodeServiceObjectRow has looked at it.
 */
export interface ServiceObjectRow {
  readonly id: number;
  readonly provider: unknown;
  readonly namespace: unknown;
  readonly service_class_id: unknown;
  readonly instance_name: unknown;
  readonly context: unknown;
  readonly state: unknown;
  readonly owner: unknown;
  readonly addresses: unknown;
  readonly properties: unknown;
}

const STATES: readonly unknown[] = ['REGISTERED', 'DEREGISTERED'] satisfies ObjectState[];

/**
 * The one reading of a service_object row, for the store's own connection
 * (store.ts) and for a lookup's snapshot connection (lookup/store-snapshot.ts):
 * the same damage is the same StoreError through either, one line naming
 * the store file, the row and the column —
 * `rnrkit.db: service_object 7: properties is damaged: lpVersion.ecHow is "x", not a DWORD`.
 * Nothing is repaired or guessed: a row that cannot be read as it was
 * written is refused.
 */
export function decodeServiceObjectRow(row: ServiceObjectRow, storePath: string): StoredObject {
  const where = `service_object ${row.id}`;
  const damaged = (column: string, why: string): StoreError => rowDamaged(storePath, where, column, why);
  if (typeof row.provider !== 'string') throw damaged('provider', `${describe(row.provider)}, not text`);
  if (!isDword(row.namespace)) throw damaged('namespace', `${describe(row.namespace)}, not a DWORD`);
  if (typeof row.service_class_id !== 'string')
    throw damaged('service_class_id', `${describe(row.service_class_id)}, not text`);
  if (!STATES.includes(row.state)) throw damaged('state', `${describe(row.state)}, not REGISTERED or DEREGISTERED`);
  if (typeof row.owner !== 'string') throw damaged('owner', `${describe(row.owner)}, not text`);
  return {
    id: row.id,
    provider: row.provider,
    namespace: row.namespace,
    serviceClassId: row.service_class_id,
    instanceName: nullableString(row.instance_name, (why) => damaged('instance_name', why)),
    context: nullableString(row.context, (why) => damaged('context', why)),
    state: row.state as ObjectState,
    owner: row.owner,
    addresses: decodeStoredAddresses(row.addresses, storePath, where),
    properties: objectProperties(row.properties, (why) => damaged('properties', why)),
  };
}

/**
 * An address set as the store keeps it (service_object.addresses, the
 * stale-address journal); `where` names its row. The provider enforces its
 * own per-object quota: a quota stored with the set (from when it was
 * built) is not the authority, so none is applied here.
 */
export function decodeStoredAddresses(bytes: unknown, storePath: string, where: string): AddressSet {
  if (!(bytes instanceof Uint8Array)) throw rowDamaged(storePath, where, 'addresses', `${describe(bytes)}, not a blob`);
  try {
    return AddressSet.fromBytes(bytes, { maxEntries: Infinity });
  } catch (e) {
    if (e instanceof RnrError) throw rowDamaged(storePath, where, 'addresses', e.message);
    throw e;
  }
}

function rowDamaged(storePath: string, where: string, column: string, why: string): StoreError {
  return new StoreError(`${storePath}: ${where}: ${column} ${column === 'addresses' ? 'are' : 'is'} damaged: ${why}`);
}

/** instance_name and context: the JSON of a string, or of null (no name, no context). */
function nullableString(value: unknown, damaged: (why: string) => StoreError): string | null {
  const parsed = parseJson(value, damaged);
  if (parsed !== null && typeof parsed !== 'string')
    throw damaged(`${describe(parsed)} in the JSON, not a string or null`);
  return parsed;
}

/** properties: the JSON of { lpszComment?, lpVersion? }, each absent or null when the object has none. */
function objectProperties(value: unknown, damaged: (why: string) => StoreError): ObjectProperties {
  const parsed = parseJson(value, damaged);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw damaged(`${describe(parsed)} in the JSON, not an object`);
  const { lpszComment = null, lpVersion = null } = parsed as { lpszComment?: unknown; lpVersion?: unknown };
  if (lpszComment !== null && typeof lpszComment !== 'string')
    throw damaged(`lpszComment is ${describe(lpszComment)}, not a string or null`);
  if (lpVersion === null) return { lpszComment, lpVersion };
  if (typeof lpVersion !== 'object' || Array.isArray(lpVersion))
    throw damaged(`lpVersion is ${describe(lpVersion)}, not an object or null`);
  const { dwVersion, ecHow } = lpVersion as Partial<Record<keyof WsaVersionJson, unknown>>;
  if (!isDword(dwVersion)) throw damaged(`lpVersion.dwVersion is ${describe(dwVersion)}, not a DWORD`);
  if (!isDword(ecHow)) throw damaged(`lpVersion.ecHow is ${describe(ecHow)}, not a DWORD`);
  return { lpszComment, lpVersion: { dwVersion, ecHow } };
}

function parseJson(value: unknown, damaged: (why: string) => StoreError): unknown {
  if (typeof value !== 'string') throw damaged(`${describe(value)}, not JSON text`);
  try {
    return JSON.parse(value);
  } catch (e) {
    throw damaged(`not JSON (${(e as Error).message})`);
  }
}

function isDword(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** A value in a message: short, whatever it is (a blob is not dumped). */
function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `a ${value.length}-byte blob`;
  if (value === undefined) return 'missing';
  if (typeof value === 'bigint') return `${value}`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
