import type { ByteSource } from '../../src/dump/source.js';
import { InvalidDataError } from '../../src/errors.js';

/** The default ceiling for what a gzip file may inflate to (the page's `inflate` URL parameter changes it). */
export const DEFAULT_INFLATE_LIMIT = 4 * 2 ** 30;

/** Where inflated captures are kept: the origin's private file system, one file per open capture. */
const PREFIX = 'inflated-';

/**
 * Inflate a gzip stream (DecompressionStream) into a file of the origin's
 * private file system, written and read through a synchronous access
 * handle, so the worker holds one decompressed chunk at a time whatever the
 * capture's size: the inflated bytes live on disk, like the temporary file
 * the CLI inflates into. Inflation stops with an InvalidDataError as soon
 * as the output passes `limit`, and the file is removed (a gzip bomb costs
 * at most `limit` bytes of disk, briefly, and no memory).
 */
export async function inflateToSource(
  compressed: ReadableStream<Uint8Array>,
  label: string,
  limit: number,
  onProgress?: (inflated: number) => void,
): Promise<ByteSource> {
  const root = await navigator.storage.getDirectory();
  await removeLeftovers(root);
  const name = `${PREFIX}${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const file = await root.getFileHandle(name, { create: true });
  const access = await (
    file as FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle> }
  ).createSyncAccessHandle();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    access.close();
    void root.removeEntry(name).catch(() => {});
  };
  const reader = inflating(compressed);
  let total = 0;
  let reported = 0;
  const batch = new Uint8Array(BATCH);
  let batched = 0;
  const flushBatch = () => {
    for (let written = 0; written < batched; )
      written += access.write(batch.subarray(written, batched), { at: total - batched + written });
    batched = 0;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (total + value.length > limit) {
        await reader.cancel().catch(() => {});
        throw new InvalidDataError(
          `${label}: the gzip data inflates to more than ${formatBytes(limit)}, the limit for gzip input: not opened (inflate it yourself and open the result)`,
        );
      }
      for (let taken = 0; taken < value.length; ) {
        const n = Math.min(BATCH - batched, value.length - taken);
        batch.set(value.subarray(taken, taken + n), batched);
        batched += n;
        taken += n;
        total += n;
        if (batched === BATCH) flushBatch();
      }
      if (total - reported >= PROGRESS_STEP) {
        reported = total;
        onProgress?.(total);
      }
    }
  } catch (e) {
    close();
    if (e instanceof InvalidDataError) throw e;
    // The browser's own wording names its stream classes; the user needs what happened to the file.
    const cut = e instanceof Error && /truncated/i.test(e.message);
    throw new InvalidDataError(
      `${label}: the gzip data ${cut ? 'ends early' : 'is damaged'} after ${total} bytes inflated: not opened`,
    );
  }
  flushBatch();
  access.flush();
  const size = total;
  return {
    size,
    readInto(target, position) {
      if (position >= size) return 0;
      const n = Math.min(target.length, size - position);
      let done = 0;
      while (done < n) {
        const got = access.read(target.subarray(done, n), { at: position + done });
        if (got === 0) break;
        done += got;
      }
      return done;
    },
    close,
  };
}

const PROGRESS_STEP = 16 << 20;

/**
 * Compressed bytes go into the DecompressionStream in slices this small:
 * it enqueues everything one written chunk inflates to at once, and deflate
 * inflates up to about 1032 times, so a 64 KiB chunk of a gzip bomb would
 * be 64 MiB in the worker's heap before anyone could stop it.
 */
const COMPRESSED_SLICE = 16 << 10;

/** Inflated bytes are written to the file in batches of this size (one reused buffer). */
const BATCH = 4 << 20;

/** The inflated stream, fed slice by slice and only as fast as it is read. */
function inflating(compressed: ReadableStream<Uint8Array>): ReadableStreamDefaultReader<Uint8Array> {
  const stream = new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  const writer = stream.writable.getWriter();
  const source = compressed.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await source.read();
        if (done) break;
        for (let at = 0; at < value.length; at += COMPRESSED_SLICE) {
          await writer.ready;
          await writer.write(value.subarray(at, at + COMPRESSED_SLICE));
        }
      }
      await writer.close();
    } catch (e) {
      // The reader was cancelled (limit reached) or the data is damaged: the reader side reports it.
      await writer.abort(e).catch(() => {});
      await source.cancel().catch(() => {});
    }
  })();
  return stream.readable.getReader();
}

/** Inflated files of earlier sessions (a tab closed mid-way) are removed before a new one is made; files still open elsewhere stay. */
async function removeLeftovers(root: FileSystemDirectoryHandle): Promise<void> {
  const entries = (root as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }).keys();
  for await (const key of entries) {
    if (key.startsWith(PREFIX)) await root.removeEntry(key).catch(() => {});
  }
}

interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30 && n % 2 ** 30 === 0) return `${n / 2 ** 30} GiB`;
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20} MiB`;
  return `${n} bytes`;
}
