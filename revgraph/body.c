/*
 * The one reader of a revision step's body (body.h): from the header cache
 * when it holds the body, else from the file, filtered for the dialect at
 * hand.  The runner splits what it yields into statements; --sql rendered
 * ahead splits it into spans of the same text.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "body.h"
#include "fsutil.h"
#include "revgraph/str.h"
#include "revgraph/common.h"
#include "yamlrev.h"
#include "banned.h"

int rg_body_file_error(int err, const char *path)
{
	struct rg_str msg = RG_STR_INIT;

	if (err == RG_ENOMEM)
		return err;
	rg_str_addf(&msg, "%s:%s", path, rg_error_last());
	err = rg_error_set(err, "%s", rg_str_check(&msg) ? rg_error_last() : msg.buf);
	rg_str_release(&msg);
	return err;
}

/* An Alembic .py revision's body: nothing to run for a no-op, else a refusal. */
static int python_body(const struct rg_revision *rev, bool upgrade)
{
	if (rev->body_is_noop)
		return 0;
	return rg_error_set(RG_EUNSUPPORTED,
			    "%s: %s() is Python code, which revgraph cannot run; run this revision with Alembic, or stamp past it",
			    rev->path, upgrade ? "upgrade" : "downgrade");
}

int rg_body_reader_read(struct rg_body_reader *br, const struct rg_revision *rev, bool upgrade)
{
	size_t len, line = 0;
	int err;

	if (rev->kind == RG_REVFILE_PY)
		return python_body(rev, upgrade);
	if ((err = rg_fs_read(&br->text, &len, rev->path)))
		return err;
	if (rev->kind != RG_REVFILE_SQL) {
		br->yaml = br->text;
		br->yaml_len = len;
		return 0;
	}
	if ((err = rg_sqlrev_section_at(&br->section_text, &line, br->text, len, upgrade)))
		return rg_body_file_error(err, rev->path);
	if (br->section_text) {
		br->part.sql = br->section_text;
		br->part.line = line;
		br->part.dialect = -1;
	}
	memset(&br->section, 0, sizeof(br->section));
	br->section.items = &br->part;
	br->section.n = br->section_text != NULL;
	br->body = &br->section;
	return 0;
}

void rg_body_reader_free_text(struct rg_body_reader *br)
{
	free(br->section_text);
	free(br->text);
}
