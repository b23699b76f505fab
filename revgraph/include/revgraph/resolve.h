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

/**
 * The targets of `upgrade TARGET` from the version table rows `rows`
 * (Alembic's _parse_upgrade_target with assert_relative_length): absolute
 * symbols, +N/-N relative to the rows, sym+N, label@sym-N.  A walk off the
 * graph is an error ("Relative revision +5 didn't produce 5 migrations", or
 * "Walked too far" where Alembic 1.8.1 crashes).
 */
int rg_resolve_upgrade_targets(struct rg_idx_list *out, const struct rg_revmap *map,
			       const struct rg_idx_list *rows, const char *target);

/**
 * The target of `downgrade TARGET` (Alembic's _parse_downgrade_target):
 * *found is false for base; *label gets the branch label the target was
 * given with (or, for a plain -N, the id of the row walked from), newly
 * allocated or NULL.  *multi_warning is set when -N picked the first of
 * several rows (Alembic warns).
 */
int rg_resolve_downgrade_target(size_t *out, bool *found, char **label, bool *multi_warning,
				const struct rg_revmap *map, const struct rg_idx_list *rows,
				const char *target);

/**
 * Alembic's "effective current" revisions (`current`): the rows and all
 * their ancestors (dependencies included), less every one that has a
 * down_revision descendant among them; in load order.
 */
int rg_resolve_effective_current(struct rg_idx_list *out, const struct rg_revmap *map,
				 const struct rg_idx_list *rows);

/**
 * Alembic's filter_for_lineage: keep the members of `targets` that share
 * lineage (are an ancestor, a descendant or the same; through dependencies
 * too when `deps`) with what `check_against` names.
 */
int rg_resolve_filter_lineage(struct rg_idx_list *targets, const struct rg_revmap *map,
			      const char *check_against, bool deps);

/**
 * rg_resolve_history() where `base` or `head` may be "current": the version
 * table rows `rows` stand in for it (none: the default end).
 */
int rg_resolve_history_current(struct rg_idx_list *out, const struct rg_revmap *map,
			       const char *base, const char *head, const struct rg_idx_list *rows);

/** Set Alembic's MultipleHeads text for `arg` and return RG_EMULTIHEAD. */
int rg_resolve_multiple_heads_error(const char *arg);

#endif
