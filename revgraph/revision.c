/*
 * struct rg_revision and struct rg_strlist helpers (revgraph/revision.h).
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "body.h"
#include "revgraph/revision.h"

void rg_strlist_init(struct rg_strlist *l)
{
	l->items = NULL;
	l->n = 0;
	l->alloc = 0;
}

void rg_strlist_release(struct rg_strlist *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	rg_strlist_init(l);
}

int rg_strlist_push_owned(struct rg_strlist *l, char *s)
{
	if (!s)
		return RG_ENOMEM;
	if (RG_GROW(l->items, l->n + 1, l->alloc)) {
		free(s);
		return RG_ENOMEM;
	}
	l->items[l->n++] = s;
	return 0;
}

int rg_strlist_push(struct rg_strlist *l, const char *s)
{
	return rg_strlist_push_owned(l, rg_strdup(s));
}

bool rg_strlist_has(const struct rg_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->items[i], s))
			return true;
	return false;
}

int rg_strlist_copy(struct rg_strlist *dst, const struct rg_strlist *src)
{
	size_t i;

	rg_strlist_release(dst);
	for (i = 0; i < src->n; i++)
		if (rg_strlist_push(dst, src->items[i]))
			return RG_ENOMEM;
	return 0;
}

struct rg_revision *rg_revision_new(void)
{
	return rg_calloc(1, sizeof(struct rg_revision));
}

void rg_revision_free(struct rg_revision *rev)
{
	if (!rev)
		return;
	if (rev->one_block) {
		free(rev->path);
		free(rev);
		return;
	}
	free(rev->id);
	rg_strlist_release(&rev->down);
	rg_strlist_release(&rev->deps);
	rg_strlist_release(&rev->labels);
	free(rev->doc);
	free(rev->path);
	free(rev->create_date);
	rg_rev_bodies_free(rev->bodies);
	free(rev);
}

bool rg_revision_id_ok(const char *id, char *bad, size_t bad_size)
{
	static const char illegal[] = "+-@";	/* sorted, as Alembic prints them */
	size_t i, used = 0;
	bool ok = true;

	if (bad_size)
		bad[0] = '\0';
	for (i = 0; illegal[i]; i++) {
		if (!strchr(id, illegal[i]))
			continue;
		ok = false;
		if (used + 4 < bad_size) {
			if (used) {
				bad[used++] = ',';
				bad[used++] = ' ';
			}
			bad[used++] = illegal[i];
			bad[used] = '\0';
		}
	}
	return ok;
}
