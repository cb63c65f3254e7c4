/**
 * The canonical JSON of a query set (docs/codec.md): C member names in
 * declaration order, NULL pointers as null, counts kept as found. Keys that
 * start with `$` are annotations (addresses, parsed sockaddrs) and appear
 * only when asked for; encode ignores them.
 */

/** SOCKET_ADDRESS: lpSockaddr is lowercase hex of iSockaddrLength bytes, "" for a non-NULL pointer with length 0, or null. */
export interface SocketAddressJson {
  lpSockaddr: string | null;
  iSockaddrLength: number;
  [annotation: `$${string}`]: unknown;
}

/** CSADDR_INFO: a local and a remote address with the socket type and protocol to reach them. */
export interface CsAddrInfoJson {
  LocalAddr: SocketAddressJson;
  RemoteAddr: SocketAddressJson;
  iSocketType: number;
  iProtocol: number;
  [annotation: `$${string}`]: unknown;
}

/** AFPROTOCOLS: an address family and a protocol of it. */
export interface AfProtocolJson {
  iAddressFamily: number;
  iProtocol: number;
}

/** WSAVERSION: a version and how to compare it (COMP_EQUAL or COMP_NOTLESS). */
export interface WsaVersionJson {
  dwVersion: number;
  ecHow: number;
}

/** BLOB: `cbSize` bytes as lowercase hex, or `pBlobData: null`. */
export interface BlobJson {
  cbSize: number;
  pBlobData: string | null;
  [annotation: `$${string}`]: unknown;
}

/**
 * WSAQUERYSETW and WSAQUERYSETA share this form. Strings are the exact
 * UTF-16 code units (W; lone surrogates kept) or the bytes as U+0000–U+00FF
 * (A). GUIDs are `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, upper case.
 */
export interface QuerySetJson {
  dwSize: number;
  lpszServiceInstanceName: string | null;
  lpServiceClassId: string | null;
  lpVersion: WsaVersionJson | null;
  lpszComment: string | null;
  dwNameSpace: number;
  lpNSProviderId: string | null;
  lpszContext: string | null;
  dwNumberOfProtocols: number;
  lpafpProtocols: AfProtocolJson[] | null;
  lpszQueryString: string | null;
  dwNumberOfCsAddrs: number;
  lpcsaBuffer: CsAddrInfoJson[] | null;
  dwOutputFlags: number;
  lpBlob: BlobJson | null;
  [annotation: `$${string}`]: unknown;
}

/** Which form of a struct: W (WCHAR strings, WSAQUERYSETW) or A (ANSI bytes, WSAQUERYSETA). */
export type Charset = 'W' | 'A';

/** The member order of a query set, which canonical JSON keeps. */
export const QUERY_SET_KEYS = [
  'dwSize',
  'lpszServiceInstanceName',
  'lpServiceClassId',
  'lpVersion',
  'lpszComment',
  'dwNameSpace',
  'lpNSProviderId',
  'lpszContext',
  'dwNumberOfProtocols',
  'lpafpProtocols',
  'lpszQueryString',
  'dwNumberOfCsAddrs',
  'lpcsaBuffer',
  'dwOutputFlags',
  'lpBlob',
] as const satisfies readonly (keyof QuerySetJson)[];

/** WSANSCLASSINFOW/A: lpValue is lowercase hex of dwValueSize bytes ("" for a non-NULL pointer with size 0), or null. */
export interface NsClassInfoJson {
  lpszName: string | null;
  dwNameSpace: number;
  dwValueType: number;
  dwValueSize: number;
  lpValue: string | null;
  [annotation: `$${string}`]: unknown;
}

/** WSASERVICECLASSINFOW/A, same conventions as a query set. */
export interface ServiceClassInfoJson {
  lpServiceClassId: string | null;
  lpszServiceClassName: string | null;
  dwCount: number;
  lpClassInfos: NsClassInfoJson[] | null;
  [annotation: `$${string}`]: unknown;
}
