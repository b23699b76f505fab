/*
 * Dispatch from the public database interface to the backends.
 */
#include "db_impl.h"

int rg_db_open(struct rg_db **out, const struct rg_dburl *url)
{
	*out = NULL;
	switch (url->dialect) {
	case RG_DIALECT_SQLITE:
		return rg_db_sqlite_open(out, url);
	case RG_DIALECT_POSTGRESQL:
		return rg_db_pg_open(out, url);
	}
	return rg_error_set(RG_EUNSUPPORTED, "unknown database dialect");
}

void rg_db_close(struct rg_db *db)
{
	if (db)
		db->ops->close(db);
}

enum rg_dialect rg_db_dialect(const struct rg_db *db)
{
	return db->dialect;
}

int rg_db_exec(struct rg_db *db, const char *sql, long *changes)
{
	return db->ops->exec(db, sql, changes);
}

int rg_db_begin(struct rg_db *db)
{
	return db->ops->begin(db);
}

int rg_db_commit(struct rg_db *db)
{
	return db->ops->commit(db);
}

int rg_db_rollback(struct rg_db *db)
{
	return db->ops->rollback(db);
}

int rg_db_table_exists(struct rg_db *db, const char *schema, const char *name, bool *exists)
{
	return db->ops->table_exists(db, schema, name, exists);
}

int rg_db_query_column(struct rg_db *db, const char *sql, struct rg_strlist *out)
{
	return db->ops->query_column(db, sql, out);
}

int rg_db_lock(struct rg_db *db, const char *key, double timeout_s, rg_db_waiting_fn *waiting,
	       void *ctx)
{
	return db->ops->lock(db, key, timeout_s, waiting, ctx);
}

void rg_db_unlock(struct rg_db *db)
{
	db->ops->unlock(db);
}

bool rg_db_is_offline(const struct rg_db *db)
{
	return db->sink != NULL;
}

void rg_db_output(struct rg_db *db, const char *text)
{
	if (!db->sink)
		return;
	rg_str_adds(db->sink, text);
	rg_str_adds(db->sink, "\n\n");
}

void rg_db_output_framed(struct rg_db *db, const char *text, size_t len)
{
	if (db->sink)
		rg_str_add(db->sink, text, len);
}
