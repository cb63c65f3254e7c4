/**
 * Atomicity across writers over LDAP (docs/directory.md, "Atomicity"):
 * several connections — as separate processes or machines would have —
 * change one object at once. Every address whose REGISTER was acknowledged
 * and that its writer did not remove must be there afterwards, including
 * while another writer keeps emptying the object with DELETE |
 * SERVICE_MULTIPLE (which deletes the object when no address is left).
 */
import { describe, expect, it } from 'vitest';
import type { CsAddrInfoJson } from '../../src/codec/canonical.js';
import { WinsockRegistry } from '../../src/service/index.js';
import type { LdapDirectory } from '../../src/service/ldap/ldap-directory.js';
import { DC, NO_DC_REASON, openAs, testContainer } from './directory-backends.js';
import { querySet, sockaddrIn } from './helpers.js';

const REGISTER = 0;
const DEREGISTER = 1;
const DELETE = 2;
const MULTIPLE = 1;
const ROUNDS = Number(process.env.RNRKIT_TEST_LDAP_ROUNDS ?? 12);

function address(writer: number, round: number): CsAddrInfoJson {
  return {
    LocalAddr: { lpSockaddr: sockaddrIn(10, 1, writer, round, 80), iSockaddrLength: 16 },
    RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
    iSocketType: 1,
    iProtocol: 6,
  };
}

describe.skipIf(!DC)(
  `concurrent writers over LDAP${DC ? '' : ` (skipped: ${NO_DC_REASON})`}`,
  { timeout: 120_000 },
  () => {
    it('nothing acknowledged is lost: adders, exact removers and a writer that keeps deleting the object when it empties', async () => {
      const container = await testContainer(DC!);
      const directories: LdapDirectory[] = [];
      try {
        const open = async () => {
          const d = await openAs(DC!, container.url, 'alice');
          directories.push(d);
          const r = new WinsockRegistry({ remoteDirectory: d, principal: 'alice' });
          r.startup();
          return r;
        };
        const [adder1, adder2, remover, emptier] = await Promise.all([open(), open(), open(), open()]);
        const kept = new Map<string, CsAddrInfoJson>();
        const removed = new Map<string, CsAddrInfoJson>();
        const key = (a: CsAddrInfoJson) => a.LocalAddr.lpSockaddr!;

        // Two writers add their own addresses and keep them.
        const adding = [adder1!, adder2!].map(async (registry, w) => {
          for (let round = 0; round < ROUNDS; round++) {
            const a = address(w + 1, round);
            await registry.setServiceTypedAsync(querySet([a]), REGISTER, MULTIPLE);
            kept.set(key(a), a);
          }
        });
        // One adds two addresses per round and removes one of them exactly (DEREGISTER | SERVICE_MULTIPLE).
        const removing = (async () => {
          for (let round = 0; round < ROUNDS; round++) {
            const a = address(3, round);
            const b = address(3, 100 + round);
            await remover!.setServiceTypedAsync(querySet([a, b]), REGISTER, MULTIPLE);
            const r = await remover!.setServiceTypedAsync(querySet([b]), DEREGISTER, MULTIPLE);
            expect(r.providers[0]!.outcome!.removed).toEqual([b]);
            kept.set(key(a), a);
            removed.set(key(b), b);
          }
        })();
        // One adds an address and deletes it again with DELETE | SERVICE_MULTIPLE: whenever it was the last
        // address, the object goes — unless someone added one meanwhile, which must survive.
        const emptying = (async () => {
          for (let round = 0; round < ROUNDS; round++) {
            const a = address(4, round);
            await emptier!.setServiceTypedAsync(querySet([a]), REGISTER, MULTIPLE);
            await emptier!.setServiceTypedAsync(querySet([a]), DELETE, MULTIPLE);
            removed.set(key(a), a);
          }
        })();
        await Promise.all([...adding, removing, emptying]);

        const [object, ...more] = await adder1!.listAsync();
        expect(more).toEqual([]);
        const present = new Set((object?.lpcsaBuffer ?? []).map(key));
        const lost = [...kept.keys()].filter((k) => !present.has(k));
        const resurrected = [...removed.keys()].filter((k) => present.has(k));
        expect(lost, 'acknowledged addresses missing afterwards').toEqual([]);
        expect(resurrected, 'removed addresses present afterwards').toEqual([]);
        expect(present.size).toBe(kept.size);
        expect(object!.state).toBe('REGISTERED');
      } finally {
        for (const d of directories) await d.close();
        await container.remove();
      }
    });

    it('an address added while the last other address is being deleted (DELETE | SERVICE_MULTIPLE) survives, every time', async () => {
      const container = await testContainer(DC!);
      const directories = await Promise.all([0, 1].map(() => openAs(DC!, container.url, 'alice')));
      try {
        const [emptier, adder] = directories.map((d) => {
          const r = new WinsockRegistry({ remoteDirectory: d, principal: 'alice' });
          r.startup();
          return r;
        });
        const rounds = ROUNDS * 2;
        let deletedWhole = 0;
        for (let round = 0; round < rounds; round++) {
          const name = `last-${round}`;
          const e = address(5, round);
          const y = address(6, round);
          await emptier!.setServiceTypedAsync(querySet([e], { lpszServiceInstanceName: name }), REGISTER, 0);
          // Stagger the adder across rounds so it lands at every point of the deleter's work.
          const [deleted] = await Promise.all([
            emptier!.setServiceTypedAsync(querySet([e], { lpszServiceInstanceName: name }), DELETE, MULTIPLE),
            new Promise((r) => setTimeout(r, round % 8)).then(() =>
              adder!.setServiceTypedAsync(querySet([y], { lpszServiceInstanceName: name }), REGISTER, MULTIPLE),
            ),
          ]);
          if (deleted.providers[0]!.outcome!.object === 'deleted') deletedWhole++;
          const objects = (await emptier!.listAsync()).filter((o) => o.lpszServiceInstanceName === name);
          expect(
            objects.map((o) => o.lpcsaBuffer),
            `round ${round}`,
          ).toEqual([[y]]);
        }
        console.log(
          `last-address race: ${rounds} rounds, the DELETE removed the whole object (before the REGISTER) in ${deletedWhole}`,
        );
      } finally {
        for (const d of directories) await d.close();
        await container.remove();
      }
    });

    it('two writers creating one new object at once get one object with both addresses', async () => {
      const container = await testContainer(DC!);
      const directories = await Promise.all([0, 1, 2, 3].map(() => openAs(DC!, container.url, 'alice')));
      try {
        const registries = directories.map((d) => {
          const r = new WinsockRegistry({ remoteDirectory: d, principal: 'alice' });
          r.startup();
          return r;
        });
        const outcomes = await Promise.all(
          registries.map((r, i) =>
            r.setServiceTypedAsync(querySet([address(9, i)], { lpszServiceInstanceName: 'race' }), REGISTER, MULTIPLE),
          ),
        );
        expect(outcomes.filter((o) => o.providers[0]!.outcome!.object === 'created')).toHaveLength(1);
        const listed = await registries[0]!.listAsync();
        expect(listed).toHaveLength(1);
        expect(listed[0]!.lpcsaBuffer).toHaveLength(4);
      } finally {
        for (const d of directories) await d.close();
        await container.remove();
      }
    });
  },
);
