import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CsAddrInfoJson, QuerySetJson } from '../../src/codec/canonical.js';
import { AddressSet } from '../../src/match/index.js';
import { openStore, WinsockRegistry } from '../../src/service/index.js';
import type { BenchCase } from '../case.js';

/**
 * service/durable: one acknowledged REGISTER per call (a new object with two
 * addresses), each its own transaction and fsync (WAL, synchronous FULL).
 * service/batch: BATCH such REGISTERs in one `registry.batch` (one commit).
 * Baselines `@sqlite`: plain better-sqlite3 INSERTs of the same rows
 * (same columns, same bytes, same pragmas, same transaction boundaries),
 * with nothing computed per row — the floor a SQLite-backed registry sits on.
 */
const BATCH = 1000;
const CLASS_ID = '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}';

// Building the caller's input is not the registry's work: a table, not map/padStart/join per byte, keeps it small in the timed region.
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function address(i: number, port: number): CsAddrInfoJson {
  const addr = `0a${HEX[(i >> 16) & 0xff]}${HEX[(i >> 8) & 0xff]}${HEX[i & 0xff]}`;
  return {
    LocalAddr: { lpSockaddr: `0200${HEX[port >> 8]}${HEX[port & 0xff]}${addr}0000000000000000`, iSockaddrLength: 16 },
    RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
    iSocketType: 1,
    iProtocol: 6,
  };
}

function querySet(i: number): QuerySetJson {
  return {
    dwSize: 120,
    lpszServiceInstanceName: `printer-${i}`,
    lpServiceClassId: CLASS_ID,
    lpVersion: null,
    lpszComment: 'colour laser',
    dwNameSpace: 32,
    lpNSProviderId: null,
    lpszContext: null,
    dwNumberOfProtocols: 0,
    lpafpProtocols: null,
    lpszQueryString: null,
    dwNumberOfCsAddrs: 2,
    lpcsaBuffer: [address(i, 515), address(i, 9100)],
    dwOutputFlags: 0,
    lpBlob: null,
  };
}

function freshFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), `rnrkit-bench-${name}-`)), 'store.db');
}

let registry: WinsockRegistry | undefined;
let next = 0;
function openRegistry(): void {
  const store = openStore(freshFile('service'));
  registry = new WinsockRegistry({ store, principal: 'bench' });
  registry.startup();
}

/** The same table the store has (minus rnrkit's quota trigger), the same pragmas. */
let plain: { insert: Database.Statement; transaction: Database.Transaction<(rows: unknown[]) => void> } | undefined;
let plainNext = 0;
function openPlain(): void {
  const db = new Database(freshFile('sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE service_object (
    id INTEGER PRIMARY KEY, provider TEXT NOT NULL, namespace INTEGER NOT NULL, service_class_id TEXT NOT NULL,
    instance_key TEXT NOT NULL, context_key TEXT NOT NULL, instance_name TEXT NOT NULL, context TEXT NOT NULL,
    state TEXT NOT NULL, owner TEXT NOT NULL, address_count INTEGER NOT NULL, addresses BLOB NOT NULL, properties TEXT NOT NULL,
    UNIQUE (provider, service_class_id, instance_key, context_key))`);
  const insert =
    db.prepare(`INSERT INTO service_object (provider, namespace, service_class_id, instance_key, context_key, instance_name, context, state, owner, address_count, addresses, properties)
    VALUES (?, 32, ?, ?, '""', ?, 'null', 'REGISTERED', 'bench', 2, ?, '{"lpszComment":"colour laser","lpVersion":null}')`);
  const transaction = db.transaction((rows: unknown[]) => {
    for (const row of rows as [string, string][])
      insert.run('{D7AE15EF-A077-45D2-A468-12B70B25D016}', CLASS_ID, row[0], row[1], blob);
  });
  plain = { insert, transaction };
}
// The serialised address set of a row: the same 2 addresses' bytes for every row (the baseline does no per-row work).
const blob = AddressSet.fromCanonical([address(1, 515), address(1, 9100)]).toBytes();
const plainRow = (i: number): [string, string] => [JSON.stringify(`PRINTER-${i}`), JSON.stringify(`printer-${i}`)];

export const cases: BenchCase[] = [
  {
    name: 'service/durable',
    unit: 'op',
    setup: openRegistry,
    fn: () => registry!.setService(querySet(next++), 0, 0),
  },
  {
    name: 'service/durable@sqlite',
    unit: 'op',
    setup: openPlain,
    fn: () => plain!.transaction.immediate([plainRow(plainNext++)]),
  },
  {
    name: 'service/batch',
    unit: 'op',
    unitsPerCall: BATCH,
    setup: openRegistry,
    fn: () =>
      registry!.batch(() => {
        let failures = 0;
        for (let k = 0; k < BATCH; k++) failures += registry!.setService(querySet(next++), 0, 0);
        return failures;
      }),
  },
  {
    name: 'service/batch@sqlite',
    unit: 'op',
    unitsPerCall: BATCH,
    setup: openPlain,
    fn: () => {
      const rows = [];
      for (let k = 0; k < BATCH; k++) rows.push(plainRow(plainNext++));
      plain!.transaction.immediate(rows);
    },
  },
];
