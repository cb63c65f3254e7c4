import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Compile C sources (paths relative to the repository) with the host's `cc`
 * into the shared library `output`, warnings as errors, with the codec
 * fixtures' headers on the include path: what the koffi tests load.
 */
export function buildSharedLibrary(output: string, sources: readonly string[]): string {
  execFileSync(
    'cc',
    [
      ...['-shared', '-fPIC', '-O1', '-std=c11', '-Wall', '-Wextra', '-Werror'],
      ...['-I', join(repo, 'fixtures', 'codec', 'src'), '-o', output],
      ...sources.map((source) => join(repo, source)),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return output;
}
