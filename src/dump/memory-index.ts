import { formatAddress } from '../errors.js';
import type { DeclaredRange } from './streams.js';

/**
 * One piece of the unified memory index: a run of addresses whose bytes are
 * at `fileOffset` in the file, or, when `cut`, whose bytes a descriptor
 * declares but the (truncated) file does not hold.
 */
export interface Segment {
  readonly base: number;
  readonly length: number;
  readonly fileOffset: number;
  readonly cut: boolean;
  readonly origin: string;
}

/** How many distinct overlapping pairs are spelled out before the rest are only counted. */
const MAX_OVERLAP_WARNINGS = 20;

interface Piece {
  readonly base: number;
  readonly end: number;
  readonly fileOffset: number;
  readonly cut: boolean;
  /** Lower wins: declaration order, with every cut piece after every present one. */
  readonly priority: number;
  readonly origin: string;
}

/**
 * MemoryListStream and Memory64ListStream descriptors, unified into one
 * sorted index of non-overlapping segments.
 *
 * Truncation: the part of a range whose bytes lie past the end of the file
 * becomes a `cut` segment; reads there raise a MemoryError naming the
 * address, the rest of the dump stays readable.
 *
 * Overlaps (the rule): where descriptors overlap, the bytes come from the
 * descriptor listed first — streams in directory order, descriptors in
 * stream order — and a warning names both. Bytes a file really holds always
 * win over bytes cut off by truncation, whatever the order. Real dumps do
 * not overlap; the rule only has to be deterministic and independent of how
 * the index happens to be sorted.
 */
export function buildMemoryIndex(
  allDeclared: readonly DeclaredRange[],
  fileSize: number,
  warn: (message: string) => void,
): Segment[] {
  const declared = refuseReusedFileBytes(allDeclared, fileSize, warn);
  const n = declared.length;
  const pieces: Piece[] = [];
  // A truncated dump cuts one range and loses every later one: name the
  // cut ones, count the lost ones, so the warnings stay readable.
  let lost = 0;
  let lostBytes = 0;
  for (let k = 0; k < n; k++) {
    const d = declared[k]!;
    const present = Math.max(0, Math.min(d.length, fileSize - d.fileOffset));
    if (present > 0)
      pieces.push({
        base: d.base,
        end: d.base + present,
        fileOffset: d.fileOffset,
        cut: false,
        priority: k,
        origin: d.origin,
      });
    if (present < d.length) {
      pieces.push({
        base: d.base + present,
        end: d.base + d.length,
        fileOffset: d.fileOffset + present,
        cut: true,
        priority: n + k,
        origin: d.origin,
      });
      if (present > 0)
        warn(
          `${d.origin}: ${formatAddress(d.base)}+${d.length} is cut at ${formatAddress(d.base + present)}: its bytes lie past the end of the file (${fileSize} bytes); reads there fail`,
        );
      else {
        lost++;
        lostBytes += d.length;
      }
    }
  }
  if (lost > 0)
    warn(
      `${lost} memory range${lost === 1 ? '' : 's'} (${lostBytes} bytes) lie wholly past the end of the file (${fileSize} bytes): truncated dump; reads there fail`,
    );
  pieces.sort((a, b) => a.base - b.base || a.priority - b.priority);

  let overlapping = false;
  for (let i = 1, end = pieces[0]?.end ?? 0; i < pieces.length; i++) {
    if (pieces[i]!.base < end) {
      overlapping = true;
      break;
    }
    end = Math.max(end, pieces[i]!.end);
  }
  if (!overlapping) return pieces.map(toSegment);
  return resolveOverlaps(pieces, declared, warn);
}

/**
 * Amplification: every mapped byte must be a distinct byte of the file.
 * A descriptor whose present bytes share file bytes with another one's is
 * refused whole, so 60,000 descriptors that all point at the same 2 MB
 * cannot make 120 GB of memory to scan: the mapped total never exceeds the
 * file's size, and every pass over the memory is bounded by it. Real dumps
 * never share: each MemoryListStream descriptor has its own RVA, and
 * Memory64ListStream's bytes follow each other from BaseRva.
 *
 * Of the descriptors that share, the one whose bytes start first in the
 * file is kept (the earlier listed on a tie); the rest are counted in one
 * warning that names the first refused one. O(n log n).
 */
function refuseReusedFileBytes(
  declared: readonly DeclaredRange[],
  fileSize: number,
  warn: (message: string) => void,
): readonly DeclaredRange[] {
  const present = (d: DeclaredRange) => Math.max(0, Math.min(d.length, fileSize - d.fileOffset));
  const order: number[] = [];
  for (let k = 0; k < declared.length; k++) if (present(declared[k]!) > 0) order.push(k);
  order.sort((a, b) => declared[a]!.fileOffset - declared[b]!.fileOffset || a - b);
  const refused = new Set<number>();
  let refusedBytes = 0;
  let claimedTo = 0;
  for (const k of order) {
    const d = declared[k]!;
    if (d.fileOffset < claimedTo) {
      refused.add(k);
      refusedBytes += present(d);
      continue;
    }
    claimedTo = d.fileOffset + present(d);
  }
  if (refused.size === 0) return declared;
  const first = declared[Math.min(...refused)]!;
  warn(
    `${refused.size} memory descriptor${refused.size === 1 ? '' : 's'} (${refusedBytes} mapped bytes in all) reuse file bytes another descriptor already maps, e.g. ${first.origin} ${formatAddress(first.base)}+${first.length} at file offset ${formatAddress(first.fileOffset)}: refused, so no byte of the file is mapped twice`,
  );
  return declared.filter((_, k) => !refused.has(k));
}

function toSegment(p: Piece): Segment {
  return { base: p.base, length: p.end - p.base, fileOffset: p.fileOffset, cut: p.cut, origin: p.origin };
}

/**
 * The sweep: cut the address line at every piece boundary; each elementary
 * interval belongs to the live piece of lowest priority (a min-heap with
 * lazy removal). O(n log n), so a dump with a million crafted overlapping
 * descriptors costs no more than sorting them.
 */
function resolveOverlaps(
  pieces: readonly Piece[],
  declared: readonly DeclaredRange[],
  warn: (message: string) => void,
): Segment[] {
  const points = [...new Set(pieces.flatMap((p) => [p.base, p.end]))].sort((a, b) => a - b);
  const heap = new MinHeap<Piece>((a, b) => a.priority - b.priority);
  const out: Segment[] = [];
  const pairs = new Set<string>();
  let unlisted = false;
  // Live pieces at x = those begun minus those ended; the heap also holds ended ones.
  const ends = pieces.map((p) => p.end).sort((a, b) => a - b);
  let ended = 0;
  // Naming the pairs walks the heap; a budget keeps crafted input from making that quadratic.
  let visitBudget = 1 << 20;
  let next = 0;
  let current: { piece: Piece; base: number; end: number } | undefined;
  const flush = () => {
    if (!current) return;
    const { piece, base, end } = current;
    out.push({
      base,
      length: end - base,
      fileOffset: piece.fileOffset + (base - piece.base),
      cut: piece.cut,
      origin: piece.origin,
    });
    current = undefined;
  };
  for (let p = 0; p + 1 < points.length; p++) {
    const x = points[p]!;
    const y = points[p + 1]!;
    while (next < pieces.length && pieces[next]!.base <= x) heap.push(pieces[next++]!);
    while (heap.size > 0 && heap.peek()!.end <= x) heap.pop();
    while (ended < ends.length && ends[ended]! <= x) ended++;
    const winner = heap.peek();
    if (!winner) {
      flush();
      continue;
    }
    const live = next - ended;
    if (live > 1 && pairs.size < MAX_OVERLAP_WARNINGS && visitBudget > 0) {
      visitBudget -= heap.size;
      for (const other of heap.items()) {
        if (other === winner || other.end <= x || other.origin === winner.origin) continue;
        const key = `${winner.origin}|${other.origin}`;
        if (!pairs.has(key)) {
          if (pairs.size < MAX_OVERLAP_WARNINGS) pairs.add(key);
          else unlisted = true;
        }
      }
    } else if (live > 1) {
      unlisted = true;
    }
    if (current && current.piece === winner && current.end === x) current.end = y;
    else {
      flush();
      current = { piece: winner, base: x, end: y };
    }
  }
  flush();
  const byOrigin = new Map(declared.map((d) => [d.origin, d]));
  for (const key of pairs) {
    const [first, second] = key.split('|') as [string, string];
    const a = byOrigin.get(first)!;
    const b = byOrigin.get(second)!;
    warn(
      `memory ranges overlap: ${a.origin} ${formatAddress(a.base)}+${a.length} and ${b.origin} ${formatAddress(b.base)}+${b.length}; the shared bytes are read from ${a.origin} (the first listed wins)`,
    );
  }
  if (unlisted)
    warn(
      `only the first ${MAX_OVERLAP_WARNINGS} overlapping pairs of memory ranges are listed; the first listed range wins everywhere`,
    );
  return out;
}

/** A binary min-heap; `items()` exposes the backing array for the overlap report. */
class MinHeap<T> {
  private readonly data: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}
  get size(): number {
    return this.data.length;
  }
  peek(): T | undefined {
    return this.data[0];
  }
  items(): readonly T[] {
    return this.data;
  }
  push(item: T): void {
    const d = this.data;
    d.push(item);
    let i = d.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(d[i]!, d[parent]!) >= 0) break;
      [d[i], d[parent]] = [d[parent]!, d[i]!];
      i = parent;
    }
  }
  pop(): T | undefined {
    const d = this.data;
    const top = d[0];
    const last = d.pop();
    if (d.length > 0 && last !== undefined) {
      d[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < d.length && this.less(d[l]!, d[m]!) < 0) m = l;
        if (r < d.length && this.less(d[r]!, d[m]!) < 0) m = r;
        if (m === i) break;
        [d[i], d[m]] = [d[m]!, d[i]!];
        i = m;
      }
    }
    return top;
  }
}
