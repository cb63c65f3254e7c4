import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Minidump } from '../../src/dump/minidump.js';
import { forensicReport } from '../../src/dump/report.js';
import { AddressLocator } from '../../src/dump/where-is.js';
import { RnrError } from '../../src/errors.js';

/**
 * Mutations of the published dumps (small, and together they hold every
 * stream rnrkit now parses: threads, thread names, exception, memory info,
 * handles, unloaded modules, CodeView records, misc info): byte flips,
 * boundary values written over words, truncation. Parsing, the regions
 * report and where-is labels must end in a Minidump with warnings or in one
 * of rnrkit's own errors, never another exception, and never allocate more
 * than the input justifies.
 */
const NAMES = [
  'breakpad-minidump2',
  'breakpad-thread_name_list',
  'breakpad-tiny-exe-with-cet-xsave',
  'rust-minidump-simple-crashpad',
];
const pristine = NAMES.map(
  (n) =>
    new Uint8Array(gunzipSync(readFileSync(new URL(`../../fixtures/dumps/published/${n}.dmp.gz`, import.meta.url)))),
);

function exercise(bytes: Uint8Array): void {
  let md: Minidump;
  try {
    md = Minidump.fromBytes(bytes);
  } catch (e) {
    if (e instanceof RnrError) return;
    throw e;
  }
  expect(md.stats.largestAllocation).toBeLessThanOrEqual(Math.max(bytes.length, 1 << 16));
  const locator = new AddressLocator(md);
  JSON.stringify(forensicReport(md, locator), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  for (const t of md.threads.slice(0, 8)) {
    locator.label(t.stack.base);
    locator.label(t.teb);
  }
  for (const m of md.modules.slice(0, 8)) if (m.base < 2n ** 53n) locator.label(Number(m.base) + 0x1000);
  if (md.exception && md.exception.address < 2n ** 53n) locator.label(Number(md.exception.address));
}

describe('hostile variants of the published dumps', () => {
  it.each(NAMES.map((n, i) => [n, i] as const))('%s: flipped bytes, boundary words and truncation', (_name, index) => {
    const original = pristine[index]!;
    const boundary = fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, original.length, original.length - 1);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(original.length - 1), fc.nat(255)), { maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(Math.max(0, original.length - 4)), boundary), { maxLength: 4 }),
        fc.nat(original.length),
        (flips, words, keep) => {
          const bytes = original.slice(0, Math.max(32, keep));
          const view = new DataView(bytes.buffer);
          for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
          for (const [at, value] of words) if (at + 4 <= bytes.length) view.setUint32(at, value >>> 0, true);
          exercise(bytes);
        },
      ),
      { numRuns: original.length > 50_000 ? 40 : 100, seed: 12 + index },
    );
  });
});
