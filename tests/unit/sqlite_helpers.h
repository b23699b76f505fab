/*
 * SQLite shortcuts for the unit tests that check a database directly
 * (rebuild.c, rebuild_matrix.c): run SQL or read one value, failing the
 * test on an error.  Include after <cmocka.h> and <sqlite3.h>.
 */
#ifndef RG_TEST_SQLITE_HELPERS_H
#define RG_TEST_SQLITE_HELPERS_H

#include <stdlib.h>
#include <string.h>

/* Run sql (any number of statements); an error fails the test. */
static inline void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

/* The integer in the first column of the first row, or -1 without a row. */
static inline long long one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The text in the first column of the first row (the caller frees it), or NULL. */
static inline char *text1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

#endif
