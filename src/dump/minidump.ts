import type { Arch } from '../abi/types.js';
import { formatAddress, MemoryError } from '../errors.js';
import { type AddressSpace, checkAddress, type Located, type MappedRange } from '../memory/address-space.js';
import { MinidumpFormatError } from './errors.js';
import { type ExceptionInfo, exceptionCodeName, parseException } from './exception.js';
import { MINIDUMP_SIGNATURE, MINIDUMP_VERSION, STREAM_TYPE } from './format.js';
import { formatLayout } from './format-layout.js';
import { buildMemoryIndex, type Segment } from './memory-index.js';
import { type MemoryInfo, parseMemoryInfoList } from './memory-info.js';
import { PagedReader, type ReaderStats } from './paged-reader.js';
import { type HandleInfo, type MiscInfo, parseHandleData, parseMiscInfo } from './process-info.js';
import { type ByteSource, bytesSource } from './source.js';
import {
  type DeclaredRange,
  MODULE_NAME_BUDGET,
  type ModuleInfo,
  parseMemory64List,
  parseMemoryList,
  parseModuleList,
  parseSystemInfo,
  parseUnloadedModuleList,
  readDirectory,
  type StreamContext,
  type StreamEntry,
  type SystemInfo,
  streamBytes,
  type UnloadedModuleInfo,
} from './streams.js';
import { parseThreadList, parseThreadNames, type ThreadInfo } from './threads.js';

/** The MINIDUMP_HEADER fields as the file has them (signature `MDMP`, see MINIDUMP_SIGNATURE). */
export interface MinidumpHeader {
  readonly signature: number;
  /** The whole Version ULONG32; its low word is MINIDUMP_VERSION (0xa793). */
  readonly version: number;
  /** The high word of Version: implementation-specific, reported as found. */
  readonly implementationVersion: number;
  readonly numberOfStreams: number;
  readonly streamDirectoryRva: number;
  readonly checkSum: number;
  readonly timeDateStamp: number;
  readonly flags: bigint;
}

/** Streams of which only the first is read; a second is reported and ignored. */
const SINGLE_STREAMS = new Set<number>([
  STREAM_TYPE.SystemInfoStream,
  STREAM_TYPE.ModuleListStream,
  STREAM_TYPE.ThreadListStream,
  STREAM_TYPE.ThreadExListStream,
  STREAM_TYPE.ThreadNamesStream,
  STREAM_TYPE.ExceptionStream,
  STREAM_TYPE.MemoryInfoListStream,
  STREAM_TYPE.UnloadedModuleListStream,
  STREAM_TYPE.MiscInfoStream,
  STREAM_TYPE.HandleDataStream,
]);

/** A warning list that stops growing: a crafted dump must not make it unbounded. */
const MAX_WARNINGS = 200;

/**
 * A minidump file as an AddressSpace: header, stream directory, SystemInfo,
 * ModuleList, and MemoryListStream + Memory64ListStream unified into one
 * sorted index (see memory-index.ts for the overlap rule). Parsing happens
 * once, here; memory is read lazily, positionally, through a page cache.
 *
 * Only an unreadable header is fatal (MinidumpFormatError). Everything else
 * that is wrong — a stream cut by truncation, a count larger than its
 * stream, an unknown stream type, overlapping ranges — becomes a warning
 * and the rest of the dump stays usable. Thread stacks are read from the
 * memory lists, where dbghelp puts them; ThreadListStream's own Stack
 * descriptors only say where each thread's stack is (Wine leaves their
 * RVAs at 0). Threads, exception, memory info, module identities and the
 * rest are described in docs/forensics.md.
 */
export class Minidump implements AddressSpace {
  readonly header: MinidumpHeader;
  readonly streams: readonly StreamEntry[];
  readonly systemInfo: SystemInfo | undefined;
  /** x86 or x64 from SystemInfo; undefined when the dump does not say or says something else. */
  readonly arch: Arch | undefined;
  readonly modules: readonly ModuleInfo[];
  /** ThreadListStream, or ThreadExListStream when there is no plain list; names from ThreadNamesStream. */
  readonly threads: readonly ThreadInfo[];
  readonly exception: ExceptionInfo | undefined;
  /** MemoryInfoListStream's regions, sorted by base; empty when the dump has none (Wine writes none). */
  readonly memoryInfo: readonly MemoryInfo[];
  readonly unloadedModules: readonly UnloadedModuleInfo[];
  readonly miscInfo: MiscInfo | undefined;
  readonly handles: readonly HandleInfo[];
  readonly warnings: readonly string[];

  private readonly reader: PagedReader;
  private readonly segments: readonly Segment[];
  private readonly bases: Float64Array;
  private readonly merged: readonly MappedRange[];
  private last = 0;

  constructor(
    source: ByteSource,
    readonly label = 'minidump',
  ) {
    this.reader = new PagedReader(source);
    const warnings: string[] = [];
    let dropped = 0;
    const ctx: StreamContext = {
      reader: this.reader,
      warn: (message) => {
        if (warnings.length < MAX_WARNINGS) warnings.push(message);
        else dropped++;
      },
    };
    this.header = readHeader(this.reader);
    this.streams = readDirectory(ctx, this.header.numberOfStreams, this.header.streamDirectoryRva);

    let systemInfo: SystemInfo | undefined;
    let modules: ModuleInfo[] | undefined;
    let threads: ThreadInfo[] | undefined;
    let threadsEx: ThreadInfo[] | undefined;
    let threadNames: Map<number, string> | undefined;
    let exception: ExceptionInfo | undefined;
    let memoryInfo: MemoryInfo[] | undefined;
    let unloaded: UnloadedModuleInfo[] | undefined;
    let miscInfo: MiscInfo | undefined;
    let handles: HandleInfo[] | undefined;
    // Thread, handle and unloaded-module names share one budget, as module names have theirs.
    const names = { bytes: MODULE_NAME_BUDGET };
    const declared: DeclaredRange[] = [];
    const seen = new Set<number>();
    const memoryStreams = new Set<string>();
    const typeCounts = new Map<number, number>();
    for (const e of this.streams) typeCounts.set(e.type, (typeCounts.get(e.type) ?? 0) + 1);
    // Two streams of one type are told apart by their directory index.
    const streamName = (e: StreamEntry) =>
      (typeCounts.get(e.type) ?? 0) > 1 ? `${e.typeName}#${e.index}` : e.typeName;
    // Each distinct descriptor takes 16 bytes of the file; streams listed at
    // overlapping offsets could otherwise multiply them.
    const maxRanges = Math.floor(this.reader.size / formatLayout('MINIDUMP_MEMORY_DESCRIPTOR64').size);
    for (const entry of this.streams) {
      if (entry.type === STREAM_TYPE.MemoryListStream || entry.type === STREAM_TYPE.Memory64ListStream) {
        // The same list listed twice would only duplicate every range.
        const key = `${entry.type}:${entry.rva}:${entry.dataSize}`;
        if (memoryStreams.has(key)) {
          ctx.warn(`${entry.typeName} (directory entry ${entry.index}) repeats an earlier entry: ignored`);
          continue;
        }
        memoryStreams.add(key);
      }
      const single = SINGLE_STREAMS.has(entry.type);
      if (single && seen.has(entry.type)) {
        ctx.warn(`a second ${entry.typeName} (directory entry ${entry.index}) is ignored: the first one is used`);
        continue;
      }
      seen.add(entry.type);
      switch (entry.type) {
        case STREAM_TYPE.SystemInfoStream:
          systemInfo = parseSystemInfo(ctx, streamBytes(ctx, entry));
          break;
        case STREAM_TYPE.ModuleListStream:
          modules = parseModuleList(ctx, streamBytes(ctx, entry));
          break;
        case STREAM_TYPE.ThreadListStream:
          threads = parseThreadList(ctx, streamBytes(ctx, entry), false);
          break;
        case STREAM_TYPE.ThreadExListStream:
          threadsEx = parseThreadList(ctx, streamBytes(ctx, entry), true);
          break;
        case STREAM_TYPE.ThreadNamesStream:
          threadNames = parseThreadNames(ctx, streamBytes(ctx, entry), names);
          break;
        case STREAM_TYPE.ExceptionStream:
          exception = parseException(ctx, streamBytes(ctx, entry));
          break;
        case STREAM_TYPE.MemoryInfoListStream:
          memoryInfo = parseMemoryInfoList(ctx, streamBytes(ctx, entry));
          break;
        case STREAM_TYPE.UnloadedModuleListStream:
          unloaded = parseUnloadedModuleList(ctx, streamBytes(ctx, entry), names);
          break;
        case STREAM_TYPE.MiscInfoStream:
          miscInfo = parseMiscInfo(ctx, streamBytes(ctx, entry));
          break;
        case STREAM_TYPE.HandleDataStream:
          handles = parseHandleData(ctx, streamBytes(ctx, entry), names);
          break;
        case STREAM_TYPE.MemoryListStream:
          for (const r of parseMemoryList(ctx, streamBytes(ctx, entry), streamName(entry), maxRanges - declared.length))
            declared.push(r);
          break;
        case STREAM_TYPE.Memory64ListStream:
          for (const r of parseMemory64List(
            ctx,
            streamBytes(ctx, entry),
            streamName(entry),
            maxRanges - declared.length,
          ))
            declared.push(r);
          break;
        default:
          // Unknown and unused streams (Wine's 0xfff0, UnusedStream padding) are listed in `streams` and otherwise ignored.
          break;
      }
    }
    this.systemInfo = systemInfo;
    this.arch = systemInfo?.arch;
    if (systemInfo && !systemInfo.arch) {
      ctx.warn(
        `SystemInfoStream: ProcessorArchitecture ${systemInfo.processorArchitecture} (${systemInfo.processorArchitectureName ?? 'not a known PROCESSOR_ARCHITECTURE_*'}) is neither x86 nor x64: give --arch`,
      );
    }
    this.modules = modules ?? [];
    const named = threadNames;
    this.threads = (threads ?? threadsEx ?? []).map((t) => {
      const name = named?.get(t.threadId);
      return name === undefined ? t : { ...t, name };
    });
    // The code's name depends on the platform, which SystemInfoStream (in any order) says.
    this.exception =
      exception && systemInfo
        ? { ...exception, codeName: exceptionCodeName(exception.code, systemInfo.platformId) }
        : exception;
    this.memoryInfo = (memoryInfo ?? []).sort((a, b) => a.base - b.base);
    this.unloadedModules = unloaded ?? [];
    this.miscInfo = miscInfo;
    this.handles = handles ?? [];
    this.segments = buildMemoryIndex(declared, this.reader.size, ctx.warn);
    if (dropped > 0) warnings.push(`${dropped} more warnings were not recorded`);
    this.warnings = warnings;
    this.bases = Float64Array.from(this.segments, (s) => s.base);
    const merged: { base: number; length: number }[] = [];
    for (const s of this.segments) {
      if (s.cut) continue;
      const prev = merged[merged.length - 1];
      if (prev && prev.base + prev.length === s.base) prev.length += s.length;
      else merged.push({ base: s.base, length: s.length });
    }
    this.merged = merged;
  }

  /** A minidump already in memory (tests, fuzzing, a fetched file). */
  static fromBytes(bytes: Uint8Array, label?: string): Minidump {
    return new Minidump(bytesSource(bytes), label);
  }

  /** The unified index: every segment with its file offset, origin descriptor, and whether truncation cut it. */
  memoryRanges(): readonly Segment[] {
    return this.segments;
  }

  /** Reader statistics: `largestAllocation` is the largest buffer this dump made the reader create. */
  get stats(): Readonly<ReaderStats> {
    return this.reader.stats;
  }

  get fileSize(): number {
    return this.reader.size;
  }

  private find(address: number): number {
    const hint = this.segments[this.last];
    if (hint && address >= hint.base && address < hint.base + hint.length) return this.last;
    const b = this.bases;
    let lo = 0;
    let hi = b.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid]! <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return -1;
    const s = this.segments[found]!;
    if (address >= s.base + s.length) return -1;
    this.last = found;
    return found;
  }

  mappedLength(address: number, max: number): number {
    if (!Number.isSafeInteger(address) || address < 0 || max <= 0) return 0;
    let i = this.find(address);
    if (i < 0 || this.segments[i]!.cut) return 0;
    let end = this.segments[i]!.base + this.segments[i]!.length;
    while (end - address < max) {
      const next = this.segments[i + 1];
      if (!next || next.base !== end || next.cut) break;
      end += next.length;
      i++;
    }
    return Math.min(max, end - address);
  }

  read(address: number, length: number): Uint8Array {
    checkAddress(address, length);
    const i = this.find(address);
    if (i < 0) throw new MemoryError(BigInt(address), length);
    const first = this.segments[i]!;
    if (!first.cut && address + length <= first.base + first.length) return this.fetch(first, address, length, length);
    // Checked before anything of `length` is allocated: the caller's length may be absurd.
    const mapped = this.mappedLength(address, length);
    if (mapped < length) throw this.missing(address, length, address + mapped);
    const out = new Uint8Array(length);
    let done = 0;
    for (let j = i; done < length; j++) {
      const s = this.segments[j]!;
      const at = address + done;
      const take = Math.min(length - done, s.base + s.length - at);
      out.set(this.fetch(s, at, take, length), done);
      done += take;
    }
    return out;
  }

  locate(address: number, length: number): Located {
    const bytes = this.read(address, length);
    return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, offset: 0 };
  }

  ranges(): readonly MappedRange[] {
    return this.merged;
  }

  /** Closes the ByteSource the dump reads from (openMinidump's: its file descriptor). */
  close(): void {
    this.reader.close();
  }

  private fetch(s: Segment, at: number, take: number, requested: number): Uint8Array {
    const bytes = this.reader.read(s.fileOffset + (at - s.base), take);
    // The index only maps bytes the file held when it was opened; a file
    // that shrank since is reported like truncation.
    if (bytes.length < take)
      throw new MemoryError(
        BigInt(at),
        requested,
        `${formatAddress(at)}+${take} could not be read: ${this.label} is shorter than when it was opened`,
      );
    return bytes;
  }

  /** The error for a read that runs into `stop`: unmapped, or cut off by truncation. */
  private missing(address: number, length: number, stop: number): MemoryError {
    const i = this.find(stop);
    const s = i < 0 ? undefined : this.segments[i];
    if (s?.cut) {
      return new MemoryError(
        BigInt(address),
        length,
        `${formatAddress(address)}+${length} is not in the captured memory: the dump file ends before the bytes at ${formatAddress(stop)} (${s.origin} is truncated)`,
      );
    }
    return new MemoryError(BigInt(address), length);
  }
}

function readHeader(reader: PagedReader): MinidumpHeader {
  const layout = formatLayout('MINIDUMP_HEADER');
  const bytes = reader.read(0, layout.size);
  if (bytes.length < layout.size) {
    throw new MinidumpFormatError(
      `the file has ${reader.size} bytes, fewer than a MINIDUMP_HEADER (${layout.size})`,
      'MINIDUMP_HEADER',
      0,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (name: string) => view.getUint32(layout.offset(name), true);
  const signature = u32('Signature');
  if (signature !== MINIDUMP_SIGNATURE) {
    throw new MinidumpFormatError(
      `signature 0x${signature.toString(16).padStart(8, '0')} is not 'MDMP': not a minidump`,
      'MINIDUMP_HEADER.Signature',
      layout.offset('Signature'),
    );
  }
  const version = u32('Version');
  if ((version & 0xffff) !== MINIDUMP_VERSION) {
    throw new MinidumpFormatError(
      `format version 0x${(version & 0xffff).toString(16)} is not MINIDUMP_VERSION (0x${MINIDUMP_VERSION.toString(16)})`,
      'MINIDUMP_HEADER.Version',
      layout.offset('Version'),
    );
  }
  return {
    signature,
    version,
    implementationVersion: version >>> 16,
    numberOfStreams: u32('NumberOfStreams'),
    streamDirectoryRva: u32('StreamDirectoryRva'),
    checkSum: u32('CheckSum'),
    timeDateStamp: u32('TimeDateStamp'),
    flags: view.getBigUint64(layout.offset('Flags'), true),
  };
}

/** True when `firstBytes` start with the minidump signature 'MDMP'. */
export function isMinidump(firstBytes: Uint8Array): boolean {
  if (firstBytes.length < 4) return false;
  return new DataView(firstBytes.buffer, firstBytes.byteOffset, 4).getUint32(0, true) === MINIDUMP_SIGNATURE;
}
