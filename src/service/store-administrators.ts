import type Database from 'better-sqlite3';

/**
 * The store's administrators: principals that may change objects other
 * principals own (access.ts). Grants and revocations are their own
 * transactions, so they are durable like any object write.
 */
export class StoreAdministrators {
  private readonly isAdmin: Database.Statement;
  private readonly grant: Database.Statement;
  private readonly revoke: Database.Statement;
  private readonly all: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly transaction: <T>(fn: () => T) => T,
  ) {
    this.isAdmin = db.prepare('SELECT 1 FROM administrator WHERE principal = ?');
    this.grant = db.prepare('INSERT OR IGNORE INTO administrator (principal) VALUES (?)');
    this.revoke = db.prepare('DELETE FROM administrator WHERE principal = ?');
    this.all = db.prepare('SELECT principal FROM administrator ORDER BY principal');
  }

  has(principal: string): boolean {
    return this.isAdmin.get(principal) !== undefined;
  }

  add(principal: string): void {
    this.transaction(() => this.grant.run(principal));
  }

  remove(principal: string): void {
    this.transaction(() => this.revoke.run(principal));
  }

  list(): string[] {
    return (this.all.all() as { principal: string }[]).map((r) => r.principal);
  }
}
