/*
 * A renderer for the subset of Mako that Alembic's script.py.mako templates
 * use, so `revision` and `merge` can write a revision file byte-identical to
 * Alembic's without running Python.  Anything outside the subset is refused
 * with "<path>:<line>: ..." rather than rendered wrongly.
 */
#ifndef RG_TEMPLATE_H
#define RG_TEMPLATE_H

#include <stddef.h>

#include "revgraph/str.h"

/* A Python value as Alembic's templates see it: None, a str, or a tuple or list of str
 * (depends_on with several values is a list). */
enum rg_pyval_kind { RG_PYVAL_NONE, RG_PYVAL_STR, RG_PYVAL_TUPLE, RG_PYVAL_LIST };
struct rg_pyval {
	enum rg_pyval_kind kind;
	const char *str;		/* RG_PYVAL_STR */
	const char *const *items;	/* RG_PYVAL_TUPLE, RG_PYVAL_LIST */
	size_t n;			/* RG_PYVAL_TUPLE, RG_PYVAL_LIST */
};

/* The names Alembic's script.py.mako templates use. */
struct rg_mako_vars {
	const char *up_revision;
	struct rg_pyval down_revision, branch_labels, depends_on;
	const char *message;
	const char *create_date;	/* already formatted as str(datetime) */
	const char *imports, *upgrades, *downgrades;	/* NULL when empty */
	/* config.get_main_option(key): NULL = None; may be NULL itself */
	const char *(*get_main_option)(void *ud, const char *key);
	void *ud;
};

/*
 * Render `text` (len bytes, the template read from `path`) into `out`.
 * Returns 0, or -1 with the error slot set to "<path>:<line>: <what>" for a
 * construct outside the supported subset, or an evaluation error, or OOM.
 *
 * The template sees what Alembic 1.8.1's ScriptDirectory.generate_revision()
 * passes to render(): the fields above plus `comma` (format_as_comma) and
 * `config`.  A NULL `imports`/`upgrades`/`downgrades` is not passed at all
 * (a plain `revision` passes none of them: `${upgrades}` is then an error
 * and `upgrades if upgrades else "pass"` is "pass"); a non-NULL one, even
 * "", is passed as that str.  With `get_main_option` NULL, `config` is the
 * string "config", as `merge` passes it.  A NULL `str` or tuple item, or a
 * NULL up_revision/message/create_date, counts as "".
 *
 * Error codes (rg_error_code()): RG_EUNSUPPORTED for valid Mako/Python
 * outside the subset, RG_EINVALID for what Mako or Python would reject too
 * (syntax errors, NameError: Undefined, a TypeError...), RG_ENOMEM.  On
 * error `out` is unchanged, except that an allocation failure while
 * appending to it leaves it failed (str.h).  The template must be UTF-8.
 */
int rg_mako_render(const char *path, const char *text, size_t len,
		   const struct rg_mako_vars *vars, struct rg_str *out);

#endif
