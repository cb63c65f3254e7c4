/**
 * Fixtures for src/dump (npm run fixtures runs this; see fixtures/dumps/README.md):
 *
 * 1. fixtures/dumps/format.json — sizes and member offsets of the minidump
 *    structures from format-probe.c compiled with x86_64-w64-mingw32-gcc -S.
 *    Deterministic: CI regenerates it and diffs.
 * 2. Real minidumps written by dbghelp's MiniDumpWriteDump under Wine:
 *    dumper.exe dumps target.exe (another process) while it holds known
 *    query sets on its heap and one on its stack, passing the exception the
 *    target raised and recorded. Three of them (DUMPS below):
 *      wine-x64-sets   x64 process, MiniDumpWithFullMemory → Memory64ListStream
 *      wine-x86-sets   x86 process (32-bit Wine), the same → Memory64ListStream
 *      wine-x86-stack  x86 process, MiniDumpNormal → MemoryListStream (stacks only)
 *    The scrubber zeroes every memory byte except the blocks the target lists
 *    in its sidecar and the pages where-is reads (each thread's TEB, the PEB
 *    and its heap list, each module's header page); header, directory,
 *    streams and descriptors stay byte for byte as dbghelp wrote them.
 *
 *    A Wine dump cannot be byte-deterministic: MINIDUMP_HEADER.TimeDateStamp
 *    is the wall clock and Wine's stream 0xfff0 records where Linux loaded
 *    its libraries (ASLR). So by default the dumps are regenerated in a
 *    temporary directory and validated structurally (validate() below), the
 *    committed ones are validated the same way, and the sidecars'
 *    expectations must not change; `--write` replaces the committed files.
 *
 * Needs mingw-w64 and Wine (32-bit Wine for the x86 dumps, see
 * .ci/services/wine32.sh); without them the step says so and the committed
 * dumps are still tested by npm test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PEB_OFFSETS } from '../src/dump/format.js';
import { Minidump } from '../src/dump/minidump.js';
import { scanQuerySets } from '../src/dump/scan.js';
import { AddressLocator } from '../src/dump/where-is.js';
import { MemoryError } from '../src/errors.js';
import { parseAddress } from '../src/memory/address-space.js';
import { probeLines } from './lib/gas.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = join(here, '..', 'fixtures', 'dumps');
const CC = { x64: 'x86_64-w64-mingw32-gcc', x86: 'i686-w64-mingw32-gcc' } as const;
/** The exception target.c raises (and handles) so the dump has one. */
const TARGET_EXCEPTION = 0xe0524e52;

export interface DumpSpec {
  readonly name: string;
  readonly arch: 'x86' | 'x64';
  readonly mode: 'full' | 'normal';
  readonly memoryStream: 'Memory64ListStream' | 'MemoryListStream';
}

export const DUMPS: readonly DumpSpec[] = [
  { name: 'wine-x64-sets', arch: 'x64', mode: 'full', memoryStream: 'Memory64ListStream' },
  { name: 'wine-x86-sets', arch: 'x86', mode: 'full', memoryStream: 'Memory64ListStream' },
  { name: 'wine-x86-stack', arch: 'x86', mode: 'normal', memoryStream: 'MemoryListStream' },
];

export interface Sidecar {
  arch: 'x86' | 'x64';
  sets: {
    name: string;
    at: string;
    charset: 'W' | 'A';
    blocks: [string, number][];
    expected: Record<string, unknown>;
  }[];
  decoys: { at: string; blocks: [string, number][] }[];
  exception: { threadId: number; pointers: string; code: string; address: string };
}

/** Whether 32-bit Wine is installed (Debian's wine32:i386 and libwine:i386 put these here). */
function wine32(): boolean {
  return existsSync('/usr/lib/wine/wine') || existsSync('/usr/lib/i386-linux-gnu/wine/i386-unix/ntdll.so');
}

function have(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** format.json: what the compiler says about every structure format.ts describes. */
function formatProbe(): string {
  const work = mkdtempSync(join(tmpdir(), 'rnrkit-dump-probe-'));
  try {
    const out = join(work, 'probe.s');
    execFileSync(CC.x64, ['-S', '-O0', '-Wno-multichar', '-o', out, join(dir, 'format-probe.c')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const structs: Record<string, { size: number; members: Record<string, { offset: number; size: number }> }> = {};
    const constants: Record<string, number> = {};
    for (const [name, value] of probeLines(readFileSync(out, 'utf8'))) {
      const parts = name.split('.');
      if (parts[0] === 'const') {
        constants[parts[1]!] = value;
        continue;
      }
      structs[parts[0]!] ??= { size: 0, members: {} };
      const struct = structs[parts[0]!]!;
      if (parts.length === 2) {
        struct.size = value;
        continue;
      }
      const member = parts.slice(1, -1).join('.');
      struct.members[member] ??= { offset: 0, size: 0 };
      struct.members[member]![parts.at(-1) as 'offset' | 'size'] = value;
    }
    return `${JSON.stringify({ compiler: CC.x64, structs, constants }, null, 2)}\n`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Zero every byte of captured memory except `keep` ([address, size] pairs);
 * everything outside the memory ranges' data (header, directory, streams,
 * descriptors) is copied unchanged.
 */
export function scrubDump(dump: Uint8Array, keep: readonly (readonly [number, number])[]): Uint8Array {
  const out = new Uint8Array(dump);
  const md = Minidump.fromBytes(dump);
  if (md.warnings.length > 0) throw new Error(`the dump to scrub has warnings: ${md.warnings.join('; ')}`);
  for (const s of md.memoryRanges()) {
    if (s.cut) continue;
    out.fill(0, s.fileOffset, s.fileOffset + s.length);
    for (const [at, size] of keep) {
      const from = Math.max(at, s.base);
      const to = Math.min(at + size, s.base + s.length);
      if (from < to)
        out.set(
          dump.subarray(s.fileOffset + (from - s.base), s.fileOffset + (to - s.base)),
          s.fileOffset + (from - s.base),
        );
    }
  }
  return out;
}

/**
 * The pages where-is reads, kept by the scrubber: each thread's TEB, the
 * PEB with the process heap list, and each module's header page (its
 * section table). None of them holds text from this machine.
 */
export function forensicPages(dump: Uint8Array): [number, number][] {
  const md = Minidump.fromBytes(dump);
  const keep: [number, number][] = md.modules.map((m) => [Number(m.base), 0x1000]);
  const arch = md.arch;
  if (!arch) return keep;
  const o = PEB_OFFSETS[arch];
  const pointer = (at: number): number | undefined => {
    try {
      const b = md.read(at, o.pointer);
      const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      return o.pointer === 4 ? v.getUint32(0, true) : Number(v.getBigUint64(0, true));
    } catch (e) {
      if (e instanceof MemoryError) return undefined;
      throw e;
    }
  };
  for (const t of md.threads) {
    if (!t.teb) continue;
    keep.push([t.teb, 0x1000]);
    const peb = pointer(t.teb + o.tebPeb);
    if (!peb) continue;
    keep.push([peb, 0x1000]);
    const list = pointer(peb + o.processHeaps);
    if (list) keep.push([list, 64 * o.pointer]);
  }
  return keep;
}

/** Build both programs for each arch, run the dumps under Wine in one prefix, scrub: each dump with the target's sidecar. */
function makeDumps(specs: readonly DumpSpec[]): Map<string, { dump: Uint8Array; sidecar: Sidecar }> {
  const work = mkdtempSync(join(tmpdir(), 'rnrkit-wine-'));
  const out = new Map<string, { dump: Uint8Array; sidecar: Sidecar }>();
  const prefix = join(work, 'prefix');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: work,
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    LANG: 'C',
    TZ: 'UTC',
  };
  try {
    // Run from C:\rnrkit inside the prefix, so the module names dbghelp
    // records are the same on every machine (not this machine's temp path).
    const drive = join(prefix, 'drive_c', 'rnrkit');
    mkdirSync(drive, { recursive: true });
    const flags = ['-O1', '-Wall', '-Wextra', '-Wl,--no-insert-timestamp'];
    for (const arch of new Set(specs.map((s) => s.arch))) {
      execFileSync(CC[arch], [...flags, '-o', join(drive, `target-${arch}.exe`), join(dir, 'target.c'), '-lws2_32'], {
        stdio: 'inherit',
      });
      execFileSync(CC[arch], [...flags, '-o', join(drive, `dumper-${arch}.exe`), join(dir, 'dumper.c'), '-ldbghelp'], {
        stdio: 'inherit',
      });
    }
    // A default prefix runs 32-bit programs too (WoW64) when 32-bit Wine is installed.
    const wine = have('wine') ? 'wine' : 'wine64';
    for (const spec of specs) {
      const args = [
        `C:\\rnrkit\\dumper-${spec.arch}.exe`,
        `C:\\rnrkit\\target-${spec.arch}.exe`,
        `C:\\rnrkit\\${spec.name}.json`,
        `C:\\rnrkit\\${spec.name}.dmp`,
        spec.mode,
      ];
      try {
        // Wine's first run in a fresh prefix chatters on stderr; show it only when the run fails.
        execFileSync(wine, args, { cwd: drive, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
      } catch (e) {
        const { stdout, stderr } = e as { stdout?: Buffer; stderr?: Buffer };
        if (spec.arch === 'x86' && !wine32()) {
          // Not this dump's fault: the committed one is still tested by npm test.
          console.log(
            `!! 32-bit Wine is not installed (wine32:i386, see .ci/services/wine32.sh): ${spec.name}.dmp.gz is not regenerated`,
          );
          continue;
        }
        process.stderr.write(`${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
        throw new Error(`${spec.name}: ${wine} ${args.join(' ')} failed`);
      }
      const sidecar = JSON.parse(readFileSync(join(drive, `${spec.name}.json`), 'utf8')) as Sidecar;
      const raw = readFileSync(join(drive, `${spec.name}.dmp`));
      const keep = [...sidecar.sets, ...sidecar.decoys].flatMap((s) =>
        s.blocks.map(([at, size]) => [parseAddress(at), size] as [number, number]),
      );
      out.set(spec.name, { dump: scrubDump(raw, [...keep, ...forensicPages(raw)]), sidecar });
    }
    return out;
  } finally {
    // Stop this prefix's wineserver before its directory goes; exit 1 means it already stopped.
    try {
      execFileSync('wineserver', ['-k'], { env, stdio: 'ignore' });
    } catch {
      /* not running */
    }
    rmSync(work, { recursive: true, force: true });
  }
}

/** Whether every block of a set is in the dump (a MiniDumpNormal dump holds only the stack one). */
export function captured(md: Minidump, set: Sidecar['sets'][number]): boolean {
  return set.blocks.every(([at, size]) => md.mappedLength(parseAddress(at), size) === size);
}

/** What the tests rely on, checked on a freshly made dump. Returns the problems found. */
export function validate(spec: DumpSpec, dump: Uint8Array, sidecar: Sidecar): string[] {
  const problems: string[] = [];
  const md = Minidump.fromBytes(dump);
  if (md.arch !== spec.arch) problems.push(`arch is ${String(md.arch)}, not ${spec.arch}`);
  if (sidecar.arch !== spec.arch) problems.push(`the sidecar says ${sidecar.arch}, not ${spec.arch}`);
  if (md.warnings.length > 0) problems.push(`warnings: ${md.warnings.join('; ')}`);
  const types = md.streams.map((s) => s.typeName);
  if (!types.includes('0xfff0')) problems.push('no Wine stream 0xfff0 (is this still a Wine dump?)');
  if (!types.includes(spec.memoryStream)) problems.push(`no ${spec.memoryStream}`);
  if (md.exception?.code !== TARGET_EXCEPTION || md.exception.threadId !== sidecar.exception.threadId) {
    problems.push(
      `the exception stream does not hold the target's exception 0x${TARGET_EXCEPTION.toString(16)} on thread ${sidecar.exception.threadId}`,
    );
  }
  const locator = new AddressLocator(md);
  const candidates = scanQuerySets(md);
  const inDump = sidecar.sets.filter((s) => captured(md, s));
  if (spec.mode === 'full' && inDump.length !== sidecar.sets.length)
    problems.push(`only ${inDump.length} of ${sidecar.sets.length} sets are captured`);
  if (!inDump.some((s) => s.name === 'w-stack')) problems.push('the set on the stack is not captured');
  for (const set of inDump) {
    const at = parseAddress(set.at);
    const found = candidates.find((c) => c.at === at && c.arch === spec.arch);
    if (!found) problems.push(`${set.name}: the scanner does not find the set at ${set.at}`);
    else if (found.charset !== set.charset)
      problems.push(`${set.name}: the scanner calls it ${found.charset}, not ${set.charset}`);
    const label = locator.label(at);
    const want = set.name === 'w-stack' ? /^stack of thread \d+$/ : /^heap 0x[0-9a-f]+$/;
    if (!want.test(label)) problems.push(`${set.name}: where-is says "${label}", expected ${want}`);
  }
  const exe = md.modules.find((m) => m.name?.endsWith(`target-${spec.arch}.exe`));
  if (!exe) problems.push(`no module target-${spec.arch}.exe`);
  else if (spec.mode === 'full' && !/\(\.text\)$/.test(locator.label(Number(exe.base) + 0x1000)))
    problems.push(
      `target-${spec.arch}.exe+0x1000 is not labelled as .text: ${locator.label(Number(exe.base) + 0x1000)}`,
    );
  md.close();
  return problems;
}

const write = process.argv.includes('--write');
writeFileSync(join(dir, 'format.json'), formatProbe());
console.log('wrote fixtures/dumps/format.json');

if (process.argv.includes('--format-only')) {
  // Only the compiler's layouts: nothing below runs.
} else if (!have('wine64') && !have('wine')) {
  console.log(
    '!! wine is not installed: the Wine minidumps are not regenerated (the committed dumps are still tested by npm test)',
  );
} else {
  const made = makeDumps(DUMPS);
  let failed = false;
  for (const spec of DUMPS) {
    const entry = made.get(spec.name);
    if (!entry) continue;
    const { dump, sidecar } = entry;
    const problems = validate(spec, dump, sidecar);
    if (problems.length > 0) {
      console.error(`!! the regenerated ${spec.name} fails validation:\n  ${problems.join('\n  ')}`);
      failed = true;
      continue;
    }
    const sidecarText = `${JSON.stringify(sidecar, null, 2)}\n`;
    if (write) {
      writeFileSync(join(dir, `${spec.name}.dmp.gz`), gzipSync(dump, { level: 9 }));
      writeFileSync(join(dir, `${spec.name}.json`), sidecarText);
      console.log(`wrote fixtures/dumps/${spec.name}.dmp.gz (${dump.length} bytes unpacked) and ${spec.name}.json`);
      continue;
    }
    // The expectations (what the target built) must not drift, even though the bytes do.
    const committedPath = join(dir, `${spec.name}.json`);
    const committed = existsSync(committedPath)
      ? (JSON.parse(readFileSync(committedPath, 'utf8')) as Sidecar)
      : undefined;
    const expectations = (s: Sidecar) =>
      JSON.stringify([
        s.arch,
        s.exception.code,
        s.sets.map(({ name, charset, expected }) => ({ name, charset, expected })),
      ]);
    if (!committed || expectations(committed) !== expectations(sidecar)) {
      console.error(
        `!! fixtures/dumps/${spec.name}.json: the target now plants different sets; run npx tsx scripts/fixtures-dumps.ts --write and commit`,
      );
      failed = true;
      continue;
    }
    const committedProblems = validate(spec, gunzipSync(readFileSync(join(dir, `${spec.name}.dmp.gz`))), committed);
    if (committedProblems.length > 0) {
      console.error(`!! the committed ${spec.name} fails validation:\n  ${committedProblems.join('\n  ')}`);
      failed = true;
      continue;
    }
    console.log(
      `${spec.name}.dmp.gz: regenerated with Wine and validated; byte-for-byte drift check SKIPPED on purpose: a Wine dump` +
        ' carries the wall-clock time (MINIDUMP_HEADER.TimeDateStamp) and Linux library addresses (stream 0xfff0), so no two runs' +
        ' are identical. The committed dump is left as is (--write replaces it).',
    );
  }
  if (failed) process.exit(1);
}
