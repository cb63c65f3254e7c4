import Database from 'better-sqlite3';
import { AddressSet } from '../../src/match/index.js';
import type { WinsockRegistry } from '../../src/service/index.js';
import type { BenchCase } from '../case.js';
import { CLASS_ID, freshStoreFile, openBenchRegistry, printer, printerAddress } from '../store-setup.js';

/**
 * service/durable: one acknowledged REGISTER per call (a new object with two
 * addresses), each its own transaction and fsync (WAL, synchronous FULL).
 * service/batch: BATCH such REGISTERs in one `registry.batch` (one commit).
 * Baselines `@sqlite`: plain better-sqlite3 INSERTs of the same rows
 * (same columns, same bytes, same pragmas, same transaction boundaries),
 * with nothing computed per row — the floor a SQLite-backed registry sits on.
 */
const BATCH = 1000;

let registry: WinsockRegistry | undefined;
/** A refused call is not the work being timed: stop the case rather than time failures. */
function succeeded(result: number): void {
  if (result !== 0) throw new Error(`REGISTER ${next} failed: ${registry!.getLastError()}`);
}
let next = 0;
function openRegistry(): void {
  registry = openBenchRegistry(freshStoreFile('service'));
}

/** The same table the store has (minus rnrkit's quota trigger), the same pragmas. */
let plain: { insert: Database.Statement; transaction: Database.Transaction<(rows: unknown[]) => void> } | undefined;
let plainNext = 0;
function openPlain(): void {
  const db = new Database(freshStoreFile('sqlite'));
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
const blob = AddressSet.fromCanonical([printerAddress(1, 515), printerAddress(1, 9100)]).toBytes();
const plainRow = (i: number): [string, string] => [JSON.stringify(`PRINTER-${i}`), JSON.stringify(`printer-${i}`)];

export const cases: BenchCase[] = [
  {
    name: 'service/durable',
    unit: 'op',
    setup: openRegistry,
    fn: () => succeeded(registry!.setService(printer(next++), 0, 0)),
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
        for (let k = 0; k < BATCH; k++) succeeded(registry!.setService(printer(next++), 0, 0));
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
