/*
 * The revision map: every revision of a project linked into a DAG, checked,
 * with Alembic's derived facts (heads, real heads, branch points, merge
 * points, normalised dependencies, propagated branch labels).  Revisions are
 * addressed by their load index (sorted file-name order).
 */
#ifndef RG_REVMAP_H
#define RG_REVMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "revgraph/common.h"
#include "revgraph/revision.h"

/** A growable list of revision indices. */
struct rg_idx_list {
	size_t *items;
	size_t n;
	size_t alloc;
};

void rg_idx_list_release(struct rg_idx_list *l);
int rg_idx_list_push(struct rg_idx_list *l, size_t v);
bool rg_idx_list_has(const struct rg_idx_list *l, size_t v);

struct rg_node {
	struct rg_revision *rev;	/* owned by the map */
	size_t index;			/* load order */
	struct rg_idx_list down;	/* versioned down revisions, as declared */
	struct rg_idx_list deps;	/* resolved depends_on, deduplicated */
	struct rg_idx_list ndeps;	/* deps not already a dependency of an ancestor */
	struct rg_idx_list next;	/* children through down_revision, load order */
	struct rg_idx_list all_next;	/* children and dependents, load order */
	const char **labels;		/* propagated labels, sorted; borrowed strings */
	size_t n_labels, alloc_labels;
	size_t level;			/* 1 + max level over down + ndeps; roots 0 */
};

struct rg_revmap;

/**
 * Link `revs` (n revisions in load order) into a map, taking ownership of
 * every revision (and freeing them on failure; the array itself stays the
 * caller's).  Every problem found is reported at once, one per line,
 * prefixed with `file:line:` where a file is at fault: duplicate ids, illegal
 * characters, self-loops, label collisions, dangling down_revision and
 * depends_on entries; then cycles, with Alembic's messages.
 * Returns 0, RG_EINVALID, RG_ECYCLE or RG_ENOMEM.  Free with rg_revmap_free().
 */
int rg_revmap_build(struct rg_revmap **out, struct rg_revision **revs, size_t n);

void rg_revmap_free(struct rg_revmap *map);

size_t rg_revmap_count(const struct rg_revmap *map);

/** Node `i` (< count); owned by the map. */
const struct rg_node *rg_revmap_node(const struct rg_revmap *map, size_t i);

/** Exact revision id -> index. */
bool rg_revmap_find_id(const struct rg_revmap *map, const char *id, size_t *idx);

/** Branch label -> index of the revision that declares it. */
bool rg_revmap_find_label(const struct rg_revmap *map, const char *label, size_t *idx);

/**
 * Keys (ids, then labels) that start with `prefix` and are longer than 3
 * characters, as Alembic's partial lookup sees them: matching ids in load
 * order, then matching labels by the load order of the revision that
 * declares them.  Each result is that revision's index; `out` is
 * caller-owned and overwritten.  0 or RG_ENOMEM.
 */
int rg_revmap_prefix(struct rg_idx_list *out, const struct rg_revmap *map, const char *prefix);

static inline bool rg_node_is_head(const struct rg_node *n) { return n->next.n == 0; }
static inline bool rg_node_is_real_head(const struct rg_node *n) { return n->all_next.n == 0; }
static inline bool rg_node_is_base(const struct rg_node *n) { return n->down.n == 0; }
static inline bool rg_node_is_branchpoint(const struct rg_node *n) { return n->next.n > 1; }
static inline bool rg_node_is_mergepoint(const struct rg_node *n) { return n->down.n > 1; }

/** Versioned heads (no down_revision child) in load order. */
int rg_revmap_heads(struct rg_idx_list *out, const struct rg_revmap *map);
/** Real heads (no child nor dependent) in load order. */
int rg_revmap_real_heads(struct rg_idx_list *out, const struct rg_revmap *map);
/** Bases (no down_revision) in load order. */
int rg_revmap_bases(struct rg_idx_list *out, const struct rg_revmap *map);

/** true if node `idx` carries `label` after propagation. */
bool rg_node_has_label(const struct rg_node *n, const char *label);

#endif
