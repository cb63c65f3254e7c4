import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, Control } from 'ldapts';
import { afterEach, beforeEach } from 'vitest';
import {
  openStore,
  PROVIDER_IDS,
  type ServiceObjectJson,
  type ServiceStore,
  WinsockRegistry,
} from '../../src/service/index.js';
import { LdapDirectory } from '../../src/service/ldap/ldap-directory.js';
import { tempDir } from './helpers.js';

/**
 * The test domain controller, from the environment: $RNRKIT_TEST_AD holds
 * the JSON line `scripts/ad-dc up DIR` printed, or $RNRKIT_TEST_AD_DIR names
 * the DIR (the line is read with `scripts/ad-dc info DIR`). Unset: the LDAP
 * suites skip.
 */
export interface TestDc {
  url: string;
  ca: string;
  admin: { bind: string; password: string };
  users: { bind: string; password: string }[];
  dir?: string;
}

export function testDc(): TestDc | undefined {
  const line =
    process.env.RNRKIT_TEST_AD ??
    (process.env.RNRKIT_TEST_AD_DIR
      ? execFileSync('scripts/ad-dc', ['info', process.env.RNRKIT_TEST_AD_DIR], { encoding: 'utf8' })
      : undefined);
  return line ? (JSON.parse(line) as TestDc) : undefined;
}

export const DC = testDc();
export const NO_DC_REASON =
  'no test domain controller: set RNRKIT_TEST_AD (the JSON line of `scripts/ad-dc up DIR`) or RNRKIT_TEST_AD_DIR to run the LDAP suites';
if (!DC) console.log(`LDAP suites skipped: ${NO_DC_REASON}`);

export type Who = 'alice' | 'bob' | 'admin';

/** One backend as the conformance suite drives it; a fresh, empty Directory per test. */
export interface DirectoryHarness {
  readonly name: 'sqlite' | 'ldap';
  /** alice's registry (started). */
  readonly registry: WinsockRegistry;
  /** Another principal's registry on the same Directory (started; closed after the test). */
  as(
    who: Who,
    options?: { maxObjects?: number; maxAddressesPerObject?: number; maxAddressesPerCall?: number },
  ): Promise<WinsockRegistry>;
  list(): Promise<ServiceObjectJson[]>;
}

const TREE_DELETE = new Control('1.2.840.113556.1.4.805');

/** A client bound as the DC's administrator, for setting up and removing test containers. */
export async function adminClient(dc: TestDc): Promise<Client> {
  const client = new Client({
    url: dc.url.replace(/\/[^/]*$/, ''),
    tlsOptions: { ca: readFileSync(dc.ca), servername: '' },
    timeout: 20_000,
  });
  await client.bind(dc.admin.bind, dc.admin.password);
  return client;
}

export function domainDn(dc: TestDc): string {
  return decodeURIComponent(dc.url.slice(dc.url.lastIndexOf('/') + 1));
}

/** A uniquely named container under CN=WinsockServices for one test (so parallel runs never meet), removed afterwards. */
export async function testContainer(dc: TestDc): Promise<{ dn: string; url: string; remove: () => Promise<void> }> {
  const dn = `CN=rnrkit-test-${randomBytes(6).toString('hex')},CN=WinsockServices,CN=System,${domainDn(dc)}`;
  const admin = await adminClient(dc);
  try {
    await admin.add(dn, { objectClass: 'container' });
  } finally {
    await admin.unbind();
  }
  return {
    dn,
    url: `${dc.url.slice(0, dc.url.lastIndexOf('/'))}/${encodeURIComponent(dn)}`,
    remove: async () => {
      const client = await adminClient(dc);
      try {
        await client.del(dn, TREE_DELETE);
      } finally {
        await client.unbind();
      }
    },
  };
}

export function openAs(
  dc: TestDc,
  url: string,
  who: Who,
  options: { maxObjects?: number; maxAddressesPerObject?: number } = {},
): Promise<LdapDirectory> {
  const account = who === 'admin' ? dc.admin : who === 'alice' ? dc.users[0]! : dc.users[1]!;
  return LdapDirectory.open({
    url,
    bind: account.bind,
    password: account.password,
    ca: readFileSync(dc.ca),
    providerId: PROVIDER_IDS.directory,
    ...options,
  });
}

/**
 * The backends the conformance suite runs against: SQLite always, LDAP when
 * a test DC is configured. Call inside a describe; beforeEach/afterEach give
 * each test an empty Directory.
 */
export function directoryHarnesses(): { name: 'sqlite' | 'ldap'; skip: boolean; harness: DirectoryHarness }[] {
  return [sqliteHarness(), ldapHarness()];
}

function sqliteHarness(): { name: 'sqlite'; skip: boolean; harness: DirectoryHarness } {
  const state = {} as {
    store: ServiceStore;
    registry: WinsockRegistry;
    temp: ReturnType<typeof tempDir>;
    extra: WinsockRegistry[];
  };
  const harness: DirectoryHarness = {
    name: 'sqlite',
    get registry() {
      return state.registry;
    },
    async as(who, options = {}) {
      const { maxAddressesPerCall, ...directory } = options;
      const registry = new WinsockRegistry({
        store: state.store,
        principal: who === 'admin' ? 'administrator' : who,
        administrators: ['administrator'],
        directory,
        ...(maxAddressesPerCall ? { maxAddressesPerCall } : {}),
      });
      registry.startup();
      return registry;
    },
    list: async () => state.store.list(),
  };
  return {
    name: 'sqlite',
    skip: false,
    harness: Object.assign(harness, {
      setup: async () => {
        state.temp = tempDir();
        state.store = openStore(state.temp.file('store.db'));
        state.registry = new WinsockRegistry({
          store: state.store,
          principal: 'alice',
          administrators: ['administrator'],
        });
        state.registry.startup();
      },
      teardown: async () => {
        state.store.close();
        state.temp.remove();
      },
    }),
  };
}

function ldapHarness(): { name: 'ldap'; skip: boolean; harness: DirectoryHarness } {
  const state = {} as {
    registry: WinsockRegistry;
    directories: LdapDirectory[];
    container: Awaited<ReturnType<typeof testContainer>>;
  };
  const harness: DirectoryHarness = {
    name: 'ldap',
    get registry() {
      return state.registry;
    },
    async as(who, options = {}) {
      const { maxAddressesPerCall, ...limits } = options;
      const directory = await openAs(DC!, state.container.url, who, limits);
      state.directories.push(directory);
      const registry = new WinsockRegistry({
        remoteDirectory: directory,
        principal: who,
        ...(maxAddressesPerCall ? { maxAddressesPerCall } : {}),
      });
      registry.startup();
      return registry;
    },
    list: () => state.registry.listAsync(),
  };
  return {
    name: 'ldap',
    skip: !DC,
    harness: Object.assign(harness, {
      setup: async () => {
        state.directories = [];
        state.container = await testContainer(DC!);
        const alice = await openAs(DC!, state.container.url, 'alice');
        state.directories.push(alice);
        state.registry = new WinsockRegistry({ remoteDirectory: alice, principal: 'alice' });
        state.registry.startup();
      },
      teardown: async () => {
        for (const d of state.directories) await d.close();
        await state.container.remove();
      },
    }),
  };
}

/** Register the harness's per-test setup and teardown in the current describe. */
export function useHarness(harness: DirectoryHarness): void {
  const h = harness as DirectoryHarness & { setup: () => Promise<void>; teardown: () => Promise<void> };
  beforeEach(() => h.setup(), 30_000);
  afterEach(() => h.teardown(), 30_000);
}
