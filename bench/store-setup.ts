import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CsAddrInfoJson, QuerySetJson } from '../src/codec/canonical.js';
import { openStore, type StoreOptions, WinsockRegistry } from '../src/service/index.js';

/**
 * What the store and directory benchmarks (bench/cases/service.ts,
 * bench/cases/lookup.ts, bench/cases/service-ldap.ts) register: printer `i`
 * of one service class, with two TCP listeners on 10.x.y.z (ports 515 and
 * 9100), and a fresh store to register them in.
 */
export const CLASS_ID = '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}';

// Building the caller's input is not the registry's work: a table, not map/padStart/join per byte, keeps it small in the timed region.
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** A SOCK_STREAM/IPPROTO_TCP CSADDR_INFO listening on 10.<i as three bytes>:`port`. */
export function printerAddress(i: number, port: number): CsAddrInfoJson {
  const addr = `0a${HEX[(i >> 16) & 0xff]}${HEX[(i >> 8) & 0xff]}${HEX[i & 0xff]}`;
  return {
    LocalAddr: { lpSockaddr: `0200${HEX[port >> 8]}${HEX[port & 0xff]}${addr}0000000000000000`, iSockaddrLength: 16 },
    RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
    iSocketType: 1,
    iProtocol: 6,
  };
}

/** The WSAQUERYSETW registering printer `i` in NS_NTDS, with `lpVersion` (none unless given). */
export function printer(i: number, lpVersion: QuerySetJson['lpVersion'] = null): QuerySetJson {
  return {
    dwSize: 120,
    lpszServiceInstanceName: `printer-${i}`,
    lpServiceClassId: CLASS_ID,
    lpVersion,
    lpszComment: 'colour laser',
    dwNameSpace: 32,
    lpNSProviderId: null,
    lpszContext: null,
    dwNumberOfProtocols: 0,
    lpafpProtocols: null,
    lpszQueryString: null,
    dwNumberOfCsAddrs: 2,
    lpcsaBuffer: [printerAddress(i, 515), printerAddress(i, 9100)],
    dwOutputFlags: 0,
    lpBlob: null,
  };
}

/**
 * A store file that does not exist yet, in a folder of its own under the
 * system's temporary folder. The folders go when the bench process exits
 * (a lookup store is about 8 MB, and the cases have no teardown).
 */
export function freshStoreFile(name: string): string {
  const folder = mkdtempSync(join(tmpdir(), `rnrkit-bench-${name}-`));
  if (storeFolders.size === 0) process.once('exit', removeStoreFolders);
  storeFolders.add(folder);
  return join(folder, 'store.db');
}

const storeFolders = new Set<string>();
function removeStoreFolders(): void {
  for (const folder of storeFolders) rmSync(folder, { recursive: true, force: true });
}

/**
 * The Directory's limits for one principal that registers every object of a
 * run: a timed case makes hundreds of thousands, past the default quota of
 * 10,000 objects, and a call refused by the quota is not the work being
 * timed. The quota is still checked on every call.
 */
const BENCH_DIRECTORY = {
  maxObjects: 1_000_000_000,
  maxObjectsPerPrincipal: 1_000_000_000,
  maxAddressesPerPrincipal: 1_000_000_000,
};

/** A registry over a new store at `path`, started up, as principal "bench". */
export function openBenchRegistry(path: string, options: StoreOptions = {}): WinsockRegistry {
  const registry = new WinsockRegistry({
    store: openStore(path, options),
    principal: 'bench',
    directory: BENCH_DIRECTORY,
  });
  registry.startup();
  return registry;
}
