/*
 * Rendering of schema operations (ops.h) as SQL for SQLite and PostgreSQL.
 */
#include "ops.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "revgraph/common.h"
#include "banned.h"

static const char *const op_names[] = {
	"sql", "create_table", "drop_table", "rename_table", "add_column", "create_index",
	"drop_index", "drop_column", "alter_column", "create_foreign_key",
	"create_unique_constraint", "create_check_constraint", "drop_constraint",
	"batch_alter_table"
};

const char *rg_op_name(enum rg_op_kind kind)
{
	return op_names[kind];
}

static void column_release(struct rg_op_column *c)
{
	free(c->name);
	free(c->type);
	free(c->default_value);
	free(c->ref_table);
	free(c->ref_column);
	free(c->on_delete);
	free(c->on_update);
	free(c->check);
	free(c->collation);
}

void rg_op_release(struct rg_op *op)
{
	size_t i;

	if (!op)
		return;
	free(op->sql);
	free(op->table);
	free(op->column);
	free(op->name);
	free(op->new_name);
	for (i = 0; i < op->ncols; i++)
		column_release(&op->cols[i]);
	free(op->cols);
	rg_strlist_release(&op->idx_cols);
	rg_strlist_release(&op->idx_exprs);
	free(op->where);
	free(op->using_expr);
	free(op->ref_table);
	rg_strlist_release(&op->ref_cols);
	free(op->on_delete);
	free(op->on_update);
	rg_ops_release(op->batch);
	free(op->batch);
	memset(op, 0, sizeof(*op));
}

bool rg_op_needs_engine(const struct rg_op *op, enum rg_dialect dialect)
{
	if (dialect != RG_DIALECT_SQLITE)
		return false;
	switch (op->kind) {
	case RG_OP_DROP_COLUMN:
		return !op->derived;
	case RG_OP_ADD_COLUMN:
		return op->cols[0].default_kind == RG_DEFAULT_EXPR;
	case RG_OP_ALTER_COLUMN:
	case RG_OP_CREATE_FOREIGN_KEY:
	case RG_OP_CREATE_UNIQUE_CONSTRAINT:
	case RG_OP_CREATE_CHECK_CONSTRAINT:
	case RG_OP_DROP_CONSTRAINT:
	case RG_OP_BATCH_ALTER_TABLE:
		return true;
	default:
		return false;
	}
}

void rg_ops_release(struct rg_ops *ops)
{
	size_t i;

	if (!ops)
		return;
	for (i = 0; i < ops->n; i++)
		rg_op_release(&ops->items[i]);
	free(ops->items);
	memset(ops, 0, sizeof(*ops));
}

static bool needs_quotes(const char *name)
{
	/* PostgreSQL's reserved key words, and SQLite's that are not among them */
	static const char *const reserved[] = {
		"abort", "action", "add", "after", "all", "alter", "analyse", "analyze", "and",
		"any", "array", "as", "asc", "asymmetric", "attach", "authorization", "autoincrement",
		"before", "begin", "between", "binary", "both", "by", "cascade", "case", "cast",
		"check", "collate", "column", "commit", "conflict", "constraint", "create", "cross",
		"current_date", "current_role", "current_time", "current_timestamp", "current_user",
		"database", "default", "deferrable", "deferred", "delete", "desc", "detach",
		"distinct", "do", "drop", "each", "else", "end", "escape", "except", "exclusive",
		"exists", "explain", "false", "for", "foreign", "freeze", "from", "full", "glob",
		"grant", "group", "having", "if", "ilike", "immediate", "in", "index", "indexed",
		"initially", "inner", "insert", "instead", "intersect", "into", "is", "isnull",
		"join", "key", "leading", "left", "like", "limit", "localtime", "localtimestamp",
		"match", "natural", "new", "no", "not", "notnull", "null", "of", "off", "offset",
		"old", "on", "only", "or", "order", "outer", "overlaps", "placing", "plan",
		"pragma", "primary", "query", "raise", "recursive", "references", "regexp",
		"reindex", "release", "rename", "replace", "restrict", "returning", "right",
		"rollback", "row", "savepoint", "select", "session_user", "set", "similar", "some",
		"symmetric", "table", "temp", "temporary", "then", "to", "trailing", "transaction",
		"trigger", "true", "union", "unique", "update", "user", "using", "vacuum", "values",
		"variadic", "verbose", "view", "virtual", "when", "where", "window", "with",
		"without"
	};
	const char *p;
	size_t i;

	if (!((*name >= 'a' && *name <= 'z') || *name == '_'))
		return true;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return true;
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(name, reserved[i]))
			return true;
	return false;
}

void rg_sql_add_ident(struct rg_str *out, const char *name)
{
	if (needs_quotes(name))
		rg_sql_add_quoted(out, name);
	else
		rg_str_adds(out, name);
}

void rg_sql_add_quoted(struct rg_str *out, const char *name)
{
	const char *p;

	rg_str_addch(out, '"');
	for (p = name; *p; p++) {
		if (*p == '"')
			rg_str_addch(out, '"');
		rg_str_addch(out, *p);
	}
	rg_str_addch(out, '"');
}

void rg_sql_add_literal(struct rg_str *out, const char *s)
{
	const char *q;

	/* the runs between quotes at once: every version-table change of a --sql run comes here */
	rg_str_addch(out, '\'');
	while ((q = strchr(s, '\''))) {
		rg_str_add(out, s, (size_t)(q - s) + 1);
		rg_str_addch(out, '\'');
		s = q + 1;
	}
	rg_str_adds(out, s);
	rg_str_addch(out, '\'');
}

/*
 * The closing quote of the '...' or "..." that starts at `p` (a doubled
 * quote stays inside), or the terminating NUL when there is none.
 */
static const char *quote_end(const char *p)
{
	char q = *p;

	for (p++; *p; p++)
		if (*p == q) {
			if (p[1] != q)
				break;
			p++;
		}
	return p;
}

int rg_sql_check_fragment(const char *frag, bool comma_ok, const char *path, size_t line,
			  const char *op, const char *key)
{
	const char *why = NULL, *p;
	long depth = 0;

	for (p = frag; *p && !why; p++) {
		if (*p == '\'' || *p == '"') {
			p = quote_end(p);
			if (!*p) {
				why = "has an unterminated quote";
				break;	/* p is on the NUL: the loop's p++ would pass it */
			}
			continue;
		}
		if (*p == ';')
			why = "contains ';'";
		else if (*p == '\\' || *p == '$')
			why = "contains '\\' or '$'";
		else if (*p == '[' || *p == '`')
			why = "contains '[' or '`' (SQLite name quotes: use \"...\")";
		else if ((*p == '-' && p[1] == '-') || (*p == '/' && p[1] == '*'))
			why = "contains a comment";
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth < 0)
			why = "has an unbalanced ')'";
		else if (*p == ',' && !depth && !comma_ok)
			why = "contains a top-level ','";
	}
	if (!why && depth)
		why = "has an unbalanced '('";
	if (!why) {
		for (p = frag; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
			;
		if (!*p)
			why = "is empty";
	}
	if (why)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: '%s' %s", path, line, op, key, why);
	return 0;
}

int rg_op_check_type(const char *type, const char *path, size_t line, const char *op)
{
	const char *p;
	int depth = 0;
	bool ok = *type != '\0' && *type != ' ' && *type != '(';

	for (p = type; *p && ok; p++) {
		if (*p == '(') {
			ok = depth++ == 0;
		} else if (*p == ')') {
			ok = depth-- == 1;
		} else if (depth) {
			ok = (*p >= '0' && *p <= '9') || *p == ',' || *p == ' ';
		} else {
			ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '_' || *p == ' ';
			/* only "[]": a lone '[' starts a quoted name in SQLite */
			if (*p == '[' && p[1] == ']') {
				ok = true;
				p++;
			}
		}
	}
	if (!ok || depth)
		return rg_error_set(RG_EINVALID,
				    "%s:%zu: %s: 'type' must be a type name such as integer, string(200) or numeric(10,2)",
				    path, line, op);
	return 0;
}

/* Does `type` start with portable name `name`, followed by its end or '('? */
static bool type_is(const char *type, const char *name, const char **rest)
{
	size_t i, n = strlen(name);

	for (i = 0; i < n; i++) {
		char c = type[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return false;
	}
	if (type[n] != '\0' && type[n] != '(')
		return false;
	*rest = type + n;
	return true;
}

void rg_op_type(struct rg_str *out, const char *type, enum rg_dialect dialect)
{
	static const struct {
		const char *name, *sqlite, *pg;
	} map[] = {
		{ "integer", "INTEGER", "INTEGER" },
		{ "bigint", "BIGINT", "BIGINT" },
		{ "smallint", "SMALLINT", "SMALLINT" },
		{ "text", "TEXT", "TEXT" },
		{ "string", "VARCHAR", "VARCHAR" },
		{ "boolean", "BOOLEAN", "BOOLEAN" },
		{ "float", "FLOAT", "DOUBLE PRECISION" },
		{ "numeric", "NUMERIC", "NUMERIC" },
		{ "date", "DATE", "DATE" },
		{ "datetime", "DATETIME", "TIMESTAMP WITHOUT TIME ZONE" },
		{ "timestamptz", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE" },
		{ "json", "JSON", "JSONB" },
		{ "uuid", "CHAR(36)", "UUID" },
		{ "binary", "BLOB", "BYTEA" }
	};
	const char *rest;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (type_is(type, map[i].name, &rest)) {
			rg_str_adds(out, dialect == RG_DIALECT_POSTGRESQL ? map[i].pg : map[i].sqlite);
			rg_str_adds(out, rest);
			return;
		}
	rg_str_adds(out, type);
}

/* A portable integer type: SQLite's INTEGER PRIMARY KEY numbers rows itself. */
static bool is_integer(const char *type)
{
	const char *rest;

	return (type_is(type, "integer", &rest) || type_is(type, "bigint", &rest) ||
		type_is(type, "smallint", &rest)) && !*rest;
}

/* Is `e` wholly inside one pair of parentheses, "(...)"? */
static bool wrapped(const char *e)
{
	const char *p;
	long depth = 0;

	if (*e != '(')
		return false;
	for (p = e; *p; p++) {
		if (*p == '\'' || *p == '"') {
			p = quote_end(p);
			if (!*p)
				return false;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return !p[1];
	}
	return false;
}

void rg_op_default_sql(struct rg_str *out, const struct rg_op_column *c, enum rg_dialect dialect)
{
	switch (c->default_kind) {
	case RG_DEFAULT_NONE:
		break;
	case RG_DEFAULT_NULL:
		rg_str_adds(out, "NULL");
		break;
	case RG_DEFAULT_NUMBER:
		rg_str_adds(out, c->default_value);
		break;
	case RG_DEFAULT_TRUE:
		rg_str_adds(out, dialect == RG_DIALECT_POSTGRESQL ? "TRUE" : "1");
		break;
	case RG_DEFAULT_FALSE:
		rg_str_adds(out, dialect == RG_DIALECT_POSTGRESQL ? "FALSE" : "0");
		break;
	case RG_DEFAULT_STRING:
		rg_sql_add_literal(out, c->default_value);
		break;
	case RG_DEFAULT_EXPR:
		if (wrapped(c->default_value)) {
			rg_str_adds(out, c->default_value);
		} else {
			rg_str_addch(out, '(');
			rg_str_adds(out, c->default_value);
			rg_str_addch(out, ')');
		}
		break;
	}
}

/* PostgreSQL keeps at most this many bytes of an identifier (NAMEDATALEN - 1). */
#define PG_MAX_IDENT 63

/*
 * The name SQLite's rebuild engine gives an unnamed constraint
 * (docs/sqlite-rebuild.md: pk_<t>, uq_<t>_<c>, ck_<t>_<c>, fk_<t>_<c>_<ref>),
 * written into `out` (reset) for PostgreSQL, so that one drop_constraint
 * works on both.  Longer than 63 bytes, it is cut to 63 at a character
 * boundary, as PostgreSQL cuts every identifier it reads (so a
 * drop_constraint with the long name finds it too).
 */
static void pg_constraint_name(struct rg_str *out, const char *prefix, const char *table,
			       const char *col, const char *ref)
{
	size_t n;

	rg_str_reset(out);
	rg_str_addf(out, "%s_%s", prefix, table);
	if (col)
		rg_str_addf(out, "_%s", col);
	if (ref)
		rg_str_addf(out, "_%s", ref);
	if (out->len <= PG_MAX_IDENT)
		return;
	n = PG_MAX_IDENT;
	while (n > 0 && ((unsigned char)out->buf[n] & 0xc0) == 0x80)
		n--;
	rg_str_setlen(out, n);
}

/* " CONSTRAINT <name>" before a column constraint, on PostgreSQL only. */
static void pg_name_constraint(struct rg_str *out, enum rg_dialect dialect, const char *prefix,
			       const char *table, const char *col, const char *ref)
{
	struct rg_str name = RG_STR_INIT;

	if (dialect != RG_DIALECT_POSTGRESQL || !table)
		return;
	pg_constraint_name(&name, prefix, table, col, ref);
	if (rg_str_check(&name)) {
		out->failed = true;
	} else {
		rg_str_adds(out, " CONSTRAINT ");
		rg_sql_add_ident(out, name.buf);
	}
	rg_str_release(&name);
}

/*
 * SQLite's only AUTOINCREMENT column is `INTEGER PRIMARY KEY AUTOINCREMENT`.
 * `table` (NULL: none) names the column's constraints on PostgreSQL.
 */
static void add_column_def(struct rg_str *out, const struct rg_op_column *c, bool inline_pk,
			   enum rg_dialect dialect, const char *table)
{
	rg_sql_add_ident(out, c->name);
	rg_str_addch(out, ' ');
	rg_op_type(out, c->type, dialect);
	if (c->collation) {
		rg_str_adds(out, " COLLATE ");
		rg_sql_add_ident(out, c->collation);
	}
	if (dialect == RG_DIALECT_POSTGRESQL &&
	    (c->autoincrement == 1 || (c->autoincrement < 0 && inline_pk && c->primary_key && is_integer(c->type))))
		rg_str_adds(out, " GENERATED BY DEFAULT AS IDENTITY");
	if (inline_pk && c->primary_key) {
		pg_name_constraint(out, dialect, "pk", table, NULL, NULL);
		rg_str_adds(out, " PRIMARY KEY");
		if (c->autoincrement == 1 && dialect == RG_DIALECT_SQLITE)
			rg_str_adds(out, " AUTOINCREMENT");
	}
	if (c->nullable == 0 || (c->primary_key && c->nullable < 0 && !inline_pk))
		rg_str_adds(out, " NOT NULL");
	else if (c->nullable == 1)
		rg_str_adds(out, " NULL");
	if (c->default_kind != RG_DEFAULT_NONE) {
		rg_str_adds(out, " DEFAULT ");
		rg_op_default_sql(out, c, dialect);
	}
	if (c->unique) {
		pg_name_constraint(out, dialect, "uq", table, c->name, NULL);
		rg_str_adds(out, " UNIQUE");
	}
	if (c->check) {
		pg_name_constraint(out, dialect, "ck", table, c->name, NULL);
		rg_str_adds(out, " CHECK (");
		rg_str_adds(out, c->check);
		rg_str_addch(out, ')');
	}
	if (c->ref_table) {
		pg_name_constraint(out, dialect, "fk", table, c->name, c->ref_table);
		rg_str_adds(out, " REFERENCES ");
		rg_sql_add_ident(out, c->ref_table);
		rg_str_adds(out, " (");
		rg_sql_add_ident(out, c->ref_column);
		rg_str_addch(out, ')');
		if (c->on_delete)
			rg_str_addf(out, " ON DELETE %s", c->on_delete);
		if (c->on_update)
			rg_str_addf(out, " ON UPDATE %s", c->on_update);
	}
}

/*
 * PostgreSQL: two of create_table's constraint names that are the same
 * once cut to 63 bytes would fail at CREATE TABLE; refuse them here, with
 * the file and line.
 */
static int check_pg_names(const struct rg_op *op, const char *path)
{
	struct rg_strlist names = RG_STRLIST_INIT;
	struct rg_str name = RG_STR_INIT;
	size_t i, k;
	int err = 0;

	for (i = 0; !err && i < op->ncols; i++) {
		const struct rg_op_column *c = &op->cols[i];
		const char *prefix[3] = { c->unique ? "uq" : NULL, c->check ? "ck" : NULL,
					  c->ref_table ? "fk" : NULL };

		for (k = 0; !err && k < 3; k++) {
			if (!prefix[k])
				continue;
			pg_constraint_name(&name, prefix[k], op->table, c->name, k == 2 ? c->ref_table : NULL);
			if (!(err = rg_str_check(&name)))
				err = rg_strlist_push(&names, name.buf);
		}
	}
	for (i = 0; !err && i < names.n; i++)
		for (k = i + 1; !err && k < names.n; k++)
			if (!strcmp(names.items[i], names.items[k]))
				err = rg_error_set(RG_EINVALID,
						   "%s:%zu: create_table: two constraints of table '%s' would both be named '%s' on PostgreSQL, whose names keep only their first 63 bytes; shorten the table or column names",
						   path, op->line, op->table, names.items[i]);
	rg_strlist_release(&names);
	rg_str_release(&name);
	return err;
}

static void render_create_table(struct rg_str *out, const struct rg_op *op, enum rg_dialect dialect)
{
	size_t i, npk = 0;
	bool first = true;

	for (i = 0; i < op->ncols; i++)
		npk += op->cols[i].primary_key;
	rg_str_adds(out, "CREATE TABLE ");
	rg_sql_add_ident(out, op->table);
	rg_str_adds(out, " (");
	for (i = 0; i < op->ncols; i++) {
		rg_str_adds(out, "\n    ");
		add_column_def(out, &op->cols[i], npk == 1, dialect, op->table);
		if (i + 1 < op->ncols || npk > 1)
			rg_str_addch(out, ',');
	}
	if (npk > 1) {
		rg_str_adds(out, "\n   ");
		pg_name_constraint(out, dialect, "pk", op->table, NULL, NULL);
		rg_str_adds(out, " PRIMARY KEY (");
		for (i = 0; i < op->ncols; i++) {
			if (!op->cols[i].primary_key)
				continue;
			if (!first)
				rg_str_adds(out, ", ");
			rg_sql_add_ident(out, op->cols[i].name);
			first = false;
		}
		rg_str_addch(out, ')');
	}
	rg_str_adds(out, "\n);\n");
}

static void render_create_index(struct rg_str *out, const struct rg_op *op)
{
	size_t i;

	rg_str_adds(out, op->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
	rg_sql_add_ident(out, op->name);
	rg_str_adds(out, " ON ");
	rg_sql_add_ident(out, op->table);
	rg_str_adds(out, " (");
	for (i = 0; i < op->idx_cols.n; i++) {
		if (i)
			rg_str_adds(out, ", ");
		rg_sql_add_ident(out, op->idx_cols.items[i]);
	}
	for (i = 0; i < op->idx_exprs.n; i++) {
		if (i || op->idx_cols.n)
			rg_str_adds(out, ", ");
		rg_str_addch(out, '(');
		rg_str_adds(out, op->idx_exprs.items[i]);
		rg_str_addch(out, ')');
	}
	rg_str_addch(out, ')');
	if (op->where) {
		rg_str_adds(out, " WHERE ");
		rg_str_adds(out, op->where);
	}
	rg_str_adds(out, ";\n");
}

static void add_name_list(struct rg_str *out, const struct rg_strlist *l)
{
	size_t i;

	rg_str_addch(out, '(');
	for (i = 0; i < l->n; i++) {
		if (i)
			rg_str_adds(out, ", ");
		rg_sql_add_ident(out, l->items[i]);
	}
	rg_str_addch(out, ')');
}

/* The table constraint a constraint operation adds ("CONSTRAINT n CHECK (...)"). */
static void add_constraint_def(struct rg_str *out, const struct rg_op *op)
{
	rg_str_adds(out, "CONSTRAINT ");
	rg_sql_add_ident(out, op->name);
	switch (op->kind) {
	case RG_OP_CREATE_FOREIGN_KEY:
		rg_str_adds(out, " FOREIGN KEY ");
		add_name_list(out, &op->idx_cols);
		rg_str_adds(out, " REFERENCES ");
		rg_sql_add_ident(out, op->ref_table);
		rg_str_addch(out, ' ');
		add_name_list(out, &op->ref_cols);
		if (op->on_delete)
			rg_str_addf(out, " ON DELETE %s", op->on_delete);
		if (op->on_update)
			rg_str_addf(out, " ON UPDATE %s", op->on_update);
		break;
	case RG_OP_CREATE_UNIQUE_CONSTRAINT:
		rg_str_adds(out, " UNIQUE ");
		add_name_list(out, &op->idx_cols);
		break;
	default:
		rg_str_adds(out, " CHECK (");
		rg_str_adds(out, op->where);
		rg_str_addch(out, ')');
		break;
	}
}

static void alter_table(struct rg_str *out, const struct rg_op *op)
{
	rg_str_adds(out, "ALTER TABLE ");
	rg_sql_add_ident(out, op->table);
}

static void alter_column(struct rg_str *out, const struct rg_op *op)
{
	alter_table(out, op);
	rg_str_adds(out, " ALTER COLUMN ");
	rg_sql_add_ident(out, op->column);
}

/*
 * PostgreSQL's alter_column: one statement per change, in the order type,
 * NULL-ability, default, and the rename last (so the others name the column
 * as it was).
 */
static void render_alter_column_pg(struct rg_str *out, const struct rg_op *op)
{
	const struct rg_op_column *c = &op->cols[0];

	if (c->type) {
		alter_column(out, op);
		rg_str_adds(out, " TYPE ");
		rg_op_type(out, c->type, RG_DIALECT_POSTGRESQL);
		if (op->using_expr) {
			rg_str_adds(out, " USING ");
			rg_str_adds(out, op->using_expr);
		}
		rg_str_adds(out, ";\n");
	}
	if (c->nullable >= 0) {
		alter_column(out, op);
		rg_str_adds(out, c->nullable ? " DROP NOT NULL;\n" : " SET NOT NULL;\n");
	}
	if (c->default_kind != RG_DEFAULT_NONE) {
		alter_column(out, op);
		rg_str_adds(out, " SET DEFAULT ");
		rg_op_default_sql(out, c, RG_DIALECT_POSTGRESQL);
		rg_str_adds(out, ";\n");
	}
	if (op->drop_default) {
		alter_column(out, op);
		rg_str_adds(out, " DROP DEFAULT;\n");
	}
	if (op->new_name) {
		alter_table(out, op);
		rg_str_adds(out, " RENAME COLUMN ");
		rg_sql_add_ident(out, op->column);
		rg_str_adds(out, " TO ");
		rg_sql_add_ident(out, op->new_name);
		rg_str_adds(out, ";\n");
	}
}

int rg_op_render(struct rg_str *out, const struct rg_op *op, enum rg_dialect dialect,
		 const char *path)
{
	switch (op->kind) {
	case RG_OP_SQL:
		if (op->dialect < 0 || op->dialect == (int)dialect)
			rg_str_adds(out, op->sql);
		break;
	case RG_OP_CREATE_TABLE: {
		int err;

		if (dialect == RG_DIALECT_POSTGRESQL && (err = check_pg_names(op, path)))
			return err;
		render_create_table(out, op, dialect);
		break;
	}
	case RG_OP_DROP_TABLE:
		rg_str_adds(out, op->if_exists ? "DROP TABLE IF EXISTS " : "DROP TABLE ");
		rg_sql_add_ident(out, op->table);
		rg_str_adds(out, ";\n");
		break;
	case RG_OP_RENAME_TABLE:
		rg_str_adds(out, "ALTER TABLE ");
		rg_sql_add_ident(out, op->table);
		rg_str_adds(out, " RENAME TO ");
		rg_sql_add_ident(out, op->new_name);
		rg_str_adds(out, ";\n");
		break;
	case RG_OP_ADD_COLUMN:
		if (rg_op_needs_engine(op, dialect))
			goto engine;
		rg_str_adds(out, "ALTER TABLE ");
		rg_sql_add_ident(out, op->table);
		rg_str_adds(out, " ADD COLUMN ");
		add_column_def(out, &op->cols[0], true, dialect, op->table);
		rg_str_adds(out, ";\n");
		break;
	case RG_OP_CREATE_INDEX:
		render_create_index(out, op);
		break;
	case RG_OP_DROP_INDEX:
		rg_str_adds(out, op->if_exists ? "DROP INDEX IF EXISTS " : "DROP INDEX ");
		rg_sql_add_ident(out, op->name);
		rg_str_adds(out, ";\n");
		break;
	case RG_OP_DROP_COLUMN:
		if (rg_op_needs_engine(op, dialect))
			goto engine;
		rg_str_adds(out, "ALTER TABLE ");
		rg_sql_add_ident(out, op->table);
		rg_str_adds(out, " DROP COLUMN ");
		rg_sql_add_ident(out, op->column);
		rg_str_adds(out, ";\n");
		break;
	case RG_OP_ALTER_COLUMN:
		if (rg_op_needs_engine(op, dialect))
			goto engine;
		render_alter_column_pg(out, op);
		break;
	case RG_OP_CREATE_FOREIGN_KEY:
	case RG_OP_CREATE_UNIQUE_CONSTRAINT:
	case RG_OP_CREATE_CHECK_CONSTRAINT:
		if (rg_op_needs_engine(op, dialect))
			goto engine;
		alter_table(out, op);
		rg_str_adds(out, " ADD ");
		add_constraint_def(out, op);
		rg_str_adds(out, ";\n");
		break;
	case RG_OP_DROP_CONSTRAINT:
		if (rg_op_needs_engine(op, dialect))
			goto engine;
		alter_table(out, op);
		rg_str_adds(out, " DROP CONSTRAINT ");
		rg_sql_add_ident(out, op->name);
		rg_str_adds(out, ";\n");
		break;
	case RG_OP_BATCH_ALTER_TABLE: {
		size_t i;
		int err;

		if (rg_op_needs_engine(op, dialect))
			goto engine;
		for (i = 0; i < op->batch->n; i++)
			if ((err = rg_op_render(out, &op->batch->items[i], dialect, path)))
				return err;
		break;
	}
	}
	return rg_str_check(out);
engine:
	return rg_error_set(RG_EUNSUPPORTED, "%s:%zu: %s runs through the table rebuild engine on SQLite, not as SQL text",
			    path, op->line, rg_op_name(op->kind));
}

/* Keep `s` (a finished string) in `a` and return its text, or NULL. */
static const char *keep(struct rg_op_alters *a, struct rg_str *s)
{
	if (rg_str_check(s) || rg_strlist_push(&a->owned, s->buf))
		return NULL;
	return a->owned.items[a->owned.n - 1];
}

static int push_alter(struct rg_op_alters *a, const struct rg_op *op)
{
	struct rg_alter *al;
	struct rg_str s = RG_STR_INIT;
	int err = 0;

	if (RG_GROW(a->v, a->n + 1, a->alloc))
		return RG_ENOMEM;
	al = &a->v[a->n++];
	memset(al, 0, sizeof(*al));
	al->nullable = -1;
	switch (op->kind) {
	case RG_OP_ADD_COLUMN: {
		size_t name_len;

		al->kind = RG_ALTER_ADD_COLUMN;
		al->column = op->cols[0].name;
		rg_sql_add_ident(&s, op->cols[0].name);
		name_len = s.len + 1;
		rg_str_reset(&s);
		add_column_def(&s, &op->cols[0], true, RG_DIALECT_SQLITE, NULL);
		if ((err = rg_str_check(&s)))
			break;
		/* the definition after the name */
		memmove(s.buf, s.buf + name_len, s.len - name_len + 1);
		rg_str_setlen(&s, s.len - name_len);
		if (!(al->def = keep(a, &s)))
			err = RG_ENOMEM;
		break;
	}
	case RG_OP_DROP_COLUMN:
		al->kind = RG_ALTER_DROP_COLUMN;
		al->column = op->column;
		break;
	case RG_OP_ALTER_COLUMN: {
		const struct rg_op_column *c = &op->cols[0];

		al->kind = RG_ALTER_ALTER_COLUMN;
		al->column = op->column;
		al->new_name = op->new_name;
		al->nullable = c->nullable;
		al->drop_default = op->drop_default;
		if (c->type) {
			rg_op_type(&s, c->type, RG_DIALECT_SQLITE);
			if (!(al->type = keep(a, &s))) {
				err = RG_ENOMEM;
				break;
			}
		}
		if (c->default_kind == RG_DEFAULT_EXPR) {
			al->default_sql = c->default_value;	/* the engine adds the parentheses */
		} else if (c->default_kind != RG_DEFAULT_NONE) {
			rg_str_reset(&s);
			rg_op_default_sql(&s, c, RG_DIALECT_SQLITE);
			if (!(al->default_sql = keep(a, &s)))
				err = RG_ENOMEM;
		}
		break;
	}
	case RG_OP_CREATE_FOREIGN_KEY:
	case RG_OP_CREATE_UNIQUE_CONSTRAINT:
	case RG_OP_CREATE_CHECK_CONSTRAINT:
		al->kind = RG_ALTER_ADD_CONSTRAINT;
		add_constraint_def(&s, op);
		if (!(al->def = keep(a, &s)))
			err = RG_ENOMEM;
		break;
	case RG_OP_DROP_CONSTRAINT:
		al->kind = RG_ALTER_DROP_CONSTRAINT;
		al->name = op->name;
		break;
	default:
		err = rg_error_set(RG_EINVALID, "'%s' is not a change of one table", rg_op_name(op->kind));
		break;
	}
	rg_str_release(&s);
	return err;
}

int rg_op_alters(struct rg_op_alters *out, const struct rg_op *op)
{
	size_t i;
	int err = 0;

	out->table = op->table;
	out->recreate = RG_RECREATE_AUTO;
	if (op->kind != RG_OP_BATCH_ALTER_TABLE)
		return push_alter(out, op);
	out->recreate = op->recreate == RG_OP_RECREATE_ALWAYS ? RG_RECREATE_ALWAYS
			: op->recreate == RG_OP_RECREATE_NEVER ? RG_RECREATE_NEVER : RG_RECREATE_AUTO;
	for (i = 0; !err && i < op->batch->n; i++)
		err = push_alter(out, &op->batch->items[i]);
	return err;
}

void rg_op_alters_release(struct rg_op_alters *a)
{
	if (!a)
		return;
	free(a->v);
	rg_strlist_release(&a->owned);
	memset(a, 0, sizeof(*a));
}

static int invert_one(struct rg_op *inv, const struct rg_op *op, const char *path)
{
	inv->line = op->line;
	inv->dialect = op->dialect;	/* undone only where it was done */
	switch (op->kind) {
	case RG_OP_CREATE_TABLE:
		inv->kind = RG_OP_DROP_TABLE;
		return (inv->table = rg_strdup(op->table)) ? 0 : RG_ENOMEM;
	case RG_OP_RENAME_TABLE:
		inv->kind = RG_OP_RENAME_TABLE;
		inv->table = rg_strdup(op->new_name);
		inv->new_name = rg_strdup(op->table);
		return inv->table && inv->new_name ? 0 : RG_ENOMEM;
	case RG_OP_ADD_COLUMN:
		inv->kind = RG_OP_DROP_COLUMN;
		inv->derived = true;
		inv->table = rg_strdup(op->table);
		inv->column = rg_strdup(op->cols[0].name);
		return inv->table && inv->column ? 0 : RG_ENOMEM;
	case RG_OP_CREATE_INDEX:
		inv->kind = RG_OP_DROP_INDEX;
		inv->table = rg_strdup(op->table);
		inv->name = rg_strdup(op->name);
		return inv->table && inv->name ? 0 : RG_ENOMEM;
	case RG_OP_ALTER_COLUMN: {
		const struct rg_op_column *c = &op->cols[0];

		/* a rename alone is undone by the rename back */
		if (c->type || c->nullable >= 0 || c->default_kind != RG_DEFAULT_NONE || op->drop_default ||
		    !op->new_name)
			break;
		inv->kind = RG_OP_ALTER_COLUMN;
		if (!(inv->cols = rg_calloc(1, sizeof(*inv->cols))))
			return RG_ENOMEM;
		inv->ncols = 1;
		inv->cols[0].nullable = -1;
		inv->cols[0].autoincrement = -1;
		inv->cols[0].line = op->line;
		inv->table = rg_strdup(op->table);
		inv->column = rg_strdup(op->new_name);
		inv->new_name = rg_strdup(op->column);
		inv->cols[0].name = rg_strdup(op->new_name);
		return inv->table && inv->column && inv->new_name && inv->cols[0].name ? 0 : RG_ENOMEM;
	}
	case RG_OP_CREATE_FOREIGN_KEY:
	case RG_OP_CREATE_UNIQUE_CONSTRAINT:
	case RG_OP_CREATE_CHECK_CONSTRAINT:
		inv->kind = RG_OP_DROP_CONSTRAINT;
		inv->table = rg_strdup(op->table);
		inv->name = rg_strdup(op->name);
		return inv->table && inv->name ? 0 : RG_ENOMEM;
	case RG_OP_BATCH_ALTER_TABLE: {
		size_t i;
		int err;

		inv->kind = RG_OP_BATCH_ALTER_TABLE;
		inv->recreate = op->recreate;
		if (!(inv->table = rg_strdup(op->table)) || !(inv->batch = rg_calloc(1, sizeof(*inv->batch))))
			return RG_ENOMEM;
		if ((err = rg_ops_invert(inv->batch, op->batch, path)))
			return err;
		/* within the batch the engine drops the column, as it added it */
		for (i = 0; i < inv->batch->n; i++)
			inv->batch->items[i].derived = false;
		return 0;
	}
	case RG_OP_SQL:
	case RG_OP_DROP_TABLE:
	case RG_OP_DROP_INDEX:
	case RG_OP_DROP_COLUMN:
	case RG_OP_DROP_CONSTRAINT:
		break;
	}
	return rg_error_set(RG_EINVALID,
			    "%s:%zu: '%s' cannot be undone from its own text; write the revision's 'downgrade:'",
			    path, op->line, rg_op_name(op->kind));
}

int rg_ops_invert(struct rg_ops *out, const struct rg_ops *ops, const char *path)
{
	size_t i;
	int err = 0;

	for (i = ops->n; i-- > 0;) {
		if (RG_GROW(out->items, out->n + 1, out->alloc)) {
			err = RG_ENOMEM;
			break;
		}
		memset(&out->items[out->n], 0, sizeof(out->items[0]));
		err = invert_one(&out->items[out->n], &ops->items[i], path);
		out->n++;
		if (err)
			break;
	}
	out->structured = true;
	if (err)
		rg_ops_release(out);
	return err;
}

bool rg_lock_timeout_valid(const char *v)
{
	const char *p = v;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == v || p - v > 9)
		return false;
	return !*p || !strcmp(p, "ms") || !strcmp(p, "s") || !strcmp(p, "min");
}
