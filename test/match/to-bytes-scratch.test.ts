import { describe, expect, it } from 'vitest';
import { AddressSet } from '../../src/match/index.js';
import { checksumOf } from '../../src/match/set-format.js';
import { entry, ipv4, ipv6, NONE, sa } from './canonical.js';

const V6 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const entries = [
  entry(sa(ipv4([10, 0, 0, 1], 80)), NONE, 1, 6),
  entry(sa(ipv6(V6, 443, 0, 4)), sa(ipv4([10, 0, 0, 2], 9)), 2, 17),
  entry(sa('02'), sa('0a00'), 7, 99),
];

describe('AddressSet.toBytes into a scratch buffer', () => {
  it('writes the same bytes as toBytes() as a view of the scratch, over whatever the scratch held', () => {
    const scratch = new Int32Array(256).fill(-1);
    for (const mode of ['exact', 'semantic'] as const) {
      const set = AddressSet.fromCanonical(entries, { mode, maxEntries: 5 });
      const owned = set.toBytes();
      const view = set.toBytes(scratch);
      expect(view.buffer).toBe(scratch.buffer);
      expect(view.byteOffset).toBe(0);
      expect([...view]).toEqual([...owned]);
      // The checksum as the reader computes it, over the view's own header and payload.
      const header = new DataView(view.buffer, view.byteOffset, view.byteLength);
      const payload = new Int32Array(view.slice(24).buffer);
      expect(checksumOf(header, payload, payload.length)).toBe(header.getUint32(20, true));
      expect(AddressSet.fromBytes(view).toCanonical()).toEqual(set.toCanonical());
    }
  });

  it('allocates its own bytes when the scratch is too small, and an owned result outlives the scratch being reused', () => {
    const set = AddressSet.fromCanonical(entries);
    const small = new Int32Array(8);
    const bytes = set.toBytes(small);
    expect(bytes.buffer).not.toBe(small.buffer);
    expect([...bytes]).toEqual([...set.toBytes()]);
    const scratch = new Int32Array(64);
    const first = set.toBytes(scratch).slice();
    AddressSet.fromCanonical([entries[0]!]).toBytes(scratch);
    expect(AddressSet.fromBytes(first).toCanonical()).toEqual(set.toCanonical());
  });
});
