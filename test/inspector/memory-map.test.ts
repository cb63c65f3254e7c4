import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compareSets } from '../../inspector/src/compare.js';
import { mapQuerySet } from '../../inspector/src/memory-map.js';
import { BUNDLED_DUMP, bundledSets, openBundledDump } from '../../src/dump/fixtures.js';
import { AddressSet } from '../../src/match/address-set.js';
import { parseAddress } from '../../src/memory/address-space.js';
import { RegionList } from '../../src/memory/region-list.js';

/** The hex view's model and the side-by-side comparison, in Node, against what the capturing process printed. */
describe('the inspector page model, on the bundled dump', () => {
  const dump = openBundledDump();
  afterAll(() => dump.close());
  const sidecar = JSON.parse(readFileSync(BUNDLED_DUMP.sidecar, 'utf8')) as {
    sets: { name: string; at: string; blocks: [string, number][] }[];
  };

  for (const set of bundledSets()) {
    it(`${set.name}: the blocks of the hex view are the blocks target.c allocated, address and size`, () => {
      const blocks = mapQuerySet(dump, set.at, { arch: 'x64', charset: set.charset });
      const expected = sidecar.sets
        .find((s) => s.name === set.name)!
        .blocks.map(([at, size]) => [parseAddress(at), size]);
      // A flat set keeps everything in one allocation: the blocks are then inside it, not separate.
      const shown = blocks.map((b) => [b.address, b.bytes.length]);
      if (expected.length === 1) {
        const [[start, size]] = expected as [[number, number]];
        for (const [address, length] of shown)
          expect(address! >= start && address! + length! <= start + size).toBe(true);
      } else {
        expect(shown.sort((a, b) => a[0]! - b[0]!)).toEqual(expected);
      }
      expect(blocks.every((b) => b.error === undefined)).toBe(true);
    });
  }

  it('every pointer member links to a block that is shown, and members never overlap', () => {
    const [full] = bundledSets();
    const blocks = mapQuerySet(dump, full!.at, { arch: 'x64', charset: 'W' });
    for (const block of blocks) {
      const spans = [...block.members].sort((a, b) => a.offset - b.offset);
      for (let i = 1; i < spans.length; i++)
        expect(spans[i]!.offset).toBeGreaterThanOrEqual(spans[i - 1]!.offset + spans[i - 1]!.size);
      for (const m of block.members.filter((m) => m.target !== undefined)) {
        expect(
          blocks.some((b) => b.address === m.target),
          `${m.path} → ${m.target}`,
        ).toBe(true);
      }
    }
    const root = blocks[0]!;
    expect(root.members.find((m) => m.path === 'lpszServiceInstanceName')).toMatchObject({
      offset: 8,
      size: 8,
      type: 'LPWSTR',
    });
  });

  it('a pointee outside the capture is a block that says why, the rest is still shown', () => {
    // The fixed part alone, copied out: every pointer now leads outside the capture.
    const [full] = bundledSets();
    const alone = new RegionList([{ base: full!.at, bytes: dump.read(full!.at, 120) }]);
    const blocks = mapQuerySet(alone, full!.at, { arch: 'x64', charset: 'W' });
    expect(blocks[0]!.error).toBeUndefined();
    const name = blocks.find((b) => b.label === 'lpszServiceInstanceName')!;
    expect(name.error).toMatch(/^0x[0-9a-f]+\+\d+ is not in the captured memory$/);
    expect(() => mapQuerySet(alone, full!.at + 0x1000, { arch: 'x64', charset: 'W' })).toThrow(
      /WSAQUERYSETW: 0x[0-9a-f]+\+120 is not in the captured memory/,
    );
  });

  it("compareSets gives AddressSet's verdicts and pairs matched entries with equal ones", () => {
    const [full, ansi] = bundledSets();
    const a = { at: full!.at, arch: 'x64' as const, charset: full!.charset };
    const b = { at: ansi!.at, arch: 'x64' as const, charset: ansi!.charset };
    const self = compareSets(dump, a, a);
    expect(self.rows.every((r) => r.matched && r.a?.index === r.b?.index)).toBe(true);
    const cross = compareSets(dump, a, b);
    const rule = AddressSet.fromCanonical(full!.expected.lpcsaBuffer!).matchAll(ansi!.expected.lpcsaBuffer!);
    expect(cross.b).toEqual(rule);
    expect(cross.rows.filter((r) => r.b).map((r) => r.matched)).toEqual(
      ansi!.expected.lpcsaBuffer!.map((_, i) => rule.matched.includes(i)),
    );
  });
});
