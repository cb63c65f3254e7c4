/**
 * Strings as canonical JSON keeps them: the exact UTF-16 code units of a
 * WCHAR string (an unpaired surrogate included, which TextDecoder would
 * replace with U+FFFD), or the bytes of a CHAR string as U+0000–U+00FF.
 * So strings are built from code units here, never through TextDecoder.
 */

/**
 * Short strings concatenate one unit at a time; from about 10 units on, one
 * String.fromCharCode.apply over a reused array is faster (measured for
 * `decode/typical`, whose strings are 16–20 units). Long strings go in
 * chunks small enough for any engine's argument limit.
 */
const APPLY_THRESHOLD = 10;
const CHUNK = 4096;
/** Reused between calls (decoding is synchronous): no allocation per string. */
const units: number[] = [];

/** `count` little-endian UTF-16 code units starting at bytes[start]. */
export function utf16ToString(bytes: Uint8Array, start: number, count: number): string {
  if (count <= APPLY_THRESHOLD) {
    let s = '';
    for (let i = 0, j = start; i < count; i++, j += 2) s += String.fromCharCode(bytes[j]! | (bytes[j + 1]! << 8));
    return s;
  }
  let s = '';
  for (let done = 0; done < count; ) {
    const n = Math.min(CHUNK, count - done);
    units.length = n;
    for (let i = 0, j = start + done * 2; i < n; i++, j += 2) units[i] = bytes[j]! | (bytes[j + 1]! << 8);
    s += String.fromCharCode.apply(null, units);
    done += n;
  }
  return s;
}

/** `length` bytes as U+0000–U+00FF. */
export function bytesToLatin1(bytes: Uint8Array, start: number, length: number): string {
  if (length <= APPLY_THRESHOLD) {
    let s = '';
    for (let i = start, end = start + length; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  let s = '';
  for (let done = 0; done < length; done += CHUNK) {
    const end = start + Math.min(length, done + CHUNK);
    s += String.fromCharCode.apply(null, bytes.subarray(start + done, end) as unknown as number[]);
  }
  return s;
}

/** Write a string's code units little-endian at target[offset], then a NUL unit. */
export function writeUtf16z(text: string, target: Uint8Array, offset: number): void {
  let j = offset;
  for (let i = 0; i < text.length; i++, j += 2) {
    const c = text.charCodeAt(i);
    target[j] = c & 0xff;
    target[j + 1] = c >>> 8;
  }
  target[j] = 0;
  target[j + 1] = 0;
}

/** Write a U+0000–U+00FF string's chars as bytes at target[offset], then NUL. The caller has checked the range. */
export function writeLatin1z(text: string, target: Uint8Array, offset: number): void {
  let j = offset;
  for (let i = 0; i < text.length; i++, j++) target[j] = text.charCodeAt(i);
  target[j] = 0;
}

/** A char that does not fit one CHAR (or is U+0000, which would end the string early): its index, or -1. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0001 is the lowest char a CHAR string can hold
const NOT_ANSI = /[^\u0001-\u00ff]/;
export function firstNonAnsi(text: string): number {
  const m = NOT_ANSI.exec(text);
  return m ? m.index : -1;
}
