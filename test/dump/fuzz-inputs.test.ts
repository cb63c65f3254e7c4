import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonBytes } from '../../src/cli/json-input.js';
import { decodeQuerySet, encodeQuerySet } from '../../src/codec/index.js';
import { parseQuerySetJson } from '../../src/codec/parse.js';
import { annotateQuerySet } from '../../src/dump/annotate.js';
import { bundledSets } from '../../src/dump/fixtures.js';
import { inflateGzipFile } from '../../src/dump/gzip.js';
import { Minidump } from '../../src/dump/minidump.js';
import { scanQuerySets } from '../../src/dump/scan.js';
import { bytesSource } from '../../src/dump/source.js';
import { SourceRegions } from '../../src/dump/source-regions.js';
import { RnrError } from '../../src/errors.js';
import { type InputBounds, onlyErrors, withinBounds } from '../helpers/bounds.js';
import { encodeAt } from '../helpers/planted.js';
import { DumpBuilder } from './builder.js';

/**
 * Fuzz targets for the other capture-side inputs, in the pattern of
 * fuzz.test.ts (the Wine dump's mutations): raw images, gzip files and
 * query-set JSON text as the CLI reads it. Each input must end in a result
 * or in one of rnrkit's own errors (RnrError and its subclasses), within a
 * time bound and a heap bound per input. Runs are few and seeded, so CI
 * spends a few seconds here; RNRKIT_FUZZ_RUNS and RNRKIT_FUZZ_SEED widen a
 * local run.
 */
const RUNS = Number(process.env.RNRKIT_FUZZ_RUNS ?? 150);
const SEED = Number(process.env.RNRKIT_FUZZ_SEED ?? 20261203);
const BOUNDS: InputBounds = { ms: 2000, heapBytes: 48 << 20 };

const work = mkdtempSync(join(tmpdir(), 'rnrkit-fuzz-inputs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sets = bundledSets();
const BASE = 0x7ff6_1000_0000;

/** A small heap: every bundled set encoded for x64 one after another, 4 KiB apart. */
const heap = (() => {
  const bytes = new Uint8Array(sets.length * 0x1000);
  sets.forEach((s, i) => {
    bytes.set(encodeAt(s.expected, 'x64', s.charset, BASE + i * 0x1000), i * 0x1000);
  });
  return bytes;
})();

/** Byte patches: flips, boundary words, a truncation. */
const damage = (length: number) =>
  fc.record({
    bytes: fc.array(fc.tuple(fc.nat(length - 1), fc.nat(255)), { maxLength: 16 }),
    words: fc.array(
      fc.tuple(
        fc.nat(Math.floor(length / 4) - 1),
        fc.constantFrom(
          0,
          1,
          60,
          120,
          0xffff,
          0x10000,
          0x7fffffff,
          0xffffffff,
          BASE % 2 ** 32,
          Math.floor(BASE / 2 ** 32),
        ),
      ),
      { maxLength: 8 },
    ),
    cut: fc.option(fc.nat(length)),
  });
type Damage = { bytes: [number, number][]; words: [number, number][]; cut: number | null };

function damaged(original: Uint8Array, d: Damage): Uint8Array {
  const out = Uint8Array.from(original);
  const view = new DataView(out.buffer);
  for (const [at, value] of d.bytes) out[at] = value;
  for (const [w, value] of d.words) view.setUint32(w * 4, value >>> 0, true);
  return d.cut === null ? out : out.subarray(0, d.cut);
}

describe('fuzzing capture-side inputs', () => {
  it('raw images: decode, annotate and scan over positional file regions', async () => {
    await fc.assert(
      fc.asyncProperty(damage(heap.length), async (d) => {
        const bytes = damaged(heap, d);
        await withinBounds('raw image', BOUNDS, async () => {
          const space = new SourceRegions([{ base: BASE, source: bytesSource(bytes), label: 'mutant.bin' }]);
          try {
            for (const [i, s] of sets.entries()) {
              for (const lenient of [false, true])
                await onlyErrors([RnrError], () =>
                  decodeQuerySet(space, BASE + i * 0x1000, { arch: 'x64', charset: s.charset, lenient }),
                );
              await onlyErrors([RnrError], () =>
                annotateQuerySet(space, BASE + i * 0x1000, { arch: 'x64', charset: s.charset }),
              );
            }
            for (const c of scanQuerySets(space)) expect(c.at).toBeGreaterThanOrEqual(BASE);
          } finally {
            space.close();
          }
        });
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('gzip files: inflated as a stream, damage is an InvalidDataError, the result a minidump or a refusal', async () => {
    const dump = new DumpBuilder()
      .systemInfo(9)
      .memory64List([{ base: BASE, bytes: heap }])
      .build();
    const gz = gzipSync(dump);
    const file = join(work, 'mutant.dmp.gz');
    await fc.assert(
      fc.asyncProperty(
        damage(gz.length),
        fc.constantFrom(undefined, 4096, dump.length),
        async (d, maxInflatedBytes) => {
          writeFileSync(file, damaged(gz, d));
          await withinBounds('gzip', BOUNDS, () =>
            onlyErrors([RnrError], async () => {
              const source = await inflateGzipFile(file, maxInflatedBytes === undefined ? {} : { maxInflatedBytes });
              try {
                expect(source.size).toBeLessThanOrEqual(maxInflatedBytes ?? dump.length * 2);
                const md = new Minidump(source, 'mutant');
                for (const s of sets)
                  await onlyErrors([RnrError], () => decodeQuerySet(md, s.at, { arch: 'x64', charset: s.charset }));
                scanQuerySets(md);
              } finally {
                source.close();
              }
            }),
          );
        },
      ),
      { numRuns: Math.ceil(RUNS / 3), seed: SEED },
    );
  });

  it('query-set JSON text through the CLI reader: BOMs, broken UTF-8, cut text, wrong values', async () => {
    const texts = sets.map((s) => new TextEncoder().encode(JSON.stringify(s.expected)));
    const insert = fc.constantFrom(
      Uint8Array.of(0xef, 0xbb, 0xbf),
      Uint8Array.of(0xff, 0xfe),
      Uint8Array.of(0x80),
      Uint8Array.of(0xc0, 0xaf),
      Uint8Array.of(0xed, 0xa0, 0x80),
      Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
      Uint8Array.of(0x1b, 0x5b, 0x32, 0x4a),
      new TextEncoder().encode('"lpcsaBuffer":[{}],'),
      new TextEncoder().encode('99999999999999999999'),
    );
    const flips = fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(
        fc.nat(texts.length - 1),
        flips,
        fc.array(fc.tuple(fc.nat(), insert), { maxLength: 3 }),
        fc.option(fc.nat()),
        async (which, flipped, inserts, cut) => {
          let bytes: Uint8Array = Uint8Array.from(texts[which]!);
          for (const [at, value] of flipped) bytes[at % bytes.length] = value;
          for (const [at, piece] of inserts) {
            const i = at % (bytes.length + 1);
            const next = new Uint8Array(bytes.length + piece.length);
            next.set(bytes.subarray(0, i));
            next.set(piece, i);
            next.set(bytes.subarray(i), i + piece.length);
            bytes = next;
          }
          if (cut !== null) bytes = bytes.subarray(0, cut % (bytes.length + 1));
          await withinBounds('query-set JSON', BOUNDS, () =>
            onlyErrors([RnrError], () => {
              const qs = parseQuerySetJson(parseJsonBytes(bytes, 'fuzz.json'));
              encodeQuerySet(qs, { arch: 'x64', charset: 'W', base: BASE });
            }),
          );
        },
      ),
      { numRuns: RUNS * 2, seed: SEED },
    );
  });
});
