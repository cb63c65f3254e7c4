import type { Arch } from '../abi/types.js';
import { formatAddress, MemoryError } from '../errors.js';
import { PEB_OFFSETS, TEB_SIZE } from './format.js';
import type { MemoryInfo } from './memory-info.js';
import { protectionName, shortProtection, shortType, stateName, typeName } from './memory-info.js';
import type { Minidump } from './minidump.js';
import { type ImageSection, readImageSections } from './pe-sections.js';
import type { ModuleInfo } from './streams.js';

/** What holds an address, as far as the dump says. */
export interface Whereabouts {
  readonly address: string;
  /** The loaded module whose image covers the address. */
  readonly module?: {
    readonly name: string;
    readonly base: string;
    readonly offset: number;
    readonly section?: string;
  };
  /** A module the process had unloaded (the address may have been reused since). */
  readonly unloadedModule?: { readonly name: string; readonly offset: number };
  /** The thread whose stack or TEB holds the address. */
  readonly thread?: { readonly threadId: number; readonly name?: string; readonly part: 'stack' | 'TEB' };
  /** A process heap (from the PEB) whose memory holds the address. */
  readonly heap?: { readonly base: string; readonly index: number };
  /** The MemoryInfoListStream region, when the dump has one. */
  readonly region?: {
    readonly base: string;
    readonly allocationBase: string;
    readonly size: number;
    readonly state: string;
    readonly protect: string | null;
    readonly type: string | null;
  };
  /** Whether the dump holds the byte at the address. */
  readonly captured: boolean;
  /** One line: `ntdll.dll+0x1e9c (.text)`, `stack of thread 3060`, `heap 0x840000 (RW, private)`. */
  readonly label: string;
}

/**
 * Answers "what holds this address" for a minidump: modules (with their PE
 * sections when the image headers are captured), thread stacks and TEBs,
 * the process heaps the PEB lists, and MemoryInfoListStream's regions with
 * their protection. Built once per dump; each question is a few binary
 * searches.
 */
export class AddressLocator {
  private readonly modules: readonly ModuleInfo[];
  private readonly moduleStarts: Float64Array;
  private readonly sections = new Map<ModuleInfo, readonly ImageSection[] | null>();
  private readonly regions: readonly MemoryInfo[];
  private readonly regionStarts: Float64Array;
  private readonly heaps: readonly { base: number; end: number; index: number }[];
  private readonly arch: Arch | undefined;

  constructor(private readonly dump: Minidump) {
    this.arch = dump.arch;
    this.modules = [...dump.modules].filter((m) => m.base < 2n ** 53n).sort((a, b) => Number(a.base - b.base));
    this.moduleStarts = Float64Array.from(this.modules, (m) => Number(m.base));
    this.regions = dump.memoryInfo;
    this.regionStarts = Float64Array.from(this.regions, (r) => r.base);
    this.heaps = this.findHeaps();
  }

  where(address: number): Whereabouts {
    const captured = this.dump.mappedLength(address, 1) === 1;
    const parts: { -readonly [K in keyof Whereabouts]?: Whereabouts[K] } = {
      address: formatAddress(address),
      captured,
    };
    const module = this.moduleAt(address);
    if (module) {
      const offset = address - Number(module.base);
      const section = this.sectionOf(module, offset);
      parts.module = {
        name: baseName(module.name ?? '?'),
        base: formatAddress(module.base),
        offset,
        ...(section ? { section } : {}),
      };
    } else {
      const unloaded = this.dump.unloadedModules.find((m) => address >= m.base && address < m.base + m.size);
      if (unloaded) parts.unloadedModule = { name: baseName(unloaded.name ?? '?'), offset: address - unloaded.base };
    }
    const region = this.regionAt(address);
    if (region) {
      parts.region = {
        base: formatAddress(region.base),
        allocationBase: formatAddress(region.allocationBase),
        size: region.regionSize,
        state: stateName(region.state),
        protect: protectionName(region.protect),
        type: typeName(region.type),
      };
    }
    if (!module) {
      const thread = this.threadAt(address, region);
      if (thread) parts.thread = thread;
      else {
        const heap = this.heapAt(address, region);
        if (heap) parts.heap = { base: formatAddress(heap.base), index: heap.index };
      }
    }
    parts.label = label(parts as Whereabouts, region);
    return parts as Whereabouts;
  }

  label(address: number): string {
    return this.where(address).label;
  }

  private moduleAt(address: number): ModuleInfo | undefined {
    const i = lastAtOrBelow(this.moduleStarts, address);
    const m = i < 0 ? undefined : this.modules[i];
    return m && address < Number(m.base) + m.size ? m : undefined;
  }

  private regionAt(address: number): MemoryInfo | undefined {
    const i = lastAtOrBelow(this.regionStarts, address);
    const r = i < 0 ? undefined : this.regions[i];
    return r && address < r.base + r.regionSize ? r : undefined;
  }

  private sectionOf(module: ModuleInfo, offset: number): string | undefined {
    let sections = this.sections.get(module);
    if (sections === undefined) {
      sections = readImageSections(this.dump, Number(module.base), module.size);
      this.sections.set(module, sections);
    }
    if (!sections) return undefined;
    if (sections.length > 0 && offset < sections[0]!.virtualAddress) return 'headers';
    return sections.find((s) => offset >= s.virtualAddress && offset < s.virtualAddress + Math.max(s.virtualSize, 1))
      ?.name;
  }

  /**
   * A thread's stack: the captured stack range, or — with memory info — the
   * whole allocation that range lies in (the reserved stack, guard page included).
   */
  private threadAt(address: number, region: MemoryInfo | undefined): Whereabouts['thread'] {
    for (const t of this.dump.threads) {
      const named = t.name ? { name: t.name } : {};
      if (t.stack.length > 0 && address >= t.stack.base && address < t.stack.base + t.stack.length)
        return { threadId: t.threadId, ...named, part: 'stack' };
      if (region && t.stack.length > 0 && region.type !== 0) {
        const stackRegion = this.regionAt(t.stack.base);
        if (stackRegion && stackRegion.allocationBase === region.allocationBase && region.type === 0x20000)
          return { threadId: t.threadId, ...named, part: 'stack' };
      }
      if (t.teb !== 0 && address >= t.teb && address < t.teb + TEB_SIZE)
        return { threadId: t.threadId, ...named, part: 'TEB' };
    }
    return undefined;
  }

  private heapAt(address: number, region: MemoryInfo | undefined): { base: number; index: number } | undefined {
    for (const h of this.heaps) {
      if (address >= h.base && address < h.end) return h;
      if (region && region.allocationBase === h.base) return h;
    }
    return undefined;
  }

  /**
   * The process heaps: PEB.ProcessHeap and PEB.ProcessHeaps[0 … NumberOfHeaps-1],
   * read from the captured PEB of the first thread's TEB. A heap reaches as
   * far as the captured memory runs on from its base (a full-memory dump
   * writes each committed region), or, with memory info, its allocation.
   */
  private findHeaps(): { base: number; end: number; index: number }[] {
    const arch = this.arch;
    const teb = this.dump.threads.find((t) => t.teb !== 0)?.teb;
    if (!arch || teb === undefined) return [];
    const o = PEB_OFFSETS[arch];
    const pointer = (at: number): number | undefined => {
      try {
        const b = this.dump.read(at, o.pointer);
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        return o.pointer === 4 ? v.getUint32(0, true) : Number(v.getBigUint64(0, true));
      } catch (e) {
        if (e instanceof MemoryError) return undefined;
        throw e;
      }
    };
    const peb = pointer(teb + o.tebPeb);
    if (!peb) return [];
    const bases: number[] = [];
    const main = pointer(peb + o.processHeap);
    if (main) bases.push(main);
    const count = (() => {
      try {
        return new DataView(this.dump.read(peb + o.numberOfHeaps, 4).slice().buffer).getUint32(0, true);
      } catch {
        return 0;
      }
    })();
    const list = pointer(peb + o.processHeaps);
    for (let i = 0; list && i < Math.min(count, 64); i++) {
      const h = pointer(list + i * o.pointer);
      if (h && !bases.includes(h)) bases.push(h);
    }
    return bases.map((base, index) => ({ base, end: base + this.capturedRun(base), index }));
  }

  private capturedRun(base: number): number {
    for (const r of this.dump.ranges()) if (base >= r.base && base < r.base + r.length) return r.base + r.length - base;
    return 0;
  }
}

function label(w: Whereabouts, region: MemoryInfo | undefined): string {
  const memory = region ? ` (${shortProtection(region.protect)}, ${shortType(region.type)})` : '';
  if (w.module)
    return `${w.module.name}+0x${w.module.offset.toString(16)}${w.module.section ? ` (${w.module.section})` : ''}`;
  if (w.thread)
    return `${w.thread.part === 'stack' ? 'stack' : 'TEB'} of thread ${w.thread.threadId}${w.thread.name ? ` "${w.thread.name}"` : ''}`;
  if (w.heap) return `heap ${w.heap.base}${memory}`;
  if (w.unloadedModule) return `unloaded ${w.unloadedModule.name}+0x${w.unloadedModule.offset.toString(16)}`;
  if (region) {
    if (region.state === 0x10000) return 'free memory';
    if (region.state === 0x2000) return `reserved memory (${shortType(region.type)})`;
    return `${shortType(region.type)} memory (${shortProtection(region.protect)})`;
  }
  return w.captured ? 'captured memory' : 'not in the dump';
}

function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return i < 0 ? path : path.slice(i + 1);
}

function lastAtOrBelow(starts: Float64Array, address: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= address) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
