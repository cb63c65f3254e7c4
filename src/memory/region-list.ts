import { formatAddress, InvalidDataError, MemoryError } from '../errors.js';
import { type AddressSpace, checkAddress, type Located, type MappedRange, parseAddress } from './address-space.js';
import { contiguousLength, mergedRanges, spanIndex } from './spans.js';

/** A captured region: the bytes that were at `base`. */
export interface Region {
  readonly base: number;
  readonly bytes: Uint8Array;
}

interface Placed extends Region {
  readonly end: number;
  readonly view: DataView;
}

/**
 * Memory held as byte arrays at base addresses: one flat image, or a list
 * of captured regions. Exactly adjacent regions read as one; gaps are
 * unmapped. Overlapping regions are rejected: which bytes would be "the"
 * memory is a policy question the caller (e.g. the minidump reader) answers
 * before building the list.
 */
export class RegionList implements AddressSpace {
  private readonly regions: Placed[];
  /** Region index of the last hit: decoders read neighbouring bytes in a row. */
  private last = 0;

  constructor(
    regions: readonly Region[],
    readonly label = 'captured memory',
  ) {
    const placed = regions
      .filter((r) => r.bytes.length > 0)
      .map((r) => {
        checkAddress(r.base, r.bytes.length);
        return {
          ...r,
          end: r.base + r.bytes.length,
          view: new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength),
        };
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

  /** One flat image whose first byte is at `base`. */
  static flat(bytes: Uint8Array, base: number | bigint | string, label?: string): RegionList {
    const at = parseAddress(base);
    return new RegionList([{ base: at, bytes }], label ?? `image at ${formatAddress(at)}`);
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

  locate(address: number, length: number): Located {
    checkAddress(address, length);
    const i = this.indexOf(address);
    const region = i < 0 ? undefined : this.regions[i];
    if (region && address + length <= region.end) {
      return { view: region.view, bytes: region.bytes, offset: address - region.base };
    }
    const bytes = this.read(address, length);
    return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, offset: 0 };
  }

  read(address: number, length: number): Uint8Array {
    checkAddress(address, length);
    const i = this.indexOf(address);
    if (i < 0) throw new MemoryError(BigInt(address), length);
    const first = this.regions[i]!;
    const start = address - first.base;
    if (address + length <= first.end) return first.bytes.subarray(start, start + length);
    if (this.mappedLength(address, length) < length) throw new MemoryError(BigInt(address), length);
    // Spans exactly adjacent regions: the one case that copies.
    const out = new Uint8Array(length);
    let done = 0;
    for (let j = i; done < length; j++) {
      const r = this.regions[j]!;
      const from = j === i ? start : 0;
      const take = Math.min(length - done, r.bytes.length - from);
      out.set(r.bytes.subarray(from, from + take), done);
      done += take;
    }
    return out;
  }

  ranges(): readonly MappedRange[] {
    return mergedRanges(this.regions);
  }
}
