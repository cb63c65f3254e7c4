import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../../src/errors.js';
import { AddressSet } from '../../src/match/index.js';
import { checksumOf } from '../../src/match/set-format.js';
import { entry, ipv4, ipv6, NONE, sa } from './canonical.js';

const V6 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const entries = [
  entry(sa(ipv4([10, 0, 0, 1], 80)), NONE, 1, 6),
  entry(sa(ipv6(V6, 443, 0, 4)), sa(ipv4([10, 0, 0, 2], 9)), 2, 17),
  entry(sa('0600000000010a0b0c0d0e0f4000'), NONE, 5, 1256),
  entry(sa('02'), sa('0a00'), 7, 99), // odd lengths leave padding in the record
];

/** Recompute the checksum after a deliberate edit, so the loader's other checks are what is tested. */
function reseal(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payload = new Int32Array((bytes.length - 24) >> 2);
  new Uint8Array(payload.buffer).set(bytes.subarray(24, 24 + payload.length * 4));
  view.setUint32(20, checksumOf(view, payload, payload.length), true);
  return bytes;
}

function edited(bytes: Uint8Array, edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer), copy);
  return reseal(copy);
}

describe('AddressSet serialisation', () => {
  it.each(['exact', 'semantic'] as const)('round-trips a %s set', (mode) => {
    const set = AddressSet.fromCanonical(entries, { mode, maxEntries: 10 });
    const bytes = set.toBytes();
    const back = AddressSet.fromBytes(bytes);
    expect(back.mode).toBe(mode);
    expect(back.maxEntries).toBe(10);
    expect(back.toCanonical()).toEqual(set.toCanonical());
    expect(back.toBytes()).toEqual(bytes);
    expect(back.has(entries[1]!)).toBe(true);
    expect(AddressSet.fromBytes(bytes, { maxEntries: 1000 }).maxEntries).toBe(1000);
  });

  it('round-trips an empty set and a set without a quota', () => {
    expect(AddressSet.fromBytes(new AddressSet().toBytes()).size).toBe(0);
    expect(AddressSet.fromBytes(AddressSet.fromCanonical(entries).toBytes()).maxEntries).toBe(Infinity);
  });

  it('writes only live entries', () => {
    const set = AddressSet.fromCanonical(entries);
    set.deleteExact([entries[0]!, entries[2]!]);
    const back = AddressSet.fromBytes(set.toBytes());
    expect(back.toCanonical()).toEqual([entries[1], entries[3]]);
  });

  it('is a 24-byte header and the records', () => {
    const bytes = AddressSet.fromCanonical([entries[0]!]).toBytes();
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x52, 0x4e, 0x52, 0x53]);
    // One record: 4 header words and a 16-byte SOCKADDR_IN.
    expect(bytes.length).toBe(24 + 16 + 16);
  });

  describe('refuses damaged bytes with an InvalidDataError', () => {
    const good = AddressSet.fromCanonical(entries, { maxEntries: 100 }).toBytes();

    it('any flipped bit', () => {
      for (let i = 0; i < good.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const bad = good.slice();
          bad[i]! ^= 1 << bit;
          expect(() => AddressSet.fromBytes(bad), `byte ${i} bit ${bit}`).toThrow(InvalidDataError);
        }
      }
    });

    it('any truncation, and trailing bytes', () => {
      for (let n = 0; n < good.length; n++)
        expect(() => AddressSet.fromBytes(good.subarray(0, n)), `${n} bytes`).toThrow(InvalidDataError);
      const longer = new Uint8Array(good.length + 4);
      longer.set(good);
      expect(() => AddressSet.fromBytes(longer)).toThrow(InvalidDataError);
    });

    it.each([
      ['a wrong magic', (v: DataView) => v.setUint8(0, 0x51), 'not a serialised address set'],
      ['a future version', (v: DataView) => v.setUint16(4, 2, true), 'format version 2 is not supported'],
      ['an unknown mode', (v: DataView) => v.setUint8(6, 7), 'byte 6: mode 7 is neither 0 (exact) nor 1 (semantic)'],
      ['a reserved byte set', (v: DataView) => v.setUint8(7, 1), 'byte 7: reserved byte is 1, not 0'],
      [
        'a count too large to fit',
        (v: DataView) => v.setUint32(8, 0xffff_ffff, true),
        'byte 8: 4294967295 entries exceed the stored quota of 100',
      ],
      ['a count over the payload', (v: DataView) => v.setUint32(8, 99, true), 'byte 8: 99 entries cannot fit in'],
      [
        'a count too high',
        (v: DataView) => v.setUint32(8, 5, true),
        'the header gives 5 records but the payload holds 4',
      ],
      [
        'a count too low',
        (v: DataView) => v.setUint32(8, 3, true),
        '[3]: record at byte 148: more records than the 3 the header gives',
      ],
      [
        'a quota below the count',
        (v: DataView) => v.setUint32(12, 2, true),
        'byte 8: 4 entries exceed the stored quota of 2',
      ],
      ['a wrong payload length', (v: DataView) => v.setUint32(16, 8, true), 'byte 16: payload length 8 does not match'],
      [
        'a negative sockaddr length',
        (v: DataView) => v.setInt32(24 + 8, -1, true),
        '[0]: record at byte 24: negative sockaddr length',
      ],
      [
        'a record past the end',
        (v: DataView) => v.setInt32(24 + 8, 4000, true),
        '[0]: record at byte 24: 4016 bytes long, past the end of the payload',
      ],
      [
        'an unsubstituted IPROTOCOL_ANY',
        (v: DataView) => v.setInt32(24 + 4, -1, true),
        '[0].iProtocol: record at byte 24: stored iProtocol is IPROTOCOL_ANY',
      ],
      [
        'non-zero padding',
        (v: DataView) => v.setUint8(v.byteLength - 1, 0xee),
        '[3]: record at byte 148: word 5 is not in normal form',
      ],
    ])('%s', (_, edit, message) => {
      const bad = edited(good, edit);
      expect(() => AddressSet.fromBytes(bad)).toThrow(InvalidDataError);
      expect(() => AddressSet.fromBytes(bad)).toThrow(message);
    });

    it('a duplicate record', () => {
      const one = AddressSet.fromCanonical([entries[0]!]).toBytes();
      const two = new Uint8Array(24 + 2 * 32);
      two.set(one);
      two.set(one.subarray(24), 24 + 32);
      const bad = edited(two, (v) => {
        v.setUint32(8, 2, true);
        v.setUint32(16, 64, true);
      });
      expect(() => AddressSet.fromBytes(bad)).toThrow('[1]: record at byte 56: duplicate of an earlier record');
    });

    it('ignored bytes that are not zero in a semantic set', () => {
      const semantic = AddressSet.fromCanonical([entries[0]!], { mode: 'semantic' }).toBytes();
      // sin_zero starts 8 bytes into the sockaddr, which starts after the 16-byte record header.
      const bad = edited(semantic, (v) => v.setUint8(24 + 16 + 8, 1));
      expect(() => AddressSet.fromBytes(bad)).toThrow('[0]: record at byte 24: word 6 is not in normal form');
      // The same bytes are fine in an exact set.
      const exact = edited(semantic, (v) => v.setUint8(6, 0));
      expect(AddressSet.fromBytes(edited(exact, (v) => v.setUint8(24 + 16 + 8, 1))).size).toBe(1);
    });

    it('random bytes, sealed or not: only InvalidDataError, never a crash', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.nat({ max: 8 }), (tail, magic, count) => {
          let bytes = tail;
          if (magic) {
            bytes = new Uint8Array(24 + (tail.length & ~3));
            bytes.set([0x52, 0x4e, 0x52, 0x53, 1, 0, (tail[0] ?? 0) & 1, 0]);
            const v = new DataView(bytes.buffer);
            v.setUint32(8, count, true);
            v.setUint32(12, 0xffff_ffff, true);
            v.setUint32(16, tail.length & ~3, true);
            bytes.set(tail.subarray(0, tail.length & ~3), 24);
            reseal(bytes);
          }
          try {
            AddressSet.fromBytes(bytes);
          } catch (e) {
            if (!(e instanceof InvalidDataError)) throw e;
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});
