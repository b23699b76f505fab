/*
 * Building and checking the revision map (revgraph/revmap.h).  The rules are
 * Alembic's RevisionMap: down_revision links make the versioned graph,
 * depends_on links add ordering edges, labels become extra keys, and
 * dependencies already implied by an ancestor are dropped ("normalised").
 * Unlike Alembic, every problem is collected and reported with file:line.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "idmap.h"
#include "strsort.h"
#include "revgraph/str.h"
#include "walk.h"
#include "revgraph/revmap.h"
#include "banned.h"

struct rg_revmap {
	struct rg_node *nodes;
	size_t n;
	size_t *pool;		/* backs every node's index lists (they never grow) */
	size_t pool_len;
	struct rg_bitset dup_id;	/* revisions whose id an earlier one has (none: no bits) */
	size_t *all_start;	/* while building: all_next of i is pool[all_start[i]..all_start[i + 1]) */
	struct rg_idmap *ids;
	struct rg_idmap *labels;
	char **sorted_keys;	/* ids and labels, sorted, for prefix search; built on first use */
	size_t n_keys;
};

void rg_idx_list_release(struct rg_idx_list *l)
{
	if (!l)
		return;
	free(l->items);
	l->items = NULL;
	l->n = l->alloc = 0;
}

int rg_idx_list_push(struct rg_idx_list *l, size_t v)
{
	if (RG_GROW(l->items, l->n + 1, l->alloc))
		return RG_ENOMEM;
	l->items[l->n++] = v;
	return 0;
}

bool rg_idx_list_has(const struct rg_idx_list *l, size_t v)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->items[i] == v)
			return true;
	return false;
}

void rg_revmap_free(struct rg_revmap *map)
{
	size_t i;

	if (!map)
		return;
	/* newest first: what was allocated last goes back to malloc's top at once */
	for (i = map->n; i-- > 0;) {
		struct rg_node *nd = &map->nodes[i];

		rg_revision_free(nd->rev);
		free(nd->labels);
	}
	free(map->pool);
	free(map->all_start);
	rg_bitset_release(&map->dup_id);
	free(map->nodes);
	free(map->sorted_keys);
	rg_idmap_free(map->ids);
	rg_idmap_free(map->labels);
	free(map);
}

size_t rg_revmap_count(const struct rg_revmap *map)
{
	return map->n;
}

const struct rg_node *rg_revmap_node(const struct rg_revmap *map, size_t i)
{
	return &map->nodes[i];
}

bool rg_revmap_find_id(const struct rg_revmap *map, const char *id, size_t *idx)
{
	return rg_idmap_get(map->ids, id, idx);
}

bool rg_revmap_find_label(const struct rg_revmap *map, const char *label, size_t *idx)
{
	return rg_idmap_get(map->labels, label, idx);
}

static size_t key_index(const struct rg_revmap *map, const char *key, bool *is_label)
{
	size_t idx = 0;

	*is_label = !rg_idmap_get(map->ids, key, &idx);
	if (*is_label)
		rg_idmap_get(map->labels, key, &idx);
	return idx;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys rg_revmap_prefix() searches: every id and every label that is no id, sorted. */
static int build_key_index(struct rg_revmap *map)
{
	char **keys;
	size_t i, j, n = 0;

	keys = rg_malloc((rg_idmap_count(map->ids) + rg_idmap_count(map->labels) + 1) * sizeof(char *));
	if (!keys)
		return RG_ENOMEM;
	for (i = 0; i < map->n; i++) {
		const struct rg_revision *rev = map->nodes[i].rev;
		size_t owner, k;

		if (!map->dup_id.w || !rg_bitset_has(&map->dup_id, i))
			keys[n++] = rev->id;
		for (j = 0; j < rev->labels.n; j++) {
			const char *label = rev->labels.items[j];

			/* a label listed twice in one revision was indexed once */
			for (k = 0; k < j && strcmp(rev->labels.items[k], label); k++)
				;
			if (k == j && rg_idmap_get(map->labels, label, &owner) && owner == i &&
			    !rg_idmap_get(map->ids, label, &owner))
				keys[n++] = rev->labels.items[j];
		}
	}
	if (rg_strsort((const char **)keys, n)) {
		free(keys);
		return RG_ENOMEM;
	}
	map->sorted_keys = keys;
	map->n_keys = n;
	return 0;
}

int rg_revmap_prefix(struct rg_idx_list *out, const struct rg_revmap *map, const char *prefix)
{
	struct rg_idx_list labels = { 0 };
	size_t plen = strlen(prefix), lo, hi, i;
	int err = 0;

	out->n = 0;
	/* sorting every key costs more than most commands take otherwise: only when asked */
	if (!map->sorted_keys && (err = build_key_index((struct rg_revmap *)map)))
		return err;
	lo = 0;
	hi = map->n_keys;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(map->sorted_keys[mid], prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ids come first in map order, then labels (Alembic adds them after) */
	for (i = lo; i < map->n_keys && !strncmp(map->sorted_keys[i], prefix, plen); i++) {
		bool is_label;
		size_t idx;

		if (strlen(map->sorted_keys[i]) <= 3)
			continue;
		idx = key_index(map, map->sorted_keys[i], &is_label);
		if ((err = rg_idx_list_push(is_label ? &labels : out, idx)))
			goto out;
	}
	if (out->n > 1)
		qsort(out->items, out->n, sizeof(size_t), rg_cmp_index);
	if (labels.n > 1)
		qsort(labels.items, labels.n, sizeof(size_t), rg_cmp_index);
	for (i = 0; i < labels.n; i++)
		if ((err = rg_idx_list_push(out, labels.items[i])))
			goto out;
out:
	rg_idx_list_release(&labels);
	return err;
}

static int list_where(struct rg_idx_list *out, const struct rg_revmap *map,
		      bool (*pred)(const struct rg_node *))
{
	size_t i;

	out->n = 0;
	for (i = 0; i < map->n; i++)
		if (pred(&map->nodes[i]) && rg_idx_list_push(out, i))
			return RG_ENOMEM;
	return 0;
}

int rg_revmap_heads(struct rg_idx_list *out, const struct rg_revmap *map)
{
	return list_where(out, map, rg_node_is_head);
}

int rg_revmap_real_heads(struct rg_idx_list *out, const struct rg_revmap *map)
{
	return list_where(out, map, rg_node_is_real_head);
}

int rg_revmap_bases(struct rg_idx_list *out, const struct rg_revmap *map)
{
	return list_where(out, map, rg_node_is_base);
}

bool rg_node_has_label(const struct rg_node *n, const char *label)
{
	size_t i;

	for (i = 0; i < n->n_labels; i++)
		if (!strcmp(n->labels[i], label))
			return true;
	return false;
}

/* "path:line: " for problems a file is at fault for. */
static void where(struct rg_str *out, const struct rg_revision *rev, int line)
{
	if (out->len)
		rg_str_addch(out, '\n');
	rg_str_addf(out, "%s:%d: ", rev->path ? rev->path : "<memory>", line ? line : 1);
}

/* How many keys ahead a loop of hash lookups prefetches the slot it will need */
#define PREFETCH 16

static int index_ids(struct rg_revmap *map, struct rg_str *problems)
{
	uint64_t *hash = NULL;
	size_t i;
	int err = 0;

	/* the table is far bigger than the caches: hash first, then fetch slots ahead */
	if (!(hash = rg_malloc((map->n ? map->n : 1) * sizeof(uint64_t))) ||
	    (err = rg_idmap_reserve(map->ids, map->n))) {
		err = RG_ENOMEM;
		goto out;
	}
	for (i = 0; i < map->n; i++)
		hash[i] = rg_idmap_hash(map->nodes[i].rev->id);
	for (i = 0; i < map->n; i++) {
		const struct rg_revision *rev = map->nodes[i].rev;
		char bad[16];
		size_t other;

		if (i + PREFETCH < map->n)
			rg_idmap_prefetch(map->ids, hash[i + PREFETCH]);
		if (!rg_revision_id_ok(rev->id, bad, sizeof(bad))) {
			where(problems, rev, rev->line_id);
			rg_str_addf(problems, "Character(s) '%s' not allowed in revision identifier '%s'",
				    bad, rev->id);
		}
		if (rg_strlist_has(&rev->down, rev->id)) {
			where(problems, rev, rev->line_down);
			rg_str_addf(problems, "Self-loop is detected in revisions (%s)", rev->id);
		}
		if (rg_strlist_has(&rev->deps, rev->id)) {
			where(problems, rev, rev->line_deps);
			rg_str_addf(problems, "Dependency self-loop is detected in revisions (%s)", rev->id);
		}
		err = rg_idmap_add_hashed(map->ids, rev->id, hash[i], i);
		if (err == RG_EINVALID) {
			if (!map->dup_id.w && (err = rg_bitset_init(&map->dup_id, map->n)))
				goto out;
			rg_bitset_set(&map->dup_id, i);
			rg_idmap_get(map->ids, rev->id, &other);
			where(problems, rev, rev->line_id);
			rg_str_addf(problems, "Revision %s is present more than once (also in %s)", rev->id,
				    map->nodes[other].rev->path ? map->nodes[other].rev->path : "<memory>");
			err = 0;
		} else if (err) {
			goto out;
		}
	}
out:
	free(hash);
	return err;
}

static int index_labels(struct rg_revmap *map, struct rg_str *problems)
{
	size_t i, j, other;
	int err;

	for (i = 0; i < map->n; i++) {
		const struct rg_revision *rev = map->nodes[i].rev;

		for (j = 0; j < rev->labels.n; j++) {
			const char *label = rev->labels.items[j];

			if (rg_idmap_get(map->ids, label, &other) ||
			    rg_idmap_get(map->labels, label, &other)) {
				where(problems, rev, rev->line_labels);
				rg_str_addf(problems, "Branch name '%s' in revision %s already used by revision %s",
					    label, rev->id, map->nodes[other].rev->id);
				continue;
			}
			if ((err = rg_idmap_add(map->labels, label, i)))
				return err;
		}
	}
	return 0;
}

/* A depends_on entry: an id, a label (its declaring revision) or a unique prefix. */
static int resolve_dep(size_t *out, struct rg_revmap *map, const char *name,
		       const struct rg_revision *rev, struct rg_str *problems)
{
	struct rg_idx_list cands = { 0 };
	size_t k;
	int err = 0;

	if (rg_idmap_get(map->ids, name, out) || rg_idmap_get(map->labels, name, out))
		return 1;
	if ((err = rg_revmap_prefix(&cands, map, name)))
		goto out;
	if (cands.n == 1) {
		*out = cands.items[0];
		err = 1;
		goto out;
	}
	where(problems, rev, rev->line_deps);
	if (!cands.n) {
		rg_str_addf(problems, "Revision %s referenced as depends_on from %s is not present",
			    name, rev->id);
	} else {
		rg_str_addf(problems, "depends_on '%s' of %s is ambiguous:", name, rev->id);
		for (k = 0; k < cands.n && k < 3; k++)
			rg_str_addf(problems, "%s '%s'", k ? "," : "", map->nodes[cands.items[k]].rev->id);
	}
out:
	rg_idx_list_release(&cands);
	return err;
}

/* Give `l` a slice of `cap` slots from the pool at *used. */
static void carve(struct rg_idx_list *l, size_t *pool, size_t *used, size_t cap)
{
	l->items = pool + *used;
	l->n = 0;
	l->alloc = cap;
	*used += cap;
}

/*
 * Resolve every down_revision and depends_on entry, then record children and
 * dependents.  All index lists are slices of one pool sized from the
 * declared counts: a 100k-revision map is a few allocations, not 500k.
 */
static int link_nodes(struct rg_revmap *map, struct rg_str *problems)
{
	size_t i, j, t, r, n_down, refs = 0, used = 0, *pos;
	uint64_t *hash;
	int err;

	/* each reference fills at most 3 slots: down/deps, ndeps, next/all_next */
	for (i = 0; i < map->n; i++)
		refs += map->nodes[i].rev->down.n + map->nodes[i].rev->deps.n;
	if (refs > SIZE_MAX / (3 * sizeof(size_t)))
		return rg_error_set(RG_ENOMEM, "out of memory");
	map->pool_len = 3 * refs;
	if (!(map->pool = rg_malloc((refs ? 3 * refs : 1) * sizeof(size_t))))
		return RG_ENOMEM;
	/* the down_revision lookups, hashed first so that their slots can be fetched ahead */
	for (i = n_down = 0; i < map->n; i++)
		n_down += map->nodes[i].rev->down.n;
	if (!(hash = rg_malloc((n_down ? n_down : 1) * sizeof(uint64_t))))
		return RG_ENOMEM;
	for (i = r = 0; i < map->n; i++)
		for (j = 0; j < map->nodes[i].rev->down.n; j++)
			hash[r++] = rg_idmap_hash(map->nodes[i].rev->down.items[j]);
	for (i = r = 0; i < map->n; i++) {
		struct rg_node *nd = &map->nodes[i];
		const struct rg_revision *rev = nd->rev;

		carve(&nd->down, map->pool, &used, rev->down.n);
		carve(&nd->deps, map->pool, &used, rev->deps.n);
		carve(&nd->ndeps, map->pool, &used, rev->deps.n);
		for (j = 0; j < rev->down.n; j++, r++) {
			const char *d = rev->down.items[j];

			if (r + PREFETCH < n_down)
				rg_idmap_prefetch(map->ids, hash[r + PREFETCH]);
			if (!strcmp(d, rev->id))
				continue;	/* reported as a self-loop */
			if (!rg_idmap_get_hashed(map->ids, d, hash[r], &t)) {
				where(problems, rev, rev->line_down);
				if (rg_idmap_get(map->labels, d, &t))
					rg_str_addf(problems, "down_revision '%s' of %s is a branch label; name the revision id",
						    d, rev->id);
				else
					rg_str_addf(problems, "Revision %s referenced from %s is not present",
						    d, rev->id);
				continue;
			}
			if (!rg_idx_list_has(&nd->down, t))
				nd->down.items[nd->down.n++] = t;
		}
		for (j = 0; j < rev->deps.n; j++) {
			const char *d = rev->deps.items[j];

			if (!strcmp(d, rev->id))
				continue;
			err = resolve_dep(&t, map, d, rev, problems);
			if (err < 0) {
				free(hash);
				return err;
			}
			if (!err || t == i || rg_idx_list_has(&nd->deps, t))
				continue;
			nd->deps.items[nd->deps.n++] = t;
		}
	}
	free(hash);
	/* children and dependents, each list in load order: counted and filled
	 * through two small arrays of cursors, not through the (large) nodes */
	if (!(pos = rg_malloc(2 * (map->n ? map->n : 1) * sizeof(size_t))))
		return RG_ENOMEM;
	memset(pos, 0, 2 * map->n * sizeof(size_t));
	for (i = 0; i < map->n; i++) {
		const struct rg_node *nd = &map->nodes[i];

		for (j = 0; j < nd->down.n; j++) {
			pos[2 * nd->down.items[j]]++;
			pos[2 * nd->down.items[j] + 1]++;
		}
		for (j = 0; j < nd->deps.n; j++)
			if (!rg_idx_list_has(&nd->down, nd->deps.items[j]))
				pos[2 * nd->deps.items[j] + 1]++;
	}
	/* all the all_next lists one after the other, for the passes that follow */
	if (!(map->all_start = rg_malloc((map->n + 1) * sizeof(size_t)))) {
		free(pos);
		return RG_ENOMEM;
	}
	for (i = 0; i < map->n; i++) {
		struct rg_node *nd = &map->nodes[i];

		carve(&nd->next, map->pool, &used, pos[2 * i]);
		pos[2 * i] = (size_t)(nd->next.items - map->pool);
	}
	for (i = 0; i < map->n; i++) {
		struct rg_node *nd = &map->nodes[i];

		map->all_start[i] = used;
		carve(&nd->all_next, map->pool, &used, pos[2 * i + 1]);
		pos[2 * i + 1] = (size_t)(nd->all_next.items - map->pool);
	}
	map->all_start[map->n] = used;
	for (i = 0; i < map->n; i++) {
		const struct rg_node *nd = &map->nodes[i];

		for (j = 0; j < nd->down.n; j++) {
			map->pool[pos[2 * nd->down.items[j]]++] = i;
			map->pool[pos[2 * nd->down.items[j] + 1]++] = i;
		}
		for (j = 0; j < nd->deps.n; j++)
			if (!rg_idx_list_has(&nd->down, nd->deps.items[j]))
				map->pool[pos[2 * nd->deps.items[j] + 1]++] = i;
	}
	for (i = 0; i < map->n; i++) {
		struct rg_node *nd = &map->nodes[i];

		nd->next.n = nd->next.alloc;
		nd->all_next.n = nd->all_next.alloc;
	}
	free(pos);
	return 0;
}

/* Append the ids of `idx` sorted by id, joined with ", ". */
static int list_sorted_ids(struct rg_str *out, const struct rg_revmap *map, const size_t *idx,
			   size_t n)
{
	const char **ids = rg_malloc((n ? n : 1) * sizeof(char *));
	size_t i;

	if (!ids)
		return RG_ENOMEM;
	for (i = 0; i < n; i++)
		ids[i] = map->nodes[idx[i]].rev->id;
	qsort(ids, n, sizeof(char *), cmp_cstr);
	for (i = 0; i < n; i++)
		rg_str_addf(out, "%s%s", i ? ", " : "", ids[i]);
	free(ids);
	return 0;
}

/*
 * Alembic's cycle check: everything must lie between a head and a base,
 * first along down_revision, then with dependencies.  Then a complete check
 * (Kahn's algorithm) for the cycles that slip through Alembic's.  Kahn runs
 * first: on an acyclic graph every node lies between a head and a base along
 * either kind of edge, so Alembic's walks can only fail when some revision
 * declares depends_on that resolved to nothing but itself (it is then no
 * real base); only then, or with a cycle, are they run, in their order.
 */
static int detect_cycles(struct rg_revmap *map, struct rg_idx_list *topo)
{
	struct rg_idx_list heads = { 0 }, bases = { 0 }, missing = { 0 };
	struct rg_bitset a = { 0 }, b = { 0 };
	size_t *indeg = NULL, *level = NULL, i, j, pass;
	struct rg_str msg = RG_STR_INIT;
	int err = 0;

	if (!map->n)
		return 0;

	/*
	 * Kahn over down + deps: parents first; also the order later passes use.
	 * It reads the all_next lists as one array, never the (large) nodes, and
	 * computes the levels on the way: over down + deps they are the same as
	 * over down + normalised deps, since a dropped dependency lies below an
	 * ancestor that keeps it.
	 */
	indeg = rg_calloc(map->n, sizeof(size_t));
	level = rg_calloc(map->n, sizeof(size_t));
	if (!indeg || !level) {
		err = RG_ENOMEM;
		goto out;
	}
	for (j = map->all_start[0]; j < map->all_start[map->n]; j++)
		indeg[map->pool[j]]++;
	topo->n = 0;
	if ((err = rg_grow((void **)&topo->items, sizeof(size_t), &topo->alloc, map->n)))
		goto out;
	for (i = 0; i < map->n; i++)
		if (!indeg[i])
			topo->items[topo->n++] = i;
	for (i = 0; i < topo->n; i++) {
		size_t u = topo->items[i];

		for (j = map->all_start[u]; j < map->all_start[u + 1]; j++) {
			size_t c = map->pool[j];

			if (level[c] < level[u] + 1)
				level[c] = level[u] + 1;
			if (!--indeg[c])
				topo->items[topo->n++] = c;
		}
	}
	for (i = 0; i < map->n; i++)
		map->nodes[i].level = level[i];
	if (topo->n == map->n) {
		for (i = 0; i < map->n; i++)
			if (!map->nodes[i].down.n && !map->nodes[i].deps.n && map->nodes[i].rev->has_deps)
				break;
		if (i == map->n)
			goto out;
	}

	if ((err = rg_bitset_init(&a, map->n)) || (err = rg_bitset_init(&b, map->n)))
		goto out;
	for (pass = 0; pass < 2; pass++) {
		const char *what = pass ? "Dependency cycle" : "Cycle";

		heads.n = bases.n = missing.n = 0;
		for (i = 0; i < map->n; i++) {
			const struct rg_node *nd = &map->nodes[i];

			if (pass ? rg_node_is_real_head(nd) : rg_node_is_head(nd))
				err = rg_idx_list_push(&heads, i);
			if (!err && nd->down.n == 0 && (!pass || !nd->rev->has_deps))
				err = rg_idx_list_push(&bases, i);
			if (err)
				goto out;
		}
		if (!heads.n || !bases.n) {
			rg_str_addf(&msg, "%s is detected in revisions (", what);
			for (i = 0; i < map->n; i++)
				rg_str_addf(&msg, "%s%s", i ? ", " : "", map->nodes[i].rev->id);
			rg_str_addch(&msg, ')');
			err = RG_ECYCLE;
			goto out;
		}
		memset(a.w, 0, ((map->n + 63) / 64) * sizeof(uint64_t));
		memset(b.w, 0, ((map->n + 63) / 64) * sizeof(uint64_t));
		if ((err = rg_walk_mark(&a, map, heads.items, heads.n,
					pass ? RG_WALK_DOWN_ALL : RG_WALK_DOWN, false)) ||
		    (err = rg_walk_mark(&b, map, bases.items, bases.n,
					pass ? RG_WALK_UP_DEPS : RG_WALK_UP, false)))
			goto out;
		for (i = 0; i < map->n; i++)
			if ((!rg_bitset_has(&a, i) || !rg_bitset_has(&b, i)) &&
			    (err = rg_idx_list_push(&missing, i)))
				goto out;
		if (missing.n) {
			rg_str_addf(&msg, "%s is detected in revisions (", what);
			if ((err = list_sorted_ids(&msg, map, missing.items, missing.n)))
				goto out;
			rg_str_addch(&msg, ')');
			err = RG_ECYCLE;
			goto out;
		}
	}
	if (topo->n < map->n) {
		missing.n = 0;
		for (i = 0; i < map->n; i++)
			if (indeg[i] && (err = rg_idx_list_push(&missing, i)))
				goto out;
		rg_str_adds(&msg, "Cycle is detected in revisions (");
		if ((err = list_sorted_ids(&msg, map, missing.items, missing.n)))
			goto out;
		rg_str_addch(&msg, ')');
		err = RG_ECYCLE;
	}
out:
	if (err == RG_ECYCLE)
		err = rg_str_check(&msg) ? RG_ENOMEM : rg_error_set(RG_ECYCLE, "%s", msg.buf);
	rg_str_release(&msg);
	free(indeg);
	free(level);
	rg_bitset_release(&a);
	rg_bitset_release(&b);
	rg_idx_list_release(&heads);
	rg_idx_list_release(&bases);
	rg_idx_list_release(&missing);
	return err;
}

/*
 * Drop each dependency that a down_revision ancestor already depends on
 * (Alembic's normalisation).  Only a target with two or more dependents can
 * be implied, so those targets get one bit each and, 64 at a time, one pass
 * over the nodes parents first computes for every node the targets its
 * proper down_revision ancestors depend on: O(nodes * (1 + targets / 64)).
 */
static int normalize_deps(struct rg_revmap *map, const struct rg_idx_list *topo)
{
	size_t *n_dependents = NULL, *bit_of = NULL, *shared = NULL, n_shared = 0;
	uint64_t *cum = NULL;	/* per node: bits its ancestors-or-self depend on */
	bool *implied = NULL;	/* per slot of the pool: that dependency is implied */
	size_t i, j, k, chunk;
	int err = 0;

	n_dependents = rg_calloc(map->n ? map->n : 1, sizeof(size_t));
	implied = rg_calloc(map->pool_len ? map->pool_len : 1, sizeof(bool));
	if (!n_dependents || !implied) {
		err = RG_ENOMEM;
		goto out;
	}
	for (i = 0; i < map->n; i++)
		for (j = 0; j < map->nodes[i].deps.n; j++)
			n_dependents[map->nodes[i].deps.items[j]]++;
	for (i = 0; i < map->n; i++)
		n_shared += n_dependents[i] > 1;
	if (n_shared) {
		bit_of = rg_malloc(map->n * sizeof(size_t));
		shared = rg_malloc(n_shared * sizeof(size_t));
		cum = rg_malloc(map->n * sizeof(uint64_t));
		if (!bit_of || !shared || !cum) {
			err = RG_ENOMEM;
			goto out;
		}
		for (i = k = 0; i < map->n; i++)
			if (n_dependents[i] > 1)
				shared[k++] = i;
	}
	for (chunk = 0; chunk < n_shared; chunk += 64) {
		size_t end = n_shared - chunk < 64 ? n_shared : chunk + 64;

		for (i = 0; i < map->n; i++)
			bit_of[i] = SIZE_MAX;
		for (k = chunk; k < end; k++)
			bit_of[shared[k]] = k - chunk;
		for (i = 0; i < topo->n; i++) {
			const struct rg_node *nd = &map->nodes[topo->items[i]];
			uint64_t below = 0, own = 0;

			for (j = 0; j < nd->down.n; j++)
				below |= cum[nd->down.items[j]];
			for (j = 0; j < nd->deps.n; j++) {
				size_t b = bit_of[nd->deps.items[j]];

				if (b == SIZE_MAX)
					continue;
				own |= (uint64_t)1 << b;
				if (below >> b & 1)
					implied[(size_t)(nd->deps.items - map->pool) + j] = true;
			}
			cum[topo->items[i]] = below | own;
		}
	}
	for (i = 0; i < map->n; i++) {
		struct rg_node *nd = &map->nodes[i];

		for (j = 0; j < nd->deps.n; j++)
			if (!implied[(size_t)(nd->deps.items - map->pool) + j] &&
			    !rg_idx_list_has(&nd->down, nd->deps.items[j]))
				nd->ndeps.items[nd->ndeps.n++] = nd->deps.items[j];
	}
out:
	free(n_dependents);
	free(bit_of);
	free(shared);
	free(cum);
	free(implied);
	return err;
}

static int add_label(struct rg_node *nd, const char *label)
{
	if (rg_node_has_label(nd, label))
		return 0;
	if (RG_GROW(nd->labels, nd->n_labels + 1, nd->alloc_labels))
		return RG_ENOMEM;
	nd->labels[nd->n_labels++] = label;
	return 0;
}

static int add_labels(struct rg_node *nd, const struct rg_strlist *labels)
{
	size_t i;

	for (i = 0; i < labels->n; i++)
		if (add_label(nd, labels->items[i]))
			return RG_ENOMEM;
	return 0;
}

/*
 * Alembic's label propagation: a declared label goes to the revision and
 * every down_revision descendant; then, from the last node of that
 * depth-first walk, down the single-parent chain until a node that has
 * several children or dependents, or several parents.
 */
static int propagate_labels(struct rg_revmap *map)
{
	struct rg_idx_list stack = { 0 };
	struct rg_bitset seen = { 0 };
	size_t i, j, last;
	int err = 0;

	if ((err = rg_bitset_init(&seen, map->n)))
		return err;
	for (i = 0; i < map->n; i++) {
		const struct rg_strlist *labels = &map->nodes[i].rev->labels;
		struct rg_node *p;

		if (!labels->n)
			continue;
		memset(seen.w, 0, ((map->n + 63) / 64) * sizeof(uint64_t));
		stack.n = 0;
		last = i;
		if ((err = rg_idx_list_push(&stack, i)))
			goto out;
		while (stack.n) {
			size_t cur = stack.items[--stack.n];
			const struct rg_node *nd = &map->nodes[cur];

			if (rg_bitset_has(&seen, cur))
				continue;
			rg_bitset_set(&seen, cur);
			for (j = 0; j < nd->next.n; j++)
				if ((err = rg_idx_list_push(&stack, nd->next.items[j])))
					goto out;
			if ((err = add_labels(&map->nodes[cur], labels)))
				goto out;
			last = cur;
		}
		for (p = &map->nodes[last]; p->all_next.n <= 1 && p->down.n <= 1;
		     p = &map->nodes[p->down.items[0]]) {
			if ((err = add_labels(p, labels)))
				goto out;
			if (!p->down.n)
				break;
		}
	}
out:
	rg_idx_list_release(&stack);
	rg_bitset_release(&seen);
	return err;
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int rg_revmap_build(struct rg_revmap **out, struct rg_revision **revs, size_t n)
{
	struct rg_revmap *map = NULL;
	struct rg_str problems = RG_STR_INIT;
	struct rg_idx_list topo = { 0 };
	size_t i;
	int err = 0;

	*out = NULL;
	map = rg_calloc(1, sizeof(*map));
	if (!map) {
		for (i = 0; i < n; i++)
			rg_revision_free(revs[i]);
		return RG_ENOMEM;
	}
	map->nodes = rg_calloc(n ? n : 1, sizeof(struct rg_node));
	if (!map->nodes) {
		for (i = 0; i < n; i++)
			rg_revision_free(revs[i]);
		err = RG_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		map->nodes[i].rev = revs[i];
		map->nodes[i].index = i;
	}
	map->n = n;
	if (!(map->ids = rg_idmap_new()) || !(map->labels = rg_idmap_new())) {
		err = RG_ENOMEM;
		goto out;
	}
	if ((err = index_ids(map, &problems)) || (err = index_labels(map, &problems)) ||
	    (err = link_nodes(map, &problems)))
		goto out;
	if ((err = rg_str_check(&problems)))
		goto out;
	if (problems.len) {
		err = rg_error_set(RG_EINVALID, "%s", problems.buf);
		goto out;
	}
	if ((err = detect_cycles(map, &topo)))
		goto out;
	if ((err = normalize_deps(map, &topo)))
		goto out;
	if ((err = propagate_labels(map)))
		goto out;
	for (i = 0; i < map->n; i++)
		if (map->nodes[i].n_labels > 1)
			qsort(map->nodes[i].labels, map->nodes[i].n_labels, sizeof(char *), cmp_label);
	/* the scratch of the build goes; a failed build's goes with the map */
	free(map->all_start);
	map->all_start = NULL;
	*out = map;
	map = NULL;
out:
	rg_str_release(&problems);
	rg_idx_list_release(&topo);
	rg_revmap_free(map);
	return err;
}
