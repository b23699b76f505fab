/*
 * The header cache: what every revision file of one directory declared,
 * kept between runs outside the project, so that a command on 100k
 * revisions checks each file's stat data instead of reading and parsing it.
 * As in git's index, an entry is trusted only while the file's size, mtime,
 * ctime, inode and device are unchanged; and an entry whose timestamps are
 * not at least 2 s older than the start of the run that read the file
 * ("racy": a later change could have kept them, on a file system with
 * coarse timestamps) is never recorded, nor is the listing of a directory
 * changed that recently.  Files that fail to parse are
 * never cached, so every error is found and reported by the parsers as
 * before.  The cache is an optimisation only: a missing, unreadable,
 * corrupt or foreign cache file is ignored and rewritten, and a cache that
 * cannot be written is skipped without a word.
 */
#ifndef RG_CACHE_H
#define RG_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "revgraph/config.h"
#include "revgraph/revision.h"
#include "revgraph/str.h"

struct rg_cache;

/**
 * The cache of directory `dir` (absolute; open as `dirfd`) for reading its
 * revision files with the settings of `cfg`.  *out is NULL when caching is
 * off ($REVGRAPH_NO_CACHE) or there is nowhere to keep it (neither
 * $XDG_CACHE_HOME nor $HOME).  A cache file that is missing or unusable
 * gives an empty cache.  0 or RG_ENOMEM.  Free with rg_cache_close().
 */
int rg_cache_open(struct rg_cache **out, const char *dir, int dirfd, const struct rg_config *cfg);

/**
 * Directories with fewer revision files than this are not cached: they read
 * in a millisecond.  $REVGRAPH_CACHE_MIN_FILES overrides the default (100).
 */
size_t rg_cache_min_files(void);

/**
 * The directory's entries as the cache recorded them (sorted; a
 * subdirectory's name ends in '/'), if the directory has provably not
 * changed since: same stat data, not racy, and every entry's type was known
 * without following a link.  Otherwise NULL: list it yourself.  The strings
 * live as long as the cache.
 */
const char *const *rg_cache_listing(const struct rg_cache *c, size_t *n);

/**
 * Start a run over the listing `names` (n, sorted; as from rg_fs_listdir_at()
 * or rg_cache_listing(), whose `all_typed` it takes).  The names must stay
 * valid until rg_cache_close().  0 or RG_ENOMEM.
 */
int rg_cache_begin(struct rg_cache *c, const char *const *names, size_t n, bool all_typed);

/**
 * The cached revision of names[i] if its entry is trusted for the file as
 * it is now (fstatat(), following links: same stat data, not racy): *out is
 * a new revision with every field its parser set (its `bodies` only if the
 * config's `want_bodies` is set) and a copy of `path` as its path, and the
 * warnings the parser gave for the file are appended to `warnings`.
 * Otherwise *out is NULL: read the file.  The names are asked for in order
 * (a second thread stats the files ahead).  0 or RG_ENOMEM.  Free *out with
 * rg_revision_free().
 */
int rg_cache_get(struct rg_cache *c, size_t i, const char *path, struct rg_revision **out,
		 struct rg_str *warnings);

/**
 * Whether a second thread is stat()ing the files of this run ahead (a
 * listing with many cached files): then rg_cache_get_early() is worth it.
 */
bool rg_cache_stats_ahead(const struct rg_cache *c);

/**
 * As rg_cache_get(), but a record is given at once, before its file is
 * stat()ed, so that the caller's work overlaps the stat()s; the caller must
 * call rg_cache_confirm() before using anything it built from it.  A record
 * with warnings (which could not be taken back) waits for its stat data as
 * in rg_cache_get().  Without a second thread this is rg_cache_get().
 */
int rg_cache_get_early(struct rg_cache *c, size_t i, const char *path, struct rg_revision **out,
		       struct rg_str *warnings);

/**
 * Wait until every file of the run has been stat()ed; true if every record
 * rg_cache_get_early() gave is trusted.  False: some file changed, and what
 * was built from this run's revisions must be thrown away and built again
 * after rg_cache_rewind().
 */
bool rg_cache_confirm(struct rg_cache *c);

/**
 * Start the run over the same listing again, as if just begun, keeping
 * what the stat()s found: every name may be asked for again with
 * rg_cache_get() (which now answers without a system call) and
 * rg_cache_put().
 */
void rg_cache_rewind(struct rg_cache *c);

/**
 * Record what names[i] (read with stat data `st`) declared: `rev` and the
 * warning text its parser gave (`wlen` bytes).  0 or RG_ENOMEM.
 */
int rg_cache_put(struct rg_cache *c, size_t i, const struct stat *st,
		 const struct rg_revision *rev, const char *warnings, size_t wlen);

/**
 * With `save`, write the cache file if this run found anything new
 * (atomically: a temporary file renamed over it; a failure to write is
 * ignored); then free `c`.  Without rg_cache_begin() nothing is written.
 * NULL is accepted.
 */
void rg_cache_close(struct rg_cache *c, bool save);

/**
 * For tests only: make the runs opened from now on start at `t` instead of
 * the real time (NULL: the real time again), to put files in or out of the
 * racy window without waiting.
 */
void rg_cache_set_test_clock(const struct timespec *t);

#endif
