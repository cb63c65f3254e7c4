import type { CsAddrInfoJson } from '../../codec/canonical.js';
import { AddressSet } from '../../match/index.js';

/**
 * One winsockAddresses value per CSADDR_INFO. No public document defines
 * how Windows lays out a value ([MS-ADA3] gives the attribute only as a
 * multi-valued octet string), so rnrkit defines its own, versioned format
 * (docs/directory.md, "winsockAddresses values"). Version 1, little-endian:
 *
 * | offset | size | member                                                        |
 * |--------|------|---------------------------------------------------------------|
 * | 0      | 4    | 'R' 'N' 'R' 0x01: format tag and version                       |
 * | 4      | 4    | iSocketType (int32)                                           |
 * | 8      | 4    | iProtocol (int32), after IPROTOCOL_ANY substitution            |
 * | 12     | 2    | LocalAddr length in bytes (0: no address)                      |
 * | 14     | 2    | RemoteAddr length in bytes (0: no address)                     |
 * | 16     | L+R  | LocalAddr's sockaddr bytes, then RemoteAddr's                  |
 *
 * It holds exactly what the exact-match rule (src/match/rule.ts) compares
 * after normalisation — socket type, substituted protocol, each address's
 * length and bytes — and nothing it ignores (pointer values, padding, a
 * length behind a NULL pointer). Each normalised entry has one encoding, so
 * two values are equal octet strings exactly when their entries match, and
 * the directory's own value equality (what an LDAP modify's add and delete
 * compare) is rnrkit's exact-match rule.
 */
export const WINSOCK_ADDRESS_VERSION = 1;
const TAG = [0x52, 0x4e, 0x52, WINSOCK_ADDRESS_VERSION] as const;
const HEADER = 16;
const MAX_SOCKADDR = 0xffff;

/** The values of `entries`, normalised the way AddressSet normalises them (IPROTOCOL_ANY substituted). */
export function encodeAddresses(entries: readonly CsAddrInfoJson[]): Buffer[] {
  return AddressSet.fromCanonical(entries).toCanonical().map(encodeNormalised);
}

/** The value of one entry already normalised (as AddressSet yields them). */
export function encodeNormalised(entry: CsAddrInfoJson): Buffer {
  const local = sockaddrBytes(entry.LocalAddr.lpSockaddr, entry.LocalAddr.iSockaddrLength);
  const remote = sockaddrBytes(entry.RemoteAddr.lpSockaddr, entry.RemoteAddr.iSockaddrLength);
  const value = Buffer.alloc(HEADER + local.length + remote.length);
  value.set(TAG, 0);
  value.writeInt32LE(entry.iSocketType, 4);
  value.writeInt32LE(entry.iProtocol, 8);
  value.writeUInt16LE(local.length, 12);
  value.writeUInt16LE(remote.length, 14);
  local.copy(value, HEADER);
  remote.copy(value, HEADER + local.length);
  return value;
}

function sockaddrBytes(hex: string | null, length: number): Buffer {
  if (hex === null || length === 0) return Buffer.alloc(0);
  if (length > MAX_SOCKADDR)
    throw new RangeError(`a sockaddr of ${length} bytes does not fit a winsockAddresses value`);
  return Buffer.from(hex.slice(0, length * 2), 'hex');
}

/**
 * The entry a value holds, or undefined when it is not a version 1 value in
 * its one canonical form (another writer's format, a later version, a
 * damaged value, an entry that normalises to something else): such values
 * are opaque to rnrkit, listed as hex and never counted as matches.
 */
export function decodeAddress(value: Uint8Array): CsAddrInfoJson | undefined {
  if (value.length < HEADER || TAG.some((b, i) => value[i] !== b)) return undefined;
  const view = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const localLength = view.readUInt16LE(12);
  const remoteLength = view.readUInt16LE(14);
  if (view.length !== HEADER + localLength + remoteLength) return undefined;
  const entry: CsAddrInfoJson = {
    LocalAddr: socketAddress(view, HEADER, localLength),
    RemoteAddr: socketAddress(view, HEADER + localLength, remoteLength),
    iSocketType: view.readInt32LE(4),
    iProtocol: view.readInt32LE(8),
  };
  let normalised: CsAddrInfoJson[];
  try {
    normalised = AddressSet.fromCanonical([entry]).toCanonical();
  } catch {
    return undefined;
  }
  if (normalised.length !== 1 || !encodeNormalised(normalised[0]!).equals(view)) return undefined;
  return normalised[0];
}

function socketAddress(view: Buffer, offset: number, length: number): CsAddrInfoJson['LocalAddr'] {
  if (length === 0) return { lpSockaddr: null, iSockaddrLength: 0 };
  return { lpSockaddr: view.subarray(offset, offset + length).toString('hex'), iSockaddrLength: length };
}
