/*
 * File-system helpers: whole-file reads, Python-style abspath/normpath, and
 * sorted directory listings.  Paths are plain C strings owned by the caller.
 */
#ifndef RG_FSUTIL_H
#define RG_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "revgraph/revision.h"

/**
 * Read the whole file `path` into a new NUL-terminated buffer (*out, freed by
 * the caller) of *len bytes.  RG_ENOTFOUND if it does not exist, RG_EIO for
 * other failures, RG_ENOMEM.
 */
int rg_fs_read(char **out, size_t *len, const char *path);

/**
 * rg_fs_read() of `name` in the directory open as `dirfd` (openat(): no
 * lookup of the whole path); `path` names the file in messages.  With `st`
 * non-NULL the open file's stat data is stored there first, so it is never
 * newer than the content read.
 */
int rg_fs_read_at(char **out, size_t *len, struct stat *st, int dirfd, const char *name,
		  const char *path);

/** Python's os.path.normpath of `path`, newly allocated (NULL on OOM). */
char *rg_fs_normpath(const char *path);

/** Python's os.path.abspath: joined to the working directory, normalised. */
char *rg_fs_abspath(const char *path);

/** The directory part of `path` (os.path.dirname), newly allocated. */
char *rg_fs_dirname(const char *path);

/**
 * Python's os.path.relpath(path, start) for two absolute, normalised paths
 * (rg_fs_abspath() results), lexically: "." when equal.  Newly allocated.
 */
char *rg_fs_relpath(const char *path, const char *start);

/**
 * Create the new file `path` (O_EXCL: an existing file is never touched)
 * holding `len` bytes of `data`, with permission bits `mode` exactly
 * (fchmod, not filtered by the umask, as Python's shutil.copy does) or, for
 * mode 0, 0666 less the umask.  On failure the file is removed again.
 * RG_EIO with "cannot write 'path': <reason>".
 */
int rg_fs_write_new(const char *path, const char *data, size_t len, mode_t mode);

/** `dir` + "/" + `name`, newly allocated. */
char *rg_fs_join(const char *dir, const char *name);

bool rg_fs_is_dir(const char *path);
bool rg_fs_exists(const char *path);

/**
 * The entries of directory `dir` (without "." and ".."), sorted by byte
 * value; the name of a subdirectory ends in '/' (so no stat is needed to
 * tell them apart) (= code point order for UTF-8, as Python's sorted()).  RG_ENOTFOUND
 * or RG_EIO with a message naming the directory.
 */
int rg_fs_listdir(struct rg_strlist *out, const char *dir);

/**
 * rg_fs_listdir() of the directory open as `dirfd` (`dir` names it in
 * messages; the descriptor stays open and usable).  *all_typed (may be NULL)
 * is set to whether readdir() gave every entry's type itself: no symbolic
 * link, no DT_UNKNOWN, so that the listing depends on the directory alone.
 */
int rg_fs_listdir_at(struct rg_strlist *out, int dirfd, const char *dir, bool *all_typed);

#endif
