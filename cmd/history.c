/*
 * revgraph history: the revisions of a range, newest first, in Alembic's
 * topological order.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd.h"
#include "revgraph/db.h"
#include "revgraph/render.h"
#include "revgraph/resolve.h"
#include "banned.h"

const struct rg_opt cmd_history_opts[] = {
	{ 'r', "rev-range", "REV_RANGE", "Specify a revision range; format is [start]:[end]" },
	{ 'v', "verbose", NULL, "Use more verbose output" },
	{ 'i', "indicate-current", NULL, "Indicate the current revision (needs a database)" },
	{ 0, "json", NULL, "Print one JSON document" },
	{ 0 }
};

int cmd_history(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_idx_list order = { 0 }, rows = { 0 };
	struct rg_db *db = NULL;
	bool indicate, ranged;
	struct rg_short_opts opts = { .branches = true, .doc = true, .parents = true, .tree = true };
	const char *range = rg_ctx_value(ctx, "rev-range");
	char *base = NULL, *head = NULL;
	bool json = rg_ctx_flag(ctx, "json");
	size_t i;
	int err, status = 0;

	(void)argc;
	(void)argv;
	if (range) {
		const char *b = range, *e = range + strlen(range), *colon;

		while (b < e && (*b == ' ' || *b == '\t' || *b == '\n'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
			e--;
		colon = memchr(b, ':', (size_t)(e - b));
		if (!colon)
			return rg_cmd_failed(ctx, "History range requires [start]:[end], [start]:, or :[end]");
		if (memchr(colon + 1, ':', (size_t)(e - colon - 1)))
			return rg_cmd_failed(ctx, "History range requires [start]:[end], [start]:, or :[end] (one ':' only)");
		if (colon > b && !(base = rg_strndup(b, (size_t)(colon - b))))
			return rg_cmd_failed(ctx, "out of memory");
		if (e > colon + 1 && !(head = rg_strndup(colon + 1, (size_t)(e - colon - 1)))) {
			free(base);
			return rg_cmd_failed(ctx, "out of memory");
		}
	}
	indicate = rg_ctx_flag(ctx, "indicate-current");
	ranged = (base && !strcmp(base, "current")) || (head && !strcmp(head, "current"));
	if (indicate || ranged) {
		/* -i only marks the rows it knows; a range from them needs them all */
		if ((status = rg_cmd_open_db(ctx, false, &db)) ||
		    (status = rg_cmd_read_rows(ctx, db, &rows, !ranged)))
			goto out;
	}
	err = rg_resolve_history_current(&order, ctx->map, base, head, &rows);
	if (err == RG_EMULTIHEAD)
		rg_resolve_multiple_heads_error(head ? head : "heads");
	if (err) {
		status = db ? rg_cmd_env_failed(ctx, rg_error_last()) : rg_cmd_failed(ctx, rg_error_last());
		goto out;
	}
	if (json)
		rg_str_adds(&ctx->out, "{\"history\":[");
	for (i = 0; i < order.n; i++) {
		if (json) {
			if (i)
				rg_str_addch(&ctx->out, ',');
			rg_render_json_node(&ctx->out, ctx->map, order.items[i]);
		} else if (rg_ctx_flag(ctx, "verbose")) {
			rg_render_log_entry(&ctx->out, ctx->map, order.items[i],
					    indicate && rg_idx_list_has(&rows, order.items[i]));
			rg_str_addch(&ctx->out, '\n');
		} else {
			opts.current = indicate && rg_idx_list_has(&rows, order.items[i]);
			rg_render_short(&ctx->out, ctx->map, order.items[i], &opts);
			rg_str_addch(&ctx->out, '\n');
		}
	}
	if (json)
		rg_str_adds(&ctx->out, "]}\n");
out:
	free(base);
	free(head);
	rg_db_close(db);
	rg_idx_list_release(&order);
	rg_idx_list_release(&rows);
	return status;
}
