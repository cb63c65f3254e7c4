import { InvalidDataError, MemoryError, formatAddress } from '../errors.js';
import { type AddressSpace, type Located, type MappedRange, checkAddress, parseAddress } from './address-space.js';

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

  constructor(regions: readonly Region[], readonly label = 'captured memory') {
    const placed = regions
      .filter((r) => r.bytes.length > 0)
      .map((r) => {
        checkAddress(r.base, r.bytes.length);
        return { ...r, end: r.base + r.bytes.length, view: new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength) };
      })
      .sort((a, b) => a.base - b.base);
    for (let i = 1; i < placed.length; i++) {
      if (placed[i]!.base < placed[i - 1]!.end) {
        throw new InvalidDataError(`regions at ${formatAddress(placed[i - 1]!.base)} and ${formatAddress(placed[i]!.base)} overlap`);
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
    const r = this.regions;
    const hint = r[this.last];
    if (hint && address >= hint.base && address < hint.end) return this.last;
    let lo = 0;
    let hi = r.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = r[mid]!;
      if (address < m.base) hi = mid - 1;
      else if (address >= m.end) lo = mid + 1;
      else return (this.last = mid);
    }
    return -1;
  }

  mappedLength(address: number, max: number): number {
    if (!Number.isSafeInteger(address) || address < 0 || max <= 0) return 0;
    let i = this.indexOf(address);
    if (i < 0) return 0;
    let end = this.regions[i]!.end;
    while (end - address < max && i + 1 < this.regions.length && this.regions[i + 1]!.base === end) end = this.regions[++i]!.end;
    return Math.min(max, end - address);
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
    const out: { base: number; length: number }[] = [];
    for (const r of this.regions) {
      const prev = out[out.length - 1];
      if (prev && prev.base + prev.length === r.base) prev.length += r.bytes.length;
      else out.push({ base: r.base, length: r.bytes.length });
    }
    return out;
  }
}
