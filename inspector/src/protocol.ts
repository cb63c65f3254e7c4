import type { Arch } from '../../src/abi/types.js';
import type { Charset, QuerySetJson } from '../../src/codec/canonical.js';
import type { Candidate } from '../../src/dump/scan.js';
import type { MatchMode } from '../../src/match/rule.js';
import type { Comparison, SetRef } from './compare.js';
import type { Block } from './memory-map.js';

/** What the page asks the worker; every request carries an id its answer repeats. */
export type Request =
  | { id: number; type: 'open'; input: CaptureInput; inflateLimit: number }
  | { id: number; type: 'scan'; arches?: Arch[] }
  | { id: number; type: 'decode'; set: SetRef }
  | { id: number; type: 'compare'; a: SetRef; b: SetRef; mode: MatchMode };

/** A capture: one minidump (a File, or a URL `rnrkit inspect` serves), or raw region files at their bases. */
export type CaptureInput =
  | { kind: 'file'; file: File }
  | { kind: 'url'; url: string; name: string }
  | { kind: 'raw'; regions: { file: File; base: string }[] };

export interface CaptureInfo {
  readonly label: string;
  readonly kind: 'minidump' | 'raw';
  readonly arch: Arch | null;
  readonly fileSize: number;
  /** Whether the file was gzip (inflated as a stream into the browser's Blob store). */
  readonly gzip: boolean;
  readonly mapped: number;
  readonly rangeCount: number;
  /** The first ranges (the page lists at most this many). */
  readonly ranges: { base: number; length: number }[];
  /** Module bases are 64-bit values as read, so hex text. */
  readonly modules: { base: string; size: number; name: string }[];
  readonly warnings: readonly string[];
}

export interface Decoded {
  readonly set: SetRef;
  /** Canonical JSON, lenient: unresolved parts are null and listed in `$unresolved`. */
  readonly json: QuerySetJson;
  /** The same with the codec's `$`-annotations (addresses, parsed sockaddrs). */
  readonly annotated: QuerySetJson;
  readonly blocks: Block[];
}

export type Response =
  | { id: number; type: 'opened'; info: CaptureInfo }
  | { id: number; type: 'inflating'; inflated: number }
  | { id: number; type: 'progress'; done: number; total: number }
  | { id: number; type: 'candidates'; candidates: Candidate[]; total: number; seconds: number }
  | { id: number; type: 'decoded'; decoded: Decoded }
  | { id: number; type: 'compared'; comparison: Comparison }
  /** One line, as the CLI prints it: `rnrkit: <field path>: <what> at 0x…`. */
  | { id: number; type: 'error'; message: string };

export type { Charset };
