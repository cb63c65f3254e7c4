import fc from 'fast-check';
import type { Arch } from '../../../src/abi/types.js';

/** Damage done to a good image for fuzzing: bit flips, overwritten bytes, pointers aimed at random places in the image, truncation. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'pointer'; at: number; target: number }
  | { kind: 'truncate'; keep: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('pointer' as const), at: fc.nat(), target: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
);

export function mutate(image: Uint8Array, mutations: readonly Mutation[], base: number, arch: Arch): Uint8Array {
  let out = image.slice();
  const width = arch === 'x86' ? 4 : 8;
  for (const m of mutations) {
    if (out.length === 0) break;
    switch (m.kind) {
      case 'flip':
        out[m.at % out.length]! ^= 1 << m.bit;
        break;
      case 'byte':
        out[m.at % out.length] = m.value;
        break;
      case 'pointer': {
        // An aligned slot, aimed anywhere in (or just past) the image.
        const slot = Math.floor((m.at % out.length) / width) * width;
        if (slot + width > out.length) break;
        const value = base + (m.target % (out.length + 8));
        const view = new DataView(out.buffer, out.byteOffset);
        view.setUint32(slot, value % 2 ** 32, true);
        if (width === 8) view.setUint32(slot + 4, Math.floor(value / 2 ** 32), true);
        break;
      }
      case 'truncate':
        out = out.subarray(0, m.keep % (out.length + 1));
        break;
    }
  }
  return out;
}
