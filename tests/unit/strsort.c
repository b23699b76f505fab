/*
 * Tests for revgraph/strsort.c: the order is strcmp()'s (bytes unsigned),
 * with shared prefixes of every length, empty strings, duplicates and bytes
 * above 0x7f, and nothing changes when memory runs out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "strsort.h"
#include "revgraph/common.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_matches_strcmp(void **state)
{
	static const char *const fixed[] = {
		"", "", "a", "ab", "abcdefgh", "abcdefg", "abcdefghi", "abcdefgh", "abcdefgh\x80",
		"abcdefgh\x7f", "\xc3\xa9t\xc3\xa9", "zz", "0000000000aa_root.py", "0000000000aa_root.pz",
		"sub/", "sub", "__pycache__/",
	};
	const size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]), n = n_fixed + 3000;
	const char **v = malloc(n * sizeof(char *)), **want = malloc(n * sizeof(char *));
	char (*buf)[24] = malloc(3000 * sizeof(*buf));
	uint64_t x = 88172645463325252ULL;
	size_t i, j;

	(void)state;
	for (i = 0; i < n_fixed; i++)
		v[i] = fixed[i];
	for (i = 0; i < 3000; i++) {
		size_t len = 1 + i % 20;

		for (j = 0; j < len; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* few distinct bytes: long common prefixes and many ties on 8 bytes */
			buf[i][j] = "ab\x01\xff"[x % 4];
		}
		buf[i][len] = '\0';
		v[n_fixed + i] = buf[i];
	}
	memcpy(want, v, n * sizeof(char *));
	qsort(want, n, sizeof(char *), cmp);
	assert_int_equal(rg_strsort(v, n), 0);
	for (i = 0; i < n; i++)
		assert_string_equal(v[i], want[i]);
	assert_int_equal(rg_strsort(v, 0), 0);
	assert_int_equal(rg_strsort(v, 1), 0);
	free(v);
	free(want);
	free(buf);
}

static void test_unchanged_when_out_of_memory(void **state)
{
	const char *v[] = { "c", "b", "a" };

	(void)state;
	rg_alloc_fail_after(1, 0);
	assert_int_equal(rg_strsort(v, 3), RG_ENOMEM);
	rg_alloc_fail_after(0, 0);
	assert_string_equal(v[0], "c");
	assert_string_equal(v[2], "a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_strcmp),
		cmocka_unit_test(test_unchanged_when_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
