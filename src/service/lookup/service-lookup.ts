import { LUP, SOCKET_ERROR, WSA_E_NO_MORE, WSAENOMORE } from '../../abi/constants.js';
import type { Arch } from '../../abi/types.js';
import type { Charset, QuerySetJson } from '../../codec/canonical.js';
import { UsageError } from '../../errors.js';
import type { CatalogEntry } from '../catalog.js';
import type { DirectoryBackend } from '../directory-backend.js';
import { invalid, notFound, notInitialised, WinsockError } from '../errors.js';
import { DirectoryProvider } from '../providers/directory.js';
import { type QuerySetSource, sourceInCharset } from '../query-set-source.js';
import type { WinsockRegistry } from '../registry.js';
import { providersInScope } from '../scope.js';
import {
  type AsyncLookupBackend,
  type AsyncLookupCursor,
  DirectoryBackendLookup,
  isAsyncLookupBackend,
} from './directory-backend-lookup.js';
import { checkLookupFlags, effectiveNextFlags } from './flags.js';
import { matchesQuery } from './match.js';
import {
  isLookupBackend,
  type LookupBackend,
  type LookupCursor,
  type LookupObject,
  type LookupQuery,
} from './query.js';
import { lookupQuery, resolveRestrictions } from './restrictions.js';
import { resultForCharset, resultQuerySet } from './result.js';
import { BufferTooSmallError, checkBufferLength, type ResultTarget, resultSize, writeResult } from './result-buffer.js';
import { DEFAULT_PAGE_SIZE, StoreLookupBackend } from './store-snapshot.js';

/** An out parameter: lphLookup, lpdwBufferLength. */
export interface OutParameter {
  value: number;
}

/** How a ServiceLookup reads providers' objects; every member is optional. */
export interface ServiceLookupOptions {
  /** Rows a store lookup reads at a time. Default 256. */
  readonly pageSize?: number;
  /**
   * Lookup backends by provider id, in place of the built-in choice (the
   * Directory provider's store, or a provider that implements
   * `openLookup` itself): how another Directory backend takes part.
   */
  readonly backends?: ReadonlyMap<string, LookupBackend | AsyncLookupBackend>;
}

type Participant =
  | { readonly providerId: string; readonly cursor: LookupCursor; readonly async: false; done: boolean }
  | { readonly providerId: string; readonly cursor: AsyncLookupCursor; readonly async: true; done: boolean };

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
  /** A provider reads asynchronously: only nextAsync can pull from it. */
  readonly async: boolean;
  /** A nextAsync is waiting for its provider. */
  busy: boolean;
  /** WSALookupServiceEnd came while it was: that call ends with WSA_E_CANCELLED. */
  cancelled: boolean;
  /** Takes this lookup's WSACleanup hook off the registry: called once, when the lookup ends however it ends. */
  readonly releaseCleanupHook: () => void;
}

const noMore = (): WinsockError =>
  new WinsockError('WSA_E_NO_MORE', 'no more results: every object the lookup found has been returned');
const invalidHandle = (handle: unknown): WinsockError =>
  new WinsockError(
    'WSA_INVALID_HANDLE',
    `${String(handle)} is not an open lookup handle (never returned by WSALookupServiceBegin, or already ended)`,
    'hLookup',
  );

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
 *   `lookupServiceEnd(hLookup)` and their W/A forms return 0 or
 *   SOCKET_ERROR with the code in the registry's `getLastError()`, bad
 *   arguments included; out parameters are `{ value }`.
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
 *
 * Each open lookup holds one WSACleanup hook on the registry (the last
 * WSACleanup ends it) and gives it back when it ends — End, the iterator's
 * loop ending, `close()` or that WSACleanup — so a ServiceLookup, or many,
 * can serve lookups for the life of a process without the registry growing.
 */
export class ServiceLookup {
  private readonly lookups = new Map<number, OpenLookup>();
  private lastHandle = 0x4c00;
  private readonly pageSize: number;
  private readonly backends: ReadonlyMap<string, LookupBackend | AsyncLookupBackend>;
  private readonly storeBackends = new Map<DirectoryProvider, StoreLookupBackend>();
  private readonly remoteBackends = new Map<DirectoryBackend, DirectoryBackendLookup>();

  constructor(
    readonly registry: WinsockRegistry,
    options: ServiceLookupOptions = {},
  ) {
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.backends = options.backends ?? new Map();
  }

  /** Lookups begun and not ended. */
  get openLookups(): number {
    return this.lookups.size;
  }

  // ------------------------------------------------------------ Winsock-shaped
  //
  // These never throw a WinsockError: every Winsock failure, bad arguments
  // included, is SOCKET_ERROR with the code in the registry's last error.
  // What they do throw is not a Winsock result: StoreError (the store itself
  // is damaged or unreadable) and UsageError (a synchronous Next on a lookup
  // only nextAsync can read).

  /**
   * WSALookupServiceBegin, W unless the source says charset 'A': 0 with the
   * handle in `lphLookup.value`, or SOCKET_ERROR with the last error set —
   * WSANOTINITIALISED before WSAStartup; WSAEINVAL for restrictions or
   * flags that break a rule of docs/lookup.md, or a missing `lphLookup`;
   * WSASERVICE_NOT_FOUND when no provider in scope answers lookups.
   * `lphLookup` is left unchanged on failure.
   */
  lookupServiceBegin(lpqsRestrictions: QuerySetSource, dwControlFlags: number, lphLookup: OutParameter): number {
    return this.beginAs(undefined, lpqsRestrictions, dwControlFlags, lphLookup);
  }

  /**
   * WSALookupServiceBeginW: as lookupServiceBegin, for a WSAQUERYSETW.
   * Restrictions that say they are a WSAQUERYSETA (a raw image, or a
   * canonical source with charset 'A') are SOCKET_ERROR with WSAEINVAL
   * naming lpqsRestrictions; a canonical set that names no charset is read
   * as W.
   */
  lookupServiceBeginW(lpqsRestrictions: QuerySetSource, dwControlFlags: number, lphLookup: OutParameter): number {
    return this.beginAs('W', lpqsRestrictions, dwControlFlags, lphLookup);
  }

  /**
   * WSALookupServiceBeginA: as lookupServiceBeginW, for a WSAQUERYSETA
   * (strings in the registry's ANSI code page); restrictions that say they
   * are a WSAQUERYSETW are SOCKET_ERROR with WSAEINVAL.
   */
  lookupServiceBeginA(lpqsRestrictions: QuerySetSource, dwControlFlags: number, lphLookup: OutParameter): number {
    return this.beginAs('A', lpqsRestrictions, dwControlFlags, lphLookup);
  }

  /**
   * WSALookupServiceNextW: 0 with the result written at `lpqsResults`, or
   * SOCKET_ERROR with the last error set — WSANOTINITIALISED;
   * WSA_INVALID_HANDLE for a handle that is not open; WSAEINVAL for unknown
   * flags, or a missing `lpdwBufferLength` or one that is not a DWORD;
   * WSAEFAULT for a buffer too small (then `lpdwBufferLength.value` is the
   * length needed) or unusable; WSASERVICE_NOT_FOUND when the lookup found
   * nothing; WSA_E_NO_MORE after the last result. Nothing is written to the
   * buffer on failure. Throws UsageError for a lookup over an asynchronous
   * provider (use lookupServiceNextAsync).
   */
  lookupServiceNext(
    hLookup: number,
    dwControlFlags: number,
    lpdwBufferLength: OutParameter,
    lpqsResults: ResultTarget | null,
  ): number {
    return this.lookupServiceNextAs('W', hLookup, dwControlFlags, lpdwBufferLength, lpqsResults);
  }

  /** WSALookupServiceNextW: the same call, and the same failures, as lookupServiceNext. */
  lookupServiceNextW(
    hLookup: number,
    dwControlFlags: number,
    lpdwBufferLength: OutParameter,
    lpqsResults: ResultTarget | null,
  ): number {
    return this.lookupServiceNextAs('W', hLookup, dwControlFlags, lpdwBufferLength, lpqsResults);
  }

  /**
   * WSALookupServiceNextA: the result is a WSAQUERYSETA, its strings in the
   * registry's ANSI code page; failures as lookupServiceNext.
   */
  lookupServiceNextA(
    hLookup: number,
    dwControlFlags: number,
    lpdwBufferLength: OutParameter,
    lpqsResults: ResultTarget | null,
  ): number {
    return this.lookupServiceNextAs('A', hLookup, dwControlFlags, lpdwBufferLength, lpqsResults);
  }

  /**
   * WSALookupServiceEnd: 0, or SOCKET_ERROR with WSANOTINITIALISED or
   * WSA_INVALID_HANDLE (a handle that is not open, or already ended).
   */
  lookupServiceEnd(hLookup: number): number {
    return this.winsock(() => this.end(hLookup));
  }

  private beginAs(
    charset: Charset | undefined,
    source: QuerySetSource,
    flags: number,
    lphLookup: OutParameter,
  ): number {
    const call = `WSALookupServiceBegin${charset ?? ''}`;
    return this.winsock(() => {
      if (!this.registry.started) throw notInitialised(`${call} before a successful WSAStartup`);
      if (!isOutParameter(lphLookup)) throw invalid('missing: there is nowhere to return the handle', 'lphLookup');
      // Checked before Begin opens anything: a lookup nobody can end must not be opened.
      lphLookup.value = this.begin(
        charset ? sourceInCharset(source, charset, call, 'lpqsRestrictions') : source,
        flags,
      );
    });
  }

  private lookupServiceNextAs(
    charset: Charset,
    hLookup: number,
    flags: number,
    lpdwBufferLength: OutParameter,
    lpqsResults: ResultTarget | null,
  ): number {
    return this.winsock(() => {
      const length = bufferLengthOf(lpdwBufferLength);
      try {
        this.next(hLookup, flags, { charset, length, target: lpqsResults });
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
    const scope = providersInScope(
      this.registry.catalog,
      resolved.querySet.dwNameSpace,
      resolved.querySet.lpNSProviderId,
    );
    const answering = scope.flatMap((entry) => {
      const backend = this.backendFor(entry);
      return backend ? [{ entry, backend }] : [];
    });
    if (answering.length === 0)
      throw notFound(`no namespace provider in scope answers lookups (${scope.map((e) => e.name).join(', ')})`);
    const participants: Participant[] = [];
    try {
      for (const { entry, backend } of answering) {
        participants.push(
          isAsyncLookupBackend(backend)
            ? { providerId: entry.id, cursor: backend.openLookupAsync(entry.id, query), async: true, done: false }
            : { providerId: entry.id, cursor: backend.openLookup(entry.id, query), async: false, done: false },
        );
      }
    } catch (e) {
      closeAll({ participants } as OpenLookup);
      throw e;
    }
    this.lastHandle += 4;
    const handle = this.lastHandle;
    // The last WSACleanup ends what the process had open. The hook lives exactly as long as this lookup,
    // so a process that begins and ends lookups for ever leaves the registry holding nothing of them.
    const releaseCleanupHook = this.registry.onLastCleanup(() => this.forget(handle));
    this.lookups.set(handle, {
      query,
      flags,
      arch: resolved.arch,
      participants,
      current: 0,
      pending: undefined,
      found: 0,
      async: participants.some((p) => p.async),
      busy: false,
      cancelled: false,
      releaseCleanupHook,
    });
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
  next(handle: number, flags: number, options: NextOptions = {}): { querySet: QuerySetJson; size: number } {
    const open = this.openFor(handle, flags, options, 'WSALookupServiceNext');
    if (open.async)
      throw new UsageError(
        'this lookup reads from an asynchronous provider (a remote directory): call nextAsync or lookupServiceNextAsync',
      );
    if ((flags & LUP.LUP_FLUSHPREVIOUS) !== 0) open.pending = undefined;
    return this.deliver(open, open.pending ?? this.pull(open), flags, options);
  }

  /**
   * WSALookupServiceNext for any lookup, whatever its providers: the same
   * contract as `next`, waiting for a remote provider when it must. A
   * WSALookupServiceEnd while it waits makes it fail with WSA_E_CANCELLED
   * ("a call to WSALookupServiceEnd was made while this call was still
   * processing. The call has been canceled").
   */
  async nextAsync(
    handle: number,
    flags: number,
    options: NextOptions = {},
  ): Promise<{ querySet: QuerySetJson; size: number }> {
    const open = this.openFor(handle, flags, options, 'WSALookupServiceNext');
    if (open.busy)
      throw new WinsockError(
        'WSAEINVAL',
        'another WSALookupServiceNext on this handle has not returned yet',
        'hLookup',
      );
    if ((flags & LUP.LUP_FLUSHPREVIOUS) !== 0) open.pending = undefined;
    let object = open.pending;
    if (!object) {
      open.busy = true;
      try {
        object = await this.pullAsync(open);
      } finally {
        open.busy = false;
      }
      if (open.cancelled)
        throw new WinsockError(
          'WSA_E_CANCELLED',
          'WSALookupServiceEnd was called while this call was still processing: the call has been canceled',
        );
    }
    return this.deliver(open, object, flags, options);
  }

  /**
   * The Winsock-shaped form of nextAsync, for every lookup: 0 or
   * SOCKET_ERROR with the last error set, the failures of lookupServiceNext
   * plus WSA_E_CANCELLED (WSALookupServiceEnd while it waited) and WSAEINVAL
   * (another Next on the handle still waiting). It never rejects with a
   * WinsockError; it rejects with StoreError for a damaged store.
   */
  async lookupServiceNextAsync(
    hLookup: number,
    dwControlFlags: number,
    lpdwBufferLength: OutParameter,
    lpqsResults: ResultTarget | null,
    charset: Charset = 'W',
  ): Promise<number> {
    try {
      const length = bufferLengthOf(lpdwBufferLength);
      await this.nextAsync(hLookup, dwControlFlags, { charset, length, target: lpqsResults });
      return 0;
    } catch (e) {
      if (e instanceof BufferTooSmallError) lpdwBufferLength.value = e.required;
      if (e instanceof WinsockError) {
        this.registry.setLastError(e.code);
        return SOCKET_ERROR;
      }
      throw e;
    }
  }

  private openFor(handle: number, flags: number, options: NextOptions, call: string): OpenLookup {
    if (!this.registry.started) throw notInitialised(`${call} before a successful WSAStartup`);
    const open = this.lookups.get(handle);
    if (!open) throw invalidHandle(handle);
    checkLookupFlags(flags, 'WSALookupServiceNext');
    if (options.length !== undefined) checkBufferLength(options.length);
    return open;
  }

  private deliver(
    open: OpenLookup,
    object: LookupObject | undefined,
    flags: number,
    options: NextOptions,
  ): { querySet: QuerySetJson; size: number } {
    if (!object) throw open.found === 0 ? notFound('no object matches the restrictions') : noMore();
    const charset = options.charset ?? 'W';
    const effective = effectiveNextFlags(open.flags, flags);
    const querySet = resultForCharset(
      resultQuerySet(object, open.query, effective, open.arch),
      charset,
      open.arch,
      this.registry.codePage,
    );
    if (options.length === undefined) {
      open.pending = undefined;
      return { querySet, size: resultSize(querySet, open.arch, charset) };
    }
    try {
      const size = writeResult(querySet, options.target ?? null, options.length, open.arch, charset);
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
    if (!this.lookups.has(handle)) throw invalidHandle(handle);
    this.forget(handle);
  }

  /** WSALookupServiceEnd, waiting until remote providers have let their enumerations go. */
  async endAsync(handle: number): Promise<void> {
    if (!this.registry.started) throw notInitialised('WSALookupServiceEnd before a successful WSAStartup');
    const open = this.lookups.get(handle);
    if (!open) throw invalidHandle(handle);
    this.lookups.delete(handle);
    open.releaseCleanupHook();
    if (open.busy) open.cancelled = true;
    await closeAllAsync(open);
  }

  /**
   * Ends every lookup still open, as WSALookupServiceEnd would, and lets
   * their providers' enumerations go; works before and after WSACleanup,
   * and closing twice is harmless. For an owner that drops this
   * ServiceLookup with lookups it never ended.
   */
  close(): void {
    for (const handle of [...this.lookups.keys()]) this.forget(handle);
  }

  /**
   * The typed iterator: Begin, then one canonical result per Next (with the
   * same flags), then End — also when the loop breaks or throws. A lookup
   * that finds nothing yields nothing.
   */
  async *results(
    source: QuerySetSource,
    flags: number,
    options: { charset?: Charset } = {},
  ): AsyncGenerator<QuerySetJson, void, undefined> {
    const handle = this.begin(source, flags);
    try {
      for (;;) {
        let result: QuerySetJson;
        try {
          result = (await this.nextAsync(handle, flags, options.charset ? { charset: options.charset } : {})).querySet;
        } catch (e) {
          if (WinsockError.is(e, 'WSA_E_NO_MORE') || WinsockError.is(e, 'WSASERVICE_NOT_FOUND')) return;
          throw e;
        }
        yield result;
      }
    } finally {
      if (this.lookups.has(handle) && this.registry.started) await this.endAsync(handle);
    }
  }

  private backendFor(entry: CatalogEntry): LookupBackend | AsyncLookupBackend | undefined {
    const configured = this.backends.get(entry.id);
    if (configured) return configured;
    const provider = entry.provider;
    if (provider instanceof DirectoryProvider) {
      let backend = this.storeBackends.get(provider);
      if (!backend) {
        backend = new StoreLookupBackend(provider.store, this.pageSize);
        this.storeBackends.set(provider, backend);
      }
      return backend;
    }
    if (isLookupBackend(provider) || isAsyncLookupBackend(provider)) return provider;
    // A Directory provider over a remote backend (LDAP) is read through that backend.
    const remote = (provider as { backend?: unknown }).backend;
    if (
      typeof remote === 'object' &&
      remote !== null &&
      typeof (remote as DirectoryBackend).findObjects === 'function'
    ) {
      let backend = this.remoteBackends.get(remote as DirectoryBackend);
      if (!backend) {
        backend = new DirectoryBackendLookup(remote as DirectoryBackend);
        this.remoteBackends.set(remote as DirectoryBackend, backend);
      }
      return backend;
    }
    return undefined;
  }

  private pull(open: OpenLookup): LookupObject | undefined {
    while (open.current < open.participants.length) {
      const participant = open.participants[open.current]!;
      if (participant.async) throw new Error('a synchronous pull reached an asynchronous provider');
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

  private async pullAsync(open: OpenLookup): Promise<LookupObject | undefined> {
    while (open.current < open.participants.length && !open.cancelled) {
      const participant = open.participants[open.current]!;
      const object = participant.done ? undefined : await participant.cursor.next();
      if (open.cancelled) return undefined;
      if (object === undefined) {
        if (!participant.done) {
          participant.done = true;
          await participant.cursor.close();
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

  /** The handle is closed, its WSACleanup hook removed, its enumerations released (a remote one in the background). */
  private forget(handle: number): void {
    const open = this.lookups.get(handle);
    if (!open) return;
    this.lookups.delete(handle);
    open.releaseCleanupHook();
    if (open.busy) open.cancelled = true;
    closeAll(open);
  }
}

/** Release every provider's enumeration; a remote one finishes in the background (closeAllAsync waits for it). */
function closeAll(open: Pick<OpenLookup, 'participants'>): void {
  for (const p of open.participants) {
    if (!p.done) {
      p.done = true;
      const closing = p.cursor.close();
      if (closing instanceof Promise) closing.catch(() => {});
    }
  }
}

async function closeAllAsync(open: OpenLookup): Promise<void> {
  for (const p of open.participants) {
    if (!p.done) {
      p.done = true;
      await p.cursor.close();
    }
  }
}

/** Which result form `next` and `nextAsync` deliver and where to; every member is optional. */
export interface NextOptions {
  /** 'A' for WSALookupServiceNextA. Default 'W'. */
  readonly charset?: Charset;
  /** *lpdwBufferLength; without it nothing is written and the canonical result is returned. */
  readonly length?: number;
  readonly target?: ResultTarget | null;
}

function isOutParameter(value: unknown): value is OutParameter {
  return typeof value === 'object' && value !== null;
}

/** *lpdwBufferLength; a missing out parameter is the caller's WSAEINVAL ("required parameters … missing"). */
function bufferLengthOf(lpdwBufferLength: OutParameter): number {
  if (!isOutParameter(lpdwBufferLength))
    throw invalid('missing: WSALookupServiceNext needs the buffer length', 'lpdwBufferLength');
  // Not a number (undefined would mean "no buffer" to `next`, which the Winsock form cannot say); the rest of the DWORD check is Next's.
  if (typeof lpdwBufferLength.value !== 'number')
    throw invalid(`*lpdwBufferLength ${String(lpdwBufferLength.value)} is not a DWORD`, 'lpdwBufferLength');
  return lpdwBufferLength.value;
}
