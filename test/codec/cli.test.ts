import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { runCli } from '../helpers/cli.js';
import { offsetOf } from '../helpers/ground-truth.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { fullSet, nullSet } from '../helpers/samples.js';

const dir = mkdtempSync(join(tmpdir(), 'rnrkit-codec-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rnrkit encode → rnrkit decode', () => {
  it.each([
    ['x86', 'W'],
    ['x64', 'A'],
  ] as const)('round-trips a full set (%s %s) through files', async (arch, charset) => {
    const qs = fullSet();
    const input = join(dir, `in-${arch}-${charset}.json`);
    const image = join(dir, `image-${arch}-${charset}.bin`);
    writeFileSync(input, JSON.stringify(qs));
    const enc = await runCli([
      'encode',
      input,
      '--arch',
      arch,
      '--charset',
      charset,
      '--base',
      '0x00401000',
      '-o',
      image,
    ]);
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    const bytes = readFileSync(image);
    expect(JSON.parse(enc.stdout)).toEqual({ at: '0x401000', size: bytes.length });
    const dec = await runCli(['decode', image, '--arch', arch, '--charset', charset, '--base', '0x401000']);
    expect(dec.code).toBe(0);
    expect(JSON.parse(dec.stdout)).toStrictEqual(qs);
  });

  it('--at, --annotate and --lenient reach the codec', async () => {
    const b = new ImageBuilder('x64', 0x10000);
    b.reserve(24);
    const at = b.querySet(fullSet(), 'W');
    const file = join(dir, 'offset.bin');
    writeFileSync(file, b.image());
    const dec = await runCli([
      'decode',
      file,
      '--arch',
      'x64',
      '--base',
      '0x10000',
      '--at',
      `0x${at.toString(16)}`,
      '--annotate',
    ]);
    expect(dec.code).toBe(0);
    const out = JSON.parse(dec.stdout) as Record<string, unknown>;
    expect(out.$at).toBe(`0x${at.toString(16)}`);
    expect((out.lpcsaBuffer as { LocalAddr: { $sockaddr: unknown } }[])[0]!.LocalAddr.$sockaddr).toMatchObject({
      family: 'AF_INET',
      port: 8080,
      address: '192.168.0.1',
    });
    // Cut the image short: strict fails on one line naming the member, lenient carries on.
    const cut = join(dir, 'cut.bin');
    writeFileSync(cut, b.image().subarray(0, at - 0x10000 + 120));
    const strict = await runCli(['decode', cut, '--arch', 'x64', '--base', '0x10000', '--at', String(at)]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^rnrkit: lpszServiceInstanceName: 0x[0-9a-f]+\+2 is not in the captured memory\n$/);
    const lenient = await runCli([
      'decode',
      cut,
      '--arch',
      'x64',
      '--base',
      '0x10000',
      '--at',
      String(at),
      '--lenient',
    ]);
    expect(lenient.code).toBe(0);
    const partial = JSON.parse(lenient.stdout) as { lpBlob: unknown; $unresolved: { path: string }[] };
    expect(partial.lpBlob).toBeNull();
    expect(partial.$unresolved.map((u) => u.path)).toEqual([
      'lpszServiceInstanceName',
      'lpServiceClassId',
      'lpVersion',
      'lpszComment',
      'lpNSProviderId',
      'lpszContext',
      'lpafpProtocols',
      'lpszQueryString',
      'lpcsaBuffer',
      'lpBlob',
    ]);
  });

  it('reads JSON from stdin with - (a real process)', () => {
    const out = join(dir, 'stdin.bin');
    const printed = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'encode', '-', '--arch', 'x64', '--base', '0x2000', '-o', out],
      {
        input: JSON.stringify(nullSet()),
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(printed)).toEqual({ at: '0x2000', size: readFileSync(out).length });
    expect(
      decodeQuerySet(RegionList.flat(readFileSync(out), 0x2000), 0x2000, { arch: 'x64', charset: 'W' }),
    ).toStrictEqual(nullSet());
  });
});

describe('rnrkit decode of a minidump and of region lists', () => {
  const dump = fileURLToPath(new URL('../../fixtures/dumps/wine-x64-sets.dmp.gz', import.meta.url));
  const manifest = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../fixtures/dumps/wine-x64-sets.json', import.meta.url)), 'utf8'),
  ) as { sets: { at: string; charset: 'W' | 'A'; expected: unknown }[] };

  it('decodes every planted set of the real Wine dump, arch from the dump, charset as given', async () => {
    for (const set of manifest.sets) {
      const r = await runCli(['decode', dump, '--at', set.at, '--charset', set.charset]);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toStrictEqual(set.expected);
    }
  });

  it("without --at, takes the scanner's best candidate and its charset", async () => {
    const r = await runCli(['decode', dump]);
    expect(r.code).toBe(0);
    const decoded = JSON.parse(r.stdout) as unknown;
    expect(manifest.sets.map((s) => s.expected)).toContainEqual(decoded);
  });

  it('--region ADDR=FILE pieces a capture together; a gap between regions is unmapped', async () => {
    const b = new ImageBuilder('x64', 0x90000);
    const at = b.querySet(fullSet(), 'W');
    const image = b.image();
    const head = join(dir, 'head.bin');
    const tail = join(dir, 'tail.bin');
    const split = 200;
    writeFileSync(head, image.subarray(0, split));
    writeFileSync(tail, image.subarray(split));
    const whole = await runCli([
      'decode',
      '--region',
      `0x90000=${head}`,
      '--region',
      `${0x90000 + split}=${tail}`,
      '--arch',
      'x64',
      '--at',
      String(at),
    ]);
    expect(JSON.parse(whole.stdout)).toStrictEqual(fullSet());
    const gap = await runCli([
      'decode',
      '--region',
      `0x90000=${head}`,
      '--region',
      `${0x90000 + split + 8}=${tail}`,
      '--arch',
      'x64',
      '--at',
      String(at),
    ]);
    expect(gap.code).toBe(1);
    expect(gap.stderr).toMatch(/^rnrkit: \S+: 0x[0-9a-f]+\+\d+ is not in the captured memory/);
  });
});

describe('bad input and usage', () => {
  const input = join(dir, 'null.json');
  writeFileSync(input, JSON.stringify(nullSet()));

  it.each([
    [['encode', 'x.json', '--base', '0x1000', '-o', 'y'], /--arch is required/],
    [['encode', input, '--arch', 'x64', '-o', 'y'], /--base ADDR is required/],
    [['encode', input, '--arch', 'x64', '--base', '0x1000'], /-o OUT is required/],
    [['encode', input, '--arch', 'x64', '--base', '0x1004', '-o', join(dir, 'z')], /not aligned to 8/],
    [['encode', input, '--arch', 'x86', '--base', '0xfffffff0', '-o', join(dir, 'z')], /does not fit x86/],
    [['decode'], /decode takes one FILE/],
    [['decode', input, '--arch', 'x64'], /--base ADDR is required/],
    [['decode', input, '--base', '0x1000'], /--arch is required/],
    [['decode', input, '--arch', 'x64', '--base', '0x1000', '--at', 'nowhere'], /--at "nowhere"/],
    [['decode', input, '--arch', 'x64', '--base', '0x1000', '--bogus'], /bogus/],
  ])('%j exits 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"dwSize": 1,', /is not JSON/],
    [
      'a bad member',
      JSON.stringify({
        ...fullSet(),
        lpcsaBuffer: [
          fullSet().lpcsaBuffer![0],
          { ...fullSet().lpcsaBuffer![1]!, LocalAddr: { lpSockaddr: 'zz', iSockaddrLength: 1 } },
          fullSet().lpcsaBuffer![2],
        ],
      }),
      /^rnrkit: lpcsaBuffer\[1\]\.LocalAddr\.lpSockaddr: "zz" is not hex/,
    ],
    [
      'a count that disagrees',
      JSON.stringify({ ...fullSet(), dwNumberOfCsAddrs: 9 }),
      /^rnrkit: lpcsaBuffer: 3 entries, but dwNumberOfCsAddrs = 9/,
    ],
    ['a misspelt member', JSON.stringify({ ...nullSet(), lpszComent: 'x' }), /unknown member "lpszComent"/],
    [
      'a wide char in an ANSI set',
      JSON.stringify({ ...nullSet(), lpszComment: '\u20ac' }),
      /^rnrkit: lpszComment: char 0 \(U\+20AC\) is not a byte/,
    ],
  ])('encode of %s exits 1 with one line naming the path', async (_, text, message) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, text);
    const r = await runCli([
      'encode',
      file,
      '--arch',
      'x64',
      '--charset',
      'A',
      '--base',
      '0x1000',
      '-o',
      join(dir, 'bad.bin'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('decode of a dangling pointer names the field path and address', async () => {
    const b = new ImageBuilder('x86', 0x20000);
    const at = b.querySet(fullSet(), 'W');
    // Point lpcsaBuffer[2].LocalAddr.lpSockaddr somewhere unmapped.
    const array = decodeQuerySet(RegionList.flat(b.image(), 0x20000), at, { arch: 'x86', charset: 'W', annotate: true })
      .$lpcsaBuffer as string;
    const entry =
      Number(array) +
      2 * 24 +
      offsetOf('x86', 'CSADDR_INFO', 'LocalAddr') +
      offsetOf('x86', 'SOCKET_ADDRESS', 'lpSockaddr');
    b.pointer(entry, 0x239a0100);
    const file = join(dir, 'dangling.bin');
    writeFileSync(file, b.image());
    const r = await runCli(['decode', file, '--arch', 'x86', '--base', '0x20000', '--at', String(at)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('rnrkit: lpcsaBuffer[2].LocalAddr.lpSockaddr: 0x239a0100+14 is not in the captured memory\n');
  });
});
