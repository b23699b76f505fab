/*
 * The string -> index map (idmap.h): open addressing with linear probing.
 * Each slot keeps the key's 64-bit hash and its first 16 bytes next to the
 * key pointer, so a lookup of a revision id (12 characters) touches one slot
 * and never the key strings, which lie all over memory in a 100k-revision
 * map.
 */
#include "idmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "revgraph/common.h"
#include "banned.h"

#define INLINE_KEY 16

struct slot {
	uint64_t hash;
	char head[INLINE_KEY];	/* the key's first bytes, NUL-padded */
	const char *key;	/* NULL: empty */
	size_t value;
};

/* A key being looked up, with what the slots compare first. */
struct probe_key {
	const char *s;
	size_t len;
	uint64_t hash;
	char head[INLINE_KEY];
};

struct rg_idmap {
	struct slot *slots;
	size_t cap;		/* number of slots, or 0 */
	size_t count;
};

/* At most this many entries per 100 slots: fewer pages to touch, short probes still */
#define LOAD_PERCENT 70

/* Whether n entries fit in cap slots. */
static bool fits(size_t n, size_t cap)
{
	return (uint64_t)n * 100 <= (uint64_t)cap * LOAD_PERCENT;
}

/* The slot a hash starts at: its top 32 bits scaled to the capacity (no power of two needed). */
static size_t home(const struct rg_idmap *map, uint64_t hash)
{
	return (size_t)(((hash >> 32) * (uint64_t)map->cap) >> 32);
}

struct rg_idmap *rg_idmap_new(void)
{
	return rg_calloc(1, sizeof(struct rg_idmap));
}

void rg_idmap_free(struct rg_idmap *map)
{
	if (!map)
		return;
	free(map->slots);
	free(map);
}

/* 8 bytes at a time, then murmur3's finaliser. */
static uint64_t hash_key(const char *key, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, key + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, key + i, len - i);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static void make_key(struct probe_key *k, const char *s, uint64_t hash)
{
	k->s = s;
	k->len = strlen(s);
	k->hash = hash;
	memset(k->head, 0, INLINE_KEY);
	memcpy(k->head, s, k->len < INLINE_KEY ? k->len : INLINE_KEY);
}

uint64_t rg_idmap_hash(const char *key)
{
	return hash_key(key, strlen(key));
}

void rg_idmap_prefetch(const struct rg_idmap *map, uint64_t hash)
{
	if (map->slots)
		__builtin_prefetch(&map->slots[home(map, hash)]);
}

static bool slot_is(const struct slot *s, const struct probe_key *k)
{
	return s->hash == k->hash && !memcmp(s->head, k->head, INLINE_KEY) &&
	       (k->len < INLINE_KEY || !strcmp(s->key + INLINE_KEY, k->s + INLINE_KEY));
}

/* The slot holding the key, or the empty slot where it would go. */
static struct slot *probe(const struct rg_idmap *map, const struct probe_key *k)
{
	size_t i = home(map, k->hash);

	for (;;) {
		struct slot *s = &map->slots[i];

		if (!s->key || slot_is(s, k))
			return s;
		if (++i == map->cap)
			i = 0;
	}
}

/* Where an entry moved from a smaller table goes: the first empty slot. */
static struct slot *free_slot(const struct rg_idmap *map, uint64_t hash)
{
	size_t i = home(map, hash);

	while (map->slots[i].key)
		if (++i == map->cap)
			i = 0;
	return &map->slots[i];
}

/* Rehash into a table of `cap` slots (more than the entries, fewer than 2^32). */
static int resize(struct rg_idmap *map, size_t cap)
{
	struct slot *old = map->slots;
	size_t old_cap = map->cap, i;

	map->slots = rg_calloc(cap, sizeof(struct slot));
	if (!map->slots) {
		map->slots = old;
		return RG_ENOMEM;
	}
	map->cap = cap;
	for (i = 0; i < old_cap; i++)
		if (old[i].key)
			*free_slot(map, old[i].hash) = old[i];
	free(old);
	return 0;
}

int rg_idmap_reserve(struct rg_idmap *map, size_t n)
{
	size_t cap;

	if (map->cap && fits(n, map->cap))
		return 0;
	if (!fits(n, UINT32_MAX / 2))
		return rg_error_set(RG_ENOMEM, "out of memory");
	cap = (size_t)((uint64_t)n * 100 / LOAD_PERCENT) + 1;
	return resize(map, cap < 64 ? 64 : cap);
}

int rg_idmap_add(struct rg_idmap *map, const char *key, size_t value)
{
	return rg_idmap_add_hashed(map, key, rg_idmap_hash(key), value);
}

int rg_idmap_add_hashed(struct rg_idmap *map, const char *key, uint64_t hash, size_t value)
{
	struct probe_key k;
	struct slot *s;

	/* growing, double the room */
	if ((!map->cap || !fits(map->count + 1, map->cap)) &&
	    rg_idmap_reserve(map, 2 * map->count + 1))
		return RG_ENOMEM;
	make_key(&k, key, hash);
	s = probe(map, &k);
	if (s->key)
		return RG_EINVALID;
	s->hash = k.hash;
	memcpy(s->head, k.head, INLINE_KEY);
	s->key = key;
	s->value = value;
	map->count++;
	return 0;
}

bool rg_idmap_get(const struct rg_idmap *map, const char *key, size_t *value)
{
	return map->count && rg_idmap_get_hashed(map, key, rg_idmap_hash(key), value);
}

bool rg_idmap_get_hashed(const struct rg_idmap *map, const char *key, uint64_t hash, size_t *value)
{
	struct probe_key k;
	const struct slot *s;

	if (!map->count)
		return false;
	make_key(&k, key, hash);
	s = probe(map, &k);
	if (!s->key)
		return false;
	*value = s->value;
	return true;
}

size_t rg_idmap_count(const struct rg_idmap *map)
{
	return map->count;
}
