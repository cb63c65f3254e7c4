import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledSets } from '../../src/dump/fixtures.js';
import { Minidump } from '../../src/dump/minidump.js';
import { scanQuerySets } from '../../src/dump/scan.js';
import { runCli } from '../helpers/cli.js';
import { encodeAt } from '../helpers/planted.js';

/**
 * Minidump range amplification: descriptors that all map the same bytes
 * of the file (or overlapping ones) at different addresses, declared as
 * 4 GiB each. Mapped memory must never exceed the file's own bytes, so no
 * pass over the memory (scan, the default --at of decode and match) costs
 * more than the file does; the refused descriptors are named in a warning.
 *
 * The file is written by hand here from the documented layout (dbghelp.h):
 * MINIDUMP_HEADER (32), one MINIDUMP_DIRECTORY (12), a MINIDUMP_MEMORY_LIST
 * (count, then 16-byte descriptors: Start u64, DataSize u32, Rva u32), then
 * the data.
 */
const work = mkdtempSync(join(tmpdir(), 'rnrkit-amplify-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const set = bundledSets().find((s) => s.name === 'w-full')!;
const FIRST_BASE = 0x7ff6_0000_0000;

function amplifiedDump(
  descriptors: number,
  dataLength: number,
  rvaStep: number,
  declared = 0xffffffff,
): { bytes: Uint8Array; plantedAt: number } {
  const listRva = 32 + 12;
  const dataRva = listRva + 4 + 16 * descriptors;
  const bytes = new Uint8Array(dataRva + dataLength + rvaStep * descriptors);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, 0x504d444d, true); // 'MDMP'
  v.setUint32(4, 0xa793, true);
  v.setUint32(8, 1, true);
  v.setUint32(12, 32, true);
  v.setUint32(32, 5, true); // MemoryListStream
  v.setUint32(36, 4 + 16 * descriptors, true);
  v.setUint32(40, listRva, true);
  v.setUint32(listRva, descriptors, true);
  for (let i = 0; i < descriptors; i++) {
    const d = listRva + 4 + 16 * i;
    v.setBigUint64(d, BigInt(FIRST_BASE + i * 2 ** 32), true);
    v.setUint32(d + 8, declared, true); // 4 GiB unless told
    v.setUint32(d + 12, dataRva + i * rvaStep, true);
  }
  const plantedAt = FIRST_BASE + 0x1000;
  bytes.set(encodeAt(set.expected, 'x64', set.charset, plantedAt), dataRva + 0x1000);
  return { bytes, plantedAt };
}

describe('minidump range amplification', () => {
  for (const [label, rvaStep] of [
    ['all at the same RVA', 0],
    ['at overlapping RVAs, 16 bytes apart', 16],
  ] as const) {
    it(`60,000 descriptors of 4 GiB ${label}: mapped ≤ file size, scan is fast, the set is found, a warning says what was refused`, async () => {
      const { bytes, plantedAt } = amplifiedDump(60_000, 2 << 20, rvaStep);
      const started = performance.now();
      const md = Minidump.fromBytes(bytes, 'amplified.dmp');
      const mapped = md.ranges().reduce((n, r) => n + r.length, 0);
      expect(mapped).toBeLessThanOrEqual(bytes.length);
      expect(md.warnings.join('\n')).toMatch(
        /59999 memory descriptors \(\d+ mapped bytes in all\) reuse file bytes another descriptor already maps, e\.g\. MemoryListStream\[1\] 0x7ff700000000\+4294967295 at file offset 0x[0-9a-f]+: refused, so no byte of the file is mapped twice/,
      );
      const found = scanQuerySets(md, { arches: ['x64'] });
      expect(found[0]?.at).toBe(plantedAt);
      expect(performance.now() - started).toBeLessThan(5000);

      const file = join(work, 'amplified.dmp');
      writeFileSync(file, bytes);
      const cliStarted = performance.now();
      for (const args of [
        ['decode', file, '--arch', 'x64', '--charset', set.charset],
        ['match', file, file, '--arch', 'x64', '--charset', set.charset],
      ]) {
        const r = await runCli(args);
        expect([r.code, r.stderr], args[0]).toEqual([0, '']);
      }
      const scanned = await runCli(['scan', file]);
      expect(scanned.code).toBe(0);
      expect(JSON.parse(scanned.stdout.split('\n')[0]!).at).toBe(`0x${plantedAt.toString(16)}`);
      expect(scanned.stderr).toMatch(
        new RegExp(
          `^rnrkit: ${file}: 2 warnings about the dump's structure \\(ranges refused or cut, counts inflated\\), first: 59999 memory descriptors .*refused, so no byte of the file is mapped twice; rnrkit regions lists them all\n$`,
        ),
      );
      expect(performance.now() - cliStarted).toBeLessThan(15_000);
      const regions = JSON.parse((await runCli(['regions', file])).stdout) as { mapped: number; warnings: string[] };
      expect(regions.mapped).toBeLessThanOrEqual(bytes.length);
      expect(regions.warnings.some((w) => w.includes('refused, so no byte of the file is mapped twice'))).toBe(true);
    });
  }

  it('descriptors with their own file bytes are all kept', () => {
    const { bytes } = amplifiedDump(64, 0, 4096, 4096);
    const md = Minidump.fromBytes(bytes);
    expect(md.warnings).toEqual([]);
    expect(md.ranges().map((r) => r.length)).toEqual(new Array(64).fill(4096));
  });

  it('a range declared past the end of the file still maps only the bytes the file holds, once', () => {
    // Declared 4 GiB each, 4 KiB apart: the first one's present bytes run to the end of the file, over all the others'.
    const { bytes } = amplifiedDump(64, 0, 4096);
    const md = Minidump.fromBytes(bytes);
    expect(md.ranges().reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(bytes.length);
    expect(md.warnings.join('\n')).toMatch(/^63 memory descriptors .* refused/m);
  });
});
