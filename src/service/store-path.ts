import { StoreError } from './errors.js';

/**
 * SQLite accepts names that keep nothing: '' is a private temporary
 * database and ':memory:' one in memory, both gone when the connection
 * closes, and a `file:` URI may say `mode=memory` or name either of them.
 * A store must persist to a named file, or a REGISTER would be answered
 * "created" and then lost; so these are refused before SQLite sees them.
 * A file literally named `file:…` can still be used as `./file:…`.
 */
export function checkStorePath(path: unknown): asserts path is string {
  if (typeof path !== 'string')
    throw new StoreError(`the store path must be a string, not ${path === null ? 'null' : typeof path}`);
  if (path === '')
    throw new StoreError(
      'the store path is empty: a store must be a named file (SQLite would keep an unnamed one only until it closes)',
    );
  if (path.trim() === '') throw new StoreError(`the store path ${JSON.stringify(path)} is only white space`);
  if (path.includes('\u0000')) throw new StoreError('the store path contains a NUL character');
  if (path === ':memory:')
    throw new StoreError('":memory:" is an in-memory database, which keeps nothing: a store must be a named file');
  if (/^file:/i.test(path))
    throw new StoreError(
      `${JSON.stringify(path)} is an SQLite URI filename, which may keep nothing (mode=memory); name the file itself (./${path} for a file called that)`,
    );
}
