/*
 * Schema operations of YAML revisions (issue 5 §1): their typed form, as
 * read from a revision's `upgrade:`/`downgrade:` list by yamlrev.c, and
 * their rendering as SQL for one dialect.  docs/revision-files.md lists the
 * keys.  Every name is quoted by rg_sql_add_ident() when needed, every value
 * is a SQL literal, and every SQL fragment (check, where, index expression,
 * type text) is checked to be one clean piece that cannot end its statement.
 */
#ifndef RG_OPS_H
#define RG_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "revgraph/db.h"
#include "revgraph/revision.h"
#include "revgraph/str.h"
#include "rebuild.h"

/*
 * A column default: a number, a boolean, NULL or a string, written as a SQL
 * literal; or a SQL expression (`default: {sql: CURRENT_TIMESTAMP}`),
 * checked by rg_sql_check_fragment() and written in parentheses.
 */
enum rg_op_default {
	RG_DEFAULT_NONE,
	RG_DEFAULT_NULL,
	RG_DEFAULT_NUMBER,
	RG_DEFAULT_TRUE,
	RG_DEFAULT_FALSE,
	RG_DEFAULT_STRING,
	RG_DEFAULT_EXPR
};

struct rg_op_column {
	char *name;
	char *type;		/* as written; mapped by rg_op_type() */
	int nullable;		/* -1 unspecified, 0 NOT NULL, 1 NULL */
	enum rg_op_default default_kind;
	char *default_value;	/* NUMBER: its digits; STRING: the text; EXPR: the SQL */
	bool primary_key;
	int autoincrement;	/* -1 unspecified (auto), 0 no, 1 yes */
	bool unique;
	char *ref_table;	/* references: table.column */
	char *ref_column;
	char *on_delete;	/* an upper-case referential action, or NULL */
	char *on_update;
	char *check;		/* a SQL expression */
	char *collation;
	size_t line;
};

enum rg_op_kind {
	RG_OP_SQL,
	RG_OP_CREATE_TABLE,
	RG_OP_DROP_TABLE,
	RG_OP_RENAME_TABLE,
	RG_OP_ADD_COLUMN,
	RG_OP_CREATE_INDEX,
	RG_OP_DROP_INDEX,
	RG_OP_DROP_COLUMN,
	RG_OP_ALTER_COLUMN,
	RG_OP_CREATE_FOREIGN_KEY,
	RG_OP_CREATE_UNIQUE_CONSTRAINT,
	RG_OP_CREATE_CHECK_CONSTRAINT,
	RG_OP_DROP_CONSTRAINT,
	RG_OP_BATCH_ALTER_TABLE
};

/* batch_alter_table's `recreate:` (the values of rebuild.h's enum rg_recreate). */
enum rg_op_recreate {
	RG_OP_RECREATE_AUTO,
	RG_OP_RECREATE_ALWAYS,
	RG_OP_RECREATE_NEVER
};

struct rg_op {
	enum rg_op_kind kind;
	size_t line;		/* file line of the operation's first key */
	int dialect;		/* -1 every dialect, else an enum rg_dialect */
	char *sql;		/* SQL: the text */
	size_t sql_line;	/* SQL: file line where the text starts */
	char *table;		/* the table concerned (RENAME_TABLE: the old name) */
	char *column;		/* DROP_COLUMN, ALTER_COLUMN */
	char *name;		/* CREATE_INDEX, DROP_INDEX: the index; the constraint
				   operations: the constraint */
	char *new_name;		/* RENAME_TABLE; ALTER_COLUMN: a rename, or NULL */
	struct rg_op_column *cols;	/* CREATE_TABLE: its columns; ADD_COLUMN: one;
					   ALTER_COLUMN: one holding the changes (name
					   = the column; type NULL, nullable -1 and
					   default_kind NONE keep those) */
	size_t ncols;
	struct rg_strlist idx_cols;	/* CREATE_INDEX: column names ... ; the
					   constraint operations: their columns */
	struct rg_strlist idx_exprs;	/* ... and expressions, columns first */
	bool unique;		/* CREATE_INDEX */
	char *where;		/* CREATE_INDEX: partial index predicate;
				   CREATE_CHECK_CONSTRAINT: the condition */
	bool if_exists;		/* DROP_TABLE, DROP_INDEX */
	bool derived;		/* DROP_COLUMN: the derived inverse of add_column
				   (SQLite's own DROP COLUMN, never a rebuild) */
	bool drop_default;	/* ALTER_COLUMN: remove the default */
	char *using_expr;	/* ALTER_COLUMN: PostgreSQL's TYPE ... USING expression */
	char *ref_table;	/* CREATE_FOREIGN_KEY: the referent table ... */
	struct rg_strlist ref_cols;	/* ... and its columns */
	char *on_delete;	/* CREATE_FOREIGN_KEY: upper-case actions, or NULL */
	char *on_update;
	enum rg_op_recreate recreate;	/* BATCH_ALTER_TABLE */
	struct rg_ops *batch;	/* BATCH_ALTER_TABLE: its operations (table set on each) */
};

struct rg_ops {
	struct rg_op *items;
	size_t n;
	size_t alloc;
	bool structured;	/* at least one item is not RG_OP_SQL */
};

void rg_op_release(struct rg_op *op);
void rg_ops_release(struct rg_ops *ops);

/**
 * Does `op` run through SQLite's table-rebuild engine (rebuild.h) on
 * `dialect` rather than as SQL text: on SQLite, drop_column (but not the
 * derived inverse of add_column), alter_column, the constraint operations,
 * batch_alter_table, and add_column with an expression default.
 */
bool rg_op_needs_engine(const struct rg_op *op, enum rg_dialect dialect);

/** The name of an operation kind as written in YAML ("create_table"). */
const char *rg_op_name(enum rg_op_kind kind);

/**
 * Append identifier `name`, double-quoted (with '"' doubled) unless it is a
 * lower-case letter or '_' followed by lower-case letters, digits and '_' and
 * not a reserved word.  The one quoting function of rendered operations.
 */
void rg_sql_add_ident(struct rg_str *out, const char *name);

/** Append `name` always double-quoted, inner quotes doubled. */
void rg_sql_add_quoted(struct rg_str *out, const char *name);

/** Append `s` as a single-quoted SQL string literal (quotes doubled). */
void rg_sql_add_literal(struct rg_str *out, const char *s);

/**
 * Check that `frag` is one clean piece of SQL that cannot end the statement
 * it is placed in: no ';', '\\', '$', '[', '`' or comment outside quotes,
 * balanced
 * parentheses and quotes, and no top-level ',' unless `comma_ok`.  Returns 0
 * or RG_EINVALID with `path:line: <op>: '<key>' ...` in the error slot.
 */
int rg_sql_check_fragment(const char *frag, bool comma_ok, const char *path, size_t line,
			  const char *op, const char *key);

/**
 * Check a type as written (`string(200)`, `numeric(10,2)`, `varchar(20)[]`,
 * `double precision`): letters, digits, '_', spaces, '[]' and a balanced
 * parenthesised list of numbers.  RG_EINVALID as above otherwise.
 */
int rg_op_check_type(const char *type, const char *path, size_t line, const char *op);

/**
 * Append the type `type` for `dialect`: a portable name (integer, bigint,
 * smallint, text, string(n), boolean, float, numeric(p,s), date, datetime,
 * timestamptz, json, uuid, binary; any case) mapped, any other text as is.
 */
void rg_op_type(struct rg_str *out, const char *type, enum rg_dialect dialect);

/**
 * Append the default of column `c` (default_kind not NONE) as SQL for
 * `dialect`: a literal, or an expression in parentheses.
 */
void rg_op_default_sql(struct rg_str *out, const struct rg_op_column *c, enum rg_dialect dialect);

/**
 * Append the SQL of `op` for `dialect` (statements ending in ";\n"; nothing
 * for a `sql:` item limited to another dialect).  Returns 0, RG_ENOMEM, or
 * RG_EUNSUPPORTED with `path:line:` for an operation that has no rendering
 * for `dialect`.
 */
int rg_op_render(struct rg_str *out, const struct rg_op *op, enum rg_dialect dialect,
		 const char *path);

/**
 * The derived inverse of `ops`, in reverse order, into `out` (empty): each
 * create_table becomes drop_table, add_column a drop of the column (rendered
 * as ALTER TABLE ... DROP COLUMN), create_index drop_index, rename_table the
 * rename back.  An operation that cannot be inverted from its own text
 * (sql, drop_table, drop_index) is RG_EINVALID naming it and its line,
 * before anything runs.
 */
int rg_ops_invert(struct rg_ops *out, const struct rg_ops *ops, const char *path);

/*
 * What one engine call of rg_sqlite_alter_table_ext() needs for an
 * operation that rg_op_needs_engine(): its table, changes and recreate
 * mode.  The changes point into `owned` and into the operation, which must
 * outlive this.
 */
struct rg_op_alters {
	const char *table;
	enum rg_recreate recreate;
	struct rg_alter *v;
	size_t n;
	size_t alloc;
	struct rg_strlist owned;
};

/**
 * The engine changes of `op` (a batch_alter_table: all of its operations, in
 * order, with its recreate; any other: the one change, recreate auto) into
 * `out` (zeroed).  0 or RG_ENOMEM.
 */
int rg_op_alters(struct rg_op_alters *out, const struct rg_op *op);
void rg_op_alters_release(struct rg_op_alters *a);

/**
 * Is `v` a PostgreSQL lock_timeout revgraph accepts: digits, optionally
 * followed by ms, s or min (no unit: milliseconds, as PostgreSQL reads it)?
 */
bool rg_lock_timeout_valid(const char *v);

#endif
