/**
 * One lookup conformance suite, run against every way lookups reach the
 * Directory's objects: the embedded store's snapshot (the default), the
 * store read through its DirectoryBackend (the path a remote directory
 * takes), and Active Directory over LDAP when a test DC is configured
 * (directory-backends.ts). Objects are registered through the async form
 * of WSASetService, which every backend answers; every lookup must give
 * the same canonical results. LDAP returns objects in the server's order,
 * so results are compared in name order.
 */
import { describe, expect, it } from 'vitest';
import { COMP_NOTLESS, LUP } from '../../src/abi/constants.js';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { PROVIDER_IDS, ServiceLookup, WinsockError, type WinsockRegistry } from '../../src/service/index.js';
import { DirectoryBackendLookup } from '../../src/service/lookup/directory-backend-lookup.js';
import { type DirectoryHarness, directoryHarnesses, NO_DC_REASON, useHarness } from './directory-backends.js';
import { CLASS_ID, querySet, sockaddrIn, tcp } from './helpers.js';
import { restrictions } from './lookup-helpers.js';

const { LUP_RETURN_ALL, LUP_RETURN_NAME, LUP_RETURN_ADDR, LUP_DEEP, LUP_RES_SERVICE } = LUP;
const udp = (host: number) => ({ ...tcp(host, 53, 17), iSocketType: 2 });
const OTHER_CLASS = '{00000000-0000-0000-0000-0000000000AA}';

const OBJECTS: QuerySetJson[] = [
  querySet([tcp(1), udp(2)], {
    lpszServiceInstanceName: 'Printer',
    lpszComment: 'lobby',
    lpVersion: { dwVersion: 3, ecHow: 0 },
  }),
  querySet([tcp(3)], { lpszServiceInstanceName: 'Scanner', lpszContext: 'Building 1' }),
  querySet([udp(4)], {
    lpszServiceInstanceName: 'Plotter',
    lpszContext: 'Building 1/Floor 2',
    lpVersion: { dwVersion: 7, ecHow: 0 },
  }),
  querySet(
    [
      {
        LocalAddr: { lpSockaddr: null, iSockaddrLength: 0 },
        RemoteAddr: { lpSockaddr: sockaddrIn(192, 0, 2, 5, 631), iSockaddrLength: 16 },
        iSocketType: 1,
        iProtocol: 6,
      },
    ],
    { lpszServiceInstanceName: 'Remote' },
  ),
  querySet([tcp(9)], { lpszServiceInstanceName: 'Printer', lpServiceClassId: OTHER_CLASS }),
];

/** Each case: restrictions, flags, and the names (in name order) or members expected. */
const CASES: { name: string; qs: Partial<QuerySetJson>; flags: number; expect: (results: QuerySetJson[]) => void }[] = [
  {
    name: 'every instance of the class at the top level',
    qs: {},
    flags: LUP_RETURN_ALL,
    expect: (r) => expect(names(r)).toEqual(['Printer', 'Remote']),
  },
  {
    name: 'LUP_DEEP from the top',
    qs: {},
    flags: LUP_RETURN_NAME | LUP_DEEP,
    expect: (r) => expect(names(r)).toEqual(['Plotter', 'Printer', 'Remote', 'Scanner']),
  },
  {
    name: 'a context and beneath',
    qs: { lpszContext: 'Building 1' },
    flags: LUP_RETURN_NAME | LUP_DEEP,
    expect: (r) => expect(names(r)).toEqual(['Plotter', 'Scanner']),
  },
  {
    name: 'a context alone',
    qs: { lpszContext: 'Building 1' },
    flags: LUP_RETURN_NAME,
    expect: (r) => expect(names(r)).toEqual(['Scanner']),
  },
  {
    name: 'a name, case-insensitively',
    qs: { lpszServiceInstanceName: 'PRINTER' },
    flags: LUP_RETURN_ALL,
    expect: (r) => {
      expect(r).toHaveLength(1);
      expect(r[0]).toMatchObject({
        lpszServiceInstanceName: 'Printer',
        lpszComment: 'lobby',
        lpVersion: { dwVersion: 3, ecHow: 0 },
        dwNumberOfCsAddrs: 2,
        lpServiceClassId: CLASS_ID,
        lpNSProviderId: PROVIDER_IDS.directory,
      });
    },
  },
  {
    name: 'version not less than 5, deep',
    qs: { lpVersion: { dwVersion: 5, ecHow: COMP_NOTLESS } },
    flags: LUP_RETURN_NAME | LUP_DEEP,
    expect: (r) => expect(names(r)).toEqual(['Plotter']),
  },
  {
    name: 'UDP over IPv4 only, with only those addresses',
    qs: { dwNumberOfProtocols: 1, lpafpProtocols: [{ iAddressFamily: 2, iProtocol: 17 }] },
    flags: LUP_RETURN_NAME | LUP_RETURN_ADDR | LUP_DEEP,
    expect: (r) => {
      expect(names(r)).toEqual(['Plotter', 'Printer']);
      for (const result of r) expect(result.lpcsaBuffer!.map((e) => e.iProtocol)).toEqual([17]);
    },
  },
  {
    name: 'the prime part for a client and for the service',
    qs: { lpszServiceInstanceName: 'Remote' },
    flags: LUP_RETURN_ADDR | LUP_RES_SERVICE,
    expect: (r) => {
      expect(r[0]!.lpcsaBuffer![0]!.LocalAddr.lpSockaddr).toBe(sockaddrIn(192, 0, 2, 5, 631));
    },
  },
  {
    name: 'nothing',
    qs: { lpszServiceInstanceName: 'Nowhere' },
    flags: LUP_RETURN_ALL,
    expect: (r) => expect(r).toEqual([]),
  },
];

function names(results: QuerySetJson[]): (string | null)[] {
  return results.map((r) => r.lpszServiceInstanceName).sort();
}

async function collect(lookup: ServiceLookup, qs: QuerySetJson, flags: number): Promise<QuerySetJson[]> {
  const out: QuerySetJson[] = [];
  for await (const r of lookup.results(qs, flags)) out.push(r);
  return out.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

type Route = { name: string; lookup: (h: DirectoryHarness) => ServiceLookup };
const STORE_SNAPSHOT: Route = { name: 'store snapshot', lookup: (h) => new ServiceLookup(h.registry) };
const THROUGH_BACKEND: Route = {
  name: 'through its DirectoryBackend',
  lookup: (h) =>
    new ServiceLookup(h.registry, {
      backends: new Map([[PROVIDER_IDS.directory, new DirectoryBackendLookup(h.registry.directoryBackend!)]]),
    }),
};

for (const { name, skip, harness } of directoryHarnesses()) {
  const routes =
    name === 'sqlite'
      ? [STORE_SNAPSHOT, THROUGH_BACKEND]
      : [{ name: 'remote directory', lookup: (h: DirectoryHarness) => new ServiceLookup(h.registry) }];
  for (const route of routes) {
    describe.skipIf(skip)(
      `lookup conformance: ${name}, ${route.name}${skip ? ` (skipped: ${NO_DC_REASON})` : ''}`,
      () => {
        useHarness(harness);
        const registerAll = async (registry: WinsockRegistry) => {
          for (const qs of OBJECTS)
            expect(await registry.setServiceAsync(qs, 0, 0), qs.lpszServiceInstanceName ?? '').toBe(0);
        };

        it.each(CASES.map((c) => [c.name, c] as const))(
          '%s',
          async (_n, c) => {
            await registerAll(harness.registry);
            c.expect(await collect(route.lookup(harness), restrictions({ ...c.qs }), c.flags));
          },
          60_000,
        );

        it('Winsock-shaped over the buffer: WSAEFAULT with the exact length, then the result, then WSA_E_NO_MORE', async () => {
          await registerAll(harness.registry);
          const lookup = route.lookup(harness);
          const handle = lookup.begin(restrictions({ lpszServiceInstanceName: 'Printer' }), LUP_RETURN_ALL);
          const length = { value: 16 };
          expect(await lookup.lookupServiceNextAsync(handle, LUP_RETURN_ALL, length, null)).toBe(-1);
          expect(harness.registry.getLastError()).toBe(10014);
          const bytes = new Uint8Array(length.value);
          expect(await lookup.lookupServiceNextAsync(handle, LUP_RETURN_ALL, length, { bytes, address: 0x10000 })).toBe(
            0,
          );
          expect(await lookup.lookupServiceNextAsync(handle, LUP_RETURN_ALL, length, { bytes, address: 0x10000 })).toBe(
            -1,
          );
          expect(harness.registry.getLastError()).toBe(10110);
          await lookup.endAsync(handle);
          await expect(lookup.nextAsync(handle, 0)).rejects.toSatisfy((e) => WinsockError.is(e, 'WSA_INVALID_HANDLE'));
        }, 60_000);

        it('a DEREGISTERED object is found with no addresses; a deleted one is gone', async () => {
          await registerAll(harness.registry);
          expect(
            await harness.registry.setServiceAsync(
              querySet([], { lpszServiceInstanceName: 'Scanner', lpszContext: 'Building 1' }),
              1,
              0,
            ),
          ).toBe(0);
          expect(
            await harness.registry.setServiceAsync(querySet([], { lpszServiceInstanceName: 'Remote' }), 2, 0),
          ).toBe(0);
          const found = await collect(
            route.lookup(harness),
            restrictions(),
            LUP_RETURN_NAME | LUP_RETURN_ADDR | LUP_DEEP,
          );
          expect(names(found)).toEqual(['Plotter', 'Printer', 'Scanner']);
          expect(found.find((r) => r.lpszServiceInstanceName === 'Scanner')).toMatchObject({
            dwNumberOfCsAddrs: 0,
            lpcsaBuffer: null,
          });
        }, 60_000);
      },
    );
  }
}
