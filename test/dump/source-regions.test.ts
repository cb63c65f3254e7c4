import { describe, expect, it } from 'vitest';
import { type ByteSource, bytesSource } from '../../src/dump/source.js';
import { type SlicingSource, SourceRegions } from '../../src/dump/source-regions.js';
import { InvalidDataError, MemoryError } from '../../src/errors.js';
import { RegionList } from '../../src/memory/region-list.js';

const filled = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);

/** A source that counts its closes, and can be made to report a smaller file than it holds. */
function counted(bytes: Uint8Array, size = bytes.length): ByteSource & { closes: number } {
  const inner = bytesSource(bytes);
  const source = {
    closes: 0,
    size,
    readInto: (target: Uint8Array, position: number) => inner.readInto(target, position),
    close() {
      source.closes++;
    },
  };
  return source;
}

describe('SourceRegions (raw files placed in memory: the CLI and the inspector)', () => {
  const a = filled(0x20000, 1);
  const b = filled(0x100, 2);
  const c = filled(0x10, 3);
  const regions = () => [
    { base: 0x10000, source: bytesSource(a), label: 'a.bin' },
    { base: 0x30000, source: bytesSource(b), label: 'b.bin' }, // exactly adjacent to a.bin
    { base: 0x40000, source: bytesSource(c), label: 'c.bin' }, // after a gap
  ];

  it('reads what RegionList reads over the same bytes, adjacency and gaps alike', () => {
    const lazy = new SourceRegions(regions());
    const eager = new RegionList([
      { base: 0x10000, bytes: a },
      { base: 0x30000, bytes: b },
      { base: 0x40000, bytes: c },
    ]);
    for (const [address, length] of [
      [0x10000, 16],
      [0x2fff0, 0x40],
      [0x1fff0, 0x10100],
      [0x40008, 8],
    ] as const) {
      expect(lazy.read(address, length)).toEqual(eager.read(address, length));
      expect(lazy.mappedLength(address, length)).toBe(eager.mappedLength(address, length));
    }
    expect(lazy.ranges()).toEqual(eager.ranges());
    expect(() => lazy.read(0x300f0, 0x20)).toThrow(MemoryError);
    expect(() => lazy.read(0x3ffff, 2)).toThrow('0x3ffff+2 is not in the captured memory');
  });

  it('names both files when they overlap', () => {
    const overlapping = () =>
      new SourceRegions([
        { base: 0x1000, source: bytesSource(filled(0x100, 1)), label: 'low.bin' },
        { base: 0x1080, source: bytesSource(filled(0x10, 2)), label: 'high.bin' },
      ]);
    expect(overlapping).toThrow(InvalidDataError);
    expect(overlapping).toThrow('low.bin at 0x1000+256 and high.bin at 0x1080 overlap');
  });

  it('names the file that became shorter than when it was opened', () => {
    const short = counted(filled(0x100, 1), 0x200);
    const space = new SourceRegions([{ base: 0x1000, source: short, label: 'cut.bin' }]);
    expect(space.read(0x1000, 0x10)).toEqual(filled(0x10, 1));
    expect(() => space.read(0x10f0, 0x20)).toThrow(
      '0x10f0+32 could not be read: cut.bin is shorter than when it was opened',
    );
  });

  it('takes a slicing source’s own array for a read larger than a page, and the page cache for small reads', () => {
    const bytes = filled(0x30000, 5);
    const slices: [number, number][] = [];
    const source: SlicingSource = {
      ...bytesSource(bytes),
      slice(position, length) {
        slices.push([position, length]);
        return bytes.slice(position, position + length);
      },
    };
    const space = new SourceRegions([{ base: 0x100000, source, label: 'blob' }]);
    expect(space.read(0x100010, 0x10)).toEqual(bytes.subarray(0x10, 0x20));
    expect(slices).toEqual([]);
    expect(space.read(0x100000, 0x20000)).toEqual(bytes.subarray(0, 0x20000));
    expect(slices).toEqual([[0, 0x20000]]);
  });

  it('close() closes every source it was given, the empty ones included', () => {
    const sources = [counted(filled(0x10, 1)), counted(new Uint8Array(0)), counted(filled(0x10, 2))];
    const space = new SourceRegions(
      sources.map((source, i) => ({ base: 0x1000 * (i + 1), source, label: `${i}.bin` })),
    );
    space.close();
    expect(sources.map((s) => s.closes > 0)).toEqual([true, true, true]);
  });
});
