/*
 * Tests for revgraph/author.c: Alembic's slug, file names from
 * file_template, the create date (naive, zoned, offsets), new ids, the
 * native template renderer and YAML quoting, and planning a revision on
 * the sample graph (its checks, the rendered file, running out of memory).
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

#include "alloc.h"
#include "helpers.h"
#include "revgraph/author.h"
#include "revgraph/common.h"

static char tmpdir[] = "/tmp/rgauthorXXXXXX";

static void slug_is(const char *message, int truncate, const char *want)
{
	char *s = NULL;

	assert_int_equal(rg_author_slug(&s, message, truncate), 0);
	assert_string_equal(s, want);
	free(s);
}

static void test_slug(void **state)
{
	(void)state;
	slug_is("create account table", 40, "create_account_table");
	slug_is(NULL, 40, "");
	slug_is("", 40, "");
	slug_is("!!! ---", 40, "");
	slug_is("Hello, World!  this is -- a very long message that goes beyond forty characters for sure",
		40, "hello_world_this_is_a_very_long_message_");
	slug_is("abcdefghijklmnopq", 10, "abcdefghij_");
	slug_is("Ünïcödé façade naïve", 10, "ünïcödé_");
	slug_is("Ünïcödé façade naïve", 40, "ünïcödé_façade_naïve");
	slug_is("snake_case  stays__as_is", 40, "snake_case_stays__as_is");
	slug_is("exactly ten", 11, "exactly_ten");	/* not longer: not cut */
	slug_is("add col 2 to t", 40, "add_col_2_to_t");
}

static struct rg_author_date fixed_date(void)
{
	struct rg_author_date d;
	struct timespec now = { 1795311522, 872707000 };	/* 2026-11-22 01:38:42.872707 UTC */

	setenv("TZ", "UTC", 1);
	assert_int_equal(rg_author_date(&d, NULL, &now), 0);
	return d;
}

static void name_is(const char *tmpl, const char *want)
{
	struct rg_author_date d = fixed_date();
	struct rg_str out = RG_STR_INIT;

	assert_int_equal(rg_author_file_name(&out, tmpl, "ae1027a6acf", "add_a_column", &d), 0);
	assert_string_equal(out.buf, want);
	rg_str_release(&out);
}

static void name_fails(const char *tmpl, const char *want)
{
	struct rg_author_date d = fixed_date();
	struct rg_str out = RG_STR_INIT;

	assert_int_equal(rg_author_file_name(&out, tmpl, "ae1027a6acf", "add_a_column", &d), RG_EINVALID);
	assert_string_equal(rg_error_last(), want);
	rg_str_release(&out);
}

static void test_file_name(void **state)
{
	(void)state;
	name_is("%(rev)s_%(slug)s", "ae1027a6acf_add_a_column");
	name_is("%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d%(second).2d-%(epoch)s-%(rev)s",
		"2026_11_22_013842-1795311522-ae1027a6acf");
	name_is("%(month)d-%(month)02d-%(month)5d-%(month)-4d|", "11-11-   11-11  |");
	name_is("%(hour)03i %(minute)x %(minute)X %(minute)o %(second)+d", "001 26 26 46 +42");
	name_is("%(rev).4s|%(slug)8.3s|%(slug)-6.2s|", "ae10|     add|ad    |");
	name_is("%(rev)r %(year)s 100%%", "'ae1027a6acf' 2026 100%");
	name_is("%(day).1f %(hour)c", "22.0 \x01");
	name_is("no tokens", "no tokens");
	name_fails("%(rev)s_%(nosuch)s",
		   "file_template '%(rev)s_%(nosuch)s': unknown token 'nosuch' (known: rev, slug, epoch, "
		   "year, month, day, hour, minute, second)");
	name_fails("%(slug)d", "file_template '%(slug)d': %d format needs a number, but 'slug' is text");
	name_fails("%s", "file_template '%s': every '%' must be followed by '%' or a (token)");
	name_fails("%(rev", "file_template '%(rev': '%(' without ')'");
	name_fails("%(rev)q", "file_template '%(rev)q': unsupported format character 'q' in '%(rev)q'");
	name_fails("%(rev)", "file_template '%(rev)': unsupported format character '?' in '%(rev)'");
}

static void test_date(void **state)
{
	struct rg_author_date d;
	struct timespec now = { 1795311522, 872707000 }, whole = { 1795311522, 0 };
	struct timespec summer = { 1783000000, 5000 };	/* 2026-07-02 */

	(void)state;
	setenv("TZ", "UTC", 1);
	assert_int_equal(rg_author_date(&d, NULL, &now), 0);
	assert_string_equal(d.text, "2026-11-22 01:38:42.872707");
	assert_false(d.aware);
	assert_int_equal(d.epoch, 1795311522);
	assert_int_equal(rg_author_date(&d, NULL, &whole), 0);
	assert_string_equal(d.text, "2026-11-22 01:38:42");	/* Python leaves out .000000 */

	setenv("TZ", "Asia/Tokyo", 1);
	assert_int_equal(rg_author_date(&d, NULL, &now), 0);
	assert_string_equal(d.text, "2026-11-22 10:38:42.872707");
	assert_int_equal(d.hour, 10);

	setenv("TZ", "UTC", 1);
	assert_int_equal(rg_author_date(&d, "Asia/Tokyo", &now), 0);
	assert_string_equal(d.text, "2026-11-22 10:38:42.872707+09:00");
	assert_true(d.aware);
	assert_int_equal(d.offset, 9 * 3600);
	assert_string_equal(getenv("TZ"), "UTC");	/* restored */
	assert_int_equal(rg_author_date(&d, "Europe/Paris", &summer), 0);
	assert_string_equal(d.text, "2026-07-02 15:46:40.000005+02:00");
	assert_int_equal(rg_author_date(&d, "America/St_Johns", &whole), 0);
	assert_string_equal(d.text, "2026-11-21 22:08:42-03:30");
	assert_int_equal(rg_author_date(&d, "utc", &whole), 0);
	assert_string_equal(d.text, "2026-11-22 01:38:42+00:00");
	assert_int_equal(rg_author_date(&d, ":Europe/Paris", &whole), 0);
	assert_string_equal(d.text, "2026-11-22 02:38:42+01:00");
	assert_int_equal(rg_author_date(&d, "/usr/share/zoneinfo/Asia/Kolkata", &whole), 0);
	assert_string_equal(d.text, "2026-11-22 07:08:42+05:30");
	assert_int_equal(rg_author_date(&d, "Nowhere/Nope", &now), RG_EINVALID);
	assert_string_equal(rg_error_last(), "Can't locate timezone: Nowhere/Nope");
	assert_int_equal(rg_author_date(&d, "../../etc/passwd", &now), RG_EINVALID);
	assert_int_equal(rg_author_date(&d, "Europe", &now), RG_EINVALID);	/* a directory */

	/* the clock */
	assert_int_equal(rg_author_date(&d, NULL, NULL), 0);
	assert_true(d.year >= 2024);
}

static void test_new_id(void **state)
{
	char a[13], b[13];
	size_t i;

	(void)state;
	assert_int_equal(rg_author_new_id(a), 0);
	assert_int_equal(rg_author_new_id(b), 0);
	assert_int_equal(strlen(a), 12);
	for (i = 0; i < 12; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_not_equal(a, b);
}

static void test_yaml_scalar(void **state)
{
	struct rg_str s = RG_STR_INIT;

	(void)state;
	rg_author_yaml_scalar(&s, "it's: #1");
	assert_string_equal(s.buf, "'it''s: #1'");
	rg_str_reset(&s);
	rg_author_yaml_scalar(&s, "a\nb\t\"c\\\x01");
	assert_string_equal(s.buf, "\"a\\nb\\t\\\"c\\\\\\x01\"");
	rg_str_reset(&s);
	rg_author_yaml_scalar(&s, "a\rb");
	assert_string_equal(s.buf, "\"a\\rb\"");
	rg_str_reset(&s);
	rg_author_yaml_scalar(&s, "");
	assert_string_equal(s.buf, "''");
	rg_str_release(&s);
}

static void test_render_native(void **state)
{
	static const char *const names[] = { "a", "bb" };
	static const char *const values[] = { "1", "two" };
	static const char tmpl[] = "x: ${a}\ny: ${bb}${a} $$ $${a} $x\n";
	static const char unknown[] = "x: ${a}\n\ny: ${c}\n";
	static const char unclosed[] = "x: ${a\n}\n";
	struct rg_str s = RG_STR_INIT;

	(void)state;
	assert_int_equal(rg_author_render_native(&s, "t", tmpl, strlen(tmpl), names, values, 2), 0);
	assert_string_equal(s.buf, "x: 1\ny: two1 $$ ${a} $x\n");
	assert_int_equal(rg_author_render_native(&s, "t", unknown, strlen(unknown), names, values, 2),
			 RG_EINVALID);
	assert_string_equal(rg_error_last(), "t:3: unknown variable '${c}' (a revision template knows ${a}, ${bb})");
	assert_int_equal(rg_author_render_native(&s, "t", unclosed, strlen(unclosed), names, values, 2),
			 RG_EINVALID);
	assert_string_equal(rg_error_last(), "t:1: '${' without a closing '}'");
	/* a template that ends in '$' */
	rg_str_reset(&s);
	assert_int_equal(rg_author_render_native(&s, "t", "$", 1, names, values, 2), 0);
	assert_string_equal(s.buf, "$");
	rg_str_release(&s);
}

/* ---- planning on the sample graph ---- */

static struct rg_config cfg;

static int setup(void **state)
{
	char path[512];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/versions", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/script.yaml.tmpl", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("revision: ${revision}\ndown_revision: ${down_revision}\nbranch_labels: ${branch_labels}\n"
	      "depends_on: ${depends_on}\nmessage: ${message}\ncreate_date: ${create_date}\n", f);
	fclose(f);
	memset(&cfg, 0, sizeof(cfg));
	cfg.script_location = tmpdir;
	snprintf(path, sizeof(path), "%s/versions", tmpdir);
	rg_strlist_push(&cfg.version_locations, path);
	cfg.file_template = (char *)"%(rev)s_%(slug)s";
	cfg.truncate_slug_length = 40;
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	rg_strlist_release(&cfg.version_locations);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static unsigned long fail_at;	/* make allocation N of rg_author_plan() fail */

static int plan(struct rg_author_plan *p, const struct rg_revmap *map, const char *heads_spec,
		const char *deps_spec, const char *rev_id, bool merge)
{
	struct rg_strlist heads = RG_STRLIST_INIT, deps = RG_STRLIST_INIT;
	struct rg_author_opts o;
	struct timespec now = { 1795311522, 0 };
	int err;

	split_into(&heads, heads_spec);
	split_into(&deps, deps_spec);
	memset(&o, 0, sizeof(o));
	o.message = "a message";
	o.heads = (const char *const *)heads.items;
	o.n_heads = heads.n;
	o.depends_on = (const char *const *)deps.items;
	o.n_depends_on = deps.n;
	o.rev_id = rev_id;
	o.merge = merge;
	o.now = &now;
	setenv("TZ", "UTC", 1);
	rg_alloc_fail_after(fail_at, 0);
	err = rg_author_plan(p, &cfg, map, &o);
	rg_alloc_fail_after(0, 0);
	rg_strlist_release(&heads);
	rg_strlist_release(&deps);
	return err;
}

static void plan_fails(const struct rg_revmap *map, const char *heads, const char *deps, const char *id,
		       bool merge, const char *want)
{
	struct rg_author_plan p;

	assert_int_not_equal(plan(&p, map, heads, deps, id, merge), 0);
	assert_string_equal(rg_error_last(), want);
	assert_null(p.path);
	assert_null(p.content);
}

static void test_plan(void **state)
{
	struct rg_revmap *map = sample_map();
	struct rg_author_plan p;
	char want[1024];

	(void)state;
	assert_non_null(map);
	plan_fails(map, "", "", "x1", false,
		   "Multiple heads are present; please specify the head revision on which the new revision "
		   "should be based, or perform a merge.");
	plan_fails(map, "1975ea83b712", "", "x1", false,
		   "Revision 1975ea83b712 is not a head revision; please specify --splice to create a new "
		   "branch from this revision");
	plan_fails(map, "c20000000002", "", "a@b", false,
		   "Character(s) '@' not allowed in revision identifier 'a@b'");
	plan_fails(map, "c20000000002", "", "ae1027a6acf", false,
		   "Revision ae1027a6acf is already present (ae1027a6acf); choose another --rev-id");
	plan_fails(map, "c20000000002", "", "networking", false,
		   "Revision id 'networking' is already a branch label of revision 55af2cb1c267");
	plan_fails(map, "c20000000002", "nosuch", "x1", false, "Can't locate revision identified by 'nosuch'");
	plan_fails(map, "nosuch", "", "x1", false, "Can't locate revision identified by 'nosuch'");

	assert_int_equal(plan(&p, map, "c20000000002", "networking 53fff lib@head", "x1", false), 0);
	snprintf(want, sizeof(want), "%s/versions/x1_a_message.yaml", tmpdir);
	assert_string_equal(p.path, want);
	assert_int_equal(p.format, RG_AUTHOR_YAML);
	assert_null(p.mkdir);
	assert_string_equal(p.content, "revision: 'x1'\ndown_revision: 'c20000000002'\nbranch_labels: []\n"
				       "depends_on: ['networking', '53fffde5ad5', 'b10000000001']\n"
				       "message: 'a message'\ncreate_date: 2026-11-22 01:38:42\n");
	rg_author_plan_release(&p);

	/* merge heads: the real heads in load order */
	assert_int_equal(plan(&p, map, "heads", "", "m1", true), 0);
	assert_non_null(strstr(p.content, "down_revision: ['2a95102259be', 'c20000000002']\n"));
	rg_author_plan_release(&p);
	plan_fails(map, "2a95102259be 2a95", "", "m1", true, "Duplicate head revisions specified");
	/* base: a new root */
	assert_int_equal(plan(&p, map, "base", "", "r1", false), 0);
	assert_non_null(strstr(p.content, "down_revision: null\n"));
	rg_author_plan_release(&p);
	/* a random id */
	assert_int_equal(plan(&p, map, "base", "", NULL, false), 0);
	assert_int_equal(strlen(p.rev_id), 12);
	rg_author_plan_release(&p);
	rg_revmap_free(map);
}

/* merge heads over two heads that merge the same revisions */
static void test_remerge(void **state)
{
	struct rg_revision *revs[] = {
		mkrev("a1", "", "", "", "root"),
		mkrev("b1", "a1", "", "", "left"),
		mkrev("c1", "a1", "", "", "right"),
		mkrev("m1", "b1 c1", "", "", "merge by ann"),
		mkrev("m2", "c1 b1", "", "", "merge by bob"),
	};
	struct rg_revmap *map = NULL;
	struct rg_author_plan p;

	(void)state;
	assert_int_equal(rg_revmap_build(&map, revs, 5), 0);
	plan_fails(map, "heads", "", "m3", true,
		   "Revision m1 merges b1, c1, which revision m2 already merges; remove one of the two (m1 or "
		   "m2) instead of merging them");
	/* naming them is a deliberate choice */
	assert_int_equal(plan(&p, map, "m1 m2", "", "m3", true), 0);
	rg_author_plan_release(&p);
	rg_revmap_free(map);
}

static void test_plan_allocation_failures(void **state)
{
	struct rg_revmap *map = sample_map();
	struct rg_author_plan p;
	unsigned long i;
	int err = -1;

	(void)state;
	for (i = 1; err; i++) {
		fail_at = i;
		err = plan(&p, map, "c20000000002", "networking", "x2", false);
		fail_at = 0;
		if (err) {
			assert_int_equal(err, RG_ENOMEM);
			assert_null(p.content);
		}
		assert_true(i < 5000);
	}
	assert_true(i > 10);
	rg_author_plan_release(&p);
	rg_revmap_free(map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_file_name),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_new_id),
		cmocka_unit_test(test_yaml_scalar),
		cmocka_unit_test(test_render_native),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_remerge),
		cmocka_unit_test(test_plan_allocation_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
