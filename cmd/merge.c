/*
 * revgraph merge REVS...: a revision whose parents are the given heads
 * (`merge heads`: every real head), with Alembic's checks, and revgraph's
 * refusal to merge a merge that duplicates another.
 */
#include <string.h>

#include "cmd.h"
#include "revgraph/author.h"
#include "banned.h"

const struct rg_opt cmd_merge_opts[] = {
	{ 'm', "message", "MESSAGE", "Message string to use with 'revision'" },
	{ 0, "branch-label", "BRANCH_LABEL", "Specify a branch label to apply to the new revision" },
	{ 0, "rev-id", "REV_ID", "Specify a hardcoded revision id instead of generating one" },
	{ 0 }
};

int cmd_merge(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_author_opts opts;

	(void)argc;
	(void)argv;
	memset(&opts, 0, sizeof(opts));
	opts.message = rg_ctx_value(ctx, "message");
	opts.heads = ctx->args.pos;
	opts.n_heads = (size_t)ctx->args.n_pos;
	opts.branch_label = rg_ctx_value(ctx, "branch-label");
	opts.rev_id = rg_ctx_value(ctx, "rev-id");
	opts.merge = true;
	return rg_cmd_author(ctx, &opts);
}
