import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Attribute, Change, Client, Control } from 'ldapts';
import type { CsAddrInfoJson, QuerySetJson } from '../../src/codec/canonical.js';
import { PROVIDER_IDS, WinsockRegistry } from '../../src/service/index.js';
import { LdapDirectory } from '../../src/service/ldap/ldap-directory.js';
import { objectRdn } from '../../src/service/ldap/mapping.js';
import { encodeAddresses } from '../../src/service/ldap/winsock-addresses.js';
import { objectKey } from '../../src/service/object-key.js';
import type { BenchCase } from '../case.js';
import { CLASS_ID, printer, printerAddress } from '../store-setup.js';

/**
 * service/ldap: REGISTER | SERVICE_MULTIPLE of one address to an existing
 * object in Active Directory, through the registry and the LDAP backend
 * (read the object, apply the table, one modify), ops/s, one call at a time.
 * service/ldap@ldapts: the same modify (add that winsockAddresses value with
 * the permissive-modify control) sent with plain ldapts on the same DC, as
 * the floor. Addresses cycle through 16, so the object stays small and both
 * sides send the same modify every time.
 *
 * The DC comes from $RNRKIT_TEST_AD (the JSON line of `scripts/ad-dc up DIR`)
 * or $RNRKIT_TEST_AD_DIR; without one the cases are left out, with a line
 * saying so. Both cases time themselves for $RNRKIT_BENCH_SECONDS (default 2).
 */
interface Dc {
  url: string;
  ca: string;
  admin: { bind: string; password: string };
  users: { bind: string; password: string }[];
}

function dc(): Dc | undefined {
  const line =
    process.env.RNRKIT_TEST_AD ??
    (process.env.RNRKIT_TEST_AD_DIR
      ? execFileSync('scripts/ad-dc', ['info', process.env.RNRKIT_TEST_AD_DIR], { encoding: 'utf8' })
      : undefined);
  return line ? (JSON.parse(line) as Dc) : undefined;
}

const POOL = 16;
const seconds = Number(process.env.RNRKIT_BENCH_SECONDS ?? 2);

/** One of POOL addresses (10.0.0.x port 80), so the object stays small. */
function address(i: number): CsAddrInfoJson {
  return printerAddress(i % POOL, 80);
}

/** The bench printer with these addresses. */
function querySet(addresses: CsAddrInfoJson[]): QuerySetJson {
  return {
    ...printer(0),
    lpszServiceInstanceName: 'bench printer',
    dwNumberOfCsAddrs: addresses.length,
    lpcsaBuffer: addresses,
  };
}

async function timed(op: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await op(i); // warm up
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let n = 0;
  while (performance.now() < end) await op(n++);
  return n / ((performance.now() - start) / 1000);
}

const server = dc();
const state = {} as {
  container: string;
  url: string;
  registry: WinsockRegistry;
  directory: LdapDirectory;
  client: Client;
  dn: string;
};

/** Once per run: a container of its own and the object; then per case, fresh connections (closed after timing, so the run can exit). */
async function setup(): Promise<void> {
  const d = server!;
  if (!state.container) await createObject(d);
  const root = d.url.slice(0, d.url.lastIndexOf('/'));
  const alice = d.users[0]!;
  state.directory = await LdapDirectory.open({
    url: `${root}/${encodeURIComponent(state.container)}`,
    bind: alice.bind,
    password: alice.password,
    ca: readFileSync(d.ca),
    providerId: PROVIDER_IDS.directory,
  });
  state.registry = new WinsockRegistry({ remoteDirectory: state.directory, principal: alice.bind });
  state.registry.startup();
  state.client = new Client({ url: root, tlsOptions: { ca: readFileSync(d.ca), servername: '' } });
  await state.client.bind(alice.bind, alice.password);
}

async function closeConnections(): Promise<void> {
  await state.directory.close();
  await state.client.unbind();
}

async function createObject(d: Dc): Promise<void> {
  const root = d.url.slice(0, d.url.lastIndexOf('/'));
  const domain = decodeURIComponent(d.url.slice(d.url.lastIndexOf('/') + 1));
  state.container = `CN=rnrkit-bench-${randomBytes(6).toString('hex')},CN=WinsockServices,CN=System,${domain}`;
  const tls = { ca: readFileSync(d.ca), servername: '' };
  const admin = new Client({ url: root, tlsOptions: tls });
  await admin.bind(d.admin.bind, d.admin.password);
  await admin.add(state.container, { objectClass: 'container' });
  await admin.unbind();
  process.on('exit', () => {
    // Best effort: the container is removed by the next run's DC teardown otherwise.
    try {
      execFileSync(
        'ldapdelete',
        ['-r', '-H', root, '-x', '-D', d.admin.bind, '-w', d.admin.password, state.container],
        { env: { ...process.env, LDAPTLS_CACERT: d.ca }, stdio: 'ignore' },
      );
    } catch {}
  });
  const alice = d.users[0]!;
  const directory = await LdapDirectory.open({
    url: `${root}/${encodeURIComponent(state.container)}`,
    bind: alice.bind,
    password: alice.password,
    ca: readFileSync(d.ca),
    providerId: PROVIDER_IDS.directory,
  });
  const registry = new WinsockRegistry({ remoteDirectory: directory, principal: alice.bind });
  registry.startup();
  await registry.setServiceTypedAsync(querySet(Array.from({ length: POOL }, (_, i) => address(i))), 0, 0);
  await directory.close();
  state.dn = `${objectRdn(objectKey(PROVIDER_IDS.directory, CLASS_ID, 'bench printer', null))},${state.container}`;
}

const permissive = new Control('1.2.840.113556.1.4.1413');

export const cases: BenchCase[] = server
  ? [
      {
        name: 'service/ldap',
        unit: 'op',
        setup,
        external: async () => {
          const hz = await timed((i) => state.registry.setServiceTypedAsync(querySet([address(i)]), 0, 1));
          await closeConnections();
          return hz;
        },
      },
      {
        name: 'service/ldap@ldapts',
        unit: 'op',
        setup,
        external: async () => {
          const hz = await timed((i) =>
            state.client.modify(
              state.dn,
              [
                new Change({
                  operation: 'add',
                  modification: new Attribute({ type: 'winsockAddresses', values: encodeAddresses([address(i)]) }),
                }),
              ],
              permissive,
            ),
          );
          await closeConnections();
          return hz;
        },
      },
    ]
  : [];
if (!server)
  process.stderr.write(
    'service/ldap skipped: no DC (set RNRKIT_TEST_AD to the line `scripts/ad-dc up DIR` prints, or RNRKIT_TEST_AD_DIR)\n',
  );
