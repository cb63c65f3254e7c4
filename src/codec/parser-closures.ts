import { layoutOf } from '../abi/layout.js';
import { InvalidDataError } from '../errors.js';
import { checkAnsi, checkArray, checkGuid, checkHex, checkUtf16, notInt, notObject, show } from './encode-helpers.js';
import { type Charset, canonicalGuidText, INT_LIMITS, PARSE_HELPERS, type StructParser } from './parse-helpers.js';
import { type FieldPlan, reachable, type StructPlan } from './plan.js';

/**
 * The parsers of parse.ts as closures over the plan, for where code
 * generation is not allowed (compile.ts): the same reads in the same order,
 * the same checks and messages, the same clean copy with members in C
 * order (test/codec/closures.test.ts).
 */

type Obj = Record<string, unknown>;
/** Check a present member's value `x` of the object `v`; return the clean value. */
type Check = (x: unknown, v: Obj, charset: Charset) => unknown;

export function parserClosures(root: StructPlan): StructParser {
  const parsers: Record<string, StructParser> = Object.create(null) as Record<string, StructParser>;
  for (const plan of reachable(root)) parsers[plan.name] = structClosure(plan);
  return parsers[root.name]!;

  function structClosure(plan: StructPlan): StructParser {
    const title = plan.name.replace(/[WA]$/, '');
    const what = `a ${title} object`;
    const known: ReadonlySet<string> = new Set(plan.fields.map((f) => f.name));
    const names = plan.fields.map((f) => f.name);
    const checks = plan.fields.map((f) => check(plan, f));
    const n = names.length;
    return (value, charset) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw notObject(value, what);
      const v = value as Obj;
      for (const key of Object.keys(v))
        if (!known.has(key) && !key.startsWith('$')) throw PARSE_HELPERS.unknownMember(key, title, known);
      let member = '';
      try {
        const out: Obj = {};
        for (let f = 0; f < n; f++) {
          member = names[f]!;
          if (!(member in v)) throw PARSE_HELPERS.missing();
          out[member] = checks[f]!(v[member], v, charset);
        }
        return out;
      } catch (e) {
        throw PARSE_HELPERS.context(e, member);
      }
    };
  }

  function check(plan: StructPlan, f: FieldPlan): Check {
    switch (f.kind) {
      case 'int': {
        const kind = `${f.signed ? 'i' : 'u'}${f.size * 8}`;
        const [min, max] = INT_LIMITS[kind]!;
        const type = layoutOf(plan.name, plan.arch).field(f.name).type;
        return (x) => {
          if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) throw notInt(x, kind, type);
          return Object.is(x, -0) ? 0 : x;
        };
      }
      case 'inline': {
        const target = f.struct.name;
        return (x, _v, charset) => parsers[target]!(x, charset);
      }
      case 'string':
        return (x, _v, charset) => {
          if (x !== null) {
            if (charset === 'A') checkAnsi(x);
            else checkUtf16(x);
          }
          return x;
        };
      case 'guid':
        return (x) => {
          if (x === null) return x;
          checkGuid(x);
          return canonicalGuidText(x as string);
        };
      case 'bytes': {
        const lengthName = f.length.name;
        const unknownLength = `${lengthName} is `;
        return (x, v) => {
          if (x === null) return x;
          const length = v[lengthName];
          if (typeof length !== 'number' || !Number.isInteger(length))
            throw new InvalidDataError(`${unknownLength}${show(length)}, so the length of the bytes is unknown`);
          checkHex(x, length, lengthName);
          return (x as string).toLowerCase();
        };
      }
      case 'array': {
        const countName = f.count.name;
        const unknownCount = `${countName} is `;
        const element = f.struct.name;
        return (x, v, charset) => {
          if (x === null) return x;
          const count = v[countName];
          if (typeof count !== 'number')
            throw new InvalidDataError(`${unknownCount}${show(count)}, so the array's length is unknown`);
          checkArray(x, count, countName);
          return PARSE_HELPERS.parseArray(parsers[element]!, x as unknown[], charset);
        };
      }
      case 'object': {
        const target = f.struct.name;
        return (x, _v, charset) => (x === null ? x : parsers[target]!(x, charset));
      }
    }
  }
}
