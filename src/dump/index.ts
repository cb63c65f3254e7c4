/**
 * `rnrkit/dump`: opening capture files (Node: it reads files), and the
 * minidump format's raw tables. The parsing core (`Minidump` over a
 * `ByteSource`, `scanQuerySets` over any address space, `annotateQuerySet`)
 * needs no Node API and is exported by the root entry.
 *
 * @packageDocumentation
 */

export { descriptorSource, fileSource } from './file-source.js';
export {
  FORMAT_STRUCTS,
  type FormatMember,
  MINIDUMP_SIGNATURE,
  MINIDUMP_VERSION,
  PROCESSOR_ARCHITECTURE,
  STREAM_TYPE,
} from './format.js';
export { type FormatField, type FormatLayout, formatLayout } from './format-layout.js';
export { DEFAULT_MAX_INFLATED_BYTES, type GunzipOptions, gunzipSource, inflateGzipFile, isGzip } from './gzip.js';
export type { Segment } from './memory-index.js';
export type { CodeViewRecord, FileVersion } from './module-identity.js';
export { openMinidump } from './open.js';
export { type Assessment, assess, DEFAULT_PLAUSIBILITY_LIMITS, type PlausibilityLimits } from './plausibility.js';
export { type SlicingSource, type SourceRegion, SourceRegions } from './source-regions.js';
export type { DeclaredRange, ModuleInfo, StreamEntry, SystemInfo } from './streams.js';
