import type { DirectoryBackend, DirectoryObjectQuery, DirectoryRecord } from '../directory-backend.js';
import type { LookupObject, LookupQuery } from './query.js';

/** A lookup's enumeration over a backend that reads asynchronously (a remote directory). */
export interface AsyncLookupCursor {
  /** The next object, or undefined when the enumeration is over. */
  next(): Promise<LookupObject | undefined>;
  /** Releases what the cursor holds (a paged search in progress); the lookup calls it once. */
  close(): Promise<void>;
}

/** What a provider whose objects are remote implements to take part in lookups. */
export interface AsyncLookupBackend {
  /** Starts enumerating `providerId`'s objects for `query`; the objects are read by the cursor's `next`. */
  openLookupAsync(providerId: string, query: LookupQuery): AsyncLookupCursor;
}

export function isAsyncLookupBackend(value: unknown): value is AsyncLookupBackend {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AsyncLookupBackend>).openLookupAsync === 'function'
  );
}

/**
 * Lookups over any DirectoryBackend (the LDAP directory, or the store read
 * through its SQLite backend): the backend narrows by what its query can
 * say — the class, an exact instance name, the context when the lookup is
 * not LUP_DEEP — and the lookup applies every other rule itself
 * (matchesQuery), so its answers are the store snapshot's answers.
 *
 * What it does not give is a snapshot: the backend's own paging rule holds
 * (directory-backend.ts: each page read on its own, objects created ahead
 * of the walk are seen, behind it are not; LDAP's simple paged results), and
 * objects come in the backend's order (the server's, for LDAP).
 */
export class DirectoryBackendLookup implements AsyncLookupBackend {
  constructor(readonly backend: DirectoryBackend) {}

  /** A cursor over the backend's objects narrowed by class, exact instance name and (unless LUP_DEEP) context. */
  openLookupAsync(_providerId: string, query: LookupQuery): AsyncLookupCursor {
    const filter: { -readonly [K in keyof DirectoryObjectQuery]: DirectoryObjectQuery[K] } = {
      serviceClassId: query.serviceClassId,
    };
    if (query.name.kind === 'exact') filter.instanceName = query.name.name;
    if (!query.deep) filter.context = query.context;
    const iterator = this.backend.findObjects(filter)[Symbol.asyncIterator]();
    let done = false;
    return {
      async next() {
        if (done) return undefined;
        const step = await iterator.next();
        if (step.done) {
          done = true;
          return undefined;
        }
        return lookupObjectOf(step.value);
      },
      async close() {
        if (done) return;
        done = true;
        await iterator.return?.();
      },
    };
  }
}

function lookupObjectOf(record: DirectoryRecord): LookupObject {
  return {
    provider: record.provider,
    namespace: record.namespace,
    serviceClassId: record.lpServiceClassId,
    instanceName: record.lpszServiceInstanceName,
    context: record.lpszContext,
    state: record.state,
    comment: record.lpszComment,
    version: record.lpVersion,
    addresses: record.lpcsaBuffer,
  };
}
