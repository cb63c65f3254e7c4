import { describe, expect, it } from 'vitest';
import { scanQuerySets } from '../../src/dump/scan.js';
import { MemoryError } from '../../src/errors.js';
import type { AddressSpace, Located } from '../../src/memory/address-space.js';

/**
 * One mapped range of 2 GiB + 4 MiB of zeros that never exists in memory:
 * every read is served from one shared zero buffer. A range this long is
 * what a raw 2 GiB file, or a minidump's one big heap range, looks like.
 */
function zeros(base: number, length: number): AddressSpace & { reads: number[] } {
  const buffer = new Uint8Array(4 << 20);
  const reads: number[] = [];
  const locate = (address: number, n: number): Located => {
    if (n < 0 || n > buffer.length || address < base || address + n > base + length)
      throw new MemoryError(BigInt(address), n);
    reads.push(n);
    return { view: new DataView(buffer.buffer, 0, n), bytes: buffer.subarray(0, n), offset: 0 };
  };
  return {
    label: 'zeros',
    reads,
    locate,
    read: (a, n) => locate(a, n).bytes,
    mappedLength: (a, max) => (a >= base && a < base + length ? Math.min(max, base + length - a) : 0),
    ranges: () => [{ base, length }],
  };
}

describe('scanQuerySets over a range of 2 GiB or more', () => {
  it('reads it chunk by chunk to the end (chunk lengths never wrap to negative)', () => {
    const length = 2 ** 31 + (4 << 20) + 12;
    const space = zeros(0x10000, length);
    let last = 0;
    const found = scanQuerySets(space, {
      onProgress: (done, total) => {
        expect(total).toBe(length);
        last = done;
      },
    });
    expect(found).toEqual([]);
    expect(last).toBe(length);
    expect(space.reads.every((n) => n > 0 && n % 4 === 0)).toBe(true);
    expect(space.reads.reduce((a, b) => a + b, 0)).toBe(length);
  });
});
