import { layoutOf } from '../abi/layout.js';
import type { Arch } from '../abi/types.js';
import type { Charset, QuerySetJson } from '../codec/canonical.js';
import { decodeQuerySet, parseQuerySetJson } from '../codec/index.js';
import { formatAddress, RnrError } from '../errors.js';
import type { AddressSpace } from '../memory/address-space.js';
import { invalid, notEnoughMemory, WinsockError } from './errors.js';
import { checkSize, isBluetoothBlobSet, querySetStruct } from './validate.js';

/** A query set as canonical JSON, with the arch and charset it stands for. */
export interface CanonicalSource {
  readonly querySet: QuerySetJson | unknown;
  /** Decides the valid dwSize and the pointer size inside lpBlob. Default: the registry's (x64). */
  readonly arch?: Arch;
  /** 'A' for WSASetServiceA (strings are bytes as U+0000–U+00FF). Default 'W'. */
  readonly charset?: Charset;
  /**
   * The caller's memory that pointers inside lpBlob point into (Bluetooth's
   * pRecordHandle), when there is one.
   */
  readonly memory?: AddressSpace;
}

/** A query set as it lies in memory: an address space and where the struct is. */
export interface RawSource {
  readonly space: AddressSpace;
  readonly at: number;
  readonly arch: Arch;
  readonly charset: Charset;
}

/** What setService accepts: a canonical object, a canonical object with options, or a raw image. */
export type QuerySetSource = QuerySetJson | CanonicalSource | RawSource;

export interface ResolvedSource {
  readonly querySet: QuerySetJson;
  readonly arch: Arch;
  readonly charset: Charset;
  readonly memory?: AddressSpace;
}

export function isRawSource(source: QuerySetSource): source is RawSource {
  return typeof source === 'object' && source !== null && 'space' in source && 'at' in source;
}

export function isCanonicalSource(source: QuerySetSource): source is CanonicalSource {
  return typeof source === 'object' && source !== null && 'querySet' in source && !('dwSize' in source);
}

/**
 * The source as the W or A form of a call sees it. A source that declares
 * the other charset (a WSAQUERYSETA image given to a W call, or the
 * reverse) is refused with WSAEINVAL naming `parameter`: the bytes are not
 * the struct the call takes, and reading them as such would misread every
 * string. A source that declares nothing takes the form's charset.
 */
export function sourceInCharset(
  source: QuerySetSource,
  charset: Charset,
  call: string,
  parameter: string,
): QuerySetSource {
  const declared = isRawSource(source) || isCanonicalSource(source) ? source.charset : undefined;
  if (declared !== undefined && declared !== charset)
    throw invalid(`${call} was given a WSAQUERYSET${String(declared)}, not a WSAQUERYSET${charset}`, parameter);
  if (isRawSource(source)) return source;
  if (isCanonicalSource(source)) return { ...source, charset };
  return { querySet: source, charset };
}

/** Members WSASetService ignores: an unreadable pointer there is not the caller's problem. */
const IGNORED_MEMBERS = ['lpafpProtocols', 'lpszQueryString'];

/**
 * Turn what the caller passed into a validated canonical query set.
 *
 * Canonical JSON goes through the codec's parseQuerySetJson (shape, types,
 * hex); a raw image is decoded from memory after its dwSize is checked (a
 * wrong size means the bytes are not a query set of this arch, so nothing
 * behind it is followed) and after dwNumberOfCsAddrs is checked against
 * `maxAddresses` (no allocation from an untrusted count). Decoding is
 * lenient so that a dangling pointer in a member WSASetService ignores does
 * not fail the call; one in any other member is WSAEINVAL naming it and its
 * address.
 */
export function resolveSource(source: QuerySetSource, defaultArch: Arch, maxAddresses: number): ResolvedSource {
  if (isRawSource(source)) return decodeRaw(source, maxAddresses);
  const wrapped = isCanonicalSource(source);
  const value = wrapped ? source.querySet : source;
  const arch = (wrapped ? source.arch : undefined) ?? defaultArch;
  const charset = (wrapped ? source.charset : undefined) ?? 'W';
  let querySet: QuerySetJson;
  try {
    querySet = parseQuerySetJson(value);
  } catch (e) {
    throw asInvalid(e);
  }
  if (Array.isArray(querySet.lpcsaBuffer) && querySet.lpcsaBuffer.length > maxAddresses) {
    throw notEnoughMemory(
      `${querySet.lpcsaBuffer.length} addresses exceed the ${maxAddresses} one call may carry`,
      'lpcsaBuffer',
    );
  }
  const memory = wrapped ? source.memory : undefined;
  return memory ? { querySet, arch, charset, memory } : { querySet, arch, charset };
}

function decodeRaw(source: RawSource, maxAddresses: number): ResolvedSource {
  const { space, at, arch, charset } = source;
  const layout = layoutOf(querySetStruct(charset), arch);
  let dwSize: number;
  let count: number;
  try {
    const fixed = space.locate(at, layout.size);
    dwSize = fixed.view.getUint32(fixed.offset + layout.field('dwSize').offset, true);
    count = fixed.view.getUint32(fixed.offset + layout.field('dwNumberOfCsAddrs').offset, true);
  } catch (e) {
    throw asInvalid(e);
  }
  checkSize(dwSize, arch, charset);
  if (count > maxAddresses)
    throw notEnoughMemory(
      `dwNumberOfCsAddrs ${count} exceeds the ${maxAddresses} addresses one call may carry`,
      'dwNumberOfCsAddrs',
    );
  let querySet: QuerySetJson;
  try {
    querySet = decodeQuerySet(space, at, {
      arch,
      charset,
      lenient: true,
      limits: { maxCount: Math.max(maxAddresses, 1) },
    });
  } catch (e) {
    throw asInvalid(e);
  }
  const unresolved = (querySet.$unresolved ?? []) as { path: string; address: string; reason: string }[];
  const bluetoothBlob = isBluetoothBlobSet(querySet);
  for (const u of unresolved) {
    const member = u.path.split(/[.[]/)[0]!;
    if (IGNORED_MEMBERS.includes(member)) continue;
    // The Bluetooth blob form uses only dwSize, dwNameSpace and the blob.
    if (bluetoothBlob && member !== 'lpBlob') continue;
    throw invalid(u.address && !u.reason.includes(u.address) ? `${u.reason} (at ${u.address})` : u.reason, u.path);
  }
  const { $unresolved: _, ...clean } = querySet;
  return { querySet: clean as QuerySetJson, arch, charset, memory: space };
}

/** Bad input from the codec (a path and an address in its message) as WSAEINVAL; lookups read their restrictions with it too. */
export function asInvalid(e: unknown): WinsockError {
  if (e instanceof WinsockError) return e;
  if (e instanceof RnrError) {
    const address = (e as { address?: bigint }).address;
    const detail =
      address !== undefined && !e.detail.includes(formatAddress(address))
        ? `${e.detail} (at ${formatAddress(address)})`
        : e.detail;
    return invalid(detail, e.path);
  }
  throw e;
}
