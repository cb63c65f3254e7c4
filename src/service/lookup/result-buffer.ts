import { layoutOf } from '../../abi/layout.js';
import type { Arch } from '../../abi/types.js';
import type { Charset, QuerySetJson } from '../../codec/canonical.js';
import { encodedSize, encodeInto, encodeQuerySet } from '../../codec/index.js';
import { formatAddress } from '../../errors.js';
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

/** The bytes a result takes in the caller's buffer: the struct and everything it points to (the codec's flat image). */
export function resultSize(qs: QuerySetJson, arch: Arch, charset: Charset): number {
  return encodedSize(qs, { arch, charset });
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
  const align = layoutOf(charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW', arch).align;
  if (!Number.isSafeInteger(at) || at <= 0 || at % align !== 0) {
    throw new WinsockError(
      'WSAEFAULT',
      `${Number.isSafeInteger(at) && at >= 0 ? formatAddress(at) : String(at)} is not a ${align}-aligned address for a WSAQUERYSET${charset} on ${arch}`,
      'lpqsResults',
    );
  }
  if (arch === 'x86' && at + required > 2 ** 32)
    throw new WinsockError(
      'WSAEFAULT',
      `${formatAddress(at)}+${required} does not fit x86's 32-bit addresses`,
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
    target.memory.write(at, encodeQuerySet(qs, { arch, charset, base: at }));
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
  encodeInto(qs, target.bytes, offset, at, { arch, charset });
  return required;
}

/** lpdwBufferLength must hold a DWORD. */
export function checkBufferLength(length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff)
    throw invalid(`*lpdwBufferLength ${String(length)} is not a DWORD`, 'lpdwBufferLength');
}
