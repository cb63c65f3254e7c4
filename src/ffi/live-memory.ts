import { formatAddress, MemoryError, UsageError } from '../errors.js';
import { type AddressSpace, checkAddress, type Located, type MappedRange } from '../memory/address-space.js';
import { type CopyOut, copyOutOf } from './copy-out.js';
import type { Koffi } from './koffi.js';
import { ProcSelfMaps } from './proc-maps.js';
import type { ReadableMemory } from './readable-memory.js';
import { VirtualQueryMemory } from './virtual-query.js';

/**
 * How many bytes one `locate` copies when the caller asked for fewer: the
 * decoder looks for a string's NUL in what `locate` returns before asking
 * for more, and most strings, structs and arrays of one query set lie
 * within a few KiB of each other.
 */
const LOCATE_CHUNK = 1024;

/**
 * Copies are carved out of shared slabs, never reused: a Located from an
 * earlier read (an array of CSADDR_INFO the decoder is still walking) stays
 * valid while later reads happen. A slab is garbage once nothing points
 * into it.
 */
const SLAB_SIZE = 256 * 1024;

/**
 * The memory of the running process, read through koffi: what C code built
 * or returned (a WSALookupServiceNext result, a structure a DLL hands back)
 * decodes with `decodeQuerySet(live, address, options)`, following its real
 * pointers.
 *
 * Every read is checked against the process's readable memory first
 * (VirtualQuery on Windows, /proc/self/maps on Linux), so a bad pointer is a
 * MemoryError naming the address (and, from the decoder, the member), never
 * a fault. What the system said is kept for one synchronous run of
 * JavaScript (a microtask forgets it), and a range it calls unreadable is
 * asked about again at once, so memory mapped since is never refused. Code
 * that frees memory through C and decodes again in the same synchronous run
 * calls `forget()` in between.
 *
 * Bytes are copied out on every read (one call of the C library's own
 * copy), never viewed in place: the decoded
 * result cannot change under the caller, and a range freed after the read
 * is never touched again.
 */
export class LiveMemory implements AddressSpace {
  readonly label = 'this process';
  private readonly copyOut: CopyOut;
  private slab = new Uint8Array(0);
  private slabUsed = 0;
  private forgetScheduled = false;
  /** True when nothing has been asked since the map was last forgotten: a fresh answer is not asked twice. */
  private fresh = true;

  constructor(
    koffi: Koffi,
    private readonly readable: ReadableMemory,
  ) {
    this.copyOut = copyOutOf(koffi);
  }

  /** Drop what is known about the process's memory map; the next read asks the system again. */
  forget(): void {
    this.readable.forget();
    this.fresh = true;
  }

  /**
   * Readable bytes at `address`, at most `max`. An answer short of
   * `required` is asked again of the system unless it is already fresh:
   * memory C code committed or mapped since the map was read (a heap that
   * grew between two decodes of one synchronous run) must not be refused.
   */
  private readableLength(address: number, max: number, required: number): number {
    if (!this.forgetScheduled) {
      this.forgetScheduled = true;
      queueMicrotask(() => {
        this.forgetScheduled = false;
        this.readable.forget();
        this.fresh = true;
      });
    }
    let length = this.readable.readableLength(address, max);
    if (length < required && !this.fresh) {
      this.readable.forget();
      length = this.readable.readableLength(address, max);
    }
    this.fresh = false;
    return length;
  }

  mappedLength(address: number, max: number): number {
    if (!Number.isSafeInteger(address) || address <= 0 || max <= 0) return 0;
    return this.readableLength(address, max, max);
  }

  read(address: number, length: number): Uint8Array {
    checkAddress(address, length);
    if (length === 0) return new Uint8Array(0);
    if (address <= 0 || this.readableLength(address, length, length) < length) throw this.notReadable(address, length);
    return this.copy(address, length);
  }

  locate(address: number, length: number): Located {
    checkAddress(address, length);
    const available =
      address <= 0 ? 0 : this.readableLength(address, Math.max(length, LOCATE_CHUNK), Math.max(length, 1));
    if (available < Math.max(length, 1)) throw this.notReadable(address, length);
    const bytes = this.copy(address, available);
    return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, offset: 0 };
  }

  ranges(): readonly MappedRange[] {
    return this.readable.ranges();
  }

  private notReadable(address: number, length: number): MemoryError {
    return new MemoryError(
      BigInt(address),
      length,
      `${formatAddress(address)}+${length} is not readable memory of this process`,
    );
  }

  /** Copy readable bytes out of the process; the caller has checked they are readable. */
  private copy(address: number, length: number): Uint8Array {
    let into: Uint8Array;
    if (length > SLAB_SIZE / 8) {
      into = new Uint8Array(length);
    } else {
      if (this.slabUsed + length > this.slab.length) {
        this.slab = new Uint8Array(SLAB_SIZE);
        this.slabUsed = 0;
      }
      into = this.slab.subarray(this.slabUsed, this.slabUsed + length);
      // 8-aligned, so a DataView over one copy never shares a word with the next.
      this.slabUsed += (length + 7) & ~7;
    }
    this.copyOut(address, into, length);
    return into;
  }
}

/**
 * The running process's own memory as an AddressSpace, through the koffi
 * module the caller loaded (`import koffi from 'koffi'`). Readability comes
 * from VirtualQuery on Windows and /proc/self/maps on Linux; elsewhere there
 * is no way to check a pointer before reading it, so this refuses.
 */
export function liveMemory(koffi: Koffi): LiveMemory {
  if (
    koffi === null ||
    typeof koffi !== 'object' ||
    typeof koffi.decode !== 'function' ||
    typeof koffi.sizeof !== 'function'
  ) {
    throw new UsageError("liveMemory(koffi): pass the koffi module (import koffi from 'koffi')");
  }
  if (process.platform === 'win32') return new LiveMemory(koffi, new VirtualQueryMemory(koffi));
  if (process.platform === 'linux') return new LiveMemory(koffi, new ProcSelfMaps());
  throw new UsageError(
    `liveMemory: no way to check that an address is readable on ${process.platform} (only win32 and linux)`,
  );
}
