import { describe, expect, it } from 'vitest';
import { InvalidDataError, MemoryError } from '../../src/errors.js';
import { contiguousLength, mergedRanges, SpanTable, spanIndex } from '../../src/memory/spans.js';

// [0x1000, 0x2000) and [0x2000, 0x2800) touch; [0x3000, 0x3100) stands alone.
const spans = [
  { base: 0x1000, end: 0x2000 },
  { base: 0x2000, end: 0x2800 },
  { base: 0x3000, end: 0x3100 },
];

describe('spans: the lookups RegionList and the lazily read regions share', () => {
  it('finds the span holding an address, with or without a hint, and -1 in gaps and past the ends', () => {
    expect(spanIndex(spans, 0x1000)).toBe(0);
    expect(spanIndex(spans, 0x1fff)).toBe(0);
    expect(spanIndex(spans, 0x2000)).toBe(1);
    expect(spanIndex(spans, 0x30ff, 0)).toBe(2);
    expect(spanIndex(spans, 0x2000, 1)).toBe(1);
    expect(spanIndex(spans, 0x2800)).toBe(-1);
    expect(spanIndex(spans, 0xfff, 2)).toBe(-1);
    expect(spanIndex(spans, 0x3100)).toBe(-1);
    expect(spanIndex([], 0)).toBe(-1);
  });

  it('reads across exactly adjacent spans but stops at a gap', () => {
    expect(contiguousLength(spans, 0, 0x1ff0, 0x100)).toBe(0x100);
    expect(contiguousLength(spans, 0, 0x1ff0, 0x10000)).toBe(0x810);
    expect(contiguousLength(spans, 2, 0x3080, 0x1000)).toBe(0x80);
  });

  it('reports adjacent spans as one range', () => {
    expect(mergedRanges(spans)).toEqual([
      { base: 0x1000, length: 0x1800 },
      { base: 0x3000, length: 0x100 },
    ]);
  });
});

describe('SpanTable: the placing and reading RegionList and SourceRegions share', () => {
  interface Filled {
    readonly base: number;
    readonly end: number;
    readonly fill: number;
  }
  const place = (regions: { base: number; size: number; fill: number }[]) =>
    SpanTable.place(
      regions,
      (r) => r.size,
      (r, end): Filled => ({ base: r.base, end, fill: r.fill }),
      (a, b) => `fill ${a.fill} and fill ${b.fill} overlap`,
    );
  /** Every byte of a span is its fill value; the calls are recorded. */
  const calls: [number, number, number][] = [];
  const bytesOf = (span: Filled, at: number, take: number) => {
    calls.push([span.fill, at, take]);
    return new Uint8Array(take).fill(span.fill);
  };

  it('drops empty regions, sorts by base and refuses overlaps in the words it is given', () => {
    const table = place([
      { base: 0x3000, size: 0x10, fill: 3 },
      { base: 0x1000, size: 0, fill: 9 },
      { base: 0x1000, size: 0x10, fill: 1 },
    ]);
    expect(table.spans.map((s) => s.fill)).toEqual([1, 3]);
    const overlapping = () =>
      place([
        { base: 0x1008, size: 4, fill: 2 },
        { base: 0x1000, size: 0x10, fill: 1 },
      ]);
    expect(overlapping).toThrow(InvalidDataError);
    expect(overlapping).toThrow('fill 1 and fill 2 overlap');
    expect(() => place([{ base: 2 ** 53 - 4, size: 8, fill: 1 }])).toThrow(/not a valid 53-bit range/);
  });

  it('reads within a span with one call, and across adjacent spans into one array', () => {
    const table = place([
      { base: 0x1000, size: 4, fill: 1 },
      { base: 0x1004, size: 4, fill: 2 },
      { base: 0x2000, size: 4, fill: 3 },
    ]);
    calls.length = 0;
    expect(Array.from(table.read(0x1001, 2, bytesOf))).toEqual([1, 1]);
    expect(Array.from(table.read(0x1002, 4, bytesOf))).toEqual([1, 1, 2, 2]);
    expect(calls).toEqual([
      [1, 0x1001, 2],
      [1, 0x1002, 2],
      [2, 0x1004, 2],
    ]);
    expect(table.mappedLength(0x1002, 100)).toBe(6);
    expect(table.ranges()).toEqual([
      { base: 0x1000, length: 8 },
      { base: 0x2000, length: 4 },
    ]);
  });

  it('refuses a read into a gap, or of an absurd length, before fetching anything', () => {
    const table = place([
      { base: 0x1000, size: 4, fill: 1 },
      { base: 0x2000, size: 4, fill: 3 },
    ]);
    calls.length = 0;
    expect(() => table.read(0x1002, 4, bytesOf)).toThrow(MemoryError);
    expect(() => table.read(0x1000, 2 ** 40, bytesOf)).toThrow('0x1000+1099511627776 is not in the captured memory');
    expect(() => table.read(0x1800, 1, bytesOf)).toThrow(MemoryError);
    expect(calls).toEqual([]);
    expect(table.indexOf(0x2003)).toBe(1);
    expect(table.indexOf(0x1003)).toBe(0);
    expect(table.indexOf(0x2004)).toBe(-1);
  });
});
