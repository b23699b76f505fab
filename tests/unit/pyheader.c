/*
 * Tests for revgraph/pyheader.c: reading Alembic .py revision headers
 * without Python, from real Alembic 1.8.1 output, the newer typed templates
 * and hand-written shapes, down to its syntax errors and out-of-memory paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc.h"
#include "pyheader.h"
#include "revgraph/str.h"
#include "revgraph/common.h"
#include "revgraph/revision.h"

/* The whole of tests/resources/py/<name>, NUL-terminated; *len its size. */
static char *read_resource(const char *name, size_t *len)
{
	struct rg_str path = RG_STR_INIT;
	char *buf;
	FILE *f;
	long size;

	rg_str_addf(&path, "%s/py/%s", RG_TEST_RESOURCES, name);
	f = fopen(path.buf, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	fclose(f);
	rg_str_release(&path);
	*len = (size_t)size;
	return buf;
}

/* Parse `text` as file `path` into a new revision *out (freed by the caller). */
static int parse_consts(struct rg_revision **out, const char *path, const char *text,
			const struct rg_strlist *names, const struct rg_strlist *values,
			struct rg_str *warnings)
{
	*out = rg_revision_new();
	assert_non_null(*out);
	return rg_pyheader_parse(*out, path, text, strlen(text), names, values, warnings);
}

static int parse(struct rg_revision **out, const char *path, const char *text,
		 struct rg_str *warnings)
{
	return parse_consts(out, path, text, NULL, NULL, warnings);
}

/* Parse a text that must succeed without warnings. */
static struct rg_revision *parse_ok(const char *text)
{
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *rev = NULL;

	assert_int_equal(parse(&rev, "versions/t.py", text, &w), 0);
	assert_string_equal(w.buf, "");
	rg_str_release(&w);
	return rev;
}

/* Check that list `l` holds exactly the `n` strings that follow. */
static void assert_list(const struct rg_strlist *l, size_t n, ...)
{
	va_list ap;
	size_t i;

	assert_int_equal(l->n, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(l->items[i], va_arg(ap, const char *));
	va_end(ap);
}

static void test_alembic_1_8_1_generated(void **state)
{
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *rev;
	size_t len;
	char *text = read_resource("8679375783e5_x.py", &len);

	(void)state;
	rev = rg_revision_new();
	assert_int_equal(rg_pyheader_parse(rev, "m/versions/8679375783e5_x.py", text, len, NULL,
					   NULL, &w), 0);
	assert_string_equal(rev->id, "8679375783e5");
	assert_list(&rev->down, 0);
	assert_list(&rev->labels, 0);
	assert_list(&rev->deps, 0);
	assert_false(rev->has_deps);
	assert_string_equal(rev->doc, "x\n\nRevision ID: 8679375783e5\nRevises: \n"
			    "Create Date: 2026-11-22 02:18:23.804676");
	assert_true(rev->body_is_noop);
	assert_int_equal(rev->line_id, 13);
	assert_int_equal(rev->line_down, 14);
	assert_int_equal(rev->line_labels, 15);
	assert_int_equal(rev->line_deps, 16);
	assert_null(rev->path);
	assert_string_equal(w.buf, "");
	rg_revision_free(rev);
	rg_str_release(&w);
	free(text);
}

static void test_alembic_1_8_1_label_and_depends(void **state)
{
	struct rg_revision *rev;
	size_t len;
	char *text = read_resource("7604a9f6a7dd_lib_base.py", &len);

	(void)state;
	rev = rg_revision_new();
	assert_int_equal(rg_pyheader_parse(rev, "7604a9f6a7dd_lib_base.py", text, len, NULL, NULL,
					   NULL), 0);
	assert_string_equal(rev->id, "7604a9f6a7dd");
	assert_list(&rev->down, 0);
	assert_list(&rev->labels, 1, "lib");
	assert_list(&rev->deps, 1, "8679375783e5");
	assert_true(rev->has_deps);
	assert_string_equal(rev->doc, "lib base\n\nRevision ID: 7604a9f6a7dd\nRevises: \n"
			    "Create Date: 2026-11-22 02:21:41.515392");
	assert_true(rev->body_is_noop);
	rg_revision_free(rev);
	free(text);
}

static void test_alembic_1_8_1_merge(void **state)
{
	struct rg_revision *rev;
	size_t len;
	char *text = read_resource("27c6a30d7c24_merge_two.py", &len);

	(void)state;
	rev = rg_revision_new();
	assert_int_equal(rg_pyheader_parse(rev, "27c6a30d7c24_merge_two.py", text, len, NULL, NULL,
					   NULL), 0);
	assert_string_equal(rev->id, "27c6a30d7c24");
	assert_list(&rev->down, 2, "ae1027a6acf", "16bfc1cfa9cc");
	assert_list(&rev->labels, 0);
	assert_false(rev->has_deps);
	assert_int_equal(rev->line_down, 14);
	assert_true(rev->body_is_noop);
	rg_revision_free(rev);
	free(text);
}

static void test_typed_templates(void **state)
{
	struct rg_revision *rev;
	size_t len;
	char *text;

	(void)state;
	/* 1.12-1.14: revision: str = ..., down_revision: Union[str, None] = ... */
	text = read_resource("typed_1_13_add_account.py", &len);
	rev = rg_revision_new();
	assert_int_equal(rg_pyheader_parse(rev, "typed_1_13_add_account.py", text, len, NULL, NULL,
					   NULL), 0);
	assert_string_equal(rev->id, "1975ea83b712");
	assert_list(&rev->down, 1, "ae1027a6acf");
	assert_list(&rev->labels, 0);
	assert_list(&rev->deps, 0);
	assert_int_equal(rev->line_id, 15);
	assert_int_equal(rev->line_deps, 18);
	assert_string_equal(rev->doc, "add account table\n\nRevision ID: 1975ea83b712\n"
			    "Revises: ae1027a6acf\nCreate Date: 2026-11-22 01:34:24.949822");
	assert_true(rev->body_is_noop);
	rg_revision_free(rev);
	free(text);

	/* 1.15+: Sequence in down_revision's annotation, docstrings in the bodies */
	text = read_resource("typed_1_16_merge.py", &len);
	rev = rg_revision_new();
	assert_int_equal(rg_pyheader_parse(rev, "typed_1_16_merge.py", text, len, NULL, NULL, NULL),
			 0);
	assert_string_equal(rev->id, "3b5e1a2c9d10");
	assert_list(&rev->down, 2, "1975ea83b712", "27c6a30d7c24");
	assert_list(&rev->labels, 1, "billing");
	assert_list(&rev->deps, 2, "8679375783e5", "lib");
	assert_true(rev->has_deps);
	assert_true(rev->body_is_noop);
	rg_revision_free(rev);
	free(text);

	/* PEP 604 annotations and an autogenerated body */
	text = read_resource("4f2a9c7e1b30_autogenerated.py", &len);
	rev = rg_revision_new();
	assert_int_equal(rg_pyheader_parse(rev, "4f2a9c7e1b30_autogenerated.py", text, len, NULL,
					   NULL, NULL), 0);
	assert_string_equal(rev->id, "4f2a9c7e1b30");
	assert_list(&rev->down, 1, "3b5e1a2c9d10");
	assert_int_equal(rev->line_down, 16);
	assert_string_equal(rev->doc, "add email to account\n\nRevision ID: 4f2a9c7e1b30\n"
			    "Revises: 3b5e1a2c9d10\nCreate Date: 2026-11-23 10:00:00");
	assert_false(rev->body_is_noop);
	rg_revision_free(rev);
	free(text);
}

static void test_annotation_shapes(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = parse_ok("revision: str = \"x1\"\n"
		       "down_revision: Union[str, None] = \"y\"\n"
		       "branch_labels: Union[str, Sequence[str], None] = None\n"
		       "depends_on: None = None\n");
	assert_string_equal(rev->id, "x1");
	assert_list(&rev->down, 1, "y");
	assert_list(&rev->labels, 0);
	assert_int_equal(rev->line_labels, 3);
	assert_int_equal(rev->line_deps, 4);
	assert_false(rev->has_deps);
	assert_string_equal(rev->doc, "");
	rg_revision_free(rev);

	rev = parse_ok("revision: 'typing.Final[str]' = 'x2'\n"
		       "down_revision: str | None = 'a'\n"
		       "branch_labels: Optional[str | Sequence[str]] = ('l1', 'l2')\n"
		       "depends_on: dict[str, int] | None = 'd'\n"
		       "depends_on: str\n");	/* annotation only: not an assignment */
	assert_string_equal(rev->id, "x2");
	assert_list(&rev->down, 1, "a");
	assert_list(&rev->labels, 2, "l1", "l2");
	assert_list(&rev->deps, 1, "d");
	assert_int_equal(rev->line_deps, 4);
	rg_revision_free(rev);
}

static void test_string_prefixes(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = parse_ok("revision = r'a\\b'\n"
		       "down_revision = (U\"u1\", R'r\\n', f'f{{x}}', Fr\"\\q\", '''t1''', \"\"\"t2\"\"\")\n"
		       "depends_on = u'\\x41\\u00e9'\n");
	assert_string_equal(rev->id, "a\\b");
	assert_list(&rev->down, 6, "u1", "r\\n", "f{x}", "\\q", "t1", "t2");
	assert_list(&rev->deps, 1, "A\xc3\xa9");
	rg_revision_free(rev);
}

static void test_tuple_and_list_shapes(void **state)
{
	struct rg_revision *rev;

	(void)state;
	/* one-element tuple, parenthesised string, list, bare tuple */
	rev = parse_ok("revision = ('abc')\n"
		       "down_revision = ('p1',)\n"
		       "branch_labels = ['l1']\n"
		       "depends_on = 'd1', 'd2'\n");
	assert_string_equal(rev->id, "abc");
	assert_list(&rev->down, 1, "p1");
	assert_list(&rev->labels, 1, "l1");
	assert_list(&rev->deps, 2, "d1", "d2");
	assert_true(rev->has_deps);
	rg_revision_free(rev);

	/* every way of saying "none" */
	rev = parse_ok("revision = ((\"r\"))\n"
		       "down_revision = ()\n"
		       "branch_labels = []\n"
		       "depends_on = \"\"\n");
	assert_string_equal(rev->id, "r");
	assert_list(&rev->down, 0);
	assert_list(&rev->labels, 0);
	assert_list(&rev->deps, 0);
	assert_false(rev->has_deps);
	assert_int_equal(rev->line_down, 2);
	assert_int_equal(rev->line_labels, 3);
	assert_int_equal(rev->line_deps, 4);
	rg_revision_free(rev);

	rev = parse_ok("revision = 'r'\n"
		       "down_revision = ''\n"
		       "branch_labels = ( )\n"
		       "depends_on = [\n]\n");
	assert_list(&rev->down, 0);
	assert_list(&rev->labels, 0);
	assert_false(rev->has_deps);
	rg_revision_free(rev);
}

static void test_multiline_with_comments(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = parse_ok("# -*- coding: utf-8 -*-\n"
		       "revision = 'm1'\n"
		       "down_revision = (  # a merge\n"
		       "    'aaa',   # first parent\n"
		       "    # 'old', commented out\n"
		       "\n"
		       "    \"bbb\"  # second parent, no trailing comma\n"
		       ")\n"
		       "branch_labels = [\n"
		       "    'x',\n"
		       "    # 'y',\n"
		       "]\n"
		       "depends_on = \\\n"
		       "    'dep'\n");
	assert_string_equal(rev->id, "m1");
	assert_list(&rev->down, 2, "aaa", "bbb");
	assert_int_equal(rev->line_down, 3);
	assert_list(&rev->labels, 1, "x");
	assert_int_equal(rev->line_labels, 9);
	assert_list(&rev->deps, 1, "dep");
	assert_int_equal(rev->line_deps, 13);
	rg_revision_free(rev);
}

static void test_implicit_concatenation(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = parse_ok("\"doc \" 'in '\n"
		       "\"\"\"parts\"\"\"\n"
		       "revision = 'ab' \"cd\"\n"
		       "down_revision = ('12'\n"
		       "                 '34',  # one element\n"
		       "                 )\n"
		       "depends_on = (\"x\"  # a comment between the parts\n"
		       "              r'\\y')\n");
	assert_string_equal(rev->doc, "doc in");
	assert_string_equal(rev->id, "abcd");
	assert_list(&rev->down, 1, "1234");
	assert_list(&rev->deps, 1, "x\\y");
	rg_revision_free(rev);
}

static void test_docstring_escapes(void **state)
{
	struct rg_revision *rev;

	(void)state;
	/* expected value from CPython: m.__doc__.strip() */
	rev = parse_ok("\"\"\"  Esc: tab\\there, nl\\nnext, bs\\\\, q\\' dq\\\" hex\\x41 u\\u00e9 "
		       "U\\U0001F600 oct\\101 unk\\q end\\\njoined\n\t\"\"\"\n"
		       "revision = 'a'\n"
		       "down_revision = None\n");
	assert_string_equal(rev->doc, "Esc: tab\there, nl\nnext, bs\\, q' dq\" hexA u\xc3\xa9 "
			    "U\xf0\x9f\x98\x80 octA unk\\q endjoined");
	rg_revision_free(rev);

	/* raw docstrings keep escapes; \v and \f are stripped like spaces */
	rev = parse_ok("R'''\\v\\f\\n raw \\n\n\n '''\n"
		       "revision = 'a'\n"
		       "down_revision = None\n");
	assert_string_equal(rev->doc, "\\v\\f\\n raw \\n");
	rg_revision_free(rev);

	rev = parse_ok("'\\v\\f \\t cooked \\r\\n'\n"
		       "revision = 'a'\n"
		       "down_revision = None\n");
	assert_string_equal(rev->doc, "cooked");
	rg_revision_free(rev);

	/* CRLF line ends and a byte order mark; \r\n inside the literal reads as \n */
	rev = parse_ok("\xef\xbb\xbf\"\"\"first\r\n\r\nsecond\r\n\"\"\"\r\n"
		       "revision = 'crlf'\r\n"
		       "down_revision = None\r\n");
	assert_string_equal(rev->doc, "first\n\nsecond");
	assert_string_equal(rev->id, "crlf");
	assert_int_equal(rev->line_id, 5);
	assert_int_equal(rev->line_down, 6);
	rg_revision_free(rev);
}

static void test_no_docstring(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = parse_ok("revision = 'a'\ndown_revision = None\n\"\"\"too late\"\"\"\n");
	assert_non_null(rev->doc);
	assert_string_equal(rev->doc, "");
	rg_revision_free(rev);

	rev = parse_ok("import os\n\"\"\"not first\"\"\"\nrevision = 'a'\ndown_revision = None\n");
	assert_string_equal(rev->doc, "");
	rg_revision_free(rev);

	/* neither an f-string nor bytes is a docstring */
	rev = parse_ok("f'''formatted'''\nrevision = 'a'\ndown_revision = None\n");
	assert_string_equal(rev->doc, "");
	rg_revision_free(rev);
	rev = parse_ok("b'bytes'\nrevision = 'a'\ndown_revision = None\n");
	assert_string_equal(rev->doc, "");
	rg_revision_free(rev);

	/* comments and blank lines may come first; a ; ends the docstring */
	rev = parse_ok("#!/usr/bin/env python\n\n# comment\n'doc'; revision = 'a'\n"
		       "down_revision = None\n");
	assert_string_equal(rev->doc, "doc");
	assert_string_equal(rev->id, "a");
	assert_int_equal(rev->line_id, 4);
	rg_revision_free(rev);
}

static void test_strings_and_blocks_are_not_assignments(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = parse_ok("\"\"\"msg\n"
		       "revision = 'fake1'\n"
		       "down_revision = 'fake2'\n"
		       "\"\"\"\n"
		       "revision = 'real'\n"
		       "# down_revision = 'commented'\n"
		       "down_revision = None\n"
		       "NOTE = '''\n"
		       "branch_labels = ('fake3',)\n"
		       "'''\n"
		       "S = 'depends_on = \\'fake4\\''\n"
		       "class Meta:\n"
		       "    depends_on = 'fake5'\n"
		       "if False:\n"
		       "    branch_labels = 'fake6'\n"
		       "if True: depends_on = 'fake7'\n"
		       "def helper():\n"
		       "    revision = 'fake8'\n"
		       "    x = f\"{revision!r:>{10}} {'{'} {d[\"k\"]}\"\n"
		       "    return x\n"
		       "revision_id = 'fake9'\n"
		       "revision == 'fake10'\n");
	assert_string_equal(rev->id, "real");
	assert_string_equal(rev->doc, "msg\nrevision = 'fake1'\ndown_revision = 'fake2'");
	assert_list(&rev->down, 0);
	assert_list(&rev->labels, 0);
	assert_int_equal(rev->line_labels, 0);
	assert_list(&rev->deps, 0);
	assert_int_equal(rev->line_deps, 0);
	assert_int_equal(rev->line_id, 5);
	assert_true(rev->body_is_noop);
	rg_revision_free(rev);
}

static void test_duplicate_assignment_last_wins(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = parse_ok("revision = 'first'\n"
		       "down_revision = ('a', 'b')\n"
		       "branch_labels = 'x'\n"
		       "revision = 'second'\n"
		       "down_revision = 'c'\n"
		       "branch_labels = None\n");
	assert_string_equal(rev->id, "second");
	assert_int_equal(rev->line_id, 4);
	assert_list(&rev->down, 1, "c");
	assert_int_equal(rev->line_down, 5);
	assert_list(&rev->labels, 0);
	assert_int_equal(rev->line_labels, 6);
	rg_revision_free(rev);

	/* chained assignment sets both */
	rev = parse_ok("revision = 'r'\nbranch_labels = depends_on = 'both'\ndown_revision = None\n");
	assert_list(&rev->labels, 1, "both");
	assert_list(&rev->deps, 1, "both");
	assert_int_equal(rev->line_labels, 2);
	assert_int_equal(rev->line_deps, 2);
	rg_revision_free(rev);
}

static void test_non_literal_without_constants(void **state)
{
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *rev = NULL;

	(void)state;
	assert_int_equal(parse(&rev, "versions/nl.py",
			       "revision = 'r'\n"
			       "down_revision = 'p'\n"
			       "branch_labels = (cli.EXPAND_BRANCH,)\n"
			       "depends_on = OTHER\n", &w), 0);
	assert_string_equal(w.buf,
			    "versions/nl.py:3: warning: branch_labels is not a literal "
			    "('cli.EXPAND_BRANCH'); declare its value in the [revgraph:constants] "
			    "section of the ini file\n"
			    "versions/nl.py:4: warning: depends_on is not a literal ('OTHER'); "
			    "declare its value in the [revgraph:constants] section of the ini file\n");
	assert_string_equal(rev->id, "r");
	assert_list(&rev->down, 1, "p");
	assert_list(&rev->labels, 0);
	assert_list(&rev->deps, 0);
	assert_false(rev->has_deps);
	assert_int_equal(rev->line_labels, 3);
	assert_int_equal(rev->line_deps, 4);
	rg_revision_free(rev);
	rg_str_release(&w);

	/* a literal that is not a string, an expression, a formatted string */
	assert_int_equal(parse(&rev, "x.py",
			       "revision = 'r'\n"
			       "down_revision = ('p',\n"
			       "    get_parent(  # comment\n"
			       "        'q'))\n"
			       "branch_labels = ('a', 1)\n"
			       "depends_on = f'{X}'\n", &w), 0);
	assert_string_equal(w.buf,
			    "x.py:3: warning: down_revision is not a literal ('get_parent( 'q')'); "
			    "declare its value in the [revgraph:constants] section of the ini file\n"
			    "x.py:5: warning: branch_labels is not a string or a sequence of strings "
			    "('1'); ignored\n"
			    "x.py:6: warning: depends_on is not a literal ('f'{X}''); declare its value "
			    "in the [revgraph:constants] section of the ini file\n");
	assert_list(&rev->down, 0);
	assert_int_equal(rev->line_down, 2);
	assert_list(&rev->labels, 0);
	assert_list(&rev->deps, 0);
	rg_revision_free(rev);
	rg_str_release(&w);

	/* warnings may be dropped */
	assert_int_equal(parse(&rev, "x.py", "revision = 'r'\ndown_revision = A.B\n", NULL), 0);
	assert_list(&rev->down, 0);
	rg_revision_free(rev);
}

static void test_non_literal_with_constants(void **state)
{
	struct rg_strlist names = RG_STRLIST_INIT, values = RG_STRLIST_INIT;
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *rev = NULL;

	(void)state;
	assert_int_equal(rg_strlist_push(&names, "cli.EXPAND_BRANCH"), 0);
	assert_int_equal(rg_strlist_push(&values, "expand"), 0);
	assert_int_equal(rg_strlist_push(&names, "OTHER"), 0);
	assert_int_equal(rg_strlist_push(&values, "1975ea83b712"), 0);
	assert_int_equal(rg_strlist_push(&names, "REV"), 0);
	assert_int_equal(rg_strlist_push(&values, "abc123"), 0);
	assert_int_equal(parse_consts(&rev, "versions/c.py",
				      "revision = REV\n"
				      "down_revision = (OTHER, 'p2')\n"
				      "branch_labels = (cli.EXPAND_BRANCH,)\n"
				      "depends_on = OTHER\n", &names, &values, &w), 0);
	assert_string_equal(w.buf, "");
	assert_string_equal(rev->id, "abc123");
	assert_int_equal(rev->line_id, 1);
	assert_list(&rev->down, 2, "1975ea83b712", "p2");
	assert_list(&rev->labels, 1, "expand");
	assert_list(&rev->deps, 1, "1975ea83b712");
	assert_true(rev->has_deps);
	rg_revision_free(rev);

	/* a prefix of a declared name is not that name */
	assert_int_equal(parse_consts(&rev, "versions/c.py",
				      "revision = 'r'\ndown_revision = None\n"
				      "branch_labels = cli.EXPAND\n", &names, &values, &w), 0);
	assert_string_equal(w.buf,
			    "versions/c.py:3: warning: branch_labels is not a literal ('cli.EXPAND'); "
			    "declare its value in the [revgraph:constants] section of the ini file\n");
	assert_list(&rev->labels, 0);
	rg_revision_free(rev);
	rg_strlist_release(&names);
	rg_strlist_release(&values);
	rg_str_release(&w);
}

static void test_missing_revision(void **state)
{
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *rev = NULL;

	(void)state;
	/* legacy: a hex file name is the id */
	assert_int_equal(parse(&rev, "proj/versions/1a2b3c.py", "down_revision = None\n", &w), 0);
	assert_string_equal(rev->id, "1a2b3c");
	assert_int_equal(rev->line_id, 0);
	assert_int_equal(rev->line_down, 1);
	rg_revision_free(rev);

	assert_int_equal(parse(&rev, "proj/versions/helpers.py",
			       "down_revision = None\n", &w), RG_EINVALID);
	assert_string_equal(rg_error_last(),
			    "Could not determine revision id from filename helpers.py. Be sure the "
			    "'revision' variable is declared inside the script (please see "
			    "'Upgrading from Alembic 0.1 to 0.2' in the documentation).");
	rg_revision_free(rev);

	/* upper-case hex is not Alembic's legacy pattern; revision = None counts as missing */
	assert_int_equal(parse(&rev, "ABC123.py", "revision = None\ndown_revision = None\n", &w),
			 RG_EINVALID);
	assert_string_equal(rg_error_last(),
			    "Could not determine revision id from filename ABC123.py. Be sure the "
			    "'revision' variable is declared inside the script (please see "
			    "'Upgrading from Alembic 0.1 to 0.2' in the documentation).");
	assert_null(rev->id);
	assert_null(rev->doc);
	rg_revision_free(rev);

	/* a revision that is not one string warns and falls back to the file name */
	assert_int_equal(parse(&rev, "v/beef.py", "revision = ('a', 'b')\ndown_revision = None\n",
			       &w), 0);
	assert_string_equal(rev->id, "beef");
	assert_string_equal(w.buf, "v/beef.py:1: warning: revision is not a single string "
			    "('('a', 'b')'); ignored\n");
	rg_revision_free(rev);
	rg_str_release(&w);
}

static void test_missing_down_revision(void **state)
{
	struct rg_revision *rev = NULL;

	(void)state;
	assert_int_equal(parse(&rev, "versions/abc_x.py", "\"\"\"doc\"\"\"\nrevision = 'abc'\n",
			       NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(), "versions/abc_x.py:1: 'down_revision' is not declared");
	assert_null(rev->id);
	rg_revision_free(rev);

	/* inside a function does not count */
	assert_int_equal(parse(&rev, "v/abc_x.py",
			       "revision = 'abc'\ndef f():\n    down_revision = None\n", NULL),
			 RG_EINVALID);
	assert_string_equal(rg_error_last(), "v/abc_x.py:1: 'down_revision' is not declared");
	rg_revision_free(rev);
}

static void test_syntax_errors(void **state)
{
	struct rg_revision *rev = NULL;

	(void)state;
	assert_int_equal(parse(&rev, "v/u.py", "\"\"\"doc\"\"\"\nrevision = 'abc\ndown_revision = None\n",
			       NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(), "v/u.py:2: unterminated string literal");
	assert_null(rev->id);
	rg_revision_free(rev);

	assert_int_equal(parse(&rev, "v/u.py", "revision = 'a'\n\n\"\"\"doc\nrevision = 'b'\n",
			       NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(), "v/u.py:3: unterminated triple-quoted string literal");
	rg_revision_free(rev);

	assert_int_equal(parse(&rev, "v/u.py", "revision = 'a'\ndown_revision = ('b',\n    'c'\n",
			       NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(), "v/u.py:2: '(' was never closed");
	rg_revision_free(rev);

	assert_int_equal(parse(&rev, "v/u.py", "revision = 'a']\n", NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(), "v/u.py:1: unmatched ']'");
	rg_revision_free(rev);

	assert_int_equal(parse(&rev, "v/u.py", "down_revision = ['a',\n'b')\n", NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(),
			    "v/u.py:2: closing bracket ')' does not match '[' on line 1");
	rg_revision_free(rev);

	assert_int_equal(parse(&rev, "v/u.py", "revision = \\ 'a'\n", NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(),
			    "v/u.py:1: unexpected character after line continuation character");
	rg_revision_free(rev);

	assert_int_equal(parse(&rev, "v/u.py", "revision = 'a'\ndown_revision =\n", NULL),
			 RG_EINVALID);
	assert_string_equal(rg_error_last(), "v/u.py:2: missing value after '='");
	rg_revision_free(rev);

	assert_int_equal(parse(&rev, "v/u.py", "revision = 'a'\ndown_revision = ('a',,)\n", NULL),
			 RG_EINVALID);
	assert_string_equal(rg_error_last(), "v/u.py:2: invalid syntax in the value of 'down_revision'");
	rg_revision_free(rev);

	/* an unterminated f-string field */
	assert_int_equal(parse(&rev, "v/u.py", "x = 1\n\nx = f'{a\n", NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(), "v/u.py:3: unterminated string literal");
	rg_revision_free(rev);
}

static const char *const noop_bodies[] = {
	"def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n",
	"def upgrade():\n    \"\"\"Upgrade schema.\"\"\"\n    # nothing yet\n\n    pass\n"
	"def downgrade():\n    '''Down.'''\n",
	"def upgrade(engine_name: str = 'x') -> None: pass\n"
	"def downgrade() -> 'None': ...\n",
	"def helper():\n    return 1\n",	/* no upgrade/downgrade at all */
	"def upgrade():\n    pass\n# op.drop_table('x') is commented out\n"
	"def downgrade(): pass; 'doc'\n",
	"def upgrade(\n    a: dict[str, int] = {'k': 1},\n) -> Dict[str, int]:\n    'doc'\n"
	"    pass\nclass X:\n    def upgrade(self):\n        do_things()\n",
	NULL
};

static const char *const real_bodies[] = {
	"def upgrade():\n    op.create_table('t')\n\ndef downgrade():\n    pass\n",
	"def upgrade():\n    pass\n\ndef downgrade():\n    \"\"\"Down.\"\"\"\n    op.drop_table('t')\n",
	"def upgrade() -> None: op.execute('x')\ndef downgrade(): pass\n",
	"def upgrade():\n    if False:\n        pass\n",
	"def upgrade():\n    pass; x = 1\n",
	"def upgrade():\n    f'{side_effect()}'\n",
	"async def downgrade():\n    await x\n",
	"def upgrade():\n    pass\nupgrade = other_upgrade\n",
	"@decorator\ndef downgrade():\n    def inner():\n        pass\n",
	NULL
};

static void test_body_is_noop(void **state)
{
	struct rg_str text = RG_STR_INIT;
	struct rg_revision *rev;
	size_t i;

	(void)state;
	for (i = 0; noop_bodies[i]; i++) {
		rg_str_reset(&text);
		rg_str_addf(&text, "revision = 'a'\ndown_revision = None\n%s", noop_bodies[i]);
		rev = parse_ok(text.buf);
		if (!rev->body_is_noop)
			fail_msg("expected a no-op body: %s", noop_bodies[i]);
		rg_revision_free(rev);
	}
	for (i = 0; real_bodies[i]; i++) {
		rg_str_reset(&text);
		rg_str_addf(&text, "revision = 'a'\ndown_revision = None\n%s", real_bodies[i]);
		rev = parse_ok(text.buf);
		if (rev->body_is_noop)
			fail_msg("expected a real body: %s", real_bodies[i]);
		rg_revision_free(rev);
	}
	rg_str_release(&text);
}

static void test_replaces_previous_values(void **state)
{
	struct rg_revision *rev;

	(void)state;
	rev = parse_ok("'one'\nrevision = 'a'\ndown_revision = 'b'\nbranch_labels = 'l'\n"
		       "depends_on = 'd'\n");
	assert_int_equal(rg_pyheader_parse(rev, "v/t.py", "revision = 'c'\ndown_revision = None\n",
					   strlen("revision = 'c'\ndown_revision = None\n"), NULL, NULL,
					   NULL), 0);
	assert_string_equal(rev->id, "c");
	assert_string_equal(rev->doc, "");
	assert_list(&rev->down, 0);
	assert_list(&rev->labels, 0);
	assert_list(&rev->deps, 0);
	assert_false(rev->has_deps);
	assert_int_equal(rev->line_labels, 0);
	assert_int_equal(rev->line_deps, 0);

	/* a failure leaves the earlier result in place */
	assert_int_equal(rg_pyheader_parse(rev, "v/t.py", "revision = 'x", strlen("revision = 'x"),
					   NULL, NULL, NULL), RG_EINVALID);
	assert_string_equal(rev->id, "c");
	rg_revision_free(rev);
}

static void test_not_nul_terminated(void **state)
{
	static const char text[] = "revision = 'ab'\ndown_revision = 'cd'XXXX";
	struct rg_revision *rev = rg_revision_new();
	char *copy;
	size_t len = sizeof(text) - 1 - 4;

	(void)state;
	/* an exact-size heap copy lets AddressSanitizer catch a read past the end */
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, text, len);
	assert_int_equal(rg_pyheader_parse(rev, "n.py", copy, len, NULL, NULL, NULL), 0);
	assert_string_equal(rev->id, "ab");
	assert_list(&rev->down, 1, "cd");
	rg_revision_free(rev);

	/* cut inside a string */
	rev = rg_revision_new();
	assert_int_equal(rg_pyheader_parse(rev, "n.py", copy, len - 1, NULL, NULL, NULL),
			 RG_EINVALID);
	assert_string_equal(rg_error_last(), "n.py:2: unterminated string literal");
	rg_revision_free(rev);
	free(copy);
}

static void test_out_of_memory(void **state)
{
	struct rg_strlist names = RG_STRLIST_INIT, values = RG_STRLIST_INIT;
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *rev;
	size_t len;
	char *file = read_resource("typed_1_16_merge.py", &len);
	struct rg_str text = RG_STR_INIT;
	unsigned long i;
	int err, n_failures = 0;

	(void)state;
	assert_int_equal(rg_strlist_push(&names, "cli.X"), 0);
	assert_int_equal(rg_strlist_push(&values, "x"), 0);
	rg_str_add(&text, file, len);
	rg_str_adds(&text, "branch_labels = (cli.X, 'y')\ndepends_on = ('d', UNKNOWN)\n");
	assert_int_equal(rg_str_check(&text), 0);
	for (i = 1;; i++) {
		rev = rg_revision_new();
		assert_non_null(rev);
		rg_alloc_fail_after(i, 0);
		err = rg_pyheader_parse(rev, "v/oom.py", text.buf, text.len, &names, &values, &w);
		rg_alloc_fail_after(0, 0);
		if (!err) {
			rg_revision_free(rev);
			break;
		}
		assert_int_equal(err, RG_ENOMEM);
		assert_string_equal(rg_error_last(), "out of memory");
		assert_null(rev->id);
		assert_null(rev->doc);
		assert_int_equal(rev->down.n, 0);
		n_failures++;
		rg_revision_free(rev);
		rg_str_release(&w);
	}
	assert_true(n_failures > 5);

	/* the successful run read everything */
	rev = rg_revision_new();
	rg_str_release(&w);
	assert_int_equal(rg_pyheader_parse(rev, "v/oom.py", text.buf, text.len, &names, &values, &w),
			 0);
	assert_string_equal(rev->id, "3b5e1a2c9d10");
	assert_list(&rev->labels, 2, "x", "y");
	assert_list(&rev->deps, 0);
	assert_string_equal(w.buf, "v/oom.py:30: warning: depends_on is not a literal ('UNKNOWN'); "
			    "declare its value in the [revgraph:constants] section of the ini file\n");
	rg_revision_free(rev);
	rg_str_release(&w);
	rg_str_release(&text);
	rg_strlist_release(&names);
	rg_strlist_release(&values);
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alembic_1_8_1_generated),
		cmocka_unit_test(test_alembic_1_8_1_label_and_depends),
		cmocka_unit_test(test_alembic_1_8_1_merge),
		cmocka_unit_test(test_typed_templates),
		cmocka_unit_test(test_annotation_shapes),
		cmocka_unit_test(test_string_prefixes),
		cmocka_unit_test(test_tuple_and_list_shapes),
		cmocka_unit_test(test_multiline_with_comments),
		cmocka_unit_test(test_implicit_concatenation),
		cmocka_unit_test(test_docstring_escapes),
		cmocka_unit_test(test_no_docstring),
		cmocka_unit_test(test_strings_and_blocks_are_not_assignments),
		cmocka_unit_test(test_duplicate_assignment_last_wins),
		cmocka_unit_test(test_non_literal_without_constants),
		cmocka_unit_test(test_non_literal_with_constants),
		cmocka_unit_test(test_missing_revision),
		cmocka_unit_test(test_missing_down_revision),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_body_is_noop),
		cmocka_unit_test(test_replaces_previous_values),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
