/*
 * Loading a script directory (revgraph/script.h): list the version
 * locations, read each revision file with the parser for its kind (or take
 * what it declared from the header cache, cache.h, while it is unchanged),
 * and hand the revisions to the revision map in load order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "body.h"
#include "cache.h"
#include "fsutil.h"
#include "idmap.h"
#include "pyheader.h"
#include "yamlrev.h"
#include "revgraph/script.h"
#include "banned.h"

enum file_kind { NOT_REVISION, KIND_PY, KIND_YAML, KIND_SQL };

static bool ends_with(const char *s, size_t n, const char *suffix, size_t m)
{
	return n >= m && !memcmp(s + n - m, suffix, m);
}

/* The kind of file `name` (`len` bytes) is, by its name alone. */
static enum file_kind kind_of(const char *name, size_t len)
{
	if (!strncmp(name, ".#", 2) || !strncmp(name, "__init__", 8))
		return NOT_REVISION;
	if (ends_with(name, len, ".py", 3))
		return KIND_PY;
	if (ends_with(name, len, ".yaml", 5) || ends_with(name, len, ".yml", 4))
		return KIND_YAML;
	if (ends_with(name, len, ".sql", 4))
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
	struct rg_str file_warnings;	/* one file's, for the cache */
	struct rg_str path;		/* scratch: the path of the file being loaded */
};

/* `dir` + "/" + `name`, allocated to size (as rg_fs_join()). */
static char *join(const char *dir, size_t dir_len, const char *name)
{
	size_t name_len = strlen(name);
	bool slash = dir_len && dir[dir_len - 1] != '/';
	char *p;

	if (name[0] == '/' || !dir_len)
		return rg_strdup(name);
	if (!(p = rg_malloc(dir_len + slash + name_len + 1)))
		return NULL;
	memcpy(p, dir, dir_len);
	if (slash)
		p[dir_len] = '/';
	memcpy(p + dir_len + slash, name, name_len + 1);
	return p;
}

/*
 * Read and parse `name` (`path`) in the directory open as `dfd`; *out on
 * success.  With `st` (for the header cache) a native revision's bodies are
 * read too, to be cached with its header.
 */
static int parse_file(struct rg_revision **out, struct loader *ld, int dfd, const char *name,
		      const char *path, enum file_kind kind, struct stat *st, struct rg_str *warnings)
{
	struct rg_revision *rev = NULL;
	char *text = NULL;
	size_t len;
	int err;

	*out = NULL;
	if ((err = rg_fs_read_at(&text, &len, st, dfd, name, path)))
		goto out;
	if (!(rev = rg_revision_new())) {
		err = RG_ENOMEM;
		goto out;
	}
	if (kind == KIND_PY)
		err = rg_pyheader_parse(rev, path, text, len, &ld->cfg->const_names,
					&ld->cfg->const_values, warnings);
	else if (kind == KIND_YAML)
		err = rg_yamlrev_parse(rev, path, text, len);
	else
		err = rg_sqlrev_parse(rev, path, text, len);
	if (err)
		goto out;
	rev->kind = kind == KIND_PY ? RG_REVFILE_PY : kind == KIND_YAML ? RG_REVFILE_YAML : RG_REVFILE_SQL;
	if (st && kind != KIND_PY && (err = rg_rev_bodies_read(&rev->bodies, rev->kind, path, text, len)))
		goto out;
	*out = rev;
	rev = NULL;
out:
	rg_revision_free(rev);
	free(text);
	return err;
}

/*
 * Load names[i] of the directory `dir` (open as `dfd`), from the cache when
 * its entry is trusted, else by reading it (and recording it in the cache).
 * A broken file is not an error here: its problem is collected.
 */
static int load_file(struct loader *ld, struct rg_cache *cache, int dfd, const char *dir,
		     size_t dir_len, size_t i, const char *name, enum file_kind kind)
{
	struct rg_revision *rev = NULL;
	struct stat st;
	char *path = NULL;
	int err = 0;

	if (cache) {
		/* a revision from the cache gets its own copy of the path */
		rg_str_reset(&ld->path);
		if (name[0] != '/' && dir_len) {
			rg_str_add(&ld->path, dir, dir_len);
			if (dir[dir_len - 1] != '/')
				rg_str_addch(&ld->path, '/');
		}
		rg_str_adds(&ld->path, name);
		if ((err = rg_str_check(&ld->path)) ||
		    (err = rg_cache_get(cache, i, ld->path.buf, &rev,
					ld->warnings ? ld->warnings : &ld->file_warnings)))
			goto out;
		if (rev)
			goto loaded;
	}
	if (!(path = join(dir, dir_len, name))) {
		err = RG_ENOMEM;
		goto out;
	}
	if (!cache) {
		err = parse_file(&rev, ld, dfd, name, path, kind, NULL, ld->warnings);
	} else if (!rev) {
		/* the warnings go into the cache entry too */
		rg_str_reset(&ld->file_warnings);
		err = parse_file(&rev, ld, dfd, name, path, kind, &st, &ld->file_warnings);
		if (err != RG_ENOMEM && ld->warnings) {
			rg_str_add(ld->warnings, ld->file_warnings.buf, ld->file_warnings.len);
			if (rg_str_check(ld->warnings))
				err = RG_ENOMEM;
		}
		if (!err && (err = rg_cache_put(cache, i, &st, rev, ld->file_warnings.buf,
						ld->file_warnings.len)))
			goto out;
	}
	if (err == RG_ENOMEM)
		goto out;
	if (err) {
		/* keep going: every broken file is reported at once */
		if (ld->problems.len)
			rg_str_addch(&ld->problems, '\n');
		rg_str_adds(&ld->problems, rg_error_last());
		err = rg_str_check(&ld->problems);
		goto out;
	}
	rev->path = path;
	path = NULL;
loaded:
	if (RG_GROW(ld->revs, ld->n + 1, ld->alloc)) {
		err = RG_ENOMEM;
		goto out;
	}
	ld->revs[ld->n++] = rev;
	rev = NULL;
out:
	rg_revision_free(rev);
	free(path);
	return err;
}

static int scan_dir(struct loader *ld, const char *dir, bool recursive)
{
	struct rg_strlist listed = RG_STRLIST_INIT, subdirs = RG_STRLIST_INIT;
	struct rg_cache *cache = NULL, *active = NULL;
	const char *const *names;
	size_t i, n_names, n_files = 0, dir_len = strlen(dir);
	bool all_typed = true;
	int dfd, err = 0;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return rg_error_set(errno == ENOENT || errno == ENOTDIR ? RG_ENOTFOUND : RG_EIO,
				    "cannot read directory '%s': %s", dir, strerror(errno));
	if ((err = rg_cache_open(&cache, dir, dfd, ld->cfg)))
		goto out;
	/* an unchanged directory need not be listed again */
	names = cache ? rg_cache_listing(cache, &n_names) : NULL;
	if (!names) {
		if ((err = rg_fs_listdir_at(&listed, dfd, dir, &all_typed)))
			goto out;
		names = (const char *const *)listed.items;
		n_names = listed.n;
	}
	if (cache) {
		/* a small directory is read as it is (the names may live in the cache: keep it open) */
		for (i = 0; i < n_names; i++)
			n_files += kind_of(names[i], strlen(names[i])) != NOT_REVISION;
		if (n_files >= rg_cache_min_files()) {
			if ((err = rg_cache_begin(cache, names, n_names, all_typed)))
				goto out;
			active = cache;
		}
	}
	for (i = 0; i < n_names; i++) {
		const char *name = names[i];
		size_t len = strlen(name);
		enum file_kind kind;
		char *real, *path;

		if (name[len - 1] == '/') {
			if (!recursive || !strcmp(name, "__pycache__/"))
				continue;
			if (!(path = join(dir, dir_len, name))) {
				err = RG_ENOMEM;
				goto out;
			}
			path[strlen(path) - 1] = '\0';
			if ((err = rg_strlist_push_owned(&subdirs, path)))
				goto out;
			continue;
		}
		kind = kind_of(name, len);
		if (kind == NOT_REVISION)
			continue;
		if (ld->dedupe) {
			if (!(path = join(dir, dir_len, name))) {
				err = RG_ENOMEM;
				goto out;
			}
			real = realpath(path, NULL);
			free(path);
			if (real) {
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
		}
		if ((err = load_file(ld, active, dfd, dir, dir_len, i, name, kind)))
			goto out;
	}
	/* this directory is done: its cache can be written before the subdirectories' */
	rg_cache_close(cache, true);
	cache = NULL;
	close(dfd);
	dfd = -1;
	for (i = 0; i < subdirs.n; i++)
		if ((err = scan_dir(ld, subdirs.items[i], true)))
			goto out;
out:
	rg_cache_close(cache, false);
	if (dfd >= 0)
		close(dfd);
	rg_strlist_release(&listed);
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
	rg_str_init(&ld.file_warnings);
	rg_str_init(&ld.path);
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
	rg_str_release(&ld.file_warnings);
	rg_str_release(&ld.path);
	return err;
}
