/**
 * Leftovers of DELETE | SERVICE_MULTIPLE (docs/directory.md, "Atomicity"):
 * a writer that stops between parking an object under
 * `CN=rnrkit-removing-…` and deleting it leaves the parked copy behind. The
 * crash is simulated by doing the writer's first steps by hand; the backend
 * must finish the copy (empty: delete it; holding addresses: put it back)
 * on open and on the next write to that object, once it is older than
 * recoverParkedAfterMs — and leave a younger one alone.
 */
import { readFileSync } from 'node:fs';
import { Attribute, Change, type Client } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS, WinsockRegistry } from '../../src/service/index.js';
import { LdapDirectory } from '../../src/service/ldap/ldap-directory.js';
import { objectRdn, parkedRdn } from '../../src/service/ldap/mapping.js';
import { objectKey } from '../../src/service/object-key.js';
import { adminClient, DC, NO_DC_REASON, testContainer } from './directory-backends.js';
import { CLASS_ID, querySet, tcp } from './helpers.js';

const REGISTER = 0;
const MULTIPLE = 1;
/** whenChanged has whole seconds: this long makes a parked copy older than a threshold of 0 (ldap-directory.ts). */
const PAST_THRESHOLD_0_MS = 2100;

function alice(url: string, recoverParkedAfterMs?: number, user = 0): Promise<LdapDirectory> {
  return LdapDirectory.open({
    url,
    bind: DC!.users[user]!.bind,
    password: DC!.users[user]!.password,
    ca: readFileSync(DC!.ca),
    providerId: PROVIDER_IDS.directory,
    ...(recoverParkedAfterMs === undefined ? {} : { recoverParkedAfterMs }),
  });
}

function registryOf(directory: LdapDirectory): WinsockRegistry {
  const r = new WinsockRegistry({ remoteDirectory: directory, principal: directory.principal });
  r.startup();
  return r;
}

/** What a DELETE | SERVICE_MULTIPLE had done when its process died: values removed (or not), object renamed. */
async function crashMidDelete(admin: Client, containerDn: string, name: string, removeValues: boolean): Promise<void> {
  const key = objectKey(PROVIDER_IDS.directory, CLASS_ID, name, null);
  const dn = `${objectRdn(key)},${containerDn}`;
  if (removeValues)
    await admin.modify(dn, [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'winsockAddresses', values: [] }) }),
    ]);
  await admin.modifyDN(dn, parkedRdn(key, '0123456789abcdef'));
}

async function parkedNames(admin: Client, containerDn: string): Promise<string[]> {
  const found = await admin.search(containerDn, {
    scope: 'one',
    filter: '(cn=rnrkit-removing-*)',
    attributes: ['displayName'],
  });
  return found.searchEntries.map((e) => String(e.displayName)).sort();
}

const summary = (objects: { lpszServiceInstanceName: string | null; lpcsaBuffer: unknown[] }[]) =>
  objects
    .map((o) => [o.lpszServiceInstanceName, o.lpcsaBuffer])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe.skipIf(!DC)(
  `parked objects left by a crashed DELETE | SERVICE_MULTIPLE${DC ? '' : ` (skipped: ${NO_DC_REASON})`}`,
  { timeout: 60_000 },
  () => {
    it('on open: an old empty one is deleted, an old one with addresses is put back, a young one is left alone', async () => {
      const container = await testContainer(DC!);
      const admin = await adminClient(DC!);
      const directories: LdapDirectory[] = [];
      try {
        const first = await alice(container.url);
        directories.push(first);
        const r = registryOf(first);
        await r.setServiceTypedAsync(querySet([tcp(1)], { lpszServiceInstanceName: 'emptied' }), REGISTER, 0);
        await r.setServiceTypedAsync(querySet([tcp(2)], { lpszServiceInstanceName: 'refilled' }), REGISTER, 0);
        await crashMidDelete(admin, container.dn, 'emptied', true);
        await crashMidDelete(admin, container.dn, 'refilled', false);
        // Parked copies are not objects to readers.
        expect(await first.list()).toEqual([]);

        // Young (the default threshold is a minute): a writer may still be at work; nothing is touched.
        directories.push(await alice(container.url));
        expect(await parkedNames(admin, container.dn)).toEqual(['emptied', 'refilled']);

        await new Promise((resolve) => setTimeout(resolve, PAST_THRESHOLD_0_MS));
        const recovering = await alice(container.url, 0);
        directories.push(recovering);
        expect(await parkedNames(admin, container.dn)).toEqual([]);
        expect(summary(await recovering.list())).toEqual([['refilled', [tcp(2)]]]);
        // The restored object is an ordinary one again: its owner can change it.
        await registryOf(recovering).setServiceTypedAsync(
          querySet([tcp(3)], { lpszServiceInstanceName: 'refilled' }),
          REGISTER,
          MULTIPLE,
        );
        expect(summary(await recovering.list())).toEqual([['refilled', [tcp(2), tcp(3)]]]);
      } finally {
        for (const d of directories) await d.close();
        await admin.unbind();
        await container.remove();
      }
    });

    it('on the next write to the object: the parked addresses join the object created under its name meanwhile', async () => {
      const container = await testContainer(DC!);
      const admin = await adminClient(DC!);
      const directory = await alice(container.url, 0);
      try {
        const r = registryOf(directory);
        const named = { lpszServiceInstanceName: 'merge' };
        await r.setServiceTypedAsync(querySet([tcp(4)], named), REGISTER, 0);
        await crashMidDelete(admin, container.dn, 'merge', false);
        // While the parked copy is young, a REGISTER creates a new object under the name.
        expect(
          (await r.setServiceTypedAsync(querySet([tcp(5)], named), REGISTER, 0)).providers[0]!.outcome!.object,
        ).toBe('created');
        expect(await parkedNames(admin, container.dn)).toEqual(['merge']);

        await new Promise((resolve) => setTimeout(resolve, PAST_THRESHOLD_0_MS));
        await r.setServiceTypedAsync(querySet([tcp(6)], named), REGISTER, MULTIPLE);
        expect(await parkedNames(admin, container.dn)).toEqual([]);
        const [object, ...more] = await directory.list();
        expect(more).toEqual([]);
        expect(new Set(object!.lpcsaBuffer.map((a) => a.LocalAddr.lpSockaddr))).toEqual(
          new Set([tcp(4), tcp(5), tcp(6)].map((a) => a.LocalAddr.lpSockaddr)),
        );
      } finally {
        await directory.close();
        await admin.unbind();
        await container.remove();
      }
    });

    it("another principal's parked object is left to its owner: opening does not fail on it", async () => {
      const container = await testContainer(DC!);
      const admin = await adminClient(DC!);
      const directories: LdapDirectory[] = [];
      try {
        const bob = await alice(container.url, 0, 1);
        directories.push(bob);
        await registryOf(bob).setServiceTypedAsync(
          querySet([tcp(7)], { lpszServiceInstanceName: 'bobs' }),
          REGISTER,
          0,
        );
        await crashMidDelete(admin, container.dn, 'bobs', false);
        await new Promise((resolve) => setTimeout(resolve, PAST_THRESHOLD_0_MS));
        directories.push(await alice(container.url, 0));
        expect(await parkedNames(admin, container.dn)).toEqual(['bobs']);
        const bobAgain = await alice(container.url, 0, 1);
        directories.push(bobAgain);
        expect(await parkedNames(admin, container.dn)).toEqual([]);
        expect(summary(await bobAgain.list())).toEqual([['bobs', [tcp(7)]]]);
      } finally {
        for (const d of directories) await d.close();
        await admin.unbind();
        await container.remove();
      }
    });
  },
);
