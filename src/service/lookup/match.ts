import { COMP_EQUAL } from '../../abi/constants.js';
import type { CsAddrInfoJson, SocketAddressJson } from '../../codec/canonical.js';
import { foldInstanceName } from '../object-key.js';
import { sockaddrFamily } from '../validate.js';
import type { LookupObject, LookupQuery } from './query.js';

/** Level separators of a hierarchical context ("Building 1/Floor 2"). */
const SEPARATORS = ['/', '\\'];

/**
 * Whether an object lies where the query starts, by lpszContext ("the
 * starting point of the query in a hierarchical namespace") and LUP_DEEP
 * ("queries deep as opposed to just the first level"). Contexts compare
 * exactly, as object identity compares them. Without LUP_DEEP only objects
 * whose context is the starting point itself are returned (a NULL context
 * selects objects registered without one); with it, also every context
 * beneath it — one that continues the starting point after a '/' or '\'
 * — and from a NULL starting point, every object.
 */
export function contextMatches(objectContext: string | null, start: string | null, deep: boolean): boolean {
  if (objectContext === start) return true;
  if (!deep) return false;
  if (start === null) return true;
  if (objectContext === null || !objectContext.startsWith(start)) return false;
  const last = start.slice(-1);
  if (start.length > 0 && SEPARATORS.includes(last)) return true;
  return SEPARATORS.includes(objectContext.charAt(start.length));
}

function nameMatches(object: LookupObject, query: LookupQuery): boolean {
  return query.name.kind === 'any' || foldInstanceName(object.instanceName) === foldInstanceName(query.name.name);
}

/**
 * lpVersion: "version must match exactly, or version must be not less than
 * the value supplied" (COMP_EQUAL / COMP_NOTLESS). An object registered
 * without a version satisfies no version restriction.
 */
function versionMatches(object: LookupObject, query: LookupQuery): boolean {
  if (query.version === null) return true;
  if (object.version === null) return false;
  return query.version.ecHow === COMP_EQUAL
    ? object.version.dwVersion === query.version.dwVersion
    : object.version.dwVersion >= query.version.dwVersion;
}

/** The sockaddr an entry is about: its LocalAddr when it has one (what a service registers), else its RemoteAddr. */
function primeAddress(entry: CsAddrInfoJson): SocketAddressJson {
  return entry.LocalAddr.lpSockaddr !== null && entry.LocalAddr.iSockaddrLength > 0
    ? entry.LocalAddr
    : entry.RemoteAddr;
}

/**
 * lpafpProtocols: "only services that utilize these protocols will be
 * returned". An entry uses (family, protocol) when its sockaddr is of that
 * family and its iProtocol is that protocol. Returns the entries that do, in
 * their registered order (all of them when there is no restriction).
 */
export function addressesForProtocols(addresses: readonly CsAddrInfoJson[], query: LookupQuery): CsAddrInfoJson[] {
  const protocols = query.protocols;
  if (protocols === null) return addresses.slice();
  return addresses.filter((entry) => {
    const family = sockaddrFamily(primeAddress(entry));
    return protocols.some((p) => p.iAddressFamily === family && p.iProtocol === entry.iProtocol);
  });
}

/**
 * Whether a lookup returns the object. The Directory namespace has no
 * containers, so LUP_CONTAINERS ("returns containers only") matches
 * nothing and LUP_NOCONTAINERS changes nothing. A DEREGISTERED object is
 * still in the namespace (DEREGISTER "does not remove the object from the
 * namespace"), so it is returned, with no addresses — unless protocols are
 * restricted, since an object without addresses uses none.
 */
export function matchesQuery(object: LookupObject, providerId: string, query: LookupQuery): boolean {
  if (query.containersOnly) return false;
  if (object.provider !== providerId || object.serviceClassId !== query.serviceClassId) return false;
  if (
    !nameMatches(object, query) ||
    !contextMatches(object.context, query.context, query.deep) ||
    !versionMatches(object, query)
  )
    return false;
  return query.protocols === null || addressesForProtocols(object.addresses, query).length > 0;
}
