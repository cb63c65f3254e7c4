import type { DecodeLimits } from '../codec/limits.js';
import type { PlausibilityLimits } from '../dump/plausibility.js';
import { InvalidDataError } from '../errors.js';
import { limitOption } from './options.js';

/**
 * The codec's limits (src/codec/limits.ts, docs/limits/codec.md) as
 * command-line options, each spelt after the limit it sets: maxCount is
 * `--max-count`. Every command that decodes or encodes spreads
 * CODEC_LIMIT_OPTIONS into its parseArgs options and reads them with
 * codecLimits, so they are spelt, checked and worded the same everywhere.
 */
const FLAGS = {
  maxStringUnits: 'max-string-units',
  maxCount: 'max-count',
  maxSockaddrLength: 'max-sockaddr-length',
  maxBlobSize: 'max-blob-size',
  maxTotalBytes: 'max-total-bytes',
} as const satisfies Record<keyof DecodeLimits, string>;

type Flag = (typeof FLAGS)[keyof typeof FLAGS];

/**
 * The parseArgs options for the limits a command applies: decode and
 * encode take them all (CODEC_LIMIT_OPTIONS); a command that applies only
 * some takes only those, so no option is accepted and then ignored.
 */
export function limitOptions<const K extends keyof DecodeLimits>(
  ...keys: K[]
): { [P in K as (typeof FLAGS)[P]]: { type: 'string' } } {
  return Object.fromEntries(keys.map((key) => [FLAGS[key], { type: 'string' }])) as {
    [P in K as (typeof FLAGS)[P]]: { type: 'string' };
  };
}

export const CODEC_LIMIT_OPTIONS = limitOptions(
  'maxStringUnits',
  'maxCount',
  'maxSockaddrLength',
  'maxBlobSize',
  'maxTotalBytes',
);

/**
 * The limits that also bound what the scanner believes a query set holds
 * (scan, and the search for a minidump's default --at): it follows strings,
 * arrays and blobs, but no sockaddr past its family, and keeps no byte
 * budget.
 */
export const SCAN_LIMIT_OPTIONS = limitOptions('maxStringUnits', 'maxCount', 'maxBlobSize');

export type CodecLimitValues = { [F in Flag]?: string | undefined };

/** The limits the options give (only those given; the codec fills in its defaults). Nonsense is a usage error, exit 2. */
export function codecLimits(values: CodecLimitValues): Partial<DecodeLimits> {
  const out: Partial<DecodeLimits> = {};
  for (const [key, flag] of Object.entries(FLAGS) as [keyof DecodeLimits, Flag][]) {
    const text = values[flag];
    if (text !== undefined) out[key] = limitOption(text, `--${flag}`);
  }
  return out;
}

/**
 * What the scanner may believe a set holds, from the codec limits given:
 * a limit given replaces the scanner's own bound (DEFAULT_PLAUSIBILITY_LIMITS,
 * lower than the codec's on purpose: heap noise rarely looks like 1024
 * addresses), so a set too large for the scanner's defaults can still be
 * found once the user says it is legitimate. maxCount bounds both arrays
 * the scanner counts, protocols and addresses.
 */
export function scanLimits(limits: Partial<DecodeLimits>): Partial<PlausibilityLimits> {
  return {
    ...(limits.maxStringUnits !== undefined ? { maxStringUnits: limits.maxStringUnits } : {}),
    ...(limits.maxCount !== undefined ? { maxProtocols: limits.maxCount, maxCsAddrs: limits.maxCount } : {}),
    ...(limits.maxBlobSize !== undefined ? { maxBlobSize: limits.maxBlobSize } : {}),
  };
}

/**
 * A codec error about one of its limits, with the option that raises it
 * named instead of the API's `limits.maxCount` (or added where the codec
 * names only the limit). Any other error is returned as it is.
 */
export function withLimitOption(e: unknown): unknown {
  if (!(e instanceof InvalidDataError)) return e;
  for (const [key, flag] of Object.entries(FLAGS) as [keyof DecodeLimits, Flag][]) {
    if (!e.detail.includes(`${key} (`)) continue;
    const raise = `--${flag} N raises it`;
    const api = `raise limits.${key} to encode it`;
    const detail = e.detail.includes(api) ? e.detail.replace(api, raise) : `${e.detail}; ${raise}`;
    const out = new InvalidDataError(detail, e.path, e.address);
    out.stack = e.stack;
    return out;
  }
  return e;
}
