import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutOf, PUBLIC_STRUCTS, type Arch, type StructLayout } from '../../src/abi/index.js';

/**
 * The schema against the compilers: fixtures/abi/*.json come from
 * fixtures/abi/probe.c compiled by mingw-w64 (npm run fixtures:abi).
 */
interface Truth {
  structs: Record<string, { size: number; align: number; members: Record<string, { offset: number; size: number }> }>;
}
const truth = (arch: Arch): Truth => JSON.parse(readFileSync(new URL(`../../fixtures/abi/${arch}.json`, import.meta.url), 'utf8'));

/** A dotted member path (`S_un.S_un_w.s_w2`) placed through nested aggregates. */
function place(layout: StructLayout, path: string): { offset: number; size: number } {
  const [head, ...rest] = path.split('.');
  const field = layout.field(head!);
  if (rest.length === 0) return { offset: field.offset, size: field.size };
  if (field.resolved.kind !== 'aggregate') throw new Error(`${path}: ${head} is not an aggregate`);
  const inner = place(field.resolved.layout, rest.join('.'));
  return { offset: field.offset + inner.offset, size: inner.size };
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
      expect(place(layout, member), `${name}.${member}`).toEqual(where);
    }
    // Every named non-bit-field member of the schema is checked by the probe.
    const probed = new Set(Object.keys(expected.members));
    const unchecked = layout.fields.filter((f) => f.bitOffset === undefined && !probed.has(f.name)).map((f) => f.name);
    expect(unchecked).toEqual([]);
  });
});
