import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/abi/types.js';
import { decodeQuerySet, encodedSize, encodeInto, encodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { SAMPLES } from '../helpers/samples.js';

const cases = (['x86', 'x64'] as Arch[]).flatMap((arch) =>
  (['W', 'A'] as const).flatMap((charset) => Object.keys(SAMPLES).map((sample) => ({ arch, charset, sample }))),
);

describe('decode of independently built images', () => {
  it.each(cases)("$sample $arch $charset: the builder's layout decodes to its JSON", ({ arch, charset, sample }) => {
    const qs = SAMPLES[sample]!(charset);
    const b = new ImageBuilder(arch, 0x7ff6_1234_0000 % (arch === 'x86' ? 2 ** 32 : 2 ** 53));
    const at = b.querySet(qs, charset);
    const decoded = decodeQuerySet(RegionList.flat(b.image(), b.base), at, { arch, charset });
    expect(decoded).toStrictEqual(qs);
    expect(Object.keys(decoded)).toEqual(Object.keys(qs));
  });
});

describe('encode → decode', () => {
  it.each(cases)('$sample $arch $charset is the identity, and JSON text survives too', ({ arch, charset, sample }) => {
    const qs = SAMPLES[sample]!(charset);
    const base = arch === 'x86' ? 0x0040_3000 : 0x1_4000_7000;
    const image = encodeQuerySet(qs, { arch, charset, base });
    expect(image.length).toBe(encodedSize(qs, { arch, charset }));
    const space = RegionList.flat(image, base);
    expect(decodeQuerySet(space, base, { arch, charset })).toStrictEqual(qs);
    // Through JSON text: lone surrogates are escaped by JSON.stringify and come back.
    const again = JSON.parse(JSON.stringify(decodeQuerySet(space, base, { arch, charset }))) as typeof qs;
    expect(encodeQuerySet(again, { arch, charset, base })).toEqual(image);
  });

  it('is deterministic and depends on the base only through the pointers', () => {
    const qs = SAMPLES.full!('W');
    const a = encodeQuerySet(qs, { arch: 'x64', charset: 'W', base: 0x10000 });
    const b = encodeQuerySet(qs, { arch: 'x64', charset: 'W', base: 0x10000 });
    const c = encodeQuerySet(qs, { arch: 'x64', charset: 'W', base: 0x20000 });
    expect(a).toEqual(b);
    expect(c.length).toBe(a.length);
    expect(c).not.toEqual(a);
  });

  it('encodeInto writes the same image into caller memory, zeroing padding, and checks bounds', () => {
    const qs = SAMPLES.full!('A');
    const options = { arch: 'x86' as const, charset: 'A' as const };
    const image = encodeQuerySet(qs, { ...options, base: 0x5000 });
    const target = new Uint8Array(image.length + 24).fill(0xee);
    expect(encodeInto(qs, target, 8, 0x5000, options)).toBe(image.length);
    expect(target.subarray(8, 8 + image.length)).toEqual(image);
    expect(target.subarray(0, 8).every((b) => b === 0xee)).toBe(true);
    expect(target.subarray(8 + image.length).every((b) => b === 0xee)).toBe(true);
    expect(() => encodeInto(qs, target, 25, 0x5000, options)).toThrow(/needs \d+ bytes at offset 25/);
  });

  it('encodeInto works on a view into a larger buffer (a pooled Node Buffer)', () => {
    const qs = SAMPLES.full!('W');
    const options = { arch: 'x64' as const, charset: 'W' as const };
    const image = encodeQuerySet(qs, { ...options, base: 0x7000 });
    const pool = new Uint8Array(image.length + 100).fill(0x55);
    const view = pool.subarray(36, 36 + image.length + 16);
    expect(encodeInto(qs, view, 8, 0x7000, options)).toBe(image.length);
    expect(pool.subarray(44, 44 + image.length)).toEqual(image);
    expect(pool.subarray(0, 44).every((b) => b === 0x55)).toBe(true);
    expect(pool.subarray(44 + image.length).every((b) => b === 0x55)).toBe(true);
  });
});
