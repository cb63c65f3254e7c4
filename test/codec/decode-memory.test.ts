import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/abi/layout.js';
import { decodeQuerySet } from '../../src/codec/index.js';
import { InvalidDataError } from '../../src/errors.js';
import { RegionList } from '../../src/memory/region-list.js';
import { manyEntriesImage } from './helpers/many-entries.js';

/**
 * The memory bound docs/limits/codec.md states: a decode within the default
 * limits fits a 200 MB JS heap, output included. Checked where it is most
 * at risk — 65,536 entries (maxCount) whose 128-byte sockaddrs
 * (maxSockaddrLength) are all one shared sockaddr, or all distinct — by the
 * CLI in a child process under --max-old-space-size=200, printing the JSON.
 */
const BASE = 0x10000;
const work = mkdtempSync(join(tmpdir(), 'rnrkit-decode-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function decodeInChild(
  name: string,
  image: Uint8Array,
): Promise<{ code: number | null; stderr: string; out: string; peakMb: number }> {
  const imagePath = join(work, `${name}.img`);
  const outPath = join(work, `${name}.json`);
  const rssPath = join(work, `${name}.rss`);
  writeFileSync(imagePath, image);
  const out = openSync(outPath, 'w');
  const child = spawn(
    process.execPath,
    [
      '--max-old-space-size=200',
      '--import',
      'tsx',
      '--import',
      './test/fixtures/rss-report.mjs',
      'src/cli/main.ts',
      'decode',
      imagePath,
      '--arch',
      'x64',
      '--charset',
      'W',
      '--base',
      `0x${BASE.toString(16)}`,
    ],
    { stdio: ['ignore', out, 'pipe'], env: { ...process.env, RNRKIT_RSS_FILE: rssPath }, timeout: 60_000 },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => {
    child.on('close', (code) => {
      closeSync(out);
      // A child that ran out of heap or time leaves no report.
      const peakMb = existsSync(rssPath) ? Math.round(Number(readFileSync(rssPath, 'utf8')) / 1024) : Number.NaN;
      resolve({ code, stderr, out: readFileSync(outPath, 'utf8'), peakMb });
    });
  });
}

describe('decode memory within the default limits', () => {
  it.each([
    ['one shared 128-byte sockaddr', 128, true],
    ['65,536 × 2 distinct 128-byte sockaddrs', 128, false],
    ['65,536 × 2 distinct 28-byte sockaddrs (hex built by concatenation)', 28, false],
  ] as const)(
    '65,536 entries, %s: decoded and printed under --max-old-space-size=200',
    async (name, length, shared) => {
      const result = await decodeInChild(name.replace(/\W+/g, '-'), manyEntriesImage(65_536, length, shared, BASE));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const decoded = JSON.parse(result.out) as { lpcsaBuffer: { LocalAddr: { lpSockaddr: string } }[] };
      expect(decoded.lpcsaBuffer).toHaveLength(65_536);
      expect(decoded.lpcsaBuffer[65_535]!.LocalAddr.lpSockaddr).toHaveLength(length * 2);
      console.log(`decode memory, ${name}: peak RSS ${result.peakMb} MB`);
    },
    120_000,
  );

  it('the hex a decode produces counts against maxTotalBytes: three bytes per byte, shared or not', () => {
    // 1,000 entries × 2 × 128 bytes: 256,000 bytes read, 768,000 counted with their hex, plus the array.
    const image = manyEntriesImage(1000, 128, true, BASE);
    const space = RegionList.flat(image, BASE);
    const options = { arch: 'x64' as const, charset: 'W' as const };
    const needed =
      layoutOf('WSAQUERYSETW', 'x64').size + 1000 * layoutOf('CSADDR_INFO', 'x64').size + 1000 * 2 * 128 * 3;
    expect(decodeQuerySet(space, BASE, { ...options, limits: { maxTotalBytes: needed } }).lpcsaBuffer).toHaveLength(
      1000,
    );
    expect(() => decodeQuerySet(space, BASE, { ...options, limits: { maxTotalBytes: needed - 1 } })).toThrow(
      InvalidDataError,
    );
    expect(() => decodeQuerySet(space, BASE, { ...options, limits: { maxTotalBytes: needed - 1 } })).toThrow(
      /^lpcsaBuffer\[999\]\.RemoteAddr\.lpSockaddr: decoding 384 more bytes at 0x[0-9a-f]+ would exceed maxTotalBytes/,
    );
  });
});
