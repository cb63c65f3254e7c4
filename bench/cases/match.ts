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
 *   algorithm over the same image bytes, compiled with cc -O2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { layoutOf } from '../../src/abi/layout.js';
import { writePointer } from '../../src/abi/pointer.js';
import type { CsAddrInfoJson } from '../../src/codec/canonical.js';
import { decodeQuerySet } from '../../src/codec/index.js';
import { AddressSet, CsAddrArrayView, substituteProtocol } from '../../src/match/index.js';
import { type AddressSpace, RegionList } from '../../src/memory/index.js';
import { prng } from '../../test/helpers/prng.js';
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

/** Lay the two query sets out in one flat x64 image, with offsets from layoutOf. */
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

  const qs = layoutOf('WSAQUERYSETW', ARCH);
  const ca = layoutOf('CSADDR_INFO', ARCH);
  const sa = layoutOf('SOCKET_ADDRESS', ARCH);
  const sockaddrBytes = (specs: Spec[]) =>
    specs.reduce((sum, s) => sum + ((s.local.length + 7) & ~7) + (s.remote ? 16 : 0), 0);
  const size = 2 * qs.size + 2 * n * ca.size + sockaddrBytes(registered) + sockaddrBytes(request);
  const image = new Uint8Array(size);
  const view = new DataView(image.buffer);
  let used = 0;
  const alloc = (length: number, align: number) => {
    const at = (used + align - 1) & ~(align - 1);
    used = at + length;
    return at;
  };
  const writeArray = (specs: Spec[]): number => {
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
    expectedMatches: half,
  };
}

const cache = new Map<number, Data>();
function data(n: number): Data {
  let d = cache.get(n);
  if (!d) {
    d = buildData(n);
    cache.set(n, d);
  }
  return d;
}

/** The timed work: register N, delete N (half match). Returns the matches, checked once in setup. */
function registerThenDelete(d: Data): number {
  const registered = AddressSet.fromView(new CsAddrArrayView(d.space, d.registeredArray, d.n, ARCH));
  return registered.deleteExact(new CsAddrArrayView(d.space, d.requestArray, d.n, ARCH)).matched.length;
}

function check(name: string, got: number, d: Data): void {
  if (got !== d.expectedMatches) throw new Error(`${name}: ${got} matches, expected ${d.expectedMatches}`);
}

function rnrkitCase(label: string, n: number): BenchCase {
  let d: Data;
  return {
    name: `match/${label}`,
    unit: 'entry',
    unitsPerCall: 2 * n,
    setup: () => {
      d = data(n);
      check(`match/${label}`, registerThenDelete(d), d);
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
 */
function nativeCase(label: string, n: number): BenchCase {
  let binary = '';
  let file = '';
  const seconds = String(Number(process.env.RNRKIT_BENCH_SECONDS ?? 2));
  return {
    name: `match/${label}@c`,
    unit: 'entry',
    setup: () => {
      const d = data(n);
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
      file = join(mkdtempSync(join(tmpdir(), 'rnrkit-bench-match-')), `match-${label}.bin`);
      const out = new Uint8Array(header.byteLength + d.image.length);
      out.set(new Uint8Array(header.buffer), 0);
      out.set(d.image, header.byteLength);
      writeFileSync(file, out);
      // One untimed pass that must find exactly the expected matches.
      const once = execFileSync(binary, [file, '0', ...layoutArgs()], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }).toString();
      if (!once.includes(`matched=${d.expectedMatches}\n`)) throw new Error(`match/${label}@c: ${once}`);
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

export const cases: BenchCase[] = [
  rnrkitCase('1k', 1_000),
  rnrkitCase('10k', 10_000),
  naiveCase('10k', 10_000),
  rnrkitCase('100k', 100_000),
  nativeCase('100k', 100_000),
  rnrkitCase('1m', 1_000_000),
  nativeCase('1m', 1_000_000),
];
