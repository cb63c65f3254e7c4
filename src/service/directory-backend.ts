import type { CsAddrInfoJson, WsaVersionJson } from '../codec/canonical.js';
import type { ObjectState } from './semantics.js';
import type { ServiceObjectJson } from './store.js';

/**
 * Which stored service objects a lookup wants. Every member narrows the
 * result; an absent member does not. Object identity is the Directory's
 * (docs/directory.md): the class id exactly, the instance name compared the
 * way Windows compares names (object-key.ts, `foldInstanceName`), the
 * context exactly (NULL and "" differ).
 */
export interface DirectoryObjectQuery {
  /** The service class (any GUID spelling; compared canonically). */
  readonly serviceClassId?: string;
  /** The instance name, compared case-insensitively as Windows does. */
  readonly instanceName?: string | null;
  /** The context, compared exactly. */
  readonly context?: string | null;
}

/**
 * One stored service object with everything a lookup returns: the `rnrkit
 * service list` line plus the optional properties its last REGISTER
 * brought. `opaqueAddresses` (LDAP only, absent when empty) are
 * winsockAddresses values rnrkit cannot parse — written by Windows or any
 * other writer — as lowercase hex; they are never dropped, rewritten or
 * counted as matches.
 */
export interface DirectoryRecord extends ServiceObjectJson {
  lpszComment: string | null;
  lpVersion: WsaVersionJson | null;
}

/** A record's addresses and state, as the table (semantics.ts) reads them. */
export interface DirectoryRecordAddresses {
  state: ObjectState;
  lpcsaBuffer: CsAddrInfoJson[];
}

/**
 * Where the Directory provider (NS_NTDS) keeps its objects: the embedded
 * SQLite store (backends/sqlite-directory.ts, the default) or an Active
 * Directory over LDAP (ldap/). Both run the same provider semantics
 * (semantics.ts) and the same conformance suite; this interface is what
 * readers — `rnrkit service list`, WSALookupServiceBegin/Next — need from
 * either.
 *
 * `findObjects` yields objects one at a time and never holds a lock between
 * two of them: SQLite pages through the table by row id (each page one read
 * transaction; an object created behind the cursor while the walk runs is
 * not seen, one created ahead of it is), LDAP pages with the simple paged
 * results control. Objects are yielded in creation order (SQLite) or the
 * server's order (LDAP). Errors while walking (a damaged row, a lost
 * connection) are thrown from the iterator, not swallowed.
 */
export interface DirectoryBackend {
  /** 'sqlite' or 'ldap'. */
  readonly kind: 'sqlite' | 'ldap';
  /** Where the objects live: the store file, or the LDAP URL and container DN. */
  readonly location: string;
  /** Every object (what `rnrkit service list` prints), in the order `findObjects` yields them. */
  list(): Promise<ServiceObjectJson[]>;
  /** The objects matching `query`, one at a time. */
  findObjects(query?: DirectoryObjectQuery): AsyncIterable<DirectoryRecord>;
  /** Release the connection (LDAP) — the SQLite backend leaves closing to the store's owner. */
  close(): Promise<void>;
}
