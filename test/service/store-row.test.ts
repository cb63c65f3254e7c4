import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LUP } from '../../src/abi/constants.js';
import { ServiceLookup, StoreError } from '../../src/service/index.js';
import { freshRegistry, querySet, tcp } from './helpers.js';
import { LUP_RETURN_ALL, restrictions } from './lookup-helpers.js';

/** One kind of damage: the SQL that does it to row 1, and the column the error must name. */
interface Damage {
  readonly what: string;
  readonly set: string;
  readonly value: unknown;
  readonly column: string;
  readonly why: RegExp;
}

const DAMAGE: Damage[] = [
  { what: 'a name that is not JSON', set: 'instance_name', value: 'Printer', column: 'instance_name', why: /not JSON/ },
  {
    what: 'a name that is a number',
    set: 'instance_name',
    value: '42',
    column: 'instance_name',
    why: /42 in the JSON/,
  },
  { what: 'a context that is an object', set: 'context', value: '{"a":1}', column: 'context', why: /not a string/ },
  { what: 'properties that are an array', set: 'properties', value: '[1]', column: 'properties', why: /not an object/ },
  {
    what: 'a comment that is a number',
    set: 'properties',
    value: '{"lpszComment":5,"lpVersion":null}',
    column: 'properties',
    why: /lpszComment is 5/,
  },
  {
    what: 'a version whose ecHow is text',
    set: 'properties',
    value: '{"lpszComment":null,"lpVersion":{"dwVersion":1,"ecHow":"x"}}',
    column: 'properties',
    why: /lpVersion\.ecHow is "x", not a DWORD/,
  },
  {
    what: 'an address blob cut short',
    set: 'addresses',
    value: Buffer.from('RNRSxxxx'),
    column: 'addresses',
    why: /./,
  },
  { what: 'addresses that are text', set: 'addresses', value: 'abc', column: 'addresses', why: /"abc", not a blob/ },
  { what: 'an unknown state', set: 'state', value: 'GONE', column: 'state', why: /"GONE", not REGISTERED/ },
  { what: 'a namespace that is text', set: 'namespace', value: 'x', column: 'namespace', why: /"x", not a DWORD/ },
  { what: 'an owner that is a blob', set: 'owner', value: Buffer.from([0]), column: 'owner', why: /1-byte blob/ },
];

/** The StoreError `f` throws (anything else, or nothing, fails the test). */
function storeError(f: () => unknown): StoreError {
  try {
    f();
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError');
}

describe('a damaged service_object row reads the same through the store and through a lookup', () => {
  const env = freshRegistry();

  it.each(DAMAGE)('$what: one StoreError naming the row and $column, whichever path reads it', (damage) => {
    expect(env.registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: 'Printer' }), 0, 0)).toBe(0);
    const db = new Database(env.store.path);
    // The CHECK on state is what a damaged file does not have.
    db.pragma('ignore_check_constraints = ON');
    db.prepare(`UPDATE service_object SET ${damage.set} = ? WHERE id = 1`).run(damage.value);
    db.close();

    const throughStore = storeError(() => env.store.list());
    const lookup = new ServiceLookup(env.registry);
    const handle = lookup.begin(restrictions(), LUP_RETURN_ALL | LUP.LUP_DEEP);
    const throughLookup = storeError(() => lookup.next(handle, LUP_RETURN_ALL));
    lookup.end(handle);

    expect(throughLookup.message).toBe(throughStore.message);
    const verb = damage.column === 'addresses' ? 'are' : 'is';
    expect(
      throughStore.message.startsWith(`${env.store.path}: service_object 1: ${damage.column} ${verb} damaged: `),
    ).toBe(true);
    expect(throughStore.message).toMatch(damage.why);
    expect(throughStore.message).not.toContain('\n');
  });

  it('an intact row reads the same through both: every member the registration stored', () => {
    const registered = querySet([tcp(1), tcp(2)], {
      lpszServiceInstanceName: 'Printer',
      lpszComment: 'second floor',
      lpVersion: { dwVersion: 3, ecHow: 0 },
    });
    expect(env.registry.setService(registered, 0, 0)).toBe(0);
    const [listed] = env.store.list();
    const [found] = env.store.page(0, 10);
    const lookup = new ServiceLookup(env.registry);
    const handle = lookup.begin(restrictions(), LUP_RETURN_ALL);
    const result = lookup.next(handle, LUP_RETURN_ALL).querySet;
    lookup.end(handle);
    expect(found!.properties).toEqual({ lpszComment: 'second floor', lpVersion: { dwVersion: 3, ecHow: 0 } });
    expect([listed!.lpszServiceInstanceName, result.lpszServiceInstanceName]).toEqual(['Printer', 'Printer']);
    expect([result.lpszComment, result.lpVersion]).toEqual(['second floor', { dwVersion: 3, ecHow: 0 }]);
    expect(result.lpcsaBuffer!.map((a) => a.LocalAddr)).toEqual(listed!.lpcsaBuffer.map((a) => a.LocalAddr));
  });
});
