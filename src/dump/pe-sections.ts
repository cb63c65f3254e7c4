import type { AddressSpace } from '../memory/address-space.js';
import { IMAGE_DOS_SIGNATURE, IMAGE_NT_SIGNATURE } from './format.js';
import { formatLayout } from './format-layout.js';

export interface ImageSection {
  /** `.text`, `.rdata`, … (up to 8 bytes of IMAGE_SECTION_HEADER.Name). */
  readonly name: string;
  readonly virtualAddress: number;
  readonly virtualSize: number;
}

/** A PE has at most 96 sections by the loader's rule; a table claiming more is not one. */
const MAX_SECTIONS = 96;

/**
 * The section table of a module, read from its image headers where the
 * dump captured them (full-memory dumps do, most crash dumps do not):
 * null when they are not there or are not a PE. Every offset is checked
 * against the module's size before it is read.
 */
export function readImageSections(space: AddressSpace, base: number, size: number): ImageSection[] | null {
  const dos = formatLayout('IMAGE_DOS_HEADER');
  const file = formatLayout('IMAGE_FILE_HEADER');
  const section = formatLayout('IMAGE_SECTION_HEADER');
  const read = (at: number, length: number): DataView | null => {
    if (at < 0 || at + length > size || space.mappedLength(base + at, length) < length) return null;
    const b = space.read(base + at, length);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  const head = read(0, dos.size);
  if (!head || head.getUint16(dos.offset('e_magic'), true) !== IMAGE_DOS_SIGNATURE) return null;
  const pe = head.getUint32(dos.offset('e_lfanew'), true);
  const nt = read(pe, 4 + file.size);
  if (!nt || nt.getUint32(0, true) !== IMAGE_NT_SIGNATURE) return null;
  const count = nt.getUint16(4 + file.offset('NumberOfSections'), true);
  if (count > MAX_SECTIONS) return null;
  const tableAt = pe + 4 + file.size + nt.getUint16(4 + file.offset('SizeOfOptionalHeader'), true);
  const table = read(tableAt, count * section.size);
  if (!table) return null;
  const out: ImageSection[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * section.size;
    let name = '';
    for (let j = 0; j < 8; j++) {
      const c = table.getUint8(at + section.offset('Name') + j);
      if (c === 0) break;
      name += String.fromCharCode(c);
    }
    out.push({
      name,
      virtualAddress: table.getUint32(at + section.offset('VirtualAddress'), true),
      virtualSize: table.getUint32(at + section.offset('Misc'), true),
    });
  }
  return out.sort((a, b) => a.virtualAddress - b.virtualAddress);
}
