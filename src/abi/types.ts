/**
 * The shape of the schema tables. The tables themselves (`typedefs.ts`,
 * `structs.ts`) are plain data with Microsoft's spelling; `layout.ts` is the
 * only code that walks them.
 */

export type Arch = 'x86' | 'x64';
export const ARCHES: readonly Arch[] = ['x86', 'x64'];

/** A named scalar or pointer typedef, as the Windows headers spell it. */
export type TypedefSpec =
  /** A two's-complement integer of the given width (enums are 4-byte signed). */
  | { readonly kind: 'int'; readonly size: 1 | 2 | 4 | 8; readonly signed: boolean }
  /**
   * A pointer: 4 bytes on x86, 8 on x64. `to` names the pointee (`void` for
   * LPVOID/HANDLE). `string` marks NUL-terminated text: `utf16` code units
   * (LPWSTR) or `ansi` bytes (LPSTR).
   */
  | { readonly kind: 'pointer'; readonly to: string; readonly string?: 'utf16' | 'ansi' }
  /** Another name for a type (BTH_ADDR is ULONGLONG). */
  | { readonly kind: 'alias'; readonly of: string };

/**
 * A named member. `type` is a type name, optionally with an array length
 * (`CHAR[14]`). The pointer annotations tell the codec how far a pointer's
 * target reaches; they do not affect layout:
 * - `count`: the sibling member holding the element count of the array;
 * - `bytes`: the sibling member holding the byte length of the target.
 */
export interface FieldDef {
  readonly name: string;
  readonly type: string;
  readonly count?: string;
  readonly bytes?: string;
  /** Bit-field width; consecutive bit-fields of one type share a unit (MSVC). */
  readonly bits?: number;
}

/** An anonymous union or struct member (`__C89_NAMELESS union { … };`). */
export interface AnonymousDef {
  readonly anonymous: 'union' | 'struct';
  readonly fields: readonly MemberDef[];
}

/** A member of a struct in the schema: a named field, or an anonymous union or struct. */
export type MemberDef = FieldDef | AnonymousDef;

/** A struct or union of the schema, with Microsoft's member names in declaration order. */
export interface AggregateDef {
  readonly name: string;
  readonly kind: 'struct' | 'union';
  /** `#pragma pack(N)` in force where the header declares it. */
  readonly pack?: 1 | 2 | 4 | 8;
  /** The header that declares it (for the ground-truth probe and the reader). */
  readonly header: string;
  readonly fields: readonly MemberDef[];
}

/** Whether a schema member is an anonymous union or struct rather than a named field. */
export function isAnonymous(m: MemberDef): m is AnonymousDef {
  return (m as AnonymousDef).anonymous !== undefined;
}
