import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/abi/types.js';
import type { ServiceClassInfoJson } from '../../src/codec/canonical.js';
import { decodeServiceClassInfo, encodeServiceClassInfo, parseServiceClassInfoJson } from '../../src/codec/index.js';
import { InvalidDataError } from '../../src/errors.js';
import { RegionList } from '../../src/memory/region-list.js';
import { offsetOf, sizeOf } from '../helpers/ground-truth.js';
import { ImageBuilder } from '../helpers/image-builder.js';

/** Lay out a WSASERVICECLASSINFO with the test builder (ground-truth offsets). */
function build(b: ImageBuilder, info: ServiceClassInfoJson, charset: 'W' | 'A'): number {
  const S = `WSASERVICECLASSINFO${charset}`;
  const N = `WSANSCLASSINFO${charset}`;
  const at = b.reserve(sizeOf(b.arch, S));
  b.u32(at + offsetOf(b.arch, S, 'dwCount'), info.dwCount);
  if (info.lpServiceClassId !== null)
    b.pointer(at + offsetOf(b.arch, S, 'lpServiceClassId'), b.guid(info.lpServiceClassId));
  if (info.lpszServiceClassName !== null)
    b.pointer(at + offsetOf(b.arch, S, 'lpszServiceClassName'), b.string(info.lpszServiceClassName, charset));
  if (info.lpClassInfos) {
    const size = sizeOf(b.arch, N);
    const arr = b.reserve(size * info.lpClassInfos.length);
    info.lpClassInfos.forEach((c, i) => {
      const e = arr + i * size;
      if (c.lpszName !== null) b.pointer(e + offsetOf(b.arch, N, 'lpszName'), b.string(c.lpszName, charset));
      b.u32(e + offsetOf(b.arch, N, 'dwNameSpace'), c.dwNameSpace);
      b.u32(e + offsetOf(b.arch, N, 'dwValueType'), c.dwValueType);
      b.u32(e + offsetOf(b.arch, N, 'dwValueSize'), c.dwValueSize);
      if (c.lpValue !== null) b.pointer(e + offsetOf(b.arch, N, 'lpValue'), b.hexBytes(c.lpValue));
    });
    b.pointer(at + offsetOf(b.arch, S, 'lpClassInfos'), arr);
  }
  return at;
}

const INFO: ServiceClassInfoJson = {
  lpServiceClassId: '{0002A800-0000-0000-C000-000000000046}',
  lpszServiceClassName: 'hostname',
  dwCount: 3,
  lpClassInfos: [
    { lpszName: 'SapId', dwNameSpace: 1, dwValueType: 4, dwValueSize: 2, lpValue: '0004' },
    { lpszName: 'ConnectionOriented', dwNameSpace: 0, dwValueType: 4, dwValueSize: 4, lpValue: '01000000' },
    { lpszName: null, dwNameSpace: 12, dwValueType: 3, dwValueSize: 7, lpValue: null },
  ],
};

describe.each(
  (['x86', 'x64'] as Arch[]).flatMap((arch) => (['W', 'A'] as const).map((charset) => ({ arch, charset }))),
)('WSASERVICECLASSINFO $arch $charset', ({ arch, charset }) => {
  it('decodes with its WSANSCLASSINFO array, lpValue as hex of dwValueSize bytes', () => {
    const b = new ImageBuilder(arch, 0x70000);
    const at = build(b, INFO, charset);
    expect(decodeServiceClassInfo(RegionList.flat(b.image(), 0x70000), at, { arch, charset })).toStrictEqual(INFO);
  });

  it('round-trips through encodeServiceClassInfo and parseServiceClassInfoJson', () => {
    const image = encodeServiceClassInfo(INFO, { arch, charset, base: 0x80000 });
    const decoded = decodeServiceClassInfo(RegionList.flat(image, 0x80000), 0x80000, { arch, charset });
    expect(parseServiceClassInfoJson(JSON.parse(JSON.stringify(decoded)))).toStrictEqual(INFO);
  });

  it('dwValueSize is checked against maxBlobSize and the path names the entry', () => {
    const b = new ImageBuilder(arch, 0x70000);
    const at = build(b, INFO, charset);
    const e = (() => {
      try {
        decodeServiceClassInfo(RegionList.flat(b.image(), 0x70000), at, { arch, charset, limits: { maxBlobSize: 3 } });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(InvalidDataError);
    expect((e as Error).message).toMatch(
      /^lpClassInfos\[1\]\.lpValue: dwValueSize = 4 exceeds maxBlobSize \(3\) for the bytes at 0x[0-9a-f]+$/,
    );
  });
});
