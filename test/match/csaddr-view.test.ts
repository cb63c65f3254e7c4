import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidDataError, MemoryError, RnrError, UsageError } from '../../src/errors.js';
import { EntryCursor } from '../../src/match/entry-cursor.js';
import { AddressSet, CsAddrArrayView, ProtocolSubstitutionError } from '../../src/match/index.js';
import { RegionList } from '../../src/memory/index.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { entry, fromHex, ipv4, ipv6, NONE, sa } from './canonical.js';

const V6 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9];
const entries = [
  entry(sa(ipv4([10, 0, 0, 1], 80)), NONE, 1, 6),
  entry(sa(ipv6(V6, 443, 7, 3)), sa(ipv4([10, 0, 0, 2], 5000)), 2, 17),
  entry(sa('', 0), sa(null, 16), 1, -1),
];

describe.each(['x86', 'x64'] as const)('CsAddrArrayView on %s', (arch) => {
  const base = arch === 'x86' ? 0x0040_0000 : 0x1_4000_0000;
  const image = new ImageBuilder(arch, base, { gap: 5 });
  const at = image.csaddrArray(entries);
  const bytes = image.image();
  const view = new CsAddrArrayView(RegionList.flat(bytes, base), at, entries.length, arch);

  it('reads every member in place', () => {
    expect(view.length).toBe(3);
    expect([0, 1, 2].map((i) => view.iSocketType(i))).toEqual([1, 2, 1]);
    expect([0, 1, 2].map((i) => view.iProtocol(i))).toEqual([6, 17, -1]);
    expect(view.iSockaddrLength(1, 'LocalAddr')).toBe(28);
    expect(view.iSockaddrLength(2, 'RemoteAddr')).toBe(16);
    expect(view.lpSockaddr(2, 'RemoteAddr')).toBe(0);
    expect(view.lpSockaddr(0, 'LocalAddr')).toBeGreaterThan(base);
  });

  it('decodes entries to the canonical JSON they were built from', () => {
    expect([0, 1, 2].map((i) => view.entry(i))).toEqual(entries);
  });

  it('returns sockaddr bytes without copying them', () => {
    const local = view.sockaddr(1, 'LocalAddr')!;
    expect(local.buffer).toBe(bytes.buffer);
    expect(local.length).toBe(28);
    expect(view.sockaddr(2, 'LocalAddr')).toBeNull(); // non-NULL, length 0
    expect(view.sockaddr(2, 'RemoteAddr')).toBeNull(); // NULL, length 16
  });

  it('rejects indices outside the array', () => {
    expect(() => view.iSocketType(3)).toThrow(UsageError);
    expect(() => view.iSocketType(-1)).toThrow(UsageError);
    expect(() => view.iSocketType(0.5)).toThrow(UsageError);
  });

  it('names the array when it is not all in memory', () => {
    expect(() => new CsAddrArrayView(RegionList.flat(bytes, base), at, 1000, arch)).toThrow(MemoryError);
    expect(() => new CsAddrArrayView(RegionList.flat(bytes, base), at, 1000, arch)).toThrow(
      /^lpcsaBuffer: 0x[0-9a-f]+\+\d+ is not in the captured memory$/,
    );
  });

  it('an empty array needs no memory', () => {
    const empty = new CsAddrArrayView(RegionList.flat(bytes, base), 0, 0, arch);
    expect(empty.length).toBe(0);
    expect(AddressSet.fromView(empty).size).toBe(0);
  });
});

describe('CsAddrArrayView errors name the member and address', () => {
  function corrupted(arch: 'x86' | 'x64', patch: (image: ImageBuilder, at: number) => void): CsAddrArrayView {
    const base = 0x20_0000;
    const image = new ImageBuilder(arch, base);
    const at = image.csaddrArray(entries);
    patch(image, at);
    return new CsAddrArrayView(RegionList.flat(image.image(), base), at, entries.length, arch);
  }

  it.each(['x86', 'x64'] as const)('%s: a sockaddr pointer into unmapped memory', (arch) => {
    const view = corrupted(arch, (image, at) => image.pointer(image.pointerField(at, 1, 'RemoteAddr'), 0x0dead000));
    expect(() => AddressSet.fromView(view)).toThrow(MemoryError);
    expect(() => AddressSet.fromView(view)).toThrow(
      'lpcsaBuffer[1].RemoteAddr.lpSockaddr: 0xdead000+16 is not in the captured memory',
    );
    expect(() => view.sockaddr(1, 'RemoteAddr')).toThrow(
      'lpcsaBuffer[1].RemoteAddr.lpSockaddr: 0xdead000+16 is not in the captured memory',
    );
  });

  it('a sockaddr that runs off the end of the image', () => {
    const view = corrupted('x64', (image, at) => image.u32(image.lengthField(at, 0, 'LocalAddr'), 100));
    expect(() => AddressSet.fromView(view)).toThrow(
      /^lpcsaBuffer\[0\]\.LocalAddr\.lpSockaddr: 0x[0-9a-f]+\+100 is not in the captured memory$/,
    );
  });

  it('a negative iSockaddrLength behind a pointer', () => {
    const view = corrupted('x86', (image, at) => image.u32(image.lengthField(at, 1, 'LocalAddr'), -4));
    expect(() => AddressSet.fromView(view)).toThrow(InvalidDataError);
    expect(() => AddressSet.fromView(view)).toThrow(
      'lpcsaBuffer[1].LocalAddr.iSockaddrLength: iSockaddrLength -4 is negative',
    );
  });

  it('an iSockaddrLength over the limit is refused before anything is read', () => {
    const view = corrupted('x64', (image, at) => image.u32(image.lengthField(at, 0, 'LocalAddr'), 0x7fff_ffff));
    expect(() => AddressSet.fromView(view)).toThrow(
      /^lpcsaBuffer\[0\]\.LocalAddr\.iSockaddrLength: iSockaddrLength 2147483647 is over the limit of 128 bytes \(sockaddr at 0x[0-9a-f]+\)$/,
    );
  });

  it('a 64-bit pointer beyond 2^53', () => {
    const view = corrupted('x64', (image, at) =>
      image.pointer(image.pointerField(at, 1, 'LocalAddr'), 0xffff_8000_0000_1000n),
    );
    expect(() => AddressSet.fromView(view)).toThrow(
      'lpcsaBuffer[1].LocalAddr.lpSockaddr: pointer 0xffff800000001000 is beyond 2^53, which rnrkit cannot address exactly',
    );
    // With a length of 0 there is no address, so the pointer is not followed.
    const ignored = corrupted('x64', (image, at) =>
      image.pointer(image.pointerField(at, 2, 'LocalAddr'), 0xffff_8000_0000_1000n),
    );
    expect(ignored.sockaddr(2, 'LocalAddr')).toBeNull();
    expect(() => ignored.load(2, new EntryCursor(), false)).toThrow(ProtocolSubstitutionError); // not a pointer error
  });

  it('uses the path it is given', () => {
    const image = new ImageBuilder('x64', 0x1000);
    const at = image.csaddrArray(entries);
    image.pointer(image.pointerField(at, 0, 'LocalAddr'), 8);
    const view = new CsAddrArrayView(RegionList.flat(image.image(), 0x1000), at, 3, 'x64', { path: 'request' });
    expect(() => AddressSet.fromView(view)).toThrow(
      'request[0].LocalAddr.lpSockaddr: 0x8+16 is not in the captured memory',
    );
  });
});

describe('CsAddrArrayView over several regions', () => {
  it('follows pointers from one region into others', () => {
    // The array in one region, the sockaddrs in two others, like a heap in a dump.
    const array = new ImageBuilder('x64', 0x10_0000);
    const heapA = new ImageBuilder('x64', 0x20_0000);
    const heapB = new ImageBuilder('x64', 0x30_0000);
    const a1 = heapA.alloc(16);
    heapA.write(a1, fromHex(ipv4([1, 2, 3, 4], 1)));
    const b1 = heapB.alloc(28);
    heapB.write(b1, fromHex(ipv6(V6, 2)));
    const arrayAt = array.allocArray(2);
    array.rawEntry(arrayAt, 0, [a1, 16], [0, 0], 1, 6);
    array.rawEntry(arrayAt, 1, [b1, 28], [a1, 16], 1, 6);
    const space = new RegionList([
      { base: array.base, bytes: array.image() },
      { base: heapA.base, bytes: heapA.image() },
      { base: heapB.base, bytes: heapB.image() },
    ]);
    const view = new CsAddrArrayView(space, arrayAt, 2, 'x64');
    const set = AddressSet.fromView(view);
    expect(set.toCanonical()).toEqual([
      entry(sa(ipv4([1, 2, 3, 4], 1)), NONE, 1, 6),
      entry(sa(ipv6(V6, 2)), sa(ipv4([1, 2, 3, 4], 1)), 1, 6),
    ]);
    expect(set.matchAll(view)).toEqual({ matched: [0, 1], unmatched: [] });
  });
});

describe('CsAddrArrayView over random memory', () => {
  // Entries whose pointers mostly land in the image (or are NULL, or wild),
  // with lengths around the interesting values, over random filler bytes.
  const arbPointer = fc.oneof(
    fc.constant(0),
    fc.nat({ max: 700 }).map((o) => 0x1000 + o),
    fc.nat({ max: 0xffff_ffff }),
  );
  const arbLength = fc.oneof(
    fc.constantFrom(-1, 0, 1, 2, 3, 16, 28, 129),
    fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
  );
  const arbEntry = fc.record({
    local: fc.tuple(arbPointer, arbLength),
    remote: fc.tuple(arbPointer, arbLength),
    type: fc.constantFrom(1, 2, 5, 3),
    protocol: fc.constantFrom(-1, 6, 17, 1000),
  });

  it('only ever throws rnrkit errors, and what it read matches itself', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('x86' as const, 'x64' as const),
        fc.array(arbEntry, { maxLength: 12 }),
        fc.uint8Array({ maxLength: 700 }),
        fc.nat({ max: 3 }),
        (arch, entries, filler, extra) => {
          const image = new ImageBuilder(arch, 0x1000);
          const at = image.allocArray(entries.length);
          entries.forEach((e, i) => {
            image.rawEntry(at, i, e.local as [number, number], e.remote as [number, number], e.type, e.protocol);
          });
          image.write(image.alloc(filler.length, 1), filler);
          const space = RegionList.flat(image.image(), 0x1000);
          try {
            // `extra` entries past the array read the filler as entries, or run off the end.
            const view = new CsAddrArrayView(space, at, entries.length + extra, arch);
            const set = AddressSet.fromView(view);
            expect(set.size).toBeLessThanOrEqual(view.length);
            expect(set.matchAll(view).unmatched).toEqual([]);
            expect(AddressSet.fromBytes(set.toBytes()).toCanonical()).toEqual(set.toCanonical());
          } catch (e) {
            if (!(e instanceof RnrError)) throw e;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
