import { describe, expect, it } from 'vitest';
import { ARCHES } from '../../src/abi/types.js';
import type { Charset } from '../../src/codec/canonical.js';
import { encodedSize, encodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/index.js';
import { callerMemory } from '../../src/service/caller-memory.js';
import { WinsockError } from '../../src/service/errors.js';
import { BufferTooSmallError, resultSize, writeResult } from '../../src/service/lookup/result-buffer.js';
import { SAMPLES } from '../helpers/samples.js';

/**
 * writeResult writes with the codec's encoder itself (bench lookup/next):
 * its bytes must stay those of encodeQuerySet for the same base, in a
 * caller's bytes and in an address space alike, padding zero whatever the
 * buffer held before.
 */
const BASE = { x86: 0x0060_0000, x64: 0x7ff6_0000_0000 } as const;

describe('writeResult writes the codec image', () => {
  for (const arch of ARCHES)
    for (const charset of ['W', 'A'] as Charset[])
      for (const [name, sample] of Object.entries(SAMPLES)) {
        it(`${name} ${charset} on ${arch}: the same bytes and size as encodeQuerySet`, () => {
          const qs = sample(charset);
          const expected = encodeQuerySet(qs, { arch, charset, base: BASE[arch] + 64 });
          expect(resultSize(qs, arch, charset)).toBe(encodedSize(qs, { arch, charset }));

          // Caller's bytes, dirty before the call, the image at offset 64.
          const bytes = new Uint8Array(expected.length + 128).fill(0xa5);
          const written = writeResult(qs, { bytes, offset: 64, address: BASE[arch] + 64 }, 4096, arch, charset);
          expect(written).toBe(expected.length);
          expect(Buffer.from(bytes.subarray(64, 64 + written)).equals(Buffer.from(expected))).toBe(true);
          expect(bytes.subarray(0, 64).every((b) => b === 0xa5)).toBe(true);
          expect(bytes.subarray(64 + written).every((b) => b === 0xa5)).toBe(true);

          // An address space.
          const region = new Uint8Array(expected.length + 128).fill(0x5a);
          const memory = callerMemory(RegionList.flat(region, BASE[arch]));
          expect(writeResult(qs, { memory, at: BASE[arch] + 64 }, 4096, arch, charset)).toBe(expected.length);
          expect(Buffer.from(region.subarray(64, 64 + written)).equals(Buffer.from(expected))).toBe(true);
        });
      }
});

describe('writeResult refuses without writing', () => {
  const qs = SAMPLES.full!('W');
  const size = encodedSize(qs, { arch: 'x64', charset: 'W' });

  it('a buffer one byte short: BufferTooSmallError with the exact size', () => {
    const bytes = new Uint8Array(size).fill(7);
    const call = () => writeResult(qs, { bytes, address: BASE.x64 }, size - 1, 'x64', 'W');
    expect(call).toThrow(BufferTooSmallError);
    expect(call).toThrow(`needs ${size} bytes`);
    expect(bytes.every((b) => b === 7)).toBe(true);
  });

  it('an x64 image that would run past 2^53: WSAEFAULT, not one byte changed', () => {
    const bytes = new Uint8Array(size).fill(7);
    const address = 2 ** 53 - 8;
    const call = () => writeResult(qs, { bytes, address }, size, 'x64', 'W');
    expect(call).toThrow(WinsockError);
    expect(call).toThrow(/does not fit x64's 53-bit addresses/);
    expect(bytes.every((b) => b === 7)).toBe(true);
  });

  it('an x86 image that would run past 4 GiB: WSAEFAULT', () => {
    const sizeX86 = encodedSize(qs, { arch: 'x86', charset: 'W' });
    const bytes = new Uint8Array(sizeX86);
    expect(() => writeResult(qs, { bytes, address: 2 ** 32 - 8 }, sizeX86, 'x86', 'W')).toThrow(
      /does not fit x86's 32-bit addresses/,
    );
  });
});
