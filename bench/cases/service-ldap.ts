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

const CLASS_ID = '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}';
const POOL = 16;
const seconds = Number(process.env.RNRKIT_BENCH_SECONDS ?? 2);

function address(i: number): CsAddrInfoJson {
  const host = (i % POOL).toString(16).padStart(2, '0');
  return {
    LocalAddr: { lpSockaddr: `02000050c0a800${host}0000000000000000`, iSockaddrLength: 16 },
    RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
    iSocketType: 1,
    iProtocol: 6,
  };
}

function querySet(addresses: CsAddrInfoJson[]): QuerySetJson {
  return {
    dwSize: 120,
    lpszServiceInstanceName: 'bench printer',
    lpServiceClassId: CLASS_ID,
    lpVersion: null,
    lpszComment: 'colour laser',
    dwNameSpace: 32,
    lpNSProviderId: null,
    lpszContext: null,
    dwNumberOfProtocols: 0,
    lpafpProtocols: null,
    lpszQueryString: null,
    dwNumberOfCsAddrs: addresses.length,
    lpcsaBuffer: addresses,
    dwOutputFlags: 0,
    lpBlob: null,
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
