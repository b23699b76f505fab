/*
 * Tests for revgraph/resolve.c against the resolution table of the
 * reference (Appendix A), and the history ranges of section 4.6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "helpers.h"
#include "revgraph/common.h"
#include "revgraph/resolve.h"

static struct rg_revmap *map;

static int setup(void **state)
{
	(void)state;
	map = sample_map();
	return map ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rg_revmap_free(map);
	return 0;
}

/* The ids of `l` (first 4 characters) as "a b c", or "ERR:<message>". */
static const char *render(int err, struct rg_idx_list *l)
{
	static char buf[1024];
	size_t i, used = 0;

	if (err) {
		snprintf(buf, sizeof(buf), "ERR:%s", rg_error_last());
	} else {
		buf[0] = '\0';
		for (i = 0; i < l->n; i++)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%.4s", i ? " " : "",
						 rg_revmap_node(map, l->items[i])->rev->id);
	}
	rg_idx_list_release(l);
	return buf;
}

static const char *res(const char *arg)
{
	struct rg_idx_list l = { 0 };

	return render(rg_resolve(&l, map, arg), &l);
}

static const char *hist(const char *base, const char *head)
{
	struct rg_idx_list l = { 0 };

	return render(rg_resolve_history(&l, map, base, head), &l);
}

static void test_ids_and_prefixes(void **state)
{
	(void)state;
	assert_string_equal(res("1975ea83b712"), "1975");
	assert_string_equal(res("1975"), "1975");
	assert_string_equal(res("19"), "1975");
	assert_string_equal(res("2a"), "2a95");
	assert_string_equal(res("5d"), "5d2e");
	assert_string_equal(res("53"), "53ff");
	assert_string_equal(res("5"), "ERR:Can't locate revision identified by '5'");
	assert_string_equal(rg_error_detail(),
			    "Multiple revisions start with '5': '53fffde5ad5', '55af2cb1c267', '5d2e8d0c4e91'...");
	assert_string_equal(res("zz"), "ERR:Can't locate revision identified by 'zz'");
	assert_string_equal(rg_error_detail(),
			    "No such revision or branch 'zz'; please ensure at least four characters are present for partial revision identifier matches");
}

static void test_symbols(void **state)
{
	(void)state;
	assert_string_equal(res("heads"), "2a95 c200");
	assert_string_equal(res("base"), "");
	assert_string_equal(res("head"),
			    "ERR:Multiple head revisions are present for given argument 'head'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads");
	assert_string_equal(res("networking"), "55af");
	assert_string_equal(res("networking@head"), "2a95");
	assert_string_equal(res("networking@base"), "");
	assert_string_equal(res("lib"), "b100");
	assert_string_equal(res("lib@head"), "b100");
	assert_string_equal(res("networking@5d2e"), "5d2e");
	assert_string_equal(res("networking@1975"), "ERR:Can't locate revision identified by '1975'");
	assert_string_equal(res("1975@head"), "c200");
	assert_string_equal(res("27c6@head"), "c200");
	assert_string_equal(res("nosuch@head"), "ERR:Can't locate revision identified by 'nosuch'");
	/* Alembic looks the branch of a resolved list up again: "heads" is none */
	assert_string_equal(res("heads@heads"), "ERR:Can't locate revision identified by 'heads'");
}

static void test_relative_in_get_revisions(void **state)
{
	(void)state;
	assert_string_equal(res("-1"), "5d2e 9a1b");
	assert_string_equal(res("networking@-1"), "5d2e");
	assert_string_equal(res("c2000@-1"), "");
	assert_string_equal(res("+1"), "ERR:Can't locate revision identified by '+1'");
	assert_string_equal(res("head-1"), "ERR:Can't locate revision identified by 'head-1'");
}

static void test_history_ranges(void **state)
{
	(void)state;
	assert_string_equal(hist(NULL, NULL),
			    "2a95 5d2e c200 9a1b 55af 3cac 53ff ae10 27c6 b100 1975");
	assert_string_equal(hist("53ff", "27c6"),
			    "ERR:Requested range 53ff:27c6 does not refer to ancestor/descendant revisions along the same branch");
	assert_string_equal(hist("lib@base", NULL), "");
	/* 2a95 depends on 3cac, so the main line down to the base comes too */
	assert_string_equal(hist("networking@base", NULL), "2a95 5d2e 55af 3cac 53ff ae10 27c6 1975");
	assert_string_equal(hist("ae10", NULL), "c200 9a1b 3cac 53ff ae10");
	assert_string_equal(hist(NULL, "3cac"), "3cac 53ff ae10 27c6 1975");
	assert_string_equal(hist("base", "+2"), "ERR:Ambiguous walk");
	assert_string_equal(hist("3cac", "+1"), "9a1b 3cac");
	/* one step down from each real head: 5d2e and 9a1b, each in range */
	assert_string_equal(hist("-1", NULL), "2a95 5d2e c200 9a1b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_and_prefixes),
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_relative_in_get_revisions),
		cmocka_unit_test(test_history_ranges),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
