/*
 * The Winsock RnR structs for a 64-bit Linux (LP64) compiler, written the
 * way the Windows x64 (LLP64) headers declare them: Windows' 32-bit
 * DWORD/ULONG/INT become uint32_t/int32_t (a Linux `long` would be 64 bits),
 * WCHAR is a 16-bit code unit, pointers are 8 bytes on both. With natural
 * alignment on both sides the layouts are then identical, which
 * rnr_layout_json() lets the test check against the mingw-w64 x64 probe
 * (fixtures/abi/x64.json) before trusting any walk.
 */
#ifndef RNRKIT_FFI_WIN_TYPES_H
#define RNRKIT_FFI_WIN_TYPES_H

#include <stdint.h>

typedef uint32_t DWORD;
typedef uint32_t ULONG;
typedef int32_t INT;
typedef uint16_t USHORT;
typedef uint8_t BYTE;
typedef char CHAR;
typedef uint16_t WCHAR;

typedef struct _GUID {
  ULONG Data1;
  USHORT Data2;
  USHORT Data3;
  BYTE Data4[8];
} GUID;

/* An enum is a 4-byte int in both ABIs. */
typedef enum _WSAEcomparator { COMP_EQUAL = 0, COMP_NOTLESS } WSAECOMPARATOR;

typedef struct _WSAVersion {
  DWORD dwVersion;
  WSAECOMPARATOR ecHow;
} WSAVERSION;

typedef struct _AFPROTOCOLS {
  INT iAddressFamily;
  INT iProtocol;
} AFPROTOCOLS;

/* Only ever reached through a pointer and a byte length. */
typedef struct SOCKADDR SOCKADDR;

typedef struct _SOCKET_ADDRESS {
  SOCKADDR *lpSockaddr;
  INT iSockaddrLength;
} SOCKET_ADDRESS;

typedef struct _CSADDR_INFO {
  SOCKET_ADDRESS LocalAddr;
  SOCKET_ADDRESS RemoteAddr;
  INT iSocketType;
  INT iProtocol;
} CSADDR_INFO;

typedef struct _BLOB {
  ULONG cbSize;
  BYTE *pBlobData;
} BLOB;

#define RNR_QUERY_SET_MEMBERS(STRING) \
  DWORD dwSize; \
  STRING lpszServiceInstanceName; \
  GUID *lpServiceClassId; \
  WSAVERSION *lpVersion; \
  STRING lpszComment; \
  DWORD dwNameSpace; \
  GUID *lpNSProviderId; \
  STRING lpszContext; \
  DWORD dwNumberOfProtocols; \
  AFPROTOCOLS *lpafpProtocols; \
  STRING lpszQueryString; \
  DWORD dwNumberOfCsAddrs; \
  CSADDR_INFO *lpcsaBuffer; \
  DWORD dwOutputFlags; \
  BLOB *lpBlob;

typedef struct _WSAQuerySetW { RNR_QUERY_SET_MEMBERS(WCHAR *) } WSAQUERYSETW;
typedef struct _WSAQuerySetA { RNR_QUERY_SET_MEMBERS(CHAR *) } WSAQUERYSETA;

#endif
