/*
 * Python's repr() of a str, used wherever Alembic's messages and generated
 * files show a quoted string ('x', "it's").
 */
#ifndef RG_PYREPR_H
#define RG_PYREPR_H

#include "revgraph/str.h"

/** Append repr(s) to `out` (s is UTF-8). */
void rg_py_repr_add(struct rg_str *out, const char *s);

/**
 * Append s between two `quote` characters with Python's escapes (\\, the
 * quote, \n, \r, \t, \xNN for other control characters); with '"' this is
 * also a YAML double-quoted scalar.
 */
void rg_py_quoted_add(struct rg_str *out, const char *s, char quote);

/** repr(s) in a new string, or NULL on OOM. */
char *rg_py_repr(const char *s);

/** The value of the hex digit c (0-9, a-f, A-F), or -1. */
int rg_hexval(char c);

/** ASCII case-insensitive strcmp. */
int rg_strcasecmp_ascii(const char *a, const char *b);

#endif
