/**
 * Scanner benchmarks (named area/case as docs/benchmarks.md describes), in bytes scanned per second.
 *
 * The capture (seeded, deterministic, built once in setup): 64 regions of
 * 4 MiB = 256 MiB, in pairs of exactly adjacent regions; half below 4 GiB
 * holding x86 sets, half at x64 heap addresses holding x64 sets. The filler
 * looks like a heap: zero runs, ASCII, small integers (so dwSize values 60
 * and 120 occur all over, as they do in real memory), pointers into the
 * region, random words. Every region gets one planted query set (W and A
 * alternating, re-encoded by the codec from the sets target.c built).
 *
 * - scan/256mb: scanQuerySets over the RegionList (both arches, both charsets);
 * - scan/256mb@c: bench/native/scan.c over the same bytes (written to a
 *   file under os.tmpdir() in setup), same signature pass and the same
 *   plausibility checks, with the layout offsets rnrkit computes. Before
 *   it times anything it must find exactly rnrkit's candidates (address,
 *   score and arch, in order), or the case fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layoutOf } from '../../src/abi/layout.js';
import type { Arch } from '../../src/abi/types.js';
import { encodeQuerySet } from '../../src/codec/index.js';
import { bundledSets } from '../../src/dump/fixtures.js';
import { shapeOf } from '../../src/dump/plausibility.js';
import { type Candidate, scanQuerySets, scanQuerySetsReport } from '../../src/dump/scan.js';
import { type Region, RegionList } from '../../src/memory/region-list.js';
import type { BenchCase } from '../case.js';
import { compileNative, runNative } from '../native.js';

const REGION = 4 << 20;
const REGIONS = 64;
const TOTAL = REGION * REGIONS;

interface Built {
  space: RegionList;
  regions: Region[];
  planted: Set<number>;
}
let built: Built | undefined;

function build(): Built {
  if (built) return built;
  const sets = bundledSets();
  const regions: Region[] = [];
  const planted = new Set<number>();
  let seed = 0x9e3779b9;
  const next = () => {
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return seed;
  };
  for (let r = 0; r < REGIONS; r++) {
    const arch: Arch = r < REGIONS / 2 ? 'x86' : 'x64';
    const k = r % (REGIONS / 2);
    // Pairs of adjacent regions, then a gap of one region.
    const base = (arch === 'x86' ? 0x0040_0000 : 0x7ff6_0000_0000) + (Math.floor(k / 2) * 3 + (k % 2)) * REGION;
    const bytes = new Uint8Array(REGION);
    const words = new Uint32Array(bytes.buffer);
    for (let w = 0; w < words.length; w += 16) {
      const kind = next() % 8;
      for (let i = w; i < w + 16; i++) {
        switch (kind) {
          case 0:
          case 1:
          case 2:
            break;
          case 3:
            words[i] = 0x20202020 + (next() & 0x3f3f3f3f);
            break;
          case 4:
            words[i] = next() % 256;
            break;
          case 5:
            words[i] =
              (i & 1) === 0
                ? (base + (next() % REGION)) % 0x1_0000_0000
                : arch === 'x64'
                  ? Math.floor(base / 0x1_0000_0000)
                  : 0;
            break;
          default:
            words[i] = next();
        }
      }
    }
    const set = sets[r % 2 === 0 ? 0 : 1]!;
    const at = base + 0x10000 + (next() % 0x60000) * 8;
    const qs = { ...set.expected, dwSize: layoutOf(set.charset === 'W' ? 'WSAQUERYSETW' : 'WSAQUERYSETA', arch).size };
    bytes.set(encodeQuerySet(qs, { arch, charset: set.charset, base: at }), at - base);
    planted.add(at);
    regions.push({ base, bytes });
  }
  built = { space: new RegionList(regions, 'scan/256mb'), regions, planted };
  return built;
}

/** The layout table scan.c reads, in the order of its Shape struct. */
function layoutTable(arch: Arch): number[] {
  const s = shapeOf(arch);
  const fields = layoutOf('WSAQUERYSETW', arch).fields.map((f) => f.offset);
  const holes = s.holes.flat();
  return [
    s.size,
    s.ptr,
    ...fields,
    s.csaddr.size,
    s.csaddr.local,
    s.csaddr.remote,
    s.csaddr.sockaddr,
    s.csaddr.length,
    s.csaddr.socketType,
    s.csaddr.protocol,
    s.afp.size,
    s.afp.family,
    s.blob.size,
    s.blob.align,
    s.blob.cbSize,
    s.blob.pBlobData,
    s.version.size,
    s.version.ecHow,
    s.guid.align,
    s.minSockaddr.get(2)!,
    s.minSockaddr.get(23)!,
    s.minSockaddr.get(32)!,
    s.minSockaddr.get(6)!,
    layoutOf('SOCKADDR_STORAGE', arch).size,
    ...holes,
    ...new Array(16 - holes.length).fill(0),
    s.holes.length,
  ];
}

function writeCapture(file: string, b: Built): void {
  const parts: Uint8Array[] = [new TextEncoder().encode('RNRSCAN1')];
  for (const arch of ['x86', 'x64'] as const) {
    const table = layoutTable(arch);
    parts.push(new Uint8Array(Uint32Array.from([table.length, ...table]).buffer));
  }
  parts.push(new Uint8Array(BigUint64Array.from([BigInt(b.regions.length)]).buffer));
  for (const r of b.regions) {
    parts.push(new Uint8Array(BigUint64Array.from([BigInt(r.base), BigInt(r.bytes.length)]).buffer), r.bytes);
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** rnrkit's candidates as scan.c compares them: u64 count, then u64 address, i32 score, u32 arch (0 x86, 1 x64). */
function writeExpected(file: string, found: readonly Candidate[]): void {
  const out = new DataView(new ArrayBuffer(8 + 16 * found.length));
  out.setBigUint64(0, BigInt(found.length), true);
  found.forEach((c, i) => {
    out.setBigUint64(8 + 16 * i, BigInt(c.at), true);
    out.setInt32(16 + 16 * i, c.score, true);
    out.setUint32(20 + 16 * i, c.arch === 'x86' ? 0 : 1, true);
  });
  writeFileSync(file, new Uint8Array(out.buffer));
}

let checked = false;
/** Every candidate rnrkit finds (no cap), for scan.c to match. */
let everyCandidate: Candidate[] = [];
function setup(): void {
  const b = build();
  if (checked) return;
  // Not a benchmark of a broken scanner: every planted set must come first.
  everyCandidate = scanQuerySetsReport(b.space, { limit: Number.MAX_SAFE_INTEGER }).candidates;
  const found = everyCandidate;
  const top = new Set(found.slice(0, b.planted.size).map((c) => c.at));
  for (const at of b.planted)
    if (!top.has(at))
      throw new Error(`scan/256mb: planted set at 0x${at.toString(16)} is not among the top candidates`);
  process.stderr.write(`scan/256mb: ${found.length} candidates, the ${b.planted.size} planted sets first\n`);
  checked = true;
}

export const cases: BenchCase[] = [
  {
    name: 'scan/256mb',
    unit: 'byte',
    unitsPerCall: TOTAL,
    setup,
    fn: () => scanQuerySets(build().space).length,
  },
  {
    name: 'scan/256mb@c',
    unit: 'byte',
    setup,
    external: () => {
      const binary = compileNative('scan');
      const dir = mkdtempSync(join(tmpdir(), 'rnrkit-scan-bench-'));
      try {
        const file = join(dir, 'capture.bin');
        const expected = join(dir, 'expected.bin');
        writeCapture(file, build());
        writeExpected(expected, everyCandidate);
        return runNative(binary, [file, String(Number(process.env.RNRKIT_BENCH_SECONDS ?? 2)), expected]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
