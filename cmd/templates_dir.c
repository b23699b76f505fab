/*
 * Where the project templates of `init` and `list_templates` are: the
 * source tree's templates/ for a binary run from its build tree, the
 * installed share/revgraph/templates otherwise (found next to the binary
 * first, so that an installed tree can be moved), or $REVGRAPH_TEMPLATES.
 * CMake passes the paths (CMakeLists.txt).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cmd.h"
#include "fsutil.h"
#include "banned.h"

#ifndef RG_TEMPLATES_SOURCE_DIR
#error "RG_TEMPLATES_SOURCE_DIR must name the source tree's templates directory"
#endif

/* The directory of the running binary (Linux /proc), newly allocated, or NULL. */
static char *binary_dir(void)
{
	char *buf = NULL, *dir;
	size_t size = 256;

	for (;;) {
		char *p = rg_realloc(buf, size);
		ssize_t n;

		if (!p)
			break;
		buf = p;
		n = readlink("/proc/self/exe", buf, size);
		if (n < 0)
			break;
		if ((size_t)n < size) {
			buf[n] = '\0';
			dir = rg_fs_dirname(buf);
			free(buf);
			return dir;
		}
		size *= 2;
	}
	free(buf);
	return NULL;
}

/* Do two directory names name the same directory (after symbolic links)? */
static bool same_dir(const char *a, const char *b)
{
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb && !strcmp(ra, rb);

	free(ra);
	free(rb);
	return same;
}

int rg_cmd_templates_dir(struct rg_ctx *ctx, char **out)
{
	const char *env = getenv("REVGRAPH_TEMPLATES");
	char *bin = NULL, *installed = NULL;

	*out = NULL;
	if (env && *env) {
		if (!rg_fs_is_dir(env)) {
			rg_error_set(RG_ENOTFOUND, "REVGRAPH_TEMPLATES names '%s', which is not a directory", env);
			return rg_cmd_failed(ctx, rg_error_last());
		}
		*out = rg_strdup(env);
		goto out;
	}
	bin = binary_dir();
#ifdef RG_BUILD_BIN_DIR
	if (bin && same_dir(bin, RG_BUILD_BIN_DIR)) {
		*out = rg_strdup(RG_TEMPLATES_SOURCE_DIR);
		goto out;
	}
#endif
#ifdef RG_TEMPLATES_FROM_BIN
	if (bin && (installed = rg_fs_join(bin, RG_TEMPLATES_FROM_BIN)) && rg_fs_is_dir(installed)) {
		*out = rg_fs_normpath(installed);
		goto out;
	}
#endif
#ifdef RG_TEMPLATES_INSTALL_DIR
	if (rg_fs_is_dir(RG_TEMPLATES_INSTALL_DIR)) {
		*out = rg_strdup(RG_TEMPLATES_INSTALL_DIR);
		goto out;
	}
#endif
	if (rg_fs_is_dir(RG_TEMPLATES_SOURCE_DIR)) {
		*out = rg_strdup(RG_TEMPLATES_SOURCE_DIR);
		goto out;
	}
	free(bin);
	free(installed);
	rg_error_set(RG_ENOTFOUND,
		     "no templates directory found (neither installed nor '%s'); set REVGRAPH_TEMPLATES to one",
		     RG_TEMPLATES_SOURCE_DIR);
	return rg_cmd_failed(ctx, rg_error_last());
out:
	free(bin);
	free(installed);
	return *out ? 0 : rg_cmd_failed(ctx, "out of memory");
}
