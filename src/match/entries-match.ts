import type { CsAddrInfoJson } from '../codec/canonical.js';
import { RnrError } from '../errors.js';
import { CanonicalLoader } from './canonical-entry.js';
import { EntryCursor } from './entry-cursor.js';
import { recordEquals, recordWords, writeRecord } from './record.js';
import { type MatchMode, normaliseEntry } from './rule.js';

/**
 * Whether two canonical entries match by the rule (rule.ts), for one-off
 * comparisons; sets use a hash index instead of calling this pairwise.
 * Errors name `a…` or `b…`.
 */
export function entriesMatch(a: CsAddrInfoJson, b: CsAddrInfoJson, mode: MatchMode = 'exact'): boolean {
  const semantic = mode === 'semantic';
  const loader = new CanonicalLoader();
  const c = new EntryCursor();
  const load = (entry: CsAddrInfoJson, name: string): void => {
    try {
      loader.load(entry, c);
      normaliseEntry(c, semantic);
    } catch (e) {
      throw e instanceof RnrError ? e.withContext(name) : e;
    }
  };
  load(a, 'a');
  // The loader reuses its buffer, so `a` is kept as a record before `b` loads.
  const record = new Int32Array(recordWords(c.localLength, c.remoteLength));
  writeRecord(record, 0, c);
  load(b, 'b');
  return recordEquals(record, 0, c);
}
