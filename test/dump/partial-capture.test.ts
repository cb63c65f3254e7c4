import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/abi/layout.js';
import { decodeQuerySet } from '../../src/codec/index.js';
import { bundledSets, openBundledDump } from '../../src/dump/fixtures.js';
import { RegionList } from '../../src/memory/region-list.js';
import { runCli } from '../helpers/cli.js';

/**
 * A set whose struct the capture holds only in part: the 120-byte x64 set
 * with its first 82 bytes captured (the case that used to answer only
 * "not in the captured memory"). Its pointees are captured in full.
 */
const md = openBundledDump();
const full = bundledSets().find((s) => s.name === 'w-full')!;
const CAPTURED = 82;
const work = mkdtempSync(join(tmpdir(), 'rnrkit-partial-'));
afterAll(() => {
  md.close();
  rmSync(work, { recursive: true, force: true });
});

/** The set's first 82 bytes, and the heap after the struct (where target.c put its pointees). */
function cutCapture(): { head: Uint8Array; rest: Uint8Array } {
  return { head: md.read(full.at, CAPTURED), rest: md.read(full.at + 120, 0x400) };
}

describe('lenient decode of a partly captured set', () => {
  it('decodes the captured members through their pointers, and the rest is null with $unresolved saying why', () => {
    const { head, rest } = cutCapture();
    const space = new RegionList([
      { base: full.at, bytes: head },
      { base: full.at + 120, bytes: rest },
    ]);
    const qs = decodeQuerySet(space, full.at, { arch: 'x64', charset: 'W', lenient: true }) as unknown as Record<
      string,
      unknown
    > & { $unresolved: { path: string; reason: string }[] };
    const expected = full.expected as unknown as Record<string, unknown>;
    const layout = layoutOf('WSAQUERYSETW', 'x64');
    const cut = layout.fields.filter((f) => f.offset + f.size > CAPTURED).map((f) => f.name);
    expect(cut).toEqual(['lpszQueryString', 'dwNumberOfCsAddrs', 'lpcsaBuffer', 'dwOutputFlags', 'lpBlob']);
    for (const f of layout.fields) expect(qs[f.name], f.name).toEqual(cut.includes(f.name) ? null : expected[f.name]);
    expect(qs.$unresolved.map((u) => u.path)).toEqual(cut);
    expect(qs.$unresolved[0]!.reason).toBe(
      "not captured: only the first 82 of WSAQUERYSETW's 120 bytes are in the capture",
    );
  });

  it('a member cut in two is not captured: neither the count nor the array it counts is made up', () => {
    // Cut inside dwNumberOfProtocols (+0x40, 4 bytes): it and lpafpProtocols (+0x48) are null, not decoded from zeros.
    const space = new RegionList([
      { base: full.at, bytes: md.read(full.at, 0x42) },
      { base: full.at + 120, bytes: cutCapture().rest },
    ]);
    const qs = decodeQuerySet(space, full.at, { arch: 'x64', charset: 'W', lenient: true }) as unknown as Record<
      string,
      unknown
    >;
    expect(qs.dwNumberOfProtocols).toBeNull();
    expect(qs.lpafpProtocols).toBeNull();
  });

  it('strict decode still refuses it; so does lenient decode when not even the first byte is captured', () => {
    const { head } = cutCapture();
    const space = new RegionList([{ base: full.at, bytes: head }]);
    expect(() => decodeQuerySet(space, full.at, { arch: 'x64', charset: 'W' })).toThrow(
      /^WSAQUERYSETW: 0x[0-9a-f]+\+120 is not in the captured memory$/,
    );
    expect(() => decodeQuerySet(space, full.at - 0x1000, { arch: 'x64', charset: 'W', lenient: true })).toThrow(
      /is not in the captured memory/,
    );
  });

  it('rnrkit decode --lenient exits 0 with the JSON and one warning', async () => {
    const { head, rest } = cutCapture();
    writeFileSync(join(work, 'head.bin'), head);
    writeFileSync(join(work, 'rest.bin'), rest);
    const { code, stdout, stderr } = await runCli([
      'decode',
      '--region',
      `0x${full.at.toString(16)}=${join(work, 'head.bin')}`,
      '--region',
      `0x${(full.at + 120).toString(16)}=${join(work, 'rest.bin')}`,
      '--arch',
      'x64',
      '--lenient',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ lpszServiceInstanceName: 'rnrkit-café-service', lpcsaBuffer: null });
    expect(stderr).toBe(
      `rnrkit: warning: the set at 0x${full.at.toString(16)} is only partly captured: lpszQueryString, dwNumberOfCsAddrs, lpcsaBuffer, dwOutputFlags, lpBlob not captured (null, see $unresolved)\n`,
    );
  });
});
