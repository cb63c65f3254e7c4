/**
 * Regenerates fixtures/codec/ from the C sources in fixtures/codec/src/ with
 * the real toolchain (part of `npm run fixtures`):
 *
 *   images/<program>-<arch>.img   the PE image of each program as it is mapped
 *                                 in memory, first byte at its fixed ImageBase
 *   images/<program>-<arch>.json  manifest: {arch, charset, base, file, size,
 *                                 sections, sets:[{name, at, charset, …}]}
 *   expected/<arch>/<set>.json    canonical JSON printed by the C walker
 *                                 (walker.c) run under Wine on that arch's image
 *                                 (x86 under 32-bit Wine); the x86 output must
 *                                 also equal what fixtures-codec.x86.ts derives
 *                                 from the x64 walk and the x86 image
 *   expected/<arch>/<set>.bth.json  what an NS_BTH blob's pointers lead to
 *
 * Every image is linked with -nostdlib (only this project's code and data),
 * --disable-dynamicbase at a fixed --image-base, without a timestamp or
 * .reloc, and compiled with relative paths and -fno-ident, so the bytes do
 * not depend on the machine or the time. Without Wine the expectations are
 * kept as committed (with a message) and everything else is rebuilt.
 *
 * `--check` writes nothing and exits 1 if any committed file would change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUERY_SET_KEYS, type QuerySetJson } from '../src/codec/canonical.js';
import { type MappedPe, mapPe } from './fixtures-codec.pe.js';
import {
  type AbiStructs,
  type BthWalk,
  type BuiltImage,
  deriveX86,
  hexAddress,
  isBthBlob,
} from './fixtures-codec.x86.js';

type Arch = 'x86' | 'x64';
type Charset = 'W' | 'A';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const codecDir = join(root, 'fixtures', 'codec');
const srcDir = join(codecDir, 'src');
const TOOLS = {
  x86: {
    gcc: 'i686-w64-mingw32-gcc',
    nm: 'i686-w64-mingw32-nm',
    objdump: 'i686-w64-mingw32-objdump',
    symbolPrefix: '_',
  },
  x64: {
    gcc: 'x86_64-w64-mingw32-gcc',
    nm: 'x86_64-w64-mingw32-nm',
    objdump: 'x86_64-w64-mingw32-objdump',
    symbolPrefix: '',
  },
} as const;

const CFLAGS = [
  '-std=c11',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-O1',
  '-fno-ident',
  '-ffreestanding',
  '-fno-asynchronous-unwind-tables',
  '-nostdlib',
];

interface Program {
  readonly id: string;
  readonly charset: Charset;
  readonly sources: readonly string[];
  readonly defines: readonly string[];
  readonly libs: readonly string[];
  readonly entry: string;
  readonly linkerScript?: string;
  /** Runs the walker (each arch's build, under Wine) to make the expectations. */
  readonly walker: boolean;
  /**
   * Fixed image bases. x86 sits where 32-bit executables usually do; x64 is
   * above 4 GiB so every pointer needs its high half. The walked images stay
   * clear of where Linux maps Wine's own libraries (0x7f…); the corrupt ones
   * (never run) use a typical Windows 10 x64 executable address.
   */
  readonly bases: Record<Arch, bigint>;
}

const PROGRAMS: readonly Program[] = [
  {
    id: 'sets-W',
    charset: 'W',
    sources: ['sets_w.c', 'walker.c'],
    defines: [],
    libs: ['-lkernel32'],
    entry: 'walker_entry',
    walker: true,
    bases: { x86: 0x00400000n, x64: 0x0000_0002_5d30_0000n },
  },
  {
    id: 'sets-A',
    charset: 'A',
    sources: ['sets_a.c', 'walker.c'],
    defines: [],
    libs: ['-lkernel32'],
    entry: 'walker_entry',
    walker: true,
    bases: { x86: 0x00500000n, x64: 0x0000_0002_5e30_0000n },
  },
  {
    id: 'corrupt-W',
    charset: 'W',
    sources: ['corrupt.c'],
    defines: [],
    libs: [],
    entry: 'corrupt_image_entry',
    linkerScript: 'tail.ld',
    walker: false,
    bases: { x86: 0x00600000n, x64: 0x0000_7ff6_1f60_0000n },
  },
  {
    id: 'corrupt-A',
    charset: 'A',
    sources: ['corrupt.c'],
    defines: ['-DRNR_ANSI'],
    libs: [],
    entry: 'corrupt_image_entry',
    linkerScript: 'tail.ld',
    walker: false,
    bases: { x86: 0x00700000n, x64: 0x0000_7ff6_2060_0000n },
  },
];

/** Everything the generator would write, by path relative to fixtures/codec. */
const outputs = new Map<string, Uint8Array | string>();
const abi: Record<Arch, AbiStructs> = {
  x86: JSON.parse(readFileSync(join(root, 'fixtures', 'abi', 'x86.json'), 'utf8')) as AbiStructs,
  x64: JSON.parse(readFileSync(join(root, 'fixtures', 'abi', 'x64.json'), 'utf8')) as AbiStructs,
};

interface Built extends BuiltImage {
  readonly exe: string;
  readonly pe: MappedPe;
}

function build(program: Program, arch: Arch, work: string): Built {
  const tools = TOOLS[arch];
  const base = program.bases[arch];
  const exe = join(work, `${program.id}-${arch}.exe`);
  const args = [
    ...CFLAGS,
    ...program.defines,
    '-o',
    exe,
    ...program.sources,
    ...program.libs,
    `-Wl,-e,${tools.symbolPrefix}${program.entry}`,
    '-Wl,--disable-dynamicbase',
    `-Wl,--image-base=${hexAddress(base)}`,
    '-Wl,--no-insert-timestamp',
    '-Wl,--disable-reloc-section',
    ...(program.linkerScript ? [`-Wl,-T,${program.linkerScript}`] : []),
  ];
  // Relative source paths from fixtures/codec/src: nothing of this machine's layout reaches the image.
  execFileSync(tools.gcc, args, { cwd: srcDir, stdio: ['ignore', 'inherit', 'inherit'] });
  const pe = mapPe(readFileSync(exe));
  if (pe.machine !== arch) throw new Error(`${exe}: built for ${pe.machine}, wanted ${arch}`);
  if (pe.imageBase !== base)
    throw new Error(`${exe}: ImageBase ${hexAddress(pe.imageBase)} is not ${hexAddress(base)}`);
  if (pe.dynamicBase) throw new Error(`${exe}: DYNAMIC_BASE is set, the loader could move it`);
  if (pe.timeDateStamp !== 0) throw new Error(`${exe}: has a timestamp`);
  crossCheckObjdump(tools.objdump, exe, pe);
  return { exe, pe, base, image: pe.image, symbols: readSymbols(tools.nm, tools.symbolPrefix, exe), abi: abi[arch] };
}

/** objdump -h must agree with our reading of the section table (VMA and file offset of each section). */
function crossCheckObjdump(objdump: string, exe: string, pe: MappedPe): void {
  const text = execFileSync(objdump, ['-h', exe], { encoding: 'utf8' });
  const rows = [...text.matchAll(/^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/gm)];
  if (rows.length !== pe.sections.length)
    throw new Error(`objdump -h lists ${rows.length} sections, the PE header ${pe.sections.length}`);
  rows.forEach((row, i) => {
    const s = pe.sections[i]!;
    const vma = BigInt(`0x${row[3]!}`);
    const fileOffset = Number.parseInt(row[4]!, 16);
    if (
      row[1] !== s.name ||
      vma !== pe.imageBase + BigInt(s.virtualAddress) ||
      (s.rawSize > 0 && fileOffset !== s.rawOffset)
    ) {
      throw new Error(`objdump -h disagrees about section ${s.name}: ${row[0]!.trim()}`);
    }
  });
}

function readSymbols(nm: string, prefix: string, exe: string): Map<string, bigint> {
  const symbols = new Map<string, bigint>();
  for (const m of execFileSync(nm, [exe], { encoding: 'utf8' }).matchAll(/^([0-9a-f]+) [A-Za-z] (\S+)$/gm)) {
    const name = prefix && m[2]!.startsWith(prefix) ? m[2]!.slice(prefix.length) : m[2]!;
    symbols.set(name, BigInt(`0x${m[1]!}`));
  }
  return symbols;
}

/** The published query sets of an image: every rnr_set_<name>, by address. */
function setsOf(built: Built): { name: string; at: bigint }[] {
  return [...built.symbols]
    .filter(([symbol]) => symbol.startsWith('rnr_set_'))
    .map(([symbol, at]) => ({ name: symbol.slice('rnr_set_'.length), at }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** The "rnrkit-expect <set> <member path> [arch]" lines of a corrupt source. */
function corruptExpectations(source: string, arch: Arch): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of readFileSync(join(srcDir, source), 'utf8').matchAll(/rnrkit-expect (\w+) (\S+)(?: (x86|x64))?/g)) {
    if (!m[3] || m[3] === arch) out.set(m[1]!, m[2]!);
  }
  return out;
}

// ---------------------------------------------------------------- Wine

interface WalkedSet {
  readonly name: string;
  readonly charset: Charset;
  readonly at: bigint;
  readonly json: QuerySetJson;
  bth?: BthWalk;
}

function findWine(): string | undefined {
  // RNRKIT_FIXTURES_NO_WINE=1 takes the path a machine without Wine takes (to test it).
  if (process.env.RNRKIT_FIXTURES_NO_WINE) return undefined;
  for (const candidate of ['wine64', 'wine']) {
    try {
      execFileSync('sh', ['-c', `command -v ${candidate}`], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* not on PATH */
    }
  }
  return undefined;
}

/** Whether 32-bit Wine is installed (Debian's wine32:i386 and libwine:i386 put these here). */
function wine32Installed(): boolean {
  return existsSync('/usr/lib/wine/wine') || existsSync('/usr/lib/i386-linux-gnu/wine/i386-unix/ntdll.so');
}

class WineSession {
  readonly prefix = mkdtempSync(join(tmpdir(), 'rnrkit-wine-'));
  readonly timings: string[] = [];
  /** Cleared when an x86 program fails to start (no 32-bit Wine). */
  runs32 = true;
  constructor(readonly wine: string) {}

  private env(): NodeJS.ProcessEnv {
    // mscoree/mshtml disabled: a fresh prefix would otherwise offer to install Mono and Gecko.
    return { ...process.env, WINEPREFIX: this.prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=d' };
  }

  run(exe: string): string {
    const started = performance.now();
    const out = execFileSync(this.wine, [exe], {
      env: this.env(),
      cwd: dirname(exe),
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      timeout: 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.timings.push(`${relative(dirname(exe), exe)} ${((performance.now() - started) / 1000).toFixed(2)} s`);
    return out;
  }

  close(): void {
    try {
      // Wait for this prefix's wineserver to exit on its own before removing the prefix.
      execFileSync('wineserver', ['-w'], { env: this.env(), stdio: 'ignore', timeout: 60_000 });
    } catch {
      /* already gone */
    }
    rmSync(this.prefix, { recursive: true, force: true });
  }
}

function parseWalk(output: string, built: Built): WalkedSet[] {
  const lines = output.split(/\r?\n/).filter((l) => l !== '');
  const base = /^#base (0x[0-9a-f]+)$/.exec(lines[0] ?? '');
  if (!base || BigInt(base[1]!) !== built.base)
    throw new Error(
      `the walker ran at ${base?.[1] ?? '?'}, not at the image base ${hexAddress(built.base)}: its pointers would not be the image's`,
    );
  const sets: WalkedSet[] = [];
  for (let i = 1; i < lines.length; i++) {
    const set = /^#set (\w+) ([WA]) (0x[0-9a-f]+)$/.exec(lines[i]!);
    const bth = /^#bth (\w+) (\{.*\})$/.exec(lines[i]!);
    if (set) {
      const json = JSON.parse(lines[++i]!) as QuerySetJson;
      checkCanonical(set[1]!, json);
      sets.push({ name: set[1]!, charset: set[2] as Charset, at: BigInt(set[3]!), json });
    } else if (bth && sets.at(-1)?.name === bth[1]) {
      sets.at(-1)!.bth = JSON.parse(bth[2]!) as BthWalk;
    } else {
      throw new Error(`unexpected walker line: ${lines[i]!.slice(0, 80)}`);
    }
  }
  const published = setsOf(built);
  for (const walked of sets) {
    const at = built.symbols.get(`rnr_set_${walked.name}`);
    if (at !== walked.at)
      throw new Error(
        `${walked.name}: the walker found it at ${hexAddress(walked.at)}, nm at ${at === undefined ? 'nothing' : hexAddress(at)}`,
      );
  }
  if (published.length !== sets.length)
    throw new Error(`nm lists ${published.length} rnr_set_* symbols, the walker's table ${sets.length}`);
  return sets;
}

/** The walker's output must already be canonical: member names in order, hex where hex belongs. */
function checkCanonical(name: string, json: QuerySetJson): void {
  const keys = Object.keys(json);
  if (keys.join() !== QUERY_SET_KEYS.join())
    throw new Error(`${name}: members ${keys.join()} are not the canonical order`);
  const hex = (v: string | null, what: string) => {
    if (v !== null && !/^(?:[0-9a-f]{2})*$/.test(v)) throw new Error(`${name}: ${what} is not lowercase hex: ${v}`);
  };
  json.lpcsaBuffer?.forEach((c, i) => {
    hex(c.LocalAddr.lpSockaddr, `lpcsaBuffer[${i}].LocalAddr`);
    hex(c.RemoteAddr.lpSockaddr, `lpcsaBuffer[${i}].RemoteAddr`);
  });
  if (json.lpBlob) hex(json.lpBlob.pBlobData, 'lpBlob.pBlobData');
}

// ---------------------------------------------------------------- output

/** Pretty JSON, ASCII only: every other code unit (lone surrogates too) as \uXXXX, so no editor can change it. */
function stableJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

function committedJson<T>(path: string): T | undefined {
  const file = join(codecDir, path);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

function main(): void {
  const check = process.argv.includes('--check');
  const work = mkdtempSync(join(tmpdir(), 'rnrkit-codec-fixtures-'));
  const wineCommand = findWine();
  const wine = wineCommand ? new WineSession(wineCommand) : undefined;
  if (!wine)
    console.log('!! wine not found: the expectations (fixtures/codec/expected) are kept as committed, not re-walked');
  try {
    for (const program of PROGRAMS) {
      const builds = { x86: build(program, 'x86', work), x64: build(program, 'x64', work) };
      // What each build's own walker printed, run under Wine (x86 under 32-bit Wine);
      // without Wine, the committed expectations.
      const walked = { x86: new Map<string, WalkedSet>(), x64: new Map<string, WalkedSet>() };
      if (program.walker) {
        for (const arch of ['x64', 'x86'] as const) {
          if (wine && (arch === 'x64' || wine.runs32)) {
            try {
              for (const set of parseWalk(wine.run(builds[arch].exe), builds[arch])) walked[arch].set(set.name, set);
              continue;
            } catch (e) {
              // Without 32-bit Wine the x86 build cannot run: keep its committed expectations, as without Wine at all.
              if (arch === 'x64' || wine32Installed()) throw e;
              wine.runs32 = false;
              console.log(
                '!! the x86 walker did not run (is 32-bit Wine installed? see .ci/services/wine32.sh): fixtures/codec/expected/x86 is kept as committed, not re-walked',
              );
            }
          }
          for (const { name, at } of setsOf(builds[arch])) {
            const json = committedJson<QuerySetJson>(`expected/${arch}/${name}.json`);
            if (!json)
              throw new Error(
                `no committed expectation for ${name} (${arch}) and no wine to make one: install wine (and wine32 for x86) and rerun`,
              );
            const bth = committedJson<BthWalk>(`expected/${arch}/${name}.bth.json`);
            walked[arch].set(name, { name, charset: program.charset, at, json, ...(bth ? { bth } : {}) });
          }
        }
      }
      for (const arch of ['x86', 'x64'] as const) {
        const built = builds[arch];
        const file = `${program.id}-${arch}.img`;
        const expectations = program.walker ? undefined : corruptExpectations(program.sources[0]!, arch);
        const sets = setsOf(built).map(({ name, at }) => {
          const entry: Record<string, unknown> = { name, at: hexAddress(at), charset: program.charset };
          if (expectations) {
            const field = expectations.get(name);
            if (!field) throw new Error(`${program.id}: rnr_set_${name} has no rnrkit-expect line`);
            entry.error = { field };
            return entry;
          }
          const own = walked[arch].get(name);
          const x64 = walked.x64.get(name);
          if (!own || !x64) throw new Error(`${program.id}: the ${arch} walker did not print ${name}`);
          const expected = own.json;
          const bth = own.bth;
          if (isBthBlob(expected, built.abi) !== Boolean(bth))
            throw new Error(`${name} (${arch}): #bth record and NS_BTH blob do not go together`);
          if (arch === 'x86') {
            // What the x86 process printed must also be what the x64 walk predicts for x86 (fixtures-codec.x86.ts): two independent routes, one answer.
            const derived = deriveX86(name, program.charset, x64.json, x64.bth, builds.x64, built, at);
            if (
              stableJson(derived.expected) !== stableJson(expected) ||
              stableJson(derived.bth ?? null) !== stableJson(bth ?? null)
            ) {
              throw new Error(
                `${name}: the x86 walker printed something other than the x86 derivation of the x64 walk`,
              );
            }
          }
          outputs.set(`expected/${arch}/${name}.json`, stableJson(expected));
          entry.expected = `expected/${arch}/${name}.json`;
          if (bth) {
            outputs.set(`expected/${arch}/${name}.bth.json`, stableJson(bth));
            entry.bth = `expected/${arch}/${name}.bth.json`;
          }
          return entry;
        });
        if (expectations) {
          for (const name of expectations.keys())
            if (!built.symbols.has(`rnr_set_${name}`))
              throw new Error(`${program.id}-${arch}: rnrkit-expect names ${name}, which the image lacks`);
          checkTail(built, program);
        }
        outputs.set(`images/${file}`, built.image);
        outputs.set(
          `images/${program.id}-${arch}.json`,
          stableJson({
            arch,
            charset: program.charset,
            base: hexAddress(built.base),
            file,
            size: built.image.length,
            compiler: TOOLS[arch].gcc,
            sources: program.sources.map((s) => `src/${s}`),
            defines: program.defines,
            sections: built.pe.sections.map((s) => ({
              name: s.name,
              at: hexAddress(built.base + BigInt(s.virtualAddress)),
              size: s.virtualSize,
            })),
            sets,
          }),
        );
      }
    }
  } finally {
    if (wine) {
      wine.close();
      console.log(`wine (${wine.wine}) runs, the first one creating the prefix: ${wine.timings.join('; ')}`);
    }
    rmSync(work, { recursive: true, force: true });
  }
  process.exitCode = check ? compare() : write();
}

/** The unterminated string must run into the very end of the mapped image. */
function checkTail(built: Built, program: Program): void {
  const text = built.symbols.get('rnr_unterminated_text');
  const tail = built.pe.sections.at(-1)!;
  if (
    text === undefined ||
    tail.name !== '.tail' ||
    text !== built.base + BigInt(tail.virtualAddress) ||
    tail.virtualAddress + tail.virtualSize !== built.image.length
  ) {
    throw new Error(
      `${program.id}: section .tail is not the last page of the image, so the unterminated string would be followed by zeros`,
    );
  }
}

const GENERATED_DIRS = ['images', 'expected/x86', 'expected/x64'];

function stale(): string[] {
  return GENERATED_DIRS.flatMap((d) =>
    existsSync(join(codecDir, d)) ? readdirSync(join(codecDir, d)).map((f) => `${d}/${f}`) : [],
  ).filter((p) => !outputs.has(p));
}

function write(): number {
  for (const path of stale()) rmSync(join(codecDir, path));
  for (const [path, content] of outputs) {
    mkdirSync(dirname(join(codecDir, path)), { recursive: true });
    writeFileSync(join(codecDir, path), content);
  }
  console.log(`wrote ${outputs.size} files under fixtures/codec (images and expectations)`);
  return 0;
}

function compare(): number {
  let differ = 0;
  for (const [path, content] of outputs) {
    const file = join(codecDir, path);
    const now = existsSync(file) ? readFileSync(file) : undefined;
    if (!now?.equals(typeof content === 'string' ? Buffer.from(content) : Buffer.from(content))) {
      differ++;
      console.error(`fixtures/codec/${path} differs from what the generator makes`);
    }
  }
  for (const path of stale()) {
    differ++;
    console.error(`fixtures/codec/${path} is not made by the generator`);
  }
  if (!differ) console.log(`fixtures/codec: all ${outputs.size} files match the generator`);
  return differ ? 1 : 0;
}

main();
