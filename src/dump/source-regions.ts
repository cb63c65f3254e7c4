import { formatAddress, InvalidDataError, MemoryError } from '../errors.js';
import { type AddressSpace, checkAddress, type Located, type MappedRange } from '../memory/address-space.js';
import { contiguousLength, mergedRanges, spanIndex } from '../memory/spans.js';
import { PagedReader } from './paged-reader.js';
import type { ByteSource } from './source.js';

/** A raw capture file placed in memory: its first byte is at `base`. */
export interface SourceRegion {
  readonly base: number;
  readonly source: ByteSource;
  /** For messages: the file name. */
  readonly label: string;
}

interface Placed {
  readonly base: number;
  readonly end: number;
  readonly reader: PagedReader;
  readonly label: string;
}

/**
 * Raw capture files as an AddressSpace, read positionally through a page
 * cache and never whole: a raw image of 5 GiB costs what its reads cost,
 * not 5 GiB of memory (and not a typed array Node cannot make). The rules
 * are RegionList's: exactly adjacent files read as one, gaps are unmapped,
 * overlapping files are refused.
 */
export class SourceRegions implements AddressSpace {
  private readonly regions: Placed[];
  private readonly sources: readonly ByteSource[];
  private last = 0;

  /** Takes over the sources: close() closes them all, empty ones included. */
  constructor(
    regions: readonly SourceRegion[],
    readonly label = 'captured memory',
  ) {
    this.sources = regions.map((r) => r.source);
    const placed = regions
      .filter((r) => r.source.size > 0)
      .map((r) => {
        checkAddress(r.base, r.source.size);
        return { base: r.base, end: r.base + r.source.size, reader: new PagedReader(r.source), label: r.label };
      })
      .sort((a, b) => a.base - b.base);
    for (let i = 1; i < placed.length; i++) {
      const a = placed[i - 1]!;
      const b = placed[i]!;
      if (b.base < a.end)
        throw new InvalidDataError(
          `${a.label} at ${formatAddress(a.base)}+${a.end - a.base} and ${b.label} at ${formatAddress(b.base)} overlap`,
        );
    }
    this.regions = placed;
  }

  private indexOf(address: number): number {
    const i = spanIndex(this.regions, address, this.last);
    if (i >= 0) this.last = i;
    return i;
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
    // Checked before anything of `length` is allocated: the caller's length may be absurd.
    if (this.mappedLength(address, length) < length) throw new MemoryError(BigInt(address), length);
    const out = new Uint8Array(length);
    let done = 0;
    for (let j = i; done < length; j++) {
      const r = this.regions[j]!;
      const at = address + done;
      const take = Math.min(length - done, r.end - at);
      out.set(this.fetch(r, at, take), done);
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

  /** Closes every source handed to the constructor. */
  close(): void {
    for (const r of this.regions) r.reader.close();
    for (const s of this.sources) s.close();
  }

  private fetch(r: Placed, at: number, take: number): Uint8Array {
    const bytes = r.reader.read(at - r.base, take);
    // The size is the one fstat gave at open; a file cut since then reads short.
    if (bytes.length < take)
      throw new MemoryError(
        BigInt(at),
        take,
        `${formatAddress(at)}+${take} could not be read: ${r.label} is shorter than when it was opened`,
      );
    return bytes;
  }
}
