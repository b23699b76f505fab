/*
 * One revision as read from a revision file (.py header, native .yaml or
 * .sql), before it is linked into a revision map.
 */
#ifndef RG_REVISION_H
#define RG_REVISION_H

#include <stddef.h>

#include "revgraph/common.h"

/** A growable list of owned C strings. */
struct rg_strlist {
	char **items;
	size_t n;
	size_t alloc;
};

#define RG_STRLIST_INIT { NULL, 0, 0 }

void rg_strlist_init(struct rg_strlist *l);
/** Free every item and the list storage.  NULL is accepted. */
void rg_strlist_release(struct rg_strlist *l);
/** Append a copy of `s`.  0 or RG_ENOMEM. */
int rg_strlist_push(struct rg_strlist *l, const char *s);
/** Append `s`, taking ownership (freed on failure).  0 or RG_ENOMEM. */
int rg_strlist_push_owned(struct rg_strlist *l, char *s);
/** true if the list holds a string equal to `s`. */
bool rg_strlist_has(const struct rg_strlist *l, const char *s);
/** Replace the contents of `dst` with copies of `src`.  0 or RG_ENOMEM. */
int rg_strlist_copy(struct rg_strlist *dst, const struct rg_strlist *src);

enum rg_revfile_kind {
	RG_REVFILE_PY,
	RG_REVFILE_YAML,
	RG_REVFILE_SQL
};

/*
 * What a revision file declares.  Every string is owned by the struct and
 * freed by rg_revision_free().  Line numbers are 1-based, 0 when the key was
 * absent; they let the map name `file:line` in its reports.
 */
struct rg_rev_bodies;

struct rg_revision {
	char *id;
	struct rg_strlist down;		/* down_revision; empty for a root */
	struct rg_strlist deps;		/* depends_on, as written */
	struct rg_strlist labels;	/* branch_labels, as declared */
	bool has_deps;			/* depends_on given and not None/empty */
	char *doc;			/* the stripped docstring (message) */
	char *path;			/* the file, as found in the version location */
	char *create_date;		/* as written in the file, or NULL */
	enum rg_revfile_kind kind;
	bool body_is_noop;		/* .py: upgrade()/downgrade() only pass */
	bool non_transactional;		/* `transactional: false`: run outside a transaction */
	int line_id, line_down, line_deps, line_labels;
	struct rg_rev_bodies *bodies;	/* private: what it runs, when read with it (or NULL) */
	bool one_block;			/* private: allocated in one block with all it points
					   to but `path` (from the header cache) */
};

/** A zeroed revision, or NULL (RG_ENOMEM). */
struct rg_revision *rg_revision_new(void);
/** Free `rev` and all it owns.  NULL is accepted. */
void rg_revision_free(struct rg_revision *rev);

/**
 * Characters an id may not contain, per Alembic: '@', '-', '+'.
 * Returns true if `id` is acceptable; otherwise writes the offending
 * characters, sorted and joined with ", ", into `bad` (>= 16 bytes).
 */
bool rg_revision_id_ok(const char *id, char *bad, size_t bad_size);

#endif
