/*
 * Walks WSALookupServiceNext results that rnrkit wrote into a caller's
 * buffer, as a Windows program holding that buffer would. Built with
 * mingw-w64 at test time (test/service/lookup-wine.test.ts) for x64 and x86
 * and run under Wine. For each case it maps the buffer's pages at the very
 * address rnrkit wrote it for, loads the bytes there, then:
 *   - prints the result's canonical JSON by following its real pointers
 *     (fixtures/codec/src/walk_json.h, the printer the codec fixtures use);
 *   - checks that every pointer, and everything it points to, lies inside
 *     [buffer, buffer + length).
 * A Windows process under Wine cannot write to a pipe, so everything goes
 * to files: usage `walker CASES OUT` where each line of CASES is
 *   <W|A> <address hex> <length> <bytes file>
 * and OUT gets one line per case: {"json":…,"inside":"ok"|"<member>"} or
 * {"error":"…"}; then one line with the header constants the test compares
 * with rnrkit's.
 */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdint.h>
#include "walk_json.h"

static FILE *out_file;
static char out_buffer[4096];

static void flush_file(struct rnr_out *o) {
  if (o->len) fwrite(o->buf, 1, o->len, out_file);
  o->len = 0;
}

static uintptr_t lo, hi;

static int inside(const void *p, size_t n) {
  uintptr_t a = (uintptr_t)p;
  return a >= lo && a <= hi && n <= hi - a;
}

static size_t wlen(const WCHAR *s) { size_t n = 0; while (inside(s + n, sizeof(WCHAR)) && s[n]) n++; return (n + 1) * sizeof(WCHAR); }
static size_t alen(const char *s) { size_t n = 0; while (inside(s + n, 1) && s[n]) n++; return n + 1; }

/* The first member whose pointer or pointee leaves the buffer, or NULL. */
static const char *outside(const struct rnr_query_set_view *q, int wide) {
#define STR(member) if (q->member && !inside(q->member, wide ? wlen(q->member) : alen(q->member))) return #member
  STR(lpszServiceInstanceName);
  if (q->lpServiceClassId && !inside(q->lpServiceClassId, sizeof(GUID))) return "lpServiceClassId";
  if (q->lpVersion && !inside(q->lpVersion, sizeof(WSAVERSION))) return "lpVersion";
  STR(lpszComment);
  if (q->lpNSProviderId && !inside(q->lpNSProviderId, sizeof(GUID))) return "lpNSProviderId";
  STR(lpszContext);
  if (q->lpafpProtocols && !inside(q->lpafpProtocols, (size_t)q->dwNumberOfProtocols * sizeof(AFPROTOCOLS))) return "lpafpProtocols";
  STR(lpszQueryString);
  if (q->lpcsaBuffer) {
    if (!inside(q->lpcsaBuffer, (size_t)q->dwNumberOfCsAddrs * sizeof(CSADDR_INFO))) return "lpcsaBuffer";
    for (uint32_t i = 0; i < q->dwNumberOfCsAddrs; i++) {
      const CSADDR_INFO *c = &q->lpcsaBuffer[i];
      if (c->LocalAddr.lpSockaddr && !inside(c->LocalAddr.lpSockaddr, (size_t)c->LocalAddr.iSockaddrLength)) return "lpcsaBuffer[].LocalAddr";
      if (c->RemoteAddr.lpSockaddr && !inside(c->RemoteAddr.lpSockaddr, (size_t)c->RemoteAddr.iSockaddrLength)) return "lpcsaBuffer[].RemoteAddr";
    }
  }
  if (q->lpBlob) {
    if (!inside(q->lpBlob, sizeof(BLOB))) return "lpBlob";
    if (q->lpBlob->pBlobData && !inside(q->lpBlob->pBlobData, q->lpBlob->cbSize)) return "lpBlob.pBlobData";
  }
  return NULL;
#undef STR
}

static void constant(struct rnr_out *o, const char *name, long value, int first) {
  rnr_puts(o, first ? "{\"" : ",\""); rnr_puts(o, name); rnr_puts(o, "\":"); rnr_i32(o, (int32_t)value);
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  FILE *cases = fopen(argv[1], "r");
  out_file = fopen(argv[2], "wb");
  if (!cases || !out_file) return 3;
  struct rnr_out o = { out_buffer, sizeof out_buffer, 0, 0, 0, flush_file };
  char charset;
  unsigned long long address;
  unsigned long length;
  char path[1024];
  while (fscanf(cases, " %c %llx %lu %1023s", &charset, &address, &length, path) == 4) {
    uintptr_t base = (uintptr_t)address & ~(uintptr_t)0xffff;
    size_t span = ((uintptr_t)address + length - base + 0xffff) & ~(size_t)0xffff;
    void *mapped = VirtualAlloc((void *)base, span, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (mapped != (void *)base) { rnr_puts(&o, "{\"error\":\"VirtualAlloc at the buffer's address failed\"}\n"); continue; }
    FILE *bytes = fopen(path, "rb");
    size_t read = bytes ? fread((void *)(uintptr_t)address, 1, length, bytes) : 0;
    if (bytes) fclose(bytes);
    if (read != length) { rnr_puts(&o, "{\"error\":\"short read\"}\n"); VirtualFree(mapped, 0, MEM_RELEASE); continue; }
    lo = (uintptr_t)address;
    hi = lo + length;
    const struct rnr_query_set_view view_w = RNR_QUERY_SET_VIEW((const WSAQUERYSETW *)(uintptr_t)address);
    const struct rnr_query_set_view view_a = RNR_QUERY_SET_VIEW((const WSAQUERYSETA *)(uintptr_t)address);
    const int wide = charset == 'W';
    const char *bad = outside(wide ? &view_w : &view_a, wide);
    rnr_puts(&o, "{\"inside\":\""); rnr_puts(&o, bad ? bad : "ok"); rnr_puts(&o, "\",\"json\":");
    /* Walk only what is inside: a pointer out of the buffer is the finding, not a crash. */
    if (bad) rnr_puts(&o, "null");
    else if (wide) rnr_query_set_w_json(&o, (const WSAQUERYSETW *)(uintptr_t)address);
    else rnr_query_set_a_json(&o, (const WSAQUERYSETA *)(uintptr_t)address);
    rnr_puts(&o, "}\n");
    VirtualFree(mapped, 0, MEM_RELEASE);
  }
  constant(&o, "LUP_DEEP", LUP_DEEP, 1);
  constant(&o, "LUP_CONTAINERS", LUP_CONTAINERS, 0);
  constant(&o, "LUP_NOCONTAINERS", LUP_NOCONTAINERS, 0);
  constant(&o, "LUP_NEAREST", LUP_NEAREST, 0);
  constant(&o, "LUP_RETURN_NAME", LUP_RETURN_NAME, 0);
  constant(&o, "LUP_RETURN_TYPE", LUP_RETURN_TYPE, 0);
  constant(&o, "LUP_RETURN_VERSION", LUP_RETURN_VERSION, 0);
  constant(&o, "LUP_RETURN_COMMENT", LUP_RETURN_COMMENT, 0);
  constant(&o, "LUP_RETURN_ADDR", LUP_RETURN_ADDR, 0);
  constant(&o, "LUP_RETURN_BLOB", LUP_RETURN_BLOB, 0);
  constant(&o, "LUP_RETURN_ALIASES", LUP_RETURN_ALIASES, 0);
  constant(&o, "LUP_RETURN_QUERY_STRING", LUP_RETURN_QUERY_STRING, 0);
  constant(&o, "LUP_RETURN_ALL", LUP_RETURN_ALL, 0);
  constant(&o, "LUP_FLUSHPREVIOUS", LUP_FLUSHPREVIOUS, 0);
  constant(&o, "LUP_FLUSHCACHE", LUP_FLUSHCACHE, 0);
  constant(&o, "LUP_RES_SERVICE", LUP_RES_SERVICE, 0);
  constant(&o, "WSA_INVALID_HANDLE", WSA_INVALID_HANDLE, 0);
  constant(&o, "WSAEFAULT", WSAEFAULT, 0);
  constant(&o, "WSAENOMORE", WSAENOMORE, 0);
  constant(&o, "WSA_E_NO_MORE", WSA_E_NO_MORE, 0);
  constant(&o, "WSA_E_CANCELLED", WSA_E_CANCELLED, 0);
  constant(&o, "sizeof(WSAQUERYSETW)", (long)sizeof(WSAQUERYSETW), 0);
  constant(&o, "sizeof(WSAQUERYSETA)", (long)sizeof(WSAQUERYSETA), 0);
  rnr_puts(&o, "}\n");
  flush_file(&o);
  fclose(out_file);
  fclose(cases);
  return 0;
}
