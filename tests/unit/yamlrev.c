/*
 * Tests for revgraph/yamlrev.c: the native YAML revision header, the .sql
 * header and sections, every error message, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc.h"
#include "yamlrev.h"
#include "revgraph/common.h"
#include "revgraph/revision.h"

typedef int (*parse_fn)(struct rg_revision *, const char *, const char *, size_t);

static struct rg_revision *parse_ok(parse_fn fn, const char *text)
{
	struct rg_revision *rev = rg_revision_new();

	assert_non_null(rev);
	if (fn(rev, "v/x.yaml", text, strlen(text)))
		fail_msg("unexpected error: %s", rg_error_last());
	return rev;
}

static struct rg_revision *yaml_ok(const char *text)
{
	return parse_ok(rg_yamlrev_parse, text);
}

static struct rg_revision *sql_ok(const char *text)
{
	return parse_ok(rg_sqlrev_parse, text);
}

/* Parse `text` as `path`, expect RG_EINVALID with exactly `msg`, and an untouched revision. */
static void expect_error(parse_fn fn, const char *path, const char *text, const char *msg)
{
	struct rg_revision *rev = rg_revision_new();

	assert_non_null(rev);
	rg_error_clear();
	assert_int_equal(fn(rev, path, text, strlen(text)), RG_EINVALID);
	assert_string_equal(rg_error_last(), msg);
	assert_null(rev->id);
	assert_null(rev->doc);
	assert_int_equal(rev->down.n, 0);
	assert_int_equal(rev->labels.n, 0);
	assert_int_equal(rev->deps.n, 0);
	rg_revision_free(rev);
}

static void yaml_error(const char *text, const char *msg)
{
	expect_error(rg_yamlrev_parse, "v/x.yaml", text, msg);
}

static void sql_error(const char *text, const char *msg)
{
	expect_error(rg_sqlrev_parse, "v/x.sql", text, msg);
}

static void assert_list(const struct rg_strlist *l, size_t n, const char *a, const char *b, const char *c)
{
	const char *want[3];
	size_t i;

	want[0] = a;
	want[1] = b;
	want[2] = c;
	assert_int_equal(l->n, n);
	for (i = 0; i < n && i < 3; i++)
		assert_string_equal(l->items[i], want[i]);
}

static void test_yaml_full_header(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = yaml_ok("# a comment line\n"
		      "\n"
		      "revision: 27c6a30d7c24\n"
		      "down_revision: 1975ea83b712        # null, one id, or a list\n"
		      "branch_labels: [cart]\n"
		      "depends_on:\n"
		      "  - 55af2cb1c267\n"
		      "  - networking\n"
		      "message: add shopping cart table\n"
		      "create_date: 2026-11-22 10:15:30.123456\n"
		      "upgrade:\n"
		      "  - create_table:\n"
		      "      name: cart\n"
		      "      columns:\n"
		      "        - {name: id, type: integer, primary_key: true}\n"
		      "  - sql: CREATE INDEX ix_cart_account ON cart (account_id)\n"
		      "downgrade:\n"
		      "  - drop_table: cart\n");
	assert_string_equal(rev->id, "27c6a30d7c24");
	assert_list(&rev->down, 1, "1975ea83b712", NULL, NULL);
	assert_list(&rev->labels, 1, "cart", NULL, NULL);
	assert_list(&rev->deps, 2, "55af2cb1c267", "networking", NULL);
	assert_true(rev->has_deps);
	assert_string_equal(rev->doc, "add shopping cart table");
	assert_string_equal(rev->create_date, "2026-11-22 10:15:30.123456");
	assert_int_equal(rev->kind, RG_REVFILE_YAML);
	assert_int_equal(rev->line_id, 3);
	assert_int_equal(rev->line_down, 4);
	assert_int_equal(rev->line_labels, 5);
	assert_int_equal(rev->line_deps, 6);
	assert_null(rev->path);
	rg_revision_free(rev);
}

static void test_yaml_minimal_root(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = yaml_ok("down_revision: null\nrevision: 1975ea83b712\n");
	assert_string_equal(rev->id, "1975ea83b712");
	assert_int_equal(rev->down.n, 0);
	assert_int_equal(rev->labels.n, 0);
	assert_int_equal(rev->deps.n, 0);
	assert_false(rev->has_deps);
	assert_non_null(rev->doc);
	assert_string_equal(rev->doc, "");
	assert_null(rev->create_date);
	assert_int_equal(rev->line_id, 2);
	assert_int_equal(rev->line_down, 1);
	assert_int_equal(rev->line_labels, 0);
	assert_int_equal(rev->line_deps, 0);
	rg_revision_free(rev);
}

static void test_yaml_down_revision_shapes(void **state)
{
	static const char *roots[] = {
		"revision: a\ndown_revision: null\n",
		"revision: a\ndown_revision: Null\n",
		"revision: a\ndown_revision: NULL\n",
		"revision: a\ndown_revision: ~\n",
		"revision: a\ndown_revision:\n",
		"revision: a\ndown_revision: \"\"\n",
		"revision: a\ndown_revision: ''\n",
		"revision: a\ndown_revision: []\n",
		"revision: a\ndown_revision: !!null x\n",
		"{revision: a, down_revision: }\n",
	};
	struct rg_revision *rev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		rev = yaml_ok(roots[i]);
		assert_int_equal(rev->down.n, 0);
		assert_int_equal(rev->line_down, strncmp(roots[i], "{", 1) ? 2 : 1);
		rg_revision_free(rev);
	}

	rev = yaml_ok("revision: a\ndown_revision: 'b'\n");
	assert_list(&rev->down, 1, "b", NULL, NULL);
	rg_revision_free(rev);

	rev = yaml_ok("revision: a\ndown_revision: [b]\n");
	assert_list(&rev->down, 1, "b", NULL, NULL);
	rg_revision_free(rev);

	rev = yaml_ok("revision: m\ndown_revision: [b, \"c\", 'd']\n");
	assert_list(&rev->down, 3, "b", "c", "d");
	rg_revision_free(rev);

	rev = yaml_ok("revision: m\ndown_revision:\n- b\n- c\n");
	assert_list(&rev->down, 2, "b", "c", NULL);
	rg_revision_free(rev);

	/* a quoted null is a string */
	rev = yaml_ok("revision: a\ndown_revision: \"null\"\n");
	assert_list(&rev->down, 1, "null", NULL, NULL);
	rg_revision_free(rev);
}

static void test_yaml_scalars_as_written(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = yaml_ok("revision: 1234\ndown_revision: 0012\n");
	assert_string_equal(rev->id, "1234");
	assert_list(&rev->down, 1, "0012", NULL, NULL);
	rg_revision_free(rev);

	rev = yaml_ok("revision: 1e3\ndown_revision: [0x1F, 1.50, yes]\n");
	assert_string_equal(rev->id, "1e3");
	assert_list(&rev->down, 3, "0x1F", "1.50", "yes");
	rg_revision_free(rev);

	/* anchors and aliases resolve to the same text */
	rev = yaml_ok("revision: &r abc\ndown_revision: def\ndepends_on: *r\n");
	assert_list(&rev->deps, 1, "abc", NULL, NULL);
	rg_revision_free(rev);
}

static void test_yaml_labels_and_deps_shapes(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = yaml_ok("revision: a\ndown_revision: ~\nbranch_labels: networking\ndepends_on: 3cac04ae8714\n");
	assert_list(&rev->labels, 1, "networking", NULL, NULL);
	assert_list(&rev->deps, 1, "3cac04ae8714", NULL, NULL);
	assert_true(rev->has_deps);
	assert_int_equal(rev->line_labels, 3);
	assert_int_equal(rev->line_deps, 4);
	rg_revision_free(rev);

	rev = yaml_ok("revision: a\ndown_revision: ~\nbranch_labels: [x, y]\ndepends_on: [lib, c20000000002]\n");
	assert_list(&rev->labels, 2, "x", "y", NULL);
	assert_list(&rev->deps, 2, "lib", "c20000000002", NULL);
	rg_revision_free(rev);

	/* present but empty: no labels, no dependencies, the key line is still known */
	rev = yaml_ok("revision: a\ndown_revision: ~\nbranch_labels: []\ndepends_on: ~\n");
	assert_int_equal(rev->labels.n, 0);
	assert_int_equal(rev->deps.n, 0);
	assert_false(rev->has_deps);
	assert_int_equal(rev->line_labels, 3);
	assert_int_equal(rev->line_deps, 4);
	rg_revision_free(rev);

	rev = yaml_ok("revision: a\ndown_revision: ~\nbranch_labels: ''\ndepends_on: []\n");
	assert_int_equal(rev->labels.n, 0);
	assert_false(rev->has_deps);
	rg_revision_free(rev);
}

static void test_yaml_message_and_date(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = yaml_ok("revision: a\ndown_revision: ~\nmessage: \"  padded\\t\\n\"\ncreate_date: '2026-01-02'\n");
	assert_string_equal(rev->doc, "padded");
	assert_string_equal(rev->create_date, "2026-01-02");
	rg_revision_free(rev);

	rev = yaml_ok("revision: a\ndown_revision: ~\nmessage: |\n  first line\n  second line\n\n");
	assert_string_equal(rev->doc, "first line\nsecond line");
	rg_revision_free(rev);

	rev = yaml_ok("revision: a\ndown_revision: ~\nmessage: ~\ncreate_date:\n");
	assert_string_equal(rev->doc, "");
	assert_null(rev->create_date);
	rg_revision_free(rev);

	rev = yaml_ok("revision: a\ndown_revision: ~\nmessage: 42\n");
	assert_string_equal(rev->doc, "42");
	rg_revision_free(rev);
}

static void test_yaml_other_keys_ignored(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = yaml_ok("revision: a\n"
		      "down_revision: ~\n"
		      "transactional: false\n"
		      "upgrade: {not: [checked, here]}\n"
		      "downgrade: 12\n"
		      "? [complex, key]\n"
		      ": value\n"
		      "x-custom: {a: 1}\n");
	assert_string_equal(rev->id, "a");
	rg_revision_free(rev);
}

static void test_yaml_text_not_nul_terminated(void **state)
{
	static const char text[] = "revision: a\ndown_revision: b\nbroken: [";
	struct rg_revision *rev = rg_revision_new();

	(void)state;
	assert_int_equal(rg_yamlrev_parse(rev, "x.yaml", text, strlen("revision: a\ndown_revision: b\n")), 0);
	assert_string_equal(rev->id, "a");
	assert_int_equal(rg_yamlrev_parse(rev, "x.yaml", text, strlen(text)), RG_EINVALID);
	/* a failed parse leaves the earlier result in place */
	assert_string_equal(rev->id, "a");
	assert_list(&rev->down, 1, "b", NULL, NULL);
	rg_revision_free(rev);
}

static void test_yaml_reparse_replaces(void **state)
{
	struct rg_revision *rev = yaml_ok("revision: a\ndown_revision: [b, c]\nbranch_labels: x\n"
					  "depends_on: d\nmessage: m\ncreate_date: t\n");
	const char *text = "revision: z\ndown_revision: ~\n";

	(void)state;
	assert_int_equal(rg_yamlrev_parse(rev, "x.yaml", text, strlen(text)), 0);
	assert_string_equal(rev->id, "z");
	assert_int_equal(rev->down.n, 0);
	assert_int_equal(rev->labels.n, 0);
	assert_int_equal(rev->deps.n, 0);
	assert_false(rev->has_deps);
	assert_string_equal(rev->doc, "");
	assert_null(rev->create_date);
	assert_int_equal(rev->line_labels, 0);
	rg_revision_free(rev);
}

static void test_yaml_syntax_errors(void **state)
{
	(void)state;
	yaml_error("revision: a\ndown_revision: [b\n",
		   "v/x.yaml:3:1: did not find expected ',' or ']' (while parsing a flow sequence at line 2)");
	yaml_error("revision: a\n  down_revision: b\n",
		   "v/x.yaml:2:16: mapping values are not allowed in this context");
	yaml_error("revision: a\ndown_revision: *nope\n", "v/x.yaml:2:16: found undefined alias");
	yaml_error("revision: a\xff\ndown_revision: b\n", "v/x.yaml:1:12: invalid leading UTF-8 octet");
	yaml_error("revision: a\ndown_revision: b\x01\n", "v/x.yaml:2:17: control characters are not allowed");
	yaml_error("revision: a\n\tdown_revision: b\n",
		   "v/x.yaml:2:1: found a tab character that violates indentation (while scanning a plain scalar at line 1)");
}

static void test_yaml_structural_errors(void **state)
{
	(void)state;
	yaml_error("", "v/x.yaml:1: top level is not a mapping");
	yaml_error("# only a comment\n", "v/x.yaml:1: top level is not a mapping");
	yaml_error("\n- revision: a\n", "v/x.yaml:2: top level is not a mapping");
	yaml_error("just text\n", "v/x.yaml:1: top level is not a mapping");
	yaml_error("down_revision: ~\nmessage: x\n", "v/x.yaml:1: missing key 'revision'");
	yaml_error("# c\nrevision: a\nmessage: x\n", "v/x.yaml:2: missing key 'down_revision'");
	yaml_error("revision:\ndown_revision: ~\n", "v/x.yaml:1: 'revision' must be a non-empty string");
	yaml_error("revision: ~\ndown_revision: ~\n", "v/x.yaml:1: 'revision' must be a non-empty string");
	yaml_error("revision: ''\ndown_revision: ~\n", "v/x.yaml:1: 'revision' must be a non-empty string");
	yaml_error("revision: [a]\ndown_revision: ~\n", "v/x.yaml:1: 'revision' must be a non-empty string");
	yaml_error("revision: \"a\\0b\"\ndown_revision: ~\n", "v/x.yaml:1: 'revision' must be a non-empty string");
	yaml_error("revision: a\ndown_revision: {b: c}\n",
		   "v/x.yaml:2: 'down_revision' must be null, a string or a list of strings");
	yaml_error("revision: a\ndown_revision: ~\nbranch_labels: {x: 1}\n",
		   "v/x.yaml:3: 'branch_labels' must be null, a string or a list of strings");
	yaml_error("revision: a\ndown_revision: ~\ndepends_on:\n  k: v\n",
		   "v/x.yaml:3: 'depends_on' must be null, a string or a list of strings");
	yaml_error("revision: a\ndown_revision:\n  - b\n  - [c]\n",
		   "v/x.yaml:4: 'down_revision' list item must be a non-empty string");
	yaml_error("revision: a\ndown_revision: [b, ~]\n",
		   "v/x.yaml:2: 'down_revision' list item must be a non-empty string");
	yaml_error("revision: a\ndown_revision: ~\nbranch_labels:\n  - ''\n",
		   "v/x.yaml:4: 'branch_labels' list item must be a non-empty string");
	yaml_error("revision: a\ndown_revision: ~\ndepends_on: [{x: y}]\n",
		   "v/x.yaml:3: 'depends_on' list item must be a non-empty string");
	yaml_error("revision: a\ndown_revision: ~\nmessage: [x]\n", "v/x.yaml:3: 'message' must be a string");
	yaml_error("revision: a\ndown_revision: ~\ncreate_date: {d: 1}\n",
		   "v/x.yaml:3: 'create_date' must be a string");
	yaml_error("revision: a\ndown_revision: ~\nrevision: b\n", "v/x.yaml:3: duplicate key 'revision'");
	yaml_error("revision: a\ndown_revision: ~\nupgrade: x\n'upgrade': y\n", "v/x.yaml:4: duplicate key 'upgrade'");
	yaml_error("revision: a\ndown_revision: ~\n---\nrevision: b\n", "v/x.yaml:3: more than one YAML document");
}

static void test_sql_header(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = sql_ok("-- revision: 5d2e8d0c4e91\n"
		     "-- down_revision: 55af2cb1c267\n"
		     "-- branch_labels: [ip]\n"
		     "--\n"
		     "-- depends_on:\n"
		     "--   - 3cac04ae8714\n"
		     "-- message: |\n"
		     "--   add ip number table\n"
		     "--   (two lines)\n"
		     "-- create_date: 2026-11-22 10:15:30\n"
		     "\n"
		     "-- upgrade\n"
		     "CREATE TABLE ip (id INTEGER PRIMARY KEY);\n"
		     "-- downgrade\n"
		     "DROP TABLE ip;\n");
	assert_string_equal(rev->id, "5d2e8d0c4e91");
	assert_list(&rev->down, 1, "55af2cb1c267", NULL, NULL);
	assert_list(&rev->labels, 1, "ip", NULL, NULL);
	assert_list(&rev->deps, 1, "3cac04ae8714", NULL, NULL);
	assert_true(rev->has_deps);
	assert_string_equal(rev->doc, "add ip number table\n(two lines)");
	assert_string_equal(rev->create_date, "2026-11-22 10:15:30");
	assert_int_equal(rev->kind, RG_REVFILE_SQL);
	assert_int_equal(rev->line_id, 1);
	assert_int_equal(rev->line_down, 2);
	assert_int_equal(rev->line_labels, 3);
	assert_int_equal(rev->line_deps, 5);
	rg_revision_free(rev);

	/* byte order mark, CRLF, indented comments, marker right after the header, no final newline */
	rev = sql_ok("\xEF\xBB\xBF-- revision: a\r\n"
		     "  -- down_revision: [b, c]\r\n"
		     "-- upgrade\r\n"
		     "SELECT 1;");
	assert_string_equal(rev->id, "a");
	assert_list(&rev->down, 2, "b", "c", NULL);
	assert_int_equal(rev->line_down, 2);
	rg_revision_free(rev);

	/* header only: a revision with no sections */
	rev = sql_ok("-- revision: a\n-- down_revision:\n");
	assert_int_equal(rev->down.n, 0);
	rg_revision_free(rev);

	/* the header stops at the first non-comment line; later comments are not read */
	rev = sql_ok("-- revision: a\n-- down_revision: ~\n\n-- message: not header\n-- Upgrade\nSELECT 1;\n");
	assert_string_equal(rev->doc, "");
	rg_revision_free(rev);
}

static void test_sql_errors(void **state)
{
	(void)state;
	sql_error("", "v/x.sql:1: missing revision header (leading '-- ' comment lines)");
	sql_error("\n-- revision: a\n-- down_revision: ~\n",
		  "v/x.sql:1: missing revision header (leading '-- ' comment lines)");
	sql_error("-- upgrade\nSELECT 1;\n", "v/x.sql:1: missing revision header (leading '-- ' comment lines)");
	sql_error("CREATE TABLE t (id int);\n", "v/x.sql:1: missing revision header (leading '-- ' comment lines)");
	sql_error("-- just a comment\n-- upgrade\n", "v/x.sql:1: top level is not a mapping");
	sql_error("-- revision: a\n--\n-- message: x\n", "v/x.sql:1: missing key 'down_revision'");
	sql_error("-- revision: a\n-- down_revision: {x: 1}\n",
		  "v/x.sql:2: 'down_revision' must be null, a string or a list of strings");
	sql_error("-- revision: a\n-- down_revision:\n--   - b\n--   - ~\n",
		  "v/x.sql:4: 'down_revision' list item must be a non-empty string");
	/* YAML positions are file positions: line of the file, column counting the `-- ` */
	sql_error("-- revision: a\n-- down_revision: [b\n-- upgrade\n",
		  "v/x.sql:3:1: did not find expected ',' or ']' (while parsing a flow sequence at line 2)");
	sql_error("-- revision: a\n--   down_revision: b\n",
		  "v/x.sql:2:19: mapping values are not allowed in this context");
	sql_error("-- revision: a\n  -- down_revision: *x\n", "v/x.sql:2:21: found undefined alias");
	sql_error("-- revision: a\n-- down_revision: b\xff\n", "v/x.sql:2:20: invalid leading UTF-8 octet");
	sql_error("-- revision: a\n-- down_revision: ~\n\nCREATE TABLE t (id int);\n-- upgrade\n",
		  "v/x.sql:4: SQL before the first '-- upgrade' or '-- downgrade' marker");
	sql_error("-- revision: a\n-- down_revision: ~\n-- upgrade\nSELECT 1;\n-- downgrade\n--UPGRADE\n",
		  "v/x.sql:6: duplicate '-- upgrade' marker");
	sql_error("-- revision: a\n-- down_revision: ~\n-- downgrade\n-- downgrade\n",
		  "v/x.sql:4: duplicate '-- downgrade' marker");
}

static void expect_section(const char *text, bool upgrade, const char *want)
{
	char *body = (char *)"unset";

	assert_int_equal(rg_sqlrev_section(&body, text, strlen(text), upgrade), 0);
	if (!want) {
		assert_null(body);
		return;
	}
	assert_non_null(body);
	assert_string_equal(body, want);
	free(body);
}

static void test_sql_sections(void **state)
{
	static const char file[] = "-- revision: a\n"
				   "-- down_revision: ~\n"
				   "\n"
				   "--   Upgrade  \n"
				   "CREATE TABLE t (id int);\n"
				   "-- a comment in the body\n"
				   "\n"
				   "\t-- DOWNGRADE\n"
				   "DROP TABLE t;\n";
	char *body = NULL;

	(void)state;
	expect_section(file, true, "CREATE TABLE t (id int);\n-- a comment in the body\n\n");
	expect_section(file, false, "DROP TABLE t;\n");
	/* downgrade first, no final newline, CRLF kept as written */
	expect_section("-- revision: a\n-- downgrade\r\nDROP TABLE t;\r\n-- upgrade\r\nCREATE TABLE t (id int);",
		       true, "CREATE TABLE t (id int);");
	expect_section("-- revision: a\n-- downgrade\r\nDROP TABLE t;\r\n-- upgrade\r\nCREATE TABLE t (id int);",
		       false, "DROP TABLE t;\r\n");
	/* absent and empty sections */
	expect_section("-- revision: a\n-- upgrade\nSELECT 1;\n", false, NULL);
	expect_section("-- revision: a\n-- upgrade\n-- downgrade\n", true, "");
	expect_section("-- revision: a\n-- downgrade\n", false, "");
	expect_section("", true, NULL);
	/* not markers: other words, a colon */
	expect_section("-- upgrades\n-- upgrade: x\n--upgrade now\n", true, NULL);

	assert_int_equal(rg_sqlrev_section(&body, "-- upgrade\n-- upgrade\n", 22, true), RG_EINVALID);
	assert_string_equal(rg_error_last(), "duplicate '-- upgrade' marker at line 2");
	assert_null(body);
}

/* Every allocation in turn fails: each attempt reports RG_ENOMEM, leaks nothing, and leaves `out` alone. */
static void check_oom(parse_fn fn, const char *text)
{
	struct rg_revision *rev = rg_revision_new();
	unsigned long i;
	int err = -1;

	assert_non_null(rev);
	for (i = 1; err; i++) {
		rg_alloc_fail_after(i, 0);
		err = fn(rev, "x", text, strlen(text));
		rg_alloc_fail_after(0, 0);
		if (err) {
			assert_int_equal(err, RG_ENOMEM);
			assert_string_equal(rg_error_last(), "out of memory");
			assert_null(rev->id);
			assert_null(rev->doc);
			assert_int_equal(rev->down.n, 0);
		}
		assert_true(i < 1000);
	}
	assert_true(i > 5);
	assert_string_equal(rev->id, "m");
	rg_revision_free(rev);
}

static void test_allocation_failures(void **state)
{
	static const char section_text[] = "-- revision: a\n-- upgrade\nSELECT 1;\n-- downgrade\n";
	unsigned long i;
	char *body = NULL;
	int err = -1;

	(void)state;
	check_oom(rg_yamlrev_parse, "revision: m\n"
				    "down_revision: [a, b, c, d, e, f, g, h, i, j]\n"
				    "branch_labels: [x, y]\n"
				    "depends_on: z\n"
				    "message: '  msg  '\n"
				    "create_date: 2026-01-01\n");
	check_oom(rg_sqlrev_parse, "-- revision: m\n"
				   "-- down_revision: [a, b]\n"
				   "-- branch_labels: x\n"
				   "-- depends_on: [y, z]\n"
				   "-- message: msg\n"
				   "-- create_date: 2026-01-01\n"
				   "-- # 1\n-- # 2\n-- # 3\n-- # 4\n-- # 5\n-- # 6\n-- # 7\n-- # 8\n-- # 9\n"
				   "-- upgrade\nSELECT 1;\n");
	for (i = 1; err; i++) {
		rg_alloc_fail_after(i, 0);
		err = rg_sqlrev_section(&body, section_text, strlen(section_text), true);
		rg_alloc_fail_after(0, 0);
		if (err) {
			assert_int_equal(err, RG_ENOMEM);
			assert_null(body);
		}
	}
	assert_string_equal(body, "SELECT 1;\n");
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_full_header),
		cmocka_unit_test(test_yaml_minimal_root),
		cmocka_unit_test(test_yaml_down_revision_shapes),
		cmocka_unit_test(test_yaml_scalars_as_written),
		cmocka_unit_test(test_yaml_labels_and_deps_shapes),
		cmocka_unit_test(test_yaml_message_and_date),
		cmocka_unit_test(test_yaml_other_keys_ignored),
		cmocka_unit_test(test_yaml_text_not_nul_terminated),
		cmocka_unit_test(test_yaml_reparse_replaces),
		cmocka_unit_test(test_yaml_syntax_errors),
		cmocka_unit_test(test_yaml_structural_errors),
		cmocka_unit_test(test_sql_header),
		cmocka_unit_test(test_sql_errors),
		cmocka_unit_test(test_sql_sections),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
