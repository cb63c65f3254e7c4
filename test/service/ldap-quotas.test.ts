/**
 * The per-principal quotas over LDAP (docs/directory.md, "Quotas"): the
 * embedded store's rules, defaults and error, on the real domain
 * controller with small limits; and the bound on what concurrent writers
 * of one principal can overshoot, since there is no lock across the count
 * and the write.
 */
import { readFileSync } from 'node:fs';
import { Attribute, Client } from 'ldapts';
import { describe, expect, it } from 'vitest';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { openStore, PROVIDER_IDS, WinsockError, WinsockRegistry } from '../../src/service/index.js';
import { LdapDirectory, type LdapDirectoryOptions } from '../../src/service/ldap/ldap-directory.js';
import { classIdBytes, objectRdn } from '../../src/service/ldap/mapping.js';
import { objectKey } from '../../src/service/object-key.js';
import { DEFAULT_PRINCIPAL_QUOTAS } from '../../src/service/quotas.js';
import { DC, NO_DC_REASON, testContainer, type Who } from './directory-backends.js';
import { CLASS_ID, querySet, tcp, tempDir } from './helpers.js';

const REGISTER = 0;
const DEREGISTER = 1;
const DELETE = 2;
const MULTIPLE = 1;
const QUOTAS = { maxObjectsPerPrincipal: 2, maxAddressesPerPrincipal: 3 };

type Call = { who: Who; qs: QuerySetJson; op: number; flags: number };
const named = (name: string, addresses: number[]) =>
  querySet(
    addresses.map((h) => tcp(h)),
    { lpszServiceInstanceName: name },
  );

/**
 * One sequence of calls, each answered 0 or with the Winsock error's name,
 * code, path and message: run on the embedded store and on the DC, the
 * answers must be the same.
 */
const SCENARIO: Call[] = [
  { who: 'alice', qs: named('one', [1]), op: REGISTER, flags: 0 },
  { who: 'alice', qs: named('two', [2]), op: REGISTER, flags: 0 },
  // Object quota: a third object is refused, with or without addresses.
  { who: 'alice', qs: named('three', []), op: REGISTER, flags: 0 },
  { who: 'alice', qs: named('three', [3]), op: REGISTER, flags: MULTIPLE },
  // Growing an object it has is not a new object; the third address fits.
  { who: 'alice', qs: named('one', [3]), op: REGISTER, flags: MULTIPLE },
  // Address quota: a fourth address is refused, on any of its objects.
  { who: 'alice', qs: named('two', [4]), op: REGISTER, flags: MULTIPLE },
  { who: 'alice', qs: named('one', [1, 3, 4]), op: REGISTER, flags: 0 },
  // Access comes first: bob may not add to alice's object, whatever her usage (WSAEACCES, not her quota).
  { who: 'bob', qs: named('one', [9]), op: REGISTER, flags: MULTIPLE },
  // What does not grow a count is always allowed: the same addresses again, or fewer.
  { who: 'alice', qs: named('one', [1, 3]), op: REGISTER, flags: 0 },
  { who: 'alice', qs: named('two', [2]), op: DEREGISTER, flags: MULTIPLE },
  // Another principal has its own quota.
  { who: 'bob', qs: named('bobs', [5, 6]), op: REGISTER, flags: 0 },
  // An administrator adding to alice's object charges alice: she is at 2 addresses, 2 more is over.
  { who: 'admin', qs: named('one', [7, 8]), op: REGISTER, flags: MULTIPLE },
  { who: 'admin', qs: named('one', [7]), op: REGISTER, flags: MULTIPLE },
  // Deleting an object frees room for one other, not two.
  { who: 'alice', qs: named('two', []), op: DELETE, flags: 0 },
  { who: 'alice', qs: named('three', []), op: REGISTER, flags: 0 },
  { who: 'alice', qs: named('four', []), op: REGISTER, flags: 0 },
];

type Answer = 0 | { name: string; code: number; path: string; message: string };

async function play(registries: Record<Who, WinsockRegistry>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const call of SCENARIO) {
    try {
      await registries[call.who].setServiceTypedAsync(call.qs, call.op, call.flags);
      answers.push(0);
    } catch (e) {
      if (!(e instanceof WinsockError)) throw e;
      // The quota's message is the same on both; another error's names the backend's own reason.
      answers.push({
        name: e.name,
        code: e.code,
        path: e.path,
        message: e.name === 'WSA_NOT_ENOUGH_MEMORY' ? e.message : '',
      });
    }
  }
  return answers;
}

async function onStore(): Promise<Answer[]> {
  const temp = tempDir();
  const store = openStore(temp.file('store.db'));
  try {
    const as = (principal: string) => {
      const r = new WinsockRegistry({
        store,
        principal,
        administrators: ['administrator'],
        directory: QUOTAS,
      });
      r.startup();
      return r;
    };
    return await play({ alice: as('alice'), bob: as('bob'), admin: as('administrator') });
  } finally {
    store.close();
    temp.remove();
  }
}

describe('LDAP quota options', () => {
  it('the same defaults as the embedded store, and a bad quota is a UsageError before anything is sent', async () => {
    expect(DEFAULT_PRINCIPAL_QUOTAS).toEqual({ maxObjectsPerPrincipal: 10_000, maxAddressesPerPrincipal: 100_000 });
    // Port 9 of a documentation address: nothing is contacted when the options are wrong.
    const open = (quotas: object) =>
      LdapDirectory.open({
        url: 'ldaps://192.0.2.1:9/DC=example,DC=com',
        bind: 'alice@example.com',
        password: 'x',
        providerId: PROVIDER_IDS.directory,
        connectTimeoutMs: 1,
        ...quotas,
      });
    await expect(open({ maxObjectsPerPrincipal: -1 })).rejects.toMatchObject({
      name: 'UsageError',
      message: expect.stringMatching(/maxObjectsPerPrincipal must be a non-negative integer, not -1/),
    });
    await expect(open({ maxAddressesPerPrincipal: 1.5 })).rejects.toMatchObject({ name: 'UsageError' });
  });
});

describe.skipIf(!DC)(
  `per-principal quotas over LDAP${DC ? '' : ` (skipped: ${NO_DC_REASON})`}`,
  { timeout: 120_000 },
  () => {
    it('the embedded store and the directory answer the same calls with the same results and the same errors', async () => {
      const container = await testContainer(DC!);
      const directories: LdapDirectory[] = [];
      try {
        const as = async (who: Who) => {
          const d = await open(container.url, who, QUOTAS);
          directories.push(d);
          const r = new WinsockRegistry({ remoteDirectory: d, principal: who });
          r.startup();
          return r;
        };
        const ldap = await play({ alice: await as('alice'), bob: await as('bob'), admin: await as('admin') });
        const sqlite = await onStore();
        expect(ldap).toEqual(sqlite);
        // And what was refused is really not there.
        const [first] = directories;
        const objects = (await first!.list()).map((o) => [o.lpszServiceInstanceName, o.owner, o.lpcsaBuffer.length]);
        expect(objects.sort()).toEqual([
          ['bobs', 'bob', 2],
          ['one', 'alice', 3],
          ['three', 'alice', 0],
        ]);
        // The scenario does hit both quotas: the answers are not all 0.
        const refused = sqlite.flatMap((a, i) => (a === 0 ? [] : [[i, a.name, a.path]]));
        expect(refused).toEqual([
          [2, 'WSA_NOT_ENOUGH_MEMORY', ''],
          [3, 'WSA_NOT_ENOUGH_MEMORY', ''],
          [5, 'WSA_NOT_ENOUGH_MEMORY', 'lpcsaBuffer'],
          [6, 'WSA_NOT_ENOUGH_MEMORY', 'lpcsaBuffer'],
          [7, 'WSAEACCES', ''],
          [11, 'WSA_NOT_ENOUGH_MEMORY', 'lpcsaBuffer'],
          [15, 'WSA_NOT_ENOUGH_MEMORY', ''],
        ]);
        expect(sqlite[11]).toMatchObject({
          message: expect.stringMatching(/"alice" owns 2 addresses and this call would add 2; its quota is 3/),
        });
      } finally {
        for (const d of directories) await d.close();
        await container.remove();
      }
    });

    it('concurrent writers of one principal overshoot the object quota by at most their number less one', async () => {
      const container = await testContainer(DC!);
      const writers = 4;
      const quota = 3;
      const tries = 3;
      const directories = await Promise.all(
        Array.from({ length: writers }, () => open(container.url, 'alice', { maxObjectsPerPrincipal: quota })),
      );
      try {
        let acknowledged = 0;
        let refused = 0;
        await Promise.all(
          directories.map(async (d, w) => {
            const r = new WinsockRegistry({ remoteDirectory: d, principal: 'alice' });
            r.startup();
            for (let i = 0; i < tries; i++) {
              try {
                await r.setServiceTypedAsync(named(`w${w}-${i}`, [w + 1]), REGISTER, 0);
                acknowledged++;
              } catch (e) {
                if (!WinsockError.is(e, 'WSA_NOT_ENOUGH_MEMORY')) throw e;
                refused++;
              }
            }
          }),
        );
        const objects = await directories[0]!.list();
        console.log(
          `quota race: ${writers} writers × ${tries} creates at a quota of ${quota}: ${objects.length} objects, ${refused} refused`,
        );
        expect(objects).toHaveLength(acknowledged);
        expect(objects.length).toBeGreaterThanOrEqual(quota);
        // Without the check all writers × tries objects would be made.
        expect(objects.length).toBeLessThanOrEqual(quota + writers - 1);
      } finally {
        for (const d of directories) await d.close();
        await container.remove();
      }
    });

    it('an object made without the owner keyword (another writer, an older rnrkit) counts once rnrkit registers to it', async () => {
      const container = await testContainer(DC!);
      const directory = await open(container.url, 'alice', { maxObjectsPerPrincipal: 1 });
      const raw = new Client({
        url: directory.where.serverUrl,
        tlsOptions: { ca: readFileSync(DC!.ca), servername: '' },
      });
      try {
        await raw.bind(DC!.users[0]!.bind, DC!.users[0]!.password);
        const key = objectKey(PROVIDER_IDS.directory, CLASS_ID, 'legacy', null);
        await raw.add(`${objectRdn(key)},${container.dn}`, [
          new Attribute({ type: 'objectClass', values: ['serviceInstance'] }),
          new Attribute({ type: 'displayName', values: ['legacy'] }),
          new Attribute({ type: 'serviceClassID', values: [classIdBytes(CLASS_ID)] }),
        ]);
        const r = new WinsockRegistry({ remoteDirectory: directory, principal: 'alice' });
        r.startup();
        // Not yet counted: alice's one object may still be made.
        await r.setServiceTypedAsync(named('fresh', [1]), REGISTER, 0);
        // A REGISTER to it marks it as alice's; from then on it counts.
        await r.setServiceTypedAsync(named('legacy', [2]), REGISTER, 0);
        const refused = await r.setServiceTypedAsync(named('another', []), REGISTER, 0).catch((e: unknown) => e);
        expect(refused).toMatchObject({
          name: 'WSA_NOT_ENOUGH_MEMORY',
          message: expect.stringMatching(/"alice" owns 2 objects; its quota is 1 \(maxObjectsPerPrincipal\)/),
        });
        expect((await directory.list()).map((o) => [o.lpszServiceInstanceName, o.owner]).sort()).toEqual([
          ['fresh', 'alice'],
          ['legacy', 'alice'],
        ]);
      } finally {
        await raw.unbind();
        await directory.close();
        await container.remove();
      }
    });
  },
);

/** Like directory-backends.ts's openAs, with the options this suite is about. */
function open(url: string, who: Who, options: Partial<LdapDirectoryOptions>): Promise<LdapDirectory> {
  const account = who === 'admin' ? DC!.admin : who === 'alice' ? DC!.users[0]! : DC!.users[1]!;
  return LdapDirectory.open({
    url,
    bind: account.bind,
    password: account.password,
    ca: readFileSync(DC!.ca),
    providerId: PROVIDER_IDS.directory,
    ...options,
  });
}
