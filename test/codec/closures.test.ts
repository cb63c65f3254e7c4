import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ARCHES } from '../../src/abi/types.js';
import {
  type CodeGeneration,
  codeGeneration,
  decodeQuerySet,
  decodeServiceClassInfo,
  encodedSize,
  encodeQuerySet,
  encodeServiceClassInfo,
  parseQuerySetJson,
  parseServiceClassInfoJson,
  setCodeGeneration,
} from '../../src/codec/index.js';
import { RnrError } from '../../src/errors.js';
import { parseAddress } from '../../src/memory/address-space.js';
import { RegionList } from '../../src/memory/region-list.js';
import { querySet } from '../helpers/arbitrary.js';
import { corruptSets, goodSets, loadImages } from '../helpers/codec-fixtures.js';
import { SAMPLES } from '../helpers/samples.js';
import { damageAt } from './helpers/damage.js';
import { mutate, mutation } from './helpers/mutate.js';

/**
 * The closures path (no code generation, for pages whose CSP forbids
 * 'unsafe-eval') against the generated one: every call here runs both ways
 * and must give the same outcome — the same JSON text (member order
 * included), the same bytes, or the same error class, message and path.
 */
type Outcome = { value: string } | { error: string };

function outcome(run: () => unknown): Outcome {
  try {
    const value = run();
    return {
      value: value instanceof Uint8Array ? `bytes ${Buffer.from(value).toString('hex')}` : JSON.stringify(value),
    };
  } catch (e) {
    if (!(e instanceof RnrError)) throw e;
    return { error: `${e.name} [${e.path}] ${e.message}` };
  }
}

function bothWays(run: () => unknown): { generated: Outcome; closures: Outcome } {
  setCodeGeneration('generated');
  const generated = outcome(run);
  setCodeGeneration('closures');
  const closures = outcome(run);
  return { generated, closures };
}

function same(run: () => unknown): Outcome {
  const { generated, closures } = bothWays(run);
  expect(closures).toEqual(generated);
  return generated;
}

afterEach(() => {
  setCodeGeneration('auto');
  vi.unstubAllGlobals();
});

const DECODE_MODES = [{}, { lenient: true }, { annotate: true }, { lenient: true, annotate: true }];
const images = loadImages();

describe('closures give what generated code gives', () => {
  it.each(goodSets(images).map((g) => [`${g.image.id} ${g.set.name}`, g] as const))(
    '%s: decode in every mode, encode, parse',
    (_name, { image, set, expected }) => {
      const { arch } = image.manifest;
      const charset = set.charset;
      for (const mode of DECODE_MODES) {
        const decoded = same(() => decodeQuerySet(image.space, parseAddress(set.at), { arch, charset, ...mode }));
        expect('value' in decoded).toBe(true);
      }
      const base = arch === 'x64' ? 0x7ff6_a000_0000 : 0x1000_0000;
      expect(same(() => encodeQuerySet(expected, { arch, charset, base }))).not.toHaveProperty('error');
      same(() => encodedSize(expected, { arch, charset }));
      same(() => parseQuerySetJson(expected));
    },
  );

  it.each(corruptSets(images).map((c) => [`${c.image.id} ${c.set.name}`, c] as const))(
    '%s: the same error strict, the same $unresolved lenient',
    (_name, { image, set }) => {
      for (const mode of DECODE_MODES)
        same(() =>
          decodeQuerySet(image.space, parseAddress(set.at), {
            arch: image.manifest.arch,
            charset: set.charset,
            ...mode,
          }),
        );
      expect(
        same(() =>
          decodeQuerySet(image.space, parseAddress(set.at), { arch: image.manifest.arch, charset: set.charset }),
        ),
      ).toHaveProperty('error');
    },
  );

  const combos = ARCHES.flatMap((arch) => (['W', 'A'] as const).map((charset) => ({ arch, charset })));

  it.each(combos)('the hand-written samples and their service classes, $arch $charset', ({ arch, charset }) => {
    const base = arch === 'x86' ? 0x0040_3000 : 0x1_4000_7000;
    for (const make of Object.values(SAMPLES)) {
      const qs = make(charset);
      const image = encodeQuerySet(qs, { arch, charset, base });
      for (const mode of DECODE_MODES)
        same(() => decodeQuerySet(RegionList.flat(image, base), base, { arch, charset, ...mode }));
      // The same bytes read as a service class: mostly nonsense, so mostly errors, which must agree too.
      for (const mode of DECODE_MODES)
        same(() => decodeServiceClassInfo(RegionList.flat(image, base), base, { arch, charset, ...mode }));
    }
    const info = {
      lpServiceClassId: '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}',
      lpszServiceClassName: 'class',
      dwCount: 2,
      lpClassInfos: [
        { lpszName: 'Port', dwNameSpace: 12, dwValueType: 4, dwValueSize: 2, lpValue: '1f90' },
        { lpszName: null, dwNameSpace: 0, dwValueType: 0, dwValueSize: 0, lpValue: '' },
      ],
    };
    const image = encodeServiceClassInfo(info, { arch, charset, base });
    expect(same(() => encodeServiceClassInfo(info, { arch, charset, base }))).toEqual({
      value: `bytes ${Buffer.from(image).toString('hex')}`,
    });
    for (const mode of DECODE_MODES)
      same(() => decodeServiceClassInfo(RegionList.flat(image, base), base, { arch, charset, ...mode }));
    same(() => parseServiceClassInfoJson(info));
  });

  it.each(combos)('random sets, and random damage to their images, $arch $charset', ({ arch, charset }) => {
    const base = arch === 'x86' ? 0x0080_0000 : 0x3_0000_0000;
    fc.assert(
      fc.property(querySet(charset), fc.array(mutation, { maxLength: 5 }), (qs, mutations) => {
        same(() => encodeQuerySet(qs, { arch, charset, base }));
        const space = RegionList.flat(mutate(encodeQuerySet(qs, { arch, charset, base }), mutations, base, arch), base);
        for (const mode of DECODE_MODES) same(() => decodeQuerySet(space, base, { arch, charset, ...mode }));
      }),
      { numRuns: 60 },
    );
  });

  it('random damage to canonical JSON: the same answer from parse and from encode', () => {
    const odd = fc.oneof(
      fc.constantFrom<unknown>(
        null,
        undefined,
        -0,
        1.5,
        -1,
        2 ** 32,
        2 ** 53,
        '',
        'zz',
        '0102',
        '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}',
        [],
        {},
        [1],
        true,
        'a\u0000b',
        '\u0100',
      ),
      fc.integer(),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(
        querySet('A'),
        fc.array(fc.tuple(fc.nat(), odd, fc.boolean()), { minLength: 1, maxLength: 3 }),
        (qs, damage) => {
          const json = JSON.parse(JSON.stringify(qs)) as Record<string, unknown>;
          for (const [pick, value, extraKey] of damage) damageAt(json, pick, value, extraKey);
          same(() => parseQuerySetJson(json));
          for (const arch of ARCHES)
            for (const charset of ['W', 'A'] as const)
              same(() => encodeQuerySet(json as never, { arch, charset, base: 0x10000 }));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('choosing the way', () => {
  it('auto detects a host that refuses code generation (as a strict CSP does) and builds closures', () => {
    setCodeGeneration('auto');
    // biome-ignore lint/complexity/useArrowFunction: the stub stands in for Function, so `new` must work on it
    const refuse = function () {
      throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not an allowed source");
    };
    vi.stubGlobal('Function', refuse);
    expect(codeGeneration()).toBe<CodeGeneration>('closures');
    // Every kind works with no Function at all (a struct never compiled before, too).
    const qs = SAMPLES.full!('W');
    const image = encodeQuerySet(qs, { arch: 'x86', charset: 'W', base: 0x4000 });
    expect(
      decodeQuerySet(RegionList.flat(image, 0x4000), 0x4000, {
        arch: 'x86',
        charset: 'W',
        lenient: true,
        annotate: true,
      }).lpszComment,
    ).toBe(qs.lpszComment);
    expect(parseQuerySetJson(qs)).toStrictEqual(qs);
  });

  it('auto uses generated code where it is allowed; an explicit choice wins; a bad one is a UsageError', () => {
    setCodeGeneration('auto');
    expect(codeGeneration()).toBe('generated');
    setCodeGeneration('closures');
    expect(codeGeneration()).toBe('closures');
    expect(() => setCodeGeneration('eval' as never)).toThrow(
      /unknown code generation "eval": one of auto, generated, closures/,
    );
  });

  it('a Node started with --disallow-code-generation-from-strings decodes, encodes and parses every fixture', () => {
    const script = fileURLToPath(new URL('./helpers/no-eval-child.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const report = JSON.parse(out) as { way: string; decoded: number; errors: number };
    expect(report.way).toBe('closures');
    expect(report.decoded).toBe(goodSets(images).length);
    expect(report.errors).toBe(corruptSets(images).length);
  });
});
