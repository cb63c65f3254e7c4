/**
 * Winsock constants with the values the headers give them. Every value here
 * (apart from IPROTOCOL_ANY, see below) is also emitted by the ground-truth
 * probe in fixtures/abi and compared by test/abi/constants.test.ts.
 */

/** Namespaces (winsock2.h). */
export const NS = {
  NS_ALL: 0,
  NS_SAP: 1,
  NS_NDS: 2,
  NS_PEER_BROWSE: 3,
  NS_SLP: 5,
  NS_DHCP: 6,
  NS_TCPIP_LOCAL: 10,
  NS_TCPIP_HOSTS: 11,
  NS_DNS: 12,
  NS_NETBT: 13,
  NS_WINS: 14,
  NS_NLA: 15,
  NS_BTH: 16,
  NS_NBP: 20,
  NS_MS: 30,
  NS_STDA: 31,
  NS_NTDS: 32,
  NS_EMAIL: 37,
  NS_PNRPNAME: 38,
  NS_PNRPCLOUD: 39,
  NS_X500: 40,
  NS_NIS: 41,
  NS_NISPLUS: 42,
  NS_WRQ: 50,
  NS_NETDES: 60,
} as const;

export const {
  NS_ALL,
  NS_SAP,
  NS_NDS,
  NS_PEER_BROWSE,
  NS_SLP,
  NS_DHCP,
  NS_TCPIP_LOCAL,
  NS_TCPIP_HOSTS,
  NS_DNS,
  NS_NETBT,
  NS_WINS,
  NS_NLA,
  NS_BTH,
  NS_NBP,
  NS_MS,
  NS_STDA,
  NS_NTDS,
  NS_EMAIL,
  NS_PNRPNAME,
  NS_PNRPCLOUD,
  NS_X500,
  NS_NIS,
  NS_NISPLUS,
  NS_WRQ,
  NS_NETDES,
} = NS;

/** WSAESETSERVICEOP. */
export const RNRSERVICE_REGISTER = 0;
export const RNRSERVICE_DEREGISTER = 1;
export const RNRSERVICE_DELETE = 2;

/** dwControlFlags of WSASetService. */
export const SERVICE_MULTIPLE = 0x00000001;

/** Error codes (winerror.h) and return values. */
export const WSA_ERRORS = {
  WSA_NOT_ENOUGH_MEMORY: 8,
  WSAEACCES: 10013,
  WSAEINVAL: 10022,
  WSAEOPNOTSUPP: 10045,
  WSANOTINITIALISED: 10093,
  WSASERVICE_NOT_FOUND: 10108,
  // WSALookupServiceBegin/Next/End (winerror.h, winsock2.h).
  WSA_INVALID_HANDLE: 6,
  WSAEFAULT: 10014,
  WSAENOMORE: 10102,
  WSA_E_NO_MORE: 10110,
  WSA_E_CANCELLED: 10111,
} as const;
/** The name of a Winsock error rnrkit reports (a key of WSA_ERRORS). */
export type WsaErrorName = keyof typeof WSA_ERRORS;
export const { WSA_NOT_ENOUGH_MEMORY, WSAEACCES, WSAEINVAL, WSAEOPNOTSUPP, WSANOTINITIALISED, WSASERVICE_NOT_FOUND } =
  WSA_ERRORS;
export const { WSA_INVALID_HANDLE, WSAEFAULT, WSAENOMORE, WSA_E_NO_MORE, WSA_E_CANCELLED } = WSA_ERRORS;
export const SOCKET_ERROR = -1;
export const NO_ERROR = 0;

/** Address families. AF_IPX is AF_NS in the header; AF_NETBIOS 17 is NetBIOS. */
export const AF = {
  AF_UNSPEC: 0,
  AF_INET: 2,
  AF_IPX: 6,
  AF_NETBIOS: 17,
  AF_INET6: 23,
  AF_IRDA: 26,
  AF_BTH: 32,
} as const;
export const { AF_UNSPEC, AF_INET, AF_IPX, AF_NETBIOS, AF_INET6, AF_IRDA, AF_BTH } = AF;

export const SOCK = {
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_RAW: 3,
  SOCK_RDM: 4,
  SOCK_SEQPACKET: 5,
} as const;
export const { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET } = SOCK;

export const PROTO = {
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
  NSPROTO_IPX: 1000,
  NSPROTO_SPX: 1256,
  NSPROTO_SPXII: 1257,
  BTHPROTO_RFCOMM: 0x0003,
  BTHPROTO_L2CAP: 0x0100,
} as const;
export const { IPPROTO_TCP, IPPROTO_UDP, NSPROTO_IPX, NSPROTO_SPX, NSPROTO_SPXII, BTHPROTO_RFCOMM, BTHPROTO_L2CAP } =
  PROTO;

/** FROM_PROTOCOL_INFO (winsock2.h): "take it from the protocol info", -1. */
export const FROM_PROTOCOL_INFO = -1;

/**
 * IPROTOCOL_ANY: the NSPSetService documentation lets CSADDR_INFO.iProtocol
 * hold it as a wildcard for the provider to substitute, but no public header
 * defines it. rnrkit chooses -1, the value of the analogous wildcard
 * FROM_PROTOCOL_INFO; no real protocol number is negative, so it cannot
 * collide with one.
 */
export const IPROTOCOL_ANY = -1;

/**
 * dwControlFlags of WSALookupServiceBegin/Next, as winsock2.h defines them.
 * The WSALookupServiceBegin page's table swaps the values of
 * LUP_FLUSHCACHE and LUP_FLUSHPREVIOUS; the header (and so the ABI) has
 * LUP_FLUSHCACHE 0x1000 and LUP_FLUSHPREVIOUS 0x2000, which the Wine test
 * of the lookup buffers checks against the mingw-w64 header.
 */
export const LUP = {
  LUP_DEEP: 0x0001,
  LUP_CONTAINERS: 0x0002,
  LUP_NOCONTAINERS: 0x0004,
  LUP_NEAREST: 0x0008,
  LUP_RETURN_NAME: 0x0010,
  LUP_RETURN_TYPE: 0x0020,
  LUP_RETURN_VERSION: 0x0040,
  LUP_RETURN_COMMENT: 0x0080,
  LUP_RETURN_ADDR: 0x0100,
  LUP_RETURN_BLOB: 0x0200,
  LUP_RETURN_ALIASES: 0x0400,
  LUP_RETURN_QUERY_STRING: 0x0800,
  LUP_RETURN_ALL: 0x0ff0,
  LUP_FLUSHCACHE: 0x1000,
  LUP_FLUSHPREVIOUS: 0x2000,
  LUP_RES_SERVICE: 0x8000,
} as const;

/** WSAECOMPARATOR. */
export const COMP_EQUAL = 0;
export const COMP_NOTLESS = 1;

/** dwOutputFlags bits (winsock2.h). */
export const RESULT_FLAGS = {
  RESULT_IS_ALIAS: 0x0001,
  RESULT_IS_ADDED: 0x0010,
  RESULT_IS_CHANGED: 0x0020,
  RESULT_IS_DELETED: 0x0040,
} as const;
export const { RESULT_IS_ALIAS, RESULT_IS_ADDED, RESULT_IS_CHANGED, RESULT_IS_DELETED } = RESULT_FLAGS;

/**
 * GUIDs the public headers define, in the canonical JSON form (upper case,
 * braces): ws2bth.h, mswsock.h, svcguid.h.
 */
export const GUIDS = {
  SVCID_BTH_PROVIDER: '{06AA63E0-7D60-41FF-AFB2-3EE6D2D9392D}',
  NLA_NAMESPACE_GUID: '{6642243A-3BA8-4AA6-BAA5-2E0BD71FDD83}',
  NLA_SERVICE_CLASS_GUID: '{0037E515-B5C9-4A43-BADA-8B48A87AD239}',
  SVCID_HOSTNAME: '{0002A800-0000-0000-C000-000000000046}',
  SVCID_INET_HOSTADDRBYINETSTRING: '{0002A801-0000-0000-C000-000000000046}',
  SVCID_INET_SERVICEBYNAME: '{0002A802-0000-0000-C000-000000000046}',
  SVCID_INET_HOSTADDRBYNAME: '{0002A803-0000-0000-C000-000000000046}',
} as const;

/**
 * svcguid.h's SVCID_TCP(port), SVCID_UDP(port) and SVCID_NETWARE(sapId):
 * the service class of a well-known port or SAP type.
 */
/** SVCID_TCP(port): the service class of a well-known TCP port. */
export function svcidTcp(port: number): string {
  return wellKnownGuid(0x0009, port);
}
/** SVCID_UDP(port): the service class of a well-known UDP port. */
export function svcidUdp(port: number): string {
  return wellKnownGuid(0x000a, port);
}
/** SVCID_NETWARE(sapId): the service class of a SAP (NetWare) service type. */
export function svcidNetware(sapId: number): string {
  return wellKnownGuid(0x000b, sapId);
}
function wellKnownGuid(kind: number, low: number): string {
  if (!Number.isInteger(low) || low < 0 || low > 0xffff)
    throw new RangeError(`port or SAP id ${low} is not a 16-bit value`);
  const data1 = ((kind << 16) | low) >>> 0;
  return `{${data1.toString(16).toUpperCase().padStart(8, '0')}-0000-0000-C000-000000000046}`;
}
