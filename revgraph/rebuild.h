/*
 * Changing a SQLite table's shape: ALTER TABLE where SQLite can do it in
 * place, otherwise sqlite.org's twelve-step copy-and-swap rebuild, guarded
 * by foreign-key and row-count checks so that no row or value is lost.
 * docs/sqlite-rebuild.md describes the procedure and its guarantees.
 */
#ifndef RG_REBUILD_H
#define RG_REBUILD_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "revgraph/str.h"
#include "revgraph/revision.h"

/*
 * One change to a table.  Column names are matched without regard to case,
 * as SQLite does, and refer to the column as the earlier changes of the same
 * list left it (after a rename, the new name).  Every SQL fragment is
 * checked to be exactly one complete piece of its kind (no ';', no unbalanced
 * parenthesis or quote, no top-level ',') so that it cannot end the statement
 * it is placed in; comments in fragments are dropped.
 */
struct rg_alter {
	enum rg_alter_kind {
		RG_ALTER_ADD_COLUMN,
		RG_ALTER_DROP_COLUMN,
		RG_ALTER_RENAME_COLUMN,
		RG_ALTER_ALTER_COLUMN,
		RG_ALTER_ADD_CONSTRAINT,
		RG_ALTER_DROP_CONSTRAINT
	} kind;
	const char *column;	/* the column concerned (ADD_COLUMN: its name) */
	const char *def;	/* ADD_COLUMN: the definition after the name
				   ("TEXT NOT NULL DEFAULT 'x'"); ADD_CONSTRAINT: a table
				   constraint ("CONSTRAINT ck CHECK (a > 0)") */
	const char *new_name;	/* RENAME_COLUMN; ALTER_COLUMN: optional rename */
	const char *type;	/* ALTER_COLUMN: new declared type, NULL keeps it */
	int nullable;		/* ALTER_COLUMN: -1 keep, 0 NOT NULL, 1 nullable */
	const char *default_sql;	/* ALTER_COLUMN: new DEFAULT expression, NULL keeps */
	bool drop_default;	/* ALTER_COLUMN: remove the DEFAULT */
	const char *name;	/* DROP_CONSTRAINT: its name, or for an unnamed one the
				   name given by the rule of docs/sqlite-rebuild.md
				   (pk_<t>, uq_<t>_<cols>, ck_<t>_<col>, ck_<t>_<n>,
				   fk_<t>_<cols>_<reftable>) */
};

enum rg_recreate {
	RG_RECREATE_AUTO,	/* in place when SQLite can, else rebuild */
	RG_RECREATE_ALWAYS,	/* always rebuild (renames still run in place first) */
	RG_RECREATE_NEVER	/* in place only; refuse what needs a rebuild */
};

/* Rows copied so far of `total`; called every few thousand rows and at the end. */
typedef void rg_rebuild_progress_fn(void *ctx, long long copied, long long total);

struct rg_alter_opts {
	enum rg_recreate recreate;
	struct rg_str *log;		/* may be NULL; see rg_sqlite_alter_table() */
	struct rg_strlist *statements;	/* may be NULL: the same statements as `log`, one
					   item each, without ';' (for --sql) */
	rg_rebuild_progress_fn *progress;	/* may be NULL */
	void *progress_ctx;
	/* whether the work was a rebuild (set on return; may be NULL) */
	bool *rebuilt;
	/*
	 * Run inside the caller's open transaction instead of in one of its
	 * own: the work is a SAVEPOINT (released on success, rolled back to on
	 * failure) and the caller commits.  Because PRAGMA foreign_keys cannot
	 * change inside a transaction, the caller must have switched it off
	 * before its BEGIN; a rebuild with it on is refused.
	 */
	bool in_transaction;
};

/**
 * Apply `ops` (`n` of them) to table `table` of schema "main" on `db`.
 *
 * No transaction may be open on `db` (RG_EINVALID otherwise), unless
 * opts->in_transaction (then one must be).  Every
 * statement that changes the connection or the database, and the two
 * PRAGMA foreign_key_check, are appended to `log` (may be NULL) exactly as
 * run, each followed by ";\n\n"; the reads that plan the work are not.
 *
 * Every refusal (unknown table or column, a dropped column still used by an
 * index, trigger, view, constraint or another table's foreign key, a
 * fragment that is not one clean piece of SQL, recreate=never with a change
 * that needs a rebuild, ...) happens before the first statement is run.
 * A failure after that (a constraint the existing rows break, a new foreign
 * key violation, a row count that differs) rolls back.  Either way the
 * database is exactly as it was and PRAGMA foreign_keys is what it was.
 *
 * `db` must come from the libsqlite3.so.0 revgraph loads (sqlite_api.h):
 * opened by revgraph, or by a program linked with the system's libsqlite3.
 *
 * Returns 0, or RG_EINVALID (also when libsqlite3 cannot be loaded) /
 * RG_ENOTFOUND / RG_EUNSUPPORTED / RG_EDATABASE / RG_ENOMEM with the error
 * slot set.
 */
int rg_sqlite_alter_table(sqlite3 *db, const char *table, const struct rg_alter *ops, size_t n,
			  enum rg_recreate recreate, struct rg_str *log);

/** The same, with progress reporting and the other options of `opts`. */
int rg_sqlite_alter_table_ext(sqlite3 *db, const char *table, const struct rg_alter *ops,
			      size_t n, const struct rg_alter_opts *opts);

/**
 * The text-editing half, exposed for tests: `create_sql` (a CREATE TABLE
 * statement as sqlite_schema holds it) with `ops` applied and the table
 * renamed to main.`new_table` (NULL keeps the name as written).  Renames are applied to the
 * column's own definition only.  On success *out is a new string the caller
 * frees; *needs_rebuild (may be NULL) tells whether SQLite could not do all
 * of `ops` in place.  Returns 0 or an RG_E* code with the error slot set.
 */
int rg_sqlite_edit_create(char **out, bool *needs_rebuild, const char *create_sql,
			  const char *new_table, const struct rg_alter *ops, size_t n);

/**
 * The constraint names of `create_sql`, explicit or given by the rule for
 * unnamed ones, one per line in table order, into `out` (appended).
 */
int rg_sqlite_constraint_names(struct rg_str *out, const char *create_sql);

#endif
