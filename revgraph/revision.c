/*
 * struct rg_revision and struct rg_strlist helpers (revgraph/revision.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "body.h"
#include "revslab.h"
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
	if (rev->slab) {
		/* its bodies too are in the slab */
		rg_rev_slab_release(rev->slab);
		return;
	}
	rg_rev_bodies_free(rev->bodies);
	free(rev->id);
	rg_strlist_release(&rev->down);
	rg_strlist_release(&rev->deps);
	rg_strlist_release(&rev->labels);
	free(rev->doc);
	free(rev->path);
	free(rev->create_date);
	free(rev);
}

struct rg_rev_slab {
	size_t holds;		/* revisions carved from it, and its maker while it carves */
	size_t used, cap;	/* in units of mem[] */
	void *mem[];		/* pointer-aligned */
};

struct rg_rev_slab *rg_rev_slab_new(size_t cap)
{
	struct rg_rev_slab *s;
	size_t units = (cap + sizeof(void *) - 1) / sizeof(void *);

	if (units > (SIZE_MAX - sizeof(*s)) / sizeof(void *))
		return NULL;
	if (!(s = rg_malloc(sizeof(*s) + units * sizeof(void *))))
		return NULL;
	s->holds = 1;
	s->used = 0;
	s->cap = units;
	return s;
}

void *rg_rev_slab_carve(struct rg_rev_slab *s, size_t size)
{
	size_t units = (size + sizeof(void *) - 1) / sizeof(void *);
	void *p;

	if (units > s->cap - s->used)
		return NULL;
	p = &s->mem[s->used];
	s->used += units;
	s->holds++;
	return p;
}

void rg_rev_slab_release(struct rg_rev_slab *s)
{
	if (s && !--s->holds)
		free(s);
}

bool rg_revision_id_ok(const char *id, char *bad, size_t bad_size)
{
	static const char illegal[] = "+-@";	/* sorted, as Alembic prints them */
	size_t i, used = 0;
	bool ok = true;

	if (bad_size)
		bad[0] = '\0';
	if (!strpbrk(id, illegal))
		return true;	/* the usual case: one pass over the id */
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
