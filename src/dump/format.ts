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
  MINIDUMP_STRING: [['Length', 'ULONG32']],
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
  MINIDUMP_MODULE_LIST: [['NumberOfModules', 'ULONG32']],
  MINIDUMP_MEMORY_DESCRIPTOR: [
    ['StartOfMemoryRange', 'ULONG64'],
    ['Memory', 'MINIDUMP_LOCATION_DESCRIPTOR'],
  ],
  MINIDUMP_MEMORY_LIST: [['NumberOfMemoryRanges', 'ULONG32']],
  MINIDUMP_MEMORY_DESCRIPTOR64: [
    ['StartOfMemoryRange', 'ULONG64'],
    ['DataSize', 'ULONG64'],
  ],
  /** The ranges' bytes follow one another in the file from BaseRva on. */
  MINIDUMP_MEMORY64_LIST: [
    ['NumberOfMemoryRanges', 'ULONG64'],
    ['BaseRva', 'RVA64'],
  ],
  MINIDUMP_THREAD: [
    ['ThreadId', 'ULONG32'],
    ['SuspendCount', 'ULONG32'],
    ['PriorityClass', 'ULONG32'],
    ['Priority', 'ULONG32'],
    ['Teb', 'ULONG64'],
    ['Stack', 'MINIDUMP_MEMORY_DESCRIPTOR'],
    ['ThreadContext', 'MINIDUMP_LOCATION_DESCRIPTOR'],
  ],
  MINIDUMP_THREAD_LIST: [['NumberOfThreads', 'ULONG32']],
  /** MINIDUMP_THREAD plus the IA-64 register backing store. */
  MINIDUMP_THREAD_EX: [
    ['ThreadId', 'ULONG32'],
    ['SuspendCount', 'ULONG32'],
    ['PriorityClass', 'ULONG32'],
    ['Priority', 'ULONG32'],
    ['Teb', 'ULONG64'],
    ['Stack', 'MINIDUMP_MEMORY_DESCRIPTOR'],
    ['ThreadContext', 'MINIDUMP_LOCATION_DESCRIPTOR'],
    ['BackingStore', 'MINIDUMP_MEMORY_DESCRIPTOR'],
  ],
  MINIDUMP_THREAD_EX_LIST: [['NumberOfThreads', 'ULONG32']],
  /** EXCEPTION_MAXIMUM_PARAMETERS is 15. */
  MINIDUMP_EXCEPTION: [
    ['ExceptionCode', 'ULONG32'],
    ['ExceptionFlags', 'ULONG32'],
    ['ExceptionRecord', 'ULONG64'],
    ['ExceptionAddress', 'ULONG64'],
    ['NumberParameters', 'ULONG32'],
    ['__unusedAlignment', 'ULONG32'],
    ['ExceptionInformation', 'ULONG64[15]'],
  ],
  MINIDUMP_EXCEPTION_STREAM: [
    ['ThreadId', 'ULONG32'],
    ['__alignment', 'ULONG32'],
    ['ExceptionRecord', 'MINIDUMP_EXCEPTION'],
    ['ThreadContext', 'MINIDUMP_LOCATION_DESCRIPTOR'],
  ],
  /** A MEMORY_BASIC_INFORMATION64 as VirtualQueryEx reported it when the dump was written. */
  MINIDUMP_MEMORY_INFO: [
    ['BaseAddress', 'ULONG64'],
    ['AllocationBase', 'ULONG64'],
    ['AllocationProtect', 'ULONG32'],
    ['__alignment1', 'ULONG32'],
    ['RegionSize', 'ULONG64'],
    ['State', 'ULONG32'],
    ['Protect', 'ULONG32'],
    ['Type', 'ULONG32'],
    ['__alignment2', 'ULONG32'],
  ],
  /** Entries are SizeOfEntry apart from SizeOfHeader on, so a later, longer entry still reads. */
  MINIDUMP_MEMORY_INFO_LIST: [
    ['SizeOfHeader', 'ULONG32'],
    ['SizeOfEntry', 'ULONG32'],
    ['NumberOfEntries', 'ULONG64'],
  ],
  MINIDUMP_UNLOADED_MODULE: [
    ['BaseOfImage', 'ULONG64'],
    ['SizeOfImage', 'ULONG32'],
    ['CheckSum', 'ULONG32'],
    ['TimeDateStamp', 'ULONG32'],
    ['ModuleNameRva', 'RVA'],
  ],
  MINIDUMP_UNLOADED_MODULE_LIST: [
    ['SizeOfHeader', 'ULONG32'],
    ['SizeOfEntry', 'ULONG32'],
    ['NumberOfEntries', 'ULONG32'],
  ],
  /** The first version; _2 … _5 append members and say so in SizeOfInfo and Flags1. */
  MINIDUMP_MISC_INFO: [
    ['SizeOfInfo', 'ULONG32'],
    ['Flags1', 'ULONG32'],
    ['ProcessId', 'ULONG32'],
    ['ProcessCreateTime', 'ULONG32'],
    ['ProcessUserTime', 'ULONG32'],
    ['ProcessKernelTime', 'ULONG32'],
  ],
  /** The first version; MINIDUMP_HANDLE_DESCRIPTOR_2 appends ObjectInfoRva and Reserved0 (SizeOfDescriptor says which). */
  MINIDUMP_HANDLE_DESCRIPTOR: [
    ['Handle', 'ULONG64'],
    ['TypeNameRva', 'RVA'],
    ['ObjectNameRva', 'RVA'],
    ['Attributes', 'ULONG32'],
    ['GrantedAccess', 'ULONG32'],
    ['HandleCount', 'ULONG32'],
    ['PointerCount', 'ULONG32'],
  ],
  MINIDUMP_HANDLE_DATA_STREAM: [
    ['SizeOfHeader', 'ULONG32'],
    ['SizeOfDescriptor', 'ULONG32'],
    ['NumberOfDescriptors', 'ULONG32'],
    ['Reserved', 'ULONG32'],
  ],
  /**
   * ThreadNamesStream (Windows 10 1607 on). Not in the mingw-w64 headers:
   * format-probe.c declares it from Microsoft's documentation under pack(4),
   * so the ULONG64 RVA64 sits at offset 4 and an entry is 12 bytes.
   */
  MINIDUMP_THREAD_NAME: [
    ['ThreadId', 'ULONG32'],
    ['RvaOfThreadName', 'RVA64'],
  ],
  MINIDUMP_THREAD_NAME_LIST: [['NumberOfThreadNames', 'ULONG32']],
  GUID: [
    ['Data1', 'ULONG32'],
    ['Data2', 'USHORT'],
    ['Data3', 'USHORT'],
    ['Data4', 'UCHAR[8]'],
  ],
  /**
   * The CodeView records MINIDUMP_MODULE.CvRecord points to (the PE debug
   * directory's formats, not in dbghelp.h: format-probe.c declares them
   * from the public descriptions). PdbFileName, a NUL-terminated UTF-8
   * path, follows the members.
   */
  CV_INFO_PDB70: [
    ['CvSignature', 'ULONG32'],
    ['Signature', 'GUID'],
    ['Age', 'ULONG32'],
  ],
  /** The PE image headers (winnt.h), read from a module's captured first page to name the section an address is in. */
  IMAGE_DOS_HEADER: [
    ['e_magic', 'USHORT'],
    ['e_cblp', 'USHORT'],
    ['e_cp', 'USHORT'],
    ['e_crlc', 'USHORT'],
    ['e_cparhdr', 'USHORT'],
    ['e_minalloc', 'USHORT'],
    ['e_maxalloc', 'USHORT'],
    ['e_ss', 'USHORT'],
    ['e_sp', 'USHORT'],
    ['e_csum', 'USHORT'],
    ['e_ip', 'USHORT'],
    ['e_cs', 'USHORT'],
    ['e_lfarlc', 'USHORT'],
    ['e_ovno', 'USHORT'],
    ['e_res', 'USHORT[4]'],
    ['e_oemid', 'USHORT'],
    ['e_oeminfo', 'USHORT'],
    ['e_res2', 'USHORT[10]'],
    ['e_lfanew', 'ULONG32'],
  ],
  /** Follows the 'PE\0\0' signature at e_lfanew; the optional header (SizeOfOptionalHeader bytes), then the section table, follow it. */
  IMAGE_FILE_HEADER: [
    ['Machine', 'USHORT'],
    ['NumberOfSections', 'USHORT'],
    ['TimeDateStamp', 'ULONG32'],
    ['PointerToSymbolTable', 'ULONG32'],
    ['NumberOfSymbols', 'ULONG32'],
    ['SizeOfOptionalHeader', 'USHORT'],
    ['Characteristics', 'USHORT'],
  ],
  /** `Misc` is the union whose member rnrkit reads, Misc.VirtualSize. */
  IMAGE_SECTION_HEADER: [
    ['Name', 'UCHAR[8]'],
    ['Misc', 'ULONG32'],
    ['VirtualAddress', 'ULONG32'],
    ['SizeOfRawData', 'ULONG32'],
    ['PointerToRawData', 'ULONG32'],
    ['PointerToRelocations', 'ULONG32'],
    ['PointerToLinenumbers', 'ULONG32'],
    ['NumberOfRelocations', 'USHORT'],
    ['NumberOfLinenumbers', 'USHORT'],
    ['Characteristics', 'ULONG32'],
  ],
  CV_INFO_PDB20: [
    ['CvSignature', 'ULONG32'],
    ['Offset', 'ULONG32'],
    ['Signature', 'ULONG32'],
    ['Age', 'ULONG32'],
  ],
};

/** CV_INFO_PDB70.CvSignature 'RSDS' and CV_INFO_PDB20's 'NB10', as little-endian ULONG32s. */
export const CV_SIGNATURE_RSDS = 0x53445352;
export const CV_SIGNATURE_NB10 = 0x3031424e;
/** Breakpad's CodeView-slot record for ELF modules ('BpEL'): a build id instead of a GUID. */
export const CV_SIGNATURE_ELF = 0x4270454c;
/** VS_FIXEDFILEINFO.dwSignature. */
export const VS_FFI_SIGNATURE = 0xfeef04bd;

/** IMAGE_DOS_SIGNATURE 'MZ' and IMAGE_NT_SIGNATURE 'PE\0\0' as little-endian integers. */
export const IMAGE_DOS_SIGNATURE = 0x5a4d;
export const IMAGE_NT_SIGNATURE = 0x00004550;

/**
 * Where the process heaps are, in the TEB and PEB (not in any SDK header
 * in full: these are the offsets WinDbg's `dt _TEB` / `dt _PEB` print and
 * Wine's winternl.h declares): TEB.ProcessEnvironmentBlock,
 * PEB.ProcessHeap, PEB.NumberOfHeaps, PEB.ProcessHeaps.
 */
export const PEB_OFFSETS = {
  x86: { pointer: 4, tebPeb: 0x30, processHeap: 0x18, numberOfHeaps: 0x88, processHeaps: 0x90 },
  x64: { pointer: 8, tebPeb: 0x60, processHeap: 0x30, numberOfHeaps: 0xe8, processHeaps: 0xf0 },
} as const;
/** An address this far past a thread's TEB address is labelled as its TEB (one page: the TEB proper fits in it on both arches' first page). */
export const TEB_SIZE = 0x1000;

/** MINIDUMP_MISC_INFO.Flags1 bits. */
export const MINIDUMP_MISC1_PROCESS_ID = 0x1;
export const MINIDUMP_MISC1_PROCESS_TIMES = 0x2;

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

/**
 * Stream types other writers define in the user range (above
 * LastReservedStream), named as Breakpad's minidump_format.h and
 * rust-minidump's format.rs name them, so listings show a name rather than a number.
 */
export const VENDOR_STREAM_TYPE = {
  BreakpadInfoStream: 0x47670001,
  AssertionInfoStream: 0x47670002,
  LinuxCpuInfo: 0x47670003,
  LinuxProcStatus: 0x47670004,
  LinuxLsbRelease: 0x47670005,
  LinuxCmdLine: 0x47670006,
  LinuxEnviron: 0x47670007,
  LinuxAuxv: 0x47670008,
  LinuxMaps: 0x47670009,
  LinuxDsoDebug: 0x4767000a,
  CrashpadInfoStream: 0x43500001,
  StabilityReportStream: 0x4b6b0002,
  MozMacosCrashInfoStream: 0x4d7a0001,
  MozMacosBootargsStream: 0x4d7a0002,
  MozLinuxLimits: 0x4d7a0003,
  MozSoftErrors: 0x4d7a0004,
} as const;

/**
 * MINIDUMP_SYSTEM_INFO.PlatformId: VER_PLATFORM_* for Windows, Breakpad's
 * MD_OS_* for the rest (minidump_format.h).
 */
export const PLATFORM_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Win32s'],
  [1, 'Windows 9x'],
  [2, 'Windows'],
  [3, 'Windows CE'],
  [0x8000, 'Unix'],
  [0x8101, 'macOS'],
  [0x8102, 'iOS'],
  [0x8201, 'Linux'],
  [0x8202, 'Solaris'],
  [0x8203, 'Android'],
  [0x8204, 'PS3'],
  [0x8205, 'NaCl'],
  [0x8206, 'Fuchsia'],
]);

/** MEMORY_BASIC_INFORMATION.State (winnt.h MEM_*). */
export const MEMORY_STATE: ReadonlyMap<number, string> = new Map([
  [0x1000, 'MEM_COMMIT'],
  [0x2000, 'MEM_RESERVE'],
  [0x10000, 'MEM_FREE'],
]);

/** MEMORY_BASIC_INFORMATION.Type (winnt.h MEM_*). */
export const MEMORY_TYPE: ReadonlyMap<number, string> = new Map([
  [0x20000, 'MEM_PRIVATE'],
  [0x40000, 'MEM_MAPPED'],
  [0x1000000, 'MEM_IMAGE'],
]);

/** The low byte of a PAGE_* protection (winnt.h); PAGE_GUARD, PAGE_NOCACHE and PAGE_WRITECOMBINE are modifier bits above it. */
export const PAGE_PROTECTION: ReadonlyMap<number, string> = new Map([
  [0x01, 'PAGE_NOACCESS'],
  [0x02, 'PAGE_READONLY'],
  [0x04, 'PAGE_READWRITE'],
  [0x08, 'PAGE_WRITECOPY'],
  [0x10, 'PAGE_EXECUTE'],
  [0x20, 'PAGE_EXECUTE_READ'],
  [0x40, 'PAGE_EXECUTE_READWRITE'],
  [0x80, 'PAGE_EXECUTE_WRITECOPY'],
]);
export const PAGE_MODIFIERS: ReadonlyMap<number, string> = new Map([
  [0x100, 'PAGE_GUARD'],
  [0x200, 'PAGE_NOCACHE'],
  [0x400, 'PAGE_WRITECOMBINE'],
]);

/** The signatures at the start of a Windows kernel or complete memory dump (DUMP_HEADER32 / DUMP_HEADER64). */
export const KERNEL_DUMP_SIGNATURES = { PAGEDUMP: 'PAGEDUMP', PAGEDU64: 'PAGEDU64' } as const;

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
