import type { Koffi } from './koffi.js';

/** Copy `length` bytes at `address` of this process into `into` (from its start). The caller has checked they are readable. */
export type CopyOut = (address: number, into: Uint8Array, length: number) => void;

/**
 * One FFI call per copy, with the source address as an integer: the C
 * library's own copy (ntdll's RtlMoveMemory on Windows, libc's memcpy on
 * Linux), declared returning nothing (a returned pointer costs koffi an
 * object per call). Where neither loads, koffi makes a pointer of the address and
 * decodes the bytes, which is several times slower.
 */
export function copyOutOf(koffi: Koffi): CopyOut {
  const native = nativeCopy(koffi);
  if (native) return (address, into, length) => void native(into, address, length);
  const scratch = Buffer.alloc(koffi.sizeof('void *'));
  return (address, into, length) => {
    if (scratch.length === 8) scratch.writeBigUInt64LE(BigInt(address));
    else scratch.writeUInt32LE(address);
    const got = koffi.decode(koffi.decode(scratch, 'void *'), 'uint8_t', length) as Uint8Array | number[];
    into.set(got, 0);
  };
}

function nativeCopy(koffi: Koffi): ((into: Uint8Array, address: number, length: number) => unknown) | undefined {
  try {
    if (process.platform === 'win32')
      return koffi
        .load('ntdll.dll')
        .func('void __stdcall RtlMoveMemory(void *Destination, uintptr_t Source, size_t Length)');
    if (process.platform === 'linux')
      return koffi.load('libc.so.6').func('void memcpy(void *dest, uintptr_t src, size_t n)');
  } catch {
    // No such library (a libc other than glibc): the koffi path below works everywhere.
  }
  return undefined;
}
