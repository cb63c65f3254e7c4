import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';

/**
 * The store's file format. `PRAGMA application_id` marks the file as
 * rnrkit's ("RNRK"), `PRAGMA user_version` is the schema version: a file
 * with another application id is someone else's database, one with a higher
 * version was written by a newer rnrkit. Both are refused before anything is
 * written to the file.
 */
export const STORE_APPLICATION_ID = 0x524e524b; // "RNRK"
export const STORE_SCHEMA_VERSION = 1;

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

/** The 16 bytes every SQLite 3 database file starts with. */
export const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * What the open connection holds: a fresh (empty) database, or an rnrkit
 * store of a version this code reads. Anything else is a StoreError.
 */
export function inspectSchema(db: Database.Database, file: string): 'empty' | 'current' {
  let applicationId: number;
  let version: number;
  let objects: number;
  try {
    applicationId = db.pragma('application_id', { simple: true }) as number;
    version = db.pragma('user_version', { simple: true }) as number;
    objects = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
  } catch (e) {
    throw new StoreError(`${file} cannot be read as an SQLite database: ${(e as Error).message}`);
  }
  if (applicationId === 0 && version === 0 && objects === 0) return 'empty';
  if (applicationId !== STORE_APPLICATION_ID) {
    throw new StoreError(`${file} is not an rnrkit store (SQLite application_id 0x${(applicationId >>> 0).toString(16)}, expected 0x${STORE_APPLICATION_ID.toString(16)}); it was left unchanged`);
  }
  if (version > STORE_SCHEMA_VERSION) {
    throw new StoreError(`${file} has store schema version ${version}, newer than the ${STORE_SCHEMA_VERSION} this rnrkit reads; it was left unchanged`);
  }
  if (version !== STORE_SCHEMA_VERSION) {
    throw new StoreError(`${file} is an rnrkit store with schema version ${version}, which no rnrkit wrote; it was left unchanged`);
  }
  return 'current';
}

/**
 * Create the schema in an empty database. Runs in an IMMEDIATE transaction
 * and looks again inside it: two processes creating one store at once
 * serialise here and the second finds the first's schema.
 */
export function createSchema(db: Database.Database, file: string): void {
  db.transaction(() => {
    if (inspectSchema(db, file) === 'current') return;
    db.exec(SCHEMA_V1);
    db.pragma(`application_id = ${STORE_APPLICATION_ID}`);
    db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
  }).immediate();
}
