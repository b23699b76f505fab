/*
 * revgraph upgrade REV: apply the revisions up to REV (or, with --sql,
 * write them as SQL; `A:B` starts from A).
 */
#include "cmd.h"
#include "banned.h"

const struct rg_opt cmd_upgrade_opts[] = {
	{ 0, "sql", NULL, "Don't emit SQL to database - dump to standard output/file instead. See docs on offline mode." },
	{ 0, "tag", "TAG", "Arbitrary 'tag' name - can be used by custom env.py scripts." },
	{ 0 }
};

int cmd_upgrade(int argc, const char **argv, struct rg_ctx *ctx)
{
	(void)argc;
	(void)argv;
	return rg_cmd_migrate_to(ctx, RG_MIGRATE_UPGRADE);
}
