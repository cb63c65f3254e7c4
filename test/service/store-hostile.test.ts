import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, StoreBusyError, StoreError, WinsockRegistry } from '../../src/service/index.js';
import { runCli } from '../helpers/cli.js';
import { querySet, tcp, tempDir } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const RACE_WORKER = fileURLToPath(new URL('./workers/create-race.ts', import.meta.url));

let temp: ReturnType<typeof tempDir>;
let query: string;
beforeEach(() => {
  temp = tempDir();
  query = temp.file('query.json');
  writeFileSync(query, JSON.stringify(querySet([tcp(1)])));
});
afterEach(() => temp.remove());

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('a store that would keep nothing is refused', () => {
  for (const path of ['', ':memory:', 'file::memory:', 'file:kept.db?mode=memory', 'FILE:x.db', '   ']) {
    it(`openStore(${JSON.stringify(path)})`, () => {
      expect(() => openStore(path)).toThrow(StoreError);
    });
  }

  it('on the command line: one line, exit 1, and nothing is acknowledged', async () => {
    for (const path of ['', ':memory:', 'file::memory:', `file:${temp.file('u.db')}?mode=memory`]) {
      const r = await runCli(['service', 'register', query, '--store', path]);
      expect(r.code, path).toBe(1);
      expect(r.stdout, path).toBe('');
      expect(r.stderr, path).toMatch(/^rnrkit: .*(empty|in-memory|URI filename).*\n$/);
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
  });

  it('an empty RNRKIT_STORE is named, not read as "rnrkit.db" or as a temporary database', async () => {
    const saved = process.env.RNRKIT_STORE;
    process.env.RNRKIT_STORE = '';
    try {
      const r = await runCli(['service', 'register', query]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'rnrkit: RNRKIT_STORE is set but empty: name the store file, or unset it to use rnrkit.db\n',
      );
      expect((await runCli(['service', 'list'])).code).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.RNRKIT_STORE;
      else process.env.RNRKIT_STORE = saved;
    }
  });

  it('a FIFO or a device is not a store file', async () => {
    const fifo = temp.file('pipe.db');
    execFileSync('mkfifo', [fifo]);
    expect(() => openStore(fifo)).toThrow(/is not a regular file/);
    expect(() => openStore('/dev/null')).toThrow(/is not a regular file/);
    const r = await runCli(['service', 'register', query, '--store', fifo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rnrkit: .*pipe\.db is not a regular file/);
  });
});

describe('a busy store', () => {
  it('is a StoreBusyError once the busy timeout runs out, and nothing changes', () => {
    const file = temp.file('busy.db');
    const store = openStore(file, { busyTimeoutMs: 100 });
    const registry = new WinsockRegistry({ store, principal: 'alice' });
    registry.startup();
    expect(registry.setService(querySet([tcp(1)]), 0, 0)).toBe(0);
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      expect(() => registry.setService(querySet([tcp(2)], { lpszServiceInstanceName: 'Other' }), 0, 0)).toThrow(
        StoreBusyError,
      );
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(store.list().map((o) => o.lpszServiceInstanceName)).toEqual(['Printer']);
    store.close();
  });

  it('on the command line: one line naming the store, exit 1, the file unchanged', async () => {
    const file = temp.file('busy.db');
    expect((await runCli(['service', 'register', query, '--store', file, '--as', 'alice'])).code).toBe(0);
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    const before = hash(file);
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli(['service', 'delete', query, '--store', file, '--as', 'alice', '--busy-timeout', '150']);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `rnrkit: ${file}: the store is busy: another process held its write lock for more than 150 ms; nothing was changed\n`,
    );
    expect(hash(file)).toBe(before);
    expect(JSON.parse((await runCli(['service', 'list', '--store', file])).stdout)).toHaveLength(1);
  });

  it('--busy-timeout must be a whole number of ms (usage, exit 2)', async () => {
    const r = await runCli(['service', 'register', query, '--store', temp.file('x.db'), '--busy-timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--busy-timeout/);
  });
});

describe('a store someone may only read', () => {
  it('can be listed', async () => {
    const file = temp.file('shared.db');
    const store = openStore(file);
    const registry = new WinsockRegistry({ store, principal: 'alice' });
    registry.startup();
    registry.setService(querySet([tcp(1)]), 0, 0);
    store.close();
    const before = hash(file);
    chmodSync(file, 0o444);
    chmodSync(temp.dir, 0o555);
    try {
      // Root ignores file modes, so the CLI runs as nobody there; elsewhere the modes alone make the file read-only.
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'service', 'list', '--store', file], {
        cwd: REPO,
        encoding: 'utf8',
        ...asNobody,
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject([{ lpszServiceInstanceName: 'Printer', owner: 'alice' }]);
    } finally {
      chmodSync(temp.dir, 0o755);
    }
    expect(hash(file)).toBe(before);
  });

  it('is opened read-only without writing anything, and a write through it is refused as a StoreError', () => {
    const file = temp.file('ro.db');
    openStore(file).close();
    const before = hash(file);
    const store = openStore(file, { readOnly: true });
    expect(store.list()).toEqual([]);
    const registry = new WinsockRegistry({ store, principal: 'alice' });
    registry.startup();
    expect(() => registry.setService(querySet([tcp(1)]), 0, 0)).toThrow(/cannot be written.*nothing was changed/);
    store.close();
    expect(hash(file)).toBe(before);
    expect(() => openStore(temp.file('missing.db'), { readOnly: true })).toThrow(/does not exist/);
  });
});

describe('creating a store concurrently', () => {
  it('8 processes registering into stores that do not exist yet: none fails', async () => {
    const rounds = Number(process.env.RNRKIT_CREATE_RACE_ROUNDS ?? 80);
    const start = Date.now() + 4000;
    const outputs = await Promise.all(
      Array.from(
        { length: 8 },
        (_, i) =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              ['--import', 'tsx', RACE_WORKER, temp.dir, String(rounds), String(start), '30', `p${i}`],
              { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
            );
            let out = '';
            child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
              out += chunk;
            });
            child.on('error', reject);
            child.on('exit', () => resolve(out));
          }),
      ),
    );
    const lines = outputs.join('').split('\n').filter(Boolean);
    expect(lines.filter((l) => l === 'done')).toHaveLength(8);
    expect(lines.filter((l) => l.startsWith('fail'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('ok'))).toHaveLength(8 * rounds);
    // And every store holds all eight registrations.
    for (let r = 0; r < rounds; r++) {
      const store = openStore(temp.file(`store-${r}.db`), { readOnly: true });
      expect(store.list()).toHaveLength(8);
      store.close();
    }
    expect(readdirSync(temp.dir).filter((f) => f.endsWith('.db'))).toHaveLength(rounds);
  }, 120_000);
});

describe('a store of schema version 1', () => {
  it('is upgraded when opened for writing, its usage counted from its rows', () => {
    const file = temp.file('v1.db');
    const store = openStore(file);
    const registry = new WinsockRegistry({ store, principal: 'alice' });
    registry.startup();
    registry.setService(querySet([tcp(1), tcp(2)]), 0, 0);
    registry.principal = 'bob';
    registry.setService(querySet([tcp(3)], { lpszServiceInstanceName: 'Scanner' }), 0, 0);
    store.close();
    // Back to what rnrkit 0.1 wrote: no usage table, user_version 1.
    const db = new Database(file);
    db.exec(
      'DROP TRIGGER principal_usage_inserted; DROP TRIGGER principal_usage_deleted; DROP TRIGGER principal_usage_updated; DROP TABLE principal_usage',
    );
    db.pragma('user_version = 1');
    db.close();
    expect(existsSync(file)).toBe(true);
    const listed = openStore(file, { readOnly: true });
    expect(listed.list()).toHaveLength(2);
    listed.close();
    const upgraded = openStore(file);
    expect(upgraded.usageOf('alice')).toEqual({ objects: 1, addresses: 2 });
    expect(upgraded.usageOf('bob')).toEqual({ objects: 1, addresses: 1 });
    expect(upgraded.usageOf('carol')).toEqual({ objects: 0, addresses: 0 });
    upgraded.close();
  });
});
