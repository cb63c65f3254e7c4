/** What parsers call, both ways (parse.ts generates source that calls these; parser-closures.ts calls them directly). */
import { InvalidDataError, RnrError } from '../errors.js';
import { checkAnsi, checkArray, checkGuid, checkHex, checkUtf16, notInt, notObject, show } from './encode-helpers.js';

export type Charset = 'W' | 'A';
export type StructParser = (value: unknown, charset: Charset) => Record<string, unknown>;

export const INT_LIMITS: Record<string, [number, number]> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffff_ffff],
  i32: [-0x8000_0000, 0x7fff_ffff],
};

/**
 * What generated parsers call: the codec's checks (encode-helpers.ts, the
 * same messages encode gives) and the few steps that are not one line.
 */
export const PARSE_HELPERS = {
  notInt,
  notObject,
  checkUtf16,
  checkAnsi,
  checkHex,
  checkArray,
  checkGuid,
  show,
  InvalidDataError,
  canonicalGuidText,
  unknownMember(key: string, title: string, known: ReadonlySet<string>): InvalidDataError {
    return new InvalidDataError(`unknown member ${JSON.stringify(key)} (${title} has ${[...known].join(', ')})`);
  },
  missing(): InvalidDataError {
    return new InvalidDataError('missing (every member is required; NULL pointers are null)');
  },
  /** An error on the way out of a member or an array element: its name in front of the path. */
  context(e: unknown, name: string): unknown {
    return e instanceof RnrError ? e.withContext(name) : e;
  },
  parseArray(parse: StructParser, elements: readonly unknown[], charset: Charset): unknown[] {
    const out = new Array<unknown>(elements.length);
    let i = 0;
    try {
      for (; i < elements.length; i++) out[i] = parse(elements[i], charset);
    } catch (e) {
      throw e instanceof RnrError ? e.withContext(`[${i}]`) : e;
    }
    return out;
  },
};

/**
 * The canonical spelling (braces, upper case) of a GUID checkGuid accepted:
 * the same text canonicalGuid gives (the bytes of the GUID in text order,
 * upper-case hex), without converting to bytes and back.
 */
export function canonicalGuidText(text: string): string {
  const braced = text.charCodeAt(0) === 123; /* { */
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 /* a */ && c <= 102 /* f */) return braced ? text.toUpperCase() : `{${text.toUpperCase()}}`;
  }
  return braced ? text : `{${text}}`;
}
