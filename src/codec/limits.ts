import { UsageError } from '../errors.js';

/**
 * How much a decode may read, whatever the captured counts and lengths say.
 * Every count, length and pointer is checked against these and against the
 * captured memory before anything is allocated from it.
 */
export interface DecodeLimits {
  /** Longest string, in code units (W) or bytes (A), terminator excluded. Default 65,536. */
  maxStringUnits: number;
  /** Most elements in one array (lpcsaBuffer, lpafpProtocols, lpClassInfos). Default 65,536. */
  maxCount: number;
  /** Longest iSockaddrLength. Default 128, sizeof(SOCKADDR_STORAGE). */
  maxSockaddrLength: number;
  /** Largest BLOB.cbSize (and WSANSCLASSINFO.dwValueSize). Default 1 MiB. */
  maxBlobSize: number;
  /**
   * Most bytes one decode reads in all (structs, arrays, strings, bytes),
   * counting the hex made from sockaddr and blob bytes too (two more bytes
   * per byte), so it bounds what the decode produces as well as what it
   * reads. For encode: the largest image. Default 64 MiB.
   */
  maxTotalBytes: number;
}

/**
 * The defaults are far above anything a real WSASetService call carries,
 * and keep one decode, with its output, inside a 200 MB JS heap: strings
 * and hex cost at most about what they count against maxTotalBytes, and
 * objects are bounded by maxCount. Measured (docs/limits/codec.md):
 * 65,536 entries whose 128-byte sockaddrs are all one shared sockaddr, or
 * all distinct, decode and print under --max-old-space-size=200
 * (test/codec/decode-memory.test.ts).
 */
export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxStringUnits: 65_536,
  maxCount: 65_536,
  maxSockaddrLength: 128,
  maxBlobSize: 1 << 20,
  maxTotalBytes: 64 << 20,
});

export function resolveLimits(limits: Partial<DecodeLimits> | undefined): DecodeLimits {
  if (limits === undefined) return DEFAULT_DECODE_LIMITS;
  const out: DecodeLimits = { ...DEFAULT_DECODE_LIMITS };
  for (const key of Object.keys(limits) as (keyof DecodeLimits)[]) {
    if (!(key in DEFAULT_DECODE_LIMITS))
      throw new UsageError(
        `unknown decode limit ${JSON.stringify(key)}: one of ${Object.keys(DEFAULT_DECODE_LIMITS).join(', ')}`,
      );
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0)
      throw new UsageError(`limit ${key} must be a non-negative integer, not ${String(value)}`);
    out[key] = value;
  }
  return out;
}
