/*
 * Tests for revgraph/body.c's reader of a step's body: the header cache's
 * copy when the revision has one (its file not read), else the file (a
 * SQL section, or a YAML file's text for its operations), the parts
 * filtered by dialect, and the Python no-op check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "alloc.h"
#include "body.h"
#include "revgraph/common.h"

static char tmpdir[] = "/tmp/rgbodyXXXXXX";

static char *write_file(const char *name, const char *text)
{
	size_t size = strlen(tmpdir) + strlen(name) + 2;
	char *path = malloc(size);
	FILE *f;

	assert_non_null(path);
	snprintf(path, size, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* The parts `br` yields, as "dialect:line:sql|" each. */
static void yielded(char *out, size_t size, struct rg_body_reader *br)
{
	const struct rg_body_part *p;
	size_t used = 0;

	out[0] = '\0';
	while ((p = rg_body_reader_next(br)) && used < size)
		used += (size_t)snprintf(out + used, size - used, "%d:%zu:%s|", p->dialect, p->line, p->sql);
}

static void test_cached_body_filtered_by_dialect(void **state)
{
	struct rg_body_part up[] = {
		{ (char *)"CREATE TABLE a (x INT)", 3, -1 },
		{ (char *)"PRAGMA x", 5, RG_DIALECT_SQLITE },
		{ (char *)"SET y", 7, RG_DIALECT_POSTGRESQL },
		{ (char *)"INSERT INTO a VALUES (1)", 9, -1 },
	};
	struct rg_body_part down[] = { { (char *)"DROP TABLE a", 12, -1 } };
	struct rg_rev_bodies bodies;
	struct rg_revision rev;
	struct rg_body_reader br;
	char got[400];

	(void)state;
	memset(&bodies, 0, sizeof(bodies));
	bodies.up.items = up;
	bodies.up.n = 4;
	bodies.up.lock_timeout = (char *)"2s";
	bodies.down.items = down;
	bodies.down.n = 1;
	memset(&rev, 0, sizeof(rev));
	rev.kind = RG_REVFILE_YAML;
	rev.path = (char *)"/nonexistent/never_read.yaml";	/* the cache's copy: no file read */
	rev.bodies = &bodies;

	assert_int_equal(rg_body_reader_open(&br, &rev, true, RG_DIALECT_SQLITE), 0);
	assert_null(br.yaml);
	assert_string_equal(br.body->lock_timeout, "2s");
	yielded(got, sizeof(got), &br);
	assert_string_equal(got, "-1:3:CREATE TABLE a (x INT)|0:5:PRAGMA x|-1:9:INSERT INTO a VALUES (1)|");
	assert_null(rg_body_reader_next(&br));
	rg_body_reader_release(&br);

	assert_int_equal(rg_body_reader_open(&br, &rev, true, RG_DIALECT_POSTGRESQL), 0);
	yielded(got, sizeof(got), &br);
	assert_string_equal(got, "-1:3:CREATE TABLE a (x INT)|1:7:SET y|-1:9:INSERT INTO a VALUES (1)|");
	rg_body_reader_release(&br);

	assert_int_equal(rg_body_reader_open(&br, &rev, false, RG_DIALECT_SQLITE), 0);
	yielded(got, sizeof(got), &br);
	assert_string_equal(got, "-1:12:DROP TABLE a|");
	assert_null(br.body->lock_timeout);
	rg_body_reader_release(&br);
}

static const char sql_rev[] =
	"-- revision: 'ab12'\n"
	"-- down_revision: null\n"
	"\n"
	"-- upgrade\n"
	"CREATE TABLE t (x INT);\n"
	"INSERT INTO t VALUES (1);\n";

static void test_sql_file_section(void **state)
{
	struct rg_revision rev;
	struct rg_body_reader br;
	char got[400];

	(void)state;
	memset(&rev, 0, sizeof(rev));
	rev.kind = RG_REVFILE_SQL;
	rev.path = write_file("ab12_t.sql", sql_rev);

	assert_int_equal(rg_body_reader_open(&br, &rev, true, RG_DIALECT_POSTGRESQL), 0);
	assert_null(br.yaml);
	assert_null(br.body->lock_timeout);
	yielded(got, sizeof(got), &br);
	assert_string_equal(got, "-1:5:CREATE TABLE t (x INT);\nINSERT INTO t VALUES (1);\n|");
	rg_body_reader_release(&br);

	/* no `-- downgrade` section: nothing to run */
	assert_int_equal(rg_body_reader_open(&br, &rev, false, RG_DIALECT_SQLITE), 0);
	assert_non_null(br.body);
	assert_null(rg_body_reader_next(&br));
	rg_body_reader_release(&br);
	free(rev.path);
}

static void test_sql_file_errors_name_the_file(void **state)
{
	struct rg_revision rev;
	struct rg_body_reader br;
	char want[300];

	(void)state;
	memset(&rev, 0, sizeof(rev));
	rev.kind = RG_REVFILE_SQL;
	rev.path = write_file("cd34_dup.sql", "-- revision: 'cd34'\n-- upgrade\nSELECT 1;\n-- upgrade\nSELECT 2;\n");
	assert_int_equal(rg_body_reader_open(&br, &rev, true, RG_DIALECT_SQLITE), RG_EINVALID);
	snprintf(want, sizeof(want), "%s:duplicate '-- upgrade' marker at line 4", rev.path);
	assert_string_equal(rg_error_last(), want);
	rg_body_reader_release(&br);
	free(rev.path);

	rev.path = (char *)"/nonexistent/ef56_gone.sql";
	assert_int_not_equal(rg_body_reader_open(&br, &rev, true, RG_DIALECT_SQLITE), 0);
	assert_non_null(strstr(rg_error_last(), "/nonexistent/ef56_gone.sql"));
	rg_body_reader_release(&br);
}

static void test_yaml_file_gives_its_text(void **state)
{
	static const char text[] = "revision: 'ab99'\ndown_revision: null\nupgrade:\n  - sql: SELECT 1\n";
	struct rg_revision rev;
	struct rg_body_reader br;

	(void)state;
	memset(&rev, 0, sizeof(rev));
	rev.kind = RG_REVFILE_YAML;
	rev.path = write_file("ab99_y.yaml", text);
	assert_int_equal(rg_body_reader_open(&br, &rev, true, RG_DIALECT_SQLITE), 0);
	assert_null(br.body);
	assert_null(rg_body_reader_next(&br));
	assert_int_equal(br.yaml_len, strlen(text));
	assert_memory_equal(br.yaml, text, br.yaml_len);
	rg_body_reader_release(&br);
	free(rev.path);
}

static void test_python_bodies(void **state)
{
	struct rg_revision rev;
	struct rg_body_reader br;

	(void)state;
	memset(&rev, 0, sizeof(rev));
	rev.kind = RG_REVFILE_PY;
	rev.path = (char *)"versions/ab77_p.py";
	rev.body_is_noop = true;
	assert_int_equal(rg_body_reader_open(&br, &rev, true, RG_DIALECT_SQLITE), 0);
	assert_null(br.body);
	assert_null(br.yaml);
	assert_null(rg_body_reader_next(&br));
	rg_body_reader_release(&br);

	rev.body_is_noop = false;
	assert_int_equal(rg_body_reader_open(&br, &rev, false, RG_DIALECT_SQLITE), RG_EUNSUPPORTED);
	assert_string_equal(rg_error_last(),
			    "versions/ab77_p.py: downgrade() is Python code, which revgraph cannot run; run this revision with Alembic, or stamp past it");
	rg_body_reader_release(&br);
}

static void test_allocation_failures(void **state)
{
	struct rg_revision rev;
	struct rg_body_reader br;
	unsigned long i;
	int err = RG_ENOMEM;

	(void)state;
	memset(&rev, 0, sizeof(rev));
	rev.kind = RG_REVFILE_SQL;
	rev.path = write_file("ab12_t.sql", sql_rev);
	for (i = 1; err; i++) {
		rg_alloc_fail_after(i, 0);
		err = rg_body_reader_open(&br, &rev, true, RG_DIALECT_SQLITE);
		rg_alloc_fail_after(0, 0);
		assert_true(!err || err == RG_ENOMEM);
		if (!err)
			assert_non_null(rg_body_reader_next(&br));
		rg_body_reader_release(&br);
		assert_true(i < 100);
	}
	free(rev.path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_body_filtered_by_dialect),
		cmocka_unit_test(test_sql_file_section),
		cmocka_unit_test(test_sql_file_errors_name_the_file),
		cmocka_unit_test(test_yaml_file_gives_its_text),
		cmocka_unit_test(test_python_bodies),
		cmocka_unit_test(test_allocation_failures),
	};
	int rc;
	char cmd[300];

	if (!mkdtemp(tmpdir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
