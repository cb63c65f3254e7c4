import type { AfProtocolJson, CsAddrInfoJson, WsaVersionJson } from '../../codec/canonical.js';
import type { ObjectState } from '../semantics.js';

/**
 * What the Directory's lookups answer from, whatever stores it (the
 * embedded SQLite store, an LDAP directory): one service object with its
 * identity, state, optional properties and addresses in canonical form.
 */
export interface LookupObject {
  readonly provider: string;
  readonly namespace: number;
  readonly serviceClassId: string;
  readonly instanceName: string | null;
  readonly context: string | null;
  readonly state: ObjectState;
  readonly comment: string | null;
  readonly version: WsaVersionJson | null;
  readonly addresses: readonly CsAddrInfoJson[];
}

/** How the restriction's instance name selects objects. */
export type NameRestriction =
  /** NULL or the wildcard `*`: every instance of the class. */
  | { readonly kind: 'any' }
  /** One name, compared as object identity compares names (foldInstanceName). */
  | { readonly kind: 'exact'; readonly name: string };

/** A validated WSALookupServiceBegin: the restrictions and the selection flags, in Unicode. */
export interface LookupQuery {
  /** Canonical (upper case, braces). */
  readonly serviceClassId: string;
  readonly name: NameRestriction;
  /** The starting point in the hierarchy; null is the top. */
  readonly context: string | null;
  /** LUP_DEEP: the starting point's level and every level beneath it. */
  readonly deep: boolean;
  /** LUP_CONTAINERS: containers only. */
  readonly containersOnly: boolean;
  readonly version: WsaVersionJson | null;
  /** Null: no protocol restriction. */
  readonly protocols: readonly AfProtocolJson[] | null;
  /** Returned as given with LUP_RETURN_QUERY_STRING; the Directory does not interpret query strings. */
  readonly queryString: string | null;
}

/**
 * One provider's enumeration of the objects a lookup may return, in a
 * stable order, as of the moment it was opened. A cursor may hand out more
 * than the query matches (a backend narrows by what it can index): the
 * lookup applies `matchesQuery` to every object, so every backend answers
 * a query identically. `next` returns undefined at the end.
 */
export interface LookupCursor {
  /** The next object, or undefined when the enumeration is over. */
  next(): LookupObject | undefined;
  /** Releases what the cursor holds (a connection, a read transaction); the lookup calls it once. */
  close(): void;
}

/** What a namespace provider implements to take part in lookups (NSPLookupServiceBegin, in rnrkit's model). */
export interface LookupBackend {
  /** Starts enumerating `providerId`'s objects for `query`; an error thrown here fails WSALookupServiceBegin (the cursors already opened are closed). */
  openLookup(providerId: string, query: LookupQuery): LookupCursor;
}

export function isLookupBackend(value: unknown): value is LookupBackend {
  return (
    typeof value === 'object' && value !== null && typeof (value as Partial<LookupBackend>).openLookup === 'function'
  );
}
