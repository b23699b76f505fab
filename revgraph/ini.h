/*
 * A reader for .ini files with the semantics of Python's configparser as
 * Alembic uses it (ConfigParser with a "here" default): sections, "=" or ":"
 * delimiters, lower-cased keys, indented continuation lines, full-line "#"
 * and ";" comments, a DEFAULT section, and %(name)s / %% interpolation.
 */
#ifndef RG_INI_H
#define RG_INI_H

#include <stdbool.h>
#include <stddef.h>

struct rg_ini;

/**
 * Parse `text` (the file `path`, used in messages).  `here` becomes the
 * DEFAULT value "here" (the file's directory) unless the file sets it.
 * Returns 0, RG_EINVALID ("path:line: ...") or RG_ENOMEM.  Free with
 * rg_ini_free().
 */
int rg_ini_parse(struct rg_ini **out, const char *path, const char *text, size_t len,
		 const char *here);

/** Read and parse the file `path`.  RG_ENOTFOUND if it cannot be read. */
int rg_ini_load(struct rg_ini **out, const char *path, const char *here);

void rg_ini_free(struct rg_ini *ini);

bool rg_ini_has_section(const struct rg_ini *ini, const char *section);

/**
 * The interpolated value of `key` (matched case-insensitively, as
 * configparser lower-cases keys) in `section`, falling back to DEFAULT.
 * *out is owned by `ini` and lives as long as it.  RG_ENOTFOUND if absent,
 * RG_EINVALID for a bad interpolation.
 */
int rg_ini_get(const char **out, struct rg_ini *ini, const char *section, const char *key);

/**
 * Iterate over the keys of `section` in file order (DEFAULT keys excluded).
 * The key keeps its case as written.  Returns false past the end.
 * Values are raw (not interpolated).
 */
bool rg_ini_entry(const struct rg_ini *ini, const char *section, size_t i,
		  const char **key, const char **raw_value);

#endif
