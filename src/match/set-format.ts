import { InvalidDataError } from '../errors.js';
import { hashWords } from './record.js';
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
 * The checksum of serialised bytes: record.ts's word hash over the first
 * five header words, carried on as the seed of the hash over the payload.
 */
export function checksumOf(header: DataView, payload: Int32Array, payloadWords: number): number {
  const words = new Int32Array(5);
  for (let i = 0; i < 5; i++) words[i] = header.getInt32(i * 4, true);
  return hashWords(payload, 0, payloadWords, hashWords(words, 0, 5, CHECKSUM_SEED)) >>> 0;
}

export interface SetHeader {
  readonly mode: MatchMode;
  readonly count: number;
  /** Infinity when the set has no quota. */
  readonly maxEntries: number;
}

/**
 * A serialised set's bytes with room for `payloadWords` words of records,
 * and those words as an Int32Array over the same buffer (the header is a
 * whole number of words, so the payload is aligned): the caller writes the
 * records straight into `payload`, then `sealSet` writes the header. One
 * allocation, no copy of the records (service/batch serialises a set per
 * REGISTER).
 */
export function allocateSet(payloadWords: number): { bytes: Uint8Array; payload: Int32Array } {
  const bytes = new Uint8Array(SET_HEADER_BYTES + payloadWords * 4);
  return { bytes, payload: new Int32Array(bytes.buffer, SET_HEADER_BYTES, payloadWords) };
}

/** Write the header and checksum of bytes from `allocateSet` whose payload is filled in. */
export function sealSet(bytes: Uint8Array, header: SetHeader): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloadWords = (bytes.length - SET_HEADER_BYTES) >>> 2;
  bytes.set(MAGIC, 0);
  view.setUint16(4, SET_FORMAT_VERSION, true);
  view.setUint8(6, MODES.indexOf(header.mode));
  view.setUint32(8, header.count, true);
  view.setUint32(12, Number.isFinite(header.maxEntries) ? header.maxEntries : NO_QUOTA, true);
  view.setUint32(16, payloadWords * 4, true);
  // checksumOf, read off the buffer's own words: the header words are the
  // little-endian values checksumOf reads (the host is little-endian, record.ts).
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  const headerWords = SET_HEADER_BYTES >>> 2;
  view.setUint32(20, hashWords(words, headerWords, headerWords + payloadWords, hashWords(words, 0, 5, CHECKSUM_SEED)) >>> 0, true);
  return bytes;
}

/**
 * Check the header and checksum of serialised bytes and return the header
 * and the payload as aligned words (a copy). InvalidDataError for anything
 * wrong, with the byte offset; nothing is allocated from an unchecked size.
 */
export function readSet(bytes: Uint8Array): { header: SetHeader; payload: Int32Array } {
  if (!(bytes instanceof Uint8Array)) throw new InvalidDataError('serialised address set must be a Uint8Array');
  if (bytes.length < SET_HEADER_BYTES) throw new InvalidDataError(`${bytes.length} bytes is shorter than the ${SET_HEADER_BYTES}-byte header of an address set`);
  if (MAGIC.some((m, i) => bytes[i] !== m)) throw new InvalidDataError('bytes 0–3 are not "RNRS": not a serialised address set');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== SET_FORMAT_VERSION) throw new InvalidDataError(`format version ${version} is not supported (this rnrkit reads version ${SET_FORMAT_VERSION})`);
  const mode = MODES[view.getUint8(6)];
  if (mode === undefined) throw new InvalidDataError(`byte 6: mode ${view.getUint8(6)} is neither 0 (exact) nor 1 (semantic)`);
  if (view.getUint8(7) !== 0) throw new InvalidDataError(`byte 7: reserved byte is ${view.getUint8(7)}, not 0`);
  const count = view.getUint32(8, true);
  const quota = view.getUint32(12, true);
  const length = view.getUint32(16, true);
  if (length !== bytes.length - SET_HEADER_BYTES || length % 4 !== 0) {
    throw new InvalidDataError(`byte 16: payload length ${length} does not match the ${bytes.length - SET_HEADER_BYTES} bytes after the header`);
  }
  const maxEntries = quota === NO_QUOTA ? Infinity : quota;
  if (count > maxEntries) throw new InvalidDataError(`byte 8: ${count} entries exceed the stored quota of ${quota}`);
  // Every record has at least its 4 header words.
  if (count > length / 16) throw new InvalidDataError(`byte 8: ${count} entries cannot fit in ${length} payload bytes`);
  const payload = new Int32Array(length / 4);
  new Uint8Array(payload.buffer).set(bytes.subarray(SET_HEADER_BYTES));
  const checksum = checksumOf(view, payload, payload.length);
  if (checksum !== view.getUint32(20, true)) throw new InvalidDataError(`byte 20: checksum 0x${view.getUint32(20, true).toString(16)} does not match the bytes (0x${checksum.toString(16)}): the bytes are damaged`);
  return { header: { mode, count, maxEntries }, payload };
}
