import { type BigIntStats, closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { InvalidDataError } from '../errors.js';
import type { ByteSource } from './source.js';

/**
 * The most one readSync call is asked for. Node refuses lengths past
 * 2^31 - 1 (and older versions wrap them), so a caller's large read is
 * split; scans read 4 MiB at a time anyway.
 */
const MAX_READ = 1 << 30;

/**
 * A file read with positional `fs.readSync`, never whole. Positions are
 * passed as numbers, which Node accepts up to 2^53 (the size comes from
 * fstat with `bigint: true`), so offsets past 4 GiB work.
 *
 * Only regular files: a capture needs a size, and a FIFO, a terminal or
 * /dev/zero has none (and a FIFO's open would wait for a writer). The kind
 * is checked before opening, and the open itself does not block.
 */
export function fileSource(path: string): ByteSource {
  refuseIrregular(statSync(path, { bigint: true }), path);
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd, { bigint: true });
    refuseIrregular(stat, path);
    if (stat.size >= 2n ** 53n)
      throw new InvalidDataError(`${path} has ${stat.size} bytes, more than the 2^53 rnrkit can address`);
    return descriptorSource(fd, Number(stat.size));
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * The first `size` bytes of an open file descriptor as a ByteSource, which
 * owns it from now on (close() closes it): for a file already unlinked,
 * like an inflated gzip.
 */
export function descriptorSource(fd: number, size: number): ByteSource {
  let open = true;
  return {
    size,
    readInto(target, position) {
      const wanted = Math.max(0, Math.min(target.length, size - position));
      let done = 0;
      // readSync may return short counts (network file systems): loop until EOF.
      while (done < wanted) {
        const n = readSync(fd, target, done, Math.min(MAX_READ, wanted - done), position + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    },
    close() {
      if (open) {
        open = false;
        closeSync(fd);
      }
    },
  };
}

/** Throws the one-line refusal for anything but a regular file (see fileSource). */
export function requireRegularFile(path: string): void {
  refuseIrregular(statSync(path, { bigint: true }), path);
}

/** What a non-regular file is, for the refusal. */
function kindOf(stat: BigIntStats): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function refuseIrregular(stat: BigIntStats, path: string): void {
  const kind = kindOf(stat);
  if (kind !== undefined)
    throw new InvalidDataError(
      `${path} is ${kind}: a capture must be a regular file, whose size is known (save the stream to a file first)`,
    );
}
