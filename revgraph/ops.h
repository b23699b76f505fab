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

/* A column default: a number, a boolean, NULL or a string, written as a SQL literal. */
enum rg_op_default {
	RG_DEFAULT_NONE,
	RG_DEFAULT_NULL,
	RG_DEFAULT_NUMBER,
	RG_DEFAULT_TRUE,
	RG_DEFAULT_FALSE,
	RG_DEFAULT_STRING
};

struct rg_op_column {
	char *name;
	char *type;		/* as written; mapped by rg_op_type() */
	int nullable;		/* -1 unspecified, 0 NOT NULL, 1 NULL */
	enum rg_op_default default_kind;
	char *default_value;	/* NUMBER: its digits; STRING: the text */
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
	RG_OP_DROP_COLUMN	/* only as the derived inverse of add_column */
};

struct rg_op {
	enum rg_op_kind kind;
	size_t line;		/* file line of the operation's first key */
	int dialect;		/* -1 every dialect, else an enum rg_dialect */
	char *sql;		/* SQL: the text */
	size_t sql_line;	/* SQL: file line where the text starts */
	char *table;		/* the table concerned (RENAME_TABLE: the old name) */
	char *column;		/* DROP_COLUMN */
	char *name;		/* CREATE_INDEX, DROP_INDEX: the index */
	char *new_name;		/* RENAME_TABLE */
	struct rg_op_column *cols;	/* CREATE_TABLE: its columns; ADD_COLUMN: one */
	size_t ncols;
	struct rg_strlist idx_cols;	/* CREATE_INDEX: column names ... */
	struct rg_strlist idx_exprs;	/* ... and expressions, columns first */
	bool unique;		/* CREATE_INDEX */
	char *where;		/* CREATE_INDEX: partial index predicate */
	bool if_exists;		/* DROP_TABLE, DROP_INDEX */
};

struct rg_ops {
	struct rg_op *items;
	size_t n;
	size_t alloc;
	bool structured;	/* at least one item is not RG_OP_SQL */
};

void rg_op_release(struct rg_op *op);
void rg_ops_release(struct rg_ops *ops);

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

/**
 * Is `v` a PostgreSQL lock_timeout revgraph accepts: digits, optionally
 * followed by ms, s or min (no unit: milliseconds, as PostgreSQL reads it)?
 */
bool rg_lock_timeout_valid(const char *v);

#endif
