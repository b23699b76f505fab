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
	/* every directory read, in order; the ones whose revisions were taken early stay open */
	struct dir_read *dirs;
	size_t n_dirs, alloc_dirs, n_early;
};

struct dir_read {
	char *dir;
	struct dir_scan *early;		/* open, or NULL: read and closed */
};

/*
 * One directory being read.  A directory with many cached files has its
 * files stat()ed by a second thread (cache.h) while this one takes their
 * revisions from the cache without waiting, builds the map, and only then
 * confirms that none of the files changed: it stays open until then.
 */
struct dir_scan {
	char *dir;
	size_t dir_len;
	int dfd;
	struct rg_cache *cache;		/* NULL: caching is off */
	struct rg_cache *active;	/* the cache, when this run uses it */
	struct rg_strlist listed;	/* the names, unless the cache had them */
	const char *const *names;
	size_t n_names;
	bool no_links;			/* no entry is a symbolic link (or of a type unknown) */
};

/* At most this many directories are held open with their records unconfirmed. */
#define MAX_EARLY 4

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
static int load_file(struct loader *ld, struct rg_cache *cache, bool early, int dfd,
		     const char *dir, size_t dir_len, size_t i, const char *name,
		     enum file_kind kind)
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
		    (err = (early ? rg_cache_get_early : rg_cache_get)(cache, i, ld->path.buf, &rev,
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

static void scan_free(struct dir_scan *sc, bool save)
{
	if (!sc)
		return;
	rg_cache_close(sc->cache, save);
	if (sc->dfd >= 0)
		close(sc->dfd);
	rg_strlist_release(&sc->listed);
	free(sc->dir);
	free(sc);
}

/* Open `dir` and its cache, and list it: *out, or NULL with an error. */
static int scan_open(struct dir_scan **out, const char *dir, const struct rg_config *cfg)
{
	struct dir_scan *sc;
	size_t i, n_files = 0;
	bool all_typed = true;
	int err;

	*out = NULL;
	if (!(sc = rg_calloc(1, sizeof(*sc))))
		return RG_ENOMEM;
	rg_strlist_init(&sc->listed);
	sc->dfd = -1;
	if (!(sc->dir = rg_strdup(dir))) {
		err = RG_ENOMEM;
		goto fail;
	}
	sc->dir_len = strlen(dir);
	sc->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sc->dfd < 0) {
		err = rg_error_set(errno == ENOENT || errno == ENOTDIR ? RG_ENOTFOUND : RG_EIO,
				   "cannot read directory '%s': %s", dir, strerror(errno));
		goto fail;
	}
	if ((err = rg_cache_open(&sc->cache, dir, sc->dfd, cfg)))
		goto fail;
	/* an unchanged directory need not be listed again */
	sc->names = sc->cache ? rg_cache_listing(sc->cache, &sc->n_names) : NULL;
	if (!sc->names) {
		if ((err = rg_fs_listdir_at(&sc->listed, sc->dfd, dir, &all_typed)))
			goto fail;
		sc->names = (const char *const *)sc->listed.items;
		sc->n_names = sc->listed.n;
	}
	/* the cache keeps only a listing whose entries were all typed without following a link */
	sc->no_links = all_typed;
	if (sc->cache) {
		/* a small directory is read as it is (the names may live in the cache: keep it open) */
		for (i = 0; i < sc->n_names; i++)
			n_files += kind_of(sc->names[i], strlen(sc->names[i])) != NOT_REVISION;
		if (n_files >= rg_cache_min_files()) {
			if ((err = rg_cache_begin(sc->cache, sc->names, sc->n_names, all_typed)))
				goto fail;
			sc->active = sc->cache;
		}
	}
	*out = sc;
	return 0;
fail:
	scan_free(sc, false);
	return err;
}

/*
 * Load the revision files of an open directory in listing order (`early`:
 * see rg_cache_get_early()); its subdirectories go into `subdirs` unless
 * that is NULL.
 */
static int scan_files(struct loader *ld, struct dir_scan *sc, bool early, bool recursive,
		      struct rg_strlist *subdirs)
{
	char *real_dir = NULL;
	size_t i;
	int err = 0;

	/*
	 * A file's real path, which tells a file reached twice, is its
	 * directory's and its name when no entry is a link: one realpath()
	 * for the directory instead of one per file, each a readlink() per
	 * component of the path.
	 */
	if (ld->dedupe && sc->no_links)
		real_dir = realpath(sc->dir, NULL);
	for (i = 0; i < sc->n_names; i++) {
		const char *name = sc->names[i];
		size_t len = strlen(name);
		enum file_kind kind;
		char *real, *path;

		if (name[len - 1] == '/') {
			if (!subdirs || !recursive || !strcmp(name, "__pycache__/"))
				continue;
			if (!(path = join(sc->dir, sc->dir_len, name))) {
				err = RG_ENOMEM;
				break;
			}
			path[strlen(path) - 1] = '\0';
			if ((err = rg_strlist_push_owned(subdirs, path)))
				break;
			continue;
		}
		kind = kind_of(name, len);
		if (kind == NOT_REVISION)
			continue;
		if (ld->dedupe) {
			if (real_dir) {
				if (!(real = join(real_dir, strlen(real_dir), name))) {
					err = RG_ENOMEM;
					break;
				}
			} else {
				if (!(path = join(sc->dir, sc->dir_len, name))) {
					err = RG_ENOMEM;
					break;
				}
				real = realpath(path, NULL);
				free(path);
			}
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
					break;
			}
		}
		if ((err = load_file(ld, sc->active, early, sc->dfd, sc->dir, sc->dir_len, i, name,
				     kind)))
			break;
	}
	free(real_dir);
	return err;
}

static int scan_dir(struct loader *ld, const char *dir, bool recursive)
{
	struct rg_strlist subdirs = RG_STRLIST_INIT;
	struct dir_scan *sc = NULL;
	struct dir_read *dr;
	bool early;
	size_t i;
	int err;

	if (RG_GROW(ld->dirs, ld->n_dirs + 1, ld->alloc_dirs))
		return RG_ENOMEM;
	dr = &ld->dirs[ld->n_dirs];
	dr->early = NULL;
	if (!(dr->dir = rg_strdup(dir)))
		return RG_ENOMEM;
	ld->n_dirs++;
	if ((err = scan_open(&sc, dir, ld->cfg)))
		goto out;
	early = sc->active && rg_cache_stats_ahead(sc->active) && ld->n_early < MAX_EARLY;
	if ((err = scan_files(ld, sc, early, recursive, &subdirs)))
		goto out;
	if (early) {
		/* open until rg_script_settle() has confirmed its records */
		dr->early = sc;
		ld->n_early++;
	} else {
		/* this directory is done: its cache can be written before the subdirectories' */
		scan_free(sc, true);
	}
	sc = NULL;
	for (i = 0; i < subdirs.n; i++)
		if ((err = scan_dir(ld, subdirs.items[i], true)))
			goto out;
out:
	scan_free(sc, false);
	rg_strlist_release(&subdirs);
	return err;
}

/* Whether every record taken early is still true of its file. */
static bool confirm_early(struct loader *ld)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < ld->n_dirs; i++)
		if (ld->dirs[i].early)
			ok &= rg_cache_confirm(ld->dirs[i].early->active);
	return ok;
}

/*
 * Some file changed after its record was written: forget this run's
 * revisions, problems and warnings, and read every directory again in the
 * same order; the ones taken early through what their stat()s found.
 */
static int reload(struct loader *ld, size_t warnings_len)
{
	size_t i;
	int err;

	/* a build stopped by problems left the revisions here */
	for (i = 0; i < ld->n; i++)
		rg_revision_free(ld->revs[i]);
	ld->n = 0;
	rg_str_reset(&ld->problems);
	if (ld->warnings)
		rg_str_setlen(ld->warnings, warnings_len);
	if (ld->dedupe) {
		rg_idmap_free(ld->seen);
		rg_strlist_release(&ld->real_paths);
		if (!(ld->seen = rg_idmap_new()))
			return RG_ENOMEM;
	}
	for (i = 0; i < ld->n_dirs; i++) {
		struct dir_scan *sc = ld->dirs[i].early;

		if (sc) {
			rg_cache_rewind(sc->active);
			if ((err = scan_files(ld, sc, false, false, NULL)))
				return err;
			continue;
		}
		if ((err = scan_open(&sc, ld->dirs[i].dir, ld->cfg)) ||
		    (err = scan_files(ld, sc, false, false, NULL))) {
			scan_free(sc, false);
			return err;
		}
		scan_free(sc, true);
	}
	return 0;
}

/* The map of the revisions loaded (which it takes), or the problems found. */
static int build(struct loader *ld, struct rg_revmap **out)
{
	int err;

	if (ld->problems.len)
		return rg_error_set(RG_EINVALID, "%s", ld->problems.buf);
	err = rg_revmap_build(out, ld->revs, ld->n);
	ld->n = 0;	/* the map owns (or has freed) them */
	return err;
}

struct rg_script_pending {
	struct loader ld;
	size_t warnings_len;	/* the caller's warnings before the load */
};

/* Close the directories still open (`save`: write their caches) and free `p`. */
static void pending_free(struct rg_script_pending *p, bool save)
{
	struct loader *ld = &p->ld;
	size_t i;

	for (i = 0; i < ld->n_dirs; i++) {
		scan_free(ld->dirs[i].early, save);
		free(ld->dirs[i].dir);
	}
	free(ld->dirs);
	for (i = 0; i < ld->n; i++)
		rg_revision_free(ld->revs[i]);
	free(ld->revs);
	rg_idmap_free(ld->seen);
	rg_strlist_release(&ld->real_paths);
	rg_str_release(&ld->problems);
	rg_str_release(&ld->file_warnings);
	rg_str_release(&ld->path);
	free(p);
}

int rg_script_settle(struct rg_script_pending *p, struct rg_revmap **out, bool *stale)
{
	int err;

	*stale = false;
	if (!p)
		return 0;
	if (confirm_early(&p->ld)) {
		pending_free(p, true);
		return 0;
	}
	*stale = true;
	rg_revmap_free(*out);
	*out = NULL;
	if (!(err = reload(&p->ld, p->warnings_len)))
		err = build(&p->ld, out);
	pending_free(p, err != RG_ENOMEM);
	return err;
}

int rg_script_load_pending(struct rg_revmap **out, struct rg_script_pending **pending,
			   const struct rg_config *cfg, struct rg_str *warnings)
{
	struct rg_script_pending *p;
	struct loader *ld;
	bool stale;
	size_t i;
	int err = 0;

	*out = NULL;
	*pending = NULL;
	if (!(p = rg_calloc(1, sizeof(*p))))
		return RG_ENOMEM;
	ld = &p->ld;
	p->warnings_len = warnings ? warnings->len : 0;
	ld->cfg = cfg;
	ld->warnings = warnings;
	rg_str_init(&ld->problems);
	rg_str_init(&ld->file_warnings);
	rg_str_init(&ld->path);
	ld->dedupe = cfg->version_locations.n > 1 || cfg->recursive;
	if (ld->dedupe && !(ld->seen = rg_idmap_new())) {
		err = RG_ENOMEM;
		goto fail;
	}
	for (i = 0; i < cfg->version_locations.n; i++) {
		const char *dir = cfg->version_locations.items[i];

		if (cfg->version_locations_set && !rg_fs_is_dir(dir))
			continue;	/* Alembic skips configured locations that do not exist */
		if ((err = scan_dir(ld, dir, cfg->recursive)))
			goto fail;
	}
	/* the map is built while the stat()s of the directories taken early go on */
	if ((err = build(ld, out)) == RG_ENOMEM)
		goto fail;
	/* an error may come from a stale record: only a settled load can report one */
	if (err || !ld->n_early) {
		int settled = rg_script_settle(p, out, &stale);

		return stale || settled ? settled : err;
	}
	*pending = p;
	return 0;
fail:
	rg_revmap_free(*out);
	*out = NULL;
	pending_free(p, false);
	return err;
}

int rg_script_load(struct rg_revmap **out, const struct rg_config *cfg, struct rg_str *warnings)
{
	struct rg_script_pending *pending;
	bool stale;
	int err;

	if ((err = rg_script_load_pending(out, &pending, cfg, warnings)))
		return err;
	return rg_script_settle(pending, out, &stale);
}
