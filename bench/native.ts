import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Compile bench/native/NAME.c with `cc -O2` into bench/native/build/ (when
 * the source is newer than the binary) and return the binary's path.
 */
export function compileNative(name: string): string {
  const source = join(here, 'native', `${name}.c`);
  const outDir = join(here, 'native', 'build');
  mkdirSync(outDir, { recursive: true });
  const binary = join(outDir, name);
  let fresh = false;
  try {
    fresh = statSync(binary).mtimeMs >= statSync(source).mtimeMs;
  } catch {
    /* not built yet */
  }
  if (!fresh)
    execFileSync('cc', ['-O2', '-std=c11', '-o', binary, source], { stdio: ['ignore', 'inherit', 'inherit'] });
  return binary;
}

/**
 * Run a native baseline that prints `hz=<units per second>` on its last
 * line, feeding it `input` (a file path or bytes on stdin).
 */
export function runNative(binary: string, args: string[], input?: Uint8Array): number {
  const out = execFileSync(binary, args, {
    input,
    maxBuffer: 1 << 20,
    stdio: [input ? 'pipe' : 'ignore', 'pipe', 'inherit'],
  }).toString();
  const m = /hz=([0-9.eE+]+)\s*$/.exec(out.trim());
  if (!m) throw new Error(`${binary} printed no hz= line: ${out}`);
  return Number(m[1]);
}
