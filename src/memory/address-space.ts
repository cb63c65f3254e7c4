import { MemoryError } from '../errors.js';

/**
 * Captured memory, addressed the way the captured process addressed it.
 *
 * Addresses are plain numbers because every hot path (decode, compare, scan)
 * does arithmetic on them; they are always safe integers (< 2^53). User-mode
 * x64 addresses are below 2^47, so nothing real is excluded; a pointer read
 * from memory that does not fit is rejected where it is read
 * (`readPointer`), never rounded.
 */
export interface AddressSpace {
  /** What the memory is (a file name, "image at 0x…"), for messages. */
  readonly label: string;

  /**
   * A contiguous view of `length` bytes at `address`: zero-copy when the
   * range lies in one region, copied when it spans exactly adjacent regions.
   * Throws MemoryError when any byte is unmapped.
   */
  read(address: number, length: number): Uint8Array;

  /**
   * Where those bytes are, for DataView loops: the region's view and the
   * offset of `address` in it. Same rules and errors as `read`.
   */
  locate(address: number, length: number): Located;

  /** How many bytes starting at `address` are mapped without a gap, at most `max`. */
  mappedLength(address: number, max: number): number;

  /** The mapped ranges, ascending, adjacent ones merged. */
  ranges(): readonly MappedRange[];
}

/** Where a located range lies: `bytes[offset]` is the byte at the address asked for. */
export interface Located {
  readonly view: DataView;
  readonly bytes: Uint8Array;
  readonly offset: number;
}

/** One mapped range of an address space: `length` bytes from `base`. */
export interface MappedRange {
  readonly base: number;
  readonly length: number;
}

/** 2^53: the first address a number cannot hold exactly. */
export const ADDRESS_LIMIT = 2 ** 53;

export function checkAddress(address: number, length: number): void {
  if (
    !Number.isSafeInteger(address) ||
    address < 0 ||
    !Number.isSafeInteger(length) ||
    length < 0 ||
    address + length > ADDRESS_LIMIT
  ) {
    throw new MemoryError(
      toBigAddress(address),
      Number.isSafeInteger(length) ? length : 0,
      `address ${String(address)}+${String(length)} is not a valid 53-bit range`,
    );
  }
}

/** An address as a bigint, even when the number is not a safe integer (for messages). */
export function toBigAddress(address: number | bigint): bigint {
  if (typeof address === 'bigint') return address;
  return Number.isSafeInteger(address) && address >= 0 ? BigInt(address) : 0n;
}

/**
 * Parse a user's address (`0x…` hex or decimal digits, or a bigint) into a
 * safe number, or explain why not. Only those two spellings: an empty
 * string is not 0, and `0b…`/`0o…` (which BigInt would take) are refused,
 * since nobody writes an address that way and a typo should not silently
 * become some other address.
 */
export function parseAddress(text: string | number | bigint): number {
  let value: bigint;
  if (typeof text === 'bigint') value = text;
  else if (typeof text === 'number') {
    if (!Number.isSafeInteger(text))
      throw new MemoryError(0n, 0, `${String(text)} is not an address (a non-negative integer below 2^53)`);
    value = BigInt(text);
  } else {
    const trimmed = text.trim();
    if (trimmed === '') throw new MemoryError(0n, 0, 'an empty string is not an address (0x… hex or decimal)');
    if (!/^(?:0[xX][0-9a-fA-F]+|[0-9]+)$/.test(trimmed))
      throw new MemoryError(0n, 0, `${JSON.stringify(text)} is not an address (0x… hex or decimal)`);
    value = BigInt(trimmed);
  }
  if (value < 0n || value >= BigInt(ADDRESS_LIMIT))
    throw new MemoryError(
      value < 0n ? 0n : value,
      0,
      `0x${value.toString(16)} is beyond 2^53, which rnrkit cannot address exactly`,
    );
  return Number(value);
}
