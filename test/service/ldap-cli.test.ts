/**
 * `rnrkit service … --directory`: the same JSON as the embedded store, and
 * every failure of the directory as one line with its own exit code
 * (docs/directory.md, "Failures and exit codes"). The failures a real DC will
 * not produce on demand (a schema without serviceInstance, a referral,
 * silence) come from a misbehaving fake server; the rest from the test DC.
 */

import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DC, NO_DC_REASON, testContainer } from './directory-backends.js';
import { fakeLdapServer, haveOpenssl, type Misbehaviour } from './fake-ldap-server.js';
import { querySet, tcp, tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
let query: string;
let passwordFile: string;
beforeEach(() => {
  temp = tempDir();
  query = temp.file('query.json');
  passwordFile = temp.file('password');
  writeFileSync(query, JSON.stringify(querySet([tcp(1), tcp(2)], { lpszComment: 'from the CLI' })));
  writeFileSync(passwordFile, 'not-a-real-password\n');
});
afterEach(() => temp.remove());

describe.skipIf(!haveOpenssl())('directory failures from a misbehaving server', { timeout: 30_000 }, () => {
  const cases: { mode: Misbehaviour; code: number; line: RegExp; extra?: string[] }[] = [
    { mode: 'no-schema', code: 8, line: /has no serviceInstance class/ },
    { mode: 'referral', code: 7, line: /referral/ },
    { mode: 'silent', code: 6, line: /time/i, extra: ['--timeout', '400'] },
  ];
  it.each(cases)('$mode: exit $code, one line, nothing on stdout', async ({ mode, code, line, extra }) => {
    const server = await fakeLdapServer(mode);
    try {
      for (const args of [['register', query, '--multiple'], ['list'], ['providers']]) {
        const r = await runCli([
          'service',
          ...args,
          '--directory',
          server.url,
          '--bind',
          'alice@fake.test',
          '--password-file',
          passwordFile,
          '--ca',
          server.ca,
          ...(extra ?? []),
        ]);
        expect(r.code, `${mode} ${args[0]}: ${r.stderr}`).toBe(code);
        expect(r.stderr).toMatch(line);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stdout).toBe('');
      }
    } finally {
      await server.close();
    }
  });

  it('nothing listening: exit 3; a certificate from an unknown CA: exit 4 (TLS is verified unless turned off loudly)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await runCli([
      'service',
      'list',
      '--directory',
      `ldaps://127.0.0.1:${port}/DC=x`,
      '--bind',
      'a@x',
      '--password-file',
      passwordFile,
    ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot be reached/);

    const server = await fakeLdapServer('no-schema');
    try {
      const untrusted = await runCli([
        'service',
        'list',
        '--directory',
        server.url,
        '--bind',
        'a@x',
        '--password-file',
        passwordFile,
      ]);
      expect(untrusted.code).toBe(4);
      expect(untrusted.stderr).toMatch(/certificate did not verify.*--ca/);
      const insecure = await runCli([
        'service',
        'list',
        '--directory',
        server.url,
        '--bind',
        'a@x',
        '--password-file',
        passwordFile,
        '--insecure-skip-tls-verify',
      ]);
      expect(insecure.stderr).toMatch(/WARNING: --insecure-skip-tls-verify/);
      expect(insecure.code).toBe(8);
    } finally {
      await server.close();
    }
  });

  it('usage: no password source, a password on the command line is not an option, --store with --directory, --as with a directory', async () => {
    const env = process.env.RNRKIT_BIND_PASSWORD;
    delete process.env.RNRKIT_BIND_PASSWORD;
    try {
      const noPassword = await runCli(['service', 'list', '--directory', 'ldaps://127.0.0.1/DC=x', '--bind', 'a@x']);
      expect(noPassword.code).toBe(2);
      expect(noPassword.stderr).toMatch(/--password-file FILE or RNRKIT_BIND_PASSWORD/);
    } finally {
      if (env !== undefined) process.env.RNRKIT_BIND_PASSWORD = env;
    }
    expect(
      (await runCli(['service', 'list', '--directory', 'ldaps://127.0.0.1/DC=x', '--bind', 'a@x', '--password', 'pw']))
        .code,
    ).toBe(2);
    expect(
      (await runCli(['service', 'list', '--directory', 'ldaps://127.0.0.1/DC=x', '--store', temp.file('s.db')])).code,
    ).toBe(2);
    expect(
      (
        await runCli([
          'service',
          'register',
          query,
          '--directory',
          'ldaps://127.0.0.1/DC=x',
          '--bind',
          'a@x',
          '--password-file',
          passwordFile,
          '--as',
          'bob',
        ])
      ).code,
    ).toBe(2);
    expect(
      (
        await runCli([
          'service',
          'list',
          '--directory',
          'ldap://127.0.0.1/DC=x',
          '--bind',
          'a@x',
          '--password-file',
          passwordFile,
        ])
      ).code,
    ).toBe(1);
    expect((await runCli(['service', 'list', '--bind', 'a@x'])).code).toBe(2);
  });
});

describe.skipIf(!DC)(
  `rnrkit service on the test DC${DC ? '' : ` (skipped: ${NO_DC_REASON})`}`,
  { timeout: 60_000 },
  () => {
    it("register, list, providers: the embedded store's JSON; a wrong password is exit 5; another user's object is WSAEACCES", async () => {
      const container = await testContainer(DC!);
      try {
        const alice = DC!.users[0]!;
        writeFileSync(passwordFile, `${alice.password}\n`);
        const common = [
          '--directory',
          container.url,
          '--bind',
          alice.bind,
          '--password-file',
          passwordFile,
          '--ca',
          DC!.ca,
        ];
        const registered = await runCli(['service', 'register', query, '--multiple', ...common]);
        expect(registered.code, registered.stderr).toBe(0);
        expect(JSON.parse(registered.stdout)).toMatchObject({
          result: 0,
          providers: [{ namespace: 32, result: 0, outcome: { object: 'created', addressCount: 2 } }],
        });

        const listed = await runCli(['service', 'list', ...common]);
        expect(listed.code).toBe(0);
        const embedded = temp.file('store.db');
        await runCli(['service', 'register', query, '--multiple', '--store', embedded, '--as', 'alice']);
        const fromStore = JSON.parse((await runCli(['service', 'list', '--store', embedded])).stdout) as unknown[];
        // The same JSON, member for member; the owner is the directory's account name.
        expect(JSON.parse(listed.stdout)).toEqual(fromStore);

        const providers = JSON.parse((await runCli(['service', 'providers', ...common])).stdout) as {
          namespace: number;
          name: string;
          implementsSetService: boolean;
        }[];
        expect(providers[0]).toMatchObject({ namespace: 32, implementsSetService: true });
        expect(providers[0]!.name).toContain(container.dn);

        writeFileSync(passwordFile, 'wrong\n');
        const badBind = await runCli(['service', 'list', ...common]);
        expect(badBind.code).toBe(5);
        expect(badBind.stderr).toMatch(/bind was refused/);

        const bob = DC!.users[1]!;
        process.env.RNRKIT_BIND_PASSWORD = bob.password;
        try {
          const denied = await runCli([
            'service',
            'delete',
            query,
            '--directory',
            container.url,
            '--bind',
            bob.bind,
            '--ca',
            DC!.ca,
          ]);
          expect(denied.code).toBe(1);
          expect(JSON.parse(denied.stdout)).toMatchObject({ result: -1, error: 'WSAEACCES', code: 10013 });
        } finally {
          delete process.env.RNRKIT_BIND_PASSWORD;
        }
      } finally {
        await container.remove();
      }
    });
  },
);
