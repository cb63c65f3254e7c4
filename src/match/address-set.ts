import { IPROTOCOL_ANY } from '../abi/constants.js';
import type { CsAddrInfoJson } from '../codec/canonical.js';
import { InvalidDataError, RnrError, UsageError } from '../errors.js';
import { CanonicalLoader, recordToCanonical } from './canonical-entry.js';
import { CsAddrArrayView } from './csaddr-view.js';
import { EntryCursor } from './entry-cursor.js';
import { SetQuotaError } from './errors.js';
import { hashCursor, hashWords, loadRecord, recordEquals, recordWords, wordsEqual, writeRecord } from './record.js';
import { MATCH_MODES, type MatchMode, normaliseEntry } from './rule.js';
import { NO_QUOTA, SET_HEADER_BYTES, readSet, writeSet } from './set-format.js';

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
const MIN_TABLE = 16;
/** Dead records are reclaimed once they outnumber live ones (and are not trivially few). */
const COMPACT_MIN_DEAD = 64;
/**
 * Arena words reserved per entry when the count is known (a view): a
 * record with a SOCKADDR_IN6 and no RemoteAddr is 11 words, with a
 * SOCKADDR_IN 8; 12 leaves room for the odd RemoteAddr without regrowing.
 */
const TYPICAL_RECORD_WORDS = 12;

function tableCapacityFor(entries: number): number {
  let capacity = MIN_TABLE;
  while (capacity * MAX_LOAD < entries) capacity *= 2;
  return capacity;
}

function randomSeed(): number {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Int32Array) => Int32Array } }).crypto;
  if (crypto?.getRandomValues) return crypto.getRandomValues(new Int32Array(1))[0]!;
  return (Math.random() * 0x1_0000_0000) | 0;
}

function grown(array: Int32Array, atLeast: number): Int32Array {
  const out = new Int32Array(Math.max(atLeast, array.length * 2));
  out.set(array);
  return out;
}

/**
 * An owned set of CSADDR_INFO entries, compared by the match rule (rule.ts).
 *
 * Entries are normalised records (record.ts) in one Int32Array arena, in
 * insertion order; a hash index (open addressing, linear probing, slots of
 * [hash, id + 1]) finds them. Entries come in as canonical JSON, as views
 * over memory (hashed and compared in place, copied only when added), or
 * from another set. Deleting marks a record dead; dead records are dropped
 * from the arena when they outnumber live ones.
 *
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

  private arena: Int32Array = new Int32Array(256);
  private arenaBytes: Uint8Array = new Uint8Array(this.arena.buffer);
  private arenaView: DataView = new DataView(this.arena.buffer);
  private arenaUsed = 0;

  /** Per id (insertion order): where its record starts (words), its hash, and 0 if live or else the epoch of the deleteExact that removed it. */
  private recordAt: Int32Array = new Int32Array(MIN_TABLE);
  private hashes: Int32Array = new Int32Array(MIN_TABLE);
  private deadIn: Int32Array = new Int32Array(MIN_TABLE);
  private ids = 0;
  private live = 0;

  private table: Int32Array = new Int32Array(2 * MIN_TABLE);
  private mask = MIN_TABLE - 1;
  /** Slots in use, live or dead: what the load factor counts. */
  private occupied = 0;

  private epoch = 0;
  /** Changes when ids are renumbered (compaction), which invalidates iterators. */
  private generation = 0;
  private readonly cursor = new EntryCursor();
  private readonly loader = new CanonicalLoader();

  constructor(options: AddressSetOptions = {}) {
    const mode = options.mode ?? 'exact';
    if (!MATCH_MODES.includes(mode)) throw new UsageError(`mode ${JSON.stringify(mode)} is not one of ${MATCH_MODES.join(', ')}`);
    const maxEntries = options.maxEntries ?? Infinity;
    if (maxEntries !== Infinity && !(Number.isSafeInteger(maxEntries) && maxEntries >= 0 && maxEntries < NO_QUOTA)) {
      throw new UsageError(`maxEntries ${String(maxEntries)} is not an integer in 0…${NO_QUOTA - 1}`);
    }
    this.mode = mode;
    this.semantic = mode === 'semantic';
    this.maxEntries = maxEntries;
  }

  static fromCanonical(entries: readonly CsAddrInfoJson[], options?: AddressSetOptions): AddressSet {
    const set = new AddressSet(options);
    set.addAll(entries);
    return set;
  }

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
    set.reserve(header.count, payload.length);
    const payloadBytes = new Uint8Array(payload.buffer);
    const payloadView = new DataView(payload.buffer);
    const c = set.cursor;
    let p = 0;
    let k = 0;
    for (; p < payload.length; k++) {
      const where = `record at byte ${SET_HEADER_BYTES + p * 4}`;
      if (k >= header.count) throw new InvalidDataError(`${where}: more records than the ${header.count} the header gives`, `[${k}]`);
      if (payload.length - p < 4) throw new InvalidDataError(`${where}: ${(payload.length - p) * 4} bytes left, less than a record header`, `[${k}]`);
      const localLength = payload[p + 2]!;
      const remoteLength = payload[p + 3]!;
      if (localLength < 0 || remoteLength < 0) throw new InvalidDataError(`${where}: negative sockaddr length`, `[${k}]`);
      const words = recordWords(localLength, remoteLength);
      if (words > payload.length - p) throw new InvalidDataError(`${where}: ${words * 4} bytes long, past the end of the payload`, `[${k}]`);
      if (payload[p + 1] === IPROTOCOL_ANY) throw new InvalidDataError(`${where}: stored iProtocol is IPROTOCOL_ANY, which a set substitutes`, `[${k}].iProtocol`);
      loadRecord(payload, payloadBytes, payloadView, p, c);
      normaliseEntry(c, set.semantic);
      if (!set.insert(c)) throw new InvalidDataError(`${where}: duplicate of an earlier record`, `[${k}]`);
      // Re-normalised, the record must come out word for word the same:
      // this rejects non-zero padding and, in semantic mode, ignored bytes.
      const stored = set.recordAt[set.ids - 1]!;
      for (let q = 0; q < words; q++) {
        if (set.arena[stored + q] !== payload[p + q]) throw new InvalidDataError(`${where}: word ${q} is not in normal form (padding or ignored bytes not zero)`, `[${k}]`);
      }
      p += words;
    }
    if (k !== header.count) throw new InvalidDataError(`the header gives ${header.count} records but the payload holds ${k}`);
    return set;
  }

  /** The live entries as serialised bytes (set-format.ts), insertion order. */
  toBytes(): Uint8Array {
    if (this.live !== this.ids) this.compact();
    return writeSet({ mode: this.mode, count: this.live, maxEntries: this.maxEntries }, this.arena, this.arenaUsed);
  }

  get size(): number {
    return this.live;
  }

  /** Add one entry; false when an entry that matches it is already in the set. */
  add(entry: CsAddrInfoJson): boolean {
    const c = this.cursor;
    this.loader.load(entry, c);
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
    const ids = this.ids;
    const live = this.live;
    const generation = this.generation;
    let added = 0;
    try {
      if (entries instanceof CsAddrArrayView) {
        // The hot path (a provider registering from memory): a plain loop
        // the JIT can inline into, and room reserved for a typical entry.
        this.reserve(entries.length, entries.length * TYPICAL_RECORD_WORDS);
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
      // Only appends happened (and perhaps a compaction, which keeps the
      // order and puts the old live entries first): drop the appended ones.
      const keep = this.generation === generation ? ids : live;
      if (keep < this.ids) this.arenaUsed = this.recordAt[keep]!;
      this.ids = keep;
      this.live = live;
      this.rebuildTable(this.mask + 1);
      throw e;
    }
    return added;
  }

  has(entry: CsAddrInfoJson): boolean {
    const c = this.cursor;
    this.loader.load(entry, c);
    normaliseEntry(c, this.semantic);
    return this.find(c, hashCursor(c, this.seed), 0) >= 0;
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
    const deadIn = this.deadIn;
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
      const table = this.table;
      for (let slot = 0; slot <= this.mask; slot++) {
        const ref = table[2 * slot + 1]!;
        if (ref < 0 && deadIn[-ref - 1] === epoch) {
          table[2 * slot + 1] = -ref;
          deadIn[-ref - 1] = 0;
          this.live++;
        }
      }
      throw e;
    }
    const dead = this.ids - this.live;
    if (dead > this.live && dead >= COMPACT_MIN_DEAD) this.compact();
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
    this.visit(this, (c) => {
      if (other.find(c, hashCursor(c, other.seed), 0) < 0) out.insert(c);
    });
    return out;
  }

  /** A copy holding only the live entries (same seed, so no rehashing). */
  clone(): AddressSet {
    const out = new AddressSet({ mode: this.mode, maxEntries: this.maxEntries });
    out.seed = this.seed;
    this.copyLiveInto(out);
    return out;
  }

  *[Symbol.iterator](): Iterator<CsAddrInfoJson> {
    const generation = this.generation;
    for (let id = 0; id < this.ids; id++) {
      if (this.generation !== generation) throw new UsageError('the address set was compacted by a deleteExact during iteration');
      if (this.deadIn[id] === 0) yield recordToCanonical(this.arena, this.arenaBytes, this.recordAt[id]!);
    }
  }

  toCanonical(): CsAddrInfoJson[] {
    return [...this];
  }

  // ---------------------------------------------------------------- internals

  private checkMode(other: AddressSet): void {
    if (other.mode !== this.mode) throw new UsageError(`cannot combine a ${this.mode} set with a ${other.mode} set: their entries are normalised differently`);
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
      for (let id = 0, i = 0; id < source.ids; id++) {
        if (source.deadIn[id] !== 0) continue;
        loadRecord(source.arena, source.arenaBytes, source.arenaView, source.recordAt[id]!, c);
        normaliseEntry(c, semantic);
        step(c, i++);
      }
      return;
    }
    if (typeof source !== 'object' || source === null || typeof (source as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new UsageError('entries must be an array or iterable of CSADDR_INFO JSON, an AddressSet or a CsAddrArrayView');
    }
    const loader = this.loader;
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
    const slot = this.find(c, hashCursor(c, this.seed), epoch);
    if (slot < 0) {
      result.unmatched.push(i);
      return;
    }
    const ref = this.table[2 * slot + 1]!;
    if (epoch !== 0 && ref > 0) {
      this.table[2 * slot + 1] = -ref;
      this.deadIn[ref - 1] = epoch;
      this.live--;
    }
    result.matched.push(i);
  }

  /**
   * The slot of the entry matching the cursor (hash `h`): a live one, or
   * with an epoch also one deleted in that epoch; -1 if none. Slots hold
   * [hash, ref]: ref id + 1 for a live entry, -(id + 1) for a deleted one
   * (a tombstone that keeps its id for the epoch test), 0 for empty.
   */
  private find(c: EntryCursor, h: number, epoch: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const ref = table[2 * slot + 1]!;
      if (ref === 0) return -1;
      if (table[2 * slot] === h) {
        if (ref > 0) {
          if (recordEquals(this.arena, this.recordAt[ref - 1]!, c)) return slot;
        } else if (epoch !== 0 && this.deadIn[-ref - 1] === epoch && recordEquals(this.arena, this.recordAt[-ref - 1]!, c)) {
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
    if (this.arenaUsed + words > this.arena.length) this.setArena(grown(this.arena, this.arenaUsed + words));
    const arena = this.arena;
    const at = this.arenaUsed;
    writeRecord(arena, at, c);
    const h = hashWords(arena, at, at + words, this.seed);
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    let reuse = -1;
    for (; ; slot = (slot + 1) & mask) {
      const ref = table[2 * slot + 1]!;
      if (ref === 0) break;
      if (ref < 0) {
        if (reuse < 0) reuse = slot;
      } else if (table[2 * slot] === h && wordsEqual(arena, this.recordAt[ref - 1]!, at, words)) {
        return false;
      }
    }
    if (this.live >= this.maxEntries) throw new SetQuotaError(this.maxEntries);
    if (this.ids === this.recordAt.length) this.growIds(this.ids + 1);
    const id = this.ids++;
    this.recordAt[id] = at;
    this.hashes[id] = h;
    this.deadIn[id] = 0;
    this.arenaUsed = at + words;
    this.live++;
    if (reuse >= 0) slot = reuse;
    else this.occupied++;
    table[2 * slot] = h;
    table[2 * slot + 1] = id + 1;
    return true;
  }

  /** Make room for `entries` more entries and `words` more arena words without regrowing. */
  private reserve(entries: number, words: number): void {
    if (this.arenaUsed + words > this.arena.length) this.setArena(grown(this.arena, this.arenaUsed + words));
    if (this.ids + entries > this.recordAt.length) this.growIds(this.ids + entries);
    const capacity = tableCapacityFor(this.occupied + entries);
    if (capacity > this.mask + 1) this.rebuildTable(capacity);
  }

  private grow(): void {
    const dead = this.ids - this.live;
    if (dead > this.live && dead >= COMPACT_MIN_DEAD) this.compact();
    this.rebuildTable(tableCapacityFor(2 * (this.live + 1)));
  }

  private setArena(arena: Int32Array): void {
    this.arena = arena;
    this.arenaBytes = new Uint8Array(arena.buffer);
    this.arenaView = new DataView(arena.buffer);
  }

  private growIds(atLeast: number): void {
    this.recordAt = grown(this.recordAt, atLeast);
    this.hashes = grown(this.hashes, atLeast);
    this.deadIn = grown(this.deadIn, atLeast);
  }

  /** Index the live entries afresh (tombstones dropped) in a table of `capacity` slots. */
  private rebuildTable(capacity: number): void {
    const table = new Int32Array(2 * capacity);
    const mask = capacity - 1;
    for (let id = 0; id < this.ids; id++) {
      if (this.deadIn[id] !== 0) continue;
      const h = this.hashes[id]!;
      let slot = h & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = h;
      table[2 * slot + 1] = id + 1;
    }
    this.table = table;
    this.mask = mask;
    this.occupied = this.live;
  }

  /** Drop dead records: renumbers ids, so iterators started before it stop. */
  private compact(): void {
    const into = new AddressSet({ mode: this.mode });
    into.seed = this.seed;
    this.copyLiveInto(into);
    this.setArena(into.arena);
    this.arenaUsed = into.arenaUsed;
    this.recordAt = into.recordAt;
    this.hashes = into.hashes;
    this.deadIn = into.deadIn;
    this.ids = into.ids;
    this.table = into.table;
    this.mask = into.mask;
    this.occupied = into.occupied;
    this.generation++;
  }

  /** Copy the live records, in order, into an empty set with the same seed, and index them. */
  private copyLiveInto(out: AddressSet): void {
    let words = 0;
    for (let id = 0; id < this.ids; id++) {
      if (this.deadIn[id] === 0) words += recordWords(this.arena[this.recordAt[id]! + 2]!, this.arena[this.recordAt[id]! + 3]!);
    }
    out.setArena(new Int32Array(Math.max(256, words)));
    out.growIds(this.live);
    let at = 0;
    let next = 0;
    for (let id = 0; id < this.ids; id++) {
      if (this.deadIn[id] !== 0) continue;
      const from = this.recordAt[id]!;
      const n = recordWords(this.arena[from + 2]!, this.arena[from + 3]!);
      out.arena.set(this.arena.subarray(from, from + n), at);
      out.recordAt[next] = at;
      out.hashes[next] = this.hashes[id]!;
      next++;
      at += n;
    }
    out.arenaUsed = at;
    out.ids = next;
    out.live = next;
    out.rebuildTable(tableCapacityFor(2 * (next + 1)));
  }
}
