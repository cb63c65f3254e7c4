import { AbiError } from '../abi/errors.js';
import { type FieldLayout, layoutOf, type StructLayout } from '../abi/layout.js';
import type { Arch } from '../abi/types.js';

/**
 * What canonical JSON makes of each member of a structure, derived from the
 * schema (layoutOf) once per (struct, arch). The decoder and encoder
 * generators walk this, never the raw tables, and never write an offset of
 * their own.
 */
export interface IntPlan {
  readonly kind: 'int';
  readonly name: string;
  readonly offset: number;
  readonly size: 1 | 2 | 4;
  readonly signed: boolean;
}

export type FieldPlan =
  | IntPlan
  /** A nested struct (SOCKET_ADDRESS inside CSADDR_INFO). */
  | { readonly kind: 'inline'; readonly name: string; readonly offset: number; readonly struct: StructPlan }
  /** LPWSTR / LPSTR: null or the code units. */
  | { readonly kind: 'string'; readonly name: string; readonly offset: number; readonly unit: 'utf16' | 'ansi' }
  /** LPGUID: null or `{…}`. */
  | { readonly kind: 'guid'; readonly name: string; readonly offset: number }
  /** A pointer with a `bytes` sibling: null, "" or lowercase hex of that many bytes. */
  | {
      readonly kind: 'bytes';
      readonly name: string;
      readonly offset: number;
      readonly length: IntPlan;
      /** Which limit caps the length, and whether the bytes are a sockaddr (for `$sockaddr`). */
      readonly limit: 'maxSockaddrLength' | 'maxBlobSize';
      readonly sockaddr: boolean;
    }
  /** A pointer with a `count` sibling: null or that many structs. */
  | {
      readonly kind: 'array';
      readonly name: string;
      readonly offset: number;
      readonly count: IntPlan;
      readonly struct: StructPlan;
    }
  /** A pointer to one struct (lpVersion, lpBlob): null or the object. */
  | { readonly kind: 'object'; readonly name: string; readonly offset: number; readonly struct: StructPlan };

export interface StructPlan {
  readonly name: string;
  readonly arch: Arch;
  readonly size: number;
  readonly align: number;
  readonly pointerSize: 4 | 8;
  readonly fields: readonly FieldPlan[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const plans: Record<Arch, Map<string, StructPlan>> = { x86: new Map(), x64: new Map() };

export function planOf(name: string, arch: Arch): StructPlan {
  let plan = plans[arch].get(name);
  if (!plan) {
    plan = buildPlan(layoutOf(name, arch));
    plans[arch].set(name, plan);
  }
  return plan;
}

function buildPlan(layout: StructLayout): StructPlan {
  // Generated code uses these names as identifiers and property keys: only
  // plain identifiers from the schema table ever reach it.
  if (!IDENTIFIER.test(layout.name)) throw new AbiError(`${layout.name} is not an identifier`);
  const fields = layout.fields.map((f) => planField(layout, f));
  return {
    name: layout.name,
    arch: layout.arch,
    size: layout.size,
    align: layout.align,
    pointerSize: layout.arch === 'x86' ? 4 : 8,
    fields,
  };
}

function intPlan(layout: StructLayout, f: FieldLayout): IntPlan {
  const t = f.resolved;
  if (t.kind !== 'int' || t.size === 8 || f.bitOffset !== undefined)
    throw new AbiError(
      `${layout.name}.${f.name}: the codec reads it as a 1-, 2- or 4-byte integer, but it is ${f.type}`,
    );
  return { kind: 'int', name: f.name, offset: f.offset, size: t.size, signed: t.signed };
}

function planField(layout: StructLayout, f: FieldLayout): FieldPlan {
  if (!IDENTIFIER.test(f.name)) throw new AbiError(`${layout.name}.${f.name} is not an identifier`);
  const t = f.resolved;
  const where = `${layout.name}.${f.name}`;
  switch (t.kind) {
    case 'int':
      return intPlan(layout, f);
    case 'aggregate':
      return { kind: 'inline', name: f.name, offset: f.offset, struct: buildPlan(t.layout) };
    case 'array':
      throw new AbiError(`${where}: inline arrays (${f.type}) have no canonical JSON form`);
    case 'pointer': {
      if (t.string) return { kind: 'string', name: f.name, offset: f.offset, unit: t.string };
      if (f.def.bytes) {
        const length = intPlan(layout, layout.field(f.def.bytes));
        const sockaddr = t.target?.name === 'SOCKADDR';
        return {
          kind: 'bytes',
          name: f.name,
          offset: f.offset,
          length,
          limit: sockaddr ? 'maxSockaddrLength' : 'maxBlobSize',
          sockaddr,
        };
      }
      const target = t.target;
      if (target?.kind === 'aggregate' && target.name === 'GUID')
        return { kind: 'guid', name: f.name, offset: f.offset };
      if (target?.kind === 'aggregate') {
        const struct = planOf(target.name, layout.arch);
        if (f.def.count)
          return {
            kind: 'array',
            name: f.name,
            offset: f.offset,
            count: intPlan(layout, layout.field(f.def.count)),
            struct,
          };
        return { kind: 'object', name: f.name, offset: f.offset, struct };
      }
      throw new AbiError(
        `${where}: a pointer to ${target?.name ?? 'void'} without a length has no canonical JSON form`,
      );
    }
  }
}

/** Every struct a plan reaches (itself first), each once. */
export function reachable(root: StructPlan): StructPlan[] {
  const out: StructPlan[] = [];
  const seen = new Set<string>();
  const visit = (p: StructPlan): void => {
    if (seen.has(p.name)) return;
    seen.add(p.name);
    out.push(p);
    for (const f of p.fields) if (f.kind === 'inline' || f.kind === 'array' || f.kind === 'object') visit(f.struct);
  };
  visit(root);
  return out;
}
