/*
 * The script directory: every revision file of the configured version
 * locations, read in sorted file-name order and linked into a revision map.
 */
#ifndef RG_SCRIPT_H
#define RG_SCRIPT_H

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

#endif
