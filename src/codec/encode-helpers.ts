import { layoutOf } from '../abi/layout.js';
import { InvalidDataError, RnrError } from '../errors.js';
import { firstNonAnsi, writeLatin1z, writeUtf16z } from './code-units.js';
import { firstNonHex, writeHex } from './hex.js';

/**
 * What the generated encoders call: value checks that name what was wrong
 * (the generated code adds the JSON path) and the byte writers. Checks run
 * in the sizing pass, so nothing is written for a value that would fail.
 */

/** How a JSON value looks in a message: short, and never the whole value. */
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  try {
    text =
      typeof value === 'string'
        ? JSON.stringify(value)
        : Array.isArray(value)
          ? `an array of ${value.length}`
          : typeof value === 'object' && value !== null
            ? 'an object'
            : String(value);
  } catch {
    text = typeof value;
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

const INT_RANGES: Record<string, string> = {
  u8: '0…255',
  i8: '-128…127',
  u16: '0…65535',
  i16: '-32768…32767',
  u32: '0…4294967295',
  i32: '-2147483648…2147483647',
};

export function notInt(value: unknown, kind: string, typeName: string): InvalidDataError {
  const article = /^[AEIOU]/.test(typeName) ? 'an' : 'a';
  return new InvalidDataError(`${show(value)} is not ${article} ${typeName} (an integer ${INT_RANGES[kind] ?? ''})`);
}

export function notObject(value: unknown, what: string): InvalidDataError {
  return new InvalidDataError(`${show(value)} is not ${what}`);
}

export function checkUtf16(value: unknown): void {
  if (typeof value !== 'string') throw new InvalidDataError(`${show(value)} is not a string or null`);
  const nul = value.indexOf('\u0000');
  if (nul >= 0) throw new InvalidDataError(`U+0000 at index ${nul} would end the string early`);
}

export function checkAnsi(value: unknown): void {
  if (typeof value !== 'string') throw new InvalidDataError(`${show(value)} is not a string or null`);
  const bad = firstNonAnsi(value);
  if (bad >= 0) {
    const c = value.charCodeAt(bad);
    throw new InvalidDataError(
      c === 0
        ? `U+0000 at index ${bad} would end the string early`
        : `char ${bad} (U+${c.toString(16).toUpperCase().padStart(4, '0')}) is not a byte: ANSI strings are bytes as U+0001–U+00FF (see textToAnsi)`,
    );
  }
}

/** `lengthName` holds the byte count the hex must have. */
export function checkHex(value: unknown, length: number, lengthName: string): void {
  if (typeof value !== 'string') throw new InvalidDataError(`${show(value)} is not hex or null`);
  // The length member may come later in the struct (iSockaddrLength follows
  // lpSockaddr); its own check, under its own name, reports a bad value.
  if (!Number.isInteger(length)) return;
  if (length < 0) throw new InvalidDataError(`${lengthName} = ${length} is negative, but the pointer is not null`);
  if (value.length !== length * 2)
    throw new InvalidDataError(`${value.length / 2} bytes of hex, but ${lengthName} = ${length}`);
  const bad = firstNonHex(value);
  if (bad >= 0) throw new InvalidDataError(`${show(value)} is not hex (char ${bad})`);
}

export function checkArray(value: unknown, count: number, countName: string): void {
  if (!Array.isArray(value)) throw new InvalidDataError(`${show(value)} is not an array or null`);
  if (value.length !== count)
    throw new InvalidDataError(
      `${value.length} entries, but ${countName} = ${count} (a non-null array has exactly that many)`,
    );
}

const GUID_SHAPE = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
export function checkGuid(value: unknown): void {
  if (
    typeof value !== 'string' ||
    !GUID_SHAPE.test(value) ||
    (value[0] === '{') !== (value[value.length - 1] === '}')
  ) {
    throw new InvalidDataError(`${show(value)} is not a GUID ({XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}) or null`);
  }
}

const GUID_SIZE = layoutOf('GUID', 'x64').size;
/**
 * Text positions of the GUID's memory bytes: Data1 (4 bytes), Data2 and
 * Data3 (2 each) are little-endian, Data4's 8 bytes are in text order.
 */
const GUID_TEXT_INDEX = [6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34];
if (GUID_TEXT_INDEX.length !== GUID_SIZE) throw new Error('GUID_TEXT_INDEX out of step with the GUID layout');

/** Write a GUID checked by checkGuid (either case, braces optional). */
export function writeGuid(value: string, target: Uint8Array, offset: number): void {
  const skip = value.charCodeAt(0) === 123 /* { */ ? 1 : 0;
  for (let i = 0; i < 16; i++) {
    const at = skip + GUID_TEXT_INDEX[i]!;
    target[offset + i] = (nibble(value.charCodeAt(at)) << 4) | nibble(value.charCodeAt(at + 1));
  }
}

/** A checked hex digit's value (either case). */
function nibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

/**
 * A length or count over one of the codec's limits (limits.ts): encode
 * refuses what decode would refuse, so an image rnrkit writes is one it can
 * read back with the same limits.
 */
export function overLimit(value: number, name: string, limit: number, limitName: string): InvalidDataError {
  return new InvalidDataError(
    `${name} = ${value} exceeds ${limitName} (${limit}); raise limits.${limitName} to encode it`,
  );
}

export function tooLong(units: number, limit: number): InvalidDataError {
  return new InvalidDataError(
    `a string of ${units} code units exceeds maxStringUnits (${limit}); raise limits.maxStringUnits to encode it`,
  );
}

/** Strict-mode context: put a name in front of an RnrError's path. */
export function fail(e: unknown, name: string): unknown {
  return e instanceof RnrError ? e.withContext(name) : e;
}

export const ENCODE_HELPERS = {
  notInt,
  notObject,
  checkUtf16,
  checkAnsi,
  checkHex,
  checkArray,
  checkGuid,
  fail,
  overLimit,
  tooLong,
  writeGuid,
  writeHex,
  writeUtf16z,
  writeLatin1z,
};
export type EncodeHelpers = typeof ENCODE_HELPERS;
