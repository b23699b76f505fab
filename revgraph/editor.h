/*
 * Opening a file in the user's text editor, for `edit`: which editor
 * (Alembic's util/editor.py rules) and running it without a shell.
 */
#ifndef RG_EDITOR_H
#define RG_EDITOR_H

#include "revgraph/revision.h"

/**
 * The editor command to run, as an argument list (caller-owned, overwritten):
 * the first of $EDITOR, $VISUAL (`editor`, `visual`; NULL or "" when unset),
 * then sensible-editor, editor, nano and vi that exists.  A variable's value
 * is taken whole when a file of that name exists (a path with spaces);
 * otherwise it is split on blanks into a command and its arguments (no
 * quoting: "code --wait").  A command containing '/' must exist; one without
 * is looked up in `path` ($PATH; NULL is ""), where it must be an
 * executable file.  RG_ENOTFOUND with Alembic's text "No suitable editor
 * found. Please set the "EDITOR" or "VISUAL" environment variables".
 */
int rg_editor_find(struct rg_strlist *argv, const char *editor, const char *visual, const char *path);

/**
 * Run `argv` followed by `file` (fork and execvp, no shell), with SIGINT
 * and SIGQUIT ignored here while it runs, and wait for it.  RG_EIO with
 * Python's subprocess texts, which Alembic shows: "Command '['ed', 'f']'
 * returned non-zero exit status 3.", "... died with <Signals.SIGTERM: 15>.",
 * "[Errno 13] Permission denied: 'ed'".
 */
int rg_editor_run(const struct rg_strlist *argv, const char *file);

/**
 * rg_editor_find() then rg_editor_run(), failing as Alembic's
 * open_in_editor does: "Error executing editor (<reason>)".
 */
int rg_editor_open(const char *file, const char *editor, const char *visual, const char *path);

#endif
