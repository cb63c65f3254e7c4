import type { Arch } from '../abi/types.js';
import { formatAddress } from '../errors.js';
import { PROCESSOR_ARCHITECTURE, STREAM_TYPE, VENDOR_STREAM_TYPE } from './format.js';
import { formatLayout } from './format-layout.js';
import { type CodeViewRecord, type FileVersion, readCodeView, readFileVersion } from './module-identity.js';
import type { PagedReader } from './paged-reader.js';
import { sizedList } from './sized-list.js';
import { osName, platformName } from './system-names.js';

/**
 * Parsers for the streams rnrkit reads. Each gets the stream's bytes (as
 * many as the file really holds) and reports anything odd through `warn`
 * rather than throwing: a dump with one damaged stream still has the others.
 */
export interface StreamContext {
  readonly reader: PagedReader;
  warn(message: string): void;
}

/** One MINIDUMP_DIRECTORY entry. */
export interface StreamEntry {
  readonly index: number;
  readonly type: number;
  /** MINIDUMP_STREAM_TYPE name (or Breakpad's, Crashpad's, Mozilla's), or `0x…` for a type nobody names (Wine writes 0xfff0). */
  readonly typeName: string;
  readonly rva: number;
  readonly dataSize: number;
  /** How many of dataSize bytes the file really holds. */
  readonly available: number;
}

/** The SystemInfoStream: which processor and operating system the dump was written on. */
export interface SystemInfo {
  readonly processorArchitecture: number;
  /** PROCESSOR_ARCHITECTURE_* name, or null for a value no header names. */
  readonly processorArchitectureName: string | null;
  /** x86 or x64 for PROCESSOR_ARCHITECTURE_INTEL / _AMD64; any other value is reported, never guessed. */
  readonly arch: Arch | undefined;
  readonly processorLevel: number;
  readonly processorRevision: number;
  readonly numberOfProcessors: number;
  readonly productType: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly buildNumber: number;
  readonly platformId: number;
  /** PlatformId named: `Windows`, `Linux`, `macOS`, … (see system-names.ts). */
  readonly platform: string;
  /** The operating system as a person names it: `Windows 10 (10.0.19045)`. */
  readonly os: string;
  readonly csdVersion: string | null;
}

/** A ModuleListStream entry: a DLL or executable loaded in the process when the dump was written. */
export interface ModuleInfo {
  /** BaseOfImage: a bigint, because kernel modules live above 2^53. */
  readonly base: bigint;
  readonly size: number;
  readonly checkSum: number;
  readonly timeDateStamp: number;
  /** The UTF-16 name from ModuleNameRva, or null when it cannot be read (see warnings). */
  readonly name: string | null;
  /** The CodeView record (PDB identity) from CvRecord, or null when there is none. */
  readonly codeView: CodeViewRecord | null;
  /** VersionInfo, when dwSignature says the module has a version resource. */
  readonly version: FileVersion | null;
}

/** An UnloadedModuleListStream entry: a DLL the process had loaded and let go. */
export interface UnloadedModuleInfo {
  readonly base: number;
  readonly size: number;
  readonly checkSum: number;
  readonly timeDateStamp: number;
  readonly name: string | null;
}

/** A memory range as a descriptor declares it, before overlaps and truncation are resolved. */
export interface DeclaredRange {
  readonly base: number;
  readonly length: number;
  /** Where its bytes start in the file; may lie past the end of a truncated file. */
  readonly fileOffset: number;
  /** `MemoryListStream[3]`, for warnings and `rnrkit regions`. */
  readonly origin: string;
}

const STREAM_NAMES = new Map<number, string>(
  [...Object.entries(STREAM_TYPE), ...Object.entries(VENDOR_STREAM_TYPE)].map(([k, v]) => [v, k]),
);
const ARCH_NAMES = new Map<number, string>(Object.entries(PROCESSOR_ARCHITECTURE).map(([k, v]) => [v, k]));
const TWO_53 = 2 ** 53;
/** A module name longer than this (bytes) is not a path: Windows paths stop at 32767 UTF-16 units. */
const MAX_STRING_BYTES = 32767 * 2;
/**
 * Ceilings no real dump comes near (dbghelp writes a dozen streams; a big
 * process has a few thousand modules). They keep a crafted directory or
 * module list from costing millions of objects and reads even where the
 * file is large enough to "fit" them.
 */
export const MAX_STREAMS = 4096;
export const MAX_MODULES = 16384;
/** All module names (and, separately, all other names) together are read up to this many bytes; later names are null. */
export const MODULE_NAME_BUDGET = 16 << 20;

export function streamTypeName(type: number): string {
  return STREAM_NAMES.get(type) ?? `0x${type.toString(16)}`;
}

/** A ULONG64 as a number; values ≥ 2^53 come back inexact but still ≥ 2^53, which is all callers compare. */
export function u64(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * 0x1_0000_0000 + view.getUint32(offset, true);
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function readDirectory(ctx: StreamContext, count: number, rva: number): StreamEntry[] {
  const dir = formatLayout('MINIDUMP_DIRECTORY');
  const fileSize = ctx.reader.size;
  // The count is checked against the file before anything is allocated for it.
  const fits = rva >= fileSize ? 0 : Math.floor((fileSize - rva) / dir.size);
  if (count > fits) {
    ctx.warn(
      `MINIDUMP_HEADER.NumberOfStreams is ${count} but only ${fits} directory entries fit between StreamDirectoryRva ${formatAddress(rva)} and the end of the file (${fileSize} bytes): reading ${fits}`,
    );
    count = fits;
  }
  if (count > MAX_STREAMS) {
    ctx.warn(
      `MINIDUMP_HEADER.NumberOfStreams is ${count}: reading the first ${MAX_STREAMS} directory entries (rnrkit's limit; real dumps have a few dozen)`,
    );
    count = MAX_STREAMS;
  }
  const bytes = ctx.reader.read(rva, count * dir.size);
  const view = viewOf(bytes);
  const entries: StreamEntry[] = [];
  const oType = dir.offset('StreamType');
  const oSize = dir.offset('Location.DataSize');
  const oRva = dir.offset('Location.Rva');
  for (let i = 0; i < count; i++) {
    const at = i * dir.size;
    const type = view.getUint32(at + oType, true);
    const dataSize = view.getUint32(at + oSize, true);
    const streamRva = view.getUint32(at + oRva, true);
    const available = Math.max(0, Math.min(dataSize, fileSize - streamRva));
    entries.push({ index: i, type, typeName: streamTypeName(type), rva: streamRva, dataSize, available });
  }
  return entries;
}

/** The bytes of a stream that the file holds, with a warning when it is cut short. */
export function streamBytes(ctx: StreamContext, entry: StreamEntry): Uint8Array {
  if (entry.available < entry.dataSize) {
    ctx.warn(
      `${entry.typeName} (directory entry ${entry.index}) is ${entry.dataSize} bytes at ${formatAddress(entry.rva)} but the file ends after ${entry.available} of them (truncated dump)`,
    );
  }
  return ctx.reader.read(entry.rva, entry.available);
}

/**
 * A MINIDUMP_STRING at `rva`: ULONG32 Length in bytes, then UTF-16 code
 * units. Length is checked against the file and a path-sized limit before
 * the buffer is read.
 */
export function readMinidumpString(
  ctx: StreamContext,
  rva: number,
  what: string,
  budget?: { bytes: number },
): string | null {
  const fileSize = ctx.reader.size;
  const lengthBytes = ctx.reader.read(rva, 4);
  if (lengthBytes.length < 4) {
    ctx.warn(`${what}: MINIDUMP_STRING at ${formatAddress(rva)} lies past the end of the file`);
    return null;
  }
  const length = viewOf(lengthBytes).getUint32(0, true);
  const start = rva + formatLayout('MINIDUMP_STRING').size;
  if (length > MAX_STRING_BYTES || start + length > fileSize) {
    ctx.warn(
      `${what}: MINIDUMP_STRING at ${formatAddress(rva)} claims ${length} bytes, more than ${start + length > fileSize ? 'the file holds' : 'any name has'}`,
    );
    return null;
  }
  if (budget) {
    if (budget.bytes < length) {
      ctx.warn(`${what}: not read, the strings read so far exceed ${MODULE_NAME_BUDGET} bytes`);
      return null;
    }
    budget.bytes -= length;
  }
  const bytes = ctx.reader.read(start, length & ~1);
  const view = viewOf(bytes);
  let text = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode(view.getUint16(i, true));
  return text;
}

export function parseSystemInfo(ctx: StreamContext, bytes: Uint8Array): SystemInfo | undefined {
  const layout = formatLayout('MINIDUMP_SYSTEM_INFO');
  if (bytes.length < layout.size) {
    ctx.warn(
      `SystemInfoStream has ${bytes.length} bytes, fewer than MINIDUMP_SYSTEM_INFO's ${layout.size}: the processor architecture is unknown`,
    );
    return undefined;
  }
  const view = viewOf(bytes);
  const u16 = (name: string) => view.getUint16(layout.offset(name), true);
  const u32 = (name: string) => view.getUint32(layout.offset(name), true);
  const processorArchitecture = u16('ProcessorArchitecture');
  const csdRva = u32('CSDVersionRva');
  const csdVersion = csdRva === 0 ? null : readMinidumpString(ctx, csdRva, 'MINIDUMP_SYSTEM_INFO.CSDVersionRva');
  const version = {
    platformId: u32('PlatformId'),
    majorVersion: u32('MajorVersion'),
    minorVersion: u32('MinorVersion'),
    buildNumber: u32('BuildNumber'),
    productType: view.getUint8(layout.offset('ProductType')),
    csdVersion,
  };
  return {
    processorArchitecture,
    processorArchitectureName: ARCH_NAMES.get(processorArchitecture) ?? null,
    arch:
      processorArchitecture === PROCESSOR_ARCHITECTURE.PROCESSOR_ARCHITECTURE_INTEL
        ? 'x86'
        : processorArchitecture === PROCESSOR_ARCHITECTURE.PROCESSOR_ARCHITECTURE_AMD64
          ? 'x64'
          : undefined,
    processorLevel: u16('ProcessorLevel'),
    processorRevision: u16('ProcessorRevision'),
    numberOfProcessors: view.getUint8(layout.offset('NumberOfProcessors')),
    productType: view.getUint8(layout.offset('ProductType')),
    majorVersion: u32('MajorVersion'),
    minorVersion: u32('MinorVersion'),
    buildNumber: u32('BuildNumber'),
    platformId: version.platformId,
    platform: platformName(version.platformId),
    os: osName(version),
    csdVersion,
  };
}

/**
 * How many list entries to read: the declared count, unless the stream is
 * too small for it. Some writers pad the 4-byte count of MINIDUMP_MODULE_LIST
 * and MINIDUMP_MEMORY_LIST to 8 bytes (rust-minidump handles the same
 * quirk): when the stream is exactly 4 bytes longer than the count implies,
 * the entries start 4 bytes later.
 */
export function listEntries(
  ctx: StreamContext,
  what: string,
  declared: number,
  headerSize: number,
  entrySize: number,
  streamLength: number,
): { count: number; entriesAt: number } {
  let entriesAt = headerSize;
  if (headerSize === 4 && streamLength === 8 + declared * entrySize) entriesAt = 8;
  const fits = streamLength < entriesAt ? 0 : Math.floor((streamLength - entriesAt) / entrySize);
  if (declared > fits) {
    ctx.warn(`${what} is ${declared} but the stream holds only ${fits} entries of ${entrySize} bytes: reading ${fits}`);
    return { count: fits, entriesAt };
  }
  return { count: declared, entriesAt };
}

export function parseModuleList(ctx: StreamContext, bytes: Uint8Array): ModuleInfo[] {
  const list = formatLayout('MINIDUMP_MODULE_LIST');
  const mod = formatLayout('MINIDUMP_MODULE');
  if (bytes.length < list.size) {
    ctx.warn(`ModuleListStream has ${bytes.length} bytes, too few for its count`);
    return [];
  }
  const view = viewOf(bytes);
  const declared = view.getUint32(list.offset('NumberOfModules'), true);
  let { count, entriesAt } = listEntries(
    ctx,
    'MINIDUMP_MODULE_LIST.NumberOfModules',
    declared,
    list.size,
    mod.size,
    bytes.length,
  );
  if (count > MAX_MODULES) {
    ctx.warn(`MINIDUMP_MODULE_LIST.NumberOfModules is ${count}: reading the first ${MAX_MODULES} (rnrkit's limit)`);
    count = MAX_MODULES;
  }
  const budget = { bytes: MODULE_NAME_BUDGET };
  const modules: ModuleInfo[] = [];
  for (let i = 0; i < count; i++) {
    const at = entriesAt + i * mod.size;
    const nameRva = view.getUint32(at + mod.offset('ModuleNameRva'), true);
    modules.push({
      base: view.getBigUint64(at + mod.offset('BaseOfImage'), true),
      size: view.getUint32(at + mod.offset('SizeOfImage'), true),
      checkSum: view.getUint32(at + mod.offset('CheckSum'), true),
      timeDateStamp: view.getUint32(at + mod.offset('TimeDateStamp'), true),
      name: readMinidumpString(ctx, nameRva, `MINIDUMP_MODULE[${i}].ModuleNameRva`, budget),
      codeView: readCodeView(
        ctx,
        view.getUint32(at + mod.offset('CvRecord.DataSize'), true),
        view.getUint32(at + mod.offset('CvRecord.Rva'), true),
        `MINIDUMP_MODULE[${i}].CvRecord`,
      ),
      version: readFileVersion(view, at + mod.offset('VersionInfo')),
    });
  }
  return modules;
}

export function parseUnloadedModuleList(
  ctx: StreamContext,
  bytes: Uint8Array,
  budget: { bytes: number },
): UnloadedModuleInfo[] {
  const list = formatLayout('MINIDUMP_UNLOADED_MODULE_LIST');
  const entry = formatLayout('MINIDUMP_UNLOADED_MODULE');
  if (bytes.length < list.size) {
    ctx.warn(
      `UnloadedModuleListStream has ${bytes.length} bytes, fewer than MINIDUMP_UNLOADED_MODULE_LIST's ${list.size}`,
    );
    return [];
  }
  const view = viewOf(bytes);
  const { count, entriesAt, stride } = sizedList(
    ctx,
    'UnloadedModuleListStream',
    bytes.length,
    view.getUint32(list.offset('SizeOfHeader'), true),
    view.getUint32(list.offset('SizeOfEntry'), true),
    view.getUint32(list.offset('NumberOfEntries'), true),
    list.size,
    entry.size,
    MAX_MODULES,
  );
  const out: UnloadedModuleInfo[] = [];
  for (let i = 0; i < count; i++) {
    const at = entriesAt + i * stride;
    out.push({
      base: u64(view, at + entry.offset('BaseOfImage')),
      size: view.getUint32(at + entry.offset('SizeOfImage'), true),
      checkSum: view.getUint32(at + entry.offset('CheckSum'), true),
      timeDateStamp: view.getUint32(at + entry.offset('TimeDateStamp'), true),
      name: readMinidumpString(
        ctx,
        view.getUint32(at + entry.offset('ModuleNameRva'), true),
        `MINIDUMP_UNLOADED_MODULE[${i}].ModuleNameRva`,
        budget,
      ),
    });
  }
  return out;
}

/**
 * A descriptor's range as numbers, or nothing: rnrkit addresses memory with
 * safe integers, so a range starting at or beyond 2^53 is skipped and one
 * reaching past it is clipped, each with a warning.
 */
function declare(
  ctx: StreamContext,
  origin: string,
  start: number,
  startBig: () => bigint,
  size: number,
  fileOffset: number,
): DeclaredRange | undefined {
  if (size === 0) return undefined;
  if (start >= TWO_53) {
    ctx.warn(
      `${origin}: range at ${formatAddress(startBig())} lies beyond 2^53, which rnrkit cannot address exactly: skipped`,
    );
    return undefined;
  }
  let length = size;
  if (start + length > TWO_53) {
    length = TWO_53 - start;
    ctx.warn(`${origin}: range at ${formatAddress(start)} reaches beyond 2^53: clipped to ${length} bytes`);
  }
  return { base: start, length, fileOffset, origin };
}

/** `room`: how many more ranges the dump may declare in all (see Minidump). */
export function parseMemoryList(
  ctx: StreamContext,
  bytes: Uint8Array,
  stream: string,
  room = Infinity,
): DeclaredRange[] {
  const list = formatLayout('MINIDUMP_MEMORY_LIST');
  const desc = formatLayout('MINIDUMP_MEMORY_DESCRIPTOR');
  if (bytes.length < list.size) {
    ctx.warn(`${stream} has ${bytes.length} bytes, too few for its count`);
    return [];
  }
  const view = viewOf(bytes);
  const declared = view.getUint32(list.offset('NumberOfMemoryRanges'), true);
  const { count, entriesAt } = listEntries(
    ctx,
    `${stream}: MINIDUMP_MEMORY_LIST.NumberOfMemoryRanges`,
    declared,
    list.size,
    desc.size,
    bytes.length,
  );
  if (count > room)
    ctx.warn(
      `${stream}: only ${room} of its ${count} ranges are read: the memory lists together declare more ranges than the file can describe`,
    );
  const oStart = desc.offset('StartOfMemoryRange');
  const oSize = desc.offset('Memory.DataSize');
  const oRva = desc.offset('Memory.Rva');
  const out: DeclaredRange[] = [];
  for (let i = 0; i < Math.min(count, room); i++) {
    const at = entriesAt + i * desc.size;
    const range = declare(
      ctx,
      `${stream}[${i}]`,
      u64(view, at + oStart),
      () => view.getBigUint64(at + oStart, true),
      view.getUint32(at + oSize, true),
      view.getUint32(at + oRva, true),
    );
    if (range) out.push(range);
  }
  return out;
}

export function parseMemory64List(
  ctx: StreamContext,
  bytes: Uint8Array,
  stream: string,
  room = Infinity,
): DeclaredRange[] {
  const list = formatLayout('MINIDUMP_MEMORY64_LIST');
  const desc = formatLayout('MINIDUMP_MEMORY_DESCRIPTOR64');
  if (bytes.length < list.size) {
    ctx.warn(`${stream} has ${bytes.length} bytes, too few for MINIDUMP_MEMORY64_LIST`);
    return [];
  }
  const view = viewOf(bytes);
  const declared = u64(view, list.offset('NumberOfMemoryRanges'));
  const { count } = listEntries(
    ctx,
    `${stream}: MINIDUMP_MEMORY64_LIST.NumberOfMemoryRanges`,
    declared,
    list.size,
    desc.size,
    bytes.length,
  );
  if (count > room)
    ctx.warn(
      `${stream}: only ${room} of its ${count} ranges are read: the memory lists together declare more ranges than the file can describe`,
    );
  // The ranges' bytes follow each other from BaseRva on; a sum past the end
  // of the file (or past 2^53) only means "not in this file".
  let fileOffset = u64(view, list.offset('BaseRva'));
  const oStart = desc.offset('StartOfMemoryRange');
  const oSize = desc.offset('DataSize');
  const out: DeclaredRange[] = [];
  for (let i = 0; i < Math.min(count, room); i++) {
    const at = list.size + i * desc.size;
    const size = u64(view, at + oSize);
    const range = declare(
      ctx,
      `${stream}[${i}]`,
      u64(view, at + oStart),
      () => view.getBigUint64(at + oStart, true),
      size,
      fileOffset,
    );
    if (range) out.push(range);
    fileOffset += size;
  }
  return out;
}
