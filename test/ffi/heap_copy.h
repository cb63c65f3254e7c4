/*
 * A query set rebuilt on the C heap, one allocation per piece, the way a
 * program calling WSASetService builds one (and the way the dump target,
 * fixtures/dumps/target.c, does): nothing of it lies where rnrkit encoded
 * it, so decoding the copy through live memory follows pointers C chose.
 *
 * The includer provides the struct types (WSAQUERYSETW/A and what they
 * hold) and RNR_HEAP_ALLOC(size), returning zeroed memory or NULL. Used by
 * test/ffi (Linux, malloc) and test/windows (a mingw-w64 DLL, HeapAlloc).
 */
#ifndef RNRKIT_HEAP_COPY_H
#define RNRKIT_HEAP_COPY_H

#include <stddef.h>

/* A copy of n bytes (at least one byte is allocated, so a non-NULL pointer to nothing stays non-NULL). */
static void *rnr_heap_dup(const void *from, size_t n) {
  if (!from) return NULL;
  unsigned char *to = (unsigned char *)RNR_HEAP_ALLOC(n ? n : 1);
  if (!to) return NULL;
  for (size_t i = 0; i < n; i++) to[i] = ((const unsigned char *)from)[i];
  return to;
}

static const void *rnr_heap_string(const void *s, size_t unit) {
  if (!s) return NULL;
  size_t n = 0;
  if (unit == 2) while (((const WCHAR *)s)[n]) n++;
  else while (((const char *)s)[n]) n++;
  return rnr_heap_dup(s, (n + 1) * unit);
}

static SOCKADDR *rnr_heap_sockaddr(const SOCKADDR *sa, int length) {
  return (SOCKADDR *)rnr_heap_dup(sa, length > 0 ? (size_t)length : 0);
}

/*
 * Counts are copied as given; an array is copied only where its pointer is
 * not NULL (a count with a NULL array stays that way: the fixtures have one).
 */
#define RNR_DEFINE_HEAP_COPY(NAME, QS, STRING, UNIT) \
  static QS *NAME(const QS *from) { \
    QS *to = (QS *)rnr_heap_dup(from, sizeof *from); \
    if (!to) return NULL; \
    to->lpszServiceInstanceName = (STRING)rnr_heap_string(from->lpszServiceInstanceName, UNIT); \
    to->lpServiceClassId = (GUID *)rnr_heap_dup(from->lpServiceClassId, sizeof(GUID)); \
    to->lpVersion = (WSAVERSION *)rnr_heap_dup(from->lpVersion, sizeof(WSAVERSION)); \
    to->lpszComment = (STRING)rnr_heap_string(from->lpszComment, UNIT); \
    to->lpNSProviderId = (GUID *)rnr_heap_dup(from->lpNSProviderId, sizeof(GUID)); \
    to->lpszContext = (STRING)rnr_heap_string(from->lpszContext, UNIT); \
    to->lpafpProtocols = (AFPROTOCOLS *)rnr_heap_dup(from->lpafpProtocols, from->dwNumberOfProtocols * sizeof(AFPROTOCOLS)); \
    to->lpszQueryString = (STRING)rnr_heap_string(from->lpszQueryString, UNIT); \
    to->lpcsaBuffer = (CSADDR_INFO *)rnr_heap_dup(from->lpcsaBuffer, from->dwNumberOfCsAddrs * sizeof(CSADDR_INFO)); \
    if (to->lpcsaBuffer) { \
      for (DWORD i = 0; i < from->dwNumberOfCsAddrs; i++) { \
        const CSADDR_INFO *a = &from->lpcsaBuffer[i]; \
        to->lpcsaBuffer[i].LocalAddr.lpSockaddr = rnr_heap_sockaddr(a->LocalAddr.lpSockaddr, a->LocalAddr.iSockaddrLength); \
        to->lpcsaBuffer[i].RemoteAddr.lpSockaddr = rnr_heap_sockaddr(a->RemoteAddr.lpSockaddr, a->RemoteAddr.iSockaddrLength); \
      } \
    } \
    to->lpBlob = (BLOB *)rnr_heap_dup(from->lpBlob, sizeof(BLOB)); \
    if (to->lpBlob) to->lpBlob->pBlobData = (BYTE *)rnr_heap_dup(from->lpBlob->pBlobData, from->lpBlob->cbSize); \
    return to; \
  }

RNR_DEFINE_HEAP_COPY(rnr_heap_copy_w, WSAQUERYSETW, WCHAR *, 2)
RNR_DEFINE_HEAP_COPY(rnr_heap_copy_a, WSAQUERYSETA, CHAR *, 1)

#endif
