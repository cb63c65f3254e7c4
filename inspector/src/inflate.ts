import { InvalidDataError } from '../../src/errors.js';

/** Inflated bytes are handed to the browser's Blob store in pieces of this size, so the worker's heap holds at most one. */
const PIECE = 8 << 20;

/** The default ceiling for what a gzip file may inflate to (the page's `inflate` setting changes it). */
export const DEFAULT_INFLATE_LIMIT = 4 * 2 ** 30;

/**
 * Inflate a gzip stream into a Blob, streaming (DecompressionStream): the
 * worker never holds more than one piece, and inflation stops with an
 * InvalidDataError as soon as the output passes `limit` (a gzip bomb costs
 * `limit` bytes of Blob storage at most, then nothing).
 */
export async function inflateToBlob(
  compressed: ReadableStream<Uint8Array>,
  label: string,
  limit: number,
  onProgress?: (inflated: number) => void,
): Promise<Blob> {
  const reader = compressed.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
  const pieces: Blob[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let total = 0;
  const flush = () => {
    if (pendingBytes === 0) return;
    pieces.push(new Blob(pending as BlobPart[]));
    pending = [];
    pendingBytes = 0;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new InvalidDataError(`${label}: the gzip data inflates to more than ${formatBytes(limit)}, the limit for gzip input: not opened (inflate it yourself and open the result)`);
      }
      pending.push(value);
      pendingBytes += value.length;
      if (pendingBytes >= PIECE) {
        flush();
        onProgress?.(total);
      }
    }
  } catch (e) {
    if (e instanceof InvalidDataError) throw e;
    throw new InvalidDataError(`${label}: the gzip data is damaged after ${formatBytes(total)} inflated (${e instanceof Error ? e.message : String(e)})`);
  }
  flush();
  return new Blob(pieces);
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30 && n % 2 ** 30 === 0) return `${n / 2 ** 30} GiB`;
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20} MiB`;
  return `${n} bytes`;
}
