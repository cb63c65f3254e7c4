import type { MappedRange } from '../memory/address-space.js';

/**
 * Which addresses of the running process can be read without a fault.
 * Asked before every read of live memory: a pointer the C side got wrong
 * must become an rnrkit error, and reading an unmapped page would end the
 * process instead.
 */
export interface ReadableMemory {
  /** How many bytes from `address` on are readable without a gap, at most `max`. */
  readableLength(address: number, max: number): number;
  /** Every readable range, ascending, adjacent ones merged. */
  ranges(): readonly MappedRange[];
  /** Forget what was learned: the next question asks the operating system again. */
  forget(): void;
}

/** Readable ranges sorted by base, adjacent ones merged: binary search, then the run that follows. */
export function readableLengthIn(ranges: readonly MappedRange[], address: number, max: number): number {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid]!;
    if (address < r.base) hi = mid - 1;
    else if (address >= r.base + r.length) lo = mid + 1;
    else return Math.max(0, Math.min(max, r.base + r.length - address));
  }
  return 0;
}

/** Sort and merge exactly adjacent or overlapping ranges. */
export function mergeRanges(ranges: MappedRange[]): MappedRange[] {
  ranges.sort((a, b) => a.base - b.base);
  const out: { base: number; length: number }[] = [];
  for (const r of ranges) {
    const prev = out[out.length - 1];
    if (prev && r.base <= prev.base + prev.length) prev.length = Math.max(prev.length, r.base + r.length - prev.base);
    else out.push({ base: r.base, length: r.length });
  }
  return out;
}
