/*
 * Alembic's revision identifier grammar: full ids, unique prefixes, head,
 * heads, base, branch labels, X@head, X@heads, X@rev, X@base, -N, label@-N,
 * and the relative forms (+N, -N, sym+N, label@sym-N) of ranges.
 *
 * Errors carry the text Alembic's CLI prints ("Can't locate revision
 * identified by 'x'", "Multiple head revisions are present ...", "Ambiguous
 * walk"); rg_error_detail() holds Alembic's inner message where the CLI
 * text hides it (the candidates of an ambiguous prefix).
 */
#ifndef RG_RESOLVE_H
#define RG_RESOLVE_H

#include "revgraph/revmap.h"

/**
 * Alembic's get_revisions(arg): zero or more revisions, in Alembic's order.
 * `out` is caller-owned and is overwritten.  0, RG_ENOTFOUND, RG_EMULTIHEAD,
 * RG_EAMBIGUOUS, RG_EINVALID or RG_ENOMEM.
 */
int rg_resolve(struct rg_idx_list *out, const struct rg_revmap *map, const char *arg);

/**
 * Alembic's get_revision(arg): at most one revision.  *found is false for
 * base.  RG_EMULTIHEAD if the argument stands for several.
 */
int rg_resolve_one(size_t *out, bool *found, const struct rg_revmap *map, const char *arg);

/**
 * The revisions `history -r base:head` prints, newest first (NULL `base`
 * means "base", NULL `head` means "heads").
 */
int rg_resolve_history(struct rg_idx_list *out, const struct rg_revmap *map, const char *base,
		       const char *head);

/** Set Alembic's MultipleHeads text for `arg` and return RG_EMULTIHEAD. */
int rg_resolve_multiple_heads_error(const char *arg);

#endif
