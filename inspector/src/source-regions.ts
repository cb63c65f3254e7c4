import { PagedReader } from '../../src/dump/paged-reader.js';
import type { ByteSource } from '../../src/dump/source.js';
import { formatAddress, InvalidDataError, MemoryError } from '../../src/errors.js';
import { type AddressSpace, checkAddress, type Located, type MappedRange } from '../../src/memory/address-space.js';
import { contiguousLength, mergedRanges, spanIndex } from '../../src/memory/spans.js';
import type { SlicingSource } from './blob-source.js';

export interface SourceRegion {
  readonly base: number;
  readonly source: ByteSource | SlicingSource;
}

interface Placed {
  readonly base: number;
  readonly end: number;
  readonly reader: PagedReader;
  readonly source: ByteSource | SlicingSource;
}

/**
 * Raw region files at their base addresses, read lazily: RegionList's rules
 * (adjacent regions read as one, gaps are unmapped, overlaps are refused)
 * over ByteSources instead of byte arrays, so a 2 GiB raw file is never in
 * memory, only the pages a decode or a scan chunk touches.
 */
export class SourceRegions implements AddressSpace {
  private readonly regions: Placed[];

  constructor(
    regions: readonly SourceRegion[],
    readonly label: string,
  ) {
    const placed = regions
      .filter((r) => r.source.size > 0)
      .map((r) => {
        checkAddress(r.base, r.source.size);
        return { base: r.base, end: r.base + r.source.size, reader: new PagedReader(r.source), source: r.source };
      })
      .sort((a, b) => a.base - b.base);
    for (let i = 1; i < placed.length; i++) {
      if (placed[i]!.base < placed[i - 1]!.end) {
        throw new InvalidDataError(
          `regions at ${formatAddress(placed[i - 1]!.base)} and ${formatAddress(placed[i]!.base)} overlap`,
        );
      }
    }
    this.regions = placed;
  }

  private indexOf(address: number): number {
    return spanIndex(this.regions, address);
  }

  mappedLength(address: number, max: number): number {
    if (!Number.isSafeInteger(address) || address < 0 || max <= 0) return 0;
    const i = this.indexOf(address);
    return i < 0 ? 0 : contiguousLength(this.regions, i, address, max);
  }

  read(address: number, length: number): Uint8Array {
    checkAddress(address, length);
    const i = this.indexOf(address);
    if (i < 0) throw new MemoryError(BigInt(address), length);
    const first = this.regions[i]!;
    if (address + length <= first.end) return this.fetch(first, address, length);
    // Checked before `length` bytes are allocated: the length may come from hostile data.
    if (this.mappedLength(address, length) < length) throw new MemoryError(BigInt(address), length);
    const out = new Uint8Array(length);
    for (let j = i, done = 0; done < length; j++) {
      const r = this.regions[j]!;
      const take = Math.min(length - done, r.end - (address + done));
      out.set(this.fetch(r, address + done, take), done);
      done += take;
    }
    return out;
  }

  locate(address: number, length: number): Located {
    const bytes = this.read(address, length);
    return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, offset: 0 };
  }

  ranges(): readonly MappedRange[] {
    return mergedRanges(this.regions);
  }

  close(): void {
    for (const r of this.regions) r.reader.close();
  }

  private fetch(r: Placed, address: number, length: number): Uint8Array {
    // Scan chunks (megabytes) skip the page cache and its copy; small reads (a decode's members) go through it.
    const bytes =
      length > PagedReader.PAGE_SIZE && 'slice' in r.source
        ? r.source.slice(address - r.base, length)
        : r.reader.read(address - r.base, length);
    if (bytes.length < length)
      throw new MemoryError(
        BigInt(address),
        length,
        `${formatAddress(address)}+${length} could not be read: ${this.label} is shorter than when it was opened`,
      );
    return bytes;
  }
}
