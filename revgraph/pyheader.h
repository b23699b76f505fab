/*
 * Reader of Alembic's Python revision files (`*.py`) that does not run
 * Python: it tokenizes the file just far enough to find the module
 * docstring, the module-level header assignments and whether upgrade() and
 * downgrade() do anything, so revgraph can work on an Alembic project as-is.
 */
#ifndef RG_PYHEADER_H
#define RG_PYHEADER_H

#include <stddef.h>

#include "revgraph/str.h"
#include "revgraph/revision.h"

/**
 * Parse the header of an Alembic revision file.
 *
 * `text`/`len` is the whole file (UTF-8, not necessarily NUL-terminated).
 * `path` (non-NULL) is where it was found: it prefixes every message, and its
 * basename serves Alembic's legacy rule (a file named `<hex>.py` without a
 * `revision` variable has that hex as its id).
 *
 * Reads the assignments to `revision`, `down_revision`, `branch_labels` and
 * `depends_on` made in column 0 (module level), with or without a type
 * annotation, whose value is a string (adjacent literals concatenated), None,
 * or a tuple or list of strings, over any number of lines; None, (), [] and
 * "" mean "none".  When a variable is assigned twice the last assignment
 * wins.  A value or element that is a (dotted) name is looked up in
 * `const_names` and replaced by the `const_values` entry at the same index
 * (both lists may be NULL); any other value that is not a string literal
 * appends a warning line to `warnings` and makes that variable None
 * (`revision`: absent).  `warnings` may be NULL, which drops warnings.
 *
 * On success sets out->id, down, deps, has_deps (depends_on names at least
 * one revision), labels, doc (the module docstring stripped of ASCII
 * whitespace, "" if there is none; never NULL), body_is_noop (the top-level
 * upgrade() and downgrade() hold only `pass`, `...` and string literals, or
 * do not exist) and line_id/line_down/line_deps/line_labels (1-based line of
 * the last assignment, 0 if absent; line_id is 0 for an id taken from the
 * file name).  Earlier values of those fields are freed, so `out` must be
 * zeroed (rg_revision_new()) or hold an earlier result; the new values belong
 * to `out` and are freed by rg_revision_free().  out->path, out->kind and
 * out->create_date are not touched.  On failure `out` is left unchanged
 * (warnings appended before the failure stay in `warnings`).
 *
 * Each warning is a whole line `path:line: warning: ...\n`.
 *
 * Returns 0; RG_EINVALID with a one-line message `path:line: problem` for a
 * Python syntax error that stops the file from being read (an unterminated
 * string, an unclosed or unmatched bracket) or for a missing
 * `down_revision`, and with Alembic's own text (no `path:line:`) when the
 * revision id cannot be determined; or RG_ENOMEM (also when appending to
 * `warnings` failed).
 */
int rg_pyheader_parse(struct rg_revision *out, const char *path, const char *text, size_t len,
		      const struct rg_strlist *const_names, const struct rg_strlist *const_values,
		      struct rg_str *warnings);

#endif
