/**
 * Replication between two domain controllers (docs/directory.md,
 * "Replication"): register through DC 1, see it through DC 2 after
 * replication, delete one address exactly through DC 2, see the result on
 * DC 1. The DCs come from `scripts/ad-dc-pair up DIR` (each in its own
 * network namespace on a private link), named by $RNRKIT_TEST_AD_PAIR (its
 * JSON line). Replication is pulled with `samba-tool drs replicate --local`
 * (the DCs have no DNS server to find each other's DRS endpoint by name).
 * TLS verification is off here only: the DCs' own self-signed certificates
 * name dc1/dc2.rnr.test, and the link is one the test built, with no route out.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS, WinsockRegistry } from '../../src/service/index.js';
import { LdapDirectory } from '../../src/service/ldap/ldap-directory.js';
import { querySet, tcp } from './helpers.js';

interface Pair {
  dc1: string;
  dc2: string;
  admin: { bind: string; password: string };
  dir: string;
  netns: [string, string];
}
const PAIR = process.env.RNRKIT_TEST_AD_PAIR ? (JSON.parse(process.env.RNRKIT_TEST_AD_PAIR) as Pair) : undefined;
const WHY =
  'no DC pair: set RNRKIT_TEST_AD_PAIR to the line `scripts/ad-dc-pair up DIR` prints (needs root and network namespaces)';
if (!PAIR) console.log(`replication suite skipped: ${WHY}`);

/** Pull the domain partition from one DC into the other. */
function replicate(from: 1 | 2, to: 1 | 2): void {
  const p = PAIR!;
  const namespace = to === 1 ? p.netns[0] : p.netns[1];
  execFileSync(
    'ip',
    [
      'netns',
      'exec',
      namespace,
      'env',
      `KRB5_CONFIG=${p.dir}/krb5.conf`,
      'samba-tool',
      'drs',
      'replicate',
      `dc${to}`,
      `dc${from}`,
      'DC=rnr,DC=test',
      '--local',
      '-s',
      `${p.dir}/dc${to}/etc/smb.conf`,
      `-U${p.admin.bind.split('@')[0]}%${p.admin.password}`,
    ],
    { stdio: 'ignore' },
  );
}

describe.skipIf(!PAIR)(`replication between two DCs${PAIR ? '' : ` (skipped: ${WHY})`}`, { timeout: 120_000 }, () => {
  it('register through DC 1, see it on DC 2; delete one address exactly through DC 2, see the result on DC 1', async () => {
    const open = async (url: string) => {
      const directory = await LdapDirectory.open({
        url,
        bind: PAIR!.admin.bind,
        password: PAIR!.admin.password,
        insecureSkipTlsVerify: true,
        providerId: PROVIDER_IDS.directory,
      });
      const registry = new WinsockRegistry({ remoteDirectory: directory, principal: PAIR!.admin.bind });
      registry.startup();
      return { directory, registry };
    };
    const one = await open(PAIR!.dc1);
    const two = await open(PAIR!.dc2);
    const name = `replicated-${process.pid}-${Date.now()}`;
    const qs = (addresses: ReturnType<typeof tcp>[]) => querySet(addresses, { lpszServiceInstanceName: name });
    const onDc = async (r: WinsockRegistry) => (await r.listAsync()).filter((o) => o.lpszServiceInstanceName === name);
    try {
      await one.registry.setServiceTypedAsync(qs([tcp(1), tcp(2)]), 0, 0);
      replicate(1, 2);
      expect((await onDc(two.registry)).map((o) => o.lpcsaBuffer)).toEqual([[tcp(1), tcp(2)]]);

      const removed = await two.registry.setServiceTypedAsync(qs([tcp(1)]), 2, 1);
      expect(removed.providers[0]!.outcome).toMatchObject({ removed: [tcp(1)], addressCount: 1 });
      replicate(2, 1);
      expect((await onDc(one.registry)).map((o) => o.lpcsaBuffer)).toEqual([[tcp(2)]]);

      // The last address through DC 1 deletes the object; DC 2 sees it gone.
      expect((await one.registry.setServiceTypedAsync(qs([tcp(2)]), 2, 1)).providers[0]!.outcome!.object).toBe(
        'deleted',
      );
      replicate(1, 2);
      expect(await onDc(two.registry)).toEqual([]);
    } finally {
      await one.directory.close();
      await two.directory.close();
    }
  });
});
