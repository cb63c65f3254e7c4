import { describe, expect, it } from 'vitest';
import type { CsAddrInfoJson, QuerySetJson } from '../../src/codec/canonical.js';
import { PROVIDER_IDS, WinsockError, WinsockRegistry } from '../../src/service/index.js';
import { freshRegistry, querySet, sockaddrIn, tcp, winsockError } from './helpers.js';
import { CELLS, cellLabel } from './table-cells.js';

// Values from winsock2.h / winerror.h, written out so a wrong constant in src/ cannot hide here.
const REGISTER = 0;
const DEREGISTER = 1;
const DELETE = 2;
const MULTIPLE = 1;
const NS_ALL = 0;
const NS_SAP = 1;
const NS_NLA = 15;
const NS_NTDS = 32;
const CODES = {
  WSAEACCES: 10013,
  WSAEINVAL: 10022,
  WSAEOPNOTSUPP: 10045,
  WSANOTINITIALISED: 10093,
  WSASERVICE_NOT_FOUND: 10108,
  WSA_NOT_ENOUGH_MEMORY: 8,
} as const;

const A = tcp(1);
const B = tcp(2);
const C = tcp(3);
/** B with one byte of sin_zero changed: the same endpoint to a lenient eye, not an exact match. */
const B_NEAR = {
  ...B,
  LocalAddr: { lpSockaddr: sockaddrIn(10, 0, 0, 2, 80, '0000000000000001'), iSockaddrLength: 16 },
};

const env = freshRegistry();
/**
 * The in-memory providers with the full table, and how to read an object's
 * state back from each. The Directory's table runs in
 * directory-conformance.test.ts, against every backend.
 */
const TABLE_PROVIDERS = [
  {
    name: 'SAP (NS_SAP)',
    namespace: NS_SAP,
    state: () => {
      const [object, ...more] = env.registry.builtins.sap!.list();
      expect(more).toEqual([]);
      return object && { state: object.state, addresses: object.addresses };
    },
  },
] as const;

describe.each(TABLE_PROVIDERS)('the operation × flags × exists table: $name', (provider) => {
  const qs = (addresses: CsAddrInfoJson[]) => querySet(addresses, { dwNameSpace: provider.namespace });

  it.each(CELLS.map((c) => ({ ...c, label: cellLabel(c) })))('$label', (cell) => {
    if (cell.exists) expect(env.registry.setService(qs([A, B]), REGISTER, 0)).toBe(0);
    if (cell.expect === 'WSASERVICE_NOT_FOUND') {
      expect(env.registry.setService(qs(cell.request), cell.operation, cell.flags)).toBe(-1);
      expect(env.registry.getLastError()).toBe(CODES.WSASERVICE_NOT_FOUND);
      expect(() => env.registry.setServiceTyped(qs(cell.request), cell.operation, cell.flags)).toThrow(
        expect.objectContaining({ name: 'WSASERVICE_NOT_FOUND', code: 10108 }),
      );
      expect(provider.state()).toBeUndefined();
      return;
    }
    const result = env.registry.setServiceTyped(qs(cell.request), cell.operation, cell.flags);
    expect(result.result).toBe(0);
    expect(result.providers).toHaveLength(1);
    expect(result.providers[0]!.outcome!.unmatched ?? []).toEqual(cell.unmatched ?? []);
    if (cell.expect === undefined) {
      expect(result.providers[0]!.outcome!.object).toBe('deleted');
      expect(provider.state()).toBeUndefined();
      return;
    }
    expect(provider.state()).toEqual(cell.expect);
    expect(result.providers[0]!.outcome!.state).toBe(cell.expect.state);
  });

  it('DEREGISTER | SERVICE_MULTIPLE of every address: DEREGISTERED, still in the namespace', () => {
    env.registry.setServiceTyped(qs([A, B]), REGISTER, 0);
    const r = env.registry.setServiceTyped(qs([A, B]), DEREGISTER, MULTIPLE);
    expect(r.providers[0]!.outcome).toMatchObject({ state: 'DEREGISTERED', addressCount: 0, object: 'updated' });
    expect(provider.state()).toEqual({ state: 'DEREGISTERED', addresses: [] });
  });

  it('DELETE | SERVICE_MULTIPLE of every address removes the object', () => {
    env.registry.setServiceTyped(qs([A, B]), REGISTER, 0);
    const r = env.registry.setServiceTyped(qs([B, A]), DELETE, MULTIPLE);
    expect(r.providers[0]!.outcome!.object).toBe('deleted');
    expect(provider.state()).toBeUndefined();
  });

  it('DELETE | SERVICE_MULTIPLE matches exactly: a near miss removes nothing and is reported', () => {
    env.registry.setServiceTyped(qs([A, B]), REGISTER, 0);
    const r = env.registry.setServiceTyped(qs([B_NEAR]), DELETE, MULTIPLE);
    expect(r.providers[0]!.outcome).toMatchObject({ unmatched: [B_NEAR], removed: [], addressCount: 2 });
    expect(provider.state()?.addresses).toEqual([A, B]);
  });

  it('REGISTER | SERVICE_MULTIPLE adds no duplicates and reports them', () => {
    env.registry.setServiceTyped(qs([A, B]), REGISTER, 0);
    const r = env.registry.setServiceTyped(qs([B, B, C]), REGISTER, MULTIPLE);
    expect(r.providers[0]!.outcome).toMatchObject({ added: [C], alreadyPresent: [B], addressCount: 3 });
  });

  it('the instance name is compared case-insensitively, the context exactly', () => {
    env.registry.setServiceTyped(qs([A]), REGISTER, 0);
    env.registry.setServiceTyped(
      querySet([B], { dwNameSpace: provider.namespace, lpszServiceInstanceName: 'PRINTER' }),
      REGISTER,
      MULTIPLE,
    );
    expect(provider.state()?.addresses).toEqual([A, B]);
    expect(() =>
      env.registry.setServiceTyped(querySet([A], { dwNameSpace: provider.namespace, lpszContext: 'Site1' }), DELETE, 0),
    ).toThrow(WinsockError);
  });
});

describe('scope: dwNameSpace × lpNSProviderId', () => {
  function installSecondSap(enabled = true) {
    const id = '{11111111-2222-3333-4444-555555555555}';
    const calls: string[] = [];
    env.registry.catalog.install({
      id,
      namespace: NS_SAP,
      name: 'second SAP',
      enabled,
      provider: {
        NSPSetService: (providerId) => {
          calls.push(providerId);
          return {};
        },
      },
    });
    return { id, calls };
  }

  it('ignored + non-NULL id: only that provider (dwNameSpace says NTDS, the SAP provider is named)', () => {
    const r = env.registry.setServiceTyped(
      querySet([A], { dwNameSpace: NS_NTDS, lpNSProviderId: PROVIDER_IDS.sap }),
      REGISTER,
      0,
    );
    expect(r.providers.map((p) => p.id)).toEqual([PROVIDER_IDS.sap]);
    expect(env.registry.list()).toEqual([]);
    expect(env.registry.builtins.sap!.advertised()).toHaveLength(1);
  });

  it('non-NULL id of no installed provider: WSAEINVAL', () => {
    expect(
      env.registry.setService(querySet([A], { lpNSProviderId: '{99999999-9999-9999-9999-999999999999}' }), REGISTER, 0),
    ).toBe(-1);
    expect(env.registry.getLastError()).toBe(CODES.WSAEINVAL);
  });

  it('a namespace + NULL id: every enabled provider of that namespace, no other', () => {
    const second = installSecondSap();
    installSecondSapDisabled();
    const r = env.registry.setServiceTyped(querySet([A], { dwNameSpace: NS_SAP }), REGISTER, 0);
    expect(r.providers.map((p) => p.id)).toEqual([PROVIDER_IDS.sap, second.id]);
    expect(second.calls).toEqual([second.id]);
    expect(env.registry.list()).toEqual([]);
  });

  function installSecondSapDisabled() {
    env.registry.catalog.install({
      id: '{66666666-2222-3333-4444-555555555555}',
      namespace: NS_SAP,
      name: 'disabled SAP',
      enabled: false,
      provider: {
        NSPSetService: () => {
          throw new Error('a disabled provider was called');
        },
      },
    });
  }

  it('a namespace no enabled provider serves: WSASERVICE_NOT_FOUND', () => {
    expect(env.registry.setService(querySet([A], { dwNameSpace: NS_NLA }), REGISTER, 0)).toBe(-1);
    expect(env.registry.getLastError()).toBe(CODES.WSASERVICE_NOT_FOUND);
    env.registry.catalog.setEnabled(PROVIDER_IDS.sap, false);
    expect(() => env.registry.setServiceTyped(querySet([A], { dwNameSpace: NS_SAP }), REGISTER, 0)).toThrow(
      expect.objectContaining({ name: 'WSASERVICE_NOT_FOUND' }),
    );
  });

  it('NS_ALL + NULL id: every enabled provider; success when one succeeds, each result reported', () => {
    installSecondSapDisabled();
    const r = env.registry.setServiceTyped(querySet([A], { dwNameSpace: NS_ALL }), REGISTER, 0);
    expect(r.providers.map((p) => [p.id, p.result])).toEqual([
      [PROVIDER_IDS.directory, 0],
      [PROVIDER_IDS.dns, 0],
      [PROVIDER_IDS.sap, 0],
      // A TCP address is not a SOCKADDR_BTH: Bluetooth refuses, the call still succeeds.
      [PROVIDER_IDS.bluetooth, -1],
    ]);
    expect(r.providers[3]).toMatchObject({ error: 'WSAEINVAL', code: CODES.WSAEINVAL });
    expect(r.providers[1]!.outcome).toEqual({ noop: true });
    expect(env.registry.list()).toHaveLength(1);
  });

  it('NS_ALL when every provider fails: the most telling error, every provider result attached', () => {
    env.registry.catalog.setEnabled(PROVIDER_IDS.dns, false);
    const error = winsockError(() => env.registry.setServiceTyped(querySet([A], { dwNameSpace: NS_ALL }), DELETE, 0));
    expect(error.name).toBe('WSAEINVAL'); // Bluetooth's (not a SOCKADDR_BTH) outranks the others' NOT_FOUND
    expect((error.providers as { error: string }[]).map((p) => p.error)).toEqual([
      'WSASERVICE_NOT_FOUND',
      'WSASERVICE_NOT_FOUND',
      'WSAEINVAL',
    ]);
  });
});

/** Each code through both forms: SOCKET_ERROR + getLastError, and the typed throw with code and name. */
function expectError(
  name: keyof typeof CODES,
  call: () => { qs: QuerySetJson; operation: number; flags: number },
  reg = env.registry,
) {
  const { qs, operation, flags } = call();
  reg.setLastError(0);
  expect(reg.setService(qs, operation, flags)).toBe(-1);
  expect(reg.getLastError()).toBe(CODES[name]);
  const error = winsockError(() => reg.setServiceTyped(qs, operation, flags));
  expect(error.name).toBe(name);
  expect(error.code).toBe(CODES[name]);
  return error;
}

describe('every error code and the condition that raises it', () => {
  it('WSANOTINITIALISED: any call before startup, after the last cleanup, and a cleanup too many', () => {
    const fresh = new WinsockRegistry({ store: env.store });
    expect(fresh.setService(querySet([A]), REGISTER, 0)).toBe(-1);
    expect(fresh.getLastError()).toBe(CODES.WSANOTINITIALISED);
    expect(() => fresh.setServiceTyped(querySet([A]), REGISTER, 0)).toThrow(
      expect.objectContaining({ name: 'WSANOTINITIALISED', code: 10093 }),
    );
    expect(fresh.startup()).toBe(0);
    expect(fresh.startup()).toBe(0);
    expect(fresh.cleanup()).toBe(0);
    expect(fresh.setService(querySet([A]), REGISTER, 0)).toBe(0); // one reference left
    expect(fresh.cleanup()).toBe(0);
    expect(fresh.setService(querySet([A]), REGISTER, 0)).toBe(-1);
    expect(fresh.getLastError()).toBe(CODES.WSANOTINITIALISED);
    fresh.setLastError(0);
    expect(fresh.cleanup()).toBe(-1);
    expect(fresh.getLastError()).toBe(CODES.WSANOTINITIALISED);
  });

  it('WSAEINVAL: dwSize not sizeof(WSAQUERYSETW) for the arch', () => {
    const e = expectError('WSAEINVAL', () => ({ qs: querySet([A], { dwSize: 60 }), operation: REGISTER, flags: 0 }));
    expect(e.message).toBe('dwSize: 60 is not sizeof(WSAQUERYSETW) on x64 (120)');
    // …and 60 is right for x86.
    expect(env.registry.setService({ querySet: querySet([A], { dwSize: 60 }), arch: 'x86' }, REGISTER, 0)).toBe(0);
    expect(env.registry.setService({ querySet: querySet([A], { dwSize: 120 }), arch: 'x86' }, REGISTER, 0)).toBe(-1);
  });

  it('WSAEINVAL: an unknown essOperation', () => {
    expectError('WSAEINVAL', () => ({ qs: querySet([A]), operation: 3, flags: 0 }));
    expectError('WSAEINVAL', () => ({ qs: querySet([A]), operation: -1, flags: 0 }));
  });

  it('WSAEINVAL: unknown bits in dwControlFlags', () => {
    expectError('WSAEINVAL', () => ({ qs: querySet([A]), operation: REGISTER, flags: 2 }));
    expectError('WSAEINVAL', () => ({ qs: querySet([A]), operation: REGISTER, flags: 0x80000001 }));
  });

  it('WSAEINVAL: a non-zero dwNumberOfCsAddrs with a NULL lpcsaBuffer', () => {
    const e = expectError('WSAEINVAL', () => ({
      qs: querySet(null, { dwNumberOfCsAddrs: 2 }),
      operation: REGISTER,
      flags: 0,
    }));
    expect(e.path).toBe('lpcsaBuffer');
  });

  it.each([
    ['AF_INET', '0200', 16],
    ['AF_INET6', '1700', 28],
    ['AF_IPX', '0600', 14],
    ['AF_BTH', '2000', 30],
  ])('WSAEINVAL: a %s sockaddr shorter than its %i bytes', (_family, familyHex, size) => {
    const short = { ...A, LocalAddr: { lpSockaddr: familyHex + '00'.repeat(size - 3), iSockaddrLength: size - 1 } };
    const e = expectError('WSAEINVAL', () => ({ qs: querySet([A, short]), operation: REGISTER, flags: 0 }));
    expect(e.path).toBe('lpcsaBuffer[1].LocalAddr.iSockaddrLength');
    const exact = { ...A, LocalAddr: { lpSockaddr: familyHex + '00'.repeat(size - 2), iSockaddrLength: size } };
    expect(env.registry.setService(querySet([exact]), REGISTER, 0)).toBe(0);
  });

  it('WSAEINVAL: a sockaddr too short to hold its family, a RemoteAddr length with a NULL pointer', () => {
    expectError('WSAEINVAL', () => ({
      qs: querySet([{ ...A, LocalAddr: { lpSockaddr: '02', iSockaddrLength: 1 } }]),
      operation: REGISTER,
      flags: 0,
    }));
    expectError('WSAEINVAL', () => ({
      qs: querySet([{ ...A, RemoteAddr: { lpSockaddr: null, iSockaddrLength: 16 } }]),
      operation: REGISTER,
      flags: 0,
    }));
  });

  it('WSAEINVAL: a missing service class id', () => {
    const e = expectError('WSAEINVAL', () => ({
      qs: querySet([A], { lpServiceClassId: null }),
      operation: REGISTER,
      flags: 0,
    }));
    expect(e.path).toBe('lpServiceClassId');
  });

  it('WSAEINVAL: an IPROTOCOL_ANY entry with no acceptable protocol (SOCK_RAW)', () => {
    const e = expectError('WSAEINVAL', () => ({
      qs: querySet([A, { ...B, iSocketType: 3, iProtocol: -1 }]),
      operation: REGISTER,
      flags: 0,
    }));
    expect(e.path).toBe('lpcsaBuffer[1].iProtocol');
  });

  it('WSAEINVAL: canonical JSON that is not a query set', () => {
    const e = expectError('WSAEINVAL', () => ({
      qs: { ...querySet([A]), lpszComent: 'typo' } as unknown as QuerySetJson,
      operation: REGISTER,
      flags: 0,
    }));
    expect(e.message).toMatch(/lpszComent/);
  });

  it('members marked ignored are ignored: dwOutputFlags, dwNumberOfProtocols with a NULL lpafpProtocols, lpszQueryString', () => {
    expect(
      env.registry.setService(
        querySet([A], {
          dwOutputFlags: 0xffffffff,
          dwNumberOfProtocols: 7,
          lpafpProtocols: null,
          lpszQueryString: 'anything',
        }),
        REGISTER,
        0,
      ),
    ).toBe(0);
  });

  it("WSAEACCES: REGISTER over, DEREGISTER or DELETE another principal's object; an administrator may", () => {
    env.registry.setServiceTyped(querySet([A]), REGISTER, 0);
    env.registry.principal = 'bob';
    for (const [operation, flags] of [
      [REGISTER, 0],
      [REGISTER, MULTIPLE],
      [DEREGISTER, 0],
      [DEREGISTER, MULTIPLE],
      [DELETE, 0],
      [DELETE, MULTIPLE],
    ] as const) {
      expectError('WSAEACCES', () => ({ qs: querySet([A]), operation, flags }));
    }
    expect(env.registry.list()[0]).toMatchObject({ owner: 'alice', state: 'REGISTERED', lpcsaBuffer: [A] });
    env.store.grantAdministrator('bob');
    expect(env.registry.setService(querySet([B]), REGISTER, MULTIPLE)).toBe(0);
    expect(env.registry.list()[0]).toMatchObject({ owner: 'alice', lpcsaBuffer: [A, B] });
    env.store.revokeAdministrator('bob');
    expectError('WSAEACCES', () => ({ qs: querySet([A]), operation: DELETE, flags: 0 }));
    const withAdmins = new WinsockRegistry({ store: env.store, principal: 'carol', administrators: ['carol'] });
    withAdmins.startup();
    expect(withAdmins.setService(querySet([]), DELETE, 0)).toBe(0);
  });

  it('WSAEACCES in the in-memory providers too (SAP)', () => {
    env.registry.setServiceTyped(querySet([A], { dwNameSpace: NS_SAP }), REGISTER, 0);
    env.registry.principal = 'bob';
    expectError('WSAEACCES', () => ({ qs: querySet([A], { dwNameSpace: NS_SAP }), operation: DELETE, flags: 0 }));
  });

  it('WSAEOPNOTSUPP: a provider in scope that does not implement NSPSetService', () => {
    const id = '{ABCDEF01-2345-6789-ABCD-EF0123456789}';
    env.registry.catalog.install({ id, namespace: 40, name: 'lookup-only', provider: {} });
    expectError('WSAEOPNOTSUPP', () => ({ qs: querySet([A], { lpNSProviderId: id }), operation: REGISTER, flags: 0 }));
    expectError('WSAEOPNOTSUPP', () => ({ qs: querySet([A], { dwNameSpace: 40 }), operation: REGISTER, flags: 0 }));
  });

  it('WSASERVICE_NOT_FOUND: DEREGISTER/DELETE of an object that does not exist; a namespace nobody serves', () => {
    expectError('WSASERVICE_NOT_FOUND', () => ({ qs: querySet([A]), operation: DEREGISTER, flags: 0 }));
    expectError('WSASERVICE_NOT_FOUND', () => ({ qs: querySet([A]), operation: DELETE, flags: MULTIPLE }));
    expectError('WSASERVICE_NOT_FOUND', () => ({
      qs: querySet([A], { dwNameSpace: NS_NLA }),
      operation: REGISTER,
      flags: 0,
    }));
  });

  it('WSA_NOT_ENOUGH_MEMORY: the object quota, the per-object address quota, the per-call address limit; never a crash', () => {
    const small = new WinsockRegistry({
      store: env.store,
      principal: 'alice',
      directory: { maxObjects: 2, maxAddressesPerObject: 3 },
      maxAddressesPerCall: 5,
    });
    small.startup();
    expect(small.setService(querySet([A], { lpszServiceInstanceName: 'one' }), REGISTER, 0)).toBe(0);
    expect(small.setService(querySet([A], { lpszServiceInstanceName: 'two' }), REGISTER, 0)).toBe(0);
    expectError(
      'WSA_NOT_ENOUGH_MEMORY',
      () => ({ qs: querySet([A], { lpszServiceInstanceName: 'three' }), operation: REGISTER, flags: 0 }),
      small,
    );
    expectError(
      'WSA_NOT_ENOUGH_MEMORY',
      () => ({ qs: querySet([A, B, C, tcp(4)], { lpszServiceInstanceName: 'one' }), operation: REGISTER, flags: 0 }),
      small,
    );
    expect(small.setService(querySet([B, C], { lpszServiceInstanceName: 'one' }), REGISTER, MULTIPLE)).toBe(0);
    expectError(
      'WSA_NOT_ENOUGH_MEMORY',
      () => ({ qs: querySet([tcp(4)], { lpszServiceInstanceName: 'one' }), operation: REGISTER, flags: MULTIPLE }),
      small,
    );
    expectError(
      'WSA_NOT_ENOUGH_MEMORY',
      () => ({
        qs: querySet(
          [1, 2, 3, 4, 5, 6].map((h) => tcp(h)),
          { lpszServiceInstanceName: 'two' },
        ),
        operation: DELETE,
        flags: MULTIPLE,
      }),
      small,
    );
    // The failed calls changed nothing.
    expect(small.list().map((o) => [o.lpszServiceInstanceName, o.lpcsaBuffer.length])).toEqual([
      ['one', 3],
      ['two', 1],
    ]);
  });
});
