/*
 * Project templates and `init` (project.h).  init is planned in full before
 * anything is created, so that every bad input fails with nothing changed,
 * and the steps it ran are undone when one fails (a full disk, a file that
 * appeared meanwhile).
 */
#include "revgraph/project.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "fsutil.h"
#include "ini.h"
#include "pyrepr.h"
#include "banned.h"

#define README "README"

/* Python's str.rstrip(): the white space it removes */
static bool py_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int read_synopsis(char **out, const char *root, const char *name)
{
	char *dir = NULL, *path = NULL, *text = NULL;
	size_t len, n;
	int err;

	*out = NULL;
	if (!(dir = rg_fs_join(root, name)) || !(path = rg_fs_join(dir, README))) {
		err = RG_ENOMEM;
		goto out;
	}
	if ((err = rg_fs_read(&text, &len, path)))
		goto out;
	for (n = 0; n < len && text[n] != '\n'; n++)
		;
	while (n && py_space(text[n - 1]))
		n--;
	if (!(*out = rg_strndup(text, n)))
		err = RG_ENOMEM;
out:
	free(text);
	free(path);
	free(dir);
	return err;
}

int rg_templates_list(struct rg_strlist *names, struct rg_strlist *synopses, const char *root)
{
	struct rg_strlist entries = RG_STRLIST_INIT;
	size_t i;
	int err;

	rg_strlist_release(names);
	rg_strlist_release(synopses);
	if ((err = rg_fs_listdir(&entries, root)))
		return err;
	for (i = 0; i < entries.n; i++) {
		char *name = entries.items[i], *synopsis = NULL;
		size_t len = strlen(name);

		/* directories only (listdir marks them with '/'), no hidden ones */
		if (name[0] == '.' || name[len - 1] != '/')
			continue;
		name[len - 1] = '\0';
		if ((err = read_synopsis(&synopsis, root, name)) ||
		    (err = rg_strlist_push_owned(synopses, synopsis)) ||
		    (err = rg_strlist_push(names, name)))
			break;
	}
	rg_strlist_release(&entries);
	if (err) {
		rg_strlist_release(names);
		rg_strlist_release(synopses);
	}
	return err;
}

int rg_template_render_ini(struct rg_str *out, const char *path, const char *text, size_t len,
			   const char *script_location)
{
	static const char var[] = "script_location";
	const char *p = text, *end = text + len;
	size_t line = 1;

	while (p < end) {
		const char *dollar = memchr(p, '$', (size_t)(end - p)), *close, *nl;

		if (!dollar || dollar + 1 == end || dollar[1] != '{') {
			const char *upto = dollar ? dollar + 1 : end;

			for (; p < upto; p++) {
				if (*p == '\n')
					line++;
				rg_str_addch(out, *p);
			}
			continue;
		}
		for (; p < dollar; p++) {
			if (*p == '\n')
				line++;
			rg_str_addch(out, *p);
		}
		nl = memchr(dollar, '\n', (size_t)(end - dollar));
		close = memchr(dollar, '}', (size_t)((nl ? nl : end) - dollar));
		if (!close)
			return rg_error_set(RG_EINVALID, "%s:%zu: '${' without a closing '}'", path, line);
		if ((size_t)(close - dollar - 2) != strlen(var) || memcmp(dollar + 2, var, strlen(var)))
			return rg_error_set(RG_EINVALID,
					    "%s:%zu: unknown variable '%.*s' (an ini template knows ${%s})",
					    path, line, (int)(close - dollar + 1), dollar, var);
		rg_str_adds(out, script_location);
		p = close + 1;
	}
	return rg_str_check(out);
}

int rg_init_script_location(char **out, const char *directory, const char *config_abs)
{
	struct rg_str s = RG_STR_INIT;
	char *abs_dir = NULL, *here = NULL, *rel = NULL, *repr = NULL;
	const char *p, *value;
	size_t n;
	int err = 0;

	*out = NULL;
	if (!(abs_dir = rg_fs_abspath(directory)) || !(here = rg_fs_dirname(config_abs))) {
		err = rg_error_code() == RG_EIO ? RG_EIO : RG_ENOMEM;
		goto out;
	}
	if (directory[0] == '/') {
		value = abs_dir;
	} else {
		if (!(rel = rg_fs_relpath(abs_dir, here))) {
			err = RG_ENOMEM;
			goto out;
		}
		rg_str_adds(&s, "%(here)s");
		if (strcmp(rel, "."))
			rg_str_addch(&s, '/');
		value = strcmp(rel, ".") ? rel : "";
	}
	/* configparser: a value is one line, stripped; '%' is written "%%" */
	n = strlen(value);
	if (strpbrk(value, "\n\r") || (n && py_space(value[n - 1]))) {
		repr = rg_py_repr(directory);
		err = rg_error_set(RG_EINVALID,
				   "directory %s cannot be written as script_location in an ini file (line break or trailing white space)",
				   repr ? repr : directory);
		goto out;
	}
	for (p = value; *p; p++) {
		if (*p == '%')
			rg_str_addch(&s, '%');
		rg_str_addch(&s, *p);
	}
	if ((err = rg_str_check(&s)))
		goto out;
	*out = rg_str_detach(&s);
out:
	rg_str_release(&s);
	free(repr);
	free(rel);
	free(here);
	free(abs_dir);
	return err;
}

void rg_init_plan_release(struct rg_init_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->n; i++) {
		free(plan->items[i].path);
		free(plan->items[i].src);
		free(plan->items[i].content);
		rg_strlist_release(&plan->items[i].created);
	}
	free(plan->items);
	free(plan->config_file);
	memset(plan, 0, sizeof(*plan));
}

/* Append a step; takes ownership of path, src and content (freed on failure). */
static int add_step(struct rg_init_plan *plan, enum rg_init_action action, char *path, char *src,
		    char *content, size_t len)
{
	struct rg_init_step *step;

	if (!path || RG_GROW(plan->items, plan->n + 1, plan->alloc)) {
		free(path);
		free(src);
		free(content);
		return RG_ENOMEM;
	}
	step = &plan->items[plan->n++];
	memset(step, 0, sizeof(*step));
	step->action = action;
	step->path = path;
	step->src = src;
	step->content = content;
	step->len = len;
	return 0;
}

/* A template name names one directory of the templates directory. */
static bool template_name_ok(const char *name)
{
	return *name && name[0] != '.' && !strchr(name, '/');
}

/* true if directory `dir` exists or mkdir -p of `made` creates it */
static bool dir_will_exist(const char *dir, const char *made)
{
	size_t n = strlen(dir);

	if (rg_fs_is_dir(dir))
		return true;
	return !strncmp(made, dir, n) && (made[n] == '/' || !made[n]);
}

/*
 * The config file step: skipped when the file exists (Alembic), otherwise
 * the template rendered and checked to be an ini file with an [alembic]
 * section, in a directory that exists or that init creates.
 */
static int plan_config(struct rg_init_plan *plan, const char *src, const struct rg_init_opts *opts,
		       const char *abs_versions)
{
	struct rg_str text = RG_STR_INIT;
	struct rg_ini *ini = NULL;
	char *tmpl = NULL, *location = NULL, *cdir = NULL;
	size_t len;
	int err;

	if (rg_fs_exists(plan->config_file))
		return add_step(plan, RG_INIT_SKIP, rg_strdup(plan->config_file), NULL, NULL, 0);
	if (!(cdir = rg_fs_dirname(plan->config_file))) {
		err = RG_ENOMEM;
		goto out;
	}
	if (!dir_will_exist(cdir, abs_versions)) {
		err = rg_error_set(RG_ENOTFOUND, "cannot write '%s': directory '%s' does not exist",
				   plan->config_file, cdir);
		goto out;
	}
	if ((err = rg_fs_read(&tmpl, &len, src)) ||
	    (err = rg_init_script_location(&location, opts->directory, plan->config_file)) ||
	    (err = rg_template_render_ini(&text, src, tmpl, len, location)))
		goto out;
	/* line numbers survive rendering: the value has no line break */
	if ((err = rg_ini_parse(&ini, src, text.buf, text.len, cdir)))
		goto out;
	if (!rg_ini_has_section(ini, "alembic")) {
		err = rg_error_set(RG_EINVALID, "%s: the template has no [alembic] section", src);
		goto out;
	}
	len = text.len;
	err = add_step(plan, RG_INIT_WRITE, rg_strdup(plan->config_file), NULL, rg_str_detach(&text), len);
out:
	rg_ini_free(ini);
	rg_str_release(&text);
	free(location);
	free(tmpl);
	free(cdir);
	return err;
}

int rg_init_plan(struct rg_init_plan *out, const struct rg_init_opts *opts)
{
	struct rg_strlist entries = RG_STRLIST_INIT;
	char *abs_dir = NULL, *versions = NULL, *abs_versions = NULL, *tdir = NULL, *src = NULL;
	char *repr = NULL;
	struct stat st;
	bool dir_exists = false, has_ini = false;
	size_t i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (stat(opts->directory, &st) == 0) {
		dir_exists = true;
		if (!S_ISDIR(st.st_mode)) {
			err = rg_error_set(RG_EINVALID, "Directory %s already exists and is not a directory",
					   opts->directory);
			goto out;
		}
		if ((err = rg_fs_listdir(&entries, opts->directory)))
			goto out;
		if (entries.n) {
			err = rg_error_set(RG_EINVALID, "Directory %s already exists and is not empty",
					   opts->directory);
			goto out;
		}
	}
	if (!rg_fs_is_dir(opts->templates_dir)) {
		err = rg_error_set(RG_ENOTFOUND, "the templates directory '%s' does not exist",
				   opts->templates_dir);
		goto out;
	}
	if (!(tdir = rg_fs_join(opts->templates_dir, opts->template_name))) {
		err = RG_ENOMEM;
		goto out;
	}
	if (!template_name_ok(opts->template_name) || !rg_fs_is_dir(tdir)) {
		if (!(repr = rg_py_repr(opts->template_name))) {
			err = RG_ENOMEM;
			goto out;
		}
		err = rg_error_set(RG_ENOTFOUND, "No such template %s", repr);
		goto out;
	}
	if (!(abs_dir = rg_fs_abspath(opts->directory)) ||
	    !(versions = rg_fs_join(opts->directory, "versions")) ||
	    !(abs_versions = rg_fs_abspath(versions)) ||
	    !(out->config_file = rg_fs_abspath(opts->config_file))) {
		err = rg_error_code() == RG_EIO ? RG_EIO : RG_ENOMEM;
		goto out;
	}
	rg_strlist_release(&entries);
	if ((err = rg_fs_listdir(&entries, tdir)))
		goto out;
	for (i = 0; i < entries.n; i++)
		if (!strcmp(entries.items[i], RG_INI_TEMPLATE))
			has_ini = true;
	if (!has_ini) {
		err = rg_error_set(RG_ENOTFOUND, "template '%s' has no %s ('%s/%s' is missing)",
				   opts->template_name, RG_INI_TEMPLATE, tdir, RG_INI_TEMPLATE);
		goto out;
	}

	if (!dir_exists && (err = add_step(out, RG_INIT_MKDIR, rg_strdup(abs_dir), NULL, NULL, 0)))
		goto out;
	if ((err = add_step(out, RG_INIT_MKDIR, rg_strdup(abs_versions), NULL, NULL, 0)))
		goto out;
	for (i = 0; i < entries.n; i++) {
		const char *name = entries.items[i];

		free(src);
		if (!(src = rg_fs_join(tdir, name))) {
			err = RG_ENOMEM;
			goto out;
		}
		/* regular files only, through symbolic links (os.path.isfile) */
		if (stat(src, &st) || !S_ISREG(st.st_mode))
			continue;
		if (!strcmp(name, RG_INI_TEMPLATE))
			err = plan_config(out, src, opts, abs_versions);
		else
			err = add_step(out, RG_INIT_COPY, rg_fs_join(abs_dir, name), rg_strdup(src), NULL, 0);
		if (err)
			goto out;
	}
	if (opts->package &&
	    ((err = add_step(out, RG_INIT_TOUCH, rg_fs_join(abs_dir, "__init__.py"), NULL, NULL, 0)) ||
	     (err = add_step(out, RG_INIT_TOUCH, rg_fs_join(abs_versions, "__init__.py"), NULL, NULL, 0))))
		goto out;
out:
	if (err)
		rg_init_plan_release(out);
	rg_strlist_release(&entries);
	free(repr);
	free(src);
	free(tdir);
	free(abs_versions);
	free(versions);
	free(abs_dir);
	return err;
}

/* mkdir -p, recording each directory made */
static int make_dirs(struct rg_init_step *step)
{
	char *p = NULL;
	size_t i, n = strlen(step->path);
	int err = 0;

	if (!(p = rg_strdup(step->path)))
		return RG_ENOMEM;
	for (i = 1; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		p[i] = '\0';
		/* recorded first, so that no directory made is ever unrecorded */
		if ((err = rg_strlist_push(&step->created, p)))
			break;
		if (mkdir(p, 0777)) {
			int e = errno;

			free(step->created.items[--step->created.n]);
			if (e != EEXIST || !rg_fs_is_dir(p)) {
				err = rg_error_set(RG_EIO, "cannot create directory '%s': %s", step->path,
						   strerror(e == EEXIST ? ENOTDIR : e));
				break;
			}
		}
		if (i < n)
			p[i] = '/';
	}
	free(p);
	return err;
}

int rg_init_step_run(struct rg_init_step *step)
{
	char *data = NULL;
	size_t len = 0;
	struct stat st;
	int err = 0;

	switch (step->action) {
	case RG_INIT_MKDIR:
		return make_dirs(step);
	case RG_INIT_SKIP:
		return 0;
	case RG_INIT_COPY:
		if ((err = rg_fs_read(&data, &len, step->src)))
			return err;
		if (stat(step->src, &st)) {
			err = rg_error_set(RG_EIO, "cannot read '%s': %s", step->src, strerror(errno));
			goto out;
		}
		break;
	case RG_INIT_WRITE:
	case RG_INIT_TOUCH:
		st.st_mode = 0;
		break;
	}
	/* recorded first; rg_fs_write_new() removes what it made if it fails */
	if ((err = rg_strlist_push(&step->created, step->path)))
		goto out;
	err = rg_fs_write_new(step->path, step->action == RG_INIT_COPY ? data : step->content,
			      step->action == RG_INIT_COPY ? len : step->len,
			      step->action == RG_INIT_COPY ? st.st_mode : 0);
	if (err)
		free(step->created.items[--step->created.n]);
out:
	free(data);
	return err;
}

void rg_init_undo(struct rg_init_plan *plan, size_t n_run)
{
	size_t i, j;

	for (i = n_run; i-- > 0;) {
		struct rg_init_step *step = &plan->items[i];

		for (j = step->created.n; j-- > 0;) {
			if (step->action == RG_INIT_MKDIR)
				rmdir(step->created.items[j]);
			else
				unlink(step->created.items[j]);
		}
	}
}
