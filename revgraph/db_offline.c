/*
 * The offline backend behind `--sql`: statements are written, not run,
 * framed as Alembic frames them (each one with tabs turned into four
 * spaces, stripped, given the `;` terminator and followed by a blank line).
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "db_impl.h"
#include "banned.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void rg_db_frame_sql(struct rg_str *out, const char *sql, size_t len)
{
	const char *end = sql + len, *p;

	while (sql < end && is_space(*sql))
		sql++;
	while (end > sql && is_space(end[-1]))
		end--;
	/* the runs between tabs at once: this writes every statement of a --sql run */
	while ((p = memchr(sql, '\t', (size_t)(end - sql)))) {
		rg_str_add(out, sql, (size_t)(p - sql));
		rg_str_add(out, "    ", 4);
		sql = p + 1;
	}
	rg_str_add(out, sql, (size_t)(end - sql));
	rg_str_add(out, ";\n\n", 3);
}

static int off_exec(struct rg_db *db, const char *sql, long *changes)
{
	rg_db_frame_sql(db->sink, sql, strlen(sql));
	if (changes)
		*changes = 1;
	return rg_str_check(db->sink);
}

static int off_begin(struct rg_db *db)
{
	return off_exec(db, "BEGIN", NULL);
}

static int off_commit(struct rg_db *db)
{
	return off_exec(db, "COMMIT", NULL);
}

static int off_rollback(struct rg_db *db)
{
	(void)db;
	return 0;
}

static int off_table_exists(struct rg_db *db, const char *schema, const char *name, bool *exists)
{
	(void)db;
	(void)schema;
	(void)name;
	*exists = false;
	return 0;
}

static int off_query_column(struct rg_db *db, const char *sql, struct rg_strlist *out)
{
	(void)db;
	(void)sql;
	(void)out;
	return 0;
}

static int off_lock(struct rg_db *db, const char *key, double timeout_s, rg_db_waiting_fn *waiting,
		    void *ctx)
{
	(void)db;
	(void)key;
	(void)timeout_s;
	(void)waiting;
	(void)ctx;
	return 0;
}

static void off_unlock(struct rg_db *db)
{
	(void)db;
}

static void off_close(struct rg_db *db)
{
	free(db);
}

static const struct rg_db_ops offline_ops = {
	off_exec, off_begin, off_commit, off_rollback, off_table_exists, off_query_column,
	off_lock, off_unlock, off_close
};

int rg_db_offline_open(struct rg_db **out, enum rg_dialect dialect, struct rg_str *sink)
{
	struct rg_db *db = rg_calloc(1, sizeof(*db));

	*out = NULL;
	if (!db)
		return RG_ENOMEM;
	db->ops = &offline_ops;
	db->dialect = dialect;
	db->sink = sink;
	*out = db;
	return 0;
}
