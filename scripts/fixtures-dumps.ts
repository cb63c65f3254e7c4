/**
 * Fixtures for src/dump (npm run fixtures runs this; see fixtures/dumps/README.md):
 *
 * 1. fixtures/dumps/format.json — sizes and member offsets of the minidump
 *    structures from format-probe.c compiled with x86_64-w64-mingw32-gcc -S.
 *    Deterministic: CI regenerates it and diffs.
 * 2. fixtures/dumps/wine-x64-sets.dmp.gz + wine-x64-sets.json — a real
 *    minidump written by dbghelp's MiniDumpWriteDump(MiniDumpWithFullMemory)
 *    under Wine: dumper.exe dumps target.exe (another process) while it
 *    holds known query sets on its heap. The scrubber zeroes every memory
 *    byte except the heap blocks the target lists in its sidecar; header,
 *    directory, streams and descriptors stay byte for byte as dbghelp wrote
 *    them.
 *
 *    A Wine dump cannot be byte-deterministic: MINIDUMP_HEADER.TimeDateStamp
 *    is the wall clock and Wine's stream 0xfff0 records where Linux loaded
 *    its libraries (ASLR). So by default the dump is regenerated in a
 *    temporary directory and validated structurally (it opens, the arch is
 *    x64, every set the target planted is mapped where the sidecar says and
 *    is found by the scanner, the sidecar's expectations match the committed
 *    ones) and the committed files are left alone; `--write` replaces them.
 *
 * Needs mingw-w64 and wine (x64); without wine the dump step is skipped
 * with a message and the committed dump is still tested by npm test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { probeLines } from './lib/gas.js';
import { Minidump } from '../src/dump/minidump.js';
import { scanQuerySets } from '../src/dump/scan.js';
import { parseAddress } from '../src/memory/address-space.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = join(here, '..', 'fixtures', 'dumps');
const CC = 'x86_64-w64-mingw32-gcc';
const DUMP = 'wine-x64-sets';

export interface Sidecar {
  arch: 'x64';
  sets: { name: string; at: string; charset: 'W' | 'A'; blocks: [string, number][]; expected: Record<string, unknown> }[];
  decoys: { at: string; blocks: [string, number][] }[];
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
    execFileSync(CC, ['-S', '-O0', '-Wno-multichar', '-o', out, join(dir, 'format-probe.c')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const structs: Record<string, { size: number; members: Record<string, { offset: number; size: number }> }> = {};
    const constants: Record<string, number> = {};
    for (const [name, value] of probeLines(readFileSync(out, 'utf8'))) {
      const parts = name.split('.');
      if (parts[0] === 'const') { constants[parts[1]!] = value; continue; }
      const struct = (structs[parts[0]!] ??= { size: 0, members: {} });
      if (parts.length === 2) struct.size = value;
      else (struct.members[parts.slice(1, -1).join('.')] ??= { offset: 0, size: 0 })[parts.at(-1) as 'offset' | 'size'] = value;
    }
    return `${JSON.stringify({ compiler: CC, structs, constants }, null, 2)}\n`;
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
      if (from < to) out.set(dump.subarray(s.fileOffset + (from - s.base), s.fileOffset + (to - s.base)), s.fileOffset + (from - s.base));
    }
  }
  return out;
}

/** Build both programs, run them under Wine, scrub: the dump and the target's sidecar. */
function makeDump(): { dump: Uint8Array; sidecar: Sidecar } {
  const work = mkdtempSync(join(tmpdir(), 'rnrkit-wine-'));
  try {
    const prefix = join(work, 'prefix');
    // Run from C:\rnrkit inside the prefix, so the module names dbghelp
    // records are the same on every machine (not this machine's temp path).
    const drive = join(prefix, 'drive_c', 'rnrkit');
    mkdirSync(drive, { recursive: true });
    const flags = ['-O1', '-Wall', '-Wextra', '-Wl,--no-insert-timestamp'];
    execFileSync(CC, [...flags, '-o', join(drive, 'target.exe'), join(dir, 'target.c'), '-lws2_32'], { stdio: 'inherit' });
    execFileSync(CC, [...flags, '-o', join(drive, 'dumper.exe'), join(dir, 'dumper.c'), '-ldbghelp'], { stdio: 'inherit' });
    const wine = have('wine64') ? 'wine64' : 'wine';
    // A minimal environment: the target's memory (scrubbed anyway) should not
    // carry this machine's variables.
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, WINEPREFIX: prefix, WINEDEBUG: '-all',
      WINEDLLOVERRIDES: 'mscoree,mshtml=', LANG: 'C', TZ: 'UTC',
    };
    try {
      // Wine's first run in a fresh prefix chatters on stderr; show it only when the run fails.
      execFileSync(wine, ['C:\\rnrkit\\dumper.exe', 'C:\\rnrkit\\target.exe', 'C:\\rnrkit\\sidecar.json', 'C:\\rnrkit\\out.dmp'], {
        cwd: drive, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000,
      });
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: Buffer; stderr?: Buffer };
      process.stderr.write(`${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
      throw e;
    } finally {
      // Stop this prefix's wineserver before its directory goes; exit 1 means it already stopped.
      try { execFileSync('wineserver', ['-k'], { env, stdio: 'ignore' }); } catch { /* not running */ }
    }
    const sidecar = JSON.parse(readFileSync(join(drive, 'sidecar.json'), 'utf8')) as Sidecar;
    const keep = [...sidecar.sets, ...sidecar.decoys].flatMap((s) => s.blocks.map(([at, size]) => [parseAddress(at), size] as const));
    const dump = scrubDump(readFileSync(join(drive, 'out.dmp')), keep);
    return { dump, sidecar };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What the tests rely on, checked on a freshly made dump. Returns the problems found. */
export function validate(dump: Uint8Array, sidecar: Sidecar): string[] {
  const problems: string[] = [];
  const md = Minidump.fromBytes(dump);
  if (md.arch !== 'x64') problems.push(`arch is ${String(md.arch)}, not x64`);
  if (md.warnings.length > 0) problems.push(`warnings: ${md.warnings.join('; ')}`);
  if (!md.streams.some((s) => s.type === 0xfff0)) problems.push('no Wine stream 0xfff0 (is this still a Wine dump?)');
  const candidates = scanQuerySets(md);
  for (const set of sidecar.sets) {
    const at = parseAddress(set.at);
    for (const [block, size] of set.blocks) {
      if (md.mappedLength(parseAddress(block), size) !== size) problems.push(`${set.name}: block ${block}+${size} is not mapped`);
    }
    const found = candidates.find((c) => c.at === at && c.arch === 'x64');
    if (!found) problems.push(`${set.name}: the scanner does not find the set at ${set.at}`);
    else if (found.charset !== set.charset) problems.push(`${set.name}: the scanner calls it ${found.charset}, not ${set.charset}`);
  }
  md.close();
  return problems;
}

const write = process.argv.includes('--write');
writeFileSync(join(dir, 'format.json'), formatProbe());
console.log('wrote fixtures/dumps/format.json');

if (process.argv.includes('--format-only')) {
  // Only the compiler's layouts: nothing below runs.
} else if (!have('wine64') && !have('wine')) {
  console.log(`!! wine is not installed: ${DUMP}.dmp.gz is not regenerated (the committed dump is still tested by npm test)`);
} else {
  const { dump, sidecar } = makeDump();
  const problems = validate(dump, sidecar);
  if (problems.length > 0) {
    console.error(`!! the regenerated dump fails validation:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  const sidecarText = `${JSON.stringify(sidecar, null, 2)}\n`;
  if (write) {
    writeFileSync(join(dir, `${DUMP}.dmp.gz`), gzipSync(dump, { level: 9 }));
    writeFileSync(join(dir, `${DUMP}.json`), sidecarText);
    console.log(`wrote fixtures/dumps/${DUMP}.dmp.gz (${dump.length} bytes unpacked) and ${DUMP}.json`);
  } else {
    // The expectations (what the target built) must not drift, even though the bytes do.
    const committedPath = join(dir, `${DUMP}.json`);
    const committed = existsSync(committedPath) ? (JSON.parse(readFileSync(committedPath, 'utf8')) as Sidecar) : undefined;
    const expectations = (s: Sidecar) => JSON.stringify(s.sets.map(({ name, charset, expected }) => ({ name, charset, expected })));
    if (!committed || expectations(committed) !== expectations(sidecar)) {
      console.error(`!! fixtures/dumps/${DUMP}.json: the target now plants different sets; run npx tsx scripts/fixtures-dumps.ts --write and commit`);
      process.exit(1);
    }
    const committedDump = gunzipSync(readFileSync(join(dir, `${DUMP}.dmp.gz`)));
    const committedProblems = validate(committedDump, committed);
    if (committedProblems.length > 0) {
      console.error(`!! the committed dump fails validation:\n  ${committedProblems.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`${DUMP}.dmp.gz: regenerated with Wine and validated; byte-for-byte drift check SKIPPED on purpose: a Wine dump`
      + ' carries the wall-clock time (MINIDUMP_HEADER.TimeDateStamp) and Linux library addresses (stream 0xfff0), so no two runs'
      + ' are identical. The committed dump is left as is (--write replaces it).');
  }
}
