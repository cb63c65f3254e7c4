import { ARCHES, type Arch } from '../abi/types.js';
import { CliUsageError } from './usage-error.js';

/** Shared option checks, so every command words its errors the same way. */
export function archOption(value: string | undefined, fallback?: Arch): Arch {
  if (value === undefined) {
    if (fallback) return fallback;
    throw new CliUsageError(`--arch is required: one of ${ARCHES.join(', ')}`);
  }
  if (!(ARCHES as readonly string[]).includes(value)) throw new CliUsageError(`unknown arch ${JSON.stringify(value)}: one of ${ARCHES.join(', ')}`);
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
