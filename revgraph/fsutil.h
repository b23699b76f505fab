/*
 * File-system helpers: whole-file reads, Python-style abspath/normpath, and
 * sorted directory listings.  Paths are plain C strings owned by the caller.
 */
#ifndef RG_FSUTIL_H
#define RG_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "revgraph/revision.h"

/**
 * Read the whole file `path` into a new NUL-terminated buffer (*out, freed by
 * the caller) of *len bytes.  RG_ENOTFOUND if it does not exist, RG_EIO for
 * other failures, RG_ENOMEM.
 */
int rg_fs_read(char **out, size_t *len, const char *path);

/** Python's os.path.normpath of `path`, newly allocated (NULL on OOM). */
char *rg_fs_normpath(const char *path);

/** Python's os.path.abspath: joined to the working directory, normalised. */
char *rg_fs_abspath(const char *path);

/** The directory part of `path` (os.path.dirname), newly allocated. */
char *rg_fs_dirname(const char *path);

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

#endif
