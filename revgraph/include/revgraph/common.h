/*
 * Error codes and the per-thread error slot shared by every revgraph module.
 * Every fallible library function returns 0 or one of the negative RG_E*
 * codes below and leaves a one-line message readable with rg_error_last().
 */
#ifndef RG_COMMON_H
#define RG_COMMON_H

#include <stdbool.h>
#include <stddef.h>

enum rg_error_code {
	RG_OK = 0,
	RG_ENOTFOUND = -1,	/* a revision, file, section or key does not exist */
	RG_EAMBIGUOUS = -2,	/* a prefix or walk matches more than one revision */
	RG_EMULTIHEAD = -3,	/* "head" asked for with several heads present */
	RG_ECYCLE = -4,		/* the revision graph has a cycle */
	RG_EINVALID = -5,	/* malformed input: a file, an argument, a config value */
	RG_EDATABASE = -6,	/* the database refused or failed */
	RG_EUNSUPPORTED = -7,	/* valid, but not something revgraph does */
	RG_ENOMEM = -8,		/* an allocation failed */
	RG_EIO = -9		/* reading or writing a file failed */
};

/**
 * The message of the last error on this thread.  Never NULL: "" when no
 * error was set.  The string belongs to the slot and stays valid until the
 * next rg_error_set() or rg_error_clear() on this thread.
 */
const char *rg_error_last(void);

/** The code passed with the last rg_error_set() on this thread, or 0. */
int rg_error_code(void);

/**
 * Set the error message (printf format) and return `code`, so that callers
 * can write `return rg_error_set(RG_EINVALID, "...", ...);`.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int rg_error_set(int code, const char *fmt, ...);

/**
 * A second, optional line of detail for the last error (for example the
 * candidates of an ambiguous prefix, where the main message must stay
 * Alembic's).  "" when none; cleared by every rg_error_set().
 */
const char *rg_error_detail(void);

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void rg_error_set_detail(const char *fmt, ...);

/** Forget the last error. */
void rg_error_clear(void);

/** The library's version string, e.g. "0.1.0". Static storage. */
const char *rg_version(void);

#endif
