import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { CsAddrInfoJson, WsaVersionJson } from '../codec/canonical.js';
import type { AddressSet } from '../match/index.js';
import { StoreBusyError, StoreError } from './errors.js';
import type { ObjectKey } from './object-key.js';
import type { ObjectState } from './semantics.js';
import { StoreAdministrators } from './store-administrators.js';
import { retryBusyBegin } from './store-busy.js';
import { StoreAddressJournal } from './store-journal.js';
import { checkStorePath } from './store-path.js';
import {
  decodeServiceObjectRow,
  decodeStoredAddresses,
  SERVICE_OBJECT_COLUMNS,
  type ServiceObjectRow,
} from './store-row.js';
import { createSchema, inspectSchema, SQLITE_MAGIC } from './store-schema.js';

/** How openStore opens the SQLite file: durability, lock waiting, read-only. Every member is optional. */
export interface StoreOptions {
  /**
   * `PRAGMA synchronous`. Default 'FULL': in WAL mode every commit is
   * fsynced before it is acknowledged, so an acknowledged operation survives
   * a power failure as well as a killed process. 'NORMAL' fsyncs only at
   * checkpoints: a killed process (SIGKILL) still loses nothing acknowledged,
   * because the commit is in the WAL file the OS holds, but the last
   * transactions may roll back if the machine itself loses power. Choose
   * NORMAL only when that is acceptable.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * How long a writer waits for another process's transaction, in ms
   * (`busy_timeout`). Default 10000. When it runs out the operation is a
   * StoreBusyError and nothing was changed.
   */
  readonly busyTimeoutMs?: number;
  /**
   * Open for reading only (`rnrkit service list`): nothing is written, not
   * even the journal mode or the schema, so a store this process may not
   * write to (a read-only file or folder) can still be read. A file that
   * does not exist is a StoreError. Default false.
   */
  readonly readOnly?: boolean;
}

/** What one principal owns in the store: what the per-principal quotas count. */
export interface PrincipalUsage {
  readonly objects: number;
  readonly addresses: number;
}

/** A service object as the store holds it. */
export interface StoredObject {
  readonly id: number;
  readonly provider: string;
  readonly namespace: number;
  readonly serviceClassId: string;
  readonly instanceName: string | null;
  readonly context: string | null;
  readonly state: ObjectState;
  readonly owner: string;
  readonly addresses: AddressSet;
  readonly properties: ObjectProperties;
}

/** The optional service properties a REGISTER keeps with the object. */
export interface ObjectProperties {
  readonly lpszComment: string | null;
  readonly lpVersion: WsaVersionJson | null;
}

/** A service object to insert: everything but the row id, plus the key it is found by. */
export interface NewObject extends Omit<StoredObject, 'id'> {
  readonly key: ObjectKey;
}

/** One line of `rnrkit service list`. */
export interface ServiceObjectJson {
  provider: string;
  namespace: number;
  lpServiceClassId: string;
  lpszServiceInstanceName: string | null;
  lpszContext: string | null;
  state: ObjectState;
  owner: string;
  lpcsaBuffer: CsAddrInfoJson[];
}

const COLUMNS = SERVICE_OBJECT_COLUMNS;
type Row = ServiceObjectRow;

/**
 * The Directory provider's persistent store: one SQLite file (WAL mode)
 * through better-sqlite3. Every operation runs in its own IMMEDIATE
 * transaction (or a savepoint inside `transaction`), so it is atomic and, once
 * the call returns, durable; several processes may open one file, their
 * writers serialised by SQLite's lock and `busy_timeout`. This file keeps
 * opening, transactions and the service objects; the administrators
 * (store-administrators.ts) and the stale-address journal (store-journal.ts)
 * are parts it holds, each on the same connection.
 */
export class ServiceStore {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly readOnly: boolean;
  private readonly busyTimeoutMs: number;
  private readonly db: Database.Database;
  private readonly statements: {
    find: Database.Statement;
    insert: Database.Statement;
    insertIfNew: Database.Statement;
    update: Database.Statement;
    remove: Database.Statement;
    count: Database.Statement;
    list: Database.Statement;
    page: Database.Statement;
  };
  private readonly admins: StoreAdministrators;
  private readonly journal: StoreAddressJournal;
  private readonly runInTransaction: Database.Transaction<(fn: () => unknown) => unknown>;
  /** Whether the outermost transaction running is one `transaction` began (and so holds the write lock). */
  private ownTransaction = false;
  /**
   * Objects per provider as the running transaction sees them: read once
   * from provider_objects, then kept in step with this connection's inserts.
   * Valid only inside our own IMMEDIATE transaction — no other connection
   * can write while it holds the write lock — and dropped when it ends,
   * when a savepoint rolls back, when a statement fails (SQLite may have
   * rolled back more than the statement) and on any delete. Saves the
   * quota SELECT per REGISTER inside a batch (service/batch).
   */
  private objectCounts: Map<string, number> | undefined;
  /**
   * Where a row's address set is serialised before it is bound: SQLite
   * copies a bound blob (better-sqlite3 binds with SQLITE_TRANSIENT), so
   * one buffer serves every row (larger sets get their own).
   */
  private readonly addressScratch = new Int32Array(1024);
  /** Prepared on first use: a store opened read-only may be of schema 1, which has no usage table. */
  private usageStatement: Database.Statement | undefined;

  /** Use `openStore`. */
  constructor(
    path: string,
    db: Database.Database,
    synchronous: 'FULL' | 'NORMAL',
    readOnly = false,
    busyTimeoutMs = 10_000,
  ) {
    this.path = path;
    this.db = db;
    this.synchronous = synchronous;
    this.readOnly = readOnly;
    this.busyTimeoutMs = busyTimeoutMs;
    this.statements = {
      find: db.prepare(
        `SELECT ${COLUMNS} FROM service_object WHERE provider = ? AND service_class_id = ? AND instance_key = ? AND context_key = ?`,
      ),
      insert:
        db.prepare(`INSERT INTO service_object (provider, namespace, service_class_id, instance_key, context_key, instance_name, context, state, owner, address_count, addresses, properties)
                          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      // The same insert, except that an object with the key already there is left alone (changes = 0).
      insertIfNew:
        db.prepare(`INSERT INTO service_object (provider, namespace, service_class_id, instance_key, context_key, instance_name, context, state, owner, address_count, addresses, properties)
                          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, service_class_id, instance_key, context_key) DO NOTHING`),
      update:
        db.prepare(`UPDATE service_object SET instance_name = ?, context = ?, state = ?, owner = ?, address_count = ?, addresses = ?, properties = ?
                          WHERE id = ?`),
      remove: db.prepare('DELETE FROM service_object WHERE id = ?'),
      count: db.prepare('SELECT objects AS n FROM provider_objects WHERE provider = ?'),
      list: db.prepare(`SELECT ${COLUMNS} FROM service_object ORDER BY id`),
      // A NULL filter matches every row; the UNIQUE index serves the class/name/context filters.
      page: db.prepare(`SELECT ${COLUMNS} FROM service_object WHERE id > @after
                          AND (@classId IS NULL OR service_class_id = @classId)
                          AND (@instanceKey IS NULL OR instance_key = @instanceKey)
                          AND (@contextKey IS NULL OR context_key = @contextKey)
                          ORDER BY id LIMIT @limit`),
    };
    this.admins = new StoreAdministrators(db, (fn) => this.transaction(fn));
    this.journal = new StoreAddressJournal(db, (bytes, where) => this.addressesFrom(bytes, where));
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  /**
   * Run `fn` atomically: one IMMEDIATE transaction (the write lock is taken
   * up front, so two processes never deadlock upgrading read locks), or a
   * savepoint when already inside one. Everything `fn` wrote is committed —
   * and, with synchronous FULL, on disk — when this returns; if it throws,
   * nothing it wrote remains.
   */
  transaction<T>(fn: () => T): T {
    if (this.ownTransaction && this.db.inTransaction) {
      // A savepoint: if it rolls back, so may the counts.
      try {
        return this.runInTransaction.immediate(fn) as T;
      } catch (e) {
        this.objectCounts = undefined;
        throw this.failure(e);
      }
    }
    this.objectCounts = undefined;
    this.ownTransaction = true;
    try {
      let began = false;
      const body = (): T => {
        began = true;
        return fn();
      };
      return retryBusyBegin(
        this.busyTimeoutMs,
        () => began,
        () => this.runInTransaction.immediate(body) as T,
      );
    } catch (e) {
      throw this.failure(e);
    } finally {
      this.ownTransaction = false;
      this.objectCounts = undefined;
    }
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /** The object with that identity, or undefined, as this connection's transaction sees it. */
  find(key: ObjectKey): StoredObject | undefined {
    const row = this.statements.find.get(
      key.provider,
      key.serviceClassId,
      JSON.stringify(key.instanceKey),
      JSON.stringify(key.contextKey),
    ) as Row | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  /**
   * Inserts a new object and answers its row id. An object with the same
   * key must not exist: SQLite's UNIQUE constraint refuses it (see
   * insertIfNew). Call it inside `transaction` with the checks it depends on.
   */
  insert(object: NewObject): number {
    return Number(this.insertRow(this.statements.insert, object).lastInsertRowid);
  }

  /**
   * Insert the object unless one with its key exists: its id, or undefined
   * (and nothing written) when the key is taken. One statement where
   * find-then-insert is two: the index probe the UNIQUE constraint does
   * anyway is the lookup (service/batch).
   */
  insertIfNew(object: NewObject): number | undefined {
    const result = this.insertRow(this.statements.insertIfNew, object);
    return result.changes === 0 ? undefined : Number(result.lastInsertRowid);
  }

  private insertRow(statement: Database.Statement, object: NewObject): Database.RunResult {
    let result: Database.RunResult;
    try {
      // Positional parameters: measurably cheaper than named ones in better-sqlite3 (service/batch).
      result = statement.run(
        object.provider,
        object.namespace,
        object.serviceClassId,
        JSON.stringify(object.key.instanceKey),
        JSON.stringify(object.key.contextKey),
        ...this.mutableColumns(object),
      );
    } catch (e) {
      this.objectCounts = undefined;
      throw e;
    }
    // `changes` counts the row itself (0: the key was taken), not the trigger's write to provider_objects.
    if (result.changes !== 0) {
      // The trigger counted the row in provider_objects; count it here too.
      const counted = this.objectCounts?.get(object.provider);
      if (counted !== undefined) this.objectCounts!.set(object.provider, counted + 1);
    }
    return result;
  }

  /** Rewrites the changeable columns of the object with row id `id` (its identity stays). */
  update(id: number, object: Omit<StoredObject, 'id' | 'provider' | 'namespace' | 'serviceClassId'>): void {
    try {
      this.statements.update.run(...this.mutableColumns(object), id);
    } catch (e) {
      this.objectCounts = undefined;
      throw e;
    }
  }

  /** Deletes the object with row id `id`; an id no row has changes nothing. */
  remove(id: number): void {
    // The trigger uncounts the row's provider, which only the row knows: read the counts afresh.
    this.objectCounts = undefined;
    this.statements.remove.run(id);
  }

  /** The provider's objects (what the quota counts), as this connection's transaction sees them. */
  countObjects(provider: string): number {
    const cacheable = this.ownTransaction && this.db.inTransaction;
    if (cacheable) {
      const counted = this.objectCounts?.get(provider);
      if (counted !== undefined) return counted;
    }
    const n = (this.statements.count.get(provider) as { n: number } | undefined)?.n ?? 0;
    if (cacheable) {
      this.objectCounts ??= new Map();
      this.objectCounts.set(provider, n);
    }
    return n;
  }

  /**
   * What `principal` owns (objects and their addresses), as this
   * connection sees it: inside a transaction, exactly; outside one, as of
   * the last commit (the quota pre-check before the write lock).
   */
  usageOf(principal: string): PrincipalUsage {
    let row: PrincipalUsage | undefined;
    try {
      this.usageStatement ??= this.db.prepare('SELECT objects, addresses FROM principal_usage WHERE owner = ?');
      row = this.usageStatement.get(principal) as PrincipalUsage | undefined;
    } catch (e) {
      throw this.failure(e);
    }
    return row ?? { objects: 0, addresses: 0 };
  }

  /** Every object, oldest first, as `rnrkit service list` prints them. */
  list(): ServiceObjectJson[] {
    let rows: Row[];
    try {
      rows = this.statements.list.all() as Row[];
    } catch (e) {
      throw this.failure(e);
    }
    return rows.map((row) => serviceObjectJson(this.fromRow(row)));
  }

  /**
   * Up to `limit` objects with a row id above `after`, oldest first,
   * narrowed by the filters given (keys as ObjectKey spells them). One
   * statement: one consistent read, no lock kept afterwards.
   */
  page(
    after: number,
    limit: number,
    filter: {
      serviceClassId?: string | undefined;
      instanceKey?: string | undefined;
      contextKey?: string | undefined;
    } = {},
  ): StoredObject[] {
    const rows = this.statements.page.all({
      after,
      limit,
      classId: filter.serviceClassId ?? null,
      instanceKey: filter.instanceKey === undefined ? null : JSON.stringify(filter.instanceKey),
      contextKey: filter.contextKey === undefined ? null : JSON.stringify(filter.contextKey),
    }) as Row[];
    return rows.map((row) => this.fromRow(row));
  }

  /** Principals that administer this store may change objects other principals own. */
  isAdministrator(principal: string): boolean {
    return this.admins.has(principal);
  }

  /** Lets `principal` change objects other principals own; granting twice is harmless. */
  grantAdministrator(principal: string): void {
    this.admins.add(principal);
  }

  /** Takes administration away from `principal`; a principal that had none is left as it was. */
  revokeAdministrator(principal: string): void {
    this.admins.remove(principal);
  }

  /** The principals that administer this store, sorted. */
  administrators(): string[] {
    return this.admins.list();
  }

  /** The addresses the stale-address helper last recorded for a service (see stale-addresses.ts). */
  journalLoad(service: string): AddressSet | undefined {
    return this.journal.load(service);
  }

  /** Records the addresses a service registered, replacing what was recorded for it (see stale-addresses.ts). */
  journalSave(service: string, addresses: AddressSet): void {
    this.journal.save(service, addresses);
  }

  /** Forgets the addresses recorded for a service. */
  journalDelete(service: string): void {
    this.journal.delete(service);
  }

  /** Closes the database connection; closing twice is harmless. Nothing can be read or written afterwards. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A failure of SQLite itself as a StoreError (busy: StoreBusyError); anything else unchanged. */
  private failure(e: unknown): unknown {
    return sqliteFailure(e, this.path, this.busyTimeoutMs);
  }

  /** instance_name, context, state, owner, address_count, addresses, properties — in that order. */
  private mutableColumns(
    object: Omit<StoredObject, 'id' | 'provider' | 'namespace' | 'serviceClassId'>,
  ): [string, string, string, string, number, Uint8Array, string] {
    return [
      JSON.stringify(object.instanceName),
      JSON.stringify(object.context),
      object.state,
      object.owner,
      object.addresses.size,
      object.addresses.toBytes(this.addressScratch),
      JSON.stringify(object.properties),
    ];
  }

  /** A row as a StoredObject; damage is a StoreError naming the row and column (store-row.ts). */
  private fromRow(row: Row): StoredObject {
    return decodeServiceObjectRow(row, this.path);
  }

  private addressesFrom(bytes: Uint8Array, where: string): AddressSet {
    return decodeStoredAddresses(bytes, this.path, where);
  }
}

/** A stored object as `rnrkit service list` prints it (and directory records begin). */
export function serviceObjectJson(o: StoredObject): ServiceObjectJson {
  return {
    provider: o.provider,
    namespace: o.namespace,
    lpServiceClassId: o.serviceClassId,
    lpszServiceInstanceName: o.instanceName,
    lpszContext: o.context,
    state: o.state,
    owner: o.owner,
    lpcsaBuffer: o.addresses.toCanonical(),
  };
}

/**
 * Open (or create) the store at `path`. A file that is not an rnrkit store —
 * not SQLite, another application's database, a newer schema, unreadable —
 * is a StoreError and is not modified: it is checked before anything (even
 * the WAL journal mode) is written. So is a path that would not keep what
 * is written to it: '', ':memory:', a `file:` URI, or anything that is not
 * a regular file (store-path.ts). A store of an older schema is upgraded,
 * atomically, when opened for writing.
 */
export function openStore(path: string, options: StoreOptions = {}): ServiceStore {
  const synchronous = options.synchronous ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL')
    throw new StoreError(`synchronous must be FULL or NORMAL, not ${JSON.stringify(synchronous)}`);
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0)
    throw new StoreError(`busyTimeoutMs must be a non-negative integer, not ${String(busyTimeoutMs)}`);
  const readOnly = options.readOnly ?? false;
  checkStorePath(path);
  const exists = checkFileBeforeOpening(path);
  if (readOnly && !exists) throw new StoreError(`${path} does not exist`);
  if (readOnly) return openReadOnly(path, synchronous, busyTimeoutMs);
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: busyTimeoutMs, readonly: readOnly, fileMustExist: readOnly });
  } catch (e) {
    throw new StoreError(`${path} cannot be opened as a store: ${(e as Error).message}`);
  }
  return openedStore(path, db, synchronous, readOnly, busyTimeoutMs);
}

/**
 * SQLite opens a WAL database read-only only when its -shm file exists or
 * can be created: a store closed cleanly (no -wal, no -shm) in a folder
 * this user cannot write fails with "attempt to write a readonly
 * database". Everything committed is then in the main file, so a copy of
 * its bytes, marked as a rollback-journal database (header bytes 18–19),
 * is what the store holds; it is read from memory and the file is not
 * touched.
 */
function openReadOnly(path: string, synchronous: 'FULL' | 'NORMAL', busyTimeoutMs: number): ServiceStore {
  try {
    return openedStore(
      path,
      new Database(path, { timeout: busyTimeoutMs, readonly: true, fileMustExist: true }),
      synchronous,
      true,
      busyTimeoutMs,
    );
  } catch (e) {
    const cannotShare = /readonly|unable to open/i.test((e as Error).message);
    if (!cannotShare || existsSync(`${path}-wal`))
      throw e instanceof StoreError
        ? e
        : new StoreError(`${path} cannot be opened as a store: ${(e as Error).message}`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new StoreError(`${path} cannot be read: ${(e as Error).message}`);
  }
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1;
  let db: Database.Database;
  try {
    db = new Database(bytes, { readonly: true });
  } catch (e) {
    throw new StoreError(`${path} cannot be opened as a store: ${(e as Error).message}`);
  }
  return openedStore(path, db, synchronous, true, busyTimeoutMs);
}

/**
 * A store that lives in memory only: for what needs a Directory provider
 * but keeps nothing (the provider catalog `rnrkit service providers`
 * prints). Not for anything a caller is told was stored.
 */
export function openTransientStore(): ServiceStore {
  return openedStore(':memory:', new Database(':memory:'), 'FULL', false, 0);
}

function openedStore(
  path: string,
  db: Database.Database,
  synchronous: 'FULL' | 'NORMAL',
  readOnly: boolean,
  busyTimeoutMs: number,
): ServiceStore {
  try {
    const found = retryBusyBegin(
      busyTimeoutMs,
      () => false,
      () => inspectSchema(db, path),
    );
    if (!readOnly) {
      // WAL is persistent in the file; set it only on a store that is ours.
      if ((db.pragma('journal_mode', { simple: true }) as string) !== 'wal')
        retryBusyBegin(
          busyTimeoutMs,
          () => false,
          () => db.pragma('journal_mode = WAL'),
        );
      db.pragma(`synchronous = ${synchronous}`);
      if (found !== 'current') createSchema(db, path, busyTimeoutMs);
    }
    return new ServiceStore(path, db, synchronous, readOnly, busyTimeoutMs);
  } catch (e) {
    db.close();
    const failure = sqliteFailure(e, path, busyTimeoutMs);
    if (failure instanceof StoreError) throw failure;
    throw new StoreError(`${path} cannot be used as a store: ${(e as Error).message}`);
  }
}

/**
 * SQLite's own failures, as one line a user can act on. SQLITE_BUSY means
 * another connection held the write lock for longer than busy_timeout:
 * the transaction never began (or was rolled back), so nothing changed.
 */
function sqliteFailure(e: unknown, path: string, busyTimeoutMs: number): unknown {
  if (!(e instanceof Database.SqliteError)) return e;
  // Out of room is a Winsock result (WSA_NOT_ENOUGH_MEMORY, providers/address-errors.ts), not a broken store.
  if (e.code === 'SQLITE_FULL' || e.code === 'SQLITE_NOMEM' || e.code === 'SQLITE_TOOBIG') return e;
  if (e.code.startsWith('SQLITE_BUSY') || e.code.startsWith('SQLITE_LOCKED')) {
    return new StoreBusyError(
      `${path}: the store is busy: another process held its write lock for more than ${busyTimeoutMs} ms; nothing was changed`,
    );
  }
  if (e.code.startsWith('SQLITE_READONLY'))
    return new StoreError(`${path}: the store cannot be written (${e.code}: ${e.message}); nothing was changed`);
  return new StoreError(`${path}: the store failed (${e.code}: ${e.message}); nothing was changed`);
}

/**
 * Before SQLite touches it: a directory, an unreadable file or a file that
 * does not start with SQLite's magic is refused here (an empty or missing
 * file is a new store).
 */
function checkFileBeforeOpening(path: string): boolean {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new StoreError(`${path} is a directory, not a store file`);
    // A FIFO, a device or a socket would hang, or keep nothing (/dev/null).
    if (!stat.isFile()) throw new StoreError(`${path} is not a regular file, so it cannot hold a store`);
    size = stat.size;
  } catch (e) {
    if (e instanceof StoreError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new StoreError(`${path} cannot be read: ${(e as Error).message}`);
  }
  if (size === 0) return true;
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  let read = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new StoreError(`${path} cannot be read: ${(e as Error).message}`);
  }
  if (read < head.length || head.toString('latin1') !== SQLITE_MAGIC) {
    throw new StoreError(`${path} is not an rnrkit store (not an SQLite database); it was left unchanged`);
  }
  return true;
}
