import { layoutOf } from '../abi/layout.js';
import type { CsAddrInfoJson, QuerySetJson, ServiceClassInfoJson } from './canonical.js';
import { compiled, type Generator, literal as str } from './compile.js';
import { INT_LIMITS, PARSE_HELPERS, type StructParser } from './parse-helpers.js';
import { parserClosures } from './parser-closures.js';
import { type FieldPlan, planOf, reachable, type StructPlan } from './plan.js';

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
  return structParser(planOf('WSAQUERYSETW', 'x64'))(value, 'W') as unknown as QuerySetJson;
}

/** The same for a WSASERVICECLASSINFOW/A object. */
export function parseServiceClassInfoJson(value: unknown): ServiceClassInfoJson {
  return structParser(planOf('WSASERVICECLASSINFOW', 'x64'))(value, 'W') as unknown as ServiceClassInfoJson;
}

/**
 * One CSADDR_INFO entry by the same rules: the one checker of canonical
 * entries, which address sets (match/canonical-entry.ts) answer with too.
 */
export function parseCsAddrInfoJson(value: unknown): CsAddrInfoJson {
  return structParser(planOf('CSADDR_INFO', 'x64'))(value, 'W') as unknown as CsAddrInfoJson;
}

export const PARSER: Generator<StructParser> = {
  kind: 'parser',
  slot: 5,
  variantName: () => 'checked',
  source: (plan) => {
    const plans = reachable(plan);
    const known = plans.map((p) => new Set(p.fields.map((f) => f.name)));
    const body = `${plans.map((p, i) => structSource(p, i, plans)).join('\n')}\nreturn parse0;`;
    return { params: ['H', 'KNOWN'], args: [PARSE_HELPERS, known], body };
  },
  closures: (plan) => parserClosures(plan),
};

/**
 * The parser of a struct, built from its plan once by compile.ts. Generated
 * source reads every member by name and makes the result one object
 * literal, instead of a loop of keyed reads and stores: parseQuerySetJson
 * is on the hot path of WSASetService (service/batch), where the loop cost
 * 6.6 µs a query set. The closures (parser-closures.ts) take the same steps
 * with the same messages where code generation is not allowed.
 */
function structParser(root: StructPlan): StructParser {
  return compiled(PARSER, root);
}

function structSource(plan: StructPlan, index: number, plans: readonly StructPlan[]): string {
  const title = plan.name.replace(/[WA]$/, '');
  // reachable() lists each struct once by name; a nested plan may be another object of the same name.
  const parserOf = (p: StructPlan): string => `parse${plans.findIndex((q) => q.name === p.name)}`;
  const lines: string[] = [];
  lines.push(`function parse${index}(v, charset) {`);
  lines.push(
    `  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw H.notObject(v, ${str(`a ${title} object`)});`,
  );
  lines.push(`  const known = KNOWN[${index}];`);
  lines.push(
    `  for (const key of Object.keys(v)) if (!known.has(key) && !key.startsWith('$')) throw H.unknownMember(key, ${str(title)}, known);`,
  );
  lines.push(`  let member = '';`);
  lines.push('  try {');
  for (const f of plan.fields) {
    lines.push(`    member = ${str(f.name)};`);
    lines.push(`    if (!(${str(f.name)} in v)) throw H.missing();`);
    lines.push(`    let m_${f.name} = v.${f.name};`);
    lines.push(...fieldSource(plan, f, `m_${f.name}`, parserOf).map((l) => `    ${l}`));
  }
  lines.push(`    return { ${plan.fields.map((f) => `${f.name}: m_${f.name}`).join(', ')} };`);
  lines.push('  } catch (e) {');
  lines.push('    throw H.context(e, member);');
  lines.push('  }');
  lines.push('}');
  return lines.join('\n');
}

/** Statements that check the member's value in `x` and leave the clean value in `x`. */
function fieldSource(plan: StructPlan, f: FieldPlan, x: string, parserOf: (p: StructPlan) => string): string[] {
  switch (f.kind) {
    case 'int': {
      const kind = `${f.signed ? 'i' : 'u'}${f.size * 8}`;
      const [min, max] = INT_LIMITS[kind]!;
      const type = layoutOf(plan.name, plan.arch).field(f.name).type;
      return [
        `if (typeof ${x} !== 'number' || !Number.isInteger(${x}) || ${x} < ${min} || ${x} > ${max}) throw H.notInt(${x}, ${str(kind)}, ${str(type)});`,
        `if (Object.is(${x}, -0)) ${x} = 0;`,
      ];
    }
    case 'inline':
      return [`${x} = ${parserOf(f.struct)}(${x}, charset);`];
    case 'string':
      return [`if (${x} !== null) { if (charset === 'A') H.checkAnsi(${x}); else H.checkUtf16(${x}); }`];
    case 'guid':
      return [`if (${x} !== null) { H.checkGuid(${x}); ${x} = H.canonicalGuidText(${x}); }`];
    case 'bytes': {
      const length = f.length.name;
      return [
        `if (${x} !== null) {`,
        `  const length = v.${length};`,
        `  if (typeof length !== 'number' || !Number.isInteger(length)) throw new H.InvalidDataError(${str(`${length} is `)} + H.show(length) + ${str(', so the length of the bytes is unknown')});`,
        `  H.checkHex(${x}, length, ${str(length)});`,
        `  ${x} = ${x}.toLowerCase();`,
        '}',
      ];
    }
    case 'array': {
      const count = f.count.name;
      return [
        `if (${x} !== null) {`,
        `  const count = v.${count};`,
        `  if (typeof count !== 'number') throw new H.InvalidDataError(${str(`${count} is `)} + H.show(count) + ${str(", so the array's length is unknown")});`,
        `  H.checkArray(${x}, count, ${str(count)});`,
        `  ${x} = H.parseArray(${parserOf(f.struct)}, ${x}, charset);`,
        '}',
      ];
    }
    case 'object':
      return [`if (${x} !== null) ${x} = ${parserOf(f.struct)}(${x}, charset);`];
  }
}
