/*
 * revgraph ensure_version: create the version table if it is missing.
 */
#include <string.h>

#include "cmd.h"
#include "revgraph/migrate.h"
#include "banned.h"

const struct rg_opt cmd_ensure_version_opts[] = {
	{ 0, "sql", NULL, "Don't emit SQL to database - dump to standard output/file instead. See docs on offline mode." },
	{ 0 }
};

int cmd_ensure_version(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_migrate_opts opts;

	(void)argc;
	(void)argv;
	memset(&opts, 0, sizeof(opts));
	opts.cmd = RG_MIGRATE_ENSURE_VERSION;
	return rg_cmd_migrate(ctx, &opts, rg_ctx_flag(ctx, "sql"));
}
