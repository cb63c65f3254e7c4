/**
 * Exact-match CSADDR_INFO comparison at memory speed: zero-copy views over
 * CSADDR_INFO arrays in any address space, the match rule (rule.ts), and
 * AddressSet. Browser-safe: no Node imports.
 */
export { AddressSet, type AddressSetOptions, type EntrySource, type MatchResult } from './address-set.js';
export { type AddressMember, CsAddrArrayView, type CsAddrArrayViewOptions } from './csaddr-view.js';
export { entriesMatch } from './entries-match.js';
export { ProtocolSubstitutionError, SetQuotaError } from './errors.js';
export { NO_FAMILY, substituteProtocol } from './protocol.js';
export { type IgnoredRange, MATCH_MODES, type MatchMode, SEMANTIC_IGNORED } from './rule.js';
export { SET_FORMAT_VERSION } from './set-format.js';
