import { FORMAT_SCALARS, FORMAT_STRUCTS, MINIDUMP_PACK } from './format.js';

/** A member of a minidump structure, placed; nested members are flattened to `Location.Rva`. */
export interface FormatField {
  readonly path: string;
  readonly offset: number;
  readonly size: number;
  readonly type: string;
}

/** A minidump structure laid out by the minidump's packing rules (formatLayout's answer). */
export interface FormatLayout {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  /** Every member and nested member by dotted path (`Memory.DataSize`). */
  readonly fields: ReadonlyMap<string, FormatField>;
  /** The offset of a member, or an exception naming it: the parsers never guess one. */
  readonly offset: (path: string) => number;
}

const cache = new Map<string, FormatLayout>();

/**
 * The layout of a minidump structure under dbghelp's `#pragma pack(4)`: a
 * member sits at the next multiple of min(its alignment, 4), the structure
 * is padded to its own alignment. This is the same rule the ABI layouts
 * follow (src/abi/layout.ts); the minidump tables are kept apart because
 * they describe a file, not the RnR ABI.
 */
export function formatLayout(name: string): FormatLayout {
  const cached = cache.get(name);
  if (cached) return cached;
  const members = FORMAT_STRUCTS[name];
  if (!members) throw new Error(`unknown minidump structure ${name}`);
  const fields = new Map<string, FormatField>();
  let cursor = 0;
  let align = 1;
  for (const [member, type] of members) {
    const { size, align: natural, nested } = typeInfo(type);
    const a = Math.min(natural, MINIDUMP_PACK);
    cursor = Math.ceil(cursor / a) * a;
    fields.set(member, { path: member, offset: cursor, size, type });
    if (nested)
      for (const f of nested.fields.values())
        fields.set(`${member}.${f.path}`, { ...f, path: `${member}.${f.path}`, offset: cursor + f.offset });
    cursor += size;
    align = Math.max(align, a);
  }
  const layout: FormatLayout = {
    name,
    size: Math.ceil(cursor / align) * align,
    align,
    fields,
    offset: (path) => {
      const f = fields.get(path);
      if (!f) throw new Error(`${name} has no member ${path}`);
      return f.offset;
    },
  };
  cache.set(name, layout);
  return layout;
}

function typeInfo(type: string): { size: number; align: number; nested?: FormatLayout } {
  const array = /^(\w+)\[(\d+)\]$/.exec(type);
  if (array) {
    const element = typeInfo(array[1]!);
    return { size: element.size * Number(array[2]), align: element.align };
  }
  const scalar = FORMAT_SCALARS[type];
  if (scalar) return { size: scalar, align: scalar };
  const nested = formatLayout(type);
  return { size: nested.size, align: nested.align, nested };
}
