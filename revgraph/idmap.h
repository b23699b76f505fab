/*
 * A string -> index map: the one place revgraph uses uthash, behind typed
 * functions.  Keys are borrowed (they must outlive the map).  Iteration order
 * is never exposed.
 */
#ifndef RG_IDMAP_H
#define RG_IDMAP_H

#include <stdbool.h>
#include <stddef.h>

struct rg_idmap;

/** A new empty map, or NULL (RG_ENOMEM). */
struct rg_idmap *rg_idmap_new(void);
void rg_idmap_free(struct rg_idmap *map);

/** Add `key` -> `value`.  RG_EINVALID if the key is present, RG_ENOMEM. */
int rg_idmap_add(struct rg_idmap *map, const char *key, size_t value);

/** Look `key` up; true and *value set if present. */
bool rg_idmap_get(const struct rg_idmap *map, const char *key, size_t *value);

size_t rg_idmap_count(const struct rg_idmap *map);

#endif
