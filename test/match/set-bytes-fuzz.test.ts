import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CsAddrInfoJson } from '../../src/codec/canonical.js';
import { RnrError } from '../../src/errors.js';
import { AddressSet } from '../../src/match/index.js';
import { checksumOf, SET_HEADER_BYTES } from '../../src/match/set-format.js';

/**
 * Fuzz target for the serialised address set (what the store keeps per
 * object): damaged bytes, with the checksum left wrong or sealed again as a
 * forger would. Only rnrkit's own errors, each input within a time bound,
 * and the heap bounded over the run. RNRKIT_FUZZ_RUNS makes it longer.
 */
const RUNS = Number(process.env.RNRKIT_FUZZ_RUNS ?? 400);
const MS_PER_INPUT = 250;
const HEAP_GROWTH_BYTES = 64 << 20;

function entry(i: number, v6: boolean): CsAddrInfoJson {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  const local = v6
    ? `1700${hex(i & 0xffff, 4)}00000000fe80${'00'.repeat(10)}${hex(i, 8)}00000000`
    : `0200${hex(i & 0xffff, 4)}0a${hex(i & 0xffffff, 6)}0000000000000000`;
  return {
    LocalAddr: { lpSockaddr: local, iSockaddrLength: local.length / 2 },
    RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
    iSocketType: 1 + (i % 2),
    iProtocol: i % 2 ? 17 : 6,
  };
}

const BASES = [0, 1, 7, 300].flatMap((n) =>
  [false, true].map((v6) =>
    AddressSet.fromCanonical(
      Array.from({ length: n }, (_, i) => entry(i, v6 && i % 3 === 0)),
      { maxEntries: n % 2 ? 500 : undefined },
    )
      .toBytes()
      .slice(),
  ),
);

/** Write the checksum the bytes now need, as someone forging a set would. */
function reseal(bytes: Uint8Array): void {
  if (bytes.length < SET_HEADER_BYTES || (bytes.length - SET_HEADER_BYTES) % 4 !== 0) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payload = new Int32Array(bytes.slice(SET_HEADER_BYTES).buffer);
  view.setUint32(20, checksumOf(view, payload, payload.length), true);
}

const damage = fc.record({
  base: fc.nat({ max: BASES.length - 1 }),
  edits: fc.oneof(
    fc.constant([]),
    fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }),
  ),
  words: fc.array(fc.record({ at: fc.nat({ max: 5 }), value: fc.integer({ min: -1, max: 0x7fffffff }) }), {
    maxLength: 2,
  }),
  cut: fc.option(fc.nat(), { freq: 1 }),
  tail: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 64 })),
  seal: fc.boolean(),
});

describe('fuzz: serialised address sets', () => {
  it(`${RUNS} damaged or forged sets: only rnrkit errors, each within ${MS_PER_INPUT} ms, the heap bounded`, () => {
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let slowest = 0;
    let refused = 0;
    fc.assert(
      fc.property(damage, ({ base, edits, words, cut, tail, seal }) => {
        let bytes = new Uint8Array([...BASES[base]!, ...tail]);
        if (cut !== null) bytes = bytes.slice(0, cut % (bytes.length + 1));
        for (const { at, value } of edits) if (bytes.length) bytes[at % bytes.length] = value;
        const view = new DataView(bytes.buffer);
        for (const { at, value } of words) if (bytes.length >= SET_HEADER_BYTES) view.setInt32(at * 4, value, true);
        if (seal) reseal(bytes);
        const started = performance.now();
        try {
          const set = AddressSet.fromBytes(bytes);
          expect(set.size).toBeLessThanOrEqual(bytes.length / 16);
        } catch (e) {
          if (!(e instanceof RnrError)) throw e;
          refused++;
        }
        const took = performance.now() - started;
        slowest = Math.max(slowest, took);
        expect(took).toBeLessThan(MS_PER_INPUT);
      }),
      { numRuns: RUNS, seed: Number(process.env.RNRKIT_FUZZ_SEED ?? 20261203) },
    );
    const growth = process.memoryUsage().heapUsed - heapBefore;
    console.log(
      `set bytes fuzz: ${RUNS} inputs, ${refused} refused, slowest ${slowest.toFixed(1)} ms, heap growth ${(growth / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(growth).toBeLessThan(HEAP_GROWTH_BYTES);
  });
});
