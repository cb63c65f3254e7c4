import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { querySet, tcp, tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
let store: string;
let query: string;
beforeEach(() => {
  temp = tempDir();
  store = temp.file('registry.db');
  query = temp.file('query.json');
  writeFileSync(query, JSON.stringify(querySet([tcp(1), tcp(2)])));
});
afterEach(() => temp.remove());

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const parse = (text: string) => JSON.parse(text) as Record<string, unknown>;

async function service(...args: string[]) {
  return runCli(['service', ...args]);
}

describe('rnrkit service', () => {
  it('register, list, deregister --multiple, delete: JSON results and exit codes', async () => {
    const registered = await service('register', query, '--store', store, '--as', 'alice');
    expect(registered.code).toBe(0);
    const body = parse(registered.stdout);
    expect(body.result).toBe(0);
    expect(body.providers).toMatchObject([
      {
        name: 'rnrkit Directory (persistent store)',
        result: 0,
        outcome: { object: 'created', state: 'REGISTERED', addressCount: 2 },
      },
    ]);

    const listed = await service('list', '--store', store);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      {
        provider: '{D7AE15EF-A077-45D2-A468-12B70B25D016}',
        namespace: 32,
        lpServiceClassId: '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}',
        lpszServiceInstanceName: 'Printer',
        lpszContext: null,
        state: 'REGISTERED',
        owner: 'alice',
        lpcsaBuffer: [tcp(1), tcp(2)],
      },
    ]);

    const one = temp.file('one.json');
    writeFileSync(one, JSON.stringify(querySet([tcp(2)])));
    expect((await service('deregister', one, '--multiple', '--store', store, '--as', 'alice')).code).toBe(0);
    expect(JSON.parse((await service('list', '--store', store)).stdout)[0]).toMatchObject({
      state: 'REGISTERED',
      lpcsaBuffer: [tcp(1)],
    });

    expect((await service('delete', query, '--store', store, '--as', 'alice')).code).toBe(0);
    expect(JSON.parse((await service('list', '--store', store)).stdout)).toEqual([]);
  });

  it('a Winsock error is {"result":-1,"error","code","message"} on stdout and exit 1', async () => {
    const r = await service('delete', query, '--store', store);
    expect(r.code).toBe(1);
    expect(parse(r.stdout)).toMatchObject({ result: -1, error: 'WSASERVICE_NOT_FOUND', code: 10108 });
    expect(parse(r.stdout).message).toMatch(/no such service/);
    expect(r.stderr).toBe('');
  });

  it('--as decides the owner: another principal gets WSAEACCES', async () => {
    await service('register', query, '--store', store, '--as', 'alice');
    const r = await service('delete', query, '--store', store, '--as', 'mallory');
    expect(r.code).toBe(1);
    expect(parse(r.stdout)).toMatchObject({ result: -1, error: 'WSAEACCES', code: 10013 });
  });

  it('--arch decides the valid dwSize (default x64)', async () => {
    const x86 = temp.file('x86.json');
    writeFileSync(x86, JSON.stringify(querySet([tcp(1)], { dwSize: 60 })));
    expect((await service('register', x86, '--arch', 'x86', '--store', store)).code).toBe(0);
    const r = await service('register', x86, '--store', store);
    expect(r.code).toBe(1);
    expect(parse(r.stdout)).toMatchObject({
      error: 'WSAEINVAL',
      code: 10022,
      message: 'dwSize: 60 is not sizeof(WSAQUERYSETW) on x64 (120)',
    });
  });

  it('the store defaults to $RNRKIT_STORE', async () => {
    const previous = process.env.RNRKIT_STORE;
    process.env.RNRKIT_STORE = temp.file('from-env.db');
    try {
      expect((await service('register', query)).code).toBe(0);
      expect(existsSync(temp.file('from-env.db'))).toBe(true);
      expect(JSON.parse((await service('list')).stdout)).toHaveLength(1);
    } finally {
      if (previous === undefined) delete process.env.RNRKIT_STORE;
      else process.env.RNRKIT_STORE = previous;
    }
  });

  it('providers lists the catalog without touching a store', async () => {
    const r = await service('providers', '--store', store);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        id: '{D7AE15EF-A077-45D2-A468-12B70B25D016}',
        namespace: 32,
        name: 'rnrkit Directory (persistent store)',
        enabled: true,
        implementsSetService: true,
      },
      {
        id: '{0C56C342-1C05-4229-8179-DCEE04E3F55A}',
        namespace: 12,
        name: 'rnrkit DNS',
        enabled: true,
        implementsSetService: true,
      },
      {
        id: '{7B043709-D095-4D8F-B756-228369648292}',
        namespace: 1,
        name: 'rnrkit SAP',
        enabled: true,
        implementsSetService: true,
      },
      {
        id: '{06AA63E0-7D60-41FF-AFB2-3EE6D2D9392D}',
        namespace: 16,
        name: 'rnrkit Bluetooth',
        enabled: true,
        implementsSetService: true,
      },
    ]);
    expect(existsSync(store)).toBe(false);
  });

  it('list of a store that does not exist is [] and does not create it', async () => {
    const r = await service('list', '--store', store);
    expect(r).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(existsSync(store)).toBe(false);
  });

  it('reads QUERY.json from stdin with -', () => {
    const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', main, 'service', 'register', '-', '--store', store], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      input: JSON.stringify(querySet([tcp(7)])),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(parse(r.stdout).result).toBe(0);
  });
});

describe('bad input leaves the store unchanged', () => {
  beforeEach(async () => {
    expect((await service('register', query, '--store', store)).code).toBe(0);
  });

  async function expectUnchanged(args: string[], expected: { code: number; stderr?: RegExp; error?: string }) {
    const before = hash(store);
    const r = await service(...args);
    expect(r.code).toBe(expected.code);
    if (expected.stderr) {
      expect(r.stderr).toMatch(expected.stderr);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    if (expected.error) expect(parse(r.stdout)).toMatchObject({ result: -1, error: expected.error });
    expect(hash(store)).toBe(before);
  }

  it('broken JSON', async () => {
    const broken = temp.file('broken.json');
    writeFileSync(broken, '{"dwSize": 120, "lpszServiceInstanceName": ');
    await expectUnchanged(['register', broken, '--store', store], {
      code: 1,
      stderr: /^rnrkit: .*broken\.json is not JSON/,
    });
  });

  it('JSON that is not a query set', async () => {
    const wrong = temp.file('wrong.json');
    writeFileSync(wrong, JSON.stringify({ ...querySet([tcp(1)]), dwNumberOfCsAddrs: 5 }));
    await expectUnchanged(['delete', wrong, '--store', store], { code: 1, error: 'WSAEINVAL' });
  });

  it('a wrong dwSize', async () => {
    const wrong = temp.file('size.json');
    writeFileSync(wrong, JSON.stringify(querySet([tcp(1)], { dwSize: 64 })));
    await expectUnchanged(['delete', wrong, '--store', store], { code: 1, error: 'WSAEINVAL' });
  });

  it('unknown flags (options) and subcommands', async () => {
    await expectUnchanged(['delete', query, '--store', store, '--multiple-ish'], {
      code: 2,
      stderr: /Unknown option '--multiple-ish'/,
    });
    await expectUnchanged(['remove', query, '--store', store], {
      code: 2,
      stderr: /one of register, deregister, delete, list, providers/,
    });
    await expectUnchanged(['delete', query, '--store', store, '--arch', 'arm64'], {
      code: 2,
      stderr: /unknown arch "arm64"/,
    });
  });

  it('a validation failure does not create a store that did not exist', async () => {
    const fresh = temp.file('fresh.db');
    const wrong = temp.file('size.json');
    writeFileSync(wrong, JSON.stringify(querySet([tcp(1)], { dwSize: 64 })));
    expect((await service('register', wrong, '--store', fresh)).code).toBe(1);
    expect(existsSync(fresh)).toBe(false);
  });

  it('a foreign, a newer or an unreadable store file', async () => {
    const foreign = temp.file('foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    const before = hash(foreign);
    for (const sub of [['register', query], ['list']]) {
      const r = await service(...sub, '--store', foreign);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^rnrkit: .*foreign\.db is not an rnrkit store/);
    }
    expect(hash(foreign)).toBe(before);

    const text = temp.file('notes.txt');
    writeFileSync(text, 'not a database at all, just some notes that happen to be long enough\n');
    const textBefore = hash(text);
    expect((await service('register', query, '--store', text)).stderr).toMatch(
      /not an rnrkit store \(not an SQLite database\)/,
    );
    expect(hash(text)).toBe(textBefore);

    const newer = temp.file('newer.db');
    expect((await service('register', query, '--store', newer)).code).toBe(0);
    const n = new Database(newer);
    n.pragma('user_version = 7');
    n.close();
    const newerBefore = hash(newer);
    expect((await service('delete', query, '--store', newer)).stderr).toMatch(/schema version 7, newer than the 2/);
    expect(hash(newer)).toBe(newerBefore);

    const dir = temp.file('dir.db');
    mkdirSync(dir);
    const r = await service('register', query, '--store', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is a directory, not a store file/);
  });
});
