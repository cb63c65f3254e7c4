import type { Arch } from '../abi/types.js';
import type { Charset } from '../codec/canonical.js';
import type { DecodeLimits } from '../codec/limits.js';
import { MinidumpFormatError } from '../dump/errors.js';
import { describeFirstBytes, kernelDumpError } from '../dump/file-kind.js';
import { fileSource } from '../dump/file-source.js';
import { inflateGzipFile, isGzip } from '../dump/gzip.js';
import { isMinidump, Minidump } from '../dump/minidump.js';
import type { PlausibilityLimits } from '../dump/plausibility.js';
import { scanQuerySets } from '../dump/scan.js';
import type { ByteSource } from '../dump/source.js';
import { type SourceRegion, SourceRegions } from '../dump/source-regions.js';
import type { AddressSpace } from '../memory/address-space.js';
import { scanLimits } from './codec-limits.js';
import { addressOption, sizeOption } from './options.js';
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
  /** `--max-inflated`: the most bytes a gzipped capture may inflate to (default 4 GiB). */
  readonly maxInflatedBytes?: number;
  /** What the scanner may believe a set holds when it looks for the default --at of a minidump (from the codec limit options). */
  readonly scanLimits?: Partial<PlausibilityLimits>;
}

/**
 * The parseArgs options every capture-reading command accepts, so they all
 * spell them the same: `{ ...CAPTURE_OPTIONS, at: … }`.
 */
export const CAPTURE_OPTIONS = {
  base: { type: 'string' },
  region: { type: 'string', multiple: true },
  'max-inflated': { type: 'string' },
} as const;

/**
 * CaptureOptions from the parsed CAPTURE_OPTIONS values, and the codec
 * limits the command was given (codec-limits.ts), which widen or narrow
 * the search for a minidump's default --at as they do `rnrkit scan`.
 */
export function captureOptions(
  values: {
    base?: string | undefined;
    region?: string[] | undefined;
    'max-inflated'?: string | undefined;
  },
  limits: Partial<DecodeLimits> = {},
): CaptureOptions {
  const forScan = scanLimits(limits);
  return {
    ...(Object.keys(forScan).length > 0 ? { scanLimits: forScan } : {}),
    ...(values.base !== undefined ? { base: values.base } : {}),
    ...(values.region !== undefined ? { regions: values.region } : {}),
    ...(values['max-inflated'] !== undefined
      ? { maxInflatedBytes: sizeOption(values['max-inflated'], '--max-inflated') }
      : {}),
  };
}

/**
 * Open FILE as memory: a minidump (recognised by its 'MDMP' signature,
 * gzipped or not; arch from its SystemInfo), or a raw image whose first byte
 * is at --base. `--region ADDR=FILE` adds raw files at their own bases, and
 * works without FILE too (pass `undefined`). Files are read positionally,
 * never whole; a .gz is inflated as a stream into an unlinked temporary
 * file first (capped by `maxInflatedBytes`).
 */
export async function openCapture(file: string | undefined, options: CaptureOptions = {}): Promise<Capture> {
  const regionSpecs = options.regions ?? [];
  if (file === undefined) {
    if (regionSpecs.length === 0) throw new CliUsageError('give a capture FILE or at least one --region ADDR=FILE');
    if (options.base !== undefined)
      throw new CliUsageError('--base places FILE; with only --region files, each has its own ADDR');
    return openCaptureFromRegions(regionSpecs, options);
  }
  const source = await openSource(file, options);
  const opened: SourceRegion[] = [];
  let handedOver = false;
  try {
    const head = new Uint8Array(8);
    source.readInto(head, 0);
    if (isMinidump(head)) {
      if (options.base !== undefined)
        throw new CliUsageError(
          `${file} is a minidump: its ranges carry their own addresses, --base is for raw images`,
        );
      if (regionSpecs.length > 0)
        throw new CliUsageError(`${file} is a minidump: --region adds raw files to raw captures only`);
      const minidump = new Minidump(source, file);
      handedOver = true;
      return minidumpCapture(minidump, options.scanLimits);
    }
    if (options.base === undefined) {
      // Without --base the file was meant as a dump: say what it is instead.
      const first = head.subarray(0, Math.min(head.length, source.size));
      const kernel = kernelDumpError(first, file);
      if (kernel) throw kernel;
      if (/\.dmp(\.gz)?$/i.test(file)) {
        throw new MinidumpFormatError(
          `${file} is not a minidump: ${describeFirstBytes(first)} (a minidump starts with 'MDMP'); for a raw memory image give --base ADDR`,
          'MINIDUMP_HEADER.Signature',
          0,
        );
      }
      throw new CliUsageError(`${file} is a raw image: --base ADDR is required (where its first byte was in memory)`);
    }
    const base = addressOption(options.base, '--base', source.size);
    opened.push({ base, source, label: file });
    for (const spec of regionSpecs) opened.push(await openRegion(spec, options));
    const space = new SourceRegions(opened, opened.length === 1 ? file : `${file} and ${opened.length - 1} regions`);
    handedOver = true;
    return {
      space,
      kind: 'raw',
      defaultAt: base,
      close() {
        space.close();
      },
    };
  } finally {
    if (!handedOver) {
      source.close();
      for (const r of opened) if (r.source !== source) r.source.close();
    }
  }
}

/** Raw files at their bases (`--region ADDR=FILE`…): the first one's base is the default --at. */
export async function openCaptureFromRegions(
  regionSpecs: readonly string[],
  options: CaptureOptions = {},
): Promise<Capture> {
  const opened: SourceRegion[] = [];
  try {
    for (const spec of regionSpecs) opened.push(await openRegion(spec, options));
    const space = new SourceRegions(opened, opened.length === 1 ? regionSpecs[0]! : `${opened.length} regions`);
    return {
      space,
      kind: 'raw',
      ...(opened[0] ? { defaultAt: opened[0].base } : {}),
      close() {
        space.close();
      },
    };
  } catch (e) {
    for (const r of opened) r.source.close();
    throw e;
  }
}

function minidumpCapture(minidump: Minidump, limits: Partial<PlausibilityLimits> | undefined): Capture {
  let best: { at: number; charset: Charset } | null | undefined;
  const scanOnce = () => {
    if (best === undefined) {
      const top = scanQuerySets(minidump, {
        ...(minidump.arch ? { arches: [minidump.arch] } : {}),
        ...(limits ? { limits } : {}),
        limit: 1,
      })[0];
      best = top ? { at: top.at, charset: top.charset } : null;
    }
    return best ?? undefined;
  };
  return {
    space: minidump,
    kind: 'minidump',
    ...(minidump.arch ? { arch: minidump.arch } : {}),
    minidump,
    get defaultAt() {
      return scanOnce()?.at;
    },
    get defaultCharset() {
      return scanOnce()?.charset;
    },
    close() {
      minidump.close();
    },
  };
}

/** The file's bytes: positional reads of the file itself, or of its inflated copy when it is gzipped. */
async function openSource(file: string, options: CaptureOptions): Promise<ByteSource> {
  const source = fileSource(file);
  const head = new Uint8Array(2);
  source.readInto(head, 0);
  if (!isGzip(head)) return source;
  source.close();
  return inflateGzipFile(
    file,
    options.maxInflatedBytes === undefined ? {} : { maxInflatedBytes: options.maxInflatedBytes },
  );
}

async function openRegion(spec: string, options: CaptureOptions): Promise<SourceRegion> {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1)
    throw new CliUsageError(
      `--region ${JSON.stringify(spec)}: expected ADDR=FILE, e.g. --region 0x7ff600001000=heap.bin`,
    );
  const address = spec.slice(0, eq);
  const path = spec.slice(eq + 1);
  addressOption(address, '--region');
  const source = await openSource(path, options);
  try {
    return { base: addressOption(address, '--region', source.size), source, label: path };
  } catch (e) {
    source.close();
    throw e;
  }
}
