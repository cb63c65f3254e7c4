import { LUP } from '../../abi/constants.js';
import { layoutOf } from '../../abi/layout.js';
import type { Arch } from '../../abi/types.js';
import type { Charset, CsAddrInfoJson, QuerySetJson, SocketAddressJson } from '../../codec/canonical.js';
import { textToAnsi } from '../../codec/index.js';
import { InvalidDataError } from '../../errors.js';
import { addressesForProtocols } from './match.js';
import type { LookupObject, LookupQuery } from './query.js';

const {
  LUP_RETURN_NAME,
  LUP_RETURN_TYPE,
  LUP_RETURN_VERSION,
  LUP_RETURN_COMMENT,
  LUP_RETURN_ADDR,
  LUP_RETURN_QUERY_STRING,
  LUP_RES_SERVICE,
} = LUP;

function isEmpty(address: SocketAddressJson): boolean {
  return address.lpSockaddr === null || address.iSockaddrLength === 0;
}

/**
 * LUP_RES_SERVICE "indicates whether prime response is in the remote or
 * local part of the CSADDR_INFO structure. The other part needs to be
 * usable in either case." A registration usually fills only LocalAddr (where
 * the service listens). Without the flag the caller is a client, whose
 * prime part is RemoteAddr (where to connect): an empty RemoteAddr is given
 * the registered LocalAddr. With it the caller is the service, whose prime
 * part is LocalAddr: an empty LocalAddr is given the RemoteAddr. A part the
 * registration filled is never changed, so both stay usable.
 */
export function primeAddresses(entries: readonly CsAddrInfoJson[], resService: boolean): CsAddrInfoJson[] {
  return entries.map((entry) => {
    if (resService)
      return isEmpty(entry.LocalAddr) && !isEmpty(entry.RemoteAddr)
        ? { ...entry, LocalAddr: { ...entry.RemoteAddr } }
        : entry;
    return isEmpty(entry.RemoteAddr) && !isEmpty(entry.LocalAddr)
      ? { ...entry, RemoteAddr: { ...entry.LocalAddr } }
      : entry;
  });
}

/**
 * The WSAQUERYSETW one WSALookupServiceNext returns for an object, as
 * canonical JSON. Each LUP_RETURN_* flag fills its member ("retrieves the
 * name as lpszServiceInstanceName", …); a member not asked for is NULL or 0.
 * dwNameSpace and lpNSProviderId always say which provider answered, and
 * dwSize is sizeof(WSAQUERYSETW). lpszContext comes with LUP_RETURN_NAME
 * (the name is only unique within its context). The Directory keeps no
 * blob and no aliases: LUP_RETURN_BLOB and LUP_RETURN_ALIASES add nothing.
 * LUP_RETURN_QUERY_STRING "retrieves the query string used for the request".
 */
export function resultQuerySet(object: LookupObject, query: LookupQuery, flags: number, arch: Arch): QuerySetJson {
  const addresses =
    (flags & LUP_RETURN_ADDR) !== 0
      ? primeAddresses(addressesForProtocols(object.addresses, query), (flags & LUP_RES_SERVICE) !== 0)
      : [];
  return {
    dwSize: layoutOf('WSAQUERYSETW', arch).size,
    lpszServiceInstanceName: (flags & LUP_RETURN_NAME) !== 0 ? object.instanceName : null,
    lpServiceClassId: (flags & LUP_RETURN_TYPE) !== 0 ? object.serviceClassId : null,
    lpVersion: (flags & LUP_RETURN_VERSION) !== 0 && object.version !== null ? { ...object.version } : null,
    lpszComment: (flags & LUP_RETURN_COMMENT) !== 0 ? object.comment : null,
    dwNameSpace: object.namespace,
    lpNSProviderId: object.provider,
    lpszContext: (flags & LUP_RETURN_NAME) !== 0 ? object.context : null,
    dwNumberOfProtocols: 0,
    lpafpProtocols: null,
    lpszQueryString: (flags & LUP_RETURN_QUERY_STRING) !== 0 ? query.queryString : null,
    dwNumberOfCsAddrs: addresses.length,
    lpcsaBuffer: addresses.length > 0 ? addresses : null,
    dwOutputFlags: 0,
    lpBlob: null,
  };
}

/** One string to ANSI the way WideCharToMultiByte does by default: a character the code page lacks becomes '?'. */
function toAnsi(text: string, codePage: string): string {
  try {
    return textToAnsi(text, codePage);
  } catch (e) {
    if (!(e instanceof InvalidDataError)) throw e;
  }
  let out = '';
  for (const ch of text) {
    try {
      out += textToAnsi(ch, codePage);
    } catch (e) {
      if (!(e instanceof InvalidDataError)) throw e;
      out += '?';
    }
  }
  return out;
}

/**
 * WSALookupServiceNextA: the Unicode result with its strings in the ANSI
 * code page (the reverse of WSASetServiceA's conversion) and dwSize
 * sizeof(WSAQUERYSETA).
 */
export function resultForCharset(qs: QuerySetJson, charset: Charset, arch: Arch, codePage: string): QuerySetJson {
  if (charset === 'W') return qs;
  const out: QuerySetJson = { ...qs, dwSize: layoutOf('WSAQUERYSETA', arch).size };
  for (const member of ['lpszServiceInstanceName', 'lpszComment', 'lpszContext', 'lpszQueryString'] as const) {
    const value = qs[member];
    if (value !== null) out[member] = toAnsi(value, codePage);
  }
  return out;
}
