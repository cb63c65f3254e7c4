/**
 * WSALookupServiceBegin/Next/End over the registry (docs/lookup.md):
 * restrictions, flags, the caller's result buffer, snapshots of the store.
 */
export { ServiceLookup, isNoMore, type NextOptions, type OutParameter, type ServiceLookupOptions } from './service-lookup.js';
export { DirectoryBackendLookup, type AsyncLookupBackend, type AsyncLookupCursor, isAsyncLookupBackend } from './directory-backend-lookup.js';
export { type ResultTarget, BufferTooSmallError, writeResult, resultSize } from './result-buffer.js';
export { resultQuerySet, resultForCharset, primeAddresses } from './result.js';
export { lookupQuery, resolveRestrictions, INSTANCE_WILDCARD } from './restrictions.js';
export { checkLookupFlags, effectiveNextFlags, lookupFlagNames, parseLookupFlags, KNOWN_LOOKUP_FLAGS } from './flags.js';
export { matchesQuery, contextMatches, addressesForProtocols } from './match.js';
export { StoreLookupBackend, DEFAULT_PAGE_SIZE } from './store-snapshot.js';
export type { LookupBackend, LookupCursor, LookupObject, LookupQuery, NameRestriction } from './query.js';
