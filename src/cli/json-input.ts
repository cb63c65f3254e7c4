import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InvalidDataError } from '../errors.js';
import { sizeOption } from './options.js';

/**
 * The most JSON text a command reads (a file or stdin): 64 MiB. The largest
 * query set the codec's default limits let through (65,536 CSADDR_INFO
 * entries, 1 MiB blobs as hex) is well under this; a stream that goes past
 * it (`encode - < /dev/zero`) ends with one line instead of growing without
 * end.
 */
export const DEFAULT_MAX_JSON_BYTES = 64 << 20;

export interface JsonInputOptions {
  /** Refuse input longer than this many bytes (default DEFAULT_MAX_JSON_BYTES). */
  readonly maxBytes?: number;
}

/**
 * The option every command that reads JSON input takes (`encode`, `match`,
 * `service register|deregister|delete`): `--max-input BYTES`, spread into
 * its parseArgs options and read with jsonInputOptions.
 */
export const JSON_INPUT_OPTIONS = {
  'max-input': { type: 'string' },
} as const;

/** JsonInputOptions from the parsed JSON_INPUT_OPTIONS value (a usage error, exit 2, when it is no byte count). */
export function jsonInputOptions(values: { 'max-input'?: string | undefined }): JsonInputOptions {
  const text = values['max-input'];
  return text === undefined ? {} : { maxBytes: sizeOption(text, '--max-input') };
}

/**
 * Read and parse the JSON text in FILE, or stdin for `-`. The text must be
 * UTF-8 (RFC 8259 §8.1): invalid UTF-8 is an error naming the byte offset,
 * never silently U+FFFD. A UTF-8 byte order mark is skipped: RFC 8259 lets
 * a parser ignore it, and Windows tools (Notepad, PowerShell 5's
 * `Out-File -Encoding utf8`) write one. A UTF-16 one is refused with what
 * to do about it.
 */
export function readJsonInput(file: string, options: JsonInputOptions = {}): unknown {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  const name = file === '-' ? 'stdin' : file;
  const bytes = readCapped(file, name, maxBytes);
  return parseJsonBytes(bytes, name);
}

/** The JSON in `bytes` (from `name`, for messages): the checks of readJsonInput without the reading. */
export function parseJsonBytes(bytes: Uint8Array, name: string): unknown {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InvalidDataError(
      `${name} is UTF-16 (byte order mark ${bytes[0] === 0xff ? 'FF FE' : 'FE FF'} at byte 0): JSON input must be UTF-8`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start));
  } catch {
    const at = firstInvalidUtf8(bytes, start);
    throw new InvalidDataError(
      `${name} is not UTF-8: an invalid sequence starts with byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at byte offset ${at}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidDataError(`${name} is not JSON: ${(e as Error).message}`);
  }
}

function readCapped(file: string, name: string, maxBytes: number): Uint8Array {
  const fd = file === '-' ? 0 : openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > maxBytes) throw tooLong(name, maxBytes, stat.size);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSome(fd, chunk);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLong(name, maxBytes);
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } finally {
    if (file !== '-') closeSync(fd);
  }
}

/** readSync that waits out EAGAIN (stdin may be a non-blocking pipe) instead of failing. */
function readSome(fd: number, into: Uint8Array): number {
  for (;;) {
    try {
      return readSync(fd, into, 0, into.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EOF') return 0;
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

function tooLong(name: string, maxBytes: number, size?: number): InvalidDataError {
  const what = size === undefined ? `more than ${maxBytes} bytes` : `${size} bytes`;
  return new InvalidDataError(`${name}: ${what} of JSON input, over the limit of ${maxBytes} bytes`);
}

/** Where the first ill-formed UTF-8 sequence starts (RFC 3629: no overlongs, surrogates, values past U+10FFFF or cut sequences). */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  let i = from;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return i;
}
