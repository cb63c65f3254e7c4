import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/abi/layout.js';
import { openCapture } from '../../src/cli/capture.js';
import { main } from '../../src/cli/main.js';
import { decodeQuerySet } from '../../src/codec/index.js';
import { BUNDLED_DUMP, bundledSets, openBundledDump } from '../../src/dump/fixtures.js';
import type { Minidump } from '../../src/dump/minidump.js';
import { runCli } from '../helpers/cli.js';
import { encodeAt, heapNoise, plantable } from '../helpers/planted.js';

const DUMP = BUNDLED_DUMP.path;
const sets = bundledSets();
const work = mkdtempSync(join(tmpdir(), 'rnrkit-dump-cli-'));
let md: Minidump;
beforeAll(() => {
  md = openBundledDump();
});
afterAll(() => {
  md.close();
  rmSync(work, { recursive: true, force: true });
});

const hex = (n: number) => `0x${n.toString(16)}`;

describe('rnrkit scan', () => {
  it('finds every planted set in the Wine dump, one JSON object per line, a planted set first', async () => {
    const { code, stdout, stderr } = await runCli(['scan', DUMP]);
    expect([code, stderr]).toEqual([0, '']);
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { at: string; arch: string; charset: string; score: number; reasons: string[] });
    for (const line of lines)
      expect(Object.keys(line).slice(0, 5)).toEqual(['at', 'arch', 'charset', 'score', 'reasons']);
    for (const set of sets) {
      const line = lines.find((l) => l.at === hex(set.at));
      expect(line, set.name).toBeDefined();
      expect([line!.arch, line!.charset]).toEqual(['x64', set.charset]);
    }
    expect(sets.map((s) => hex(s.at))).toContain(lines[0]!.at);
    expect(lines.map((l) => l.score)).toEqual([...lines.map((l) => l.score)].sort((a, b) => b - a));
  });

  it('draws a progress bar on stderr only when stderr is a terminal', async () => {
    let stderr = '';
    const code = await main(['scan', DUMP, '--limit', '1'], {
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
      },
      interactive: true,
    });
    expect(code).toBe(0);
    expect(stderr).toMatch(/\rscanning \[#+\] 100%/);
    expect((await runCli(['scan', DUMP, '--limit', '1'])).stderr).toBe('');
  });

  it('scans raw captures: FILE at --base, and --region ADDR=FILE without FILE', async () => {
    const arch = 'x86';
    const base = 0x00c30000;
    const image = heapNoise(256 * 1024, 9, base);
    const planted = plantable(arch).map((p, i) => {
      const at = base + 0x1000 + i * 0x4000;
      image.set(encodeAt(p.qs, arch, p.charset, at), at - base);
      return { at, charset: p.charset };
    });
    const file = join(work, 'x86.bin');
    writeFileSync(file, image);
    for (const args of [
      [file, '--base', hex(base)],
      ['--region', `${hex(base)}=${file}`],
    ]) {
      const { code, stdout } = await runCli(['scan', ...args, '--arch', 'x86']);
      expect(code).toBe(0);
      const lines = stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { at: string; charset: string });
      for (const p of planted) expect(lines.find((l) => l.at === hex(p.at))?.charset).toBe(p.charset);
      expect(planted.map((p) => hex(p.at))).toContain(lines[0]!.at);
    }
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCli(['scan'])).code).toBe(2);
    expect((await runCli(['scan', DUMP, '--base', '0x1000'])).stderr).toMatch(
      /is a minidump: .*--base is for raw images/,
    );
    expect((await runCli(['scan', '--region', 'nonsense'])).code).toBe(2);
    expect((await runCli(['scan', DUMP, '--arch', 'arm64'])).code).toBe(2);
  });
});

describe('rnrkit decode DUMP (through openCapture)', () => {
  it('decodes each planted set by address, the arch from the dump', async () => {
    for (const set of sets) {
      const { code, stdout, stderr } = await runCli(['decode', DUMP, '--at', hex(set.at), '--charset', set.charset]);
      expect([code, stderr], set.name).toEqual([0, '']);
      expect(JSON.parse(stdout)).toEqual(set.expected);
    }
  });

  it('takes x86 from a real x86 dump (a 32-bit process under Wine) and decodes its sets to what the process printed', async () => {
    const file = fileURLToPath(new URL('../../fixtures/dumps/wine-x86-sets.dmp.gz', import.meta.url));
    const sidecar = JSON.parse(
      readFileSync(new URL('../../fixtures/dumps/wine-x86-sets.json', import.meta.url), 'utf8'),
    ) as { arch: string; sets: { at: string; charset: string; expected: unknown }[] };
    expect(sidecar.arch).toBe('x86');
    for (const set of sidecar.sets) {
      const { code, stdout } = await runCli(['decode', file, '--at', set.at, '--charset', set.charset]);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual(set.expected);
    }
    const lines = (await runCli(['scan', file])).stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { at: string; arch: string; charset: string });
    expect(lines.every((l) => l.arch === 'x86')).toBe(true);
    for (const set of sidecar.sets) expect(lines.find((l) => l.at === set.at)?.charset).toBe(set.charset);
  });

  it('without --at, decodes the best scan candidate with its charset', async () => {
    const { code, stdout } = await runCli(['decode', DUMP]);
    expect(code).toBe(0);
    expect(sets.map((s) => s.expected)).toContainEqual(JSON.parse(stdout));
  });
});

describe('a truncated dump on the command line', () => {
  it('decodes what is there and names the address the file ends before', async () => {
    const full = sets.find((s) => s.name === 'w-full')!;
    // Cut the file where lpcsaBuffer[1].RemoteAddr's sockaddr starts (its address from the pristine dump).
    const pristine = md.read(full.at, 120);
    const cs = Number(
      new DataView(pristine.buffer, pristine.byteOffset).getBigUint64(
        layoutOf('WSAQUERYSETW', 'x64').field('lpcsaBuffer').offset,
        true,
      ),
    );
    const csa = layoutOf('CSADDR_INFO', 'x64');
    const entry = md.read(cs + csa.size, csa.size);
    const sockaddr = Number(
      new DataView(entry.buffer, entry.byteOffset).getBigUint64(csa.field('RemoteAddr').offset, true),
    );
    const segment = md.memoryRanges().find((s) => sockaddr >= s.base && sockaddr < s.base + s.length)!;
    const file = join(work, 'truncated.dmp');
    writeFileSync(file, gunzipSync(readFileSync(DUMP)).subarray(0, segment.fileOffset + (sockaddr - segment.base)));
    const strict = await runCli(['decode', file, '--at', hex(full.at)]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toBe(
      `rnrkit: lpcsaBuffer[1].RemoteAddr.lpSockaddr: ${hex(sockaddr)}+28 is not in the captured memory: the dump file ends before the bytes at ${hex(sockaddr)} (${segment.origin} is truncated)\n`,
    );
    const lenient = JSON.parse((await runCli(['decode', file, '--at', hex(full.at), '--lenient'])).stdout) as {
      lpszServiceInstanceName: string;
      $unresolved: { path: string }[];
    };
    expect(lenient.lpszServiceInstanceName).toBe(full.expected.lpszServiceInstanceName);
    expect(lenient.$unresolved[0]!.path).toBe('lpcsaBuffer[1].RemoteAddr.lpSockaddr');
    const scan = (await runCli(['scan', file])).stdout
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { at: string }).at);
    expect(scan).toContain(hex(full.at));
  });
});

describe('openCapture (what `rnrkit decode DUMP --at ADDR` opens)', () => {
  it('recognises a minidump by its signature, gzipped or not, with the arch from SystemInfo', async () => {
    const capture = await openCapture(DUMP);
    try {
      expect([capture.kind, capture.arch]).toEqual(['minidump', 'x64']);
      for (const set of sets)
        expect(decodeQuerySet(capture.space, set.at, { arch: capture.arch!, charset: set.charset })).toEqual(
          set.expected,
        );
      // Without --at, the best scan candidate is where the set most likely is.
      expect(sets.map((s) => s.at)).toContain(capture.defaultAt);
    } finally {
      capture.close();
    }
  });

  it('combines --region files into one space where adjacent regions read as one', async () => {
    const full = sets.find((s) => s.name === 'w-full')!;
    // Cut the set's heap neighbourhood into two adjacent raw files, mid-struct.
    const start = full.at - 0x40;
    const bytes = md.read(start, 0x800);
    writeFileSync(join(work, 'a.bin'), bytes.subarray(0, 0x60));
    writeFileSync(join(work, 'b.bin'), bytes.subarray(0x60));
    const capture = await openCapture(undefined, {
      regions: [`${hex(start)}=${join(work, 'a.bin')}`, `${hex(start + 0x60)}=${join(work, 'b.bin')}`],
    });
    try {
      expect(capture.kind).toBe('raw');
      expect(decodeQuerySet(capture.space, full.at, { arch: 'x64', charset: 'W' })).toEqual(full.expected);
    } finally {
      capture.close();
    }
  });
});

describe('rnrkit regions', () => {
  it('lists arch, ranges, modules and streams of the Wine dump as JSON', async () => {
    const { code, stdout } = await runCli(['regions', DUMP]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      kind: string;
      arch: string;
      modules: { name: string }[];
      ranges: { base: string; length: number }[];
      streams: { type: string }[];
      segments: unknown[];
      warnings: string[];
    };
    expect([report.kind, report.arch]).toEqual(['minidump', 'x64']);
    expect(report.modules.map((m) => m.name)).toContain('C:\\rnrkit\\target-x64.exe');
    expect(report.streams.map((s) => s.type)).toContain('0xfff0');
    expect(report.ranges).toEqual(
      md.ranges().map((r) => ({ base: hex(r.base), end: hex(r.base + r.length), length: r.length })),
    );
    expect(report.segments).toHaveLength(md.memoryRanges().length);
    expect(report.warnings).toEqual([]);
  });

  it("lists a raw capture's ranges", async () => {
    writeFileSync(join(work, 'r.bin'), new Uint8Array(32));
    const { stdout } = await runCli([
      'regions',
      '--region',
      `0x1000=${join(work, 'r.bin')}`,
      '--region',
      `0x1020=${join(work, 'r.bin')}`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({
      kind: 'raw',
      arch: null,
      mapped: 64,
      ranges: [{ base: '0x1000', end: '0x1040', length: 64 }],
    });
  });
});

describe('rnrkit annotate', () => {
  it('labels every member at its layoutOf offset, with the bytes, and follows the pointers', async () => {
    const full = sets.find((s) => s.name === 'w-full')!;
    const { code, stdout } = await runCli(['annotate', DUMP, '--at', hex(full.at)]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    // The Wine dump keeps the PEB, so the set is labelled with the process heap it lies in.
    expect(lines[0]).toMatch(new RegExp(`^WSAQUERYSETW at ${hex(full.at)} \\(x64, 120 bytes\\) — heap 0x[0-9a-f]+$`));
    expect(stdout).toMatch(/lpszServiceInstanceName +: 0x00000000`[0-9a-f]{8} → heap 0x[0-9a-f]+ /);
    const layout = layoutOf('WSAQUERYSETW', 'x64');
    const raw = md.read(full.at, layout.size);
    for (const field of layout.fields) {
      const bytes = [...raw.subarray(field.offset, field.offset + field.size)]
        .map((b) => b.toString(16).padStart(2, '0'))
        .join(' ');
      const line = lines.find((l) =>
        l.startsWith(`   +0x${field.offset.toString(16).padStart(3, '0')} ${field.name} `),
      );
      expect(line, field.name).toBeDefined();
      expect(line!.endsWith(bytes), `${field.name} shows its bytes`).toBe(true);
    }
    expect(stdout).toContain('(padding)');
    expect(stdout).toContain('lpszServiceInstanceName at ');
    expect(stdout).toContain('"rnrkit-café-service"');
    expect(stdout).toContain('{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}');
    expect(stdout).toMatch(/lpcsaBuffer at 0x[0-9a-f]+ \(CSADDR_INFO\[3\], x64, 120 bytes\)/);
    expect(stdout).toMatch(
      /lpcsaBuffer\[0\]\.RemoteAddr\.lpSockaddr at 0x[0-9a-f]+ \(SOCKADDR_IN, iSockaddrLength 16\)/,
    );
    expect(stdout).toMatch(/sin_addr +: 192\.0\.2\.10 +c0 00 02 0a/);
    expect(stdout).toContain('port 8080 (network order)');
    expect(stdout).toMatch(/sin6_addr +: 2001:db8::5 /);
    expect(stdout).toMatch(
      /lpBlob\.pBlobData at 0x[0-9a-f]+ \(BYTE\[5\], 5 bytes\) — heap 0x[0-9a-f]+\n +0x[0-9a-f]+ +01 02 03 04 05/,
    );
  });

  it('annotates an x86 set in raw memory with x86 offsets', async () => {
    const [w] = plantable('x86');
    const at = 0x00c41230;
    writeFileSync(join(work, 'x86-set.bin'), encodeAt(w!.qs, 'x86', 'W', at));
    const { code, stdout } = await runCli([
      'annotate',
      '--region',
      `${hex(at)}=${join(work, 'x86-set.bin')}`,
      '--arch',
      'x86',
    ]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(`WSAQUERYSETW at ${hex(at)} (x86, 60 bytes)`);
    for (const field of layoutOf('WSAQUERYSETW', 'x86').fields)
      expect(stdout).toContain(`   +0x${field.offset.toString(16).padStart(3, '0')} ${field.name} `);
    expect(stdout).not.toContain('(padding)');
    expect(stdout).toMatch(/lpszServiceInstanceName +: 0x[0-9a-f]{8} /);
  });

  it('shows the ANSI set with --charset A, and a pointee outside the capture as such', async () => {
    const ansi = sets.find((s) => s.charset === 'A')!;
    const { stdout } = await runCli(['annotate', DUMP, '--at', hex(ansi.at), '--charset', 'A']);
    expect(stdout.split('\n')[0]).toMatch(new RegExp(`^WSAQUERYSETA at ${hex(ansi.at)} \\(x64, 120 bytes\\) — heap `));
    expect(stdout).toMatch(
      /lpszServiceInstanceName at 0x[0-9a-f]+ \(CHAR\[17\], 17 bytes\): "rnrkit-ansi-café" — heap /,
    );

    // The set alone, without its pointees: annotate still shows it.
    const bytes = md.read(ansi.at, 120);
    writeFileSync(join(work, 'alone.bin'), bytes);
    const alone = await runCli([
      'annotate',
      join(work, 'alone.bin'),
      '--base',
      hex(ansi.at),
      '--arch',
      'x64',
      '--charset',
      'A',
    ]);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/lpszServiceInstanceName at 0x[0-9a-f]+: not in the captured memory/);
  });

  it('shows a set whose struct is only partly captured as far as it goes, the rest as ??, with a warning (exit 0)', async () => {
    const full = sets.find((s) => s.name === 'w-full')!;
    // The set's first 82 bytes and everything it points to, in one raw region each: the struct's tail is missing.
    const head = md.read(full.at, 82);
    writeFileSync(join(work, 'head.bin'), head);
    const { code, stdout, stderr } = await runCli([
      'annotate',
      '--region',
      `${hex(full.at)}=${join(work, 'head.bin')}`,
      '--arch',
      'x64',
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe(
      `rnrkit: warning: WSAQUERYSETW at ${hex(full.at)}: only its first 82 of 120 bytes are captured (${hex(full.at)}+120 is not in the captured memory); the members after them are shown as ??\n`,
    );
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`WSAQUERYSETW at ${hex(full.at)} (x64, 120 bytes, 82 captured)`);
    const layout = layoutOf('WSAQUERYSETW', 'x64');
    for (const field of layout.fields) {
      const line = lines.find((l) =>
        l.startsWith(`   +0x${field.offset.toString(16).padStart(3, '0')} ${field.name} `),
      )!;
      if (field.offset + field.size <= 82) {
        const bytes = [...head.subarray(field.offset, field.offset + field.size)]
          .map((b) => b.toString(16).padStart(2, '0'))
          .join(' ');
        expect(line.endsWith(bytes), field.name).toBe(true);
      } else {
        expect(line, field.name).toMatch(/: \?\? \(not captured\) +(?:[0-9a-f]{2} )*\?\?( \?\?)*$/);
      }
    }
    // lpszQueryString (+0x50, 8 bytes, NULL in this set) straddles the cut: its two captured bytes are shown, the rest ??.
    expect(lines.find((l) => l.includes(' lpszQueryString '))).toMatch(
      /^ {3}\+0x050 lpszQueryString +: \?\? \(not captured\) +00 00 \?\? \?\? \?\? \?\? \?\? \?\?$/,
    );
    // Pointers in the captured part are still followed (they point outside this region: shown as not captured).
    expect(stdout).toMatch(/lpszServiceInstanceName at 0x[0-9a-f]+: not in the captured memory/);
  });

  it('exits 1 naming the address when the set itself is not there', async () => {
    const { code, stderr } = await runCli(['annotate', DUMP, '--at', '0x10']);
    expect(code).toBe(1);
    expect(stderr).toBe('rnrkit: 0x10+120 is not in the captured memory\n');
  });
});
