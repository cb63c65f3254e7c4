import { formatAddress } from '../errors.js';
import { type AddressSpace, checkAddress, type Located, type MappedRange, parseAddress } from './address-space.js';
import { SpanTable } from './spans.js';

/** A captured region: the bytes that were at `base`. */
export interface Region {
  readonly base: number;
  readonly bytes: Uint8Array;
}

interface Placed extends Region {
  readonly end: number;
  readonly view: DataView;
}

/** The bytes of one region at [at, at + take): a view, never a copy. */
const viewOf = (r: Placed, at: number, take: number): Uint8Array => r.bytes.subarray(at - r.base, at - r.base + take);

/**
 * Memory held as byte arrays at base addresses: one flat image, or a list
 * of captured regions. Exactly adjacent regions read as one; gaps are
 * unmapped. Overlapping regions are rejected: which bytes would be "the"
 * memory is a policy question the caller (e.g. the minidump reader) answers
 * before building the list.
 */
export class RegionList implements AddressSpace {
  private readonly table: SpanTable<Placed>;

  constructor(
    regions: readonly Region[],
    readonly label = 'captured memory',
  ) {
    this.table = SpanTable.place(
      regions,
      (r) => r.bytes.length,
      (r, end) => ({ ...r, end, view: new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength) }),
      (a, b) => `regions at ${formatAddress(a.base)} and ${formatAddress(b.base)} overlap`,
    );
  }

  /** One flat image whose first byte is at `base`. */
  static flat(bytes: Uint8Array, base: number | bigint | string, label?: string): RegionList {
    const at = parseAddress(base);
    return new RegionList([{ base: at, bytes }], label ?? `image at ${formatAddress(at)}`);
  }

  mappedLength(address: number, max: number): number {
    return this.table.mappedLength(address, max);
  }

  locate(address: number, length: number): Located {
    checkAddress(address, length);
    const i = this.table.indexOf(address);
    const region = i < 0 ? undefined : this.table.spans[i];
    if (region && address + length <= region.end) {
      return { view: region.view, bytes: region.bytes, offset: address - region.base };
    }
    const bytes = this.read(address, length);
    return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, offset: 0 };
  }

  /** Within one region a view of its bytes; across exactly adjacent regions, the one case that copies. */
  read(address: number, length: number): Uint8Array {
    return this.table.read(address, length, viewOf);
  }

  ranges(): readonly MappedRange[] {
    return this.table.ranges();
  }
}
