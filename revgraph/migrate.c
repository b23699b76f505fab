/*
 * The migration runner (revgraph/include/revgraph/migrate.h): reads the
 * version table, plans, checks what every step will run, then applies the
 * steps through a database backend (or the offline SQL writer), keeping the
 * version table as Alembic's HeadMaintainer keeps it.  What a step runs is
 * read by body.c, rendered ahead for --sql by render_offline.c, and the
 * SQLite rebuild engine is called by migrate_engine.c (migrate_int.h).
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sqlite_api.h"
#include "db_impl.h"
#include "migrate_int.h"
#include "sqlsplit.h"
#include "walk.h"
#include "revgraph/migrate.h"
#include "revgraph/resolve.h"
#include "banned.h"

static void log_line(const struct runner *r, const char *level, const char *msg)
{
	if (r->o->log)
		r->o->log(r->o->log_ctx, level, "alembic.runtime.migration", msg);
}

void rg_migrate_log_context(const struct rg_config *cfg, enum rg_dialect dialect, bool offline,
			    rg_log_fn *log, void *ctx)
{
	bool tx = cfg->transactional_ddl >= 0 ? cfg->transactional_ddl : dialect == RG_DIALECT_POSTGRESQL;

	if (!log)
		return;
	log(ctx, "INFO", "alembic.runtime.migration",
	    dialect == RG_DIALECT_POSTGRESQL ? "Context impl PostgresqlImpl." : "Context impl SQLiteImpl.");
	if (offline)
		log(ctx, "INFO", "alembic.runtime.migration", "Generating static SQL");
	log(ctx, "INFO", "alembic.runtime.migration",
	    tx ? "Will assume transactional DDL." : "Will assume non-transactional DDL.");
}

/* SQLAlchemy quotes a name unless it is lower case, plain and not reserved. */
static bool needs_quotes(const char *name)
{
	static const char *const reserved[] = {
		"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
		"authorization", "between", "binary", "both", "case", "cast", "check", "collate",
		"column", "constraint", "create", "cross", "current_date", "current_role",
		"current_time", "current_timestamp", "current_user", "default", "deferrable", "desc",
		"distinct", "do", "else", "end", "except", "false", "for", "foreign", "freeze", "from",
		"full", "grant", "group", "having", "ilike", "in", "initially", "inner", "intersect",
		"into", "is", "isnull", "join", "leading", "left", "like", "limit", "localtime",
		"localtimestamp", "natural", "new", "not", "notnull", "null", "off", "offset", "old",
		"on", "only", "or", "order", "outer", "overlaps", "placing", "primary", "references",
		"right", "select", "session_user", "similar", "some", "symmetric", "table", "then",
		"to", "trailing", "true", "union", "unique", "user", "using", "verbose", "when",
		"where"
	};
	const char *p;
	size_t i;

	if (!((*name >= 'a' && *name <= 'z') || *name == '_'))
		return true;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '$'))
			return true;
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(name, reserved[i]))
			return true;
	return false;
}

/* A name as SQLAlchemy writes it (its rule, not rg_sql_add_ident()'s wider one). */
static void add_ident(struct rg_str *out, const char *name)
{
	if (needs_quotes(name))
		rg_sql_add_quoted(out, name);
	else
		rg_str_adds(out, name);
}

static const char *id_of(const struct runner *r, size_t idx)
{
	return rg_revmap_node(r->map, idx)->rev->id;
}

static int exec_sql(struct runner *r, long *changes)
{
	int err = rg_str_check(&r->sql);

	return err ? err : rg_db_exec(r->db, r->sql.buf, changes);
}

static int create_table(struct runner *r)
{
	rg_str_reset(&r->sql);
	rg_str_addf(&r->sql, "CREATE TABLE %s (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT ",
		    r->table.buf);
	/* the primary key is named after the table alone, as Alembic does */
	{
		struct rg_str pk = RG_STR_INIT;

		rg_str_addf(&pk, "%s_pkc", r->cfg->version_table);
		add_ident(&r->sql, pk.buf);
		rg_str_release(&pk);
	}
	rg_str_adds(&r->sql, " PRIMARY KEY (version_num)\n)\n\n");
	return exec_sql(r, NULL);
}

/* Create the version table unless it exists (online). */
static int ensure_table(struct runner *r)
{
	bool exists;
	int err;

	if (r->offline)
		return create_table(r);
	if ((err = rg_db_table_exists(r->db, r->cfg->version_table_schema, r->cfg->version_table,
				      &exists)))
		return err;
	return exists ? 0 : create_table(r);
}

static int rowcount_error(const struct runner *r, const char *what, long n)
{
	return rg_error_set(RG_EDATABASE,
			    "Online migration expected to match one row when %s in '%s'; %ld found",
			    what, r->cfg->version_table, n);
}

static int vt_insert(struct runner *r, size_t rev)
{
	int err;

	/* once per step of a --sql run: built without printf */
	rg_str_reset(&r->sql);
	rg_str_adds(&r->sql, "INSERT INTO ");
	rg_str_adds(&r->sql, r->table.buf);
	rg_str_adds(&r->sql, " (version_num) VALUES (");
	rg_sql_add_literal(&r->sql, id_of(r, rev));
	rg_str_addch(&r->sql, ')');
	if (r->dialect == RG_DIALECT_POSTGRESQL) {
		rg_str_adds(&r->sql, " RETURNING ");
		rg_str_adds(&r->sql, r->table.buf);
		rg_str_adds(&r->sql, ".version_num");
	}
	if ((err = exec_sql(r, NULL)))
		return err;
	return rg_idx_list_push(&r->heads, rev);
}

static void heads_remove(struct runner *r, size_t rev)
{
	size_t i, kept;

	for (i = kept = 0; i < r->heads.n; i++)
		if (r->heads.items[i] != rev)
			r->heads.items[kept++] = r->heads.items[i];
	r->heads.n = kept;
}

static int vt_delete(struct runner *r, size_t rev)
{
	long n = -1;
	int err;

	rg_str_reset(&r->sql);
	rg_str_adds(&r->sql, "DELETE FROM ");
	rg_str_adds(&r->sql, r->table.buf);
	rg_str_adds(&r->sql, " WHERE ");
	rg_str_adds(&r->sql, r->table.buf);
	rg_str_adds(&r->sql, ".version_num = ");
	rg_sql_add_literal(&r->sql, id_of(r, rev));
	if ((err = exec_sql(r, &n)))
		return err;
	if (!r->offline && n != 1) {
		struct rg_str what = RG_STR_INIT;

		rg_str_addf(&what, "deleting '%s'", id_of(r, rev));
		err = rowcount_error(r, what.buf, n);
		rg_str_release(&what);
		return err;
	}
	heads_remove(r, rev);
	return 0;
}

static int vt_update(struct runner *r, size_t from, size_t to)
{
	long n = -1;
	size_t i;
	int err;

	rg_str_reset(&r->sql);
	rg_str_adds(&r->sql, "UPDATE ");
	rg_str_adds(&r->sql, r->table.buf);
	rg_str_adds(&r->sql, " SET version_num=");
	rg_sql_add_literal(&r->sql, id_of(r, to));
	rg_str_adds(&r->sql, " WHERE ");
	rg_str_adds(&r->sql, r->table.buf);
	rg_str_adds(&r->sql, ".version_num = ");
	rg_sql_add_literal(&r->sql, id_of(r, from));
	if ((err = exec_sql(r, &n)))
		return err;
	if (!r->offline && n != 1) {
		struct rg_str what = RG_STR_INIT;

		rg_str_addf(&what, "updating '%s' to '%s'", id_of(r, from), id_of(r, to));
		err = rowcount_error(r, what.buf, n);
		rg_str_release(&what);
		return err;
	}
	for (i = 0; i < r->heads.n; i++)
		if (r->heads.items[i] == from)
			r->heads.items[i] = to;
	return 0;
}

/* Alembic's _normalized_down_revisions: parents, then normalised dependencies. */
static int down_of(struct rg_idx_list *out, const struct rg_revmap *map, size_t rev)
{
	const struct rg_node *nd = rg_revmap_node(map, rev);
	size_t i;
	int err = 0;

	out->n = 0;
	for (i = 0; i < nd->down.n && !err; i++)
		if (!rg_idx_list_has(out, nd->down.items[i]))
			err = rg_idx_list_push(out, nd->down.items[i]);
	for (i = 0; i < nd->ndeps.n && !err; i++)
		if (!rg_idx_list_has(out, nd->ndeps.items[i]))
			err = rg_idx_list_push(out, nd->ndeps.items[i]);
	return err;
}

/*
 * The members of `d` that are not ancestors (dependencies included) of the
 * rows other than `rev`.  With no other rows, the members that are not
 * ancestors of other members (Alembic 1.13.1's fix: 1.8.1 keeps them all
 * and leaves overlapping rows behind).
 */
static int unmerge_targets(struct rg_idx_list *out, const struct runner *r, size_t rev,
			   const struct rg_idx_list *d)
{
	struct rg_idx_list others = { 0 };
	struct rg_bitset anc = { 0 };
	size_t i, j;
	int err;

	out->n = 0;
	for (i = 0; i < r->heads.n; i++)
		if (r->heads.items[i] != rev && (err = rg_idx_list_push(&others, r->heads.items[i])))
			goto out;
	if ((err = rg_bitset_init(&anc, rg_revmap_count(r->map))))
		goto out;
	if (others.n) {
		if ((err = rg_walk_mark(&anc, r->map, others.items, others.n, RG_WALK_DOWN_DEPS, false)))
			goto out;
	} else {
		for (i = 0; i < d->n; i++) {
			const struct rg_idx_list *down = &rg_revmap_node(r->map, d->items[i])->down;
			const struct rg_idx_list *deps = &rg_revmap_node(r->map, d->items[i])->ndeps;

			/* strict ancestors of each member */
			if ((err = rg_walk_mark(&anc, r->map, down->items, down->n, RG_WALK_DOWN_DEPS, false)) ||
			    (err = rg_walk_mark(&anc, r->map, deps->items, deps->n, RG_WALK_DOWN_DEPS, false)))
				goto out;
		}
	}
	for (j = 0; j < d->n; j++)
		if (!rg_bitset_has(&anc, d->items[j]) && (err = rg_idx_list_push(out, d->items[j])))
			goto out;
out:
	rg_idx_list_release(&others);
	rg_bitset_release(&anc);
	return err;
}

static int apply_upgrade(struct runner *r, size_t rev, const struct rg_idx_list *d)
{
	struct rg_idx_list f = { 0 };
	size_t i;
	int err = 0;

	for (i = 0; i < d->n; i++)
		if (rg_idx_list_has(&r->heads, d->items[i]) && (err = rg_idx_list_push(&f, d->items[i])))
			goto out;
	if (!f.n) {
		err = vt_insert(r, rev);	/* a new branch */
		goto out;
	}
	/*
	 * A merge deletes all but one of the parents in the table and moves
	 * that one; a plain step moves its one parent.  Only rows are touched,
	 * where Alembic 1.8.1 also tries parents an ancestor already absorbed.
	 */
	for (i = 0; i + 1 < f.n && !err; i++)
		err = vt_delete(r, f.items[i]);
	if (!err)
		err = vt_update(r, f.items[f.n - 1], rev);
out:
	rg_idx_list_release(&f);
	return err;
}

static int apply_downgrade(struct runner *r, size_t rev, const struct rg_idx_list *d)
{
	struct rg_idx_list u = { 0 };
	size_t i;
	int err;

	if (!rg_idx_list_has(&r->heads, rev))
		return rg_error_set(RG_EINVALID,
				    "cannot downgrade %s: it is not in the version table '%s'",
				    id_of(r, rev), r->cfg->version_table);
	if (!d->n)
		return vt_delete(r, rev);
	if ((err = unmerge_targets(&u, r, rev, d)))
		goto out;
	if (!u.n) {
		err = vt_delete(r, rev);	/* what is left is implied by other rows */
		goto out;
	}
	for (i = 0; i + 1 < u.n && !err; i++)
		err = vt_insert(r, u.items[i]);
	if (!err)
		err = vt_update(r, rev, u.items[u.n - 1]);
out:
	rg_idx_list_release(&u);
	return err;
}

static int apply_stamp(struct runner *r, const struct rg_step *s)
{
	bool from_gone = false, to_new;
	size_t i, last;
	int err = 0;

	if (!s->upgrade && s->branch_move)
		return vt_delete(r, s->from.items[0]);
	for (i = 0; i < s->from.n; i++)
		from_gone = from_gone || !rg_idx_list_has(&r->heads, s->from.items[i]);
	to_new = !rg_idx_list_has(&r->heads, s->to.items[0]);
	if (s->upgrade && (s->branch_move || from_gone) && to_new)
		return vt_insert(r, s->to.items[0]);
	/* merge (several rows into one) or a plain move */
	last = s->from.n;
	while (last > 0 && !rg_idx_list_has(&r->heads, s->from.items[last - 1]))
		last--;
	for (i = 0; i + 1 < last && !err; i++)
		if (rg_idx_list_has(&r->heads, s->from.items[i]))
			err = vt_delete(r, s->from.items[i]);
	if (err || !last)
		return err;
	if (!to_new)	/* the target is a row already: Alembic 1.8.1 fails an assertion */
		return vt_delete(r, s->from.items[last - 1]);
	return vt_update(r, s->from.items[last - 1], s->to.items[0]);
}

static int apply_step(struct runner *r, const struct rg_step *s)
{
	struct rg_idx_list d = { 0 };
	int err;

	if (s->stamp)
		return apply_stamp(r, s);
	if ((err = down_of(&d, r->map, s->rev)))
		return err;
	err = s->upgrade ? apply_upgrade(r, s->rev, &d) : apply_downgrade(r, s->rev, &d);
	rg_idx_list_release(&d);
	return err;
}

/* --sql: write the rendered statements of step `k`, after the lock_timeout statement it gets. */
static int output_body(struct runner *r, size_t k)
{
	const struct framed *f = &r->framed[k];
	int err;

	rg_str_reset(&r->sql);
	rg_migrate_lock_timeout_statement(&r->sql, r, f->lock_timeout, f->n);
	if ((err = rg_str_check(&r->sql)) || (r->sql.len && (err = exec_sql(r, NULL))))
		return err;
	rg_db_output_framed(r->db, f->buf->buf + f->off, f->len);
	return 0;
}

static int tx_begin(struct runner *r)
{
	int err = rg_db_begin(r->db);

	r->in_tx = !err;
	return err;
}

static int tx_commit(struct runner *r)
{
	r->in_tx = false;
	return rg_db_commit(r->db);
}

/* Prefix a failure of the statement or operation at `line` of `path`. */
int rg_migrate_line_error(int err, const char *path, size_t line, const char *detail)
{
	struct rg_str msg = RG_STR_INIT;

	if (err == RG_ENOMEM)
		return err;
	rg_str_addf(&msg, "%s:%zu: %s", path, line, rg_error_last());
	if (!rg_str_check(&msg)) {
		err = rg_error_set(err, "%s", msg.buf);
		if (detail)
			rg_error_set_detail("%s", detail);
	}
	rg_str_release(&msg);
	return err;
}

/* Run the statements and engine calls of step `k`, reporting a failure as file:line. */
static int run_statements(struct runner *r, size_t k)
{
	const struct rg_sql_script *body;
	const struct step_engine *eng;
	const struct rg_revision *rev = rg_revmap_node(r->map, r->plan.items[k].rev)->rev;
	size_t i, ci = 0;
	int err;

	if (r->framed)
		return output_body(r, k);
	body = &r->bodies[k];
	eng = &r->engine[k];
	for (i = 0; i <= body->n; i++) {
		for (; ci < eng->n && eng->calls[ci].at == i; ci++) {
			err = r->offline ? rg_migrate_engine_run_offline(r, &eng->calls[ci], rev->path)
					 : rg_migrate_engine_run(r, &eng->calls[ci], rev->path);
			if (err)
				return err;
		}
		if (i == body->n)
			break;
		if (r->mem && (err = rg_migrate_replay_exec(r, body->items[i].text, rev->path,
							    (size_t)body->items[i].line)))
			return err;
		if (!(err = rg_db_exec(r->db, body->items[i].text, NULL)))
			continue;
		if (err == RG_EDATABASE)
			err = rg_migrate_line_error(err, rev->path, (size_t)body->items[i].line, body->items[i].text);
		return err;
	}
	return 0;
}

static int run_step(struct runner *r, size_t k)
{
	const struct rg_step *s = &r->plan.items[k];
	bool autocommit = !s->stamp && rg_revmap_node(r->map, s->rev)->rev->non_transactional;
	bool own_tx;
	int err;

	/* Alembic: one transaction per step unless the run has one (transactional DDL) */
	own_tx = !r->outer && (!r->offline || r->transactional_ddl) && !autocommit;
	if (autocommit && r->in_tx && (err = tx_commit(r)))
		return err;
	if (own_tx && r->engine && r->engine[k].n && (err = rg_migrate_fk_pause(r)))
		return err;
	if (own_tx && (err = tx_begin(r)))
		return err;
	if (r->offline && !r->heads.n && (err = create_table(r)))
		return err;
	/* logged after the BEGIN and CREATE TABLE, as Alembic does: on a terminal they show before it */
	rg_str_reset(&r->sql);
	rg_str_adds(&r->sql, "Running ");
	rg_step_describe(&r->sql, r->map, s, true);
	if ((err = rg_str_check(&r->sql)))
		return err;
	log_line(r, "INFO", r->sql.buf);
	if (r->offline) {
		rg_str_reset(&r->sql);
		rg_str_adds(&r->sql, "-- Running ");
		rg_step_describe(&r->sql, r->map, s, false);
		if ((err = rg_str_check(&r->sql)))
			return err;
		rg_db_output(r->db, r->sql.buf);
	}
	if (!s->stamp && r->fk_restore && !r->offline) {
		struct rg_strlist before = RG_STRLIST_INIT;

		if (!(err = rg_migrate_fk_violations(r, &before)) && !(err = run_statements(r, k)))
			err = rg_migrate_fk_new_violations(r, rg_revmap_node(r->map, s->rev)->rev->path, &before);
		rg_strlist_release(&before);
		if (err)
			return err;
	} else if (!s->stamp && (err = run_statements(r, k))) {
		return err;
	}
	if ((err = apply_step(r, s)))
		return err;
	if (own_tx && (err = tx_commit(r)))
		return err;
	if (own_tx && !r->outer && (err = rg_migrate_fk_resume(r)))
		return err;
	if (autocommit && r->outer && (err = tx_begin(r)))
		return err;
	return 0;
}

static int qualified_table(struct rg_str *out, const struct rg_config *cfg)
{
	if (cfg->version_table_schema) {
		add_ident(out, cfg->version_table_schema);
		rg_str_addch(out, '.');
	}
	add_ident(out, cfg->version_table);
	return rg_str_check(out);
}

int rg_migrate_ensure_table(const struct rg_config *cfg, struct rg_db *db)
{
	struct runner r;
	int err;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.db = db;
	r.offline = rg_db_is_offline(db);
	rg_str_init(&r.table);
	rg_str_init(&r.sql);
	if ((err = qualified_table(&r.table, cfg)))
		goto out;
	if (!r.offline) {
		bool exists;

		/* the lock only when the table is missing: a reader need not wait for a run */
		if ((err = rg_db_table_exists(db, cfg->version_table_schema, cfg->version_table, &exists)) ||
		    exists || (err = rg_db_lock(db, r.table.buf, cfg->lock_timeout, NULL, NULL)))
			goto out;
	}
	err = ensure_table(&r);
	if (!r.offline)
		rg_db_unlock(db);
out:
	rg_str_release(&r.table);
	rg_str_release(&r.sql);
	return err;
}

int rg_migrate_read_rows(struct rg_idx_list *rows, struct rg_strlist *raw, bool skip_unknown,
			 const struct rg_config *cfg, const struct rg_revmap *map, struct rg_db *db)
{
	struct rg_strlist got = { 0 };
	struct rg_str sql = RG_STR_INIT;
	bool exists;
	size_t i, idx;
	int err;

	rows->n = 0;
	if (rg_db_is_offline(db))
		return 0;
	if ((err = rg_db_table_exists(db, cfg->version_table_schema, cfg->version_table, &exists)) ||
	    !exists)
		goto out;
	rg_str_adds(&sql, "SELECT version_num FROM ");
	if ((err = qualified_table(&sql, cfg)) || (err = rg_db_query_column(db, sql.buf, &got)))
		goto out;
	for (i = 0; i < got.n; i++) {
		if (raw && (err = rg_strlist_push(raw, got.items[i])))
			goto out;
		if (!rg_revmap_find_id(map, got.items[i], &idx)) {
			if (skip_unknown)
				continue;
			err = rg_error_set(RG_ENOTFOUND, "Can't locate revision identified by '%s'",
					   got.items[i]);
			rg_error_set_detail("the version table '%s' holds '%s', which no revision file declares; 'stamp --purge' resets it",
					    cfg->version_table, got.items[i]);
			goto out;
		}
		if ((err = rg_idx_list_push(rows, idx)))
			goto out;
	}
out:
	rg_strlist_release(&got);
	rg_str_release(&sql);
	return err;
}

/* The starting rows of an offline run: the A of A:B (Alembic's get_revision). */
static int offline_rows(struct runner *r)
{
	size_t idx;
	bool found;
	int err;

	if (!r->o->start || !strcmp(r->o->start, "base"))
		return 0;
	err = rg_resolve_one(&idx, &found, r->map, r->o->start);
	if (err == RG_EMULTIHEAD)
		err = rg_resolve_multiple_heads_error(r->o->start);
	if (err || !found)
		return err;
	return rg_idx_list_push(&r->heads, idx);
}

/*
 * Alembic's relative form "[label@][symbol](+|-)N": true when `target` has
 * that form with no symbol, i.e. it walks from the version table rows;
 * *label tells whether a branch label came first, *up the sign.
 */
static bool relative_to_rows(const char *target, bool *label, bool *up)
{
	const char *at = strchr(target, '@'), *p = at && at > target ? at + 1 : target;

	*label = p != target;
	*up = *p == '+';
	if (*p != '+' && *p != '-')
		return false;
	if (!*++p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* Resolve the target as if the rows were `rows`: 0, or its error. */
static int resolve_target(const struct runner *r, const struct rg_idx_list *rows)
{
	struct rg_idx_list targets = { 0 };
	char *label = NULL;
	bool found, multi = false;
	size_t idx;
	int err;

	if (r->o->cmd == RG_MIGRATE_UPGRADE)
		err = rg_resolve_upgrade_targets(&targets, r->map, rows, r->o->target);
	else
		err = rg_resolve_downgrade_target(&idx, &found, &label, &multi, r->map, rows, r->o->target);
	if (err == RG_EMULTIHEAD)
		err = rg_resolve_multiple_heads_error(r->o->target);
	free(label);
	rg_idx_list_release(&targets);
	return err;
}

/*
 * The version table holds a row no revision declares (the error is set).
 * Alembic parses an upgrade or downgrade target before it looks the rows
 * up, so an error of the target's comes first: an absolute target (or one
 * relative to a symbol) is resolved on its own; an upgrade to "-N" from
 * the rows is refused as such; "+N" from several rows is ambiguous before
 * any row is looked up; a downgrade to "-N" walks from the first row
 * (warning when there are several).  Everything else reports the row.
 */
static int target_error_first(struct runner *r, bool *multi_warning)
{
	const struct rg_migrate_opts *o = r->o;
	struct rg_idx_list known = { 0 }, first = { 0 };
	struct rg_strlist raw = { 0 };
	char *msg = NULL, *detail = NULL;
	bool label, up;
	size_t i, idx;
	int err;

	if ((o->cmd != RG_MIGRATE_UPGRADE && o->cmd != RG_MIGRATE_DOWNGRADE) || !o->target)
		return RG_ENOTFOUND;
	if (!(msg = rg_strdup(rg_error_last())) || !(detail = rg_strdup(rg_error_detail()))) {
		err = rg_error_set(RG_ENOMEM, "out of memory");
		goto out;
	}
	if ((err = rg_migrate_read_rows(&known, &raw, true, r->cfg, r->map, r->db)))
		goto out;
	if (!relative_to_rows(o->target, &label, &up) || (o->cmd == RG_MIGRATE_DOWNGRADE && up)) {
		err = resolve_target(r, &known);
	} else if (o->cmd == RG_MIGRATE_UPGRADE) {
		if (!up)	/* "-N" from the rows is refused whatever the rows are */
			err = resolve_target(r, &known);
		else if (!label && raw.n > 1)
			err = rg_error_set(RG_EAMBIGUOUS, "Ambiguous upgrade from multiple current revisions");
	} else if (!label && raw.n && rg_revmap_find_id(r->map, raw.items[0], &idx)) {
		for (i = 1; i < raw.n; i++)
			if (strcmp(raw.items[i], raw.items[0]))
				*multi_warning = true;
		if (!(err = rg_idx_list_push(&first, idx)))
			err = resolve_target(r, &first);
	}
	if (!err) {
		err = rg_error_set(RG_ENOTFOUND, "%s", msg);
		if (*detail)
			rg_error_set_detail("%s", detail);
	}
out:
	free(msg);
	free(detail);
	rg_idx_list_release(&known);
	rg_idx_list_release(&first);
	rg_strlist_release(&raw);
	return err;
}

static int make_plan(struct runner *r, bool *multi_warning)
{
	const struct rg_migrate_opts *o = r->o;

	switch (o->cmd) {
	case RG_MIGRATE_UPGRADE:
		return rg_plan_upgrade(&r->plan, r->map, &r->heads, o->target);
	case RG_MIGRATE_DOWNGRADE:
		return rg_plan_downgrade(&r->plan, r->map, &r->heads, o->target, multi_warning);
	case RG_MIGRATE_STAMP:
		return rg_plan_stamp(&r->plan, r->map, &r->heads, o->dests, o->n_dests);
	case RG_MIGRATE_ENSURE_VERSION:
		return 0;
	}
	return 0;
}

static void waiting(void *ctx, const char *who)
{
	const struct runner *r = ctx;
	struct rg_str msg = RG_STR_INIT;

	rg_str_addf(&msg, "Waiting for the migration lock, held by %s", who);
	if (!rg_str_check(&msg) && r->o->log)
		r->o->log(r->o->log_ctx, "INFO", "revgraph.lock", msg.buf);
	rg_str_release(&msg);
}

/* Everything after planning: check the bodies, then run the steps. */
static int run_plan(struct runner *r)
{
	size_t k;
	int err;

	bool engine = false;

	if (r->offline && rg_migrate_bodies_renderable(r)) {
		if ((err = rg_migrate_render_bodies(r)))
			return err;
	} else {
		if (r->plan.n && (!(r->bodies = rg_calloc(r->plan.n, sizeof(*r->bodies))) ||
				  !(r->engine = rg_calloc(r->plan.n, sizeof(*r->engine)))))
			return RG_ENOMEM;
		for (k = 0; k < r->plan.n; k++) {
			if (!r->plan.items[k].stamp &&
			    (err = rg_migrate_load_body(&r->bodies[k], &r->engine[k], r, &r->plan.items[k])))
				return err;
			engine = engine || r->engine[k].n;
		}
	}
	if (r->offline && r->dialect == RG_DIALECT_SQLITE && engine && (err = rg_migrate_replay_setup(r)))
		return err;
	/* one transaction for the whole run: foreign keys off before it, if a rebuild runs in it */
	if (r->outer && !r->in_tx && engine && (err = rg_migrate_fk_pause(r)))
		return err;
	if (r->outer && !r->in_tx && (err = tx_begin(r)))
		return err;
	if (r->o->purge) {
		if ((err = ensure_table(r)))
			return err;
		rg_str_reset(&r->sql);
		rg_str_addf(&r->sql, "DELETE FROM %s", r->table.buf);
		if ((err = exec_sql(r, NULL)))
			return err;
		r->heads.n = 0;
	} else if (!r->heads.n && (!r->offline || r->o->cmd == RG_MIGRATE_ENSURE_VERSION)) {
		if ((err = ensure_table(r)))
			return err;
	}
	for (k = 0; k < r->plan.n; k++)
		if ((err = run_step(r, k)))
			return err;
	if (r->offline && !r->heads.n) {
		rg_str_reset(&r->sql);
		rg_str_addf(&r->sql, "DROP TABLE %s", r->table.buf);
		if ((err = exec_sql(r, NULL)))
			return err;
	}
	if (r->in_tx && (err = tx_commit(r)))
		return err;
	return 0;
}

int rg_migrate(const struct rg_config *cfg, const struct rg_revmap *map, struct rg_db *db,
	       const struct rg_migrate_opts *opts)
{
	struct runner r;
	bool multi_warning = false, locked = false;
	size_t k;
	int err;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.map = map;
	r.db = db;
	r.o = opts;
	r.offline = rg_db_is_offline(db);
	r.dialect = rg_db_dialect(db);
	r.transactional_ddl = cfg->transactional_ddl >= 0 ? cfg->transactional_ddl
							 : r.dialect == RG_DIALECT_POSTGRESQL;
	r.outer = r.transactional_ddl && !cfg->transaction_per_migration;
	rg_str_init(&r.table);
	rg_str_init(&r.sql);
	for (k = 0; k < sizeof(r.renderers) / sizeof(r.renderers[0]); k++)
		rg_str_init(&r.renderers[k].out);
	if ((err = qualified_table(&r.table, cfg)))
		goto out;
	if (r.offline) {
		/* as Alembic: the outer BEGIN; comes first, whatever fails next */
		if (r.outer && (err = tx_begin(&r)))
			goto out;
		if (opts->purge) {
			err = rg_error_set(RG_EINVALID, "Can't use --purge with --sql mode");
			goto out;
		}
		err = offline_rows(&r);
	} else {
		if ((err = rg_db_lock(db, r.table.buf, cfg->lock_timeout, waiting, &r)))
			goto out;
		locked = true;
		/*
		 * --purge plans from an empty table: it is the way out of unknown
		 * rows.  ensure_version reads no rows at all, as Alembic.
		 */
		if (!opts->purge && opts->cmd != RG_MIGRATE_ENSURE_VERSION &&
		    (err = rg_migrate_read_rows(&r.heads, NULL, false, cfg, map, db)) == RG_ENOTFOUND)
			err = target_error_first(&r, &multi_warning);
	}
	if (!err)
		err = make_plan(&r, &multi_warning);
	/* Alembic warns while it plans, so also when the plan then fails */
	if (multi_warning && opts->log)
		opts->log(opts->log_ctx, "WARNING", "py.warnings",
			  "UserWarning: downgrade -1 from multiple heads is ambiguous; this usage will be disallowed in a future release.");
	if (!err)
		err = run_plan(&r);
	if (err && r.in_tx && !r.offline) {
		/* keep the failure's message, whatever the rollback says */
		char *msg = rg_strdup(rg_error_last()), *detail = rg_strdup(rg_error_detail());

		rg_db_rollback(db);
		if (msg)
			rg_error_set(err, "%s", msg);
		if (detail && *detail)
			rg_error_set_detail("%s", detail);
		free(msg);
		free(detail);
	}
	if (r.fk_restore) {
		/* after the COMMIT or ROLLBACK: the setting the connection had */
		char *msg = rg_strdup(rg_error_last());
		int rerr = rg_migrate_fk_resume(&r);

		if (!err)
			err = rerr;
		else if (msg)
			rg_error_set(err, "%s", msg);
		free(msg);
	}
out:
	if (locked)
		rg_db_unlock(db);
	for (k = 0; r.bodies && k < r.plan.n; k++)
		rg_sql_script_release(&r.bodies[k]);
	for (k = 0; r.engine && k < r.plan.n; k++)
		rg_migrate_step_engine_release(&r.engine[k]);
	free(r.engine);
	free(r.bodies);
	for (k = 0; r.framed && k < r.plan.n; k++)
		free(r.framed[k].lock_timeout);
	free(r.framed);
	for (k = 0; k < sizeof(r.renderers) / sizeof(r.renderers[0]); k++) {
		rg_str_release(&r.renderers[k].out);
		rg_sql_spans_release(&r.renderers[k].spans);
	}
	if (r.mem)
		rg_sqlite3.close(r.mem);
	rg_plan_release(&r.plan);
	rg_idx_list_release(&r.heads);
	rg_str_release(&r.table);
	rg_str_release(&r.sql);
	return err;
}
