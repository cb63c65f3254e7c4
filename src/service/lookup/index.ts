/**
 * WSALookupServiceBegin/Next/End over the registry (docs/lookup.md):
 * restrictions, flags, the caller's result buffer, snapshots of the store.
 */

export {
  type AsyncLookupBackend,
  type AsyncLookupCursor,
  DirectoryBackendLookup,
  isAsyncLookupBackend,
} from './directory-backend-lookup.js';
export {
  checkLookupFlags,
  effectiveNextFlags,
  KNOWN_LOOKUP_FLAGS,
  lookupFlagNames,
  parseLookupFlags,
} from './flags.js';
export { addressesForProtocols, contextMatches, matchesQuery } from './match.js';
export type { LookupBackend, LookupCursor, LookupObject, LookupQuery, NameRestriction } from './query.js';
export { INSTANCE_WILDCARD, lookupQuery, resolveRestrictions } from './restrictions.js';
export { primeAddresses, resultForCharset, resultQuerySet } from './result.js';
export { BufferTooSmallError, type ResultTarget, resultSize, writeResult } from './result-buffer.js';
export {
  isNoMore,
  type NextOptions,
  type OutParameter,
  ServiceLookup,
  type ServiceLookupOptions,
} from './service-lookup.js';
export { DEFAULT_PAGE_SIZE, StoreLookupBackend } from './store-snapshot.js';
