/*
 * revgraph current: the revisions the database is at (Alembic's "effective
 * current": the rows and what they imply, as branch tips).
 */
#include <string.h>

#include "cmd.h"
#include "revgraph/db.h"
#include "revgraph/migrate.h"
#include "revgraph/render.h"
#include "revgraph/resolve.h"
#include "banned.h"

const struct rg_opt cmd_current_opts[] = {
	{ 'v', "verbose", NULL, "Use more verbose output" },
	{ 0, "json", NULL, "Print one JSON document" },
	{ 0 }
};

int cmd_current(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_short_opts opts = { .tree = true };
	struct rg_idx_list rows = { 0 }, eff = { 0 };
	struct rg_db *db = NULL;
	bool json = rg_ctx_flag(ctx, "json"), verbose = rg_ctx_flag(ctx, "verbose");
	size_t i;
	int status;

	(void)argc;
	(void)argv;
	if ((status = rg_cmd_open_db(ctx, false, &db)))
		goto out;
	/* Alembic prints this line before it looks at the rows */
	if (verbose && !json) {
		struct rg_dburl url;

		if (!rg_dburl_parse(&url, ctx->cfg->url)) {
			rg_str_adds(&ctx->out, "Current revision(s) for ");
			rg_dburl_render(&ctx->out, &url, true);
			rg_str_adds(&ctx->out, ":\n");
			rg_dburl_release(&url);
		}
	}
	/* unlike history -i, Alembic's current never creates the table */
	if (rg_migrate_read_rows(&rows, NULL, false, ctx->cfg, ctx->map, db)) {
		status = rg_cmd_env_failed(ctx, rg_error_last());
		goto out;
	}
	if (rg_resolve_effective_current(&eff, ctx->map, &rows)) {
		status = rg_cmd_env_failed(ctx, rg_error_last());
		goto out;
	}
	if (json) {
		rg_str_adds(&ctx->out, "{\"rows\":[");
		for (i = 0; i < rows.n; i++) {
			if (i)
				rg_str_addch(&ctx->out, ',');
			rg_render_json_string(&ctx->out, rg_revmap_node(ctx->map, rows.items[i])->rev->id);
		}
		rg_str_adds(&ctx->out, "],\"current\":[");
	}
	for (i = 0; i < eff.n; i++) {
		if (json) {
			if (i)
				rg_str_addch(&ctx->out, ',');
			rg_render_json_node(&ctx->out, ctx->map, eff.items[i]);
		} else if (verbose) {
			rg_render_log_entry(&ctx->out, ctx->map, eff.items[i], false);
			rg_str_addch(&ctx->out, '\n');
		} else {
			rg_render_short(&ctx->out, ctx->map, eff.items[i], &opts);
			rg_str_addch(&ctx->out, '\n');
		}
	}
	if (json)
		rg_str_adds(&ctx->out, "]}\n");
out:
	rg_db_close(db);
	rg_idx_list_release(&rows);
	rg_idx_list_release(&eff);
	return status;
}
