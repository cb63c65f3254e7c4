import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CsAddrInfoJson, QuerySetJson } from '../../src/codec/canonical.js';
import { runCli } from '../helpers/cli.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { entry, ipv4, ipv6, NONE, sa } from './canonical.js';

const dir = mkdtempSync(join(tmpdir(), 'rnrkit-match-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function querySet(entries: CsAddrInfoJson[] | null): QuerySetJson {
  return {
    dwSize: 120,
    lpszServiceInstanceName: 'svc',
    lpServiceClassId: '{0009006F-0000-0000-C000-000000000046}',
    lpVersion: null,
    lpszComment: null,
    dwNameSpace: 12,
    lpNSProviderId: null,
    lpszContext: null,
    dwNumberOfProtocols: 0,
    lpafpProtocols: null,
    lpszQueryString: null,
    dwNumberOfCsAddrs: entries?.length ?? 0,
    lpcsaBuffer: entries,
    dwOutputFlags: 0,
    lpBlob: null,
  };
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const V6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5];
const registered = [
  entry(sa(ipv4([10, 0, 0, 1], 80)), NONE, 1, 6),
  entry(sa(ipv6(V6, 443)), NONE, 2, -1),
  entry(sa(ipv4([10, 0, 0, 2], 80)), sa(ipv4([10, 9, 9, 9], 7)), 1, 6),
];
const request = [
  entry(sa(ipv4([10, 0, 0, 2], 80)), sa(ipv4([10, 9, 9, 9], 7)), 1, 6), // matches 2
  entry(sa(ipv4([10, 0, 0, 1], 80, [0, 0, 0, 0, 0, 0, 0, 1])), NONE, 1, 6), // sin_zero differs
  entry(sa(ipv6(V6, 443)), sa('', 0), 2, 17), // matches 1 after substitution
  entry(sa(ipv4([10, 0, 0, 3], 80)), NONE, 1, 6), // no such address
];

describe('rnrkit match', () => {
  const a = file('a.json', JSON.stringify(querySet(registered)));
  const b = file('b.json', `\n  ${JSON.stringify(querySet(request), null, 2)}`);

  it('prints the indices of B that do and do not match A exactly', async () => {
    expect(await runCli(['match', a, b])).toEqual({
      code: 0,
      stdout: '{"matched":[0,2],"unmatched":[1,3]}\n',
      stderr: '',
    });
  });

  it('--semantic ignores sin_zero', async () => {
    expect((await runCli(['match', a, b, '--semantic'])).stdout).toBe('{"matched":[0,1,2],"unmatched":[3]}\n');
  });

  it('reads query sets from memory images, x86 and x64, one --base/--at each', async () => {
    const x86 = new ImageBuilder('x86', 0x0040_0000, { gap: 7 });
    const at86 = x86.querySetFixedPart(registered);
    const x64 = new ImageBuilder('x64', 0x1_8000_0000);
    const at64 = x64.querySetFixedPart(request);
    const imageA = file('a.x86.bin', x86.image());
    const imageB = file('b.x64.bin', x64.image());
    // Arch differs between the two files here, so each side is run against the JSON of the other.
    expect(
      (await runCli(['match', imageA, b, '--arch', 'x86', '--base', '0x400000', '--at', `0x${at86.toString(16)}`]))
        .stdout,
    ).toBe('{"matched":[0,2],"unmatched":[1,3]}\n');
    expect(
      (await runCli(['match', a, imageB, '--arch', 'x64', '--base', '0x180000000', '--at', `0x${at64.toString(16)}`]))
        .stdout,
    ).toBe('{"matched":[0,2],"unmatched":[1,3]}\n');
    const x64a = new ImageBuilder('x64', 0x2_0000_0000);
    const atA = x64a.querySetFixedPart(registered);
    const imageA64 = file('a.x64.bin', x64a.image());
    expect(
      (
        await runCli([
          'match',
          imageA64,
          imageB,
          '--arch',
          'x64',
          '--base',
          '0x200000000',
          '--base',
          '0x180000000',
          '--at',
          `0x${atA.toString(16)}`,
          '--at',
          `0x${at64.toString(16)}`,
        ])
      ).stdout,
    ).toBe('{"matched":[0,2],"unmatched":[1,3]}\n');
  });

  it('a NULL lpcsaBuffer matches nothing and is matched by nothing', async () => {
    const none = file('none.json', JSON.stringify(querySet(null)));
    expect((await runCli(['match', none, b])).stdout).toBe('{"matched":[],"unmatched":[0,1,2,3]}\n');
    expect((await runCli(['match', a, none])).stdout).toBe('{"matched":[],"unmatched":[]}\n');
  });

  it('bad JSON is exit 1 with one line naming the member', async () => {
    const bad = structuredClone(request);
    bad[2]!.LocalAddr.lpSockaddr = 'zz';
    bad[2]!.LocalAddr.iSockaddrLength = 1;
    const result = await runCli(['match', a, file('bad.json', JSON.stringify(querySet(bad)))]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^rnrkit: lpcsaBuffer\[2\]\.LocalAddr\.lpSockaddr: .*\n$/);
    const notJson = await runCli(['match', a, file('broken.json', '{"dwSize": ')]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^rnrkit: .*broken\.json is not JSON: /);
  });

  it('an IPROTOCOL_ANY without a substitute is exit 1 naming the entry', async () => {
    const anyRaw = file('any.json', JSON.stringify(querySet([entry(sa(ipv4([1, 1, 1, 1], 1)), NONE, 3, -1)])));
    const result = await runCli(['match', a, anyRaw]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'rnrkit: lpcsaBuffer[0].iProtocol: iProtocol is IPROTOCOL_ANY (-1) but no protocol is acceptable for address family 2 with socket type 3\n',
    });
  });

  it('a pointer out of the image is exit 1 naming the member and address', async () => {
    const image = new ImageBuilder('x64', 0x10000);
    const at = image.querySetFixedPart(registered);
    image.pointer(image.pointerField(image.lastArray, 1, 'LocalAddr'), 0x7777_0000);
    const bytes = image.image();
    const result = await runCli([
      'match',
      file('bad.bin', bytes),
      b,
      '--arch',
      'x64',
      '--base',
      '0x10000',
      '--at',
      `0x${at.toString(16)}`,
    ]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'rnrkit: lpcsaBuffer[1].LocalAddr.lpSockaddr: 0x77770000+28 is not in the captured memory\n',
    });
  });

  it.each([
    [['match', 'only-one.json']],
    [['match', 'x', 'y', '--at', '1', '--at', '2', '--at', '3']],
    [['match', 'x', 'y', '--frobnicate']],
  ])('usage errors exit 2: %j', async (args) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^rnrkit: .*\n$/);
  });

  it('a raw image needs --base and --arch', async () => {
    const image = file('img.bin', new Uint8Array(64));
    expect((await runCli(['match', image, b, '--arch', 'x64'])).code).toBe(2);
    expect((await runCli(['match', image, b, '--base', '0x1000'])).code).toBe(2);
  });
});
