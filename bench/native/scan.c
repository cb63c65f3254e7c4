/*
 * scan/256mb@c: the C baseline for rnrkit's query-set scanner
 * (src/dump/scan.ts + plausibility.ts), run over the same bytes.
 *
 * usage: scan CAPTURE [SECONDS [EXPECTED]]
 *
 * CAPTURE is written by bench/cases/scan.ts: "RNRSCAN1", the layout table
 * (from rnrkit's layoutOf, so no offset is typed twice), then the regions
 * (u64 base, u64 length, bytes). The scan is the same algorithm: every
 * 4-aligned DWORD compared with the two dwSize values (60 for x86, 120 for
 * x64 at 8-aligned addresses); each hit gets the quick pointer test (user
 * mode: below 2^47, and NULL or at least 64 KiB; aligned for the target),
 * then the assessment: strings terminate and read as text (both charsets),
 * GUIDs and version mapped, known namespace, bounded counts, mapped arrays,
 * sockaddr families and lengths, blob. It keeps candidates scoring >= 1 and
 * sorts them, like scanQuerySets.
 * With EXPECTED (rnrkit's candidates, written by the bench case) it first
 * checks that it finds the same candidates with the same scores, and fails
 * if not. Prints candidates=N and, last, hz=<bytes scanned per second>.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { F_dwSize, F_name, F_class, F_version, F_comment, F_ns, F_provider, F_context, F_nprot, F_prot, F_query, F_ncs, F_cs, F_flags, F_blob, NF };

typedef struct {
  uint32_t size, ptr;
  uint32_t f[NF];
  uint32_t cs_size, cs_local, cs_remote, sa_ptr, sa_len, cs_type, cs_proto;
  uint32_t afp_size, afp_family;
  uint32_t blob_size, blob_align, blob_cb, blob_data;
  uint32_t ver_size, ver_echow;
  uint32_t guid_align;
  uint32_t min_in, min_in6, min_bth, min_ipx, max_sockaddr;
  uint32_t holes[8][2];
  uint32_t nholes;
} Shape;

typedef struct { uint64_t base, len; const uint8_t *bytes; } Region;

static Region *regions;
static size_t nregions;
static Shape shapes[2];

static int find(uint64_t a) {
  size_t lo = 0, hi = nregions;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (a < regions[mid].base) hi = mid;
    else if (a >= regions[mid].base + regions[mid].len) lo = mid + 1;
    else return (int)mid;
  }
  return -1;
}

/* Bytes mapped without a gap from a, at most max (adjacent regions count as one). */
static uint64_t mapped(uint64_t a, uint64_t max) {
  int i = find(a);
  if (i < 0) return 0;
  uint64_t end = regions[i].base + regions[i].len;
  while (end - a < max && (size_t)i + 1 < nregions && regions[i + 1].base == end) end += regions[++i].len;
  return end - a < max ? end - a : max;
}

/* Copy len bytes at a into out; 0 when not all mapped. */
static int readmem(uint64_t a, void *out, uint64_t len) {
  if (mapped(a, len) < len) return 0;
  uint8_t *o = out;
  while (len > 0) {
    int i = find(a);
    uint64_t off = a - regions[i].base, take = regions[i].len - off;
    if (take > len) take = len;
    memcpy(o, regions[i].bytes + off, take);
    o += take; a += take; len -= take;
  }
  return 1;
}

static uint32_t u32at(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/*
 * Windows keeps the first 64 KiB of every process free (MmLowestUserAddress
 * is 0x10000), so a non-NULL pointer word below it is no pointer: the same
 * rule as plausibility.ts's LOWEST_USER_ADDRESS, for every pointer read.
 */
#define LOWEST_USER_ADDRESS 0x10000u

/* -1: impossible (x64 pointer above 2^47, or non-NULL below 64 KiB); else the pointer. */
static int64_t ptrat(const uint8_t *p, const Shape *s) {
  uint32_t lo = u32at(p), hi = s->ptr == 4 ? 0 : u32at(p + 4);
  if (hi >= 0x8000) return -1;
  if (hi == 0 && lo != 0 && lo < LOWEST_USER_ADDRESS) return -1;
  return ((int64_t)hi << 32) | lo;
}

static const int NS_KNOWN[] = {0, 1, 2, 3, 5, 6, 10, 11, 12, 13, 14, 15, 16, 20, 30, 31, 32, 37, 38, 39, 40, 41, 42, 50, 60};
static const int AF_KNOWN[] = {0, 2, 6, 17, 23, 26, 32};
static int known(const int *list, size_t n, int v) { for (size_t i = 0; i < n; i++) if (list[i] == v) return 1; return 0; }

/* Text quality as in plausibility.ts: 3 mostly-ASCII text, 1 maybe text, -2 not text; -100 unterminated; -50 unmapped. */
static int string_score(uint64_t a, int unit) {
  uint8_t buf[2050];
  uint64_t m = mapped(a, (uint64_t)1025 * unit);
  if (m < (uint64_t)unit) return -50;
  m -= m % unit;
  readmem(a, buf, m);
  int n = 0, ascii = 0, bad = 0;
  for (uint64_t i = 0; i + unit <= m; i += unit) {
    unsigned u = unit == 2 ? (unsigned)(buf[i] | buf[i + 1] << 8) : buf[i];
    if (u == 0) {
      if (bad) return -2;
      if (n == 0) return 1;
      return n >= 2 && ascii * 5 >= n * 4 ? 3 : 1;
    }
    n++;
    if ((u < 0x20 && u != 9 && u != 10 && u != 13) || u == 0x7f) bad = 1;
    if (unit == 2 && (u == 0xfffe || u == 0xffff || (u >= 0xd800 && u <= 0xdfff))) bad = 1;
    if (u >= 0x20 && u < 0x7f) ascii++;
  }
  return -100;
}

#define IMPOSSIBLE (-1000000)

static int assess(uint64_t at, const Shape *s, int wide) {
  uint8_t q[256];
  if (!readmem(at, q, s->size)) return IMPOSSIBLE;
  int64_t p[NF];
  static const int ptrs[] = {F_name, F_class, F_version, F_comment, F_provider, F_context, F_prot, F_query, F_cs, F_blob};
  for (size_t k = 0; k < sizeof ptrs / sizeof *ptrs; k++) {
    int f = ptrs[k];
    p[f] = ptrat(q + s->f[f], s);
    if (p[f] < 0) return IMPOSSIBLE;
  }
  if ((p[F_class] | p[F_provider] | p[F_version] | p[F_prot]) & 3) return IMPOSSIBLE;
  if (p[F_cs] % s->ptr || p[F_blob] % s->blob_align) return IMPOSSIBLE;
  int score = 0;
  int dirty = 0;
  for (uint32_t h = 0; h < s->nholes; h++) for (uint32_t i = 0; i < s->holes[h][1]; i++) dirty |= q[s->holes[h][0] + i];
  score += dirty ? -1 : (s->nholes ? 1 : 0);
  static const int strs[] = {F_name, F_comment, F_context, F_query};
  for (int k = 0; k < 4; k++) {
    int64_t a = p[strs[k]];
    int weight = k == 0 ? 2 : 1;
    if (a == 0) { if (k == 0) score -= 3; continue; }
    if (wide && (a & 1)) return IMPOSSIBLE;
    int t = string_score((uint64_t)a, wide ? 2 : 1);
    if (t == -100) return IMPOSSIBLE;
    score += t == -50 ? -4 : weight * t;
  }
  for (int k = 0; k < 2; k++) {
    int64_t a = p[k == 0 ? F_class : F_provider];
    if (a == 0) continue;
    uint8_t g[16];
    if (!readmem((uint64_t)a, g, 16)) { score -= 4; continue; }
    int zero = 1;
    for (int i = 0; i < 16; i++) zero &= g[i] == 0;
    if (!zero) score += k == 0 ? 2 : 1;
  }
  if (p[F_version]) {
    uint8_t v[16];
    if (!readmem((uint64_t)p[F_version], v, s->ver_size)) score -= 4;
    else score += u32at(v + s->ver_echow) <= 1 ? 1 : -2;
  }
  score += known(NS_KNOWN, sizeof NS_KNOWN / sizeof *NS_KNOWN, (int)u32at(q + s->f[F_ns])) ? 2 : -3;

  uint32_t np = u32at(q + s->f[F_nprot]);
  if (np > 256) return IMPOSSIBLE;
  if (p[F_prot] == 0) score -= np ? 1 : 0;
  else if (np == 0) score -= 1;
  else if (mapped((uint64_t)p[F_prot], (uint64_t)np * s->afp_size) < (uint64_t)np * s->afp_size) score -= 4;
  else {
    int ok = 1;
    for (uint32_t i = 0; i < np && ok; i++) {
      uint8_t e[8];
      readmem((uint64_t)p[F_prot] + (uint64_t)i * s->afp_size, e, s->afp_size);
      ok = known(AF_KNOWN, sizeof AF_KNOWN / sizeof *AF_KNOWN, (int)u32at(e + s->afp_family));
    }
    score += ok ? 2 : -2;
  }

  uint32_t nc = u32at(q + s->f[F_ncs]);
  if (nc > 1024) return IMPOSSIBLE;
  if (p[F_cs] == 0) score -= nc ? 1 : 0;
  else if (nc == 0) score -= 1;
  else if (mapped((uint64_t)p[F_cs], (uint64_t)nc * s->cs_size) < (uint64_t)nc * s->cs_size) score -= 4;
  else {
    int cs_score = 0;
    for (uint32_t i = 0; i < nc && i < 16; i++) {
      uint8_t e[64];
      readmem((uint64_t)p[F_cs] + (uint64_t)i * s->cs_size, e, s->cs_size);
      int good = 1;
      for (int side = 0; side < 2; side++) {
        uint32_t o = side ? s->cs_remote : s->cs_local;
        int64_t sa = ptrat(e + o + s->sa_ptr, s);
        int32_t len = (int32_t)u32at(e + o + s->sa_len);
        if (sa < 0 || len < 0 || (uint32_t)len > s->max_sockaddr) return IMPOSSIBLE;
        if (sa == 0) { if (len) good = 0; continue; }
        uint8_t fam[2];
        if (len < 2 || mapped((uint64_t)sa, (uint64_t)len) < (uint64_t)len || !readmem((uint64_t)sa, fam, 2)) { good = 0; continue; }
        int af = fam[0] | fam[1] << 8;
        uint32_t need = af == 2 ? s->min_in : af == 23 ? s->min_in6 : af == 32 ? s->min_bth : af == 6 ? s->min_ipx : 2;
        if (af == 0 || !known(AF_KNOWN, sizeof AF_KNOWN / sizeof *AF_KNOWN, af) || (uint32_t)len < need) good = 0;
      }
      int32_t type = (int32_t)u32at(e + s->cs_type), proto = (int32_t)u32at(e + s->cs_proto);
      if (type < 1 || type > 5 || proto < -1 || proto > 0xffff) good = 0;
      cs_score += good ? 2 : -2;
    }
    score += cs_score > 6 ? 6 : cs_score < -6 ? -6 : cs_score;
  }
  if (u32at(q + s->f[F_flags]) & ~0x71u) score -= 1;
  if (p[F_blob]) {
    uint8_t b[16];
    if (!readmem((uint64_t)p[F_blob], b, s->blob_size)) score -= 4;
    else {
      uint32_t cb = u32at(b + s->blob_cb);
      int64_t d = ptrat(b + s->blob_data, s);
      if (d < 0) return IMPOSSIBLE;
      if (cb > (1u << 20)) score -= 3;
      else if (d && mapped((uint64_t)d, cb) < cb) score -= 3;
      else score += 1;
    }
  }
  return score;
}

typedef struct { uint64_t at; int score; int arch; } Candidate;
static Candidate *found;
static size_t nfound, capfound;

static void keep(uint64_t at, int arch) {
  const Shape *s = &shapes[arch];
  int w = assess(at, s, 1), a = assess(at, s, 0);
  int best = w >= a ? w : a;
  if (best < 1) return;
  if (nfound == capfound) { capfound = capfound ? 2 * capfound : 1024; found = realloc(found, capfound * sizeof *found); }
  found[nfound++] = (Candidate){at, best, arch};
}

static int by_score(const void *x, const void *y) {
  const Candidate *a = x, *b = y;
  if (a->score != b->score) return b->score - a->score;
  return a->at < b->at ? -1 : a->at > b->at;
}

static size_t scan_all(void) {
  nfound = 0;
  const uint32_t x86 = shapes[0].size, x64 = shapes[1].size;
  for (size_t r = 0; r < nregions; r++) {
    uint64_t base = (regions[r].base + 3) & ~(uint64_t)3;
    const uint8_t *bytes = regions[r].bytes + (base - regions[r].base);
    size_t n = (regions[r].len - (base - regions[r].base)) / 4;
    const uint32_t *w = (const uint32_t *)bytes; /* the loader 8-aligns every region's bytes */
    for (size_t i = 0; i < n; i++) {
      uint32_t v = w[i];
      if (v == x86 || v == x64) {
        uint64_t at = base + 4 * i;
        if (v == x86) keep(at, 0);
        else if ((at & 7) == 0) keep(at, 1);
      }
    }
  }
  qsort(found, nfound, sizeof *found, by_score);
  return nfound;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * Whether this scan found exactly what rnrkit found: EXPECTED holds u64
 * count, then per candidate u64 address, i32 score, u32 arch (0 x86, 1 x64),
 * best first. A baseline that finds something else measures something else.
 */
static int same_as_rnrkit(const char *file) {
  FILE *f = fopen(file, "rb");
  if (!f) { perror(file); return 0; }
  uint64_t count;
  int ok = fread(&count, 8, 1, f) == 1;
  if (ok && count != nfound) {
    fprintf(stderr, "scan.c: %zu candidates, rnrkit found %llu\n", nfound, (unsigned long long)count);
    ok = 0;
  }
  for (size_t i = 0; ok && i < nfound; i++) {
    uint64_t at;
    int32_t score_arch[2];
    if (fread(&at, 8, 1, f) != 1 || fread(score_arch, 4, 2, f) != 2) { fprintf(stderr, "scan.c: %s is short\n", file); ok = 0; break; }
    if (at != found[i].at || score_arch[0] != found[i].score || score_arch[1] != found[i].arch) {
      fprintf(stderr, "scan.c: candidate %zu is 0x%llx score %d, rnrkit's is 0x%llx score %d\n", i,
              (unsigned long long)found[i].at, found[i].score, (unsigned long long)at, score_arch[0]);
      ok = 0;
    }
  }
  fclose(f);
  return ok;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: scan CAPTURE [SECONDS [EXPECTED]]\n"); return 2; }
  double seconds = argc > 2 ? atof(argv[2]) : 2.0;
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  char magic[8];
  uint32_t table[2][64], nvalues;
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "RNRSCAN1", 8) != 0) { fprintf(stderr, "not a scan capture\n"); return 1; }
  for (int a = 0; a < 2; a++) {
    if (fread(&nvalues, 4, 1, f) != 1 || nvalues > 64 || fread(table[a], 4, nvalues, f) != nvalues) { fprintf(stderr, "bad layout table\n"); return 1; }
    memcpy(&shapes[a], table[a], nvalues * 4);
  }
  uint64_t count;
  if (fread(&count, 8, 1, f) != 1) return 1;
  regions = calloc(count, sizeof *regions);
  uint64_t total = 0;
  for (uint64_t r = 0; r < count; r++) {
    uint64_t head[2];
    if (fread(head, 8, 2, f) != 2) return 1;
    uint8_t *bytes = aligned_alloc(8, (head[1] + 7) & ~(uint64_t)7);
    if (!bytes || fread(bytes, 1, head[1], f) != head[1]) { fprintf(stderr, "short capture\n"); return 1; }
    regions[r] = (Region){head[0], head[1], bytes};
    total += head[1];
  }
  nregions = count;
  fclose(f);

  size_t candidates = scan_all(); /* warm-up, and the candidates to compare with rnrkit's */
  if (argc > 3 && !same_as_rnrkit(argv[3])) return 1;
  long runs = 0;
  double start = now(), elapsed;
  do { scan_all(); runs++; elapsed = now() - start; } while (elapsed < seconds);
  printf("candidates=%zu top=0x%llx\n", candidates, nfound ? (unsigned long long)found[0].at : 0ULL);
  printf("hz=%.1f\n", (double)total * runs / elapsed);
  return 0;
}
