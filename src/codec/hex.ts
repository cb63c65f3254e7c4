/**
 * Lowercase hex, the form canonical JSON gives sockaddr and blob bytes.
 * Table-driven both ways: decode/encode of a 28-byte SOCKADDR_IN6 is on the
 * hot path of `decode/typical` and `encode/typical`.
 */

const BYTE_TO_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Nibble value of a char code (0-9, a-f, A-F), or -1. Indexed by code < 128. */
const NIBBLE: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[97 + i] = 10 + i;
    t[65 + i] = 10 + i;
  }
  return t;
})();

/**
 * Hex of every 16-bit big-endian word: half as many string concatenations
 * as byte by byte, which made `decode/typical` about 10% faster. Built on
 * first use (65,536 four-char strings, ~2 MB).
 */
let wordToHex: string[] | undefined;
function wordTable(): string[] {
  if (!wordToHex) {
    wordToHex = new Array<string>(65536);
    for (let i = 0; i < 65536; i++) wordToHex[i] = BYTE_TO_HEX[i >>> 8]! + BYTE_TO_HEX[i & 0xff]!;
  }
  return wordToHex;
}

/**
 * Up to this many bytes (every sockaddr family rnrkit names: SOCKADDR_IN6
 * is 28, SOCKADDR_BTH 30), concatenation, the fastest way for short hex.
 * Beyond it, each `+=` would add a rope node (~30 bytes on the heap for
 * every 4 chars), so a 128-byte sockaddr's 256-char hex took ~2 KB instead
 * of ~280, and 65,536 entries sharing one such sockaddr decoded to ~270 MB
 * of heap. Longer hex is written as ASCII codes and decoded once into one
 * flat string. A rope of at most 32 bytes' hex costs ~450 bytes, bounded
 * by maxCount like the objects that hold it.
 */
const CONCAT_MAX_BYTES = 32;
const HEX_DIGITS = new Uint8Array(16).map((_, i) => '0123456789abcdef'.charCodeAt(i));
/** Reused between calls (decoding is synchronous). */
const REUSED_MAX = 4096;
const asciiHex = new Uint8Array(REUSED_MAX);
const ascii = new TextDecoder();

export function bytesToHex(bytes: Uint8Array, start: number, length: number): string {
  if (length <= CONCAT_MAX_BYTES) {
    const words = wordTable();
    let s = '';
    const end = start + length;
    let i = start;
    for (; i + 1 < end; i += 2) s += words[(bytes[i]! << 8) | bytes[i + 1]!]!;
    if (i < end) s += BYTE_TO_HEX[bytes[i]!]!;
    return s;
  }
  // A big blob gets a buffer of its own, so a 1 MiB one does not stay allocated.
  const out = length * 2 <= REUSED_MAX ? asciiHex : new Uint8Array(length * 2);
  for (let i = 0, j = start, k = 0; i < length; i++, j++, k += 2) {
    const b = bytes[j]!;
    out[k] = HEX_DIGITS[b >>> 4]!;
    out[k + 1] = HEX_DIGITS[b & 15]!;
  }
  return ascii.decode(out.subarray(0, length * 2));
}

/** A regex test beats a charCodeAt loop here (`encode/typical`). */
const NON_HEX = /[^0-9a-fA-F]/;

/**
 * Index of the first character that is not a hex digit, or -1 when all are
 * (either case). The length (even, matching a byte count) is checked by the
 * caller, which knows which member holds the count.
 */
export function firstNonHex(text: string): number {
  const m = NON_HEX.exec(text);
  return m ? m.index : -1;
}

/** Write validated hex (see firstNonHex) as bytes at target[offset]. */
export function writeHex(text: string, target: Uint8Array, offset: number): void {
  const n = text.length >>> 1;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    target[offset + i] = (NIBBLE[text.charCodeAt(j)]! << 4) | NIBBLE[text.charCodeAt(j + 1)]!;
  }
}

export function hexToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length >>> 1);
  writeHex(text, out, 0);
  return out;
}
