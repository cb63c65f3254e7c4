import Database from 'better-sqlite3';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Run `attempt`, again while it fails with SQLITE_BUSY before `began()`
 * (so before any of the caller's work ran) and the busy timeout has not
 * run out. SQLite's busy handler covers most waits, but some it answers at
 * once without waiting: BEGIN while another process is switching a new
 * file to WAL or recovering its WAL index. Those are retried here, so a
 * caller waits the timeout it was promised in every case.
 */
export function retryBusyBegin<T>(busyTimeoutMs: number, began: () => boolean, attempt: () => T): T {
  const deadline = Date.now() + busyTimeoutMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      return attempt();
    } catch (e) {
      if (
        !(e instanceof Database.SqliteError) ||
        !e.code.startsWith('SQLITE_BUSY') ||
        began() ||
        Date.now() >= deadline
      )
        throw e;
    }
    Atomics.wait(sleeper, 0, 0, Math.min(pause, Math.max(1, deadline - Date.now())));
  }
}
