import { UsageError } from '../errors.js';
import type { StructPlan } from './plan.js';

/**
 * How the codec turns a plan (plan.ts) into the functions that decode,
 * encode and parse: the one place that compiles, caches and chooses between
 * the two ways of doing it (docs/codec.md, "Code generation and closures").
 *
 * - `generated`: JavaScript source built from the plan and compiled with
 *   `new Function`. Every struct becomes one object literal with a fixed
 *   shape and every offset a constant, which is what makes `decode/typical`
 *   fast. The source holds only what the plan holds: offsets and sizes are
 *   numbers from layoutOf, names are schema identifiers (plan.ts refuses
 *   anything else) and string literals go through JSON.stringify.
 * - `closures`: the same steps, in the same order and with the same checks
 *   and messages, as closures built from the same plan. No code is
 *   generated, so it runs where a Content-Security-Policy forbids
 *   'unsafe-eval'.
 *
 * `auto` (the default) tries `new Function` once and uses closures when it
 * throws an EvalError, as a page under such a policy makes it do.
 */
export type CodeGeneration = 'generated' | 'closures';

/** What one generator makes from a plan, both ways. */
export interface Generator<T> {
  /** `decoder`, `encoder` or `parser`: the folder of the generated source's URL. */
  readonly kind: string;
  /** Where this generator's variants start in a plan's cache slots (SLOTS_PER_MODE in all). */
  readonly slot: number;
  /** How a variant is named in the source's URL (`strict`, `lenient-annotate`). */
  variantName(variant: number): string;
  /** The body of a function taking `params`, called with `args`, that returns the T. */
  source(plan: StructPlan, variant: number): GeneratedSource;
  closures(plan: StructPlan, variant: number): T;
}

export interface GeneratedSource {
  readonly params: readonly string[];
  readonly args: readonly unknown[];
  readonly body: string;
}

/**
 * The one way generators put a value into source: as a JSON literal (a
 * string is quoted and escaped, a number or an array of names is written
 * as JSON), never by pasting text.
 */
export const literal: (value: string | number | readonly string[]) => string = JSON.stringify;

/** Decoder variants 0–3, the encoder 4, the parser 5. */
const SLOTS_PER_MODE = 6;

let requested: CodeGeneration | 'auto' = 'auto';
let mode: CodeGeneration | undefined;

/**
 * Force one way (tests, or a page that knows its policy) or go back to
 * `auto`. Functions compiled before stay cached for their way; nothing is
 * compiled twice.
 */
export function setCodeGeneration(choice: CodeGeneration | 'auto'): void {
  if (choice !== 'auto' && choice !== 'generated' && choice !== 'closures') {
    throw new UsageError(`unknown code generation ${JSON.stringify(choice)}: one of auto, generated, closures`);
  }
  requested = choice;
  mode = choice === 'auto' ? undefined : choice;
}

/** The way the codec compiles now (detected on first use under `auto`). */
export function codeGeneration(): CodeGeneration {
  mode ??= detect();
  return mode;
}

function detect(): CodeGeneration {
  if (requested !== 'auto') return requested;
  try {
    new Function('return 0')();
    return 'generated';
  } catch (e) {
    if (e instanceof EvalError) return 'closures';
    throw e;
  }
}

/** Per plan: both ways' compiled functions, by slot. Plans are cached per (struct, arch), so this is one cache for every kind. */
const cache = new WeakMap<StructPlan, unknown[]>();

export function compiled<T>(generator: Generator<T>, plan: StructPlan, variant = 0): T {
  const way = mode ?? codeGeneration();
  let slots = cache.get(plan);
  if (!slots) {
    slots = [];
    cache.set(plan, slots);
  }
  const index = generator.slot + variant + (way === 'closures' ? SLOTS_PER_MODE : 0);
  let made = slots[index] as T | undefined;
  if (made === undefined) {
    made = way === 'closures' ? generator.closures(plan, variant) : compileSource<T>(generator, plan, variant);
    slots[index] = made;
  }
  return made;
}

function compileSource<T>(generator: Generator<T>, plan: StructPlan, variant: number): T {
  const { params, args } = generator.source(plan, variant);
  const text = sourceText(generator, plan, variant);
  return new Function(...params, text)(...args) as T;
}

/**
 * The exact text compiled for a plan and variant: indented, with a
 * `//# sourceURL=rnrkit:/codec/KIND/STRUCT.ARCH.VARIANT.js` so a debugger
 * and a stack trace name it. Tests snapshot it (test/codec/generated).
 */
export function sourceText(generator: Generator<unknown>, plan: StructPlan, variant = 0): string {
  const { body } = generator.source(plan, variant);
  return `${indent(body)}\n//# sourceURL=rnrkit:/codec/${generator.kind}/${plan.name}.${plan.arch}.${generator.variantName(variant)}.js\n`;
}

/**
 * Indent by the braces outside string literals, so the compiled text reads
 * as code. The generators write one statement or block edge per line.
 */
function indent(body: string): string {
  let depth = 0;
  const out: string[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const delta = braceDelta(line);
    const leadingClose = line.startsWith('}') ? 1 : 0;
    out.push('  '.repeat(Math.max(0, depth - leadingClose)) + line);
    depth += delta;
  }
  return out.join('\n');
}

function braceDelta(line: string): number {
  let delta = 0;
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '{') {
      delta++;
    } else if (c === '}') {
      delta--;
    }
  }
  return delta;
}
