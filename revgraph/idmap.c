/*
 * uthash behind typed wrappers (idmap.h).  Entries come from a slab so that
 * building a 100k-revision map costs a handful of allocations.
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
#include "uthash.h"

#include "banned.h"

struct entry {
	const char *key;
	size_t value;
	UT_hash_handle hh;
};

#define SLAB 1024

struct slab {
	struct slab *next;
	size_t used;
	struct entry entries[SLAB];
};

struct rg_idmap {
	struct entry *head;
	struct slab *slabs;
	size_t count;
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

int rg_idmap_add(struct rg_idmap *map, const char *key, size_t value)
{
	struct entry *e = NULL;
	size_t len = strlen(key);
	int failed = 0;

	HASH_FIND(hh, map->head, key, len, e);
	if (e)
		return RG_EINVALID;
	if (!map->slabs || map->slabs->used == SLAB) {
		struct slab *s = rg_malloc(sizeof(*s));

		if (!s)
			return RG_ENOMEM;
		s->next = map->slabs;
		s->used = 0;
		map->slabs = s;
	}
	e = &map->slabs->entries[map->slabs->used];
	e->key = key;
	e->value = value;
#undef uthash_nonfatal_oom
#define uthash_nonfatal_oom(obj) (failed = 1)
	HASH_ADD_KEYPTR(hh, map->head, e->key, len, e);
	if (failed)
		return rg_error_set(RG_ENOMEM, "out of memory");
	map->slabs->used++;
	map->count++;
	return 0;
}

bool rg_idmap_get(const struct rg_idmap *map, const char *key, size_t *value)
{
	struct entry *e = NULL;

	HASH_FIND(hh, map->head, key, strlen(key), e);
	if (!e)
		return false;
	*value = e->value;
	return true;
}

size_t rg_idmap_count(const struct rg_idmap *map)
{
	return map->count;
}
