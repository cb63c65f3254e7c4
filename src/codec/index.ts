/**
 * The codec: WSAQUERYSETW/A (and WSASERVICECLASSINFOW/A) between captured
 * memory and canonical JSON (docs/codec.md), for x86 and x64. Browser-safe.
 */
export type { Charset, QuerySetJson, CsAddrInfoJson, SocketAddressJson, BlobJson, AfProtocolJson, WsaVersionJson, NsClassInfoJson, ServiceClassInfoJson } from './canonical.js';
export { QUERY_SET_KEYS } from './canonical.js';
export { type DecodeLimits, DEFAULT_DECODE_LIMITS } from './limits.js';
export { type DecodeOptions, decodeQuerySet, decodeServiceClassInfo } from './decode.js';
export type { UnresolvedPart } from './decode-context.js';
export { type EncodeOptions, encodedSize, encodeQuerySet, encodeInto, encodeServiceClassInfo } from './encode.js';
export { BYTES_ALIGN } from './encode-rules.js';
export { parseCsAddrInfoJson, parseQuerySetJson, parseServiceClassInfoJson } from './parse.js';
export { ansiToText, textToAnsi, type CodePage } from './code-page.js';
export { type SockaddrNote, describeSockaddr } from './sockaddr.js';
export type { BthSetServiceNote } from './bluetooth.js';
export { type CodeGeneration, codeGeneration, setCodeGeneration } from './compile.js';
