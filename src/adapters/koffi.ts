import { createRequire } from 'node:module';
import type { IKoffiCType } from 'koffi';
import type { Arch } from '../abi/types.js';
import { type FixedType, fixedStruct } from './fixed-fields.js';

type Koffi = typeof import('koffi');

/**
 * koffi struct types for the fixed part of a struct, generated from the
 * schema, for either arch: pointers become uint32/uint64 (koffi's own
 * pointer type is the host's, so an x86 layout could not be described with
 * it on an x64 host, and an integer is what a captured pointer is anyway).
 * `#pragma pack(1)` structs use koffi.pack. koffi places members by the C
 * rules of the host, which for these types are MSVC's too; koffi.offsetof
 * must agree with layoutOf, which test/adapters checks.
 *
 * koffi is a native module and an optional peer dependency: loaded on first use.
 */
let koffiModule: Koffi | undefined;
export function loadKoffi(): Koffi {
  koffiModule ??= createRequire(import.meta.url)('koffi') as Koffi;
  return koffiModule;
}

const cache = new Map<string, IKoffiCType>();

/**
 * The koffi struct type of `structName`'s fixed part on `arch`, built once
 * and cached (loading koffi on first use). Throws AbiError for an unknown
 * struct or one with a union, UsageError for an unknown arch.
 */
export function koffiTypeOf(structName: string, arch: Arch): IKoffiCType {
  const key = `${structName}:${arch}`;
  let type = cache.get(key);
  if (!type) {
    type = build(loadKoffi(), fixedStruct(structName, arch));
    cache.set(key, type);
  }
  return type;
}

function build(koffi: Koffi, t: Extract<FixedType, { kind: 'struct' }>): IKoffiCType {
  const def: Record<string, IKoffiCType | string> = {};
  for (const m of t.members) {
    // Padding is left to koffi's C rules (test/adapters proves they match);
    // for packed structs there is none.
    if (m.kind === 'field') def[m.name] = typeFor(koffi, m.type);
  }
  // Anonymous types: koffi's named types live in one global namespace.
  return t.pack === 1 ? koffi.pack(def) : koffi.struct(def);
}

function typeFor(koffi: Koffi, t: FixedType): IKoffiCType | string {
  switch (t.kind) {
    case 'int':
      return `${t.signed ? 'int' : 'uint'}${t.size * 8}`;
    case 'array':
      return koffi.array(typeFor(koffi, t.element), t.length, 'Array');
    case 'struct':
      return build(koffi, t);
  }
}
