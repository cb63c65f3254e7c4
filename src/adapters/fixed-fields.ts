import { AbiError } from '../abi/errors.js';
import { type FieldLayout, layoutOf, type ResolvedType, type StructLayout } from '../abi/layout.js';
import type { Arch } from '../abi/types.js';

/**
 * The fixed part of a struct as a flat, ordered list with explicit padding:
 * what buffer-layout and koffi types are generated from. Pointers are
 * pointer-sized unsigned integers here (the fixed part holds addresses, not
 * what they point to). Unions and bit-fields have no place in these
 * libraries' sequential structs and are refused; none of the codec's
 * structs has one.
 */
export type FixedType =
  | { kind: 'int'; size: 1 | 2 | 4 | 8; signed: boolean }
  | { kind: 'array'; element: FixedType; length: number }
  | { kind: 'struct'; name: string; pack?: number; members: FixedMember[]; size: number };

export type FixedMember =
  | { kind: 'field'; name: string; offset: number; type: FixedType }
  | { kind: 'padding'; offset: number; size: number };

export function fixedStruct(name: string, arch: Arch): Extract<FixedType, { kind: 'struct' }> {
  return fromLayout(layoutOf(name, arch));
}

function fromLayout(layout: StructLayout): Extract<FixedType, { kind: 'struct' }> {
  if (layout.kind !== 'struct' || layout.members.some((m) => m.kind !== 'field')) {
    throw new AbiError(`${layout.name} has a union: buffer-layout and koffi adapters cover plain structs only`);
  }
  const members: FixedMember[] = [];
  let cursor = 0;
  for (const f of layout.fields) {
    if (f.bitOffset !== undefined)
      throw new AbiError(`${layout.name}.${f.name} is a bit-field: not expressible in the adapters`);
    if (f.offset < cursor) throw new AbiError(`${layout.name}.${f.name} overlaps the member before it`);
    if (f.offset > cursor) members.push({ kind: 'padding', offset: cursor, size: f.offset - cursor });
    members.push({ kind: 'field', name: f.name, offset: f.offset, type: fixedType(layout, f, f.resolved) });
    cursor = f.offset + f.size;
  }
  if (layout.size > cursor) members.push({ kind: 'padding', offset: cursor, size: layout.size - cursor });
  return {
    kind: 'struct',
    name: layout.name,
    ...(layout.pack !== undefined ? { pack: layout.pack } : {}),
    members,
    size: layout.size,
  };
}

function fixedType(layout: StructLayout, f: FieldLayout, t: ResolvedType): FixedType {
  switch (t.kind) {
    case 'int':
      return { kind: 'int', size: t.size, signed: t.signed };
    case 'pointer':
      return { kind: 'int', size: t.size, signed: false };
    case 'array':
      return { kind: 'array', element: fixedType(layout, f, t.element), length: t.length };
    case 'aggregate':
      return fromLayout(t.layout);
  }
}
