import { describe, expect, it } from 'vitest';
import type { CsAddrInfoJson } from '../../src/codec/canonical.js';
import { probedSlots } from '../../src/match/address-set.js';
import { AddressSet } from '../../src/match/index.js';
import { C1, C2, collidingRecords, LOCAL_WORDS, REMOTE_WORDS, randomRecord } from '../helpers/colliding-records.js';
import { randomWords } from '../helpers/prng.js';

/**
 * The address-set hash before it was keyed: MurmurHash3's x86_32 block mix
 * over the record words (record.ts's layout), a per-set seed and the usual
 * finaliser. Kept here only to prove that test/helpers/colliding-records.ts
 * builds addresses that all collide under it, whatever the seed.
 */
function oldHash(words: Int32Array, seed: number): number {
  let h = seed;
  for (const word of words) {
    let k = Math.imul(word, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= words.length << 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const hexOf = (words: Int32Array, from: number, count: number) =>
  Buffer.from(words.buffer, words.byteOffset + from * 4, count * 4).toString('hex');

function entryOf(record: Int32Array): CsAddrInfoJson {
  return {
    LocalAddr: { lpSockaddr: hexOf(record, 4, LOCAL_WORDS), iSockaddrLength: LOCAL_WORDS * 4 },
    RemoteAddr: { lpSockaddr: hexOf(record, 4 + LOCAL_WORDS, REMOTE_WORDS), iSockaddrLength: REMOTE_WORDS * 4 },
    iSocketType: 1,
    iProtocol: 6,
  };
}

/** The 2^16 colliding entries, and 128 of their records (the first and last 64) to hash with the old hash. */
function collidingSet(): { entries: CsAddrInfoJson[]; records: Int32Array[] } {
  const all = collidingRecords(randomWords(0xf100d));
  return { entries: all.map(entryOf), records: [...all.slice(0, 64), ...all.slice(-63)] };
}

function randomSet(count: number): CsAddrInfoJson[] {
  const random = randomWords(0x5eed);
  return Array.from({ length: count }, () => entryOf(randomRecord(random)));
}

/** Add in chunks, and stop as soon as probing is far beyond linear: the old hash would take minutes here. */
function buildWatchingProbes(entries: readonly CsAddrInfoJson[]): { set: AddressSet; probes: number } {
  const set = new AddressSet();
  const before = probedSlots();
  for (let at = 0; at < entries.length; at += 1024) {
    set.addAll(entries.slice(at, at + 1024));
    const probes = probedSlots() - before;
    expect(probes, `slots probed after ${at + 1024} inserts`).toBeLessThan(16 * (at + 1024));
  }
  return { set, probes: probedSlots() - before };
}

describe('hash flooding: the set that collides under the old hash for every seed', () => {
  const colliding = collidingSet();
  const random = randomSet(colliding.entries.length);

  it('is what it claims: 65,536 distinct entries, one old hash under any seed', () => {
    expect(new Set(colliding.entries.map((e) => e.LocalAddr.lpSockaddr! + e.RemoteAddr.lpSockaddr!)).size).toBe(65_536);
    for (const seed of [0, 0x12345678, -1]) {
      const hashes = new Set(colliding.records.map((r) => oldHash(r, seed)));
      expect(hashes.size).toBe(1);
    }
  });

  it('is built and matched with as few probes as random entries of the same shape', () => {
    const flood = buildWatchingProbes(colliding.entries);
    const baseline = buildWatchingProbes(random);
    expect(flood.set.size).toBe(65_536);
    expect(baseline.set.size).toBe(65_536);
    // Matching: every entry of the set against it.
    const beforeFlood = probedSlots();
    expect(flood.set.matchAll(colliding.entries).unmatched).toEqual([]);
    const floodMatch = probedSlots() - beforeFlood;
    const beforeRandom = probedSlots();
    expect(baseline.set.matchAll(random).unmatched).toEqual([]);
    const randomMatch = probedSlots() - beforeRandom;
    console.log(
      `slots probed: build ${flood.probes} (colliding) vs ${baseline.probes} (random); match ${floodMatch} vs ${randomMatch}`,
    );
    expect(flood.probes).toBeLessThan(2 * baseline.probes);
    expect(floodMatch).toBeLessThan(2 * randomMatch);
    expect(floodMatch / 65_536).toBeLessThan(3);

    // Stored and read back (what the registry does on every later call): no different.
    const beforeFloodRead = probedSlots();
    AddressSet.fromBytes(flood.set.toBytes()).matchAll(colliding.entries);
    const floodRead = probedSlots() - beforeFloodRead;
    const beforeRandomRead = probedSlots();
    AddressSet.fromBytes(baseline.set.toBytes()).matchAll(random);
    const randomRead = probedSlots() - beforeRandomRead;
    expect(floodRead).toBeLessThan(2 * randomRead);
  });
});

describe('the serialised set', () => {
  it('reads what rnrkit wrote before the index hash changed (format version 1, same checksum)', () => {
    const stored = Buffer.from(
      '524e525301000000020000000a0000005c00000043f4bc2001000000060000001000000000000000020000500a000001000000000000000002000000110000001c0000001000000017000bb800000000fe80000000000000000000000000000900000000020013880a0000020000000000000000',
      'hex',
    );
    const set = AddressSet.fromBytes(new Uint8Array(stored));
    expect(set.size).toBe(2);
    expect(set.maxEntries).toBe(10);
    expect(Buffer.from(set.toBytes()).equals(stored)).toBe(true);
  });
});
