/**
 * The WSASetService model: catalog, providers, the durable store, errors.
 * Node-only (the store is SQLite through better-sqlite3): import it from
 * 'rnrkit/service' paths, not from the browser-safe core.
 */
export { WinsockRegistry, PROVIDER_IDS, type RemoteDirectoryProvider, type RegistryOptions, type ProviderResult, type SetServiceResult } from './registry.js';
export { WinsockError, StoreError, StoreBusyError, wsaErrorName } from './errors.js';
export { ProviderCatalog, type CatalogEntry, type CatalogEntryJson } from './catalog.js';
export type { NamespaceProvider, NspCallContext, ProviderOutcome, SetServiceOperation, WritableAddressSpace } from './provider.js';
export type { QuerySetSource, CanonicalSource, RawSource } from './query-set-source.js';
export { providersInScope } from './scope.js';
export { applyTable, type TableAction, type TableObject, type ObjectState, type TableLimits } from './semantics.js';
export { validateSetService, checkServiceProperties, isBluetoothBlobSet, KNOWN_CONTROL_FLAGS } from './validate.js';
export { foldInstanceName, objectKey, type ObjectKey } from './object-key.js';
export { querySetToUnicode } from './ansi.js';
export { openStore, ServiceStore, type StoreOptions, type StoredObject, type NewObject, type ObjectProperties, type ServiceObjectJson, type PrincipalUsage } from './store.js';
export { STORE_APPLICATION_ID, STORE_SCHEMA_VERSION } from './store-schema.js';
export { DirectoryProvider, type DirectoryOptions } from './providers/directory.js';
export { DEFAULT_FIELD_LIMITS, checkFieldLimits, type FieldLimits } from './limits.js';
export { DEFAULT_PRINCIPAL_QUOTAS, checkPrincipalQuota, type PrincipalQuotas, type Usage } from './quotas.js';
export { DnsProvider } from './providers/dns.js';
export { SapProvider, type SapOptions, type SapClock, type SapAdvertisement } from './providers/sap.js';
export { BluetoothProvider, type BluetoothOptions, type BluetoothRecord } from './providers/bluetooth.js';
export { BTH_SDP_VERSION, readBthSetService, type BthSetService } from './bth-set-service.js';
export { PrivateCopy, callerMemory } from './caller-memory.js';
export { StaleAddressKeeper, storeJournal, type AddressJournal, type StartResult } from './stale-addresses.js';
export type { DirectoryBackend, DirectoryObjectQuery, DirectoryRecord } from './directory-backend.js';
export { SqliteDirectoryBackend } from './backends/sqlite-directory.js';
export {
  ServiceLookup, isNoMore, BufferTooSmallError, StoreLookupBackend, INSTANCE_WILDCARD, parseLookupFlags, lookupFlagNames,
  DirectoryBackendLookup, type AsyncLookupBackend, type AsyncLookupCursor, type NextOptions,
  type OutParameter, type ServiceLookupOptions, type ResultTarget, type LookupBackend, type LookupCursor, type LookupObject, type LookupQuery, type NameRestriction,
} from './lookup/index.js';
