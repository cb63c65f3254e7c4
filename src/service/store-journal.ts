import type Database from 'better-sqlite3';
import type { AddressSet } from '../match/index.js';

/**
 * The stale-address journal (stale-addresses.ts): per service, the
 * addresses last registered for it, so the next run can remove the ones
 * that went away. Writes join the caller's transaction.
 */
export class StoreAddressJournal {
  private readonly get: Database.Statement;
  private readonly put: Database.Statement;
  private readonly drop: Database.Statement;

  /** `decode` reads a stored set back, naming `where` if it is damaged. */
  constructor(
    db: Database.Database,
    private readonly decode: (bytes: Uint8Array, where: string) => AddressSet,
  ) {
    this.get = db.prepare('SELECT addresses FROM address_journal WHERE service = ?');
    this.put = db.prepare(
      'INSERT INTO address_journal (service, addresses) VALUES (?, ?) ON CONFLICT (service) DO UPDATE SET addresses = excluded.addresses',
    );
    this.drop = db.prepare('DELETE FROM address_journal WHERE service = ?');
  }

  load(service: string): AddressSet | undefined {
    const row = this.get.get(service) as { addresses: Uint8Array } | undefined;
    return row ? this.decode(row.addresses, `address_journal[${JSON.stringify(service)}]`) : undefined;
  }

  save(service: string, addresses: AddressSet): void {
    this.put.run(service, addresses.toBytes());
  }

  delete(service: string): void {
    this.drop.run(service);
  }
}
