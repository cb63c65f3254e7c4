import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/abi/types.js';
import { decodeQuerySet, encodedSize, encodeQuerySet, parseQuerySetJson } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { querySet } from '../helpers/arbitrary.js';
import { sizeOf } from '../helpers/ground-truth.js';
import { ImageBuilder } from '../helpers/image-builder.js';

const combos = (['x86', 'x64'] as Arch[]).flatMap((arch) =>
  (['W', 'A'] as const).map((charset) => ({ arch, charset })),
);
const RUNS = 150;

describe.each(combos)('random sets, $arch $charset', ({ arch, charset }) => {
  const base = arch === 'x86' ? 0x0100_0000 : 0x7ff7_0000_0000;

  it('encode → decode is the identity (and through JSON text too)', () => {
    fc.assert(
      fc.property(querySet(charset), (qs) => {
        const image = encodeQuerySet(qs, { arch, charset, base });
        expect(image.length).toBe(encodedSize(qs, { arch, charset }));
        const decoded = decodeQuerySet(RegionList.flat(image, base), base, { arch, charset });
        expect(decoded).toStrictEqual(qs);
        expect(parseQuerySetJson(JSON.parse(JSON.stringify(decoded)))).toStrictEqual(qs);
      }),
      { numRuns: RUNS },
    );
  });

  it('images laid out by an independent builder decode to their JSON', () => {
    fc.assert(
      fc.property(querySet(charset), (qs) => {
        const b = new ImageBuilder(arch, base);
        const at = b.querySet(qs, charset);
        expect(decodeQuerySet(RegionList.flat(b.image(), base), at, { arch, charset })).toStrictEqual(qs);
      }),
      { numRuns: RUNS },
    );
  });

  it('every pointee is naturally aligned and inside the image; padding is zero', () => {
    fc.assert(
      fc.property(querySet(charset), (qs) => {
        const image = encodeQuerySet(qs, { arch, charset, base });
        const annotated = decodeQuerySet(RegionList.flat(image, base), base, { arch, charset, annotate: true });
        const used = new Uint8Array(image.length);
        checkPlacement(annotated as unknown as Record<string, unknown>, base, image.length, charset, arch, used);
        // Every byte either belongs to something placed or is zero.
        image.forEach((byte, i) => {
          if (!used[i]) expect(byte).toBe(0);
        });
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * Walk an annotated decode: each `$name` address must be aligned as
 * encoder.ts promises and lie inside the image. Marks the bytes each
 * pointee covers in `used`, so the caller can check the rest is padding.
 */
function checkPlacement(
  node: Record<string, unknown>,
  base: number,
  size: number,
  charset: 'W' | 'A',
  arch: Arch,
  used: Uint8Array,
): void {
  const mark = (address: number, length: number) => {
    expect(address - base + length).toBeLessThanOrEqual(size);
    for (let i = 0; i < length; i++) used[address - base + i] = 1;
  };
  const unit = charset === 'W' ? 2 : 1;
  const pointer = arch === 'x86' ? 4 : 8;
  if (typeof node.$at === 'string' && 'dwSize' in node) mark(Number(node.$at), sizeOf(arch, `WSAQUERYSET${charset}`));
  for (const [key, value] of Object.entries(node)) {
    if (!key.startsWith('$') || key === '$at' || key === '$sockaddr') continue;
    const member = key.slice(1);
    const address = Number(value);
    const v = node[member];
    if (member.startsWith('lpsz')) {
      expect(address % unit).toBe(0);
      mark(address, ((v as string).length + 1) * unit);
    } else if (member === 'lpServiceClassId' || member === 'lpNSProviderId') {
      expect(address % 4).toBe(0);
      mark(address, 16);
    } else if (member === 'lpSockaddr' || member === 'pBlobData') {
      expect(address % 8).toBe(0);
      mark(address, (v as string).length / 2);
    } else if (member === 'lpVersion' || member === 'lpafpProtocols') {
      expect(address % 4).toBe(0);
      mark(
        address,
        sizeOf(arch, member === 'lpVersion' ? 'WSAVERSION' : 'AFPROTOCOLS') * (Array.isArray(v) ? v.length : 1),
      );
    } else if (member === 'lpcsaBuffer' || member === 'lpBlob') {
      expect(address % pointer).toBe(0);
      mark(address, sizeOf(arch, member === 'lpBlob' ? 'BLOB' : 'CSADDR_INFO') * (Array.isArray(v) ? v.length : 1));
    }
  }
  // The fixed parts of nested structs are covered by their parent's mark; recurse for their pointees.
  for (const value of Object.values(node)) {
    if (Array.isArray(value))
      for (const e of value) checkPlacement(e as Record<string, unknown>, base, size, charset, arch, used);
    else if (value && typeof value === 'object' && '$at' in value)
      checkPlacement(value as Record<string, unknown>, base, size, charset, arch, used);
  }
}
