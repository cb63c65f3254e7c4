import { formatAddress } from '../errors.js';
import { formatLayout } from './format-layout.js';
import { listEntries, readMinidumpString, type StreamContext, u64, viewOf } from './streams.js';

/** A thread as ThreadListStream or ThreadExListStream records it. */
export interface ThreadInfo {
  readonly threadId: number;
  readonly suspendCount: number;
  readonly priorityClass: number;
  readonly priority: number;
  /** The thread environment block's address. */
  readonly teb: number;
  /**
   * The stack memory the writer saved: from the stack pointer at dump time
   * up (x86/x64 stacks grow down), so `base` is the lowest captured byte,
   * not the stack's reserved limit.
   */
  readonly stack: { readonly base: number; readonly length: number; readonly rva: number };
  /** Where the CONTEXT record is in the file (CPU-specific; not decoded). */
  readonly context: { readonly rva: number; readonly size: number };
  /** From ThreadNamesStream (SetThreadDescription), when the dump has one. */
  readonly name?: string;
}

/** A thread list larger than this is not a process: reading stops there. */
export const MAX_THREADS = 1 << 16;

/** ThreadListStream (`ex` false) or ThreadExListStream (`ex` true). */
export function parseThreadList(ctx: StreamContext, bytes: Uint8Array, ex: boolean): ThreadInfo[] {
  const stream = ex ? 'ThreadExListStream' : 'ThreadListStream';
  const list = formatLayout(ex ? 'MINIDUMP_THREAD_EX_LIST' : 'MINIDUMP_THREAD_LIST');
  const entry = formatLayout(ex ? 'MINIDUMP_THREAD_EX' : 'MINIDUMP_THREAD');
  if (bytes.length < list.size) {
    ctx.warn(`${stream} has ${bytes.length} bytes, too few for its count`);
    return [];
  }
  const view = viewOf(bytes);
  const declared = view.getUint32(list.offset('NumberOfThreads'), true);
  let { count, entriesAt } = listEntries(
    ctx,
    `${stream}: NumberOfThreads`,
    declared,
    list.size,
    entry.size,
    bytes.length,
  );
  if (count > MAX_THREADS) {
    ctx.warn(`${stream}: NumberOfThreads is ${count}: reading the first ${MAX_THREADS} (rnrkit's limit)`);
    count = MAX_THREADS;
  }
  const o = (path: string) => entry.offset(path);
  const threads: ThreadInfo[] = [];
  for (let i = 0; i < count; i++) {
    const at = entriesAt + i * entry.size;
    threads.push({
      threadId: view.getUint32(at + o('ThreadId'), true),
      suspendCount: view.getUint32(at + o('SuspendCount'), true),
      priorityClass: view.getUint32(at + o('PriorityClass'), true),
      priority: view.getUint32(at + o('Priority'), true),
      teb: u64(view, at + o('Teb')),
      stack: {
        base: u64(view, at + o('Stack.StartOfMemoryRange')),
        length: view.getUint32(at + o('Stack.Memory.DataSize'), true),
        rva: view.getUint32(at + o('Stack.Memory.Rva'), true),
      },
      context: {
        rva: view.getUint32(at + o('ThreadContext.Rva'), true),
        size: view.getUint32(at + o('ThreadContext.DataSize'), true),
      },
    });
  }
  return threads;
}

/**
 * ThreadNamesStream: thread id → name. Each RvaOfThreadName is a 64-bit
 * file offset to a MINIDUMP_STRING, checked like every other string.
 */
export function parseThreadNames(
  ctx: StreamContext,
  bytes: Uint8Array,
  budget: { bytes: number },
): Map<number, string> {
  const list = formatLayout('MINIDUMP_THREAD_NAME_LIST');
  const entry = formatLayout('MINIDUMP_THREAD_NAME');
  const names = new Map<number, string>();
  if (bytes.length < list.size) {
    ctx.warn(`ThreadNamesStream has ${bytes.length} bytes, too few for its count`);
    return names;
  }
  const view = viewOf(bytes);
  const declared = view.getUint32(list.offset('NumberOfThreadNames'), true);
  let { count } = listEntries(
    ctx,
    'ThreadNamesStream: NumberOfThreadNames',
    declared,
    list.size,
    entry.size,
    bytes.length,
  );
  count = Math.min(count, MAX_THREADS);
  for (let i = 0; i < count; i++) {
    const at = list.size + i * entry.size;
    const threadId = view.getUint32(at + entry.offset('ThreadId'), true);
    const rva = u64(view, at + entry.offset('RvaOfThreadName'));
    const what = `MINIDUMP_THREAD_NAME[${i}].RvaOfThreadName`;
    if (!Number.isSafeInteger(rva) || rva >= ctx.reader.size) {
      ctx.warn(`${what}: ${formatAddress(rva)} lies past the end of the file`);
      continue;
    }
    const name = readMinidumpString(ctx, rva, what, budget);
    if (name !== null) names.set(threadId, name);
  }
  return names;
}
