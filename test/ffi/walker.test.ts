/**
 * rnrkit for FFI callers: a query set encoded into a Node Buffer at that
 * Buffer's real address must be a WSAQUERYSETW/A a C program can walk. A
 * small C library is compiled with the host cc (x64 Linux: with DWORD as
 * uint32_t and WCHAR as uint16_t its layout of these structs is Windows
 * x64's, which the first test proves against the mingw-w64 probe), loaded
 * with koffi, and handed the address; it follows every pointer and prints
 * the canonical JSON of what it found, which must equal what was encoded,
 * for every fixture.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { encodedSize, encodeInto } from '../../src/codec/index.js';
import { goodSets } from '../helpers/codec-fixtures.js';
import { buildSharedLibrary } from './shared-library.js';

type Koffi = typeof import('koffi');
const koffi = createRequire(import.meta.url)('koffi') as Koffi;

const repo = fileURLToPath(new URL('../../', import.meta.url));
const hasCc = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;
const onX64 = process.arch === 'x64';
const skipReason = !hasCc
  ? 'cc is not installed: the C walker cannot be built'
  : !onX64
    ? `host is ${process.arch}, not x64: its struct layout is not Windows x64's`
    : '';

/** Every fixture set as x64 canonical JSON (the host's layout is x64's). */
const sets = goodSets().filter((g) => g.image.manifest.arch === 'x64');

interface Walker {
  walk: (address: bigint, wide: number, out: Buffer, cap: number) => number | bigint;
  layout: (out: Buffer, cap: number) => number | bigint;
  addressOf: (buffer: Buffer) => number | bigint;
}

let work = '';
let walker: Walker;

function callForJson(call: (out: Buffer, cap: number) => number | bigint): unknown {
  let out = Buffer.alloc(1 << 16);
  let length = Number(call(out, out.length));
  if (length > out.length) {
    out = Buffer.alloc(length);
    length = Number(call(out, out.length));
  }
  return JSON.parse(out.toString('latin1', 0, length));
}

if (skipReason) {
  describe('FFI: C walks rnrkit-encoded buffers', () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
} else {
  describe('FFI: C walks rnrkit-encoded buffers', () => {
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'rnrkit-ffi-'));
      const library = join(work, 'rnrkit-ffi-walker.so');
      buildSharedLibrary(library, ['test/ffi/walker.c']);
      const lib = koffi.load(library);
      walker = {
        walk: lib.func(
          'size_t rnr_walk_query_set(uint64_t address, int wide, void *out, size_t cap)',
        ) as Walker['walk'],
        layout: lib.func('size_t rnr_layout_json(void *out, size_t cap)') as Walker['layout'],
        addressOf: lib.func('uint64_t rnr_address_of(const void *p)') as Walker['addressOf'],
      };
    });
    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('the host compiler lays the structs out as mingw-w64 does for Windows x64', () => {
      const host = callForJson(walker.layout) as Record<string, { size: number; members: Record<string, number> }>;
      const truth = JSON.parse(readFileSync(join(repo, 'fixtures', 'abi', 'x64.json'), 'utf8')) as {
        structs: Record<string, { size: number; members: Record<string, { offset: number }> }>;
      };
      expect(Object.keys(host)).toEqual([
        'GUID',
        'WSAVERSION',
        'AFPROTOCOLS',
        'SOCKET_ADDRESS',
        'CSADDR_INFO',
        'BLOB',
        'WSAQUERYSETW',
        'WSAQUERYSETA',
      ]);
      for (const [name, layout] of Object.entries(host)) {
        expect(layout.size, name).toBe(truth.structs[name]!.size);
        for (const [member, offset] of Object.entries(layout.members))
          expect(offset, `${name}.${member}`).toBe(truth.structs[name]!.members[member]!.offset);
      }
    });

    it('a Buffer passed as a void * arrives as koffi.address(buffer): no copy, so encoded pointers stay valid', () => {
      const buffer = Buffer.alloc(4096);
      expect(BigInt(walker.addressOf(buffer))).toBe(koffi.address(buffer));
    });

    it('covers every x64 fixture set, W and A', () => {
      expect(sets.length).toBeGreaterThanOrEqual(15);
      expect(new Set(sets.map((s) => s.set.charset))).toEqual(new Set(['W', 'A']));
    });

    // At the start of a Buffer, and at an 8-aligned offset inside a larger one (encodeInto's offset/base pair).
    describe.each([0, 40])('encoded at offset %i of a Buffer', (offset) => {
      it.each(sets.map((g) => [g.set.name, g] as const))(
        '%s: what C sees equals what was encoded',
        (_name, { set, expected }) => {
          const options = { arch: 'x64' as const, charset: set.charset };
          // Buffer.alloc memory lives outside the JS heap and does not move while `buffer` is alive.
          const buffer = Buffer.alloc(offset + encodedSize(expected, options) + 16, 0xa5);
          const address = koffi.address(buffer) + BigInt(offset);
          encodeInto(expected, buffer, offset, Number(address), options);
          // What the README tells FFI callers to pass: the subarray arrives at the address encoded for.
          expect(BigInt(walker.addressOf(buffer.subarray(offset)))).toBe(address);
          const seen = callForJson((out, cap) =>
            walker.walk(address, set.charset === 'W' ? 1 : 0, out, cap),
          ) as QuerySetJson;
          expect(JSON.stringify(seen)).toBe(JSON.stringify(expected));
        },
      );
    });
  });
}
