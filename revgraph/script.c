/*
 * Loading a script directory (revgraph/script.h): list the version
 * locations, read each revision file with the parser for its kind, and hand
 * the revisions to the revision map in load order.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fsutil.h"
#include "idmap.h"
#include "pyheader.h"
#include "yamlrev.h"
#include "revgraph/script.h"
#include "banned.h"

enum file_kind { NOT_REVISION, KIND_PY, KIND_YAML, KIND_SQL };

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static enum file_kind kind_of(const char *name)
{
	if (!strncmp(name, ".#", 2) || !strncmp(name, "__init__", 8))
		return NOT_REVISION;
	if (ends_with(name, ".py"))
		return KIND_PY;
	if (ends_with(name, ".yaml") || ends_with(name, ".yml"))
		return KIND_YAML;
	if (ends_with(name, ".sql"))
		return KIND_SQL;
	return NOT_REVISION;
}

struct loader {
	const struct rg_config *cfg;
	struct rg_revision **revs;
	size_t n, alloc;
	bool dedupe;			/* several locations: one file may be reached twice */
	struct rg_strlist real_paths;	/* owns the keys of `seen` */
	struct rg_idmap *seen;
	struct rg_str problems;
	struct rg_str *warnings;
};

static int load_file(struct loader *ld, const char *path, enum file_kind kind)
{
	struct rg_revision *rev = NULL;
	char *text = NULL;
	size_t len;
	int err;

	if ((err = rg_fs_read(&text, &len, path)))
		goto problem;
	if (!(rev = rg_revision_new())) {
		err = RG_ENOMEM;
		goto out;
	}
	if (kind == KIND_PY)
		err = rg_pyheader_parse(rev, path, text, len, &ld->cfg->const_names,
					&ld->cfg->const_values, ld->warnings);
	else if (kind == KIND_YAML)
		err = rg_yamlrev_parse(rev, path, text, len);
	else
		err = rg_sqlrev_parse(rev, path, text, len);
	if (err)
		goto problem;
	rev->kind = kind == KIND_PY ? RG_REVFILE_PY : kind == KIND_YAML ? RG_REVFILE_YAML : RG_REVFILE_SQL;
	if (!(rev->path = rg_strdup(path)) || RG_GROW(ld->revs, ld->n + 1, ld->alloc)) {
		err = RG_ENOMEM;
		goto out;
	}
	ld->revs[ld->n++] = rev;
	rev = NULL;
	goto out;
problem:
	if (err == RG_ENOMEM)
		goto out;
	/* keep going: every broken file is reported at once */
	if (ld->problems.len)
		rg_str_addch(&ld->problems, '\n');
	rg_str_adds(&ld->problems, rg_error_last());
	err = rg_str_check(&ld->problems);
out:
	rg_revision_free(rev);
	free(text);
	return err;
}

static int scan_dir(struct loader *ld, const char *dir, bool recursive)
{
	struct rg_strlist names = RG_STRLIST_INIT, subdirs = RG_STRLIST_INIT;
	char *path = NULL;
	size_t i;
	int err;

	if ((err = rg_fs_listdir(&names, dir)))
		return err;
	for (i = 0; i < names.n; i++) {
		const char *name = names.items[i];
		size_t len = strlen(name);
		enum file_kind kind;
		char *real;

		free(path);
		if (!(path = rg_fs_join(dir, name))) {
			err = RG_ENOMEM;
			goto out;
		}
		if (name[len - 1] == '/') {
			path[strlen(path) - 1] = '\0';
			if (recursive && strcmp(name, "__pycache__/") &&
			    (err = rg_strlist_push(&subdirs, path)))
				goto out;
			continue;
		}
		kind = kind_of(name);
		if (kind == NOT_REVISION)
			continue;
		if (ld->dedupe && (real = realpath(path, NULL))) {
			size_t dummy;

			if (rg_idmap_get(ld->seen, real, &dummy)) {
				rg_str_addf(ld->warnings, "warning: File %s loaded twice! ignoring. Please ensure version_locations is unique.\n",
					    real);
				free(real);
				continue;
			}
			if ((err = rg_strlist_push_owned(&ld->real_paths, real)) ||
			    (err = rg_idmap_add(ld->seen, real, 0)))
				goto out;
		}
		if ((err = load_file(ld, path, kind)))
			goto out;
	}
	for (i = 0; i < subdirs.n; i++)
		if ((err = scan_dir(ld, subdirs.items[i], true)))
			goto out;
out:
	free(path);
	rg_strlist_release(&names);
	rg_strlist_release(&subdirs);
	return err;
}

int rg_script_load(struct rg_revmap **out, const struct rg_config *cfg, struct rg_str *warnings)
{
	struct loader ld = { 0 };
	size_t i;
	int err = 0;

	*out = NULL;
	ld.cfg = cfg;
	ld.warnings = warnings;
	rg_str_init(&ld.problems);
	ld.dedupe = cfg->version_locations.n > 1 || cfg->recursive;
	if (ld.dedupe && !(ld.seen = rg_idmap_new())) {
		err = RG_ENOMEM;
		goto out;
	}
	for (i = 0; i < cfg->version_locations.n; i++) {
		const char *dir = cfg->version_locations.items[i];

		if (cfg->version_locations_set && !rg_fs_is_dir(dir))
			continue;	/* Alembic skips configured locations that do not exist */
		if ((err = scan_dir(&ld, dir, cfg->recursive)))
			goto out;
	}
	if (ld.problems.len) {
		err = rg_error_set(RG_EINVALID, "%s", ld.problems.buf);
		goto out;
	}
	err = rg_revmap_build(out, ld.revs, ld.n);
	ld.n = 0;	/* the map owns (or has freed) them */
out:
	for (i = 0; i < ld.n; i++)
		rg_revision_free(ld.revs[i]);
	free(ld.revs);
	rg_idmap_free(ld.seen);
	rg_strlist_release(&ld.real_paths);
	rg_str_release(&ld.problems);
	return err;
}
