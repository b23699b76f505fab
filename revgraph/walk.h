/*
 * Graph walks over a revision map: node sets as bitsets, ancestor and
 * descendant closures, lineage tests and Alembic's topological order.
 */
#ifndef RG_WALK_H
#define RG_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "revgraph/revmap.h"

struct rg_bitset {
	uint64_t *w;
	size_t nbits;
};

int rg_bitset_init(struct rg_bitset *b, size_t nbits);
void rg_bitset_release(struct rg_bitset *b);
static inline bool rg_bitset_has(const struct rg_bitset *b, size_t i)
{
	return (b->w[i >> 6] >> (i & 63)) & 1;
}
static inline void rg_bitset_set(struct rg_bitset *b, size_t i)
{
	b->w[i >> 6] |= (uint64_t)1 << (i & 63);
}
static inline void rg_bitset_clear(struct rg_bitset *b, size_t i)
{
	b->w[i >> 6] &= ~((uint64_t)1 << (i & 63));
}
size_t rg_bitset_count(const struct rg_bitset *b);

/** qsort comparator for size_t (revision indices: load order). */
int rg_cmp_index(const void *a, const void *b);

enum rg_walk_dir {
	RG_WALK_DOWN,		/* down_revision only */
	RG_WALK_DOWN_DEPS,	/* down_revision and normalised dependencies */
	RG_WALK_DOWN_ALL,	/* down_revision and every resolved dependency */
	RG_WALK_UP,		/* down_revision children only */
	RG_WALK_UP_DEPS		/* children and dependents */
};

/**
 * Add to `set` every node reachable from the `n` start nodes in direction
 * `dir`, the starts included.  With `check`, fail as Alembic does when one
 * start reaches another: "Requested revision A overlaps with other requested
 * revisions B" (RG_EINVALID).  0, RG_EINVALID or RG_ENOMEM.
 */
int rg_walk_mark(struct rg_bitset *set, const struct rg_revmap *map, const size_t *starts,
		 size_t n, enum rg_walk_dir dir, bool check);

/** *out: does `a` reach `b` going `dir` (a == b counts).  0 or RG_ENOMEM. */
int rg_walk_reaches(bool *out, const struct rg_revmap *map, size_t a, size_t b,
		    enum rg_walk_dir dir);

/**
 * Alembic's shares-lineage test without dependencies: *out is true when `b`
 * is an ancestor or a descendant of `a` (or `a` itself).  0 or RG_ENOMEM.
 */
int rg_walk_lineage(bool *out, const struct rg_revmap *map, size_t a, size_t b);

/**
 * The nodes of `todo` in Alembic's topological order, newest first, walking
 * from `heads` (those in `todo`, sorted by load order).  RG_EINVALID if some
 * node of `todo` is not reached from those heads.
 */
int rg_walk_toposort(struct rg_idx_list *out, const struct rg_revmap *map,
		     const struct rg_bitset *todo, const size_t *heads, size_t n_heads);

/**
 * The work the last rg_walk_toposort() call on this thread did: edges
 * scanned, queue operations and list entries moved, a deterministic count
 * for tests that the sort stays near-linear.
 */
size_t rg_walk_toposort_work(void);

/**
 * For tests: on this thread, rg_walk_toposort() starts tracking what each
 * region of its labels meets (walk.c) once regions it could not link for
 * want of that have been relabelled this many times per revision (default
 * 16; 0: from the start).  The order never depends on it.  Returns the value
 * it replaces.
 */
size_t rg_walk_toposort_tune(size_t work_per_revision);

#endif
