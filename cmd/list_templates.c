/*
 * revgraph list_templates: the project templates init can use, each with
 * the first line of its README, in Alembic's layout (sorted by name).
 */
#include <stdlib.h>

#include "cmd.h"
#include "revgraph/project.h"
#include "banned.h"

const struct rg_opt cmd_list_templates_opts[] = {
	{ 0 }
};

int cmd_list_templates(int argc, const char **argv, struct rg_ctx *ctx)
{
	struct rg_strlist names = RG_STRLIST_INIT, synopses = RG_STRLIST_INIT;
	char *dir = NULL;
	size_t i;
	int status;

	(void)argc;
	(void)argv;
	if ((status = rg_cmd_templates_dir(ctx, &dir)))
		return status;
	if (rg_templates_list(&names, &synopses, dir)) {
		status = rg_cmd_failed(ctx, rg_error_last());
		goto out;
	}
	rg_str_adds(&ctx->out, "Available templates:\n\n");
	for (i = 0; i < names.n; i++)
		rg_str_addf(&ctx->out, "%s - %s\n", names.items[i], synopses.items[i]);
	rg_str_adds(&ctx->out, "\nTemplates are used via the 'init' command, e.g.:\n"
		    "\n  revgraph init --template generic ./scripts\n");
out:
	rg_strlist_release(&names);
	rg_strlist_release(&synopses);
	free(dir);
	return status;
}
