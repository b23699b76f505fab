/*
 * The script directory: every revision file of the configured version
 * locations, read in sorted file-name order and linked into a revision map.
 */
#ifndef RG_SCRIPT_H
#define RG_SCRIPT_H

#include <stdbool.h>

#include "revgraph/config.h"
#include "revgraph/revmap.h"
#include "revgraph/str.h"

/**
 * Scan the version locations of `cfg` (each sorted by name; recursively when
 * configured; missing configured locations skipped as Alembic does), parse
 * every `.py`, `.yaml`/`.yml` and `.sql` revision file and build the map.
 * Problems in several files are all reported at once, one per line.
 * Non-fatal problems (a non-literal header value) are appended to
 * `warnings` one per line.  Free *out with rg_revmap_free().
 */
int rg_script_load(struct rg_revmap **out, const struct rg_config *cfg, struct rg_str *warnings);

/**
 * A load that may not be settled yet.  Large cached directories have their
 * files stat()ed by a second thread while this one builds the map from the
 * cached records; a caller with nothing to undo (it only fills buffers) can
 * go on using the map while the stat()s finish, and settle just before its
 * first effect outside the process.
 */
struct rg_script_pending;

/**
 * As rg_script_load(), but *pending may be left non-NULL: then *out is built
 * from records not yet confirmed, and rg_script_settle() must follow before
 * anything built from it leaves the process.  An error is always settled.
 */
int rg_script_load_pending(struct rg_revmap **out, struct rg_script_pending **pending,
			   const struct rg_config *cfg, struct rg_str *warnings);

/**
 * Wait for the stat()s of a pending load and free `pending` (NULL: nothing
 * to do).  If every record held, *out is untouched and *stale false.  If a
 * file had changed, *stale is true: the map *out was freed, the warnings
 * given to the load were taken back, and *out is the map of the files as
 * they are now (or NULL, with the error returned), with its warnings.
 */
int rg_script_settle(struct rg_script_pending *pending, struct rg_revmap **out, bool *stale);

#endif
