/**
 * rnrkit's minidump reader and query-set scanner (Node entry: it opens
 * files). The parsing core (Minidump over a ByteSource, scanQuerySets over
 * any AddressSpace) uses no Node API; only open.ts, file-source.ts, gzip.ts
 * and fixtures.ts touch the file system.
 */
export { Minidump, isMinidump, type MinidumpHeader } from './minidump.js';
export { openMinidump } from './open.js';
export { type ByteSource, bytesSource } from './source.js';
export { fileSource } from './file-source.js';
export { gunzipSource, isGzip } from './gzip.js';
export { MinidumpFormatError } from './errors.js';
export type { Segment } from './memory-index.js';
export type { DeclaredRange, ModuleInfo, StreamEntry, SystemInfo } from './streams.js';
export { type Candidate, type ScanOptions, scanQuerySets } from './scan.js';
export { type Assessment, type PlausibilityLimits, DEFAULT_PLAUSIBILITY_LIMITS, assess } from './plausibility.js';
export { BUNDLED_DUMP, type BundledSet, bundledSets, openBundledDump } from './fixtures.js';
export { FORMAT_STRUCTS, MINIDUMP_SIGNATURE, MINIDUMP_VERSION, PROCESSOR_ARCHITECTURE, STREAM_TYPE } from './format.js';
export { type FormatLayout, formatLayout } from './format-layout.js';
