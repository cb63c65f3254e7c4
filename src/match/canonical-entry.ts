import type { CsAddrInfoJson, SocketAddressJson } from '../codec/canonical.js';
import { parseCsAddrInfoJson } from '../codec/parse.js';
import { InvalidDataError, RnrError } from '../errors.js';
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

function hasOnlyKeys(value: object, allowed: ReadonlySet<string>): boolean {
  for (const key of Object.keys(value)) if (!allowed.has(key) && !key.startsWith('$')) return false;
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A hex digit's value, or -1. Canonical hex is lowercase; upper case is accepted as the codec's parser accepts it. */
function nibble(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Why an entry the loader refused is wrong, in the words of the one
 * checker of canonical JSON (parseCsAddrInfoJson, codec/parse.ts): the
 * same message and member path whether an entry reaches rnrkit through a
 * query set or an address set. The loader's own checks are a fast path
 * that accepts exactly what that checker accepts
 * (test/codec/csaddr-validators.test.ts); they never word an error.
 */
function rejection(entry: unknown, path: string): RnrError {
  try {
    parseCsAddrInfoJson(entry);
  } catch (e) {
    if (e instanceof RnrError) return e.withContext(path);
    throw e;
  }
  // Only a disagreement between the two checks can get here: a bug.
  return new InvalidDataError('the address set refused a CSADDR_INFO entry that parseCsAddrInfoJson accepts', path);
}

/**
 * Loads canonical JSON entries (docs/codec.md, untrusted) into an
 * EntryCursor: validates them, decodes the sockaddr hex into one scratch
 * buffer it reuses, and reduces "no address" to length 0. Errors are the
 * codec's InvalidDataErrors, naming the member under `path`
 * (`[3].LocalAddr.lpSockaddr`).
 */
export class CanonicalLoader {
  private scratch = new Uint8Array(256);
  private view = new DataView(this.scratch.buffer);

  load(value: CsAddrInfoJson, c: EntryCursor, path = ''): void {
    if (!isObject(value) || !hasOnlyKeys(value, ENTRY_KEYS)) throw rejection(value, path);
    const { LocalAddr, RemoteAddr, iSocketType, iProtocol } = value;
    const localHex = this.checkAddress(LocalAddr);
    const remoteHex = this.checkAddress(RemoteAddr);
    if (localHex === undefined || remoteHex === undefined || !isInt(iSocketType) || !isInt(iProtocol))
      throw rejection(value, path);
    const localLength = localHex.length >>> 1;
    const remoteLength = remoteHex.length >>> 1;
    // Remote starts on a word boundary so both halves read as words.
    const remoteAt = (localLength + 3) & ~3;
    if (remoteAt + remoteLength > this.scratch.length) {
      this.scratch = new Uint8Array(Math.max(remoteAt + remoteLength, this.scratch.length * 2));
      this.view = new DataView(this.scratch.buffer);
    }
    if (!this.decodeHex(localHex, 0) || !this.decodeHex(remoteHex, remoteAt)) throw rejection(value, path);
    // `| 0` turns -0 into 0, as the codec's checker does.
    c.iSocketType = iSocketType | 0;
    c.iProtocol = iProtocol | 0;
    c.setLocal(this.scratch, this.view, 0, localLength);
    c.setRemote(this.scratch, this.view, remoteAt, remoteLength);
  }

  /** The hex of the address's bytes, '' for "no address", undefined for an address the codec refuses. */
  private checkAddress(value: unknown): string | undefined {
    if (!isObject(value) || !hasOnlyKeys(value, ADDRESS_KEYS)) return undefined;
    const { lpSockaddr, iSockaddrLength } = value;
    if (!isInt(iSockaddrLength)) return undefined;
    if (lpSockaddr === null) return '';
    if (typeof lpSockaddr !== 'string' || iSockaddrLength < 0 || lpSockaddr.length !== iSockaddrLength * 2)
      return undefined;
    return hasAddress(false, iSockaddrLength) ? lpSockaddr : '';
  }

  /** Write the hex's bytes at scratch[at]; false if it is not all hex digits. */
  private decodeHex(hex: string, at: number): boolean {
    const out = this.scratch;
    for (let i = 0, j = at; i < hex.length; i += 2, j++) {
      const hi = nibble(hex.charCodeAt(i));
      const lo = nibble(hex.charCodeAt(i + 1));
      if (hi < 0 || lo < 0) return false;
      out[j] = (hi << 4) | lo;
    }
    // The word-wise readers see whole words: clear the padding after each half.
    for (let j = at + (hex.length >>> 1), end = (j + 3) & ~3; j < end; j++) out[j] = 0;
    return true;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexOf(bytes: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = at, end = at + length; i < end; i++) s += HEX[bytes[i]!];
  return s;
}

function addressJson(bytes: Uint8Array, at: number, length: number): SocketAddressJson {
  return length === 0
    ? { lpSockaddr: null, iSockaddrLength: 0 }
    : { lpSockaddr: hexOf(bytes, at, length), iSockaddrLength: length };
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
