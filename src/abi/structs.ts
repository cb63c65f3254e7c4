import type { AggregateDef } from './types.js';

/**
 * The RnR structures, member by member, as the Windows headers declare them
 * (mingw-w64 spelling where the SDK and mingw agree; the header is noted).
 * Offsets are never written here: `layout.ts` derives them by the MSVC rules
 * and `test/abi/ground-truth.test.ts` proves them against the compilers.
 */
export const AGGREGATES: readonly AggregateDef[] = [
  {
    name: 'GUID',
    kind: 'struct',
    header: 'guiddef.h',
    fields: [
      { name: 'Data1', type: 'ULONG' },
      { name: 'Data2', type: 'USHORT' },
      { name: 'Data3', type: 'USHORT' },
      { name: 'Data4', type: 'UCHAR[8]' },
    ],
  },
  {
    name: 'WSAVERSION',
    kind: 'struct',
    header: 'winsock2.h',
    fields: [
      { name: 'dwVersion', type: 'DWORD' },
      { name: 'ecHow', type: 'WSAECOMPARATOR' },
    ],
  },
  {
    name: 'AFPROTOCOLS',
    kind: 'struct',
    header: 'winsock2.h',
    fields: [
      { name: 'iAddressFamily', type: 'INT' },
      { name: 'iProtocol', type: 'INT' },
    ],
  },
  {
    name: 'BLOB',
    kind: 'struct',
    header: 'nspapi.h',
    fields: [
      { name: 'cbSize', type: 'ULONG' },
      { name: 'pBlobData', type: 'BYTE*', bytes: 'cbSize' },
    ],
  },
  {
    name: 'SOCKADDR',
    kind: 'struct',
    header: 'winsock2.h',
    fields: [
      { name: 'sa_family', type: 'u_short' },
      { name: 'sa_data', type: 'char[14]' },
    ],
  },
  {
    // struct in_addr: the S_un union of byte, word and long views.
    name: 'IN_ADDR',
    kind: 'struct',
    header: 'inaddr.h',
    fields: [{ name: 'S_un', type: 'IN_ADDR_S_un' }],
  },
  {
    name: 'IN_ADDR_S_un',
    kind: 'union',
    header: 'inaddr.h',
    fields: [
      { name: 'S_un_b', type: 'IN_ADDR_S_un_b' },
      { name: 'S_un_w', type: 'IN_ADDR_S_un_w' },
      { name: 'S_addr', type: 'u_long' },
    ],
  },
  {
    name: 'IN_ADDR_S_un_b',
    kind: 'struct',
    header: 'inaddr.h',
    fields: [
      { name: 's_b1', type: 'u_char' },
      { name: 's_b2', type: 'u_char' },
      { name: 's_b3', type: 'u_char' },
      { name: 's_b4', type: 'u_char' },
    ],
  },
  {
    name: 'IN_ADDR_S_un_w',
    kind: 'struct',
    header: 'inaddr.h',
    fields: [
      { name: 's_w1', type: 'u_short' },
      { name: 's_w2', type: 'u_short' },
    ],
  },
  {
    name: 'SOCKADDR_IN',
    kind: 'struct',
    header: 'winsock2.h',
    fields: [
      { name: 'sin_family', type: 'short' },
      { name: 'sin_port', type: 'u_short' },
      { name: 'sin_addr', type: 'IN_ADDR' },
      { name: 'sin_zero', type: 'char[8]' },
    ],
  },
  {
    name: 'IN6_ADDR',
    kind: 'struct',
    header: 'in6addr.h',
    fields: [{ name: 'u', type: 'IN6_ADDR_u' }],
  },
  {
    name: 'IN6_ADDR_u',
    kind: 'union',
    header: 'in6addr.h',
    fields: [
      { name: 'Byte', type: 'u_char[16]' },
      { name: 'Word', type: 'u_short[8]' },
    ],
  },
  {
    // ULONG Zone:28 and Level:4 share the one ULONG that Value names.
    name: 'SCOPE_ID',
    kind: 'struct',
    header: 'ws2def.h',
    fields: [
      {
        anonymous: 'union',
        fields: [
          {
            anonymous: 'struct',
            fields: [
              { name: 'Zone', type: 'ULONG', bits: 28 },
              { name: 'Level', type: 'ULONG', bits: 4 },
            ],
          },
          { name: 'Value', type: 'ULONG' },
        ],
      },
    ],
  },
  {
    name: 'SOCKADDR_IN6',
    kind: 'struct',
    header: 'ws2ipdef.h',
    fields: [
      { name: 'sin6_family', type: 'short' },
      { name: 'sin6_port', type: 'u_short' },
      { name: 'sin6_flowinfo', type: 'u_long' },
      { name: 'sin6_addr', type: 'IN6_ADDR' },
      {
        anonymous: 'union',
        fields: [
          { name: 'sin6_scope_id', type: 'u_long' },
          { name: 'sin6_scope_struct', type: 'SCOPE_ID' },
        ],
      },
    ],
  },
  {
    name: 'SOCKADDR_STORAGE',
    kind: 'struct',
    header: 'winsock2.h',
    fields: [
      { name: 'ss_family', type: 'short' },
      { name: '__ss_pad1', type: 'char[6]' },
      { name: '__ss_align', type: '__int64' },
      { name: '__ss_pad2', type: 'char[112]' },
    ],
  },
  {
    name: 'SOCKADDR_IPX',
    kind: 'struct',
    header: 'wsipx.h',
    fields: [
      { name: 'sa_family', type: 'short' },
      { name: 'sa_netnum', type: 'char[4]' },
      { name: 'sa_nodenum', type: 'char[6]' },
      { name: 'sa_socket', type: 'unsigned short' },
    ],
  },
  {
    name: 'SOCKADDR_BTH',
    kind: 'struct',
    header: 'ws2bth.h',
    pack: 1,
    fields: [
      { name: 'addressFamily', type: 'USHORT' },
      { name: 'btAddr', type: 'BTH_ADDR' },
      { name: 'serviceClassId', type: 'GUID' },
      { name: 'port', type: 'ULONG' },
    ],
  },
  {
    name: 'SOCKET_ADDRESS',
    kind: 'struct',
    header: 'nspapi.h',
    fields: [
      { name: 'lpSockaddr', type: 'LPSOCKADDR', bytes: 'iSockaddrLength' },
      { name: 'iSockaddrLength', type: 'INT' },
    ],
  },
  {
    name: 'CSADDR_INFO',
    kind: 'struct',
    header: 'nspapi.h',
    fields: [
      { name: 'LocalAddr', type: 'SOCKET_ADDRESS' },
      { name: 'RemoteAddr', type: 'SOCKET_ADDRESS' },
      { name: 'iSocketType', type: 'INT' },
      { name: 'iProtocol', type: 'INT' },
    ],
  },
  querySet('WSAQUERYSETW', 'LPWSTR'),
  querySet('WSAQUERYSETA', 'LPSTR'),
  nsClassInfo('WSANSCLASSINFOW', 'LPWSTR'),
  nsClassInfo('WSANSCLASSINFOA', 'LPSTR'),
  serviceClassInfo('WSASERVICECLASSINFOW', 'LPWSTR', 'LPWSANSCLASSINFOW'),
  serviceClassInfo('WSASERVICECLASSINFOA', 'LPSTR', 'LPWSANSCLASSINFOA'),
  {
    // The Bluetooth SDP record travels inline after the header (pRecord[1]
    // is a flexible array of ulRecordLength bytes): the struct is a prefix.
    name: 'BTH_SET_SERVICE',
    kind: 'struct',
    header: 'ws2bth.h',
    pack: 1,
    fields: [
      { name: 'pSdpVersion', type: 'PULONG' },
      { name: 'pRecordHandle', type: 'HANDLE*' },
      { name: 'fCodService', type: 'ULONG' },
      { name: 'Reserved', type: 'ULONG[5]' },
      { name: 'ulRecordLength', type: 'ULONG' },
      { name: 'pRecord', type: 'UCHAR[1]', bytes: 'ulRecordLength' },
    ],
  },
];

// The W and A variants differ only in the string typedef; one definition
// each keeps them from drifting apart.
function querySet(name: string, str: 'LPWSTR' | 'LPSTR'): AggregateDef {
  return {
    name,
    kind: 'struct',
    header: 'winsock2.h',
    fields: [
      { name: 'dwSize', type: 'DWORD' },
      { name: 'lpszServiceInstanceName', type: str },
      { name: 'lpServiceClassId', type: 'LPGUID' },
      { name: 'lpVersion', type: 'LPWSAVERSION' },
      { name: 'lpszComment', type: str },
      { name: 'dwNameSpace', type: 'DWORD' },
      { name: 'lpNSProviderId', type: 'LPGUID' },
      { name: 'lpszContext', type: str },
      { name: 'dwNumberOfProtocols', type: 'DWORD' },
      { name: 'lpafpProtocols', type: 'LPAFPROTOCOLS', count: 'dwNumberOfProtocols' },
      { name: 'lpszQueryString', type: str },
      { name: 'dwNumberOfCsAddrs', type: 'DWORD' },
      { name: 'lpcsaBuffer', type: 'LPCSADDR_INFO', count: 'dwNumberOfCsAddrs' },
      { name: 'dwOutputFlags', type: 'DWORD' },
      { name: 'lpBlob', type: 'LPBLOB' },
    ],
  };
}

function nsClassInfo(name: string, str: 'LPWSTR' | 'LPSTR'): AggregateDef {
  return {
    name,
    kind: 'struct',
    header: 'winsock2.h',
    fields: [
      { name: 'lpszName', type: str },
      { name: 'dwNameSpace', type: 'DWORD' },
      { name: 'dwValueType', type: 'DWORD' },
      { name: 'dwValueSize', type: 'DWORD' },
      { name: 'lpValue', type: 'LPVOID', bytes: 'dwValueSize' },
    ],
  };
}

function serviceClassInfo(name: string, str: 'LPWSTR' | 'LPSTR', infos: string): AggregateDef {
  return {
    name,
    kind: 'struct',
    header: 'winsock2.h',
    fields: [
      { name: 'lpServiceClassId', type: 'LPGUID' },
      { name: 'lpszServiceClassName', type: str },
      { name: 'dwCount', type: 'DWORD' },
      { name: 'lpClassInfos', type: infos, count: 'dwCount' },
    ],
  };
}

/** The structures rnrkit documents and proves (helper unions are internal). */
export const PUBLIC_STRUCTS: readonly string[] = [
  'GUID',
  'WSAVERSION',
  'AFPROTOCOLS',
  'BLOB',
  'SOCKADDR',
  'IN_ADDR',
  'SOCKADDR_IN',
  'IN6_ADDR',
  'SCOPE_ID',
  'SOCKADDR_IN6',
  'SOCKADDR_STORAGE',
  'SOCKADDR_IPX',
  'SOCKADDR_BTH',
  'SOCKET_ADDRESS',
  'CSADDR_INFO',
  'WSAQUERYSETW',
  'WSAQUERYSETA',
  'WSANSCLASSINFOW',
  'WSANSCLASSINFOA',
  'WSASERVICECLASSINFOW',
  'WSASERVICECLASSINFOA',
  'BTH_SET_SERVICE',
];
