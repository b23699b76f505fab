/*
 * SQLite, loaded when revgraph first needs it rather than when it starts.
 *
 * Linking libsqlite3 costs every run about 1.2 ms of start-up on the
 * benchmark machine (mapping it and resolving its symbols), a third of
 * `revgraph heads` on a small project, and heads, branches, history, show
 * and most `--sql` runs never touch a database.  So, as db_pg.c does with
 * libpq, the header declares every function and each call goes through
 * rg_sqlite3.<name without "sqlite3_">, a pointer of the declared type.
 * Call rg_sqlite_need() before the first call: on opening a database, and
 * in each entry point that takes a handle from its caller.
 */
#ifndef RG_SQLITE_API_H
#define RG_SQLITE_API_H

#include <sqlite3.h>

#define RG_SQLITE_FUNCTIONS(X) \
	X(bind_text) X(busy_timeout) X(changes64) X(close) X(column_count) X(column_int) \
	X(column_int64) X(column_text) X(column_type) X(create_function) X(errmsg) X(errstr) \
	X(exec) X(extended_result_codes) X(finalize) X(free) X(get_autocommit) X(mprintf) \
	X(open) X(open_v2) X(prepare_v2) X(result_int) X(step) X(total_changes64) X(user_data)

#define RG_SQLITE_POINTER(name) __typeof__(sqlite3_##name) *name;
struct rg_sqlite_api {
	RG_SQLITE_FUNCTIONS(RG_SQLITE_POINTER)
};
#undef RG_SQLITE_POINTER

/** The functions; set once rg_sqlite_need() has returned 0. */
extern struct rg_sqlite_api rg_sqlite3;

/**
 * Load libsqlite3 (once per process, thread-safe).  0, or RG_EINVALID with
 * the reason in the error slot.
 */
int rg_sqlite_need(void);

#endif
