/*
 * Running migrations: plans (the ordered steps of upgrade, downgrade and
 * stamp, as Alembic computes them) and the runner that applies a plan to a
 * database or writes it as SQL, keeping the version table exactly as
 * Alembic keeps it.
 */
#ifndef RG_MIGRATE_H
#define RG_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "revgraph/config.h"
#include "revgraph/db.h"
#include "revgraph/revmap.h"
#include "revgraph/str.h"

/*
 * One step.  A revision step runs a revision's upgrade (or downgrade); a
 * stamp step only moves the version table from `from` to `to`.
 */
struct rg_step {
	bool stamp;
	bool upgrade;
	bool branch_move;		/* stamp: a new branch or a deleted one */
	size_t rev;			/* revision step: the revision */
	struct rg_idx_list from, to;	/* stamp step */
};

struct rg_plan {
	struct rg_step *items;
	size_t n;
	size_t alloc;
};

void rg_plan_release(struct rg_plan *p);

/**
 * `upgrade TARGET` from the version table rows `rows` (Alembic's
 * _upgrade_revs: implicit base, oldest first).  Errors carry Alembic's CLI
 * texts.
 */
int rg_plan_upgrade(struct rg_plan *out, const struct rg_revmap *map,
		    const struct rg_idx_list *rows, const char *target);

/**
 * `downgrade TARGET` from `rows` (Alembic's _downgrade_revs), newest first.
 * *multi_warning: see rg_resolve_downgrade_target().
 */
int rg_plan_downgrade(struct rg_plan *out, const struct rg_revmap *map,
		      const struct rg_idx_list *rows, const char *target, bool *multi_warning);

/** `stamp DEST...` from `rows` (Alembic's _stamp_revs). */
int rg_plan_stamp(struct rg_plan *out, const struct rg_revmap *map, const struct rg_idx_list *rows,
		  const char *const *dests, size_t n_dests);

/** Alembic's text for a step: "upgrade a, b -> c" (`with_doc`: ", doc" added). */
void rg_step_describe(struct rg_str *out, const struct rg_revmap *map, const struct rg_step *step,
		      bool with_doc);

enum rg_migrate_cmd {
	RG_MIGRATE_UPGRADE,
	RG_MIGRATE_DOWNGRADE,
	RG_MIGRATE_STAMP,
	RG_MIGRATE_ENSURE_VERSION
};

/* A log line for the CLI: level "INFO"/"WARNING", logger e.g. "alembic.runtime.migration". */
typedef void rg_log_fn(void *ctx, const char *level, const char *logger, const char *msg);

struct rg_migrate_opts {
	enum rg_migrate_cmd cmd;
	const char *target;		/* upgrade/downgrade */
	const char *const *dests;	/* stamp */
	size_t n_dests;
	bool purge;			/* stamp --purge */
	const char *start;		/* offline: the A of A:B, or NULL */
	rg_log_fn *log;
	void *log_ctx;
	/* SQLite table rebuilds: rows copied of `total`, every few thousand rows (may be NULL) */
	void (*progress)(void *ctx, const char *table, long long copied, long long total);
	void *progress_ctx;
};

/**
 * Run one command.  Online: take the migration lock, read the version
 * table, plan, check every step's body before the first change, then apply
 * the steps with Alembic's transaction scopes.  Offline (an
 * rg_db_offline_open() backend): the rows are opts->start, and the SQL is
 * written as Alembic writes it.  A failing statement
 * is rolled back with its migration (on transactional DDL, with the run)
 * and reported as `file:line: message`, the statement in the detail.
 */
int rg_migrate(const struct rg_config *cfg, const struct rg_revmap *map, struct rg_db *db,
	       const struct rg_migrate_opts *opts);

/**
 * Log Alembic's opening lines: "Context impl ...", "Generating static SQL"
 * when `offline`, "Will assume ... DDL.".
 */
void rg_migrate_log_context(const struct rg_config *cfg, enum rg_dialect dialect, bool offline,
			    rg_log_fn *log, void *ctx);

/**
 * The version table rows of `db`, in the order the database returns them,
 * as revision indices; no table means no rows.  A row the scripts do not
 * know fails with "Can't locate revision identified by 'X'", or is left
 * out when `skip_unknown`.  `raw`, when not NULL, receives every row string.
 */
int rg_migrate_read_rows(struct rg_idx_list *rows, struct rg_strlist *raw, bool skip_unknown,
			 const struct rg_config *cfg, const struct rg_revmap *map, struct rg_db *db);

/**
 * Create the version table if it is missing, as Alembic does at the start
 * of every command that runs its environment (even `current`).
 */
int rg_migrate_ensure_table(const struct rg_config *cfg, struct rg_db *db);

#endif
