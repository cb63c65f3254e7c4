import { ARCHES, type Arch } from '../abi/types.js';
import type { Charset } from '../codec/canonical.js';
import { UsageError } from '../errors.js';
import type { AddressSpace } from '../memory/address-space.js';
import {
  assess,
  DEFAULT_PLAUSIBILITY_LIMITS,
  type PlausibilityLimits,
  shapeOf,
  wordsPossible,
} from './plausibility.js';

/**
 * A place in the capture that looks like a WSAQUERYSET, with the layout and
 * charset it reads best as; `score` ranks candidates (higher is more
 * plausible, see plausibility.ts), `at` is its address.
 */
export interface Candidate {
  readonly at: number;
  readonly arch: Arch;
  readonly charset: Charset;
  readonly score: number;
  /** Why, check by check: `dwNameSpace=NS_DNS`, `lpszServiceInstanceName → "svc"`, `padding is zero`… */
  readonly reasons: string[];
  /** The instance name when it reads as text. */
  readonly name?: string;
}

/** What scanQuerySets looks for and how much it keeps; every member is optional. */
export interface ScanOptions {
  /** Which layouts to look for (default both: x86 finds dwSize 60 at 4-aligned addresses, x64 dwSize 120 at 8-aligned ones). */
  readonly arches?: readonly Arch[];
  /** Which string charsets to try (default both; each candidate reports the one that reads better, W on a tie). */
  readonly charsets?: readonly Charset[];
  /**
   * Keep at most this many candidates (the best). Default
   * DEFAULT_SCAN_KEEP: a capture full of signature hits must not make the
   * scanner hold them all; how many were left out is in the report.
   */
  readonly limit?: number;
  /** Leave out candidates scoring below this (default 1: an all-NULL struct that happens to start with 120 scores 0). */
  readonly minScore?: number;
  /** Called after each chunk with bytes scanned so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly limits?: Partial<PlausibilityLimits>;
}

/** What one scan saw besides its candidates: how much it looked at and what it left out. */
export interface ScanReport {
  /** The best candidates, best first (at most `limit`). */
  readonly candidates: Candidate[];
  /** Aligned dwSize values found (60 for x86, 120 for x64). */
  readonly signatureHits: number;
  /** Hits that failed the quick test on the words (a pointer no user-mode process has, a count over the limits). */
  readonly rejectedQuickly: number;
  /** Hits assessed in full (plausibility.ts). */
  readonly assessed: number;
  /** Assessed candidates scoring below minScore. */
  readonly belowMinScore: number;
  /** Candidates at or above minScore left out because `limit` better ones were kept. */
  readonly skipped: number;
}

/** How many candidates a scan keeps when the caller sets no limit. */
export const DEFAULT_SCAN_KEEP = 1000;

/**
 * Bytes per locate() call. 4 MiB keeps a minidump's positional reads large
 * (few syscalls) and the copy for a misaligned region cheap; bench scan/256mb.
 */
const CHUNK = 4 << 20;

/**
 * Find candidate WSAQUERYSETW/A sets anywhere in `space`, best first (by
 * score, then address). The signature pass looks at every aligned DWORD
 * through a Uint32Array over big chunks and only stops at dwSize values;
 * each hit is then assessed (plausibility.ts) for every requested charset.
 */
export function scanQuerySets(space: AddressSpace, options: ScanOptions = {}): Candidate[] {
  return scanQuerySetsReport(space, options).candidates;
}

/**
 * scanQuerySets with the counts: each chunk's hits are assessed as soon as
 * the chunk is scanned, and only the best `limit` candidates are kept (a
 * bounded heap), so memory stays at one chunk plus `limit` candidates
 * however many hits the capture holds.
 */
export function scanQuerySetsReport(space: AddressSpace, options: ScanOptions = {}): ScanReport {
  const arches = options.arches ?? ARCHES;
  const charsets = options.charsets ?? (['W', 'A'] as const);
  for (const arch of arches)
    if (!(ARCHES as readonly string[]).includes(arch))
      throw new UsageError(`unknown arch ${JSON.stringify(arch)}: one of ${ARCHES.join(', ')}`);
  for (const charset of charsets)
    if (charset !== 'W' && charset !== 'A')
      throw new UsageError(`unknown charset ${JSON.stringify(charset)}: one of W, A`);
  const keep = options.limit ?? DEFAULT_SCAN_KEEP;
  if (!Number.isSafeInteger(keep) || keep < 0)
    throw new UsageError(`limit must be a non-negative integer, not ${String(options.limit)}`);
  const limits = { ...DEFAULT_PLAUSIBILITY_LIMITS, ...options.limits };
  const minScore = options.minScore ?? 1;
  const x86Size = arches.includes('x86') ? shapeOf('x86').size : -1;
  const x64Size = arches.includes('x64') ? shapeOf('x64').size : -1;

  const best = new BestCandidates(keep);
  const counts = { signatureHits: 0, rejectedQuickly: 0, assessed: 0, belowMinScore: 0 };
  const hits: number[] = [];
  const ranges = space.ranges();
  const total = ranges.reduce((n, r) => n + r.length, 0);
  let done = 0;
  let scratch: Uint32Array | undefined;
  for (const range of ranges) {
    const end = range.base + range.length;
    let address = Math.ceil(range.base / 4) * 4;
    done += address - range.base;
    while (end - address >= 4) {
      // Clamped before masking: `& ~3` on a distance of 2 GiB or more would wrap to a negative int32.
      const length = Math.min(CHUNK, end - address) & ~3;
      const { bytes, offset } = space.locate(address, length);
      const byteOffset = bytes.byteOffset + offset;
      let words: Uint32Array;
      if (byteOffset % 4 === 0) words = new Uint32Array(bytes.buffer, byteOffset, length >>> 2);
      else {
        // A Uint32Array needs 4-aligned storage: copy the rare misaligned chunk.
        if (!scratch || scratch.length < length >>> 2) scratch = new Uint32Array(CHUNK >>> 2);
        words = scratch.subarray(0, length >>> 2);
        new Uint8Array(words.buffer, 0, length).set(bytes.subarray(offset, offset + length));
      }
      hits.length = 0;
      counts.signatureHits += findSignatures(words, address, x86Size, x64Size, hits, limits);
      for (let h = 0; h < hits.length; h += 2) {
        const at = hits[h]!;
        const arch: Arch = hits[h + 1] === 0 ? 'x86' : 'x64';
        let candidate: Candidate | undefined;
        for (const charset of charsets) {
          const a = assess(space, at, arch, charset, limits);
          if (a && (!candidate || a.score > candidate.score)) candidate = { at, arch, charset, ...a };
        }
        counts.assessed++;
        if (!candidate) continue;
        if (candidate.score < minScore) counts.belowMinScore++;
        else best.offer(candidate);
      }
      address += length;
      done += length;
      options.onProgress?.(done, total);
    }
    done += end - address;
  }
  counts.rejectedQuickly = counts.signatureHits - counts.assessed;
  return { candidates: best.sorted(), ...counts, skipped: best.skipped };
}

/** Best first: higher score, then lower address, then x64 before x86. */
function better(a: Candidate, b: Candidate): boolean {
  return a.score !== b.score ? a.score > b.score : a.at !== b.at ? a.at < b.at : a.arch < b.arch;
}

/**
 * The best `capacity` candidates seen so far: a min-heap whose root is the
 * worst kept one, so an offer costs O(log capacity) and memory never grows
 * past `capacity` candidates.
 */
class BestCandidates {
  private readonly heap: Candidate[] = [];
  skipped = 0;
  constructor(private readonly capacity: number) {}

  offer(c: Candidate): void {
    const h = this.heap;
    if (h.length < this.capacity) {
      h.push(c);
      let i = h.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!better(h[parent]!, h[i]!)) break;
        [h[i], h[parent]] = [h[parent]!, h[i]!];
        i = parent;
      }
      return;
    }
    this.skipped++;
    if (h.length === 0 || !better(c, h[0]!)) return;
    h[0] = c;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < h.length && better(h[worst]!, h[l]!)) worst = l;
      if (r < h.length && better(h[worst]!, h[r]!)) worst = r;
      if (worst === i) break;
      [h[i], h[worst]] = [h[worst]!, h[i]!];
      i = worst;
    }
  }

  sorted(): Candidate[] {
    return [...this.heap].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  }
}

/**
 * The signature pass: where in the chunk the two dwSize values are. Two
 * native TypedArray.prototype.indexOf passes beat one JavaScript loop that
 * compares every word with both values (1.8 vs 1.0 GB/s on scan/256mb's
 * filler, measured side by side); an x64 hit must also be 8-aligned. A hit
 * whose struct lies in the chunk gets the quick pointer test right here on
 * the words; survivors go to `out` as pairs (address, 0 for x86 / 1 for x64).
 * Returns how many aligned hits there were.
 */
function findSignatures(
  words: Uint32Array,
  base: number,
  x86Size: number,
  x64Size: number,
  out: number[],
  limits: PlausibilityLimits,
): number {
  let found = 0;
  if (x86Size >= 0) {
    const shape = shapeOf('x86');
    const last = words.length - (shape.size >>> 2);
    for (let i = words.indexOf(x86Size); i >= 0; i = words.indexOf(x86Size, i + 1)) {
      found++;
      if (i > last || wordsPossible(words, i, shape, limits)) out.push(base + i * 4, 0);
    }
  }
  if (x64Size >= 0) {
    const shape = shapeOf('x64');
    const last = words.length - (shape.size >>> 2);
    // Which word indices are 8-aligned addresses: even ones when base is 8-aligned.
    const parity = base % 8 === 0 ? 0 : 1;
    for (let i = words.indexOf(x64Size); i >= 0; i = words.indexOf(x64Size, i + 1)) {
      if ((i & 1) !== parity) continue;
      found++;
      if (i > last || wordsPossible(words, i, shape, limits)) out.push(base + i * 4, 1);
    }
  }
  return found;
}
