import { describe, expect, it, vi } from 'vitest';
import { PROVIDER_IDS, ServiceLookup, type WinsockRegistry } from '../../src/service/index.js';
import type { LookupBackend, LookupCursor } from '../../src/service/lookup/index.js';
import { freshRegistry } from './helpers.js';
import { LUP_RETURN_ALL, restrictions } from './lookup-helpers.js';

/**
 * The hooks a registry holds for its last WSACleanup, kept as the registry
 * keeps them (a set: a hook removed twice is removed once), counted through
 * every onLastCleanup registration and the remover it returned.
 */
function countCleanupHooks(registry: WinsockRegistry): () => number {
  const live = new Set<() => void>();
  const register = registry.onLastCleanup.bind(registry);
  vi.spyOn(registry, 'onLastCleanup').mockImplementation((hook) => {
    const remove = register(hook);
    live.add(hook);
    return () => {
      live.delete(hook);
      remove();
    };
  });
  return () => live.size;
}

/** A provider whose objects live in memory: a lookup here costs no SQLite connection, so thousands run in moments. */
function memoryBackend(count: number): { backend: LookupBackend; open: () => number } {
  let open = 0;
  const backend: LookupBackend = {
    openLookup(): LookupCursor {
      open++;
      let left = count;
      let closed = false;
      return {
        next: () =>
          left-- > 0
            ? {
                provider: PROVIDER_IDS.directory,
                namespace: 32,
                serviceClassId: restrictions().lpServiceClassId!,
                instanceName: `svc-${left}`,
                context: null,
                state: 'REGISTERED',
                comment: null,
                version: null,
                addresses: [],
              }
            : undefined,
        close: () => {
          if (!closed) open--;
          closed = true;
        },
      };
    },
  };
  return { backend, open: () => open };
}

const LOOKUPS = 10_000;

describe('a lookup holds a WSACleanup hook exactly as long as it is open', () => {
  const env = freshRegistry();

  it(`${LOOKUPS} lookups begun and ended on one ServiceLookup leave the registry's hooks as they were`, () => {
    const hooks = countCleanupHooks(env.registry);
    const { backend, open } = memoryBackend(1);
    const before = hooks();
    const lookup = new ServiceLookup(env.registry, { backends: new Map([[PROVIDER_IDS.directory, backend]]) });
    const handle = { value: 0 };
    for (let i = 0; i < LOOKUPS; i++) {
      expect(lookup.lookupServiceBegin(restrictions(), LUP_RETURN_ALL, handle)).toBe(0);
      expect(hooks()).toBe(before + 1);
      expect(lookup.lookupServiceEnd(handle.value)).toBe(0);
    }
    expect(hooks()).toBe(before);
    expect([lookup.openLookups, open()]).toEqual([0, 0]);
  });

  it(`${LOOKUPS} lookups each through a new ServiceLookup (as a demo or a CLI call makes one) leave no hook behind`, () => {
    const hooks = countCleanupHooks(env.registry);
    const { backend } = memoryBackend(1);
    const backends = new Map([[PROVIDER_IDS.directory, backend]]);
    const before = hooks();
    for (let i = 0; i < LOOKUPS; i++) {
      const lookup = new ServiceLookup(env.registry, { backends });
      lookup.end(lookup.begin(restrictions(), LUP_RETURN_ALL));
    }
    expect(hooks()).toBe(before);
  });

  it('a lookup that runs out through results(), one left by a break, and close() all give their hooks back', async () => {
    const hooks = countCleanupHooks(env.registry);
    const { backend, open } = memoryBackend(3);
    const lookup = new ServiceLookup(env.registry, { backends: new Map([[PROVIDER_IDS.directory, backend]]) });
    const before = hooks();
    const names: (string | null)[] = [];
    for await (const r of lookup.results(restrictions(), LUP_RETURN_ALL)) names.push(r.lpszServiceInstanceName);
    expect(names).toEqual(['svc-2', 'svc-1', 'svc-0']);
    expect(hooks()).toBe(before);
    for await (const _ of lookup.results(restrictions(), LUP_RETURN_ALL)) break;
    expect(hooks()).toBe(before);
    lookup.begin(restrictions(), LUP_RETURN_ALL);
    lookup.begin(restrictions(), LUP_RETURN_ALL);
    expect([hooks(), open()]).toEqual([before + 2, 2]);
    lookup.close();
    lookup.close();
    expect([hooks(), open(), lookup.openLookups]).toEqual([before, 0, 0]);
  });

  it('the last WSACleanup still ends every open lookup, and takes their hooks with them', () => {
    const hooks = countCleanupHooks(env.registry);
    const { backend, open } = memoryBackend(2);
    const lookup = new ServiceLookup(env.registry, { backends: new Map([[PROVIDER_IDS.directory, backend]]) });
    const before = hooks();
    const handles = [0, 1, 2].map(() => lookup.begin(restrictions(), LUP_RETURN_ALL));
    lookup.end(handles[1]!);
    expect(env.registry.startup()).toBe(0);
    expect(env.registry.cleanup()).toBe(0); // not the last: lookups stay open
    expect([lookup.openLookups, open()]).toEqual([2, 2]);
    expect(env.registry.cleanup()).toBe(0);
    expect([lookup.openLookups, open(), hooks()]).toEqual([0, 0, before]);
    env.registry.startup();
    expect(lookup.lookupServiceEnd(handles[0]!)).toBe(-1);
    expect(env.registry.getLastError()).toBe(6); // WSA_INVALID_HANDLE
  });
});
