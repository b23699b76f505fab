/*
 * Tests for revgraph/migrate.c where only the library can look: the runner
 * switches PRAGMA foreign_keys off for a step whose operations rebuild a
 * table on SQLite and puts it back on the connection afterwards, whether
 * the step committed or rolled back; and the rebuild and the version row
 * commit, or roll back, together; and what the step's other statements do
 * while foreign keys are off is checked.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "revgraph/common.h"
#include "revgraph/config.h"
#include "revgraph/db.h"
#include "revgraph/migrate.h"
#include "revgraph/revmap.h"
#include "revgraph/script.h"
#include "revgraph/str.h"
#include "testproj.h"

static struct testproj proj;

/* r1 of both tests: parent(id, v) and child(id, parent_id) cascading from it; then rows */
#define PARENT_CHILD_R1 \
	"revision: r1\ndown_revision: null\nupgrade:\n" \
	"  - create_table: parent\n" \
	"    columns: [{name: id, type: integer, primary_key: true}, {name: v, type: integer}]\n" \
	"  - create_table: child\n" \
	"    columns:\n" \
	"      - {name: id, type: integer, primary_key: true}\n" \
	"      - {name: parent_id, type: integer, references: parent.id, on_delete: cascade}\n"

static const char rev1[] = PARENT_CHILD_R1
	"  - sql: INSERT INTO parent VALUES (1, 5), (2, -1); INSERT INTO child VALUES (1, 1), (2, 2)\n";

/* r2 adds a CHECK that parent row 2 breaks: its rebuild fails until the row is fixed */
static const char rev2[] =
	"revision: r2\ndown_revision: r1\nupgrade:\n"
	"  - batch_alter_table: parent\n"
	"    ops:\n"
	"      - alter_column: v\n"
	"        type: bigint\n"
	"      - create_check_constraint: ck_v\n"
	"        condition: v > 0\n"
	"downgrade:\n"
	"  - batch_alter_table: parent\n"
	"    ops:\n"
	"      - drop_constraint: ck_v\n";

/* proj as a native project whose versions/ holds `rev1` as 1.yaml, and `rev2` as 2.yaml if not NULL */
static void make_project(const char *rev1_text, const char *rev2_text)
{
	testproj_init(&proj, "migrate");
	testproj_native(&proj, NULL);
	testproj_write(&proj, "versions/1.yaml", rev1_text);
	if (rev2_text)
		testproj_write(&proj, "versions/2.yaml", rev2_text);
}

struct fixture {
	struct rg_config *cfg;
	struct rg_revmap *map;
	struct rg_db *db;
};

static void open_fixture(struct fixture *fx)
{
	struct rg_str warnings = RG_STR_INIT;
	struct rg_dburl url;
	char u[600];

	assert_int_equal(rg_config_load(&fx->cfg, testproj_path(&proj, "alembic.ini"), "alembic"), 0);
	fx->cfg->want_bodies = true;
	assert_int_equal(rg_script_load(&fx->map, fx->cfg, &warnings), 0);
	rg_str_release(&warnings);
	snprintf(u, sizeof(u), "sqlite:///%s", testproj_path(&proj, "db.sqlite"));
	assert_int_equal(rg_dburl_parse(&url, u), 0);
	assert_int_equal(rg_db_open(&fx->db, &url), 0);
	rg_dburl_release(&url);
}

static void close_fixture(struct fixture *fx)
{
	rg_db_close(fx->db);
	rg_revmap_free(fx->map);
	rg_config_free(fx->cfg);
}

static char *first(struct rg_db *db, const char *sql)
{
	struct rg_strlist l = RG_STRLIST_INIT;
	char *v;

	assert_int_equal(rg_db_query_column(db, sql, &l), 0);
	v = strdup(l.n ? l.items[0] : "");
	rg_strlist_release(&l);
	return v;
}

static void expect(struct rg_db *db, const char *sql, const char *want)
{
	char *got = first(db, sql);

	assert_string_equal(got, want);
	free(got);
}

static int upgrade(struct fixture *fx, const char *target)
{
	struct rg_migrate_opts o;

	memset(&o, 0, sizeof(o));
	o.cmd = RG_MIGRATE_UPGRADE;
	o.target = target;
	return rg_migrate(fx->cfg, fx->map, fx->db, &o);
}

static void test_foreign_keys_restored_after_rebuild_steps(void **state)
{
	struct fixture fx;

	(void)state;
	make_project(rev1, rev2);
	memset(&fx, 0, sizeof(fx));
	open_fixture(&fx);
	assert_int_equal(upgrade(&fx, "r1"), 0);
	/* the application's connection has foreign keys on */
	assert_int_equal(rg_db_exec(fx.db, "PRAGMA foreign_keys = ON", NULL), 0);

	/* a failed rebuild: schema and row as before, foreign keys on again */
	rg_error_clear();
	assert_int_equal(upgrade(&fx, "head"), RG_EDATABASE);
	assert_non_null(strstr(rg_error_last(), "CHECK constraint failed"));
	expect(fx.db, "PRAGMA foreign_keys", "1");
	expect(fx.db, "SELECT version_num FROM alembic_version", "r1");
	expect(fx.db, "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%ck_v%'", "0");
	expect(fx.db, "SELECT count(*) FROM child", "2");

	/* fixed: the rebuild and the row commit together; the children were not cascaded away */
	assert_int_equal(rg_db_exec(fx.db, "UPDATE parent SET v = 1 WHERE v < 0", NULL), 0);
	assert_int_equal(upgrade(&fx, "head"), 0);
	expect(fx.db, "PRAGMA foreign_keys", "1");
	expect(fx.db, "SELECT version_num FROM alembic_version", "r2");
	expect(fx.db, "SELECT type FROM pragma_table_info('parent') WHERE name = 'v'", "BIGINT");
	expect(fx.db, "SELECT count(*) FROM child", "2");

	/* with them off, they stay off */
	assert_int_equal(rg_db_exec(fx.db, "PRAGMA foreign_keys = OFF", NULL), 0);
	{
		struct rg_migrate_opts o;

		memset(&o, 0, sizeof(o));
		o.cmd = RG_MIGRATE_DOWNGRADE;
		o.target = "r1";
		assert_int_equal(rg_migrate(fx.cfg, fx.map, fx.db, &o), 0);
	}
	expect(fx.db, "PRAGMA foreign_keys", "0");
	expect(fx.db, "SELECT version_num FROM alembic_version", "r1");

	/* one transaction for the whole run (transactional_ddl): the same */
	assert_int_equal(rg_db_exec(fx.db, "PRAGMA foreign_keys = ON", NULL), 0);
	fx.cfg->transactional_ddl = 1;
	assert_int_equal(upgrade(&fx, "head"), 0);
	expect(fx.db, "PRAGMA foreign_keys", "1");
	expect(fx.db, "SELECT version_num FROM alembic_version", "r2");
	expect(fx.db, "SELECT count(*) FROM child", "2");
	close_fixture(&fx);
	testproj_release(&proj);
}

/*
 * With foreign keys off for a rebuild step, the step's other statements
 * would go unchecked: a new violation from them fails the step (and, with
 * one transaction for the run, the run), one already there does not.
 */
static const char fk_base[] = PARENT_CHILD_R1
	"  - sql: INSERT INTO parent VALUES (1, 5), (2, 7); INSERT INTO child VALUES (1, 1), (2, 2)\n";

static void write_r2(const char *sql)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "revision: r2\ndown_revision: r1\nupgrade:\n"
		 "  - batch_alter_table: parent\n"
		 "    ops:\n"
		 "      - alter_column: v\n"
		 "        type: bigint\n"
		 "  - sql: %s\n", sql);
	testproj_write(&proj, "versions/2.yaml", text);
}

static void reopen(struct fixture *fx)
{
	close_fixture(fx);
	memset(fx, 0, sizeof(*fx));
	open_fixture(fx);
	assert_int_equal(rg_db_exec(fx->db, "PRAGMA foreign_keys = ON", NULL), 0);
}

static void expect_refused(struct fixture *fx, const char *rows, const char *tail)
{
	rg_error_clear();
	assert_int_equal(upgrade(fx, "head"), RG_EINVALID);
	assert_non_null(strstr(rg_error_last(), "/versions/2.yaml: this revision leaves "));
	assert_non_null(strstr(rg_error_last(), rows));
	assert_non_null(strstr(rg_error_last(), tail));
	expect(fx->db, "PRAGMA foreign_keys", "1");
	expect(fx->db, "SELECT version_num FROM alembic_version", "r1");
	expect(fx->db, "SELECT type FROM pragma_table_info('parent') WHERE name = 'v'", "INTEGER");
	expect(fx->db, "SELECT group_concat(id) FROM (SELECT id FROM parent ORDER BY id)", "1,2");
	expect(fx->db, "SELECT group_concat(id || ':' || parent_id) FROM (SELECT * FROM child ORDER BY id)",
	       "1:1,2:2");
}

static void test_unenforced_foreign_keys_checked(void **state)
{
	struct fixture fx;

	(void)state;
	make_project(fk_base, NULL);
	write_r2("DELETE FROM parent WHERE id = 2");
	memset(&fx, 0, sizeof(fx));
	open_fixture(&fx);
	assert_int_equal(upgrade(&fx, "r1"), 0);
	assert_int_equal(rg_db_exec(fx.db, "PRAGMA foreign_keys = ON", NULL), 0);

	/* a parent deleted next to a rebuild: its cascade would not run */
	expect_refused(&fx, "1 row breaking a foreign key ('child' rowid 2 references 'parent')",
		       "foreign keys are not enforced in a revision that rebuilds a table, so the revision must delete or fix those rows itself, or be split so the rebuild runs in a revision of its own; it was rolled back");

	/* an orphan inserted next to a rebuild */
	write_r2("INSERT INTO child VALUES (3, 99), (4, 98)");
	reopen(&fx);
	expect_refused(&fx, "2 rows breaking a foreign key ('child' rowid 3 references 'parent'; 'child' rowid 4 references 'parent')",
		       "it was rolled back");

	/* the same in the run's one transaction */
	fx.cfg->transactional_ddl = 1;
	expect_refused(&fx, "'child' rowid 3 references 'parent'",
		       "foreign keys are not enforced in a run whose one transaction rebuilds a table, so the revision must delete or fix those rows itself, or be split so the rebuild runs in a revision of its own; the run's transaction was rolled back");
	fx.cfg->transactional_ddl = -1;

	/* children deleted by the revision itself; a violation that was there before is not new */
	assert_int_equal(rg_db_exec(fx.db, "PRAGMA foreign_keys = OFF", NULL), 0);
	assert_int_equal(rg_db_exec(fx.db, "INSERT INTO child VALUES (5, 77)", NULL), 0);
	write_r2("DELETE FROM child WHERE parent_id = 2; DELETE FROM parent WHERE id = 2");
	reopen(&fx);
	assert_int_equal(upgrade(&fx, "head"), 0);
	expect(fx.db, "PRAGMA foreign_keys", "1");
	expect(fx.db, "SELECT version_num FROM alembic_version", "r2");
	expect(fx.db, "SELECT group_concat(id || ':' || parent_id) FROM (SELECT * FROM child ORDER BY id)",
	       "1:1,5:77");
	close_fixture(&fx);
	testproj_release(&proj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_foreign_keys_restored_after_rebuild_steps),
		cmocka_unit_test(test_unenforced_foreign_keys_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
