/*
 * revgraph stamp REV...: set the version table to the given revisions
 * without running any migration.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd.h"
#include "revgraph/migrate.h"
#include "banned.h"

const struct rg_opt cmd_stamp_opts[] = {
	{ 0, "sql", NULL, "Don't emit SQL to database - dump to standard output/file instead. See docs on offline mode." },
	{ 0, "tag", "TAG", "Arbitrary 'tag' name - can be used by custom env.py scripts." },
	{ 0, "purge", NULL, "Unconditionally erase the version table before stamping" },
	{ 0 }
};

int cmd_stamp(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_migrate_opts opts;
	const char *dests[RG_MAX_POSITIONALS];
	char *starts[RG_MAX_POSITIONALS], *owned[RG_MAX_POSITIONALS];
	bool sql = rg_ctx_flag(ctx, "sql");
	const char *start = NULL;
	int i, n = ctx->args.n_pos, status = 0;

	(void)argc;
	(void)argv;
	memset(&opts, 0, sizeof(opts));
	memset(starts, 0, sizeof(starts));
	memset(owned, 0, sizeof(owned));
	for (i = 0; i < n; i++) {
		dests[i] = ctx->args.pos[i];
		if (!sql || !strchr(dests[i], ':'))
			continue;
		if ((status = rg_cmd_split_range(ctx, ctx->args.pos[i], &starts[i], &owned[i])))
			goto out;
		dests[i] = owned[i];
		if (start && strcmp(start, starts[i])) {
			status = rg_cmd_failed(ctx, "Stamp operation with --sql only supports a single starting revision at a time");
			goto out;
		}
		start = starts[i];
	}
	opts.cmd = RG_MIGRATE_STAMP;
	opts.dests = dests;
	opts.n_dests = (size_t)n;
	opts.purge = rg_ctx_flag(ctx, "purge");
	opts.start = start;
	status = rg_cmd_migrate(ctx, &opts, sql);
out:
	for (i = 0; i < n; i++) {
		free(starts[i]);
		free(owned[i]);
	}
	return status;
}
