import { InvalidDataError } from '../errors.js';
import type { MatchMode } from './rule.js';

/**
 * The serialised AddressSet (what the service's registry stores): a
 * 24-byte little-endian header, then the live records exactly as record.ts
 * lays them out, in insertion order.
 *
 *   0  "RNRS"        magic
 *   4  u16 version   SET_FORMAT_VERSION
 *   6  u8  mode      0 exact, 1 semantic
 *   7  u8  reserved  0
 *   8  u32 count     number of records
 *  12  u32 quota     maxEntries, 0xffffffff for none
 *  16  u32 length    payload bytes (a multiple of 4)
 *  20  u32 checksum  over bytes 0–19 and the payload (`checksumOf`)
 *
 * This is rnrkit's own format, not a Windows structure. The checksum turns
 * a flipped bit in storage into an InvalidDataError instead of a silently
 * different address or quota; the loader still validates every record,
 * because a checksum proves nothing about bytes someone wrote on purpose.
 */
export const SET_FORMAT_VERSION = 1;
export const SET_HEADER_BYTES = 24;
const MAGIC = [0x52, 0x4e, 0x52, 0x53];
const CHECKSUM_SEED = 0x52_4e_52_53;
const MODES: readonly MatchMode[] = ['exact', 'semantic'];
/** The stored quota of a set without one; so the largest quota a set can have is one less. */
export const NO_QUOTA = 0xffff_ffff;

/**
 * The checksum's word hash: MurmurHash3's x86_32 block mix and finaliser,
 * unkeyed, so every process computes the same checksum for the same bytes.
 * (A checksum only has to catch damage; the sets' hash index uses a keyed
 * hash instead, record.ts.)
 */
function checksumWords(words: Int32Array, from: number, to: number, seed: number): number {
  let h = seed;
  for (let q = from; q < to; q++) {
    let k = Math.imul(words[q]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= (to - from) << 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The checksum of serialised bytes: `checksumWords` over the first five
 * header words, carried on as the seed of the hash over the payload. It is
 * the function format version 1 has always used, so sets stored before the
 * index hash changed still read.
 */
export function checksumOf(header: DataView, payload: Int32Array, payloadWords: number): number {
  const words = new Int32Array(5);
  for (let i = 0; i < 5; i++) words[i] = header.getInt32(i * 4, true);
  return checksumWords(payload, 0, payloadWords, checksumWords(words, 0, 5, CHECKSUM_SEED)) >>> 0;
}

export interface SetHeader {
  readonly mode: MatchMode;
  readonly count: number;
  /** Infinity when the set has no quota. */
  readonly maxEntries: number;
}

/** The header's first word, "RNRS", as the little-endian host reads it. */
const MAGIC_WORD = MAGIC[0]! | (MAGIC[1]! << 8) | (MAGIC[2]! << 16) | (MAGIC[3]! << 24);
const HEADER_WORDS = SET_HEADER_BYTES >>> 2;
/** The word the payload starts at in the words of `allocateSet`. */
export const SET_PAYLOAD_WORD = HEADER_WORDS;

/**
 * The words of a serialised set with room for `payloadWords` words of
 * records, which the caller writes from word SET_PAYLOAD_WORD on; then
 * `sealSet` writes the header. One allocation and no copy of the records
 * (service/batch serialises a set per REGISTER).
 */
export function allocateSet(payloadWords: number): Int32Array {
  return new Int32Array(HEADER_WORDS + payloadWords);
}

/**
 * Write the header and checksum into words from `allocateSet` whose payload
 * is filled in, and return them as the serialised bytes. The header is
 * written as host-order words, which on the little-endian host (record.ts)
 * are the little-endian fields of the format.
 */
export function sealSet(words: Int32Array, header: SetHeader): Uint8Array {
  const payloadWords = words.length - HEADER_WORDS;
  words[0] = MAGIC_WORD;
  // u16 version, u8 mode, u8 reserved (0).
  words[1] = SET_FORMAT_VERSION | (MODES.indexOf(header.mode) << 16);
  words[2] = header.count;
  words[3] = Number.isFinite(header.maxEntries) ? header.maxEntries : NO_QUOTA;
  words[4] = payloadWords * 4;
  // checksumOf over the same words.
  words[5] = checksumWords(words, HEADER_WORDS, HEADER_WORDS + payloadWords, checksumWords(words, 0, 5, CHECKSUM_SEED));
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/**
 * Check the header and checksum of serialised bytes and return the header
 * and the payload as aligned words (a copy). InvalidDataError for anything
 * wrong, with the byte offset; nothing is allocated from an unchecked size.
 */
export function readSet(bytes: Uint8Array): { header: SetHeader; payload: Int32Array } {
  if (!(bytes instanceof Uint8Array)) throw new InvalidDataError('serialised address set must be a Uint8Array');
  if (bytes.length < SET_HEADER_BYTES)
    throw new InvalidDataError(
      `${bytes.length} bytes is shorter than the ${SET_HEADER_BYTES}-byte header of an address set`,
    );
  if (MAGIC.some((m, i) => bytes[i] !== m))
    throw new InvalidDataError('bytes 0–3 are not "RNRS": not a serialised address set');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== SET_FORMAT_VERSION)
    throw new InvalidDataError(
      `format version ${version} is not supported (this rnrkit reads version ${SET_FORMAT_VERSION})`,
    );
  const mode = MODES[view.getUint8(6)];
  if (mode === undefined)
    throw new InvalidDataError(`byte 6: mode ${view.getUint8(6)} is neither 0 (exact) nor 1 (semantic)`);
  if (view.getUint8(7) !== 0) throw new InvalidDataError(`byte 7: reserved byte is ${view.getUint8(7)}, not 0`);
  const count = view.getUint32(8, true);
  const quota = view.getUint32(12, true);
  const length = view.getUint32(16, true);
  if (length !== bytes.length - SET_HEADER_BYTES || length % 4 !== 0) {
    throw new InvalidDataError(
      `byte 16: payload length ${length} does not match the ${bytes.length - SET_HEADER_BYTES} bytes after the header`,
    );
  }
  const maxEntries = quota === NO_QUOTA ? Infinity : quota;
  if (count > maxEntries) throw new InvalidDataError(`byte 8: ${count} entries exceed the stored quota of ${quota}`);
  // Every record has at least its 4 header words.
  if (count > length / 16) throw new InvalidDataError(`byte 8: ${count} entries cannot fit in ${length} payload bytes`);
  const payload = new Int32Array(length / 4);
  new Uint8Array(payload.buffer).set(bytes.subarray(SET_HEADER_BYTES));
  const checksum = checksumOf(view, payload, payload.length);
  if (checksum !== view.getUint32(20, true))
    throw new InvalidDataError(
      `byte 20: checksum 0x${view.getUint32(20, true).toString(16)} does not match the bytes (0x${checksum.toString(16)}): the bytes are damaged`,
    );
  return { header: { mode, count, maxEntries }, payload };
}
