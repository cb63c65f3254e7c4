import { formatLayout } from './format-layout.js';
import { type StreamContext, viewOf } from './streams.js';

/** ExceptionStream: what stopped the process, on which thread. */
export interface ExceptionInfo {
  readonly threadId: number;
  /** NTSTATUS-style code (0xc0000005 access violation, 0x80000003 breakpoint, …). */
  readonly code: number;
  /** The well-known name of `code` on the dump's platform, when it is one (Windows status, Linux signal, Mach exception). */
  readonly codeName: string | null;
  readonly flags: number;
  /** The instruction the exception happened at (a bigint: on macOS and in kernel mode it can lie above 2^53). */
  readonly address: bigint;
  /** The nested EXCEPTION_RECORD's address in the process, 0 for none. */
  readonly nestedRecord: bigint;
  /** ExceptionInformation[0 … NumberParameters-1]; for an access violation [read 0 / write 1 / execute 8, address]. */
  readonly parameters: readonly bigint[];
  readonly context: { readonly rva: number; readonly size: number };
}

/** ntstatus.h / winnt.h names for the exception codes a crash dump usually carries. */
const EXCEPTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0x80000003, 'EXCEPTION_BREAKPOINT'],
  [0x80000004, 'EXCEPTION_SINGLE_STEP'],
  [0x80000002, 'EXCEPTION_DATATYPE_MISALIGNMENT'],
  [0x80000001, 'EXCEPTION_GUARD_PAGE'],
  [0xc0000005, 'EXCEPTION_ACCESS_VIOLATION'],
  [0xc0000006, 'EXCEPTION_IN_PAGE_ERROR'],
  [0xc000001d, 'EXCEPTION_ILLEGAL_INSTRUCTION'],
  [0xc0000025, 'EXCEPTION_NONCONTINUABLE_EXCEPTION'],
  [0xc0000094, 'EXCEPTION_INT_DIVIDE_BY_ZERO'],
  [0xc0000095, 'EXCEPTION_INT_OVERFLOW'],
  [0xc00000fd, 'EXCEPTION_STACK_OVERFLOW'],
  [0xc0000409, 'STATUS_STACK_BUFFER_OVERRUN'],
  [0xc0000374, 'STATUS_HEAP_CORRUPTION'],
  [0xc000008c, 'EXCEPTION_ARRAY_BOUNDS_EXCEEDED'],
  [0xc000008e, 'EXCEPTION_FLT_DIVIDE_BY_ZERO'],
  [0xc0000096, 'EXCEPTION_PRIV_INSTRUCTION'],
  [0xe06d7363, 'C++ exception (MSVC)'],
]);

/**
 * Breakpad records a Linux (and Android) crash as its signal number and a
 * macOS one as its Mach exception type (minidump_exception_linux.h,
 * minidump_exception_mac.h).
 */
const LINUX_SIGNALS: ReadonlyMap<number, string> = new Map([
  [1, 'SIGHUP'],
  [2, 'SIGINT'],
  [3, 'SIGQUIT'],
  [4, 'SIGILL'],
  [5, 'SIGTRAP'],
  [6, 'SIGABRT'],
  [7, 'SIGBUS'],
  [8, 'SIGFPE'],
  [9, 'SIGKILL'],
  [10, 'SIGUSR1'],
  [11, 'SIGSEGV'],
  [12, 'SIGUSR2'],
  [13, 'SIGPIPE'],
  [14, 'SIGALRM'],
  [15, 'SIGTERM'],
  [31, 'SIGSYS'],
]);
const MAC_EXCEPTIONS: ReadonlyMap<number, string> = new Map([
  [1, 'EXC_BAD_ACCESS'],
  [2, 'EXC_BAD_INSTRUCTION'],
  [3, 'EXC_ARITHMETIC'],
  [4, 'EXC_EMULATION'],
  [5, 'EXC_SOFTWARE'],
  [6, 'EXC_BREAKPOINT'],
  [7, 'EXC_SYSCALL'],
  [8, 'EXC_MACH_SYSCALL'],
  [9, 'EXC_RPC_ALERT'],
  [11, 'EXC_RESOURCE'],
  [12, 'EXC_GUARD'],
]);

/** The name of an exception code on the dump's platform (SystemInfo's PlatformId), or null. */
export function exceptionCodeName(code: number, platformId: number | undefined): string | null {
  if (platformId === 0x8201 || platformId === 0x8203) return LINUX_SIGNALS.get(code) ?? null;
  if (platformId === 0x8101 || platformId === 0x8102) return MAC_EXCEPTIONS.get(code) ?? null;
  return EXCEPTION_NAMES.get(code) ?? null;
}

/** EXCEPTION_MAXIMUM_PARAMETERS: the size of ExceptionInformation. */
const MAX_PARAMETERS = 15;

export function parseException(ctx: StreamContext, bytes: Uint8Array): ExceptionInfo | undefined {
  const layout = formatLayout('MINIDUMP_EXCEPTION_STREAM');
  if (bytes.length < layout.size) {
    ctx.warn(
      `ExceptionStream has ${bytes.length} bytes, fewer than MINIDUMP_EXCEPTION_STREAM's ${layout.size}: ignored`,
    );
    return undefined;
  }
  const view = viewOf(bytes);
  const o = (path: string) => layout.offset(path);
  const code = view.getUint32(o('ExceptionRecord.ExceptionCode'), true);
  const declared = view.getUint32(o('ExceptionRecord.NumberParameters'), true);
  if (declared > MAX_PARAMETERS) {
    ctx.warn(
      `MINIDUMP_EXCEPTION.NumberParameters is ${declared}, more than EXCEPTION_MAXIMUM_PARAMETERS (${MAX_PARAMETERS}): reading ${MAX_PARAMETERS}`,
    );
  }
  const parameters: bigint[] = [];
  for (let i = 0; i < Math.min(declared, MAX_PARAMETERS); i++)
    parameters.push(view.getBigUint64(o('ExceptionRecord.ExceptionInformation') + 8 * i, true));
  return {
    threadId: view.getUint32(o('ThreadId'), true),
    code,
    codeName: EXCEPTION_NAMES.get(code) ?? null,
    flags: view.getUint32(o('ExceptionRecord.ExceptionFlags'), true),
    address: view.getBigUint64(o('ExceptionRecord.ExceptionAddress'), true),
    nestedRecord: view.getBigUint64(o('ExceptionRecord.ExceptionRecord'), true),
    parameters,
    context: {
      rva: view.getUint32(o('ThreadContext.Rva'), true),
      size: view.getUint32(o('ThreadContext.DataSize'), true),
    },
  };
}
