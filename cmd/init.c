/*
 * revgraph init [-t TEMPLATE] [--package] DIR: a new project from a
 * template, with Alembic's checks and status lines.  The library plans every
 * step first (so bad input changes nothing); a step that fails undoes the
 * ones before it.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pyrepr.h"
#include "revgraph/project.h"
#include "banned.h"

const struct rg_opt cmd_init_opts[] = {
	{ 't', "template", "TEMPLATE", "Setup template for use with 'init'" },
	{ 0, "package", NULL, "Write empty __init__.py files to the environment and version locations" },
	{ 0 }
};

/* Undo the first n steps; true if they had created anything. */
static bool undo(struct rg_init_plan *plan, size_t n)
{
	bool any = false;
	size_t i;

	for (i = 0; i < n; i++)
		any = any || plan->items[i].created.n;
	rg_init_undo(plan, n);
	return any;
}

int cmd_init(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_init_plan plan = { 0 };
	struct rg_init_opts opts;
	char *templates = NULL;
	const char *what;
	size_t i;
	int status;

	(void)argc;
	(void)argv;
	if ((status = rg_cmd_templates_dir(ctx, &templates)))
		return status;
	memset(&opts, 0, sizeof(opts));
	opts.directory = ctx->args.pos[0];
	opts.template_name = rg_ctx_value(ctx, "template") ? rg_ctx_value(ctx, "template") : "generic";
	opts.templates_dir = templates;
	/* where Alembic's Config puts it: -c, else $ALEMBIC_CONFIG, else alembic.ini */
	opts.config_file = ctx->config_file ? ctx->config_file : getenv("ALEMBIC_CONFIG");
	if (!opts.config_file)
		opts.config_file = "alembic.ini";
	opts.package = rg_ctx_flag(ctx, "package");
	if (rg_init_plan(&plan, &opts)) {
		status = rg_cmd_failed(ctx, rg_error_last());
		goto out;
	}
	for (i = 0; i < plan.n; i++) {
		struct rg_init_step *step = &plan.items[i];

		switch (step->action) {
		case RG_INIT_SKIP:
			rg_str_addf(&ctx->out, "File %s already exists, skipping\n", step->path);
			continue;
		case RG_INIT_MKDIR:
			what = "Creating directory";
			break;
		case RG_INIT_TOUCH:
			what = "Adding";
			break;
		default:
			what = "Generating";
			break;
		}
		rg_str_addf(&ctx->out, "%s %s ...", what, step->path);
		if (rg_init_step_run(step)) {
			rg_str_adds(&ctx->out, "  FAILED\n");
			if (undo(&plan, i + 1))
				rg_error_set_detail("init removed the files and directories it had created");
			status = rg_cmd_failed(ctx, rg_error_last());
			goto out;
		}
		rg_str_adds(&ctx->out, "  done\n");
	}
	rg_str_adds(&ctx->out, "Please edit configuration/connection/logging settings in ");
	rg_py_repr_add(&ctx->out, plan.config_file);
	rg_str_adds(&ctx->out, " before proceeding.\n");
out:
	rg_init_plan_release(&plan);
	free(templates);
	return status;
}
