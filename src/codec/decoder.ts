import type { Arch } from '../abi/types.js';
import { formatAddress } from '../errors.js';
import { compiled, type Generator, literal as str } from './compile.js';
import type { DecodeContext } from './decode-context.js';
import { decoderClosures } from './decoder-closures.js';
import { type FieldPlan, type IntPlan, planOf, reachable, type StructPlan } from './plan.js';

/**
 * Decoders built from the schema, one per (struct, arch, variant), made
 * once by compile.ts (generated source, or closures where code generation
 * is not allowed) and cached there.
 *
 * Variants:
 * - strict: the first problem throws; each struct adds its member name to
 *   the error's path on the way out (`lpcsaBuffer[2].LocalAddr.lpSockaddr`);
 * - lenient: every pointer member is tried on its own; a failure records
 *   `{path, address, reason}` and the member becomes null;
 * - annotate: `$at` (the struct's address) first, `$member` (where a
 *   non-NULL pointer member points) after each pointer member, `$sockaddr`
 *   after a sockaddr's length.
 */
export type StructDecoder = (
  c: DecodeContext,
  v: DataView,
  o: number,
  at: number,
  path: string,
) => Record<string, unknown>;

export interface DecoderVariant {
  readonly annotate: boolean;
  readonly lenient: boolean;
}

/** A variant as a number: bit 0 annotate, bit 1 lenient. */
export function variantIndex(variant: DecoderVariant): number {
  return (variant.annotate ? 1 : 0) | (variant.lenient ? 2 : 0);
}

function variantOf(index: number): DecoderVariant {
  return { annotate: (index & 1) !== 0, lenient: (index & 2) !== 0 };
}

export const DECODER: Generator<StructDecoder> = {
  kind: 'decoder',
  slot: 0,
  variantName: (index) => `${index & 2 ? 'lenient' : 'strict'}${index & 1 ? '-annotate' : ''}`,
  source: (plan, index) => ({
    params: ['H'],
    args: [{ addr: formatAddress }],
    body: decoderSource(plan, variantOf(index)),
  }),
  closures: (plan, index) => decoderClosures(plan, variantOf(index)),
};

export function structDecoder(name: string, arch: Arch, variant: DecoderVariant): StructDecoder {
  return compiled(DECODER, planOf(name, arch), variantIndex(variant));
}

function readInt(f: IntPlan, view = 'v', base = 'o'): string {
  const method = `get${f.signed ? 'Int' : 'Uint'}${f.size * 8}`;
  return `${view}.${method}(${at(base, f.offset)}${f.size > 1 ? ', true' : ''})`;
}

function at(base: string, offset: number): string {
  return offset === 0 ? base : `${base} + ${offset}`;
}

/** The generated module's source: one function per struct and per array member; returns the root's. */
export function decoderSource(root: StructPlan, variant: DecoderVariant): string {
  const out: string[] = ['"use strict";'];
  for (const s of reachable(root)) {
    out.push(structFunction(s, variant));
    for (const f of s.fields) if (f.kind === 'array') out.push(arrayFunction(s, f, variant));
  }
  out.push(`return d_${root.name};`);
  return out.join('\n');
}

function structFunction(s: StructPlan, { annotate, lenient }: DecoderVariant): string {
  const body: string[] = ['var l;'];
  // Paths are only built where lenient mode records them; strict mode
  // learns the path from the error on its way out, for free until then.
  const path = (suffix: string) => (lenient ? `P + ${str(suffix)}` : '""');
  const ptr = (offset: number) =>
    s.pointerSize === 4 ? `v.getUint32(${at('o', offset)}, true)` : `c.p64(v, ${at('o', offset)})`;
  const names = s.fields.map((f) => f.name);

  s.fields.forEach((f, i) => {
    const x = `x${i}`;
    const p = `p${i}`;
    if (!lenient) body.push(`f = ${i};`);
    if (f.kind === 'int') {
      body.push(`var ${x} = ${readInt(f)};`);
      return;
    }
    if (f.kind === 'inline') {
      body.push(
        `var ${x} = d_${f.struct.name}(c, v, ${at('o', f.offset)}, ${at('a', f.offset)}, ${path(`${f.name}.`)});`,
      );
      return;
    }
    const target = pointee(f, p);
    if (lenient) {
      body.push(`var ${p} = 0, ${x} = null;`);
      body.push(
        `try { ${p} = ${ptr(f.offset)}; ${x} = ${p} === 0 ? null : ${target}; } catch (e) { c.lost(e, P + ${str(f.name)}); }`,
      );
    } else {
      body.push(`var ${p} = ${ptr(f.offset)};`);
      body.push(`var ${x} = ${p} === 0 ? null : ${target};`);
    }
  });

  let result: string;
  if (annotate) {
    const r: string[] = ['var r = { $at: H.addr(a) };'];
    s.fields.forEach((f, i) => {
      r.push(`r.${f.name} = x${i};`);
      if (f.kind !== 'int' && f.kind !== 'inline') r.push(`if (p${i} !== 0) r.$${f.name} = H.addr(p${i});`);
      if (f.kind === 'bytes' && f.sockaddr) {
        r.push(
          `if (x${i} !== null) { var sa = c.sockaddr(p${i}, ${readInt(f.length)}); if (sa !== undefined) r.$sockaddr = sa; }`,
        );
      }
    });
    result = `${r.join('\n')}\nreturn r;`;
  } else {
    result = `return { ${s.fields.map((f, i) => `${f.name}: x${i}`).join(', ')} };`;
  }

  const fn = [`var N_${s.name} = ${str(names)};`, `function d_${s.name}(c, v, o, a, P) {`];
  if (lenient) {
    fn.push(...body, result);
  } else {
    fn.push('var f = 0;', 'try {', ...body, `} catch (e) { throw c.fail(e, N_${s.name}[f]); }`, result);
  }
  fn.push('}');
  return fn.join('\n');

  function pointee(field: Exclude<FieldPlan, { kind: 'int' } | { kind: 'inline' }>, p: string): string {
    switch (field.kind) {
      case 'string':
        return field.unit === 'utf16' ? `c.w(${p})` : `c.a(${p})`;
      case 'guid':
        return `c.guid(${p})`;
      case 'bytes':
        return `c.hex(${p}, ${readInt(field.length)}, ${str(field.length.name)}, c.${field.limit}, ${str(field.limit)})`;
      case 'array':
        return `a_${s.name}_${field.name}(c, ${p}, ${readInt(field.count)}, ${path(field.name)})`;
      case 'object':
        return `(l = c.struct(${p}, ${field.struct.size}), d_${field.struct.name}(c, l.view, l.offset, ${p}, ${path(`${field.name}.`)}))`;
    }
  }
}

function arrayFunction(s: StructPlan, f: Extract<FieldPlan, { kind: 'array' }>, { lenient }: DecoderVariant): string {
  const size = f.struct.size;
  const element = `d_${f.struct.name}(c, v, o, p + i * ${size}, ${lenient ? 'P + "[" + i + "]."' : '""'})`;
  const lines = [
    `function a_${s.name}_${f.name}(c, p, n, P) {`,
    `var l = c.span(p, n, ${size}, ${str(f.count.name)});`,
    'var v = l.view, o = l.offset, r = [], i = 0;',
  ];
  if (lenient) {
    lines.push(`for (; i < n; i++, o += ${size}) r.push(${element});`);
  } else {
    lines.push(
      `try { for (; i < n; i++, o += ${size}) r.push(${element}); } catch (e) { throw c.fail(e, "[" + i + "]"); }`,
    );
  }
  lines.push('return r;', '}');
  return lines.join('\n');
}
