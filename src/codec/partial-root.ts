import { layoutOf } from '../abi/layout.js';
import type { Arch } from '../abi/types.js';
import { formatAddress } from '../errors.js';
import type { AddressSpace } from '../memory/address-space.js';
import type { DecodeContext } from './decode-context.js';

/**
 * Lenient decoding of a root struct the capture holds only the first
 * `captured` bytes of (a dump or image that ends inside it). The captured
 * bytes are decoded as they are; every member that is not captured, and
 * every pointer whose count or length member is not, becomes null with an
 * `$unresolved` entry saying so — WinDbg shows those as `??`.
 */
export function decodePartialRoot(
  name: string,
  arch: Arch,
  space: AddressSpace,
  at: number,
  size: number,
  captured: number,
  context: DecodeContext,
  decode: (view: DataView) => Record<string, unknown>,
): Record<string, unknown> {
  const bytes = new Uint8Array(size);
  bytes.set(space.read(at, captured));
  const result = decode(new DataView(bytes.buffer));
  const layout = layoutOf(name, arch);
  const cut = (offset: number, length: number) => offset + length > captured;
  const reason = `not captured: only the first ${captured} of ${name}'s ${size} bytes are in the capture`;
  for (const field of layout.fields) {
    if (cut(field.offset, field.size)) {
      result[field.name] = null;
      context.unresolved.push({ path: field.name, address: formatAddress(at + field.offset), reason });
      continue;
    }
    const sibling = field.def.count ?? field.def.bytes;
    if (sibling === undefined || result[field.name] === null) continue;
    const counted = layout.field(sibling);
    if (cut(counted.offset, counted.size)) {
      result[field.name] = null;
      context.unresolved.push({
        path: field.name,
        address: formatAddress(at + field.offset),
        reason: `its ${sibling} is not captured`,
      });
    }
  }
  return result;
}
