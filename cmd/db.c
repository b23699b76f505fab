/*
 * What the commands that run migrations share: opening the database (or
 * the offline writer) from `sqlalchemy.url`, the log lines Alembic writes on
 * stderr, and reporting a failure the way Alembic's env-running commands do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cmd.h"
#include "revgraph/migrate.h"
#include "banned.h"

void rg_cmd_log(void *ctx, const char *level, const char *logger, const char *msg)
{
	struct rg_ctx *c = ctx;
	struct rg_str *s;
	size_t n = strlen(level);

	if (!c || (!c->log_buffered && !c->pending)) {
		fprintf(stderr, "%-5.5s [%s] %s\n", level, logger, msg);
		fflush(stderr);
		return;
	}
	if (!c->log_buffered) {
		/* written now, were the load settled: held in order with the rest */
		struct rg_str line = RG_STR_INIT;

		rg_str_addf(&line, "%-5.5s [%s] %s\n", level, logger, msg);
		rg_cmd_write(c, 2, line.buf, line.len);
		rg_str_release(&line);
		return;
	}
	/* the same line, "%-5.5s [%s] %s\n" (Alembic's format), without printf */
	s = c->log_to_out ? &c->out : &c->err;
	rg_str_add(s, level, n < 5 ? n : 5);
	rg_str_add(s, "     ", n < 5 ? 5 - n : 0);
	rg_str_adds(s, " [");
	rg_str_adds(s, logger);
	rg_str_adds(s, "] ");
	rg_str_adds(s, msg);
	rg_str_addch(s, '\n');
}

int rg_cmd_env_failed(struct rg_ctx *ctx, const char *message)
{
	rg_cmd_log(ctx, "ERROR", "alembic.util.messaging", message);
	return rg_cmd_failed(ctx, message);
}

/* Whether stdout and stderr are one terminal, where Alembic's lines interleave as written. */
static bool one_terminal(void)
{
	struct stat out, err;

	return isatty(1) && isatty(2) && !fstat(1, &out) && !fstat(2, &err) &&
	       out.st_rdev == err.st_rdev;
}

int rg_cmd_open_db(struct rg_ctx *ctx, bool offline, struct rg_db **out)
{
	struct rg_dburl url;
	int err;

	*out = NULL;
	/* a database is the first thing outside the process: the map must be settled */
	if (!offline && rg_cmd_settle(ctx))
		return 255;
	memset(&url, 0, sizeof(url));
	if (!ctx->cfg->url || !*ctx->cfg->url) {
		rg_error_set(RG_EINVALID,
			     "No 'sqlalchemy.url' key found in section [%s] of %s: revgraph needs it to reach the database",
			     ctx->cfg->section, ctx->cfg->file);
		return rg_cmd_failed(ctx, rg_error_last());
	}
	if ((err = rg_dburl_parse(&url, ctx->cfg->url)))
		return rg_cmd_failed(ctx, rg_error_last());
	if (offline) {
		err = rg_db_offline_open(out, url.dialect, &ctx->out);
		ctx->log_buffered = true;
		ctx->log_to_out = one_terminal();
	}
	else
		err = rg_db_open(out, &url);
	rg_dburl_release(&url);
	if (err)
		return rg_cmd_failed(ctx, rg_error_last());
	rg_migrate_log_context(ctx->cfg, rg_db_dialect(*out), offline, rg_cmd_log, ctx);
	return 0;
}

int rg_cmd_read_rows(struct rg_ctx *ctx, struct rg_db *db, struct rg_idx_list *rows, bool skip_unknown)
{
	if (rg_migrate_ensure_table(ctx->cfg, db) ||
	    rg_migrate_read_rows(rows, NULL, skip_unknown, ctx->cfg, ctx->map, db))
		return rg_cmd_env_failed(ctx, rg_error_last());
	return 0;
}

/* A SQLite table rebuild's copy, on one line of a terminal rewritten as it goes. */
static void rebuild_progress(void *ctx, const char *table, long long copied, long long total)
{
	(void)ctx;
	fprintf(stderr, "\rrebuilding table '%s': %lld of %lld rows copied", table, copied, total);
	if (copied >= total)
		fputc('\n', stderr);
	fflush(stderr);
}

int rg_cmd_migrate(struct rg_ctx *ctx, struct rg_migrate_opts *opts, bool offline)
{
	struct rg_db *db;
	int status;

	if ((status = rg_cmd_open_db(ctx, offline, &db)))
		return status;
	opts->log = rg_cmd_log;
	opts->log_ctx = ctx;
	/* progress only for a person watching: never in a log file or a pipe */
	if (!offline && isatty(2)) {
		opts->progress = rebuild_progress;
		opts->progress_ctx = ctx;
	}
	if (rg_migrate(ctx->cfg, ctx->map, db, opts))
		status = rg_cmd_env_failed(ctx, rg_error_last());
	rg_db_close(db);
	return status;
}

int rg_cmd_split_range(struct rg_ctx *ctx, const char *arg, char **start, char **dest)
{
	const char *colon = strchr(arg, ':');

	*start = *dest = NULL;
	if (strchr(colon + 1, ':')) {
		rg_error_set(RG_EINVALID, "Revision range '%s' has more than one ':'", arg);
		return rg_cmd_failed(ctx, rg_error_last());
	}
	if (!(*start = rg_strndup(arg, (size_t)(colon - arg))) || !(*dest = rg_strndup(colon + 1, strlen(colon + 1)))) {
		free(*start);
		*start = NULL;
		return rg_cmd_failed(ctx, "out of memory");
	}
	return 0;
}

int rg_cmd_migrate_to(struct rg_ctx *ctx, enum rg_migrate_cmd cmd)
{
	struct rg_migrate_opts opts;
	const char *arg = ctx->args.pos[0];
	bool sql = rg_ctx_flag(ctx, "sql");
	char *start = NULL, *dest = NULL;
	int status;

	memset(&opts, 0, sizeof(opts));
	opts.cmd = cmd;
	opts.target = arg;
	if (strchr(arg, ':')) {
		if (!sql)
			return rg_cmd_failed(ctx, "Range revision not allowed");
		if ((status = rg_cmd_split_range(ctx, arg, &start, &dest)))
			return status;
		opts.start = start;
		opts.target = dest;
	} else if (sql && cmd == RG_MIGRATE_DOWNGRADE) {
		return rg_cmd_failed(ctx, "downgrade with --sql requires <fromrev>:<torev>");
	}
	status = rg_cmd_migrate(ctx, &opts, sql);
	free(start);
	free(dest);
	return status;
}
