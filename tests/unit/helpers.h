/*
 * Shared fixtures for the unit tests: build revisions in memory and the
 * sample graph of shared/reference (Appendix A) in its sorted load order.
 */
#ifndef RG_TEST_HELPERS_H
#define RG_TEST_HELPERS_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "revgraph/revmap.h"
#include "revgraph/revision.h"

/* "a b" -> list {"a","b"}; "" -> empty */
static inline void split_into(struct rg_strlist *l, const char *spec)
{
	char *copy = strdup(spec), *p, *save = NULL;

	for (p = strtok_r(copy, " ", &save); p; p = strtok_r(NULL, " ", &save))
		rg_strlist_push(l, p);
	free(copy);
}

static inline struct rg_revision *mkrev(const char *id, const char *down, const char *deps,
					const char *labels, const char *doc)
{
	struct rg_revision *r = rg_revision_new();

	r->id = rg_strdup(id);
	split_into(&r->down, down);
	split_into(&r->deps, deps);
	r->has_deps = r->deps.n > 0;
	split_into(&r->labels, labels);
	r->doc = rg_strdup(doc);
	r->path = rg_strdup(id);	/* the id stands for the file name */
	r->line_id = 10;
	r->line_down = 11;
	r->line_deps = 13;
	r->line_labels = 12;
	return r;
}

/* Appendix A of the reference, in sorted file-name order. */
static inline struct rg_revmap *sample_map(void)
{
	struct rg_revision *revs[] = {
		mkrev("1975ea83b712", "", "", "", "create account table"),
		mkrev("27c6a30d7c24", "1975ea83b712", "", "", "add shopping cart table"),
		mkrev("2a95102259be", "5d2e8d0c4e91", "3cac04ae8714", "", "add fk to account"),
		mkrev("3cac04ae8714", "53fffde5ad5", "", "", "add email col"),
		mkrev("53fffde5ad5", "ae1027a6acf 27c6a30d7c24", "", "", "merge cart and column"),
		mkrev("55af2cb1c267", "", "", "networking", "create networking branch"),
		mkrev("5d2e8d0c4e91", "55af2cb1c267", "", "", "add ip number table"),
		mkrev("9a1b2c3d4e5f", "3cac04ae8714", "networking", "", "dep by label"),
		mkrev("ae1027a6acf", "1975ea83b712", "", "", "add a column"),
		mkrev("b10000000001", "", "", "lib", "lib base"),
		mkrev("c20000000002", "9a1b2c3d4e5f", "b10000000001", "", "main uses lib"),
	};
	struct rg_revmap *map = NULL;

	if (rg_revmap_build(&map, revs, sizeof(revs) / sizeof(revs[0])))
		return NULL;
	return map;
}

static inline size_t idx_of(const struct rg_revmap *map, const char *id)
{
	size_t i = (size_t)-1;

	rg_revmap_find_id(map, id, &i);
	return i;
}

#endif
