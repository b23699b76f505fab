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
			got_err = rg_walk_toposort(&got, map, &todo, heads, n_heads);
			assert_int_equal(got_err, want_err);
			if (want_err)
				continue;
			assert_int_equal(got.n, want.n);
			assert_memory_equal(got.items, want.items, want.n * sizeof(size_t));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
