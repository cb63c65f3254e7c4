import type { EntryCursor } from './entry-cursor.js';

/**
 * A normalised entry as a set stores it: 32-bit little-endian words in one
 * arena, no pointers and no padding that could differ between equal entries.
 *
 *   word 0  iSocketType
 *   word 1  iProtocol (IPROTOCOL_ANY already substituted)
 *   word 2  LocalAddr length in bytes (0: no address)
 *   word 3  RemoteAddr length in bytes (0: no address)
 *   then    the LocalAddr bytes, zero-padded to a whole word
 *   then    the RemoteAddr bytes, zero-padded to a whole word
 *
 * In semantic mode the ignored words (rule.ts) are stored as zero. Two
 * normalised entries match exactly when their records are equal word for
 * word, so the hash is over these words, and an entry whose bytes are still
 * in place (an EntryCursor over an address space) hashes and compares
 * without being copied: the functions below read it as if it were a record.
 *
 * Two hashes over these words. The fast one is MurmurHash3's x86_32 block
 * mix with a per-set seed: cheap per word in JavaScript (Math.imul) and C
 * alike (bench/native/match.c implements the same words and hash). Its
 * seed does not stop a caller who chooses the addresses: the block mix has
 * seed-independent collisions (two consecutive words changed so that their
 * scrambled forms differ in bit 18 and bit 31 leave the state as it was),
 * so 2^16 distinct sockaddrs can share one hash under every seed. The keyed
 * one is HalfSipHash-1-3 (SipHash on 32-bit words, one compression and
 * three finalisation rounds) under a 64-bit key, a secret drawn once per
 * process and the set's seed: without the key nobody can work out which
 * addresses collide. A set uses the fast hash until its probing shows more
 * work than random addresses could cause, then rebuilds its index with the
 * keyed hash for good (address-set.ts).
 */
export const RECORD_HEADER_WORDS = 4;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  // The arena is an Int32Array (host order) read back as bytes; every
  // JavaScript engine in use is little-endian, and this says so if not.
  throw new Error('rnrkit: the address set needs a little-endian host');
}

export function recordWords(localLength: number, remoteLength: number): number {
  return RECORD_HEADER_WORDS + ((localLength + 3) >>> 2) + ((remoteLength + 3) >>> 2);
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, words: number): number {
  h ^= words << 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Mix the bytes of one sockaddr as record words; words in [skipStart, skipEnd) count as zero. */
function mixBytes(
  h: number,
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  length: number,
  skipStart: number,
  skipEnd: number,
): number {
  const whole = length & ~3;
  let k = 0;
  // Exact mode skips nothing: a loop without the test is a third faster.
  if (skipStart === skipEnd) for (; k < whole; k += 4) h = mix(h, view.getInt32(offset + k, true));
  else for (; k < whole; k += 4) h = mix(h, k >= skipStart && k < skipEnd ? 0 : view.getInt32(offset + k, true));
  if (k < length) h = mix(h, k >= skipStart && k < skipEnd ? 0 : tailWord(bytes, offset + k, length - k));
  return h;
}

/** The last 1–3 bytes as a little-endian word, zero-padded. */
function tailWord(bytes: Uint8Array, at: number, n: number): number {
  let w = bytes[at]!;
  if (n > 1) w |= bytes[at + 1]! << 8;
  if (n > 2) w |= bytes[at + 2]! << 16;
  return w;
}

/** The hash of a normalised entry whose bytes are wherever the cursor points. */
export function hashCursor(c: EntryCursor, seed: number): number {
  let h = seed;
  h = mix(h, c.iSocketType);
  h = mix(h, c.iProtocol);
  h = mix(h, c.localLength);
  h = mix(h, c.remoteLength);
  h = mixBytes(h, c.localBytes, c.localView, c.localOffset, c.localLength, c.localSkipStart, c.localSkipEnd);
  h = mixBytes(h, c.remoteBytes, c.remoteView, c.remoteOffset, c.remoteLength, c.remoteSkipStart, c.remoteSkipEnd);
  return finish(h, recordWords(c.localLength, c.remoteLength));
}

/** The hash of words [from, to): of a whole record at p, `hashWords(arena, p, p + recordWords(…), seed)` equals its `hashCursor`. */
export function hashWords(words: Int32Array, from: number, to: number, seed: number): number {
  let h = seed;
  for (let q = from; q < to; q++) h = mix(h, words[q]!);
  return finish(h, to - from);
}

/**
 * The first word of the keyed hash's key: drawn once per process from the
 * platform's CSPRNG (the set's seed is the second).
 */
const KEY0 = drawKeyWord();

function drawKeyWord(): number {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Int32Array) => Int32Array } }).crypto;
  if (crypto?.getRandomValues) return crypto.getRandomValues(new Int32Array(1))[0]!;
  return (Math.random() * 0x1_0000_0000) | 0;
}

/** Where keyedHashCursor lays an entry out as record words before hashing them. */
let cursorWords = new Int32Array(64);

/** The keyed hash of a normalised entry under the cursor: that of its record words. */
export function keyedHashCursor(c: EntryCursor, seed: number): number {
  const words = recordWords(c.localLength, c.remoteLength);
  if (words > cursorWords.length) cursorWords = new Int32Array(Math.max(words, 2 * cursorWords.length));
  writeRecord(cursorWords, 0, c);
  return keyedHashWords(cursorWords, 0, words, seed);
}

/**
 * HalfSipHash-1-3 of words [from, to) under the key (KEY0, seed). The
 * rounds are written out so the four state words stay in registers.
 */
export function keyedHashWords(words: Int32Array, from: number, to: number, seed: number): number {
  let v0 = KEY0;
  let v1 = seed;
  let v2 = 0x6c796765 ^ KEY0;
  let v3 = 0x74656462 ^ seed;
  for (let q = from; q < to; q++) {
    const m = words[q]!;
    v3 ^= m;
    v0 = (v0 + v1) | 0;
    v1 = (v1 << 5) | (v1 >>> 27);
    v1 ^= v0;
    v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0;
    v3 = (v3 << 8) | (v3 >>> 24);
    v3 ^= v2;
    v0 = (v0 + v3) | 0;
    v3 = (v3 << 7) | (v3 >>> 25);
    v3 ^= v0;
    v2 = (v2 + v1) | 0;
    v1 = (v1 << 13) | (v1 >>> 19);
    v1 ^= v2;
    v2 = (v2 << 16) | (v2 >>> 16);
    v0 ^= m;
  }
  // The length in bytes in the top byte, as HalfSipHash pads its last block.
  const b = ((to - from) << 26) | 0;
  v3 ^= b;
  v0 = (v0 + v1) | 0;
  v1 = (v1 << 5) | (v1 >>> 27);
  v1 ^= v0;
  v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0;
  v3 = (v3 << 8) | (v3 >>> 24);
  v3 ^= v2;
  v0 = (v0 + v3) | 0;
  v3 = (v3 << 7) | (v3 >>> 25);
  v3 ^= v0;
  v2 = (v2 + v1) | 0;
  v1 = (v1 << 13) | (v1 >>> 19);
  v1 ^= v2;
  v2 = (v2 << 16) | (v2 >>> 16);
  v0 ^= b;
  v2 ^= 0xff;
  for (let r = 0; r < 3; r++) {
    v0 = (v0 + v1) | 0;
    v1 = (v1 << 5) | (v1 >>> 27);
    v1 ^= v0;
    v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0;
    v3 = (v3 << 8) | (v3 >>> 24);
    v3 ^= v2;
    v0 = (v0 + v3) | 0;
    v3 = (v3 << 7) | (v3 >>> 25);
    v3 ^= v0;
    v2 = (v2 + v1) | 0;
    v1 = (v1 << 13) | (v1 >>> 19);
    v1 ^= v2;
    v2 = (v2 << 16) | (v2 >>> 16);
  }
  return v1 ^ v3;
}

function bytesEqual(
  arena: Int32Array,
  q: number,
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  length: number,
  skipStart: number,
  skipEnd: number,
): boolean {
  const whole = length & ~3;
  let k = 0;
  if (skipStart === skipEnd) {
    for (; k < whole; k += 4, q++) if (arena[q] !== view.getInt32(offset + k, true)) return false;
  } else {
    for (; k < whole; k += 4, q++)
      if (arena[q] !== (k >= skipStart && k < skipEnd ? 0 : view.getInt32(offset + k, true))) return false;
  }
  return k >= length || arena[q] === (k >= skipStart && k < skipEnd ? 0 : tailWord(bytes, offset + k, length - k));
}

/** Whether `words` words at `p` and at `q` are equal (two records, lengths in words 2 and 3 compared first). */
export function wordsEqual(arena: Int32Array, p: number, q: number, words: number): boolean {
  for (let k = 0; k < words; k++) if (arena[p + k] !== arena[q + k]) return false;
  return true;
}

/** Whether the record at word `p` and the normalised entry under the cursor match (rule.ts). */
export function recordEquals(arena: Int32Array, p: number, c: EntryCursor): boolean {
  if (
    arena[p] !== c.iSocketType ||
    arena[p + 1] !== c.iProtocol ||
    arena[p + 2] !== c.localLength ||
    arena[p + 3] !== c.remoteLength
  )
    return false;
  const q = p + RECORD_HEADER_WORDS;
  return (
    bytesEqual(arena, q, c.localBytes, c.localView, c.localOffset, c.localLength, c.localSkipStart, c.localSkipEnd) &&
    bytesEqual(
      arena,
      q + ((c.localLength + 3) >>> 2),
      c.remoteBytes,
      c.remoteView,
      c.remoteOffset,
      c.remoteLength,
      c.remoteSkipStart,
      c.remoteSkipEnd,
    )
  );
}

function writeBytes(
  arena: Int32Array,
  q: number,
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  length: number,
  skipStart: number,
  skipEnd: number,
): number {
  const whole = length & ~3;
  let k = 0;
  if (skipStart === skipEnd) for (; k < whole; k += 4) arena[q++] = view.getInt32(offset + k, true);
  else for (; k < whole; k += 4) arena[q++] = k >= skipStart && k < skipEnd ? 0 : view.getInt32(offset + k, true);
  if (k < length) arena[q++] = k >= skipStart && k < skipEnd ? 0 : tailWord(bytes, offset + k, length - k);
  return q;
}

/** Write the normalised entry under the cursor as a record at word `p`; the arena has room for `recordWords`. */
export function writeRecord(arena: Int32Array, p: number, c: EntryCursor): void {
  arena[p] = c.iSocketType;
  arena[p + 1] = c.iProtocol;
  arena[p + 2] = c.localLength;
  arena[p + 3] = c.remoteLength;
  const q = writeBytes(
    arena,
    p + RECORD_HEADER_WORDS,
    c.localBytes,
    c.localView,
    c.localOffset,
    c.localLength,
    c.localSkipStart,
    c.localSkipEnd,
  );
  writeBytes(arena, q, c.remoteBytes, c.remoteView, c.remoteOffset, c.remoteLength, c.remoteSkipStart, c.remoteSkipEnd);
}

/**
 * Point the cursor at the record at word `p` of an arena whose bytes and
 * DataView are given (already normalised: no skip ranges needed).
 */
export function loadRecord(arena: Int32Array, bytes: Uint8Array, view: DataView, p: number, c: EntryCursor): void {
  const localLength = arena[p + 2]!;
  const at = (p + RECORD_HEADER_WORDS) * 4;
  c.iSocketType = arena[p]!;
  c.iProtocol = arena[p + 1]!;
  c.setLocal(bytes, view, at, localLength);
  c.setRemote(bytes, view, at + ((localLength + 3) & ~3), arena[p + 3]!);
  c.localSkipStart = c.localSkipEnd = c.remoteSkipStart = c.remoteSkipEnd = 0;
}
