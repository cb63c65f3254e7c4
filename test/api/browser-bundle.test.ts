/**
 * The root entry is meant for browsers too. Bundle it the way a web app
 * would (esbuild, platform browser) and run the bundle in a bare JavaScript
 * context that has only what a page has (no require, process, Buffer or
 * node: modules): decode a real fixture, encode it back, match its addresses.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('the root entry in a browser bundle', () => {
  it('bundles without Node built-ins and decodes, encodes and matches in a page-like context', async () => {
    const bundle = await build({
      entryPoints: [join(root, 'src/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'rnrkit',
      write: false,
      logLevel: 'silent',
    });
    expect(bundle.errors).toEqual([]);
    const code = bundle.outputFiles[0]!.text;
    expect(code).not.toMatch(/\brequire\(/);

    const manifest = JSON.parse(readFileSync(join(root, 'fixtures/codec/images/sets-W-x64.json'), 'utf8')) as {
      base: string;
      sets: { name: string; at: string }[];
    };
    const set = manifest.sets.find((s) => s.name === 'ipv4_ipv6')!;
    const expected = JSON.parse(readFileSync(join(root, 'fixtures/codec/expected/x64/ipv4_ipv6.json'), 'utf8'));
    const image = readFileSync(join(root, 'fixtures/codec/images/sets-W-x64.img'));

    // A page's globals: the language built-ins plus the web's text codecs.
    const page = createContext({
      TextDecoder,
      TextEncoder,
      imageBytes: Array.from(image),
      base: Number(manifest.base),
      at: Number(set.at),
    });
    runInContext(code, page);
    const out = runInContext(
      `(() => {
        const hasNode = typeof require !== 'undefined' || typeof process !== 'undefined' || typeof Buffer !== 'undefined';
        const space = rnrkit.RegionList.flat(new Uint8Array(imageBytes), base);
        const qs = rnrkit.decodeQuerySet(space, at, { arch: 'x64', charset: 'W' });
        const image = rnrkit.encodeQuerySet(qs, { arch: 'x86', charset: 'W', base: 0x400000 });
        const again = rnrkit.decodeQuerySet(rnrkit.RegionList.flat(image, 0x400000), 0x400000, { arch: 'x86', charset: 'W' });
        const set = rnrkit.AddressSet.fromCanonical(qs.lpcsaBuffer);
        const match = set.matchAll(again.lpcsaBuffer);
        return JSON.stringify({ hasNode, qs, sameAddresses: JSON.stringify(again.lpcsaBuffer) === JSON.stringify(qs.lpcsaBuffer), match });
      })()`,
      page,
    );
    const result = JSON.parse(out as string);
    expect(result.hasNode).toBe(false);
    expect(result.qs).toEqual(expected);
    expect(result.sameAddresses).toBe(true);
    expect(result.match).toEqual({ matched: [0, 1, 2], unmatched: [] });
  });
});
