/*
 * Alembic's two text forms of a revision (the one-line "head only" form and
 * the verbose log entry) and revgraph's JSON form, appended to a string.
 * The library renders; only the CLI prints.
 */
#ifndef RG_RENDER_H
#define RG_RENDER_H

#include "revgraph/revmap.h"
#include "revgraph/str.h"

struct rg_short_opts {
	bool branches;		/* " (label, ...)" */
	bool doc;		/* ", <first paragraph of the doc>" */
	bool parents;		/* "<down> [(<depends_on>)] -> " before the id */
	bool tree;		/* " (branchpoint)", " (mergepoint)" */
	bool current;		/* " (current)" */
};

/** Append the one-line form of node `i` (Alembic's _head_only). */
void rg_render_short(struct rg_str *out, const struct rg_revmap *map, size_t i,
		     const struct rg_short_opts *opts);

/** Append the verbose form of node `i` (Alembic's log_entry), ending in "\n". */
void rg_render_log_entry(struct rg_str *out, const struct rg_revmap *map, size_t i, bool current);

/** Append the first paragraph of the doc (text before the first "\n\n"). */
void rg_render_doc_first(struct rg_str *out, const char *doc);

/**
 * Append node `i` as one JSON object: revision, down_revisions, depends_on
 * (as written), resolved_dependencies, branch_labels, is_head,
 * is_effective_head, is_branchpoint, is_mergepoint, is_base, children,
 * doc, path.
 */
void rg_render_json_node(struct rg_str *out, const struct rg_revmap *map, size_t i);

/** Append `s` as a JSON string literal. */
void rg_render_json_string(struct rg_str *out, const char *s);

#endif
