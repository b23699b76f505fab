/*
 * Tests for revgraph/walk.c: the topological sort against a line-by-line
 * transcription of Alembic's algorithm (reference section 4.2, one full
 * ancestor set per pending head) on many random graphs and node sets, and
 * the walk's behaviour under allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <cmocka.h>

#include "helpers.h"
#include "walk.h"
#include "revgraph/common.h"

static uint64_t rng_state;

static size_t rnd(size_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return bound ? (size_t)(rng_state % bound) : 0;
}

/*
 * A random DAG of n revisions: node k takes 0-3 parents and sometimes a
 * dependency among nodes created before it (mostly recent ones, so long
 * lines and merges appear), and the load order is shuffled.
 */
static struct rg_revmap *random_map(size_t n)
{
	struct rg_revision **revs = calloc(n, sizeof(*revs));
	struct rg_revmap *map = NULL;
	char (*ids)[24] = calloc(n, sizeof(*ids));
	size_t k, j;

	for (k = 0; k < n; k++)
		snprintf(ids[k], sizeof(ids[k]), "r%05zx", k);
	for (k = 0; k < n; k++) {
		struct rg_revision *r = rg_revision_new();
		size_t n_down = k == 0 || rnd(12) == 0 ? 0 : rnd(8) == 0 ? 2 + rnd(2) : 1;

		r->id = rg_strdup(ids[k]);
		for (j = 0; j < n_down; j++) {
			size_t span = k < 12 ? k : 12, p = rnd(4) ? k - 1 - rnd(span) : rnd(k);

			if (!rg_strlist_has(&r->down, ids[p]))
				rg_strlist_push(&r->down, ids[p]);
		}
		if (k > 1 && rnd(6) == 0) {
			size_t d = rnd(k);

			if (!rg_strlist_has(&r->down, ids[d]))
				rg_strlist_push(&r->deps, ids[d]);
			r->has_deps = r->deps.n > 0;
		}
		r->doc = rg_strdup("");
		r->path = rg_strdup(ids[k]);
		revs[k] = r;
	}
	for (k = n; k > 1; k--) {	/* load order has nothing to do with the graph */
		struct rg_revision *tmp;

		j = rnd(k);
		tmp = revs[k - 1];
		revs[k - 1] = revs[j];
		revs[j] = tmp;
	}
	if (rg_revmap_build(&map, revs, n))
		map = NULL;
	free(revs);
	free(ids);
	return map;
}

/* Alembic's _topological_sort, transcribed with explicit ancestor sets. */
static int reference_toposort(struct rg_idx_list *out, const struct rg_revmap *map,
			      const struct rg_bitset *todo_in, const size_t *heads, size_t n_heads)
{
	size_t n = rg_revmap_count(map), cur[4096], n_cur = 0, i, j, k, left = 0;
	struct rg_bitset anc[4096], todo;

	rg_bitset_init(&todo, n);
	memcpy(todo.w, todo_in->w, ((n + 63) / 64) * sizeof(uint64_t));
	for (i = 0; i < n; i++)
		if (rg_bitset_has(&todo, i))
			left++;
	for (i = 0; i < n; i++) {	/* heads in todo, once, in load order */
		bool want = false;

		for (j = 0; j < n_heads; j++)
			want = want || heads[j] == i;
		if (want && rg_bitset_has(&todo, i))
			cur[n_cur++] = i;
	}
	for (i = 0; i < n_cur; i++) {
		rg_bitset_init(&anc[i], n);
		rg_walk_mark(&anc[i], map, &cur[i], 1, RG_WALK_DOWN_DEPS, false);
	}
	out->n = 0;
	i = 0;
	while (n_cur) {
		size_t c = cur[i], add[64], n_add = 0;
		const struct rg_node *nd = rg_revmap_node(map, c);
		const struct rg_idx_list *lists[2] = { &nd->down, &nd->ndeps };
		bool needed = false;

		for (j = 0; j < n_cur && !needed; j++)
			if (j != i && rg_bitset_has(&anc[j], c)) {
				i = j;
				needed = true;
			}
		if (needed)
			continue;
		if (rg_bitset_has(&todo, c)) {
			rg_idx_list_push(out, c);
			rg_bitset_clear(&todo, c);
			left--;
		}
		for (k = 0; k < 2; k++)
			for (j = 0; j < lists[k]->n; j++) {
				size_t d = lists[k]->items[j], m;
				bool in_cur = false;

				for (m = 0; m < n_cur; m++)
					in_cur = in_cur || cur[m] == d;
				if (rg_bitset_has(&todo, d) && !in_cur)
					add[n_add++] = d;
			}
		if (!n_add) {
			rg_bitset_release(&anc[i]);
			memmove(cur + i, cur + i + 1, (n_cur - i - 1) * sizeof(size_t));
			memmove(anc + i, anc + i + 1, (n_cur - i - 1) * sizeof(anc[0]));
			n_cur--;
			i = i ? i - 1 : 0;
			continue;
		}
		cur[i] = add[0];
		memset(anc[i].w, 0, ((n + 63) / 64) * sizeof(uint64_t));
		rg_walk_mark(&anc[i], map, &cur[i], 1, RG_WALK_DOWN_DEPS, false);
		for (j = 1; j < n_add; j++) {
			cur[n_cur] = add[j];
			rg_bitset_init(&anc[n_cur], n);
			rg_walk_mark(&anc[n_cur], map, &cur[n_cur], 1, RG_WALK_DOWN_DEPS, false);
			n_cur++;
		}
	}
	rg_bitset_release(&todo);
	return left ? RG_EINVALID : 0;
}

static void random_case(const struct rg_revmap *map, struct rg_bitset *todo, size_t *heads,
			size_t *n_heads, int shape);

/*
 * Sort with region borders tracked from the start, from the middle of the
 * walk, and only for large work (the default): each must give `want`.
 * Returns the error all of them gave.
 */
static int sort_each_way(struct rg_idx_list *got, const struct rg_idx_list *want, int want_err,
			 const struct rg_revmap *map, const struct rg_bitset *todo,
			 const size_t *heads, size_t n_heads)
{
	static const size_t tunes[] = { 0, 2, 5, SIZE_MAX };
	size_t i, dflt;
	int err = 0;

	for (i = 0; i < sizeof(tunes) / sizeof(tunes[0]); i++) {
		dflt = rg_walk_toposort_tune(tunes[i]);
		if (tunes[i] == SIZE_MAX)	/* the default */
			rg_walk_toposort_tune(dflt);
		err = rg_walk_toposort(got, map, todo, heads, n_heads);
		rg_walk_toposort_tune(dflt);
		assert_int_equal(err, want_err);
		if (err)
			continue;
		assert_int_equal(got->n, want->n);
		assert_memory_equal(got->items, want->items, want->n * sizeof(size_t));
	}
	return err;
}

/*
 * Adversarial shapes for the work test: a builder that numbers revisions in
 * creation order (ids "s<number>"), then loads them in creation order,
 * reversed, or shuffled.
 */
struct shape {
	struct rg_revision **revs;
	size_t n, alloc;
};

static size_t shape_add(struct shape *g, const size_t *down, size_t n_down, const size_t *deps,
			size_t n_deps)
{
	struct rg_revision *r = rg_revision_new();
	char id[24];
	size_t j;

	if (g->n == g->alloc) {
		g->alloc = g->alloc ? 2 * g->alloc : 64;
		g->revs = realloc(g->revs, g->alloc * sizeof(*g->revs));
	}
	snprintf(id, sizeof(id), "s%07zx", g->n);
	r->id = rg_strdup(id);
	for (j = 0; j < n_down; j++) {
		snprintf(id, sizeof(id), "s%07zx", down[j]);
		rg_strlist_push(&r->down, id);
	}
	for (j = 0; j < n_deps; j++) {
		snprintf(id, sizeof(id), "s%07zx", deps[j]);
		rg_strlist_push(&r->deps, id);
	}
	r->has_deps = n_deps > 0;
	r->doc = rg_strdup("");
	r->path = rg_strdup(r->id);
	g->revs[g->n] = r;
	return g->n++;
}

/* A node with one parent (or none: SIZE_MAX). */
static size_t shape_child(struct shape *g, size_t parent)
{
	return parent == SIZE_MAX ? shape_add(g, NULL, 0, NULL, 0) : shape_add(g, &parent, 1, NULL, 0);
}

/* A line of m nodes above `below`; returns its top. */
static size_t shape_line(struct shape *g, size_t below, size_t m)
{
	while (m--)
		below = shape_child(g, below);
	return below;
}

enum shape_kind {
	SHAPE_FANOUT,		/* k lanes of length m under one branchpoint, never merged */
	SHAPE_LANES_MERGE,	/* k lanes of length m, one k-parent merge at the top */
	SHAPE_MERGE_CHAIN,	/* the same lanes merged one by one: a ladder of merges */
	SHAPE_MERGE_CHAIN_REV,	/* merged one by one, the last lane first */
	SHAPE_COMB,		/* a trunk of k nodes, a tooth of m nodes on each */
	SHAPE_COMB_MERGED,	/* a comb whose teeth merge back into the trunk, two teeth up */
	SHAPE_LADDER,		/* two lines of k * m / 2, each rung a merge */
	SHAPE_CROSS_DEPS,	/* k merged lanes, each node depending on the next lane's */
	SHAPE_STAIRS,		/* lane j forks from lane j - 1 and merges into the trunk top */
	SHAPE_LADDER_REV,	/* a ladder whose rungs name the other line first */
	SHAPE_LADDER3,		/* three lines, each rung a 3-parent merge */
	SHAPE_LADDER_DEPS,	/* a ladder whose rungs are depends_on */
	SHAPE_LADDER2,		/* a ladder of ladders: the second line merges a third */
	SHAPE_LANES_RANDOM,	/* k lanes at once, growing, merging into a trunk and forking at random */
	SHAPE_RANDOM,		/* random_map() of k * m nodes */
	N_SHAPES
};

static const char *const shape_names[] = {
	"fanout", "lanes-merge", "merge-chain", "merge-chain-rev", "comb", "comb-merged",
	"ladder", "cross-deps", "stairs", "ladder-rev", "ladder3", "ladder-deps", "ladder2", "lanes-random", "random",
};

static struct rg_revmap *shape_map(enum shape_kind kind, size_t k, size_t m, int order)
{
	struct shape g = { 0 };
	struct rg_revmap *map = NULL;
	size_t *tops = calloc(k + 2, sizeof(size_t)), *prev = calloc(k + 2, sizeof(size_t));
	size_t base, top, i, j, x, pair[2];

	base = shape_line(&g, SIZE_MAX, m);
	switch (kind) {
	case SHAPE_FANOUT:
	case SHAPE_LANES_MERGE:
	case SHAPE_MERGE_CHAIN:
	case SHAPE_MERGE_CHAIN_REV:
		for (j = 0; j < k; j++)
			tops[j] = shape_line(&g, base, m);
		if (kind == SHAPE_LANES_MERGE)
			shape_add(&g, tops, k, NULL, 0);
		if (kind == SHAPE_MERGE_CHAIN || kind == SHAPE_MERGE_CHAIN_REV) {
			top = tops[kind == SHAPE_MERGE_CHAIN ? 0 : k - 1];
			for (j = 1; j < k; j++) {
				pair[0] = top;
				pair[1] = tops[kind == SHAPE_MERGE_CHAIN ? j : k - 1 - j];
				top = shape_add(&g, pair, 2, NULL, 0);
			}
		}
		break;
	case SHAPE_COMB:
	case SHAPE_COMB_MERGED:
		top = base;
		for (j = 0; j < k; j++) {
			top = shape_child(&g, top);
			tops[j] = shape_line(&g, top, m);
			if (kind == SHAPE_COMB_MERGED && j >= 2) {
				pair[0] = top;
				pair[1] = tops[j - 2];
				top = shape_add(&g, pair, 2, NULL, 0);
			}
		}
		break;
	case SHAPE_LADDER:
		pair[0] = base;
		pair[1] = shape_child(&g, base);
		for (i = 0; i < k * m / 2; i++) {
			x = shape_add(&g, pair, 2, NULL, 0);
			pair[1] = shape_child(&g, pair[1]);
			pair[0] = x;
		}
		break;
	case SHAPE_LADDER_REV:
	case SHAPE_LADDER_DEPS:
		pair[0] = base;
		pair[1] = shape_child(&g, base);
		for (i = 0; i < k * m / 2; i++) {
			size_t rev[2] = { pair[1], pair[0] };

			x = kind == SHAPE_LADDER_REV ? shape_add(&g, rev, 2, NULL, 0)
						     : shape_add(&g, &pair[0], 1, &pair[1], 1);
			pair[1] = shape_child(&g, pair[1]);
			pair[0] = x;
		}
		break;
	case SHAPE_LADDER3:
	case SHAPE_LADDER2:
		tops[0] = base;
		tops[1] = shape_child(&g, base);
		tops[2] = shape_child(&g, base);
		for (i = 0; i < k * m / 3; i++) {
			size_t three[3] = { tops[0], tops[1], tops[2] };

			if (kind == SHAPE_LADDER3) {
				tops[0] = shape_add(&g, three, 3, NULL, 0);
				tops[1] = shape_child(&g, tops[1]);
			} else {
				tops[0] = shape_add(&g, three, 2, NULL, 0);
				tops[1] = shape_add(&g, three + 1, 2, NULL, 0);
			}
			tops[2] = shape_child(&g, tops[2]);
		}
		break;
	case SHAPE_LANES_RANDOM:
		top = base;
		for (j = 0; j < k; j++)
			tops[j] = shape_child(&g, base);
		for (i = 0; i < k * m; i++) {
			size_t dep, three[3];

			j = rnd(k);
			switch (rnd(40)) {
			case 0:	/* the lane merges into the trunk and forks again from it */
			case 1:
				three[0] = top;
				three[1] = tops[j];
				three[2] = tops[(j + 1) % k];
				top = shape_add(&g, three, rnd(8) ? 2 : 3, NULL, 0);
				tops[j] = shape_child(&g, rnd(4) ? top : tops[rnd(k)]);
				break;
			case 2:	/* a dependency on another lane */
				dep = tops[rnd(k)];
				tops[j] = dep == tops[j] ? shape_child(&g, tops[j])
							 : shape_add(&g, &tops[j], 1, &dep, 1);
				break;
			case 3:
				top = shape_child(&g, top);
				break;
			default:
				tops[j] = shape_child(&g, tops[j]);
				break;
			}
		}
		break;
	case SHAPE_CROSS_DEPS:
		for (j = 0; j < k; j++)
			prev[j] = base;
		for (i = 0; i < m; i++)
			for (j = 0; j < k; j++) {
				size_t dep = prev[(j + 1) % k];

				prev[j] = i && j + 1 < k ? shape_add(&g, &prev[j], 1, &dep, 1)
							  : shape_child(&g, prev[j]);
			}
		shape_add(&g, prev, k, NULL, 0);
		break;
	case SHAPE_STAIRS:
		x = base;
		for (j = 0; j < k; j++) {
			x = shape_line(&g, x, 1);
			tops[j] = shape_line(&g, x, m);
		}
		shape_add(&g, tops, k, NULL, 0);
		break;
	default:
		break;
	}
	if (kind == SHAPE_RANDOM) {
		for (i = 0; i < g.n; i++)
			rg_revision_free(g.revs[i]);
		free(g.revs);
		free(tops);
		free(prev);
		return random_map(k * m);
	}
	if (order == 1)
		for (i = 0; i < g.n / 2; i++) {
			struct rg_revision *tmp = g.revs[i];

			g.revs[i] = g.revs[g.n - 1 - i];
			g.revs[g.n - 1 - i] = tmp;
		}
	if (order == 2)
		for (i = g.n; i > 1; i--) {
			struct rg_revision *tmp;

			j = rnd(i);
			tmp = g.revs[i - 1];
			g.revs[i - 1] = g.revs[j];
			g.revs[j] = tmp;
		}
	if (rg_revmap_build(&map, g.revs, g.n))
		map = NULL;
	free(g.revs);
	free(tops);
	free(prev);
	return map;
}

/* The work of sorting all of `map` from its real heads (history). */
static size_t history_work(const struct rg_revmap *map, struct rg_idx_list *got)
{
	struct rg_idx_list heads = { 0 };
	struct rg_bitset todo = { 0 };
	size_t i, n = rg_revmap_count(map);

	rg_revmap_real_heads(&heads, map);
	rg_bitset_init(&todo, n);
	for (i = 0; i < n; i++)
		rg_bitset_set(&todo, i);
	assert_int_equal(rg_walk_toposort(got, map, &todo, heads.items, heads.n), 0);
	assert_int_equal(got->n, n);
	rg_bitset_release(&todo);
	rg_idx_list_release(&heads);
	return rg_walk_toposort_work();
}

/*
 * Shapes whose work still grows faster than linearly (walk.c says why): none
 * of these full histories.  (Some ranges of cross-deps do, not full
 * histories: RG_WALK_EXPLORE=k4 RG_WALK_M=10000 RG_WALK_KIND=7
 * RG_WALK_ORDER=1 RG_WALK_CASE=2 RG_WALK_SEED=7 test_walk.)
 */
static bool known_superlinear(int kind)
{
	(void)kind;
	return false;
}

/*
 * Doubling the graph (more lanes, longer lanes, or both) must not much more
 * than double the work, and the work per revision stays small (up to 16k
 * revisions, where quadratic work would be thousands of units per revision),
 * for every shape in every load order.  Before the fix a ladder of 40k revisions cost
 * 20000 units per revision and doubled its cost per revision with its size.
 */
static void test_toposort_work_is_near_linear(void **state)
{
	static const size_t sizes[][2] = { { 32, 32 }, { 64, 32 }, { 32, 64 }, { 64, 64 },
					   { 256, 2 }, { 512, 2 }, { 2, 2048 }, { 2, 4096 },
					   { 1024, 1 }, { 2048, 1 }, { 256, 64 } };
	/* twice the lanes, twice as long, both (x4: two doublings); other widths */
	static const size_t pairs[][3] = { { 0, 1, 1 }, { 0, 2, 1 }, { 0, 3, 2 }, { 4, 5, 1 },
					   { 6, 7, 1 }, { 8, 9, 1 } };
	size_t work[sizeof(sizes) / sizeof(sizes[0])], nodes[sizeof(sizes) / sizeof(sizes[0])];
	int kind, order;
	size_t s;

	(void)state;
	for (kind = 0; kind < N_SHAPES; kind++) {
		if (known_superlinear(kind))
			continue;
		for (order = 0; order < 3; order++) {
			for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
				struct rg_revmap *map;
				struct rg_idx_list got = { 0 };

				rng_state = 11;
				map = shape_map(kind, sizes[s][0], sizes[s][1], order);
				assert_non_null(map);
				nodes[s] = rg_revmap_count(map);
				work[s] = history_work(map, &got);
				rg_idx_list_release(&got);
				rg_revmap_free(map);
				/*
				 * ladder3 pays for relabelling 16 times per revision
				 * before the sort starts keeping region borders (walk.c)
				 */
				if (work[s] > (kind == SHAPE_LADDER3 ? 120 : 40) * nodes[s])
					fail_msg("%s, order %d, k %zu m %zu: %zu units for %zu revisions",
						 shape_names[kind], order, sizes[s][0], sizes[s][1],
						 work[s], nodes[s]);
			}
			for (s = 0; s < sizeof(pairs) / sizeof(pairs[0]); s++) {
				size_t a = pairs[s][0], b = pairs[s][1];
				size_t num = pairs[s][2] == 1 ? 13 : 169, den = pairs[s][2] == 1 ? 10 : 100;

				/* a random graph twice as big is not the same graph twice */
				if (kind == SHAPE_LANES_RANDOM || kind == SHAPE_RANDOM)
					continue;
				/* work per revision may grow by 30% at most per doubling (log factors) */
				if (den * work[b] * nodes[a] > num * work[a] * nodes[b])
					fail_msg("%s, order %d: %zu units for %zu revisions, %zu for %zu",
						 shape_names[kind], order, work[a], nodes[a], work[b],
						 nodes[b]);
			}
		}
	}
}

/*
 * The work of sorting a range of cross-deps (k lanes of m, each revision
 * depending on the next lane's previous one, loaded in reverse): the
 * ancestors of lane 0's revision at row `top` minus those of lane `lane`'s
 * at row `bottom`, as "history" of a range does.  With `check`, also
 * compare the order with the reference.
 */
static size_t cross_deps_range_work(size_t k, size_t m, size_t top, size_t bottom, size_t lane,
				    bool check, size_t *n_sorted)
{
	struct rg_revmap *map = shape_map(SHAPE_CROSS_DEPS, k, m, 1);
	struct rg_idx_list got = { 0 }, want = { 0 };
	struct rg_bitset todo = { 0 }, below = { 0 };
	size_t n, head, low, i, work;
	char id[24];

	assert_non_null(map);
	n = rg_revmap_count(map);
	snprintf(id, sizeof(id), "s%07zx", m + k * top);	/* the base line, then row by row */
	assert_true(rg_revmap_find_id(map, id, &head));
	snprintf(id, sizeof(id), "s%07zx", m + k * bottom + lane);
	assert_true(rg_revmap_find_id(map, id, &low));
	rg_bitset_init(&todo, n);
	rg_bitset_init(&below, n);
	assert_int_equal(rg_walk_mark(&todo, map, &head, 1, RG_WALK_DOWN_DEPS, false), 0);
	assert_int_equal(rg_walk_mark(&below, map, &low, 1, RG_WALK_DOWN_DEPS, false), 0);
	for (i = 0; i < n; i++)
		if (rg_bitset_has(&below, i))
			rg_bitset_clear(&todo, i);
	assert_int_equal(rg_walk_toposort(&got, map, &todo, &head, 1), 0);
	work = rg_walk_toposort_work();
	*n_sorted = got.n;
	assert_int_equal(got.n, rg_bitset_count(&todo));
	if (check) {
		assert_int_equal(reference_toposort(&want, map, &todo, &head, 1), 0);
		assert_int_equal(got.n, want.n);
		assert_memory_equal(got.items, want.items, want.n * sizeof(size_t));
	}
	rg_bitset_release(&todo);
	rg_bitset_release(&below);
	rg_idx_list_release(&got);
	rg_idx_list_release(&want);
	rg_revmap_free(map);
	return work;
}

/*
 * A range of 4 lanes that depend on each other at every step, loaded in
 * reverse: the line of pending heads on one lane alternates with another
 * lane's, and each head that goes has two parents in its region.  Before
 * the fix, 26k revisions of it cost 44M units (1700 per revision), and
 * the cost per revision doubled with the size.
 */
static void test_toposort_cross_deps_range_is_near_linear(void **state)
{
	size_t small_n, big_n, small, big, n;

	(void)state;
	for (n = 0; n < 4; n++)		/* the order, small, against the reference */
		cross_deps_range_work(4, 60 + 40 * n, 50 + 35 * n, 20 + 10 * n, n % 4, true,
				      &small_n);
	/* the range ends on lane 2: the heads of lanes 1 and 2 interleave */
	small = cross_deps_range_work(4, 2500, 2200, 700, 2, false, &small_n);
	big = cross_deps_range_work(4, 5000, 4400, 1400, 2, false, &big_n);
	assert_true(small_n > 5000 && big_n > 2 * small_n - 100);
	if (small > 40 * small_n || big > 40 * big_n || 10 * big * small_n > 13 * small * big_n)
		fail_msg("cross-deps ranges: %zu units for %zu revisions, %zu for %zu", small,
			 small_n, big, big_n);
}

/*
 * The adversarial shapes, small, in every load order, against the
 * reference: everything from the real heads, and the node sets of
 * random_case() (ranges, upgrade sets, holes, heads outside the set).
 */
static void test_toposort_shapes_match_alembic(void **state)
{
	size_t heads[512], n_heads, k, m;
	int kind, order, shape;

	(void)state;
	rng_state = 0x2545f4914f6cdd1dULL;
	for (kind = 0; kind < N_SHAPES; kind++)
		for (order = 0; order < 3; order++)
			for (k = 1; k <= 7; k += 2)
				for (m = 1; m <= 7; m += 3) {
					struct rg_revmap *map = shape_map(kind, k, m, order);
					struct rg_idx_list want = { 0 }, got = { 0 };
					struct rg_bitset todo = { 0 };
					size_t n;

					assert_non_null(map);
					n = rg_revmap_count(map);
					rg_bitset_init(&todo, n);
					for (shape = 0; shape < 5; shape++) {
						int want_err, got_err;

						random_case(map, &todo, heads, &n_heads, shape);
						want_err = reference_toposort(&want, map, &todo, heads,
									      n_heads);
						got_err = sort_each_way(&got, &want, want_err, map, &todo,
									heads, n_heads);
						assert_int_equal(got_err, want_err);
					}
					rg_bitset_release(&todo);
					rg_idx_list_release(&want);
					rg_idx_list_release(&got);
					rg_revmap_free(map);
				}
}

/*
 * Not a test: with RG_WALK_EXPLORE=1, print the work on every shape at
 * doubling sizes; with RG_WALK_EXPLORE=k<lanes>, RG_WALK_M=<length>,
 * RG_WALK_KIND=<shape number>, RG_WALK_ORDER=<0-2> and optionally
 * RG_WALK_CASE=<random_case() shape> and RG_WALK_SEED, the work and time of
 * one sort.
 */
static void test_toposort_explore(void **state)
{
	static const size_t sizes[][2] = { { 64, 64 }, { 128, 64 }, { 64, 128 }, { 256, 4 }, { 512, 4 },
					   { 4, 4096 }, { 4, 8192 }, { 1024, 1 }, { 2048, 1 } };
	int kind, order;
	size_t s;

	(void)state;
	if (!getenv("RG_WALK_EXPLORE"))
		return;
	if (getenv("RG_WALK_EXPLORE")[0] == 'k') {	/* one shape, k and m from the environment */
		size_t k0 = strtoul(getenv("RG_WALK_EXPLORE") + 1, NULL, 10);
		size_t m0 = strtoul(getenv("RG_WALK_M"), NULL, 10);
		struct rg_revmap *map;
		struct rg_idx_list got = { 0 };
		struct timespec t0, t1;

		kind = atoi(getenv("RG_WALK_KIND"));
		order = atoi(getenv("RG_WALK_ORDER"));
		rng_state = 7;
		map = shape_map(kind, k0, m0, order);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (getenv("RG_WALK_CASE")) {	/* a node set of random_case() instead */
			size_t heads[8], n_heads;
			struct rg_bitset todo = { 0 };

			rg_bitset_init(&todo, rg_revmap_count(map));
			if (getenv("RG_WALK_SEED"))
				rng_state = strtoull(getenv("RG_WALK_SEED"), NULL, 10);
			random_case(map, &todo, heads, &n_heads, atoi(getenv("RG_WALK_CASE")));
			rg_walk_toposort(&got, map, &todo, heads, n_heads);
			s = rg_walk_toposort_work();
			rg_bitset_release(&todo);
		} else {
			s = history_work(map, &got);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%s order %d k %zu m %zu n %zu sorted %zu work %zu per node %.2f, %.3f s\n",
		       shape_names[kind], order, k0, m0, rg_revmap_count(map), got.n, s,
		       (double)s / rg_revmap_count(map),
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		rg_idx_list_release(&got);
		rg_revmap_free(map);
		return;
	}
	for (kind = 0; kind < N_SHAPES; kind++)
		for (order = 0; order < 3; order++)
			for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
				struct rg_revmap *map;
				struct rg_idx_list got = { 0 };
				size_t w;

				rng_state = 7;
				map = shape_map(kind, sizes[s][0], sizes[s][1], order);
				assert_non_null(map);
				w = history_work(map, &got);
				printf("%-16s order %d k %5zu m %5zu n %7zu work %9zu per node %.2f\n",
				       shape_names[kind], order, sizes[s][0], sizes[s][1],
				       rg_revmap_count(map), w, (double)w / rg_revmap_count(map));
				rg_idx_list_release(&got);
				rg_revmap_free(map);
			}
}

/* Some node sets history, upgrade and downgrade sort, and arbitrary ones. */
static void random_case(const struct rg_revmap *map, struct rg_bitset *todo, size_t *heads,
			size_t *n_heads, int shape)
{
	size_t n = rg_revmap_count(map), i, n_targets = 1 + rnd(3);
	struct rg_bitset below = { 0 };

	memset(todo->w, 0, ((n + 63) / 64) * sizeof(uint64_t));
	*n_heads = 0;
	if (shape == 0) {	/* everything, from the real heads */
		for (i = 0; i < n; i++) {
			rg_bitset_set(todo, i);
			if (rg_node_is_real_head(rg_revmap_node(map, i)))
				heads[(*n_heads)++] = i;
		}
		return;
	}
	for (i = 0; i < n_targets; i++)
		heads[(*n_heads)++] = rnd(n);
	rg_walk_mark(todo, map, heads, *n_heads, RG_WALK_DOWN_DEPS, false);
	if (shape == 1)		/* the ancestors of some targets (upgrade) */
		return;
	if (shape == 2) {	/* minus the ancestors of a lower revision (history A:B, downgrade) */
		size_t low = rnd(n);

		rg_bitset_init(&below, n);
		rg_walk_mark(&below, map, &low, 1, RG_WALK_DOWN_DEPS, false);
		for (i = 0; i < n; i++)
			if (rg_bitset_has(&below, i))
				rg_bitset_clear(todo, i);
		rg_bitset_release(&below);
		return;
	}
	for (i = 0; i < n; i++)	/* holes anywhere: not convex */
		if (rnd(4) == 0)
			rg_bitset_clear(todo, i);
	if (shape == 4)		/* and heads that are not all in the set */
		heads[(*n_heads)++] = rnd(n);
}

static void test_toposort_matches_alembic(void **state)
{
	size_t round, heads[512], n_heads;	/* random_map(n < 500) */

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ULL;
	for (round = 0; round < 300; round++) {
		size_t n = 2 + rnd(round < 200 ? 40 : 400);
		struct rg_revmap *map = random_map(n);
		struct rg_idx_list want = { 0 }, got = { 0 };
		struct rg_bitset todo = { 0 };
		int shape;

		assert_non_null(map);
		rg_bitset_init(&todo, n);
		for (shape = 0; shape < 5; shape++) {
			int want_err, got_err;

			random_case(map, &todo, heads, &n_heads, shape);
			want_err = reference_toposort(&want, map, &todo, heads, n_heads);
			got_err = sort_each_way(&got, &want, want_err, map, &todo, heads, n_heads);
			assert_int_equal(got_err, want_err);
		}
		rg_bitset_release(&todo);
		rg_idx_list_release(&want);
		rg_idx_list_release(&got);
		rg_revmap_free(map);
	}
}

/*
 * The sample project's history in sorted load order (the reference's 1.9
 * listing is in Alembic 1.8.1's directory order, with c200 loaded before 2a95).
 */
static void test_toposort_sample(void **state)
{
	static const char *const expect[] = {
		"2a95102259be", "5d2e8d0c4e91", "c20000000002", "9a1b2c3d4e5f", "55af2cb1c267",
		"3cac04ae8714", "53fffde5ad5", "ae1027a6acf", "27c6a30d7c24", "b10000000001",
		"1975ea83b712",
	};
	struct rg_revmap *map = sample_map();
	struct rg_idx_list heads = { 0 }, got = { 0 }, want = { 0 };
	struct rg_bitset todo = { 0 };
	size_t i, n;

	(void)state;
	assert_non_null(map);
	n = rg_revmap_count(map);
	assert_int_equal(rg_revmap_real_heads(&heads, map), 0);
	rg_bitset_init(&todo, n);
	for (i = 0; i < n; i++)
		rg_bitset_set(&todo, i);
	assert_int_equal(rg_walk_toposort(&got, map, &todo, heads.items, heads.n), 0);
	assert_int_equal(reference_toposort(&want, map, &todo, heads.items, heads.n), 0);
	assert_int_equal(got.n, n);
	assert_memory_equal(got.items, want.items, n * sizeof(size_t));
	for (i = 0; i < n; i++)
		assert_string_equal(rg_revmap_node(map, got.items[i])->rev->id, expect[i]);
	rg_bitset_release(&todo);
	rg_idx_list_release(&heads);
	rg_idx_list_release(&got);
	rg_idx_list_release(&want);
	rg_revmap_free(map);
}

static void test_toposort_survives_allocation_failures(void **state)
{
	struct rg_revmap *map;
	struct rg_idx_list heads = { 0 }, got = { 0 };
	struct rg_bitset todo = { 0 };
	unsigned long k;
	size_t i, n;

	(void)state;
	rng_state = 42;
	map = random_map(60);
	assert_non_null(map);
	n = rg_revmap_count(map);
	rg_revmap_real_heads(&heads, map);
	rg_bitset_init(&todo, n);
	for (i = 0; i < n; i++)
		rg_bitset_set(&todo, i);
	for (k = 1; k < 200; k++) {
		int err;

		rg_alloc_fail_after(k, 0);
		err = rg_walk_toposort(&got, map, &todo, heads.items, heads.n);
		rg_alloc_fail_after(0, 0);
		assert_true(err == 0 || err == RG_ENOMEM);
		if (!err)
			assert_int_equal(got.n, n);
	}
	rg_bitset_release(&todo);
	rg_idx_list_release(&heads);
	rg_idx_list_release(&got);
	rg_revmap_free(map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toposort_sample),
		cmocka_unit_test(test_toposort_matches_alembic),
		cmocka_unit_test(test_toposort_survives_allocation_failures),
		cmocka_unit_test(test_toposort_shapes_match_alembic),
		cmocka_unit_test(test_toposort_work_is_near_linear),
		cmocka_unit_test(test_toposort_cross_deps_range_is_near_linear),
		cmocka_unit_test(test_toposort_explore),
	};

	const struct CMUnitTest explore[] = {
		cmocka_unit_test(test_toposort_explore),
	};

	if (getenv("RG_WALK_EXPLORE"))
		return cmocka_run_group_tests(explore, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
