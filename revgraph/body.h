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
	char *lock_timeout;	/* the revision's `lock_timeout:` (checked), or NULL */
	size_t lock_timeout_line;
	bool needs_engine;	/* operations that run through SQLite's rebuild engine
				   have no SQLite part here: the runner reads them
				   with rg_yamlrev_read() */
};

void rg_body_release(struct rg_body *b);

struct rg_ops;

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
 * *out.  A body that does not parse, or that holds operations run by the
 * SQLite rebuild engine, is not an error here: *out is then NULL, and the
 * runner reads the file (and reports its errors) as it always has.
 * 0 or RG_ENOMEM.
 */
int rg_rev_bodies_read(struct rg_rev_bodies **out, enum rg_revfile_kind kind, const char *path,
		       const char *text, size_t len);

/**
 * The `upgrade:` (or `downgrade:`) of a native YAML revision file as typed
 * operations (ops.h): null or an empty list run nothing; a string is one
 * `sql` item; a list holds operations (docs/revision-files.md), each read and
 * checked completely here, so that a malformed one is RG_EINVALID with
 * `path:line: <operation>: <key at fault> ...` before anything runs.  An
 * absent `downgrade:` is derived from an upgrade list holding schema
 * operations (rg_ops_invert()), or is nothing for one of only `sql:` items.
 * `out` must be empty; it is left empty on failure.
 */
int rg_yamlrev_ops(struct rg_ops *out, const char *path, const char *text, size_t len,
		   bool upgrade);

/**
 * rg_yamlrev_ops(), also reading the top-level `lock_timeout:` into
 * meta->lock_timeout and lock_timeout_line (`meta` empty; its parts are not
 * touched).
 */
int rg_yamlrev_read(struct rg_ops *out, struct rg_body *meta, const char *path, const char *text,
		    size_t len, bool upgrade);

/**
 * rg_yamlrev_ops() as body parts: `sql` items as written (their `dialect:`
 * kept), every other operation rendered once for each dialect it runs on
 * (part.dialect set), with the line of its operation key; an operation that
 * runs through SQLite's rebuild engine (rg_op_needs_engine()) has no SQLite
 * part and sets out->needs_engine.  Also reads the
 * top-level `lock_timeout:` (rg_lock_timeout_valid(), else RG_EINVALID with
 * path:line).  `out` must be empty.
 */
int rg_yamlrev_body(struct rg_body *out, const char *path, const char *text, size_t len,
		    bool upgrade);

/*
 * The one reader of what a revision step runs, for the runner and for
 * --sql rendered ahead: the parts of the body kept with the revision (read
 * with its header, from the header cache), else of its file, read now, on
 * the dialect at hand.  A YAML file read now yields no parts: its
 * operations are in `yaml` for rg_yamlrev_read(), as some run through the
 * SQLite rebuild engine.
 */
struct rg_body_reader {
	const struct rg_body *body;	/* the parts, lock_timeout included; NULL: none */
	const char *yaml;		/* a YAML file read now: its text (yaml_len bytes); else NULL */
	size_t yaml_len;
	/* private */
	int dialect;
	size_t next;
	struct rg_body_part part;	/* a SQL file's section */
	struct rg_body section;		/* that part as a body */
	char *text, *section_text;
};

/* rg_body_reader_open() for a body not kept with its revision. */
int rg_body_reader_read(struct rg_body_reader *br, const struct rg_revision *rev, bool upgrade);

/**
 * Open the `upgrade` (or downgrade) body of `rev` for `dialect` into *br
 * (released with rg_body_reader_release() whatever this returns).  An
 * Alembic .py revision whose body is not a no-op is RG_EUNSUPPORTED (one
 * that is yields nothing); a file that cannot be read, or a SQL file
 * whose sections do not parse (path:line), is an error.  What `br` holds
 * lives until it is released, or as long as `rev` for a cached body.
 * Inline: --sql opens one for each of thousands of steps, nearly all cached.
 */
static inline int rg_body_reader_open(struct rg_body_reader *br, const struct rg_revision *rev,
				      bool upgrade, enum rg_dialect dialect)
{
	br->yaml = NULL;
	br->yaml_len = 0;
	br->dialect = (int)dialect;
	br->next = 0;
	br->text = br->section_text = NULL;
	if (rev->kind != RG_REVFILE_PY && rev->bodies) {
		/* read with the header (from the header cache): the file need not be read again */
		br->body = upgrade ? &rev->bodies->up : &rev->bodies->down;
		return 0;
	}
	br->body = NULL;
	return rg_body_reader_read(br, rev, upgrade);
}

/** The next part that runs on the reader's dialect, or NULL after the last. */
static inline const struct rg_body_part *rg_body_reader_next(struct rg_body_reader *br)
{
	while (br->body && br->next < br->body->n) {
		const struct rg_body_part *part = &br->body->items[br->next++];

		if (part->dialect < 0 || part->dialect == br->dialect)
			return part;
	}
	return NULL;
}

void rg_body_reader_free_text(struct rg_body_reader *br);

/** Free what `br` read.  A reader that failed to open is accepted. */
static inline void rg_body_reader_release(struct rg_body_reader *br)
{
	if (br->text)	/* nothing else was read without it */
		rg_body_reader_free_text(br);
}

/**
 * Prefix the message of the error `err` (not RG_ENOMEM) of the body of the
 * file `path` with the path: "path:<message>".  Returns `err`.
 */
int rg_body_file_error(int err, const char *path);

#endif
