/*
 * Writing new revision files: `revision` and `merge`.  Everything Alembic
 * checks is checked (with its messages) and the whole file is rendered
 * before anything is written, so that a refused command changes nothing;
 * then one directory may be created and the one file written.
 */
#ifndef RG_AUTHOR_H
#define RG_AUTHOR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "revgraph/common.h"
#include "revgraph/config.h"
#include "revgraph/revmap.h"
#include "revgraph/str.h"

/* The revision templates of a script directory, in the order they are looked for. */
#define RG_TEMPLATE_PY "script.py.mako"
#define RG_TEMPLATE_YAML "script.yaml.tmpl"
#define RG_TEMPLATE_SQL "script.sql.tmpl"

enum rg_author_format {
	RG_AUTHOR_PY,		/* Alembic's .py, from script.py.mako */
	RG_AUTHOR_YAML,		/* native .yaml, from script.yaml.tmpl */
	RG_AUTHOR_SQL		/* native .sql, from script.sql.tmpl */
};

struct rg_author_opts {
	const char *message;		/* -m; NULL when not given ("empty message") */
	const char *const *heads;	/* --head (one) or merge's revisions; none: "head" */
	size_t n_heads;
	bool splice;
	const char *branch_label;	/* or NULL */
	const char *const *depends_on;	/* every --depends-on, in order */
	size_t n_depends_on;
	const char *rev_id;		/* NULL or "": a new random id */
	const char *version_path;	/* or NULL */
	bool merge;			/* `merge`: config is the string "config"; the remerge check */
	const struct timespec *now;	/* NULL: the clock (tests fix the time) */
};

struct rg_author_plan {
	char *rev_id;
	enum rg_author_format format;
	char *path;		/* absolute: the new file */
	char *mkdir;		/* absolute: a version location to create first, or NULL */
	char *content;		/* the rendered file */
	size_t len;
	char *branch_label;	/* checked in the written file, or NULL */
};

/**
 * Plan a new revision as Alembic's generate_revision() would write it, with
 * its checks in its order and its messages: illegal characters in the id,
 * the heads (several heads, unknown revisions, duplicates), the timezone,
 * the version path, --splice, --depends-on; then revgraph's own, so that
 * nothing broken is ever written: an id or branch label already in use, a
 * file that already exists, a template that does not render, and for
 * `merge heads` a head that merges what another revision already merges.
 * `map` is the project as loaded; `cfg` its configuration.  `out` is
 * caller-owned (rg_author_plan_release()).  Nothing is changed on disk.
 */
int rg_author_plan(struct rg_author_plan *out, const struct rg_config *cfg,
		   const struct rg_revmap *map, const struct rg_author_opts *opts);

void rg_author_plan_release(struct rg_author_plan *plan);

/** Create plan->mkdir and its missing parents.  RG_EIO naming it. */
int rg_author_mkdir(const struct rg_author_plan *plan);

/** Write the file, never over an existing one.  RG_EIO naming it. */
int rg_author_write(const struct rg_author_plan *plan);

/**
 * Read the written file back as the loader will: a file that does not
 * parse, or that lost the branch label (a script.py.mako without
 * `branch_labels`: Alembic's message), fails; the file stays, as Alembic
 * leaves it.
 */
int rg_author_verify(const struct rg_author_plan *plan, const struct rg_config *cfg);

/* The parts, public for the tests. */

/**
 * Alembic's slug of `message` (may be NULL): the runs of word characters,
 * joined with '_' and lower-cased; longer than `truncate` code points, cut
 * there, back to the last '_', and '_' added.  Newly allocated in *out.
 */
int rg_author_slug(char **out, const char *message, int truncate);

/** The date and time of a new revision, as Alembic's create_date. */
struct rg_author_date {
	long long epoch;	/* int(create_date.timestamp()) */
	int year, month, day, hour, minute, second, usec;
	bool aware;		/* a timezone was configured */
	long offset;		/* seconds east of UTC, when aware */
	char text[48];		/* str(create_date): "2026-11-22 10:38:50.872707+09:00" */
};

/**
 * Alembic's create date at `now` (NULL: the clock) in `timezone` (NULL: the
 * local time, naive): a tz database name, tried as given and then upper
 * case ("Can't locate timezone: X" otherwise).
 */
int rg_author_date(struct rg_author_date *out, const char *timezone, const struct timespec *now);

/**
 * Python's `file_template % tokens`, for the tokens rev, slug, epoch, year,
 * month, day, hour, minute and second: `%(name)` with flags, width,
 * precision and a conversion (s r a d i u o x X e E f F g G c), and `%%`.
 * An unknown token or a conversion Python would refuse is RG_EINVALID
 * naming the template.  Appends to `out`.
 */
int rg_author_file_name(struct rg_str *out, const char *file_template, const char *rev,
			const char *slug, const struct rg_author_date *date);

/** A new revision id: 12 lowercase hex characters from getrandom().  `out` holds 13 bytes. */
int rg_author_new_id(char *out);

/** A value as the native templates write it: YAML, on one line. */
void rg_author_yaml_scalar(struct rg_str *out, const char *s);

/**
 * Render a native revision template (`path`, `len` bytes of `text`):
 * `${name}` becomes the value of `names[i]` == name, `$${` a literal `${`,
 * every other `$` stays.  An unknown name or an unclosed `${` is
 * RG_EINVALID naming `path:line`.  Appends to `out`.
 */
int rg_author_render_native(struct rg_str *out, const char *path, const char *text, size_t len,
			    const char *const *names, const char *const *values, size_t n);

#endif
