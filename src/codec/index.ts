/**
 * The codec: WSAQUERYSETW/A (and WSASERVICECLASSINFOW/A) between captured
 * memory and canonical JSON (docs/codec.md), for x86 and x64. Browser-safe.
 */

export type { BthSetServiceNote } from './bluetooth.js';
export type {
  AfProtocolJson,
  BlobJson,
  Charset,
  CsAddrInfoJson,
  NsClassInfoJson,
  QuerySetJson,
  ServiceClassInfoJson,
  SocketAddressJson,
  WsaVersionJson,
} from './canonical.js';
export { QUERY_SET_KEYS } from './canonical.js';
export { ansiToText, type CodePage, textToAnsi } from './code-page.js';
export { type CodeGeneration, codeGeneration, setCodeGeneration } from './compile.js';
export { type DecodeOptions, decodeQuerySet, decodeServiceClassInfo } from './decode.js';
export type { UnresolvedPart } from './decode-context.js';
export { type EncodeOptions, encodedSize, encodeInto, encodeQuerySet, encodeServiceClassInfo } from './encode.js';
export { BYTES_ALIGN } from './encode-rules.js';
export { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
export { parseCsAddrInfoJson, parseQuerySetJson, parseServiceClassInfoJson } from './parse.js';
export { describeSockaddr, type SockaddrNote } from './sockaddr.js';
