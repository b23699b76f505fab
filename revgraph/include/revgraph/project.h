/*
 * Project templates and `init`: the templates of a templates directory with
 * their synopses, and a new project made from one, planned in full (every
 * check done, the ini rendered) before the first change on disk and undone
 * if a step fails.
 */
#ifndef RG_PROJECT_H
#define RG_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "revgraph/common.h"
#include "revgraph/revision.h"
#include "revgraph/str.h"

/* The file of a template that init renders into the config file. */
#define RG_INI_TEMPLATE "alembic.ini.tmpl"

/**
 * The templates under `root`: its subdirectories whose names do not start
 * with '.', sorted by name, and the first line of each one's README with
 * trailing white space removed (Alembic's synopsis).  `names` and
 * `synopses` are caller-owned and overwritten.  RG_ENOTFOUND if `root` is
 * not a directory; RG_ENOTFOUND/RG_EIO naming a README that cannot be read.
 */
int rg_templates_list(struct rg_strlist *names, struct rg_strlist *synopses, const char *root);

/**
 * Render an ini template (the file `path`, `len` bytes of `text`) into
 * `out`: `${script_location}` becomes `script_location`; every other `$` is
 * kept.  An unknown `${name}` or a `${` without `}` on its line fails with
 * RG_EINVALID naming `path:line`.  `out` is appended to.
 */
int rg_template_render_ini(struct rg_str *out, const char *path, const char *text, size_t len,
			   const char *script_location);

/**
 * The script_location init writes for `directory` (as typed) when the
 * config file is `config_abs`: an absolute directory as given (normalised),
 * a relative one as `%(here)s/<path from the ini's directory>` (`%(here)s`
 * alone for the ini's own directory), so that the project works from any
 * working directory.  '%' is doubled for configparser.  Newly allocated in
 * *out; RG_EINVALID for a name an ini value cannot hold (a line break,
 * trailing white space).
 */
int rg_init_script_location(char **out, const char *directory, const char *config_abs);

enum rg_init_action {
	RG_INIT_MKDIR,		/* "Creating directory": the directory and missing parents */
	RG_INIT_COPY,		/* "Generating": a template file copied, with its mode */
	RG_INIT_WRITE,		/* "Generating": the rendered config file */
	RG_INIT_SKIP,		/* "File ... already exists, skipping": the config file */
	RG_INIT_TOUCH		/* "Adding": an empty __init__.py (--package) */
};

struct rg_init_step {
	enum rg_init_action action;
	char *path;		/* absolute: what the step creates */
	char *src;		/* COPY: the template file */
	char *content;		/* WRITE: the rendered config file */
	size_t len;
	struct rg_strlist created;	/* filled by rg_init_step_run(): what it made */
};

struct rg_init_plan {
	struct rg_init_step *items;
	size_t n;
	size_t alloc;
	char *config_file;	/* absolute path of the config file */
};

struct rg_init_opts {
	const char *directory;		/* the script directory, as typed */
	const char *template_name;	/* e.g. "generic" */
	const char *templates_dir;	/* the directory holding the templates */
	const char *config_file;	/* the ini file, as given */
	bool package;			/* also write empty __init__.py files */
};

/**
 * Plan `init`, Alembic's checks first: a `directory` that exists and is not
 * empty ("Directory X already exists and is not empty", X as typed), an
 * unknown template ("No such template 'x'"); then revgraph's own, so that a
 * bad input changes nothing: a template without RG_INI_TEMPLATE, a
 * template that renders to an invalid ini (`file:line`), a config file
 * whose directory does not exist and would not be created.  The steps are
 * Alembic's (the directory, versions/, each regular file of the template in
 * sorted name order, the config file where RG_INI_TEMPLATE sorts, the
 * __init__.py files).  Nothing is changed on disk.  `out` is caller-owned
 * (release with rg_init_plan_release()).
 */
int rg_init_plan(struct rg_init_plan *out, const struct rg_init_opts *opts);

void rg_init_plan_release(struct rg_init_plan *plan);

/**
 * Carry out one step, recording in step->created every directory or file
 * it made (also when it fails half way).  RG_EIO naming the path.
 */
int rg_init_step_run(struct rg_init_step *step);

/**
 * Undo the first `n_run` steps of `plan` (the failed one included): remove
 * the files and directories they created, newest first.  Best effort: a
 * directory something else has put files into stays.
 */
void rg_init_undo(struct rg_init_plan *plan, size_t n_run);

#endif
