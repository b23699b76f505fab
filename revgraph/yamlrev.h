/*
 * Readers for revgraph's native revision files: YAML (`*.yaml`) and plain SQL
 * (`*.sql`, the same header keys in a leading `-- ` comment block, then
 * `-- upgrade` / `-- downgrade` sections).  They fill a struct rg_revision with
 * what the revision map needs; the bodies are read later by whoever runs them.
 */
#ifndef RG_YAMLREV_H
#define RG_YAMLREV_H

#include <stdbool.h>
#include <stddef.h>

#include "revgraph/revision.h"

/**
 * Fill `out` from a native YAML revision file.
 *
 * `text`/`len` is the whole file (not NUL-terminated); `path` is used only in
 * error messages.  Reads the top-level keys `revision` (required, a non-empty
 * string), `down_revision` (required; null, a string or a list: null, "" and
 * [] make a root), `branch_labels` and `depends_on` (optional; null, a string
 * or a list), `message` (optional, stripped) and `create_date` (optional).
 * Plain scalars are taken exactly as written (`revision: 0123` is "0123");
 * a plain `null`, `Null`, `NULL`, `~` or empty value is null.  Other keys
 * (`upgrade`, `downgrade`, ...) are allowed and not looked at.
 *
 * On success sets out->id, down, labels, deps, has_deps, doc (never NULL: ""
 * without `message`), create_date (NULL if absent or null), kind
 * (RG_REVFILE_YAML) and line_id/line_down/line_deps/line_labels (1-based line
 * of the key, 0 if absent).  Previous values of those fields are freed, so
 * `out` must be zeroed (rg_revision_new()) or hold an earlier result; the new
 * values are owned by `out` and freed by rg_revision_free().  out->path and
 * out->body_is_noop are not touched.  On failure `out` is left unchanged.
 *
 * Returns 0; RG_EINVALID with a one-line message `path:line:column: problem`
 * for a YAML syntax error or `path:line: problem` for a structural one; or
 * RG_ENOMEM.
 */
int rg_yamlrev_parse(struct rg_revision *out, const char *path, const char *text, size_t len);

/**
 * Fill `out` from a `.sql` revision file, as rg_yamlrev_parse() does (kind is
 * RG_REVFILE_SQL).
 *
 * The header is the run of `--` comment lines at the start of the file, up to
 * the first non-comment line or section marker.  Each header line loses its
 * `--` and one following space; the rest is read as YAML, and line and column
 * numbers in messages are those of the file.  A section marker is a line
 * `-- upgrade` or `-- downgrade` (any case, optional whitespace around and
 * after the `--`).
 *
 * Besides the YAML errors: RG_EINVALID for a file without a header, a
 * duplicate marker, or a non-comment, non-blank line before the first marker.
 */
int rg_sqlrev_parse(struct rg_revision *out, const char *path, const char *text, size_t len);

/**
 * The upgrade (`upgrade` true) or downgrade text of a `.sql` revision file:
 * the lines after its `-- upgrade` (or `-- downgrade`) marker line, up to the
 * next marker line or the end of the file, byte for byte.
 *
 * `*out` is newly allocated and owned by the caller (free()); it is NULL if
 * the file has no such section.  Returns 0, RG_EINVALID if the marker appears
 * twice (the message names the line but not the file), or RG_ENOMEM.
 */
int rg_sqlrev_section(char **out, const char *text, size_t len, bool upgrade);

/** rg_sqlrev_section(), also giving the file line where the section's text starts. */
int rg_sqlrev_section_at(char **out, size_t *first_line, const char *text, size_t len,
			 bool upgrade);

#endif
