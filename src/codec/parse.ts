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
  return parseStruct(checkerOf(planOf('WSAQUERYSETW', 'x64')), value, 'W') as unknown as QuerySetJson;
}

/** The same for a WSASERVICECLASSINFOW/A object. */
export function parseServiceClassInfoJson(value: unknown): ServiceClassInfoJson {
  return parseStruct(checkerOf(planOf('WSASERVICECLASSINFOW', 'x64')), value, 'W') as unknown as ServiceClassInfoJson;
}

const INT_LIMITS: Record<string, [number, number]> = {
  u8: [0, 0xff], i8: [-0x80, 0x7f], u16: [0, 0xffff], i16: [-0x8000, 0x7fff], u32: [0, 0xffff_ffff], i32: [-0x8000_0000, 0x7fff_ffff],
};

/**
 * What parsing a struct needs from its plan, worked out once per plan
 * rather than per value (parseQuerySetJson is on the hot path of
 * WSASetService: service/batch): the member names, each integer's range,
 * each nested struct's checker.
 */
interface StructChecker {
  readonly plan: StructPlan;
  /** The struct's name without its W/A suffix, for messages. */
  readonly title: string;
  readonly known: ReadonlySet<string>;
  readonly fields: readonly FieldChecker[];
}

interface FieldChecker {
  readonly plan: FieldPlan;
  readonly name: string;
  /** Integers: the range and the kind (`u32`) the message names. */
  readonly min: number;
  readonly max: number;
  readonly kind: string;
  /** inline, array, object: the element struct. */
  readonly struct: StructChecker | undefined;
}

const checkers = new WeakMap<StructPlan, StructChecker>();

function checkerOf(plan: StructPlan): StructChecker {
  let checker = checkers.get(plan);
  if (!checker) {
    const fields = plan.fields.map((f): FieldChecker => {
      const kind = f.kind === 'int' ? `${f.signed ? 'i' : 'u'}${f.size * 8}` : '';
      const [min, max] = f.kind === 'int' ? INT_LIMITS[kind]! : [0, 0];
      const struct = f.kind === 'inline' || f.kind === 'array' || f.kind === 'object' ? checkerOf(f.struct) : undefined;
      return { plan: f, name: f.name, min, max, kind, struct };
    });
    checker = { plan, title: plan.name.replace(/[WA]$/, ''), known: new Set(plan.fields.map((f) => f.name)), fields };
    checkers.set(plan, checker);
  }
  return checker;
}

function parseStruct(checker: StructChecker, value: unknown, charset: 'W' | 'A'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw notObject(value, `a ${checker.title} object`);
  const input = value as Record<string, unknown>;
  const known = checker.known;
  for (const key of Object.keys(input)) {
    if (!known.has(key) && !key.startsWith('$')) {
      throw new InvalidDataError(`unknown member ${JSON.stringify(key)} (${checker.title} has ${[...known].join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  const fields = checker.fields;
  let i = 0;
  try {
    for (; i < fields.length; i++) {
      const f = fields[i]!;
      if (!(f.name in input)) throw new InvalidDataError('missing (every member is required; NULL pointers are null)');
      out[f.name] = parseField(checker, f, input[f.name], input, charset);
    }
  } catch (e) {
    throw e instanceof RnrError ? e.withContext(fields[i]!.name) : e;
  }
  return out;
}

function parseField(checker: StructChecker, field: FieldChecker, v: unknown, parent: Record<string, unknown>, charset: 'W' | 'A'): unknown {
  const f = field.plan;
  switch (f.kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < field.min || v > field.max) throw notInt(v, field.kind, layoutOf(checker.plan.name, checker.plan.arch).field(f.name).type);
      return Object.is(v, -0) ? 0 : v;
    case 'inline':
      return parseStruct(field.struct!, v, charset);
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
      return canonicalGuidText(v as string);
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
      const elements = v as unknown[];
      const out = new Array<unknown>(elements.length);
      const struct = field.struct!;
      let i = 0;
      try {
        for (; i < elements.length; i++) out[i] = parseStruct(struct, elements[i], charset);
      } catch (e) {
        throw e instanceof RnrError ? e.withContext(`[${i}]`) : e;
      }
      return out;
    }
    case 'object':
      return parseStruct(field.struct!, v, charset);
  }
  return v;
}

/**
 * The canonical spelling (braces, upper case) of a GUID checkGuid accepted:
 * the same text canonicalGuid gives (the bytes of the GUID in text order,
 * upper-case hex), without converting to bytes and back.
 */
function canonicalGuidText(text: string): string {
  const braced = text.charCodeAt(0) === 123; /* { */
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 /* a */ && c <= 102 /* f */) return braced ? text.toUpperCase() : `{${text.toUpperCase()}}`;
  }
  return braced ? text : `{${text}}`;
}
