import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ByteSource } from './source.js';

/**
 * A file read with positional `fs.readSync`, never whole. Positions are
 * passed as numbers, which Node accepts up to 2^53 (bigint sizes come from
 * fstat with `bigint: true`), so offsets past 4 GiB work.
 */
export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  let open = true;
  try {
    const size = fstatSync(fd, { bigint: true }).size;
    if (size >= 2n ** 53n) throw new RangeError(`${path} is larger than 2^53 bytes`);
    return {
      size: Number(size),
      readInto(target, position) {
        let done = 0;
        // readSync may return short counts (pipes, network file systems): loop until EOF.
        while (done < target.length) {
          const n = readSync(fd, target, done, target.length - done, position + done);
          if (n === 0) break;
          done += n;
        }
        return done;
      },
      close() {
        if (open) { open = false; closeSync(fd); }
      },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
