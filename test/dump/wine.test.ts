import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQuerySet } from '../../src/codec/index.js';
import { bundledSets, openBundledDump } from '../../src/dump/fixtures.js';
import type { Minidump } from '../../src/dump/minidump.js';
import { scanQuerySets } from '../../src/dump/scan.js';
import { readFileSync } from 'node:fs';

/**
 * The committed dump was written by dbghelp's MiniDumpWriteDump under Wine
 * (scripts/fixtures-dumps.ts); its sidecar holds what target.c built, printed
 * by target.c itself. Nothing expected here comes from rnrkit.
 */
const sets = bundledSets();
const sidecar = JSON.parse(readFileSync(new URL('../../fixtures/dumps/wine-x64-sets.json', import.meta.url), 'utf8')) as { decoys: { at: string }[] };
let md: Minidump;
beforeAll(() => { md = openBundledDump(); });
afterAll(() => md.close());

describe('the committed Wine minidump', () => {
  it('reads the way Wine writes: x64, stream 0xfff0, no MemoryInfoList, stack RVAs 0, mostly adjacent ranges', () => {
    expect(md.arch).toBe('x64');
    expect(md.warnings).toEqual([]);
    const types = md.streams.map((s) => s.typeName);
    expect(types).toContain('0xfff0');
    expect(types).toContain('Memory64ListStream');
    expect(types).toContain('ThreadListStream');
    expect(types).not.toContain('MemoryInfoListStream');
    expect(md.modules.map((m) => m.name)).toContain('C:\\rnrkit\\target.exe');
    const segments = md.memoryRanges();
    const adjacent = segments.filter((s, i) => i > 0 && segments[i - 1]!.base + segments[i - 1]!.length === s.base).length;
    expect(adjacent).toBeGreaterThan(segments.length / 2);
    expect(md.ranges().length).toBeLessThan(segments.length);
  });

  it.each(sets.map((s) => [s.name, s] as const))('decodes %s by address to what the target built', (_name, set) => {
    expect(decodeQuerySet(md, set.at, { arch: md.arch!, charset: set.charset })).toEqual(set.expected);
  });

  it('scans: every planted set is found with its charset, and planted sets outrank everything else', () => {
    const candidates = scanQuerySets(md);
    const planted = new Set(sets.map((s) => s.at));
    for (const set of sets) {
      const found = candidates.find((c) => c.at === set.at);
      expect(found, set.name).toBeDefined();
      expect([found!.arch, found!.charset], set.name).toEqual(['x64', set.charset]);
    }
    expect(planted.has(candidates[0]!.at)).toBe(true);
    const lowestPlanted = Math.min(...candidates.filter((c) => planted.has(c.at)).map((c) => c.score));
    for (const other of candidates.filter((c) => !planted.has(c.at))) expect(other.score).toBeLessThan(lowestPlanted);
    for (const decoy of sidecar.decoys) expect(candidates.some((c) => c.at === Number(decoy.at))).toBe(false);
  });
});
