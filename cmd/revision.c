/*
 * revgraph revision: a new revision file on the current head (or --head),
 * in the project's format, with Alembic's options, checks and messages.
 */
#include <string.h>

#include "cmd.h"
#include "revgraph/author.h"
#include "banned.h"

const struct rg_opt cmd_revision_opts[] = {
	{ 'm', "message", "MESSAGE", "Message string to use with 'revision'" },
	{ 0, "autogenerate", NULL, "Populate revision script with candidate migration operations, based on comparison of database to model." },
	{ 0, "sql", NULL, "Don't emit SQL to database - dump to standard output/file instead. See docs on offline mode." },
	{ 0, "head", "HEAD", "Specify head revision or <branchname>@head to base new revision on." },
	{ 0, "splice", NULL, "Allow a non-head revision as the 'head' to splice onto" },
	{ 0, "branch-label", "BRANCH_LABEL", "Specify a branch label to apply to the new revision" },
	{ 0, "version-path", "VERSION_PATH", "Specify specific path from config for version file" },
	{ 0, "rev-id", "REV_ID", "Specify a hardcoded revision id instead of generating one" },
	{ 0, "depends-on", "DEPENDS_ON", "Specify one or more revision identifiers which this revision should depend on." },
	{ 0 }
};

int cmd_revision(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_author_opts opts;
	const char *head = rg_ctx_value(ctx, "head");
	const char *deps[RG_MAX_POSITIONALS];

	(void)argc;
	(void)argv;
	/* Alembic's checks of --autogenerate and --sql come first */
	if (rg_ctx_flag(ctx, "autogenerate")) {
		if (rg_ctx_flag(ctx, "sql"))
			return rg_cmd_failed(ctx, "Using --sql with --autogenerate does not make any sense");
		return rg_cmd_failed(ctx, "revgraph cannot --autogenerate: it does not import your models; "
					  "write the upgrade and downgrade by hand");
	}
	if (rg_ctx_flag(ctx, "sql")) {
		if (!ctx->cfg->revision_environment)
			return rg_cmd_failed(ctx, "Using --sql with the revision command when "
						  "revision_environment is not configured does not make any sense");
		return rg_cmd_failed(ctx, "revgraph does not run env.py, so revision --sql is not supported");
	}
	memset(&opts, 0, sizeof(opts));
	opts.message = rg_ctx_value(ctx, "message");
	opts.heads = head ? &head : NULL;
	opts.n_heads = head ? 1 : 0;
	opts.splice = rg_ctx_flag(ctx, "splice");
	opts.branch_label = rg_ctx_value(ctx, "branch-label");
	opts.depends_on = deps;
	opts.n_depends_on = rg_ctx_values(ctx, "depends-on", deps, RG_MAX_POSITIONALS);
	opts.rev_id = rg_ctx_value(ctx, "rev-id");
	opts.version_path = rg_ctx_value(ctx, "version-path");
	return rg_cmd_author(ctx, &opts);
}
