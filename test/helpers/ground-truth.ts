import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Arch } from '../../src/abi/types.js';

/**
 * Struct layouts as the mingw-w64 compilers report them
 * (fixtures/abi/{x86,x64}.json, made by the ground-truth probe). Codec tests
 * build their images from these, not from src/abi, so a layout mistake in
 * the schema cannot hide behind the same mistake in the test.
 */
export interface GroundTruthStruct {
  size: number;
  align: number;
  members: Record<string, { offset: number; size: number; signedness?: number; pointee?: number }>;
}

const cache = new Map<Arch, Record<string, GroundTruthStruct>>();

export function groundTruth(arch: Arch): Record<string, GroundTruthStruct> {
  let structs = cache.get(arch);
  if (!structs) {
    const path = fileURLToPath(new URL(`../../fixtures/abi/${arch}.json`, import.meta.url));
    structs = (JSON.parse(readFileSync(path, 'utf8')) as { structs: Record<string, GroundTruthStruct> }).structs;
    cache.set(arch, structs);
  }
  return structs;
}

export function offsetOf(arch: Arch, struct: string, member: string): number {
  const m = groundTruth(arch)[struct]?.members[member];
  if (!m) throw new Error(`ground truth has no ${struct}.${member} for ${arch}`);
  return m.offset;
}

export function sizeOf(arch: Arch, struct: string): number {
  const s = groundTruth(arch)[struct];
  if (!s) throw new Error(`ground truth has no ${struct} for ${arch}`);
  return s.size;
}
