/*
 * The revgraph CLI: the command table, the parsed arguments and the context
 * every cmd_<name>() receives after main.c has done the setup the table asks
 * for (configuration, revision map).
 */
#ifndef RG_CMD_H
#define RG_CMD_H

#include <stdbool.h>

#include "revgraph/config.h"
#include "revgraph/migrate.h"
#include "revgraph/revmap.h"
#include "revgraph/script.h"
#include "revgraph/str.h"

#define RG_MAX_OPTS 12
#define RG_MAX_POSITIONALS 64

struct rg_opt {
	char short_name;	/* 0 if none */
	const char *long_name;	/* without "--" */
	const char *metavar;	/* NULL for a flag */
	const char *help;
};

struct rg_args {
	bool set[RG_MAX_OPTS];
	const char *value[RG_MAX_OPTS];		/* the last value given */
	const char *pos[RG_MAX_POSITIONALS];
	int n_pos;
	/* every option value in command-line order, for repeatable options */
	const char *all_values[RG_MAX_POSITIONALS];
	int all_opts[RG_MAX_POSITIONALS];
	int n_all;
};

struct rg_ctx;

enum {
	RG_NEEDS_CONFIG = 1 << 0,
	RG_NEEDS_MAP = 1 << 1,
	RG_RUNS_MIGRATIONS = 1 << 2,	/* what revisions run is needed: take it from the cache too */
	/*
	 * Until it opens a database (rg_cmd_open_db(), not --sql) the command
	 * only fills ctx->out and ctx->err, so it may run on a map whose cached
	 * records are still being confirmed (rg_script_load_pending()).
	 */
	RG_SETTLES_LATE = 1 << 3
};

struct rg_command {
	const char *name;
	int (*fn)(int argc, const char **argv, struct rg_ctx *ctx);
	unsigned needs;
	const struct rg_opt *opts;	/* terminated by a zeroed entry */
	const char *positional;		/* NULL, "rev", "revision", "revisions" (one or more) or "directory" */
	const char *help;
};

struct rg_ctx {
	const struct rg_command *cmd;
	const char *config_file;	/* -c as given, or NULL */
	struct rg_args args;
	struct rg_strlist x_args;	/* every -x value, in order, for env-style options */
	struct rg_config *cfg;
	struct rg_revmap *map;
	struct rg_str out;	/* stdout, written once at the end */
	/*
	 * The log lines of a --sql run, kept until the end too: in `err` (for
	 * stderr, written before `out`), or, when stdout and stderr are one
	 * terminal, in `out` between the SQL, in the order Alembic's lines
	 * show there.  A run against a database logs as it goes.
	 */
	struct rg_str err;
	bool log_buffered, log_to_out;
	/*
	 * A load not settled yet (RG_SETTLES_LATE): what would go out at once
	 * (rg_cmd_failed(), a log line) is held in `held` as frames (one byte
	 * for the stream, a size_t length, the bytes), and the load's
	 * warnings wait too, until rg_cmd_settle().
	 */
	struct rg_script_pending *pending;
	struct rg_str held;
	struct rg_str *warnings;
	bool stale;		/* settling found a file changed: the command must run again */
};

/** true if option `long_name` of the running command was given. */
bool rg_ctx_flag(const struct rg_ctx *ctx, const char *long_name);
/** The value of option `long_name`, or NULL. */
const char *rg_ctx_value(const struct rg_ctx *ctx, const char *long_name);
/**
 * Every value given to the repeatable option `long_name`, in order: at most
 * `max` pointers stored in `out` (borrowed from argv); returns how many.
 */
size_t rg_ctx_values(const struct rg_ctx *ctx, const char *long_name, const char **out, size_t max);

/**
 * Report a library error as Alembic does: "FAILED: <message>" on stdout,
 * the detail line (if any) on stderr.  Returns the exit status (255).
 */
int rg_cmd_failed(struct rg_ctx *ctx, const char *message);

/**
 * Settle a pending load (nothing to do without one): if the map holds,
 * write the load's warnings and everything held, and return 0.  If a file
 * had changed, set ctx->stale, hold on to nothing, and return 1: the
 * caller returns at once, and main() runs the command again on the map of
 * the files as they are.
 */
int rg_cmd_settle(struct rg_ctx *ctx);

/**
 * Write `len` bytes to stdout (`stream` 1) or stderr (2) now, or, while
 * the load is pending, into ctx->held in order (written by rg_cmd_settle()).
 */
void rg_cmd_write(struct rg_ctx *ctx, int stream, const char *buf, size_t len);

struct rg_db;

/* cmd/db.c: what the commands that use the database share. */
void rg_cmd_log(void *ctx, const char *level, const char *logger, const char *msg);
/** rg_cmd_failed(), also logged on stderr as Alembic's env-running commands do. */
int rg_cmd_env_failed(struct rg_ctx *ctx, const char *message);
/** Open the database of `sqlalchemy.url`, or the --sql writer into ctx->out.  0 or an exit status. */
int rg_cmd_open_db(struct rg_ctx *ctx, bool offline, struct rg_db **out);
/**
 * The version table rows as revision indices, after creating the table if
 * it is missing (as every Alembic command that runs env.py does); rows no
 * revision declares fail, or are left out when `skip_unknown`.  0 or an
 * exit status.
 */
int rg_cmd_read_rows(struct rg_ctx *ctx, struct rg_db *db, struct rg_idx_list *rows, bool skip_unknown);
/** Open the database and run one migration command.  0 or an exit status. */
int rg_cmd_migrate(struct rg_ctx *ctx, struct rg_migrate_opts *opts, bool offline);
/** Split "A:B" (one ':' only) into new strings.  0 or an exit status. */
int rg_cmd_split_range(struct rg_ctx *ctx, const char *arg, char **start, char **dest);
/**
 * upgrade/downgrade REV: run `cmd` to the first positional argument, which
 * may be a range "A:B" only with --sql (A is then the start).  0 or an exit
 * status.
 */
int rg_cmd_migrate_to(struct rg_ctx *ctx, enum rg_migrate_cmd cmd);

/**
 * The directory holding the project templates: $REVGRAPH_TEMPLATES, else
 * the source tree's templates/ for the binary of the build tree, else the
 * installed share/revgraph/templates next to the binary, else the one under
 * the install prefix.  *out is newly allocated.  0 or an exit status.
 */
int rg_cmd_templates_dir(struct rg_ctx *ctx, char **out);

struct rg_author_opts;
/**
 * cmd/author.c: what revision and merge share.  Load the map, plan, print
 * "Generating <path> ...  done" (and "Creating directory" first when a
 * version location is made), write.  0 or an exit status.
 */
int rg_cmd_author(struct rg_ctx *ctx, struct rg_author_opts *opts);

int cmd_heads(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_branches(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_history(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_show(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_current(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_upgrade(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_downgrade(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_stamp(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_ensure_version(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_init(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_list_templates(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_edit(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_revision(int argc, const char **argv, struct rg_ctx *ctx);
int cmd_merge(int argc, const char **argv, struct rg_ctx *ctx);

extern const struct rg_opt cmd_heads_opts[];
extern const struct rg_opt cmd_branches_opts[];
extern const struct rg_opt cmd_history_opts[];
extern const struct rg_opt cmd_show_opts[];
extern const struct rg_opt cmd_current_opts[];
extern const struct rg_opt cmd_upgrade_opts[];
extern const struct rg_opt cmd_downgrade_opts[];
extern const struct rg_opt cmd_stamp_opts[];
extern const struct rg_opt cmd_ensure_version_opts[];
extern const struct rg_opt cmd_init_opts[];
extern const struct rg_opt cmd_list_templates_opts[];
extern const struct rg_opt cmd_edit_opts[];
extern const struct rg_opt cmd_revision_opts[];
extern const struct rg_opt cmd_merge_opts[];

#endif
