import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileSource } from './file-source.js';
import type { ByteSource } from './source.js';

/** True for the gzip magic bytes 1f 8b (the committed fixtures are gzipped minidumps). */
export function isGzip(firstBytes: Uint8Array): boolean {
  return firstBytes.length >= 2 && firstBytes[0] === 0x1f && firstBytes[1] === 0x8b;
}

/**
 * A gzipped file as a positional ByteSource: inflated once into a file under
 * os.tmpdir() that is unlinked as soon as it is open (the descriptor keeps
 * the bytes; nothing is left behind, whatever happens later). gzip cannot be
 * read positionally, so this is the one path that holds a whole dump in
 * memory, briefly, while inflating: fine for fixtures, use plain files for
 * real multi-gigabyte dumps.
 */
export function gunzipSource(path: string): ByteSource {
  const bytes = gunzipSync(readFileSync(path));
  const dir = mkdtempSync(join(tmpdir(), 'rnrkit-gunzip-'));
  const file = join(dir, 'capture');
  try {
    const fd = openSync(file, 'w');
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
    } finally {
      closeSync(fd);
    }
    return fileSource(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
