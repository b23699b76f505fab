/*
 * uthash behind typed wrappers (idmap.h).  Entries come from slabs, so a
 * 100k-revision map costs a handful of allocations, and rg_idmap_reserve()
 * sizes the first slab for what is coming.  The "hashed" calls let a loop
 * over many keys hash each key once (uthash's HASH_VALUE) and hand the hash
 * to HASH_FIND_BYHASHVALUE / HASH_ADD_KEYPTR_BYHASHVALUE.
 */
#include "idmap.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "revgraph/common.h"

#undef uthash_malloc
#undef uthash_free
#define uthash_malloc(sz) rg_malloc(sz)
#define uthash_free(ptr, sz) free(ptr)
#define HASH_NONFATAL_OOM 1
/* 100k ids fill a table of 2^15 buckets (uthash doubles it as it grows) */
#define HASH_INITIAL_NUM_BUCKETS_LOG2 10U
/*
 * uthash's default (Jenkins, one byte at a time) costs a third of building
 * a 100k map; this reads 8 bytes at a time and ends with murmur3's
 * finaliser, so the low bits uthash picks buckets with are well mixed.
 */
#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)hash_bytes((keyptr), (keylen)))
static uint64_t hash_bytes(const void *key, size_t len);
#include "uthash.h"

#include "banned.h"

static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, p + i, len - i);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

struct entry {
	const char *key;
	size_t value;
	UT_hash_handle hh;
};

#define MIN_SLAB 1024

struct slab {
	struct slab *next;
	size_t used, cap;
	struct entry entries[];
};

struct rg_idmap {
	struct entry *head;
	struct slab *slabs;
	size_t count;
	size_t reserved;	/* rg_idmap_reserve(): size the buckets for this many */
};

struct rg_idmap *rg_idmap_new(void)
{
	return rg_calloc(1, sizeof(struct rg_idmap));
}

void rg_idmap_free(struct rg_idmap *map)
{
	struct slab *s, *next;

	if (!map)
		return;
	HASH_CLEAR(hh, map->head);
	for (s = map->slabs; s; s = next) {
		next = s->next;
		free(s);
	}
	free(map);
}

static int add_slab(struct rg_idmap *map, size_t cap)
{
	struct slab *s;

	if (cap < MIN_SLAB)
		cap = MIN_SLAB;
	if (cap > (SIZE_MAX - sizeof(*s)) / sizeof(s->entries[0]) ||
	    !(s = rg_malloc(sizeof(*s) + cap * sizeof(s->entries[0]))))
		return rg_error_set(RG_ENOMEM, "out of memory");
	s->next = map->slabs;
	s->used = 0;
	s->cap = cap;
	map->slabs = s;
	return 0;
}

int rg_idmap_reserve(struct rg_idmap *map, size_t n)
{
	size_t room = map->slabs ? map->slabs->cap - map->slabs->used : 0;

	if (n > map->reserved)
		map->reserved = n;
	return n <= map->count + room ? 0 : add_slab(map, n - map->count);
}

/*
 * uthash doubles its bucket array only once chains reach ten entries, so a
 * big map ends with chains of several entries, a cache miss each.  For a
 * reserved size, double it up front (uthash's own HASH_EXPAND_BUCKETS, on
 * a table of one entry) to about one bucket per entry.
 */
static int presize(struct rg_idmap *map)
{
	UT_hash_table *tbl = map->head->hh.tbl;
	int failed = 0;

	while (!failed && tbl->num_buckets < map->reserved && tbl->num_buckets < (1U << 30))
		HASH_EXPAND_BUCKETS(hh, tbl, failed);
	map->reserved = 0;
	return failed ? rg_error_set(RG_ENOMEM, "out of memory") : 0;
}

uint64_t rg_idmap_hash(const char *key)
{
	unsigned hash;

	HASH_VALUE(key, strlen(key), hash);
	return hash;
}

void rg_idmap_prefetch(const struct rg_idmap *map, uint64_t hash)
{
#ifdef __GNUC__
	/* the bucket the key will be looked up in (presized: about one entry each) */
	if (map->head) {
		const UT_hash_table *tbl = map->head->hh.tbl;

		__builtin_prefetch(&tbl->buckets[(unsigned)hash & (tbl->num_buckets - 1U)]);
	}
#else
	(void)map;
	(void)hash;
#endif
}

int rg_idmap_add_hashed(struct rg_idmap *map, const char *key, uint64_t hash, size_t value)
{
	struct entry *e = NULL;
	size_t len = strlen(key);
	unsigned hv = (unsigned)hash;
	int failed = 0;

	HASH_FIND_BYHASHVALUE(hh, map->head, key, len, hv, e);
	if (e)
		return RG_EINVALID;
	if ((!map->slabs || map->slabs->used == map->slabs->cap) && add_slab(map, MIN_SLAB))
		return RG_ENOMEM;
	e = &map->slabs->entries[map->slabs->used];
	e->key = key;
	e->value = value;
#undef uthash_nonfatal_oom
#define uthash_nonfatal_oom(obj) (failed = 1)
	HASH_ADD_KEYPTR_BYHASHVALUE(hh, map->head, e->key, len, hv, e);
	if (failed)
		return rg_error_set(RG_ENOMEM, "out of memory");
	map->slabs->used++;
	map->count++;
	return map->reserved ? presize(map) : 0;
}

int rg_idmap_add(struct rg_idmap *map, const char *key, size_t value)
{
	return rg_idmap_add_hashed(map, key, rg_idmap_hash(key), value);
}

bool rg_idmap_get_hashed(const struct rg_idmap *map, const char *key, uint64_t hash, size_t *value)
{
	struct entry *e = NULL;
	unsigned hv = (unsigned)hash;

	HASH_FIND_BYHASHVALUE(hh, map->head, key, strlen(key), hv, e);
	if (!e)
		return false;
	*value = e->value;
	return true;
}

bool rg_idmap_get(const struct rg_idmap *map, const char *key, size_t *value)
{
	return rg_idmap_get_hashed(map, key, rg_idmap_hash(key), value);
}

size_t rg_idmap_count(const struct rg_idmap *map)
{
	return map->count;
}
