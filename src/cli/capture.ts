import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Arch } from '../abi/types.js';
import type { Charset } from '../codec/canonical.js';
import { MinidumpFormatError } from '../dump/errors.js';
import { describeFirstBytes, kernelDumpError } from '../dump/file-kind.js';
import { gunzipSource, isGzip } from '../dump/gzip.js';
import { Minidump, isMinidump } from '../dump/minidump.js';
import { scanQuerySets } from '../dump/scan.js';
import type { ByteSource } from '../dump/source.js';
import { fileSource } from '../dump/file-source.js';
import type { AddressSpace } from '../memory/address-space.js';
import { parseAddress } from '../memory/address-space.js';
import { type Region, RegionList } from '../memory/region-list.js';
import { CliUsageError } from './usage-error.js';

/** A file opened as memory for `decode`, `scan`, `match` and friends. */
export interface Capture {
  readonly space: AddressSpace;
  readonly kind: 'raw' | 'minidump';
  /** The arch the capture itself declares (a minidump's SystemInfo), if any. */
  readonly arch?: Arch;
  /**
   * Where a query set most likely is when the user gives no --at: a raw
   * image's --base; for a minidump, the best candidate the scanner finds
   * (computed on first use, since it reads the whole dump).
   */
  readonly defaultAt?: number;
  /** The charset of that best candidate, when it came from a scan. */
  readonly defaultCharset?: Charset;
  /** The Minidump, for commands that show more than memory (`rnrkit regions`). */
  readonly minidump?: Minidump;
  close(): void;
}

export interface CaptureOptions {
  /** `--base`: where the first byte of a raw image is. */
  readonly base?: string;
  /** `--region ADDR=FILE`, repeatable: more raw files, each with its own base (with or without FILE). */
  readonly regions?: readonly string[];
}

/**
 * The parseArgs options every capture-reading command accepts, so they all
 * spell them the same: `{ ...CAPTURE_OPTIONS, at: … }`.
 */
export const CAPTURE_OPTIONS = {
  base: { type: 'string' },
  region: { type: 'string', multiple: true },
} as const;

/**
 * Open FILE as memory: a minidump (recognised by its 'MDMP' signature,
 * gzipped or not; arch from its SystemInfo), or a raw image whose first byte
 * is at --base. `--region ADDR=FILE` adds raw files at their own bases, and
 * works without FILE too (pass `undefined`).
 */
export function openCapture(file: string | undefined, options: CaptureOptions = {}): Capture {
  const regions = options.regions ?? [];
  if (file === undefined) {
    if (regions.length === 0) throw new CliUsageError('give a capture FILE or at least one --region ADDR=FILE');
    if (options.base !== undefined) throw new CliUsageError('--base places FILE; with only --region files, each has its own ADDR');
    return openCaptureFromRegions(regions);
  }
  const source = openSource(file);
  let handedOver = false;
  try {
    const head = new Uint8Array(8);
    source.readInto(head, 0);
    if (isMinidump(head)) {
      if (options.base !== undefined) throw new CliUsageError(`${file} is a minidump: its ranges carry their own addresses, --base is for raw images`);
      if (regions.length > 0) throw new CliUsageError(`${file} is a minidump: --region adds raw files to raw captures only`);
      const minidump = new Minidump(source, file);
      handedOver = true;
      return minidumpCapture(minidump);
    }
    if (options.base === undefined) {
      // Without --base the file was meant as a dump: say what it is instead.
      const first = head.subarray(0, Math.min(head.length, source.size));
      const kernel = kernelDumpError(first, file);
      if (kernel) throw kernel;
      if (/\.dmp(\.gz)?$/i.test(file)) {
        throw new MinidumpFormatError(`${file} is not a minidump: ${describeFirstBytes(first)} (a minidump starts with 'MDMP'); for a raw memory image give --base ADDR`, 'MINIDUMP_HEADER.Signature', 0);
      }
      throw new CliUsageError(`${file} is a raw image: --base ADDR is required (where its first byte was in memory)`);
    }
    const base = parseAddressOption(options.base, '--base');
    const bytes = new Uint8Array(source.size);
    source.readInto(bytes, 0);
    const all: Region[] = [{ base, bytes }, ...regions.map(readRegion)];
    const space = all.length === 1 ? RegionList.flat(bytes, base, file) : new RegionList(all, `${file} and ${all.length - 1} regions`);
    return { space, kind: 'raw', defaultAt: base, close() {} };
  } finally {
    if (!handedOver) source.close();
  }
}

/** Raw files at their bases (`--region ADDR=FILE`…): the first one's base is the default --at. */
export function openCaptureFromRegions(regions: readonly string[]): Capture {
  const all = regions.map(readRegion);
  const space = new RegionList(all, all.length === 1 ? regions[0]! : `${all.length} regions`);
  return { space, kind: 'raw', ...(all[0] ? { defaultAt: all[0].base } : {}), close() {} };
}

function minidumpCapture(minidump: Minidump): Capture {
  let best: { at: number; charset: Charset } | null | undefined;
  const scanOnce = () => {
    if (best === undefined) {
      const top = scanQuerySets(minidump, { ...(minidump.arch ? { arches: [minidump.arch] } : {}), limit: 1 })[0];
      best = top ? { at: top.at, charset: top.charset } : null;
    }
    return best ?? undefined;
  };
  return {
    space: minidump,
    kind: 'minidump',
    ...(minidump.arch ? { arch: minidump.arch } : {}),
    minidump,
    get defaultAt() { return scanOnce()?.at; },
    get defaultCharset() { return scanOnce()?.charset; },
    close() { minidump.close(); },
  };
}

function openSource(file: string): ByteSource {
  const head = new Uint8Array(2);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  return isGzip(head) ? gunzipSource(file) : fileSource(file);
}

function readRegion(spec: string): Region {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new CliUsageError(`--region ${JSON.stringify(spec)}: expected ADDR=FILE, e.g. --region 0x7ff600001000=heap.bin`);
  const base = parseAddressOption(spec.slice(0, eq), '--region');
  const path = spec.slice(eq + 1);
  let bytes: Uint8Array = readFileSync(path);
  if (isGzip(bytes)) {
    const source = gunzipSource(path);
    try {
      bytes = new Uint8Array(source.size);
      source.readInto(bytes, 0);
    } finally {
      source.close();
    }
  }
  return { base, bytes };
}

function parseAddressOption(text: string, option: string): number {
  try {
    return parseAddress(text);
  } catch (e) {
    throw new CliUsageError(`${option} ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
}
