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
 */

export interface Chunk {
  readonly base: number | bigint;
  readonly bytes: Uint8Array;
  /** Declare this many bytes instead of bytes.length (a descriptor that lies). */
  readonly declaredSize?: number | bigint;
}

type Stream =
  | { kind: 'raw'; type: number; bytes: Uint8Array; declaredSize?: number; rva?: number }
  | { kind: 'system'; arch: number }
  | { kind: 'modules'; modules: { base: bigint; size: number; name: string }[]; count?: number; padded?: boolean }
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
  u16(at: number, v: number): void { this.view().setUint16(at, v, true); }
  u32(at: number, v: number): void { this.view().setUint32(at, v >>> 0, true); }
  u64(at: number, v: number | bigint): void { this.view().setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true); }
  done(): Uint8Array { return this.bytes.slice(0, this.length); }
}

export class DumpBuilder {
  private readonly streams: Stream[] = [];
  private versionHigh = 0;
  private declaredStreams: number | undefined;

  /** The implementation-specific high word of MINIDUMP_HEADER.Version. */
  vendorVersion(high: number): this { this.versionHigh = high; return this; }
  /** Lie in NumberOfStreams. */
  streamCount(n: number): this { this.declaredStreams = n; return this; }

  systemInfo(processorArchitecture: number): this { this.streams.push({ kind: 'system', arch: processorArchitecture }); return this; }
  modules(modules: { base: bigint; size: number; name: string }[], options: { count?: number; padded?: boolean } = {}): this {
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
    this.streams.forEach((s, i) => {
      switch (s.kind) {
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
            const units = [...m.name].map((c) => c.charCodeAt(0));
            const name = w.reserve(4 + 2 * units.length + 2);
            w.u32(name, 2 * units.length);
            units.forEach((u, j) => w.u16(name + 4 + 2 * j, u));
            w.u32(e + 20, name);
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
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Bytes 0, 1, 2, … (mod 251, so no period aligns with a power of two). */
export function pattern(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i + seed) % 251;
  return out;
}
