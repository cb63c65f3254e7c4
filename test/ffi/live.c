/*
 * Built with the host cc beside walker.c (test/ffi/live-memory.test.ts):
 * C-built query sets for rnrkit to decode through live memory. On Linux
 * the structs are test/ffi/win-types.h's (Windows x64's layout).
 */
#define _DEFAULT_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "win-types.h"

#define RNR_HEAP_ALLOC(n) calloc(1, (n))
#define RNR_PAGE_SIZE ((size_t)sysconf(_SC_PAGESIZE))

static void *rnr_pages(size_t count) {
  void *p = mmap(NULL, count * RNR_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}
static void *rnr_page_no_access(void) {
  void *p = rnr_pages(1);
  mprotect(p, RNR_PAGE_SIZE, PROT_NONE);
  return p;
}
/* Unmapped again, and with no mapping in its place: the pages either side are kept no-access so nothing is mapped there later. */
static void *rnr_page_gone(void) {
  unsigned char *p = (unsigned char *)rnr_pages(3);
  mprotect(p, 3 * RNR_PAGE_SIZE, PROT_NONE);
  munmap(p + RNR_PAGE_SIZE, RNR_PAGE_SIZE);
  return p + RNR_PAGE_SIZE;
}
static void *rnr_page_before_no_access(void) {
  unsigned char *p = (unsigned char *)rnr_pages(2);
  mprotect(p + RNR_PAGE_SIZE, RNR_PAGE_SIZE, PROT_NONE);
  return p;
}

#include "heap_copy.h"
#include "bad_sets.h"

/* A copy on the C heap of the set rnrkit encoded at `address`; its address. */
uint64_t rnr_heap_copy(uint64_t address, int wide) {
  if (wide) return (uint64_t)(uintptr_t)rnr_heap_copy_w((const WSAQUERYSETW *)(uintptr_t)address);
  return (uint64_t)(uintptr_t)rnr_heap_copy_a((const WSAQUERYSETA *)(uintptr_t)address);
}

uint64_t rnr_bad_set(int kind) {
  return (uint64_t)(uintptr_t)rnr_make_bad_set(kind);
}

/* A set alone in a page of its own, so the page can be taken away again. */
uint64_t rnr_set_in_own_page(void) {
  WSAQUERYSETW *qs = (WSAQUERYSETW *)rnr_pages(1);
  qs->dwSize = sizeof *qs;
  qs->dwNameSpace = 12; /* NS_DNS */
  return (uint64_t)(uintptr_t)qs;
}

/* Unmapped, and replaced in place by a no-access page so nothing else is mapped there. */
void rnr_take_page_away(uint64_t address) {
  void *page = (void *)(uintptr_t)address;
  munmap(page, RNR_PAGE_SIZE);
  mmap(page, RNR_PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}
