/*
 * rnrkit-ffi.dll, built by i686-w64-mingw32-gcc and x86_64-w64-mingw32-gcc
 * at test time (test/windows/windows.test.ts) and loaded with koffi by
 * Windows Node under Wine. Everything it says about memory it reads itself,
 * with the real Windows headers' types, in the same process as rnrkit:
 *
 *   rnr_walk_query_set   canonical JSON of the WSAQUERYSETW/A at an address
 *                        (fixtures/codec/src/walk_json.h, the printer that
 *                        made the committed fixture expectations);
 *   rnr_fixture_*        the codec fixtures' own C initialisers
 *                        (fixtures/codec/src/sets_w.c, sets_a.c), linked in,
 *                        and a copy of each on the process heap, one
 *                        HeapAlloc per piece (test/ffi/heap_copy.h), or
 *                        packed into the caller's buffer the way
 *                        WSALookupServiceNext returns a result;
 *   rnr_bad_set          sets with one pointer into no-access or
 *                        uncommitted memory (test/ffi/bad_sets.h);
 *   rnr_probe_text       sizeof/offsetof of every structure, from
 *                        fixtures/abi/probe.c's own list, as "#PROBE name
 *                        value" lines (the build turns its compile-time
 *                        PROBE into a call of rnr_probe_line).
 *
 * Every export is WINAPI: __stdcall on x86, so a caller that declares it
 * otherwise unbalances the stack. -Wl,--kill-at exports the plain names.
 */
#include "fixture.h"
#include <windows.h>

#include "walk_json.h"

#define RNR_EXPORT __declspec(dllexport)
/*
 * Pieces come from the process heap, or, while rnr_arena is set, one after
 * another (8-aligned) from the caller's buffer: a set packed into one
 * buffer the way WSALookupServiceNext returns it.
 */
static unsigned char *rnr_arena;
static size_t rnr_arena_used, rnr_arena_cap;
static void *rnr_alloc(size_t n) {
  if (!rnr_arena) return HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, n);
  size_t at = (rnr_arena_used + 7) & ~(size_t)7;
  rnr_arena_used = at + n;
  if (rnr_arena_used > rnr_arena_cap) return NULL;
  for (size_t i = 0; i < n; i++) rnr_arena[at + i] = 0;
  return rnr_arena + at;
}
#define RNR_HEAP_ALLOC(n) rnr_alloc(n)
#define RNR_PAGE_SIZE ((size_t)4096)

static void *rnr_page_no_access(void) {
  return VirtualAlloc(NULL, RNR_PAGE_SIZE, MEM_COMMIT | MEM_RESERVE, PAGE_NOACCESS);
}
/* Reserved again and released: nothing is committed there. The region around it stays reserved so nothing else lands on it. */
static void *rnr_page_gone(void) {
  unsigned char *p = (unsigned char *)VirtualAlloc(NULL, 3 * RNR_PAGE_SIZE, MEM_RESERVE, PAGE_NOACCESS);
  return p + RNR_PAGE_SIZE;
}
static void *rnr_page_before_no_access(void) {
  unsigned char *p = (unsigned char *)VirtualAlloc(NULL, 2 * RNR_PAGE_SIZE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  DWORD old;
  VirtualProtect(p + RNR_PAGE_SIZE, RNR_PAGE_SIZE, PAGE_NOACCESS, &old);
  return p;
}

#include "heap_copy.h"
#include "bad_sets.h"

extern const struct rnr_fixture_set rnr_fixture_sets_w[];
extern const unsigned rnr_fixture_set_count_w;
extern const struct rnr_fixture_set rnr_fixture_sets_a[];
extern const unsigned rnr_fixture_set_count_a;

static const struct rnr_fixture_set *rnr_fixture(unsigned index) {
  if (index < rnr_fixture_set_count_w) return &rnr_fixture_sets_w[index];
  index -= rnr_fixture_set_count_w;
  return index < rnr_fixture_set_count_a ? &rnr_fixture_sets_a[index] : NULL;
}

/* Length of the whole JSON; more than cap when it did not fit (nothing past cap is written). */
RNR_EXPORT size_t WINAPI rnr_walk_query_set(ULONG_PTR address, int wide, char *out, size_t cap) {
  struct rnr_out o = { out, cap, 0, 0, 0, NULL };
  if (wide) rnr_query_set_w_json(&o, (const WSAQUERYSETW *)address);
  else rnr_query_set_a_json(&o, (const WSAQUERYSETA *)address);
  return o.total;
}

RNR_EXPORT ULONG_PTR WINAPI rnr_address_of(const void *p) {
  return (ULONG_PTR)p;
}

/* [{"name":…,"charset":…,"at":"0x…"}] for every fixture set linked in, W first. */
RNR_EXPORT size_t WINAPI rnr_fixture_list_json(char *out, size_t cap) {
  struct rnr_out o = { out, cap, 0, 0, 0, NULL };
  rnr_put(&o, '[');
  for (unsigned i = 0; rnr_fixture(i); i++) {
    const struct rnr_fixture_set *f = rnr_fixture(i);
    if (i) rnr_put(&o, ',');
    rnr_puts(&o, "{\"name\":\""); rnr_puts(&o, f->name);
    rnr_puts(&o, "\",\"charset\":\""); rnr_put(&o, f->charset);
    rnr_puts(&o, "\"}");
  }
  rnr_put(&o, ']');
  return o.total;
}

/* A copy of fixture `index` on the process heap; 0 for no such fixture. */
RNR_EXPORT ULONG_PTR WINAPI rnr_build_fixture_set(unsigned index) {
  const struct rnr_fixture_set *f = rnr_fixture(index);
  if (!f) return 0;
  if (f->charset == 'W') return (ULONG_PTR)rnr_heap_copy_w((const WSAQUERYSETW *)f->set);
  return (ULONG_PTR)rnr_heap_copy_a((const WSAQUERYSETA *)f->set);
}

static void rnr_copy_fixture(const struct rnr_fixture_set *f) {
  if (f->charset == 'W') rnr_heap_copy_w((const WSAQUERYSETW *)f->set);
  else rnr_heap_copy_a((const WSAQUERYSETA *)f->set);
}

/*
 * Fixture `index` packed into `buffer` as WSALookupServiceNext returns a
 * result: the set at the start, everything it points to after it. Answers
 * like WSALookupServiceNext: 0, or SOCKET_ERROR with *length set to the size
 * needed (WSAEFAULT), or SOCKET_ERROR for no such fixture (WSA_E_NO_MORE).
 */
RNR_EXPORT int WINAPI rnr_pack_fixture_set(unsigned index, DWORD *length, void *buffer) {
  const struct rnr_fixture_set *f = rnr_fixture(index);
  if (!f) { WSASetLastError(WSA_E_NO_MORE); return SOCKET_ERROR; }
  /* A dry run into a scratch arena measures the size. */
  size_t scratch_cap = 1 << 20;
  unsigned char *scratch = HeapAlloc(GetProcessHeap(), 0, scratch_cap);
  rnr_arena = scratch; rnr_arena_used = 0; rnr_arena_cap = scratch_cap;
  rnr_copy_fixture(f);
  size_t needed = rnr_arena_used;
  rnr_arena = NULL;
  HeapFree(GetProcessHeap(), 0, scratch);
  if (needed > *length) { *length = (DWORD)needed; WSASetLastError(WSAEFAULT); return SOCKET_ERROR; }
  rnr_arena = buffer; rnr_arena_used = 0; rnr_arena_cap = *length;
  rnr_copy_fixture(f);
  rnr_arena = NULL;
  return 0;
}

RNR_EXPORT ULONG_PTR WINAPI rnr_bad_set(int kind) {
  return (ULONG_PTR)rnr_make_bad_set(kind);
}

static struct rnr_out *probe_out;

void rnr_probe_line(const char *label, long long value) {
  char digits[24];
  int n = 0;
  unsigned long long magnitude = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
  do { digits[n++] = (char)('0' + magnitude % 10); magnitude /= 10; } while (magnitude);
  rnr_puts(probe_out, "#PROBE "); rnr_puts(probe_out, label); rnr_put(probe_out, ' ');
  if (value < 0) rnr_put(probe_out, '-');
  while (n) rnr_put(probe_out, digits[--n]);
  rnr_put(probe_out, '\n');
}

void probe(void);

/* fixtures/abi/probe.c's list, evaluated in this process, then the one struct rnrkit/ffi itself reads. */
RNR_EXPORT size_t WINAPI rnr_probe_text(char *out, size_t cap) {
  struct rnr_out o = { out, cap, 0, 0, 0, NULL };
  probe_out = &o;
  probe();
  rnr_probe_line("MEMORY_BASIC_INFORMATION.size", sizeof(MEMORY_BASIC_INFORMATION));
  rnr_probe_line("MEMORY_BASIC_INFORMATION.BaseAddress.offset", offsetof(MEMORY_BASIC_INFORMATION, BaseAddress));
  rnr_probe_line("MEMORY_BASIC_INFORMATION.RegionSize.offset", offsetof(MEMORY_BASIC_INFORMATION, RegionSize));
  rnr_probe_line("MEMORY_BASIC_INFORMATION.State.offset", offsetof(MEMORY_BASIC_INFORMATION, State));
  rnr_probe_line("MEMORY_BASIC_INFORMATION.Protect.offset", offsetof(MEMORY_BASIC_INFORMATION, Protect));
  probe_out = NULL;
  return o.total;
}
