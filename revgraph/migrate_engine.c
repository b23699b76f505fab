/*
 * The runner's calls of SQLite's rebuild engine (migrate_int.h, rebuild.h):
 * online in the step's transaction, and for --sql on a `:memory:` replay of
 * the path that writes what the engine ran; and the PRAGMA foreign_keys
 * pause, resume and foreign_key_check around a step that rebuilds.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sqlite_api.h"
#include "db_impl.h"
#include "migrate_int.h"
#include "rebuild.h"
#include "banned.h"

void rg_migrate_step_engine_release(struct step_engine *eng)
{
	size_t i;

	for (i = 0; i < eng->n; i++)
		rg_op_alters_release(&eng->calls[i].alters);
	free(eng->calls);
	rg_ops_release(&eng->ops);
	memset(eng, 0, sizeof(*eng));
}

struct progress_ctx {
	const struct runner *r;
	const char *table;
};

static void engine_progress(void *ctx, long long copied, long long total)
{
	const struct progress_ctx *p = ctx;

	p->r->o->progress(p->r->o->progress_ctx, p->table, copied, total);
}

/*
 * One engine call: in the step's transaction when there is one (foreign
 * keys were switched off before it began), else in the engine's own.
 */
int rg_migrate_engine_run(struct runner *r, const struct engine_call *c, const char *path)
{
	sqlite3 *h = rg_db_sqlite_handle(r->db);
	struct progress_ctx pc;
	struct rg_alter_opts o;
	int err;

	memset(&o, 0, sizeof(o));
	o.recreate = c->alters.recreate;
	o.in_transaction = !rg_sqlite3.get_autocommit(h);
	pc.r = r;
	pc.table = c->alters.table;
	if (r->o->progress) {
		o.progress = engine_progress;
		o.progress_ctx = &pc;
	}
	err = rg_sqlite_alter_table_ext(h, c->alters.table, c->alters.v, c->alters.n, &o);
	return err ? rg_migrate_line_error(err, path, c->line, NULL) : 0;
}

/* Run `sql` on the in-memory replay database; a failure names the file and line. */
int rg_migrate_replay_exec(struct runner *r, const char *sql, const char *path, size_t line)
{
	char *msg = NULL;
	int err;

	if (rg_sqlite3.exec(r->mem, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	err = rg_error_set(RG_EDATABASE, "%s:%zu: replaying this revision for --sql failed: %s", path, line,
			   msg ? msg : rg_sqlite3.errmsg(r->mem));
	rg_error_set_detail("%s", sql);
	rg_sqlite3.free(msg);
	return err;
}

/*
 * --sql: run the engine call on the replay database and write what it ran.
 * Outside a transaction the script switches foreign keys off around a
 * rebuild and back on after it (the engine's steps 1 and 12, as for a
 * connection that has them on); inside the script's one transaction it
 * cannot, and the rebuild is a SAVEPOINT there.
 */
int rg_migrate_engine_run_offline(struct runner *r, const struct engine_call *c, const char *path)
{
	struct rg_strlist stmts = RG_STRLIST_INIT;
	struct rg_alter_opts o;
	size_t i;
	int err;

	memset(&o, 0, sizeof(o));
	o.recreate = c->alters.recreate;
	o.statements = &stmts;
	o.in_transaction = r->in_tx;
	err = rg_migrate_replay_exec(r, r->in_tx ? "BEGIN" : "PRAGMA foreign_keys = ON", path, c->line);
	if (!err && (err = rg_sqlite_alter_table_ext(r->mem, c->alters.table, c->alters.v, c->alters.n, &o)))
		err = rg_migrate_line_error(err, path, c->line, NULL);
	if (r->in_tx)
		rg_sqlite3.exec(r->mem, err ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	else
		rg_sqlite3.exec(r->mem, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
	for (i = 0; !err && i < stmts.n; i++)
		err = rg_db_exec(r->db, stmts.items[i], NULL);
	rg_strlist_release(&stmts);
	return err;
}

/*
 * --sql on SQLite with rebuilds: the engine needs each table's shape, so
 * the revisions from base up to the start of the range are replayed into
 * an in-memory database (and the range's own statements follow them there
 * as they are written).  A revision that cannot be replayed (Python code)
 * stops the run before anything is written.
 */
int rg_migrate_replay_setup(struct runner *r)
{
	struct rg_plan p = { 0 };
	struct rg_idx_list none = { 0 };
	struct rg_sql_script body = { 0 };
	struct step_engine eng;
	size_t k, i, ci, c;
	int err;

	memset(&eng, 0, sizeof(eng));
	if ((err = rg_sqlite_need()))
		return err;
	if (rg_sqlite3.open(":memory:", &r->mem) != SQLITE_OK)
		return rg_error_set(RG_ENOMEM, "out of memory");
	for (i = 0; i < r->heads.n; i++) {
		rg_plan_release(&p);
		memset(&p, 0, sizeof(p));
		if ((err = rg_plan_upgrade(&p, r->map, &none,
					   rg_revmap_node(r->map, r->heads.items[i])->rev->id)))
			goto out;
		for (k = 0; k < p.n; k++) {
			const struct rg_revision *rev = rg_revmap_node(r->map, p.items[k].rev)->rev;

			if (rev->kind == RG_REVFILE_PY && !rev->body_is_noop) {
				err = rg_error_set(RG_EUNSUPPORTED,
						   "%s: --sql on SQLite replays the revisions before the range to know the tables a rebuild changes, and this one's upgrade() is Python code; run the range online",
						   rev->path);
				goto out;
			}
			if ((err = rg_migrate_load_body(&body, &eng, r, &p.items[k])))
				goto out;
			for (ci = 0, err = 0; !err && ci <= body.n; ci++) {
				for (c = 0; !err && c < eng.n; c++) {
					if (eng.calls[c].at != ci)
						continue;
					err = rg_sqlite_alter_table_ext(r->mem, eng.calls[c].alters.table,
									eng.calls[c].alters.v, eng.calls[c].alters.n, NULL);
					if (err)
						err = rg_migrate_line_error(err, rev->path, eng.calls[c].line, NULL);
				}
				if (!err && ci < body.n)
					err = rg_migrate_replay_exec(r, body.items[ci].text, rev->path,
								     (size_t)body.items[ci].line);
			}
			rg_sql_script_release(&body);
			rg_migrate_step_engine_release(&eng);
			if (err)
				goto out;
		}
	}
	err = 0;
out:
	rg_sql_script_release(&body);
	rg_migrate_step_engine_release(&eng);
	rg_plan_release(&p);
	rg_idx_list_release(&none);
	return err;
}

/*
 * SQLite: PRAGMA foreign_keys off before a transaction in which the
 * rebuild engine runs (it cannot change inside one), so that DROP TABLE of
 * a rebuild cannot cascade; put back by rg_migrate_fk_resume() after
 * COMMIT or ROLLBACK.
 */
int rg_migrate_fk_pause(struct runner *r)
{
	struct rg_strlist v = RG_STRLIST_INIT;
	int err;

	if (r->offline || r->dialect != RG_DIALECT_SQLITE || r->fk_restore)
		return 0;
	err = rg_db_query_column(r->db, "PRAGMA foreign_keys", &v);
	if (!err && v.n && strcmp(v.items[0], "0")) {
		if (!(err = rg_db_exec(r->db, "PRAGMA foreign_keys = OFF", NULL)))
			r->fk_restore = true;
	}
	rg_strlist_release(&v);
	return err;
}

int rg_migrate_fk_resume(struct runner *r)
{
	if (!r->fk_restore)
		return 0;
	r->fk_restore = false;
	return rg_db_exec(r->db, "PRAGMA foreign_keys = ON", NULL);
}

/*
 * While the runner has PRAGMA foreign_keys off (a rebuild in the step, or
 * in the run's one transaction), the step's other statements are not
 * checked by SQLite either: a DELETE of a parent does not cascade, an
 * orphan INSERT is accepted.  So the violations are read at the step's
 * start and before its COMMIT, and a new one fails the step.  A database
 * with no foreign key at all has none to read.
 */
int rg_migrate_fk_violations(struct runner *r, struct rg_strlist *out)
{
	struct rg_strlist any = RG_STRLIST_INIT;
	int err;

	err = rg_db_query_column(r->db, "SELECT 1 FROM main.sqlite_master m, pragma_foreign_key_list(m.name) "
				 "WHERE m.type = 'table' LIMIT 1", &any);
	if (!err && any.n)
		err = rg_db_query_column(r->db, "SELECT \"table\" || char(31) || coalesce(rowid, '-') || char(31) || "
					 "parent FROM pragma_foreign_key_check", out);
	rg_strlist_release(&any);
	return err;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rg_migrate_fk_new_violations(struct runner *r, const char *path, struct rg_strlist *before)
{
	struct rg_strlist after = RG_STRLIST_INIT;
	struct rg_str msg = RG_STR_INIT;
	size_t i, n_new = 0;
	int err;

	if ((err = rg_migrate_fk_violations(r, &after)) || !after.n)
		goto out;
	if (before->n)
		qsort(before->items, before->n, sizeof(char *), cmp_row);
	for (i = 0; i < after.n; i++) {
		char *row = after.items[i], *p1, *p2;

		if (before->n && bsearch(&row, before->items, before->n, sizeof(char *), cmp_row))
			continue;
		if (n_new++ >= 5)
			continue;
		p1 = strchr(row, '\x1f');
		p2 = p1 ? strchr(p1 + 1, '\x1f') : NULL;
		if (p2)
			rg_str_addf(&msg, "%s'%.*s' rowid %.*s references '%s'", n_new > 1 ? "; " : "",
				    (int)(p1 - row), row, (int)(p2 - p1 - 1), p1 + 1, p2 + 1);
	}
	if ((err = rg_str_check(&msg)))
		goto out;
	if (n_new)
		err = rg_error_set(RG_EINVALID,
				   "%s: this revision leaves %zu row%s breaking a foreign key (%s%s), and %s, so the revision must delete or fix those rows itself, or be split so the rebuild runs in a revision of its own; %s",
				   path, n_new, n_new == 1 ? "" : "s", msg.buf, n_new > 5 ? "; ..." : "",
				   r->outer ? "foreign keys are not enforced in a run whose one transaction rebuilds a table"
					    : "foreign keys are not enforced in a revision that rebuilds a table",
				   !r->in_tx ? "it ran outside a transaction (transactional: false), so what it did stays"
				   : r->outer ? "the run's transaction was rolled back" : "it was rolled back");
out:
	rg_strlist_release(&after);
	rg_str_release(&msg);
	return err;
}

