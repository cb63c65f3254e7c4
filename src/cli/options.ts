import { layoutOf } from '../abi/layout.js';
import { ARCHES, type Arch } from '../abi/types.js';
import { formatAddress } from '../errors.js';
import { ADDRESS_LIMIT, parseAddress } from '../memory/address-space.js';
import { CliUsageError } from './usage-error.js';

/** The most bytes a query set's fixed part needs from --at: sizeof(WSAQUERYSETW) on the widest arch. */
export const LARGEST_QUERY_SET = Math.max(...ARCHES.map((arch) => layoutOf('WSAQUERYSETW', arch).size));

/** Shared option checks, so every command words its errors the same way. */
export function archOption(value: string | undefined, fallback?: Arch): Arch {
  if (value === undefined) {
    if (fallback) return fallback;
    throw new CliUsageError(`--arch is required: one of ${ARCHES.join(', ')}`);
  }
  if (!(ARCHES as readonly string[]).includes(value))
    throw new CliUsageError(`unknown arch ${JSON.stringify(value)}: one of ${ARCHES.join(', ')}`);
  return value as Arch;
}

export function charsetOption(value: string | undefined): 'W' | 'A' {
  if (value === undefined || value === 'W' || value === 'w') return 'W';
  if (value === 'A' || value === 'a') return 'A';
  throw new CliUsageError(`unknown charset ${JSON.stringify(value)}: one of W, A`);
}

export function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * An address option (`--base`, `--at`, `--region ADDR=…`): `0x…` hex or
 * decimal, and `extent` bytes from there must still be addressable, so an
 * option that cannot work is a usage error naming the option (exit 2), not
 * a memory error later that does not say which option was wrong.
 */
export function addressOption(text: string, option: string, extent = 0): number {
  let address: number;
  try {
    address = parseAddress(text);
  } catch (e) {
    throw new CliUsageError(`${option} ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
  if (address + extent > ADDRESS_LIMIT) {
    throw new CliUsageError(
      `${option} ${text}: ${extent} bytes from there would end at ${formatAddress(BigInt(address) + BigInt(extent))}, beyond 2^53, which rnrkit cannot address exactly`,
    );
  }
  return address;
}

/**
 * A byte count (`--max-input`, `--max-inflated`): decimal, or with a binary
 * suffix K, M, G, T (`64M` is 64 MiB).
 */
export function sizeOption(text: string, option: string): number {
  const value = binaryCount(text);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new CliUsageError(
      `${option} ${JSON.stringify(text)}: expected a positive byte count, e.g. 1048576, 64M or 8G`,
    );
  return value;
}

/**
 * A limit (`--max-count`, `--max-blob-size`, …): like a byte count, but 0
 * is a limit too (`--max-count 0` refuses every non-empty array).
 */
export function limitOption(text: string, option: string): number {
  const value = binaryCount(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new CliUsageError(
      `${option} ${JSON.stringify(text)}: expected a whole number, 0 or more, e.g. 131072 or 128K`,
    );
  return value;
}

/** Decimal digits with an optional binary suffix K, M, G or T (and an optional `iB`/`B`); NaN for anything else. */
function binaryCount(text: string): number {
  const m = /^\s*([0-9]+)\s*([KMGT]?)i?B?\s*$/i.exec(text);
  if (!m) return Number.NaN;
  const shift = { '': 0, K: 10, M: 20, G: 30, T: 40 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * 2 ** shift;
}
