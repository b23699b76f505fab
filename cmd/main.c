/*
 * revgraph's entry point: global options, the command table, argument
 * parsing with argparse's rules, and the setup each command needs, done
 * once here so that every cmd_<name>() starts from a ready context.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd.h"
#include "revgraph/common.h"
#include "revgraph/script.h"
#include "banned.h"

static const struct rg_command commands[] = {
	{ "branches", cmd_branches, RG_NEEDS_CONFIG | RG_NEEDS_MAP | RG_SETTLES_LATE, cmd_branches_opts, NULL,
	  "Show current branch points." },
	{ "current", cmd_current, RG_NEEDS_CONFIG | RG_NEEDS_MAP | RG_SETTLES_LATE, cmd_current_opts, NULL,
	  "Display the current revision for a database." },
	{ "downgrade", cmd_downgrade, RG_NEEDS_CONFIG | RG_NEEDS_MAP | RG_RUNS_MIGRATIONS | RG_SETTLES_LATE, cmd_downgrade_opts, "revision",
	  "Revert to a previous version." },
	{ "edit", cmd_edit, RG_NEEDS_CONFIG | RG_NEEDS_MAP, cmd_edit_opts, "rev",
	  "Edit revision script(s) using $EDITOR." },
	{ "ensure_version", cmd_ensure_version, RG_NEEDS_CONFIG | RG_NEEDS_MAP | RG_SETTLES_LATE, cmd_ensure_version_opts,
	  NULL, "Create the alembic version table if it doesn't exist already ." },
	{ "heads", cmd_heads, RG_NEEDS_CONFIG | RG_NEEDS_MAP | RG_SETTLES_LATE, cmd_heads_opts, NULL,
	  "Show current available heads in the script directory." },
	{ "history", cmd_history, RG_NEEDS_CONFIG | RG_NEEDS_MAP | RG_SETTLES_LATE, cmd_history_opts, NULL,
	  "List changeset scripts in chronological order." },
	{ "init", cmd_init, 0, cmd_init_opts, "directory", "Initialize a new scripts directory." },
	{ "list_templates", cmd_list_templates, 0, cmd_list_templates_opts, NULL,
	  "List available templates." },
	{ "merge", cmd_merge, RG_NEEDS_CONFIG, cmd_merge_opts, "revisions",
	  "Merge two revisions together.  Creates a new migration file." },
	{ "revision", cmd_revision, RG_NEEDS_CONFIG, cmd_revision_opts, NULL,
	  "Create a new revision file." },
	{ "show", cmd_show, RG_NEEDS_CONFIG | RG_NEEDS_MAP | RG_SETTLES_LATE, cmd_show_opts, "rev",
	  "Show the revision(s) denoted by the given symbol." },
	{ "stamp", cmd_stamp, RG_NEEDS_CONFIG | RG_NEEDS_MAP | RG_SETTLES_LATE, cmd_stamp_opts, "revisions",
	  "'stamp' the revision table with the given revision; don't run any migrations." },
	{ "upgrade", cmd_upgrade, RG_NEEDS_CONFIG | RG_NEEDS_MAP | RG_RUNS_MIGRATIONS | RG_SETTLES_LATE, cmd_upgrade_opts, "revision",
	  "Upgrade to a later version." },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage_line(FILE *f, const struct rg_command *cmd)
{
	const struct rg_opt *o;

	fprintf(f, "usage: revgraph %s [-h]", cmd->name);
	for (o = cmd->opts; o->long_name; o++) {
		if (o->short_name)
			fprintf(f, " [-%c%s%s]", o->short_name, o->metavar ? " " : "",
				o->metavar ? o->metavar : "");
		else
			fprintf(f, " [--%s%s%s]", o->long_name, o->metavar ? " " : "",
				o->metavar ? o->metavar : "");
	}
	if (cmd->positional)
		fprintf(f, !strcmp(cmd->positional, "revisions") ? " revisions [revisions ...]" : " %s",
			cmd->positional);
	fputc('\n', f);
}

static void command_help(const struct rg_command *cmd)
{
	const struct rg_opt *o;

	usage_line(stdout, cmd);
	printf("\n%s\n\n", cmd->help);
	if (cmd->positional)
		printf("positional arguments:\n  %-20s  %s\n\n", cmd->positional,
		       !strcmp(cmd->positional, "directory") ? "location of scripts directory" :
		       !strcmp(cmd->positional, "revision") ? "revision identifier" : "revision identifier(s)");
	printf("options:\n  %-20s  %s\n", "-h, --help", "show this help message and exit");
	for (o = cmd->opts; o->long_name; o++) {
		char name[64];

		if (o->short_name && o->metavar)
			snprintf(name, sizeof(name), "-%c %s, --%s %s", o->short_name, o->metavar,
				 o->long_name, o->metavar);
		else if (o->short_name)
			snprintf(name, sizeof(name), "-%c, --%s", o->short_name, o->long_name);
		else
			snprintf(name, sizeof(name), "--%s%s%s", o->long_name, o->metavar ? " " : "",
				 o->metavar ? o->metavar : "");
		/* argparse: help at column 24, after a name too long for it on a line of its own */
		if (strlen(name) > 20)
			printf("  %s\n  %-20s  %s\n", name, "", o->help);
		else
			printf("  %-20s  %s\n", name, o->help);
	}
}

static void main_usage(FILE *f)
{
	size_t i;

	fputs("usage: revgraph [-h] [--version] [-c CONFIG] [-n NAME] [-x X] [--raiseerr]\n"
	      "                {", f);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "%s%s", i ? "," : "", commands[i].name);
	fputs("} ...\n", f);
}

static void main_help(void)
{
	size_t i;

	main_usage(stdout);
	puts("\npositional arguments:");
	for (i = 0; i < N_COMMANDS; i++)
		printf("    %-16s %s\n", commands[i].name, commands[i].help);
	puts("\noptions:\n"
	     "  -h, --help            show this help message and exit\n"
	     "  --version             show program's version number and exit\n"
	     "  -c CONFIG, --config CONFIG\n"
	     "                        Alternate config file; defaults to value of\n"
	     "                        ALEMBIC_CONFIG environment variable, or \"alembic.ini\"\n"
	     "  -n NAME, --name NAME  Name of section in .ini file to use for Alembic config\n"
	     "  -x X                  Additional arguments consumed by custom env.py scripts\n"
	     "  --raiseerr            Accepted for compatibility (revgraph never shows tracebacks)\n"
	     "\nEvery command also takes --json where it prints revisions (see docs/json.md).");
}

static int usage_error(const struct rg_command *cmd, const char *fmt, const char *arg)
{
	if (cmd) {
		usage_line(stderr, cmd);
		fprintf(stderr, "revgraph %s: error: ", cmd->name);
	} else {
		main_usage(stderr);
		fputs("revgraph: error: ", stderr);
	}
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

/* argparse takes "-1" or "-.5" for a value, anything else with '-' for an option */
static bool looks_negative(const char *s)
{
	const char *p = s + 1;

	if (s[0] != '-' || !*p)
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	return !*p && p > s + 1;
}

static int find_long(const struct rg_opt *opts, const char *name, size_t len);

/*
 * argparse's _parse_optional(): is `a` (starting with '-') an option?  A
 * negative number is not, nor a string with a space that names no option
 * ("-- text" is a value, "--message=a b" an option).
 */
static bool is_option(const struct rg_opt *opts, const char *a)
{
	const char *eq;
	int i;

	if (a[0] != '-' || !a[1] || looks_negative(a))
		return false;
	if (!strchr(a, ' '))
		return true;
	if (a[1] != '-') {
		for (i = 0; opts[i].long_name; i++)
			if (opts[i].short_name == a[1])
				return true;
		return false;
	}
	eq = strchr(a, '=');
	return find_long(opts, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2)) != -1;
}

static int find_long(const struct rg_opt *opts, const char *name, size_t len)
{
	int i, found = -1, n = 0;

	for (i = 0; opts[i].long_name; i++) {
		if (strlen(opts[i].long_name) == len && !strncmp(opts[i].long_name, name, len))
			return i;
		if (!strncmp(opts[i].long_name, name, len)) {
			found = i;
			n++;
		}
	}
	return n == 1 ? found : (n > 1 ? -2 : -1);
}

static int parse_args(struct rg_args *out, const struct rg_command *cmd, int argc,
		      const char **argv)
{
	int i, o;
	bool only_pos = false;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;

		if (only_pos || !is_option(cmd->opts, a)) {
			if (out->n_pos == RG_MAX_POSITIONALS)
				return usage_error(cmd, "too many arguments%s", "");
			out->pos[out->n_pos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			command_help(cmd);
			return -1;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = find_long(cmd->opts, a + 2, len);
			if (o == -2)
				return usage_error(cmd, "ambiguous option: %s", a);
			if (o < 0)
				return usage_error(cmd, "unrecognized arguments: %s", a);
			if (eq)
				val = eq + 1;
		} else {
			for (o = 0; cmd->opts[o].long_name && cmd->opts[o].short_name != a[1]; o++)
				;
			if (!cmd->opts[o].long_name)
				return usage_error(cmd, "unrecognized arguments: %s", a);
			if (a[2]) {
				if (!cmd->opts[o].metavar) {
					/* bundled flags such as -vi */
					const char *p;

					out->set[o] = true;
					for (p = a + 2; *p; p++) {
						int k;

						for (k = 0; cmd->opts[k].long_name && cmd->opts[k].short_name != *p; k++)
							;
						if (!cmd->opts[k].long_name || cmd->opts[k].metavar)
							return usage_error(cmd, "unrecognized arguments: %s", a);
						out->set[k] = true;
					}
					continue;
				}
				val = a[2] == '=' ? a + 3 : a + 2;
			}
		}
		out->set[o] = true;
		if (cmd->opts[o].metavar) {
			if (!val) {
				if (i + 1 >= argc || !strcmp(argv[i + 1], "--") ||
				    is_option(cmd->opts, argv[i + 1]))
					return usage_error(cmd, "argument --%s: expected one argument",
							   cmd->opts[o].long_name);
				val = argv[++i];
			}
			out->value[o] = val;
			if (out->n_all == RG_MAX_POSITIONALS)
				return usage_error(cmd, "too many arguments%s", "");
			out->all_opts[out->n_all] = o;
			out->all_values[out->n_all++] = val;
		} else if (val) {
			return usage_error(cmd, "argument --%s: ignored explicit argument", cmd->opts[o].long_name);
		}
	}
	if (cmd->positional && !out->n_pos)
		return usage_error(cmd, "the following arguments are required: %s", cmd->positional);
	if (!cmd->positional && out->n_pos)
		return usage_error(cmd, "unrecognized arguments: %s", out->pos[0]);
	if (cmd->positional && strcmp(cmd->positional, "revisions") && out->n_pos > 1)
		return usage_error(cmd, "unrecognized arguments: %s", out->pos[1]);
	return 0;
}

static int opt_index(const struct rg_ctx *ctx, const char *long_name)
{
	int i;

	for (i = 0; ctx->cmd->opts[i].long_name; i++)
		if (!strcmp(ctx->cmd->opts[i].long_name, long_name))
			return i;
	return -1;
}

bool rg_ctx_flag(const struct rg_ctx *ctx, const char *long_name)
{
	int i = opt_index(ctx, long_name);

	return i >= 0 && ctx->args.set[i];
}

const char *rg_ctx_value(const struct rg_ctx *ctx, const char *long_name)
{
	int i = opt_index(ctx, long_name);

	return i >= 0 ? ctx->args.value[i] : NULL;
}

size_t rg_ctx_values(const struct rg_ctx *ctx, const char *long_name, const char **out, size_t max)
{
	int i = opt_index(ctx, long_name), k;
	size_t n = 0;

	for (k = 0; i >= 0 && k < ctx->args.n_all; k++)
		if (ctx->args.all_opts[k] == i && n < max)
			out[n++] = ctx->args.all_values[k];
	return n;
}

void rg_cmd_write(struct rg_ctx *ctx, int stream, const char *buf, size_t len)
{
	if (!ctx->pending) {
		fwrite(buf, 1, len, stream == 1 ? stdout : stderr);
		return;
	}
	rg_str_addch(&ctx->held, (char)stream);
	rg_str_add(&ctx->held, (const char *)&len, sizeof(len));
	rg_str_add(&ctx->held, buf, len);
}

/* Write what was held while the load was pending, in order. */
static void write_held(struct rg_ctx *ctx)
{
	const char *p = ctx->held.buf, *end = p + ctx->held.len;
	size_t len;

	while (p < end) {
		int stream = *p++;

		memcpy(&len, p, sizeof(len));
		p += sizeof(len);
		fwrite(p, 1, len, stream == 1 ? stdout : stderr);
		p += len;
	}
	rg_str_reset(&ctx->held);
}

int rg_cmd_settle(struct rg_ctx *ctx)
{
	bool stale;

	if (!ctx->pending)
		return 0;
	rg_script_settle(ctx->pending, &ctx->map, &stale);
	ctx->pending = NULL;
	if (stale) {
		ctx->stale = true;
		return 1;
	}
	if (ctx->held.failed) {
		/* main() reports it as out of memory */
		rg_str_reset(&ctx->held);
		ctx->err.failed = true;
	}
	if (ctx->warnings->len)
		fputs(ctx->warnings->buf, stderr);
	write_held(ctx);
	return 0;
}

int rg_cmd_failed(struct rg_ctx *ctx, const char *message)
{
	const char *detail = rg_error_detail();
	struct rg_str line = RG_STR_INIT;

	rg_cmd_write(ctx, 2, ctx->err.buf, ctx->err.len);
	rg_str_reset(&ctx->err);
	rg_cmd_write(ctx, 1, ctx->out.buf, ctx->out.len);
	rg_str_reset(&ctx->out);
	rg_str_addf(&line, "FAILED: %s\n", message);
	rg_cmd_write(ctx, 1, line.buf, line.len);
	rg_str_reset(&line);
	if (*detail) {
		rg_str_addf(&line, "%s\n", detail);
		rg_cmd_write(ctx, 2, line.buf, line.len);
	}
	rg_str_release(&line);
	return 255;
}

/* Take the value of a global option given as "-cX", "-c X", "--config=X" or "--config X". */
static const char *global_value(int *i, int argc, const char **argv, const char *s, const char *l)
{
	const char *a = argv[*i];
	size_t ll = strlen(l);

	if (!strcmp(a, s) || !strcmp(a, l))
		return *i + 1 < argc ? argv[++*i] : NULL;
	if (!strncmp(a, l, ll) && a[ll] == '=')
		return a + ll + 1;
	if (!strncmp(a, s, 2) && a[2] && a[1] != '-')
		return a + 2;
	return NULL;
}

static bool is_global(const char *a, const char *s, const char *l)
{
	size_t ll = strlen(l);

	return !strcmp(a, s) || !strcmp(a, l) || (!strncmp(a, l, ll) && a[ll] == '=') ||
	       (!strncmp(a, s, 2) && a[2] && a[1] != '-');
}

int main(int argc, const char **argv)
{
	struct rg_ctx ctx;
	struct rg_str warnings = RG_STR_INIT;
	const char *config = NULL, *name = NULL;
	const struct rg_command *cmd = NULL;
	int i, status = 0, err;
	size_t k;

	rg_alloc_huge_pages();
	memset(&ctx, 0, sizeof(ctx));
	rg_str_init(&ctx.out);
	rg_str_init(&ctx.err);
	rg_str_init(&ctx.held);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--version")) {
			printf("revgraph %s\n", rg_version());
			goto out;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			main_help();
			goto out;
		} else if (!strcmp(a, "--raiseerr")) {
			continue;
		} else if (is_global(a, "-c", "--config")) {
			if (!(config = global_value(&i, argc, argv, "-c", "--config"))) {
				status = usage_error(NULL, "argument -c/--config: expected one argument%s", "");
				goto out;
			}
		} else if (is_global(a, "-n", "--name")) {
			if (!(name = global_value(&i, argc, argv, "-n", "--name"))) {
				status = usage_error(NULL, "argument -n/--name: expected one argument%s", "");
				goto out;
			}
		} else if (is_global(a, "-x", "-x")) {
			const char *x = global_value(&i, argc, argv, "-x", "-x");

			if (!x) {
				status = usage_error(NULL, "argument -x: expected one argument%s", "");
				goto out;
			}
			if (rg_strlist_push(&ctx.x_args, x)) {
				status = rg_cmd_failed(&ctx, "out of memory");
				goto out;
			}
		} else if (a[0] == '-') {
			status = usage_error(NULL, "unrecognized arguments: %s", a);
			goto out;
		} else {
			break;
		}
	}
	if (i >= argc) {
		status = usage_error(NULL, "too few arguments%s", "");
		goto out;
	}
	for (k = 0; k < N_COMMANDS; k++)
		if (!strcmp(commands[k].name, argv[i]))
			cmd = &commands[k];
	if (!cmd) {
		struct rg_str choices = RG_STR_INIT;

		for (k = 0; k < N_COMMANDS; k++)
			rg_str_addf(&choices, "%s'%s'", k ? ", " : "", commands[k].name);
		fprintf(stderr, "revgraph: error: argument command: invalid choice: '%s' (choose from %s)\n",
			argv[i], choices.buf);
		main_usage(stderr);
		rg_str_release(&choices);
		status = 2;
		goto out;
	}
	ctx.cmd = cmd;
	ctx.config_file = config;
	err = parse_args(&ctx.args, cmd, argc - i - 1, argv + i + 1);
	if (err) {
		status = err < 0 ? 0 : err;
		goto out;
	}

	if (cmd->needs & RG_NEEDS_CONFIG) {
		err = rg_config_load(&ctx.cfg, config, name);
		if (err) {
			status = rg_cmd_failed(&ctx, rg_error_last());
			goto out;
		}
	}
	ctx.warnings = &warnings;
	if (cmd->needs & RG_NEEDS_MAP) {
		ctx.cfg->want_bodies = cmd->needs & RG_RUNS_MIGRATIONS;
		/* a command that only fills buffers runs while the stat()s of a large directory finish */
		if (cmd->needs & RG_SETTLES_LATE)
			err = rg_script_load_pending(&ctx.map, &ctx.pending, ctx.cfg, &warnings);
		else
			err = rg_script_load(&ctx.map, ctx.cfg, &warnings);
		if (!ctx.pending && warnings.len)
			fputs(warnings.buf, stderr);
		if (err) {
			status = rg_cmd_failed(&ctx, rg_error_last());
			goto out;
		}
	}
	status = cmd->fn(argc - i - 1, argv + i + 1, &ctx);
	rg_cmd_settle(&ctx);	/* nothing to do if settled already */
	if (ctx.stale) {
		/* the map was built from a record of a file changed since: run again on the files as they are */
		rg_str_reset(&ctx.out);
		rg_str_reset(&ctx.err);
		rg_str_reset(&ctx.held);
		ctx.log_buffered = ctx.log_to_out = ctx.stale = false;
		if (warnings.len)
			fputs(warnings.buf, stderr);
		if (!ctx.map) {
			status = rg_cmd_failed(&ctx, rg_error_last());
			goto out;
		}
		status = cmd->fn(argc - i - 1, argv + i + 1, &ctx);
	}
	if (ctx.out.failed || ctx.err.failed) {
		rg_str_reset(&ctx.err);
		status = rg_cmd_failed(&ctx, "out of memory");
	} else {
		fwrite(ctx.err.buf, 1, ctx.err.len, stderr);
		fwrite(ctx.out.buf, 1, ctx.out.len, stdout);
	}
out:
	if (fflush(stdout) && !status)
		status = 1;
	rg_str_release(&ctx.out);
	rg_str_release(&ctx.err);
	rg_str_release(&ctx.held);
	rg_str_release(&warnings);
	rg_strlist_release(&ctx.x_args);
#if defined(RG_SANITIZED) || defined(__SANITIZE_ADDRESS__)
	/*
	 * The process ends here and the kernel takes its memory back whole;
	 * freeing a map of 10k revisions piece by piece would cost ~0.4 ms.
	 * Sanitized builds free it, so LeakSanitizer still checks it is owned.
	 */
	rg_revmap_free(ctx.map);
	rg_config_free(ctx.cfg);
#endif
	return status;
}
