import { readFileSync } from 'node:fs';
import type { Arch } from '../abi/types.js';
import type { AddressSpace } from '../memory/address-space.js';
import { parseAddress } from '../memory/address-space.js';
import { RegionList } from '../memory/region-list.js';
import { CliUsageError } from './usage-error.js';

/** A file opened as memory for `decode`, `scan`, `match` and friends. */
export interface Capture {
  readonly space: AddressSpace;
  readonly kind: 'raw' | 'minidump';
  /** The arch the capture itself declares (a minidump's SystemInfo), if any. */
  readonly arch?: Arch;
  /** Where a query set most likely is when the user gives no --at. */
  readonly defaultAt?: number;
  close(): void;
}

export interface CaptureOptions {
  /** `--base`: where the first byte of a raw image is. */
  readonly base?: string;
}

/**
 * Open FILE: a raw image whose first byte is at --base. (Minidumps, recognised
 * by their signature, are added by the minidump reader.)
 */
export function openCapture(file: string, options: CaptureOptions): Capture {
  if (options.base === undefined) throw new CliUsageError(`${file} is a raw image: --base ADDR is required (where its first byte was in memory)`);
  const base = parseAddress(options.base);
  const bytes = readFileSync(file);
  const space = RegionList.flat(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), base, file);
  return { space, kind: 'raw', defaultAt: base, close() {} };
}
