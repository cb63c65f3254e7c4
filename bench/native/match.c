/*
 * match/100k@c, match/1m@c: the C baseline for rnrkit's AddressSet.
 *
 * The same algorithm as src/match (record.ts, rule.ts, address-set.ts),
 * exact mode, over the same image bytes:
 *   - read CSADDR_INFO entries in place (offsets given on the command line,
 *     computed by layoutOf in bench/cases/match.ts), follow each lpSockaddr
 *     with a bounds check, "no address" for NULL or length 0;
 *   - substitute IPROTOCOL_ANY from the family and socket type;
 *   - normalised records of 32-bit words in one arena, each after a state
 *     word, hashed with the MurmurHash3 x86_32 block mix under a per-set
 *     seed (an inserted record is written first and hashed as words); open
 *     addressing with linear probing over [hash, ref] slots pointing at the
 *     records, load factor at most 1/2, tombstones reused;
 *   - the switch to the keyed hash: once one insert probes more than 128
 *     slots, or the inserts since the index was built more than 8 per
 *     entry plus 1,024 (a rebuild is judged the same way), the set rebuilds
 *     its index with HalfSipHash-1-3 under (a per-process secret, the
 *     seed) and keeps it; so chosen addresses that all collide under the
 *     block mix cost C what they cost the TypeScript, not O(N^2);
 *   - deleteExact marks records dead with the call's epoch, so a request
 *     naming an address twice matches twice.
 * One timed iteration = build the set from the registered array, then
 * delete the request array; entries counted = 2 * N, as in the TypeScript.
 * Compaction is not implemented: with half the request matching, dead
 * records never outnumber live ones, so the TypeScript never compacts here
 * either.
 *
 * usage: match FILE SECONDS entrySize pointerSize localPtr localLen
 *              remotePtr remoteLen socketType protocol maxSockaddrLength
 * FILE: seven little-endian u64 (magic "RNRMATCH", base, registered array,
 * request array, N, expected matches, image length), then the image.
 * SECONDS 0: one iteration, prints matched=M keyed=K probes=P (K 1 when
 * the set switched to the keyed hash, P the slots probed). Otherwise
 * prints hz=.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static const uint8_t *image;
static uint64_t image_base, image_length;
static size_t entry_size, pointer_size, off_local_ptr, off_local_len, off_remote_ptr, off_remote_len, off_type, off_protocol;
static int32_t max_sockaddr_length;

static void fail(const char *what, uint64_t address) {
  fprintf(stderr, "match.c: %s at 0x%llx\n", what, (unsigned long long)address);
  exit(1);
}

static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Bounds-checked translation of an address range to image bytes. */
static inline const uint8_t *locate(uint64_t address, uint64_t length) {
  if (address < image_base || address - image_base > image_length || length > image_length - (address - image_base)) fail("not in the captured memory", address);
  return image + (address - image_base);
}

typedef struct {
  int32_t type, protocol;
  const uint8_t *local, *remote;
  int32_t local_length, remote_length;
} Cursor;

static void load_address(const uint8_t *entry, size_t off_ptr, size_t off_len, const uint8_t **bytes, int32_t *length) {
  int32_t len = (int32_t)rd32(entry + off_len);
  uint64_t ptr = pointer_size == 4 ? rd32(entry + off_ptr) : rd64(entry + off_ptr);
  if (ptr == 0 || len == 0) { *bytes = NULL; *length = 0; return; }
  if (len < 0 || len > max_sockaddr_length) fail("bad iSockaddrLength", ptr);
  *bytes = locate(ptr, (uint64_t)len);
  *length = len;
}

static int32_t substitute(int32_t family, int32_t type) {
  switch (family) {
    case 2: case 23: if (type == 1) return 6; if (type == 2) return 17; break;
    case 6: if (type == 2) return 1000; if (type == 5) return 1256; break;
    case 32: if (type == 1) return 3; break;
  }
  fprintf(stderr, "match.c: IPROTOCOL_ANY without a substitute\n");
  exit(1);
}

static void load(const uint8_t *array, size_t i, Cursor *c) {
  const uint8_t *e = array + i * entry_size;
  c->type = (int32_t)rd32(e + off_type);
  c->protocol = (int32_t)rd32(e + off_protocol);
  load_address(e, off_local_ptr, off_local_len, &c->local, &c->local_length);
  load_address(e, off_remote_ptr, off_remote_len, &c->remote, &c->remote_length);
  if (c->protocol == -1) {
    int32_t family = c->local_length >= 2 ? (c->local[0] | c->local[1] << 8) : c->remote_length >= 2 ? (c->remote[0] | c->remote[1] << 8) : -1;
    c->protocol = substitute(family, c->type);
  }
}

static inline uint32_t mix(uint32_t h, uint32_t k) {
  k *= 0xcc9e2d51u;
  k = (k << 15) | (k >> 17);
  k *= 0x1b873593u;
  h ^= k;
  h = (h << 13) | (h >> 19);
  return h * 5 + 0xe6546b64u;
}

static inline uint32_t finish(uint32_t h, uint32_t words) {
  h ^= words << 2;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

static inline uint32_t tail_word(const uint8_t *p, int32_t n) {
  uint32_t w = p[0];
  if (n > 1) w |= (uint32_t)p[1] << 8;
  if (n > 2) w |= (uint32_t)p[2] << 16;
  return w;
}

static inline uint32_t words_of(int32_t length) { return ((uint32_t)length + 3) >> 2; }

static inline uint32_t mix_bytes(uint32_t h, const uint8_t *p, int32_t length) {
  int32_t whole = length & ~3, k = 0;
  for (; k < whole; k += 4) h = mix(h, rd32(p + k));
  if (k < length) h = mix(h, tail_word(p + k, length - k));
  return h;
}

static uint32_t hash_cursor(const Cursor *c, uint32_t seed) {
  uint32_t h = seed;
  h = mix(h, (uint32_t)c->type);
  h = mix(h, (uint32_t)c->protocol);
  h = mix(h, (uint32_t)c->local_length);
  h = mix(h, (uint32_t)c->remote_length);
  h = mix_bytes(h, c->local, c->local_length);
  h = mix_bytes(h, c->remote, c->remote_length);
  return finish(h, 4 + words_of(c->local_length) + words_of(c->remote_length));
}

/*
 * Per process: the keyed hash's first key word and the secret set seeds are
 * derived from, both from the OS's CSPRNG, as address-set.ts and record.ts
 * draw theirs from crypto.getRandomValues.
 */
static uint32_t key0, process_secret, sets_seeded;

static void draw_secrets(void) {
  uint32_t words[2];
  if (getrandom(words, sizeof words, 0) != (ssize_t)sizeof words) { fprintf(stderr, "match.c: getrandom failed\n"); exit(1); }
  key0 = words[0];
  process_secret = words[1];
}

/* A new set's seed: the secret mixed with a counter by MurmurHash3's finaliser (randomSeed in address-set.ts). */
static uint32_t random_seed(void) {
  uint32_t h = process_secret ^ (++sets_seeded * 0x9e3779b9u);
  h = (h ^ (h >> 16)) * 0x85ebca6bu;
  h = (h ^ (h >> 13)) * 0xc2b2ae35u;
  return h ^ (h >> 16);
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (32 - (b))))
#define SIPROUND                                                              \
  do {                                                                        \
    v0 += v1; v1 = ROTL(v1, 5); v1 ^= v0; v0 = ROTL(v0, 16);                  \
    v2 += v3; v3 = ROTL(v3, 8); v3 ^= v2;                                     \
    v0 += v3; v3 = ROTL(v3, 7); v3 ^= v0;                                     \
    v2 += v1; v1 = ROTL(v1, 13); v1 ^= v2; v2 = ROTL(v2, 16);                 \
  } while (0)

/* HalfSipHash-1-3 of n record words under the key (key0, seed): keyedHashWords in record.ts, bit for bit. */
static uint32_t keyed_hash_words(const int32_t *w, size_t n, uint32_t seed) {
  uint32_t v0 = key0, v1 = seed, v2 = 0x6c796765u ^ key0, v3 = 0x74656462u ^ seed;
  for (size_t k = 0; k < n; k++) {
    uint32_t m = (uint32_t)w[k];
    v3 ^= m;
    SIPROUND;
    v0 ^= m;
  }
  uint32_t b = (uint32_t)n << 26;
  v3 ^= b;
  SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  SIPROUND; SIPROUND; SIPROUND;
  return v1 ^ v3;
}

static int32_t *write_bytes(int32_t *q, const uint8_t *p, int32_t length);

/* The keyed hash of the entry under the cursor: its record written out as words, then hashed (keyedHashCursor). */
static uint32_t keyed_hash_cursor(const Cursor *c, uint32_t seed) {
  static int32_t words[4 + 2 * 64];
  words[0] = c->type; words[1] = c->protocol; words[2] = c->local_length; words[3] = c->remote_length;
  int32_t *end = write_bytes(write_bytes(words + 4, c->local, c->local_length), c->remote, c->remote_length);
  return keyed_hash_words(words, (size_t)(end - words), seed);
}

static inline int bytes_equal(const int32_t *q, const uint8_t *p, int32_t length) {
  int32_t whole = length & ~3, k = 0;
  for (; k < whole; k += 4, q++) if ((uint32_t)*q != rd32(p + k)) return 0;
  return k >= length || (uint32_t)*q == tail_word(p + k, length - k);
}

static int record_equals(const int32_t *r, const Cursor *c) {
  if (r[0] != c->type || r[1] != c->protocol || r[2] != c->local_length || r[3] != c->remote_length) return 0;
  return bytes_equal(r + 4, c->local, c->local_length) && bytes_equal(r + 4 + words_of(c->local_length), c->remote, c->remote_length);
}

static int32_t *write_bytes(int32_t *q, const uint8_t *p, int32_t length) {
  int32_t whole = length & ~3, k = 0;
  for (; k < whole; k += 4) *q++ = (int32_t)rd32(p + k);
  if (k < length) *q++ = (int32_t)tail_word(p + k, length - k);
  return q;
}

/* Arena entries: a state word (0 live, else the deleting epoch), then the
 * record. Table slots [hash, ref]: ref = p + 1 for the live record at word
 * p, -(p + 1) for a deleted one, 0 for empty (address-set.ts). */
typedef struct {
  uint32_t seed;
  int keyed;            /* the index uses keyed_hash_*: once set, for good */
  size_t insert_probes; /* slots probed by inserts since the index was built */
  int32_t *arena; size_t arena_used, arena_cap, live;
  int32_t *table; uint32_t mask; size_t occupied;
  int32_t epoch;
} Set;

/* The bounds of address-set.ts (MAX_PROBE_RUN, PROBES_PER_ENTRY, PROBE_SLACK). */
enum { MAX_PROBE_RUN = 128, PROBES_PER_ENTRY = 8, PROBE_SLACK = 1024 };

/* Slots looked at by every lookup and insert (probedSlots in address-set.ts). */
static uint64_t slots_probed;

static size_t table_capacity_for(size_t entries) {
  size_t capacity = 16;
  while (capacity / 2 < entries) capacity *= 2;
  return capacity;
}

static inline size_t record_words(const int32_t *r) { return 4 + words_of(r[2]) + words_of(r[3]); }

static uint32_t hash_words(const int32_t *w, size_t n, uint32_t seed) {
  uint32_t h = seed;
  for (size_t k = 0; k < n; k++) h = mix(h, (uint32_t)w[k]);
  return finish(h, (uint32_t)n);
}

static void use_keyed_hash(Set *s);

static void rebuild_table(Set *s, size_t capacity) {
  free(s->table);
  s->table = calloc(2 * capacity, sizeof(int32_t));
  s->mask = (uint32_t)(capacity - 1);
  size_t probes = 0, longest = 0;
  for (size_t p = 0; p < s->arena_used; p += 1 + record_words(s->arena + p + 1)) {
    if (s->arena[p]) continue;
    const int32_t *r = s->arena + p + 1;
    uint32_t h = s->keyed ? keyed_hash_words(r, record_words(r), s->seed) : hash_words(r, record_words(r), s->seed);
    uint32_t start = h & s->mask, slot = start;
    while (s->table[2 * slot + 1]) slot = (slot + 1) & s->mask;
    size_t run = ((slot - start) & s->mask) + 1;
    probes += run;
    if (run > longest) longest = run;
    s->table[2 * slot] = (int32_t)h;
    s->table[2 * slot + 1] = (int32_t)(p + 2);
  }
  s->occupied = s->live;
  s->insert_probes = 0;
  slots_probed += probes;
  if (!s->keyed && (longest > MAX_PROBE_RUN || probes > PROBES_PER_ENTRY * s->live + PROBE_SLACK)) use_keyed_hash(s);
}

static void use_keyed_hash(Set *s) {
  s->keyed = 1;
  rebuild_table(s, (size_t)s->mask + 1);
}

static void count_insert(Set *s, size_t probed) {
  slots_probed += probed;
  s->insert_probes += probed;
  if (!s->keyed && (probed > MAX_PROBE_RUN || s->insert_probes > PROBES_PER_ENTRY * s->live + PROBE_SLACK)) use_keyed_hash(s);
}

static void set_init(Set *s, size_t entries, size_t words) {
  memset(s, 0, sizeof *s);
  s->seed = random_seed();
  s->arena_cap = words < 256 ? 256 : words;
  s->arena = malloc(s->arena_cap * sizeof(int32_t));
  rebuild_table(s, table_capacity_for(entries));
}

static void set_free(Set *s) {
  free(s->arena); free(s->table);
}

static int insert(Set *s, const Cursor *c) {
  if ((s->occupied + 1) * 2 > (size_t)s->mask + 1) rebuild_table(s, table_capacity_for(2 * (s->live + 1)));
  size_t words = 4 + words_of(c->local_length) + words_of(c->remote_length);
  if (s->arena_used + 1 + words > s->arena_cap) {
    s->arena_cap = s->arena_cap * 2 > s->arena_used + 1 + words ? s->arena_cap * 2 : s->arena_used + 1 + words;
    s->arena = realloc(s->arena, s->arena_cap * sizeof(int32_t));
  }
  size_t at = s->arena_used + 1;
  int32_t *r = s->arena + at;
  r[0] = c->type; r[1] = c->protocol; r[2] = c->local_length; r[3] = c->remote_length;
  write_bytes(write_bytes(r + 4, c->local, c->local_length), c->remote, c->remote_length);
  uint32_t h = s->keyed ? keyed_hash_words(r, words, s->seed) : hash_words(r, words, s->seed);
  uint32_t start = h & s->mask, slot = start;
  int64_t reuse = -1;
  for (;; slot = (slot + 1) & s->mask) {
    int32_t ref = s->table[2 * slot + 1];
    if (!ref) break;
    if (ref < 0) { if (reuse < 0) reuse = slot; }
    else if ((uint32_t)s->table[2 * slot] == h && memcmp(s->arena + ref - 1, r, words * sizeof(int32_t)) == 0) {
      count_insert(s, ((slot - start) & s->mask) + 1);
      return 0;
    }
  }
  size_t probed = ((slot - start) & s->mask) + 1;
  s->arena[at - 1] = 0;
  s->arena_used = at + words;
  s->live++;
  if (reuse >= 0) slot = (uint32_t)reuse; else s->occupied++;
  s->table[2 * slot] = (int32_t)h;
  s->table[2 * slot + 1] = (int32_t)(at + 1);
  count_insert(s, probed);
  return 1;
}

/* Lookups only count their probes: runs are made by inserts and rebuilds, which switch the hash themselves. */
static int64_t find(const Set *s, const Cursor *c, uint32_t h, int32_t epoch) {
  uint32_t start = h & s->mask;
  for (uint32_t slot = start;; slot = (slot + 1) & s->mask) {
    int32_t ref = s->table[2 * slot + 1];
    if (!ref) { slots_probed += ((slot - start) & s->mask) + 1; return -1; }
    if ((uint32_t)s->table[2 * slot] == h &&
        (ref > 0 ? record_equals(s->arena + ref - 1, c)
                 : epoch && s->arena[-ref - 2] == epoch && record_equals(s->arena - ref - 1, c))) {
      slots_probed += ((slot - start) & s->mask) + 1;
      return slot;
    }
  }
}

static inline uint32_t hash_of(const Set *s, const Cursor *c) {
  return s->keyed ? keyed_hash_cursor(c, s->seed) : hash_cursor(c, s->seed);
}

/* Returns the number of request entries matched; `matched` gets their indices. */
static size_t delete_exact(Set *s, const uint8_t *request, size_t n, int32_t *matched, int32_t *unmatched) {
  int32_t epoch = ++s->epoch;
  size_t m = 0, u = 0;
  Cursor c;
  for (size_t i = 0; i < n; i++) {
    load(request, i, &c);
    int64_t slot = find(s, &c, hash_of(s, &c), epoch);
    if (slot < 0) { unmatched[u++] = (int32_t)i; continue; }
    int32_t ref = s->table[2 * slot + 1];
    if (ref > 0) { s->table[2 * slot + 1] = -ref; s->arena[ref - 2] = epoch; s->live--; }
    matched[m++] = (int32_t)i;
  }
  return m;
}

static int last_keyed;

static size_t iteration(const uint8_t *registered, const uint8_t *request, size_t n, int32_t *matched, int32_t *unmatched) {
  Set s;
  set_init(&s, n, n * 13); /* as AddressSet.addAll reserves for a view */
  Cursor c;
  for (size_t i = 0; i < n; i++) {
    load(registered, i, &c);
    insert(&s, &c);
  }
  size_t m = delete_exact(&s, request, n, matched, unmatched);
  last_keyed = s.keyed;
  set_free(&s);
  return m;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 12) {
    fprintf(stderr, "usage: match FILE SECONDS entrySize pointerSize localPtr localLen remotePtr remoteLen socketType protocol maxSockaddrLength\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  uint64_t header[7];
  if (fread(header, 8, 7, f) != 7 || header[0] != 0x484354414d524e52ull) { fprintf(stderr, "match.c: %s is not a match bench file\n", argv[1]); return 1; }
  image_base = header[1];
  image_length = header[6];
  uint8_t *bytes = malloc(image_length ? image_length : 1);
  if (fread(bytes, 1, image_length, f) != image_length) { fprintf(stderr, "match.c: %s is truncated\n", argv[1]); return 1; }
  fclose(f);
  image = bytes;
  double seconds = atof(argv[2]);
  entry_size = strtoul(argv[3], NULL, 10);
  pointer_size = strtoul(argv[4], NULL, 10);
  off_local_ptr = strtoul(argv[5], NULL, 10);
  off_local_len = strtoul(argv[6], NULL, 10);
  off_remote_ptr = strtoul(argv[7], NULL, 10);
  off_remote_len = strtoul(argv[8], NULL, 10);
  off_type = strtoul(argv[9], NULL, 10);
  off_protocol = strtoul(argv[10], NULL, 10);
  max_sockaddr_length = (int32_t)strtol(argv[11], NULL, 10);
  /* keyed_hash_cursor lays a record out in 4 + 2 * 64 words. */
  if (max_sockaddr_length < 0 || max_sockaddr_length > 256) { fprintf(stderr, "match.c: maxSockaddrLength %d is not in 0…256\n", max_sockaddr_length); return 2; }

  size_t n = (size_t)header[4];
  const uint8_t *registered = locate(header[2], (uint64_t)n * entry_size);
  const uint8_t *request = locate(header[3], (uint64_t)n * entry_size);
  int32_t *matched = malloc(n * sizeof(int32_t) + 4);
  int32_t *unmatched = malloc(n * sizeof(int32_t) + 4);

  draw_secrets();
  if (seconds <= 0) {
    size_t m = iteration(registered, request, n, matched, unmatched);
    printf("matched=%zu keyed=%d probes=%llu\n", m, last_keyed, (unsigned long long)slots_probed);
    return 0;
  }
  size_t expected = (size_t)header[5];
  /* Warm-up, then whole iterations until the time is spent (at least 5). */
  if (iteration(registered, request, n, matched, unmatched) != expected) { fprintf(stderr, "match.c: wrong number of matches\n"); return 1; }
  size_t iterations = 0;
  double start = now(), elapsed;
  do {
    if (iteration(registered, request, n, matched, unmatched) != expected) return 1;
    iterations++;
    elapsed = now() - start;
  } while (elapsed < seconds || iterations < 5);
  printf("iterations=%zu seconds=%.3f\n", iterations, elapsed);
  printf("hz=%.1f\n", (double)iterations * 2.0 * (double)n / elapsed);
  return 0;
}
