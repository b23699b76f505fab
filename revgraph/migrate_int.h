/*
 * What the parts of the migration runner share (private to the library):
 * the runner's state, and the calls between migrate.c (plan, version
 * table, step loop), body.c (what a step runs), render_offline.c (--sql
 * rendered ahead) and migrate_engine.c (SQLite rebuild engine calls).
 */
#ifndef RG_MIGRATE_INT_H
#define RG_MIGRATE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "ops.h"
#include "sqlsplit.h"
#include "revgraph/common.h"
#include "revgraph/migrate.h"

struct sqlite3;

/* One call of the SQLite rebuild engine, run before statement `at` of its step. */
struct engine_call {
	size_t at;
	size_t line;		/* the operation's line */
	struct rg_op_alters alters;
};

/* A step's engine calls, and the operations they point into. */
struct step_engine {
	struct rg_ops ops;
	struct engine_call *calls;
	size_t n;
	size_t alloc;
};

/*
 * --sql: the statements of each step, checked and framed as the offline
 * writer frames them before the run writes anything, without a copy of
 * each statement; the run writes them in place of executing them.
 */
struct framed {
	const struct rg_str *buf;	/* the renderer's output they are in */
	size_t off, len;
	size_t n;			/* how many statements */
	char *lock_timeout;		/* the body's lock_timeout: (a copy), or NULL */
};

/* What one renderer fills: the framed statements, and the spans of the body at hand. */
struct renderer {
	struct rg_str out;
	struct rg_sql_spans spans;
};

struct runner {
	const struct rg_config *cfg;
	const struct rg_revmap *map;
	struct rg_db *db;
	const struct rg_migrate_opts *o;
	bool offline;
	enum rg_dialect dialect;
	bool transactional_ddl;	/* the dialect's (or the configured) DDL transactions */
	bool outer;		/* one transaction around the whole run */
	bool in_tx;
	struct rg_idx_list heads;	/* the version table rows, as the run changes them */
	struct rg_str table;	/* the qualified, quoted version table name */
	struct rg_str sql;	/* scratch */
	struct rg_plan plan;
	struct rg_sql_script *bodies;	/* one per step (online, and --sql with file-read YAML) */
	struct step_engine *engine;	/* one per step, with `bodies` */
	struct framed *framed;		/* one per step (--sql rendered ahead: rg_migrate_render_bodies()) */
	struct renderer renderers[2];	/* what the framed statements are in */
	bool ddl_timeout_set;	/* an earlier step's body SET lock_timeout */
	bool fk_restore;	/* PRAGMA foreign_keys was switched off, to be put back on */
	struct sqlite3 *mem;	/* --sql on SQLite with rebuilds: the schema the path builds */
};

/*
 * Check one statement (`len` bytes from `text`, at `line` of its file)
 * against how `rev` runs: transaction control is refused, and so is a
 * statement that needs autocommit in a transactional revision.  0 or
 * RG_EINVALID with path:line.  Inline: --sql checks every statement of
 * thousands of steps.
 */
static inline int rg_migrate_check_statement(const struct rg_revision *rev, const char *text,
					     size_t len, int line, enum rg_dialect dialect)
{
	const char *why;

	if (rg_sql_is_transaction_control_n(text, len, dialect))
		return rg_error_set(RG_EINVALID,
				    "%s:%d: transaction control statements are not allowed in a revision; revgraph begins and commits the transactions itself",
				    rev->path, line);
	why = rg_sql_needs_autocommit_n(text, len, dialect);
	if (why && !rev->non_transactional)
		return rg_error_set(RG_EINVALID,
				    "%s:%d: %s; add 'transactional: false' to the revision's header to run it outside a transaction",
				    rev->path, line, why);
	return 0;
}

/*
 * render_offline.c: whether --sql can render every body of the plan ahead
 * (not when one is a YAML file read now), and rendering them into
 * r->framed (one per step), the error being that of the first step that
 * fails.
 */
bool rg_migrate_bodies_renderable(const struct runner *r);
int rg_migrate_render_bodies(struct runner *r);

/*
 * body.c: the statements a revision step runs, read and checked before
 * anything runs (the lock_timeout statement first, engine calls into
 * *eng); and PostgreSQL's `SET lock_timeout` (or `RESET`) for a body of
 * `n` statements into `sql`, nothing when none applies.
 */
int rg_migrate_load_body(struct rg_sql_script *out, struct step_engine *eng, struct runner *r,
			 const struct rg_step *s);
void rg_migrate_lock_timeout_statement(struct rg_str *sql, struct runner *r,
				       const char *rev_value, size_t n);

/*
 * migrate.c: a failure of the statement or operation at `line` of `path`
 * prefixed with them (`detail` set when not NULL).
 */
int rg_migrate_line_error(int err, const char *path, size_t line, const char *detail);

/*
 * migrate_engine.c.  Online: one engine call, in the step's transaction
 * when there is one.  --sql: the call run on the replay database, writing
 * what it ran; rg_migrate_replay_setup() builds that database from the
 * path below the range, and rg_migrate_replay_exec() runs a statement of
 * the range on it too.  A failure names the file and line.
 */
int rg_migrate_engine_run(struct runner *r, const struct engine_call *c, const char *path);
int rg_migrate_engine_run_offline(struct runner *r, const struct engine_call *c, const char *path);
int rg_migrate_replay_setup(struct runner *r);
int rg_migrate_replay_exec(struct runner *r, const char *sql, const char *path, size_t line);
/* Free what `eng` holds and empty it. */
void rg_migrate_step_engine_release(struct step_engine *eng);

/*
 * migrate_engine.c, SQLite online: PRAGMA foreign_keys off before a
 * transaction a rebuild runs in (r->fk_restore set), back on after it;
 * the rows breaking a foreign key, read before a step and checked after
 * it (a new one fails the step of `path`).
 */
int rg_migrate_fk_pause(struct runner *r);
int rg_migrate_fk_resume(struct runner *r);
int rg_migrate_fk_violations(struct runner *r, struct rg_strlist *out);
int rg_migrate_fk_new_violations(struct runner *r, const char *path, struct rg_strlist *before);

#endif
