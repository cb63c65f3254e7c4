/**
 * rnrkit/ffi's liveMemory on Linux: query sets C code built on its own heap
 * (test/ffi/heap_copy.h, one calloc per piece) decode through the process's
 * real memory, and pointers into no-access or unmapped pages are rnrkit
 * errors naming the member and the address, with the process still alive.
 * The C library is built with the host cc at test time, as walker.test.ts
 * does; on Linux x64 its structs have Windows x64's layout (win-types.h).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/abi/layout.js';
import { decodeQuerySet, encodedSize, encodeInto } from '../../src/codec/index.js';
import { InvalidDataError, MemoryError } from '../../src/errors.js';
import { copyOutOf } from '../../src/ffi/copy-out.js';
import { type LiveMemory, liveMemory, parseProcMaps } from '../../src/ffi/index.js';
import { BAD_SETS } from '../helpers/bad-sets.js';
import { goodSets } from '../helpers/codec-fixtures.js';
import { buildSharedLibrary } from './shared-library.js';

type Koffi = typeof import('koffi');
const koffi = createRequire(import.meta.url)('koffi') as Koffi;

const hasCc = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;
const skipReason =
  process.platform !== 'linux'
    ? `host is ${process.platform}: this suite reads /proc/self/maps`
    : !hasCc
      ? 'cc is not installed: the C library cannot be built'
      : process.arch !== 'x64'
        ? `host is ${process.arch}, not x64: its struct layout is not Windows x64's`
        : '';

const sets = goodSets().filter((g) => g.image.manifest.arch === 'x64');

interface Library {
  walk: (address: bigint, wide: number, out: Buffer, cap: number) => number | bigint;
  heapCopy: (address: bigint, wide: number) => bigint;
  badSet: (kind: number) => bigint;
  setInOwnPage: () => bigint;
  takePageAway: (address: bigint) => void;
}

describe.skipIf(skipReason !== '')(`liveMemory on Linux${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let work = '';
  let lib: Library;
  let live: LiveMemory;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'rnrkit-ffi-live-'));
    const library = join(work, 'rnrkit-ffi-live.so');
    buildSharedLibrary(library, ['test/ffi/walker.c', 'test/ffi/live.c']);
    const loaded = koffi.load(library);
    lib = {
      walk: loaded.func(
        'size_t rnr_walk_query_set(uint64_t address, int wide, void *out, size_t cap)',
      ) as Library['walk'],
      heapCopy: loaded.func('uint64_t rnr_heap_copy(uint64_t address, int wide)') as Library['heapCopy'],
      badSet: loaded.func('uint64_t rnr_bad_set(int kind)') as Library['badSet'],
      setInOwnPage: loaded.func('uint64_t rnr_set_in_own_page(void)') as Library['setInOwnPage'],
      takePageAway: loaded.func('void rnr_take_page_away(uint64_t address)') as Library['takePageAway'],
    };
    live = liveMemory(koffi);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function walk(address: bigint, wide: boolean): unknown {
    const out = Buffer.alloc(1 << 20);
    const length = Number(lib.walk(address, wide ? 1 : 0, out, out.length));
    expect(length).toBeLessThanOrEqual(out.length);
    return JSON.parse(out.toString('latin1', 0, length));
  }

  it.each(sets.map((g) => [g.set.name, g] as const))(
    '%s: a copy C built on its heap decodes to the fixture, as the C walker reads it',
    (_name, { set, expected }) => {
      const options = { arch: 'x64' as const, charset: set.charset };
      const buffer = Buffer.alloc(encodedSize(expected, options));
      encodeInto(expected, buffer, 0, Number(koffi.address(buffer)), options);
      const copy = lib.heapCopy(koffi.address(buffer), set.charset === 'W' ? 1 : 0);
      expect(copy).not.toBe(0n);
      buffer.fill(0); // the copy must not lean on rnrkit's buffer
      const decoded = decodeQuerySet(live, Number(copy), options);
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(expected));
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(walk(copy, set.charset === 'W')));
    },
  );

  it.each(BAD_SETS.map((b) => [b.name, b] as const))(
    '%s: a MemoryError naming the member and the address, and the process lives on',
    (_name, bad) => {
      const at = Number(lib.badSet(bad.kind));
      let error: unknown;
      try {
        decodeQuerySet(live, at, { arch: 'x64', charset: 'W' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MemoryError);
      const e = error as MemoryError;
      expect(e.path).toBe(bad.path);
      expect(e.message).toMatch(/0x[0-9a-f]+/);
      expect(e.message).toMatch(
        /is not readable memory of this process|is not in the captured memory|is not terminated/,
      );
      // The range named is one the process cannot read whole: it really is the bad one.
      expect(live.mappedLength(Number(e.address), Math.max(e.length, 1))).toBeLessThan(Math.max(e.length, 1));
      // Lenient decoding turns the same pointer into an unresolved part (the set itself excepted: it must be there).
      if (bad.kind !== 0) {
        const lenient = decodeQuerySet(live, at, { arch: 'x64', charset: 'W', lenient: true });
        expect((lenient.$unresolved as { path: string }[] | undefined)?.map((u) => u.path)).toEqual([bad.path]);
      }
    },
  );

  it('bounds a count before reading: a huge dwNumberOfCsAddrs is refused by maxCount, not read', () => {
    const at = Number(lib.badSet(1));
    const layout = layoutOf('WSAQUERYSETW', 'x64');
    const countAt = layout.field('dwNumberOfCsAddrs').offset;
    const view = Buffer.from(
      koffi.view(koffi.decode(Buffer.from(new BigUint64Array([BigInt(at)]).buffer), 'void *'), layout.size),
    );
    const count = view.readUInt32LE(countAt);
    expect(count).toBe(2);
    view.writeUInt32LE(0x4000_0000, countAt);
    try {
      expect(() => decodeQuerySet(live, at, { arch: 'x64', charset: 'W' })).toThrow(InvalidDataError);
      expect(() => decodeQuerySet(live, at, { arch: 'x64', charset: 'W' })).toThrow(
        /lpcsaBuffer: dwNumberOfCsAddrs = 1073741824 exceeds maxCount/,
      );
    } finally {
      view.writeUInt32LE(count, countAt);
    }
  });

  it('sees memory mapped after an earlier decode: the map is re-read for each synchronous run', async () => {
    const first = Number(lib.badSet(1));
    expect(decodeQuerySet(live, first, { arch: 'x64', charset: 'W', lenient: true }).dwNumberOfCsAddrs).toBe(2);
    await Promise.resolve();
    const options = { arch: 'x64' as const, charset: 'W' as const };
    const expected = sets.find((s) => s.set.name === 'every_member')!.expected;
    const buffer = Buffer.alloc(encodedSize(expected, options));
    encodeInto(expected, buffer, 0, Number(koffi.address(buffer)), options);
    const copy = Number(lib.heapCopy(koffi.address(buffer), 1));
    expect(decodeQuerySet(live, copy, options)).toEqual(expected);
  });

  it('sees memory mapped by C in the same synchronous run: an unreadable answer is asked again', () => {
    const first = Number(lib.badSet(1));
    expect(decodeQuerySet(live, first, { arch: 'x64', charset: 'W', lenient: true }).dwNumberOfCsAddrs).toBe(2);
    // New pages, mapped after the map was read: the name starts in a readable one and runs into a no-access one.
    const fresh = Number(lib.badSet(3));
    expect(() => decodeQuerySet(live, fresh, { arch: 'x64', charset: 'W' })).toThrow(
      /lpszServiceInstanceName: string at 0x[0-9a-f]+ is not terminated/,
    );
  });

  it('forget(): memory C took away in the same synchronous run is an error after forget, not a fault', () => {
    const page = lib.setInOwnPage();
    expect(decodeQuerySet(live, Number(page), { arch: 'x64', charset: 'W' }).dwNameSpace).toBe(12);
    lib.takePageAway(page);
    live.forget();
    expect(() => decodeQuerySet(live, Number(page), { arch: 'x64', charset: 'W' })).toThrow(
      /^WSAQUERYSETW: 0x[0-9a-f]+\+120 is not readable memory of this process$/,
    );
  });

  it('lists the readable ranges: ascending, apart, and one holds a Buffer of this process', () => {
    const buffer = Buffer.alloc(64);
    const address = Number(koffi.address(buffer));
    const ranges = live.ranges();
    for (let i = 1; i < ranges.length; i++)
      expect(ranges[i]!.base).toBeGreaterThan(ranges[i - 1]!.base + ranges[i - 1]!.length);
    expect(ranges.some((r) => address >= r.base && address + 64 <= r.base + r.length)).toBe(true);
  });

  it('parses /proc/self/maps: readable ranges only, adjacent ones merged, nothing at or beyond 2^53', () => {
    const text = [
      '55d0c0000000-55d0c0001000 r--p 00000000 08:01 1 /usr/bin/node',
      '55d0c0001000-55d0c0003000 r-xp 00001000 08:01 1 /usr/bin/node',
      '55d0c0003000-55d0c0004000 ---p 00000000 00:00 0',
      '55d0c0004000-55d0c0005000 rw-p 00000000 00:00 0 [heap]',
      'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]',
      'fffffffffff00000-fffffffffff01000 r--p 00000000 00:00 0 [made up]',
      '',
    ].join('\n');
    expect(parseProcMaps(text)).toEqual([
      { base: 0x55d0c0000000, length: 0x3000 },
      { base: 0x55d0c0004000, length: 0x1000 },
    ]);
  });

  it("copies through koffi alone where the C library's copy cannot be loaded", () => {
    const copy = copyOutOf({
      ...koffi,
      load: () => {
        throw new Error('no such library');
      },
    } as Koffi);
    const source = Buffer.from('0123456789abcdef');
    const into = new Uint8Array(10);
    copy(Number(koffi.address(source)) + 3, into, 10);
    expect(Buffer.from(into).toString()).toBe('3456789abc');
  });

  it('refuses anything but the koffi module', () => {
    expect(() => liveMemory({} as Koffi)).toThrow(/pass the koffi module/);
  });
});
