import { AF_INET, AF_INET6, IPROTOCOL_ANY } from '../abi/constants.js';
import { layoutOf } from '../abi/layout.js';
import { ARCHES } from '../abi/types.js';
import type { EntryCursor } from './entry-cursor.js';
import { NO_FAMILY, substituteProtocol } from './protocol.js';

/**
 * THE match rule for CSADDR_INFO entries. Everything in rnrkit that compares
 * two entries (AddressSet, `rnrkit match`, the service's DELETE and
 * DEREGISTER with SERVICE_MULTIPLE) goes through `normaliseEntry` below and
 * then compares the normalised entries field by field and byte by byte.
 *
 * RNRSERVICE_DELETE with SERVICE_MULTIPLE removes "only the specified
 * address, and this must match exactly the corresponding CSADDR_INFO
 * structure that was specified when the service was registered". rnrkit
 * reads "exactly" as: two entries match when
 *
 * 1. their iSocketType values are equal;
 * 2. their iProtocol values are equal after IPROTOCOL_ANY (-1) substitution
 *    (NSPSetService: "the namespace provider should substitute an acceptable
 *    value for the given address family and socket type"; see protocol.ts —
 *    the family is the first two bytes of LocalAddr's sockaddr, or of
 *    RemoteAddr's when LocalAddr has none);
 * 3. LocalAddr and RemoteAddr each have equal iSockaddrLength and equal
 *    bytes over that length.
 *
 * What never takes part: the lpSockaddr pointer values (the same address
 * registered from two buffers, or from an x86 and an x64 process, is the
 * same address) and the CSADDR_INFO padding. A NULL lpSockaddr and an
 * iSockaddrLength of 0 both mean "no address": such a SOCKET_ADDRESS equals
 * any other "no address", whatever its pointer or length (a NULL pointer
 * with length 16 is "no address" too, since there are no bytes to compare).
 *
 * Semantic mode (opt-in; exact is the default) also ignores the bytes of a
 * sockaddr that carry no meaning, and only these:
 * - SOCKADDR_IN (family AF_INET): `sin_zero`, the 8 bytes of padding;
 * - SOCKADDR_IN6 (family AF_INET6): `sin6_flowinfo`, which is per-packet
 *   flow state, not part of the endpoint.
 * They count as zero (lengths must still be equal; bytes past the sockaddr's
 * length never count). SOCKADDR_IPX and SOCKADDR_BTH have no such bytes:
 * every field of theirs names the endpoint.
 */
export type MatchMode = 'exact' | 'semantic';
export const MATCH_MODES: readonly MatchMode[] = ['exact', 'semantic'];

/** A byte range of a sockaddr that semantic mode treats as zero. */
export interface IgnoredRange {
  readonly family: number;
  readonly member: string;
  readonly start: number;
  readonly end: number;
}

function ignored(family: number, struct: string, member: string): IgnoredRange {
  // Sockaddrs are the same on both archs; check rather than assume, and
  // check the range is word-aligned: the matcher masks whole 32-bit words.
  const ranges = ARCHES.map((arch) => {
    const f = layoutOf(struct, arch).field(member);
    return { family, member: `${struct}.${member}`, start: f.offset, end: f.offset + f.size };
  });
  const [first] = ranges;
  if (
    !first ||
    ranges.some((r) => r.start !== first.start || r.end !== first.end) ||
    first.start % 4 !== 0 ||
    first.end % 4 !== 0
  ) {
    throw new Error(`${struct}.${member} is not at the same word-aligned offset on every arch`);
  }
  return first;
}

/** Exactly what semantic mode ignores, by address family. */
export const SEMANTIC_IGNORED: readonly IgnoredRange[] = [
  ignored(AF_INET, 'SOCKADDR_IN', 'sin_zero'),
  ignored(AF_INET6, 'SOCKADDR_IN6', 'sin6_flowinfo'),
];
const ignoredStart = new Map(SEMANTIC_IGNORED.map((r) => [r.family, r.start]));
const ignoredEnd = new Map(SEMANTIC_IGNORED.map((r) => [r.family, r.end]));

/**
 * Whether a SOCKET_ADDRESS holds an address (rule: a NULL lpSockaddr or an
 * iSockaddrLength of 0 means none). Loaders reject a negative length behind
 * a non-NULL pointer before asking.
 */
export function hasAddress(pointerIsNull: boolean, iSockaddrLength: number): boolean {
  return !pointerIsNull && iSockaddrLength !== 0;
}

/**
 * Bring a loaded entry into the form the rule compares: IPROTOCOL_ANY
 * substituted, and in semantic mode the ignored range of each sockaddr set.
 * The loader has already reduced "no address" to length 0. Throws
 * ProtocolSubstitutionError (path `iProtocol`).
 */
export function normaliseEntry(c: EntryCursor, semantic: boolean): void {
  if (c.iProtocol === IPROTOCOL_ANY) {
    const local = familyOf(c.localBytes, c.localOffset, c.localLength);
    c.iProtocol = substituteProtocol(
      local !== NO_FAMILY ? local : familyOf(c.remoteBytes, c.remoteOffset, c.remoteLength),
      c.iSocketType,
      c.iProtocol,
    );
  }
  if (semantic) {
    const local = familyOf(c.localBytes, c.localOffset, c.localLength);
    const remote = familyOf(c.remoteBytes, c.remoteOffset, c.remoteLength);
    c.localSkipStart = ignoredStart.get(local) ?? 0;
    c.localSkipEnd = ignoredEnd.get(local) ?? 0;
    c.remoteSkipStart = ignoredStart.get(remote) ?? 0;
    c.remoteSkipEnd = ignoredEnd.get(remote) ?? 0;
  } else {
    c.localSkipStart = c.localSkipEnd = c.remoteSkipStart = c.remoteSkipEnd = 0;
  }
}

/** A sockaddr's address family: its first two bytes (little-endian), or NO_FAMILY when it has fewer. */
function familyOf(bytes: Uint8Array, offset: number, length: number): number {
  return length >= 2 ? bytes[offset]! | (bytes[offset + 1]! << 8) : NO_FAMILY;
}
