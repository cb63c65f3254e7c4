import type { CsAddrInfoJson, SocketAddressJson } from '../codec/canonical.js';
import { InvalidDataError } from '../errors.js';
import type { EntryCursor } from './entry-cursor.js';
import { RECORD_HEADER_WORDS } from './record.js';
import { hasAddress } from './rule.js';

const ENTRY_KEYS = new Set(['LocalAddr', 'RemoteAddr', 'iSocketType', 'iProtocol']);
const ADDRESS_KEYS = new Set(['lpSockaddr', 'iSockaddrLength']);
const INT_MIN = -0x8000_0000;
const INT_MAX = 0x7fff_ffff;

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX;
}

function checkKeys(value: object, allowed: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key) && !key.startsWith('$')) throw new InvalidDataError(`unknown member ${JSON.stringify(key)}`, path);
  }
}

function join(path: string, member: string): string {
  return path ? `${path}.${member}` : member;
}

/** A hex digit's value, or -1. Canonical hex is lowercase; upper case is accepted as the codec's parser accepts it. */
function nibble(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Loads canonical JSON entries (DESIGN.md §3, untrusted) into an
 * EntryCursor: validates them, decodes the sockaddr hex into one scratch
 * buffer it reuses, and reduces "no address" to length 0. Errors are
 * InvalidDataError naming the member under `path` (`[3].LocalAddr.lpSockaddr`).
 */
export class CanonicalLoader {
  private scratch = new Uint8Array(256);
  private view = new DataView(this.scratch.buffer);

  load(value: CsAddrInfoJson, c: EntryCursor, path = ''): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidDataError('not a CSADDR_INFO object', path);
    checkKeys(value, ENTRY_KEYS, path);
    const { LocalAddr, RemoteAddr, iSocketType, iProtocol } = value;
    if (!isInt(iSocketType)) throw new InvalidDataError(`iSocketType must be a 32-bit integer, not ${JSON.stringify(iSocketType)}`, join(path, 'iSocketType'));
    if (!isInt(iProtocol)) throw new InvalidDataError(`iProtocol must be a 32-bit integer, not ${JSON.stringify(iProtocol)}`, join(path, 'iProtocol'));
    const localHex = this.checkAddress(LocalAddr, join(path, 'LocalAddr'));
    const remoteHex = this.checkAddress(RemoteAddr, join(path, 'RemoteAddr'));
    const localLength = localHex.length >>> 1;
    const remoteLength = remoteHex.length >>> 1;
    // Remote starts on a word boundary so both halves read as words.
    const remoteAt = (localLength + 3) & ~3;
    if (remoteAt + remoteLength > this.scratch.length) {
      this.scratch = new Uint8Array(Math.max(remoteAt + remoteLength, this.scratch.length * 2));
      this.view = new DataView(this.scratch.buffer);
    }
    this.decodeHex(localHex, 0, join(path, 'LocalAddr.lpSockaddr'));
    this.decodeHex(remoteHex, remoteAt, join(path, 'RemoteAddr.lpSockaddr'));
    c.iSocketType = iSocketType;
    c.iProtocol = iProtocol;
    c.setLocal(this.scratch, this.view, 0, localLength);
    c.setRemote(this.scratch, this.view, remoteAt, remoteLength);
  }

  /** The hex of the address's bytes, '' for "no address". */
  private checkAddress(value: SocketAddressJson, path: string): string {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidDataError('not a SOCKET_ADDRESS object', path);
    checkKeys(value, ADDRESS_KEYS, path);
    const { lpSockaddr, iSockaddrLength } = value;
    if (!isInt(iSockaddrLength)) throw new InvalidDataError(`iSockaddrLength must be a 32-bit integer, not ${JSON.stringify(iSockaddrLength)}`, join(path, 'iSockaddrLength'));
    if (lpSockaddr === null) return '';
    if (typeof lpSockaddr !== 'string') throw new InvalidDataError('lpSockaddr must be null or hex', join(path, 'lpSockaddr'));
    if (iSockaddrLength < 0 || lpSockaddr.length !== iSockaddrLength * 2) {
      throw new InvalidDataError(`lpSockaddr has ${lpSockaddr.length / 2} bytes but iSockaddrLength is ${iSockaddrLength}`, join(path, 'lpSockaddr'));
    }
    return hasAddress(false, iSockaddrLength) ? lpSockaddr : '';
  }

  private decodeHex(hex: string, at: number, path: string): void {
    const out = this.scratch;
    for (let i = 0, j = at; i < hex.length; i += 2, j++) {
      const hi = nibble(hex.charCodeAt(i));
      const lo = nibble(hex.charCodeAt(i + 1));
      if (hi < 0 || lo < 0) throw new InvalidDataError(`${JSON.stringify(hex.slice(i, i + 2))} at character ${i} is not hex`, path);
      out[j] = (hi << 4) | lo;
    }
    // The word-wise readers see whole words: clear the padding after each half.
    for (let j = at + (hex.length >>> 1), end = (j + 3) & ~3; j < end; j++) out[j] = 0;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexOf(bytes: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = at, end = at + length; i < end; i++) s += HEX[bytes[i]!];
  return s;
}

function addressJson(bytes: Uint8Array, at: number, length: number): SocketAddressJson {
  return length === 0 ? { lpSockaddr: null, iSockaddrLength: 0 } : { lpSockaddr: hexOf(bytes, at, length), iSockaddrLength: length };
}

/** The canonical JSON of the record at word `p` (record.ts); "no address" is `{lpSockaddr: null, iSockaddrLength: 0}`. */
export function recordToCanonical(arena: Int32Array, bytes: Uint8Array, p: number): CsAddrInfoJson {
  const localLength = arena[p + 2]!;
  const remoteLength = arena[p + 3]!;
  const at = (p + RECORD_HEADER_WORDS) * 4;
  return {
    LocalAddr: addressJson(bytes, at, localLength),
    RemoteAddr: addressJson(bytes, at + ((localLength + 3) & ~3), remoteLength),
    iSocketType: arena[p]!,
    iProtocol: arena[p + 1]!,
  };
}
