import type { MappedRange } from '../memory/address-space.js';
import { ADDRESS_LIMIT } from '../memory/address-space.js';
import type { Koffi } from './koffi.js';
import { mergeRanges, type ReadableMemory } from './readable-memory.js';

/**
 * MEMORY_BASIC_INFORMATION as winnt.h declares it for each pointer size
 * (x64 has a WORD PartitionId after AllocationProtect and SIZE_T
 * RegionSize at 24; x86 has neither the WORD nor the padding).
 * test/windows checks these offsets against the compiler's in a running
 * Windows process.
 */
export const MEMORY_BASIC_INFORMATION = {
  x64: { size: 48, BaseAddress: 0, RegionSize: 24, State: 32, Protect: 36 },
  x86: { size: 28, BaseAddress: 0, RegionSize: 12, State: 16, Protect: 20 },
} as const;

const MEM_COMMIT = 0x1000;
const PAGE_GUARD = 0x100;
/** PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY. */
const READABLE_PROTECTION = 0x02 | 0x04 | 0x08 | 0x20 | 0x40 | 0x80;

/** One VirtualQuery answer: the region holding the address and whether a read there succeeds. */
interface Region {
  base: number;
  end: number;
  readable: boolean;
}

/**
 * Windows: VirtualQuery on kernel32, region by region. What it said is kept
 * until `forget()` (LiveMemory forgets after every synchronous run of
 * JavaScript), so a decode asks about each region once.
 */
export class VirtualQueryMemory implements ReadableMemory {
  private readonly query: (address: number | bigint, out: Buffer, size: number) => number | bigint;
  private readonly info: Buffer;
  private readonly layout: (typeof MEMORY_BASIC_INFORMATION)['x64' | 'x86'];
  private learned: Region[] = [];

  constructor(koffi: Koffi) {
    const wide = koffi.sizeof('void *') === 8;
    this.layout = MEMORY_BASIC_INFORMATION[wide ? 'x64' : 'x86'];
    this.info = Buffer.alloc(this.layout.size);
    const kernel32 = koffi.load('kernel32.dll');
    this.query = kernel32.func(
      'uintptr_t __stdcall VirtualQuery(uintptr_t lpAddress, void *lpBuffer, uintptr_t dwLength)',
    ) as typeof this.query;
  }

  /** The region holding `address`, from what was learned or from the system. */
  private regionAt(address: number): Region | undefined {
    for (const r of this.learned) if (address >= r.base && address < r.end) return r;
    const region = this.ask(address);
    if (region) this.learned.push(region);
    return region;
  }

  /** VirtualQuery itself; undefined beyond the user address space. */
  private ask(address: number): Region | undefined {
    const got = Number(this.query(address, this.info, this.layout.size));
    if (got < this.layout.size) return undefined;
    const wide = this.layout.size === 48;
    const base = wide
      ? Number(this.info.readBigUInt64LE(this.layout.BaseAddress))
      : this.info.readUInt32LE(this.layout.BaseAddress);
    const size = wide
      ? Number(this.info.readBigUInt64LE(this.layout.RegionSize))
      : this.info.readUInt32LE(this.layout.RegionSize);
    const state = this.info.readUInt32LE(this.layout.State);
    const protect = this.info.readUInt32LE(this.layout.Protect);
    if (!(size > 0) || base > address || base + size <= address || base + size > ADDRESS_LIMIT) return undefined;
    return {
      base,
      end: base + size,
      readable: state === MEM_COMMIT && (protect & PAGE_GUARD) === 0 && (protect & READABLE_PROTECTION) !== 0,
    };
  }

  readableLength(address: number, max: number): number {
    let at = address;
    while (at - address < max) {
      const region = this.regionAt(at);
      if (!region?.readable) break;
      at = region.end;
    }
    return Math.max(0, Math.min(max, at - address));
  }

  ranges(): readonly MappedRange[] {
    const out: MappedRange[] = [];
    let at = 0;
    for (;;) {
      const region = this.ask(at);
      if (!region) break;
      if (region.readable) out.push({ base: region.base, length: region.end - region.base });
      at = region.end;
    }
    return mergeRanges(out);
  }

  forget(): void {
    this.learned = [];
  }
}
