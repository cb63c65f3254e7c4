/**
 * rnrkit in real Windows processes, x64 and x86, under Wine (docs/ffi.md,
 * "Tested in Windows processes"). Windows Node runs test/windows/suite.mjs
 * beside rnrkit-ffi.dll (test/windows/native/rnrkit_ffi.c) and writes what
 * it saw to a file; this side asserts it. The recipes of docs/ffi.md are
 * extracted and run as written in both archs.
 *
 * Runs when RNRKIT_WINDOWS_SUITE=1 (.ci/services/wine.sh sets it); a piece
 * that is missing skips what needs it with one line naming the piece.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutOf, type ResolvedType, type StructLayout } from '../../src/abi/layout.js';
import { PUBLIC_STRUCTS } from '../../src/abi/structs.js';
import type { Arch } from '../../src/abi/types.js';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { MEMORY_BASIC_INFORMATION } from '../../src/ffi/virtual-query.js';
import { BAD_SETS } from '../helpers/bad-sets.js';
import { goodSets } from '../helpers/codec-fixtures.js';
import { buildDll, MINGW } from './build-dll.js';
import { WINDOWS_NODE, windowsNode } from './windows-node.js';
import { hasCommand, WinePrefix, windowsPath } from './wine.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const enabled = process.env.RNRKIT_WINDOWS_SUITE === '1';
if (!enabled)
  console.log(
    'Windows process suite skipped: RNRKIT_WINDOWS_SUITE is not 1 (.ci/services/wine.sh sets it when Wine and the Windows Node builds are there)',
  );
const ARCHES = ['x64', 'x86'] as const;

/** Microseconds per operation: the median batch and the fastest. */
interface Timing {
  median: number;
  fastest: number;
}

interface SuiteOutput {
  arch: Arch;
  node: string;
  pointerSize: number;
  done?: boolean;
  fatal?: string;
  probe: string;
  ranges: { count: number; ascendingApart: boolean; holdsScratch: boolean };
  addressOf: { koffi: string; dll: string; subarray: string };
  encoded: { name: string; offset: number; address: number; walked: string }[];
  built: { name: string; charset: string; at: number; walked: string; decoded?: string; error?: string }[];
  packed: {
    name: string;
    charset: string;
    first: number;
    needed: number;
    second: number;
    walked: string;
    decoded?: string;
    error?: string;
  }[];
  bad: {
    kind: number;
    at: number;
    error: { name: string; path: string; message: string; address: string | null; length: number | null } | null;
    unresolved?: { path: string; address: string; reason: string }[];
    unresolvedError?: string;
  }[];
  speed: { name: string; bytes: number; roundTripMicros: Timing; liveDecodeMicros: Timing }[];
  ws2_32: Record<string, { result: number; error: number }>;
}

/** The recipes of docs/ffi.md: each ```js block right after a `<!-- recipe: NAME -->` line. */
function recipes(): { name: string; code: string }[] {
  const doc = readFileSync(join(repo, 'docs', 'ffi.md'), 'utf8');
  return [...doc.matchAll(/<!-- recipe: ([\w-]+) -->\n```js\n([\s\S]*?)```/g)].map((m) => ({
    name: m[1]!,
    code: m[2]!,
  }));
}

const state: Record<
  Arch,
  {
    missing?: string;
    broken?: string;
    output?: SuiteOutput;
    recipes: Map<string, { status: number | null; stdout: string; stderr: string }>;
  }
> = {
  x64: { recipes: new Map() },
  x86: { recipes: new Map() },
};
let prefix: WinePrefix | undefined;

function need(arch: Arch, skip: (note: string) => void): SuiteOutput {
  const s = state[arch];
  if (s.missing) skip(s.missing);
  // A piece that is there but fails is a failure, not a skip.
  if (s.broken) throw new Error(s.broken);
  return s.output!;
}

/** "#PROBE name value" lines into fixtures/abi/<arch>.json's `structs` shape. */
function parseProbe(
  text: string,
): Record<string, { size: number; align: number; members: Record<string, Record<string, number>> }> {
  const structs: Record<string, { size: number; align: number; members: Record<string, Record<string, number>> }> = {};
  for (const line of text.split('\n')) {
    const m = /^#PROBE (\S+) (-?\d+)$/.exec(line);
    if (!m) continue;
    const parts = m[1]!.split('.');
    if (parts[0] === 'const') continue;
    structs[parts[0]!] ??= { size: 0, align: 0, members: {} };
    const struct = structs[parts[0]!]!;
    if (parts.length === 2) {
      struct[parts[1] as 'size' | 'align'] = Number(m[2]);
      continue;
    }
    const member = parts.slice(1, -1).join('.');
    struct.members[member] ??= {};
    struct.members[member]![parts.at(-1)!] = Number(m[2]);
  }
  return structs;
}

/** A dotted member path (`S_un.S_un_w.s_w2`) placed through nested aggregates. */
function place(layout: StructLayout, path: string): { offset: number; size: number; resolved: ResolvedType } {
  const [head, ...rest] = path.split('.');
  const field = layout.field(head!);
  if (rest.length === 0) return { offset: field.offset, size: field.size, resolved: field.resolved };
  if (field.resolved.kind !== 'aggregate') throw new Error(`${path}: ${head} is not an aggregate`);
  const inner = place(field.resolved.layout, rest.join('.'));
  return { offset: field.offset + inner.offset, size: inner.size, resolved: inner.resolved };
}

/** The Bluetooth blob holds addresses inside the DLL: everything else of the set must match. */
function withoutBthBlobBytes(json: QuerySetJson): unknown {
  if (json.lpBlob === null || json.dwNameSpace !== 16) return json;
  return {
    ...json,
    lpBlob: {
      cbSize: json.lpBlob.cbSize,
      pBlobData: json.lpBlob.pBlobData === null ? null : `${json.lpBlob.pBlobData.length} hex digits`,
    },
  };
}

describe.skipIf(!enabled)(
  `Windows processes under Wine${enabled ? '' : ' (skipped: set RNRKIT_WINDOWS_SUITE=1, as .ci/services/wine.sh does, to run the x64/x86 suite)'}`,
  () => {
    beforeAll(() => {
      const tools = !hasCommand('wine')
        ? 'wine is not installed'
        : !hasCommand(MINGW.x64) || !hasCommand(MINGW.x86)
          ? 'mingw-w64 (i686 and x86_64 gcc) is not installed'
          : undefined;
      if (tools) {
        for (const arch of ARCHES) state[arch].missing = tools;
        return;
      }
      prefix = new WinePrefix();
      const booted = prefix.boot();
      for (const arch of ARCHES) {
        const s = state[arch];
        if (booted) {
          s.missing = booted;
          continue;
        }
        const node = windowsNode(arch);
        if ('missing' in node) {
          s.missing = node.missing;
          continue;
        }
        const dll = buildDll(arch, prefix.root);
        const inputPath = join(prefix.root, `input-${arch}.json`);
        const outputPath = join(prefix.root, `output-${arch}.json`);
        const sets = goodSets()
          .filter((g) => g.image.manifest.arch === arch)
          .map((g) => ({ name: g.set.name, charset: g.set.charset, expected: g.expected }));
        writeFileSync(inputPath, JSON.stringify({ dll: windowsPath(dll), sets }));
        const run = prefix.run(node.exe, [
          windowsPath(join(repo, 'test', 'windows', 'suite.mjs')),
          windowsPath(inputPath),
          windowsPath(outputPath),
        ]);
        const { package: name, version } = WINDOWS_NODE[arch];
        if (!existsSync(outputPath)) {
          s.missing = `${name}@${version} did not run under Wine here (status ${String(run.status)}): ${(run.stderr.trim().split('\n').pop() ?? '').slice(0, 200)}`;
          continue;
        }
        s.output = JSON.parse(readFileSync(outputPath, 'utf8')) as SuiteOutput;
        if (!s.output.done) {
          s.broken = `the suite stopped in ${name}@${version}: ${s.output.fatal ?? 'no reason given'}`;
          continue;
        }
        // The recipes, as written, from a folder whose node_modules holds rnrkit (this checkout) and koffi.
        const recipeDir = join(prefix.root, `recipes-${arch}`);
        mkdirSync(join(recipeDir, 'node_modules'), { recursive: true });
        symlinkSync(repo, join(recipeDir, 'node_modules', 'rnrkit'));
        symlinkSync(join(repo, 'node_modules', 'koffi'), join(recipeDir, 'node_modules', 'koffi'));
        for (const recipe of recipes()) {
          const file = join(recipeDir, `${recipe.name}.mjs`);
          writeFileSync(file, recipe.code);
          s.recipes.set(recipe.name, prefix.run(node.exe, [windowsPath(file)]));
        }
      }
      for (const arch of ARCHES)
        if (state[arch].missing) console.log(`Windows ${arch} suite skipped: ${state[arch].missing}`);
    }, 600_000);

    afterAll(() => prefix?.close());

    describe.each(ARCHES)('%s Windows Node', (arch) => {
      const pointerSize = arch === 'x64' ? 8 : 4;
      const sets = goodSets().filter((g) => g.image.manifest.arch === arch);

      it(`runs as a ${arch} process: koffi's win32 build loads, pointers are ${pointerSize} bytes, a Buffer arrives at koffi.address`, ({
        skip,
      }) => {
        const out = need(arch, skip);
        expect(out.arch).toBe(arch);
        expect(out.node).toBe(`v${WINDOWS_NODE[arch].version}`);
        expect(out.pointerSize).toBe(pointerSize);
        expect(out.addressOf.dll).toBe(out.addressOf.koffi);
        expect(BigInt(out.addressOf.subarray)).toBe(BigInt(out.addressOf.koffi) + 8n);
        if (arch === 'x86') expect(BigInt(out.addressOf.koffi)).toBeLessThan(1n << 32n);
      });

      it(`the DLL's exports are ${arch === 'x86' ? '__stdcall (callee pops its arguments: _name@bytes before --kill-at)' : 'the one x64 convention'}`, ({
        skip,
      }) => {
        need(arch, skip);
        const symbols = execFileSync(MINGW[arch].replace(/gcc$/, 'nm'), [join(prefix!.root, `rnrkit_ffi-${arch}.o`)], {
          encoding: 'utf8',
        });
        const defined = symbols
          .split('\n')
          .filter((l) => / T /.test(l))
          .map((l) => l.split(' ').pop()!);
        if (arch === 'x86') {
          expect(defined).toEqual(
            expect.arrayContaining([
              '_rnr_walk_query_set@16',
              '_rnr_build_fixture_set@4',
              '_rnr_pack_fixture_set@12',
              '_rnr_bad_set@4',
              '_rnr_probe_text@8',
              '_rnr_fixture_list_json@8',
              '_rnr_address_of@4',
            ]),
          );
        } else {
          expect(defined).toEqual(
            expect.arrayContaining([
              'rnr_walk_query_set',
              'rnr_build_fixture_set',
              'rnr_pack_fixture_set',
              'rnr_bad_set',
              'rnr_probe_text',
            ]),
          );
        }
      });

      it('liveMemory lists the readable ranges VirtualQuery reports: ascending, apart, one holds a Buffer', ({
        skip,
      }) => {
        const out = need(arch, skip);
        expect(out.ranges.count).toBeGreaterThan(10);
        expect(out.ranges.ascendingApart).toBe(true);
        expect(out.ranges.holdsScratch).toBe(true);
      });

      it('the running process lays out every structure of the schema as layoutOf does (and as the compile-time probe did)', ({
        skip,
      }) => {
        const out = need(arch, skip);
        const live = parseProbe(out.probe);
        const truth = JSON.parse(readFileSync(join(repo, 'fixtures', 'abi', `${arch}.json`), 'utf8')) as {
          structs: Record<string, unknown>;
        };
        const { MEMORY_BASIC_INFORMATION: mbi, ...schemaStructs } = live;
        expect(schemaStructs).toEqual(truth.structs);
        expect(Object.keys(schemaStructs).sort()).toEqual([...PUBLIC_STRUCTS].sort());
        for (const name of PUBLIC_STRUCTS) {
          const layout = layoutOf(name, arch);
          const probed = schemaStructs[name]!;
          expect({ size: layout.size, align: layout.align }, name).toEqual({ size: probed.size, align: probed.align });
          for (const [member, where] of Object.entries(probed.members)) {
            const placed = place(layout, member);
            expect({ offset: placed.offset, size: placed.size }, `${name}.${member}`).toEqual({
              offset: where.offset,
              size: where.size,
            });
          }
        }
        const ours = MEMORY_BASIC_INFORMATION[arch];
        expect(mbi).toEqual({
          size: ours.size,
          align: 0,
          members: {
            BaseAddress: { offset: ours.BaseAddress },
            RegionSize: { offset: ours.RegionSize },
            State: { offset: ours.State },
            Protect: { offset: ours.Protect },
          },
        });
      });

      it('covers every codec fixture set of the arch, W and A, in every direction', ({ skip }) => {
        const out = need(arch, skip);
        const names = sets.map((g) => g.set.name).sort();
        expect(names.length).toBeGreaterThanOrEqual(15);
        expect([...new Set(out.encoded.map((e) => e.name))].sort()).toEqual(names);
        expect(out.built.map((b) => b.name).sort()).toEqual(names);
        expect(out.packed.map((b) => b.name).sort()).toEqual(names);
      });

      describe.each(sets.map((g) => [g.set.name, g] as const))('%s', (name, { set, expected }) => {
        it("rnrkit encodes at a Buffer's address, the DLL walks it: the committed expectation", ({ skip }) => {
          const out = need(arch, skip);
          const walks = out.encoded.filter((e) => e.name === name);
          expect(walks.map((w) => w.offset)).toEqual([0, 40]);
          // The walker escapes every non-ASCII unit as \uXXXX: compare the JSON values, then their exact serialisation.
          for (const w of walks)
            expect(JSON.stringify(JSON.parse(w.walked)), `offset ${w.offset}`).toBe(JSON.stringify(expected));
        });

        it('the DLL builds it on the heap, rnrkit decodes it through live memory: what the DLL walks, and the expectation', ({
          skip,
        }) => {
          const out = need(arch, skip);
          const built = out.built.find((b) => b.name === name)!;
          expect(built.charset).toBe(set.charset);
          expect(built.error).toBeUndefined();
          expect(built.decoded).toBe(JSON.stringify(JSON.parse(built.walked)));
          expect(withoutBthBlobBytes(JSON.parse(built.decoded!) as QuerySetJson)).toEqual(
            withoutBthBlobBytes(expected),
          );
        });

        it('packed into a caller buffer as WSALookupServiceNext returns it: too small says the size, then it decodes in place', ({
          skip,
        }) => {
          const out = need(arch, skip);
          const packed = out.packed.find((b) => b.name === name)!;
          expect(packed.first).toBe(-1);
          expect(packed.needed).toBeGreaterThanOrEqual(
            layoutOf(set.charset === 'W' ? 'WSAQUERYSETW' : 'WSAQUERYSETA', arch).size,
          );
          expect(packed.second).toBe(0);
          expect(packed.error).toBeUndefined();
          expect(packed.decoded).toBe(JSON.stringify(JSON.parse(packed.walked)));
          expect(withoutBthBlobBytes(JSON.parse(packed.decoded!) as QuerySetJson)).toEqual(
            withoutBthBlobBytes(expected),
          );
        });
      });

      it.for(BAD_SETS.map((b) => [b.name, b] as const))(
        '%s: a MemoryError naming the member and the address, not a crash',
        ([, bad], { skip }) => {
          const out = need(arch, skip);
          const got = out.bad.find((b) => b.kind === bad.kind)!;
          expect(got.error?.name).toBe('MemoryError');
          expect(got.error?.path).toBe(bad.path);
          expect(got.error?.message).toMatch(/0x[0-9a-f]+/);
          expect(got.error?.message).toMatch(
            /is not readable memory of this process|is not in the captured memory|is not terminated/,
          );
          if (bad.kind !== 0) expect(got.unresolved?.map((u) => u.path)).toEqual([bad.path]);
        },
      );

      it("every RnR function of Wine's ws2_32 answers through koffi as the stubs do", ({ skip }) => {
        const out = need(arch, skip);
        expect(out.ws2_32).toEqual({
          WSAStartup: { result: 0, error: 0 },
          WSASetServiceW: { result: 0, error: 0 },
          WSASetServiceA: { result: 0, error: 0 },
          WSALookupServiceBeginW: { result: -1, error: 8 },
          WSALookupServiceNextW: { result: -1, error: 10110 },
          WSALookupServiceEnd: { result: 0, error: 0 },
        });
      });

      it('measured one encodeInto + DLL walk round trip and one live decode', ({ skip }) => {
        const out = need(arch, skip);
        expect(out.speed.map((s) => s.name)).toEqual(['ipv4_ipv6', 'every_member', 'many_addresses']);
        for (const s of out.speed) {
          for (const t of [s.roundTripMicros, s.liveDecodeMicros]) {
            expect(t.fastest).toBeGreaterThan(0);
            expect(t.median).toBeGreaterThanOrEqual(t.fastest);
          }
        }
        const µs = (t: Timing) => `${t.median.toFixed(1)} µs (fastest ${t.fastest.toFixed(1)})`;
        console.log(
          `Windows ${arch} (${out.node}): ${out.speed.map((s) => `${s.name} ${s.bytes} B: encodeInto+walk ${µs(s.roundTripMicros)}, live decode ${µs(s.liveDecodeMicros)}`).join('; ')}`,
        );
      });

      describe('the recipes of docs/ffi.md, run as written', () => {
        it('are there', () => {
          expect(recipes().map((r) => r.name)).toEqual(['register-w', 'register-a', 'lookup-w']);
        });

        it.for([
          ['register-w', ['WSAStartup: 0', 'WSASetServiceW: 0']],
          ['register-a', ['WSAStartup: 0', 'WSASetServiceA: 0']],
          // Wine's WSALookupServiceBeginW is a stub that fails with WSA_NOT_ENOUGH_MEMORY: the loop never starts.
          ['lookup-w', ['WSAStartup: 0', 'WSALookupServiceBeginW: -1 (WSAGetLastError 8)']],
        ] as const)("%s prints what Wine's ws2_32 answers", ([name, lines], { skip }) => {
          need(arch, skip);
          const run = state[arch].recipes.get(name)!;
          expect(run.stderr).toBe('');
          expect(run.status).toBe(0);
          expect(run.stdout.split(/\r?\n/).filter((l) => l !== '')).toEqual(lines);
        });
      });
    });
  },
);
