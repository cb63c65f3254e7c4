import { formatAddress, MemoryError } from '../errors.js';
import type { AddressSpace, Located, MappedRange } from '../memory/address-space.js';
import { SpanTable } from '../memory/spans.js';
import { PagedReader } from './paged-reader.js';
import type { ByteSource } from './source.js';

/**
 * A ByteSource that can also hand out a fresh array of the bytes it reads
 * (a Blob read with FileReaderSync makes one anyway): a large read takes
 * that array instead of having it copied into another.
 */
export interface SlicingSource extends ByteSource {
  /** A new array holding the `length` bytes at `position` (the caller keeps it). */
  slice(position: number, length: number): Uint8Array;
}

/** A raw capture file placed in memory: its first byte is at `base`. */
export interface SourceRegion {
  readonly base: number;
  readonly source: ByteSource | SlicingSource;
  /** For messages: the file name. */
  readonly label: string;
}

interface Placed {
  readonly base: number;
  readonly end: number;
  readonly reader: PagedReader;
  readonly source: ByteSource | SlicingSource;
  readonly label: string;
}

/**
 * Raw capture files as an AddressSpace, read positionally through a page
 * cache and never whole: a raw image of 5 GiB costs what its reads cost,
 * not 5 GiB of memory (and not a typed array Node cannot make). The rules
 * are RegionList's: exactly adjacent files read as one, gaps are unmapped,
 * overlapping files are refused. Browser-safe: the inspector's worker
 * places the user's files with it, over Blob sources.
 */
export class SourceRegions implements AddressSpace {
  private readonly table: SpanTable<Placed>;
  private readonly sources: readonly ByteSource[];

  /** Takes over the sources: close() closes them all, empty ones included. */
  constructor(
    regions: readonly SourceRegion[],
    readonly label = 'captured memory',
  ) {
    this.sources = regions.map((r) => r.source);
    this.table = SpanTable.place(
      regions,
      (r) => r.source.size,
      (r, end) => ({ base: r.base, end, reader: new PagedReader(r.source), source: r.source, label: r.label }),
      (a, b) =>
        `${a.label} at ${formatAddress(a.base)}+${a.end - a.base} and ${b.label} at ${formatAddress(b.base)} overlap`,
    );
  }

  mappedLength(address: number, max: number): number {
    return this.table.mappedLength(address, max);
  }

  read(address: number, length: number): Uint8Array {
    return this.table.read(address, length, bytesAt);
  }

  locate(address: number, length: number): Located {
    const bytes = this.read(address, length);
    return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, offset: 0 };
  }

  ranges(): readonly MappedRange[] {
    return this.table.ranges();
  }

  /** Closes every source handed to the constructor. */
  close(): void {
    for (const r of this.table.spans) r.reader.close();
    for (const s of this.sources) s.close();
  }
}

/** The bytes of one file at [at, at + take). */
function bytesAt(r: Placed, at: number, take: number): Uint8Array {
  // Scan chunks (megabytes) skip the page cache and its copy where the source can slice; a decode's small reads go through it.
  const bytes =
    take > PagedReader.PAGE_SIZE && 'slice' in r.source
      ? r.source.slice(at - r.base, take)
      : r.reader.read(at - r.base, take);
  // The size is the one the source had at open; a file cut since then reads short.
  if (bytes.length < take)
    throw new MemoryError(
      BigInt(at),
      take,
      `${formatAddress(at)}+${take} could not be read: ${r.label} is shorter than when it was opened`,
    );
  return bytes;
}
