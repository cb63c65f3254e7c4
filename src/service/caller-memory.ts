import { formatAddress, UsageError } from '../errors.js';
import type { AddressSpace, Located, MappedRange } from '../memory/address-space.js';
import type { WritableAddressSpace } from './provider.js';

/**
 * The caller's memory as providers see it, so results written through a
 * pointer (Bluetooth's pRecordHandle) land where the caller will look.
 *
 * An address space with its own `write` is used as is. Otherwise bytes are
 * written through `locate`, which for images and region lists is a view of
 * the caller's own bytes; a space that hands out copies (one that could not
 * take the write) is detected by reading back, and is an error rather than
 * a silently lost result.
 */
export function callerMemory(space: AddressSpace): WritableAddressSpace {
  const own = (space as Partial<WritableAddressSpace>).write;
  if (typeof own === 'function') return space as WritableAddressSpace;
  return new WriteThrough(space);
}

class WriteThrough implements WritableAddressSpace {
  constructor(private readonly space: AddressSpace) {}

  get label(): string {
    return this.space.label;
  }

  read(address: number, length: number): Uint8Array {
    return this.space.read(address, length);
  }

  locate(address: number, length: number): Located {
    return this.space.locate(address, length);
  }

  mappedLength(address: number, max: number): number {
    return this.space.mappedLength(address, max);
  }

  ranges(): readonly MappedRange[] {
    return this.space.ranges();
  }

  write(address: number, bytes: Uint8Array): void {
    const target = this.space.locate(address, bytes.length);
    target.bytes.set(bytes, target.offset);
    const back = this.space.read(address, bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      if (back[i] !== bytes[i])
        throw new UsageError(
          `${this.space.label} cannot be written at ${formatAddress(address)}+${bytes.length} (it hands out copies)`,
        );
    }
  }
}

/**
 * A private copy-on-write view of the caller's memory: reads see the
 * caller's bytes and every write made through this view; the caller's
 * memory never changes. This is the Unicode copy WSASetServiceA works on —
 * the docs: it "converts the ANSI data in WSAQUERYSET to Unicode internally,
 * but does not convert the results back to ANSI", so a record handle a
 * provider returns stays here.
 */
export class PrivateCopy implements WritableAddressSpace {
  private readonly written = new Map<number, number>();

  constructor(private readonly space: AddressSpace) {}

  get label(): string {
    return `private copy of ${this.space.label}`;
  }

  read(address: number, length: number): Uint8Array {
    const bytes = this.space.read(address, length);
    if (this.written.size === 0) return bytes;
    const out = Uint8Array.from(bytes);
    for (let i = 0; i < length; i++) {
      const b = this.written.get(address + i);
      if (b !== undefined) out[i] = b;
    }
    return out;
  }

  locate(address: number, length: number): Located {
    const bytes = this.read(address, length);
    return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, offset: 0 };
  }

  mappedLength(address: number, max: number): number {
    return this.space.mappedLength(address, max);
  }

  ranges(): readonly MappedRange[] {
    return this.space.ranges();
  }

  /** Records `bytes` in this copy only; throws MemoryError when the caller's memory does not map the target. */
  write(address: number, bytes: Uint8Array): void {
    // Same mapping rules as the caller's memory: an unmapped target is a MemoryError.
    this.space.locate(address, bytes.length);
    for (let i = 0; i < bytes.length; i++) this.written.set(address + i, bytes[i]!);
  }

  /** The bytes written to this copy, by address (what the caller did not get back). */
  writes(): ReadonlyMap<number, number> {
    return this.written;
  }
}
