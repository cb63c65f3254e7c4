import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Charset, QuerySetJson } from '../codec/canonical.js';
import { parseAddress } from '../memory/address-space.js';
import { gunzipSource } from './gzip.js';
import { Minidump } from './minidump.js';

/**
 * The real minidump rnrkit ships (fixtures/dumps/, made by
 * scripts/fixtures-dumps.ts): dbghelp's MiniDumpWriteDump(MiniDumpWithFullMemory)
 * under Wine of an x64 process holding four query sets on its heap. The
 * sidecar says where each set is and what it holds, as the C program that
 * built it printed it.
 */
export const BUNDLED_DUMP = {
  path: fileURLToPath(new URL('../../fixtures/dumps/wine-x64-sets.dmp.gz', import.meta.url)),
  sidecar: fileURLToPath(new URL('../../fixtures/dumps/wine-x64-sets.json', import.meta.url)),
} as const;

export interface BundledSet {
  readonly name: string;
  readonly at: number;
  readonly charset: Charset;
  /** Canonical JSON of the set as target.c printed it from its own structures. */
  readonly expected: QuerySetJson;
}

export function bundledSets(): BundledSet[] {
  const sidecar = JSON.parse(readFileSync(BUNDLED_DUMP.sidecar, 'utf8')) as {
    sets: { name: string; at: string; charset: Charset; expected: QuerySetJson }[];
  };
  return sidecar.sets.map((s) => ({ name: s.name, at: parseAddress(s.at), charset: s.charset, expected: s.expected }));
}

/** Open the bundled dump (inflated into an already-unlinked temp file). */
export function openBundledDump(): Minidump {
  const source = gunzipSource(BUNDLED_DUMP.path);
  try {
    return new Minidump(source, 'wine-x64-sets.dmp');
  } catch (e) {
    source.close();
    throw e;
  }
}
