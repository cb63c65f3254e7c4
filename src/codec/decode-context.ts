import { guidFromBytes } from '../abi/guid.js';
import { formatAddress, InvalidDataError, MemoryError, RnrError } from '../errors.js';
import type { AddressSpace, Located } from '../memory/address-space.js';
import { bytesToLatin1, utf16ToString } from './code-units.js';
import { bytesToHex } from './hex.js';
import type { DecodeLimits } from './limits.js';
import { describeSockaddr, type SockaddrNote } from './sockaddr.js';

/** A part lenient decoding could not resolve: where, the address it needed, and why. */
export interface UnresolvedPart {
  path: string;
  address: string;
  reason: string;
}

const EMPTY: Located = { view: new DataView(new ArrayBuffer(0)), bytes: new Uint8Array(0), offset: 0 };

/** What one byte shown as hex costs against maxTotalBytes: the byte read and its two hex digits. */
const HEX_COST = 3;

/** 2^32, for joining the halves of a 64-bit pointer. */
const TWO_32 = 0x1_0000_0000;

/**
 * The state of one decode: the memory, the limits, the byte budget left and
 * (lenient) what could not be resolved. The generated decoders call these
 * methods for everything that follows a pointer, so every check lives here
 * once. Each method throws an RnrError without a path; the generated code
 * puts the field path in front as the error travels out.
 */
export class DecodeContext {
  readonly unresolved: UnresolvedPart[] = [];
  private budget: number;
  private readonly maxStringUnits: number;
  private readonly maxCount: number;
  readonly maxSockaddrLength: number;
  readonly maxBlobSize: number;

  constructor(
    readonly space: AddressSpace,
    readonly limits: DecodeLimits,
  ) {
    this.budget = limits.maxTotalBytes;
    this.maxStringUnits = limits.maxStringUnits;
    this.maxCount = limits.maxCount;
    this.maxSockaddrLength = limits.maxSockaddrLength;
    this.maxBlobSize = limits.maxBlobSize;
  }

  /** An x64 pointer; one at or beyond 2^53 cannot be an exact number and is refused. */
  p64(v: DataView, offset: number): number {
    const lo = v.getUint32(offset, true);
    const hi = v.getUint32(offset + 4, true);
    if (hi >= 0x200000) {
      const raw = v.getBigUint64(offset, true);
      throw new InvalidDataError(
        `pointer ${formatAddress(raw)} is beyond 2^53, which rnrkit cannot address exactly`,
        '',
        raw,
      );
    }
    return hi * TWO_32 + lo;
  }

  /** Charge `n` bytes (read at `address`, or made from what was read there) against maxTotalBytes. */
  take(n: number, address: number): void {
    this.budget -= n;
    if (this.budget < 0) {
      throw new InvalidDataError(
        `decoding ${n} more bytes at ${formatAddress(address)} would exceed maxTotalBytes (${this.limits.maxTotalBytes})`,
        '',
        BigInt(address),
      );
    }
  }

  /** One struct of `size` bytes at `p`. */
  struct(p: number, size: number): Located {
    this.take(size, p);
    return this.space.locate(p, size);
  }

  /**
   * `count` structs of `size` bytes at `p`. The count is untrusted: it is
   * checked against maxCount and the mapped memory before anyone allocates
   * an array for it.
   */
  span(p: number, count: number, size: number, countName: string): Located {
    if (count > this.maxCount) {
      throw new InvalidDataError(
        `${countName} = ${count} exceeds maxCount (${this.maxCount}) for the array at ${formatAddress(p)}`,
        '',
        BigInt(p),
      );
    }
    const needed = count * size;
    // An empty array reads nothing, so its pointer need not be mapped (an
    // encoder may point it one past the end of the image).
    if (needed === 0) return EMPTY;
    if (this.space.mappedLength(p, needed) < needed) {
      throw new MemoryError(
        BigInt(p),
        needed,
        `${formatAddress(p)}+${needed} is not in the captured memory (${countName} = ${count} × ${size} bytes)`,
      );
    }
    this.take(needed, p);
    return this.space.locate(p, needed);
  }

  guid(p: number): string {
    this.take(16, p);
    const l = this.space.locate(p, 16);
    return guidFromBytes(l.bytes, l.offset);
  }

  /** A NUL-terminated WCHAR string at `p`: its exact code units. */
  w(p: number): string {
    const units = this.terminated(p, 2);
    return utf16ToString(this.found, this.foundStart, units);
  }

  /** A NUL-terminated CHAR string at `p`: its bytes as U+0000–U+00FF. */
  a(p: number): string {
    const units = this.terminated(p, 1);
    return bytesToLatin1(this.found, this.foundStart, units);
  }

  /**
   * `length` bytes at `p` as hex. The length comes from a sibling member
   * (`lengthName`): negative or over `limit` is an error before any read.
   * The hex counts against maxTotalBytes as well as the bytes read (three
   * bytes per byte in all), so the budget bounds what a decode produces,
   * not only what it reads: entries that all point at one sockaddr read it
   * again and again, and each gets its own hex.
   */
  hex(p: number, length: number, lengthName: string, limit: number, limitName: string): string {
    if (length < 0)
      throw new InvalidDataError(
        `${lengthName} = ${length} is negative for the bytes at ${formatAddress(p)}`,
        '',
        BigInt(p),
      );
    if (length > limit)
      throw new InvalidDataError(
        `${lengthName} = ${length} exceeds ${limitName} (${limit}) for the bytes at ${formatAddress(p)}`,
        '',
        BigInt(p),
      );
    if (length === 0) return '';
    this.take(length * HEX_COST, p);
    // The same bytes as last time (entries sharing a sockaddr): the same
    // string, which costs no heap. Memory read once cannot change.
    if (p === this.lastHexAt && length === this.lastHexLength) return this.lastHex;
    const l = this.space.locate(p, length);
    const hex = bytesToHex(l.bytes, l.offset, length);
    this.lastHexAt = p;
    this.lastHexLength = length;
    this.lastHex = hex;
    return hex;
  }

  private lastHexAt = -1;
  private lastHexLength = 0;
  private lastHex = '';

  /** For `$sockaddr`: the family, port and address text of the bytes at `p`. */
  sockaddr(p: number, length: number): SockaddrNote | undefined {
    if (length < 2) return undefined;
    const l = this.space.locate(p, length);
    return describeSockaddr(l.bytes, l.offset, length);
  }

  /** Strict mode: put the member name in front of an error's path as it leaves a struct. */
  fail(e: unknown, name: string): unknown {
    return e instanceof RnrError ? e.withContext(name) : e;
  }

  /** Lenient mode: record an unresolved part (only rnrkit's own errors; anything else is a bug and is thrown). */
  lost(e: unknown, path: string): null {
    if (!(e instanceof RnrError)) throw e;
    e.withContext(path);
    const address = e instanceof MemoryError ? e.address : e instanceof InvalidDataError ? e.address : undefined;
    this.unresolved.push({
      path: e.path,
      address: address === undefined ? '' : formatAddress(address),
      reason: e.detail,
    });
    return null;
  }

  /** Where the last terminated() found its string. */
  private found: Uint8Array = EMPTY.bytes;
  private foundStart = 0;

  /**
   * Find the NUL that ends a string of `width`-byte units at `p`, within
   * maxStringUnits and the captured memory. Scans the region in place; only
   * a string that runs on into an exactly adjacent region is copied.
   */
  private terminated(p: number, width: 1 | 2): number {
    const limitBytes = (this.maxStringUnits + 1) * width;
    // Never scan further than the budget could pay for.
    const window = Math.min(limitBytes, Math.max(this.budget, 0) + width);
    const l = this.space.locate(p, width);
    let bytes = l.bytes;
    let start = l.offset;
    let end = Math.min(bytes.length, start + window);
    let at = scanForNul(bytes, start, end, width);
    if (at < 0 && end - start < window) {
      const mapped = this.space.mappedLength(p, window);
      if (mapped > end - start) {
        bytes = this.space.read(p, mapped);
        start = 0;
        end = mapped;
        at = scanForNul(bytes, 0, end, width);
      }
    }
    // Scanning counts against maxTotalBytes whether or not it finds the
    // NUL: lenient decoding of 65,536 entries whose strings all run on for
    // maxStringUnits would otherwise scan gigabytes before giving up.
    this.take(at < 0 ? end - start : at - start + width, p);
    if (at < 0) {
      if (end - start >= limitBytes) {
        throw new InvalidDataError(
          `string at ${formatAddress(p)} is longer than maxStringUnits (${this.maxStringUnits})`,
          '',
          BigInt(p),
        );
      }
      const stop = p + (end - start);
      throw new MemoryError(
        BigInt(stop),
        width,
        `string at ${formatAddress(p)} is not terminated: no NUL before the captured memory ends at ${formatAddress(stop)}`,
      );
    }
    this.found = bytes;
    this.foundStart = start;
    return (at - start) / width;
  }
}

function scanForNul(bytes: Uint8Array, start: number, end: number, width: 1 | 2): number {
  if (width === 1) {
    for (let i = start; i < end; i++) if (bytes[i] === 0) return i;
    return -1;
  }
  for (let i = start; i + 1 < end; i += 2) if ((bytes[i]! | bytes[i + 1]!) === 0) return i;
  return -1;
}
