import { IPROTOCOL_ANY } from '../abi/constants.js';
import type { CsAddrInfoJson } from '../codec/canonical.js';
import { InvalidDataError, RnrError, UsageError } from '../errors.js';
import { CanonicalLoader, recordToCanonical } from './canonical-entry.js';
import { CsAddrArrayView } from './csaddr-view.js';
import { EntryCursor } from './entry-cursor.js';
import { SetQuotaError } from './errors.js';
import {
  hashCursor,
  hashWords,
  keyedHashCursor,
  keyedHashWords,
  loadRecord,
  recordEquals,
  recordWords,
  wordsEqual,
  writeRecord,
} from './record.js';
import { MATCH_MODES, type MatchMode, normaliseEntry } from './rule.js';
import { allocateSet, NO_QUOTA, readSet, SET_HEADER_BYTES, SET_PAYLOAD_WORD, sealSet } from './set-format.js';

/** How an AddressSet compares (exact or semantic) and how many entries it may hold. */
export interface AddressSetOptions {
  /** How entries are compared (rule.ts). Default 'exact'. */
  readonly mode?: MatchMode;
  /**
   * The most entries the set may hold. An operation that would exceed it
   * throws SetQuotaError and leaves the set as it was. Default: no quota.
   */
  readonly maxEntries?: number;
}

/** Entries to add, find or delete: canonical JSON, another set (same mode), or a view over memory. */
export type EntrySource = readonly CsAddrInfoJson[] | Iterable<CsAddrInfoJson> | AddressSet | CsAddrArrayView;

/** Indices into the request: which entries matched an entry of the set, and which did not. */
export interface MatchResult {
  matched: number[];
  unmatched: number[];
}

/**
 * Open addressing with linear probing stays short-chained up to half full.
 * Rebuilt tables start a quarter full, so they grow by doubling.
 */
const MAX_LOAD = 0.5;
/**
 * Most sets are small (a REGISTER names one or two addresses): tables and
 * arenas start small and grow by doubling, so building one costs in
 * proportion to what it holds (service/batch builds a set per call).
 */
const MIN_TABLE = 4;
const MIN_ARENA_WORDS = 32;
/** Dead records are reclaimed once they outnumber live ones (and are not trivially few). */
const COMPACT_MIN_DEAD = 64;
/**
 * Arena words reserved per entry when the count is known (a view): a
 * state word and a record, 12 words with a SOCKADDR_IN6 and no RemoteAddr,
 * 9 with a SOCKADDR_IN; 13 leaves room for the odd RemoteAddr.
 */
const TYPICAL_ENTRY_WORDS = 13;
/** The state word before each record: live, or the epoch of the deleteExact that removed it. */
const LIVE = 0;

const NO_WORDS = new Int32Array(0);

/**
 * When a set stops trusting the fast hash (record.ts) and rebuilds its
 * index with the keyed one: one lookup or insert probing more than
 * MAX_PROBE_RUN slots, or inserts since the index was built probing more
 * than PROBES_PER_ENTRY per entry plus PROBE_SLACK in all. With linear
 * probing at most half full, random entries probe about 2.5 slots per
 * insert on average, and a run of 128 occupied slots is about 0.82^128 ≈
 * 1e-11 likely per slot; so random addresses practically never switch a
 * set, and chosen ones cost at most a bounded multiple of random ones
 * before it switches.
 */
const MAX_PROBE_RUN = 128;
const PROBES_PER_ENTRY = 8;
const PROBE_SLACK = 1024;

/**
 * Table slots looked at by every lookup and insert so far, in this
 * process: what a test compares to show that no chosen set of addresses
 * makes probe chains longer than random ones do. Counted once per lookup
 * (the distance probed), not per slot, so it costs the loops nothing.
 */
let slotsProbed = 0;
export function probedSlots(): number {
  return slotsProbed;
}

/**
 * Small arenas and tables are carved from shared slabs, the way Node
 * carves small Buffers from its pool: an Int32Array with an ArrayBuffer of
 * its own (anything over 64 bytes) cost ~0.6 µs to allocate, a view on a
 * slab ~0.05 µs, and a REGISTER builds a set (service/batch). Each region
 * is handed out once, zeroed as the slab was made, and is private to its
 * set; a slab stays alive while any set still uses a region of it, so a
 * small set holds at most one slab (SLAB_BYTES).
 */
const SLAB_BYTES = 8192;
const SLAB_MAX_WORDS = 64;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function newWords(words: number): Int32Array {
  if (words > SLAB_MAX_WORDS) return new Int32Array(words);
  if (slabUsed + words * 4 > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Int32Array(slab, slabUsed, words);
  slabUsed += words * 4;
  return out;
}
const ARRAY_ITERATOR = Array.prototype[Symbol.iterator];

/**
 * One loader for every set: it only holds scratch bytes that a cursor
 * points at from `load` until the entry is inserted or looked up, and no
 * caller's code runs in between (load reads the entry's members before it
 * writes the scratch). A loader per set cost two allocations per set.
 */
const loader = new CanonicalLoader();

function tableCapacityFor(entries: number): number {
  let capacity = MIN_TABLE;
  while (capacity * MAX_LOAD < entries) capacity *= 2;
  return capacity;
}

function drawRandom(): number {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Int32Array) => Int32Array } }).crypto;
  if (crypto?.getRandomValues) return crypto.getRandomValues(new Int32Array(1))[0]!;
  return (Math.random() * 0x1_0000_0000) | 0;
}

/**
 * Seeds: one random secret per process, drawn once, mixed with a counter
 * through MurmurHash3's finaliser. Every set still gets its own seed,
 * unpredictable without the secret; drawing from crypto per set cost about
 * 6 µs, most of a small REGISTER's time (bench service/batch).
 */
const processSecret = drawRandom();
let setsSeeded = 0;
function randomSeed(): number {
  let h = (processSecret ^ Math.imul(++setsSeeded, 0x9e3779b9)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function grown(array: Int32Array, atLeast: number): Int32Array {
  const out = newWords(Math.max(atLeast, array.length * 2, MIN_ARENA_WORDS));
  out.set(array);
  return out;
}

/**
 * An owned set of CSADDR_INFO entries, compared by the match rule (rule.ts).
 *
 * Storage is one Int32Array arena of entries in insertion order, each a
 * state word (LIVE, or the epoch of the deleteExact that removed it)
 * followed by the normalised record (record.ts). The hash index is open
 * addressing with linear probing over slots of [hash, ref]: ref is p + 1
 * for the live record at word p, -(p + 1) once it is deleted (a tombstone
 * that keeps its record for the epoch test), 0 for an empty slot. So a
 * lookup touches the slot and the record, nothing else. Dead records are
 * dropped from the arena when they outnumber live ones.
 *
 * Entries come in as canonical JSON, as views over memory (hashed and
 * compared in place, copied only when added), or from another set.
 * Iteration yields canonical JSON in insertion order, as normalised: "no
 * address" is `{lpSockaddr: null, iSockaddrLength: 0}`, IPROTOCOL_ANY is
 * the protocol substituted for it, and in semantic mode the ignored bytes
 * are zero.
 */
export class AddressSet {
  readonly mode: MatchMode;
  readonly maxEntries: number;
  private readonly semantic: boolean;
  private seed = randomSeed();
  /** Whether the index uses the keyed hash (see MAX_PROBE_RUN): once set, for the life of the set and its copies. */
  private keyed = false;
  /** Slots probed by inserts since the index was last built. */
  private insertProbes = 0;

  /** Allocated on the first insert (or reserve): a set read and discarded, or empty, never needs one. */
  private arena: Int32Array = NO_WORDS;
  /** Byte views of the arena, made when something reads records as bytes (see bytesOfArena). */
  private arenaBytes: Uint8Array | undefined;
  private arenaView: DataView | undefined;
  private arenaUsed = 0;
  private live = 0;
  /** Entries in the arena whose state is not LIVE. */
  private dead = 0;

  private table: Int32Array = newWords(2 * MIN_TABLE);
  private mask = MIN_TABLE - 1;
  /** Slots in use, live or tombstone: what the load factor counts. */
  private occupied = 0;

  private epoch = 0;
  /** Changes when records move (compaction), which invalidates iterators. */
  private generation = 0;
  private readonly cursor = new EntryCursor();

  constructor(options: AddressSetOptions = {}) {
    const mode = options.mode ?? 'exact';
    if (!MATCH_MODES.includes(mode))
      throw new UsageError(`mode ${JSON.stringify(mode)} is not one of ${MATCH_MODES.join(', ')}`);
    const maxEntries = options.maxEntries ?? Infinity;
    if (maxEntries !== Infinity && !(Number.isSafeInteger(maxEntries) && maxEntries >= 0 && maxEntries < NO_QUOTA)) {
      throw new UsageError(`maxEntries ${String(maxEntries)} is not an integer in 0…${NO_QUOTA - 1}`);
    }
    this.mode = mode;
    this.semantic = mode === 'semantic';
    this.maxEntries = maxEntries;
  }

  /** A set of canonical CSADDR_INFO entries, validated as untrusted input: errors name `[i].LocalAddr.lpSockaddr`… */
  static fromCanonical(entries: readonly CsAddrInfoJson[], options?: AddressSetOptions): AddressSet {
    const set = new AddressSet(options);
    set.addAll(entries);
    return set;
  }

  /** A set of the entries a view reads in place, hashed where they lie and copied once into the set. */
  static fromView(view: CsAddrArrayView, options?: AddressSetOptions): AddressSet {
    const set = new AddressSet(options);
    set.addAll(view);
    return set;
  }

  /**
   * A set from `toBytes` output, validated: a bad header, checksum or
   * record, a duplicate, or a record not in normal form is an
   * InvalidDataError naming the record and byte offset. `options.maxEntries`
   * replaces the stored quota.
   */
  static fromBytes(bytes: Uint8Array, options: { maxEntries?: number } = {}): AddressSet {
    const { header, payload } = readSet(bytes);
    const set = new AddressSet({ mode: header.mode, maxEntries: options.maxEntries ?? header.maxEntries });
    set.reserve(header.count, payload.length + header.count);
    const payloadBytes = new Uint8Array(payload.buffer);
    const payloadView = new DataView(payload.buffer);
    const c = set.cursor;
    let p = 0;
    let k = 0;
    for (; p < payload.length; k++) {
      const where = `record at byte ${SET_HEADER_BYTES + p * 4}`;
      if (k >= header.count)
        throw new InvalidDataError(`${where}: more records than the ${header.count} the header gives`, `[${k}]`);
      if (payload.length - p < 4)
        throw new InvalidDataError(
          `${where}: ${(payload.length - p) * 4} bytes left, less than a record header`,
          `[${k}]`,
        );
      const localLength = payload[p + 2]!;
      const remoteLength = payload[p + 3]!;
      if (localLength < 0 || remoteLength < 0)
        throw new InvalidDataError(`${where}: negative sockaddr length`, `[${k}]`);
      const words = recordWords(localLength, remoteLength);
      if (words > payload.length - p)
        throw new InvalidDataError(`${where}: ${words * 4} bytes long, past the end of the payload`, `[${k}]`);
      if (payload[p + 1] === IPROTOCOL_ANY)
        throw new InvalidDataError(
          `${where}: stored iProtocol is IPROTOCOL_ANY, which a set substitutes`,
          `[${k}].iProtocol`,
        );
      loadRecord(payload, payloadBytes, payloadView, p, c);
      normaliseEntry(c, set.semantic);
      if (!set.insert(c)) throw new InvalidDataError(`${where}: duplicate of an earlier record`, `[${k}]`);
      // Re-normalised, the record must come out word for word the same:
      // this rejects non-zero padding and, in semantic mode, ignored bytes.
      const stored = set.arenaUsed - words;
      for (let q = 0; q < words; q++) {
        if (set.arena[stored + q] !== payload[p + q])
          throw new InvalidDataError(
            `${where}: word ${q} is not in normal form (padding or ignored bytes not zero)`,
            `[${k}]`,
          );
      }
      p += words;
    }
    if (k !== header.count)
      throw new InvalidDataError(`the header gives ${header.count} records but the payload holds ${k}`);
    return set;
  }

  /**
   * The live entries as serialised bytes (set-format.ts), insertion order.
   * With `scratch` big enough for them, the bytes are written there and
   * the result is a view of it, valid until the caller reuses the scratch:
   * for a caller that only hands the bytes on to be copied (the store binds
   * them to an INSERT), which saves allocating a buffer per set.
   */
  toBytes(scratch?: Int32Array): Uint8Array {
    const arena = this.arena;
    let words = 0;
    for (let p = 0; p < this.arenaUsed; p = next(arena, p)) if (arena[p] === LIVE) words += next(arena, p) - p - 1;
    // The records go straight into the output's payload: no intermediate copy.
    const out =
      scratch && scratch.length >= SET_PAYLOAD_WORD + words
        ? scratch.subarray(0, SET_PAYLOAD_WORD + words)
        : allocateSet(words);
    let at = SET_PAYLOAD_WORD;
    for (let p = 0; p < this.arenaUsed; ) {
      const end = next(arena, p);
      if (arena[p] === LIVE) {
        for (let q = p + 1; q < end; q++) out[at++] = arena[q]!;
      }
      p = end;
    }
    return sealSet(out, { mode: this.mode, count: this.live, maxEntries: this.maxEntries });
  }

  get size(): number {
    return this.live;
  }

  /** Add one entry; false when an entry that matches it is already in the set. */
  add(entry: CsAddrInfoJson): boolean {
    const c = this.cursor;
    loader.load(entry, c);
    normaliseEntry(c, this.semantic);
    return this.insert(c);
  }

  /**
   * Add every entry; returns how many were new. All or nothing: when an
   * entry is invalid (an error naming `[i]…`) or the quota would be
   * exceeded, the set is left as it was.
   */
  addAll(entries: EntrySource): number {
    if (entries === this) return 0;
    const arenaUsed = this.arenaUsed;
    const live = this.live;
    const generation = this.generation;
    let added = 0;
    try {
      if (entries instanceof CsAddrArrayView) {
        // The hot path (a provider registering from memory): a plain loop
        // the JIT can inline into, and room reserved for a typical entry.
        // Never more than the quota allows: a count read from a dump is bounded by the dump's size only.
        const expected = Math.min(entries.length, Math.max(0, this.maxEntries - this.live));
        this.reserve(expected, expected * TYPICAL_ENTRY_WORDS);
        const c = this.cursor;
        const semantic = this.semantic;
        for (let i = 0, n = entries.length; i < n; i++) {
          entries.load(i, c, semantic);
          if (this.insert(c)) added++;
        }
      } else {
        this.visit(entries, (c) => {
          if (this.insert(c)) added++;
        });
      }
    } catch (e) {
      // Only appends happened, and perhaps a compaction, which keeps the
      // order and puts the `live` old entries first: drop what was appended.
      let keep = arenaUsed;
      if (this.generation !== generation) {
        keep = 0;
        for (let n = 0; n < live; n++) keep = next(this.arena, keep);
      }
      this.arenaUsed = keep;
      this.live = live;
      this.rebuildTable(this.mask + 1);
      throw e;
    }
    return added;
  }

  /** Whether an entry matching `entry` by the set's rule is in the set. */
  has(entry: CsAddrInfoJson): boolean {
    const c = this.cursor;
    loader.load(entry, c);
    normaliseEntry(c, this.semantic);
    return this.find(c, this.hashOf(c), 0) >= 0;
  }

  /**
   * Which entries of `request` match an entry of this set (by index into
   * the request), without changing the set: what `rnrkit match` prints.
   */
  matchAll(request: EntrySource): MatchResult {
    const result: MatchResult = { matched: [], unmatched: [] };
    if (request instanceof CsAddrArrayView) {
      const c = this.cursor;
      for (let i = 0, n = request.length; i < n; i++) {
        request.load(i, c, this.semantic);
        this.matchOne(c, i, 0, result);
      }
    } else {
      this.visit(request, (c, i) => this.matchOne(c, i, 0, result));
    }
    return result;
  }

  /**
   * Remove the entries that match entries of `request`
   * (RNRSERVICE_DELETE / DEREGISTER with SERVICE_MULTIPLE). Index i is in
   * `matched` when request entry i matched an entry that was in the set
   * when the call began (so a request naming one address twice matches
   * twice), in `unmatched` otherwise. All or nothing: an invalid request
   * entry throws and deletes nothing.
   */
  deleteExact(request: EntrySource): MatchResult {
    if (request === this) request = this.clone();
    if (this.epoch >= 0x7fff_fff0) {
      // Epochs only need to differ from those of dead records still held.
      this.compact();
      this.epoch = 0;
    }
    const epoch = ++this.epoch;
    const result: MatchResult = { matched: [], unmatched: [] };
    try {
      if (request instanceof CsAddrArrayView) {
        const c = this.cursor;
        for (let i = 0, n = request.length; i < n; i++) {
          request.load(i, c, this.semantic);
          this.matchOne(c, i, epoch, result);
        }
      } else {
        this.visit(request, (c, i) => this.matchOne(c, i, epoch, result));
      }
    } catch (e) {
      const { table, arena } = this;
      for (let slot = 0; slot <= this.mask; slot++) {
        const ref = table[2 * slot + 1]!;
        if (ref < 0 && arena[-ref - 2] === epoch) {
          table[2 * slot + 1] = -ref;
          arena[-ref - 2] = LIVE;
          this.live++;
          this.dead--;
        }
      }
      throw e;
    }
    if (this.dead > this.live && this.dead >= COMPACT_MIN_DEAD) this.compact();
    return result;
  }

  /** A new set with this set's entries, then the other's (same mode; this set's quota). */
  union(other: AddressSet): AddressSet {
    this.checkMode(other);
    const out = this.clone();
    out.addAll(other);
    return out;
  }

  /** A new set with the entries of this set that match no entry of `other` (same mode). */
  difference(other: AddressSet): AddressSet {
    this.checkMode(other);
    const out = new AddressSet({ mode: this.mode, maxEntries: this.maxEntries });
    out.seed = this.seed;
    out.keyed = this.keyed;
    this.visit(this, (c) => {
      if (other.find(c, other.hashOf(c), 0) < 0) out.insert(c);
    });
    return out;
  }

  /** A copy holding only the live entries (same seed). */
  clone(): AddressSet {
    const out = new AddressSet({ mode: this.mode, maxEntries: this.maxEntries });
    out.seed = this.seed;
    out.keyed = this.keyed;
    this.copyLiveInto(out);
    return out;
  }

  /** The entries in insertion order, as normalised canonical JSON. */
  *[Symbol.iterator](): Iterator<CsAddrInfoJson> {
    const generation = this.generation;
    for (let p = 0; p < this.arenaUsed; p = next(this.arena, p)) {
      if (this.generation !== generation)
        throw new UsageError('the address set was compacted by a deleteExact during iteration');
      if (this.arena[p] === LIVE) yield recordToCanonical(this.arena, this.bytesOfArena(), p + 1);
    }
  }

  /** The entries in insertion order, as normalised canonical JSON. */
  toCanonical(): CsAddrInfoJson[] {
    // The iterator's loop without the generator (REGISTER reports what it added: service/batch).
    const out: CsAddrInfoJson[] = [];
    const arena = this.arena;
    for (let p = 0; p < this.arenaUsed; p = next(arena, p)) {
      if (arena[p] === LIVE) out.push(recordToCanonical(arena, this.bytesOfArena(), p + 1));
    }
    return out;
  }

  // ---------------------------------------------------------------- internals

  private checkMode(other: AddressSet): void {
    if (other.mode !== this.mode)
      throw new UsageError(
        `cannot combine a ${this.mode} set with a ${other.mode} set: their entries are normalised differently`,
      );
  }

  /**
   * Load each entry of `source` into the cursor, normalised, and call
   * `step(cursor, index)`. Errors gain the entry's index (`[i]…`) unless
   * the source names its own path (a view says `lpcsaBuffer[i]…`).
   */
  private visit(source: EntrySource, step: (c: EntryCursor, i: number) => void): void {
    const c = this.cursor;
    const semantic = this.semantic;
    if (source instanceof CsAddrArrayView) {
      for (let i = 0, n = source.length; i < n; i++) {
        source.load(i, c, semantic);
        step(c, i);
      }
      return;
    }
    if (source instanceof AddressSet) {
      this.checkMode(source);
      for (let p = 0, i = 0; p < source.arenaUsed; p = next(source.arena, p)) {
        if (source.arena[p] !== LIVE) continue;
        loadRecord(source.arena, source.bytesOfArena(), source.viewOfArena(), p + 1, c);
        normaliseEntry(c, semantic);
        step(c, i++);
      }
      return;
    }
    if (
      typeof source !== 'object' ||
      source === null ||
      typeof (source as Iterable<unknown>)[Symbol.iterator] !== 'function'
    ) {
      throw new UsageError(
        'entries must be an array or iterable of CSADDR_INFO JSON, an AddressSet or a CsAddrArrayView',
      );
    }
    if (Array.isArray(source) && source[Symbol.iterator] === ARRAY_ITERATOR) {
      // A plain array, by index: what `for … of` would visit, without the iterator (service/batch).
      for (let i = 0; i < source.length; i++) {
        try {
          loader.load(source[i] as CsAddrInfoJson, c);
          normaliseEntry(c, semantic);
        } catch (e) {
          throw e instanceof RnrError ? e.withContext(`[${i}]`) : e;
        }
        step(c, i);
      }
      return;
    }
    let i = 0;
    for (const entry of source) {
      try {
        loader.load(entry, c);
        normaliseEntry(c, semantic);
      } catch (e) {
        throw e instanceof RnrError ? e.withContext(`[${i}]`) : e;
      }
      step(c, i++);
    }
  }

  /**
   * Classify request entry i (under the cursor). With an epoch (a
   * deleteExact), a live match is removed, marked with the epoch, and an
   * entry removed earlier in the same call still counts as matched.
   */
  private matchOne(c: EntryCursor, i: number, epoch: number, result: MatchResult): void {
    const slot = this.find(c, this.hashOf(c), epoch);
    if (slot < 0) {
      result.unmatched.push(i);
      return;
    }
    const ref = this.table[2 * slot + 1]!;
    if (epoch !== 0 && ref > 0) {
      this.table[2 * slot + 1] = -ref;
      this.arena[ref - 2] = epoch;
      this.live--;
      this.dead++;
    }
    result.matched.push(i);
  }

  /**
   * The slot of the entry matching the cursor (hash `h`): a live one, or
   * with an epoch also one deleted in that epoch; -1 if none.
   */
  private find(c: EntryCursor, h: number, epoch: number): number {
    const table = this.table;
    const mask = this.mask;
    const start = h & mask;
    for (let slot = start; ; slot = (slot + 1) & mask) {
      const ref = table[2 * slot + 1]!;
      if (ref === 0) {
        this.countLookup(((slot - start) & mask) + 1);
        return -1;
      }
      if (table[2 * slot] === h) {
        if (ref > 0) {
          if (recordEquals(this.arena, ref - 1, c)) {
            slotsProbed += ((slot - start) & mask) + 1;
            return slot;
          }
        } else if (epoch !== 0 && this.arena[-ref - 2] === epoch && recordEquals(this.arena, -ref - 1, c)) {
          slotsProbed += ((slot - start) & mask) + 1;
          return slot;
        }
      }
    }
  }

  /**
   * Add the normalised entry under the cursor unless a live entry matches
   * it. The record is written first, at the end of the arena, and hashed
   * and compared there as words; it is kept only if it is new.
   */
  private insert(c: EntryCursor): boolean {
    if (this.occupied + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    const words = recordWords(c.localLength, c.remoteLength);
    if (this.arenaUsed + 1 + words > this.arena.length) this.setArena(grown(this.arena, this.arenaUsed + 1 + words));
    const arena = this.arena;
    const at = this.arenaUsed + 1;
    writeRecord(arena, at, c);
    const h = this.keyed
      ? keyedHashWords(arena, at, at + words, this.seed)
      : hashWords(arena, at, at + words, this.seed);
    const table = this.table;
    const mask = this.mask;
    const start = h & mask;
    let slot = start;
    let reuse = -1;
    for (; ; slot = (slot + 1) & mask) {
      const ref = table[2 * slot + 1]!;
      if (ref === 0) break;
      if (ref < 0) {
        if (reuse < 0) reuse = slot;
      } else if (table[2 * slot] === h && wordsEqual(arena, ref - 1, at, words)) {
        this.countInsert(((slot - start) & mask) + 1);
        return false;
      }
    }
    const probed = ((slot - start) & mask) + 1;
    if (this.live >= this.maxEntries) throw new SetQuotaError(this.maxEntries);
    arena[at - 1] = LIVE;
    this.arenaUsed = at + words;
    this.live++;
    if (reuse >= 0) slot = reuse;
    else this.occupied++;
    table[2 * slot] = h;
    table[2 * slot + 1] = at + 1;
    this.countInsert(probed);
    return true;
  }

  /** The index's hash of the normalised entry under the cursor. */
  private hashOf(c: EntryCursor): number {
    return this.keyed ? keyedHashCursor(c, this.seed) : hashCursor(c, this.seed);
  }

  /**
   * Count an insert's probes; past the bounds (MAX_PROBE_RUN), switch the
   * index to the keyed hash. Callers hold no slot numbers across this.
   */
  private countInsert(probed: number): void {
    slotsProbed += probed;
    this.insertProbes += probed;
    if (!this.keyed && (probed > MAX_PROBE_RUN || this.insertProbes > PROBES_PER_ENTRY * this.live + PROBE_SLACK))
      this.useKeyedHash();
  }

  /**
   * Lookups only count: runs are made by inserts (and rebuilds), which
   * switch the hash themselves, and a lookup inside deleteExact must not
   * see its tombstones swept away by a rebuild.
   */
  private countLookup(probed: number): void {
    slotsProbed += probed;
  }

  private useKeyedHash(): void {
    this.keyed = true;
    this.rebuildTable(this.mask + 1);
  }

  /** Make room for `entries` more entries and `words` more arena words without regrowing. */
  private reserve(entries: number, words: number): void {
    if (this.arenaUsed + words > this.arena.length) this.setArena(grown(this.arena, this.arenaUsed + words));
    const capacity = tableCapacityFor(this.occupied + entries);
    if (capacity > this.mask + 1) this.rebuildTable(capacity);
  }

  private grow(): void {
    if (this.dead > this.live && this.dead >= COMPACT_MIN_DEAD) this.compact();
    this.rebuildTable(tableCapacityFor(2 * (this.live + 1)));
  }

  private bytesOfArena(): Uint8Array {
    this.arenaBytes ??= new Uint8Array(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
    return this.arenaBytes;
  }

  private viewOfArena(): DataView {
    this.arenaView ??= new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
    return this.arenaView;
  }

  private setArena(arena: Int32Array): void {
    this.arena = arena;
    this.arenaBytes = undefined;
    this.arenaView = undefined;
  }

  /** Index the live entries afresh (tombstones dropped) in a table of `capacity` slots. */
  private rebuildTable(capacity: number): void {
    let probes = 0;
    let longest = 0;
    const table = newWords(2 * capacity);
    const mask = capacity - 1;
    const arena = this.arena;
    for (let p = 0; p < this.arenaUsed; p = next(arena, p)) {
      if (arena[p] !== LIVE) continue;
      const h = this.keyed
        ? keyedHashWords(arena, p + 1, next(arena, p), this.seed)
        : hashWords(arena, p + 1, next(arena, p), this.seed);
      const start = h & mask;
      let slot = start;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      const run = ((slot - start) & mask) + 1;
      probes += run;
      if (run > longest) longest = run;
      table[2 * slot] = h;
      table[2 * slot + 1] = p + 2;
    }
    this.table = table;
    this.mask = mask;
    this.occupied = this.live;
    this.insertProbes = 0;
    slotsProbed += probes;
    // A stored set (fromBytes) or a copy of chosen addresses is caught here, as inserts are.
    if (!this.keyed && (longest > MAX_PROBE_RUN || probes > PROBES_PER_ENTRY * this.live + PROBE_SLACK))
      this.useKeyedHash();
  }

  /** Drop dead records: moves records, so iterators started before it stop. */
  private compact(): void {
    const into = new AddressSet({ mode: this.mode });
    into.seed = this.seed;
    into.keyed = this.keyed;
    this.copyLiveInto(into);
    this.setArena(into.arena);
    this.arenaUsed = into.arenaUsed;
    this.table = into.table;
    this.mask = into.mask;
    this.occupied = into.occupied;
    this.dead = 0;
    this.generation++;
  }

  /** Copy the live entries, in order, into an empty set with the same seed, and index them. */
  private copyLiveInto(out: AddressSet): void {
    const arena = this.arena;
    let words = 0;
    for (let p = 0; p < this.arenaUsed; p = next(arena, p)) if (arena[p] === LIVE) words += next(arena, p) - p;
    out.setArena(newWords(Math.max(MIN_ARENA_WORDS, words)));
    let at = 0;
    for (let p = 0; p < this.arenaUsed; p = next(arena, p)) {
      if (arena[p] !== LIVE) continue;
      const end = next(arena, p);
      out.arena.set(arena.subarray(p, end), at);
      at += end - p;
    }
    out.arenaUsed = at;
    out.live = this.live;
    out.rebuildTable(tableCapacityFor(2 * (this.live + 1)));
  }
}

/** The word after the entry (state word and record) that starts at word p. */
function next(arena: Int32Array, p: number): number {
  return p + 1 + recordWords(arena[p + 3]!, arena[p + 4]!);
}
