import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/abi/types.js';
import { scanQuerySets } from '../../src/dump/scan.js';
import { RegionList } from '../../src/memory/region-list.js';
import { encodeAt, heapNoise, plantable } from '../helpers/planted.js';

/** A capture of noise with every plantable set of `arch` planted at known, aligned places. */
function capture(
  arch: Arch,
  seed: number,
): { space: RegionList; planted: Map<number, { name: string; charset: string }>; nearMiss: number } {
  const base = arch === 'x86' ? 0x00a10000 : 0x1_4a350000;
  const noise = heapNoise(1 << 20, seed, base);
  // A near miss: the right dwSize and a real string, but a namespace that does not exist.
  const nearMiss = base + 0x4000;
  const ptr = arch === 'x86' ? 4 : 8;
  noise.fill(0, 0x4000, 0x4100);
  new DataView(noise.buffer).setUint32(0x4000, arch === 'x86' ? 60 : 120, true);
  if (arch === 'x86') new DataView(noise.buffer).setUint32(0x4000 + ptr, nearMiss + 0x80, true);
  else new DataView(noise.buffer).setBigUint64(0x4000 + ptr, BigInt(nearMiss + 0x80), true);
  new DataView(noise.buffer).setUint32(0x4000 + 5 * ptr, 999, true); // dwNameSpace follows four pointers
  noise.set(new TextEncoder().encode('looks-like-a-name\0'), 0x4080);
  const planted = new Map<number, { name: string; charset: string }>();
  plantable(arch).forEach((p, i) => {
    const at = base + 0x10000 + i * 0x8000 + (arch === 'x86' ? 4 : 8) * (seed % 7);
    noise.set(encodeAt(p.qs, arch, p.charset, at), at - base);
    planted.set(at, { name: p.name, charset: p.charset });
  });
  return { space: new RegionList([{ base, bytes: noise }]), planted, nearMiss };
}

describe('scanQuerySets', () => {
  for (const arch of ['x86', 'x64'] as const) {
    it(`finds every planted ${arch} set with its charset and ranks them above the noise`, () => {
      for (const seed of [1, 2, 3]) {
        const { space, planted, nearMiss } = capture(arch, seed);
        const candidates = scanQuerySets(space);
        const miss = candidates.find((c) => c.at === nearMiss);
        expect(miss?.reasons).toContain('dwNameSpace=999 is no known namespace');
        for (const [at, p] of planted) {
          const c = candidates.find((x) => x.at === at);
          expect(c, `${p.name} (seed ${seed})`).toBeDefined();
          expect([c!.arch, c!.charset]).toEqual([arch, p.charset]);
        }
        expect(planted.has(candidates[0]!.at)).toBe(true);
        const lowest = Math.min(...candidates.filter((c) => planted.has(c.at)).map((c) => c.score));
        const noise = candidates.filter((c) => !planted.has(c.at));
        for (const n of noise) expect(n.score, `${n.at.toString(16)}: ${n.reasons.join('; ')}`).toBeLessThan(lowest);
      }
    });
  }

  it('only looks for the arches and charsets asked for', () => {
    const { space, planted } = capture('x86', 4);
    expect(scanQuerySets(space, { arches: ['x64'] }).filter((c) => planted.has(c.at))).toEqual([]);
    const onlyA = scanQuerySets(space, { arches: ['x86'], charsets: ['A'] }).filter((c) => planted.has(c.at));
    expect(onlyA.every((c) => c.charset === 'A')).toBe(true);
    expect(onlyA.some((c) => planted.get(c.at)!.charset === 'A')).toBe(true);
  });

  it('finds a set in a region that starts at an odd address, and one spanning two exactly adjacent regions', () => {
    const [w] = plantable('x64');
    const at = 0x7ff6_0000_1000;
    const image = encodeAt(w!.qs, 'x64', 'W', at);
    // Split the image in three regions: one starting 3 bytes before the set, cut mid-struct and mid-pointees.
    const before = new Uint8Array(3).fill(0x78);
    const whole = new Uint8Array(before.length + image.length);
    whole.set(before);
    whole.set(image, before.length);
    const space = new RegionList([
      { base: at - 3, bytes: whole.subarray(0, 60) },
      { base: at + 57, bytes: whole.subarray(60, 200) },
      { base: at + 197, bytes: whole.subarray(200) },
    ]);
    const found = scanQuerySets(space);
    expect(found.map((c) => [c.at, c.charset])).toEqual([[at, 'W']]);
  });

  it('honours limit and minScore, and reports progress up to the total', () => {
    const { space } = capture('x64', 5);
    const all = scanQuerySets(space, { minScore: -100 });
    expect(scanQuerySets(space, { limit: 2, minScore: -100 })).toEqual(all.slice(0, 2));
    expect(scanQuerySets(space, { minScore: 15 }).every((c) => c.score >= 15)).toBe(true);
    const calls: [number, number][] = [];
    scanQuerySets(space, { onProgress: (done, total) => calls.push([done, total]) });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.at(-1)).toEqual([1 << 20, 1 << 20]);
    expect(calls.every(([d], i) => i === 0 || d >= calls[i - 1]![0])).toBe(true);
  });

  it('rejects decoys: the right dwSize with impossible pointers, counts or strings', () => {
    const base = 0x10000;
    const bytes = new Uint8Array(0x1000);
    const v = new DataView(bytes.buffer);
    v.setUint32(0x000, 120, true); // x64, pointer above 2^47
    v.setUint32(0x00c, 0xffff8000, true);
    v.setUint32(0x100, 120, true); // x64, dwNumberOfCsAddrs absurd
    v.setUint32(0x100 + 88, 0x7fffffff, true);
    v.setUint32(0x100 + 96, base + 0x800, true);
    v.setUint32(0x200, 60, true); // x86, instance name pointer into a string that never ends
    v.setUint32(0x204, base + 0x400, true);
    bytes.fill(0x41, 0x400, 0x1000);
    v.setUint32(0x300, 60, true); // x86, all NULL: possible but not evidence of anything
    expect(scanQuerySets(new RegionList([{ base, bytes }]))).toEqual([]);
  });
});
