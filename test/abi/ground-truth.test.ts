import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutOf, type ResolvedType, type StructLayout } from '../../src/abi/layout.js';
import { PUBLIC_STRUCTS } from '../../src/abi/structs.js';
import type { Arch } from '../../src/abi/types.js';

/**
 * The schema against the compilers: fixtures/abi/*.json come from
 * fixtures/abi/probe.c compiled by mingw-w64 (npm run fixtures:abi).
 */
interface MemberTruth {
  offset: number;
  size: number;
  signedness: -1 | 0 | 1;
  pointee?: number;
}
interface Truth {
  structs: Record<string, { size: number; align: number; members: Record<string, MemberTruth> }>;
}

/**
 * GCC gives an enum without negative enumerators the compatible type
 * unsigned int; MSVC, the ABI rnrkit reproduces, makes every enum an int.
 * Layout is the same either way; only the reading of values ≥ 2^31 differs.
 */
const MSVC_ENUMS = new Set(['WSAECOMPARATOR']);
const truth = (arch: Arch): Truth =>
  JSON.parse(readFileSync(new URL(`../../fixtures/abi/${arch}.json`, import.meta.url), 'utf8'));

/** A dotted member path (`S_un.S_un_w.s_w2`) placed through nested aggregates. */
function place(layout: StructLayout, path: string): { offset: number; size: number; resolved: ResolvedType } {
  const [head, ...rest] = path.split('.');
  const field = layout.field(head!);
  if (rest.length === 0) return { offset: field.offset, size: field.size, resolved: field.resolved };
  if (field.resolved.kind !== 'aggregate') throw new Error(`${path}: ${head} is not an aggregate`);
  const inner = place(field.resolved.layout, rest.join('.'));
  return { offset: field.offset + inner.offset, size: inner.size, resolved: inner.resolved };
}

describe.each(['x86', 'x64'] as const)('schema vs mingw-w64 on %s', (arch) => {
  const t = truth(arch);

  it('covers every public structure, and the probe covers every one', () => {
    expect(Object.keys(t.structs).sort()).toEqual([...PUBLIC_STRUCTS].sort());
  });

  it.each(PUBLIC_STRUCTS.map((s) => [s]))('%s: size, alignment and every member offset and size', (name) => {
    const layout = layoutOf(name, arch);
    const expected = t.structs[name]!;
    expect({ size: layout.size, align: layout.align }).toEqual({ size: expected.size, align: expected.align });
    for (const [member, where] of Object.entries(expected.members)) {
      const placed = place(layout, member);
      expect({ offset: placed.offset, size: placed.size }, `${name}.${member}`).toEqual({
        offset: where.offset,
        size: where.size,
      });
      const r = placed.resolved;
      // Same-size type swaps (DWORD/INT, LPGUID/LPWSTR) keep the layout; these catch them.
      const signedness = r.kind !== 'int' ? 0 : MSVC_ENUMS.has(r.name) ? 1 : r.signed ? -1 : 1;
      expect(signedness, `${name}.${member} signedness`).toBe(where.signedness);
      expect(where.pointee !== undefined, `${name}.${member} is a pointer`).toBe(r.kind === 'pointer');
      if (r.kind === 'pointer') expect(r.target?.size ?? 1, `${name}.${member} pointee size`).toBe(where.pointee);
    }
    // Every named non-bit-field member of the schema is checked by the probe.
    const probed = new Set(Object.keys(expected.members));
    const unchecked = layout.fields.filter((f) => f.bitOffset === undefined && !probed.has(f.name)).map((f) => f.name);
    expect(unchecked).toEqual([]);
  });
});
