import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { contextKey, foldInstanceName } from '../object-key.js';
import type { ServiceStore } from '../store.js';
import { decodeServiceObjectRow, SERVICE_OBJECT_COLUMNS, type ServiceObjectRow } from '../store-row.js';
import { inspectSchema } from '../store-schema.js';
import type { LookupBackend, LookupCursor, LookupObject, LookupQuery } from './query.js';

/** Rows read per query: what one lookup holds in memory at most, whatever the store's size. */
export const DEFAULT_PAGE_SIZE = 256;

type Row = ServiceObjectRow;
const COLUMNS = SERVICE_OBJECT_COLUMNS;

/**
 * Lookups over the embedded store. Each lookup reads through a connection
 * of its own, in one read transaction opened when the lookup begins: in
 * WAL mode that is a snapshot — every page it reads shows the store as it
 * was at WSALookupServiceBegin, whatever registrations commit meanwhile —
 * and it takes no write lock, so writers are never blocked by an open
 * lookup. (What an open snapshot does hold back is the WAL checkpoint: the
 * WAL file cannot be reset past it, so a lookup left open while much is
 * written lets the WAL grow until it ends.)
 *
 * Rows are read in pages of `pageSize` by ascending id (keyset paging,
 * `id > last`), so a lookup over a million objects holds one page, not the
 * million. An exact instance name is found through the store's unique
 * index; a wildcard scans the table in id order (the index would have to
 * sort every match first).
 *
 * A store opened as ':memory:' has no file a second connection can open:
 * it cannot take part in lookups (StoreError).
 */
export class StoreLookupBackend implements LookupBackend {
  constructor(
    readonly store: ServiceStore,
    readonly pageSize = DEFAULT_PAGE_SIZE,
  ) {}

  /**
   * A cursor over a read snapshot of the store, through a connection of its
   * own; throws StoreError for a ':memory:' store or a file it cannot read.
   */
  openLookup(providerId: string, query: LookupQuery): LookupCursor {
    return new StoreSnapshotCursor(this.store.path, providerId, query, this.pageSize);
  }
}

class StoreSnapshotCursor implements LookupCursor {
  private readonly db: Database.Database;
  private readonly page: Database.Statement;
  private readonly parameters: unknown[];
  private rows: Row[] = [];
  private index = 0;
  private lastId = 0;
  private exhausted = false;

  constructor(
    private readonly path: string,
    providerId: string,
    query: LookupQuery,
    private readonly pageSize: number,
  ) {
    if (path === '' || path === ':memory:' || path.startsWith('file::memory:')) {
      throw new StoreError(
        'an in-memory store cannot be looked up: a lookup reads a snapshot through a connection of its own, which needs a store file',
      );
    }
    try {
      this.db = new Database(path, { fileMustExist: true, timeout: 10_000 });
    } catch (e) {
      throw new StoreError(`${path} cannot be opened for a lookup: ${(e as Error).message}`);
    }
    try {
      inspectSchema(this.db, path);
      // This connection never writes: no lock it could take can block a registration.
      this.db.pragma('query_only = ON');
      const where = ['provider = ?', 'service_class_id = ?'];
      this.parameters = [providerId, query.serviceClassId];
      if (query.name.kind === 'exact') {
        where.push('instance_key = ?');
        this.parameters.push(JSON.stringify(foldInstanceName(query.name.name)));
      }
      if (!query.deep) {
        where.push('context_key = ?');
        this.parameters.push(JSON.stringify(contextKey(query.context)));
      }
      const table = query.name.kind === 'exact' ? 'service_object' : 'service_object NOT INDEXED';
      this.page = this.db.prepare(
        `SELECT ${COLUMNS} FROM ${table} WHERE id > ? AND ${where.join(' AND ')} ORDER BY id LIMIT ?`,
      );
      // The snapshot starts at the transaction's first read, so read now: the lookup sees the store as of Begin.
      this.db.exec('BEGIN');
      this.db.prepare('SELECT count(*) FROM service_object WHERE id = 0').get();
    } catch (e) {
      this.db.close();
      if (e instanceof StoreError) throw e;
      throw new StoreError(`${path} cannot be read for a lookup: ${(e as Error).message}`);
    }
  }

  next(): LookupObject | undefined {
    if (this.index === this.rows.length) {
      if (this.exhausted) return undefined;
      this.rows = this.page.all(this.lastId, ...this.parameters, this.pageSize) as Row[];
      this.index = 0;
      if (this.rows.length < this.pageSize) this.exhausted = true;
      if (this.rows.length === 0) return undefined;
      this.lastId = this.rows[this.rows.length - 1]!.id;
    }
    const row = this.rows[this.index]!;
    // Let the page go as it is consumed: only the rows not yet returned stay referenced.
    (this.rows as (Row | undefined)[])[this.index++] = undefined;
    return this.fromRow(row);
  }

  close(): void {
    if (!this.db.open) return;
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }

  /** The store's own row decoder (store-row.ts): a damaged row fails here exactly as it does through the store. */
  private fromRow(row: Row): LookupObject {
    const o = decodeServiceObjectRow(row, this.path);
    return {
      provider: o.provider,
      namespace: o.namespace,
      serviceClassId: o.serviceClassId,
      instanceName: o.instanceName,
      context: o.context,
      state: o.state,
      comment: o.properties.lpszComment,
      version: o.properties.lpVersion,
      addresses: o.addresses.toCanonical(),
    };
  }
}
