/*
 * What a revision step runs: the one reader of its body (body.h), from the
 * header cache when it holds the body, else from the file, filtered for
 * the dialect at hand; and the runner's loading of it (migrate_int.h) into
 * checked statements and SQLite rebuild-engine calls.  --sql rendered
 * ahead (render_offline.c) reads bodies through the same reader.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "body.h"
#include "fsutil.h"
#include "migrate_int.h"
#include "ops.h"
#include "sqlsplit.h"
#include "revgraph/str.h"
#include "revgraph/common.h"
#include "yamlrev.h"
#include "banned.h"

int rg_body_file_error(int err, const char *path)
{
	struct rg_str msg = RG_STR_INIT;

	if (err == RG_ENOMEM)
		return err;
	rg_str_addf(&msg, "%s:%s", path, rg_error_last());
	err = rg_error_set(err, "%s", rg_str_check(&msg) ? rg_error_last() : msg.buf);
	rg_str_release(&msg);
	return err;
}

/* An Alembic .py revision's body: nothing to run for a no-op, else a refusal. */
static int python_body(const struct rg_revision *rev, bool upgrade)
{
	if (rev->body_is_noop)
		return 0;
	return rg_error_set(RG_EUNSUPPORTED,
			    "%s: %s() is Python code, which revgraph cannot run; run this revision with Alembic, or stamp past it",
			    rev->path, upgrade ? "upgrade" : "downgrade");
}

int rg_body_reader_read(struct rg_body_reader *br, const struct rg_revision *rev, bool upgrade)
{
	size_t len, line = 0;
	int err;

	if (rev->kind == RG_REVFILE_PY)
		return python_body(rev, upgrade);
	if ((err = rg_fs_read(&br->text, &len, rev->path)))
		return err;
	if (rev->kind != RG_REVFILE_SQL) {
		br->yaml = br->text;
		br->yaml_len = len;
		return 0;
	}
	if ((err = rg_sqlrev_section_at(&br->section_text, &line, br->text, len, upgrade)))
		return rg_body_file_error(err, rev->path);
	if (br->section_text) {
		br->part.sql = br->section_text;
		br->part.line = line;
		br->part.dialect = -1;
	}
	memset(&br->section, 0, sizeof(br->section));
	br->section.items = &br->part;
	br->section.n = br->section_text != NULL;
	br->body = &br->section;
	return 0;
}

void rg_body_reader_free_text(struct rg_body_reader *br)
{
	free(br->section_text);
	free(br->text);
}

static int split_into(struct rg_sql_script *out, const char *path, const char *sql, size_t line,
		      enum rg_dialect dialect)
{
	struct rg_sql_script part = { 0 };
	size_t i;
	int err;

	if ((err = rg_sql_split(&part, sql, strlen(sql), dialect, (int)line)))
		return rg_body_file_error(err, path);
	for (i = 0; i < part.n; i++) {
		if (RG_GROW(out->items, out->n + 1, out->alloc)) {
			err = RG_ENOMEM;
			break;
		}
		out->items[out->n++] = part.items[i];
		part.items[i].text = NULL;
	}
	rg_sql_script_release(&part);
	return err;
}

/*
 * PostgreSQL: `SET lock_timeout` first in a body that runs statements, from
 * the revision's `lock_timeout:` or else revgraph.ddl_lock_timeout, so that
 * DDL waiting on a busy table fails fast; `RESET lock_timeout` after an
 * earlier body set one and neither applies here.  That statement, for a
 * body of `n` statements, into `sql` (nothing when none applies).
 */
void rg_migrate_lock_timeout_statement(struct rg_str *sql, struct runner *r,
				       const char *rev_value, size_t n)
{
	const char *v = rev_value ? rev_value : r->cfg->ddl_lock_timeout;

	if (r->dialect != RG_DIALECT_POSTGRESQL || !n || (!v && !r->ddl_timeout_set))
		return;
	if (v)
		rg_str_addf(sql, "SET lock_timeout = '%s'", v);
	else
		rg_str_adds(sql, "RESET lock_timeout");
	r->ddl_timeout_set = v != NULL;
}

/* Put the lock_timeout statement of the body `out` first in it. */
static int add_lock_timeout(struct rg_sql_script *out, struct runner *r, const char *rev_value,
			    size_t line)
{
	struct rg_str sql = RG_STR_INIT;
	int err;

	rg_migrate_lock_timeout_statement(&sql, r, rev_value, out->n);
	if (!sql.len)
		return rg_str_check(&sql);
	if ((err = rg_str_check(&sql)) || (err = RG_GROW(out->items, out->n + 1, out->alloc))) {
		rg_str_release(&sql);
		return err ? err : RG_ENOMEM;
	}
	memmove(out->items + 1, out->items, out->n * sizeof(out->items[0]));
	out->items[0].text = rg_str_detach(&sql);
	out->items[0].line = (int)line;
	out->n++;
	return 0;
}

/*
 * The operations of a YAML file: SQL as written, the others rendered for
 * the dialect, and on SQLite those of the rebuild engine kept as engine
 * calls between the statements.
 */
static int load_ops(struct rg_sql_script *out, struct step_engine *eng, struct runner *r,
		    const struct rg_revision *rev, struct rg_body *meta, const char *text, size_t len,
		    bool upgrade)
{
	struct rg_ops ops = { 0 };
	struct rg_str sql = RG_STR_INIT;
	size_t i;
	int err;

	if ((err = rg_yamlrev_read(&ops, meta, rev->path, text, len, upgrade)))
		return err;
	for (i = 0; !err && i < ops.n; i++) {
		const struct rg_op *op = &ops.items[i];

		if (op->dialect >= 0 && op->dialect != (int)r->dialect)
			continue;
		if (op->kind == RG_OP_SQL) {
			err = split_into(out, rev->path, op->sql, op->sql_line, r->dialect);
		} else if (rg_op_needs_engine(op, r->dialect)) {
			struct engine_call *c;

			if (RG_GROW(eng->calls, eng->n + 1, eng->alloc)) {
				err = RG_ENOMEM;
				break;
			}
			c = &eng->calls[eng->n++];
			memset(c, 0, sizeof(*c));
			c->at = out->n;
			c->line = op->line;
			err = rg_op_alters(&c->alters, op);
		} else {
			rg_str_reset(&sql);
			if (!(err = rg_op_render(&sql, op, r->dialect, rev->path)))
				err = split_into(out, rev->path, sql.buf, op->line, r->dialect);
		}
	}
	rg_str_release(&sql);
	/* the calls point into the operations: they live as long as the step */
	eng->ops = ops;
	return err;
}

/* The statements a revision step runs, read and checked before anything runs. */
int rg_migrate_load_body(struct rg_sql_script *out, struct step_engine *eng, struct runner *r,
		     const struct rg_step *s)
{
	const struct rg_revision *rev = rg_revmap_node(r->map, s->rev)->rev;
	struct rg_body_reader br;
	struct rg_body meta = { 0 };
	const struct rg_body *timeout;	/* where the revision's lock_timeout is */
	const struct rg_body_part *part;
	size_t i, before;
	int err;

	if ((err = rg_body_reader_open(&br, rev, s->upgrade, r->dialect)))
		goto out;
	timeout = br.body ? br.body : &meta;
	if (br.yaml) {
		timeout = &meta;
		err = load_ops(out, eng, r, rev, &meta, br.yaml, br.yaml_len, s->upgrade);
	}
	while (!err && (part = rg_body_reader_next(&br)))
		err = split_into(out, rev->path, part->sql, part->line, r->dialect);
	for (i = 0; !err && i < out->n; i++)
		err = rg_migrate_check_statement(rev, out->items[i].text, strlen(out->items[i].text),
						  out->items[i].line, r->dialect);
	before = out->n;
	if (!err)
		err = add_lock_timeout(out, r, timeout->lock_timeout, timeout->lock_timeout_line);
	/* a statement put first moves the engine calls along */
	for (i = 0; !err && out->n > before && i < eng->n; i++)
		eng->calls[i].at += out->n - before;
out:
	rg_body_release(&meta);
	rg_body_reader_release(&br);
	return err;
}
