/*
 * What `revision` and `merge` share: the id check Alembic makes before it
 * reads the versions, loading the map, the plan, and the status lines
 * ("Creating directory ...", "Generating ...  done") around the one write.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "revgraph/author.h"
#include "revgraph/script.h"
#include "banned.h"

int rg_cmd_author(struct rg_ctx *ctx, struct rg_author_opts *opts)
{
	struct rg_author_plan plan = { 0 };
	struct rg_str warnings = RG_STR_INIT;
	struct timespec now;
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	char bad[16];
	int status = 0;

	/* Alembic checks the id before it reads a single revision file */
	if (opts->rev_id && *opts->rev_id && !rg_revision_id_ok(opts->rev_id, bad, sizeof(bad))) {
		rg_error_set(RG_EINVALID, "Character(s) '%s' not allowed in revision identifier '%s'", bad,
			     opts->rev_id);
		return rg_cmd_failed(ctx, rg_error_last());
	}
	/* reproducible output (tests, docs): the reproducible-builds convention */
	if (epoch && *epoch) {
		char *end;
		long long v = strtoll(epoch, &end, 10);

		if (*end || v < 0) {
			rg_error_set(RG_EINVALID, "SOURCE_DATE_EPOCH '%s' is not a number of seconds", epoch);
			return rg_cmd_failed(ctx, rg_error_last());
		}
		now.tv_sec = (time_t)v;
		now.tv_nsec = 0;
		opts->now = &now;
	}
	if (!ctx->map) {
		int err = rg_script_load(&ctx->map, ctx->cfg, &warnings);

		if (warnings.len)
			fputs(warnings.buf, stderr);
		rg_str_release(&warnings);
		if (err)
			return rg_cmd_failed(ctx, rg_error_last());
	}
	if (rg_author_plan(&plan, ctx->cfg, ctx->map, opts)) {
		status = rg_cmd_failed(ctx, rg_error_last());
		goto out;
	}
	if (plan.mkdir) {
		rg_str_addf(&ctx->out, "Creating directory %s ...", plan.mkdir);
		if (rg_author_mkdir(&plan)) {
			rg_str_adds(&ctx->out, "  FAILED\n");
			status = rg_cmd_failed(ctx, rg_error_last());
			goto out;
		}
		rg_str_adds(&ctx->out, "  done\n");
	}
	rg_str_addf(&ctx->out, "Generating %s ...", plan.path);
	if (rg_author_write(&plan)) {
		rg_str_adds(&ctx->out, "  FAILED\n");
		status = rg_cmd_failed(ctx, rg_error_last());
		goto out;
	}
	rg_str_adds(&ctx->out, "  done\n");
	if (rg_author_verify(&plan, ctx->cfg))
		status = rg_cmd_failed(ctx, rg_error_last());
out:
	rg_author_plan_release(&plan);
	return status;
}
