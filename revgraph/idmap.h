/*
 * A string -> index map (revision ids, branch labels, real paths).  Keys are
 * borrowed (they must outlive the map).  Iteration order is never exposed.
 */
#ifndef RG_IDMAP_H
#define RG_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rg_idmap;

/** A new empty map, or NULL (RG_ENOMEM). */
struct rg_idmap *rg_idmap_new(void);
void rg_idmap_free(struct rg_idmap *map);

/** Add `key` -> `value`.  RG_EINVALID if the key is present, RG_ENOMEM. */
int rg_idmap_add(struct rg_idmap *map, const char *key, size_t value);

/** Look `key` up; true and *value set if present. */
bool rg_idmap_get(const struct rg_idmap *map, const char *key, size_t *value);

size_t rg_idmap_count(const struct rg_idmap *map);

/** Make room for `n` entries in all, so that adding them never rehashes.  0 or RG_ENOMEM. */
int rg_idmap_reserve(struct rg_idmap *map, size_t n);

/*
 * For loops over many keys: hash a key once, prefetch its slot some keys
 * ahead, then add or look it up with the hash (same results as without).
 */
uint64_t rg_idmap_hash(const char *key);
void rg_idmap_prefetch(const struct rg_idmap *map, uint64_t hash);
int rg_idmap_add_hashed(struct rg_idmap *map, const char *key, uint64_t hash, size_t value);
bool rg_idmap_get_hashed(const struct rg_idmap *map, const char *key, uint64_t hash, size_t *value);

#endif
