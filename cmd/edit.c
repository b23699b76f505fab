/*
 * revgraph edit REV: open the file of each revision REV denotes in the
 * user's editor, one after the other, as Alembic does; `current` reads the
 * version table.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "editor.h"
#include "revgraph/db.h"
#include "revgraph/resolve.h"
#include "banned.h"

const struct rg_opt cmd_edit_opts[] = {
	{ 0 }
};

int cmd_edit(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_idx_list revs = { 0 };
	const char *rev = ctx->args.pos[0];
	bool current = !strcmp(rev, "current");
	size_t i;
	int status = 0;

	(void)argc;
	(void)argv;
	if (current) {
		struct rg_db *db = NULL;

		/* Alembic runs the environment: the table is created, errors are logged */
		if (!(status = rg_cmd_open_db(ctx, false, &db)))
			status = rg_cmd_read_rows(ctx, db, &revs, false);
		rg_db_close(db);
		if (status)
			goto out;
		if (!revs.n) {
			rg_error_set(RG_ENOTFOUND, "No current revisions");
			status = rg_cmd_env_failed(ctx, rg_error_last());
			goto out;
		}
	} else {
		if (rg_resolve(&revs, ctx->map, rev)) {
			status = rg_cmd_failed(ctx, rg_error_last());
			goto out;
		}
		if (!revs.n) {
			rg_error_set(RG_ENOTFOUND, "No revision files indicated by symbol '%s'", rev);
			status = rg_cmd_failed(ctx, rg_error_last());
			goto out;
		}
	}
	for (i = 0; i < revs.n; i++) {
		const char *path = rg_revmap_node(ctx->map, revs.items[i])->rev->path;

		if (rg_editor_open(path, getenv("EDITOR"), getenv("VISUAL"), getenv("PATH"))) {
			status = current ? rg_cmd_env_failed(ctx, rg_error_last())
					 : rg_cmd_failed(ctx, rg_error_last());
			goto out;
		}
	}
out:
	rg_idx_list_release(&revs);
	return status;
}
