/**
 * A PE file as the Windows loader maps it: one contiguous span from
 * ImageBase to ImageBase + SizeOfImage, the headers at the start, each
 * section's raw bytes at its virtual address and zeros everywhere else
 * (uninitialised tails, .bss, the gaps up to each section alignment).
 * That span is what a process holding the image has in memory, so it is
 * what the codec fixtures commit as a flat image.
 *
 * Written from the PE/COFF specification; only what the fixtures need.
 */

export interface PeSection {
  readonly name: string;
  /** Relative to ImageBase. */
  readonly virtualAddress: number;
  readonly virtualSize: number;
  readonly rawOffset: number;
  readonly rawSize: number;
}

export interface MappedPe {
  readonly machine: 'x86' | 'x64';
  readonly imageBase: bigint;
  readonly sizeOfImage: number;
  readonly timeDateStamp: number;
  /** IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE: the loader may move the image (ASLR). */
  readonly dynamicBase: boolean;
  readonly sections: readonly PeSection[];
  /** The mapped span; byte 0 is at imageBase. */
  readonly image: Uint8Array;
}

const IMAGE_FILE_MACHINE_I386 = 0x14c;
const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
const PE32_MAGIC = 0x10b;
const PE32_PLUS_MAGIC = 0x20b;
const DYNAMIC_BASE = 0x40;

export function mapPe(file: Uint8Array): MappedPe {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint16(0, true) !== 0x5a4d) throw new Error('not a PE file: no MZ signature');
  const pe = view.getUint32(0x3c, true);
  if (view.getUint32(pe, true) !== 0x00004550) throw new Error('not a PE file: no PE\\0\\0 signature');
  const coff = pe + 4;
  const machineCode = view.getUint16(coff, true);
  const machine =
    machineCode === IMAGE_FILE_MACHINE_I386 ? 'x86' : machineCode === IMAGE_FILE_MACHINE_AMD64 ? 'x64' : undefined;
  if (!machine) throw new Error(`unexpected PE machine 0x${machineCode.toString(16)}`);
  const sectionCount = view.getUint16(coff + 2, true);
  const timeDateStamp = view.getUint32(coff + 4, true);
  const optionalSize = view.getUint16(coff + 16, true);
  const optional = coff + 20;
  const magic = view.getUint16(optional, true);
  if (magic !== (machine === 'x64' ? PE32_PLUS_MAGIC : PE32_MAGIC))
    throw new Error(`optional header magic 0x${magic.toString(16)} does not fit ${machine}`);
  const imageBase =
    magic === PE32_PLUS_MAGIC ? view.getBigUint64(optional + 24, true) : BigInt(view.getUint32(optional + 28, true));
  const sizeOfImage = view.getUint32(optional + 56, true);
  const sizeOfHeaders = view.getUint32(optional + 60, true);
  const dllCharacteristics = view.getUint16(optional + 70, true);

  const image = new Uint8Array(sizeOfImage);
  image.set(file.subarray(0, sizeOfHeaders), 0);
  const sections: PeSection[] = [];
  const table = optional + optionalSize;
  for (let i = 0; i < sectionCount; i++) {
    const at = table + 40 * i;
    const nameBytes = file.subarray(at, at + 8);
    const end = nameBytes.indexOf(0);
    const section: PeSection = {
      name: new TextDecoder('latin1').decode(end < 0 ? nameBytes : nameBytes.subarray(0, end)),
      virtualSize: view.getUint32(at + 8, true),
      virtualAddress: view.getUint32(at + 12, true),
      rawSize: view.getUint32(at + 16, true),
      rawOffset: view.getUint32(at + 20, true),
    };
    if (section.virtualAddress + section.virtualSize > sizeOfImage)
      throw new Error(`section ${section.name} ends beyond SizeOfImage`);
    // The loader copies no more than the section's virtual size; the rest of the raw data is file alignment padding.
    const copied = Math.min(section.virtualSize || section.rawSize, section.rawSize);
    image.set(file.subarray(section.rawOffset, section.rawOffset + copied), section.virtualAddress);
    sections.push(section);
  }
  return {
    machine,
    imageBase,
    sizeOfImage,
    timeDateStamp,
    dynamicBase: (dllCharacteristics & DYNAMIC_BASE) !== 0,
    sections,
    image,
  };
}
