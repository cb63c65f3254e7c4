import { NS_BTH } from '../abi/constants.js';
import { ARCHES, type Arch } from '../abi/types.js';
import { MemoryError, RnrError, UsageError } from '../errors.js';
import type { AddressSpace, Located } from '../memory/address-space.js';
import { decodeBthSetService } from './bluetooth.js';
import type { Charset, QuerySetJson, ServiceClassInfoJson } from './canonical.js';
import { DecodeContext } from './decode-context.js';
import { structDecoder } from './decoder.js';
import { type DecodeLimits, resolveLimits } from './limits.js';
import { decodePartialRoot } from './partial-root.js';
import { planOf } from './plan.js';

/** How `decodeQuerySet` and `decodeServiceClassInfo` read: docs/codec.md lists every option and default. */
export interface DecodeOptions {
  arch: Arch;
  charset: Charset;
  /** Default false: the first problem throws (MemoryError/InvalidDataError with the field path). */
  lenient?: boolean;
  /** Defaults: DEFAULT_DECODE_LIMITS. */
  limits?: Partial<DecodeLimits>;
  /** Default false: add `$`-annotations (addresses, parsed sockaddrs, BTH_SET_SERVICE). */
  annotate?: boolean;
}

/**
 * Decode the WSAQUERYSETW (charset W) or WSAQUERYSETA (A) at `at` into
 * canonical JSON (docs/codec.md), following every pointer through `space`.
 *
 * Lenient: an unresolved pointer member becomes null and the result carries
 * `$unresolved: [{path, address, reason}]`. The struct's first bytes must be
 * there; members past the end of the capture are null and unresolved.
 */
export function decodeQuerySet(space: AddressSpace, at: number, options: DecodeOptions): QuerySetJson {
  const name = options.charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW';
  const { result, context } = decodeRoot(name, space, at, options);
  const qs = result as unknown as QuerySetJson;
  if (
    options.annotate &&
    qs.dwNameSpace === NS_BTH &&
    qs.lpBlob !== null &&
    qs.lpBlob.pBlobData !== null &&
    typeof qs.lpBlob.$pBlobData === 'string'
  ) {
    const blob = qs.lpBlob;
    // An annotation interprets data that decoded fine: when it cannot be
    // completed (the blob is no BTH_SET_SERVICE, its inner pointers lead
    // outside the capture) it says so in place instead of failing the decode.
    try {
      blob.$BTH_SET_SERVICE = decodeBthSetService(context, Number(blob.$pBlobData), blob.cbSize, options.arch);
    } catch (e) {
      if (!(e instanceof RnrError)) throw e;
      blob.$BTH_SET_SERVICE = { $error: e.message };
    }
  }
  if (options.lenient && context.unresolved.length > 0) qs.$unresolved = context.unresolved;
  return qs;
}

/** Decode a WSASERVICECLASSINFOW (W) or WSASERVICECLASSINFOA (A) at `at`, with its WSANSCLASSINFO array (lpValue as hex of dwValueSize bytes). */
export function decodeServiceClassInfo(space: AddressSpace, at: number, options: DecodeOptions): ServiceClassInfoJson {
  const name = options.charset === 'A' ? 'WSASERVICECLASSINFOA' : 'WSASERVICECLASSINFOW';
  const { result, context } = decodeRoot(name, space, at, options);
  if (options.lenient && context.unresolved.length > 0) result.$unresolved = context.unresolved;
  return result as unknown as ServiceClassInfoJson;
}

function decodeRoot(
  name: string,
  space: AddressSpace,
  at: number,
  options: DecodeOptions,
): { result: Record<string, unknown>; context: DecodeContext } {
  checkOptions(options);
  if (!Number.isSafeInteger(at) || at < 0)
    throw new UsageError(`address ${String(at)} is not a non-negative safe integer`);
  const context = new DecodeContext(space, resolveLimits(options.limits));
  const decoder = structDecoder(name, options.arch, {
    annotate: options.annotate === true,
    lenient: options.lenient === true,
  });
  const size = decoderRootSize(name, options.arch);
  let located: Located;
  try {
    located = context.struct(at, size);
  } catch (e) {
    // Lenient, a struct cut off by the end of the capture is shown as far as it goes; without its first bytes there is nothing to carry on with.
    const captured = options.lenient && e instanceof MemoryError ? space.mappedLength(at, size) : 0;
    if (captured > 0) {
      return {
        result: decodePartialRoot(name, options.arch, space, at, size, captured, context, (view) =>
          decoder(context, view, 0, at, ''),
        ),
        context,
      };
    }
    throw e instanceof RnrError ? e.withContext(name) : e;
  }
  return { result: decoder(context, located.view, located.offset, at, ''), context };
}

function checkOptions(options: DecodeOptions): void {
  if (options === null || typeof options !== 'object')
    throw new UsageError('decode options are required: {arch, charset}');
  if (options.arch !== 'x86' && options.arch !== 'x64')
    throw new UsageError(`unknown arch ${JSON.stringify(options.arch)}: one of ${ARCHES.join(', ')}`);
  if (options.charset !== 'W' && options.charset !== 'A')
    throw new UsageError(`unknown charset ${JSON.stringify(options.charset)}: one of W, A`);
}

function decoderRootSize(name: string, arch: Arch): number {
  return planOf(name, arch).size;
}
