import { ARCHES, type Arch } from '../../abi/types.js';
import type { Charset, QuerySetJson } from '../../codec/canonical.js';
import { type StructEncoder, structEncoder } from '../../codec/encoder.js';
import { DEFAULT_DECODE_LIMITS } from '../../codec/limits.js';
import { formatAddress, InvalidDataError, UsageError } from '../../errors.js';
import { invalid, WinsockError } from '../errors.js';
import type { WritableAddressSpace } from '../provider.js';

/**
 * lpqsResults: where WSALookupServiceNext writes, as a caller can hand it
 * over. Either an address in a writable address space (a process image, a
 * RegionList), or bytes the caller owns whose first byte is at `address`
 * (a Node Buffer at koffi.address(buffer), for FFI callers): then the
 * buffer is `bytes[offset …]`.
 */
export type ResultTarget =
  | { readonly memory: WritableAddressSpace; readonly at: number }
  | { readonly bytes: Uint8Array; readonly offset?: number; readonly address: number };

/** WSAEFAULT with the length the caller must pass. */
export class BufferTooSmallError extends WinsockError {
  constructor(
    readonly required: number,
    given: number,
  ) {
    super('WSAEFAULT', `the result needs ${required} bytes, lpdwBufferLength is ${given}`, 'lpqsResults');
  }
}

/**
 * The codec's encoder for each result shape. writeResult uses it directly
 * rather than through encodeInto: encodeInto sizes (and so validates) the
 * image again and makes a DataView, work writeResult has already done or
 * can keep; the bytes are the codec's either way (bench lookup/next).
 */
const encoders: Record<Arch, Partial<Record<Charset, StructEncoder>>> = { x86: {}, x64: {} };
function encoderFor(arch: Arch, charset: Charset): StructEncoder {
  // Looked up by property, not by a template-string key: this runs twice per result, and such a key cost 3% of lookup/next.
  const byCharset = arch === 'x64' ? encoders.x64 : arch === 'x86' ? encoders.x86 : undefined;
  if (!byCharset) throw new UsageError(`unknown arch ${JSON.stringify(arch)}: one of ${ARCHES.join(', ')}`);
  if (charset !== 'W' && charset !== 'A')
    throw new UsageError(`unknown charset ${JSON.stringify(charset)}: one of W, A`);
  let encoder = byCharset[charset];
  if (!encoder) {
    encoder = structEncoder(charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW', arch);
    byCharset[charset] = encoder;
  }
  return encoder;
}

/** The highest address + 1 a pointer of the arch holds exactly (as the codec's encode checks). */
const ADDRESS_LIMIT: Record<Arch, number> = { x86: 2 ** 32, x64: 2 ** 53 };

/**
 * The bytes a result takes in the caller's buffer: the struct and everything
 * it points to (the codec's flat image, encodedSize). Validates `qs` on the
 * way, against the codec's default limits.
 */
export function resultSize(qs: QuerySetJson, arch: Arch, charset: Charset): number {
  const size = encoderFor(arch, charset).size(qs, DEFAULT_DECODE_LIMITS);
  if (size > DEFAULT_DECODE_LIMITS.maxTotalBytes)
    throw new InvalidDataError(
      `the image would be ${size} bytes, over maxTotalBytes (${DEFAULT_DECODE_LIMITS.maxTotalBytes}); raise limits.maxTotalBytes to encode it`,
    );
  return size;
}

function targetAddress(target: ResultTarget): number {
  return 'memory' in target ? target.at : target.address;
}

/**
 * Write `qs` at the caller's buffer the way WSALookupServiceNext must:
 * "on output, if the function fails and the error is WSAEFAULT, then
 * [lpdwBufferLength] contains the minimum number of bytes to pass for the
 * lpqsResults to retrieve the record". The whole image — struct, strings,
 * GUIDs, CSADDR_INFO array, sockaddrs — lies in [buffer, buffer + size),
 * size ≤ length, every pointer inside it (the codec lays it out for that
 * base). Nothing is written unless all of it fits and the target can take
 * it: a short buffer is BufferTooSmallError, an unmapped or misaligned one
 * WSAEFAULT, and in both cases not one byte changed.
 */
export function writeResult(
  qs: QuerySetJson,
  target: ResultTarget | null,
  length: number,
  arch: Arch,
  charset: Charset,
): number {
  const required = resultSize(qs, arch, charset);
  if (required > length) throw new BufferTooSmallError(required, length);
  if (target === null)
    throw new WinsockError('WSAEFAULT', `lpqsResults is NULL but lpdwBufferLength is ${length}`, 'lpqsResults');
  const at = targetAddress(target);
  const encoder = encoderFor(arch, charset);
  const align = encoder.align;
  if (!Number.isSafeInteger(at) || at <= 0 || at % align !== 0) {
    throw new WinsockError(
      'WSAEFAULT',
      `${Number.isSafeInteger(at) && at >= 0 ? formatAddress(at) : String(at)} is not a ${align}-aligned address for a WSAQUERYSET${charset} on ${arch}`,
      'lpqsResults',
    );
  }
  if (at + required > ADDRESS_LIMIT[arch])
    throw new WinsockError(
      'WSAEFAULT',
      `${formatAddress(at)}+${required} does not fit ${arch}'s ${arch === 'x86' ? 32 : 53}-bit addresses`,
      'lpqsResults',
    );
  if ('memory' in target) {
    const mapped = target.memory.mappedLength(at, required);
    if (mapped < required)
      throw new WinsockError(
        'WSAEFAULT',
        `${formatAddress(at)}+${required} is not writable memory (${mapped} bytes are)`,
        'lpqsResults',
      );
    // The image is built whole before memory.write, so a failing write leaves nothing half written.
    const image = new Uint8Array(required);
    encoder.write(qs, image, new DataView(image.buffer), 0, at);
    target.memory.write(at, image);
    return required;
  }
  const offset = target.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + required > target.bytes.length) {
    throw new WinsockError(
      'WSAEFAULT',
      `the caller's bytes hold ${Math.max(0, target.bytes.length - offset)} bytes from offset ${String(offset)}, the result needs ${required}`,
      'lpqsResults',
    );
  }
  const { bytes } = target;
  if (!(bytes instanceof Uint8Array)) throw new UsageError('target must be a Uint8Array (a Buffer is one)');
  // Zeroed first, so padding is zero whatever the buffer held (the encoder writes only what is not).
  bytes.fill(0, offset, offset + required);
  encoder.write(qs, bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset, at);
  return required;
}

/** lpdwBufferLength must hold a DWORD. */
export function checkBufferLength(length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff)
    throw invalid(`*lpdwBufferLength ${String(length)} is not a DWORD`, 'lpdwBufferLength');
}
