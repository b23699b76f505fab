/*
 * revgraph upgrade REV: apply the revisions up to REV (or, with --sql,
 * write them as SQL; `A:B` starts from A).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "revgraph/migrate.h"
#include "banned.h"

const struct rg_opt cmd_upgrade_opts[] = {
	{ 0, "sql", NULL, "Don't emit SQL to database - dump to standard output/file instead. See docs on offline mode." },
	{ 0, "tag", "TAG", "Arbitrary 'tag' name - can be used by custom env.py scripts." },
	{ 0 }
};

int cmd_upgrade(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_migrate_opts opts;
	const char *arg = ctx->args.pos[0];
	bool sql = rg_ctx_flag(ctx, "sql");
	char *start = NULL, *dest = NULL;
	int status;

	(void)argc;
	(void)argv;
	memset(&opts, 0, sizeof(opts));
	opts.cmd = RG_MIGRATE_UPGRADE;
	opts.target = arg;
	if (strchr(arg, ':')) {
		if (!sql)
			return rg_cmd_failed(ctx, "Range revision not allowed");
		if ((status = rg_cmd_split_range(ctx, arg, &start, &dest)))
			return status;
		opts.start = start;
		opts.target = dest;
	}
	status = rg_cmd_migrate(ctx, &opts, sql);
	free(start);
	free(dest);
	return status;
}
