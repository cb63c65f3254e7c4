import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, StoreError, WinsockRegistry } from '../../src/service/index.js';
import { querySet, tcp, tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.remove());

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function expectRefused(file: string, message: RegExp): void {
  const before = hash(file);
  expect(() => openStore(file)).toThrow(StoreError);
  expect(() => openStore(file)).toThrow(message);
  expect(hash(file)).toBe(before);
  expect(existsSync(`${file}-wal`)).toBe(false);
}

describe('the store file', () => {
  it('is created as WAL with the rnrkit application id and schema version, synchronous FULL by default', () => {
    const file = temp.file('new.db');
    const store = openStore(file);
    expect(store.synchronous).toBe('FULL');
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('application_id', { simple: true })).toBe(0x524e524b);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
  });

  it('refuses a file that is not SQLite, unchanged', () => {
    const file = temp.file('text.db');
    writeFileSync(file, 'this is a text file, not a database\n'.repeat(10));
    expectRefused(file, /not an rnrkit store \(not an SQLite database\)/);
  });

  it("refuses another application's SQLite database, unchanged", () => {
    const file = temp.file('foreign.db');
    const db = new Database(file);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('x')");
    db.close();
    expectRefused(file, /not an rnrkit store \(SQLite application_id 0x0/);
  });

  it('refuses a store written by a newer rnrkit, unchanged', () => {
    const file = temp.file('newer.db');
    openStore(file).close();
    const db = new Database(file);
    db.pragma('user_version = 3');
    db.close();
    expectRefused(file, /schema version 3, newer than the 2/);
  });

  it('refuses a directory and a damaged SQLite file', () => {
    const dir = temp.file('adir');
    mkdirSync(dir);
    expect(() => openStore(dir)).toThrow(/is a directory/);
    const file = temp.file('damaged.db');
    openStore(file).close();
    const bytes = readFileSync(file);
    bytes.fill(0xa5, 100, 4096); // keep the magic, ruin the header and schema page
    writeFileSync(file, bytes);
    expectRefused(file, /cannot|not an rnrkit store/);
  });

  it('treats an empty file as a new store', () => {
    const file = temp.file('empty.db');
    writeFileSync(file, '');
    const store = openStore(file);
    expect(store.list()).toEqual([]);
    store.close();
  });

  it('keeps every acknowledged operation across close and reopen (and another connection sees it at once)', () => {
    const file = temp.file('durable.db');
    const store = openStore(file);
    const registry = new WinsockRegistry({ store, principal: 'alice' });
    registry.startup();
    registry.setServiceTyped(querySet([tcp(1), tcp(2)]), 0, 0);
    registry.setServiceTyped(
      querySet([tcp(3)], { lpszServiceInstanceName: 'Scanner', lpszComment: 'second floor' }),
      0,
      1,
    );
    registry.setServiceTyped(querySet([tcp(1)]), 2, 1);
    const expected = registry.list();
    const other = openStore(file);
    expect(other.list()).toEqual(expected);
    other.close();
    store.close();
    const reopened = openStore(file);
    expect(reopened.list()).toEqual(expected);
    expect(expected.map((o) => [o.lpszServiceInstanceName, o.lpcsaBuffer])).toEqual([
      ['Printer', [tcp(2)]],
      ['Scanner', [tcp(3)]],
    ]);
    reopened.close();
  });

  it('reports a damaged address blob as a StoreError naming the row', () => {
    const file = temp.file('blob.db');
    const store = openStore(file);
    const registry = new WinsockRegistry({ store });
    registry.startup();
    registry.setServiceTyped(querySet([tcp(1)]), 0, 0);
    store.close();
    const db = new Database(file);
    db.prepare('UPDATE service_object SET addresses = ?').run(Buffer.from('RNRSxxxx'));
    db.close();
    const damaged = openStore(file);
    expect(() => damaged.list()).toThrow(/service_object 1: addresses are damaged/);
    damaged.close();
  });

  it('runs a batch as one transaction: all of it or none', () => {
    const store = openStore(temp.file('batch.db'));
    const registry = new WinsockRegistry({ store });
    registry.startup();
    expect(() =>
      registry.batch(() => {
        registry.setServiceTyped(querySet([tcp(1)], { lpszServiceInstanceName: 'a' }), 0, 0);
        registry.setServiceTyped(querySet([tcp(1)], { lpszServiceInstanceName: 'b' }), 0, 0);
        throw new Error('abandon the batch');
      }),
    ).toThrow('abandon the batch');
    expect(registry.list()).toEqual([]);
    registry.batch(() => {
      registry.setServiceTyped(querySet([tcp(1)], { lpszServiceInstanceName: 'a' }), 0, 0);
      // A failing call inside a batch fails alone.
      expect(registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: 'missing' }), 2, 0)).toBe(-1);
      registry.setServiceTyped(querySet([tcp(2)], { lpszServiceInstanceName: 'b' }), 0, 0);
    });
    expect(registry.list().map((o) => o.lpszServiceInstanceName)).toEqual(['a', 'b']);
    store.close();
  });
});
