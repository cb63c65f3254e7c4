import { describe, expect, it } from 'vitest';
import type { CsAddrInfoJson } from '../../src/codec/canonical.js';
import { InvalidDataError, UsageError } from '../../src/errors.js';
import { AddressSet, CsAddrArrayView, SetQuotaError } from '../../src/match/index.js';
import { RegionList } from '../../src/memory/index.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { entry, ipv4, ipv6, NONE, sa } from './canonical.js';

const v4 = (last: number, port = 80, type = 1, protocol = 6) =>
  entry(sa(ipv4([10, 1, 2, last], port)), NONE, type, protocol);
const V6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const v6 = (last: number, port = 443) => entry(sa(ipv6([...V6.slice(0, 15), last], port)), NONE, 2, 17);

describe('AddressSet', () => {
  it('adds an exact duplicate once', () => {
    const set = new AddressSet();
    expect(set.add(v4(1))).toBe(true);
    expect(set.add(v4(1))).toBe(false);
    expect(set.add({ ...v4(1), iProtocol: -1 })).toBe(false); // substitutes to TCP
    expect(set.add({ ...v4(1), RemoteAddr: sa('', 0) })).toBe(false); // "no address" either way
    expect(set.add(v4(2))).toBe(true);
    expect(set.size).toBe(2);
    expect(set.addAll([v4(2), v4(3), v4(3), v6(1)])).toBe(2);
    expect(set.size).toBe(4);
  });

  it('accepts upper-case hex and gives it back in lower case', () => {
    const set = AddressSet.fromCanonical([{ ...v4(1), LocalAddr: sa(ipv4([10, 1, 2, 0xab], 80).toUpperCase()) }]);
    expect(set.toCanonical()).toEqual([v4(0xab)]);
  });

  it('iterates canonical entries in insertion order, normalised', () => {
    const set = AddressSet.fromCanonical([v6(9), { ...v4(1), iProtocol: -1, RemoteAddr: sa(null, 16) }, v4(0)]);
    expect(set.toCanonical()).toEqual([v6(9), v4(1), v4(0)]);
    expect([...set]).toEqual(set.toCanonical());
  });

  it('deleteExact reports which requested entries matched and removes them', () => {
    const set = AddressSet.fromCanonical([v4(1), v4(2), v4(3), v6(1)]);
    const result = set.deleteExact([v4(9), v6(1), v4(2), v4(2, 81)]);
    expect(result).toEqual({ matched: [1, 2], unmatched: [0, 3] });
    expect(set.toCanonical()).toEqual([v4(1), v4(3)]);
    expect(set.has(v4(2))).toBe(false);
    expect(set.has(v4(3))).toBe(true);
    // Deleted entries can come back.
    expect(set.add(v4(2))).toBe(true);
    expect(set.toCanonical()).toEqual([v4(1), v4(3), v4(2)]);
  });

  it('a request naming one address twice matches twice', () => {
    const set = AddressSet.fromCanonical([v4(1), v4(2)]);
    expect(set.deleteExact([v4(1), { ...v4(1), iProtocol: -1 }, v4(5)])).toEqual({ matched: [0, 1], unmatched: [2] });
    expect(set.size).toBe(1);
    // …but in a later call the address is gone.
    expect(set.deleteExact([v4(1)])).toEqual({ matched: [], unmatched: [0] });
  });

  it('deleteExact with the set itself empties it', () => {
    const set = AddressSet.fromCanonical([v4(1), v4(2)]);
    expect(set.deleteExact(set)).toEqual({ matched: [0, 1], unmatched: [] });
    expect(set.size).toBe(0);
  });

  it('deleteExact is all or nothing when a request entry is invalid', () => {
    const set = AddressSet.fromCanonical([v4(1), v4(2)]);
    expect(() => set.deleteExact([v4(1), { ...v4(2), LocalAddr: sa('zz', 1) }])).toThrow(
      '[1].LocalAddr.lpSockaddr: "zz" is not hex (char 0)',
    );
    expect(set.toCanonical()).toEqual([v4(1), v4(2)]);
  });

  it('addAll is all or nothing when an entry is invalid', () => {
    const set = AddressSet.fromCanonical([v4(1)]);
    expect(() => set.addAll([v4(2), v4(3), entry(NONE, NONE, 1, -1)])).toThrow(InvalidDataError);
    expect(set.toCanonical()).toEqual([v4(1)]);
    expect(set.add(v4(2))).toBe(true);
  });

  it('matchAll does not change the set', () => {
    const set = AddressSet.fromCanonical([v4(1), v4(2)]);
    expect(set.matchAll([v4(2), v4(7), v4(1)])).toEqual({ matched: [0, 2], unmatched: [1] });
    expect(set.size).toBe(2);
  });

  // The codec's checker words these (parseCsAddrInfoJson): the same message and path as a query set's entry gets.
  describe('validates canonical JSON, naming the member', () => {
    it.each([
      [{ ...v4(1), iProtocol: 1.5 }, 'iProtocol: 1.5 is not an INT (an integer -2147483648…2147483647)'],
      [{ ...v4(1), iSocketType: 2 ** 31 }, 'iSocketType: 2147483648 is not an INT (an integer -2147483648…2147483647)'],
      [{ ...v4(1), LocalAddr: sa('0200', 3) }, 'LocalAddr.lpSockaddr: 2 bytes of hex, but iSockaddrLength = 3'],
      [{ ...v4(1), LocalAddr: sa('02g0') }, 'LocalAddr.lpSockaddr: "02g0" is not hex (char 2)'],
      [{ ...v4(1), LocalAddr: { lpSockaddr: 7, iSockaddrLength: 1 } }, 'LocalAddr.lpSockaddr: 7 is not hex or null'],
      [{ ...v4(1), RemoteAddr: null }, 'RemoteAddr: null is not a SOCKET_ADDRESS object'],
      [{ ...v4(1), RemoteAddr: { ...NONE, extra: 1 } }, 'RemoteAddr: unknown member "extra"'],
      [{ ...v4(1), extra: 1 }, 'unknown member "extra"'],
      [[], 'an array of 0 is not a CSADDR_INFO object'],
    ])('%j', (bad, message) => {
      expect(() => new AddressSet().add(bad as unknown as CsAddrInfoJson)).toThrow(InvalidDataError);
      expect(() => new AddressSet().add(bad as unknown as CsAddrInfoJson)).toThrow(message);
      expect(() => AddressSet.fromCanonical([v4(0), bad as unknown as CsAddrInfoJson])).toThrow(
        `[1].${message}`.replace('[1].an array', '[1]: an array').replace('[1].unknown', '[1]: unknown'),
      );
    });

    it('accepts `$` annotations', () => {
      expect(
        new AddressSet().add({
          ...v4(1),
          $address: '0x1000',
          LocalAddr: { ...sa(ipv4([1, 1, 1, 1], 1)), $family: 'AF_INET' },
        }),
      ).toBe(true);
    });
  });

  describe('quota', () => {
    it('refuses to grow beyond maxEntries and leaves the set as it was', () => {
      const set = new AddressSet({ maxEntries: 3 });
      set.addAll([v4(1), v4(2)]);
      expect(() => set.addAll([v4(3), v4(4)])).toThrow(SetQuotaError);
      expect(set.toCanonical()).toEqual([v4(1), v4(2)]);
      expect(set.addAll([v4(1), v4(3)])).toBe(1); // a duplicate does not count
      expect(() => set.add(v4(4))).toThrow('the address set would exceed its quota of 3 entries');
      set.deleteExact([v4(1)]);
      expect(set.add(v4(4))).toBe(true);
    });

    it('applies to sets built from views and to unions', () => {
      const image = new ImageBuilder('x64', 0x1000);
      const at = image.csaddrArray([v4(1), v4(2), v4(3)]);
      const view = new CsAddrArrayView(RegionList.flat(image.image(), 0x1000), at, 3, 'x64');
      expect(() => AddressSet.fromView(view, { maxEntries: 2 })).toThrow(SetQuotaError);
      const small = AddressSet.fromCanonical([v4(1), v4(2)], { maxEntries: 2 });
      expect(() => small.union(AddressSet.fromCanonical([v4(3)]))).toThrow(SetQuotaError);
    });

    it.each([-1, 1.5, 2 ** 32, NaN])('maxEntries %s is a usage error', (maxEntries) => {
      expect(() => new AddressSet({ maxEntries })).toThrow(UsageError);
    });
  });

  it('union and difference', () => {
    const a = AddressSet.fromCanonical([v4(1), v4(2), v6(1)]);
    const b = AddressSet.fromCanonical([v6(1), v4(3), { ...v4(2), iProtocol: -1 }]);
    expect(a.union(b).toCanonical()).toEqual([v4(1), v4(2), v6(1), v4(3)]);
    expect(a.difference(b).toCanonical()).toEqual([v4(1)]);
    expect(b.difference(a).toCanonical()).toEqual([v4(3)]);
    expect(a.size).toBe(3);
    expect(b.size).toBe(3);
  });

  it('does not mix modes', () => {
    const exact = AddressSet.fromCanonical([v4(1)]);
    const semantic = AddressSet.fromCanonical([v4(1)], { mode: 'semantic' });
    expect(() => exact.union(semantic)).toThrow(UsageError);
    expect(() => exact.deleteExact(semantic)).toThrow(UsageError);
    expect(() => new AddressSet({ mode: 'fuzzy' as 'exact' })).toThrow(UsageError);
  });

  it('semantic sets store the ignored bytes as zero', () => {
    const set = AddressSet.fromCanonical([entry(sa(ipv4([1, 2, 3, 4], 5, [1, 2, 3, 4, 5, 6, 7, 8])), NONE, 1, 6)], {
      mode: 'semantic',
    });
    expect(set.toCanonical()).toEqual([entry(sa(ipv4([1, 2, 3, 4], 5)), NONE, 1, 6)]);
  });

  it('keeps working through growth, deletion and compaction', () => {
    const set = new AddressSet();
    const all = Array.from({ length: 5000 }, (_, i) => v4(i & 0xff, 1000 + (i >> 8)));
    expect(set.addAll(all)).toBe(5000);
    const odd = all.filter((_, i) => i % 2 === 1);
    expect(set.deleteExact(odd).matched.length).toBe(2500);
    expect(set.deleteExact(all.slice(0, 4000)).matched.length).toBe(2000);
    const left = all.filter((_, i) => i % 2 === 0 && i >= 4000);
    expect(set.toCanonical()).toEqual(left);
    expect(set.addAll(all)).toBe(4500);
    expect(set.size).toBe(5000);
    expect(set.matchAll(all).unmatched).toEqual([]);
  });

  it('an iterator stops when a deleteExact compacts the set under it', () => {
    const set = AddressSet.fromCanonical(Array.from({ length: 200 }, (_, i) => v4(i)));
    const it = set[Symbol.iterator]();
    it.next();
    set.deleteExact(Array.from({ length: 150 }, (_, i) => v4(i)));
    expect(() => it.next()).toThrow(UsageError);
  });
});
