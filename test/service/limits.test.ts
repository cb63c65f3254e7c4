import { existsSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore, StoreBusyError, WinsockRegistry } from '../../src/service/index.js';
import { runCli } from '../helpers/cli.js';
import { freshRegistry, querySet, tcp, tempDir, winsockError } from './helpers.js';

describe('field sizes', () => {
  const env = freshRegistry();

  const oversized: [string, Parameters<typeof querySet>[1], RegExp][] = [
    [
      'lpszServiceInstanceName',
      { lpszServiceInstanceName: 'n'.repeat(1025) },
      /1025 characters exceed the limit of 1024/,
    ],
    ['lpszComment', { lpszComment: 'c'.repeat(16_385) }, /16385 characters exceed the limit of 16384/],
    ['lpszContext', { lpszContext: 'x'.repeat(4097) }, /4097 characters exceed the limit of 4096/],
    [
      'lpBlob.cbSize',
      { lpBlob: { cbSize: 65_537, pBlobData: '00'.repeat(65_537) } },
      /65537 bytes exceed the limit of 65536/,
    ],
  ];
  for (const [field, overrides, message] of oversized) {
    it(`${field} over its limit is WSA_NOT_ENOUGH_MEMORY naming it, and nothing is stored`, () => {
      const e = winsockError(() => env.registry.setServiceTyped(querySet([tcp(1)], overrides), 0, 0));
      expect(e.name).toBe('WSA_NOT_ENOUGH_MEMORY');
      expect(e.path).toBe(field);
      expect(e.message).toMatch(message);
      expect(env.store.list()).toEqual([]);
    });
  }

  it('a sockaddr longer than SOCKADDR_STORAGE is refused, naming the entry', () => {
    const long = { ...tcp(2), LocalAddr: { lpSockaddr: `0200${'00'.repeat(127)}`, iSockaddrLength: 129 } };
    const e = winsockError(() => env.registry.setServiceTyped(querySet([tcp(1), long]), 0, 0));
    expect(e.name).toBe('WSA_NOT_ENOUGH_MEMORY');
    expect(e.path).toBe('lpcsaBuffer[1].LocalAddr.iSockaddrLength');
  });

  it('at the limit is accepted', () => {
    expect(
      env.registry.setService(
        querySet([tcp(1)], { lpszServiceInstanceName: 'n'.repeat(1024), lpszComment: 'c'.repeat(16_384) }),
        0,
        0,
      ),
    ).toBe(0);
    expect(env.store.list()).toHaveLength(1);
  });

  it('limits are options, checked when the registry is made', () => {
    const strict = new WinsockRegistry({ store: env.store, fieldLimits: { maxCommentUnits: 4 } });
    strict.startup();
    expect(winsockError(() => strict.setServiceTyped(querySet([tcp(1)], { lpszComment: 'hello' }), 0, 0)).path).toBe(
      'lpszComment',
    );
    expect(() => new WinsockRegistry({ fieldLimits: { maxCommentUnits: -1 } })).toThrow(/non-negative integer/);
    expect(() => new WinsockRegistry({ fieldLimits: { maxComment: 1 } as never })).toThrow(
      /unknown field limit "maxComment"/,
    );
  });
});

describe('checked before the write lock', () => {
  it('an oversized call and a principal at its quota are answered while another process holds the lock', () => {
    const temp = tempDir();
    try {
      const file = temp.file('locked.db');
      const store = openStore(file, { busyTimeoutMs: 300 });
      const registry = new WinsockRegistry({ store, principal: 'mallory', directory: { maxObjectsPerPrincipal: 1 } });
      registry.startup();
      expect(registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: 'one' }), 0, 0)).toBe(0);
      const holder = new Database(file);
      holder.exec('BEGIN IMMEDIATE');
      try {
        // Had either call waited for the lock, it would end in StoreBusyError instead.
        expect(
          winsockError(() => registry.setServiceTyped(querySet([tcp(2)], { lpszComment: 'c'.repeat(1 << 20) }), 0, 0))
            .name,
        ).toBe('WSA_NOT_ENOUGH_MEMORY');
        expect(
          winsockError(() => registry.setServiceTyped(querySet([tcp(2)], { lpszServiceInstanceName: 'two' }), 0, 0))
            .name,
        ).toBe('WSA_NOT_ENOUGH_MEMORY');
        // A call that may be allowed does wait, and says so.
        expect(() => registry.setServiceTyped(querySet([tcp(3)], { lpszServiceInstanceName: 'one' }), 0, 0)).toThrow(
          StoreBusyError,
        );
      } finally {
        holder.exec('ROLLBACK');
        holder.close();
      }
      store.close();
    } finally {
      temp.remove();
    }
  });
});

describe('per-principal quotas', () => {
  const env = freshRegistry({ directory: { maxObjectsPerPrincipal: 3, maxAddressesPerPrincipal: 5 } });

  it('one principal filling its object quota does not stop another', () => {
    env.registry.principal = 'mallory';
    for (let i = 0; i < 3; i++)
      expect(env.registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: `m${i}` }), 0, 0)).toBe(0);
    const e = winsockError(() =>
      env.registry.setServiceTyped(querySet([tcp(1)], { lpszServiceInstanceName: 'm3' }), 0, 0),
    );
    expect(e.name).toBe('WSA_NOT_ENOUGH_MEMORY');
    expect(e.message).toMatch(/"mallory" owns 3 objects; its quota is 3 \(maxObjectsPerPrincipal\)/);
    // Re-registering an object it has is not a new object.
    expect(env.registry.setService(querySet([tcp(2)], { lpszServiceInstanceName: 'm0' }), 0, 0)).toBe(0);
    env.registry.principal = 'alice';
    expect(env.registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: 'a0' }), 0, 0)).toBe(0);
    expect(env.store.usageOf('mallory')).toEqual({ objects: 3, addresses: 3 });
    expect(env.store.usageOf('alice')).toEqual({ objects: 1, addresses: 1 });
    // Deleting frees the quota.
    env.registry.principal = 'mallory';
    expect(env.registry.setService(querySet(null, { lpszServiceInstanceName: 'm1' }), 2, 0)).toBe(0);
    expect(env.registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: 'm3' }), 0, 0)).toBe(0);
  });

  it("addresses count over all of a principal's objects, added with SERVICE_MULTIPLE or not", () => {
    env.registry.principal = 'mallory';
    expect(env.registry.setService(querySet([tcp(1), tcp(2), tcp(3)], { lpszServiceInstanceName: 'm0' }), 0, 0)).toBe(
      0,
    );
    expect(
      winsockError(() =>
        env.registry.setServiceTyped(querySet([tcp(4), tcp(5), tcp(6)], { lpszServiceInstanceName: 'm1' }), 0, 0),
      ).message,
    ).toMatch(/owns 3 addresses and this call would add 3; its quota is 5/);
    expect(
      winsockError(() =>
        env.registry.setServiceTyped(querySet([tcp(4), tcp(5), tcp(6)], { lpszServiceInstanceName: 'm0' }), 0, 1),
      ).name,
    ).toBe('WSA_NOT_ENOUGH_MEMORY');
    expect(env.registry.setService(querySet([tcp(4), tcp(5)], { lpszServiceInstanceName: 'm1' }), 0, 0)).toBe(0);
    expect(env.store.usageOf('mallory')).toEqual({ objects: 2, addresses: 5 });
    // Overwriting with fewer addresses always fits; so does DEREGISTER.
    expect(env.registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: 'm0' }), 0, 0)).toBe(0);
    expect(env.registry.setService(querySet(null, { lpszServiceInstanceName: 'm1' }), 1, 0)).toBe(0);
    expect(env.store.usageOf('mallory')).toEqual({ objects: 2, addresses: 1 });
    env.registry.principal = 'alice';
    expect(
      env.registry.setService(
        querySet([tcp(1), tcp(2), tcp(3), tcp(4), tcp(5)], { lpszServiceInstanceName: 'a0' }),
        0,
        0,
      ),
    ).toBe(0);
  });

  it("an administrator changing another's object charges the owner", () => {
    env.registry.principal = 'bob';
    expect(env.registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: 'b0' }), 0, 0)).toBe(0);
    env.store.grantAdministrator('root');
    env.registry.principal = 'root';
    expect(env.registry.setService(querySet([tcp(2), tcp(3)], { lpszServiceInstanceName: 'b0' }), 0, 1)).toBe(0);
    expect(env.store.usageOf('bob')).toEqual({ objects: 1, addresses: 3 });
    expect(env.store.usageOf('root')).toEqual({ objects: 0, addresses: 0 });
  });
});

describe('rnrkit service register with an oversized member', () => {
  it('answers WSA_NOT_ENOUGH_MEMORY before the store is opened or created', async () => {
    const temp = tempDir();
    try {
      const query = temp.file('q.json');
      writeFileSync(query, JSON.stringify(querySet([tcp(1)], { lpszServiceInstanceName: 'n'.repeat(50_000) })));
      const store = temp.file('never.db');
      const r = await runCli(['service', 'register', query, '--store', store]);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ result: -1, error: 'WSA_NOT_ENOUGH_MEMORY' });
      expect(existsSync(store)).toBe(false);
    } finally {
      temp.remove();
    }
  });
});
