import { guidFromBytes } from '../abi/guid.js';
import { formatAddress } from '../errors.js';
import { CV_SIGNATURE_ELF, CV_SIGNATURE_NB10, CV_SIGNATURE_RSDS, VS_FFI_SIGNATURE } from './format.js';
import { formatLayout } from './format-layout.js';
import type { StreamContext } from './streams.js';

/**
 * Who a module is, beyond its name: the CodeView record a symbol server
 * looks a PDB up by, and the version resource's fixed part.
 */
export type CodeViewRecord =
  /** PDB 7.0: `debugId` is the GUID and age as symbol servers spell it (GUID hex without dashes, then age in hex). */
  | {
      readonly format: 'RSDS';
      readonly guid: string;
      readonly age: number;
      readonly pdbFileName: string;
      readonly debugId: string;
    }
  /** PDB 2.0: a 32-bit timestamp signature instead of a GUID. */
  | {
      readonly format: 'NB10';
      readonly signature: number;
      readonly age: number;
      readonly pdbFileName: string;
      readonly debugId: string;
    }
  /** Breakpad's record for an ELF module: the GNU build id. */
  | { readonly format: 'ELF'; readonly buildId: string }
  | { readonly format: 'unknown'; readonly signature: number; readonly size: number };

/** The VS_FIXEDFILEINFO part of a module's version resource, as the minidump records it. */
export interface FileVersion {
  /** dwFileVersionMS/LS as `a.b.c.d`. */
  readonly fileVersion: string;
  readonly productVersion: string;
  readonly fileFlags: number;
  readonly fileOS: number;
  readonly fileType: number;
}

/** A CodeView record larger than this is not one (a PDB path plus 24 bytes). */
const MAX_CV_RECORD = 64 << 10;

export function readCodeView(ctx: StreamContext, size: number, rva: number, what: string): CodeViewRecord | null {
  if (size === 0) return null;
  if (size < 4 || size > MAX_CV_RECORD) {
    ctx.warn(`${what}: a CodeView record of ${size} bytes at ${formatAddress(rva)} is not one: ignored`);
    return null;
  }
  const bytes = ctx.reader.read(rva, size);
  if (bytes.length < size) {
    ctx.warn(`${what}: the CodeView record at ${formatAddress(rva)}+${size} lies past the end of the file: ignored`);
    return null;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = view.getUint32(0, true);
  const name = (from: number) => {
    let end = from;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return new TextDecoder('utf-8').decode(bytes.subarray(from, end));
  };
  if (signature === CV_SIGNATURE_RSDS) {
    const layout = formatLayout('CV_INFO_PDB70');
    if (size < layout.size) return tooShort(ctx, what, 'CV_INFO_PDB70', size, layout.size);
    const guid = guidFromBytes(bytes, layout.offset('Signature'));
    const age = view.getUint32(layout.offset('Age'), true);
    return {
      format: 'RSDS',
      guid,
      age,
      pdbFileName: name(layout.size),
      debugId: `${guid.replace(/[{}-]/g, '')}${age.toString(16).toUpperCase()}`,
    };
  }
  if (signature === CV_SIGNATURE_NB10) {
    const layout = formatLayout('CV_INFO_PDB20');
    if (size < layout.size) return tooShort(ctx, what, 'CV_INFO_PDB20', size, layout.size);
    const sig = view.getUint32(layout.offset('Signature'), true);
    const age = view.getUint32(layout.offset('Age'), true);
    return {
      format: 'NB10',
      signature: sig,
      age,
      pdbFileName: name(layout.size),
      debugId: `${sig.toString(16).toUpperCase().padStart(8, '0')}${age.toString(16).toUpperCase()}`,
    };
  }
  if (signature === CV_SIGNATURE_ELF) {
    return { format: 'ELF', buildId: [...bytes.subarray(4)].map((b) => b.toString(16).padStart(2, '0')).join('') };
  }
  return { format: 'unknown', signature, size };
}

function tooShort(ctx: StreamContext, what: string, struct: string, size: number, need: number): null {
  ctx.warn(`${what}: ${struct} needs ${need} bytes, the record has ${size}: ignored`);
  return null;
}

/** VS_FIXEDFILEINFO at `at` in `view`; null when its signature is not 0xfeef04bd (no version resource). */
export function readFileVersion(view: DataView, at: number): FileVersion | null {
  const layout = formatLayout('VS_FIXEDFILEINFO');
  const u32 = (name: string) => view.getUint32(at + layout.offset(name), true);
  if (u32('dwSignature') !== VS_FFI_SIGNATURE) return null;
  const version = (ms: number, ls: number) => `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
  return {
    fileVersion: version(u32('dwFileVersionMS'), u32('dwFileVersionLS')),
    productVersion: version(u32('dwProductVersionMS'), u32('dwProductVersionLS')),
    fileFlags: u32('dwFileFlags'),
    fileOS: u32('dwFileOS'),
    fileType: u32('dwFileType'),
  };
}
