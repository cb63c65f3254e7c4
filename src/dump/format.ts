/**
 * The minidump file format as plain data, with the member names of
 * dbghelp.h / minidumpapiset.h (mingw-w64: psdk_inc/_dbg_common.h). Nothing
 * here reads a file: `format-layout.ts` places the members (the headers
 * declare them under `#pragma pack(4)`), `minidump.ts` and `streams.ts`
 * parse with those offsets. fixtures/dumps/format-probe.c has the compiler
 * print the same offsets, and test/dump/format.test.ts compares them.
 *
 * Nameless unions are written as the member rnrkit reads
 * (MINIDUMP_HEADER.TimeDateStamp rather than Reserved); CPU_INFORMATION is
 * only carried along, so it is six ULONG32s, which has its size and, under
 * pack(4), its alignment.
 */

/** 'MDMP' read as a little-endian ULONG32 (the header's `'PMDM'` multi-char constant). */
export const MINIDUMP_SIGNATURE = 0x504d444d;
/** The low word of MINIDUMP_HEADER.Version; the high word is implementation-specific. */
export const MINIDUMP_VERSION = 0xa793;

/** dbghelp's `#include <pshpack4.h>` around every minidump structure. */
export const MINIDUMP_PACK = 4;

/** A member: [name, type]. Types are the scalars below, another format struct, or `T[n]`. */
export type FormatMember = readonly [name: string, type: string];

export const FORMAT_SCALARS: Readonly<Record<string, 1 | 2 | 4 | 8>> = {
  UCHAR: 1,
  USHORT: 2,
  WCHAR: 2,
  ULONG32: 4,
  RVA: 4,
  ULONG64: 8,
  RVA64: 8,
};

export const FORMAT_STRUCTS: Readonly<Record<string, readonly FormatMember[]>> = {
  MINIDUMP_HEADER: [
    ['Signature', 'ULONG32'],
    ['Version', 'ULONG32'],
    ['NumberOfStreams', 'ULONG32'],
    ['StreamDirectoryRva', 'RVA'],
    ['CheckSum', 'ULONG32'],
    ['TimeDateStamp', 'ULONG32'],
    ['Flags', 'ULONG64'],
  ],
  MINIDUMP_LOCATION_DESCRIPTOR: [
    ['DataSize', 'ULONG32'],
    ['Rva', 'RVA'],
  ],
  MINIDUMP_DIRECTORY: [
    ['StreamType', 'ULONG32'],
    ['Location', 'MINIDUMP_LOCATION_DESCRIPTOR'],
  ],
  /** Length is in bytes and excludes the terminating NUL; the UTF-16 Buffer follows. */
  MINIDUMP_STRING: [
    ['Length', 'ULONG32'],
  ],
  MINIDUMP_SYSTEM_INFO: [
    ['ProcessorArchitecture', 'USHORT'],
    ['ProcessorLevel', 'USHORT'],
    ['ProcessorRevision', 'USHORT'],
    ['NumberOfProcessors', 'UCHAR'],
    ['ProductType', 'UCHAR'],
    ['MajorVersion', 'ULONG32'],
    ['MinorVersion', 'ULONG32'],
    ['BuildNumber', 'ULONG32'],
    ['PlatformId', 'ULONG32'],
    ['CSDVersionRva', 'RVA'],
    ['SuiteMask', 'USHORT'],
    ['Reserved2', 'USHORT'],
    ['Cpu', 'ULONG32[6]'],
  ],
  VS_FIXEDFILEINFO: [
    ['dwSignature', 'ULONG32'],
    ['dwStrucVersion', 'ULONG32'],
    ['dwFileVersionMS', 'ULONG32'],
    ['dwFileVersionLS', 'ULONG32'],
    ['dwProductVersionMS', 'ULONG32'],
    ['dwProductVersionLS', 'ULONG32'],
    ['dwFileFlagsMask', 'ULONG32'],
    ['dwFileFlags', 'ULONG32'],
    ['dwFileOS', 'ULONG32'],
    ['dwFileType', 'ULONG32'],
    ['dwFileSubtype', 'ULONG32'],
    ['dwFileDateMS', 'ULONG32'],
    ['dwFileDateLS', 'ULONG32'],
  ],
  MINIDUMP_MODULE: [
    ['BaseOfImage', 'ULONG64'],
    ['SizeOfImage', 'ULONG32'],
    ['CheckSum', 'ULONG32'],
    ['TimeDateStamp', 'ULONG32'],
    ['ModuleNameRva', 'RVA'],
    ['VersionInfo', 'VS_FIXEDFILEINFO'],
    ['CvRecord', 'MINIDUMP_LOCATION_DESCRIPTOR'],
    ['MiscRecord', 'MINIDUMP_LOCATION_DESCRIPTOR'],
    ['Reserved0', 'ULONG64'],
    ['Reserved1', 'ULONG64'],
  ],
  /** The list headers: a count, then the entries (declared as `T x[0]`). */
  MINIDUMP_MODULE_LIST: [
    ['NumberOfModules', 'ULONG32'],
  ],
  MINIDUMP_MEMORY_DESCRIPTOR: [
    ['StartOfMemoryRange', 'ULONG64'],
    ['Memory', 'MINIDUMP_LOCATION_DESCRIPTOR'],
  ],
  MINIDUMP_MEMORY_LIST: [
    ['NumberOfMemoryRanges', 'ULONG32'],
  ],
  MINIDUMP_MEMORY_DESCRIPTOR64: [
    ['StartOfMemoryRange', 'ULONG64'],
    ['DataSize', 'ULONG64'],
  ],
  /** The ranges' bytes follow one another in the file from BaseRva on. */
  MINIDUMP_MEMORY64_LIST: [
    ['NumberOfMemoryRanges', 'ULONG64'],
    ['BaseRva', 'RVA64'],
  ],
};

/** MINIDUMP_STREAM_TYPE: the ones rnrkit reads, and names for the rest in listings. */
export const STREAM_TYPE = {
  UnusedStream: 0,
  ReservedStream0: 1,
  ReservedStream1: 2,
  ThreadListStream: 3,
  ModuleListStream: 4,
  MemoryListStream: 5,
  ExceptionStream: 6,
  SystemInfoStream: 7,
  ThreadExListStream: 8,
  Memory64ListStream: 9,
  CommentStreamA: 10,
  CommentStreamW: 11,
  HandleDataStream: 12,
  FunctionTableStream: 13,
  UnloadedModuleListStream: 14,
  MiscInfoStream: 15,
  MemoryInfoListStream: 16,
  ThreadInfoListStream: 17,
  HandleOperationListStream: 18,
  TokenStream: 19,
  JavaScriptDataStream: 20,
  SystemMemoryInfoStream: 21,
  ProcessVmCountersStream: 22,
  IptTraceStream: 23,
  ThreadNamesStream: 24,
  LastReservedStream: 0xffff,
} as const;

/** MINIDUMP_SYSTEM_INFO.ProcessorArchitecture values (winnt.h PROCESSOR_ARCHITECTURE_*). */
export const PROCESSOR_ARCHITECTURE = {
  PROCESSOR_ARCHITECTURE_INTEL: 0,
  PROCESSOR_ARCHITECTURE_MIPS: 1,
  PROCESSOR_ARCHITECTURE_ALPHA: 2,
  PROCESSOR_ARCHITECTURE_PPC: 3,
  PROCESSOR_ARCHITECTURE_SHX: 4,
  PROCESSOR_ARCHITECTURE_ARM: 5,
  PROCESSOR_ARCHITECTURE_IA64: 6,
  PROCESSOR_ARCHITECTURE_ALPHA64: 7,
  PROCESSOR_ARCHITECTURE_MSIL: 8,
  PROCESSOR_ARCHITECTURE_AMD64: 9,
  PROCESSOR_ARCHITECTURE_IA32_ON_WIN64: 10,
  PROCESSOR_ARCHITECTURE_ARM64: 12,
  PROCESSOR_ARCHITECTURE_UNKNOWN: 0xffff,
} as const;
