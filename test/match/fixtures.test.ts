import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { runCli } from '../helpers/cli.js';

/**
 * Matching against memory the real toolchain laid out: the codec's images
 * (query sets initialised statically by i686/x86_64-w64-mingw32-gcc, with
 * their walker's JSON as the independent reference) and the Wine minidump
 * (sets built on a real x64 heap, with the target's own JSON).
 */
const codec = (file: string) => new URL(`../../fixtures/codec/${file}`, import.meta.url);

interface ImageManifest {
  arch: 'x86' | 'x64';
  base: string;
  file: string;
  sets: { name: string; at: string; charset: 'W' | 'A'; expected: string }[];
}

function manifest(name: string): ImageManifest {
  return JSON.parse(readFileSync(codec(`images/${name}.json`), 'utf8')) as ImageManifest;
}

function expectedOf(path: string): QuerySetJson {
  return JSON.parse(readFileSync(codec(path), 'utf8')) as QuerySetJson;
}

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * The first entry whose IPROTOCOL_ANY (-1) has no substitute (the issue's
 * table, written out independently), or -1. Matching such a set is an
 * error (WSAEINVAL in the service), which these real sets exercise too.
 */
function firstUnsubstitutable(qs: QuerySetJson): number {
  const table: Record<number, number[]> = { 2: [1, 2], 23: [1, 2], 6: [2, 5], 32: [1] };
  const family = (hex: string | null, length: number) =>
    hex && length >= 2 ? parseInt(hex.slice(2, 4) + hex.slice(0, 2), 16) : undefined;
  return (qs.lpcsaBuffer ?? []).findIndex((e) => {
    if (e.iProtocol !== -1) return false;
    const f =
      family(e.LocalAddr.lpSockaddr, e.LocalAddr.iSockaddrLength) ??
      family(e.RemoteAddr.lpSockaddr, e.RemoteAddr.iSockaddrLength);
    return f === undefined || !(table[f] ?? []).includes(e.iSocketType);
  });
}

/** What `rnrkit match` must say for a set matched against itself. */
function expectSelfMatch(result: { code: number; stdout: string; stderr: string }, qs: QuerySetJson): void {
  const bad = firstUnsubstitutable(qs);
  if (bad < 0) {
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ matched: all(qs.lpcsaBuffer!.length), unmatched: [] });
  } else {
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^rnrkit: lpcsaBuffer\\[${bad}\\]\\.iProtocol: iProtocol is IPROTOCOL_ANY \\(-1\\) but `),
    );
  }
}

describe.each(['sets-W', 'sets-A'])('the mingw-w64 images %s', (name) => {
  const x86 = manifest(`${name}-x86`);
  const x64 = manifest(`${name}-x64`);
  const image = (m: ImageManifest) => codec(`images/${m.file}`).pathname;
  const withAddresses = x86.sets.filter((s) => (expectedOf(s.expected).lpcsaBuffer ?? []).length > 0);

  it('has sets with addresses to match, most of them matchable', () => {
    expect(withAddresses.length).toBeGreaterThan(0);
    expect(withAddresses.filter((s) => firstUnsubstitutable(expectedOf(s.expected)) < 0).length).toBeGreaterThan(
      withAddresses.length / 2,
    );
  });

  it.each(withAddresses.map((s) => [s.name, s] as const))(
    "%s: every entry in memory matches the walker's JSON, x86 and x64",
    async (_, set) => {
      for (const m of [x86, x64]) {
        const s = m.sets.find((t) => t.name === set.name)!;
        const qs = expectedOf(s.expected);
        const args = ['--arch', m.arch, '--charset', s.charset, '--base', m.base, '--at', s.at];
        expectSelfMatch(await runCli(['match', image(m), codec(s.expected).pathname, ...args]), qs);
        expectSelfMatch(await runCli(['match', codec(s.expected).pathname, image(m), ...args]), qs);
      }
    },
  );

  it.each(withAddresses.map((s) => [s.name, s] as const))(
    '%s: the x86 image matches the x64 image (other pointers, other layout)',
    async (_, set) => {
      const s64 = x64.sets.find((t) => t.name === set.name)!;
      const result = await runCli([
        'match',
        image(x86),
        image(x64),
        '--charset',
        set.charset,
        '--arch',
        'x86',
        '--arch',
        'x64',
        '--base',
        x86.base,
        '--base',
        x64.base,
        '--at',
        set.at,
        '--at',
        s64.at,
      ]);
      expectSelfMatch(result, expectedOf(set.expected));
    },
  );
});

describe.each(['corrupt-W-x86', 'corrupt-W-x64', 'corrupt-A-x86', 'corrupt-A-x64'])(
  'the corrupt mingw-w64 image %s',
  (name) => {
    const m = JSON.parse(readFileSync(codec(`images/${name}.json`), 'utf8')) as Omit<ImageManifest, 'sets'> & {
      sets: { name: string; at: string; charset: 'W' | 'A'; error: { field: string } }[];
    };
    // The sets whose damage is in the address array: matching must name it.
    const broken = m.sets.filter((s) => s.error.field.startsWith('lpcsaBuffer'));
    const other = codec('expected/x64/ipv4_ipv6.json').pathname;

    it('has sets damaged in lpcsaBuffer', () => {
      expect(broken.length).toBeGreaterThan(0);
    });

    it.each(broken.map((s) => [s.name, s] as const))(
      '%s: exit 1, naming the member the manifest names',
      async (_, set) => {
        for (const files of [
          [codec(`images/${m.file}`).pathname, other],
          [other, codec(`images/${m.file}`).pathname],
        ]) {
          const result = await runCli([
            'match',
            ...files,
            '--arch',
            m.arch,
            '--charset',
            set.charset,
            '--base',
            m.base,
            '--at',
            set.at,
          ]);
          expect(result.code).toBe(1);
          expect(result.stdout).toBe('');
          expect(result.stderr.startsWith(`rnrkit: ${set.error.field}`)).toBe(true);
          expect(result.stderr.split('\n')).toHaveLength(2);
        }
      },
    );
  },
);

describe('the Wine x64 minidump', () => {
  const dump = new URL('../../fixtures/dumps/wine-x64-sets.dmp.gz', import.meta.url).pathname;
  const sidecar = JSON.parse(
    readFileSync(new URL('../../fixtures/dumps/wine-x64-sets.json', import.meta.url), 'utf8'),
  ) as {
    sets: { name: string; at: string; charset: 'W' | 'A'; expected: QuerySetJson }[];
  };
  const withAddresses = sidecar.sets.filter((s) => (s.expected.lpcsaBuffer ?? []).length > 0);

  it.each(withAddresses.map((s) => [s.name, s] as const))(
    '%s: the heap set matches the JSON the target printed',
    async (_, set) => {
      const n = set.expected.lpcsaBuffer!.length;
      expect(firstUnsubstitutable(set.expected)).toBe(-1);
      const dir = mkdtempSync(join(tmpdir(), 'rnrkit-match-dump-'));
      try {
        const json = join(dir, `${set.name}.json`);
        writeFileSync(json, JSON.stringify(set.expected));
        expectSelfMatch(await runCli(['match', dump, json, '--at', set.at, '--charset', set.charset]), set.expected);
        // And the other way round, with one address changed: that one no longer matches.
        const changed = structuredClone(set.expected);
        const first = changed.lpcsaBuffer![0]!;
        first.iSocketType += 100;
        writeFileSync(json, JSON.stringify(changed));
        const reverse = await runCli(['match', json, dump, '--at', set.at, '--charset', set.charset]);
        expect(reverse.stderr).toBe('');
        expect(JSON.parse(reverse.stdout)).toEqual({ matched: all(n).slice(1), unmatched: [0] });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
