/*
 * The Mako-subset renderer (template.h).  Placeholder until the renderer
 * lands: it refuses every template, so callers can link against it now.
 */
#include "template.h"

#include "revgraph/common.h"
#include "banned.h"

int rg_mako_render(const char *path, const char *text, size_t len,
		   const struct rg_mako_vars *vars, struct rg_str *out)
{
	(void)text;
	(void)len;
	(void)vars;
	(void)out;
	rg_error_set(RG_EUNSUPPORTED, "%s:1: mako templates are not rendered yet", path);
	return -1;
}
