/*
 * Tests for revgraph/str.c: the growable string, including its sticky
 * out-of-memory state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc.h"
#include "revgraph/str.h"
#include "revgraph/common.h"

static void test_add_and_format(void **state)
{
	struct rg_str s = RG_STR_INIT;

	(void)state;
	assert_string_equal(s.buf, "");
	rg_str_adds(&s, "abc");
	rg_str_addch(&s, '-');
	rg_str_addf(&s, "%d/%s", 42, "x");
	rg_str_addchars(&s, ' ', 3);
	assert_string_equal(s.buf, "abc-42/x   ");
	assert_int_equal(s.len, 11);
	rg_str_trim(&s);
	assert_string_equal(s.buf, "abc-42/x");
	rg_str_setlen(&s, 3);
	assert_string_equal(s.buf, "abc");
	assert_int_equal(rg_str_check(&s), 0);
	rg_str_release(&s);
	assert_string_equal(s.buf, "");
	rg_str_release(NULL);
}

static void test_grows_past_initial_size(void **state)
{
	struct rg_str s = RG_STR_INIT;
	int i;

	(void)state;
	for (i = 0; i < 10000; i++)
		rg_str_addch(&s, (char)('a' + i % 26));
	assert_int_equal(s.len, 10000);
	assert_int_equal(s.buf[9999], 'a' + 9999 % 26);
	assert_int_equal(s.buf[10000], '\0');
	rg_str_release(&s);
}

static void test_oom_is_sticky(void **state)
{
	struct rg_str s = RG_STR_INIT;
	char *p;

	(void)state;
	rg_alloc_fail_after(1, 0);
	rg_str_adds(&s, "hello");
	rg_str_adds(&s, "world");	/* ignored: the string has failed */
	assert_true(s.failed);
	assert_int_equal(rg_str_check(&s), RG_ENOMEM);
	assert_string_equal(rg_error_last(), "out of memory");
	p = rg_str_detach(&s);
	assert_null(p);
	assert_false(s.failed);
	rg_str_adds(&s, "ok");
	assert_string_equal(s.buf, "ok");
	rg_str_release(&s);
}

static void test_detach_gives_ownership(void **state)
{
	struct rg_str s = RG_STR_INIT;
	char *p;

	(void)state;
	p = rg_str_detach(&s);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	rg_str_adds(&s, "mine");
	p = rg_str_detach(&s);
	assert_string_equal(p, "mine");
	assert_string_equal(s.buf, "");
	free(p);
}

static void test_long_error_message(void **state)
{
	struct rg_str s = RG_STR_INIT;
	int i;

	(void)state;
	for (i = 0; i < 3000; i++)
		rg_str_adds(&s, "ab");
	rg_error_set(RG_ECYCLE, "x%s", s.buf);
	assert_int_equal(strlen(rg_error_last()), 6001);
	assert_int_equal(rg_error_code(), RG_ECYCLE);
	rg_error_clear();
	assert_string_equal(rg_error_last(), "");
	rg_str_release(&s);
}

static void test_grow_checks_overflow(void **state)
{
	char *p = NULL;
	size_t alloc = 0;

	(void)state;
	assert_int_equal(RG_GROW(p, 10, alloc), 0);
	assert_true(alloc >= 10);
	assert_int_equal(rg_grow((void **)&p, 16, &alloc, SIZE_MAX / 4), RG_ENOMEM);
	free(p);
}

static void test_add_utf8(void **state)
{
	struct rg_str s = RG_STR_INIT;

	(void)state;
	/* the last code point of each length, and the first of the next */
	rg_str_add_utf8(&s, 0x41);
	rg_str_add_utf8(&s, 0x7f);
	rg_str_add_utf8(&s, 0x80);
	rg_str_add_utf8(&s, 0xe9);
	rg_str_add_utf8(&s, 0x7ff);
	rg_str_add_utf8(&s, 0x800);
	rg_str_add_utf8(&s, 0x20ac);
	rg_str_add_utf8(&s, 0xffff);
	rg_str_add_utf8(&s, 0x10000);
	rg_str_add_utf8(&s, 0x1f600);
	rg_str_add_utf8(&s, 0x10ffff);
	assert_int_equal(s.len, 1 + 1 + 2 + 2 + 2 + 3 + 3 + 3 + 4 + 4 + 4);
	assert_memory_equal(s.buf,
			    "A\x7f" "\xc2\x80" "\xc3\xa9" "\xdf\xbf" "\xe0\xa0\x80" "\xe2\x82\xac"
			    "\xef\xbf\xbf" "\xf0\x90\x80\x80" "\xf0\x9f\x98\x80" "\xf4\x8f\xbf\xbf",
			    s.len + 1);
	rg_str_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_format),
		cmocka_unit_test(test_grows_past_initial_size),
		cmocka_unit_test(test_oom_is_sticky),
		cmocka_unit_test(test_detach_gives_ownership),
		cmocka_unit_test(test_long_error_message),
		cmocka_unit_test(test_grow_checks_overflow),
		cmocka_unit_test(test_add_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
