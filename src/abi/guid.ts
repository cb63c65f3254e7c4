import { UsageError } from '../errors.js';

/**
 * GUIDs in canonical JSON are `{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}`,
 * upper case. In memory: Data1 (u32), Data2, Data3 (u16) little-endian,
 * then Data4's 8 bytes in order — hence the byte shuffling below.
 */
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));
const ORDER = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];

/** The canonical text (`{…}`, upper case) of the 16 GUID bytes at `offset`, in Windows memory order. */
export function guidFromBytes(bytes: Uint8Array, offset = 0): string {
  let s = '{';
  for (const i of ORDER) s += i < 0 ? '-' : HEX[bytes[offset + i]!]!;
  return `${s}}`;
}

const GUID_PATTERN = /^\{?([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})\}?$/;

/** Whether `text` is a GUID in registry form, with or without braces, any case. */
export function isGuid(text: string): boolean {
  return GUID_PATTERN.test(text);
}

/** Write a GUID's 16 bytes at `offset`. Accepts either case, braces optional. */
export function guidToBytes(text: string, target: Uint8Array = new Uint8Array(16), offset = 0): Uint8Array {
  if (!GUID_PATTERN.test(text))
    throw new UsageError(`${JSON.stringify(text)} is not a GUID ({XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX})`);
  const hex = text.replace(/[{}-]/g, '');
  let h = 0;
  for (const i of ORDER) {
    if (i < 0) continue;
    target[offset + i] = parseInt(hex.slice(h, h + 2), 16);
    h += 2;
  }
  return target;
}

/** The canonical spelling (upper case, braces) of any accepted GUID text. */
export function canonicalGuid(text: string): string {
  return guidFromBytes(guidToBytes(text));
}
