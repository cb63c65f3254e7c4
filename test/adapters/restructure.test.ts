import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/abi/types.js';
import { restructureCodecOf } from '../../src/adapters/index.js';
import type { QuerySetJson, ServiceClassInfoJson } from '../../src/codec/canonical.js';
import {
  decodeQuerySet,
  decodeServiceClassInfo,
  encodeQuerySet,
  encodeServiceClassInfo,
} from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { querySet } from '../helpers/arbitrary.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { SAMPLES } from '../helpers/samples.js';

/**
 * restructure, driven by schemas generated from the same table but walking
 * pointers with its own machinery, is the second opinion on every image.
 */
const combos = (['x86', 'x64'] as Arch[]).flatMap((arch) =>
  (['W', 'A'] as const).map((charset) => ({ arch, charset })),
);

describe.each(combos)('restructure oracle, $arch $charset', ({ arch, charset }) => {
  const base = arch === 'x86' ? 0x0060_0000 : 0x2_0000_0000;
  const oracle = restructureCodecOf<QuerySetJson>(`WSAQUERYSET${charset}`, arch);

  it.each(Object.keys(SAMPLES))("%s: restructure decodes rnrkit's image, rnrkit decodes restructure's", (name) => {
    const qs = SAMPLES[name]!(charset);
    expect(oracle.decode(encodeQuerySet(qs, { arch, charset, base }), base, base)).toStrictEqual(qs);
    expect(decodeQuerySet(RegionList.flat(oracle.encode(qs, base), base), base, { arch, charset })).toStrictEqual(qs);
  });

  it('agrees with rnrkit on random sets, both directions', () => {
    fc.assert(
      fc.property(querySet(charset), (qs) => {
        expect(oracle.decode(encodeQuerySet(qs, { arch, charset, base }), base, base)).toStrictEqual(qs);
        expect(decodeQuerySet(RegionList.flat(oracle.encode(qs, base), base), base, { arch, charset })).toStrictEqual(
          qs,
        );
      }),
      { numRuns: 60 },
    );
  });

  it("decodes the independent builder's images (pointees in reverse order, gaps) like rnrkit", () => {
    fc.assert(
      fc.property(querySet(charset), (qs) => {
        const b = new ImageBuilder(arch, base);
        const at = b.querySet(qs, charset);
        expect(oracle.decode(b.image(), base, at)).toStrictEqual(qs);
      }),
      { numRuns: 40 },
    );
  });

  it('lays every pointee on an 8-byte boundary despite restructure packing its tail', () => {
    const qs = SAMPLES.full!(charset);
    const image = oracle.encode(qs, base);
    const annotated = decodeQuerySet(RegionList.flat(image, base), base, { arch, charset, annotate: true });
    const addresses: number[] = [];
    JSON.stringify(annotated, (key, value: unknown) => {
      if (key.startsWith('$') && key !== '$sockaddr' && typeof value === 'string') addresses.push(Number(value));
      return value;
    });
    expect(addresses.length).toBeGreaterThan(10);
    for (const a of addresses) expect(a % 8).toBe(0);
  });

  it('service class info: both directions', () => {
    const info = {
      lpServiceClassId: '{0002A800-0000-0000-C000-000000000046}',
      lpszServiceClassName: 'hostname',
      dwCount: 2,
      lpClassInfos: [
        { lpszName: 'SapId', dwNameSpace: 1, dwValueType: 4, dwValueSize: 2, lpValue: '0004' },
        { lpszName: '', dwNameSpace: 12, dwValueType: 3, dwValueSize: 0, lpValue: null },
      ],
    };
    const codec = restructureCodecOf<ServiceClassInfoJson>(`WSASERVICECLASSINFO${charset}`, arch);
    expect(codec.decode(encodeServiceClassInfo(info, { arch, charset, base }), base, base)).toStrictEqual(info);
    expect(
      decodeServiceClassInfo(RegionList.flat(codec.encode(info, base), base), base, { arch, charset }),
    ).toStrictEqual(info);
  });
});
