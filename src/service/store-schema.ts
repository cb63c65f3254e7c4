import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { retryBusyBegin } from './store-busy.js';

/**
 * The store's file format. `PRAGMA application_id` marks the file as
 * rnrkit's ("RNRK"), `PRAGMA user_version` is the schema version: a file
 * with another application id is someone else's database, one with a higher
 * version was written by a newer rnrkit. Both are refused before anything is
 * written to the file.
 */
export const STORE_APPLICATION_ID = 0x524e524b; // "RNRK"
export const STORE_SCHEMA_VERSION = 2;
/** The oldest schema this rnrkit opens; an older one is upgraded in the transaction that opens it for writing. */
export const OLDEST_READABLE_SCHEMA = 1;

/**
 * Names, instance keys and contexts are stored as JSON string literals
 * (`"Printer"`, `null`): canonical strings may hold lone surrogates, which
 * SQLite's UTF-8 TEXT would replace; JSON.stringify escapes them exactly.
 */
const SCHEMA_V1 = `
CREATE TABLE service_object (
  id               INTEGER PRIMARY KEY,
  provider         TEXT    NOT NULL,
  namespace        INTEGER NOT NULL,
  service_class_id TEXT    NOT NULL,
  instance_key     TEXT    NOT NULL,
  context_key      TEXT    NOT NULL,
  instance_name    TEXT    NOT NULL,
  context          TEXT    NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN ('REGISTERED', 'DEREGISTERED')),
  owner            TEXT    NOT NULL,
  address_count    INTEGER NOT NULL,
  addresses        BLOB    NOT NULL,
  properties       TEXT    NOT NULL,
  UNIQUE (provider, service_class_id, instance_key, context_key)
);
-- Objects per provider, for the quota check: kept by triggers in the same
-- transaction as the rows, so it cannot drift, and read in O(1) instead of
-- a count(*) over the provider's objects on every REGISTER.
CREATE TABLE provider_objects (
  provider TEXT PRIMARY KEY,
  objects  INTEGER NOT NULL
);
CREATE TRIGGER service_object_counted AFTER INSERT ON service_object BEGIN
  INSERT INTO provider_objects (provider, objects) VALUES (NEW.provider, 1)
    ON CONFLICT (provider) DO UPDATE SET objects = objects + 1;
END;
CREATE TRIGGER service_object_uncounted AFTER DELETE ON service_object BEGIN
  UPDATE provider_objects SET objects = objects - 1 WHERE provider = OLD.provider;
END;
CREATE TABLE administrator (
  principal TEXT PRIMARY KEY
);
CREATE TABLE address_journal (
  service   TEXT PRIMARY KEY,
  addresses BLOB NOT NULL
);
`;

/**
 * Version 2: what each principal owns, for the per-principal quotas
 * (docs/limits/registry.md). Kept by triggers in the transaction that
 * changes the rows, like provider_objects, so a crash cannot make it
 * drift; the quota checks themselves are in the provider, which reads it.
 */
const PRINCIPAL_USAGE = `
CREATE TABLE principal_usage (
  owner     TEXT PRIMARY KEY,
  objects   INTEGER NOT NULL,
  addresses INTEGER NOT NULL
);
CREATE TRIGGER principal_usage_inserted AFTER INSERT ON service_object BEGIN
  INSERT INTO principal_usage (owner, objects, addresses) VALUES (NEW.owner, 1, NEW.address_count)
    ON CONFLICT (owner) DO UPDATE SET objects = objects + 1, addresses = addresses + NEW.address_count;
END;
CREATE TRIGGER principal_usage_deleted AFTER DELETE ON service_object BEGIN
  UPDATE principal_usage SET objects = objects - 1, addresses = addresses - OLD.address_count WHERE owner = OLD.owner;
END;
CREATE TRIGGER principal_usage_updated AFTER UPDATE OF owner, address_count ON service_object BEGIN
  UPDATE principal_usage SET objects = objects - 1, addresses = addresses - OLD.address_count WHERE owner = OLD.owner;
  INSERT INTO principal_usage (owner, objects, addresses) VALUES (NEW.owner, 1, NEW.address_count)
    ON CONFLICT (owner) DO UPDATE SET objects = objects + 1, addresses = addresses + NEW.address_count;
END;
`;

/** The 16 bytes every SQLite 3 database file starts with. */
export const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * What the open connection holds: a fresh (empty) database, an rnrkit
 * store of the current schema, or one of an older schema this code
 * upgrades. Anything else is a StoreError.
 *
 * The three things looked at are read in one transaction: read one by
 * one, a store another process was creating at that moment could show
 * its tables but not yet its application id, and be refused as someone
 * else's database.
 */
export function inspectSchema(db: Database.Database, file: string): 'empty' | 'current' | 'older' {
  let found: { applicationId: number; version: number; objects: number };
  try {
    found = db.inTransaction ? readMarks(db) : db.transaction(() => readMarks(db))();
  } catch (e) {
    // Busy is not damage: the caller may wait and look again.
    if (e instanceof Error && (e as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw e;
    throw new StoreError(`${file} cannot be read as an SQLite database: ${(e as Error).message}`);
  }
  const { applicationId, version, objects } = found;
  if (applicationId === 0 && version === 0 && objects === 0) return 'empty';
  if (applicationId !== STORE_APPLICATION_ID) {
    throw new StoreError(
      `${file} is not an rnrkit store (SQLite application_id 0x${(applicationId >>> 0).toString(16)}, expected 0x${STORE_APPLICATION_ID.toString(16)}); it was left unchanged`,
    );
  }
  if (version > STORE_SCHEMA_VERSION) {
    throw new StoreError(
      `${file} has store schema version ${version}, newer than the ${STORE_SCHEMA_VERSION} this rnrkit reads; it was left unchanged`,
    );
  }
  if (version < OLDEST_READABLE_SCHEMA) {
    throw new StoreError(
      `${file} is an rnrkit store with schema version ${version}, which no rnrkit wrote; it was left unchanged`,
    );
  }
  return version === STORE_SCHEMA_VERSION ? 'current' : 'older';
}

function readMarks(db: Database.Database): { applicationId: number; version: number; objects: number } {
  return {
    applicationId: db.pragma('application_id', { simple: true }) as number,
    version: db.pragma('user_version', { simple: true }) as number,
    objects: (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n,
  };
}

/**
 * Create the schema in an empty database, or upgrade an older one. Runs in
 * one IMMEDIATE transaction and looks again inside it: processes creating
 * one store at once serialise here, and the others find the first's
 * schema. Either all of it is written or none.
 */
export function createSchema(db: Database.Database, file: string, busyTimeoutMs: number): void {
  let began = false;
  retryBusyBegin(
    busyTimeoutMs,
    () => began,
    () =>
      db
        .transaction(() => {
          began = true;
          const found = inspectSchema(db, file);
          if (found === 'current') return;
          if (found === 'empty') {
            db.exec(SCHEMA_V1);
            db.pragma(`application_id = ${STORE_APPLICATION_ID}`);
          }
          // Version 1 to 2: the usage table, counted from the rows already there.
          db.exec(PRINCIPAL_USAGE);
          db.exec(
            'INSERT INTO principal_usage (owner, objects, addresses) SELECT owner, count(*), sum(address_count) FROM service_object GROUP BY owner',
          );
          db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
        })
        .immediate(),
  );
}
