/**
 * rnrkit-ffi.dll for one arch, built with mingw-w64 from
 * test/windows/native/rnrkit_ffi.c, the codec fixtures' C sets
 * (fixtures/codec/src/sets_w.c and sets_a.c, renamed apart: each defines
 * the fixture list of its own program) and fixtures/abi/probe.c with its
 * compile-time PROBE turned into a call, so the same hand-written list of
 * structures and members is evaluated in a running process.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
export const MINGW = { x86: 'i686-w64-mingw32-gcc', x64: 'x86_64-w64-mingw32-gcc' } as const;

const ASM_PROBE = /#define PROBE\(label, value\) \\\n\s*__asm__ volatile\([^\n]*\)\n/;

export function buildDll(arch: keyof typeof MINGW, work: string): string {
  const gcc = MINGW[arch];
  const probe = readFileSync(join(repo, 'fixtures', 'abi', 'probe.c'), 'utf8');
  if (!ASM_PROBE.test(probe))
    throw new Error(
      'fixtures/abi/probe.c no longer defines PROBE as one __asm__ line: update test/windows/build-dll.ts',
    );
  const probeRuntime = join(work, 'probe_runtime.c');
  writeFileSync(
    probeRuntime,
    probe.replace(
      ASM_PROBE,
      'void rnr_probe_line(const char *label, long long value);\n#define PROBE(label, value) rnr_probe_line(label, (long long)(value))\n',
    ),
  );
  const flags = [
    '-std=c11',
    '-O1',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-I',
    join(repo, 'fixtures', 'codec', 'src'),
    '-I',
    join(repo, 'test', 'ffi'),
  ];
  const compile = (source: string, object: string, defines: string[] = []) => {
    execFileSync(gcc, [...flags, ...defines, '-c', '-o', join(work, object), source], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    return join(work, object);
  };
  const renamed = (suffix: string) => [
    `-Drnr_fixture_sets=rnr_fixture_sets_${suffix}`,
    `-Drnr_fixture_set_count=rnr_fixture_set_count_${suffix}`,
  ];
  const objects = [
    compile(join(repo, 'test', 'windows', 'native', 'rnrkit_ffi.c'), `rnrkit_ffi-${arch}.o`),
    compile(join(repo, 'fixtures', 'codec', 'src', 'sets_w.c'), `sets_w-${arch}.o`, renamed('w')),
    compile(join(repo, 'fixtures', 'codec', 'src', 'sets_a.c'), `sets_a-${arch}.o`, renamed('a')),
    compile(probeRuntime, `probe-${arch}.o`),
  ];
  const dll = join(work, `rnrkit-ffi-${arch}.dll`);
  // --kill-at: x86 __stdcall exports by their plain names (not _name@N).
  execFileSync(gcc, ['-shared', '-o', dll, ...objects, '-lws2_32', '-static-libgcc', '-Wl,--kill-at'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return dll;
}
