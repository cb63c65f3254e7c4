import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fullSet } from '../helpers/samples.js';

/**
 * Every `rnrkit service` subcommand chooses its backend with the same
 * options and the same checks (src/cli/commands/service-directory.ts):
 * --store and --directory together, or a directory option without a
 * directory, is a usage error (exit 2) before anything is opened or
 * connected to.
 */
const work = mkdtempSync(join(tmpdir(), 'rnrkit-cli-backends-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const store = join(work, 'never.db');
const query = join(work, 'q.json');
writeFileSync(query, JSON.stringify(fullSet()));
const GUID = '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}';
const subcommands: [string, string[], string][] = [
  ['register', ['register', query], 'used'],
  ['deregister', ['deregister', query], 'used'],
  ['delete', ['delete', query], 'used'],
  ['list', ['list'], 'listed'],
  ['providers', ['providers'], 'described'],
  ['lookup', ['lookup', '--class', GUID], 'looked up'],
];

describe('rnrkit service: one choice of backend', () => {
  it.each(subcommands)(
    '%s refuses --store with --directory, and directory options without one',
    async (_, args, use) => {
      // A port nothing listens on: the refusal must come before any connection.
      const both = await runCli(['service', ...args, '--store', store, '--directory', 'ldaps://127.0.0.1:1/DC=x']);
      expect([both.code, both.stdout, both.stderr]).toEqual([
        2,
        '',
        'rnrkit: --store and --directory are two backends: give one\n',
      ]);
      const stray = await runCli(['service', ...args, '--store', store, '--timeout', '5']);
      expect([stray.code, stray.stdout, stray.stderr]).toEqual([
        2,
        '',
        `rnrkit: --timeout needs --directory (or RNRKIT_DIRECTORY); without one, the embedded store is ${use}\n`,
      ]);
      expect(existsSync(store)).toBe(false);
    },
  );

  it('list and providers take no arguments', async () => {
    for (const sub of ['list', 'providers']) {
      const r = await runCli(['service', sub, 'extra', '--store', store]);
      expect([r.code, r.stderr]).toEqual([2, `rnrkit: service ${sub} takes no arguments\n`]);
    }
  });
});
