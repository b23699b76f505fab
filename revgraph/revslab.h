/*
 * Slabs that revisions read from the header cache are carved from: a
 * revision, its item arrays and its strings take one stretch of a slab, so
 * loading 10k revisions is a dozen mallocs, and freeing them as many frees.
 * A slab goes with the last revision carved from it.
 */
#ifndef RG_REVSLAB_H
#define RG_REVSLAB_H

#include <stddef.h>

struct rg_rev_slab;

/** A slab of `cap` bytes, held once by its maker; NULL (RG_ENOMEM). */
struct rg_rev_slab *rg_rev_slab_new(size_t cap);

/**
 * `size` bytes (aligned for any pointer) for a revision from `s`, which it
 * then holds; NULL if the slab has no room left.
 */
void *rg_rev_slab_carve(struct rg_rev_slab *s, size_t size);

/** Drop one hold on `s` (a revision's, or its maker's); the last frees it.  NULL is accepted. */
void rg_rev_slab_release(struct rg_rev_slab *s);

#endif
