/*
 * revgraph heads: the versioned heads (or, with --resolve-dependencies, the
 * real heads) in load order, as Alembic prints them.
 */
#include "cmd.h"
#include "revgraph/render.h"
#include "banned.h"

const struct rg_opt cmd_heads_opts[] = {
	{ 'v', "verbose", NULL, "Use more verbose output" },
	{ 0, "resolve-dependencies", NULL, "Treat dependency versions as down revisions" },
	{ 0, "json", NULL, "Print one JSON document" },
	{ 0 }
};

int cmd_heads(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_idx_list heads = { 0 };
	struct rg_short_opts opts = { .branches = true };
	bool json = rg_ctx_flag(ctx, "json");
	size_t i;
	int err;

	(void)argc;
	(void)argv;
	err = rg_ctx_flag(ctx, "resolve-dependencies") ? rg_revmap_real_heads(&heads, ctx->map)
						       : rg_revmap_heads(&heads, ctx->map);
	if (err)
		return rg_cmd_failed(ctx, rg_error_last());
	if (json)
		rg_str_adds(&ctx->out, "{\"heads\":[");
	for (i = 0; i < heads.n; i++) {
		if (json) {
			if (i)
				rg_str_addch(&ctx->out, ',');
			rg_render_json_node(&ctx->out, ctx->map, heads.items[i]);
		} else if (rg_ctx_flag(ctx, "verbose")) {
			rg_render_log_entry(&ctx->out, ctx->map, heads.items[i], false);
			rg_str_addch(&ctx->out, '\n');
		} else {
			rg_render_short(&ctx->out, ctx->map, heads.items[i], &opts);
			rg_str_addch(&ctx->out, '\n');
		}
	}
	if (json)
		rg_str_adds(&ctx->out, "]}\n");
	rg_idx_list_release(&heads);
	return 0;
}
