/*
 * WSAQUERYSETW sets on the C heap with one pointer that must not be read:
 * into a page with no access, into a page that was unmapped again, or a
 * string that runs up to a no-access page without its NUL. Decoding them
 * through live memory must give an rnrkit error naming the member and the
 * address; a read would end the process.
 *
 * The includer provides RNR_HEAP_ALLOC(size) and three page helpers:
 * rnr_page_no_access() (one page, mapped with no access), rnr_page_gone()
 * (a page that was mapped and is no longer), rnr_page_before_no_access()
 * (a readable page followed by a no-access one); and RNR_PAGE_SIZE.
 */
#ifndef RNRKIT_BAD_SETS_H
#define RNRKIT_BAD_SETS_H

enum rnr_bad_kind {
  RNR_BAD_SET_NO_ACCESS = 0,     /* the query set itself */
  RNR_BAD_SOCKADDR_NO_ACCESS,    /* lpcsaBuffer[1].RemoteAddr.lpSockaddr */
  RNR_BAD_CSADDRS_GONE,          /* lpcsaBuffer */
  RNR_BAD_NAME_UNTERMINATED,     /* lpszServiceInstanceName */
  RNR_BAD_BLOB_DATA_GONE,        /* lpBlob.pBlobData */
  RNR_BAD_CLASS_ID_NO_ACCESS,    /* lpServiceClassId */
  RNR_BAD_KIND_COUNT
};

static SOCKADDR *rnr_bad_sockaddr_in(void) {
  /* AF_INET 192.0.2.1:80 */
  static const unsigned char sin[16] = { 2, 0, 0, 80, 192, 0, 2, 1 };
  unsigned char *to = (unsigned char *)RNR_HEAP_ALLOC(sizeof sin);
  for (size_t i = 0; i < sizeof sin; i++) to[i] = sin[i];
  return (SOCKADDR *)to;
}

static WSAQUERYSETW *rnr_make_bad_set(int kind) {
  if (kind == RNR_BAD_SET_NO_ACCESS) return (WSAQUERYSETW *)rnr_page_no_access();
  WSAQUERYSETW *qs = (WSAQUERYSETW *)RNR_HEAP_ALLOC(sizeof *qs);
  static const WCHAR name[] = { 'b', 'a', 'd', 0 };
  qs->dwSize = sizeof *qs;
  qs->lpszServiceInstanceName = (WCHAR *)name;
  qs->dwNameSpace = 12; /* NS_DNS */
  CSADDR_INFO *addrs = (CSADDR_INFO *)RNR_HEAP_ALLOC(2 * sizeof *addrs);
  for (int i = 0; i < 2; i++) {
    addrs[i].LocalAddr.lpSockaddr = rnr_bad_sockaddr_in();
    addrs[i].LocalAddr.iSockaddrLength = 16;
    addrs[i].iSocketType = 1;
    addrs[i].iProtocol = 6;
  }
  qs->dwNumberOfCsAddrs = 2;
  qs->lpcsaBuffer = addrs;
  switch (kind) {
    case RNR_BAD_SOCKADDR_NO_ACCESS:
      addrs[1].RemoteAddr.lpSockaddr = (SOCKADDR *)rnr_page_no_access();
      addrs[1].RemoteAddr.iSockaddrLength = 16;
      break;
    case RNR_BAD_CSADDRS_GONE:
      qs->lpcsaBuffer = (CSADDR_INFO *)rnr_page_gone();
      break;
    case RNR_BAD_NAME_UNTERMINATED: {
      /* 'A' up to the last unit of the readable page, then the no-access page. */
      WCHAR *page = (WCHAR *)rnr_page_before_no_access();
      for (size_t i = 0; i < RNR_PAGE_SIZE / sizeof(WCHAR); i++) page[i] = 'A';
      qs->lpszServiceInstanceName = page + RNR_PAGE_SIZE / sizeof(WCHAR) - 100;
      break;
    }
    case RNR_BAD_BLOB_DATA_GONE: {
      BLOB *blob = (BLOB *)RNR_HEAP_ALLOC(sizeof *blob);
      blob->cbSize = 8;
      blob->pBlobData = (BYTE *)rnr_page_gone();
      qs->lpBlob = blob;
      break;
    }
    case RNR_BAD_CLASS_ID_NO_ACCESS:
      qs->lpServiceClassId = (GUID *)((unsigned char *)rnr_page_before_no_access() + RNR_PAGE_SIZE - 8);
      break;
  }
  return qs;
}

#endif
