import { afterEach, describe, expect, it } from 'vitest';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import {
  DEFAULT_DECODE_LIMITS,
  decodeQuerySet,
  encodedSize,
  encodeQuerySet,
  setCodeGeneration,
} from '../../src/codec/index.js';
import { InvalidDataError } from '../../src/errors.js';
import { RegionList } from '../../src/memory/region-list.js';
import { nullSet } from '../helpers/samples.js';

/**
 * encode applies the limits decode applies (docs/limits/codec.md), with the
 * same defaults and the same option to raise them, so rnrkit never writes an
 * image it would refuse to read back.
 */
function error(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

const arch = 'x64';
const charset = 'W';
const base = 0x10_0000;
const hex = (bytes: number) => 'ab'.repeat(bytes);

const over: [string, QuerySetJson, string][] = [
  [
    'a blob over maxBlobSize',
    { ...nullSet(), lpBlob: { cbSize: (1 << 20) + 1, pBlobData: hex((1 << 20) + 1) } },
    'lpBlob.pBlobData: cbSize = 1048577 exceeds maxBlobSize (1048576); raise limits.maxBlobSize to encode it',
  ],
  [
    'more protocols than maxCount',
    {
      ...nullSet(),
      dwNumberOfProtocols: 65_537,
      lpafpProtocols: Array.from({ length: 65_537 }, () => ({ iAddressFamily: 2, iProtocol: 6 })),
    },
    'lpafpProtocols: dwNumberOfProtocols = 65537 exceeds maxCount (65536); raise limits.maxCount to encode it',
  ],
  [
    'a sockaddr over maxSockaddrLength',
    {
      ...nullSet(),
      dwNumberOfCsAddrs: 1,
      lpcsaBuffer: [
        {
          LocalAddr: { lpSockaddr: hex(129), iSockaddrLength: 129 },
          RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
          iSocketType: 1,
          iProtocol: 6,
        },
      ],
    },
    'lpcsaBuffer[0].LocalAddr.lpSockaddr: iSockaddrLength = 129 exceeds maxSockaddrLength (128); raise limits.maxSockaddrLength to encode it',
  ],
  [
    'a string over maxStringUnits',
    { ...nullSet(), lpszComment: 'x'.repeat(65_537) },
    'lpszComment: a string of 65537 code units exceeds maxStringUnits (65536); raise limits.maxStringUnits to encode it',
  ],
];

afterEach(() => setCodeGeneration('auto'));

describe.each(['generated', 'closures'] as const)('encode limits (%s)', (way) => {
  it.each(over)(
    '%s: refused by default with one line naming the member; encodes with the limit raised; decode agrees',
    (_name, qs, message) => {
      setCodeGeneration(way);
      for (const run of [() => encodeQuerySet(qs, { arch, charset, base }), () => encodedSize(qs, { arch, charset })]) {
        const e = error(run);
        expect(e).toBeInstanceOf(InvalidDataError);
        expect(e.message).toBe(message);
      }
      const raised = { maxBlobSize: 2 << 20, maxCount: 1 << 17, maxSockaddrLength: 256, maxStringUnits: 1 << 17 };
      const image = encodeQuerySet(qs, { arch, charset, base, limits: raised });
      const space = RegionList.flat(image, base);
      // Decode refuses the same image under the same defaults, and reads it back with the same raised limits.
      expect(() => decodeQuerySet(space, base, { arch, charset })).toThrow(InvalidDataError);
      expect(decodeQuerySet(space, base, { arch, charset, limits: raised })).toStrictEqual(qs);
    },
  );

  it('an image over maxTotalBytes is refused, naming the limit', () => {
    setCodeGeneration(way);
    const qs = { ...nullSet(), lpszComment: 'x'.repeat(100) };
    const size = encodedSize(qs, { arch, charset });
    expect(error(() => encodeQuerySet(qs, { arch, charset, base, limits: { maxTotalBytes: size - 1 } })).message).toBe(
      `the image would be ${size} bytes, over maxTotalBytes (${size - 1}); raise limits.maxTotalBytes to encode it`,
    );
    expect(encodeQuerySet(qs, { arch, charset, base, limits: { maxTotalBytes: size } }).length).toBe(size);
  });

  it('a NULL pointer with a huge length or count is no bytes and no entries: nothing to refuse', () => {
    setCodeGeneration(way);
    const qs = { ...nullSet(), dwNumberOfProtocols: 3_000_000, lpBlob: { cbSize: 50 << 20, pBlobData: null } };
    expect(encodedSize(qs, { arch, charset })).toBeLessThan(256);
  });

  it('a bad limit is a UsageError', () => {
    setCodeGeneration(way);
    expect(() => encodeQuerySet(nullSet(), { arch, charset, base, limits: { maxCount: -1 } })).toThrow(
      /limit maxCount must be a non-negative integer/,
    );
    expect(() => encodeQuerySet(nullSet(), { arch, charset, base, limits: { maxCounts: 1 } as never })).toThrow(
      /unknown decode limit "maxCounts"/,
    );
  });
});

it("the defaults are decode's", () => {
  expect(DEFAULT_DECODE_LIMITS).toMatchObject({
    maxBlobSize: 1 << 20,
    maxCount: 65_536,
    maxSockaddrLength: 128,
    maxStringUnits: 65_536,
  });
});
