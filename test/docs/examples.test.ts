/**
 * Every example in README.md and docs/ is run, so none can rot:
 *
 * - a ```ts or ```js block is a program: it runs as an ES module (through
 *   tsx) that imports rnrkit by its package name, in a fresh folder where
 *   `fixtures/` is the repository's; it must exit 0 and print nothing on stderr;
 * - a ```console block is a terminal session: its `$` lines run in order in
 *   one bash, in one fresh folder (`npx rnrkit` is the built CLI), and the
 *   lines shown under each must appear in what it prints, in order; `…` in a
 *   shown line stands for any text. A command that exits non-zero fails the
 *   example unless the next line shown is `$ echo $?`, which then shows it.
 *
 * ```sh and ``` blocks are not run (installs, sketches that need Windows or a
 * server). A ```js block right after `<!-- recipe: NAME -->` in docs/ffi.md is
 * run in real Windows processes under Wine by test/windows, so it is skipped
 * here, by name. Examples import the built package (dist/).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Block, blocks, markdownFiles, root } from './markdown.js';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'rnrkit-examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** One node_modules for every example: the repository's packages, plus rnrkit itself by name. */
let sharedModules: string | undefined;
function modules(): string {
  if (sharedModules) return sharedModules;
  const dir = join(scratch, 'node_modules');
  mkdirSync(dir);
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name !== '.bin' && name !== 'rnrkit') symlinkSync(join(root, 'node_modules', name), join(dir, name));
  }
  symlinkSync(root, join(dir, 'rnrkit'));
  mkdirSync(join(scratch, 'bin'));
  writeFileSync(
    join(scratch, 'bin', 'rnrkit'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, 'dist/cli/main.js'))} "$@"\n`,
    { mode: 0o755 },
  );
  sharedModules = dir;
  return dir;
}

let workspaces = 0;
/** A fresh folder where `import 'rnrkit'` is this repository, `fixtures/` is its fixtures and `rnrkit` is on PATH. */
function workspace(): string {
  const shared = modules();
  const dir = join(scratch, `example-${++workspaces}`);
  mkdirSync(dir);
  symlinkSync(shared, join(dir, 'node_modules'));
  symlinkSync(join(root, 'fixtures'), join(dir, 'fixtures'));
  return dir;
}

const environment = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${join(scratch, 'bin')}:${process.env.PATH}`,
  NO_COLOR: '1',
  FORCE_COLOR: '0',
});

function shownLinePattern(shown: string): RegExp {
  const parts = shown
    .trimEnd()
    .split('…')
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

interface Step {
  command: string;
  shown: string[];
}

function sessionSteps(text: string): Step[] {
  const steps: Step[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), shown: [] });
    else if (line.trim() !== '') steps.at(-1)?.shown.push(line);
  }
  return steps;
}

const marker = (index: number) => `--rnrkit-example-step-${index}--`;

/** One bash script for the whole session: cd, variables and `$?` carry over as in a terminal. */
function sessionScript(steps: Step[]): string {
  const lines = ['exec 2>&1'];
  steps.forEach((step, index) => {
    const command = step.command.replace(/^npx rnrkit\b/, 'rnrkit');
    lines.push(
      `__status=$?; printf '\\n%s\\n' '${marker(index)}'; (exit $__status)`,
      command,
      `__status=$?; printf '\\n%s %d\\n' '${marker(index)}' "$__status"; (exit $__status)`,
    );
  });
  return `${lines.join('\n')}\n`;
}

function stepOutputs(printed: string, count: number): { output: string[]; status: number | null }[] {
  const outputs: { output: string[]; status: number | null }[] = [];
  for (let index = 0; index < count; index++) {
    const start = printed.indexOf(`\n${marker(index)}\n`);
    const end = start < 0 ? -1 : printed.indexOf(`\n${marker(index)} `, start + 1);
    if (start < 0 || end < 0) {
      outputs.push({ output: start < 0 ? [] : printed.slice(start).split('\n'), status: null });
      break;
    }
    const status = Number(/^(\d+)/.exec(printed.slice(end + marker(index).length + 2))?.[1]);
    outputs.push({ output: printed.slice(start + marker(index).length + 2, end).split('\n'), status });
  }
  return outputs;
}

/** Programs a session may use beyond bash, coreutils and rnrkit; a bare machine may lack them. */
const optionalTools = ['jq'];
function missingTools(text: string): string[] {
  return optionalTools.filter(
    (tool) =>
      sessionSteps(text).some((step) => new RegExp(`(^|[|;&]\\s*)${tool}\\s`).test(step.command)) &&
      spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
}

const all: Block[] = markdownFiles().flatMap(blocks);
const programs = all.filter((b) => b.lang === 'ts' || b.lang === 'js');
const sessions = all.filter((b) => b.lang === 'console');
const built = existsSync(join(root, 'dist/index.js')) && existsSync(join(root, 'dist/cli/main.js'));
if (!built) console.log('examples in README.md and docs/: skipped, dist/ is missing (npm run build)');

describe.skipIf(!built)('examples in README.md and docs/ (needs dist/: npm run build)', () => {
  it('there are examples to run', () => {
    expect(programs.filter((b) => !b.recipe).length).toBeGreaterThan(3);
    expect(sessions.length).toBeGreaterThan(3);
  });

  for (const block of programs) {
    const where = `${block.file}:${block.line}`;
    if (block.recipe) {
      it.skip(`${where} (recipe ${block.recipe}) runs under Wine in test/windows, not here`, () => {});
      continue;
    }
    it.concurrent(`${where} runs`, async () => {
      const dir = workspace();
      const file = join(dir, block.lang === 'ts' ? 'example.mts' : 'example.mjs');
      writeFileSync(file, `${block.text}\n`);
      const r = await run(process.execPath, ['--import', 'tsx', file], dir, environment(), 60_000);
      expect(r.stderr, `${where} wrote to stderr`).toBe('');
      expect(r.status, `${where} exited ${r.status}\n${r.stdout}`).toBe(0);
    });
  }

  for (const block of sessions) {
    const where = `${block.file}:${block.line}`;
    const missing = missingTools(block.text);
    if (missing.length > 0) {
      it.skip(`${where} needs ${missing.join(', ')}, not installed here (CI installs it: .ci/services/examples.sh)`, () => {});
      continue;
    }
    it.concurrent(`${where} prints what it shows`, async () => {
      const steps = sessionSteps(block.text);
      expect(steps.length, `${where}: a console block with no \`$ \` command`).toBeGreaterThan(0);
      const dir = workspace();
      writeFileSync(join(dir, 'session.sh'), sessionScript(steps));
      const r = await run('bash', ['session.sh'], dir, environment(), 120_000);
      const outputs = stepOutputs(r.stdout, steps.length);
      steps.forEach((step, index) => {
        const { output, status } = outputs[index] ?? { output: [], status: null };
        const printed = output.map((line) => line.trimEnd());
        const context = `${where}: \`${step.command}\``;
        expect(status, `${context} did not finish\n${r.stdout}`).not.toBeNull();
        if (status !== 0 && steps[index + 1]?.command.trim() !== 'echo $?') {
          expect.fail(
            `${context} exited ${status} (show it with \`$ echo $?\` if that is meant)\n${printed.join('\n')}`,
          );
        }
        let at = 0;
        for (const shown of step.shown) {
          const pattern = shownLinePattern(shown);
          while (at < printed.length && !pattern.test(printed[at] ?? '')) at++;
          expect(at < printed.length, `${context} did not print\n${shown}\nit printed:\n${printed.join('\n')}`).toBe(
            true,
          );
          at++;
        }
      });
    });
  }
});
