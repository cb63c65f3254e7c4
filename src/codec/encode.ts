import { ARCHES, type Arch } from '../abi/types.js';
import { formatAddress, InvalidDataError, UsageError } from '../errors.js';
import type { Charset, QuerySetJson, ServiceClassInfoJson } from './canonical.js';
import { type StructEncoder, structEncoder } from './encoder.js';
import { type DecodeLimits, resolveLimits } from './limits.js';

/** The arch and charset of the image `encodeQuerySet`/`encodeInto` write: docs/codec.md describes its layout. */
export interface EncodeOptions {
  arch: Arch;
  charset: Charset;
  /**
   * Defaults: DEFAULT_DECODE_LIMITS, the limits decode applies. A string,
   * byte buffer or array over its limit, or an image over maxTotalBytes, is
   * an InvalidDataError naming the member, so encode never writes an image
   * that decode would refuse with the same limits.
   */
  limits?: Partial<DecodeLimits>;
}

/** The highest address + 1 a pointer of the arch can hold exactly. */
const POINTER_LIMIT: Record<Arch, number> = { x86: 2 ** 32, x64: 2 ** 53 };

function rootName(kind: 'query' | 'class', options: EncodeOptions): string {
  if (options === null || typeof options !== 'object')
    throw new UsageError('encode options are required: {arch, charset}');
  if (options.arch !== 'x86' && options.arch !== 'x64')
    throw new UsageError(`unknown arch ${JSON.stringify(options.arch)}: one of ${ARCHES.join(', ')}`);
  if (options.charset !== 'W' && options.charset !== 'A')
    throw new UsageError(`unknown charset ${JSON.stringify(options.charset)}: one of W, A`);
  // Constant strings, not templates: this runs on every encode.
  if (kind === 'query') return options.charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW';
  return options.charset === 'A' ? 'WSASERVICECLASSINFOA' : 'WSASERVICECLASSINFOW';
}

/** Bytes the flat image of `qs` takes (the struct and everything it points to, aligned). Validates `qs` on the way. */
export function encodedSize(qs: QuerySetJson, options: EncodeOptions): number {
  return sized(structEncoder(rootName('query', options), options.arch), qs, options.limits);
}

/** The image size, checked against the limits: each member's in the size pass, then the whole image's. */
function sized(encoder: StructEncoder, value: unknown, requested: Partial<DecodeLimits> | undefined): number {
  const limits = resolveLimits(requested);
  const size = encoder.size(value, limits);
  if (size > limits.maxTotalBytes) {
    throw new InvalidDataError(
      `the image would be ${size} bytes, over maxTotalBytes (${limits.maxTotalBytes}); raise limits.maxTotalBytes to encode it`,
    );
  }
  return size;
}

/**
 * The flat image of `qs` for a process that will see it at `base`: the
 * struct at offset 0, then what it points to, each item naturally aligned
 * (encoder.ts), padding zero; deterministic byte for byte. Counts, lengths
 * and NULLs are written as given, so decode gives `qs` back.
 */
export function encodeQuerySet(qs: QuerySetJson, options: EncodeOptions & { base: number }): Uint8Array {
  return encodeImage(rootName('query', options), qs, options);
}

/**
 * The same image written into caller-owned memory at target[offset], whose
 * address is `base` (e.g. koffi.address(buffer) + offset). Returns the bytes
 * written. The range is checked before anything is written; it is zeroed
 * first, so padding is zero whatever was there.
 */
export function encodeInto(
  qs: QuerySetJson,
  target: Uint8Array,
  offset: number,
  base: number,
  options: EncodeOptions,
): number {
  return encodeIntoImage(rootName('query', options), qs, target, offset, base, options);
}

/** A WSASERVICECLASSINFOW/A image, by the same rules (for callers of WSAInstallServiceClass and for tests). */
export function encodeServiceClassInfo(
  info: ServiceClassInfoJson,
  options: EncodeOptions & { base: number },
): Uint8Array {
  return encodeImage(rootName('class', options), info, options);
}

function encodeImage(name: string, value: unknown, options: EncodeOptions & { base: number }): Uint8Array {
  const { arch, base } = options;
  const encoder = structEncoder(name, arch);
  const size = sized(encoder, value, options.limits);
  checkBase(name, arch, encoder.align, base, size);
  const bytes = new Uint8Array(size);
  encoder.write(value, bytes, new DataView(bytes.buffer), 0, base);
  return bytes;
}

function encodeIntoImage(
  name: string,
  value: unknown,
  target: Uint8Array,
  offset: number,
  base: number,
  options: EncodeOptions,
): number {
  if (!(target instanceof Uint8Array)) throw new UsageError('target must be a Uint8Array (a Buffer is one)');
  const { arch } = options;
  const encoder = structEncoder(name, arch);
  const size = sized(encoder, value, options.limits);
  checkBase(name, arch, encoder.align, base, size);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > target.length) {
    throw new UsageError(
      `the image needs ${size} bytes at offset ${String(offset)}, but the target has ${target.length} bytes`,
    );
  }
  target.fill(0, offset, offset + size);
  const written = encoder.write(
    value,
    target,
    new DataView(target.buffer, target.byteOffset, target.byteLength),
    offset,
    base,
  );
  return written;
}

function checkBase(name: string, arch: Arch, align: number, base: number, size: number): void {
  if (!Number.isSafeInteger(base) || base < 0)
    throw new UsageError(`base ${String(base)} is not a non-negative safe integer`);
  if (base % align !== 0)
    throw new UsageError(`base ${formatAddress(base)} is not aligned to ${align}, as a ${name} on ${arch} must be`);
  if (base + size > POINTER_LIMIT[arch])
    throw new UsageError(
      `an image of ${size} bytes at ${formatAddress(base)} does not fit ${arch}'s ${arch === 'x86' ? 32 : 53}-bit addresses`,
    );
}
