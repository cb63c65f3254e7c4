/**
 * The Directory provider (NS_NTDS) conformance suite, run against every
 * backend: the embedded SQLite store always, Active Directory over LDAP
 * when a test DC is configured (directory-backends.ts says how). The same
 * assertions, through the async forms of WSASetService, which both backends
 * answer (docs/directory.md).
 */
import { describe, expect, it } from 'vitest';
import type { CsAddrInfoJson, QuerySetJson } from '../../src/codec/canonical.js';
import { openStore, StaleAddressKeeper, storeJournal, WinsockError } from '../../src/service/index.js';
import { directoryHarnesses, NO_DC_REASON, useHarness } from './directory-backends.js';
import { CLASS_ID, querySet, sockaddrIn, tcp, tempDir } from './helpers.js';
import { CELLS, cellLabel } from './table-cells.js';

// Values from winsock2.h / winerror.h, written out so a wrong constant in src/ cannot hide here.
const REGISTER = 0;
const DEREGISTER = 1;
const DELETE = 2;
const MULTIPLE = 1;
const NS_ALL = 0;
const CODES = { WSAEACCES: 10013, WSAEINVAL: 10022, WSASERVICE_NOT_FOUND: 10108, WSA_NOT_ENOUGH_MEMORY: 8 } as const;

const A = tcp(1);
const B = tcp(2);
const C = tcp(3);
/** B with one byte of sin_zero changed: the same endpoint to a lenient eye, not an exact match. */
const B_NEAR = {
  ...B,
  LocalAddr: { lpSockaddr: sockaddrIn(10, 0, 0, 2, 80, '0000000000000001'), iSockaddrLength: 16 },
};

/** Addresses compared as sets: the directory returns values in its own order. */
const sorted = (entries: CsAddrInfoJson[]) =>
  [...entries].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function winsockError(work: () => Promise<unknown>): Promise<WinsockError> {
  try {
    await work();
  } catch (e) {
    if (e instanceof WinsockError) return e;
    throw e;
  }
  throw new Error('expected a WinsockError');
}

for (const { name, skip, harness: env } of directoryHarnesses()) {
  describe.skipIf(skip)(
    `Directory conformance: ${name}${skip ? ` (skipped: ${NO_DC_REASON})` : ''}`,
    { timeout: 60_000 },
    () => {
      useHarness(env);
      const only = async () => {
        const [object, ...more] = await env.list();
        expect(more).toEqual([]);
        return object && { state: object.state, addresses: sorted(object.lpcsaBuffer) };
      };

      describe('the operation × flags × exists table', () => {
        it.each(CELLS.map((c) => ({ ...c, label: cellLabel(c) })))('$label', async (cell) => {
          if (cell.exists) expect(await env.registry.setServiceAsync(querySet([A, B]), REGISTER, 0)).toBe(0);
          if (cell.expect === 'WSASERVICE_NOT_FOUND') {
            expect(await env.registry.setServiceAsync(querySet(cell.request), cell.operation, cell.flags)).toBe(-1);
            expect(env.registry.getLastError()).toBe(CODES.WSASERVICE_NOT_FOUND);
            expect(await only()).toBeUndefined();
            return;
          }
          const result = await env.registry.setServiceTypedAsync(querySet(cell.request), cell.operation, cell.flags);
          expect(result.providers).toHaveLength(1);
          expect(result.providers[0]!.outcome!.unmatched ?? []).toEqual(cell.unmatched ?? []);
          if (cell.expect === undefined) {
            expect(result.providers[0]!.outcome!.object).toBe('deleted');
            expect(await only()).toBeUndefined();
            return;
          }
          expect(await only()).toEqual({ state: cell.expect.state, addresses: sorted(cell.expect.addresses) });
          expect(result.providers[0]!.outcome!.state).toBe(cell.expect.state);
        });
      });

      it('DEREGISTER | SERVICE_MULTIPLE of every address: DEREGISTERED, still in the namespace; a REGISTER makes it REGISTERED again', async () => {
        await env.registry.setServiceTypedAsync(querySet([A, B]), REGISTER, 0);
        const r = await env.registry.setServiceTypedAsync(querySet([A, B]), DEREGISTER, MULTIPLE);
        expect(r.providers[0]!.outcome).toMatchObject({ state: 'DEREGISTERED', addressCount: 0, object: 'updated' });
        expect(await only()).toEqual({ state: 'DEREGISTERED', addresses: [] });
        await env.registry.setServiceTypedAsync(querySet([C]), REGISTER, MULTIPLE);
        expect(await only()).toEqual({ state: 'REGISTERED', addresses: [C] });
      });

      it('DELETE | SERVICE_MULTIPLE of every address removes the object', async () => {
        await env.registry.setServiceTypedAsync(querySet([A, B]), REGISTER, 0);
        const r = await env.registry.setServiceTypedAsync(querySet([B, A]), DELETE, MULTIPLE);
        expect(r.providers[0]!.outcome!.object).toBe('deleted');
        expect(await only()).toBeUndefined();
      });

      it('DELETE | SERVICE_MULTIPLE matches exactly: a near miss removes nothing and is reported', async () => {
        await env.registry.setServiceTypedAsync(querySet([A, B]), REGISTER, 0);
        const r = await env.registry.setServiceTypedAsync(querySet([B_NEAR]), DELETE, MULTIPLE);
        expect(r.providers[0]!.outcome).toMatchObject({ unmatched: [B_NEAR], removed: [], addressCount: 2 });
        expect((await only())?.addresses).toEqual(sorted([A, B]));
      });

      it('REGISTER | SERVICE_MULTIPLE adds no duplicates and reports them', async () => {
        await env.registry.setServiceTypedAsync(querySet([A, B]), REGISTER, 0);
        const r = await env.registry.setServiceTypedAsync(querySet([B, B, C]), REGISTER, MULTIPLE);
        expect(r.providers[0]!.outcome).toMatchObject({ added: [C], alreadyPresent: [B], addressCount: 3 });
      });

      it('IPROTOCOL_ANY is replaced by the protocol for the family and socket type; the substituted entry matches exactly', async () => {
        const any = { ...A, iProtocol: -1 };
        const r = await env.registry.setServiceTypedAsync(querySet([any]), REGISTER, 0);
        expect(r.providers[0]!.outcome!.added).toEqual([A]);
        expect(await only()).toEqual({ state: 'REGISTERED', addresses: [A] });
        const raw = { ...A, iSocketType: 3, iProtocol: -1 };
        expect(
          (await winsockError(() => env.registry.setServiceTypedAsync(querySet([raw]), REGISTER, MULTIPLE))).name,
        ).toBe('WSAEINVAL');
        expect(
          (await env.registry.setServiceTypedAsync(querySet([A]), DELETE, MULTIPLE)).providers[0]!.outcome!.object,
        ).toBe('deleted');
      });

      it('identity: (class, name as Windows compares it, context exactly); NULL and "" contexts differ; a REGISTER brings its spelling', async () => {
        const other = '{00000000-0000-0000-0000-000000000001}';
        for (const overrides of [
          {},
          { lpServiceClassId: other },
          { lpszContext: '' },
          { lpszContext: 'ou=x' },
          { lpszServiceInstanceName: 'printer' },
          { lpszServiceInstanceName: 'PRINTER', lpszContext: 'OU=X' },
        ] as Partial<QuerySetJson>[]) {
          await env.registry.setServiceTypedAsync(querySet([A], overrides), REGISTER, MULTIPLE);
        }
        const objects = (await env.list())
          .map((o) => JSON.stringify([o.lpServiceClassId, o.lpszServiceInstanceName, o.lpszContext]))
          .sort();
        expect(objects).toEqual(
          [
            [CLASS_ID, 'PRINTER', 'OU=X'],
            [CLASS_ID, 'Printer', ''],
            [CLASS_ID, 'Printer', 'ou=x'],
            [CLASS_ID, 'printer', null],
            [other, 'Printer', null],
          ]
            .map((o) => JSON.stringify(o))
            .sort(),
        );
        // ß has no one-unit upper case, so Windows keeps "straße" and "STRASSE" apart.
        await env.registry.setServiceTypedAsync(querySet([A], { lpszServiceInstanceName: 'straße' }), REGISTER, 0);
        expect(
          (
            await winsockError(() =>
              env.registry.setServiceTypedAsync(querySet([A], { lpszServiceInstanceName: 'STRASSE' }), DELETE, 0),
            )
          ).name,
        ).toBe('WSASERVICE_NOT_FOUND');
        expect(
          await env.registry.setServiceAsync(querySet([A], { lpszServiceInstanceName: 'STRAßE' }), DELETE, 0),
        ).toBe(0);
      });

      it('names and contexts round-trip exactly: DN specials, leading and trailing spaces, lone surrogates, long names', async () => {
        const names = [' ,+"\\<>;=# lead', 'trail #=; ', '#hash', 'svc\uD800x', '\uDC00', 'x'.repeat(200)];
        for (const [i, lpszServiceInstanceName] of names.entries()) {
          await env.registry.setServiceTypedAsync(
            querySet([tcp(i + 1)], {
              lpszServiceInstanceName,
              lpszContext: `ctx\uD801 ${i}`,
              lpszComment: i === 0 ? '' : `comment ${i}`,
            }),
            REGISTER,
            0,
          );
        }
        const listed = await env.list();
        expect(listed.map((o) => o.lpszServiceInstanceName).sort()).toEqual([...names].sort());
        expect(listed.map((o) => o.lpszContext).sort()).toEqual(names.map((_, i) => `ctx\uD801 ${i}`).sort());
        for (const [i, name] of names.entries()) {
          expect(
            await env.registry.setServiceAsync(
              querySet([tcp(i + 1)], { lpszServiceInstanceName: name.toUpperCase(), lpszContext: `ctx\uD801 ${i}` }),
              DELETE,
              MULTIPLE,
            ),
          ).toBe(0);
        }
        expect(await env.list()).toEqual([]);
      });

      it('WSAEACCES: another principal may not REGISTER over, DEREGISTER or DELETE an object; an administrator may', async () => {
        await env.registry.setServiceTypedAsync(querySet([A]), REGISTER, 0);
        const bob = await env.as('bob');
        for (const [operation, flags] of [
          [REGISTER, 0],
          [REGISTER, MULTIPLE],
          [DEREGISTER, 0],
          [DEREGISTER, MULTIPLE],
          [DELETE, 0],
          [DELETE, MULTIPLE],
        ] as const) {
          expect(await bob.setServiceAsync(querySet([A]), operation, flags)).toBe(-1);
          expect(bob.getLastError()).toBe(CODES.WSAEACCES);
        }
        expect(await only()).toEqual({ state: 'REGISTERED', addresses: [A] });
        const admin = await env.as('admin');
        expect(await admin.setServiceAsync(querySet([B]), REGISTER, MULTIPLE)).toBe(0);
        expect(await only()).toEqual({ state: 'REGISTERED', addresses: sorted([A, B]) });
        // bob may still publish objects of his own.
        expect(await bob.setServiceAsync(querySet([C], { lpszServiceInstanceName: 'bobs' }), REGISTER, 0)).toBe(0);
        expect(await bob.setServiceAsync(querySet([C], { lpszServiceInstanceName: 'bobs' }), DELETE, MULTIPLE)).toBe(0);
        expect(await admin.setServiceAsync(querySet([]), DELETE, 0)).toBe(0);
      });

      it('WSA_NOT_ENOUGH_MEMORY: the object quota, the per-object address quota, the per-call address limit; failed calls change nothing', async () => {
        const small = await env.as('alice', { maxObjects: 2, maxAddressesPerObject: 3, maxAddressesPerCall: 5 });
        const err = async (qs: QuerySetJson, op: number, flags: number) =>
          (await winsockError(() => small.setServiceTypedAsync(qs, op, flags))).name;
        expect(await small.setServiceAsync(querySet([A], { lpszServiceInstanceName: 'one' }), REGISTER, 0)).toBe(0);
        expect(await small.setServiceAsync(querySet([A], { lpszServiceInstanceName: 'two' }), REGISTER, 0)).toBe(0);
        expect(await err(querySet([A], { lpszServiceInstanceName: 'three' }), REGISTER, 0)).toBe(
          'WSA_NOT_ENOUGH_MEMORY',
        );
        expect(await err(querySet([A, B, C, tcp(4)], { lpszServiceInstanceName: 'one' }), REGISTER, 0)).toBe(
          'WSA_NOT_ENOUGH_MEMORY',
        );
        expect(
          await small.setServiceAsync(querySet([B, C], { lpszServiceInstanceName: 'one' }), REGISTER, MULTIPLE),
        ).toBe(0);
        expect(await err(querySet([tcp(4)], { lpszServiceInstanceName: 'one' }), REGISTER, MULTIPLE)).toBe(
          'WSA_NOT_ENOUGH_MEMORY',
        );
        expect(
          await err(
            querySet(
              [1, 2, 3, 4, 5, 6].map((h) => tcp(h)),
              { lpszServiceInstanceName: 'two' },
            ),
            DELETE,
            MULTIPLE,
          ),
        ).toBe('WSA_NOT_ENOUGH_MEMORY');
        expect((await env.list()).map((o) => [o.lpszServiceInstanceName, o.lpcsaBuffer.length]).sort()).toEqual([
          ['one', 3],
          ['two', 1],
        ]);
      });

      it('scope: NS_ALL reaches the Directory with the in-memory providers; a named provider id reaches it alone', async () => {
        const r = await env.registry.setServiceTypedAsync(querySet([A], { dwNameSpace: NS_ALL }), REGISTER, 0);
        // Bluetooth fails (no SDP blob); the call succeeds because others did.
        expect(r.providers.map((p) => [p.namespace, p.result])).toEqual([
          [32, 0],
          [12, 0],
          [1, 0],
          [16, -1],
        ]);
        const directoryId = r.providers[0]!.id;
        const only1 = await env.registry.setServiceTypedAsync(
          querySet([B], { lpNSProviderId: directoryId, dwNameSpace: 1 }),
          REGISTER,
          MULTIPLE,
        );
        expect(only1.providers.map((p) => p.namespace)).toEqual([32]);
        expect(await only()).toEqual({ state: 'REGISTERED', addresses: sorted([A, B]) });
      });

      it("the stale-address helper: the previous run's addresses go, another writer's stay", async () => {
        const temp = tempDir();
        const journalStore = openStore(temp.file('journal.db'));
        try {
          const keeper = new StaleAddressKeeper(env.registry, storeJournal(journalStore));
          await keeper.startAsync({ querySet: querySet([A, B]) });
          const other = await env.as('admin');
          await other.setServiceTypedAsync(querySet([tcp(9)]), REGISTER, MULTIPLE);
          const two = await keeper.startAsync({ querySet: querySet([B, C]) });
          expect(two.stale).toEqual([A]);
          expect(await only()).toEqual({ state: 'REGISTERED', addresses: sorted([B, C, tcp(9)]) });
          await keeper.stopAsync({ querySet: querySet([B, C]) });
          expect(await only()).toEqual({ state: 'REGISTERED', addresses: [tcp(9)] });
        } finally {
          journalStore.close();
          temp.remove();
        }
      });

      it('the sync forms refuse an asynchronous Directory rather than block; the embedded one answers both', async () => {
        if (env.name === 'sqlite') {
          expect(env.registry.setService(querySet([A]), REGISTER, 0)).toBe(0);
          return;
        }
        expect(() => env.registry.setService(querySet([A]), REGISTER, 0)).toThrow(/asynchronous/);
      });
    },
  );
}
