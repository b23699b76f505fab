/*
 * The project configuration: an alembic.ini section read the way Alembic
 * reads it, with every path made absolute.
 */
#ifndef RG_CONFIG_H
#define RG_CONFIG_H

#include <stdbool.h>

#include "revgraph/common.h"
#include "revgraph/revision.h"

struct rg_config {
	char *file;			/* the ini file name as given (-c) */
	char *section;			/* -n, default "alembic" */
	char *here;			/* absolute directory of the ini file */
	char *script_location;		/* absolute */
	struct rg_strlist version_locations;	/* absolute; never empty after load */
	bool version_locations_set;	/* from the `version_locations` key */
	bool recursive;			/* recursive_version_locations */
	bool want_bodies;		/* not from the ini: rg_script_load() is for running
					   migrations, so native revisions' bodies come from
					   the header cache too (else only their headers do) */
	char *url;			/* sqlalchemy.url, or NULL */
	char *file_template;		/* default "%(rev)s_%(slug)s" */
	int truncate_slug_length;	/* default 40 */
	char *timezone;			/* or NULL */
	bool revision_environment;
	char *output_encoding;		/* default "utf-8" */
	/* running migrations (Alembic takes these from env.py; revgraph from the ini) */
	char *version_table;		/* default "alembic_version" */
	char *version_table_schema;	/* or NULL */
	bool transaction_per_migration;
	int transactional_ddl;		/* -1: the dialect's default, else 0/1 */
	double lock_timeout;		/* seconds to wait for the migration lock; < 0 forever */
	char *ddl_lock_timeout;		/* revgraph.ddl_lock_timeout: PostgreSQL lock_timeout, or NULL */
	struct rg_strlist const_names;	/* [revgraph:constants] keys, case kept */
	struct rg_strlist const_values;
};

/**
 * Load `section` of the ini file `file` (NULL: $ALEMBIC_CONFIG, else
 * "alembic.ini").  A missing file or section fails with Alembic's text
 * "No config file 'X' found, or file has no '[S]' section".  Returns 0 or a
 * negative RG_E* code; free *out with rg_config_free().
 */
int rg_config_load(struct rg_config **out, const char *file, const char *section);

void rg_config_free(struct rg_config *cfg);

#endif
