import { describe, expect, it } from 'vitest';
import { readPointer } from '../../src/abi/pointer.js';
import { InvalidDataError, MemoryError } from '../../src/errors.js';
import { parseAddress, RegionList } from '../../src/memory/index.js';

const bytes = (...v: number[]) => Uint8Array.from(v);

describe('RegionList', () => {
  const space = new RegionList([
    { base: 0x1000, bytes: bytes(1, 2, 3, 4) },
    { base: 0x1004, bytes: bytes(5, 6) }, // exactly adjacent: reads as one
    { base: 0x2000, bytes: bytes(9) }, // after a gap
  ]);

  it('reads within a region without copying', () => {
    const r = space.read(0x1001, 2);
    expect(Array.from(r)).toEqual([2, 3]);
    expect(r.buffer.byteLength).toBe(4);
  });

  it('reads across exactly adjacent regions as one', () => {
    expect(Array.from(space.read(0x1002, 4))).toEqual([3, 4, 5, 6]);
    expect(space.mappedLength(0x1000, 100)).toBe(6);
    const at = space.locate(0x1003, 2);
    expect(at.view.getUint8(at.offset + 1)).toBe(5);
  });

  it('treats gaps as unmapped, naming address and length', () => {
    expect(() => space.read(0x1004, 3)).toThrow(MemoryError);
    expect(() => space.read(0x1fff, 1)).toThrow('0x1fff+1 is not in the captured memory');
    expect(space.mappedLength(0x3000, 4)).toBe(0);
  });

  it('merges adjacent ranges in its listing', () => {
    expect(space.ranges()).toEqual([
      { base: 0x1000, length: 6 },
      { base: 0x2000, length: 1 },
    ]);
  });

  it('rejects overlapping regions', () => {
    expect(
      () =>
        new RegionList([
          { base: 0, bytes: bytes(1, 2) },
          { base: 1, bytes: bytes(3) },
        ]),
    ).toThrow(InvalidDataError);
  });

  it('never rounds an address: 2^53 and beyond are errors', () => {
    expect(() => parseAddress('0x20000000000000')).toThrow(/beyond 2\^53/);
    expect(parseAddress('0x1fffffffffffff')).toBe(2 ** 53 - 1);
    expect(() => space.read(2 ** 53 - 1, 2)).toThrow(MemoryError);
    const v = new DataView(bytes(0, 0, 0, 0, 0, 0, 0x20, 0).buffer);
    expect(() => readPointer(v, 0, 'x64')).toThrow(/0x20000000000000 is beyond 2\^53/);
    const ok = new DataView(bytes(0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0x1f, 0).buffer);
    expect(readPointer(ok, 0, 'x64')).toBe(0x1fffff12345678);
    expect(readPointer(ok, 0, 'x86')).toBe(0x12345678);
  });

  it('a flat image starts at its base', () => {
    const flat = RegionList.flat(bytes(7, 8), '0x7ff600000000');
    expect(Array.from(flat.read(0x7ff600000001, 1))).toEqual([8]);
    expect(flat.label).toBe('image at 0x7ff600000000');
  });
});
