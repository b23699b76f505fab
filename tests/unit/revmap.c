/*
 * Tests for revgraph/revmap.c: linking, heads and flags, normalised
 * dependencies, label propagation, and every problem the checks report.
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

static const char *ids_of(const struct rg_revmap *map, const struct rg_idx_list *l, char *buf,
			  size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "",
					 rg_revmap_node(map, l->items[i])->rev->id);
	return buf;
}

static void test_sample_heads_and_flags(void **state)
{
	struct rg_revmap *map = sample_map();
	struct rg_idx_list l = { 0 };
	char buf[512];
	const struct rg_node *nd;

	(void)state;
	assert_non_null(map);
	assert_int_equal(rg_revmap_heads(&l, map), 0);
	assert_string_equal(ids_of(map, &l, buf, sizeof(buf)), "2a95102259be b10000000001 c20000000002");
	assert_int_equal(rg_revmap_real_heads(&l, map), 0);
	assert_string_equal(ids_of(map, &l, buf, sizeof(buf)), "2a95102259be c20000000002");
	assert_int_equal(rg_revmap_bases(&l, map), 0);
	assert_string_equal(ids_of(map, &l, buf, sizeof(buf)), "1975ea83b712 55af2cb1c267 b10000000001");

	nd = rg_revmap_node(map, idx_of(map, "1975ea83b712"));
	assert_true(rg_node_is_branchpoint(nd));
	assert_false(rg_node_is_mergepoint(nd));
	nd = rg_revmap_node(map, idx_of(map, "53fffde5ad5"));
	assert_true(rg_node_is_mergepoint(nd));
	nd = rg_revmap_node(map, idx_of(map, "b10000000001"));
	assert_true(rg_node_is_head(nd));
	assert_false(rg_node_is_real_head(nd));
	/* 9a1b depends on the label "networking": the revision that declares it */
	nd = rg_revmap_node(map, idx_of(map, "9a1b2c3d4e5f"));
	assert_int_equal(nd->deps.n, 1);
	assert_int_equal(nd->deps.items[0], idx_of(map, "55af2cb1c267"));
	rg_idx_list_release(&l);
	rg_revmap_free(map);
}

static void test_label_propagation(void **state)
{
	struct rg_revmap *map = sample_map();
	const struct rg_node *nd;

	(void)state;
	/* networking: declared on 55af, carried up to 5d2e and 2a95 */
	nd = rg_revmap_node(map, idx_of(map, "2a95102259be"));
	assert_int_equal(nd->n_labels, 1);
	assert_string_equal(nd->labels[0], "networking");
	nd = rg_revmap_node(map, idx_of(map, "5d2e8d0c4e91"));
	assert_string_equal(nd->labels[0], "networking");
	/* 3cac is depended on by 2a95 but is not on the branch */
	nd = rg_revmap_node(map, idx_of(map, "3cac04ae8714"));
	assert_int_equal(nd->n_labels, 0);
	rg_revmap_free(map);
}

static void test_label_walks_down_a_chain(void **state)
{
	/* reference 3.5: aaaa1 -> bbbb2 -> cccc3[feat] -> dddd4, aaaa1 a branchpoint */
	struct rg_revision *revs[] = {
		mkrev("aaaa1", "", "", "", ""),
		mkrev("bbbb2", "aaaa1", "", "", ""),
		mkrev("cccc3", "bbbb2", "", "feat", ""),
		mkrev("dddd4", "cccc3", "", "", ""),
		mkrev("eeee5", "aaaa1", "", "", ""),
	};
	struct rg_revision *revs2[] = {
		mkrev("aaaa1", "", "", "", ""),
		mkrev("bbbb2", "aaaa1", "", "", ""),
		mkrev("cccc3", "bbbb2", "", "feat", ""),
		mkrev("dddd4", "cccc3", "", "", ""),
		mkrev("eeee5", "aaaa1", "", "", ""),
		mkrev("ffff6", "dddd4", "", "", ""),
		mkrev("gggg7", "dddd4", "", "", ""),
	};
	struct rg_revmap *map;

	(void)state;
	assert_int_equal(rg_revmap_build(&map, revs, 5), 0);
	assert_true(rg_node_has_label(rg_revmap_node(map, idx_of(map, "bbbb2")), "feat"));
	assert_true(rg_node_has_label(rg_revmap_node(map, idx_of(map, "dddd4")), "feat"));
	assert_false(rg_node_has_label(rg_revmap_node(map, idx_of(map, "aaaa1")), "feat"));
	assert_false(rg_node_has_label(rg_revmap_node(map, idx_of(map, "eeee5")), "feat"));
	rg_revmap_free(map);

	/* two children under dddd4: the walk stops there and bbbb2 loses it */
	assert_int_equal(rg_revmap_build(&map, revs2, 7), 0);
	assert_false(rg_node_has_label(rg_revmap_node(map, idx_of(map, "bbbb2")), "feat"));
	assert_true(rg_node_has_label(rg_revmap_node(map, idx_of(map, "gggg7")), "feat"));
	rg_revmap_free(map);
}

static void test_normalized_dependencies(void **state)
{
	/* c and its child d both depend on x: d's is implied by c's */
	struct rg_revision *revs[] = {
		mkrev("aaaa", "", "", "", ""),
		mkrev("cccc", "aaaa", "xxxx", "", ""),
		mkrev("dddd", "cccc", "xxxx", "", ""),
		mkrev("xxxx", "", "", "", ""),
	};
	struct rg_revmap *map;
	const struct rg_node *nd;

	(void)state;
	assert_int_equal(rg_revmap_build(&map, revs, 4), 0);
	nd = rg_revmap_node(map, idx_of(map, "dddd"));
	assert_int_equal(nd->deps.n, 1);
	assert_int_equal(nd->ndeps.n, 0);
	nd = rg_revmap_node(map, idx_of(map, "cccc"));
	assert_int_equal(nd->ndeps.n, 1);
	rg_revmap_free(map);
}

static void expect_problem(struct rg_revision **revs, size_t n, int code, const char *msg)
{
	struct rg_revmap *map = NULL;

	assert_int_equal(rg_revmap_build(&map, revs, n), code);
	assert_null(map);
	assert_string_equal(rg_error_last(), msg);
}

static void test_every_problem_reported_at_once(void **state)
{
	struct rg_revision *revs[] = {
		mkrev("aaaa1", "", "", "", ""),
		mkrev("bbbb2", "zzzz9", "", "", ""),
		mkrev("cccc3", "aaaa1", "nope", "", ""),
		mkrev("aaaa1", "", "", "", ""),
		mkrev("a+b-c", "aaaa1", "", "", ""),
		mkrev("dddd4", "dddd4", "", "", ""),
		mkrev("eeee5", "aaaa1", "", "aaaa1", ""),
		mkrev("ffff6", "aaaa1", "ffff6", "", ""),
	};

	(void)state;
	expect_problem(revs, 8, RG_EINVALID,
		       "aaaa1:10: Revision aaaa1 is present more than once (also in aaaa1)\n"
		       "a+b-c:10: Character(s) '+, -' not allowed in revision identifier 'a+b-c'\n"
		       "dddd4:11: Self-loop is detected in revisions (dddd4)\n"
		       "ffff6:13: Dependency self-loop is detected in revisions (ffff6)\n"
		       "eeee5:12: Branch name 'aaaa1' in revision eeee5 already used by revision aaaa1\n"
		       "bbbb2:11: Revision zzzz9 referenced from bbbb2 is not present\n"
		       "cccc3:13: Revision nope referenced as depends_on from cccc3 is not present");
}

static void test_label_collision(void **state)
{
	struct rg_revision *revs[] = {
		mkrev("aaaa1", "", "", "foo", ""),
		mkrev("bbbb2", "aaaa1", "", "foo", ""),
	};

	(void)state;
	struct rg_revision *twice[] = {
		mkrev("aaaa1", "", "", "dup dup", ""),
	};

	expect_problem(revs, 2, RG_EINVALID,
		       "bbbb2:12: Branch name 'foo' in revision bbbb2 already used by revision aaaa1");
	/* Alembic rejects a label listed twice in one revision too */
	expect_problem(twice, 1, RG_EINVALID,
		       "aaaa1:12: Branch name 'dup' in revision aaaa1 already used by revision aaaa1");
}

static void test_cycles(void **state)
{
	struct rg_revision *all[] = {
		mkrev("aaaa1", "bbbb2", "", "", ""),
		mkrev("bbbb2", "aaaa1", "", "", ""),
	};
	struct rg_revision *part[] = {
		mkrev("aaaa1", "", "", "", ""),
		mkrev("bbbb2", "cccc3", "", "", ""),
		mkrev("cccc3", "bbbb2", "", "", ""),
		mkrev("dddd4", "aaaa1", "", "", ""),
	};
	struct rg_revision *deps[] = {
		mkrev("aaaa1", "", "", "", ""),
		mkrev("bbbb2", "aaaa1", "cccc3", "", ""),
		mkrev("cccc3", "aaaa1", "bbbb2", "", ""),
	};
	/* a cycle Alembic's own check misses: every node lies between a head and a base */
	struct rg_revision *hidden[] = {
		mkrev("aaaa1", "", "", "", ""),
		mkrev("bbbb2", "aaaa1 cccc3", "", "", ""),
		mkrev("cccc3", "bbbb2", "", "", ""),
		mkrev("dddd4", "cccc3", "", "", ""),
	};

	(void)state;
	expect_problem(all, 2, RG_ECYCLE, "Cycle is detected in revisions (aaaa1, bbbb2)");
	expect_problem(part, 4, RG_ECYCLE, "Cycle is detected in revisions (bbbb2, cccc3)");
	expect_problem(deps, 3, RG_ECYCLE, "Dependency cycle is detected in revisions (aaaa1, bbbb2, cccc3)");
	expect_problem(hidden, 4, RG_ECYCLE, "Cycle is detected in revisions (bbbb2, cccc3, dddd4)");
}

static void test_prefix_lookup(void **state)
{
	struct rg_revmap *map = sample_map();
	struct rg_idx_list l = { 0 };

	(void)state;
	assert_int_equal(rg_revmap_prefix(&l, map, "5"), 0);
	assert_int_equal(l.n, 3);	/* 53ff, 55af, 5d2e */
	assert_int_equal(rg_revmap_prefix(&l, map, "netw"), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0], idx_of(map, "55af2cb1c267"));
	/* "lib" is 3 characters: never matched by prefix */
	assert_int_equal(rg_revmap_prefix(&l, map, "li"), 0);
	assert_int_equal(l.n, 0);
	rg_idx_list_release(&l);
	rg_revmap_free(map);
}

static void test_build_survives_allocation_failures(void **state)
{
	unsigned long i;
	int err;

	(void)state;
	for (i = 1;; i++) {
		struct rg_revision *revs[] = {
			mkrev("aaaa1", "", "", "x", ""),
			mkrev("bbbb2", "aaaa1", "", "", ""),
			mkrev("cccc3", "aaaa1", "x", "", ""),
			mkrev("dddd4", "bbbb2 cccc3", "", "", ""),
		};
		struct rg_revmap *map = NULL;

		rg_alloc_fail_after(i, 0);
		err = rg_revmap_build(&map, revs, 4);
		rg_alloc_fail_after(0, 0);
		if (!err) {
			rg_revmap_free(map);
			break;
		}
		assert_int_equal(err, RG_ENOMEM);
		assert_null(map);
	}
	assert_true(i > 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_heads_and_flags),
		cmocka_unit_test(test_label_propagation),
		cmocka_unit_test(test_label_walks_down_a_chain),
		cmocka_unit_test(test_normalized_dependencies),
		cmocka_unit_test(test_every_problem_reported_at_once),
		cmocka_unit_test(test_label_collision),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_prefix_lookup),
		cmocka_unit_test(test_build_survives_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
