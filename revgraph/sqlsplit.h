/*
 * Splitting migration SQL into statements, so that revgraph can run them one
 * at a time and name a failing one by file:line, and the two questions asked
 * of each statement before running it: may it run inside a transaction, and
 * is it transaction control that revgraph must refuse.
 */
#ifndef RG_SQLSPLIT_H
#define RG_SQLSPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "revgraph/db.h"

struct rg_sql_stmt {
	char *text;	/* from its first to its last token, without the terminating ';' */
	int line;	/* line of its first token (not counting comments before it) */
};

struct rg_sql_script {
	struct rg_sql_stmt *items;
	size_t n, alloc;
};

/**
 * Split `text` (`len` bytes, need not be NUL-terminated) into statements as
 * `dialect` reads them.
 *
 * A statement ends at a ';' that is not inside a single-quoted string
 * ('' escapes a quote; on PostgreSQL E'...' also takes backslash escapes), a
 * double-quoted identifier, a `--` or block comment (nested on PostgreSQL),
 * a PostgreSQL dollar-quoted string ($$...$$, $tag$...$tag$; $1 is a
 * parameter), an SQLite [bracketed] or `backtick` identifier, an SQLite
 * `CREATE [TEMP] TRIGGER ... BEGIN ...; END` body (an END right after a ';'
 * closes it, as sqlite3_complete() decides), or a PostgreSQL `CREATE [OR
 * REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC ...; END` body (CASE ... END
 * inside it counted, as psql does).
 *
 * Each statement's text runs from its first token to its last, so it has no
 * surrounding whitespace, no comments before or after it (comments between
 * its tokens stay) and no terminating ';'.  Its line is that of its first
 * token, with the first line of `text` numbered `first_line`.  Statements
 * with no tokens (";;", a comment alone) are dropped; a last statement
 * without ';' is kept.
 *
 * `out` is overwritten (not freed first); on success it holds the
 * statements, owned by `out` until rg_sql_script_release().  On failure it is
 * left empty.  Returns 0; RG_EINVALID with "line N: unterminated quoted
 * string" (or "quoted identifier", "bracketed identifier", "block comment",
 * "dollar-quoted string", "trigger body", "BEGIN ATOMIC body"), N being the
 * line where that construct starts, or "line N: NUL byte in SQL text"; or
 * RG_ENOMEM.
 */
int rg_sql_split(struct rg_sql_script *out, const char *text, size_t len,
		 enum rg_dialect dialect, int first_line);

/** Free every statement and leave `s` empty.  NULL is accepted. */
void rg_sql_script_release(struct rg_sql_script *s);

/* A statement found in a text, not copied out of it. */
struct rg_sql_span {
	const char *text;	/* into the text split: from its first token to its last */
	size_t len;		/* not NUL-terminated: `len` bytes */
	int line;
};

struct rg_sql_spans {
	struct rg_sql_span *items;
	size_t n, alloc;
};

/**
 * rg_sql_split() without copying a statement: the same statements, with
 * the same lines and errors, appended to `out` (which may hold spans
 * already, and whose array is reused) as spans of `text`, valid while
 * `text` is.  On failure `out` is left as it was.  Returns 0 or the errors
 * of rg_sql_split().
 */
int rg_sql_split_spans(struct rg_sql_spans *out, const char *text, size_t len,
		       enum rg_dialect dialect, int first_line);

/** Free the array of `s` and leave it empty.  NULL is accepted. */
void rg_sql_spans_release(struct rg_sql_spans *s);

/**
 * Why `stmt` (one NUL-terminated statement, as rg_sql_split() gives it;
 * leading comments are skipped, keywords matched in any case) cannot run
 * inside a transaction, or NULL if it can.  The reason is one static line,
 * the database's own wording where it has one, e.g. "CREATE INDEX
 * CONCURRENTLY cannot run inside a transaction block".
 *
 * PostgreSQL: VACUUM; CREATE [UNIQUE] INDEX CONCURRENTLY; DROP INDEX
 * CONCURRENTLY; REINDEX ... CONCURRENTLY (keyword or option); REINDEX
 * SCHEMA, DATABASE and SYSTEM; CLUSTER without a table; CREATE and DROP
 * DATABASE; CREATE and DROP TABLESPACE; ALTER SYSTEM; ALTER DATABASE ... SET
 * TABLESPACE; ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY; DISCARD ALL;
 * COMMIT PREPARED and ROLLBACK PREPARED; CREATE SUBSCRIPTION unless
 * `connect` or `create_slot` is false; DROP SUBSCRIPTION; ALTER SUBSCRIPTION
 * ... REFRESH PUBLICATION, and ... SET|ADD|DROP PUBLICATION unless `refresh`
 * is false.  Not seen from the text: REINDEX and CLUSTER of a partitioned
 * table, DROP SUBSCRIPTION of one without a slot (reported anyway).
 *
 * SQLite: VACUUM (also VACUUM INTO), and setting PRAGMA journal_mode
 * (refused or silently ignored in a transaction), foreign_keys (a no-op in a
 * transaction), synchronous or temp_store (refused); reading them is fine.
 */
const char *rg_sql_needs_autocommit(const char *stmt, enum rg_dialect dialect);

/** rg_sql_needs_autocommit() of a statement of `len` bytes (a span). */
const char *rg_sql_needs_autocommit_n(const char *stmt, size_t len, enum rg_dialect dialect);

/**
 * Whether `stmt` (NUL-terminated, as for rg_sql_needs_autocommit()) starts,
 * ends or prepares the current transaction: BEGIN, COMMIT, END, ROLLBACK
 * (not ROLLBACK ... TO a savepoint) on both databases, and on PostgreSQL also
 * START TRANSACTION, ABORT and PREPARE TRANSACTION (but not COMMIT PREPARED
 * or ROLLBACK PREPARED).  SAVEPOINT and RELEASE are not transaction control.
 */
bool rg_sql_is_transaction_control(const char *stmt, enum rg_dialect dialect);

/** rg_sql_is_transaction_control() of a statement of `len` bytes (a span). */
bool rg_sql_is_transaction_control_n(const char *stmt, size_t len, enum rg_dialect dialect);

#endif
