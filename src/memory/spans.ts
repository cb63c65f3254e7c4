import type { MappedRange } from './address-space.js';

/** A placed region: [base, end), sorted by base and not overlapping its neighbours. */
export interface Span {
  readonly base: number;
  readonly end: number;
}

/**
 * The index of the span holding `address`, or -1 where nothing is mapped.
 * `hint` (the caller's last hit) is tried first: decoders read neighbouring
 * bytes in a row, so most lookups skip the binary search.
 */
export function spanIndex(spans: readonly Span[], address: number, hint = -1): number {
  const guess = spans[hint];
  if (guess && address >= guess.base && address < guess.end) return hint;
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = spans[mid]!;
    if (address < m.base) hi = mid - 1;
    else if (address >= m.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** How many of `max` bytes from `address` (inside span `index`) are mapped: exactly adjacent spans read as one. */
export function contiguousLength(spans: readonly Span[], index: number, address: number, max: number): number {
  let i = index;
  let end = spans[i]!.end;
  while (end - address < max && i + 1 < spans.length && spans[i + 1]!.base === end) end = spans[++i]!.end;
  return Math.min(max, end - address);
}

/** The spans as mapped ranges, exactly adjacent ones merged. */
export function mergedRanges(spans: readonly Span[]): MappedRange[] {
  const out: { base: number; length: number }[] = [];
  for (const r of spans) {
    const prev = out[out.length - 1];
    if (prev && prev.base + prev.length === r.base) prev.length += r.end - r.base;
    else out.push({ base: r.base, length: r.end - r.base });
  }
  return out;
}
