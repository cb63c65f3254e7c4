/**
 * One Wine prefix for one run of the Windows suite, in a temporary folder:
 * created once (wineboot -i, the slow part), shared by the x64 and x86
 * processes, removed at the end. A Windows process's stdout and stderr go
 * to files: under Wine, Node cannot write to a pipe.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WindowsRun {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** The Windows path Wine gives a Linux path (drive Z: is the Linux root). */
export function windowsPath(linuxPath: string): string {
  return `Z:${linuxPath.replaceAll('/', '\\')}`;
}

export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export class WinePrefix {
  readonly root = mkdtempSync(join(tmpdir(), 'rnrkit-windows-'));
  readonly prefix = join(this.root, 'prefix');
  private runs = 0;

  env(): NodeJS.ProcessEnv {
    // mscoree/mshtml disabled: a fresh prefix would otherwise offer to install Mono and Gecko.
    return {
      ...process.env,
      WINEPREFIX: this.prefix,
      WINEDEBUG: '-all',
      WINEDLLOVERRIDES: 'mscoree,mshtml=d',
      NODE_SKIP_PLATFORM_CHECK: '1',
    };
  }

  /** wineboot -i; an error message when the prefix could not be made. */
  boot(): string | undefined {
    const r = spawnSync('wineboot', ['-i'], { env: this.env(), stdio: 'ignore', timeout: 240_000 });
    return r.status === 0
      ? undefined
      : `wineboot -i failed (status ${String(r.status)}${r.error ? `, ${r.error.message}` : ''})`;
  }

  /** Run a Windows program to completion with stdout and stderr in files. */
  run(exe: string, args: readonly string[], timeoutMs = 180_000): WindowsRun {
    const n = this.runs++;
    const stdoutPath = join(this.root, `stdout-${n}.txt`);
    const stderrPath = join(this.root, `stderr-${n}.txt`);
    const stdout = openSync(stdoutPath, 'w');
    const stderr = openSync(stderrPath, 'w');
    const started = performance.now();
    let status: number | null;
    try {
      status = spawnSync('wine', [exe, ...args], {
        env: this.env(),
        stdio: ['ignore', stdout, stderr],
        timeout: timeoutMs,
      }).status;
    } finally {
      closeSync(stdout);
      closeSync(stderr);
    }
    return {
      status,
      stdout: readFileSync(stdoutPath, 'utf8'),
      stderr: readFileSync(stderrPath, 'utf8'),
      seconds: (performance.now() - started) / 1000,
    };
  }

  close(): void {
    spawnSync('wineserver', ['-k'], { env: this.env(), stdio: 'ignore', timeout: 60_000 });
    rmSync(this.root, { recursive: true, force: true });
  }
}
