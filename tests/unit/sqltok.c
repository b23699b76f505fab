/*
 * Tests for revgraph/sqltok.c, table-driven: each case is a text and the
 * tokens it must give, written as TYPE:text (W word, I quoted identifier,
 * S string, N number, B blob, V parameter, P punctuation), with the comments
 * counted; then unterminated input, the keyword and name helpers, and an
 * allocation failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc.h"
#include "sqltok.h"
#include "revgraph/common.h"
#include "revgraph/str.h"

struct tok_case {
	const char *text;
	const char *want;	/* the tokens, one space between each */
	size_t n_comments;
};

static const struct tok_case cases[] = {
	/* nothing, and SQLite's six whitespace characters */
	{ "", "", 0 },
	{ " \t\n\r\f\v", "", 0 },
	/* quotes: '' "" `` [], a doubled quote is one; [] has no escape */
	{ "'it''s'", "S:'it''s'", 0 },
	{ "'a' 'b'", "S:'a' S:'b'", 0 },
	{ "''", "S:''", 0 },
	{ "\"a\"\"b\"", "I:\"a\"\"b\"", 0 },
	{ "`a``b`", "I:`a``b`", 0 },
	{ "[a b]", "I:[a b]", 0 },
	{ "[a]]", "I:[a] P:]", 0 },
	{ "[\"x\"]", "I:[\"x\"]", 0 },
	{ "'a,b(c' \"d)e\"", "S:'a,b(c' I:\"d)e\"", 0 },
	{ "'x' || 'y'", "S:'x' P:|| S:'y'", 0 },
	/* comments: skipped, counted, not seen inside strings or names */
	{ "a -- one\nb", "W:a W:b", 1 },
	{ "a --", "W:a", 1 },
	{ "a /* x */ b /**/c", "W:a W:b W:c", 2 },
	{ "/* -- */ x", "W:x", 1 },
	{ "-- /* \nx", "W:x", 1 },
	{ "/* a /* b */ c", "W:c", 1 },	/* SQLite's do not nest */
	{ "'--not' \"/*x*/\"", "S:'--not' I:\"/*x*/\"", 0 },
	{ "a-b a/b", "W:a P:- W:b W:a P:/ W:b", 0 },
	/* numbers */
	{ "12 1.5 .5 1e10 1.5e-3 2E+7", "N:12 N:1.5 N:.5 N:1e10 N:1.5e-3 N:2E+7", 0 },
	{ "0x1F 0x1e+5", "N:0x1F N:0x1e P:+ N:5", 0 },
	{ "1-2 -3", "N:1 P:- N:2 P:- N:3", 0 },
	{ "12abc", "N:12abc", 0 },
	{ "a.b", "W:a P:. W:b", 0 },
	/* blobs */
	{ "x'0A' X'ff'", "B:x'0A' B:X'ff'", 0 },
	{ "x'' x 'a' xy'a'", "B:x'' W:x S:'a' W:xy S:'a'", 0 },
	/* operators, the longest first */
	{ "a||b<=c>=d==e!=f<>g<<h>>i->j->>k",
	  "W:a P:|| W:b P:<= W:c P:>= W:d P:== W:e P:!= W:f P:<> W:g P:<< W:h P:>> W:i P:-> W:j P:->> W:k", 0 },
	{ "=<>!(),;.*%&|~+", "P:= P:<> P:! P:( P:) P:, P:; P:. P:* P:% P:& P:| P:~ P:+", 0 },
	/* identifiers and keywords: a word is either */
	{ "CREATE TABLE t1 (_a$1 INT)", "W:CREATE W:TABLE W:t1 P:( W:_a$1 W:INT P:)", 0 },
	{ "caf\xc3\xa9 \xc3\xa9t\xc3\xa9", "W:caf\xc3\xa9 W:\xc3\xa9t\xc3\xa9", 0 },
	/* parameters */
	{ "? ?1 :x @y $z #w", "V:? V:?1 V::x V:@y V:$z V:#w", 0 },
	/* a column definition, as the CREATE TABLE editor meets it */
	{ "\"my col\" TEXT DEFAULT 'a,b' CHECK (x > 0) -- note\n, [k] BLOB DEFAULT x'00'",
	  "I:\"my col\" W:TEXT W:DEFAULT S:'a,b' W:CHECK P:( W:x P:> N:0 P:) P:, I:[k] W:BLOB W:DEFAULT B:x'00'", 1 },
};

static const char *type_letter(enum rg_sqltok_type t)
{
	switch (t) {
	case RG_TK_WORD: return "W";
	case RG_TK_ID: return "I";
	case RG_TK_STR: return "S";
	case RG_TK_NUM: return "N";
	case RG_TK_BLOB: return "B";
	case RG_TK_VAR: return "V";
	case RG_TK_PUNCT: return "P";
	}
	return "?";
}

/* The tokens of `text` as TYPE:text, space-separated. */
static void dump(struct rg_str *out, const struct rg_sqltoks *t, const char *text)
{
	size_t i;

	rg_str_reset(out);
	for (i = 0; i < t->n; i++) {
		if (i)
			rg_str_addch(out, ' ');
		rg_str_addf(out, "%s:%.*s", type_letter(t->v[i].type), (int)t->v[i].len,
			    text + t->v[i].off);
	}
}

static void test_cases(void **state)
{
	struct rg_sqltoks t = RG_SQLTOKS_INIT;
	struct rg_str got = RG_STR_INIT;
	size_t i, comments;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		comments = 99;
		if (rg_sqltok_split(&t, cases[i].text, "the case", &comments))
			fail_msg("case %zu '%s': %s", i, cases[i].text, rg_error_last());
		dump(&got, &t, cases[i].text);
		if (strcmp(got.buf, cases[i].want) || comments != cases[i].n_comments)
			fail_msg("case %zu '%s':\n  got  %s (%zu comments)\n  want %s (%zu comments)",
				 i, cases[i].text, got.buf, comments, cases[i].want, cases[i].n_comments);
	}
	rg_str_release(&got);
	rg_sqltoks_release(&t);
}

/* Offsets are into the text; a second split reuses the array from empty. */
static void test_offsets_and_reuse(void **state)
{
	struct rg_sqltoks t = RG_SQLTOKS_INIT;

	(void)state;
	assert_int_equal(rg_sqltok_split(&t, "  ab /**/ 'c'", "x", NULL), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.v[0].off, 2);
	assert_int_equal(t.v[0].len, 2);
	assert_int_equal(t.v[1].off, 10);
	assert_int_equal(t.v[1].len, 3);
	assert_int_equal(rg_sqltok_split(&t, "z", "x", NULL), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].type, RG_TK_WORD);
	rg_sqltoks_release(&t);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
	rg_sqltoks_release(&t);
	rg_sqltoks_release(NULL);
}

struct bad_case {
	const char *text;
	const char *message;
	size_t n_before;	/* tokens kept before the bad one */
};

static const struct bad_case bad_cases[] = {
	{ "'abc", "unterminated string in the default", 0 },
	{ "a 'it''", "unterminated string in the default", 1 },
	{ "\"abc", "unterminated quoted identifier in the default", 0 },
	{ "\"a\"\"", "unterminated quoted identifier in the default", 0 },
	{ "`abc", "unterminated quoted identifier in the default", 0 },
	{ "a, [abc", "unterminated quoted identifier in the default", 2 },
	{ "x'ab", "unterminated blob literal in the default", 0 },
	{ "a /* b", "unterminated comment in the default", 1 },
	{ "/*/", "unterminated comment in the default", 0 },
};

static void test_unterminated(void **state)
{
	struct rg_sqltoks t = RG_SQLTOKS_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		rg_error_clear();
		if (rg_sqltok_split(&t, bad_cases[i].text, "the default", NULL) != RG_EINVALID)
			fail_msg("case %zu '%s': not refused", i, bad_cases[i].text);
		if (strcmp(rg_error_last(), bad_cases[i].message) || t.n != bad_cases[i].n_before)
			fail_msg("case %zu '%s': '%s' after %zu tokens, want '%s' after %zu", i,
				 bad_cases[i].text, rg_error_last(), t.n, bad_cases[i].message,
				 bad_cases[i].n_before);
	}
	rg_sqltoks_release(&t);
}

static void test_keywords(void **state)
{
	static const char text[] = "create CREATE Createx \"CREATE\" ( )";
	struct rg_sqltoks t = RG_SQLTOKS_INIT;

	(void)state;
	assert_int_equal(rg_sqltok_split(&t, text, "x", NULL), 0);
	assert_int_equal(t.n, 6);
	assert_true(rg_sqltok_is(text, &t.v[0], "CREATE"));
	assert_true(rg_sqltok_is(text, &t.v[1], "create"));
	assert_false(rg_sqltok_is(text, &t.v[2], "CREATE"));	/* a longer word */
	assert_false(rg_sqltok_is(text, &t.v[0], "CREATEX"));	/* a shorter one */
	assert_false(rg_sqltok_is(text, &t.v[3], "CREATE"));	/* quoted: a name, not a keyword */
	assert_true(rg_sqltok_punct(text, &t.v[4], '('));
	assert_false(rg_sqltok_punct(text, &t.v[4], ')'));
	assert_false(rg_sqltok_punct(text, &t.v[0], 'c'));
	assert_true(rg_sqltok_punct(text, &t.v[5], ')'));
	rg_sqltoks_release(&t);
	assert_true(rg_sqltok_is_space(' ') && rg_sqltok_is_space('\v') && rg_sqltok_is_space('\f'));
	assert_false(rg_sqltok_is_space('_') || rg_sqltok_is_space('\0'));
}

struct name_case {
	const char *text;	/* one token */
	bool is_name;
	const char *name;	/* rg_sqltok_name() */
	const char *names;	/* a name rg_sqltok_names() must match; NULL: none */
};

static const struct name_case name_cases[] = {
	{ "Abc", true, "Abc", "aBC" },
	{ "\"My \"\"Col\"\"\"", true, "My \"Col\"", "my \"col\"" },
	{ "`a``b`", true, "a`b", "A`B" },
	{ "[a b]", true, "a b", "A B" },
	{ "[a\"\"b]", true, "a\"\"b", "a\"\"b" },
	{ "'it''s'", true, "it's", "IT'S" },
	{ "12", false, "12", NULL },
	{ "(", false, "(", NULL },
};

static void test_names(void **state)
{
	struct rg_sqltoks t = RG_SQLTOKS_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		char *name;

		assert_int_equal(rg_sqltok_split(&t, c->text, "x", NULL), 0);
		assert_int_equal(t.n, 1);
		assert_int_equal(rg_sqltok_is_name(&t.v[0]), c->is_name);
		name = rg_sqltok_name(c->text, &t.v[0]);
		assert_non_null(name);
		assert_string_equal(name, c->name);
		free(name);
		if (c->names) {
			assert_true(rg_sqltok_names(c->text, &t.v[0], c->names));
			assert_false(rg_sqltok_names(c->text, &t.v[0], "other"));
		} else {
			assert_false(rg_sqltok_names(c->text, &t.v[0], c->text));
		}
	}
	rg_sqltoks_release(&t);
}

static void test_out_of_memory(void **state)
{
	struct rg_sqltoks t = RG_SQLTOKS_INIT;
	int err;

	(void)state;
	rg_error_clear();
	rg_alloc_fail_after(1, 0);
	err = rg_sqltok_split(&t, "a b c", "x", NULL);
	rg_alloc_fail_after(0, 0);
	assert_int_equal(err, RG_ENOMEM);
	assert_int_equal(t.n, 0);
	assert_int_equal(rg_sqltok_split(&t, "a b c", "x", NULL), 0);
	assert_int_equal(t.n, 3);
	rg_sqltoks_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_offsets_and_reuse),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
