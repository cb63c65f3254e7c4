import type { ByteSource } from './source.js';

/** What a reader has done so far; tests bound `largestAllocation` by what the input's size justifies. */
export interface ReaderStats {
  /** The largest single buffer the reader created, in bytes. */
  largestAllocation: number;
  /** Bytes read from the source, through the cache or around it. */
  bytesRead: number;
  /** Cache pages loaded from the source (a page is 64 KiB). */
  pageLoads: number;
}

/**
 * Positional reads through a small page cache. Decoding a query set reads
 * dozens of small neighbouring pieces (a pointer, then 16 bytes there, then
 * a string), so the pages they fall in are kept; a large read (a scan
 * chunk) bypasses the cache and lands in one fresh buffer.
 *
 * Every buffer the reader creates goes through `allocate`, which records the
 * largest: the fuzz test asserts that no input makes the reader allocate
 * more than the input's own size justifies.
 */
export class PagedReader {
  /** 64 KiB × 64 = 4 MiB: a decode touches a handful of pages; scans read around the cache. */
  static readonly PAGE_SIZE = 64 * 1024;
  static readonly MAX_PAGES = 64;

  readonly stats: ReaderStats = { largestAllocation: 0, bytesRead: 0, pageLoads: 0 };
  private readonly pages = new Map<number, Uint8Array>();

  constructor(readonly source: ByteSource) {}

  get size(): number {
    return this.source.size;
  }

  /** A zeroed buffer of `length` bytes, recorded in `stats.largestAllocation`. */
  allocate(length: number): Uint8Array {
    if (length > this.stats.largestAllocation) this.stats.largestAllocation = length;
    return new Uint8Array(length);
  }

  /**
   * The bytes at [position, position + length), or fewer when the file ends
   * first (never more than the file holds: a length read from the file
   * cannot make this allocate beyond the file's size). The result may be a
   * view of a cached page: callers must not write to it.
   */
  read(position: number, length: number): Uint8Array {
    const available = Math.max(0, Math.min(length, this.source.size - position));
    if (available === 0) return new Uint8Array(0);
    const PAGE = PagedReader.PAGE_SIZE;
    const first = Math.floor(position / PAGE);
    if (Math.floor((position + available - 1) / PAGE) === first) {
      const page = this.page(first);
      const start = position - first * PAGE;
      return page.subarray(start, Math.min(page.length, start + available));
    }
    const out = this.allocate(available);
    const n = this.source.readInto(out, position);
    this.stats.bytesRead += n;
    return n === available ? out : out.subarray(0, n);
  }

  private page(index: number): Uint8Array {
    const hit = this.pages.get(index);
    if (hit) {
      // Map iteration order is insertion order: re-inserting makes it most recent.
      this.pages.delete(index);
      this.pages.set(index, hit);
      return hit;
    }
    const PAGE = PagedReader.PAGE_SIZE;
    const start = index * PAGE;
    const buffer = this.allocate(Math.min(PAGE, this.source.size - start));
    const n = this.source.readInto(buffer, start);
    this.stats.bytesRead += n;
    this.stats.pageLoads++;
    const page = n === buffer.length ? buffer : buffer.subarray(0, n);
    if (this.pages.size >= PagedReader.MAX_PAGES) this.pages.delete(this.pages.keys().next().value as number);
    this.pages.set(index, page);
    return page;
  }

  close(): void {
    this.pages.clear();
    this.source.close();
  }
}
