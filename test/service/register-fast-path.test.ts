import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  RNRSERVICE_DELETE as DELETE,
  SERVICE_MULTIPLE as MULTIPLE,
  RNRSERVICE_REGISTER as REGISTER,
} from '../../src/abi/constants.js';
import { WinsockRegistry } from '../../src/service/index.js';
import { freshRegistry, querySet, tcp, winsockError } from './helpers.js';

/**
 * The Directory provider's REGISTER of a new object is one INSERT that
 * leaves an existing object alone, and inside a transaction the object
 * quota is counted in memory. These tests pin what must not change with
 * that: the quota (across deletes, batches and rolled-back savepoints), the
 * error order for an object someone else owns, and REGISTER over an
 * existing object.
 */
const named = (name: string, addresses = [tcp(1)]) => querySet(addresses, { lpszServiceInstanceName: name });

describe('REGISTER of new objects and the object quota', () => {
  const env = freshRegistry();
  const limited = (maxObjects: number, principal = 'alice') => {
    const registry = new WinsockRegistry({ store: env.store, principal, directory: { maxObjects } });
    registry.startup();
    return registry;
  };
  /** provider_objects as another connection reads it from the file. */
  const storedCount = (): number => {
    const db = new Database(env.store.path, { readonly: true });
    try {
      return (db.prepare('SELECT sum(objects) AS n FROM provider_objects').get() as { n: number | null }).n ?? 0;
    } finally {
      db.close();
    }
  };

  it('counts the objects a batch creates and deletes, and the quota holds inside the batch and after it', () => {
    const registry = limited(3);
    registry.batch(() => {
      expect(registry.setServiceTyped(named('a'), REGISTER, 0).providers[0]!.outcome!.object).toBe('created');
      registry.setServiceTyped(named('b'), REGISTER, 0);
      registry.setServiceTyped(named('c'), REGISTER, 0);
      expect(winsockError(() => registry.setServiceTyped(named('d'), REGISTER, 0)).name).toBe('WSA_NOT_ENOUGH_MEMORY');
      // A REGISTER over an existing object is no new object: the quota does not apply.
      expect(registry.setServiceTyped(named('A', [tcp(2)]), REGISTER, 0).providers[0]!.outcome!.object).toBe('updated');
      registry.setServiceTyped(named('b'), DELETE, 0);
      registry.setServiceTyped(named('d'), REGISTER, 0);
      expect(winsockError(() => registry.setServiceTyped(named('e'), REGISTER, 0)).name).toBe('WSA_NOT_ENOUGH_MEMORY');
    });
    expect(registry.list().map((o) => o.lpszServiceInstanceName)).toEqual(['A', 'c', 'd']);
    expect(storedCount()).toBe(3);
    expect(winsockError(() => registry.setServiceTyped(named('e'), REGISTER, 0)).name).toBe('WSA_NOT_ENOUGH_MEMORY');
  });

  it('forgets what a rolled-back savepoint or batch created', () => {
    const registry = limited(2);
    registry.batch(() => {
      registry.setServiceTyped(named('a'), REGISTER, 0);
      expect(() =>
        env.store.transaction(() => {
          registry.setServiceTyped(named('b'), REGISTER, 0);
          throw new Error('roll the savepoint back');
        }),
      ).toThrow('roll the savepoint back');
      // 'b' is gone, so there is room for one more.
      registry.setServiceTyped(named('c'), REGISTER, 0);
      expect(winsockError(() => registry.setServiceTyped(named('d'), REGISTER, 0)).name).toBe('WSA_NOT_ENOUGH_MEMORY');
    });
    expect(() =>
      registry.batch(() => {
        registry.setServiceTyped(named('c'), DELETE, 0);
        registry.setServiceTyped(named('e'), REGISTER, 0);
        throw new Error('abandon the batch');
      }),
    ).toThrow('abandon the batch');
    expect(registry.list().map((o) => o.lpszServiceInstanceName)).toEqual(['a', 'c']);
    expect(storedCount()).toBe(2);
    expect(winsockError(() => registry.setServiceTyped(named('e'), REGISTER, 0)).name).toBe('WSA_NOT_ENOUGH_MEMORY');
  });

  it('sees objects another connection created between its transactions', () => {
    const registry = limited(2);
    registry.setServiceTyped(named('a'), REGISTER, 0);
    const other = limited(2, 'bob');
    other.setServiceTyped(named('b'), REGISTER, 0);
    expect(winsockError(() => registry.batch(() => registry.setServiceTyped(named('c'), REGISTER, 0))).name).toBe(
      'WSA_NOT_ENOUGH_MEMORY',
    );
  });

  it('an object someone else owns is WSAEACCES before its addresses are looked at, in a batch or not', () => {
    const alice = limited(10);
    alice.setServiceTyped(named('a'), REGISTER, 0);
    const bob = limited(10, 'bob');
    const noProtocol = { ...tcp(2), iSocketType: 3, iProtocol: -1 };
    for (const run of [(f: () => unknown) => f(), (f: () => unknown) => bob.batch(f)]) {
      expect(winsockError(() => run(() => bob.setServiceTyped(named('a', [noProtocol]), REGISTER, 0))).name).toBe(
        'WSAEACCES',
      );
      expect(
        winsockError(() => run(() => bob.setServiceTyped(named('a', [noProtocol]), REGISTER, MULTIPLE))).name,
      ).toBe('WSAEACCES');
      // A new object: the bad entry is the error.
      const e = winsockError(() => run(() => bob.setServiceTyped(named('b', [tcp(1), noProtocol]), REGISTER, 0)));
      expect([e.name, e.path]).toEqual(['WSAEINVAL', 'lpcsaBuffer[1].iProtocol']);
    }
    expect(alice.list().map((o) => [o.lpszServiceInstanceName, o.owner, o.lpcsaBuffer.length])).toEqual([
      ['a', 'alice', 1],
    ]);
  });

  it('REGISTER over an existing object still follows the table (overwrite; SERVICE_MULTIPLE adds)', () => {
    const registry = limited(10);
    const first = registry.setServiceTyped(named('a', [tcp(1), tcp(1)]), REGISTER, 0).providers[0]!.outcome!;
    expect([first.object, first.addressCount, first.added!.length]).toEqual(['created', 1, 1]);
    const over = registry.setServiceTyped(named('A', [tcp(2)]), REGISTER, 0).providers[0]!.outcome!;
    expect([over.object, over.added, over.removed]).toEqual(['updated', [tcp(2)], [tcp(1)]]);
    const more = registry.setServiceTyped(named('a', [tcp(2), tcp(3)]), REGISTER, MULTIPLE).providers[0]!.outcome!;
    expect([more.addressCount, more.added, more.alreadyPresent]).toEqual([2, [tcp(3)], [tcp(2)]]);
    expect(registry.list().map((o) => [o.lpszServiceInstanceName, o.lpcsaBuffer])).toEqual([['a', [tcp(2), tcp(3)]]]);
  });
});
