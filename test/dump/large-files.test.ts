import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSource } from '../../src/dump/file-source.js';
import { bundledSets } from '../../src/dump/fixtures.js';
import { InvalidDataError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { encodeAt } from '../helpers/planted.js';

/**
 * Raw images past 2 GiB and 4 GiB (sparse files: they cost no disk), and
 * files that have no size at all. Positions are 64-bit, reads are
 * positional, nothing is read whole.
 */
const work = mkdtempSync(join(tmpdir(), 'rnrkit-large-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const GiB = 2 ** 30;
const BASE = 0x0000_0100_0000_0000;
const set = bundledSets().find((s) => s.name === 'w-full')!;
const hex = (n: number) => `0x${n.toString(16)}`;

/** A sparse file of `size` bytes with the set encoded at `offset`. */
function sparseImage(name: string, size: number, offset: number): string {
  const path = join(work, name);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    const bytes = encodeAt(set.expected, 'x64', set.charset, BASE + offset);
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('raw images of 2 GiB and more', () => {
  for (const [label, size, offset] of [
    ['2 GiB, the set in the last MiB', 2 * GiB, 2 * GiB - 2 ** 20],
    ['exactly 4 GiB + 1, the set past 4 GiB', 4 * GiB + 1, 4 * GiB - 4096],
    ['5 GiB, the set at 4.5 GiB', 5 * GiB, 4.5 * GiB],
  ] as const) {
    it(`${label}: decode, annotate, match and regions work`, async () => {
      const file = sparseImage(`image-${size}.bin`, size, offset);
      // Where the set is, the same for every command.
      const where = ['--arch', 'x64', '--base', hex(BASE), '--at', hex(BASE + offset), '--charset', set.charset];
      const decoded = await runCli(['decode', file, ...where]);
      expect([decoded.code, decoded.stderr]).toEqual([0, '']);
      expect(JSON.parse(decoded.stdout)).toEqual(set.expected);
      const annotated = await runCli(['annotate', file, ...where]);
      expect([annotated.code, annotated.stderr]).toEqual([0, '']);
      const matched = await runCli(['match', file, file, ...where]);
      expect([matched.code, matched.stderr]).toEqual([0, '']);
      expect(JSON.parse(matched.stdout).unmatched).toEqual([]);
      const regions = await runCli(['regions', file, '--base', hex(BASE)]);
      expect(JSON.parse(regions.stdout).mapped).toBe(size);
      rmSync(file);
    });
  }

  it('--region files past 4 GiB too', async () => {
    const file = sparseImage('region.bin', 4.25 * GiB, 4 * GiB + 0x1000);
    const r = await runCli([
      'decode',
      '--region',
      `${hex(BASE)}=${file}`,
      '--arch',
      'x64',
      '--at',
      hex(BASE + 4 * GiB + 0x1000),
      '--charset',
      set.charset,
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toEqual(set.expected);
    rmSync(file);
  });
});

describe('files without a size', () => {
  it('--region ADDR=/dev/zero is refused with one line, at once', async () => {
    const started = performance.now();
    const r = await runCli(['scan', '--region', '0x10000=/dev/zero']);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toBe(
      'rnrkit: /dev/zero is a character device: a capture must be a regular file, whose size is known (save the stream to a file first)\n',
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(() => fileSource('/dev/zero')).toThrow(InvalidDataError);
  });

  it('a FIFO as FILE or --region is refused without waiting for a writer', async () => {
    const fifo = join(work, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const args of [
      ['decode', fifo, '--base', '0x10000', '--arch', 'x64'],
      ['regions', '--region', `0x10000=${fifo}`],
      ['scan', fifo],
    ]) {
      const r = await runCli(args);
      expect([r.code, r.stderr], args.join(' ')).toEqual([
        1,
        `rnrkit: ${fifo} is a FIFO (named pipe): a capture must be a regular file, whose size is known (save the stream to a file first)\n`,
      ]);
    }
  });

  it('a directory is refused the same way', async () => {
    const r = await runCli(['regions', work]);
    expect([r.code, r.stderr]).toEqual([
      1,
      `rnrkit: ${work} is a directory: a capture must be a regular file, whose size is known (save the stream to a file first)\n`,
    ]);
  });
});
