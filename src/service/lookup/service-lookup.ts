import { LUP, SOCKET_ERROR, WSAENOMORE, WSA_E_NO_MORE } from '../../abi/constants.js';
import type { Arch } from '../../abi/types.js';
import type { Charset, QuerySetJson } from '../../codec/canonical.js';
import type { CatalogEntry } from '../catalog.js';
import { WinsockError, notFound, notInitialised } from '../errors.js';
import { DirectoryProvider } from '../providers/directory.js';
import type { QuerySetSource } from '../query-set-source.js';
import type { WinsockRegistry } from '../registry.js';
import { providersInScope } from '../scope.js';
import { checkLookupFlags, effectiveNextFlags } from './flags.js';
import { matchesQuery } from './match.js';
import { type LookupBackend, type LookupCursor, type LookupObject, type LookupQuery, isLookupBackend } from './query.js';
import { lookupQuery, resolveRestrictions } from './restrictions.js';
import { BufferTooSmallError, type ResultTarget, checkBufferLength, resultSize, writeResult } from './result-buffer.js';
import { resultForCharset, resultQuerySet } from './result.js';
import { DEFAULT_PAGE_SIZE, StoreLookupBackend } from './store-snapshot.js';

/** An out parameter: lphLookup, lpdwBufferLength. */
export interface OutParameter {
  value: number;
}

export interface ServiceLookupOptions {
  /** Rows a store lookup reads at a time. Default 256. */
  readonly pageSize?: number;
  /**
   * Lookup backends by provider id, in place of the built-in choice (the
   * Directory provider's store, or a provider that implements
   * `openLookup` itself): how another Directory backend takes part.
   */
  readonly backends?: ReadonlyMap<string, LookupBackend>;
}

interface Participant {
  readonly providerId: string;
  readonly cursor: LookupCursor;
  done: boolean;
}

interface OpenLookup {
  readonly query: LookupQuery;
  readonly flags: number;
  readonly arch: Arch;
  readonly participants: Participant[];
  current: number;
  /** The result a WSAEFAULT left undelivered: the next call returns it, unless LUP_FLUSHPREVIOUS discards it. */
  pending: LookupObject | undefined;
  /** Objects this lookup has found (returned or flushed). */
  found: number;
}

const noMore = (): WinsockError => new WinsockError('WSA_E_NO_MORE', 'no more results: every object the lookup found has been returned');
const invalidHandle = (handle: unknown): WinsockError => new WinsockError('WSA_INVALID_HANDLE', `${String(handle)} is not an open lookup handle (never returned by WSALookupServiceBegin, or already ended)`, 'hLookup');

/**
 * The end of a lookup, as applications must test for it: "In Windows
 * Sockets 2, conflicting error codes are defined for WSAENOMORE (10102) and
 * WSA_E_NO_MORE (10110) … applications should check for both". rnrkit
 * returns WSA_E_NO_MORE.
 */
export function isNoMore(code: number): boolean {
  return code === WSA_E_NO_MORE || code === WSAENOMORE;
}

/**
 * WSALookupServiceBegin/Next/End over a WinsockRegistry's providers.
 *
 * Two forms, as for WSASetService:
 * - Winsock-shaped: `lookupServiceBegin(restrictions, flags, lphLookup)`,
 *   `lookupServiceNext(hLookup, flags, lpdwBufferLength, lpqsResults)`,
 *   `lookupServiceEnd(hLookup)` return 0 or SOCKET_ERROR with the code in
 *   the registry's `getLastError()`; out parameters are `{ value }`.
 * - typed: `begin`, `next`, `end` throw WinsockError; `results(…)` is an
 *   async iterator of canonical results that ends the lookup however the
 *   loop ends.
 *
 * Begin validates the restrictions, applies WSASetService's scope table
 * (dwNameSpace / lpNSProviderId) and opens each provider's enumeration
 * (for the store: a snapshot, see store-snapshot.ts); providers in scope
 * that answer no lookups (DNS, SAP, Bluetooth models) are passed over, and
 * a scope where none answers is WSASERVICE_NOT_FOUND. Next returns one
 * matching object per call, in the providers' catalog order and each
 * provider's id order. A lookup that found nothing answers
 * WSASERVICE_NOT_FOUND ("the service cannot be found in the specified
 * namespace"); after its last result, WSA_E_NO_MORE.
 */
export class ServiceLookup {
  private readonly lookups = new Map<number, OpenLookup>();
  private lastHandle = 0x4c00;
  private readonly pageSize: number;
  private readonly backends: ReadonlyMap<string, LookupBackend>;
  private readonly storeBackends = new Map<DirectoryProvider, StoreLookupBackend>();

  constructor(readonly registry: WinsockRegistry, options: ServiceLookupOptions = {}) {
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.backends = options.backends ?? new Map();
    // WSACleanup ends what the process had open: the handles go with it.
    registry.onLastCleanup(() => this.endAll());
  }

  /** Lookups begun and not ended. */
  get openLookups(): number {
    return this.lookups.size;
  }

  // ------------------------------------------------------------ Winsock-shaped

  /** WSALookupServiceBegin (W unless the source says charset 'A'). */
  lookupServiceBegin(lpqsRestrictions: QuerySetSource, dwControlFlags: number, lphLookup: OutParameter): number {
    return this.winsock(() => {
      lphLookup.value = this.begin(lpqsRestrictions, dwControlFlags);
    });
  }

  lookupServiceBeginW(lpqsRestrictions: QuerySetSource, dwControlFlags: number, lphLookup: OutParameter): number {
    return this.lookupServiceBegin(withCharset(lpqsRestrictions, 'W'), dwControlFlags, lphLookup);
  }

  lookupServiceBeginA(lpqsRestrictions: QuerySetSource, dwControlFlags: number, lphLookup: OutParameter): number {
    return this.lookupServiceBegin(withCharset(lpqsRestrictions, 'A'), dwControlFlags, lphLookup);
  }

  /** WSALookupServiceNextW. */
  lookupServiceNext(hLookup: number, dwControlFlags: number, lpdwBufferLength: OutParameter, lpqsResults: ResultTarget | null): number {
    return this.lookupServiceNextAs('W', hLookup, dwControlFlags, lpdwBufferLength, lpqsResults);
  }

  lookupServiceNextW(hLookup: number, dwControlFlags: number, lpdwBufferLength: OutParameter, lpqsResults: ResultTarget | null): number {
    return this.lookupServiceNextAs('W', hLookup, dwControlFlags, lpdwBufferLength, lpqsResults);
  }

  /** WSALookupServiceNextA: the result is a WSAQUERYSETA, its strings in the registry's ANSI code page. */
  lookupServiceNextA(hLookup: number, dwControlFlags: number, lpdwBufferLength: OutParameter, lpqsResults: ResultTarget | null): number {
    return this.lookupServiceNextAs('A', hLookup, dwControlFlags, lpdwBufferLength, lpqsResults);
  }

  /** WSALookupServiceEnd. */
  lookupServiceEnd(hLookup: number): number {
    return this.winsock(() => this.end(hLookup));
  }

  private lookupServiceNextAs(charset: Charset, hLookup: number, flags: number, lpdwBufferLength: OutParameter, lpqsResults: ResultTarget | null): number {
    return this.winsock(() => {
      try {
        this.next(hLookup, flags, { charset, length: lpdwBufferLength.value, target: lpqsResults });
      } catch (e) {
        if (e instanceof BufferTooSmallError) lpdwBufferLength.value = e.required;
        throw e;
      }
    });
  }

  private winsock(call: () => void): number {
    try {
      call();
      return 0;
    } catch (e) {
      if (e instanceof WinsockError) {
        this.registry.setLastError(e.code);
        return SOCKET_ERROR;
      }
      throw e;
    }
  }

  // ------------------------------------------------------------------- typed

  /** WSALookupServiceBegin: the new handle, or a thrown WinsockError. */
  begin(source: QuerySetSource, flags: number): number {
    if (!this.registry.started) throw notInitialised('WSALookupServiceBegin before a successful WSAStartup');
    checkLookupFlags(flags, 'WSALookupServiceBegin');
    const resolved = resolveRestrictions(source, this.registry.arch, this.registry.codePage);
    const query = lookupQuery(resolved.querySet, flags);
    const scope = providersInScope(this.registry.catalog, resolved.querySet.dwNameSpace, resolved.querySet.lpNSProviderId);
    const answering = scope.flatMap((entry) => {
      const backend = this.backendFor(entry);
      return backend ? [{ entry, backend }] : [];
    });
    if (answering.length === 0) throw notFound(`no namespace provider in scope answers lookups (${scope.map((e) => e.name).join(', ')})`);
    const participants: Participant[] = [];
    try {
      for (const { entry, backend } of answering) participants.push({ providerId: entry.id, cursor: backend.openLookup(entry.id, query), done: false });
    } catch (e) {
      for (const p of participants) p.cursor.close();
      throw e;
    }
    const handle = (this.lastHandle += 4);
    this.lookups.set(handle, { query, flags, arch: resolved.arch, participants, current: 0, pending: undefined, found: 0 });
    return handle;
  }

  /**
   * WSALookupServiceNext. With `target`, the result is written into the
   * caller's buffer of `length` bytes (see writeResult) and its size
   * returned; a buffer too small throws BufferTooSmallError (WSAEFAULT,
   * `.required`) and keeps the result for the next call. Without `target`
   * (`length` undefined), the canonical result is returned and nothing is
   * written anywhere.
   */
  next(handle: number, flags: number, options: { charset?: Charset; length?: number; target?: ResultTarget | null } = {}): { querySet: QuerySetJson; size: number } {
    if (!this.registry.started) throw notInitialised('WSALookupServiceNext before a successful WSAStartup');
    const open = this.lookups.get(handle);
    if (!open) throw invalidHandle(handle);
    checkLookupFlags(flags, 'WSALookupServiceNext');
    const charset = options.charset ?? 'W';
    const writing = options.length !== undefined;
    if (writing) checkBufferLength(options.length!);
    const effective = effectiveNextFlags(open.flags, flags);
    if ((flags & LUP.LUP_FLUSHPREVIOUS) !== 0) open.pending = undefined;
    const object = open.pending ?? this.pull(open);
    if (!object) throw open.found === 0 ? notFound('no object matches the restrictions') : noMore();
    const querySet = resultForCharset(resultQuerySet(object, open.query, effective, open.arch), charset, open.arch, this.registry.codePage);
    if (!writing) {
      open.pending = undefined;
      return { querySet, size: resultSize(querySet, open.arch, charset) };
    }
    try {
      const size = writeResult(querySet, options.target ?? null, options.length!, open.arch, charset);
      open.pending = undefined;
      return { querySet, size };
    } catch (e) {
      open.pending = object;
      throw e;
    }
  }

  /** WSALookupServiceEnd: the handle is closed and its snapshot released. */
  end(handle: number): void {
    if (!this.registry.started) throw notInitialised('WSALookupServiceEnd before a successful WSAStartup');
    const open = this.lookups.get(handle);
    if (!open) throw invalidHandle(handle);
    this.lookups.delete(handle);
    closeAll(open);
  }

  /**
   * The typed iterator: Begin, then one canonical result per Next (with the
   * same flags), then End — also when the loop breaks or throws. A lookup
   * that finds nothing yields nothing.
   */
  async *results(source: QuerySetSource, flags: number, options: { charset?: Charset } = {}): AsyncGenerator<QuerySetJson, void, undefined> {
    const handle = this.begin(source, flags);
    try {
      for (;;) {
        let result: QuerySetJson;
        try {
          result = this.next(handle, flags, options.charset ? { charset: options.charset } : {}).querySet;
        } catch (e) {
          if (WinsockError.is(e, 'WSA_E_NO_MORE') || WinsockError.is(e, 'WSASERVICE_NOT_FOUND')) return;
          throw e;
        }
        yield result;
      }
    } finally {
      if (this.lookups.has(handle) && this.registry.started) this.end(handle);
    }
  }

  private backendFor(entry: CatalogEntry): LookupBackend | undefined {
    const configured = this.backends.get(entry.id);
    if (configured) return configured;
    const provider = entry.provider;
    if (provider instanceof DirectoryProvider) {
      let backend = this.storeBackends.get(provider);
      if (!backend) this.storeBackends.set(provider, (backend = new StoreLookupBackend(provider.store, this.pageSize)));
      return backend;
    }
    return isLookupBackend(provider) ? provider : undefined;
  }

  private pull(open: OpenLookup): LookupObject | undefined {
    while (open.current < open.participants.length) {
      const participant = open.participants[open.current]!;
      const object = participant.done ? undefined : participant.cursor.next();
      if (object === undefined) {
        if (!participant.done) {
          participant.done = true;
          participant.cursor.close();
        }
        open.current++;
        continue;
      }
      if (matchesQuery(object, participant.providerId, open.query)) {
        open.found++;
        return object;
      }
    }
    return undefined;
  }

  private endAll(): void {
    for (const open of this.lookups.values()) closeAll(open);
    this.lookups.clear();
  }
}

function closeAll(open: OpenLookup): void {
  for (const p of open.participants) {
    if (!p.done) {
      p.done = true;
      p.cursor.close();
    }
  }
}

function withCharset(source: QuerySetSource, charset: Charset): QuerySetSource {
  if (typeof source === 'object' && source !== null && 'space' in source && 'at' in source) {
    if ((source as { charset: Charset }).charset !== charset) throw new WinsockError('WSAEINVAL', `WSALookupServiceBegin${charset} was given a WSAQUERYSET${(source as { charset: Charset }).charset} image`, 'lpqsRestrictions');
    return source;
  }
  if (typeof source === 'object' && source !== null && 'querySet' in source && !('dwSize' in source)) return { ...source, charset };
  return { querySet: source, charset };
}
