/*
 * The operation lists of native YAML revisions (body.h): `upgrade:` and
 * `downgrade:` read into typed operations (ops.h), checked completely
 * before anything runs, and rendered into the body parts the runner splits.
 * The header keys of the same files are read by yamlrev.c.
 */
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "alloc.h"
#include "revgraph/str.h"
#include "revgraph/common.h"
#include "body.h"
#include "ops.h"
#include "yamlnode.h"
#include "yamlrev.h"
#include "banned.h"

/* What the operation reader needs to name positions in messages. */
struct ctx {
	const char *path;
};

static size_t node_line(const struct ctx *c, const yaml_node_t *node)
{
	(void)c;
	return node->start_mark.line + 1;
}

void rg_body_release(struct rg_body *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n; i++)
		free(b->items[i].sql);
	free(b->items);
	free(b->lock_timeout);
	b->items = NULL;
	b->lock_timeout = NULL;
	b->n = b->alloc = 0;
}

/* File line where the text of scalar `node` starts (block scalars: the next line). */
static size_t scalar_text_line(const struct ctx *c, const yaml_node_t *node)
{
	size_t line = node_line(c, node);

	if (node->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	    node->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
		line++;
	return line;
}

/* A non-empty string value of `key` of operation `op`. */
static int op_text(char **out, const struct ctx *c, const yaml_node_t *value, const char *op,
		   const char *key)
{
	if (!rg_ynode_is_text(value) || !value->data.scalar.length)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: '%s' must be a non-empty string", c->path,
				    node_line(c, value), op, key);
	free(*out);
	*out = rg_ynode_strdup(value);
	return *out ? 0 : RG_ENOMEM;
}

/* A SQL fragment value (check, where, expression), checked by rg_sql_check_fragment(). */
static int op_fragment(char **out, const struct ctx *c, const yaml_node_t *value, const char *op,
		       const char *key, bool comma_ok)
{
	int err = op_text(out, c, value, op, key);

	if (!err)
		err = rg_sql_check_fragment(*out, comma_ok, c->path, node_line(c, value), op, key);
	return err;
}

static int op_bool(bool *out, const struct ctx *c, const yaml_node_t *value, const char *op,
		   const char *key)
{
	if (rg_ynode_bool(out, value))
		return 0;
	return rg_error_set(RG_EINVALID, "%s:%zu: %s: '%s' must be true or false", c->path,
			    node_line(c, value), op, key);
}

static bool is_number(const yaml_node_t *v)
{
	const char *s = (const char *)v->data.scalar.value;
	size_t n = v->data.scalar.length, i = 0, digits = 0;
	bool dot = false;

	if (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && !dot)
			dot = true;
		else
			return false;
	}
	return digits > 0;
}

/*
 * A column default: a literal (number, true/false, null, string), or
 * `{sql: <expression>}`, one clean SQL fragment.
 */
static int read_default(struct rg_op_column *col, const struct ctx *c, yaml_document_t *doc,
			const yaml_node_t *v, const char *op)
{
	bool b;

	if (v->type == YAML_MAPPING_NODE) {
		const yaml_node_pair_t *pair = v->data.mapping.pairs.start;
		const yaml_node_t *key, *val;
		int err;

		if (v->data.mapping.pairs.top - pair != 1 ||
		    !rg_ynode_is(key = yaml_document_get_node(doc, pair->key), "sql"))
			return rg_error_set(RG_EINVALID, "%s:%zu: %s: 'default' as a mapping must be {sql: <expression>}",
					    c->path, node_line(c, v), op);
		val = yaml_document_get_node(doc, pair->value);
		(void)key;
		if ((err = op_fragment(&col->default_value, c, val, op, "default", true)))
			return err;
		col->default_kind = RG_DEFAULT_EXPR;
		return 0;
	}
	if (rg_ynode_is_null(v)) {
		col->default_kind = RG_DEFAULT_NULL;
		return 0;
	}
	if (!rg_ynode_is_text(v))
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: 'default' must be a number, true, false, null, a string or {sql: <expression>}",
				    c->path, node_line(c, v), op);
	if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && rg_ynode_bool(&b, v)) {
		col->default_kind = b ? RG_DEFAULT_TRUE : RG_DEFAULT_FALSE;
		return 0;
	}
	col->default_kind = is_number(v) ? RG_DEFAULT_NUMBER : RG_DEFAULT_STRING;
	col->default_value = rg_ynode_strdup(v);
	return col->default_value ? 0 : RG_ENOMEM;
}

static int read_action(char **out, const struct ctx *c, const yaml_node_t *v, const char *op,
		       const char *key)
{
	static const char *const actions[] = { "cascade", "set null", "set default", "restrict",
					       "no action" };
	static const char *const upper[] = { "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT",
					     "NO ACTION" };
	size_t i;

	if (rg_ynode_is_text(v))
		for (i = 0; i < 5; i++)
			if (rg_ascii_caseeq((const char *)v->data.scalar.value, v->data.scalar.length,
					 actions[i])) {
				free(*out);
				*out = rg_strdup(upper[i]);
				return *out ? 0 : RG_ENOMEM;
			}
	return rg_error_set(RG_EINVALID,
			    "%s:%zu: %s: '%s' must be cascade, set null, set default, restrict or no action",
			    c->path, node_line(c, v), op, key);
}

/* One column mapping of create_table's `columns` or add_column's `column`. */
static int read_column(struct rg_op_column *col, const struct ctx *c, yaml_document_t *doc,
		       const yaml_node_t *node, const char *op)
{
	yaml_node_pair_t *pair;
	int err = 0;

	col->nullable = -1;
	col->autoincrement = -1;
	col->line = node_line(c, node);
	if (node->type != YAML_MAPPING_NODE)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: a column must be a mapping with 'name' and 'type'",
				    c->path, node_line(c, node), op);
	for (pair = node->data.mapping.pairs.start; !err && pair < node->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *v = yaml_document_get_node(doc, pair->value);
		bool b;

		if (key->type == YAML_SCALAR_NODE && rg_ynode_key_seen_before(doc, node, pair))
			err = rg_error_set(RG_EINVALID, "%s:%zu: %s: duplicate key '%.*s'", c->path,
					   node_line(c, key), op, (int)key->data.scalar.length,
					   (const char *)key->data.scalar.value);
		else if (rg_ynode_is(key, "name"))
			err = op_text(&col->name, c, v, op, "name");
		else if (rg_ynode_is(key, "type")) {
			if (!(err = op_text(&col->type, c, v, op, "type")))
				err = rg_op_check_type(col->type, c->path, node_line(c, v), op);
		} else if (rg_ynode_is(key, "nullable")) {
			if (!(err = op_bool(&b, c, v, op, "nullable")))
				col->nullable = b;
		} else if (rg_ynode_is(key, "default"))
			err = read_default(col, c, doc, v, op);
		else if (rg_ynode_is(key, "primary_key"))
			err = op_bool(&col->primary_key, c, v, op, "primary_key");
		else if (rg_ynode_is(key, "autoincrement")) {
			if (!(err = op_bool(&b, c, v, op, "autoincrement")))
				col->autoincrement = b;
		}
		else if (rg_ynode_is(key, "unique"))
			err = op_bool(&col->unique, c, v, op, "unique");
		else if (rg_ynode_is(key, "references")) {
			const char *dot;

			if ((err = op_text(&col->ref_table, c, v, op, "references")))
				break;
			dot = strrchr(col->ref_table, '.');
			if (!dot || dot == col->ref_table || !dot[1]) {
				err = rg_error_set(RG_EINVALID, "%s:%zu: %s: 'references' must be table.column",
						   c->path, node_line(c, v), op);
				break;
			}
			if (!(col->ref_column = rg_strdup(dot + 1)))
				err = RG_ENOMEM;
			col->ref_table[dot - col->ref_table] = '\0';
		} else if (rg_ynode_is(key, "on_delete"))
			err = read_action(&col->on_delete, c, v, op, "on_delete");
		else if (rg_ynode_is(key, "on_update"))
			err = read_action(&col->on_update, c, v, op, "on_update");
		else if (rg_ynode_is(key, "check"))
			err = op_fragment(&col->check, c, v, op, "check", true);
		else if (rg_ynode_is(key, "collation"))
			err = op_text(&col->collation, c, v, op, "collation");
		else
			err = rg_error_set(RG_EINVALID, "%s:%zu: %s: unknown column key '%.*s'", c->path,
					   node_line(c, key), op,
					   key->type == YAML_SCALAR_NODE ? (int)key->data.scalar.length : 1,
					   key->type == YAML_SCALAR_NODE ? (const char *)key->data.scalar.value : "?");
	}
	if (err)
		return err;
	if (!col->name)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: column without 'name'", c->path, col->line, op);
	if (!col->type)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: column '%s' without 'type'", c->path,
				    col->line, op, col->name);
	if ((col->on_delete || col->on_update) && !col->ref_table)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: column '%s' has 'on_delete' or 'on_update' without 'references'",
				    c->path, col->line, op, col->name);
	if (col->autoincrement == 1 && !col->primary_key)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: column '%s' has 'autoincrement' without 'primary_key'",
				    c->path, col->line, op, col->name);
	return 0;
}

static int push_column(struct rg_op *op, const struct ctx *c, yaml_document_t *doc,
		       const yaml_node_t *node, size_t *alloc)
{
	if (RG_GROW(op->cols, op->ncols + 1, *alloc))
		return RG_ENOMEM;
	memset(&op->cols[op->ncols], 0, sizeof(op->cols[0]));
	op->ncols++;
	return read_column(&op->cols[op->ncols - 1], c, doc, node, rg_op_name(op->kind));
}

/* A list of names (`columns` of create_index) or fragments (`expressions`). */
static int read_name_list(struct rg_strlist *out, const struct ctx *c, yaml_document_t *doc,
			  const yaml_node_t *v, const char *op, const char *key, bool fragments)
{
	yaml_node_item_t *it;
	int err;

	if (v->type != YAML_SEQUENCE_NODE)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: '%s' must be a list", c->path,
				    node_line(c, v), op, key);
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const yaml_node_t *node = yaml_document_get_node(doc, *it);
		char *s = NULL;

		err = fragments ? op_fragment(&s, c, node, op, key, false)
				: op_text(&s, c, node, op, key);
		if (!err)
			err = rg_strlist_push_owned(out, s);
		else
			free(s);
		if (err)
			return err;
	}
	return 0;
}

static int op_kind_of(const yaml_node_t *key, enum rg_op_kind *kind)
{
	int k;

	for (k = RG_OP_SQL; k <= RG_OP_BATCH_ALTER_TABLE; k++)
		if (rg_ynode_is(key, rg_op_name((enum rg_op_kind)k))) {
			*kind = (enum rg_op_kind)k;
			return 1;
		}
	return 0;
}

static int read_operation(struct rg_op *op, const struct ctx *c, yaml_document_t *doc,
			  const yaml_node_t *item, const struct rg_op *batch);

/* batch_alter_table's `ops:` list, each operation on the batch's table. */
static int read_batch_ops(struct rg_op *op, const struct ctx *c, yaml_document_t *doc,
			  const yaml_node_t *v)
{
	yaml_node_item_t *it;
	struct rg_ops *b;
	int err;

	if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.start == v->data.sequence.items.top)
		return rg_error_set(RG_EINVALID, "%s:%zu: batch_alter_table: 'ops' must be a non-empty list",
				    c->path, node_line(c, v));
	if (op->batch)
		return 0;
	if (!(b = op->batch = rg_calloc(1, sizeof(*op->batch))))
		return RG_ENOMEM;
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		if (RG_GROW(b->items, b->n + 1, b->alloc))
			return RG_ENOMEM;
		memset(&b->items[b->n], 0, sizeof(b->items[0]));
		b->n++;
		if ((err = read_operation(&b->items[b->n - 1], c, doc, yaml_document_get_node(doc, *it), op)))
			return err;
	}
	b->structured = true;
	return 0;
}

/* A sibling key of operation `op`; RG_ENOTFOUND if it is not one of `op`'s keys. */
static int read_op_key(struct rg_op *op, const struct ctx *c, yaml_document_t *doc,
		       const yaml_node_t *key, const yaml_node_t *v, size_t *col_alloc, bool in_batch)
{
	const char *name = rg_op_name(op->kind);
	bool b;
	int err;

	/* in a batch the table is the batch's */
	if (!in_batch && rg_ynode_is(key, "table") &&
	    (op->kind == RG_OP_CREATE_FOREIGN_KEY || op->kind == RG_OP_CREATE_UNIQUE_CONSTRAINT ||
	     op->kind == RG_OP_CREATE_CHECK_CONSTRAINT || op->kind == RG_OP_DROP_CONSTRAINT))
		return op_text(&op->table, c, v, name, "table");
	if (!in_batch && rg_ynode_is(key, "column") &&
	    (op->kind == RG_OP_DROP_COLUMN || op->kind == RG_OP_ALTER_COLUMN)) {
		if ((err = op_text(&op->column, c, v, name, "column")))
			return err;
		if (op->kind == RG_OP_ALTER_COLUMN) {
			free(op->cols[0].name);
			if (!(op->cols[0].name = rg_strdup(op->column)))
				return RG_ENOMEM;
		}
		return 0;
	}

	switch (op->kind) {
	case RG_OP_SQL:
		break;
	case RG_OP_CREATE_TABLE:
		if (rg_ynode_is(key, "columns")) {
			yaml_node_item_t *it;

			if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.start == v->data.sequence.items.top)
				return rg_error_set(RG_EINVALID, "%s:%zu: create_table: 'columns' must be a non-empty list",
						    c->path, node_line(c, v));
			for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
				if ((err = push_column(op, c, doc, yaml_document_get_node(doc, *it), col_alloc)))
					return err;
			return 0;
		}
		break;
	case RG_OP_DROP_TABLE:
	case RG_OP_DROP_INDEX:
		if (rg_ynode_is(key, "if_exists"))
			return op_bool(&op->if_exists, c, v, name, "if_exists");
		if (op->kind == RG_OP_DROP_INDEX && rg_ynode_is(key, "table"))
			return op_text(&op->table, c, v, name, "table");
		break;
	case RG_OP_RENAME_TABLE:
		if (rg_ynode_is(key, "new_name"))
			return op_text(&op->new_name, c, v, name, "new_name");
		break;
	case RG_OP_ADD_COLUMN:
		if (rg_ynode_is(key, "column"))
			return push_column(op, c, doc, v, col_alloc);
		break;
	case RG_OP_CREATE_INDEX:
		if (rg_ynode_is(key, "table"))
			return op_text(&op->table, c, v, name, "table");
		if (rg_ynode_is(key, "columns"))
			return read_name_list(&op->idx_cols, c, doc, v, name, "columns", false);
		if (rg_ynode_is(key, "expressions"))
			return read_name_list(&op->idx_exprs, c, doc, v, name, "expressions", true);
		if (rg_ynode_is(key, "unique"))
			return op_bool(&op->unique, c, v, name, "unique");
		if (rg_ynode_is(key, "where"))
			return op_fragment(&op->where, c, v, name, "where", true);
		break;
	case RG_OP_DROP_COLUMN:
		break;
	case RG_OP_ALTER_COLUMN:
		if (rg_ynode_is(key, "type")) {
			if ((err = op_text(&op->cols[0].type, c, v, name, "type")))
				return err;
			return rg_op_check_type(op->cols[0].type, c->path, node_line(c, v), name);
		}
		if (rg_ynode_is(key, "nullable")) {
			if ((err = op_bool(&b, c, v, name, "nullable")))
				return err;
			op->cols[0].nullable = b;
			return 0;
		}
		if (rg_ynode_is(key, "default"))
			return read_default(&op->cols[0], c, doc, v, name);
		if (rg_ynode_is(key, "drop_default"))
			return op_bool(&op->drop_default, c, v, name, "drop_default");
		if (rg_ynode_is(key, "new_name"))
			return op_text(&op->new_name, c, v, name, "new_name");
		if (rg_ynode_is(key, "using"))
			return op_fragment(&op->using_expr, c, v, name, "using", true);
		break;
	case RG_OP_CREATE_FOREIGN_KEY:
		if (rg_ynode_is(key, "referent_table"))
			return op_text(&op->ref_table, c, v, name, "referent_table");
		if (rg_ynode_is(key, "referent_columns"))
			return read_name_list(&op->ref_cols, c, doc, v, name, "referent_columns", false);
		if (rg_ynode_is(key, "on_delete"))
			return read_action(&op->on_delete, c, v, name, "on_delete");
		if (rg_ynode_is(key, "on_update"))
			return read_action(&op->on_update, c, v, name, "on_update");
		/* fall through */
	case RG_OP_CREATE_UNIQUE_CONSTRAINT:
		if (rg_ynode_is(key, "columns"))
			return read_name_list(&op->idx_cols, c, doc, v, name, "columns", false);
		break;
	case RG_OP_CREATE_CHECK_CONSTRAINT:
		if (rg_ynode_is(key, "condition"))
			return op_fragment(&op->where, c, v, name, "condition", true);
		break;
	case RG_OP_DROP_CONSTRAINT:
		break;
	case RG_OP_BATCH_ALTER_TABLE:
		if (rg_ynode_is(key, "recreate")) {
			if (rg_ynode_is(v, "auto"))
				op->recreate = RG_OP_RECREATE_AUTO;
			else if (rg_ynode_is(v, "always"))
				op->recreate = RG_OP_RECREATE_ALWAYS;
			else if (rg_ynode_is(v, "never"))
				op->recreate = RG_OP_RECREATE_NEVER;
			else
				return rg_error_set(RG_EINVALID, "%s:%zu: %s: 'recreate' must be auto, always or never",
						    c->path, node_line(c, v), name);
			return 0;
		}
		if (rg_ynode_is(key, "ops"))
			return read_batch_ops(op, c, doc, v);
		break;
	}
	return RG_ENOTFOUND;
}

/* What every operation must have once all its keys are read. */
static int check_op(const struct rg_op *op, const struct ctx *c)
{
	const char *name = rg_op_name(op->kind);
	const char *missing = NULL;

	if (op->kind == RG_OP_CREATE_TABLE && !op->ncols)
		missing = "columns";
	else if (op->kind == RG_OP_RENAME_TABLE && !op->new_name)
		missing = "new_name";
	else if (op->kind == RG_OP_ADD_COLUMN && !op->ncols)
		missing = "column";
	else if (op->kind == RG_OP_CREATE_INDEX && !op->table)
		missing = "table";
	else if (op->kind == RG_OP_CREATE_INDEX && !op->idx_cols.n && !op->idx_exprs.n)
		missing = "columns' or 'expressions";
	else if ((op->kind == RG_OP_DROP_COLUMN || op->kind == RG_OP_ALTER_COLUMN) && !op->column)
		missing = "column";
	else if ((op->kind == RG_OP_CREATE_FOREIGN_KEY || op->kind == RG_OP_CREATE_UNIQUE_CONSTRAINT ||
		  op->kind == RG_OP_CREATE_CHECK_CONSTRAINT || op->kind == RG_OP_DROP_CONSTRAINT) && !op->table)
		missing = "table";
	else if ((op->kind == RG_OP_CREATE_FOREIGN_KEY || op->kind == RG_OP_CREATE_UNIQUE_CONSTRAINT) &&
		 !op->idx_cols.n)
		missing = "columns";
	else if (op->kind == RG_OP_CREATE_FOREIGN_KEY && !op->ref_table)
		missing = "referent_table";
	else if (op->kind == RG_OP_CREATE_FOREIGN_KEY && !op->ref_cols.n)
		missing = "referent_columns";
	else if (op->kind == RG_OP_CREATE_CHECK_CONSTRAINT && !op->where)
		missing = "condition";
	else if (op->kind == RG_OP_BATCH_ALTER_TABLE && !op->batch)
		missing = "ops";
	if (missing)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: missing '%s'", c->path, op->line, name, missing);
	if (op->kind == RG_OP_CREATE_FOREIGN_KEY && op->idx_cols.n != op->ref_cols.n)
		return rg_error_set(RG_EINVALID, "%s:%zu: %s: 'columns' and 'referent_columns' must be as long as each other",
				    c->path, op->line, name);
	if (op->kind == RG_OP_ALTER_COLUMN) {
		const struct rg_op_column *col = &op->cols[0];

		if (!col->type && col->nullable < 0 && col->default_kind == RG_DEFAULT_NONE &&
		    !op->drop_default && !op->new_name)
			return rg_error_set(RG_EINVALID,
					    "%s:%zu: %s: nothing to change: give 'type', 'nullable', 'default', 'drop_default' or 'new_name'",
					    c->path, op->line, name);
		if (col->default_kind != RG_DEFAULT_NONE && op->drop_default)
			return rg_error_set(RG_EINVALID, "%s:%zu: %s: 'default' and 'drop_default' together",
					    c->path, op->line, name);
		if (op->using_expr && !col->type)
			return rg_error_set(RG_EINVALID, "%s:%zu: %s: 'using' without 'type'", c->path,
					    op->line, name);
	}
	return 0;
}

/* Can operation `kind` be one of batch_alter_table's `ops`? */
static bool batch_kind(enum rg_op_kind kind)
{
	return kind == RG_OP_ADD_COLUMN || kind == RG_OP_DROP_COLUMN || kind == RG_OP_ALTER_COLUMN ||
	       kind == RG_OP_CREATE_FOREIGN_KEY || kind == RG_OP_CREATE_UNIQUE_CONSTRAINT ||
	       kind == RG_OP_CREATE_CHECK_CONSTRAINT || kind == RG_OP_DROP_CONSTRAINT;
}

/*
 * The value of the operation key: the table, index or constraint name, or
 * (inside a batch, where the table is the batch's) the column of
 * drop_column/alter_column and the column mapping of add_column.
 */
static int read_op_value(struct rg_op *op, const struct ctx *c, yaml_document_t *doc,
			 const yaml_node_t *v, const struct rg_op *batch, size_t *col_alloc)
{
	const char *name = rg_op_name(op->kind);
	char **to = &op->table;
	int err;

	if (op->kind == RG_OP_ALTER_COLUMN) {
		/* the changes live in one column record */
		if (RG_GROW(op->cols, 1, *col_alloc))
			return RG_ENOMEM;
		memset(&op->cols[0], 0, sizeof(op->cols[0]));
		op->cols[0].nullable = -1;
		op->cols[0].autoincrement = -1;
		op->cols[0].line = op->line;
		op->ncols = 1;
	}
	if (batch) {
		if (!(op->table = rg_strdup(batch->table)))
			return RG_ENOMEM;
		if (op->kind == RG_OP_ADD_COLUMN)
			return push_column(op, c, doc, v, col_alloc);
		if (op->kind == RG_OP_DROP_COLUMN || op->kind == RG_OP_ALTER_COLUMN) {
			if ((err = op_text(&op->column, c, v, name, name)))
				return err;
			if (op->kind == RG_OP_ALTER_COLUMN && !(op->cols[0].name = rg_strdup(op->column)))
				return RG_ENOMEM;
			return 0;
		}
	}
	if (op->kind == RG_OP_CREATE_INDEX || op->kind == RG_OP_DROP_INDEX ||
	    op->kind == RG_OP_CREATE_FOREIGN_KEY || op->kind == RG_OP_CREATE_UNIQUE_CONSTRAINT ||
	    op->kind == RG_OP_CREATE_CHECK_CONSTRAINT || op->kind == RG_OP_DROP_CONSTRAINT)
		to = &op->name;
	return op_text(to, c, v, name, name);
}

/*
 * One entry of an operation list: a mapping with one operation key (`sql`,
 * `create_table`, ...) and that operation's other keys.  `batch` is the
 * batch_alter_table whose `ops:` hold the entry, or NULL.
 */
static int read_operation(struct rg_op *op, const struct ctx *c, yaml_document_t *doc,
			  const yaml_node_t *item, const struct rg_op *batch)
{
	const yaml_node_t *opkey = NULL, *opval = NULL;
	yaml_node_pair_t *pair;
	size_t col_alloc = 0;
	int err;

	op->dialect = -1;
	if (item->type != YAML_MAPPING_NODE)
		return rg_error_set(RG_EINVALID, "%s:%zu: an operation must be a mapping such as 'sql: ...'",
				    c->path, node_line(c, item));
	/* find the operation's name first: its other keys may come before it */
	for (pair = item->data.mapping.pairs.start; pair < item->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		enum rg_op_kind kind;

		if (key->type != YAML_SCALAR_NODE)
			return rg_error_set(RG_EINVALID, "%s:%zu: an operation name must be a string",
					    c->path, node_line(c, key));
		if (!op_kind_of(key, &kind))
			continue;
		if (batch && !batch_kind(kind))
			return rg_error_set(RG_EINVALID,
					    "%s:%zu: batch_alter_table: '%s' cannot be one of its 'ops' (only column and constraint operations)",
					    c->path, node_line(c, key), rg_op_name(kind));
		if (opkey)
			return rg_error_set(RG_EINVALID, "%s:%zu: two operations ('%s' and '%s') in one list item",
					    c->path, node_line(c, key), rg_op_name(op->kind),
					    rg_op_name(kind));
		opkey = key;
		opval = yaml_document_get_node(doc, pair->value);
		op->kind = kind;
		op->line = node_line(c, key);
	}
	if (!opkey) {
		for (pair = item->data.mapping.pairs.start; pair < item->data.mapping.pairs.top; pair++) {
			const yaml_node_t *key = yaml_document_get_node(doc, pair->key);

			if (!rg_ynode_is(key, "dialect"))
				return rg_error_set(RG_EUNSUPPORTED,
						    "%s:%zu: operation '%.*s' is not supported by this version of revgraph; write it as 'sql:'",
						    c->path, node_line(c, key), (int)key->data.scalar.length,
						    (const char *)key->data.scalar.value);
		}
		return rg_error_set(RG_EINVALID, "%s:%zu: operation without 'sql'", c->path,
				    node_line(c, item));
	}
	if (op->kind == RG_OP_SQL) {
		if (!rg_ynode_is_text(opval))
			return rg_error_set(RG_EINVALID, "%s:%zu: 'sql' must be a string", c->path,
					    node_line(c, opval));
		op->sql_line = scalar_text_line(c, opval);
		if (!(op->sql = rg_ynode_strdup(opval)))
			return RG_ENOMEM;
	} else if ((err = read_op_value(op, c, doc, opval, batch, &col_alloc))) {
		return err;
	}
	for (pair = item->data.mapping.pairs.start; pair < item->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(doc, pair->value);

		if (key == opkey)
			continue;
		if (rg_ynode_key_seen_before(doc, item, pair))
			return rg_error_set(RG_EINVALID, "%s:%zu: %s: duplicate key '%.*s'", c->path,
					    node_line(c, key), rg_op_name(op->kind),
					    (int)key->data.scalar.length, (const char *)key->data.scalar.value);
		if (rg_ynode_is(key, "dialect") && batch)
			return rg_error_set(RG_EINVALID,
					    "%s:%zu: %s: 'dialect' belongs on the batch_alter_table, not on one of its ops",
					    c->path, node_line(c, key), rg_op_name(op->kind));
		if (rg_ynode_is(key, "dialect")) {
			if (rg_ynode_is(value, "sqlite"))
				op->dialect = RG_DIALECT_SQLITE;
			else if (rg_ynode_is(value, "postgresql"))
				op->dialect = RG_DIALECT_POSTGRESQL;
			else
				return rg_error_set(RG_EINVALID,
						    "%s:%zu: 'dialect' must be sqlite or postgresql",
						    c->path, node_line(c, value));
			continue;
		}
		err = read_op_key(op, c, doc, key, value, &col_alloc, batch != NULL);
		if (err == RG_ENOTFOUND)
			return rg_error_set(RG_EINVALID, "%s:%zu: %s: unknown key '%.*s'", c->path,
					    node_line(c, key), rg_op_name(op->kind),
					    (int)key->data.scalar.length, (const char *)key->data.scalar.value);
		if (err)
			return err;
	}
	return check_op(op, c);
}

/*
 * Read the `upgrade:` or `downgrade:` of `doc` into `out`.  *found tells
 * whether the key is present (null or not).
 */
static int read_ops(struct rg_ops *out, bool *found, const struct ctx *c, yaml_document_t *doc,
		    bool upgrade)
{
	const char *want = upgrade ? "upgrade" : "downgrade";
	const yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_pair_t *pair;

	*found = false;
	if (!root || root->type != YAML_MAPPING_NODE)
		return rg_error_set(RG_EINVALID, "%s:1: top level is not a mapping", c->path);
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(doc, pair->value);
		yaml_node_item_t *it;
		int err;

		if (!rg_ynode_is(key, want))
			continue;
		*found = true;
		if (rg_ynode_is_null(value))
			return 0;
		if (rg_ynode_is_text(value)) {
			if (RG_GROW(out->items, out->n + 1, out->alloc))
				return RG_ENOMEM;
			memset(&out->items[out->n], 0, sizeof(out->items[0]));
			out->items[out->n].dialect = -1;
			out->items[out->n].line = node_line(c, key);
			out->items[out->n].sql_line = scalar_text_line(c, value);
			if (!(out->items[out->n++].sql = rg_ynode_strdup(value)))
				return RG_ENOMEM;
			return 0;
		}
		if (value->type != YAML_SEQUENCE_NODE)
			return rg_error_set(RG_EINVALID, "%s:%zu: '%s' must be SQL text or a list of operations",
					    c->path, node_line(c, key), want);
		for (it = value->data.sequence.items.start; it < value->data.sequence.items.top; it++) {
			if (RG_GROW(out->items, out->n + 1, out->alloc))
				return RG_ENOMEM;
			memset(&out->items[out->n], 0, sizeof(out->items[0]));
			out->n++;
			if ((err = read_operation(&out->items[out->n - 1], c, doc,
						  yaml_document_get_node(doc, *it), NULL)))
				return err;
			if (out->items[out->n - 1].kind != RG_OP_SQL)
				out->structured = true;
		}
		return 0;
	}
	return 0;
}

/* Each operation as body parts: `sql:` as written, the others rendered once per dialect. */
static int ops_to_body(struct rg_body *out, const struct rg_ops *ops, const char *path)
{
	static const enum rg_dialect dialects[] = { RG_DIALECT_SQLITE, RG_DIALECT_POSTGRESQL };
	struct rg_str sql = RG_STR_INIT;
	size_t i, d;
	int err = 0;

	for (i = 0; !err && i < ops->n; i++) {
		const struct rg_op *op = &ops->items[i];

		for (d = 0; !err && d < 2; d++) {
			struct rg_body_part *p;

			if (op->kind == RG_OP_SQL && d)
				break;
			if (op->kind != RG_OP_SQL && op->dialect >= 0 && op->dialect != (int)dialects[d])
				continue;
			if (rg_op_needs_engine(op, dialects[d])) {
				out->needs_engine = true;
				continue;
			}
			rg_str_reset(&sql);
			if (op->kind == RG_OP_SQL)
				rg_str_adds(&sql, op->sql);
			else if ((err = rg_op_render(&sql, op, dialects[d], path)))
				break;
			if ((err = rg_str_check(&sql)) || (err = RG_GROW(out->items, out->n + 1, out->alloc)))
				break;
			p = &out->items[out->n];
			p->dialect = op->kind == RG_OP_SQL ? op->dialect : (int)dialects[d];
			p->line = op->kind == RG_OP_SQL ? op->sql_line : op->line;
			if (!(p->sql = rg_strdup(sql.buf))) {
				err = RG_ENOMEM;
				break;
			}
			out->n++;
		}
	}
	rg_str_release(&sql);
	return err;
}

/* The top-level `lock_timeout:` of `doc`, into body->lock_timeout. */
static int read_lock_timeout(struct rg_body *body, const struct ctx *c, yaml_document_t *doc)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc);
	yaml_node_pair_t *pair;

	if (!root || root->type != YAML_MAPPING_NODE)
		return 0;
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(doc, pair->value);

		if (!rg_ynode_is(key, "lock_timeout"))
			continue;
		if (!rg_ynode_is_text(value) || !rg_lock_timeout_valid((const char *)value->data.scalar.value))
			return rg_error_set(RG_EINVALID,
					    "%s:%zu: 'lock_timeout' must be a whole number with an optional unit ms, s or min",
					    c->path, node_line(c, key));
		body->lock_timeout_line = node_line(c, key);
		body->lock_timeout = rg_ynode_strdup(value);
		return body->lock_timeout ? 0 : RG_ENOMEM;
	}
	return 0;
}

static int doc_ops(struct rg_ops *out, struct rg_body *body, const char *path, const char *text,
		   size_t len, bool upgrade)
{
	struct rg_ops up = { 0 };
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ctx c;
	bool found;
	int err;

	c.path = path;
	if ((err = rg_yamlrev_load(&parser, &doc, path, text, len)))
		return err;
	err = body ? read_lock_timeout(body, &c, &doc) : 0;
	if (!err)
		err = read_ops(out, &found, &c, &doc, upgrade);
	/* no `downgrade:` at all: derived from an upgrade made of operations */
	if (!err && !upgrade && !found) {
		err = read_ops(&up, &found, &c, &doc, true);
		if (!err && up.structured)
			err = rg_ops_invert(out, &up, path);
	}
	rg_ops_release(&up);
	if (err)
		rg_ops_release(out);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return err;
}

int rg_yamlrev_ops(struct rg_ops *out, const char *path, const char *text, size_t len,
		   bool upgrade)
{
	return doc_ops(out, NULL, path, text, len, upgrade);
}

int rg_yamlrev_read(struct rg_ops *out, struct rg_body *meta, const char *path, const char *text,
		    size_t len, bool upgrade)
{
	return doc_ops(out, meta, path, text, len, upgrade);
}

int rg_yamlrev_body(struct rg_body *out, const char *path, const char *text, size_t len,
		    bool upgrade)
{
	struct rg_ops ops = { 0 };
	int err;

	err = doc_ops(&ops, out, path, text, len, upgrade);
	if (!err)
		err = ops_to_body(out, &ops, path);
	if (err)
		rg_body_release(out);
	rg_ops_release(&ops);
	return err;
}

void rg_rev_bodies_free(struct rg_rev_bodies *b)
{
	if (!b)
		return;
	rg_body_release(&b->up);
	rg_body_release(&b->down);
	free(b);
}

/* A .sql file's section as a body: no part when it has none. */
static int sql_body(struct rg_body *out, const char *text, size_t len, bool upgrade)
{
	char *section = NULL;
	size_t line = 0;
	int err;

	if ((err = rg_sqlrev_section_at(&section, &line, text, len, upgrade)) || !section)
		return err;
	if (RG_GROW(out->items, 1, out->alloc)) {
		free(section);
		return RG_ENOMEM;
	}
	out->items[0].sql = section;
	out->items[0].line = line;
	out->items[0].dialect = -1;
	out->n = 1;
	return 0;
}

int rg_rev_bodies_read(struct rg_rev_bodies **out, enum rg_revfile_kind kind, const char *path,
		       const char *text, size_t len)
{
	struct rg_rev_bodies *b;
	int err = 0;

	*out = NULL;
	if (!(b = rg_calloc(1, sizeof(*b))))
		return RG_ENOMEM;
	if (kind == RG_REVFILE_SQL) {
		if (!(err = sql_body(&b->up, text, len, true)))
			err = sql_body(&b->down, text, len, false);
	} else if (!(err = rg_yamlrev_body(&b->up, path, text, len, true))) {
		err = rg_yamlrev_body(&b->down, path, text, len, false);
	}
	if (!err && (b->up.needs_engine || b->down.needs_engine)) {
		/* not cached: the runner reads these operations from the file */
		rg_rev_bodies_free(b);
		return 0;
	}
	if (!err)
		*out = b;
	else
		rg_rev_bodies_free(b);
	return err == RG_ENOMEM ? err : 0;
}
