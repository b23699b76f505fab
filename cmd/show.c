/*
 * revgraph show REV: the verbose entry of each revision the symbol denotes.
 */
#include <string.h>

#include "cmd.h"
#include "revgraph/db.h"
#include "revgraph/render.h"
#include "revgraph/resolve.h"
#include "banned.h"

const struct rg_opt cmd_show_opts[] = {
	{ 0, "json", NULL, "Print one JSON document" },
	{ 0 }
};

int cmd_show(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_idx_list revs = { 0 };
	const char *rev = ctx->args.pos[0];
	bool json = rg_ctx_flag(ctx, "json");
	size_t i;

	(void)argc;
	(void)argv;
	if (!strcmp(rev, "current")) {
		struct rg_db *db = NULL;
		int status;

		/* the raw rows, as Alembic's get_revisions(heads) gives them */
		if (!(status = rg_cmd_open_db(ctx, false, &db)))
			status = rg_cmd_read_rows(ctx, db, &revs, false);
		rg_db_close(db);
		if (status) {
			rg_idx_list_release(&revs);
			return status;
		}
	} else if (rg_resolve(&revs, ctx->map, rev)) {
		rg_idx_list_release(&revs);
		return rg_cmd_failed(ctx, rg_error_last());
	}
	if (json)
		rg_str_adds(&ctx->out, "{\"revisions\":[");
	for (i = 0; i < revs.n; i++) {
		if (json) {
			if (i)
				rg_str_addch(&ctx->out, ',');
			rg_render_json_node(&ctx->out, ctx->map, revs.items[i]);
		} else {
			rg_render_log_entry(&ctx->out, ctx->map, revs.items[i], false);
			rg_str_addch(&ctx->out, '\n');
		}
	}
	if (json)
		rg_str_adds(&ctx->out, "]}\n");
	rg_idx_list_release(&revs);
	return 0;
}
