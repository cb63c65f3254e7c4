import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/abi/types.js';
import { decodeQuerySet, decodeServiceClassInfo, encodeQuerySet } from '../../src/codec/index.js';
import { RnrError } from '../../src/errors.js';
import { RegionList } from '../../src/memory/region-list.js';
import { querySet } from './helpers/arbitrary.js';
import { fullSet } from './helpers/samples.js';

/**
 * Mutated images (bit flips, overwritten bytes, pointers aimed at random
 * places in the image, truncation) must decode or fail with rnrkit's own
 * errors: no TypeError, no RangeError, no hang. Afterwards the decoder must
 * still decode a good image correctly (msgpack-javascript's fuzz pattern).
 */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'pointer'; at: number; target: number }
  | { kind: 'truncate'; keep: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('pointer' as const), at: fc.nat(), target: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
);

function mutate(image: Uint8Array, mutations: readonly Mutation[], base: number, arch: Arch): Uint8Array {
  let out = image.slice();
  const width = arch === 'x86' ? 4 : 8;
  for (const m of mutations) {
    if (out.length === 0) break;
    switch (m.kind) {
      case 'flip': out[m.at % out.length]! ^= 1 << m.bit; break;
      case 'byte': out[m.at % out.length] = m.value; break;
      case 'pointer': {
        // An aligned slot, aimed anywhere in (or just past) the image.
        const slot = Math.floor((m.at % out.length) / width) * width;
        if (slot + width > out.length) break;
        const value = base + (m.target % (out.length + 8));
        const view = new DataView(out.buffer, out.byteOffset);
        view.setUint32(slot, value % 2 ** 32, true);
        if (width === 8) view.setUint32(slot + 4, Math.floor(value / 2 ** 32), true);
        break;
      }
      case 'truncate': out = out.subarray(0, m.keep % (out.length + 1)); break;
    }
  }
  return out;
}

const combos = (['x86', 'x64'] as Arch[]).flatMap((arch) => (['W', 'A'] as const).map((charset) => ({ arch, charset })));

describe.each(combos)('fuzz $arch $charset', ({ arch, charset }) => {
  const base = arch === 'x86' ? 0x0080_0000 : 0x3_0000_0000;

  it('mutated images decode or fail with rnrkit errors only, in every mode', () => {
    fc.assert(
      fc.property(querySet(charset), fc.array(mutation, { minLength: 1, maxLength: 6 }), (qs, mutations) => {
        const image = mutate(encodeQuerySet(qs, { arch, charset, base }), mutations, base, arch);
        const space = RegionList.flat(image, base);
        for (const options of [{}, { lenient: true }, { annotate: true }, { lenient: true, annotate: true }]) {
          try {
            const result = decodeQuerySet(space, base, { arch, charset, ...options });
            // Whatever decodes must also survive JSON text.
            JSON.stringify(result);
          } catch (e) {
            if (!(e instanceof RnrError)) throw e;
            expect(e.message.length).toBeGreaterThan(0);
          }
          try {
            decodeServiceClassInfo(space, base, { arch, charset, ...options });
          } catch (e) {
            if (!(e instanceof RnrError)) throw e;
          }
        }
      }),
      { numRuns: 250 },
    );
    // The decoder still works after all that.
    const good = encodeQuerySet(fullSet(), { arch, charset, base });
    expect(decodeQuerySet(RegionList.flat(good, base), base, { arch, charset })).toStrictEqual(fullSet());
  });

  it('lenient decoding of a mutated image records what it could not resolve and never throws past the struct', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const image = mutate(encodeQuerySet(fullSet(), { arch, charset, base }), mutations.filter((m) => m.kind !== 'truncate'), base, arch);
        const result = decodeQuerySet(RegionList.flat(image, base), base, { arch, charset, lenient: true });
        for (const u of (result.$unresolved ?? []) as { path: string; reason: string }[]) {
          expect(u.path).toMatch(/^[A-Za-z]/);
          expect(u.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
