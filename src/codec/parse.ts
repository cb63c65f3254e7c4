import { canonicalGuid } from '../abi/guid.js';
import { layoutOf } from '../abi/layout.js';
import { InvalidDataError, RnrError } from '../errors.js';
import type { QuerySetJson, ServiceClassInfoJson } from './canonical.js';
import { checkAnsi, checkArray, checkGuid, checkHex, checkUtf16, notInt, notObject, show } from './encode-helpers.js';
import { type FieldPlan, type StructPlan, planOf } from './plan.js';

/**
 * Validate untrusted canonical JSON (from a file, a socket, a user) and
 * return a clean copy: members in C order, every member present and of its
 * type, counts matching non-null arrays, hex matching its length member,
 * GUIDs in canonical spelling, hex in lower case. `$` annotations (as
 * decode --annotate writes them) are dropped; any other unknown key is an
 * error, because a misspelt member would otherwise be silently NULL.
 * Errors are InvalidDataErrors naming the JSON path.
 *
 * Whether the JSON is W or A is not knowable from its shape; strings are
 * checked to be representable in both (no U+0000 inside), and encode checks
 * A's one-byte range for the charset it is given.
 */
export function parseQuerySetJson(value: unknown): QuerySetJson {
  return parseStruct(planOf('WSAQUERYSETW', 'x64'), value, 'W') as unknown as QuerySetJson;
}

/** The same for a WSASERVICECLASSINFOW/A object. */
export function parseServiceClassInfoJson(value: unknown): ServiceClassInfoJson {
  return parseStruct(planOf('WSASERVICECLASSINFOW', 'x64'), value, 'W') as unknown as ServiceClassInfoJson;
}

const INT_LIMITS: Record<string, [number, number]> = {
  u8: [0, 0xff], i8: [-0x80, 0x7f], u16: [0, 0xffff], i16: [-0x8000, 0x7fff], u32: [0, 0xffff_ffff], i32: [-0x8000_0000, 0x7fff_ffff],
};

function parseStruct(plan: StructPlan, value: unknown, charset: 'W' | 'A'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw notObject(value, `a ${plan.name.replace(/[WA]$/, '')} object`);
  const input = value as Record<string, unknown>;
  const known = new Set(plan.fields.map((f) => f.name));
  for (const key of Object.keys(input)) {
    if (!key.startsWith('$') && !known.has(key)) {
      throw new InvalidDataError(`unknown member ${JSON.stringify(key)} (${plan.name.replace(/[WA]$/, '')} has ${[...known].join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const f of plan.fields) {
    try {
      if (!(f.name in input)) throw new InvalidDataError('missing (every member is required; NULL pointers are null)');
      out[f.name] = parseField(plan, f, input[f.name], input, charset);
    } catch (e) {
      throw e instanceof RnrError ? e.withContext(f.name) : e;
    }
  }
  return out;
}

function parseField(plan: StructPlan, f: FieldPlan, v: unknown, parent: Record<string, unknown>, charset: 'W' | 'A'): unknown {
  switch (f.kind) {
    case 'int': {
      const kind = `${f.signed ? 'i' : 'u'}${f.size * 8}`;
      const [min, max] = INT_LIMITS[kind]!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw notInt(v, kind, layoutOf(plan.name, plan.arch).field(f.name).type);
      return Object.is(v, -0) ? 0 : v;
    }
    case 'inline':
      return parseStruct(f.struct, v, charset);
    default:
      if (v === null) return null;
  }
  switch (f.kind) {
    case 'string':
      if (charset === 'A') checkAnsi(v);
      else checkUtf16(v);
      return v;
    case 'guid':
      checkGuid(v);
      return canonicalGuid(v as string);
    case 'bytes': {
      const length = parent[f.length.name];
      if (typeof length !== 'number' || !Number.isInteger(length)) {
        throw new InvalidDataError(`${f.length.name} is ${show(length)}, so the length of the bytes is unknown`);
      }
      checkHex(v, length, f.length.name);
      return (v as string).toLowerCase();
    }
    case 'array': {
      const count = parent[f.count.name];
      if (typeof count !== 'number') throw new InvalidDataError(`${f.count.name} is ${show(count)}, so the array's length is unknown`);
      checkArray(v, count, f.count.name);
      return (v as unknown[]).map((element, i) => {
        try {
          return parseStruct(f.struct, element, charset);
        } catch (e) {
          throw e instanceof RnrError ? e.withContext(`[${i}]`) : e;
        }
      });
    }
    case 'object':
      return parseStruct(f.struct, v, charset);
  }
  return v;
}
