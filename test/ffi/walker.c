/*
 * Built with the host cc at test time (test/ffi/walker.test.ts) and loaded
 * with koffi: walks a query set that rnrkit encoded into a Node Buffer,
 * following every pointer as a C caller of WSASetServiceW would, and
 * reports what it saw as canonical JSON (the same printer that made the
 * fixture expectations under Wine, now over Linux definitions of the
 * structs).
 */
#include <stddef.h>
#include <stdint.h>
#include "win-types.h"
#include "walk_json.h"

/*
 * The query set is passed as its address (what rnrkit encoded the pointers
 * against), not as a Buffer koffi might marshal: the walk reads exactly the
 * memory at that address. Returns the length of the whole JSON, which is
 * more than cap when it did not fit.
 */
size_t rnr_walk_query_set(uint64_t address, int wide, char *out, size_t cap) {
  struct rnr_out o = { out, cap, 0, 0, 0, NULL };
  if (wide) rnr_query_set_w_json(&o, (const WSAQUERYSETW *)(uintptr_t)address);
  else rnr_query_set_a_json(&o, (const WSAQUERYSETA *)(uintptr_t)address);
  return o.total;
}

/* What a `void *` parameter receives when koffi is handed a Buffer (the README recipe passes one to WSASetServiceW). */
uint64_t rnr_address_of(const void *p) {
  return (uint64_t)(uintptr_t)p;
}

#define STRUCT_BEGIN(T) rnr_puts(&o, first ? "\"" #T "\":{\"size\":" : ",\"" #T "\":{\"size\":"); rnr_u32(&o, sizeof(T)); rnr_puts(&o, ",\"members\":{"); first = 0; member_first = 1
#define MEMBER(T, m) rnr_puts(&o, member_first ? "\"" #m "\":" : ",\"" #m "\":"); rnr_u32(&o, offsetof(T, m)); member_first = 0
#define STRUCT_END() rnr_puts(&o, "}}")

/* This compiler's sizes and member offsets, to compare with the mingw-w64 x64 ground truth. */
size_t rnr_layout_json(char *out, size_t cap) {
  struct rnr_out o = { out, cap, 0, 0, 0, NULL };
  int first = 1, member_first;
  rnr_put(&o, '{');
  STRUCT_BEGIN(GUID); MEMBER(GUID, Data1); MEMBER(GUID, Data2); MEMBER(GUID, Data3); MEMBER(GUID, Data4); STRUCT_END();
  STRUCT_BEGIN(WSAVERSION); MEMBER(WSAVERSION, dwVersion); MEMBER(WSAVERSION, ecHow); STRUCT_END();
  STRUCT_BEGIN(AFPROTOCOLS); MEMBER(AFPROTOCOLS, iAddressFamily); MEMBER(AFPROTOCOLS, iProtocol); STRUCT_END();
  STRUCT_BEGIN(SOCKET_ADDRESS); MEMBER(SOCKET_ADDRESS, lpSockaddr); MEMBER(SOCKET_ADDRESS, iSockaddrLength); STRUCT_END();
  STRUCT_BEGIN(CSADDR_INFO); MEMBER(CSADDR_INFO, LocalAddr); MEMBER(CSADDR_INFO, RemoteAddr); MEMBER(CSADDR_INFO, iSocketType); MEMBER(CSADDR_INFO, iProtocol); STRUCT_END();
  STRUCT_BEGIN(BLOB); MEMBER(BLOB, cbSize); MEMBER(BLOB, pBlobData); STRUCT_END();
#define QUERY_SET_LAYOUT(T) \
  STRUCT_BEGIN(T); \
  MEMBER(T, dwSize); MEMBER(T, lpszServiceInstanceName); MEMBER(T, lpServiceClassId); MEMBER(T, lpVersion); \
  MEMBER(T, lpszComment); MEMBER(T, dwNameSpace); MEMBER(T, lpNSProviderId); MEMBER(T, lpszContext); \
  MEMBER(T, dwNumberOfProtocols); MEMBER(T, lpafpProtocols); MEMBER(T, lpszQueryString); MEMBER(T, dwNumberOfCsAddrs); \
  MEMBER(T, lpcsaBuffer); MEMBER(T, dwOutputFlags); MEMBER(T, lpBlob); STRUCT_END()
  QUERY_SET_LAYOUT(WSAQUERYSETW);
  QUERY_SET_LAYOUT(WSAQUERYSETA);
  rnr_put(&o, '}');
  return o.total;
}
