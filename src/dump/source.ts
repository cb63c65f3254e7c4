/**
 * Where a minidump's bytes come from: positional reads of a file that is
 * never read whole. The interface is browser-safe; `file-source.ts` is the
 * Node implementation over fs.readSync, `bytesSource` serves a Uint8Array
 * (tests, fuzzing, a dump fetched into memory).
 */
export interface ByteSource {
  /** The file's length in bytes (may exceed 4 GiB; always < 2^53). */
  readonly size: number;
  /**
   * Copy up to `target.length` bytes from `position` into `target`;
   * returns how many were copied (fewer only at the end of the file).
   */
  readInto(target: Uint8Array, position: number): number;
  /** Release what the source holds (a file descriptor); called once, by the owner that opened it. */
  close(): void;
}

/** A ByteSource over bytes already in memory (no copy). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    readInto(target, position) {
      if (position >= bytes.length) return 0;
      const n = Math.min(target.length, bytes.length - position);
      target.set(bytes.subarray(position, position + n));
      return n;
    },
    close() {},
  };
}
