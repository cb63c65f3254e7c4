import type { Arch } from '../abi/types.js';
import { compiled, type Generator, literal as str } from './compile.js';
import { ENCODE_HELPERS } from './encode-helpers.js';
import { intKind, pointeeAlign, typeName } from './encode-rules.js';
import { encoderClosures } from './encoder-closures.js';
import type { DecodeLimits } from './limits.js';
import { type FieldPlan, planOf, reachable, type StructPlan } from './plan.js';

/**
 * Encoders built from the schema, one per (struct, arch), made once by
 * compile.ts (generated source, or closures where code generation is not
 * allowed; encoder-closures.ts) and cached there. Two passes over the same layout rules:
 *
 * - `size(value)`: checks every member (types, integer ranges, counts
 *   against arrays, hex against lengths, GUID and string shapes) and
 *   returns the image size. Errors name the JSON path.
 * - `write(value, bytes, view, offset, base)`: writes the image into bytes
 *   that are already zero (so padding is zero) and returns its size.
 *
 * The image: the struct at offset 0, then each non-NULL pointer member's
 * target in member order, each followed at once by whatever it points to
 * (depth first), each aligned to POINTEE_ALIGN below relative to `base`,
 * which the caller has checked is aligned for the struct.
 */
export interface StructEncoder {
  /** The root struct's alignment, which the image's base must have. */
  readonly align: number;
  /** Checks against the codec's limits too (limits.ts), as decode does. */
  size(value: unknown, limits: DecodeLimits): number;
  write(value: unknown, bytes: Uint8Array, view: DataView, offset: number, base: number): number;
}

export const ENCODER: Generator<StructEncoder> = {
  kind: 'encoder',
  slot: 4,
  variantName: () => 'sized',
  source: (plan) => ({ params: ['H'], args: [ENCODE_HELPERS], body: encoderSource(plan) }),
  closures: (plan) => encoderClosures(plan),
};

export function structEncoder(name: string, arch: Arch): StructEncoder {
  return compiled(ENCODER, planOf(name, arch));
}

const INT_CHECK: Record<string, (x: string) => string> = {
  u8: (x) => `(${x} & 0xff) !== ${x}`,
  i8: (x) => `((${x} << 24) >> 24) !== ${x}`,
  u16: (x) => `(${x} & 0xffff) !== ${x}`,
  i16: (x) => `((${x} << 16) >> 16) !== ${x}`,
  u32: (x) => `(${x} >>> 0) !== ${x}`,
  i32: (x) => `(${x} | 0) !== ${x}`,
};

function alignExpr(a: number): string {
  return a <= 1 ? '' : `cur += (${a} - cur % ${a}) % ${a};`;
}

export function encoderSource(root: StructPlan): string {
  const out: string[] = ['"use strict";', 'var V, B, O, BASE, L;'];
  const writePointer = (target: string, value: string, pointerSize: number) =>
    pointerSize === 4
      ? `V.setUint32(${target}, ${value}, true);`
      : `V.setUint32(${target}, (${value}) % 4294967296, true); V.setUint32(${target} + 4, ((${value}) / 4294967296) >>> 0, true);`;

  for (const s of reachable(root)) {
    const names = s.fields.map((f) => f.name);
    const fieldOf = (f: FieldPlan) => `x.${f.name}`;
    const sizeBody: string[] = [];
    const writeBody: string[] = [];

    s.fields.forEach((f, i) => {
      const x = fieldOf(f);
      const at = `o + ${f.offset}`;
      sizeBody.push(`f = ${i};`);
      switch (f.kind) {
        case 'int': {
          const kind = intKind(f);
          sizeBody.push(`if (${INT_CHECK[kind]!(x)}) throw H.notInt(${x}, ${str(kind)}, ${str(typeName(s, f))});`);
          writeBody.push(`V.set${f.signed ? 'Int' : 'Uint'}${f.size * 8}(${at}, ${x}${f.size > 1 ? ', true' : ''});`);
          break;
        }
        case 'inline':
          sizeBody.push(`cur = z_${f.struct.name}(${x}, cur);`);
          writeBody.push(`cur = w_${f.struct.name}(${x}, ${at}, cur);`);
          break;
        default: {
          const align = alignExpr(pointeeAlign(f));
          const pointer = writePointer(at, 'BASE + cur', s.pointerSize);
          let check: string;
          let place: string;
          let write: string;
          switch (f.kind) {
            case 'string':
              check = `${f.unit === 'utf16' ? 'H.checkUtf16(v);' : 'H.checkAnsi(v);'} if (v.length > L.maxStringUnits) throw H.tooLong(v.length, L.maxStringUnits);`;
              place = `cur += (v.length + 1) * ${f.unit === 'utf16' ? 2 : 1};`;
              write = `${f.unit === 'utf16' ? 'H.writeUtf16z' : 'H.writeLatin1z'}(v, B, O + cur); ${place}`;
              break;
            case 'guid':
              check = 'H.checkGuid(v);';
              place = 'cur += 16;';
              write = `H.writeGuid(v, B, O + cur); ${place}`;
              break;
            case 'bytes': {
              const length = `x.${f.length.name}`;
              const name = str(f.length.name);
              check = `if (typeof ${length} === "number" && ${length} > L.${f.limit}) throw H.overLimit(${length}, ${name}, L.${f.limit}, ${str(f.limit)}); H.checkHex(v, ${length}, ${name});`;
              place = `cur += ${length};`;
              write = `H.writeHex(v, B, O + cur); ${place}`;
              break;
            }
            case 'array': {
              const count = `x.${f.count.name}`;
              const size = f.struct.size;
              check = `H.checkArray(v, ${count}, ${str(f.count.name)}); if (v.length > L.maxCount) throw H.overLimit(v.length, ${str(f.count.name)}, L.maxCount, "maxCount");`;
              place = `var st = cur; cur += v.length * ${size}; var i = 0; try { for (; i < v.length; i++) cur = z_${f.struct.name}(v[i], cur); } catch (e) { throw H.fail(e, "[" + i + "]"); }`;
              write = `var st = cur; cur += v.length * ${size}; for (var i = 0; i < v.length; i++) cur = w_${f.struct.name}(v[i], O + st + i * ${size}, cur);`;
              break;
            }
            case 'object':
              check = '';
              place = `cur = z_${f.struct.name}(v, cur + ${f.struct.size});`;
              write = `var st = cur; cur = w_${f.struct.name}(v, O + st, cur + ${f.struct.size});`;
              break;
          }
          sizeBody.push(`v = ${x}; if (v !== null) { ${check} ${align} ${place} }`);
          writeBody.push(`v = ${x}; if (v !== null) { ${align} ${pointer} ${write} }`);
        }
      }
    });

    out.push(
      `var N_${s.name} = ${str(names)};`,
      `function z_${s.name}(x, cur) {`,
      `if (typeof x !== "object" || x === null || Array.isArray(x)) throw H.notObject(x, ${str(`a ${s.name} object`)});`,
      'var f = 0, v;',
      'try {',
      ...sizeBody,
      `} catch (e) { throw H.fail(e, N_${s.name}[f]); }`,
      'return cur;',
      '}',
      `function w_${s.name}(x, o, cur) {`,
      'var v;',
      ...writeBody,
      'return cur;',
      '}',
    );
  }
  out.push(
    `return {`,
    `align: ${root.align},`,
    `size: function (x, limits) { L = limits; try { return z_${root.name}(x, ${root.size}); } finally { L = undefined; } },`,
    `write: function (x, bytes, view, offset, base) { B = bytes; V = view; O = offset; BASE = base; try { return w_${root.name}(x, offset, ${root.size}); } finally { B = V = undefined; } }`,
    `};`,
  );
  return out.join('\n');
}
