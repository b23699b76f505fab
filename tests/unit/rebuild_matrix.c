/*
 * The proof that a table change on SQLite loses nothing (issue 5, section 4):
 * a matrix of changes, each on a table of 100k rows with ON DELETE CASCADE
 * children, triggers, a view, partial and expression indexes, a generated
 * column and AUTOINCREMENT (and a WITHOUT ROWID table), with foreign-key
 * enforcement on and off.  After each: a checksum of every value equal
 * (modulo the intended change), foreign_key_check clean, integrity_check ok,
 * sqlite_sequence intact, triggers firing, the view answering, cascades
 * cascading; or a refusal with the database byte for byte unchanged (each
 * cell runs on an in-memory copy of one database, compared serialized).
 * RG_MATRIX_TIMES=1 prints each cell's time.  Then a kill test: a process rebuilding is SIGKILLed at random moments and
 * the database is always the old table or the new one, never a half.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "sqlite_helpers.h"

#include "rebuild.h"
#include "revgraph/common.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ROWS 100000
/* 60 kills prove it; under AddressSanitizer (every fork copies its shadow maps) 10 check the code */
#if defined(__SANITIZE_ADDRESS__)
#define KILL_RUNS 10
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KILL_RUNS 10
#endif
#endif
#ifndef KILL_RUNS
#define KILL_RUNS 60
#endif

static char dir[] = "/tmp/rg-rebuild-matrix-XXXXXX";
static char kill_base[300];
/* the base database, serialized: each cell starts from a copy of it in memory */
static unsigned char *base_img;
static sqlite3_int64 base_len;

static const char schema[] =
	"PRAGMA journal_mode = DELETE;"
	"CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a INT NOT NULL, b TEXT COLLATE NOCASE, "
	"c REAL, d TEXT DEFAULT 'x', e INT CHECK (e >= 0), g INT GENERATED ALWAYS AS (a + 1) VIRTUAL, "
	"UNIQUE (b));"
	"CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INT NOT NULL REFERENCES t(id) ON DELETE CASCADE, note TEXT);"
	"CREATE TABLE audit (t_id INT, what TEXT);"
	"CREATE INDEX ix_partial ON t(a) WHERE e > 50;"
	"CREATE INDEX ix_expr ON t(lower(b), e);"
	"CREATE INDEX ix_child ON child(t_id);"
	"CREATE VIEW v_even AS SELECT id, a, b FROM t WHERE e % 2 = 0;"
	"CREATE TRIGGER tr_ins AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.id, 'ins'); END;"
	"CREATE TRIGGER tr_child AFTER DELETE ON child BEGIN INSERT INTO audit VALUES (old.t_id, 'cascade'); END;"
	"CREATE TABLE w (k TEXT PRIMARY KEY, a INT, b TEXT, c REAL) WITHOUT ROWID;"
	"BEGIN;"
	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100010) "
	"INSERT INTO t (id, a, b, c, d, e) SELECT i, i * 7 % 1000, 'name' || i, i * 0.5, "
	"CASE WHEN i % 3 = 0 THEN NULL ELSE 'd' || i END, i % 100 FROM n;"
	"DELETE FROM t WHERE id > 100000;"
	"INSERT INTO child (t_id, note) SELECT id, 'n' || id FROM t;"
	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
	"INSERT INTO w SELECT printf('k%06d', i), i, 'w' || i, i / 3.0 FROM n;"
	"COMMIT;";

static sqlite3 *open_db(const char *p)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(p, &db) != SQLITE_OK)
		fail_msg("open %s", p);
	return db;
}

/* FNV-1a over every value of every row of `sql`, with its storage class. */
static uint64_t checksum(sqlite3 *db, const char *sql, long long *n_rows)
{
	sqlite3_stmt *st = NULL;
	uint64_t h = 1469598103934665603ULL;
	long long rows = 0;
	int i;

#define MIX(p, n) do { const unsigned char *q_ = (const unsigned char *)(p); size_t k_; \
	for (k_ = 0; k_ < (n); k_++) { h ^= q_[k_]; h *= 1099511628211ULL; } } while (0)
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		for (i = 0; i < sqlite3_column_count(st); i++) {
			unsigned char type = (unsigned char)sqlite3_column_type(st, i);
			sqlite3_int64 iv;
			double dv;

			MIX(&type, 1);
			switch (type) {
			case SQLITE_INTEGER:
				iv = sqlite3_column_int64(st, i);
				MIX(&iv, sizeof(iv));
				break;
			case SQLITE_FLOAT:
				dv = sqlite3_column_double(st, i);
				MIX(&dv, sizeof(dv));
				break;
			case SQLITE_NULL:
				break;
			default:
				MIX(sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
			}
		}
	}
	sqlite3_finalize(st);
	if (n_rows)
		*n_rows = rows;
	return h;
#undef MIX
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot read %s", p);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("short read of %s", p);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *buf = slurp(from, &len);
	char journal[320];
	FILE *f = fopen(to, "wb");

	snprintf(journal, sizeof(journal), "%s-journal", to);
	unlink(journal);
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

static int setup(void **state)
{
	sqlite3 *db;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(kill_base, sizeof(kill_base), "%s/kill-base.db", dir);
	db = open_db(":memory:");
	exec(db, schema);
	base_img = sqlite3_serialize(db, "main", &base_len, 0);
	sqlite3_close(db);
	if (!base_img)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char p[320];

	(void)state;
	sqlite3_free(base_img);
	unlink(kill_base);
	snprintf(p, sizeof(p), "%s/kill.db", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/kill.db-journal", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One cell: a change, the query whose checksum must not move, and what else to check. */
struct cell {
	const char *name;
	const char *table;
	struct rg_alter ops[3];
	size_t n;
	enum rg_recreate recreate;
	const char *before;	/* checksum query before the change */
	const char *after;	/* the same rows after it (NULL: `before`) */
	const char *check;	/* a query that must return 1 after it, or NULL */
	bool rebuilt;		/* expected: rebuilt rather than done in place */
	int refused;		/* expected error code, 0 for success */
	const char *msg;	/* part of the expected message */
	const char *insert;	/* a row for the insert trigger, if not the usual one */
};

#define ADD(c, d) { .kind = RG_ALTER_ADD_COLUMN, .column = (c), .def = (d), .nullable = -1 }
#define DROP(c) { .kind = RG_ALTER_DROP_COLUMN, .column = (c), .nullable = -1 }
#define RENAME(c, n) { .kind = RG_ALTER_RENAME_COLUMN, .column = (c), .new_name = (n), .nullable = -1 }
#define TYPE(c, t) { .kind = RG_ALTER_ALTER_COLUMN, .column = (c), .type = (t), .nullable = -1 }
#define NULLABLE(c, v) { .kind = RG_ALTER_ALTER_COLUMN, .column = (c), .nullable = (v) }
#define DEFAULT(c, d) { .kind = RG_ALTER_ALTER_COLUMN, .column = (c), .default_sql = (d), .nullable = -1 }
#define ADDC(d) { .kind = RG_ALTER_ADD_CONSTRAINT, .def = (d), .nullable = -1 }
#define DROPC(n) { .kind = RG_ALTER_DROP_CONSTRAINT, .name = (n), .nullable = -1 }

#define ALL_T "SELECT id, a, b, c, d, e, g FROM t ORDER BY id"

static const struct cell cells[] = {
	{ "add_column in place", "t", { ADD("f", "TEXT DEFAULT 'new'") }, 1, RG_RECREATE_AUTO, ALL_T, NULL,
	  "SELECT count(*) = 100000 FROM t WHERE f = 'new'", false, 0, NULL, NULL },
	{ "add_column rebuilt", "t", { ADD("f", "TEXT DEFAULT 'new'") }, 1, RG_RECREATE_ALWAYS, ALL_T, NULL,
	  "SELECT count(*) = 100000 FROM t WHERE f = 'new'", true, 0, NULL, NULL },
	{ "add_column NOT NULL UNIQUE", "t", { ADD("f", "INT NOT NULL DEFAULT 0 CHECK (f = 0)") }, 1,
	  RG_RECREATE_AUTO, ALL_T, NULL, "SELECT count(*) = 100000 FROM t WHERE f = 0", true, 0, NULL, NULL },
	{ "drop_column", "t", { DROP("d") }, 1, RG_RECREATE_AUTO, "SELECT id, a, b, c, e, g FROM t ORDER BY id",
	  NULL, "SELECT count(*) = 0 FROM pragma_table_info('t') WHERE name = 'd'", false, 0, NULL, NULL },
	{ "drop_column rebuilt", "t", { DROP("d") }, 1, RG_RECREATE_ALWAYS,
	  "SELECT id, a, b, c, e, g FROM t ORDER BY id", NULL, NULL, true, 0, NULL, NULL },
	{ "rename_column", "t", { RENAME("c", "c2") }, 1, RG_RECREATE_AUTO, ALL_T,
	  "SELECT id, a, b, c2, d, e, g FROM t ORDER BY id", NULL, false, 0, NULL, NULL },
	{ "rename_column rebuilt", "t", { RENAME("b", "b2") }, 1, RG_RECREATE_ALWAYS, ALL_T,
	  "SELECT id, a, b2, c, d, e, g FROM t ORDER BY id",
	  "SELECT sql LIKE '%lower(\"b2\")%' FROM sqlite_master WHERE name = 'ix_expr'", true, 0, NULL,
	  "INSERT INTO t (a, b2, e) VALUES (1, 'new row', 1)" },
	{ "alter_column type", "t", { TYPE("a", "TEXT") }, 1, RG_RECREATE_AUTO,
	  "SELECT id, CAST(a AS TEXT), b, c, d, e, g FROM t ORDER BY id", ALL_T,
	  "SELECT count(*) = 100000 FROM t WHERE typeof(a) = 'text'", true, 0, NULL, NULL },
	{ "alter_column nullable", "t", { NULLABLE("a", 1), NULLABLE("b", 0) }, 2, RG_RECREATE_AUTO, ALL_T, NULL,
	  "SELECT sql LIKE '%a INT,%b TEXT COLLATE NOCASE NOT NULL,%' FROM sqlite_master WHERE name = 't'",
	  true, 0, NULL, NULL },
	{ "alter_column default", "t", { DEFAULT("d", "'y'") }, 1, RG_RECREATE_AUTO, ALL_T, NULL,
	  "SELECT dflt_value = '''y''' FROM pragma_table_info('t') WHERE name = 'd'", true, 0, NULL, NULL },
	{ "add_constraint", "t", { ADDC("CONSTRAINT ck_c CHECK (c >= 0)") }, 1, RG_RECREATE_AUTO, ALL_T, NULL,
	  "SELECT sql LIKE '%CONSTRAINT ck_c CHECK (c >= 0))' FROM sqlite_master WHERE name = 't'", true, 0, NULL, NULL },
	{ "drop_constraint unnamed", "t", { DROPC("ck_t_e") }, 1, RG_RECREATE_AUTO, ALL_T, NULL,
	  "SELECT sql NOT LIKE '%CHECK%' FROM sqlite_master WHERE name = 't'", true, 0, NULL, NULL },
	{ "drop + type (the benchmark's change)", "t", { DROP("d"), TYPE("c", "TEXT") }, 2, RG_RECREATE_AUTO,
	  "SELECT id, a, b, CAST(c AS TEXT), e, g FROM t ORDER BY id", "SELECT id, a, b, c, e, g FROM t ORDER BY id",
	  NULL, true, 0, NULL, NULL },
	{ "WITHOUT ROWID drop_column", "w", { DROP("c") }, 1, RG_RECREATE_AUTO, "SELECT k, a, b FROM w ORDER BY k",
	  NULL, "SELECT sql LIKE '%) WITHOUT ROWID' FROM sqlite_master WHERE name = 'w'", false, 0, NULL, NULL },
	{ "WITHOUT ROWID type", "w", { TYPE("a", "TEXT"), ADD("z", "INT") }, 2, RG_RECREATE_AUTO,
	  "SELECT k, CAST(a AS TEXT), b, c FROM w ORDER BY k", "SELECT k, a, b, c FROM w ORDER BY k",
	  "SELECT sql LIKE '%) WITHOUT ROWID' FROM sqlite_master WHERE name = 'w'", true, 0, NULL, NULL },
	{ "refused: column used by the view", "t", { DROP("a") }, 1, RG_RECREATE_AUTO, ALL_T, NULL, NULL, false,
	  RG_EINVALID, "cannot drop column 'a' of table 't'", NULL },
	{ "refused: NOT NULL over NULLs", "t", { NULLABLE("d", 0) }, 1, RG_RECREATE_AUTO, ALL_T, NULL, NULL, true,
	  RG_EDATABASE, "NOT NULL constraint failed", NULL },
	{ "refused: CHECK the rows break", "t", { ADDC("CHECK (e < 99)") }, 1, RG_RECREATE_AUTO, ALL_T, NULL, NULL,
	  true, RG_EDATABASE, "CHECK constraint failed", NULL },
	{ "refused: a new foreign key violation", "child", { ADDC("FOREIGN KEY (note) REFERENCES w(k)") }, 1,
	  RG_RECREATE_AUTO, ALL_T, NULL, NULL, true, RG_EINVALID,
	  "changing table 'child' would break 100000 foreign key references, so nothing was changed: "
	  "'child' rowid 1 references 'w'", NULL },
};

static void run_cell(const struct cell *c, bool fk)
{
	sqlite3 *db;
	uint64_t before, after, child_sum;
	long long rows_before, rows_after, seq, audit, view_rows;
	size_t len_before = 0, len_after;
	char *bytes_before = NULL, *bytes_after;
	bool rebuilt = !c->rebuilt;
	struct rg_alter_opts o = { c->recreate, NULL, NULL, NULL, NULL, &rebuilt, false };
	int err;

	/* a private in-memory copy of the base: a cell checks the result, the kill test the durability */
	{
		unsigned char *img = sqlite3_malloc64((sqlite3_uint64)base_len);

		assert_non_null(img);
		memcpy(img, base_img, (size_t)base_len);
		db = open_db(":memory:");
		assert_int_equal(sqlite3_deserialize(db, "main", img, base_len, base_len,
						     SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE),
				 SQLITE_OK);
	}
	if (c->refused) {
		sqlite3_int64 n;

		bytes_before = (char *)sqlite3_serialize(db, "main", &n, 0);
		len_before = (size_t)n;
	}
	if (fk)
		exec(db, "PRAGMA foreign_keys = ON");
	before = checksum(db, c->before, &rows_before);
	child_sum = checksum(db, "SELECT * FROM child ORDER BY id", NULL);
	seq = one(db, "SELECT seq FROM sqlite_sequence WHERE name = 't'");
	audit = one(db, "SELECT count(*) FROM audit");
	view_rows = one(db, "SELECT count(*) FROM v_even");
	assert_int_equal(seq, 100010);

	err = rg_sqlite_alter_table_ext(db, c->table, c->ops, c->n, &o);
	assert_int_equal(one(db, "PRAGMA foreign_keys"), fk);
	assert_true(sqlite3_get_autocommit(db));
	if (c->refused) {
		if (err != c->refused || !strstr(rg_error_last(), c->msg))
			fail_msg("%s: got %d '%s', expected %d '%s'", c->name, err, rg_error_last(), c->refused, c->msg);
		{
			sqlite3_int64 n;

			bytes_after = (char *)sqlite3_serialize(db, "main", &n, 0);
			len_after = (size_t)n;
		}
		sqlite3_close(db);
		assert_int_equal(len_before, len_after);
		assert_memory_equal(bytes_before, bytes_after, len_before);
		sqlite3_free(bytes_before);
		sqlite3_free(bytes_after);
		return;
	}
	if (err)
		fail_msg("%s (foreign keys %s): %s", c->name, fk ? "on" : "off", rg_error_last());
	assert_int_equal(rebuilt, c->rebuilt);
	after = checksum(db, c->after ? c->after : c->before, &rows_after);
	assert_int_equal(rows_before, rows_after);
	if (before != after)
		fail_msg("%s: the contents changed", c->name);
	assert_true(checksum(db, "SELECT * FROM child ORDER BY id", NULL) == child_sum);
	assert_int_equal(one(db, "SELECT seq FROM sqlite_sequence WHERE name = 't'"), seq);
	assert_int_equal(one(db, "SELECT count(*) FROM audit"), audit);
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	assert_int_equal(one(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '\\_rg\\_new%' ESCAPE '\\'"), 0);
	assert_int_equal(one(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
			     "('ix_partial', 'ix_expr', 'ix_child', 'v_even', 'tr_ins', 'tr_child')"), 6);
	if (c->check && one(db, c->check) != 1)
		fail_msg("%s: '%s' is not true", c->name, c->check);
	{
		char *q = sqlite3_mprintf("PRAGMA integrity_check(%Q)", c->table);
		char *ok = text1(db, q);

		assert_string_equal(ok, "ok");
		free(ok);
		sqlite3_free(q);
	}
	if (!strcmp(c->table, "t")) {
		/* the view answers, the insert trigger fires, AUTOINCREMENT continues, the cascade cascades */
		assert_int_equal(one(db, "SELECT count(*) FROM v_even"), view_rows);
		exec(db, c->insert ? c->insert : "INSERT INTO t (a, b, e) VALUES (1, 'new row', 1)");
		assert_int_equal(one(db, "SELECT max(t_id) FROM audit WHERE what = 'ins'"), 100011);
		exec(db, "PRAGMA foreign_keys = ON; DELETE FROM t WHERE id = 5");
		assert_int_equal(one(db, "SELECT count(*) FROM child WHERE t_id = 5"), 0);
		assert_int_equal(one(db, "SELECT count(*) FROM audit WHERE what = 'cascade'"), 1);
	}
	sqlite3_close(db);
}

/* Enforcement off: the rebuilds (in place and refused cells do not depend on it; they run with it on). */
static void test_matrix_foreign_keys_off(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(cells); i++) {
		double t0 = now();

		if (!cells[i].rebuilt || cells[i].refused)
			continue;

		run_cell(&cells[i], false);
		if (getenv("RG_MATRIX_TIMES"))
			print_message("%-40s %.0f ms\n", cells[i].name, (now() - t0) * 1000);
	}
}

static void test_matrix_foreign_keys_on(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(cells); i++) {
		double t0 = now();

		run_cell(&cells[i], true);
		if (getenv("RG_MATRIX_TIMES"))
			print_message("%-40s %.0f ms\n", cells[i].name, (now() - t0) * 1000);
	}
}

/* ------------------------------------------------------------ the kill test */

static const struct rg_alter kill_ops[] = { DROP("d"), TYPE("c", "TEXT"), RENAME("b", "name") };

static void child_rebuild(const char *p)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(p, &db) != SQLITE_OK)
		_exit(3);
	sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	_exit(rg_sqlite_alter_table(db, "t", kill_ops, N(kill_ops), RG_RECREATE_ALWAYS, NULL) ? 2 : 0);
}

static void test_kill_at_random_moments(void **state)
{
	char kill_path[320];
	char *old_sql, *new_sql = NULL;
	uint64_t old_sum, new_sum;
	double took;
	int i, n_old = 0, n_new = 0;
	sqlite3 *db;

	(void)state;
	snprintf(kill_path, sizeof(kill_path), "%s/kill.db", dir);
	/* a smaller copy of the base: 10k rows of t and of its children */
	db = open_db(kill_base);
	{
		char *sql = sqlite3_mprintf("%s", schema);
		char *p = strstr(sql, "100010");

		memcpy(p, " 10010", 6);
		p = strstr(sql, "100000");
		memcpy(p, " 10000", 6);
		exec(db, sql);
		sqlite3_free(sql);
	}
	old_sql = text1(db, "SELECT sql FROM sqlite_master WHERE name = 't'");
	old_sum = checksum(db, "SELECT id, a, b, CAST(c AS TEXT), e, g FROM t ORDER BY id", NULL);
	sqlite3_close(db);

	/* how long one whole rebuild takes, to kill across all of it */
	copy_file(kill_base, kill_path);
	took = now();
	{
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (!pid)
			child_rebuild(kill_path);
		waitpid(pid, &status, 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	took = now() - took;
	db = open_db(kill_path);
	new_sql = text1(db, "SELECT sql FROM sqlite_master WHERE name = 't'");
	new_sum = checksum(db, "SELECT id, a, name, c, e, g FROM t ORDER BY id", NULL);
	sqlite3_close(db);
	assert_true(old_sum == new_sum);
	assert_string_not_equal(old_sql, new_sql);

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (i = 0; i < KILL_RUNS; i++) {
		long delay_us = (long)(took * 1.1e6 * rand() / RAND_MAX);
		struct timespec ts = { delay_us / 1000000, (delay_us % 1000000) * 1000 };
		pid_t pid;
		int status;
		char *sql, *ok;

		copy_file(kill_base, kill_path);
		pid = fork();
		assert_true(pid >= 0);
		if (!pid)
			child_rebuild(kill_path);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);

		db = open_db(kill_path);
		ok = text1(db, "PRAGMA integrity_check");
		sql = text1(db, "SELECT sql FROM sqlite_master WHERE name = 't'");
		assert_string_equal(ok, "ok");
		assert_int_equal(one(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '\\_rg\\_new%' ESCAPE '\\'"), 0);
		assert_int_equal(one(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
		assert_int_equal(one(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
				     "('ix_partial', 'ix_expr', 'v_even', 'tr_ins')"), 4);
		if (!strcmp(sql, old_sql)) {
			n_old++;
			assert_true(checksum(db, "SELECT id, a, b, CAST(c AS TEXT), e, g FROM t ORDER BY id", NULL) == old_sum);
		} else if (!strcmp(sql, new_sql)) {
			n_new++;
			assert_true(checksum(db, "SELECT id, a, name, c, e, g FROM t ORDER BY id", NULL) == new_sum);
		} else {
			fail_msg("run %d: table t is neither old nor new: %s", i, sql);
		}
		assert_int_equal(one(db, "SELECT seq FROM sqlite_sequence WHERE name = 't'"), 10010);
		free(ok);
		free(sql);
		sqlite3_close(db);
	}
	print_message("kill test: %d runs over %.0f ms, %d left the old table, %d the new one\n", KILL_RUNS,
		      took * 1000, n_old, n_new);
	assert_int_equal(n_old + n_new, KILL_RUNS);
	free(old_sql);
	free(new_sql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix_foreign_keys_off),
		cmocka_unit_test(test_matrix_foreign_keys_on),
		cmocka_unit_test(test_kill_at_random_moments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
