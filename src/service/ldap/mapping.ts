import { createHash } from 'node:crypto';
import { guidFromBytes, guidToBytes } from '../../abi/guid.js';
import type { CsAddrInfoJson, QuerySetJson, WsaVersionJson } from '../../codec/canonical.js';
import { invalid } from '../errors.js';
import type { ObjectKey } from '../object-key.js';
import type { ObjectState } from '../semantics.js';
import { escapeDnValue } from './dn.js';
import { decodeAddress } from './winsock-addresses.js';

/**
 * How a Directory object maps onto a `serviceInstance` ([MS-ADSC]: must
 * contain serviceClassID and displayName, may contain winsockAddresses and
 * serviceInstanceVersion; a connectionPoint, so it may also carry keywords
 * and, from top, description). docs/directory.md explains each choice.
 *
 * | Directory object          | serviceInstance attribute                              |
 * |---------------------------|--------------------------------------------------------|
 * | lpServiceClassId          | serviceClassID: the GUID's 16 bytes in memory order     |
 * | lpszServiceInstanceName   | displayName (and the RDN's readable part)               |
 * | lpVersion                 | serviceInstanceVersion: dwVersion, ecHow (u32 LE each)  |
 * | lpszComment               | description                                             |
 * | each CSADDR_INFO          | one winsockAddresses value (winsock-addresses.ts)        |
 * | lpszContext               | keywords value `rnrkit:context=<JSON string>`           |
 * | DEREGISTERED              | keywords value `rnrkit:state=DEREGISTERED`               |
 * | owner                     | the object's owner in nTSecurityDescriptor               |
 * | whom its quota charges    | keywords value `rnrkit:owner=<SID>` (quota-usage.ts)     |
 *
 * A string the attribute cannot hold exactly (a lone surrogate, which UTF-8
 * cannot carry; a NUL; more characters than the attribute's range) is kept
 * exactly in a keywords value instead (`rnrkit:name=…`, `rnrkit:comment=…`),
 * with a readable stand-in in displayName; what does not fit a keywords
 * value either is refused with WSAEINVAL naming the member.
 */
export const KEYWORD_PREFIX = 'rnrkit:';
const CONTEXT_KEYWORD = 'rnrkit:context=';
const NAME_KEYWORD = 'rnrkit:name=';
const COMMENT_KEYWORD = 'rnrkit:comment=';
export const DEREGISTERED_KEYWORD = 'rnrkit:state=DEREGISTERED';
/**
 * `rnrkit:owner=<SID>`: the principal whose quotas the object counts
 * against (quota-usage.ts). keywords is indexed in the AD schema, so the
 * server finds a principal's objects without reading anyone else's; the
 * owner in nTSecurityDescriptor cannot be searched.
 */
export const OWNER_KEYWORD = 'rnrkit:owner=';
/** rangeUpper of keywords, displayName and description in the AD schema. */
const KEYWORD_MAX = 256;
const DISPLAY_NAME_MAX = 256;
const DESCRIPTION_MAX = 1024;
/** cn's rangeUpper is 64: the RDN is a readable prefix of the name and the identity's hash. */
const RDN_PREFIX_MAX = 40;
const HASH_HEX = 20;
/** The RDN prefix of objects being deleted (ldap-directory.ts, DELETE | SERVICE_MULTIPLE). */
export const REMOVING_PREFIX = 'rnrkit-removing-';

/** The attributes read for every object. */
export const OBJECT_ATTRIBUTES = [
  'displayName',
  'serviceClassID',
  'serviceInstanceVersion',
  'winsockAddresses',
  'description',
  'keywords',
  'nTSecurityDescriptor',
  'uSNCreated',
  'whenChanged',
];
export const BINARY_ATTRIBUTES = [
  'serviceClassID',
  'serviceInstanceVersion',
  'winsockAddresses',
  'nTSecurityDescriptor',
];

/**
 * The RDN of the object with this identity: `CN=<the folded name, cut to 40
 * characters> <hash>`, the hash being 80 bits of SHA-256 over (class,
 * folded name, context). A pure function of the identity, so the
 * directory's own uniqueness of DNs makes one object per identity — two
 * writers creating it at once get one object and one entryAlreadyExists —
 * whatever the server's own case rules are.
 */
export function objectRdn(key: ObjectKey): string {
  const hash = identityHash(key);
  const readable = [...(key.instanceKey.startsWith('\u0000') ? '' : key.instanceKey)]
    .filter(
      (c) => c.length > 1 || (c.charCodeAt(0) >= 0x20 && !(c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff)),
    )
    .slice(0, RDN_PREFIX_MAX)
    .join('')
    .trim();
  return `CN=${escapeDnValue(readable ? `${readable} ${hash}` : hash)}`;
}

function identityHash(key: ObjectKey): string {
  return createHash('sha256')
    .update(JSON.stringify([key.serviceClassId, key.instanceKey, key.contextKey]))
    .digest('hex')
    .slice(0, HASH_HEX);
}

/**
 * The RDN an object is parked under while DELETE | SERVICE_MULTIPLE checks
 * that it is empty: `CN=rnrkit-removing-<identity hash>-<random>`. The
 * hash lets a later write to the same identity find a parked object a
 * crashed writer left behind (parkedPrefix); the random part keeps two
 * writers' parked copies apart. 16 + 20 + 1 + 16 characters, within cn's 64.
 */
export function parkedRdn(key: ObjectKey, random: string): string {
  return `CN=${parkedPrefix(key)}${random}`;
}

/** The cn prefix every parked copy of this identity has (for a substring filter). */
export function parkedPrefix(key: ObjectKey): string {
  return `${REMOVING_PREFIX}${identityHash(key)}-`;
}

/** A stored object as read from the directory. */
export interface LdapObject {
  readonly dn: string;
  readonly instanceName: string | null;
  readonly serviceClassId: string;
  readonly context: string | null;
  readonly state: ObjectState;
  /** Parsed values, normalised, in the server's order; `values[i]` is `addresses[i]`'s bytes. */
  readonly addresses: CsAddrInfoJson[];
  readonly values: Buffer[];
  /** Values rnrkit cannot parse. */
  readonly opaque: Buffer[];
  readonly comment: string | null;
  readonly version: WsaVersionJson | null;
  readonly keywords: string[];
  readonly ownerSid: string | undefined;
  /** The SID of its `rnrkit:owner=` keyword: whom its quota charges (absent on objects other writers made). */
  readonly quotaOwner: string | undefined;
  readonly created: number;
  /** whenChanged, ms since 1970 (the server's clock, to the second). */
  readonly changed: number;
}

/** No lone surrogate (UTF-8, the directory's encoding, cannot carry one). */
function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

function toWellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Whether an attribute of `max` characters holds `text` exactly. */
function fits(text: string, max: number): boolean {
  return text.length > 0 && text.length <= max && isWellFormed(text) && !text.includes('\u0000');
}

/** A keywords value, or WSAEINVAL naming the member when it is too long for one. */
function keyword(prefix: string, value: string, member: string): string {
  const text = prefix + JSON.stringify(value);
  if (text.length > KEYWORD_MAX)
    throw invalid(
      `${text.length - prefix.length} characters once quoted; the directory holds at most ${KEYWORD_MAX - prefix.length}`,
      member,
    );
  return text;
}

/** What a REGISTER writes besides addresses: displayName, version, description and rnrkit's keywords. */
export interface ObjectProperties {
  readonly displayName: string;
  readonly version: Buffer | undefined;
  readonly description: string | undefined;
  /** rnrkit's keywords (context, exact name or comment), without the state. */
  readonly keywords: string[];
}

export function propertiesOf(qs: QuerySetJson): ObjectProperties {
  const name = qs.lpszServiceInstanceName;
  const keywords: string[] = [];
  let displayName: string;
  if (name !== null && fits(name, DISPLAY_NAME_MAX)) displayName = name;
  else {
    if (name !== null) keywords.push(keyword(NAME_KEYWORD, name, 'lpszServiceInstanceName'));
    // displayName is mandatory: a readable stand-in, the exact name being in keywords.
    displayName =
      name === null
        ? '(no name)'
        : toWellFormed(name).replaceAll('\u0000', '\ufffd').slice(0, DISPLAY_NAME_MAX) || '(empty name)';
  }
  let description: string | undefined;
  const comment = qs.lpszComment;
  if (comment !== null) {
    if (fits(comment, DESCRIPTION_MAX)) description = comment;
    else keywords.push(keyword(COMMENT_KEYWORD, comment, 'lpszComment'));
  }
  if (qs.lpszContext !== null) keywords.push(keyword(CONTEXT_KEYWORD, qs.lpszContext, 'lpszContext'));
  let version: Buffer | undefined;
  if (qs.lpVersion) {
    version = Buffer.alloc(8);
    version.writeUInt32LE(qs.lpVersion.dwVersion >>> 0, 0);
    version.writeUInt32LE(qs.lpVersion.ecHow >>> 0, 4);
  }
  return { displayName, version, description, keywords };
}

export function classIdBytes(classId: string): Buffer {
  return Buffer.from(guidToBytes(classId));
}

type RawEntry = Record<string, unknown> & { dn: string };

function buffers(value: unknown): Buffer[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8')));
}

function strings(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

function fromKeyword(keywords: readonly string[], prefix: string): string | null | undefined {
  const text = keywords.find((k) => k.startsWith(prefix));
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text.slice(prefix.length)) as unknown;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An entry as ldapts returns it (binary attributes as Buffers), as a stored object. */
export function objectFromEntry(entry: RawEntry): LdapObject {
  const keywords = strings(entry.keywords);
  const values: Buffer[] = [];
  const addresses: CsAddrInfoJson[] = [];
  const opaque: Buffer[] = [];
  for (const value of buffers(entry.winsockAddresses)) {
    const decoded = decodeAddress(value);
    if (decoded) {
      addresses.push(decoded);
      values.push(value);
    } else opaque.push(value);
  }
  const classBytes = buffers(entry.serviceClassID)[0];
  const versionBytes = buffers(entry.serviceInstanceVersion)[0];
  const displayName = strings(entry.displayName)[0] ?? null;
  const description = strings(entry.description)[0];
  return {
    dn: entry.dn,
    instanceName: fromKeyword(keywords, NAME_KEYWORD) ?? displayName,
    serviceClassId:
      classBytes && classBytes.length === 16 ? guidFromBytes(classBytes) : '{00000000-0000-0000-0000-000000000000}',
    context: fromKeyword(keywords, CONTEXT_KEYWORD) ?? null,
    state: keywords.includes(DEREGISTERED_KEYWORD) ? 'DEREGISTERED' : 'REGISTERED',
    addresses,
    values,
    opaque,
    comment: description ?? fromKeyword(keywords, COMMENT_KEYWORD) ?? null,
    version:
      versionBytes && versionBytes.length === 8
        ? { dwVersion: versionBytes.readUInt32LE(0), ecHow: versionBytes.readUInt32LE(4) }
        : null,
    keywords,
    ownerSid: ownerOf(buffers(entry.nTSecurityDescriptor)[0]),
    quotaOwner: quotaOwnerOf(keywords),
    created: Number(strings(entry.uSNCreated)[0] ?? 0),
    changed: generalizedTime(strings(entry.whenChanged)[0]),
  };
}

/**
 * The SID in an `rnrkit:owner=` keyword. Anyone who may write the object
 * may write keywords, so a value that is not a SID's string form is
 * ignored (the descriptor's owner is charged instead) rather than put into
 * a search filter or a message.
 */
function quotaOwnerOf(keywords: readonly string[]): string | undefined {
  return keywords
    .filter((k) => k.startsWith(OWNER_KEYWORD))
    .map((k) => k.slice(OWNER_KEYWORD.length))
    .find((sid) => /^S-1-\d{1,15}(-\d{1,10}){1,15}$/.test(sid));
}

/** The owner SID of a self-relative SECURITY_DESCRIPTOR ([MS-DTYP] 2.4.6), as S-1-…; undefined when absent or malformed. */
export function ownerOf(sd: Buffer | undefined): string | undefined {
  if (!sd || sd.length < 20) return undefined;
  const offset = sd.readUInt32LE(4);
  if (offset === 0) return undefined;
  return sidString(sd, offset);
}

/** A binary SID ([MS-DTYP] 2.4.2) at `offset`, as S-1-…; undefined when it does not fit. */
export function sidString(bytes: Buffer, offset = 0): string | undefined {
  if (offset + 8 > bytes.length) return undefined;
  const count = bytes[offset + 1]!;
  if (offset + 8 + count * 4 > bytes.length) return undefined;
  let authority = 0;
  for (let i = 0; i < 6; i++) authority = authority * 256 + bytes[offset + 2 + i]!;
  const parts = [`S-${bytes[offset]}-${authority}`];
  for (let i = 0; i < count; i++) parts.push(String(bytes.readUInt32LE(offset + 8 + i * 4)));
  return parts.join('-');
}

/** A GeneralizedTime as AD writes it (`20261203132436.0Z`), as ms since 1970; NaN when absent or not that shape. */
export function generalizedTime(text: string | undefined): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text ?? '');
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}
