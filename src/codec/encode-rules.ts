import { layoutOf } from '../abi/layout.js';
import type { FieldPlan, IntPlan, StructPlan } from './plan.js';

/** Layout rules of the flat image that both ways of encoding (encoder.ts, encoder-closures.ts) follow. */

/**
 * Alignment of what a pointer member points to:
 * - strings: their unit (WCHAR 2, CHAR 1);
 * - GUIDs and structs (arrays of them too): the type's own alignment;
 * - byte buffers (sockaddrs, blob data): 8, sizeof(SOCKADDR_STORAGE)'s
 *   alignment, because consumers cast them to SOCKADDR_IN6, SOCKADDR_BTH,
 *   BTH_SET_SERVICE… and malloc guarantees 8 on both archs.
 */
export const BYTES_ALIGN = 8;

export function pointeeAlign(f: FieldPlan): number {
  switch (f.kind) {
    case 'string':
      return f.unit === 'utf16' ? 2 : 1;
    case 'guid':
      return layoutOf('GUID', 'x64').align;
    case 'bytes':
      return BYTES_ALIGN;
    case 'array':
    case 'object':
      return f.struct.align;
    default:
      return 1;
  }
}

/** `u8`…`i32`: the integer kind of a member, as checks and messages name it. */
export function intKind(f: IntPlan): string {
  return `${f.signed ? 'i' : 'u'}${f.size * 8}`;
}

/** The member's C type as the schema spells it (`DWORD`, `INT`), for messages. */
export function typeName(s: StructPlan, f: IntPlan): string {
  return layoutOf(s.name, s.arch).field(f.name).type;
}
