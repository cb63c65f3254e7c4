/**
 * The WSASetService model: catalog, providers, the durable store, errors.
 * Node-only (the store is SQLite through better-sqlite3): import it from
 * 'rnrkit/service' paths, not from the browser-safe core.
 */

export { querySetToUnicode } from './ansi.js';
export { SqliteDirectoryBackend } from './backends/sqlite-directory.js';
export { BTH_SDP_VERSION, type BthSetService, readBthSetService } from './bth-set-service.js';
export { callerMemory, PrivateCopy } from './caller-memory.js';
export { type CatalogEntry, type CatalogEntryJson, ProviderCatalog } from './catalog.js';
export type { DirectoryBackend, DirectoryObjectQuery, DirectoryRecord } from './directory-backend.js';
export { StoreBusyError, StoreError, WinsockError, wsaErrorName } from './errors.js';
export { checkFieldLimits, DEFAULT_FIELD_LIMITS, type FieldLimits } from './limits.js';
export {
  type AsyncLookupBackend,
  type AsyncLookupCursor,
  BufferTooSmallError,
  DirectoryBackendLookup,
  INSTANCE_WILDCARD,
  isNoMore,
  type LookupBackend,
  type LookupCursor,
  type LookupObject,
  type LookupQuery,
  lookupFlagNames,
  type NameRestriction,
  type NextOptions,
  type OutParameter,
  parseLookupFlags,
  type ResultTarget,
  ServiceLookup,
  type ServiceLookupOptions,
  StoreLookupBackend,
} from './lookup/index.js';
export { foldInstanceName, type ObjectKey, objectKey } from './object-key.js';
export type {
  NamespaceProvider,
  NspCallContext,
  ProviderOutcome,
  SetServiceOperation,
  WritableAddressSpace,
} from './provider.js';
export { type BluetoothOptions, BluetoothProvider, type BluetoothRecord } from './providers/bluetooth.js';
export { type DirectoryOptions, DirectoryProvider } from './providers/directory.js';
export { DnsProvider } from './providers/dns.js';
export { type SapAdvertisement, type SapClock, type SapOptions, SapProvider } from './providers/sap.js';
export type { CanonicalSource, QuerySetSource, RawSource } from './query-set-source.js';
export { checkPrincipalQuota, DEFAULT_PRINCIPAL_QUOTAS, type PrincipalQuotas, type Usage } from './quotas.js';
export {
  PROVIDER_IDS,
  type ProviderResult,
  type RegistryOptions,
  type RemoteDirectoryProvider,
  type SetServiceResult,
  WinsockRegistry,
} from './registry.js';
export { providersInScope } from './scope.js';
export { applyTable, type ObjectState, type TableAction, type TableLimits, type TableObject } from './semantics.js';
export { type AddressJournal, StaleAddressKeeper, type StartResult, storeJournal } from './stale-addresses.js';
export {
  type NewObject,
  type ObjectProperties,
  openStore,
  type PrincipalUsage,
  type ServiceObjectJson,
  ServiceStore,
  type StoredObject,
  type StoreOptions,
} from './store.js';
export { STORE_APPLICATION_ID, STORE_SCHEMA_VERSION } from './store-schema.js';
export { checkServiceProperties, isBluetoothBlobSet, KNOWN_CONTROL_FLAGS, validateSetService } from './validate.js';
