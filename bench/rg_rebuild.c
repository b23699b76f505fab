/*
 * rg-rebuild: run the SQLite table-change engine (revgraph/rebuild.c) on a
 * database file from the command line, for the benchmark and the kill test
 * until the YAML operations reach it through `revgraph upgrade`.
 *
 *   rg-rebuild [--always|--never] [--log] [--progress] DB TABLE OP...
 *
 * OP is one of add:NAME:DEF, drop:COL, rename:OLD:NEW, type:COL:TYPE,
 * notnull:COL, null:COL, default:COL:EXPR, nodefault:COL, addc:SQL,
 * dropc:NAME.  --log prints every statement run; --progress reports rows
 * copied on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "rebuild.h"
#include "revgraph/common.h"

static void progress(void *ctx, long long copied, long long total)
{
	(void)ctx;
	fprintf(stderr, "\rcopied %lld of %lld rows", copied, total);
	if (copied == total)
		fputc('\n', stderr);
}

/* Split "a:b:c" at the first `parts - 1` colons, in place. */
static int split(char *s, char **out, int parts)
{
	int i;

	out[0] = s;
	for (i = 1; i < parts; i++) {
		char *c = strchr(out[i - 1], ':');

		if (!c)
			return -1;
		*c = '\0';
		out[i] = c + 1;
	}
	return 0;
}

static int parse_op(struct rg_alter *op, char *arg)
{
	char *f[3];

	memset(op, 0, sizeof(*op));
	op->nullable = -1;
	if (split(arg, f, 2))
		return -1;
	if (!strcmp(f[0], "add") && !split(f[1], f + 1, 2)) {
		op->kind = RG_ALTER_ADD_COLUMN;
		op->column = f[1];
		op->def = f[2];
	} else if (!strcmp(f[0], "drop")) {
		op->kind = RG_ALTER_DROP_COLUMN;
		op->column = f[1];
	} else if (!strcmp(f[0], "rename") && !split(f[1], f + 1, 2)) {
		op->kind = RG_ALTER_RENAME_COLUMN;
		op->column = f[1];
		op->new_name = f[2];
	} else if (!strcmp(f[0], "type") && !split(f[1], f + 1, 2)) {
		op->kind = RG_ALTER_ALTER_COLUMN;
		op->column = f[1];
		op->type = f[2];
	} else if (!strcmp(f[0], "notnull") || !strcmp(f[0], "null")) {
		op->kind = RG_ALTER_ALTER_COLUMN;
		op->column = f[1];
		op->nullable = !strcmp(f[0], "null");
	} else if (!strcmp(f[0], "default") && !split(f[1], f + 1, 2)) {
		op->kind = RG_ALTER_ALTER_COLUMN;
		op->column = f[1];
		op->default_sql = f[2];
	} else if (!strcmp(f[0], "nodefault")) {
		op->kind = RG_ALTER_ALTER_COLUMN;
		op->column = f[1];
		op->drop_default = true;
	} else if (!strcmp(f[0], "addc")) {
		op->kind = RG_ALTER_ADD_CONSTRAINT;
		op->def = f[1];
	} else if (!strcmp(f[0], "dropc")) {
		op->kind = RG_ALTER_DROP_CONSTRAINT;
		op->name = f[1];
	} else {
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rg_alter_opts o;
	struct rg_alter *ops;
	struct rg_str log = RG_STR_INIT;
	sqlite3 *db = NULL;
	bool want_log = false;
	int i = 1, n = 0, err;

	memset(&o, 0, sizeof(o));
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--always"))
			o.recreate = RG_RECREATE_ALWAYS;
		else if (!strcmp(argv[i], "--never"))
			o.recreate = RG_RECREATE_NEVER;
		else if (!strcmp(argv[i], "--log"))
			want_log = true;
		else if (!strcmp(argv[i], "--progress"))
			o.progress = progress;
		else
			break;
	}
	if (argc - i < 3) {
		fprintf(stderr, "usage: rg-rebuild [--always|--never] [--log] [--progress] DB TABLE OP...\n");
		return 2;
	}
	if (!(ops = calloc((size_t)(argc - i - 2), sizeof(*ops))))
		return 1;
	for (int k = i + 2; k < argc; k++)
		if (parse_op(&ops[n++], argv[k])) {
			fprintf(stderr, "rg-rebuild: bad operation '%s'\n", argv[k]);
			return 2;
		}
	if (sqlite3_open_v2(argv[i], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "rg-rebuild: cannot open '%s': %s\n", argv[i], sqlite3_errmsg(db));
		return 1;
	}
	if (getenv("RG_FOREIGN_KEYS"))
		sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	o.log = want_log ? &log : NULL;
	err = rg_sqlite_alter_table_ext(db, argv[i + 1], ops, (size_t)n, &o);
	if (want_log)
		fputs(log.buf, stdout);
	if (err)
		fprintf(stderr, "rg-rebuild: %s\n", rg_error_last());
	rg_str_release(&log);
	sqlite3_close(db);
	free(ops);
	return err ? 1 : 0;
}
