import { canonicalGuid } from '../../abi/guid.js';
import type { DirectoryBackend, DirectoryObjectQuery, DirectoryRecord } from '../directory-backend.js';
import { contextKey, foldInstanceName } from '../object-key.js';
import { type ServiceObjectJson, type ServiceStore, type StoredObject, serviceObjectJson } from '../store.js';

/** Rows read per page: small enough that a walk over a million objects stays in a few MB. */
const PAGE_ROWS = 256;

/**
 * The embedded store as a DirectoryBackend (the default backend). Writes
 * stay where they are — DirectoryProvider runs each NSPSetService as one
 * synchronous SQLite transaction — so this adds only the readers' side.
 */
export class SqliteDirectoryBackend implements DirectoryBackend {
  readonly kind = 'sqlite';

  constructor(readonly store: ServiceStore) {}

  get location(): string {
    return this.store.path;
  }

  async list(): Promise<ServiceObjectJson[]> {
    return this.store.list();
  }

  /**
   * Pages through the objects by row id: each page is one statement (its
   * own read transaction in WAL mode, so writers are never blocked), and no
   * transaction is held between pages or while the caller works on an
   * object.
   */
  async *findObjects(query: DirectoryObjectQuery = {}): AsyncGenerator<DirectoryRecord> {
    const classId = query.serviceClassId === undefined ? undefined : canonicalGuid(query.serviceClassId);
    const nameKey = query.instanceName === undefined ? undefined : foldInstanceName(query.instanceName);
    const context = query.context === undefined ? undefined : contextKey(query.context);
    let after = 0;
    for (;;) {
      const page = this.store.page(after, PAGE_ROWS, {
        serviceClassId: classId,
        instanceKey: nameKey,
        contextKey: context,
      });
      for (const object of page) yield toRecord(object);
      if (page.length < PAGE_ROWS) return;
      after = page[page.length - 1]!.id;
    }
  }

  async close(): Promise<void> {}
}

function toRecord(o: StoredObject): DirectoryRecord {
  return { ...serviceObjectJson(o), lpszComment: o.properties.lpszComment, lpVersion: o.properties.lpVersion };
}
