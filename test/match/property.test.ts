import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CsAddrInfoJson, SocketAddressJson } from '../../src/codec/canonical.js';
import { AddressSet, CsAddrArrayView, type MatchMode } from '../../src/match/index.js';
import { RegionList } from '../../src/memory/index.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { entry, ipv4, ipv6, NONE, sa } from './canonical.js';

/**
 * A slow, obviously correct reference for the rule: every entry becomes a
 * string key (hex, substitution from a literal table, masked hex in semantic
 * mode), sets are arrays scanned pairwise. Written from the rule's text,
 * sharing no code with src/match.
 */
const SUBSTITUTE: Record<number, Record<number, number>> = {
  2: { 1: 6, 2: 17 },
  23: { 1: 6, 2: 17 },
  6: { 2: 1000, 5: 1256 },
  32: { 1: 3 },
};

function addressHex(a: SocketAddressJson): string {
  return a.lpSockaddr === null || a.iSockaddrLength === 0 ? '' : a.lpSockaddr;
}

function familyOf(hex: string): number | undefined {
  return hex.length >= 4 ? parseInt(hex.slice(2, 4) + hex.slice(0, 2), 16) : undefined;
}

function masked(hex: string, semantic: boolean): string {
  if (!semantic) return hex;
  const family = familyOf(hex);
  // Bytes [8,16) of SOCKADDR_IN, [4,8) of SOCKADDR_IN6: two hex digits per byte.
  const [from, to] = family === 2 ? [16, 32] : family === 23 ? [8, 16] : [0, 0];
  let out = '';
  for (let i = 0; i < hex.length; i++) out += i >= from && i < to ? '0' : hex[i];
  return out;
}

function referenceKey(e: CsAddrInfoJson, semantic: boolean): string | undefined {
  const local = addressHex(e.LocalAddr);
  const remote = addressHex(e.RemoteAddr);
  let protocol: number | undefined = e.iProtocol;
  if (protocol === -1) {
    const family = familyOf(local) ?? familyOf(remote);
    protocol = family === undefined ? undefined : SUBSTITUTE[family]?.[e.iSocketType];
    if (protocol === undefined) return undefined;
  }
  return JSON.stringify([e.iSocketType, protocol, masked(local, semantic), masked(remote, semantic)]);
}

class ReferenceSet {
  keys: string[] = [];
  constructor(readonly semantic: boolean) {}
  add(entries: CsAddrInfoJson[]): number {
    let added = 0;
    for (const e of entries) {
      const k = referenceKey(e, this.semantic)!;
      if (!this.keys.includes(k)) {
        this.keys.push(k);
        added++;
      }
    }
    return added;
  }
  deleteExact(request: CsAddrInfoJson[]): { matched: number[]; unmatched: number[] } {
    const before = [...this.keys];
    const requested = request.map((e) => referenceKey(e, this.semantic)!);
    const matched: number[] = [];
    const unmatched: number[] = [];
    requested.forEach((k, i) => {
      (before.includes(k) ? matched : unmatched).push(i);
    });
    this.keys = this.keys.filter((k) => !requested.includes(k));
    return { matched, unmatched };
  }
}

// Small pools so random entries collide often, in every way the rule cares about.
const V6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const ADDRESSES: SocketAddressJson[] = [
  NONE,
  sa('', 0),
  sa(null, 16),
  sa(ipv4([10, 0, 0, 1], 80)),
  sa(ipv4([10, 0, 0, 1], 80, [0, 0, 0, 0, 0, 0, 0, 1])),
  sa(ipv4([10, 0, 0, 2], 80)),
  sa(ipv4([10, 0, 0, 1], 80).slice(0, 22)),
  sa(ipv4([10, 0, 0, 1], 80, [7, 0, 0, 0, 0, 0, 0, 0]).slice(0, 22)),
  sa(ipv6(V6, 443)),
  sa(ipv6(V6, 443, 9)),
  sa(ipv6(V6, 443, 0, 2)),
  sa('0600000000010a0b0c0d0e0f4000'),
  sa('2000112233445566000000000000000000000000000000000000000004000000'),
  sa('17'),
  sa('0200'),
];
const arbEntry = fc
  .record({
    local: fc.constantFrom(...ADDRESSES),
    remote: fc.constantFrom(...ADDRESSES),
    type: fc.constantFrom(1, 2, 5),
    protocol: fc.constantFrom(-1, -1, 6, 17, 1000, 1256, 3),
  })
  .map(({ local, remote, type, protocol }) => entry(local, remote, type, protocol))
  // Entries whose IPROTOCOL_ANY has no substitute are errors, tested elsewhere.
  .filter((e) => referenceKey(e, false) !== undefined);

type Op =
  | { kind: 'add'; entries: CsAddrInfoJson[] }
  | { kind: 'delete'; entries: CsAddrInfoJson[]; via: 'json' | 'x86' | 'x64' }
  | { kind: 'reload' };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), entries: fc.array(arbEntry, { maxLength: 30 }) }),
  fc.record({
    kind: fc.constant('delete' as const),
    entries: fc.array(arbEntry, { maxLength: 30 }),
    via: fc.constantFrom('json' as const, 'x86' as const, 'x64' as const),
  }),
  fc.constant({ kind: 'reload' as const }),
);

function viewOf(entries: CsAddrInfoJson[], arch: 'x86' | 'x64'): CsAddrArrayView {
  const image = new ImageBuilder(arch, arch === 'x86' ? 0x50_0000 : 0x2_0000_0000, { gap: 3 });
  const at = image.csaddrArray(entries);
  return new CsAddrArrayView(RegionList.flat(image.image(), image.base), at, entries.length, arch);
}

describe.each(['exact', 'semantic'] as MatchMode[])('AddressSet (%s) against a slow reference', (mode) => {
  const semantic = mode === 'semantic';

  it('add, deleteExact (from JSON and from x86/x64 memory), and serialisation agree with it', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { minLength: 1, maxLength: 12 }), (ops) => {
        let set = new AddressSet({ mode });
        const reference = new ReferenceSet(semantic);
        for (const op of ops) {
          if (op.kind === 'add') {
            expect(set.addAll(op.entries)).toBe(reference.add(op.entries));
          } else if (op.kind === 'delete') {
            const request = op.via === 'json' ? op.entries : viewOf(op.entries, op.via);
            expect(set.deleteExact(request)).toEqual(reference.deleteExact(op.entries));
          } else {
            set = AddressSet.fromBytes(set.toBytes());
          }
          expect(set.size).toBe(reference.keys.length);
          expect(set.toCanonical().map((e) => referenceKey(e, semantic))).toEqual(reference.keys);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('deleteExact over large random sets (compaction included)', () => {
    fc.assert(
      fc.property(
        fc.array(arbEntry, { maxLength: 400 }),
        fc.array(arbEntry, { maxLength: 400 }),
        (registered, request) => {
          const set = AddressSet.fromCanonical(registered, { mode });
          const reference = new ReferenceSet(semantic);
          reference.add(registered);
          expect(set.deleteExact(request)).toEqual(reference.deleteExact(request));
          expect(set.toCanonical().map((e) => referenceKey(e, semantic))).toEqual(reference.keys);
        },
      ),
      { numRuns: 100 },
    );
  });
});
