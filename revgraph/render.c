/*
 * Text and JSON forms of revisions (revgraph/render.h), byte for byte as
 * Alembic 1.8.1's Script.__str__/_head_only/log_entry print them.
 */
#include <string.h>

#include "revgraph/render.h"
#include "banned.h"

static void comma_list(struct rg_str *out, const struct rg_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		rg_str_addf(out, "%s%s", i ? ", " : "", l->items[i]);
}

static void down_text(struct rg_str *out, const struct rg_node *nd)
{
	if (!nd->rev->down.n)
		rg_str_adds(out, "<base>");
	else
		comma_list(out, &nd->rev->down);
}

static void labels_text(struct rg_str *out, const struct rg_node *nd)
{
	size_t i;

	for (i = 0; i < nd->n_labels; i++)
		rg_str_addf(out, "%s%s", i ? ", " : "", nd->labels[i]);
}

void rg_render_doc_first(struct rg_str *out, const char *doc)
{
	const char *para = strstr(doc, "\n\n");

	rg_str_add(out, doc, para ? (size_t)(para - doc) : strlen(doc));
}

void rg_render_short(struct rg_str *out, const struct rg_revmap *map, size_t i,
		     const struct rg_short_opts *opts)
{
	const struct rg_node *nd = rg_revmap_node(map, i);

	if (opts->parents) {
		down_text(out, nd);
		if (nd->rev->deps.n) {
			rg_str_adds(out, " (");
			comma_list(out, &nd->rev->deps);
			rg_str_addch(out, ')');
		}
		rg_str_adds(out, " -> ");
	}
	rg_str_adds(out, nd->rev->id);
	if (opts->branches && nd->n_labels) {
		rg_str_adds(out, " (");
		labels_text(out, nd);
		rg_str_addch(out, ')');
	}
	if (rg_node_is_real_head(nd))
		rg_str_adds(out, " (head)");
	else if (rg_node_is_head(nd))
		rg_str_adds(out, " (effective head)");
	if (opts->current)
		rg_str_adds(out, " (current)");
	if (opts->tree) {
		if (rg_node_is_branchpoint(nd))
			rg_str_adds(out, " (branchpoint)");
		if (rg_node_is_mergepoint(nd))
			rg_str_adds(out, " (mergepoint)");
	}
	if (opts->doc) {
		rg_str_adds(out, ", ");
		rg_render_doc_first(out, nd->rev->doc);
	}
}

/* Python's str.splitlines() boundaries, in UTF-8: length of the break at p, or 0. */
static size_t line_break(const unsigned char *p)
{
	if (p[0] == '\r' && p[1] == '\n')
		return 2;
	if (p[0] == '\n' || p[0] == '\r' || p[0] == '\v' || p[0] == '\f' ||
	    p[0] == 0x1c || p[0] == 0x1d || p[0] == 0x1e)
		return 1;
	if (p[0] == 0xc2 && p[1] == 0x85)
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
		return 3;
	return 0;
}

void rg_render_log_entry(struct rg_str *out, const struct rg_revmap *map, size_t i, bool current)
{
	const struct rg_node *nd = rg_revmap_node(map, i);
	const unsigned char *p = (const unsigned char *)nd->rev->doc, *line = p;
	bool first = true;
	size_t k;

	rg_str_addf(out, "Rev: %s", nd->rev->id);
	if (rg_node_is_head(nd))
		rg_str_adds(out, " (head)");
	if (rg_node_is_branchpoint(nd))
		rg_str_adds(out, " (branchpoint)");
	if (rg_node_is_mergepoint(nd))
		rg_str_adds(out, " (mergepoint)");
	if (current)
		rg_str_adds(out, " (current)");
	rg_str_adds(out, rg_node_is_mergepoint(nd) ? "\nMerges: " : "\nParent: ");
	down_text(out, nd);
	rg_str_addch(out, '\n');
	if (nd->rev->deps.n) {
		rg_str_adds(out, "Also depends on: ");
		comma_list(out, &nd->rev->deps);
		rg_str_addch(out, '\n');
	}
	if (rg_node_is_branchpoint(nd)) {
		rg_str_adds(out, "Branches into: ");
		for (k = 0; k < nd->next.n; k++)
			rg_str_addf(out, "%s%s", k ? ", " : "",
				    rg_revmap_node(map, nd->next.items[k])->rev->id);
		rg_str_addch(out, '\n');
	}
	if (nd->n_labels) {
		rg_str_adds(out, "Branch names: ");
		labels_text(out, nd);
		rg_str_addch(out, '\n');
	}
	rg_str_addf(out, "Path: %s\n\n", nd->rev->path);
	/* each line of the doc indented by four spaces, joined with "\n" */
	while (*line) {
		size_t brk = 0;

		p = line;
		while (*p && !(brk = line_break(p)))
			p++;
		if (!first)
			rg_str_addch(out, '\n');
		first = false;
		rg_str_adds(out, "    ");
		rg_str_add(out, (const char *)line, (size_t)(p - line));
		line = p + brk;
	}
	rg_str_addch(out, '\n');
}

void rg_render_json_string(struct rg_str *out, const char *s)
{
	const unsigned char *p;

	rg_str_addch(out, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			rg_str_adds(out, "\\\"");
			break;
		case '\\':
			rg_str_adds(out, "\\\\");
			break;
		case '\n':
			rg_str_adds(out, "\\n");
			break;
		case '\r':
			rg_str_adds(out, "\\r");
			break;
		case '\t':
			rg_str_adds(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				rg_str_addf(out, "\\u%04x", *p);
			else
				rg_str_addch(out, (char)*p);
		}
	}
	rg_str_addch(out, '"');
}

static void json_strlist(struct rg_str *out, const struct rg_strlist *l)
{
	size_t i;

	rg_str_addch(out, '[');
	for (i = 0; i < l->n; i++) {
		if (i)
			rg_str_addch(out, ',');
		rg_render_json_string(out, l->items[i]);
	}
	rg_str_addch(out, ']');
}

static void json_ids(struct rg_str *out, const struct rg_revmap *map, const struct rg_idx_list *l)
{
	size_t i;

	rg_str_addch(out, '[');
	for (i = 0; i < l->n; i++) {
		if (i)
			rg_str_addch(out, ',');
		rg_render_json_string(out, rg_revmap_node(map, l->items[i])->rev->id);
	}
	rg_str_addch(out, ']');
}

void rg_render_json_node(struct rg_str *out, const struct rg_revmap *map, size_t i)
{
	const struct rg_node *nd = rg_revmap_node(map, i);
	size_t k;

	rg_str_adds(out, "{\"revision\":");
	rg_render_json_string(out, nd->rev->id);
	rg_str_adds(out, ",\"down_revisions\":");
	json_strlist(out, &nd->rev->down);
	rg_str_adds(out, ",\"depends_on\":");
	json_strlist(out, &nd->rev->deps);
	rg_str_adds(out, ",\"resolved_dependencies\":");
	json_ids(out, map, &nd->deps);
	rg_str_adds(out, ",\"branch_labels\":[");
	for (k = 0; k < nd->n_labels; k++) {
		if (k)
			rg_str_addch(out, ',');
		rg_render_json_string(out, nd->labels[k]);
	}
	rg_str_addf(out, "],\"is_head\":%s,\"is_effective_head\":%s,\"is_base\":%s,"
		    "\"is_branchpoint\":%s,\"is_mergepoint\":%s,\"children\":",
		    rg_node_is_real_head(nd) ? "true" : "false",
		    rg_node_is_head(nd) && !rg_node_is_real_head(nd) ? "true" : "false",
		    rg_node_is_base(nd) ? "true" : "false",
		    rg_node_is_branchpoint(nd) ? "true" : "false",
		    rg_node_is_mergepoint(nd) ? "true" : "false");
	json_ids(out, map, &nd->next);
	rg_str_adds(out, ",\"doc\":");
	rg_render_json_string(out, nd->rev->doc);
	rg_str_adds(out, ",\"path\":");
	rg_render_json_string(out, nd->rev->path);
	rg_str_addch(out, '}');
}
