import { UsageError } from '../errors.js';
import { AbiError } from './errors.js';
import { AGGREGATES } from './structs.js';
import { TYPEDEFS } from './typedefs.js';
import { type AggregateDef, type Arch, type FieldDef, isAnonymous, type MemberDef } from './types.js';

/** A type resolved for one arch: everything the codec needs, nothing more. */
export type ResolvedType =
  | {
      readonly kind: 'int';
      readonly name: string;
      readonly size: 1 | 2 | 4 | 8;
      readonly align: number;
      readonly signed: boolean;
    }
  | {
      readonly kind: 'pointer';
      readonly name: string;
      readonly size: 4 | 8;
      readonly align: number;
      /** null for void pointees. */
      readonly target: ResolvedType | null;
      readonly string?: 'utf16' | 'ansi';
    }
  | {
      readonly kind: 'array';
      readonly name: string;
      readonly size: number;
      readonly align: number;
      readonly element: ResolvedType;
      readonly length: number;
    }
  | {
      readonly kind: 'aggregate';
      readonly name: string;
      readonly size: number;
      readonly align: number;
      readonly layout: StructLayout;
    };

/** A named member, placed. Anonymous unions and structs are flattened away. */
export interface FieldLayout {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  /** The declared type, as the header spells it (`CHAR[14]`, `ULONG:28`). */
  readonly type: string;
  readonly resolved: ResolvedType;
  readonly def: FieldDef;
  /** For bit-fields: the first bit within the storage unit at `offset`. */
  readonly bitOffset?: number;
}

/** A member as declared, for display: anonymous groups keep their nesting. */
export type MemberLayout =
  | { readonly kind: 'field'; readonly field: FieldLayout }
  | {
      readonly kind: 'anonymous';
      readonly anonymous: 'union' | 'struct';
      readonly offset: number;
      readonly size: number;
      readonly members: readonly MemberLayout[];
    };

/** A struct's layout on one arch, by the MSVC rules: size, alignment, every member's offset and size. */
export interface StructLayout {
  readonly name: string;
  readonly arch: Arch;
  readonly kind: 'struct' | 'union';
  readonly size: number;
  readonly align: number;
  readonly pack?: number;
  readonly fields: readonly FieldLayout[];
  readonly members: readonly MemberLayout[];
  /** Look up a member by name (flattened). */
  readonly field: (name: string) => FieldLayout;
}

const POINTER_SIZE: Record<Arch, 4 | 8> = { x86: 4, x64: 8 };

const aggregateByName = new Map<string, AggregateDef>(AGGREGATES.map((a) => [a.name, a]));
const layoutCache: Record<Arch, Map<string, StructLayout>> = { x86: new Map(), x64: new Map() };
const resolving = new Set<string>();

/** The names of every struct in the schema, in table order. */
export function structNames(): string[] {
  return AGGREGATES.map((a) => a.name);
}

/** Whether the schema has a struct of this name. */
export function hasStruct(name: string): boolean {
  return aggregateByName.has(name);
}

/** The layout of a structure for an arch, computed once and cached. */
export function layoutOf(name: string, arch: Arch): StructLayout {
  // The arch often comes from a caller's option or JSON: an unknown one is their mistake, not a TypeError inside the cache.
  if (!Object.hasOwn(layoutCache, arch))
    throw new UsageError(`arch ${JSON.stringify(arch)} is not one of ${Object.keys(layoutCache).join(', ')}`);
  const cached = layoutCache[arch].get(name);
  if (cached) return cached;
  const def = aggregateByName.get(name);
  if (!def) throw new AbiError(`unknown structure ${name}`);
  const key = `${arch}:${name}`;
  if (resolving.has(key)) throw new AbiError(`${name} contains itself`);
  resolving.add(key);
  try {
    const layout = computeLayout(def, arch);
    layoutCache[arch].set(name, layout);
    return layout;
  } finally {
    resolving.delete(key);
  }
}

/** Resolve a declared type name (`DWORD`, `char[14]`, `BYTE*`, `GUID`) for an arch. */
export function resolveType(type: string, arch: Arch): ResolvedType {
  const array = /^(.*)\[(\d+)\]$/.exec(type);
  if (array) {
    const element = resolveType(array[1]!, arch);
    const length = Number(array[2]);
    return { kind: 'array', name: type, size: element.size * length, align: element.align, element, length };
  }
  const typedef = TYPEDEFS[type];
  if (typedef) {
    switch (typedef.kind) {
      case 'alias': {
        const of = resolveType(typedef.of, arch);
        return { ...of, name: type } as ResolvedType;
      }
      case 'int':
        return { kind: 'int', name: type, size: typedef.size, align: typedef.size, signed: typedef.signed };
      case 'pointer':
        return pointerTo(type, typedef.to, arch, typedef.string);
    }
  }
  if (type.endsWith('*')) return pointerTo(type, type.slice(0, -1), arch);
  if (aggregateByName.has(type)) {
    const layout = layoutOf(type, arch);
    return { kind: 'aggregate', name: type, size: layout.size, align: layout.align, layout };
  }
  throw new AbiError(`unknown type ${type}`);
}

function pointerTo(name: string, to: string, arch: Arch, string?: 'utf16' | 'ansi'): ResolvedType {
  const size = POINTER_SIZE[arch];
  // Pointee resolution is lazy so self-referential structures stay possible.
  let target: ResolvedType | null | undefined;
  const resolved = {
    kind: 'pointer' as const,
    name,
    size,
    align: size,
    get target(): ResolvedType | null {
      if (target === undefined) target = to === 'void' ? null : resolveType(to, arch);
      return target;
    },
    ...(string ? { string } : {}),
  };
  return resolved;
}

/**
 * MSVC's rules, which mingw-w64 follows for these headers:
 * - a member is placed at the next multiple of min(its alignment, pack);
 * - the aggregate's alignment is the largest such member alignment;
 * - the size is rounded up to that alignment (trailing padding);
 * - union members all start at 0;
 * - consecutive bit-fields of one declared type share a storage unit of that
 *   type while their widths fit; a different type or overflow starts a new unit.
 */
function computeLayout(def: AggregateDef, arch: Arch): StructLayout {
  const pack = def.pack ?? Infinity;
  const fields: FieldLayout[] = [];

  interface Placed {
    members: MemberLayout[];
    size: number;
    align: number;
  }

  const placeGroup = (
    members: readonly MemberDef[],
    kind: 'struct' | 'union',
    base: number,
    sink: FieldLayout[],
  ): Placed => {
    let cursor = 0;
    let maxSize = 0;
    let align = 1;
    const out: MemberLayout[] = [];
    // Open bit-field unit: its type, offset and bits used.
    let unit: { type: string; offset: number; size: number; used: number } | null = null;

    for (const member of members) {
      if (isAnonymous(member)) {
        unit = null;
        // The group's alignment must be known before it can be placed: a dry
        // run into a scratch list gives it.
        const dryRun = placeGroup(member.fields, member.anonymous, 0, []);
        const memberAlign = Math.min(dryRun.align, pack);
        const offset = kind === 'union' ? 0 : roundUp(cursor, memberAlign);
        const placed = placeGroup(member.fields, member.anonymous, base + offset, sink);
        const size = roundUp(placed.size, Math.min(placed.align, pack));
        out.push({
          kind: 'anonymous',
          anonymous: member.anonymous,
          offset: base + offset,
          size,
          members: placed.members,
        });
        align = Math.max(align, memberAlign);
        if (kind === 'union') maxSize = Math.max(maxSize, size);
        else cursor = offset + size;
        continue;
      }
      const resolved = resolveType(member.type, arch);
      const memberAlign = Math.min(resolved.align, pack);
      align = Math.max(align, memberAlign);

      if (member.bits !== undefined) {
        if (resolved.kind !== 'int') throw new AbiError(`${def.name}.${member.name}: bit-field of non-integer type`);
        const bits = resolved.size * 8;
        if (member.bits <= 0 || member.bits > bits)
          throw new AbiError(`${def.name}.${member.name}: width ${member.bits} does not fit ${member.type}`);
        if (
          !(
            kind === 'struct' &&
            unit &&
            unit.size === resolved.size &&
            unit.type === member.type &&
            unit.used + member.bits <= bits
          )
        ) {
          const offset = kind === 'union' ? 0 : roundUp(cursor, memberAlign);
          unit = { type: member.type, offset, size: resolved.size, used: 0 };
          if (kind === 'union') maxSize = Math.max(maxSize, resolved.size);
          else cursor = offset + resolved.size;
        }
        const field: FieldLayout = {
          name: member.name,
          offset: base + unit.offset,
          size: resolved.size,
          type: `${member.type}:${member.bits}`,
          resolved,
          def: member,
          bitOffset: unit.used,
        };
        unit.used += member.bits;
        sink.push(field);
        out.push({ kind: 'field', field });
        continue;
      }
      unit = null;
      const offset = kind === 'union' ? 0 : roundUp(cursor, memberAlign);
      const field: FieldLayout = {
        name: member.name,
        offset: base + offset,
        size: resolved.size,
        type: member.type,
        resolved,
        def: member,
      };
      sink.push(field);
      out.push({ kind: 'field', field });
      if (kind === 'union') maxSize = Math.max(maxSize, resolved.size);
      else cursor = offset + resolved.size;
    }
    return { members: out, size: kind === 'union' ? maxSize : cursor, align };
  };

  const placed = placeGroup(def.fields, def.kind, 0, fields);
  const align = placed.align;
  const size = roundUp(placed.size, align);
  const byName = new Map(fields.map((f) => [f.name, f]));
  if (byName.size !== fields.length) throw new AbiError(`${def.name}: duplicate member names`);
  return {
    name: def.name,
    arch,
    kind: def.kind,
    size,
    align,
    ...(def.pack !== undefined ? { pack: def.pack } : {}),
    fields,
    members: placed.members,
    field(name: string): FieldLayout {
      const f = byName.get(name);
      if (!f) throw new AbiError(`${def.name} has no member ${name}`);
      return f;
    },
  };
}

function roundUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/** The size of a pointer on `arch`: 4 on x86, 8 on x64. */
export function pointerSize(arch: Arch): 4 | 8 {
  return POINTER_SIZE[arch];
}
