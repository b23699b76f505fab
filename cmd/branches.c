/*
 * revgraph branches: every branch point, in history order, with the
 * revisions it branches into.
 */
#include <string.h>

#include "cmd.h"
#include "revgraph/render.h"
#include "revgraph/resolve.h"
#include "banned.h"

const struct rg_opt cmd_branches_opts[] = {
	{ 'v', "verbose", NULL, "Use more verbose output" },
	{ 0, "json", NULL, "Print one JSON document" },
	{ 0 }
};

int cmd_branches(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_idx_list order = { 0 };
	struct rg_short_opts head_opts = { .branches = true, .tree = true };
	struct rg_short_opts child_opts = { .branches = true, .tree = true };
	bool verbose = rg_ctx_flag(ctx, "verbose"), json = rg_ctx_flag(ctx, "json");
	size_t i, k, n_out = 0;
	int err;

	(void)argc;
	(void)argv;
	child_opts.doc = verbose;
	if ((err = rg_resolve_history(&order, ctx->map, NULL, NULL))) {
		rg_idx_list_release(&order);
		return rg_cmd_failed(ctx, rg_error_last());
	}
	if (json)
		rg_str_adds(&ctx->out, "{\"branchpoints\":[");
	for (i = 0; i < order.n; i++) {
		const struct rg_node *nd = rg_revmap_node(ctx->map, order.items[i]);

		if (!rg_node_is_branchpoint(nd))
			continue;
		if (json) {
			if (n_out++)
				rg_str_addch(&ctx->out, ',');
			rg_render_json_node(&ctx->out, ctx->map, order.items[i]);
			continue;
		}
		if (verbose)
			rg_render_log_entry(&ctx->out, ctx->map, order.items[i], false);
		else
			rg_render_short(&ctx->out, ctx->map, order.items[i], &head_opts);
		rg_str_addch(&ctx->out, '\n');
		for (k = 0; k < nd->next.n; k++) {
			if (k)
				rg_str_addch(&ctx->out, '\n');
			rg_str_addchars(&ctx->out, ' ', strlen(nd->rev->id));
			rg_str_adds(&ctx->out, " -> ");
			rg_render_short(&ctx->out, ctx->map, nd->next.items[k], &child_opts);
		}
		rg_str_adds(&ctx->out, "\n\n");
	}
	if (json)
		rg_str_adds(&ctx->out, "]}\n");
	rg_idx_list_release(&order);
	return 0;
}
