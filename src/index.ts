/**
 * rnrkit: byte-exact Windows Sockets RnR structures for x86 and x64.
 *
 * This entry is what decoding, encoding and matching need, and it is
 * browser-safe (Uint8Array/DataView, no Node API). The other entries:
 * `rnrkit/abi` (the schema and pointer internals), `rnrkit/dump` (opening
 * capture files), `rnrkit/service` (the WSASetService model and its
 * stores), `rnrkit/adapters` (restructure, buffer-layout and koffi types),
 * `rnrkit/ffi` (the live memory of this process, through koffi).
 *
 * @packageDocumentation
 */

// Winsock constants by their header names, and the tables that name them.
export * from './abi/constants.js';
export type { FieldLayout, MemberLayout, StructLayout } from './abi/layout.js';
export { layoutOf, structNames } from './abi/layout.js';
// Layouts, from the schema by the MSVC rules.
export type { Arch } from './abi/types.js';
export type { BthSetServiceNote } from './codec/bluetooth.js';
// The codec: query sets between memory and canonical JSON.
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
} from './codec/canonical.js';
export { QUERY_SET_KEYS } from './codec/canonical.js';
export { ansiToText, type CodePage, textToAnsi } from './codec/code-page.js';
// Generated code or closures (docs/codec.md): chosen automatically; forced for a strict CSP or for tests.
export { type CodeGeneration, codeGeneration, setCodeGeneration } from './codec/compile.js';
export { type DecodeOptions, decodeQuerySet, decodeServiceClassInfo } from './codec/decode.js';
export type { UnresolvedPart } from './codec/decode-context.js';
export { type EncodeOptions, encodedSize, encodeInto, encodeQuerySet, encodeServiceClassInfo } from './codec/encode.js';
export { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './codec/limits.js';
export { parseCsAddrInfoJson, parseQuerySetJson, parseServiceClassInfoJson } from './codec/parse.js';
export { describeSockaddr, type SockaddrNote } from './codec/sockaddr.js';
export { type AnnotateOptions, annotateQuerySet } from './dump/annotate.js';
export { MinidumpFormatError } from './dump/errors.js';
export type { ExceptionInfo } from './dump/exception.js';
export type { MemoryInfo } from './dump/memory-info.js';
// Captures: minidumps in memory, the scanner and the annotator.
export { isMinidump, Minidump, type MinidumpHeader } from './dump/minidump.js';
export type { ReaderStats } from './dump/paged-reader.js';
export type { HandleInfo, MiscInfo } from './dump/process-info.js';
export {
  type Candidate,
  DEFAULT_SCAN_KEEP,
  type ScanOptions,
  type ScanReport,
  scanQuerySets,
  scanQuerySetsReport,
} from './dump/scan.js';
export { type ByteSource, bytesSource } from './dump/source.js';
export type { UnloadedModuleInfo } from './dump/streams.js';
export type { ThreadInfo } from './dump/threads.js';
// Errors: every error rnrkit throws is one of these classes, checked by name.
export { formatAddress, InvalidDataError, MemoryError, RnrError, UsageError } from './errors.js';
// Matching: the exact-match rule, address sets, views in place.
export { AddressSet, type AddressSetOptions, type EntrySource, type MatchResult } from './match/address-set.js';
export { type AddressMember, CsAddrArrayView, type CsAddrArrayViewOptions } from './match/csaddr-view.js';
export { entriesMatch } from './match/entries-match.js';
export { ProtocolSubstitutionError, SetQuotaError } from './match/errors.js';
export { substituteProtocol } from './match/protocol.js';
export { type IgnoredRange, type MatchMode, SEMANTIC_IGNORED } from './match/rule.js';
// Memory: where the bytes of a capture are.
export type { AddressSpace, Located, MappedRange } from './memory/address-space.js';
export { parseAddress } from './memory/address-space.js';
export { type Region, RegionList } from './memory/region-list.js';
