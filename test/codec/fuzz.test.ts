import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/abi/types.js';
import { decodeQuerySet, decodeServiceClassInfo, encodeQuerySet } from '../../src/codec/index.js';
import { RnrError } from '../../src/errors.js';
import { RegionList } from '../../src/memory/region-list.js';
import { querySet } from '../helpers/arbitrary.js';
import { fullSet } from '../helpers/samples.js';
import { mutate, mutation } from './helpers/mutate.js';

/**
 * Mutated images (bit flips, overwritten bytes, pointers aimed at random
 * places in the image, truncation) must decode or fail with rnrkit's own
 * errors: no TypeError, no RangeError, no hang. Afterwards the decoder must
 * still decode a good image correctly (msgpack-javascript's fuzz pattern).
 */
const combos = (['x86', 'x64'] as Arch[]).flatMap((arch) =>
  (['W', 'A'] as const).map((charset) => ({ arch, charset })),
);

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
        const image = mutate(
          encodeQuerySet(fullSet(), { arch, charset, base }),
          mutations.filter((m) => m.kind !== 'truncate'),
          base,
          arch,
        );
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
