/*
 * What a database backend provides to db.c (private to the library).
 */
#ifndef RG_DB_IMPL_H
#define RG_DB_IMPL_H

#include "revgraph/db.h"

struct rg_db_ops {
	int (*exec)(struct rg_db *db, const char *sql, long *changes);
	int (*begin)(struct rg_db *db);
	int (*commit)(struct rg_db *db);
	int (*rollback)(struct rg_db *db);
	int (*table_exists)(struct rg_db *db, const char *schema, const char *name, bool *exists);
	int (*query_column)(struct rg_db *db, const char *sql, struct rg_strlist *out);
	int (*lock)(struct rg_db *db, const char *key, double timeout_s, rg_db_waiting_fn *waiting,
		    void *ctx);
	void (*unlock)(struct rg_db *db);
	void (*close)(struct rg_db *db);
};

/* Every backend's connection struct starts with this. */
struct rg_db {
	const struct rg_db_ops *ops;
	enum rg_dialect dialect;
	struct rg_str *sink;	/* offline backend only */
};

int rg_db_sqlite_open(struct rg_db **out, const struct rg_dburl *url);

struct sqlite3;
/** The SQLite connection of `db` (an online SQLite backend), for the rebuild engine. */
struct sqlite3 *rg_db_sqlite_handle(struct rg_db *db);
int rg_db_pg_open(struct rg_db **out, const struct rg_dburl *url);

#endif
