import * as BL from 'buffer-layout';
import type { Arch } from '../abi/types.js';
import { type FixedType, fixedStruct } from './fixed-fields.js';

/**
 * buffer-layout Structures for the fixed part of a struct, generated from
 * the schema: explicit padding (unnamed blobs), pointers as pointer-sized
 * unsigned integers (`nu64` on x64: exact below 2^53), nested structs as
 * nested Structures. buffer-layout has no pointers and no UTF-16, and needs
 * Node's Buffer; `offsetOf` answers must agree with rnrkit's layoutOf, which
 * test/adapters checks for every struct.
 */
const cache = new Map<string, BL.Structure>();

/**
 * The buffer-layout Structure of `structName`'s fixed part on `arch`, built
 * once and cached. Throws AbiError for an unknown struct or one with a
 * union, UsageError for an unknown arch.
 */
export function bufferLayoutOf(structName: string, arch: Arch): BL.Structure {
  const key = `${structName}:${arch}`;
  let layout = cache.get(key);
  if (!layout) {
    layout = build(fixedStruct(structName, arch), undefined);
    cache.set(key, layout);
  }
  return layout;
}

function build(t: Extract<FixedType, { kind: 'struct' }>, property: string | undefined): BL.Structure {
  const fields = t.members.map((m) => (m.kind === 'padding' ? BL.blob(m.size) : layoutFor(m.type, m.name)));
  return BL.struct(fields, property);
}

function layoutFor(t: FixedType, property: string | undefined): BL.Layout {
  switch (t.kind) {
    case 'int':
      switch (t.size) {
        case 1:
          return t.signed ? BL.s8(property) : BL.u8(property);
        case 2:
          return t.signed ? BL.s16(property) : BL.u16(property);
        case 4:
          return t.signed ? BL.s32(property) : BL.u32(property);
        case 8:
          return t.signed ? BL.ns64(property) : BL.nu64(property);
      }
      break;
    case 'array':
      return BL.seq(layoutFor(t.element, undefined), t.length, property);
    case 'struct':
      return build(t, property);
  }
}
