import { InvalidDataError, MemoryError } from '../errors.js';
import { checkAddress, type MappedRange } from './address-space.js';

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

/**
 * Regions placed at their base addresses, by the rules every region-backed
 * AddressSpace keeps: empty regions are dropped, overlapping ones refused
 * (which bytes would be "the" memory is for the caller to settle first),
 * exactly adjacent ones read as one, and gaps are unmapped. What a span
 * holds and how its bytes are fetched stay with the owner (RegionList:
 * arrays in memory; SourceRegions: files read lazily).
 */
export class SpanTable<T extends Span> {
  /** Span index of the last hit: decoders read neighbouring bytes in a row. */
  private last = 0;

  private constructor(readonly spans: readonly T[]) {}

  /**
   * Places each non-empty region (`sizeOf` bytes at its base, which must
   * end below 2^53) as the span `place` makes of it, sorted by base;
   * `overlap(a, b)` words the refusal when b starts inside a.
   */
  static place<R extends { readonly base: number }, T extends Span>(
    regions: readonly R[],
    sizeOf: (region: R) => number,
    place: (region: R, end: number) => T,
    overlap: (a: T, b: T) => string,
  ): SpanTable<T> {
    const spans = regions
      .filter((r) => sizeOf(r) > 0)
      .map((r) => {
        const size = sizeOf(r);
        checkAddress(r.base, size);
        return place(r, r.base + size);
      })
      .sort((a, b) => a.base - b.base);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i]!.base < spans[i - 1]!.end) throw new InvalidDataError(overlap(spans[i - 1]!, spans[i]!));
    }
    return new SpanTable(spans);
  }

  /** The index of the span holding `address`, or -1 where nothing is mapped. */
  indexOf(address: number): number {
    const i = spanIndex(this.spans, address, this.last);
    if (i >= 0) this.last = i;
    return i;
  }

  /** AddressSpace.mappedLength over the spans. */
  mappedLength(address: number, max: number): number {
    if (!Number.isSafeInteger(address) || address < 0 || max <= 0) return 0;
    const i = this.indexOf(address);
    return i < 0 ? 0 : contiguousLength(this.spans, i, address, max);
  }

  /**
   * AddressSpace.read over the spans: `bytesOf(span, at, take)` gives the
   * `take` bytes at `at` inside one span. A read within one span returns
   * what `bytesOf` gives (a view, for RegionList); one across exactly
   * adjacent spans is copied together into a new array.
   */
  read(address: number, length: number, bytesOf: (span: T, at: number, take: number) => Uint8Array): Uint8Array {
    checkAddress(address, length);
    const i = this.indexOf(address);
    if (i < 0) throw new MemoryError(BigInt(address), length);
    const first = this.spans[i]!;
    if (address + length <= first.end) return bytesOf(first, address, length);
    // Checked before anything of `length` is allocated: the caller's length may be absurd.
    if (this.mappedLength(address, length) < length) throw new MemoryError(BigInt(address), length);
    const out = new Uint8Array(length);
    let done = 0;
    for (let j = i; done < length; j++) {
      const span = this.spans[j]!;
      const at = address + done;
      const take = Math.min(length - done, span.end - at);
      out.set(bytesOf(span, at, take), done);
      done += take;
    }
    return out;
  }

  /** AddressSpace.ranges: the spans, exactly adjacent ones merged. */
  ranges(): MappedRange[] {
    return mergedRanges(this.spans);
  }
}
