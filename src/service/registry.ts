import { GUIDS, NS_BTH, NS_DNS, NS_NTDS, NS_SAP, SOCKET_ERROR, type WsaErrorName } from '../abi/constants.js';
import { canonicalGuid, isGuid } from '../abi/guid.js';
import type { Arch } from '../abi/types.js';
import type { QuerySetJson } from '../codec/canonical.js';
import { ansiToText } from '../codec/index.js';
import { InvalidDataError, UsageError } from '../errors.js';
import { ProtocolSubstitutionError } from '../match/index.js';
import { querySetToUnicode } from './ansi.js';
import { SqliteDirectoryBackend } from './backends/sqlite-directory.js';
import { callerMemory, PrivateCopy } from './caller-memory.js';
import { type CatalogEntry, ProviderCatalog } from './catalog.js';
import type { DirectoryBackend } from './directory-backend.js';
import { invalid, notInitialised, notSupported, WinsockError } from './errors.js';
import { checkFieldLimits, type FieldLimits, resolveFieldLimits } from './limits.js';
import type { NamespaceProvider, NspCallContext, ProviderOutcome, WritableAddressSpace } from './provider.js';
import { type BluetoothOptions, BluetoothProvider } from './providers/bluetooth.js';
import { type DirectoryOptions, DirectoryProvider } from './providers/directory.js';
import { DnsProvider } from './providers/dns.js';
import { type SapOptions, SapProvider } from './providers/sap.js';
import { type QuerySetSource, resolveSource, sourceInCharset } from './query-set-source.js';
import { providersInScope } from './scope.js';
import type { ServiceObjectJson, ServiceStore } from './store.js';
import { validateSetService } from './validate.js';

/**
 * The built-in providers' ids. Directory, DNS and SAP are rnrkit's models,
 * so they carry rnrkit's own GUIDs rather than borrowing those of Windows'
 * providers; Bluetooth uses SVCID_BTH_PROVIDER, the id ws2bth.h gives the
 * Bluetooth namespace provider.
 */
export const PROVIDER_IDS = {
  directory: '{D7AE15EF-A077-45D2-A468-12B70B25D016}',
  dns: '{0C56C342-1C05-4229-8179-DCEE04E3F55A}',
  sap: '{7B043709-D095-4D8F-B756-228369648292}',
  bluetooth: GUIDS.SVCID_BTH_PROVIDER,
} as const;

/** How a WinsockRegistry is built: its store or directory, its providers, its limits. */
export interface RegistryOptions {
  /** The persistent store for the Directory provider (NS_NTDS). Without one, no Directory provider is installed. */
  readonly store?: ServiceStore;
  /** Who is calling: the owner of what this registry's calls create. Settable later (`principal`). Default 'local'. */
  readonly principal?: string;
  /** Principals that may change any object (besides the store's own administrators). Default none. */
  readonly administrators?: readonly string[];
  /** The ANSI code page WSASetServiceA converts from. Default 'windows-1252'. */
  readonly codePage?: string;
  /** The arch of canonical query sets that do not say (decides the valid dwSize). Default 'x64'. */
  readonly arch?: Arch;
  /** Most CSADDR_INFO entries one call may carry; more is WSA_NOT_ENOUGH_MEMORY. Default 65536. */
  readonly maxAddressesPerCall?: number;
  /** How large each member of a call may be (limits.ts); over a limit is WSA_NOT_ENOUGH_MEMORY before any provider runs. */
  readonly fieldLimits?: Partial<FieldLimits>;
  /** Install Directory (with a store), DNS, SAP and Bluetooth. Default true. */
  readonly builtins?: boolean;
  readonly directory?: DirectoryOptions;
  /**
   * A Directory provider whose objects live elsewhere (ldap/: Active
   * Directory over LDAP), installed as NS_NTDS instead of the store's. Its
   * NSPSetService is asynchronous: use `setServiceAsync`/`setServiceTypedAsync`.
   */
  readonly remoteDirectory?: RemoteDirectoryProvider;
  readonly sap?: SapOptions;
  readonly bluetooth?: BluetoothOptions;
  /** WSASERVICECLASSINFO per service class id, handed to NSPSetService as lpServiceClassInfo (null when absent). */
  readonly serviceClasses?: ReadonlyMap<string, unknown>;
}

/** A Directory provider over a remote backend: asynchronous, and readable through its backend. */
export interface RemoteDirectoryProvider extends NamespaceProvider {
  readonly backend: DirectoryBackend;
  /** The catalog name, e.g. `rnrkit Directory (LDAP ldaps://dc1/CN=WinsockServices,…)`. */
  readonly displayName: string;
}

/** One provider's answer, as the typed form and `rnrkit service` report it. */
export interface ProviderResult {
  id: string;
  name: string;
  namespace: number;
  result: 0 | -1;
  error?: WsaErrorName;
  code?: number;
  message?: string;
  outcome?: ProviderOutcome;
}

/** What a successful WSASetService did: each provider in scope, in catalog order, with its outcome. */
export interface SetServiceResult {
  result: 0;
  providers: ProviderResult[];
  /**
   * WSASetServiceA only: the Unicode copy the providers worked on. Results
   * (a Bluetooth record handle) were returned into this copy and its private
   * memory, not to the caller's ANSI set — the documented limitation.
   */
  unicodeQuerySet?: QuerySetJson;
  /** WSASetServiceA with memory: what providers wrote into the private copy (address → byte). */
  unreturnedWrites?: ReadonlyMap<number, number>;
}

/** When every provider in scope fails, the call fails with the most telling of their errors. */
const ERROR_PRECEDENCE: readonly WsaErrorName[] = [
  'WSAEACCES',
  'WSA_NOT_ENOUGH_MEMORY',
  'WSAEINVAL',
  'WSASERVICE_NOT_FOUND',
  'WSAEOPNOTSUPP',
];

/**
 * ws2_32's WSASetService, executable: WSAStartup/WSACleanup with a
 * reference count, a namespace provider catalog, the scope rule, and
 * dispatch to each provider's NSPSetService.
 *
 * Two forms of the call:
 * - `setService(source, op, flags)` is Winsock-shaped: 0, or SOCKET_ERROR
 *   with the code in `getLastError()` (left as it was on success, as
 *   WSAGetLastError is);
 * - `setServiceTyped(source, op, flags)` returns each provider's result, or
 *   throws a WinsockError (code and WSA name) carrying them.
 *
 * `source` is canonical JSON (validated as untrusted input), canonical JSON
 * with its arch/charset/memory, or a raw image ({space, at, arch, charset}).
 * A failure of the store itself (a damaged file, an I/O error) is not a
 * Winsock result: it is thrown, and the operation was not acknowledged.
 */
export class WinsockRegistry {
  readonly catalog = new ProviderCatalog();
  readonly store?: ServiceStore;
  /** The calling principal (what the thread's token would say). */
  principal: string;
  readonly codePage: string;
  readonly arch: Arch;
  readonly maxAddressesPerCall: number;
  readonly fieldLimits: FieldLimits;
  /** The built-in providers, for inspection (SAP advertisements, Bluetooth records). */
  readonly builtins: {
    directory?: DirectoryProvider;
    dns?: DnsProvider;
    sap?: SapProvider;
    bluetooth?: BluetoothProvider;
  };
  /**
   * Where the Directory provider's objects are, for readers (list, lookup):
   * the store's SQLite backend, or the remote directory's. Undefined when no
   * Directory provider is installed.
   */
  readonly directoryBackend?: DirectoryBackend;
  private readonly administrators: ReadonlySet<string>;
  private readonly serviceClasses: ReadonlyMap<string, unknown>;
  private references = 0;
  private lastError = 0;
  /** What ends with the last WSACleanup besides the providers' own state (open lookups). */
  private readonly cleanupHooks = new Set<() => void>();
  /** NspCallContext.isAdministrator: one function for every call, not one per call. */
  private readonly isAdministrator: (principal: string) => boolean;

  constructor(options: RegistryOptions = {}) {
    this.principal = options.principal ?? 'local';
    this.administrators = new Set(options.administrators ?? []);
    this.isAdministrator = (p) => this.administrators.has(p) || (this.store?.isAdministrator(p) ?? false);
    this.codePage = options.codePage ?? 'windows-1252';
    // An unknown code page is the caller's mistake now, not a WSAEINVAL later.
    ansiToText('', this.codePage);
    this.arch = options.arch ?? 'x64';
    this.maxAddressesPerCall = options.maxAddressesPerCall ?? 65_536;
    this.fieldLimits = resolveFieldLimits(options.fieldLimits);
    this.serviceClasses = new Map(
      [...(options.serviceClasses ?? new Map<string, unknown>())].map(([id, info]) => [canonicalGuid(id), info]),
    );
    if (options.store) this.store = options.store;
    this.builtins = {};
    if (options.remoteDirectory) this.directoryBackend = options.remoteDirectory.backend;
    else if (options.store) this.directoryBackend = new SqliteDirectoryBackend(options.store);
    if (options.builtins ?? true) {
      if (options.remoteDirectory) {
        this.catalog.install({
          id: PROVIDER_IDS.directory,
          namespace: NS_NTDS,
          name: options.remoteDirectory.displayName,
          provider: options.remoteDirectory,
        });
      } else if (options.store) {
        this.builtins.directory = new DirectoryProvider(options.store, NS_NTDS, options.directory);
        this.catalog.install({
          id: PROVIDER_IDS.directory,
          namespace: NS_NTDS,
          name: 'rnrkit Directory (persistent store)',
          provider: this.builtins.directory,
        });
      }
      this.builtins.dns = new DnsProvider();
      this.catalog.install({
        id: PROVIDER_IDS.dns,
        namespace: NS_DNS,
        name: 'rnrkit DNS',
        provider: this.builtins.dns,
      });
      this.builtins.sap = new SapProvider(options.sap);
      this.catalog.install({
        id: PROVIDER_IDS.sap,
        namespace: NS_SAP,
        name: 'rnrkit SAP',
        provider: this.builtins.sap,
      });
      this.builtins.bluetooth = new BluetoothProvider(options.bluetooth);
      this.catalog.install({
        id: PROVIDER_IDS.bluetooth,
        namespace: NS_BTH,
        name: 'rnrkit Bluetooth',
        provider: this.builtins.bluetooth,
      });
    }
  }

  /** WSAStartup: counts references; always 0 (rnrkit supports the one version it models, 2.2). */
  startup(): number {
    this.references++;
    return 0;
  }

  /**
   * WSACleanup: 0, or SOCKET_ERROR (WSANOTINITIALISED) without a matching
   * startup. The last cleanup ends what lives only as long as the process:
   * SAP broadcasts stop, Bluetooth SDP records go.
   */
  cleanup(): number {
    if (this.references === 0) {
      this.lastError = notInitialised('WSACleanup without a successful WSAStartup').code;
      return SOCKET_ERROR;
    }
    if (--this.references === 0) {
      for (const entry of this.catalog.all()) entry.provider.shutdown?.();
      for (const hook of this.cleanupHooks) hook();
    }
    return 0;
  }

  /** Run `hook` at every last WSACleanup; returns the function that removes it. */
  onLastCleanup(hook: () => void): () => void {
    this.cleanupHooks.add(hook);
    return () => this.cleanupHooks.delete(hook);
  }

  get started(): boolean {
    return this.references > 0;
  }

  /** WSAGetLastError. */
  getLastError(): number {
    return this.lastError;
  }

  /** WSASetLastError. */
  setLastError(code: number): void {
    this.lastError = code;
  }

  /** WSASetService (W unless the source says charset 'A'): 0 or SOCKET_ERROR. */
  setService(source: QuerySetSource, operation: number, controlFlags: number): number {
    return this.winsock(() => this.setServiceTyped(source, operation, controlFlags));
  }

  /** WSASetServiceW: a canonical set (or image) of WSAQUERYSETW; a WSAQUERYSETA image is SOCKET_ERROR, WSAEINVAL. */
  setServiceW(source: QuerySetSource, operation: number, controlFlags: number): number {
    return this.winsock(() =>
      this.setServiceTyped(sourceInCharset(source, 'W', 'WSASetServiceW', 'lpqsRegInfo'), operation, controlFlags),
    );
  }

  /**
   * WSASetServiceA: a WSAQUERYSETA, converted to Unicode first (see
   * SetServiceResult.unicodeQuerySet); a WSAQUERYSETW image is SOCKET_ERROR, WSAEINVAL.
   */
  setServiceA(source: QuerySetSource, operation: number, controlFlags: number): number {
    return this.winsock(() =>
      this.setServiceTyped(sourceInCharset(source, 'A', 'WSASetServiceA', 'lpqsRegInfo'), operation, controlFlags),
    );
  }

  /** 0, or SOCKET_ERROR with the last error set from the WinsockError the call threw. */
  private winsock(call: () => unknown): number {
    try {
      call();
      return 0;
    } catch (e) {
      if (e instanceof WinsockError) {
        this.lastError = e.code;
        return SOCKET_ERROR;
      }
      throw e;
    }
  }

  /**
   * The typed form: what each provider in scope did. Throws WinsockError
   * when the call fails (before any provider, or because none succeeded; in
   * the latter case `error.providers` holds every provider's result).
   */
  setServiceTyped(source: QuerySetSource, operation: number, controlFlags: number): SetServiceResult {
    const call = this.prepareCall(source, operation, controlFlags);
    const errors: (WinsockError | undefined)[] = [];
    const providers = call.scope.map((entry) => this.callProvider(entry, call, errors));
    return this.finishCall(call, providers, errors);
  }

  /**
   * WSASetService for a registry whose providers may be asynchronous (the
   * Directory over LDAP): the same checks, scope, dispatch and results as
   * `setServiceTyped`; providers in scope run one after another, in catalog
   * order, as ws2_32 calls them.
   */
  async setServiceTypedAsync(
    source: QuerySetSource,
    operation: number,
    controlFlags: number,
  ): Promise<SetServiceResult> {
    const call = this.prepareCall(source, operation, controlFlags);
    const errors: (WinsockError | undefined)[] = [];
    const providers: ProviderResult[] = [];
    for (const entry of call.scope) providers.push(await this.callProviderAsync(entry, call, errors));
    return this.finishCall(call, providers, errors);
  }

  /** The Winsock-shaped async form: 0, or SOCKET_ERROR with the code in `getLastError()`. */
  async setServiceAsync(source: QuerySetSource, operation: number, controlFlags: number): Promise<number> {
    try {
      await this.setServiceTypedAsync(source, operation, controlFlags);
      return 0;
    } catch (e) {
      if (e instanceof WinsockError) {
        this.lastError = e.code;
        return SOCKET_ERROR;
      }
      throw e;
    }
  }

  /** Everything before the providers run: startup, the source, ws2_32's checks, the scope, the call context. */
  private prepareCall(source: QuerySetSource, operation: number, controlFlags: number): PreparedCall {
    if (this.references === 0) throw notInitialised('WSASetService before a successful WSAStartup');
    const resolved = resolveSource(source, this.arch, this.maxAddressesPerCall);
    const { arch, charset } = resolved;
    validateSetService(resolved.querySet, operation, controlFlags, arch, charset);
    // Before any provider, so before any store's write lock: an oversized call delays no one.
    checkFieldLimits(resolved.querySet, this.fieldLimits);
    const querySet = charset === 'A' ? querySetToUnicode(resolved.querySet, this.codePage, arch) : resolved.querySet;
    let memory: WritableAddressSpace | undefined;
    let privateCopy: PrivateCopy | undefined;
    if (resolved.memory) {
      if (charset === 'A') memory = privateCopy = new PrivateCopy(resolved.memory);
      else memory = callerMemory(resolved.memory);
    }
    const scope = providersInScope(this.catalog, querySet.dwNameSpace, querySet.lpNSProviderId);
    const context: NspCallContext = {
      principal: this.principal,
      isAdministrator: this.isAdministrator,
      arch,
      ...(memory ? { memory } : {}),
    };
    const classInfo =
      this.serviceClasses.size > 0 && querySet.lpServiceClassId !== null && isGuid(querySet.lpServiceClassId)
        ? (this.serviceClasses.get(canonicalGuid(querySet.lpServiceClassId)) ?? null)
        : null;
    return {
      querySet,
      charset,
      privateCopy,
      scope,
      context,
      classInfo,
      operation: operation as 0 | 1 | 2,
      controlFlags,
    };
  }

  private finishCall(
    call: PreparedCall,
    providers: ProviderResult[],
    errors: readonly (WinsockError | undefined)[],
  ): SetServiceResult {
    if (!carriedOut(providers)) throw combinedError(providers, errors);
    const result: SetServiceResult = { result: 0, providers };
    if (call.charset === 'A') {
      result.unicodeQuerySet = call.querySet;
      if (call.privateCopy) result.unreturnedWrites = call.privateCopy.writes();
    }
    return result;
  }

  /**
   * Run several calls as one transaction of the store: one commit (one
   * fsync) for all of them, so they are acknowledged together when this
   * returns. A call that fails inside still fails alone (its savepoint is
   * rolled back); if `work` throws, none of the store changes remain. In-
   * memory providers (SAP, Bluetooth) are not transactional.
   */
  batch<T>(work: () => T): T {
    return this.store ? this.store.transaction(work) : work();
  }

  /** The persistent objects (what `rnrkit service list` prints). */
  list(): ServiceObjectJson[] {
    return this.store?.list() ?? [];
  }

  /** The Directory's objects wherever they live (the store, or a remote directory). */
  async listAsync(): Promise<ServiceObjectJson[]> {
    return this.directoryBackend ? this.directoryBackend.list() : [];
  }

  private callProvider(entry: CatalogEntry, call: PreparedCall, errors: (WinsockError | undefined)[]): ProviderResult {
    try {
      const nsp = entry.provider.NSPSetService;
      if (typeof nsp !== 'function') {
        if (typeof entry.provider.NSPSetServiceAsync === 'function') {
          throw new UsageError(
            `namespace provider ${entry.name} is asynchronous: call setServiceAsync or setServiceTypedAsync`,
          );
        }
        throw notSupported(`namespace provider ${entry.name} does not implement NSPSetService`);
      }
      const outcome = nsp.call(
        entry.provider,
        entry.id,
        call.classInfo,
        call.querySet,
        call.operation,
        call.controlFlags,
        call.context,
      );
      errors.push(undefined);
      // Literals rather than spreads of a shared base: one object allocated, no property copying (service/batch).
      return { id: entry.id, name: entry.name, namespace: entry.namespace, result: 0, outcome };
    } catch (e) {
      return failedProvider(entry, e, errors);
    }
  }

  private async callProviderAsync(
    entry: CatalogEntry,
    call: PreparedCall,
    errors: (WinsockError | undefined)[],
  ): Promise<ProviderResult> {
    const provider: NamespaceProvider = entry.provider;
    if (typeof provider.NSPSetServiceAsync !== 'function') return this.callProvider(entry, call, errors);
    try {
      const outcome = await provider.NSPSetServiceAsync(
        entry.id,
        call.classInfo,
        call.querySet,
        call.operation,
        call.controlFlags,
        call.context,
      );
      errors.push(undefined);
      return { id: entry.id, name: entry.name, namespace: entry.namespace, result: 0, outcome };
    } catch (e) {
      return failedProvider(entry, e, errors);
    }
  }
}

/** What `prepareCall` worked out for one WSASetService call. */
interface PreparedCall {
  readonly querySet: QuerySetJson;
  readonly charset: 'W' | 'A';
  readonly privateCopy: PrivateCopy | undefined;
  readonly scope: CatalogEntry[];
  readonly context: NspCallContext;
  readonly classInfo: unknown;
  readonly operation: 0 | 1 | 2;
  readonly controlFlags: number;
}

function failedProvider(entry: CatalogEntry, e: unknown, errors: (WinsockError | undefined)[]): ProviderResult {
  const error = asWinsockError(e);
  errors.push(error);
  return {
    id: entry.id,
    name: entry.name,
    namespace: entry.namespace,
    result: SOCKET_ERROR,
    error: error.name,
    code: error.code,
    message: error.message,
  };
}

/** A provider's failure in Winsock terms; bad data it tripped over is WSAEINVAL. Anything else is a bug or a store failure, and propagates. */
function asWinsockError(e: unknown): WinsockError {
  if (e instanceof WinsockError) return e;
  if (e instanceof ProtocolSubstitutionError || e instanceof InvalidDataError) return invalid(e.detail, e.path);
  throw e;
}

/**
 * Whether the call succeeds: some provider in scope did the operation, or
 * every one answered success (a scope of no-op providers only, such as
 * NS_DNS alone, whose REGISTER and DEREGISTER the docs call a NOP).
 *
 * A no-op is not the operation done. When the only successes are no-ops
 * and another provider refused — DNS's NOP beside the Directory's
 * WSAEACCES for a DELETE through NS_ALL of an object the caller does not
 * own — the service is exactly as it was, and answering 0 would tell the
 * caller it was deleted. So the call fails with the refusing providers'
 * error: WSAEACCES is "the calling routine does not have sufficient
 * privileges", which is what happened (docs/registry-results.md).
 */
function carriedOut(providers: readonly ProviderResult[]): boolean {
  let succeeded = 0;
  for (const p of providers) {
    if (p.result !== 0) continue;
    if (!p.outcome?.noop) return true;
    succeeded++;
  }
  return succeeded > 0 && succeeded === providers.length;
}

function combinedError(providers: ProviderResult[], errors: readonly (WinsockError | undefined)[]): WinsockError {
  // The most telling error among the providers that failed (no-op successes have none).
  let chosen = -1;
  for (let i = 0; i < providers.length; i++) {
    if (providers[i]!.result === 0) continue;
    if (
      chosen < 0 ||
      ERROR_PRECEDENCE.indexOf(providers[i]!.error!) < ERROR_PRECEDENCE.indexOf(providers[chosen]!.error!)
    )
      chosen = i;
  }
  const describe = (p: ProviderResult) => `${p.name}: ${p.result === 0 ? 'did nothing (no-op)' : p.message}`;
  // One provider: its own error, path and all. Several: the most telling code, every answer.
  const error =
    providers.length === 1
      ? errors[0]!
      : new WinsockError(
          providers[chosen]!.error!,
          `no provider in scope did the operation: ${providers.map(describe).join('; ')}`,
        );
  error.providers = providers;
  return error;
}
