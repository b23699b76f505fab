/*
 * Tests for revgraph/idmap.c: every key added is found with its value,
 * others are not, a key added twice is refused, whatever the key length (the
 * table compares the first 16 bytes inline) and however the table grew.
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
#include "idmap.h"
#include "revgraph/common.h"

/* Keys of many lengths that share long prefixes. */
static char **make_keys(size_t n)
{
	char **keys = calloc(n, sizeof(char *));
	size_t i;

	for (i = 0; i < n; i++) {
		keys[i] = malloc(64);
		switch (i % 4) {
		case 0:
			snprintf(keys[i], 64, "%012zx", i * 2654435761u);
			break;
		case 1:
			snprintf(keys[i], 64, "0123456789abcdef%zu", i);	/* same first 16 bytes */
			break;
		case 2:
			snprintf(keys[i], 64, "%zu", i);
			break;
		default:
			snprintf(keys[i], 64, "branch-label-%zu-with-a-longer-name", i);
			break;
		}
	}
	return keys;
}

static void free_keys(char **keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

static void test_add_and_get(void **state)
{
	const size_t n = 5000;
	struct rg_idmap *map = rg_idmap_new();
	char **keys = make_keys(n), other[80];
	size_t i, v;

	(void)state;
	assert_non_null(map);
	assert_false(rg_idmap_get(map, "nothing", &v));
	for (i = 0; i < n; i++)
		assert_int_equal(rg_idmap_add(map, keys[i], i), 0);
	assert_int_equal(rg_idmap_count(map), n);
	for (i = 0; i < n; i++) {
		assert_true(rg_idmap_get(map, keys[i], &v));
		assert_int_equal(v, i);
		assert_int_equal(rg_idmap_add(map, keys[i], 7), RG_EINVALID);
		/* a key that is a prefix or an extension of a stored one is another key */
		snprintf(other, sizeof(other), "%sx", keys[i]);
		assert_false(rg_idmap_get(map, other, &v));
		snprintf(other, sizeof(other), "%.*s", (int)strlen(keys[i]) - 1, keys[i]);
		if (!rg_idmap_get(map, other, &v))
			continue;
		assert_string_equal(keys[v], other);
	}
	assert_false(rg_idmap_get(map, "", &v));
	rg_idmap_free(map);
	free_keys(keys, n);
}

static void test_reserved_and_hashed(void **state)
{
	const size_t n = 3000;
	struct rg_idmap *map = rg_idmap_new();
	char **keys = make_keys(n);
	size_t i, v;

	(void)state;
	assert_int_equal(rg_idmap_reserve(map, n), 0);
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rg_idmap_prefetch(map, rg_idmap_hash(keys[i + 1]));
		assert_int_equal(rg_idmap_add_hashed(map, keys[i], rg_idmap_hash(keys[i]), i), 0);
	}
	for (i = 0; i < n; i++) {
		assert_true(rg_idmap_get_hashed(map, keys[i], rg_idmap_hash(keys[i]), &v));
		assert_int_equal(v, i);
	}
	assert_int_equal(rg_idmap_reserve(map, 10), 0);
	rg_idmap_free(map);
	rg_idmap_free(NULL);
	free_keys(keys, n);
}

static void test_survives_allocation_failures(void **state)
{
	char **keys = make_keys(500);
	unsigned long k;
	size_t i, v;

	(void)state;
	for (k = 1; k < 20; k++) {
		struct rg_idmap *map;
		int err = 0;

		rg_alloc_fail_after(k, 0);
		map = rg_idmap_new();
		for (i = 0; map && i < 500 && !err; i++)
			err = rg_idmap_add(map, keys[i], i);
		rg_alloc_fail_after(0, 0);
		assert_true(!map || err == 0 || err == RG_ENOMEM);
		/* what was added before the failure is all there */
		for (i = 0; map && i < rg_idmap_count(map); i++) {
			assert_true(rg_idmap_get(map, keys[i], &v));
			assert_int_equal(v, i);
		}
		rg_idmap_free(map);
	}
	free_keys(keys, 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_get),
		cmocka_unit_test(test_reserved_and_hashed),
		cmocka_unit_test(test_survives_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
