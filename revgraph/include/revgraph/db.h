/*
 * Databases: SQLAlchemy-style URLs and one small interface over the
 * backends revgraph runs migrations on (SQLite through libsqlite3,
 * PostgreSQL through libpq).  The offline `--sql` writer does not use this
 * interface; it only needs the dialect.
 */
#ifndef RG_DB_H
#define RG_DB_H

#include <stdbool.h>

#include "revgraph/common.h"
#include "revgraph/revision.h"
#include "revgraph/str.h"

enum rg_dialect {
	RG_DIALECT_SQLITE,
	RG_DIALECT_POSTGRESQL
};

/*
 * A parsed `sqlalchemy.url`: `dialect[+driver]://[user[:password]@]
 * [host][:port][/database][?key=value&...]`, percent-decoded.  SQLite keeps
 * the database part as the file path ("" or NULL for an in-memory
 * database: `sqlite://`, `sqlite:///:memory:`).
 */
struct rg_dburl {
	enum rg_dialect dialect;
	char *dialect_name;		/* as written before '+' or "://", e.g. "postgresql" */
	char *driver;			/* after '+', or NULL */
	char *user, *password, *host, *database;	/* NULL when absent */
	char *port;			/* the number as SQLAlchemy keeps it (int(port)), or NULL */
	struct rg_strlist query_keys;	/* in URL order */
	struct rg_strlist query_values;
};

/**
 * Parse `url`.  A URL whose dialect is neither sqlite nor postgresql (or
 * `postgres`) fails with RG_EUNSUPPORTED and a message naming the dialect;
 * a malformed one with RG_EINVALID ("Could not parse SQLAlchemy URL from
 * string '<url>'", SQLAlchemy 1.4's text, with the password masked).  Free with rg_dburl_release().
 */
int rg_dburl_parse(struct rg_dburl *out, const char *url);
void rg_dburl_release(struct rg_dburl *u);

/**
 * The URL as SQLAlchemy 1.4 prints it (`str(url)`), with the password
 * replaced by "XXXXX" when `hide_password` (Alembic's obfuscate_url_pw).
 */
void rg_dburl_render(struct rg_str *out, const struct rg_dburl *u, bool hide_password);

struct rg_db;

/**
 * The offline (`--sql`) backend: every statement, BEGIN and COMMIT is
 * appended to `sink` as Alembic writes it (tabs as 4 spaces, stripped, `;`,
 * a blank line).  Queries return nothing; locks do nothing.
 */
int rg_db_offline_open(struct rg_db **out, enum rg_dialect dialect, struct rg_str *sink);
bool rg_db_is_offline(const struct rg_db *db);
/** Offline: append `text` (a comment line) and a blank line.  Online: nothing. */
void rg_db_output(struct rg_db *db, const char *text);
/**
 * Append `sql` (`len` bytes, one statement) to `out` as the offline backend
 * writes a statement it is given: stripped, tabs as 4 spaces, then ";" and a
 * blank line.  A failed allocation shows in `out` (rg_str_check()).
 */
void rg_db_frame_sql(struct rg_str *out, const char *sql, size_t len);
/**
 * Offline: append `len` bytes of statements framed by rg_db_frame_sql()
 * as they are.  Online: nothing.
 */
void rg_db_output_framed(struct rg_db *db, const char *text, size_t len);

/**
 * Open a connection for `url`.  SQLite: the file (created if missing, as
 * sqlite3 does), busy_timeout set, journal mode left alone.  PostgreSQL: the
 * URL's parts and query parameters become libpq keywords; anything the URL
 * leaves out comes from the PG* environment, as libpq does; the session's
 * application_name is "revgraph".  RG_EDATABASE with the database's message
 * on failure (never showing the password).
 */
int rg_db_open(struct rg_db **out, const struct rg_dburl *url);
void rg_db_close(struct rg_db *db);
enum rg_dialect rg_db_dialect(const struct rg_db *db);

/**
 * Execute one SQL statement (no trailing ';' needed).  *changes, when not
 * NULL, receives the rows changed by an INSERT/UPDATE/DELETE (-1 if the
 * backend cannot tell).  RG_EDATABASE with the database's message, one line.
 */
int rg_db_exec(struct rg_db *db, const char *sql, long *changes);

/** Explicit transactions: BEGIN / COMMIT / ROLLBACK.  RG_EDATABASE. */
int rg_db_begin(struct rg_db *db);
int rg_db_commit(struct rg_db *db);
int rg_db_rollback(struct rg_db *db);

/** *exists: does table `name` exist (in `schema`, NULL for the default). */
int rg_db_table_exists(struct rg_db *db, const char *schema, const char *name, bool *exists);

/** The first column of every row of `sql`, as text, in the order returned. */
int rg_db_query_column(struct rg_db *db, const char *sql, struct rg_strlist *out);

/*
 * The migration lock: held for the whole run so that concurrent runners
 * apply each revision once.  PostgreSQL: a session advisory lock keyed by
 * `key`.  SQLite: an exclusive lock on `<database file>.revgraph-lock`
 * holding the holder's description (nothing for an in-memory database).
 * While waiting, `waiting(ctx, who)` is called once with a description of
 * the holder (e.g. "pid 1234 on host db1, since 2026-11-22 10:00:00 UTC").
 * Gives up after `timeout_s` seconds (< 0: wait forever) with RG_EDATABASE.
 */
typedef void rg_db_waiting_fn(void *ctx, const char *who);
int rg_db_lock(struct rg_db *db, const char *key, double timeout_s, rg_db_waiting_fn *waiting,
	       void *ctx);
void rg_db_unlock(struct rg_db *db);

#endif
