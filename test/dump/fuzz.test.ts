import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeQuerySet } from '../../src/codec/index.js';
import { annotateQuerySet } from '../../src/dump/annotate.js';
import { BUNDLED_DUMP, bundledSets } from '../../src/dump/fixtures.js';
import { Minidump } from '../../src/dump/minidump.js';
import { PagedReader } from '../../src/dump/paged-reader.js';
import { scanQuerySets } from '../../src/dump/scan.js';
import type { ByteSource } from '../../src/dump/source.js';
import { RnrError } from '../../src/errors.js';
import type { AddressSpace, Located, MappedRange } from '../../src/memory/address-space.js';
import { withinBoundsSync } from '../helpers/bounds.js';

/**
 * Mutations of the real Wine dump — bit flips (in the header, directory,
 * streams and descriptors, and in the planted sets' memory), word
 * overwrites with boundary values, inflated counts, truncation — must end
 * in a Minidump with warnings or in one of rnrkit's own errors: never
 * another exception, never a hang, never a buffer larger than the input
 * justifies, never a heap that grows by more than 64 MiB for one mutant
 * (test/helpers/bounds.ts). The decoder, scanner and annotator run on every
 * mutant too; fuzz-inputs.test.ts does the same for raw images, gzip files
 * and query-set JSON text.
 */
const pristine = new Uint8Array(gunzipSync(readFileSync(BUNDLED_DUMP.path)));
const sets = bundledSets();
const original = Minidump.fromBytes(pristine);
/** Where dbghelp's structures are: everything before the first memory range's bytes. */
const metadataEnd = Math.min(...original.memoryRanges().map((s) => s.fileOffset));
/** File offsets of the planted sets' heap blocks (their bytes, not metadata). */
const plantedOffsets = sets.flatMap((set) => {
  const s = original.memoryRanges().find((seg) => set.at >= seg.base && set.at < seg.base + seg.length)!;
  return [s.fileOffset + (set.at - s.base)];
});
const view = new DataView(pristine.buffer, pristine.byteOffset, pristine.byteLength);
const directory = view.getUint32(12, true);
/** Every count and size field a writer could inflate: NumberOfStreams, each DataSize, each list's count. */
const countFields: { offset: number; width: 4 | 8 }[] = [
  { offset: 8, width: 4 },
  ...original.streams.flatMap((s) => [
    { offset: directory + 12 * s.index + 4, width: 4 as const },
    ...(s.type === 4 || s.type === 5 ? [{ offset: s.rva, width: 4 as const }] : []),
    ...(s.type === 9
      ? [
          { offset: s.rva, width: 8 as const },
          { offset: s.rva + 8, width: 8 as const },
        ]
      : []),
  ]),
];

/** The pristine bytes with patches and a (possibly) shorter end: no copy of the 28 MB per case. */
class MutatedSource implements ByteSource {
  constructor(
    readonly size: number,
    private readonly patches: ReadonlyMap<number, number>,
  ) {}
  readInto(target: Uint8Array, position: number): number {
    const n = Math.max(0, Math.min(target.length, this.size - position));
    if (n === 0) return 0;
    target.set(pristine.subarray(position, position + n));
    for (const [at, value] of this.patches) if (at >= position && at < position + n) target[at - position] = value;
    return n;
  }
  close(): void {}
}

/** Part of an address space, so the scanner looks at the heap, not all 28 MB, per case. */
class Window implements AddressSpace {
  constructor(
    private readonly inner: AddressSpace,
    private readonly lo: number,
    private readonly hi: number,
    readonly label = 'window',
  ) {}
  read(address: number, length: number): Uint8Array {
    return this.inner.read(address, length);
  }
  locate(address: number, length: number): Located {
    return this.inner.locate(address, length);
  }
  mappedLength(address: number, max: number): number {
    return this.inner.mappedLength(address, max);
  }
  ranges(): readonly MappedRange[] {
    return this.inner.ranges().flatMap((r) => {
      const base = Math.max(r.base, this.lo);
      const end = Math.min(r.base + r.length, this.hi);
      return base < end ? [{ base, length: end - base }] : [];
    });
  }
}

const BOUNDARY = [
  0,
  1,
  0x10,
  0x7fffffff,
  0x80000000,
  0xffffffff,
  pristine.length,
  pristine.length - 1,
  pristine.length + 1,
];

const mutation = fc.record({
  flips: fc.array(
    fc.record({
      at: fc.oneof(
        fc.integer({ min: 0, max: metadataEnd - 1 }),
        fc.constantFrom(...plantedOffsets).chain((o) => fc.integer({ min: o, max: o + 119 })),
        fc.integer({ min: 0, max: pristine.length - 1 }),
      ),
      bit: fc.integer({ min: 0, max: 7 }),
    }),
    { maxLength: 12 },
  ),
  words: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: Math.floor(metadataEnd / 4) - 1 }).map((i) => i * 4),
      value: fc.constantFrom(...BOUNDARY),
    }),
    { maxLength: 3 },
  ),
  inflate: fc.option(
    fc.record({ field: fc.constantFrom(...countFields), value: fc.constantFrom(0xffffffff, 0x7fffffff, 0x10000) }),
  ),
  truncate: fc.option(
    fc.oneof(fc.integer({ min: 0, max: metadataEnd + 64 }), fc.integer({ min: 0, max: pristine.length })),
  ),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(m: Mutation): MutatedSource {
  const patches = new Map<number, number>();
  const byte = (at: number) => patches.get(at) ?? pristine[at]!;
  for (const { at, bit } of m.flips) patches.set(at, byte(at) ^ (1 << bit));
  const put = (at: number, value: number, width: 4 | 8) => {
    for (let i = 0; i < width; i++) patches.set(at + i, i < 4 ? (value >>> (8 * i)) & 0xff : width === 8 ? 0x7f : 0);
  };
  for (const { at, value } of m.words) put(at, value, 4);
  if (m.inflate) put(m.inflate.field.offset, m.inflate.value, m.inflate.field.width);
  return new MutatedSource(m.truncate ?? pristine.length, patches);
}

function onlyOurErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof RnrError)) throw e;
  }
}

describe('fuzzing the real Wine dump', () => {
  it('accepts only rnrkit errors, never hangs, never allocates beyond the input', () => {
    const heapLo = Math.min(...sets.map((s) => s.at)) - 0x1000;
    const heapHi = Math.max(...sets.map((s) => s.at)) + 0x2000;
    fc.assert(
      fc.property(mutation, (m) =>
        withinBoundsSync('mutant', { ms: 10_000, heapBytes: 64 << 20 }, () => {
          const source = mutate(m);
          const started = performance.now();
          let md: Minidump;
          try {
            md = new Minidump(source, 'mutant');
          } catch (e) {
            expect(e).toBeInstanceOf(RnrError);
            return;
          }
          // Parsing reads the directory, each stream's present bytes, names and cache pages: nothing bigger.
          const justified = Math.max(
            PagedReader.PAGE_SIZE,
            12 * md.streams.length,
            ...md.streams.map((s) => s.available),
          );
          expect(md.stats.largestAllocation).toBeLessThanOrEqual(
            Math.min(justified, Math.max(source.size, PagedReader.PAGE_SIZE)),
          );
          for (const set of sets) {
            for (const lenient of [false, true])
              onlyOurErrors(() => decodeQuerySet(md, set.at, { arch: 'x64', charset: set.charset, lenient }));
            onlyOurErrors(() => annotateQuerySet(md, set.at, { arch: 'x64', charset: set.charset }));
          }
          scanQuerySets(new Window(md, heapLo, heapHi));
          for (const r of md.ranges().slice(0, 8)) onlyOurErrors(() => md.read(r.base, Math.min(r.length, 1 << 16)));
          expect(performance.now() - started).toBeLessThan(10_000);
        }),
      ),
      { numRuns: Number(process.env.RNRKIT_FUZZ_RUNS ?? 300), seed: Number(process.env.RNRKIT_FUZZ_SEED ?? 20240601) },
    );
    // After all that, the reader still reads the real dump correctly.
    const again = Minidump.fromBytes(pristine);
    expect(decodeQuerySet(again, sets[0]!.at, { arch: 'x64', charset: sets[0]!.charset })).toEqual(sets[0]!.expected);
  });
});
