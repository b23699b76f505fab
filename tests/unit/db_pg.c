/*
 * Tests for revgraph/db_pg.c against a live PostgreSQL server, reached
 * through the PG* environment (e.g. `pg_virtualenv -- ctest -R db_pg`).
 * Without a server each test is skipped, unless RG_REQUIRE_PG=1 makes that a
 * failure.  The connection-error tests need no server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "revgraph/common.h"
#include "revgraph/db.h"

/* A name no other run of the tests uses at the same time. */
static void unique_name(char *buf, size_t size, const char *prefix)
{
	snprintf(buf, size, "%s_%ld", prefix, (long)getpid());
}

static int open_url(struct rg_db **db, const char *url_text)
{
	struct rg_dburl url;
	int rc;

	if (rg_dburl_parse(&url, url_text))
		fail_msg("%s: %s", url_text, rg_error_last());
	rc = rg_db_open(db, &url);
	rg_dburl_release(&url);
	return rc;
}

/* Connect to `url_text` (PG* fills in the rest), or skip the test when no server answers. */
static struct rg_db *connect_or_skip(const char *url_text)
{
	const char *require = getenv("RG_REQUIRE_PG");
	struct rg_db *db = NULL;

	if (!open_url(&db, url_text))
		return db;
	if (require && !strcmp(require, "1"))
		fail_msg("RG_REQUIRE_PG=1 but no PostgreSQL server: %s", rg_error_last());
	print_message("no PostgreSQL server (%s); skipped\n", rg_error_last());
	skip();
	return NULL;
}

static struct rg_db *connect_env(void)
{
	return connect_or_skip("postgresql://");
}

static void exec_ok(struct rg_db *db, const char *sql)
{
	if (rg_db_exec(db, sql, NULL))
		fail_msg("%s: %s", sql, rg_error_last());
}

/* The single value of a one-row, one-column query. */
static char *query_one(struct rg_db *db, const char *sql)
{
	struct rg_strlist rows = RG_STRLIST_INIT;
	char *v;

	if (rg_db_query_column(db, sql, &rows))
		fail_msg("%s: %s", sql, rg_error_last());
	assert_int_equal(rows.n, 1);
	v = strdup(rows.items[0]);
	rg_strlist_release(&rows);
	return v;
}

static void assert_query_one(struct rg_db *db, const char *sql, const char *want)
{
	char *got = query_one(db, sql);

	assert_string_equal(got, want);
	free(got);
}

static void expect_exec_error(struct rg_db *db, const char *sql, int code, const char *msg)
{
	rg_error_clear();
	assert_int_equal(rg_db_exec(db, sql, NULL), code);
	assert_string_equal(rg_error_last(), msg);
}

static void test_exec_changes(void **state)
{
	struct rg_db *db = connect_env();
	long changes = 42;

	(void)state;
	assert_int_equal(rg_db_dialect(db), RG_DIALECT_POSTGRESQL);
	assert_int_equal(rg_db_exec(db, "CREATE TEMP TABLE t (id int PRIMARY KEY, v text)", &changes), 0);
	assert_int_equal(changes, -1);
	assert_int_equal(rg_db_exec(db, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')", &changes), 0);
	assert_int_equal(changes, 3);
	assert_int_equal(rg_db_exec(db, "UPDATE t SET v = 'x' WHERE id >= 2", &changes), 0);
	assert_int_equal(changes, 2);
	assert_int_equal(rg_db_exec(db, "DELETE FROM t WHERE id = 9", &changes), 0);
	assert_int_equal(changes, 0);
	assert_int_equal(rg_db_exec(db, "DELETE FROM t", &changes), 0);
	assert_int_equal(changes, 3);
	changes = 42;
	assert_int_equal(rg_db_exec(db, "", &changes), 0);
	assert_int_equal(changes, -1);
	exec_ok(db, "INSERT INTO t VALUES (4, 'd')");
	assert_query_one(db, "SELECT count(*) FROM t", "1");
	rg_db_close(db);
}

static void test_exec_errors(void **state)
{
	struct rg_db *db = connect_env();

	(void)state;
	expect_exec_error(db, "SELEC 1", RG_EDATABASE,
			  "syntax error at or near \"SELEC\" (SQLSTATE 42601)");
	expect_exec_error(db, "SELECT * FROM no_such_table", RG_EDATABASE,
			  "relation \"no_such_table\" does not exist (SQLSTATE 42P01)");
	exec_ok(db, "CREATE TEMP TABLE t (id int PRIMARY KEY)");
	exec_ok(db, "INSERT INTO t VALUES (1)");
	expect_exec_error(db, "INSERT INTO t VALUES (1)", RG_EDATABASE,
			  "duplicate key value violates unique constraint \"t_pkey\"; "
			  "DETAIL: Key (id)=(1) already exists. (SQLSTATE 23505)");
	expect_exec_error(db, "SELECT no_such_fn(1)", RG_EDATABASE,
			  "function no_such_fn(integer) does not exist; HINT: No function matches the "
			  "given name and argument types. You might need to add explicit type casts. "
			  "(SQLSTATE 42883)");
	/* a message of several lines comes back on one */
	expect_exec_error(db, "DO $$ BEGIN RAISE EXCEPTION E'line one\\nline two'; END $$",
			  RG_EDATABASE, "line one; line two (SQLSTATE P0001)");
	rg_db_close(db);
}

/* COPY ... STDIN / STDOUT would leave the connection waiting: refused, connection intact. */
static void test_copy_refused(void **state)
{
	struct rg_db *db = connect_env();
	const char *msg = "COPY from standard input or to standard output is not supported";

	(void)state;
	exec_ok(db, "CREATE TEMP TABLE c (x int)");
	exec_ok(db, "INSERT INTO c VALUES (1), (2)");
	expect_exec_error(db, "COPY c TO STDOUT", RG_EUNSUPPORTED, msg);
	assert_query_one(db, "SELECT count(*) FROM c", "2");
	expect_exec_error(db, "COPY c FROM STDIN", RG_EUNSUPPORTED, msg);
	assert_query_one(db, "SELECT count(*) FROM c", "2");
	rg_db_close(db);
}

/* Run `sql` with stderr going to a file; true if nothing was written there. */
static bool stderr_silent(struct rg_db *db, const char *sql)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	long size;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	exec_ok(db, sql);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fseek(tmp, 0, SEEK_END);
	size = ftell(tmp);
	fclose(tmp);
	return size == 0;
}

static void test_notices_not_printed(void **state)
{
	struct rg_db *db = connect_env();

	(void)state;
	assert_true(stderr_silent(db, "DO $$ BEGIN RAISE NOTICE 'hello'; RAISE WARNING 'careful'; END $$"));
	assert_true(stderr_silent(db, "DROP TABLE IF EXISTS rg_no_such_table"));
	rg_db_close(db);
}

static void test_transactions(void **state)
{
	struct rg_db *db = connect_env(), *other = connect_env();
	char table[64], sql[256];
	bool exists = true;

	(void)state;
	unique_name(table, sizeof(table), "rg_tx");
	/* rolled back: nothing left */
	assert_int_equal(rg_db_begin(db), 0);
	snprintf(sql, sizeof(sql), "CREATE TABLE %s (x int)", table);
	exec_ok(db, sql);
	snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (1)", table);
	exec_ok(db, sql);
	assert_int_equal(rg_db_rollback(db), 0);
	assert_int_equal(rg_db_table_exists(db, NULL, table, &exists), 0);
	assert_false(exists);

	/* committed: another session sees it */
	assert_int_equal(rg_db_begin(db), 0);
	snprintf(sql, sizeof(sql), "CREATE TABLE %s (x int)", table);
	exec_ok(db, sql);
	snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (1), (2)", table);
	exec_ok(db, sql);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = '%s'", table);
	assert_query_one(other, sql, "0");
	assert_int_equal(rg_db_commit(db), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_query_one(other, sql, "2");

	/* a failed statement: later ones are refused, COMMIT reports the rollback */
	assert_int_equal(rg_db_begin(db), 0);
	snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (3)", table);
	exec_ok(db, sql);
	expect_exec_error(db, "SELEC 1", RG_EDATABASE, "syntax error at or near \"SELEC\" (SQLSTATE 42601)");
	expect_exec_error(db, "SELECT 1", RG_EDATABASE,
			  "current transaction is aborted, commands ignored until end of transaction "
			  "block (SQLSTATE 25P02)");
	assert_int_equal(rg_db_commit(db), RG_EDATABASE);
	assert_string_equal(rg_error_last(), "the transaction was rolled back: a statement in it had failed");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_query_one(other, sql, "2");

	/* rolling back outside a transaction does nothing, and the server's warning stays quiet */
	assert_int_equal(rg_db_rollback(db), 0);
	assert_true(stderr_silent(db, "ROLLBACK"));

	snprintf(sql, sizeof(sql), "DROP TABLE %s", table);
	exec_ok(db, sql);
	rg_db_close(other);
	rg_db_close(db);
}

static bool table_exists(struct rg_db *db, const char *schema, const char *name)
{
	bool exists = true;

	if (rg_db_table_exists(db, schema, name, &exists))
		fail_msg("table_exists(%s, %s): %s", schema ? schema : "NULL", name, rg_error_last());
	return exists;
}

static void test_table_exists(void **state)
{
	struct rg_db *db = connect_env();
	char schema[64], sql[256];

	(void)state;
	unique_name(schema, sizeof(schema), "rg_schema");
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	exec_ok(db, sql);
	snprintf(sql, sizeof(sql), "CREATE TABLE %s.\"Mixed Case\" (x int)", schema);
	exec_ok(db, sql);
	exec_ok(db, "CREATE TEMP TABLE rg_visible (x int)");
	exec_ok(db, "CREATE TEMP TABLE \"we'ird\"\"name\" (x int)");

	assert_true(table_exists(db, schema, "Mixed Case"));
	assert_false(table_exists(db, schema, "mixed case"));
	assert_false(table_exists(db, schema, "rg_visible"));
	/* not on the search_path */
	assert_false(table_exists(db, NULL, "Mixed Case"));
	assert_true(table_exists(db, NULL, "rg_visible"));
	assert_true(table_exists(db, NULL, "we'ird\"name"));
	assert_false(table_exists(db, NULL, "we'ird"));
	assert_false(table_exists(db, NULL, "rg_no_such_table"));
	assert_false(table_exists(db, "rg_no_such_schema", "rg_visible"));
	assert_false(table_exists(db, "x'; DROP TABLE rg_visible; --", "rg_visible"));
	assert_true(table_exists(db, "pg_catalog", "pg_class"));
	assert_true(table_exists(db, NULL, "pg_class"));
	assert_true(table_exists(db, NULL, "rg_visible"));

	snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
	exec_ok(db, sql);
	rg_db_close(db);
}

static void test_query_column(void **state)
{
	struct rg_db *db = connect_env();
	struct rg_strlist rows = RG_STRLIST_INIT;

	(void)state;
	/* NULLs are skipped; order kept */
	assert_int_equal(rg_db_query_column(db, "SELECT x FROM (VALUES ('b', 1), (NULL, 2), ('a', 3), "
						"('', 4)) v(x, n) ORDER BY n", &rows), 0);
	assert_int_equal(rows.n, 3);
	assert_string_equal(rows.items[0], "b");
	assert_string_equal(rows.items[1], "a");
	assert_string_equal(rows.items[2], "");
	rg_strlist_release(&rows);

	assert_int_equal(rg_db_query_column(db, "SELECT 'first', 'second'", &rows), 0);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.items[0], "first");
	rg_strlist_release(&rows);

	assert_int_equal(rg_db_query_column(db, "SELECT 1 WHERE false", &rows), 0);
	assert_int_equal(rows.n, 0);
	assert_int_equal(rg_db_query_column(db, "SELECT", &rows), 0);
	assert_int_equal(rows.n, 0);
	assert_int_equal(rg_db_query_column(db, "CREATE TEMP TABLE q (x int)", &rows), 0);
	assert_int_equal(rows.n, 0);

	/* UTF-8 in, UTF-8 out */
	assert_query_one(db, "SELECT 'caf\xc3\xa9'", "caf\xc3\xa9");

	rg_error_clear();
	assert_int_equal(rg_db_query_column(db, "SELECT x FROM rg_no_such_table", &rows), RG_EDATABASE);
	assert_string_equal(rg_error_last(), "relation \"rg_no_such_table\" does not exist (SQLSTATE 42P01)");
	assert_int_equal(rows.n, 0);
	rg_db_close(db);
}

static void test_query_column_oom(void **state)
{
	struct rg_db *db = connect_env();
	unsigned long n;

	(void)state;
	for (n = 1;; n++) {
		struct rg_strlist rows = RG_STRLIST_INIT;
		int rc;

		rg_alloc_fail_after(n, 0);
		rc = rg_db_query_column(db, "SELECT 'r' || g FROM generate_series(1, 20) g", &rows);
		rg_alloc_fail_after(0, 0);
		rg_strlist_release(&rows);
		if (!rc)
			break;
		assert_int_equal(rc, RG_ENOMEM);
	}
	assert_true(n > 1);
	rg_db_close(db);
}

/* No server needed: every allocation fails in turn, then libpq is refused on port 1. */
static void test_open_oom(void **state)
{
	struct rg_dburl url;
	unsigned long n;

	(void)state;
	assert_int_equal(rg_dburl_parse(&url, "postgresql://u:s3cretpw@/db?application_name=oom"
					"&host=127.0.0.1:1&host=127.0.0.1:1"), 0);
	for (n = 1;; n++) {
		static max_align_t not_null;
		struct rg_db *db = (struct rg_db *)(void *)&not_null;
		int rc;

		rg_alloc_fail_after(n, 0);
		rc = rg_db_open(&db, &url);
		rg_alloc_fail_after(0, 0);
		assert_null(db);
		if (rc != RG_ENOMEM) {
			assert_int_equal(rc, RG_EDATABASE);
			assert_non_null(strstr(rg_error_last(), "Connection refused"));
			break;
		}
	}
	assert_true(n > 1);
	rg_dburl_release(&url);
}

static void test_session_settings(void **state)
{
	struct rg_db *db = connect_env();

	(void)state;
	assert_query_one(db, "SELECT current_setting('application_name')", "revgraph");
	assert_query_one(db, "SELECT current_setting('client_encoding')", "UTF8");
	rg_db_close(db);

	/* query parameters are libpq keywords; application_name can be set, the encoding not */
	db = connect_or_skip("postgresql://?application_name=custom&client_encoding=LATIN1"
			     "&options=-csearch_path%3Dpg_catalog");
	assert_query_one(db, "SELECT current_setting('application_name')", "custom");
	assert_query_one(db, "SELECT current_setting('client_encoding')", "UTF8");
	assert_query_one(db, "SELECT current_setting('search_path')", "pg_catalog");
	rg_db_close(db);

	/* ?database= names the database, as psycopg2 takes it; the query beats the path */
	db = connect_or_skip("postgresql:///rg_no_such_database?database=template1");
	assert_query_one(db, "SELECT current_database()", "template1");
	rg_db_close(db);
}

/* psycopg2's multi-host form: ?host=h1:p1&host=h2:p2, tried in order */
static void test_multihost(void **state)
{
	const char *host = getenv("PGHOST"), *port = getenv("PGPORT");
	struct rg_db *db;
	char url[512];

	(void)state;
	if (!host || !*host || *host == '/' || strchr(host, ','))
		skip();
	snprintf(url, sizeof(url), "postgresql://?host=127.0.0.1:1&host=%s:%s", host,
		 port && *port ? port : "5432");
	db = connect_or_skip(url);
	assert_query_one(db, "SELECT 1", "1");
	rg_db_close(db);
}

static void expect_open_error(const char *url, int code, const char *msg)
{
	static max_align_t not_null;
	struct rg_db *db = (struct rg_db *)(void *)&not_null;

	rg_error_clear();
	assert_int_equal(open_url(&db, url), code);
	assert_null(db);
	if (msg)
		assert_string_equal(rg_error_last(), msg);
	assert_null(strchr(rg_error_last(), '\n'));
	assert_null(strstr(rg_error_last(), "s3cretpw"));
}

/* No server needed: nothing listens on port 1, and libpq checks options first. */
static void test_connect_errors(void **state)
{
	const char *msg;

	(void)state;
	expect_open_error("postgresql://scott:s3cretpw@127.0.0.1:1/db", RG_EDATABASE, NULL);
	msg = rg_error_last();
	/* libpq 14+: `connection to server at "127.0.0.1", port 1 failed: Connection refused; Is ...` */
	assert_non_null(strstr(msg, "127.0.0.1"));
	assert_non_null(strstr(msg, "Connection refused; "));
	expect_open_error("postgresql://h/db?bogus_opt=1", RG_EDATABASE,
			  "invalid connection option \"bogus_opt\"");
	/* a password echoed back in a message is masked */
	expect_open_error("postgresql://scott:s3cretpw@127.0.0.1:1/db?sslmode=s3cretpw-x", RG_EDATABASE,
			  "invalid sslmode value: \"XXXXX-x\"");
	expect_open_error("postgresql://127.0.0.1:1/db?password=s3cretpw&sslmode=s3cretpw", RG_EDATABASE,
			  "invalid sslmode value: \"XXXXX\"");
	expect_open_error("postgresql://h:5432/db?host=a&host=b", RG_EINVALID,
			  "Can't mix 'multihost' formats together; use \"host=h1,h2,h3&port=p1,p2,p3\" "
			  "or \"host=h1:p1&host=h2:p2&host=h3:p3\" separately");
	expect_open_error("postgresql://h/db?host=a&host=b&port=1", RG_EINVALID,
			  "Can't mix 'multihost' formats together; use \"host=h1,h2,h3&port=p1,p2,p3\" "
			  "or \"host=h1:p1&host=h2:p2&host=h3:p3\" separately");
}

/* Needs a server that asks for a password; trust authentication skips the check. */
static void test_wrong_password(void **state)
{
	const char *user = getenv("PGUSER");
	struct rg_db *db = connect_env();
	char url[256];

	(void)state;
	rg_db_close(db);
	db = NULL;
	snprintf(url, sizeof(url), "postgresql://%s:s3cretpw-wrong@", user && *user ? user : "postgres");
	if (!open_url(&db, url)) {
		rg_db_close(db);
		skip();
	}
	assert_null(strchr(rg_error_last(), '\n'));
	assert_null(strstr(rg_error_last(), "s3cretpw"));
	assert_non_null(strstr(rg_error_last(), "authentication failed"));
}

struct waits {
	int calls;
	char who[512];
};

static void on_wait(void *ctx, const char *who)
{
	struct waits *w = ctx;

	w->calls++;
	snprintf(w->who, sizeof(w->who), "%s", who);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The documented key: FNV-1a 64 of the bytes; pg_locks shows its halves. */
static void lock_halves(const char *key, char *out, size_t size)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *key; key++) {
		h ^= (unsigned char)*key;
		h *= UINT64_C(1099511628211);
	}
	snprintf(out, size, "%lu:%lu", (unsigned long)(h >> 32), (unsigned long)(h & 0xFFFFFFFFu));
}

static void test_lock(void **state)
{
	struct rg_db *a = connect_env(), *b = connect_env();
	struct waits w = { 0, "" };
	char key[64], sql[512], want[640], halves[32], *pid_a;
	double t0, elapsed;

	(void)state;
	unique_name(key, sizeof(key), "rg-test-lock");
	pid_a = query_one(a, "SELECT pg_backend_pid()");
	assert_int_equal(rg_db_lock(a, key, 1, on_wait, &w), 0);
	assert_int_equal(w.calls, 0);
	/* holding it already: nothing to do */
	assert_int_equal(rg_db_lock(a, key, 1, on_wait, &w), 0);

	/* pg_locks shows the documented key, session-level (objsubid 1) */
	snprintf(sql, sizeof(sql), "SELECT classid || ':' || objid FROM pg_catalog.pg_locks "
		 "WHERE locktype = 'advisory' AND objsubid = 1 AND pid = %s", pid_a);
	lock_halves(key, halves, sizeof(halves));
	assert_query_one(b, sql, halves);

	/* the second runner waits, is told once who holds the lock, and gives up */
	t0 = now_s();
	rg_error_clear();
	assert_int_equal(rg_db_lock(b, key, 0.3, on_wait, &w), RG_EDATABASE);
	elapsed = now_s() - t0;
	assert_true(elapsed >= 0.3);
	assert_true(elapsed < 3);
	assert_int_equal(w.calls, 1);
	snprintf(want, sizeof(want), "pid %s (revgraph, user ", pid_a);
	if (strncmp(w.who, want, strlen(want)))
		fail_msg("holder described as '%s'", w.who);
	assert_non_null(strstr(w.who, ", connected since "));
	assert_non_null(strstr(w.who, " UTC"));
	snprintf(want, sizeof(want), "timed out after 0.3 s waiting for the migration lock held by %s", w.who);
	assert_string_equal(rg_error_last(), want);

	/* timeout 0: one try */
	w.calls = 0;
	assert_int_equal(rg_db_lock(b, key, 0, on_wait, &w), RG_EDATABASE);
	assert_int_equal(w.calls, 1);
	/* a NULL callback is allowed */
	assert_int_equal(rg_db_lock(b, key, 0, NULL, NULL), RG_EDATABASE);

	/* released: the other session gets it at once, and another key is independent */
	rg_db_unlock(a);
	rg_db_unlock(a);
	w.calls = 0;
	assert_int_equal(rg_db_lock(b, key, 1, on_wait, &w), 0);
	assert_int_equal(w.calls, 0);
	assert_int_equal(rg_db_lock(a, "rg-test-some-other-key", 0, on_wait, &w), 0);
	assert_int_equal(w.calls, 0);
	rg_db_unlock(a);
	rg_db_unlock(b);

	/* a closed session releases its lock (the server may take a moment to notice) */
	assert_int_equal(rg_db_lock(a, key, 0, on_wait, &w), 0);
	rg_db_close(a);
	assert_int_equal(rg_db_lock(b, key, 2, on_wait, &w), 0);
	rg_db_unlock(b);
	free(pid_a);
	rg_db_close(b);
}

struct release_later {
	struct rg_db *db;
};

static void *release_after_300ms(void *arg)
{
	struct release_later *r = arg;
	struct timespec ts = { 0, 300000000L };

	nanosleep(&ts, NULL);
	rg_db_unlock(r->db);
	return NULL;
}

/* timeout < 0: wait as long as it takes */
static void test_lock_waits_forever(void **state)
{
	struct rg_db *a = connect_env(), *b = connect_env();
	struct waits w = { 0, "" };
	struct release_later r;
	pthread_t thread;
	char key[64];

	(void)state;
	unique_name(key, sizeof(key), "rg-test-forever");
	assert_int_equal(rg_db_lock(a, key, 0, NULL, NULL), 0);
	r.db = a;
	assert_int_equal(pthread_create(&thread, NULL, release_after_300ms, &r), 0);
	assert_int_equal(rg_db_lock(b, key, -1, on_wait, &w), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(w.calls, 1);
	assert_non_null(strstr(w.who, "(revgraph"));
	rg_db_unlock(b);
	rg_db_close(a);
	rg_db_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_errors),
		cmocka_unit_test(test_open_oom),
		cmocka_unit_test(test_exec_changes),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_copy_refused),
		cmocka_unit_test(test_notices_not_printed),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_table_exists),
		cmocka_unit_test(test_query_column),
		cmocka_unit_test(test_query_column_oom),
		cmocka_unit_test(test_session_settings),
		cmocka_unit_test(test_multihost),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_lock_waits_forever),
	};

	/* the tests look for "revgraph"; an unreachable host must not hang them */
	unsetenv("PGAPPNAME");
	setenv("PGCONNECT_TIMEOUT", "10", 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
