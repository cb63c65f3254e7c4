import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/abi/layout.js';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { DEFAULT_DECODE_LIMITS } from '../../src/codec/limits.js';
import { PROCESSOR_ARCHITECTURE } from '../../src/dump/format.js';
import { DumpBuilder } from '../dump/builder.js';
import { runCli } from '../helpers/cli.js';
import { entry, fullSet, nullSet } from '../helpers/samples.js';

/**
 * The codec's limits on the command line (docs/limits/codec.md, "On the
 * command line"): a set just over a default limit is refused by encode and
 * by decode with one line naming the member, the address and the option,
 * and goes through both once the option raises the limit. The options are
 * one definition shared by every command that decodes or encodes, checked
 * the same way everywhere.
 */
const work = mkdtempSync(join(tmpdir(), 'rnrkit-cli-limits-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BASE = 0x10000;
const IPV4 = `${'0200'}${'1f90'}${'c0a80001'}${'0000000000000000'}`;
const file = (name: string, text: string | Uint8Array) => {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
};
const encodeArgs = (input: string, output: string) => [
  'encode',
  input,
  '--arch',
  'x64',
  '--base',
  '0x10000',
  '-o',
  output,
];
const decodeArgs = (image: string) => ['decode', image, '--arch', 'x64', '--base', '0x10000'];

/** One set per limit, each just over the limit's default (maxTotalBytes: over a lowered limit, see below). */
const overDefault: {
  limit: keyof typeof DEFAULT_DECODE_LIMITS;
  option: string;
  qs: QuerySetJson;
  /** Where the over-long member is, in `decode --annotate` output. */
  address: (annotated: Record<string, unknown>) => unknown;
  encodeError: RegExp;
  decodeError: (address: string) => string;
}[] = [
  {
    limit: 'maxStringUnits',
    option: '--max-string-units',
    qs: { ...nullSet(), dwSize: 120, lpszComment: 'x'.repeat(DEFAULT_DECODE_LIMITS.maxStringUnits + 1) },
    address: (a) => a.$lpszComment,
    encodeError:
      /^rnrkit: lpszComment: a string of 65537 code units exceeds maxStringUnits \(65536\); --max-string-units N raises it\n$/,
    decodeError: (at) =>
      `rnrkit: lpszComment: string at ${at} is longer than maxStringUnits (65536); --max-string-units N raises it\n`,
  },
  {
    limit: 'maxCount',
    option: '--max-count',
    qs: {
      ...nullSet(),
      dwSize: 120,
      dwNumberOfProtocols: DEFAULT_DECODE_LIMITS.maxCount + 1,
      lpafpProtocols: Array.from({ length: DEFAULT_DECODE_LIMITS.maxCount + 1 }, () => ({
        iAddressFamily: 2,
        iProtocol: 6,
      })),
    },
    address: (a) => a.$lpafpProtocols,
    encodeError:
      /^rnrkit: lpafpProtocols: dwNumberOfProtocols = 65537 exceeds maxCount \(65536\); --max-count N raises it\n$/,
    decodeError: (at) =>
      `rnrkit: lpafpProtocols: dwNumberOfProtocols = 65537 exceeds maxCount (65536) for the array at ${at}; --max-count N raises it\n`,
  },
  {
    limit: 'maxSockaddrLength',
    option: '--max-sockaddr-length',
    qs: { ...nullSet(), dwSize: 120, dwNumberOfCsAddrs: 1, lpcsaBuffer: [entry(`${IPV4}${'00'.repeat(113)}`, null)] },
    address: (a) => (a.lpcsaBuffer as { LocalAddr: { $lpSockaddr: string } }[])[0]!.LocalAddr.$lpSockaddr,
    encodeError:
      /^rnrkit: lpcsaBuffer\[0\]\.LocalAddr\.lpSockaddr: iSockaddrLength = 129 exceeds maxSockaddrLength \(128\); --max-sockaddr-length N raises it\n$/,
    decodeError: (at) =>
      `rnrkit: lpcsaBuffer[0].LocalAddr.lpSockaddr: iSockaddrLength = 129 exceeds maxSockaddrLength (128) for the bytes at ${at}; --max-sockaddr-length N raises it\n`,
  },
  {
    limit: 'maxBlobSize',
    option: '--max-blob-size',
    qs: {
      ...nullSet(),
      dwSize: 120,
      lpBlob: {
        cbSize: DEFAULT_DECODE_LIMITS.maxBlobSize + 1,
        pBlobData: 'ab'.repeat(DEFAULT_DECODE_LIMITS.maxBlobSize + 1),
      },
    },
    address: (a) => (a.lpBlob as { $pBlobData: string }).$pBlobData,
    encodeError:
      /^rnrkit: lpBlob\.pBlobData: cbSize = 1048577 exceeds maxBlobSize \(1048576\); --max-blob-size N raises it\n$/,
    decodeError: (at) =>
      `rnrkit: lpBlob.pBlobData: cbSize = 1048577 exceeds maxBlobSize (1048576) for the bytes at ${at}; --max-blob-size N raises it\n`,
  },
];

describe('a set just over a default codec limit', () => {
  it.each(overDefault)(
    '$limit: encode and decode refuse it (exit 1, member and address), $option raises the limit',
    async (c) => {
      const input = file(`${c.limit}.json`, JSON.stringify(c.qs));
      const image = join(work, `${c.limit}.bin`);
      const raised = [c.option, String(DEFAULT_DECODE_LIMITS[c.limit] + 1)];

      const refusedEncode = await runCli(encodeArgs(input, image));
      expect([refusedEncode.code, refusedEncode.stdout]).toEqual([1, '']);
      expect(refusedEncode.stderr).toMatch(c.encodeError);
      expect(existsSync(image)).toBe(false);

      const encoded = await runCli([...encodeArgs(input, image), ...raised]);
      expect([encoded.code, encoded.stderr]).toEqual([0, '']);
      expect(JSON.parse(encoded.stdout)).toEqual({ at: '0x10000', size: readFileSync(image).length });

      const refused = await runCli(decodeArgs(image));
      const annotated = await runCli([...decodeArgs(image), '--annotate', ...raised]);
      expect(annotated.code).toBe(0);
      const address = c.address(JSON.parse(annotated.stdout));
      expect(address).toMatch(/^0x1[0-9a-f]{4,}$/);
      expect([refused.code, refused.stdout, refused.stderr]).toEqual([1, '', c.decodeError(address as string)]);

      const decoded = await runCli([...decodeArgs(image), ...raised]);
      expect([decoded.code, decoded.stderr]).toEqual([0, '']);
      expect(JSON.parse(decoded.stdout)).toEqual(c.qs);
    },
  );

  it('maxTotalBytes: a set over a lowered limit is refused by encode and decode, and goes through at its size', async () => {
    const input = file('total.json', JSON.stringify(fullSet()));
    const image = join(work, 'total.bin');
    const encoded = await runCli(encodeArgs(input, image));
    const size: number = JSON.parse(encoded.stdout).size;
    const tooSmall = await runCli([
      ...encodeArgs(input, join(work, 'never.bin')),
      '--max-total-bytes',
      String(size - 1),
    ]);
    expect([tooSmall.code, tooSmall.stderr]).toEqual([
      1,
      `rnrkit: the image would be ${size} bytes, over maxTotalBytes (${size - 1}); --max-total-bytes N raises it\n`,
    ]);
    expect(existsSync(join(work, 'never.bin'))).toBe(false);
    expect((await runCli([...encodeArgs(input, image), '--max-total-bytes', String(size)])).code).toBe(0);

    const refused = await runCli([...decodeArgs(image), '--max-total-bytes', '200']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^rnrkit: [A-Za-z[\]0-9.]+: decoding \d+ more bytes at 0x1[0-9a-f]+ would exceed maxTotalBytes \(200\); --max-total-bytes N raises it\n$/,
    );
    const decoded = await runCli([...decodeArgs(image), '--max-total-bytes', '64K']);
    expect(JSON.parse(decoded.stdout)).toEqual(fullSet());
  });
});

describe('match holds an image to the same limits as decode', () => {
  const wide = overDefault.find((c) => c.limit === 'maxSockaddrLength')!;
  const imageOf = async (name: string, qs: QuerySetJson, raise: string[]) => {
    const image = join(work, `match-${name}.bin`);
    const input = file(`match-${name}.json`, JSON.stringify(qs));
    expect((await runCli([...encodeArgs(input, image), ...raise])).code).toBe(0);
    return image;
  };

  it('--max-count: an lpcsaBuffer just over the default is refused (exit 1, address), matched once raised', async () => {
    const count = DEFAULT_DECODE_LIMITS.maxCount + 1;
    const qs = {
      ...nullSet(),
      dwNumberOfCsAddrs: count,
      lpcsaBuffer: Array.from({ length: count }, () => entry(IPV4, null)),
    };
    const image = await imageOf('count', qs, ['--max-count', String(count)]);
    // The array's address is what the struct's lpcsaBuffer holds.
    const lpcsaBuffer = layoutOf('WSAQUERYSETW', 'x64').field('lpcsaBuffer').offset;
    const array = new DataView(readFileSync(image).buffer).getBigUint64(lpcsaBuffer, true);
    const one = file(
      'one.json',
      JSON.stringify({ ...nullSet(), dwNumberOfCsAddrs: 1, lpcsaBuffer: [entry(IPV4, null)] }),
    );
    const args = ['match', image, one, '--arch', 'x64', '--base', '0x10000'];
    const refused = await runCli(args);
    expect([refused.code, refused.stdout, refused.stderr]).toEqual([
      1,
      '',
      `rnrkit: lpcsaBuffer: dwNumberOfCsAddrs = 65537 exceeds maxCount (65536) for the array at 0x${array.toString(16)}; --max-count N raises it\n`,
    ]);
    const matched = await runCli([...args, '--max-count', String(count)]);
    expect([matched.code, matched.stderr, matched.stdout]).toEqual([0, '', '{"matched":[0],"unmatched":[]}\n']);
  });

  it('--max-sockaddr-length: a 129-byte sockaddr is refused (exit 1), matched once raised', async () => {
    const image = await imageOf('wide', wide.qs, ['--max-sockaddr-length', '129']);
    const same = file('wide.json', JSON.stringify(wide.qs));
    const args = ['match', same, image, '--arch', 'x64', '--base', '0x10000'];
    const refused = await runCli(args);
    expect([refused.code, refused.stdout]).toEqual([1, '']);
    expect(refused.stderr).toMatch(
      /^rnrkit: lpcsaBuffer\[0\]\.LocalAddr\.iSockaddrLength: iSockaddrLength 129 is over the limit of 128 bytes \(sockaddr at 0x1[0-9a-f]+\); --max-sockaddr-length N raises it\n$/,
    );
    const matched = await runCli([...args, '--max-sockaddr-length', '129']);
    expect([matched.code, matched.stdout]).toEqual([0, '{"matched":[0],"unmatched":[]}\n']);
  });
});

describe('finding a large set in a capture', () => {
  // 1025 addresses: within the codec's limits, above what the scanner believes of heap words by default (1024).
  const large: QuerySetJson = {
    ...fullSet(),
    dwNumberOfCsAddrs: 1025,
    lpcsaBuffer: Array.from({ length: 1025 }, () => entry(IPV4, null)),
  };
  const build = async () => {
    const image = join(work, 'large.bin');
    expect((await runCli(encodeArgs(file('large.json', JSON.stringify(large)), image))).code).toBe(0);
    const dump = join(work, 'large.dmp');
    writeFileSync(
      dump,
      new DumpBuilder()
        .systemInfo(PROCESSOR_ARCHITECTURE.PROCESSOR_ARCHITECTURE_AMD64)
        .memoryList([{ base: BASE, bytes: readFileSync(image) }])
        .build(),
    );
    return dump;
  };

  it('scan lists it once --max-count says such a set is legitimate; decode and annotate find it by themselves', async () => {
    const dump = await build();
    const plain = await runCli(['scan', dump]);
    expect([plain.code, plain.stdout]).toEqual([0, '']);
    const scanned = await runCli(['scan', dump, '--max-count', '2048']);
    expect(scanned.code).toBe(0);
    expect(JSON.parse(scanned.stdout.split('\n')[0]!)).toMatchObject({ at: '0x10000', arch: 'x64', charset: 'W' });

    expect((await runCli(['decode', dump])).code).not.toBe(0);
    const decoded = await runCli(['decode', dump, '--max-count', '2048']);
    expect([decoded.code, decoded.stderr]).toEqual([0, '']);
    expect(JSON.parse(decoded.stdout)).toEqual(large);

    const annotated = await runCli(['annotate', dump, '--max-count', '2048']);
    expect(annotated.code).toBe(0);
    expect(annotated.stdout).toMatch(/^WSAQUERYSETW at 0x10000 \(x64, 120 bytes\)\n/);
  });
});

describe('the limit options are checked alike by every command', () => {
  const image = file('full.bin', new Uint8Array(0));
  const commands: [string, string[]][] = [
    ['decode', ['decode', image, '--base', '0x10000', '--arch', 'x64']],
    ['encode', ['encode', image, '--base', '0x10000', '--arch', 'x64', '-o', join(work, 'x.bin')]],
    ['match', ['match', image, image, '--base', '0x10000', '--arch', 'x64']],
    ['scan', ['scan', image, '--base', '0x10000']],
    ['annotate', ['annotate', image, '--base', '0x10000', '--at', '0x10000']],
  ];

  it.each(commands)(
    '%s: a limit that is no whole number is a usage error (exit 2), before any file is read',
    async (_, args) => {
      for (const [value, shown] of [
        ['lots', '"lots"'],
        ['-1', '"-1"'],
        ['1e6', '"1e6"'],
        ['', '""'],
      ]) {
        const r = await runCli([...args, `--max-count=${value}`]);
        expect([r.code, r.stdout, r.stderr], value).toEqual([
          2,
          '',
          `rnrkit: --max-count ${shown}: expected a whole number, 0 or more, e.g. 131072 or 128K\n`,
        ]);
      }
    },
  );

  it('scan, annotate and match take only the limits they apply', async () => {
    for (const command of ['scan', 'annotate', 'match']) {
      const r = await runCli([command, image, '--base', '0x10000', '--max-total-bytes', '1M']);
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/^rnrkit: Unknown option '--max-total-bytes'/)]);
    }
  });
});
