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
#include <cmocka.h>

#include "ini.h"
#include "revgraph/common.h"
#include "revgraph/config.h"
#include "testproj.h"

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

/* made by test_config_load, read again by the tests after it, removed by main() */
static struct testproj proj;

static void test_config_load(void **state)
{
	struct rg_config *cfg = NULL;

	(void)state;
	testproj_init(&proj, "config");
	testproj_mkdir(&proj, "mig");
	testproj_write(&proj, "a.ini",
		   "[alembic]\n"
		   "script_location = %(here)s/mig\n"
		   "version_locations = %(here)s/v1 %(here)s/v2\n"
		   "version_path_separator = space\n"
		   "truncate_slug_length = 12\n"
		   "recursive_version_locations = true\n"
		   "sqlalchemy.url = sqlite:///%(here)s/x.db\n"
		   "[revgraph:constants]\n"
		   "cli.EXPAND_BRANCH = expand\n");
	assert_int_equal(rg_config_load(&cfg, testproj_path(&proj, "a.ini"), NULL), 0);
	assert_string_equal(cfg->script_location, testproj_path(&proj, "mig"));
	assert_int_equal(cfg->version_locations.n, 2);
	assert_string_equal(cfg->version_locations.items[1], testproj_path(&proj, "v2"));
	assert_int_equal(cfg->truncate_slug_length, 12);
	assert_true(cfg->recursive);
	assert_string_equal(cfg->file_template, "%(rev)s_%(slug)s");
	assert_int_equal(cfg->const_names.n, 1);
	assert_string_equal(cfg->const_names.items[0], "cli.EXPAND_BRANCH");
	assert_string_equal(cfg->const_values.items[0], "expand");
	rg_config_free(cfg);

	/* Alembic 1.8.1's own template leaves a comment on this line */
	testproj_write(&proj, "b.ini", "[alembic]\nscript_location = %(here)s/mig\n"
			    "version_locations = %(here)s/v1:%(here)s/v2\n"
			    "version_path_separator = os  # Use os.pathsep. Default configuration used for new projects.\n");
	assert_int_equal(rg_config_load(&cfg, testproj_path(&proj, "b.ini"), NULL), 0);
	assert_int_equal(cfg->version_locations.n, 2);
	rg_config_free(cfg);

	testproj_write(&proj, "c.ini", "[alembic]\nscript_location = %(here)s/mig\n"
			    "version_locations = a b\nversion_path_separator = pipe\n");
	assert_int_equal(rg_config_load(&cfg, testproj_path(&proj, "c.ini"), NULL), RG_EINVALID);
	assert_non_null(strstr(rg_error_last(), "'pipe' is not a valid value for version_path_separator"));
}

static void test_config_errors_use_alembic_text(void **state)
{
	struct rg_config *cfg = NULL;

	(void)state;
	assert_int_equal(rg_config_load(&cfg, "/nonexistent/alembic.ini", NULL), RG_ENOTFOUND);
	assert_string_equal(rg_error_last(),
			    "No config file '/nonexistent/alembic.ini' found, or file has no '[alembic]' section");
	assert_int_equal(rg_config_load(&cfg, testproj_path(&proj, "a.ini"), "nosuch"), RG_ENOTFOUND);
	assert_non_null(strstr(rg_error_last(), "found, or file has no '[nosuch]' section"));
	testproj_write(&proj, "d.ini", "[alembic]\nsqlalchemy.url = x\n");
	assert_int_equal(rg_config_load(&cfg, testproj_path(&proj, "d.ini"), NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(), "No 'script_location' key found in configuration.");
	testproj_write(&proj, "e.ini", "[alembic]\nscript_location = /nonexistent/x\n");
	assert_int_equal(rg_config_load(&cfg, testproj_path(&proj, "e.ini"), NULL), RG_ENOTFOUND);
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

	testproj_release(&proj);
	return rc;
}
