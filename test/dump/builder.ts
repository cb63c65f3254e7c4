/**
 * A byte builder for synthetic minidumps. It writes every structure by hand
 * from the documented layout (dbghelp.h, pack(4)) and deliberately imports
 * nothing from src/dump: a mistake in the reader's format tables must not be
 * repeated here (rust-minidump's test builder keeps the same distance).
 *
 *   MINIDUMP_HEADER            32 bytes: 'MDMP', Version, NumberOfStreams,
 *                              StreamDirectoryRva, CheckSum, TimeDateStamp, Flags (u64)
 *   MINIDUMP_DIRECTORY         12 bytes: StreamType, DataSize, Rva
 *   MINIDUMP_SYSTEM_INFO       56 bytes: ProcessorArchitecture (u16) first
 *   MINIDUMP_MODULE           108 bytes: BaseOfImage u64, SizeOfImage, CheckSum,
 *                              TimeDateStamp, ModuleNameRva at 20, VS_FIXEDFILEINFO (52), …
 *   MINIDUMP_MEMORY_DESCRIPTOR 16 bytes: Start u64, DataSize u32, Rva u32
 *   MINIDUMP_MEMORY64_LIST     16 bytes: count u64, BaseRva u64; then 16-byte
 *                              descriptors (Start u64, DataSize u64)
 *   MINIDUMP_THREAD            48 bytes: ThreadId, SuspendCount, PriorityClass, Priority,
 *                              Teb u64 at 16, Stack (16-byte descriptor) at 24,
 *                              ThreadContext (DataSize, Rva) at 40
 *   MINIDUMP_EXCEPTION_STREAM 168 bytes: ThreadId, pad, then MINIDUMP_EXCEPTION at 8:
 *                              Code, Flags, Record u64, Address u64 at 16, NumberParameters
 *                              at 24, pad, 15 × u64 Information at 32; ThreadContext at 160
 *   MINIDUMP_MEMORY_INFO_LIST  16 bytes: SizeOfHeader, SizeOfEntry, NumberOfEntries u64;
 *                              entries of 48: Base u64, AllocationBase u64, AllocationProtect,
 *                              pad, RegionSize u64 at 24, State, Protect, Type, pad
 *   MINIDUMP_HANDLE_DATA_STREAM 16 bytes: SizeOfHeader, SizeOfDescriptor, Number, Reserved;
 *                              descriptors of 32: Handle u64, TypeNameRva, ObjectNameRva,
 *                              Attributes, GrantedAccess, HandleCount, PointerCount
 *   MINIDUMP_THREAD_NAME_LIST  4-byte count, then 12-byte entries: ThreadId, RVA64 (pack 4)
 *   CV_INFO_PDB70              'RSDS', GUID (16), Age, then the NUL-terminated PDB name
 */

export interface ModuleSpec {
  readonly base: bigint;
  readonly size: number;
  readonly name: string;
  /** A CV_INFO_PDB70 record: GUID as its 16 bytes in file order, age, PDB name. */
  readonly pdb70?: { guidBytes: Uint8Array; age: number; pdb: string };
  /** Declare a CvRecord of this many bytes at this RVA instead (a record that lies). */
  readonly cvRecord?: { size: number; rva: number };
  /** VS_FIXEDFILEINFO file version as four 16-bit parts (signature written as 0xfeef04bd). */
  readonly fileVersion?: [number, number, number, number];
}

export interface Chunk {
  readonly base: number | bigint;
  readonly bytes: Uint8Array;
  /** Declare this many bytes instead of bytes.length (a descriptor that lies). */
  readonly declaredSize?: number | bigint;
}

export interface ThreadSpec {
  readonly id: number;
  readonly teb: number | bigint;
  readonly stack: Chunk;
  readonly name?: string;
}

export interface MemoryInfoSpec {
  readonly base: number | bigint;
  readonly size: number | bigint;
  readonly allocationBase?: number | bigint;
  readonly state: number;
  readonly protect: number;
  readonly type: number;
}

type Stream =
  | { kind: 'raw'; type: number; bytes: Uint8Array; declaredSize?: number; rva?: number }
  | { kind: 'threads'; threads: ThreadSpec[]; count?: number }
  | { kind: 'threadNames'; threads: ThreadSpec[]; nameRva?: bigint }
  | { kind: 'exception'; threadId: number; code: number; address: bigint; parameters: bigint[] }
  | { kind: 'memoryInfo'; entries: MemoryInfoSpec[]; count?: bigint; sizeOfEntry?: number }
  | { kind: 'handles'; handles: { handle: number; type: string; name: string }[]; count?: number; nameRva?: number }
  | { kind: 'system'; arch: number }
  | { kind: 'modules'; modules: ModuleSpec[]; count?: number; padded?: boolean }
  | { kind: 'memory'; chunks: Chunk[]; count?: number; padded?: boolean }
  | { kind: 'memory64'; chunks: Chunk[]; count?: bigint; baseRva?: number };

/** Bytes placed away from the main file (past 4 GiB, in a sparse file). */
export interface Extent {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

class Writer {
  bytes = new Uint8Array(4096);
  length = 0;
  private grow(to: number): void {
    if (to <= this.bytes.length) return;
    let size = this.bytes.length;
    while (size < to) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
  reserve(n: number, align = 4): number {
    const at = Math.ceil(this.length / align) * align;
    this.grow(at + n);
    this.length = at + n;
    return at;
  }
  put(bytes: Uint8Array, align = 4): number {
    const at = this.reserve(bytes.length, align);
    this.bytes.set(bytes, at);
    return at;
  }
  view(): DataView {
    return new DataView(this.bytes.buffer);
  }
  u16(at: number, v: number): void {
    this.view().setUint16(at, v, true);
  }
  u32(at: number, v: number): void {
    this.view().setUint32(at, v >>> 0, true);
  }
  u64(at: number, v: number | bigint): void {
    this.view().setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
  }
  done(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

export class DumpBuilder {
  private readonly streams: Stream[] = [];
  private versionHigh = 0;
  private declaredStreams: number | undefined;

  /** The implementation-specific high word of MINIDUMP_HEADER.Version. */
  vendorVersion(high: number): this {
    this.versionHigh = high;
    return this;
  }
  /** Lie in NumberOfStreams. */
  streamCount(n: number): this {
    this.declaredStreams = n;
    return this;
  }

  systemInfo(processorArchitecture: number): this {
    this.streams.push({ kind: 'system', arch: processorArchitecture });
    return this;
  }
  modules(modules: ModuleSpec[], options: { count?: number; padded?: boolean } = {}): this {
    this.streams.push({ kind: 'modules', modules, ...options });
    return this;
  }
  memoryList(chunks: Chunk[], options: { count?: number; padded?: boolean } = {}): this {
    this.streams.push({ kind: 'memory', chunks, ...options });
    return this;
  }
  /** `baseRva`: put the ranges' bytes at this file offset instead of after the streams (they become extents). */
  memory64List(chunks: Chunk[], options: { count?: bigint; baseRva?: number } = {}): this {
    this.streams.push({ kind: 'memory64', chunks, ...options });
    return this;
  }
  /** ThreadListStream; each stack also goes into a MemoryListStream the caller adds (as dbghelp does). */
  threadList(threads: ThreadSpec[], options: { count?: number } = {}): this {
    this.streams.push({ kind: 'threads', threads, ...options });
    return this;
  }
  /** ThreadNamesStream; `nameRva` makes every entry point there instead. */
  threadNames(threads: ThreadSpec[], options: { nameRva?: bigint } = {}): this {
    this.streams.push({ kind: 'threadNames', threads, ...options });
    return this;
  }
  exception(threadId: number, code: number, address: bigint, parameters: bigint[] = []): this {
    this.streams.push({ kind: 'exception', threadId, code, address, parameters });
    return this;
  }
  memoryInfoList(entries: MemoryInfoSpec[], options: { count?: bigint; sizeOfEntry?: number } = {}): this {
    this.streams.push({ kind: 'memoryInfo', entries, ...options });
    return this;
  }
  handleData(
    handles: { handle: number; type: string; name: string }[],
    options: { count?: number; nameRva?: number } = {},
  ): this {
    this.streams.push({ kind: 'handles', handles, ...options });
    return this;
  }
  raw(type: number, bytes: Uint8Array, options: { declaredSize?: number; rva?: number } = {}): this {
    this.streams.push({ kind: 'raw', type, bytes, ...options });
    return this;
  }

  /** The whole file; throws if some bytes were asked to live elsewhere. */
  build(): Uint8Array {
    const { head, extents } = this.buildSparse();
    if (extents.length > 0) throw new Error('this dump has extents: use buildSparse()');
    return head;
  }

  buildSparse(): { head: Uint8Array; extents: Extent[] } {
    const w = new Writer();
    const extents: Extent[] = [];
    w.reserve(32);
    w.u32(0, 0x504d444d); // 'MDMP'
    w.u32(4, (this.versionHigh << 16) | 0xa793);
    w.u32(8, this.declaredStreams ?? this.streams.length);
    const dir = w.reserve(12 * this.streams.length);
    w.u32(12, dir);
    w.u32(20, 0x5f000000); // TimeDateStamp
    w.u64(24, 2);
    const entry = (i: number, type: number, size: number, rva: number) => {
      w.u32(dir + 12 * i, type);
      w.u32(dir + 12 * i + 4, size);
      w.u32(dir + 12 * i + 8, rva);
    };
    const string = (text: string) => {
      const units = [...text].map((c) => c.charCodeAt(0));
      const at = w.reserve(4 + 2 * units.length + 2);
      w.u32(at, 2 * units.length);
      units.forEach((u, j) => {
        w.u16(at + 4 + 2 * j, u);
      });
      return at;
    };
    this.streams.forEach((s, i) => {
      switch (s.kind) {
        case 'threads': {
          const size = 4 + 48 * s.threads.length;
          const at = w.reserve(size);
          w.u32(at, s.count ?? s.threads.length);
          s.threads.forEach((t, k) => {
            const e = at + 4 + 48 * k;
            w.u32(e, t.id);
            w.u32(e + 8, 0x20); // PriorityClass
            w.u64(e + 16, t.teb);
            w.u64(e + 24, t.stack.base);
            w.u32(e + 32, t.stack.bytes.length);
            w.u32(e + 40, 716); // ThreadContext.DataSize of an x86 CONTEXT; its Rva stays 0
          });
          entry(i, 3, size, at);
          break;
        }
        case 'threadNames': {
          const size = 4 + 12 * s.threads.length;
          const at = w.reserve(size);
          w.u32(at, s.threads.length);
          s.threads.forEach((t, k) => {
            w.u32(at + 4 + 12 * k, t.id);
            w.u64(at + 8 + 12 * k, s.nameRva ?? BigInt(string(t.name ?? '')));
          });
          entry(i, 24, size, at);
          break;
        }
        case 'exception': {
          const at = w.reserve(168);
          w.u32(at, s.threadId);
          w.u32(at + 8, s.code);
          w.u64(at + 24, s.address);
          w.u32(at + 32, s.parameters.length);
          s.parameters.slice(0, 15).forEach((p, k) => {
            w.u64(at + 40 + 8 * k, p);
          });
          entry(i, 6, 168, at);
          break;
        }
        case 'memoryInfo': {
          const stride = s.sizeOfEntry ?? 48;
          const size = 16 + stride * s.entries.length;
          const at = w.reserve(size);
          w.u32(at, 16);
          w.u32(at + 4, stride);
          w.u64(at + 8, s.count ?? BigInt(s.entries.length));
          s.entries.forEach((m, k) => {
            const e = at + 16 + stride * k;
            w.u64(e, m.base);
            w.u64(e + 8, m.allocationBase ?? m.base);
            w.u32(e + 16, m.protect);
            w.u64(e + 24, m.size);
            w.u32(e + 32, m.state);
            w.u32(e + 36, m.protect);
            w.u32(e + 40, m.type);
          });
          entry(i, 16, size, at);
          break;
        }
        case 'handles': {
          const size = 16 + 32 * s.handles.length;
          const at = w.reserve(size);
          w.u32(at, 16);
          w.u32(at + 4, 32);
          w.u32(at + 8, s.count ?? s.handles.length);
          s.handles.forEach((h, k) => {
            const e = at + 16 + 32 * k;
            w.u64(e, h.handle);
            w.u32(e + 8, string(h.type));
            w.u32(e + 12, s.nameRva ?? string(h.name));
            w.u32(e + 24, 1); // HandleCount
          });
          entry(i, 12, size, at);
          break;
        }
        case 'raw': {
          const at = s.rva ?? w.put(s.bytes);
          entry(i, s.type, s.declaredSize ?? s.bytes.length, at);
          break;
        }
        case 'system': {
          const at = w.reserve(56);
          w.u16(at, s.arch);
          w.u16(at + 2, 6); // ProcessorLevel
          w.u32(at + 8, 10); // MajorVersion
          w.u32(at + 16, 19045); // BuildNumber
          w.u32(at + 20, 2); // PlatformId
          entry(i, 7, 56, at);
          break;
        }
        case 'modules': {
          const head = s.padded ? 8 : 4;
          const size = head + 108 * s.modules.length;
          const at = w.reserve(size);
          w.u32(at, s.count ?? s.modules.length);
          s.modules.forEach((m, k) => {
            const e = at + head + 108 * k;
            w.u64(e, m.base);
            w.u32(e + 8, m.size);
            w.u32(e + 20, string(m.name));
            if (m.fileVersion) {
              const [a, b, c, d] = m.fileVersion;
              w.u32(e + 24, 0xfeef04bd);
              w.u32(e + 32, (a << 16) | b);
              w.u32(e + 36, (c << 16) | d);
            }
            if (m.pdb70) {
              const name = new TextEncoder().encode(m.pdb70.pdb);
              const cv = w.reserve(24 + name.length + 1);
              w.u32(cv, 0x53445352); // 'RSDS'
              w.bytes.set(m.pdb70.guidBytes, cv + 4);
              w.u32(cv + 20, m.pdb70.age);
              w.bytes.set(name, cv + 24);
              w.u32(e + 76, 24 + name.length + 1); // CvRecord.DataSize (VersionInfo is 52 bytes at 24)
              w.u32(e + 80, cv);
            }
            if (m.cvRecord) {
              w.u32(e + 76, m.cvRecord.size);
              w.u32(e + 80, m.cvRecord.rva);
            }
          });
          entry(i, 4, size, at);
          break;
        }
        case 'memory': {
          const head = s.padded ? 8 : 4;
          const size = head + 16 * s.chunks.length;
          const at = w.reserve(size);
          w.u32(at, s.count ?? s.chunks.length);
          s.chunks.forEach((c, k) => {
            const e = at + head + 16 * k;
            const data = w.put(c.bytes, 1);
            w.u64(e, c.base);
            w.u32(e + 8, Number(c.declaredSize ?? c.bytes.length));
            w.u32(e + 12, data);
          });
          entry(i, 5, size, at);
          break;
        }
        case 'memory64': {
          const size = 16 + 16 * s.chunks.length;
          const at = w.reserve(size);
          w.u64(at, s.count ?? BigInt(s.chunks.length));
          s.chunks.forEach((c, k) => {
            w.u64(at + 16 + 16 * k, c.base);
            w.u64(at + 24 + 16 * k, c.declaredSize ?? c.bytes.length);
          });
          const all = concat(s.chunks.map((c) => c.bytes));
          let base: number;
          if (s.baseRva === undefined) base = w.put(all, 1);
          else {
            base = s.baseRva;
            extents.push({ offset: base, bytes: all });
          }
          w.u64(at + 8, base);
          entry(i, 9, size, at);
          break;
        }
      }
    });
    return { head: w.done(), extents };
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes 0, 1, 2, … (mod 251, so no period aligns with a power of two). */
export function pattern(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i + seed) % 251;
  return out;
}
