/**
 * Address matching benchmarks (named area/case as docs/benchmarks.md describes).
 *
 * Data (seeded, deterministic): one x64 memory image holding two
 * WSAQUERYSETW fixed parts, "registered" with N unique CSADDR_INFO entries
 * (mixed IPv4/IPv6, TCP/UDP, some IPROTOCOL_ANY, some with a RemoteAddr)
 * and "request" with N entries of which half are copies of registered ones
 * (same bytes behind other pointers; an IPROTOCOL_ANY sometimes requested
 * as the protocol it stands for) and half are addresses never registered.
 *
 * One call = what a provider does for REGISTER then DELETE|SERVICE_MULTIPLE:
 * build an AddressSet from the registered view, then deleteExact the
 * request view. Entries counted per call: N registered + N requested.
 *
 * - match/1k, 10k, 100k, 1m: rnrkit (zero-copy views, hash index);
 * - match/10k@naive: decode both query sets to objects with the codec, then
 *   compare every request entry with every registered one (O(N²));
 * - match/100k@c, match/1m@c: bench/native/match.c, the same hash-based
 *   algorithm over the same image bytes, compiled with cc -O2;
 * - match/collide-32k: addresses chosen to share one fast hash under every
 *   seed (record.ts explains how), 32,768 registered and a request of
 *   16,384 of them plus 16,384 never registered that collide as well; the
 *   set must switch to its keyed hash and stay linear (checked in setup
 *   with probedSlots);
 * - match/collide-32k@random: the same shapes and counts with random bytes;
 * - match/collide-32k@c: match.c on the colliding addresses, which must
 *   switch to its keyed hash too (it says so in its check run).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { layoutOf } from '../../src/abi/layout.js';
import { writePointer } from '../../src/abi/pointer.js';
import type { CsAddrInfoJson } from '../../src/codec/canonical.js';
import { decodeQuerySet } from '../../src/codec/index.js';
import { probedSlots } from '../../src/match/address-set.js';
import { AddressSet, CsAddrArrayView, substituteProtocol } from '../../src/match/index.js';
import { type AddressSpace, RegionList } from '../../src/memory/index.js';
import { COLLIDING_PAIRS, collidingRecords, LOCAL_WORDS, randomRecord } from '../../test/helpers/colliding-records.js';
import { prng, randomWords } from '../../test/helpers/prng.js';
import type { BenchCase } from '../case.js';
import { compileNative, runNative } from '../native.js';

const BASE = 0x1_2340_0000;
const ARCH = 'x64';

interface Spec {
  local: Uint8Array;
  remote: Uint8Array | null;
  type: number;
  protocol: number;
}

/**
 * Entry `index` of a family of unique addresses: the index is in the
 * address bytes, and `fresh` entries use other prefixes (172.16/12,
 * fd00::/8) than registered ones (10/8, 2001:db8::/32), so a fresh entry
 * can never match a registered one.
 */
function makeSpec(random: () => number, index: number, fresh: boolean): Spec {
  const port = 1024 + Math.floor(random() * 60000);
  const v6 = random() < 0.4;
  let local: Uint8Array;
  if (v6) {
    local = new Uint8Array(28);
    local.set([23, 0, port >> 8, port & 0xff]);
    local.set(fresh ? [0xfd, 0, 0, 0] : [0x20, 0x01, 0x0d, 0xb8], 8);
    for (let k = 12; k < 20; k++) local[k] = Math.floor(random() * 256);
    local.set([0, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff], 20);
  } else {
    local = new Uint8Array(16);
    local.set([
      2,
      0,
      port >> 8,
      port & 0xff,
      fresh ? 172 : 10,
      (index >>> 16) & 0xff,
      (index >>> 8) & 0xff,
      index & 0xff,
    ]);
  }
  const remote =
    random() < 0.2
      ? Uint8Array.from([2, 0, 0, 80, 192, 0, 2, Math.floor(random() * 256), 0, 0, 0, 0, 0, 0, 0, 0])
      : null;
  const type = random() < 0.7 ? 1 : 2;
  const protocol = random() < 0.1 ? -1 : type === 1 ? 6 : 17;
  return { local, remote, type, protocol };
}

interface Data {
  readonly n: number;
  readonly image: Uint8Array;
  readonly space: AddressSpace;
  readonly registeredSet: number;
  readonly requestSet: number;
  readonly registeredArray: number;
  readonly requestArray: number;
  readonly expectedMatches: number;
}

const copySpec = (s: Spec): Spec => ({ ...s, local: s.local.slice(), remote: s.remote?.slice() ?? null });

/** N registered entries and a request of N: half copies of distinct registered ones, half fresh; both shuffled by `random`. */
function requestOf(random: () => number, registered: readonly Spec[], fresh: readonly Spec[]): Spec[] {
  const n = registered.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const half = n >> 1;
  for (let i = 0; i < half; i++) {
    const j = i + Math.floor(random() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const request = order.slice(0, half).map((i) => copySpec(registered[i]!));
  request.push(...fresh.slice(0, n - half));
  for (let i = request.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [request[i], request[j]] = [request[j]!, request[i]!];
  }
  return request;
}

function buildData(n: number): Data {
  const random = prng(0x5eed_0000 + n);
  const registered = Array.from({ length: n }, (_, i) => makeSpec(random, i, false));
  // Half the request: distinct registered entries (partial Fisher–Yates), half fresh.
  const order = Array.from({ length: n }, (_, i) => i);
  const half = n >> 1;
  for (let i = 0; i < half; i++) {
    const j = i + Math.floor(random() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const request: Spec[] = [];
  for (let i = 0; i < half; i++) {
    const r = registered[order[i]!]!;
    const protocol = r.protocol === -1 && random() < 0.5 ? substituteProtocol(r.local[0]!, r.type, -1) : r.protocol;
    request.push({ local: r.local.slice(), remote: r.remote?.slice() ?? null, type: r.type, protocol });
  }
  for (let i = half; i < n; i++) request.push(makeSpec(random, i, true));
  for (let i = request.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [request[i], request[j]] = [request[j]!, request[i]!];
  }
  return layOut(registered, request, half);
}

/** Lay the two query sets out in one flat x64 image, with offsets from layoutOf. */
function layOut(registered: readonly Spec[], request: readonly Spec[], expectedMatches: number): Data {
  const n = registered.length;
  if (request.length !== n) throw new Error('match bench: the request must have as many entries as the registered set');
  const qs = layoutOf('WSAQUERYSETW', ARCH);
  const ca = layoutOf('CSADDR_INFO', ARCH);
  const sa = layoutOf('SOCKET_ADDRESS', ARCH);
  const sockaddrBytes = (specs: readonly Spec[]) =>
    specs.reduce((sum, s) => sum + ((s.local.length + 7) & ~7) + (((s.remote?.length ?? 0) + 7) & ~7), 0);
  const size = 2 * qs.size + 2 * n * ca.size + sockaddrBytes(registered) + sockaddrBytes(request);
  const image = new Uint8Array(size);
  const view = new DataView(image.buffer);
  let used = 0;
  const alloc = (length: number, align: number) => {
    const at = (used + align - 1) & ~(align - 1);
    used = at + length;
    return at;
  };
  const writeArray = (specs: readonly Spec[]): number => {
    const array = alloc(n * ca.size, ca.align);
    specs.forEach((s, i) => {
      const e = array + i * ca.size;
      for (const [member, bytes] of [
        ['LocalAddr', s.local],
        ['RemoteAddr', s.remote],
      ] as const) {
        const m = e + ca.field(member).offset;
        let pointer = 0;
        if (bytes) {
          const at = alloc(bytes.length, 8);
          image.set(bytes, at);
          pointer = BASE + at;
        }
        writePointer(view, m + sa.field('lpSockaddr').offset, ARCH, pointer);
        view.setInt32(m + sa.field('iSockaddrLength').offset, bytes ? bytes.length : 0, true);
      }
      view.setInt32(e + ca.field('iSocketType').offset, s.type, true);
      view.setInt32(e + ca.field('iProtocol').offset, s.protocol, true);
    });
    return BASE + array;
  };
  const writeSet = (array: number): number => {
    const at = alloc(qs.size, qs.align);
    view.setUint32(at + qs.field('dwSize').offset, qs.size, true);
    view.setUint32(at + qs.field('dwNumberOfCsAddrs').offset, n, true);
    writePointer(view, at + qs.field('lpcsaBuffer').offset, ARCH, array);
    return BASE + at;
  };
  const registeredArray = writeArray(registered);
  const requestArray = writeArray(request);
  const registeredSet = writeSet(registeredArray);
  const requestSet = writeSet(requestArray);
  return {
    n,
    image,
    space: RegionList.flat(image, BASE),
    registeredSet,
    requestSet,
    registeredArray,
    requestArray,
    expectedMatches,
  };
}

/** A TCP entry whose record words are `record` (header words 0–3 are implied: 1, 6, 128, 16). */
function specOfRecord(record: Int32Array): Spec {
  const bytes = new Uint8Array(record.buffer, record.byteOffset, record.byteLength);
  return {
    local: bytes.slice(16, 16 + LOCAL_WORDS * 4),
    remote: bytes.slice(16 + LOCAL_WORDS * 4),
    type: 1,
    protocol: 6,
  };
}

/** Registered: the 2^15 colliding entries whose top pair is as drawn; the request mixes them with the other 2^15. */
function buildColliding(): Data {
  const all = collidingRecords(randomWords(0xf100d)).map(specOfRecord);
  const half = all.length >> 1;
  const registered = all.slice(0, half);
  const random = prng(0xc011_1de);
  return layOut(registered, requestOf(random, registered, all.slice(half)), half >> 1);
}

/** buildColliding's shapes and counts, with random bytes. */
function buildRandomShaped(): Data {
  const words = randomWords(0x5eed_c011);
  const n = COLLIDING;
  const registered = Array.from({ length: n }, () => specOfRecord(randomRecord(words)));
  const fresh = Array.from({ length: n }, () => specOfRecord(randomRecord(words)));
  return layOut(registered, requestOf(prng(0xc011_1de), registered, fresh), n >> 1);
}

const cache = new Map<string, Data>();
function cached(key: string, build: () => Data): Data {
  let d = cache.get(key);
  if (!d) {
    d = build();
    cache.set(key, d);
  }
  return d;
}
const data = (n: number): Data => cached(String(n), () => buildData(n));
const colliding = (): Data => cached('colliding', buildColliding);
const randomShaped = (): Data => cached('random-shaped', buildRandomShaped);

/** The timed work: register N, delete N (half match). Returns the matches, checked once in setup. */
function registerThenDelete(d: Data): number {
  const registered = AddressSet.fromView(new CsAddrArrayView(d.space, d.registeredArray, d.n, ARCH));
  return registered.deleteExact(new CsAddrArrayView(d.space, d.requestArray, d.n, ARCH)).matched.length;
}

function check(name: string, got: number, d: Data): void {
  if (got !== d.expectedMatches) throw new Error(`${name}: ${got} matches, expected ${d.expectedMatches}`);
}

/**
 * rnrkit registering then deleting `source()`'s N entries. Its check run
 * must find the expected matches and probe at most PROBES_PER_ENTRY slots
 * per entry: a set that kept its fast hash on colliding addresses would
 * probe about N²/2 (and this bench would take minutes, not seconds).
 */
const PROBES_PER_ENTRY = 16;
function rnrkitCase(name: string, n: number, source: () => Data): BenchCase {
  let d: Data;
  return {
    name,
    unit: 'entry',
    unitsPerCall: 2 * n,
    setup: () => {
      d = source();
      const before = probedSlots();
      check(name, registerThenDelete(d), d);
      const probes = probedSlots() - before;
      if (probes > PROBES_PER_ENTRY * 2 * n)
        throw new Error(
          `${name}: ${probes} slots probed for ${2 * n} entries, more than ${PROBES_PER_ENTRY} per entry`,
        );
    },
    fn: () => registerThenDelete(d),
  };
}

/** Decoded with the codec, the protocol substituted once per entry, and hex strings compared pairwise. */
interface Decoded {
  type: number;
  protocol: number;
  local: string;
  remote: string;
}

function decodeAll(d: Data, at: number): Decoded[] {
  const qs = decodeQuerySet(d.space, at, { arch: ARCH, charset: 'W' });
  return (qs.lpcsaBuffer ?? []).map((e: CsAddrInfoJson) => {
    const local = e.LocalAddr.lpSockaddr === null || e.LocalAddr.iSockaddrLength === 0 ? '' : e.LocalAddr.lpSockaddr;
    const remote =
      e.RemoteAddr.lpSockaddr === null || e.RemoteAddr.iSockaddrLength === 0 ? '' : e.RemoteAddr.lpSockaddr;
    const familyHex = local || remote;
    const family = familyHex.length >= 4 ? parseInt(familyHex.slice(2, 4) + familyHex.slice(0, 2), 16) : -1;
    return { type: e.iSocketType, protocol: substituteProtocol(family, e.iSocketType, e.iProtocol), local, remote };
  });
}

function naiveRegisterThenDelete(d: Data): number {
  const registered = decodeAll(d, d.registeredSet);
  const request = decodeAll(d, d.requestSet);
  const deleted = new Uint8Array(registered.length);
  let matched = 0;
  for (const r of request) {
    for (let j = 0; j < registered.length; j++) {
      const e = registered[j]!;
      if (e.type === r.type && e.protocol === r.protocol && e.local === r.local && e.remote === r.remote) {
        deleted[j] = 1;
        matched++;
        break;
      }
    }
  }
  return matched;
}

function naiveCase(label: string, n: number): BenchCase {
  let d: Data;
  return {
    name: `match/${label}@naive`,
    unit: 'entry',
    unitsPerCall: 2 * n,
    setup: () => {
      d = data(n);
      check(`match/${label}@naive`, naiveRegisterThenDelete(d), d);
    },
    fn: () => naiveRegisterThenDelete(d),
  };
}

/**
 * The C baseline reads a file: seven little-endian u64 (magic "RNRMATCH",
 * base, registered array, request array, N, expected matches, image
 * length) and the image. The CSADDR_INFO offsets come from layoutOf on the
 * command line, so C and TypeScript read the same members at the same places.
 * Its check run must find the expected matches and say whether its set
 * switched to the keyed hash: `keyed` for colliding addresses, never for
 * random ones (then it would not be doing what the TypeScript does).
 */
function nativeCase(name: string, n: number, source: () => Data, keyed: boolean): BenchCase {
  let binary = '';
  let file = '';
  const seconds = String(Number(process.env.RNRKIT_BENCH_SECONDS ?? 2));
  return {
    name,
    unit: 'entry',
    setup: () => {
      const d = source();
      binary = compileNative('match');
      const header = new BigUint64Array([
        0x4843_5441_4d52_4e52n,
        BigInt(BASE),
        BigInt(d.registeredArray),
        BigInt(d.requestArray),
        BigInt(n),
        BigInt(d.expectedMatches),
        BigInt(d.image.length),
      ]);
      file = join(mkdtempSync(join(tmpdir(), 'rnrkit-bench-match-')), 'match.bin');
      const out = new Uint8Array(header.byteLength + d.image.length);
      out.set(new Uint8Array(header.buffer), 0);
      out.set(d.image, header.byteLength);
      writeFileSync(file, out);
      // One untimed pass that must find exactly the expected matches.
      const once = execFileSync(binary, [file, '0', ...layoutArgs()], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }).toString();
      if (!once.includes(`matched=${d.expectedMatches} keyed=${keyed ? 1 : 0} `)) throw new Error(`${name}: ${once}`);
    },
    external: () => {
      try {
        return runNative(binary, [file, seconds, ...layoutArgs()]);
      } finally {
        rmSync(dirname(file), { recursive: true, force: true });
      }
    },
  };
}

function layoutArgs(): string[] {
  const ca = layoutOf('CSADDR_INFO', ARCH);
  const sa = layoutOf('SOCKET_ADDRESS', ARCH);
  const local = ca.field('LocalAddr').offset;
  const remote = ca.field('RemoteAddr').offset;
  return [
    ca.size,
    sa.field('lpSockaddr').size,
    local + sa.field('lpSockaddr').offset,
    local + sa.field('iSockaddrLength').offset,
    remote + sa.field('lpSockaddr').offset,
    remote + sa.field('iSockaddrLength').offset,
    ca.field('iSocketType').offset,
    ca.field('iProtocol').offset,
    layoutOf('SOCKADDR_STORAGE', ARCH).size,
  ].map(String);
}

const COLLIDING = 1 << (COLLIDING_PAIRS - 1);

export const cases: BenchCase[] = [
  rnrkitCase('match/1k', 1_000, () => data(1_000)),
  rnrkitCase('match/10k', 10_000, () => data(10_000)),
  naiveCase('10k', 10_000),
  rnrkitCase('match/100k', 100_000, () => data(100_000)),
  nativeCase('match/100k@c', 100_000, () => data(100_000), false),
  rnrkitCase('match/1m', 1_000_000, () => data(1_000_000)),
  nativeCase('match/1m@c', 1_000_000, () => data(1_000_000), false),
  rnrkitCase('match/collide-32k', COLLIDING, colliding),
  rnrkitCase('match/collide-32k@random', COLLIDING, randomShaped),
  nativeCase('match/collide-32k@c', COLLIDING, colliding, true),
];
