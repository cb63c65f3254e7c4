import { describe, expect, it } from 'vitest';
import { contiguousLength, mergedRanges, spanIndex } from '../../src/memory/spans.js';

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
