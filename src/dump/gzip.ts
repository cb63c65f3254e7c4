import { kMaxLength } from 'node:buffer';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { InvalidDataError } from '../errors.js';
import { descriptorSource, requireRegularFile } from './file-source.js';
import type { ByteSource } from './source.js';

/**
 * The most bytes a gzipped capture may inflate to unless the caller says
 * otherwise: 4 GiB. Inflated bytes go to a temporary file, not to memory,
 * so this bounds disk use and time (a small .gz can claim terabytes); a
 * real full dump larger than this needs `--max-inflated` (or the option).
 */
export const DEFAULT_MAX_INFLATED_BYTES = 4 * 2 ** 30;

/** How much a gzipped capture may inflate to; a bound against gzip bombs. */
export interface GunzipOptions {
  /** Refuse a .gz that inflates to more than this many bytes (default DEFAULT_MAX_INFLATED_BYTES). */
  readonly maxInflatedBytes?: number;
}

/** True for the gzip magic bytes 1f 8b (the committed fixtures are gzipped minidumps). */
export function isGzip(firstBytes: Uint8Array): boolean {
  return firstBytes.length >= 2 && firstBytes[0] === 0x1f && firstBytes[1] === 0x8b;
}

/**
 * A gzipped file as a positional ByteSource, inflated as a stream into a
 * file under os.tmpdir() that is unlinked as soon as it is open (the
 * descriptor keeps the bytes; nothing is left behind, whatever happens
 * later). Memory stays at zlib's buffers whatever the size; the inflated
 * size is capped by `maxInflatedBytes`. Damage (a cut stream, a CRC-32 or
 * length mismatch, bytes after the stream that are not another member) is
 * an InvalidDataError, one line. Trailing zero bytes (tape padding) are
 * accepted, as gzip(1) accepts them.
 */
export async function inflateGzipFile(path: string, options: GunzipOptions = {}): Promise<ByteSource> {
  const limit = options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  requireRegularFile(path);
  const fd = openTempFile();
  let written = 0;
  let overLimit = false;
  try {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (written + chunk.length > limit) {
          overLimit = true;
          done(new Error('over the limit'));
          return;
        }
        try {
          for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at, written + at);
          written += chunk.length;
          done();
        } catch (e) {
          done(e as Error);
        }
      },
    });
    const gunzip = createGunzip();
    try {
      await pipeline(createReadStream(path), gunzip, sink);
    } catch (e) {
      if (overLimit) throw overLimitError(path, limit);
      throw gzipError(e, path, written);
    }
    return descriptorSource(fd, written);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * The synchronous variant, for callers that cannot wait (the bundled
 * fixture): the same limit and the same one-line errors, but the inflated
 * bytes pass through memory once (zlib's one-shot API cannot stream
 * synchronously), so keep it for small files; the CLI uses
 * inflateGzipFile.
 */
export function gunzipSource(path: string, options: GunzipOptions = {}): ByteSource {
  const limit = options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  requireRegularFile(path);
  let bytes: Buffer;
  try {
    bytes = gunzipSync(readFileSync(path), { maxOutputLength: Math.max(1, Math.min(limit, kMaxLength)) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw overLimitError(path, limit);
    throw gzipError(e, path, undefined);
  }
  const fd = openTempFile();
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, done);
    return descriptorSource(fd, bytes.length);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** A read-write descriptor on a fresh file under os.tmpdir(), already unlinked. */
function openTempFile(): number {
  const dir = mkdtempSync(join(tmpdir(), 'rnrkit-gunzip-'));
  try {
    return openSync(join(dir, 'capture'), 'w+', 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function overLimitError(path: string, limit: number): InvalidDataError {
  return new InvalidDataError(
    `${path} inflates to more than ${limit} bytes, the limit for a gzipped capture (--max-inflated BYTES raises it)`,
    'gzip',
  );
}

/** zlib's error as one line that says what is wrong with the file; anything else passes through. */
function gzipError(e: unknown, path: string, inflated: number | undefined): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const message = (e as Error | null)?.message ?? '';
  const after = inflated === undefined ? '' : ` after ${inflated} inflated bytes`;
  if (code === 'Z_BUF_ERROR')
    return new InvalidDataError(
      `${path} is cut short: the compressed stream ends before its end${after} (truncated .gz)`,
      'gzip',
    );
  if (code === 'Z_DATA_ERROR') {
    if (message === 'incorrect data check')
      return new InvalidDataError(
        `${path} is damaged: the CRC-32 in the trailer does not match the inflated bytes${after}`,
        'gzip.CRC32',
      );
    if (message === 'incorrect length check')
      return new InvalidDataError(
        `${path} is damaged: the length in the trailer (ISIZE) does not match the inflated bytes${after}`,
        'gzip.ISIZE',
      );
    if (
      (message === 'incorrect header check' || message === 'unknown compression method') &&
      inflated !== undefined &&
      inflated > 0
    ) {
      return new InvalidDataError(
        `${path} has bytes after the end of its gzip stream that are not another gzip member (trailing data${after})`,
        'gzip',
      );
    }
    return new InvalidDataError(`${path} is damaged: ${message}${after}`, 'gzip');
  }
  if (typeof code === 'string' && code.startsWith('Z_'))
    return new InvalidDataError(`${path} cannot be inflated: ${message}${after}`, 'gzip');
  return e;
}
