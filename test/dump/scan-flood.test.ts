import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_KEEP, scanQuerySets, scanQuerySetsReport } from '../../src/dump/scan.js';
import { UsageError } from '../../src/errors.js';
import { RegionList } from '../../src/memory/region-list.js';
import { runCli } from '../helpers/cli.js';
import { encodeAt, plantable } from '../helpers/planted.js';

/**
 * A capture full of signature hits: every DWORD is 60 (x86's dwSize), or
 * every QWORD is 120 (x64's). The scanner must assess as it goes, keep
 * only the best candidates, and still report a real set planted in it.
 */
const work = mkdtempSync(join(tmpdir(), 'rnrkit-scan-flood-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MiB = 1 << 20;

function flooded(arch: 'x86' | 'x64', size: number, base: number, plantAt: number): RegionList {
  const bytes = new Uint8Array(size);
  if (arch === 'x86') new Uint32Array(bytes.buffer).fill(60);
  else new BigUint64Array(bytes.buffer).fill(120n);
  const p = plantable(arch).find((s) => s.name === 'w-full')!;
  bytes.set(encodeAt(p.qs, arch, p.charset, plantAt), plantAt - base);
  return new RegionList([{ base, bytes }]);
}

/** Peak heap growth while `run` runs, sampled at every progress callback. */
function heapGrowth(run: (sample: () => void) => void): number {
  const before = getHeapStatistics().used_heap_size;
  let peak = before;
  run(() => {
    peak = Math.max(peak, getHeapStatistics().used_heap_size);
  });
  peak = Math.max(peak, getHeapStatistics().used_heap_size);
  return peak - before;
}

describe('scanning a capture full of signature hits', () => {
  for (const arch of ['x86', 'x64'] as const) {
    it(`64 MiB of ${arch === 'x86' ? 'DWORD 60' : 'QWORD 120'}: fast, bounded memory, and the planted set is still reported`, () => {
      const base = 0x0100_0000;
      const plantAt = base + 40 * MiB + 0x100;
      const space = flooded(arch, 64 * MiB, base, plantAt);
      const started = performance.now();
      let report: ReturnType<typeof scanQuerySetsReport> | undefined;
      const grew = heapGrowth((sample) => {
        report = scanQuerySetsReport(space, { arches: [arch], onProgress: sample });
      });
      const took = performance.now() - started;
      expect(report!.candidates[0]?.at).toBe(plantAt);
      // Every word is a hit; pointer words of 60 or 120 lie in the first 64 KiB and fail the quick test.
      expect(report!.signatureHits).toBeGreaterThan(8 * MiB - 1000);
      expect(report!.rejectedQuickly).toBeGreaterThan(report!.signatureHits - 1000);
      expect(grew).toBeLessThan(64 * MiB);
      expect(took).toBeLessThan(15_000);
    });
  }

  it('keeps only the best `limit` candidates and counts the rest as skipped', () => {
    const arch = 'x86';
    const base = 0x0040_0000;
    const bytes = new Uint8Array(MiB);
    const p = plantable(arch);
    const planted: number[] = [];
    for (let i = 0; i < 40; i++) {
      const at = base + i * 0x4000;
      const set = p[i % p.length]!;
      bytes.set(encodeAt(set.qs, arch, set.charset, at), at - base);
      planted.push(at);
    }
    const space = new RegionList([{ base, bytes }]);
    const all = scanQuerySetsReport(space, { arches: [arch] });
    expect(all.candidates.map((c) => c.at).sort((a, b) => a - b)).toEqual(planted);
    expect(all.skipped).toBe(0);
    const top = scanQuerySetsReport(space, { arches: [arch], limit: 5 });
    expect(top.candidates).toEqual(all.candidates.slice(0, 5));
    expect(top.skipped).toBe(35);
  });

  it('rnrkit scan says on stderr how many candidates the default cap left out', async () => {
    const arch = 'x86';
    const base = 0x0040_0000;
    const count = DEFAULT_SCAN_KEEP + 7;
    const stride = 0x400;
    const bytes = new Uint8Array(count * stride);
    const set = plantable(arch).find((s) => s.name === 'w-full')!;
    for (let i = 0; i < count; i++) bytes.set(encodeAt(set.qs, arch, set.charset, base + i * stride), i * stride);
    const file = join(work, 'many.bin');
    writeFileSync(file, bytes);
    const r = await runCli(['scan', file, '--base', `0x${base.toString(16)}`, '--arch', arch, '--charset', 'W']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(DEFAULT_SCAN_KEEP);
    expect(r.stderr).toBe(
      `rnrkit: scan: 7 more candidates scored at or below the best ${DEFAULT_SCAN_KEEP} shown and were left out (at most ${DEFAULT_SCAN_KEEP} are kept unless --limit N says otherwise)\n`,
    );
    const limited = await runCli(['scan', file, '--base', `0x${base.toString(16)}`, '--arch', arch, '--limit', '3']);
    expect([limited.stdout.trimEnd().split('\n').length, limited.stderr]).toEqual([3, '']);
  });

  it('refuses an unknown arch or charset with UsageError instead of finding nothing', () => {
    const space = new RegionList([{ base: 0x10000, bytes: new Uint8Array(64) }]);
    expect(() => scanQuerySets(space, { arches: ['bogus' as 'x86'] })).toThrow(UsageError);
    expect(() => scanQuerySets(space, { arches: ['bogus' as 'x86'] })).toThrow('unknown arch "bogus": one of x86, x64');
    expect(() => scanQuerySets(space, { charsets: ['U' as 'W'] })).toThrow(UsageError);
    expect(() => scanQuerySets(space, { limit: -1 })).toThrow(UsageError);
  });
});
