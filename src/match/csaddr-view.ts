import { layoutOf } from '../abi/layout.js';
import { readPointer } from '../abi/pointer.js';
import type { Arch } from '../abi/types.js';
import type { CsAddrInfoJson, SocketAddressJson } from '../codec/canonical.js';
import { formatAddress, InvalidDataError, RnrError, UsageError } from '../errors.js';
import type { AddressSpace, Located } from '../memory/address-space.js';
import type { EntryCursor } from './entry-cursor.js';
import { hasAddress, normaliseEntry } from './rule.js';

/** Which SOCKET_ADDRESS of a CSADDR_INFO. */
export type AddressMember = 'LocalAddr' | 'RemoteAddr';

/** The field path errors name, and the longest sockaddr a view accepts (default 128, sizeof(SOCKADDR_STORAGE)). */
export interface CsAddrArrayViewOptions {
  /** The array's name in error paths. Default `lpcsaBuffer`. */
  readonly path?: string;
  /**
   * The longest sockaddr a view follows; a longer iSockaddrLength is an
   * InvalidDataError. Default 128, sizeof(SOCKADDR_STORAGE), which Winsock
   * defines to be large enough for every address family.
   */
  readonly maxSockaddrLength?: number;
}

/** Byte offsets of the members a view reads, for one arch, from the schema. */
interface Offsets {
  readonly entrySize: number;
  readonly pointerSize: number;
  readonly localPointer: number;
  readonly localLength: number;
  readonly remotePointer: number;
  readonly remoteLength: number;
  readonly socketType: number;
  readonly protocol: number;
}

const offsetsByArch = new Map<Arch, Offsets>();

function offsetsFor(arch: Arch): Offsets {
  let o = offsetsByArch.get(arch);
  if (!o) {
    const entry = layoutOf('CSADDR_INFO', arch);
    const address = layoutOf('SOCKET_ADDRESS', arch);
    const local = entry.field('LocalAddr').offset;
    const remote = entry.field('RemoteAddr').offset;
    const pointer = address.field('lpSockaddr');
    const length = address.field('iSockaddrLength').offset;
    o = {
      entrySize: entry.size,
      pointerSize: pointer.size,
      localPointer: local + pointer.offset,
      localLength: local + length,
      remotePointer: remote + pointer.offset,
      remoteLength: remote + length,
      socketType: entry.field('iSocketType').offset,
      protocol: entry.field('iProtocol').offset,
    };
    offsetsByArch.set(arch, o);
  }
  return o;
}

/** `sockaddrAt` results that are not offsets. */
const NO_ADDRESS = -1;
const OUTSIDE_WINDOW = -2;

const DEFAULT_MAX_SOCKADDR_LENGTH = layoutOf('SOCKADDR_STORAGE', 'x64').size;

/**
 * A read-only view of a CSADDR_INFO array where it lies in an address space
 * (an encoded image, a dump, a stored set), x86 or x64. The constructor
 * locates the array once (MemoryError naming `lpcsaBuffer` if it is not all
 * there); the getters read members in place with a DataView at offsets
 * from `layoutOf`, and allocate nothing. Sockaddrs are followed through
 * their pointers when asked for, bounds-checked, with errors that name
 * `lpcsaBuffer[i].LocalAddr.lpSockaddr` and the address.
 */
export class CsAddrArrayView {
  readonly length: number;
  private readonly o: Offsets;
  private readonly path: string;
  private readonly maxSockaddrLength: number;
  private readonly view: DataView;
  private readonly base: number;

  // The region the last sockaddr was found in: sockaddrs usually sit
  // together, so most lookups skip `space.locate` (and its result object).
  private windowStart = 0;
  /** windowStart's upper 32 bits, its lower 32 bits as an int32, and the window's length (< 2^31). */
  private windowHigh = -1;
  private windowLow = 0;
  private windowLength = 0;
  private windowBytes: Uint8Array = new Uint8Array(0);
  private windowView: DataView = new DataView(this.windowBytes.buffer);

  constructor(
    readonly space: AddressSpace,
    readonly at: number,
    count: number,
    readonly arch: Arch,
    options: CsAddrArrayViewOptions = {},
  ) {
    this.path = options.path ?? 'lpcsaBuffer';
    if (!Number.isSafeInteger(count) || count < 0)
      throw new UsageError(`count ${String(count)} is not a non-negative integer`, this.path);
    this.maxSockaddrLength = options.maxSockaddrLength ?? DEFAULT_MAX_SOCKADDR_LENGTH;
    this.o = offsetsFor(arch);
    this.length = count;
    if (count === 0) {
      this.view = new DataView(new ArrayBuffer(0));
      this.base = 0;
      return;
    }
    const located = withPath(this.path, () => space.locate(at, count * this.o.entrySize));
    this.view = located.view;
    this.base = located.offset;
    this.remember(at, count * this.o.entrySize, located);
  }

  private entryOffset(i: number): number {
    if (!(i >= 0 && i < this.length && Number.isInteger(i)))
      throw new UsageError(`index ${String(i)} is outside 0…${this.length - 1}`, this.path);
    return this.base + i * this.o.entrySize;
  }

  /** Entry i's iSocketType, read in place. */
  iSocketType(i: number): number {
    return this.view.getInt32(this.entryOffset(i) + this.o.socketType, true);
  }

  /** Entry i's iProtocol as stored (IPROTOCOL_ANY not substituted), read in place. */
  iProtocol(i: number): number {
    return this.view.getInt32(this.entryOffset(i) + this.o.protocol, true);
  }

  /** Entry i's iSockaddrLength of `member`, read in place and checked against the limit. */
  iSockaddrLength(i: number, member: AddressMember): number {
    return this.view.getInt32(
      this.entryOffset(i) + (member === 'LocalAddr' ? this.o.localLength : this.o.remoteLength),
      true,
    );
  }

  /** The pointer value (InvalidDataError for an x64 pointer at or beyond 2^53). */
  lpSockaddr(i: number, member: AddressMember): number {
    const at = this.entryOffset(i) + (member === 'LocalAddr' ? this.o.localPointer : this.o.remotePointer);
    try {
      return readPointer(this.view, at, this.arch);
    } catch (e) {
      throw e instanceof RnrError ? e.withContext(`${this.path}[${i}].${member}.lpSockaddr`) : e;
    }
  }

  /**
   * The sockaddr bytes in place (a subarray, not a copy, when they lie in
   * one region), or null for "no address" (NULL pointer or length 0).
   */
  sockaddr(i: number, member: AddressMember): Uint8Array | null {
    const length = this.iSockaddrLength(i, member);
    if (length === 0) return null; // whatever the pointer holds
    const pointer = this.lpSockaddr(i, member);
    if (!hasAddress(pointer === 0, length)) return null;
    this.checkLength(i, member, pointer, length);
    return withPath(`${this.path}[${i}].${member}.lpSockaddr`, () => this.space.read(pointer, length));
  }

  /** Entry i decoded to canonical JSON (docs/codec.md): for display and tests, not for hot loops. */
  entry(i: number): CsAddrInfoJson {
    const address = (member: AddressMember): SocketAddressJson => {
      const pointer = this.lpSockaddr(i, member);
      const length = this.iSockaddrLength(i, member);
      if (pointer === 0) return { lpSockaddr: null, iSockaddrLength: length };
      if (length === 0) return { lpSockaddr: '', iSockaddrLength: 0 };
      let hex = '';
      for (const b of this.sockaddr(i, member)!) hex += b.toString(16).padStart(2, '0');
      return { lpSockaddr: hex, iSockaddrLength: length };
    };
    return {
      LocalAddr: address('LocalAddr'),
      RemoteAddr: address('RemoteAddr'),
      iSocketType: this.iSocketType(i),
      iProtocol: this.iProtocol(i),
    };
  }

  /**
   * Fill `c` with entry i, normalised by the match rule (rule.ts), its
   * sockaddr bytes left where they are. The hot path of AddressSet: no
   * allocation, integer arithmetic only while the sockaddrs stay in the
   * region of the previous one.
   *
   * @internal
   */
  load(i: number, c: EntryCursor, semantic: boolean): void {
    const o = this.o;
    const v = this.view;
    const at = this.entryOffset(i);
    c.iSocketType = v.getInt32(at + o.socketType, true);
    c.iProtocol = v.getInt32(at + o.protocol, true);
    let length = v.getInt32(at + o.localLength, true);
    let offset = this.sockaddrAt(at + o.localPointer, length);
    if (offset === OUTSIDE_WINDOW) offset = this.sockaddrElsewhere(i, length, 'LocalAddr');
    // Only offsets and lengths change from entry to entry; the byte views
    // change with the window, so they are stored (a write barrier each) only then.
    if (offset === NO_ADDRESS) {
      c.localOffset = 0;
      c.localLength = 0;
    } else {
      if (c.localView !== this.windowView) {
        c.localBytes = this.windowBytes;
        c.localView = this.windowView;
      }
      c.localOffset = offset;
      c.localLength = length;
    }
    length = v.getInt32(at + o.remoteLength, true);
    offset = this.sockaddrAt(at + o.remotePointer, length);
    if (offset === OUTSIDE_WINDOW) offset = this.sockaddrElsewhere(i, length, 'RemoteAddr');
    if (offset === NO_ADDRESS) {
      c.remoteOffset = 0;
      c.remoteLength = 0;
    } else {
      if (c.remoteView !== this.windowView) {
        c.remoteBytes = this.windowBytes;
        c.remoteView = this.windowView;
      }
      c.remoteOffset = offset;
      c.remoteLength = length;
    }
    try {
      normaliseEntry(c, semantic);
    } catch (e) {
      throw e instanceof RnrError ? e.withContext(`${this.path}[${i}]`) : e;
    }
  }

  /**
   * Where the sockaddr whose pointer is at byte `pointerAt` of the array
   * (length `length`) is in the current window; NO_ADDRESS for "no
   * address"; OUTSIDE_WINDOW when `sockaddrElsewhere` must find it (or
   * report a bad length). Small enough for the JIT to inline into `load`.
   *
   * It compares the pointer's two 32-bit halves with the window's start as
   * int32s: pointers on x64 are above 2^32, and doubles in this loop made it
   * twice as slow (measured with match/100k).
   */
  private sockaddrAt(pointerAt: number, length: number): number {
    const v = this.view;
    const low = v.getInt32(pointerAt, true);
    const high = this.o.pointerSize === 8 ? v.getInt32(pointerAt + 4, true) : 0;
    if (!hasAddress((low | high) === 0, length)) return NO_ADDRESS;
    // Unsigned low >= windowLow, as a signed comparison of the flipped values.
    if (
      length > 0 &&
      length <= this.maxSockaddrLength &&
      high === this.windowHigh &&
      (low ^ 0x8000_0000) >= (this.windowLow ^ 0x8000_0000)
    ) {
      const offset = (low - this.windowLow) | 0;
      if (offset >= 0 && offset <= this.windowLength - length) return offset;
    }
    return OUTSIDE_WINDOW;
  }

  /** The slow path of `sockaddrAt`: check the length, locate the sockaddr, make its region the window. */
  private sockaddrElsewhere(i: number, length: number, member: AddressMember): number {
    const pointer = this.lpSockaddr(i, member);
    this.checkLength(i, member, pointer, length);
    const located = withPath(`${this.path}[${i}].${member}.lpSockaddr`, () => this.space.locate(pointer, length));
    this.remember(pointer, length, located);
    return pointer - this.windowStart;
  }

  private checkLength(i: number, member: AddressMember, pointer: number, length: number): void {
    if (length < 0)
      throw new InvalidDataError(
        `iSockaddrLength ${length} is negative`,
        `${this.path}[${i}].${member}.iSockaddrLength`,
        BigInt(pointer),
      );
    if (length > this.maxSockaddrLength) {
      throw new InvalidDataError(
        `iSockaddrLength ${length} is over the limit of ${this.maxSockaddrLength} bytes (sockaddr at ${formatAddress(pointer)})`,
        `${this.path}[${i}].${member}.iSockaddrLength`,
        BigInt(pointer),
      );
    }
  }

  /**
   * Remember the region `space.locate` found `address` in. Located.bytes is
   * the region's byte view and `offset` is where `address` is in it, so the
   * region spans [address - offset, address - offset + bytes.length), and a
   * pointer p indexes it at p - windowStart.
   */
  private remember(address: number, length: number, located: Located): void {
    const { bytes, view, offset } = located;
    if (view.buffer === bytes.buffer && view.byteOffset === bytes.byteOffset && view.byteLength === bytes.byteLength) {
      this.setWindow(address - offset, bytes, view);
      return;
    }
    // An address space whose view and bytes differ in extent: keep just the
    // bytes asked for.
    const own = bytes.subarray(offset, offset + length);
    this.setWindow(address, own, new DataView(own.buffer, own.byteOffset, own.byteLength));
  }

  private setWindow(start: number, bytes: Uint8Array, view: DataView): void {
    this.windowStart = start;
    this.windowHigh = Math.floor(start / 0x1_0000_0000);
    this.windowLow = (start % 0x1_0000_0000) | 0;
    // The fast path does int32 offsets: beyond 2 GiB into a region, locate.
    this.windowLength = Math.min(bytes.length, 0x7fff_ffff);
    this.windowBytes = bytes;
    this.windowView = view;
  }
}

function withPath<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw e instanceof RnrError ? e.withContext(path) : e;
  }
}
