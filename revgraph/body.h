/*
 * What a revision runs: the SQL of its upgrade or downgrade, as read from
 * its file, before it is split into statements.
 */
#ifndef RG_BODY_H
#define RG_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "revgraph/db.h"
#include "revgraph/revision.h"

struct rg_body_part {
	char *sql;		/* one or more statements */
	size_t line;		/* file line of the first line of `sql` */
	int dialect;		/* -1: every dialect, else an enum rg_dialect */
};

struct rg_body {
	struct rg_body_part *items;
	size_t n;
	size_t alloc;
};

void rg_body_release(struct rg_body *b);

/*
 * What a native (YAML or SQL) revision runs both ways, read with its header
 * when the header cache is on and kept in the cache with it, so that a
 * migration need not read and parse every file again.
 */
struct rg_rev_bodies {
	struct rg_body up, down;	/* a SQL file's section: one part, dialect -1 */
};

/** Free `b` and what it holds.  NULL is accepted. */
void rg_rev_bodies_free(struct rg_rev_bodies *b);

/**
 * Both bodies of the revision file `text` of kind `kind` (YAML or SQL) into
 * *out.  A body that does not parse is not an error here: *out is then
 * NULL, and the runner reads the file and reports it as it always has.
 * 0 or RG_ENOMEM.
 */
int rg_rev_bodies_read(struct rg_rev_bodies **out, enum rg_revfile_kind kind, const char *path,
		       const char *text, size_t len);

/**
 * The `upgrade:` (or `downgrade:`) of a native YAML revision file: absent,
 * null or an empty list run nothing; a string is SQL; a list holds
 * operations, each a mapping with `sql:` (a string) and optionally
 * `dialect:` (sqlite or postgresql: the statement runs only there).  Other
 * operations are RG_EUNSUPPORTED with `path:line:`.  `out` must be empty.
 */
int rg_yamlrev_body(struct rg_body *out, const char *path, const char *text, size_t len,
		    bool upgrade);

#endif
