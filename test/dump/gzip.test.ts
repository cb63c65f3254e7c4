import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_DUMP, bundledSets } from '../../src/dump/fixtures.js';
import { gunzipSource, inflateGzipFile } from '../../src/dump/gzip.js';
import { InvalidDataError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { encodeAt } from '../helpers/planted.js';

/**
 * gzipped captures: inflated as a stream into an unlinked temporary file,
 * capped in size, and every kind of damage answered with one line.
 */
const work = mkdtempSync(join(tmpdir(), 'rnrkit-gzip-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MiB = 2 ** 20;
const gz = readFileSync(BUNDLED_DUMP.path);
const sets = bundledSets();
const hex = (n: number) => `0x${n.toString(16)}`;

function file(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

/** Damaged copies of the bundled .gz, and the one line each must give. */
const damaged: [string, Uint8Array, RegExp][] = [
  [
    'cut in the middle',
    gz.subarray(0, gz.length >> 1),
    /^rnrkit: gzip: \S+ is cut short: the compressed stream ends before its end after \d+ inflated bytes \(truncated \.gz\)\n$/,
  ],
  ['cut in the header', gz.subarray(0, 6), /^rnrkit: gzip: \S+ is cut short/],
  [
    'with a wrong CRC-32',
    Uint8Array.from(gz, (b, i) => (i === gz.length - 8 ? b ^ 1 : b)),
    /^rnrkit: gzip\.CRC32: \S+ is damaged: the CRC-32 in the trailer does not match the inflated bytes after \d+ inflated bytes\n$/,
  ],
  [
    'with a wrong ISIZE',
    Uint8Array.from(gz, (b, i) => (i === gz.length - 1 ? b ^ 1 : b)),
    /^rnrkit: gzip\.ISIZE: \S+ is damaged: the length in the trailer \(ISIZE\)/,
  ],
  [
    'with trailing bytes',
    Buffer.concat([gz, Buffer.from('trailing garbage')]),
    /^rnrkit: gzip: \S+ has bytes after the end of its gzip stream that are not another gzip member/,
  ],
  [
    'with a damaged deflate block',
    Uint8Array.from(gz, (b, i) => (i >= 4096 && i < 4160 ? 0xff : b)),
    /^rnrkit: gzip(\.CRC32)?: \S+ is damaged: /,
  ],
];

describe('damaged .gz captures', () => {
  for (const [what, bytes, line] of damaged) {
    it(`${what}: one line, exit 1, no stack`, async () => {
      const path = file(`damaged-${what.replace(/\W+/g, '-')}.dmp.gz`, bytes);
      for (const args of [
        ['scan', path],
        ['decode', path, '--at', hex(sets[0]!.at)],
        ['regions', path],
      ]) {
        const r = await runCli(args);
        expect([r.code, r.stdout], `${args[0]} ${what}`).toEqual([1, '']);
        expect(r.stderr).toMatch(line);
      }
      expect(() => gunzipSource(path)).toThrow(InvalidDataError);
    });
  }

  it('accepts trailing zero bytes (tape padding) and a second member, as gzip(1) does', async () => {
    const padded = file('padded.dmp.gz', Buffer.concat([gz, new Uint8Array(512)]));
    const r = await runCli(['decode', padded, '--at', hex(sets[0]!.at), '--charset', sets[0]!.charset]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const image = encodeAt(sets[0]!.expected, 'x64', sets[0]!.charset, 0x10000);
    const twoMembers = file(
      'two.bin.gz',
      Buffer.concat([gzipSync(image.subarray(0, 50)), gzipSync(image.subarray(50))]),
    );
    const d = await runCli(['decode', twoMembers, '--base', '0x10000', '--arch', 'x64', '--charset', sets[0]!.charset]);
    expect(JSON.parse(d.stdout)).toEqual(sets[0]!.expected);
  });
});

describe('the inflated-size limit', () => {
  const bomb = file('bomb.bin.gz', gzipSync(new Uint8Array(64 * MiB), { level: 9 }));

  it('a .gz that inflates past --max-inflated is refused with one line', async () => {
    const r = await runCli(['scan', bomb, '--base', '0x10000', '--max-inflated', '16M']);
    expect([r.code, r.stderr]).toEqual([
      1,
      `rnrkit: gzip: ${bomb} inflates to more than ${16 * MiB} bytes, the limit for a gzipped capture (--max-inflated BYTES raises it)\n`,
    ]);
    const region = await runCli(['regions', '--region', `0x10000=${bomb}`, '--max-inflated', '1M']);
    expect(region.code).toBe(1);
    expect(() => gunzipSource(bomb, { maxInflatedBytes: MiB })).toThrow(`inflates to more than ${MiB} bytes`);
    await expect(inflateGzipFile(bomb, { maxInflatedBytes: MiB })).rejects.toThrow(InvalidDataError);
    const raised = await runCli(['regions', bomb, '--base', '0x10000', '--max-inflated', '64M']);
    expect([raised.code, JSON.parse(raised.stdout).mapped]).toEqual([0, 64 * MiB]);
  });

  it('inflating streams to disk: memory stays far below the inflated size', async () => {
    const big = file('big-bomb.bin.gz', gzipSync(new Uint8Array(256 * MiB), { level: 9 }));
    const before = process.memoryUsage();
    let peak = 0;
    const sample = () => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.arrayBuffers - before.arrayBuffers + now.heapUsed - before.heapUsed);
    };
    const timer = setInterval(sample, 2);
    try {
      const source = await inflateGzipFile(big);
      sample();
      expect(source.size).toBe(256 * MiB);
      const tail = new Uint8Array(16);
      expect(source.readInto(tail, 256 * MiB - 16)).toBe(16);
      source.close();
    } finally {
      clearInterval(timer);
    }
    // Inflating whole would hold all 256 MiB at once.
    expect(peak).toBeLessThan(64 * MiB);
    rmSync(big);
  });
});
