/*
 * alembic.ini -> struct rg_config: the keys Alembic's ScriptDirectory reads,
 * with its defaults and its version_locations splitting rules.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fsutil.h"
#include "ini.h"
#include "ops.h"
#include "pyrepr.h"
#include "revgraph/str.h"
#include "revgraph/config.h"
#include "banned.h"

#define CONSTANTS_SECTION "revgraph:constants"

void rg_config_free(struct rg_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->file);
	free(cfg->section);
	free(cfg->here);
	free(cfg->script_location);
	rg_strlist_release(&cfg->version_locations);
	free(cfg->url);
	free(cfg->file_template);
	free(cfg->timezone);
	free(cfg->output_encoding);
	free(cfg->version_table);
	free(cfg->version_table_schema);
	free(cfg->ddl_lock_timeout);
	rg_strlist_release(&cfg->const_names);
	rg_strlist_release(&cfg->const_values);
	free(cfg);
}

/* Get an optional key; *out stays NULL when absent. */
static int get_opt(char **out, struct rg_ini *ini, const char *section, const char *key)
{
	const char *v;
	int err = rg_ini_get(&v, ini, section, key);

	*out = NULL;
	if (err == RG_ENOTFOUND)
		return 0;
	if (err)
		return err;
	*out = rg_strdup(v);
	return *out ? 0 : RG_ENOMEM;
}

static bool truthy(const char *v)
{
	/* Alembic's util.asbool */
	static const char *const yes[] = { "true", "yes", "on", "y", "t", "1" };
	size_t i;

	if (!v)
		return false;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!rg_strcasecmp_ascii(v, yes[i]))
			return true;
	return false;
}

static bool is_sep(const char *seps, char c)
{
	return strchr(seps, c) != NULL;
}

/*
 * Split version_locations.  Without a separator Alembic splits on ", *" or
 * runs of spaces; with one it splits on that character and drops empties.
 */
static int split_locations(struct rg_strlist *out, const char *value, const char *sep_name,
			   const char *ini_path)
{
	const char *seps;
	const char *p = value;
	char *name = NULL;
	int err = 0;

	if (!sep_name) {
		seps = ", \n";
	} else {
		/* 1.8.1's template writes "os  # Use os.pathsep. ..." on that line */
		const char *hash = strstr(sep_name, " #");
		size_t len = hash ? (size_t)(hash - sep_name) : strlen(sep_name);

		name = rg_strndup(sep_name, len);
		if (!name)
			return RG_ENOMEM;
		while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
			name[--len] = '\0';
		if (!strcmp(name, "space"))
			seps = " ";
		else if (!strcmp(name, "os") || !strcmp(name, ":") || !strcmp(name, "colon"))
			seps = ":";
		else if (!strcmp(name, ";") || !strcmp(name, "semicolon"))
			seps = ";";
		else if (!strcmp(name, ",") || !strcmp(name, "comma"))
			seps = ",";
		else if (!strcmp(name, "newline"))
			seps = "\n";
		else {
			err = rg_error_set(RG_EINVALID,
					   "%s: '%s' is not a valid value for version_path_separator; expected 'space', 'newline', 'os', ':', ';', ','",
					   ini_path, name);
			goto out;
		}
	}
	while (*p) {
		const char *b = p;

		while (*p && !is_sep(seps, *p))
			p++;
		if (p > b) {
			const char *e = p;

			/* newline-separated entries may carry indentation */
			while (b < e && (*b == ' ' || *b == '\t'))
				b++;
			while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if (e > b && (err = rg_strlist_push_owned(out, rg_strndup(b, (size_t)(e - b)))))
				goto out;
		}
		while (*p && is_sep(seps, *p))
			p++;
	}
out:
	free(name);
	return err;
}

/* A yes/no key: *out untouched when absent; an unknown word is an error. */
static int get_bool(int *out, struct rg_ini *ini, const char *section, const char *key,
		    const char *file)
{
	static const char *const no[] = { "false", "no", "off", "n", "f", "0" };
	char *v = NULL;
	size_t i;
	int err = get_opt(&v, ini, section, key);

	if (err || !v)
		return err;
	if (truthy(v)) {
		*out = 1;
		goto out;
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!rg_strcasecmp_ascii(v, no[i])) {
			*out = 0;
			goto out;
		}
	err = rg_error_set(RG_EINVALID, "%s: %s = '%s' is not true or false", file, key, v);
out:
	free(v);
	return err;
}

/* The keys revgraph reads for running migrations (Alembic's env options). */
static int load_runtime(struct rg_config *cfg, struct rg_ini *ini, const char *section,
			const char *file)
{
	char *v = NULL, *end;
	int per_migration = 0, err;

	cfg->transactional_ddl = -1;
	cfg->lock_timeout = 60;
	if ((err = get_opt(&cfg->version_table, ini, section, "version_table")) ||
	    (err = get_opt(&cfg->version_table_schema, ini, section, "version_table_schema")) ||
	    (err = get_bool(&per_migration, ini, section, "transaction_per_migration", file)) ||
	    (err = get_bool(&cfg->transactional_ddl, ini, section, "transactional_ddl", file)) ||
	    (err = get_opt(&v, ini, section, "revgraph.lock_timeout")) ||
	    (err = get_opt(&cfg->ddl_lock_timeout, ini, section, "revgraph.ddl_lock_timeout")))
		goto out;
	if (cfg->ddl_lock_timeout && !rg_lock_timeout_valid(cfg->ddl_lock_timeout)) {
		err = rg_error_set(RG_EINVALID,
				   "%s: revgraph.ddl_lock_timeout = '%s' must be a whole number with an optional unit ms, s or min",
				   file, cfg->ddl_lock_timeout);
		goto out;
	}
	cfg->transaction_per_migration = per_migration;
	if (!cfg->version_table && !(cfg->version_table = rg_strdup("alembic_version"))) {
		err = RG_ENOMEM;
		goto out;
	}
	if (!*cfg->version_table) {
		err = rg_error_set(RG_EINVALID, "%s: version_table is empty", file);
		goto out;
	}
	if (cfg->version_table_schema && !*cfg->version_table_schema) {
		free(cfg->version_table_schema);
		cfg->version_table_schema = NULL;
	}
	if (v) {
		cfg->lock_timeout = strtod(v, &end);
		if (!*v || *end || cfg->lock_timeout != cfg->lock_timeout)
			err = rg_error_set(RG_EINVALID,
					   "%s: revgraph.lock_timeout = '%s' is not a number of seconds",
					   file, v);
	}
out:
	free(v);
	return err;
}

int rg_config_load(struct rg_config **out, const char *file, const char *section)
{
	struct rg_config *cfg = NULL;
	struct rg_ini *ini = NULL;
	struct rg_strlist raw = RG_STRLIST_INIT;
	char *abs_file = NULL, *v = NULL, *sep = NULL, *repr = NULL;
	size_t i;
	int err = 0;

	*out = NULL;
	if (!file)
		file = getenv("ALEMBIC_CONFIG");
	if (!file)
		file = "alembic.ini";
	if (!section)
		section = "alembic";
	cfg = rg_calloc(1, sizeof(*cfg));
	if (!cfg || !(cfg->file = rg_strdup(file)) || !(cfg->section = rg_strdup(section)) ||
	    !(abs_file = rg_fs_abspath(file)) || !(cfg->here = rg_fs_dirname(abs_file))) {
		err = RG_ENOMEM;
		goto out;
	}
	err = rg_ini_load(&ini, file, cfg->here);
	if (err == RG_ENOTFOUND || (!err && !rg_ini_has_section(ini, section))) {
		repr = rg_py_repr(file);
		err = rg_error_set(RG_ENOTFOUND,
				   "No config file %s found, or file has no '[%s]' section",
				   repr ? repr : file, section);
		goto out;
	}
	if (err)
		goto out;

	if ((err = get_opt(&v, ini, section, "script_location")))
		goto out;
	if (!v) {
		err = rg_error_set(RG_EINVALID, "No 'script_location' key found in configuration.");
		goto out;
	}
	/* relative to the working directory, as in Alembic 1.8.1 */
	cfg->script_location = rg_fs_abspath(v);
	free(v);
	v = NULL;
	if (!cfg->script_location) {
		err = RG_ENOMEM;
		goto out;
	}
	if (!rg_fs_exists(cfg->script_location)) {
		repr = rg_py_repr(cfg->script_location);
		err = rg_error_set(RG_ENOTFOUND,
				   "Path doesn't exist: %s.  Please use the 'init' command to create a new scripts folder.",
				   repr ? repr : cfg->script_location);
		goto out;
	}

	if ((err = get_opt(&v, ini, section, "version_locations")))
		goto out;
	if (v && *v) {
		if ((err = get_opt(&sep, ini, section, "version_path_separator")))
			goto out;
		if ((err = split_locations(&raw, v, sep, file)))
			goto out;
		cfg->version_locations_set = true;
		for (i = 0; i < raw.n; i++)
			if ((err = rg_strlist_push_owned(&cfg->version_locations,
							 rg_fs_abspath(raw.items[i]))))
				goto out;
	}
	if (!cfg->version_locations.n &&
	    (err = rg_strlist_push_owned(&cfg->version_locations,
					 rg_fs_join(cfg->script_location, "versions"))))
		goto out;
	free(v);
	v = NULL;

	if ((err = get_opt(&v, ini, section, "recursive_version_locations")))
		goto out;
	cfg->recursive = truthy(v);
	free(v);
	v = NULL;
	if ((err = get_opt(&v, ini, section, "revision_environment")))
		goto out;
	cfg->revision_environment = truthy(v);
	free(v);
	v = NULL;
	if ((err = get_opt(&v, ini, section, "truncate_slug_length")))
		goto out;
	cfg->truncate_slug_length = 40;
	if (v) {
		char *end;
		long n = strtol(v, &end, 10);

		if (!*v || *end || n < 0 || n > 100000) {
			err = rg_error_set(RG_EINVALID, "%s: truncate_slug_length '%s' is not a whole number",
					   file, v);
			goto out;
		}
		if (n)
			cfg->truncate_slug_length = (int)n;
	}
	if ((err = get_opt(&cfg->url, ini, section, "sqlalchemy.url")) ||
	    (err = get_opt(&cfg->file_template, ini, section, "file_template")) ||
	    (err = get_opt(&cfg->timezone, ini, section, "timezone")) ||
	    (err = get_opt(&cfg->output_encoding, ini, section, "output_encoding")))
		goto out;
	if (!cfg->file_template && !(cfg->file_template = rg_strdup("%(rev)s_%(slug)s"))) {
		err = RG_ENOMEM;
		goto out;
	}
	if (!cfg->output_encoding && !(cfg->output_encoding = rg_strdup("utf-8"))) {
		err = RG_ENOMEM;
		goto out;
	}
	if ((err = load_runtime(cfg, ini, section, file)))
		goto out;
	for (i = 0;; i++) {
		const char *key, *raw_value;

		if (!rg_ini_entry(ini, CONSTANTS_SECTION, i, &key, &raw_value))
			break;
		if ((err = rg_strlist_push(&cfg->const_names, key)) ||
		    (err = rg_strlist_push(&cfg->const_values, raw_value)))
			goto out;
	}
	*out = cfg;
	cfg = NULL;
out:
	free(v);
	free(sep);
	free(repr);
	free(abs_file);
	rg_strlist_release(&raw);
	rg_ini_free(ini);
	rg_config_free(cfg);
	return err;
}
