import { InvalidDataError, UsageError } from '../errors.js';

/**
 * ANSI strings (WSAQUERYSETA) live in canonical JSON as their bytes, one
 * char U+0000–U+00FF per byte, so nothing is lost whatever the code page.
 * These two helpers turn such a byte string into text and back for one code
 * page. windows-1252 (what an English or Western European Windows uses as
 * its ANSI code page) and iso-8859-1 are built in both ways; for any other
 * label the host's TextDecoder decodes (fatal: unmappable bytes are an
 * error), and encoding to it is not offered (TextEncoder only does UTF-8).
 */
export type CodePage = string;

/**
 * windows-1252 bytes 0x80–0x9F. The five bytes Microsoft leaves undefined
 * (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 control of the same value,
 * as MultiByteToWideChar and the WHATWG encoding standard both do. Built
 * in rather than left to TextDecoder, which Node builds without full ICU
 * decode as ISO-8859-1.
 */
const CP1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
];
const CP1252_REVERSE = new Map<number, number>(CP1252_HIGH.map((c, i) => [c, 0x80 + i]));

function normalise(codePage: string): string {
  const label = codePage.trim().toLowerCase();
  if (label === 'windows-1252' || label === 'cp1252' || label === '1252') return 'windows-1252';
  if (label === 'iso-8859-1' || label === 'latin1' || label === 'latin-1' || label === '28591') return 'iso-8859-1';
  return label;
}

function checkBytes(ansi: string): void {
  for (let i = 0; i < ansi.length; i++) {
    if (ansi.charCodeAt(i) > 0xff)
      throw new InvalidDataError(
        `char ${i} (U+${ansi.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}) is not a byte: ANSI strings in canonical JSON are U+0000–U+00FF`,
      );
  }
}

/** Bytes-as-chars (canonical JSON of an ANSI string) → text in `codePage` (default windows-1252). */
export function ansiToText(ansi: string, codePage: CodePage = 'windows-1252'): string {
  checkBytes(ansi);
  const page = normalise(codePage);
  if (page === 'iso-8859-1') return ansi;
  if (page === 'windows-1252') {
    let out = '';
    for (let i = 0; i < ansi.length; i++) {
      const b = ansi.charCodeAt(i);
      out += b >= 0x80 && b < 0xa0 ? String.fromCharCode(CP1252_HIGH[b - 0x80]!) : ansi[i];
    }
    return out;
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(page, { fatal: true });
  } catch {
    throw new UsageError(`unknown code page ${JSON.stringify(codePage)}`);
  }
  const bytes = new Uint8Array(ansi.length);
  for (let i = 0; i < ansi.length; i++) bytes[i] = ansi.charCodeAt(i);
  try {
    return decoder.decode(bytes);
  } catch {
    throw new InvalidDataError(`the bytes are not valid ${page}`);
  }
}

/** Text → bytes-as-chars in `codePage` (windows-1252 or iso-8859-1). A char the page cannot hold is an error naming its index. */
export function textToAnsi(text: string, codePage: CodePage = 'windows-1252'): string {
  const page = normalise(codePage);
  if (page !== 'windows-1252' && page !== 'iso-8859-1')
    throw new UsageError(`textToAnsi supports windows-1252 and iso-8859-1, not ${JSON.stringify(codePage)}`);
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let b: number | undefined;
    if (page === 'iso-8859-1') b = c <= 0xff ? c : undefined;
    else b = c < 0x80 || (c >= 0xa0 && c <= 0xff) ? c : CP1252_REVERSE.get(c);
    if (b === undefined)
      throw new InvalidDataError(
        `char ${i} (U+${c.toString(16).toUpperCase().padStart(4, '0')}) has no byte in ${page}`,
      );
    out += String.fromCharCode(b);
  }
  return out;
}
