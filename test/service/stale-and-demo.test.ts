import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RNRSERVICE_DELETE, RNRSERVICE_DEREGISTER } from '../../src/abi/constants.js';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { runRegistryDemo } from '../../src/service/demo.js';
import {
  openStore,
  type ServiceStore,
  StaleAddressKeeper,
  storeJournal,
  WinsockError,
  WinsockRegistry,
} from '../../src/service/index.js';
import { querySet, tcp, tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.remove());

/** One "invocation" of a service: its own store connection and registry, as a new process would have. */
function invocation(
  file: string,
  principal = 'svc',
): { store: ServiceStore; registry: WinsockRegistry; keeper: StaleAddressKeeper; end: () => void } {
  const store = openStore(file);
  const registry = new WinsockRegistry({ store, principal });
  registry.startup();
  return {
    store,
    registry,
    keeper: new StaleAddressKeeper(registry, storeJournal(store)),
    end: () => {
      registry.cleanup();
      store.close();
    },
  };
}

describe('the stale-address helper (SERVICE_MULTIPLE advice)', () => {
  it('deregisters what the previous run registered and this one does not, then registers the new set', () => {
    const file = temp.file('s.db');
    const first = invocation(file);
    const one = first.keeper.start({ querySet: querySet([tcp(1), tcp(2)]) });
    expect(one.stale).toEqual([]);
    first.end(); // the service "aborts" without deregistering

    // Someone else's address on the same object is not this service's to remove.
    const other = invocation(file);
    other.registry.setServiceTyped(querySet([tcp(9)]), 0, 1);
    other.end();

    const second = invocation(file);
    const two = second.keeper.start({ querySet: querySet([tcp(2), tcp(3)]) });
    expect(two.stale).toEqual([tcp(1)]);
    expect(two.deregistered!.providers[0]!.outcome).toMatchObject({ removed: [tcp(1)] });
    expect(second.registry.list()[0]).toMatchObject({ state: 'REGISTERED', lpcsaBuffer: [tcp(2), tcp(9), tcp(3)] });

    second.keeper.stop({ querySet: querySet([tcp(2), tcp(3)]) });
    expect(second.registry.list()[0]).toMatchObject({ state: 'REGISTERED', lpcsaBuffer: [tcp(9)] });
    expect(second.store.journalLoad(StaleAddressKeeper.serviceKey(querySet([])))).toBeUndefined();
    second.end();
  });

  it('records old and new addresses before registering, so a failed start still knows both', () => {
    const file = temp.file('s.db');
    const first = invocation(file, 'owner');
    first.keeper.start({ querySet: querySet([tcp(1)]) });
    first.end();
    const intruder = invocation(file, 'intruder');
    expect(() => intruder.keeper.start({ querySet: querySet([tcp(2)]) })).toThrow(WinsockError);
    const key = StaleAddressKeeper.serviceKey(querySet([]));
    expect(intruder.store.journalLoad(key)?.toCanonical()).toEqual([tcp(1), tcp(2)]);
    intruder.end();
  });
});

/** The keeper's two forms, both awaited: they run the same steps, so every case below must hold for each. */
const FORMS = [
  {
    form: 'start/stop',
    start: (keeper: StaleAddressKeeper, qs: QuerySetJson) => keeper.start({ querySet: qs }),
    stop: (keeper: StaleAddressKeeper, qs: QuerySetJson) => keeper.stop({ querySet: qs }),
  },
  {
    form: 'startAsync/stopAsync',
    start: (keeper: StaleAddressKeeper, qs: QuerySetJson) => keeper.startAsync({ querySet: qs }),
    stop: (keeper: StaleAddressKeeper, qs: QuerySetJson) => keeper.stopAsync({ querySet: qs }),
  },
];

describe.each(FORMS)('the stale-address helper through $form', ({ start, stop }) => {
  it('takes an object deleted meanwhile as its stale addresses gone, and registers the new set anew', async () => {
    const file = temp.file('s.db');
    const first = invocation(file);
    await start(first.keeper, querySet([tcp(1), tcp(2)]));
    first.registry.setServiceTyped(querySet([]), RNRSERVICE_DELETE, 0);
    first.end();

    const second = invocation(file);
    const result = await start(second.keeper, querySet([tcp(2), tcp(3)]));
    expect(result.stale).toEqual([tcp(1)]);
    expect(result.deregistered).toBeUndefined();
    expect(result.registered.providers[0]!.outcome).toMatchObject({ object: 'created' });
    expect(second.registry.list()).toMatchObject([{ state: 'REGISTERED', lpcsaBuffer: [tcp(2), tcp(3)] }]);

    second.registry.setServiceTyped(querySet([]), RNRSERVICE_DELETE, 0);
    expect(await stop(second.keeper, querySet([tcp(2), tcp(3)]))).toBeUndefined();
    expect(second.store.journalLoad(StaleAddressKeeper.serviceKey(querySet([])))).toBeUndefined();
    second.end();
  });

  it('passes on any other refusal of the stale DEREGISTER, registers nothing and keeps old and new recorded', async () => {
    const file = temp.file('s.db');
    const first = invocation(file);
    await start(first.keeper, querySet([tcp(1)]));
    first.end();
    const second = invocation(file);
    const refusal = new WinsockError('WSAEACCES', 'the DEREGISTER is refused');
    // The registry as the keeper sees it: every DEREGISTER refused, anything else answered as usual.
    const refusing = new Proxy(second.registry, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (name !== 'setServiceTyped' && name !== 'setServiceTypedAsync') return value;
        return (source: unknown, operation: number, flags: number) => {
          if (operation !== RNRSERVICE_DEREGISTER) return value.call(target, source, operation, flags);
          if (name === 'setServiceTyped') throw refusal;
          return Promise.reject(refusal);
        };
      },
    });
    const keeper = new StaleAddressKeeper(refusing, storeJournal(second.store));
    const thrown = await Promise.resolve()
      .then(() => start(keeper, querySet([tcp(2)])))
      .catch((e: unknown) => e);
    expect(thrown).toBe(refusal);
    expect(second.registry.list()).toMatchObject([{ lpcsaBuffer: [tcp(1)] }]);
    const key = StaleAddressKeeper.serviceKey(querySet([]));
    expect(second.store.journalLoad(key)?.toCanonical()).toEqual([tcp(1), tcp(2)]);
    second.end();
  });
});

describe('runRegistryDemo (for npm start)', () => {
  it('shows REGISTER, REGISTER|MULTIPLE, DEREGISTER|MULTIPLE and an exact-match DELETE|MULTIPLE with the state after each', () => {
    const demo = runRegistryDemo(querySet([tcp(1), tcp(2), tcp(3), tcp(4)]));
    try {
      expect(demo.steps.map((s) => s.call)).toEqual([
        'RNRSERVICE_REGISTER',
        'RNRSERVICE_REGISTER | SERVICE_MULTIPLE',
        'RNRSERVICE_DEREGISTER | SERVICE_MULTIPLE',
        'RNRSERVICE_DELETE | SERVICE_MULTIPLE',
      ]);
      expect(demo.steps.map((s) => s.state.map((o) => [o.state, o.lpcsaBuffer.length]))).toEqual([
        [['REGISTERED', 2]],
        [['REGISTERED', 4]],
        [['REGISTERED', 3]],
        [],
      ]);
      const last = demo.steps[3]!.result;
      expect(last.result).toBe(0);
      if (last.result === 0)
        expect(last.providers[0]!.outcome).toMatchObject({
          object: 'deleted',
          unmatched: [expect.objectContaining({ iSocketType: 1 })],
        });
      expect(existsSync(demo.storePath)).toBe(true);
    } finally {
      demo.dispose();
    }
    expect(existsSync(demo.storePath)).toBe(false);
  });
});
