import { layoutOf } from '../../src/abi/layout.js';
import type { Arch } from '../../src/abi/types.js';
import type { Charset, QuerySetJson } from '../../src/codec/canonical.js';
import { encodeQuerySet } from '../../src/codec/index.js';
import { bundledSets } from '../../src/dump/fixtures.js';

/**
 * Query sets to plant in synthetic captures: the ones target.c built (its
 * own printout, in the sidecar), re-encoded by the codec for any arch at any
 * base. dwSize is the arch's sizeof, as a C program would set it.
 */
export function plantable(arch: Arch): { name: string; charset: Charset; qs: QuerySetJson }[] {
  return bundledSets().map((s) => ({
    name: s.name,
    charset: s.charset,
    qs: { ...s.expected, dwSize: layoutOf(s.charset === 'W' ? 'WSAQUERYSETW' : 'WSAQUERYSETA', arch).size },
  }));
}

export function encodeAt(qs: QuerySetJson, arch: Arch, charset: Charset, base: number): Uint8Array {
  return encodeQuerySet(qs, { arch, charset, base });
}

/** Deterministic noise that looks like a heap: zeros, ASCII, small integers, pointer-ish values, random words. */
export function heapNoise(length: number, seed: number, pointerBase: number): Uint8Array {
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  for (let at = 0; at + 64 <= length; at += 64) {
    const kind = next() % 8;
    for (let i = 0; i < 64; i += 4) {
      switch (kind) {
        case 0:
        case 1:
        case 2:
          break; // zeros
        case 3:
          view.setUint32(at + i, 0x20202020 + (next() & 0x3f3f3f3f), true);
          break; // text-ish
        case 4:
          view.setUint32(at + i, next() % 256, true);
          break; // small integers, 60 and 120 among them
        case 5:
          view.setUint32(at + i, i % 8 === 0 ? (pointerBase + (next() % length)) >>> 0 : 0, true);
          break;
        default:
          view.setUint32(at + i, next(), true);
      }
    }
  }
  return out;
}
