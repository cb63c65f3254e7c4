import { InvalidDataError } from '../errors.js';
import type { Arch } from './types.js';

/**
 * Read a pointer stored at `offset` of `view` (little-endian, 4 bytes on
 * x86, 8 on x64). A 64-bit value at or above 2^53 cannot be a number without
 * rounding: it is an InvalidDataError naming the raw value, or, where the
 * caller wants the exact value, use `readPointerBig`.
 */
export function readPointer(view: DataView, offset: number, arch: Arch): number {
  if (arch === 'x86') return view.getUint32(offset, true);
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  if (hi >= 0x200000) {
    throw new InvalidDataError(
      `pointer 0x${readPointerBig(view, offset, arch).toString(16)} is beyond 2^53, which rnrkit cannot address exactly`,
    );
  }
  return hi * 0x1_0000_0000 + lo;
}

/** Read a pointer as its exact value, however large (a bigint). */
export function readPointerBig(view: DataView, offset: number, arch: Arch): bigint {
  return arch === 'x86' ? BigInt(view.getUint32(offset, true)) : view.getBigUint64(offset, true);
}

/** Store a pointer; the caller has checked it fits the arch. */
export function writePointer(view: DataView, offset: number, arch: Arch, value: number): void {
  if (arch === 'x86') {
    view.setUint32(offset, value, true);
    return;
  }
  view.setUint32(offset, value % 0x1_0000_0000, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}
