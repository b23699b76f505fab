/*
 * Tests for revgraph/ini.c and revgraph/config.c: configparser semantics and
 * the alembic.ini keys revgraph reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ini.h"
#include "revgraph/common.h"
#include "revgraph/config.h"

static const char *get(struct rg_ini *ini, const char *sec, const char *key)
{
	const char *v = NULL;
	int err = rg_ini_get(&v, ini, sec, key);

	return err == RG_ENOTFOUND ? "<absent>" : err ? rg_error_last() : v;
}

static void test_configparser_rules(void **state)
{
	static const char text[] =
		"# comment\n"
		"[DEFAULT]\n"
		"root = /srv\n"
		"[alembic]\n"
		"Script_Location = %(here)s/migrations\n"
		"url: sqlite:///%(root)s/x.db\n"
		"multi = first\n"
		"    second\n"
		"  # a comment inside the value\n"
		"\n"
		"    third\n"
		"pct = 100%%\n"
		"bad = 50%\n"
		"empty =\n"
		"; another comment\n"
		"[other]\n"
		"k = v\n";
	struct rg_ini *ini;

	(void)state;
	assert_int_equal(rg_ini_parse(&ini, "t.ini", text, strlen(text), "/proj"), 0);
	assert_true(rg_ini_has_section(ini, "alembic"));
	assert_false(rg_ini_has_section(ini, "DEFAULT"));
	assert_string_equal(get(ini, "alembic", "script_location"), "/proj/migrations");
	assert_string_equal(get(ini, "alembic", "URL"), "sqlite:////srv/x.db");
	assert_string_equal(get(ini, "alembic", "multi"), "first\nsecond\n\nthird");
	assert_string_equal(get(ini, "alembic", "pct"), "100%");
	assert_string_equal(get(ini, "alembic", "bad"),
			    "t.ini: '%' must be followed by '%' or '(' in 'bad', found: '%'");
	assert_string_equal(get(ini, "alembic", "empty"), "");
	assert_string_equal(get(ini, "alembic", "nosuch"), "<absent>");
	assert_string_equal(get(ini, "other", "root"), "/srv");
	rg_ini_free(ini);
}

static void test_ini_errors(void **state)
{
	struct rg_ini *ini = NULL;

	(void)state;
	assert_int_equal(rg_ini_parse(&ini, "t.ini", "k = v\n", 6, "/"), RG_EINVALID);
	assert_string_equal(rg_error_last(), "t.ini:1: no [section] header before 'k = v'");
	assert_int_equal(rg_ini_parse(&ini, "t.ini", "[a]\nk = 1\nK = 2\n", 16, "/"), RG_EINVALID);
	assert_string_equal(rg_error_last(), "t.ini:3: option 'k' in section 'a' appears twice");
	assert_int_equal(rg_ini_parse(&ini, "t.ini", "[a]\njunk\n", 9, "/"), RG_EINVALID);
	assert_string_equal(rg_error_last(), "t.ini:2: expected 'key = value', got 'junk'");
	assert_null(ini);
}

static char tmpdir[] = "/tmp/rgcfgXXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_config_load(void **state)
{
	struct rg_config *cfg = NULL;
	char ini[256], path[256];

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/mig", tmpdir);
	mkdir(path, 0755);
	write_file("a.ini",
		   "[alembic]\n"
		   "script_location = %(here)s/mig\n"
		   "version_locations = %(here)s/v1 %(here)s/v2\n"
		   "version_path_separator = space\n"
		   "truncate_slug_length = 12\n"
		   "recursive_version_locations = true\n"
		   "sqlalchemy.url = sqlite:///%(here)s/x.db\n"
		   "[revgraph:constants]\n"
		   "cli.EXPAND_BRANCH = expand\n");
	snprintf(ini, sizeof(ini), "%s/a.ini", tmpdir);
	assert_int_equal(rg_config_load(&cfg, ini, NULL), 0);
	snprintf(path, sizeof(path), "%s/mig", tmpdir);
	assert_string_equal(cfg->script_location, path);
	assert_int_equal(cfg->version_locations.n, 2);
	snprintf(path, sizeof(path), "%s/v2", tmpdir);
	assert_string_equal(cfg->version_locations.items[1], path);
	assert_int_equal(cfg->truncate_slug_length, 12);
	assert_true(cfg->recursive);
	assert_string_equal(cfg->file_template, "%(rev)s_%(slug)s");
	assert_int_equal(cfg->const_names.n, 1);
	assert_string_equal(cfg->const_names.items[0], "cli.EXPAND_BRANCH");
	assert_string_equal(cfg->const_values.items[0], "expand");
	rg_config_free(cfg);

	/* Alembic 1.8.1's own template leaves a comment on this line */
	write_file("b.ini", "[alembic]\nscript_location = %(here)s/mig\n"
			    "version_locations = %(here)s/v1:%(here)s/v2\n"
			    "version_path_separator = os  # Use os.pathsep. Default configuration used for new projects.\n");
	snprintf(ini, sizeof(ini), "%s/b.ini", tmpdir);
	assert_int_equal(rg_config_load(&cfg, ini, NULL), 0);
	assert_int_equal(cfg->version_locations.n, 2);
	rg_config_free(cfg);

	write_file("c.ini", "[alembic]\nscript_location = %(here)s/mig\n"
			    "version_locations = a b\nversion_path_separator = pipe\n");
	snprintf(ini, sizeof(ini), "%s/c.ini", tmpdir);
	assert_int_equal(rg_config_load(&cfg, ini, NULL), RG_EINVALID);
	assert_non_null(strstr(rg_error_last(), "'pipe' is not a valid value for version_path_separator"));
}

static void test_config_errors_use_alembic_text(void **state)
{
	struct rg_config *cfg = NULL;
	char ini[256];

	(void)state;
	assert_int_equal(rg_config_load(&cfg, "/nonexistent/alembic.ini", NULL), RG_ENOTFOUND);
	assert_string_equal(rg_error_last(),
			    "No config file '/nonexistent/alembic.ini' found, or file has no '[alembic]' section");
	snprintf(ini, sizeof(ini), "%s/a.ini", tmpdir);
	assert_int_equal(rg_config_load(&cfg, ini, "nosuch"), RG_ENOTFOUND);
	assert_non_null(strstr(rg_error_last(), "found, or file has no '[nosuch]' section"));
	write_file("d.ini", "[alembic]\nsqlalchemy.url = x\n");
	snprintf(ini, sizeof(ini), "%s/d.ini", tmpdir);
	assert_int_equal(rg_config_load(&cfg, ini, NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(), "No 'script_location' key found in configuration.");
	write_file("e.ini", "[alembic]\nscript_location = /nonexistent/x\n");
	snprintf(ini, sizeof(ini), "%s/e.ini", tmpdir);
	assert_int_equal(rg_config_load(&cfg, ini, NULL), RG_ENOTFOUND);
	assert_string_equal(rg_error_last(),
			    "Path doesn't exist: '/nonexistent/x'.  Please use the 'init' command to create a new scripts folder.");
	assert_null(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configparser_rules),
		cmocka_unit_test(test_ini_errors),
		cmocka_unit_test(test_config_load),
		cmocka_unit_test(test_config_errors_use_alembic_text),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
