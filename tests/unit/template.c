/*
 * Tests for revgraph/template.c and the expression language it uses
 * (revgraph/template_expr.c), both through rg_mako_render(): each Mako
 * construct and Python expression of the subset with its exact output
 * (checked against Mako 1.2.4), every error with its path:line and code,
 * and every out-of-memory path.  The byte-for-byte comparison with real
 * Mako over random variables is tests/conformance/test_mako_conformance.py.
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
#include "template.h"
#include "revgraph/common.h"
#include "revgraph/str.h"

static const char *const downs[] = { "1975ea83b712", "27c6a30d7c24" };
static const char *const labels[] = { "lib" };

static int ud_marker;

static const char *options(void *ud, const char *key)
{
	assert_ptr_equal(ud, &ud_marker);
	if (!strcmp(key, "databases"))
		return "engine1, engine2";
	if (!strcmp(key, "empty"))
		return "";
	return NULL;
}

/* The variables every case renders with (a `revision` with --autogenerate off). */
static struct rg_mako_vars std_vars(void)
{
	struct rg_mako_vars v;

	memset(&v, 0, sizeof(v));
	v.up_revision = "ae1027a6acf";
	v.down_revision.kind = RG_PYVAL_TUPLE;
	v.down_revision.items = downs;
	v.down_revision.n = 2;
	v.branch_labels.kind = RG_PYVAL_TUPLE;
	v.branch_labels.items = labels;
	v.branch_labels.n = 1;
	v.depends_on.kind = RG_PYVAL_NONE;
	v.message = "add a column";
	v.create_date = "2026-12-07 11:33:54.123456";
	v.upgrades = "op.drop_table('x')";
	v.get_main_option = options;
	v.ud = &ud_marker;
	return v;
}

static int render_len(const struct rg_mako_vars *v, const char *text, size_t len, struct rg_str *out)
{
	return rg_mako_render("t.mako", text, len, v, out);
}

static void expect_with(const struct rg_mako_vars *v, const char *text, const char *want)
{
	struct rg_str out = RG_STR_INIT;
	int r = render_len(v, text, strlen(text), &out);

	if (r)
		fail_msg("rendering '%s' failed: %s", text, rg_error_last());
	if (strcmp(out.buf, want))
		fail_msg("rendering '%s' gave '%s', want '%s'", text, out.buf, want);
	rg_str_release(&out);
}

static void expect(const char *text, const char *want)
{
	struct rg_mako_vars v = std_vars();

	expect_with(&v, text, want);
}

struct ok_case {
	const char *text, *want;
};

static const struct ok_case ok_cases[] = {
	/* text, expressions and their default str() filter */
	{ "plain text\n", "plain text\n" },
	{ "", "" },
	{ "${message}", "add a column" },
	{ "[${up_revision | n}]", "[ae1027a6acf]" },
	{ "${create_date}", "2026-12-07 11:33:54.123456" },
	{ "${depends_on}|${down_revision}|${branch_labels}",
	  "None|('1975ea83b712', '27c6a30d7c24')|('lib',)" },
	{ "${ message  # a comment\n}", "add a column" },
	{ "${ (up_revision,\n  message) }", "('ae1027a6acf', 'add a column')" },
	{ "${\n  message\n\n}|${ # c\nmessage}", "add a column|add a column" },
	{ "${\"}\" + '|'}", "}|" },
	{ "${'a' 'b' \"c\" r'\\d'}", "abc\\d" },
	{ "${'''x'y''' + \"\"\"z\"\"\"}", "x'yz" },
	{ "${'\\x41\\u00e9\\U0001F600\\101\\t\\n\\\\\\'\\q\\\n'}", "A\xc3\xa9\xf0\x9f\x98\x80" "A\t\n\\'\\q" },
	{ "${u'x' R'\\n'}", "x\\n" },
	{ "${'\\a\\b\\f\\r\\v\\\"'}|${'a\\\r\nb'}", "\a\b\f\r\v\"|ab" },
	{ "${repr('\\U0001F600')} ${repr('\xf0\x9f\x98\x80')}", "'\xf0\x9f\x98\x80' '\xf0\x9f\x98\x80'" },
	/* filters */
	{ "${down_revision | comma,n}", "1975ea83b712, 27c6a30d7c24" },
	{ "${down_revision | n, comma}", "1975ea83b712, 27c6a30d7c24" },
	{ "${down_revision | comma}", "('1975ea83b712', '27c6a30d7c24')" },
	{ "[${depends_on | comma,n}]", "[]" },
	{ "${up_revision | comma,n}", "ae1027a6acf" },
	{ "${branch_labels | comma,n}", "lib" },
	{ "[${' \\t x \\n' | trim}]", "[x]" },
	{ "[${depends_on | str,trim}]", "[None]" },
	{ "[${depends_on | unicode}]", "[None]" },
	{ "[${'\\u00a0x\\u3000' | trim}]", "[x]" },
	{ "${repr(None) | n}", "None" },
	{ "${message | }", "add a column" },
	{ "[${}][${ # c\n}][${ | trim}][${ | comma}]", "[][][][]" },
	/* repr() */
	{ "${repr(down_revision)}", "('1975ea83b712', '27c6a30d7c24')" },
	{ "${repr(branch_labels)}", "('lib',)" },
	{ "${repr(depends_on)}", "None" },
	{ "${repr(up_revision)}", "'ae1027a6acf'" },
	{ "${repr(\"it's\")} ${repr('say \"x\"')} ${repr('\\'\"')}", "\"it's\" 'say \"x\"' '\\'\"'" },
	{ "${repr('\\t\\x01\\u00e9\\u4e2d')}", "'\\t\\x01\xc3\xa9\xe4\xb8\xad'" },
	{ "${repr(())} ${repr(('a', ('b',), None, True))}", "() ('a', ('b',), None, True)" },
	{ "${repr(UNDEFINED is UNDEFINED)} ${False}", "True False" },
	{ "${str()}|${str(depends_on)}|${str('x')}", "|None|x" },
	/* conditional expressions, boolean operators, comparisons */
	{ "${imports if imports else \"\"}|", "|" },
	{ "${upgrades if upgrades else \"pass\"}", "op.drop_table('x')" },
	{ "${downgrades if downgrades else \"pass\"}", "pass" },
	{ "${not imports} ${imports or 'none'} ${upgrades and 'yes'} ${depends_on and 'no'}",
	  "True none yes None" },
	{ "${'x' in up_revision} ${'lib' in branch_labels} ${'z' not in 'abc'} ${None in (None,)}",
	  "False True True True" },
	{ "${message == 'add a column'} ${message != message} ${down_revision == ('1975ea83b712', '27c6a30d7c24')}",
	  "True False True" },
	{ "${depends_on is None} ${up_revision is not None} ${nope is UNDEFINED} ${depends_on == None}",
	  "True True True True" },
	{ "${repr([])} ${repr(['a', None])} ${['a'] + ['b']} ${'a' in ['a']}", "[] ['a', None] ['a', 'b'] True" },
	{ "${() == []} ${None == 'None'} ${True == True} ${(None,) == (None,)}", "False False True True" },
	{ "${not not message}", "True" },
	{ "${nothing == UNDEFINED} ${nothing == None}", "True False" },
	/* a bare tuple: a statement's value, a `for` over one, and the truth of sequences */
	{ "<% x = message, up_revision %>${x}", "('add a column', 'ae1027a6acf')" },
	{ "<%\r\n  x = 'a',\r\n%>${x}", "('a',)" },
	{ "% for c in 'a', message:\n${c}\n% endfor\n", "a\nadd a column\n" },
	{ "% if down_revision:\ny\n% endif\n% if ():\nn\n% endif\n% if []:\nn\n% endif\n"
	  "% if ['']:\nz\n% endif\n", "y\nz\n" },
	{ "${'a' if '' else 'b' if None else 'c'}", "c" },
	/* % formatting and + */
	{ "${'%s_upgrades' % 'engine1'}", "engine1_upgrades" },
	{ "${'%s-%r-%%' % (depends_on, up_revision)}", "None-'ae1027a6acf'-%" },
	{ "${'%s' % (down_revision,)}", "('1975ea83b712', '27c6a30d7c24')" },
	{ "${'%%s' % ()}", "%s" },
	{ "${down_revision + ('x',)}", "('1975ea83b712', '27c6a30d7c24', 'x')" },
	{ "${'a%s' % 'b' + 'c'} ${'a' + '%s' % 'b'} ${'%s' % 'a' % ()}", "abc ab a" },
	{ "<% message = 'x' %>${message}\n% for up_revision in 'a':\n${up_revision}\n% endfor\n${up_revision}",
	  "x\na\na" },
	/* context and config */
	{ "${context.get(\"%s_upgrades\" % \"engine1\", \"pass\")}", "pass" },
	{ "${context.get('upgrades')}|${context.get('imports')}", "op.drop_table('x')|None" },
	{ "${context.get('up_revision', 'x')} ${context.get('repr')(None)}",
	  "ae1027a6acf None" },
	{ "${config.get_main_option('databases')}|${config.get_main_option('nope')}|"
	  "${config.get_main_option('nope', 'd')}|[${config.get_main_option('empty', 'd')}]",
	  "engine1, engine2|None|d|[]" },
	{ "${comma(down_revision)} ${comma(None)} ${comma('s')} ${comma([])}",
	  "1975ea83b712, 27c6a30d7c24  s " },
	/* <% %> and <%! %> */
	{ "<% x = config.get_main_option(\"missing\") %>${x}", "None" },
	{ "a\n<% x = 'a' if False else 'b' %>\n${x}\n", "a\n\nb\n" },
	{ "${y}<%! y = repr('m') %>", "'m'" },
	{ "<%\n    # a comment\n    a = 'x'\n    b = a + a; c = b\n\n%>${a}${b}${c}", "xxxxx" },
	{ "<%\n    a = ('x',\n  'y')\nb = 'z'\n%>${a}${b}", "('x', 'y')z" },
	{ "<%\n\ta = None if None else 'x'\n\tb = 'y'\n%>${a}${b}", "xy" },
	{ "<% x = 'a' %>% for c in 'bc':\n", "% for c in 'bc':\n" },
	{ "<%! import re %>${re.split(r',\\s*', 'a, b,c,\\t d')}", "['a', 'b', 'c', 'd']" },
	{ "<%!\nimport re\n\n%>x", "x" },
	{ "<% import re %>${re.split(',', ',a,,b,')}", "['', 'a', '', 'b', '']" },
	{ "<% import re %>${re.split('[,;]+ ?', 'a,; b;c')}", "['a', 'b', 'c']" },
	{ "<% import re %>${re.split('[^a-c\\\\d]', 'a1x2')}", "['a1', '2']" },
	{ "<% import re %>${re.split('\\\\S\\\\s+\\\\w', 'ab  cd')}", "['a', 'd']" },
	{ "<% import re %>${re.split('\\\\D\\\\W?\\\\.', 'a-.b.c')}", "['', '', 'c']" },
	{ "<% import re %>${re.split('.x', '\\u00e9x\\u4e2dx')}", "['', '', '']" },
	{ "<% import re %>${re.split('[\\\\s,]\\\\n', 'a,\\nb')}", "['a', 'b']" },
	{ "<% import re %>${re.split('\\\\t', 'a\\tb')} ${re.split('[\\\\t;]', 'a;b\\tc')}", "['a', 'b'] ['a', 'b', 'c']" },
	/* control lines */
	{ "<%!\nimport re\n%>\n% for d in re.split(r',\\s*', config.get_main_option(\"databases\")):\n"
	  "[${d}]\n% endfor\n", "\n[engine1]\n[engine2]\n" },
	{ "% if nope:\nA\n% elif depends_on is None:\nB\n% else:\nC\n% endif\n", "B\n" },
	{ "% if message:\nA\n% elif True:\nB\n% endif\n", "A\n" },
	{ "% if not message:\nA\n% else :  # c\nC\n% endif  trailing text\n", "C\n" },
	{ "% if False:\nA\n% endif", "" },
	{ "  % if True:\nx\n\t%   endif\n", "x\n" },
	{ "% for c in 'a\\u00e9':\n${c}\n% endfor\n", "a\n\xc3\xa9\n" },
	{ "% for c in down_revision:\n${c}\n% endfor\n${c}\n", "1975ea83b712\n27c6a30d7c24\n27c6a30d7c24\n" },
	{ "% for c in ():\nx\n% endfor\n", "" },
	{ "% for c in branch_labels:\n% for d in 'xy':\n${c}${d}\n% endfor\n% endfor\n", "libx\nliby\n" },
	{ "% if (True and\\\n    message):\nx\n% endif\n", "x\n" },
	{ "% if True:\r\nx\r\n% endif\r\ny\r\n", "x\r\ny\r\n" },
	/* a lone \r: not a control line, or one ending at the last `\`-newline */
	{ "%\r<'% endfor\n", "%\r<'% endfor\n" },
	{ "## a \\\n b \r c\nd", " b \r c\nd" },
	{ "## a \\\r\n b \\\n c \r d\ne", " c \r d\ne" },
	/* comments, doc blocks, escaped newlines */
	{ "a\n## comment\n   ## indented\nb ## kept\n##last", "a\nb ## kept\n" },
	{ "a\\\nb\\\r\nc\\\\\nd\\", "abc\\d\\" },
	{ "<%doc>${nope}\n% if\n</%doc>x", "x" },
	/* Mako's one-character skips */
	{ "%% x\n", "%% x\n" },
	{ "a\n%% x\n  %% y\n", "a\n% x\n %% y\n" },
	{ "a <&b </&c", "a &b /&c" },
	/* byte order mark and coding comment */
	{ "\xef\xbb\xbf# -*- coding: utf-8 -*-\nx", "x" },
	{ "# vim: set fileencoding=UTF8 :\nx\n", "x\n" },
	{ "# coding: utf-8", "# coding: utf-8" },
	{ "x\n# coding: latin-1\n", "x\n# coding: latin-1\n" },
	{ "# no encoding here\nx", "# no encoding here\nx" },
	{ "#coding:utf_8 and more\n\xef\xbb\xbfx", "\xef\xbb\xbfx" },
};

static void test_constructs(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		expect(ok_cases[i].text, ok_cases[i].want);
	}
}

static void test_variables(void **state)
{
	struct rg_mako_vars v;
	const char *const one[] = { "only" };
	const char *const three[] = { "a", "b'", NULL };

	(void)state;
	/* a merge: config is the string "config" */
	v = std_vars();
	v.get_main_option = NULL;
	expect_with(&v, "${config} ${repr(config)}", "config 'config'");
	/* imports/upgrades/downgrades passed, even empty */
	v = std_vars();
	v.imports = "";
	v.downgrades = "";
	expect_with(&v, "[${imports}][${downgrades}][${context.get('imports', 'x')}]", "[][][]");
	/* str values and NULL strings */
	v = std_vars();
	v.down_revision.kind = RG_PYVAL_STR;
	v.down_revision.str = "abc";
	v.depends_on.kind = RG_PYVAL_TUPLE;
	v.depends_on.items = one;
	v.depends_on.n = 1;
	v.branch_labels.kind = RG_PYVAL_TUPLE;
	v.branch_labels.items = three;
	v.branch_labels.n = 3;
	v.up_revision = NULL;
	v.message = NULL;
	v.create_date = NULL;
	expect_with(&v, "${repr(down_revision)} ${repr(depends_on)} ${repr(branch_labels)} "
		    "${down_revision | comma,n} ${depends_on | comma,n} ${branch_labels | comma,n}"
		    "[${up_revision}${message}${create_date}]",
		    "'abc' ('only',) ('a', \"b'\", '') abc only a, b', []");
	v.down_revision.str = NULL;
	expect_with(&v, "${repr(down_revision)}", "''");
}

/* The Alembic 1.8.1 templates, rendered as `revision` renders them. */
static void test_alembic_templates(void **state)
{
	static const char generic[] =
		"\"\"\"${message}\n\nRevision ID: ${up_revision}\nRevises: ${down_revision | comma,n}\n"
		"Create Date: ${create_date}\n\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n"
		"${imports if imports else \"\"}\n\n# revision identifiers, used by Alembic.\n"
		"revision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\n"
		"branch_labels = ${repr(branch_labels)}\ndepends_on = ${repr(depends_on)}\n\n\n"
		"def upgrade() -> None:\n    ${upgrades if upgrades else \"pass\"}\n\n\n"
		"def downgrade() -> None:\n    ${downgrades if downgrades else \"pass\"}\n";
	static const char multidb_tail[] =
		"<%!\nimport re\n\n%>x\n<%\n    db_names = config.get_main_option(\"databases\")\n%>\n\n"
		"## generate an \"upgrade_<xyz>() / downgrade_<xyz>()\" function\n"
		"## for each database name in the ini file.\n\n"
		"% for db_name in re.split(r',\\s*', db_names):\n\n"
		"def upgrade_${db_name}() -> None:\n    ${context.get(\"%s_upgrades\" % db_name, \"pass\")}\n\n"
		"% endfor\n";

	(void)state;
	expect(generic,
	       "\"\"\"add a column\n\nRevision ID: ae1027a6acf\nRevises: 1975ea83b712, 27c6a30d7c24\n"
	       "Create Date: 2026-12-07 11:33:54.123456\n\n\"\"\"\nfrom alembic import op\n"
	       "import sqlalchemy as sa\n\n\n# revision identifiers, used by Alembic.\n"
	       "revision = 'ae1027a6acf'\ndown_revision = ('1975ea83b712', '27c6a30d7c24')\n"
	       "branch_labels = ('lib',)\ndepends_on = None\n\n\n"
	       "def upgrade() -> None:\n    op.drop_table('x')\n\n\n"
	       "def downgrade() -> None:\n    pass\n");
	expect(multidb_tail,
	       "x\n\n\n\n\ndef upgrade_engine1() -> None:\n    pass\n\n"
	       "\ndef upgrade_engine2() -> None:\n    pass\n\n");
}

static void test_appends_to_out(void **state)
{
	struct rg_mako_vars v = std_vars();
	struct rg_str out = RG_STR_INIT;

	(void)state;
	rg_str_adds(&out, "kept:");
	assert_int_equal(rg_mako_render("t.mako", "${message}", 10, &v, &out), 0);
	assert_string_equal(out.buf, "kept:add a column");
	/* on error, out is unchanged */
	assert_int_equal(rg_mako_render("t.mako", "x${nope}", 8, &v, &out), -1);
	assert_string_equal(out.buf, "kept:add a column");
	/* len, not the NUL, ends the template */
	assert_int_equal(rg_mako_render("t.mako", "ab${message}", 2, &v, &out), 0);
	assert_string_equal(out.buf, "kept:add a columnab");
	rg_str_release(&out);
}

struct err_case {
	const char *text;
	unsigned line;
	int code;
	const char *msg;	/* what follows "t.mako:<line>: " (a prefix) */
};

#define U RG_EUNSUPPORTED
#define I RG_EINVALID

static const struct err_case err_cases[] = {
	/* Mako constructs outside the subset */
	{ "a\n<%def name=\"f()\">x</%def>", 2, U, "Mako tags like '<%def' are not supported" },
	{ "</%def>", 1, U, "Mako tags like '</%' are not supported" },
	{ "<%inherit file=\"b\"/>", 1, U, "Mako tags like '<%inherit'" },
	{ "x\n\n<%text>${x}</%text>", 3, U, "Mako tags like '<%text'" },
	{ "<%doc>x", 1, U, "Mako tags like '<%doc'" },
	{ "% while False:\n% endwhile\n", 1, U, "the control line '% while' is not supported" },
	{ "% try:\n% endtry\n", 1, U, "the control line '% try'" },
	{ "x\n  % iffy:\n", 2, U, "the control line '% iffy'" },
	{ "% for a, b in x:\n% endfor\n", 1, U, "only 'for NAME in ...:' loops are supported" },
	{ "% for (a) in x:\n% endfor\n", 1, U, "only 'for NAME in ...:'" },
	{ "% for a on x:\n% endfor\n", 1, U, "only 'for NAME in ...:'" },
	{ "% if True: x\n% endif\n", 1, U, "text after ':' in a control line is not supported" },
	{ "% if True:\nx\n% else: y\n% endif\n", 3, U, "text after ':'" },
	{ "${message | h}", 1, U, "the filter 'h' is not supported" },
	{ "${message | trim(1)}", 1, U, "unsupported Python syntax at '('" },
	{ "${message | decode.utf8}", 1, U, "unsupported Python syntax at '.'" },
	{ "${message | 'x'}", 1, U, "unsupported filter syntax at ''x''" },
	{ "<% comma = repr %>${message | comma}", 1, U, "the filter 'comma' is not Alembic's here" },
	/* Python outside the subset */
	{ "${len(message)}", 1, U, "the name 'len' is not supported" },
	{ "${loop}", 1, U, "the name 'loop' is not supported" },
	{ "% for x in 'a':\n${loop.index}\n% endfor\n", 2, U, "the name 'loop'" },
	{ "${message[0]}", 1, U, "subscripts are not supported" },
	{ "\n${1}", 2, U, "number literals are not supported ('1')" },
	{ "${lambda: 1}", 1, U, "lambda is not supported" },
	{ "${f'x'}", 1, U, "bytes and f-string literals are not supported" },
	{ "${b'x'}", 1, U, "bytes and f-string literals" },
	{ "${message < message}", 1, U, "ordering comparisons are not supported" },
	{ "${message == message == message}", 1, U, "chained comparisons are not supported" },
	{ "${message is message}", 1, U, "'is' is supported only with None or UNDEFINED" },
	{ "${'\\N{BULLET}'}", 1, U, "\\N{...} escapes are not supported" },
	{ "${'\\x00'}", 1, U, "the escape of U+0000 in a string literal is not supported" },
	{ "${'\\ud800'}", 1, U, "the escape of U+D800" },
	{ "${repr(create_date)}", 1, U, "repr() of a datetime value is not supported" },
	{ "${repr(config)}", 1, U, "repr() of a Config value" },
	{ "${repr(nope)}", 1, U, "repr() of a Undefined value" },
	{ "${repr('\\u200b')}", 1, U, "repr() of the character U+200B is not supported" },
	{ "${config}", 1, U, "str() of a Config value is not supported" },
	{ "${repr}", 1, U, "str() of a function value" },
	{ "${context == context}", 1, U, "comparing Context values is not supported" },
	{ "<% import os %>", 1, U, "only 'import re' is supported" },
	{ "<% import re, os %>", 1, U, "only 'import re' is supported" },
	{ "\n<% x += 1 %>", 2, U, "only 'name = expression' and 'import re' statements" },
	{ "<%\n  def f(): pass\n%>", 2, U, "only 'name = expression'" },
	{ "<% ;; %>", 1, U, "only 'name = expression'" },
	{ "<%! import re %>${re.sub('a', 'b', 'c')}", 1, U, "the attribute 'sub' of a module value" },
	{ "${context.keys()}", 1, U, "the attribute 'keys' of a Context value" },
	{ "${message.upper()}", 1, U, "the attribute 'upper' of a str value" },
	{ "${message % 'x'}", 1, I, "TypeError: not all arguments converted" },
	{ "${down_revision % 'x'}", 1, U, "'%' of a tuple value is not supported" },
	{ "${'%d' % message}", 1, U, "the format '%d' is not supported" },
	{ "${str(message, message)}", 1, U, "str() with more than one argument" },
	{ "${context.get('capture')}", 1, U, "context.get('capture') is not supported" },
	{ "${context.get('loop', 'x')}", 1, U, "context.get('loop') is not supported" },
	{ "${context.get('self')}", 1, U, "context.get('self') is not supported" },
	{ "${message - message}", 1, U, "the operator '-' is not supported" },
	{ "${message * message}", 1, U, "the operator '*' is not supported" },
	{ "${message | n | n}", 1, U, "unsupported Python syntax at '|'" },
	{ "${\xc3\xa9}", 1, U, "non-ASCII names are not supported" },
	{ "<%! x = 'm' %>\n<% x = 'l' %>", 2, U, "'x' is assigned both in <%! %> and in the template body" },
	{ "<% re = 'l' %>\n<%!\nimport re\n%>", 3, U, "'re' is assigned both in <%! %>" },
	{ "<%! import re %>\n% for re in 'a':\n% endfor\n", 2, U, "'re' is assigned both in <%! %>" },
	{ "${context.get('len', 'x')}", 1, U, "context.get('len') is not supported" },
	{ "${context.get(None)}", 1, U, "context.get() of a NoneType key" },
	{ "${config.get_main_option(None)}", 1, U, "get_main_option() of a NoneType name" },
	{ "${message(a=1)}", 1, U, "keyword arguments are not supported" },
	{ "${'%s' %% x}", 1, U, "unsupported Python syntax at '%'" },
	/* re.split() outside the regex subset */
	{ "<%! import re %>${re.split('(,)', 'a,b')}", 1, U, "the regular expression operator '(' is not supported here" },
	{ "<%! import re %>${re.split('a**', 'a')}", 1, U, "the regular expression operator '*'" },
	{ "<%! import re %>${re.split(',[a-z]$', 'a')}", 1, U, "the regular expression operator '$'" },
	{ "<%! import re %>${re.split(',[a-z]\\s\\Z', 'a')}", 1, U, "the regular expression escape '\\Z'" },
	{ "<%! import re %>${re.split(',*', 'a,b')}", 1, U, "a regular expression that matches the empty string" },
	{ "<%! import re %>${re.split('\\\\b', 'a')}", 1, U, "the regular expression escape '\\b' is not supported" },
	{ "<%! import re %>${re.split('[\\\\b]', 'a')}", 1, U, "the regular expression escape '\\b'" },
	{ "<%! import re %>${re.split('[[]', 'a')}", 1, U, "this character set in a regular expression" },
	{ "<%! import re %>${re.split('[a-\\\\d]', 'a')}", 1, U, "this character set in a regular expression" },
	{ "<%! import re %>${re.split('[z-a]', 'a')}", 1, I, "bad character range in regular expression" },
	{ "<%! import re %>${re.split('[ab', 'a')}", 1, I, "unterminated character set" },
	{ "<%! import re %>${re.split('\\\\s', 'a\\u00a0b')}", 1, U, "\\s, \\d and \\w of non-ASCII text" },
	{ "<%! import re %>${re.split(None, 'a')}", 1, U, "re.split() with a NoneType pattern" },
	{ "<%! import re %>${re.split('a')}", 1, U, "re.split() with other than two arguments" },
	{ "<%! import re %>${re.split(',', None)}", 1, I, "TypeError: expected string or bytes-like object, got 'NoneType'" },
	/* the template itself */
	{ "# -*- coding: latin-1 -*-\nx", 1, U, "the template encoding 'latin-1' is not supported" },
	{ "# coding:\n utf-8\nx", 1, U, "a coding comment spanning lines" },
	{ "\xef\xbb\xbf# coding: utf8\nx", 1, I, "Found utf-8 BOM in file, with conflicting magic encoding comment of 'utf8'" },
	{ "a\n\xff", 2, I, "invalid UTF-8 in template" },
	{ "a\n\xed\xa0\x80", 2, I, "invalid UTF-8 in template" },
	{ "a\n\xc0\x80", 2, I, "invalid UTF-8 in template" },
	{ "a\n\xe2\x82", 2, I, "invalid UTF-8 in template" },
	{ "<%\n  x = 'a\tb'\n%>", 2, U, "a tab inside a string literal of a <% %> block" },
	/* Mako's and Python's own errors */
	{ "a\n% for x in 'a':\nb\n", 2, I, "Unterminated control keyword: 'for'" },
	{ "% endif\n", 1, I, "No starting keyword 'if' for 'endif'" },
	{ "% if True:\n% endfor\n", 2, I, "Keyword 'endfor' doesn't match keyword 'if'" },
	{ "% for x in 'a':\n% else:\n% endfor\n", 2, U, "'else' of a 'for' loop is not supported" },
	{ "% for x in 'a':\n% elif x:\n% endfor\n", 2, I, "Keyword 'elif' not a legal ternary for keyword 'for'" },
	{ "% else:\n", 1, I, "Keyword 'else' not a legal ternary for keyword '(none)'" },
	{ "% if True:\n% else:\n% elif True:\n% endif\n", 3, I, "'elif' after 'else'" },
	{ "%\n", 1, I, "Invalid control line: ''" },
	{ "% (x)\n", 1, I, "Invalid control line: '(x)'" },
	{ "%>\\\n\t\x01x\n", 1, I, "Invalid control line: '>\\\\n\\t\\x01x'" },
	{ "% if True\n% endif\n", 1, I, "unexpected end of expression" },
	{ "x ${message", 1, I, "unterminated '${': expected '|' or '}'" },
	{ "${message | n", 1, I, "unterminated '${': expected '}'" },
	{ "${(message}", 1, I, "unterminated '${': expected '|' or '}'" },
	{ "x\n<% y = 1", 2, I, "unterminated '<%': expected '%>'" },
	{ "${message | ,}", 1, U, "unsupported filter syntax at ','" },
	{ "${message | n,}", 1, I, "empty filter in ${}" },
	{ "${ | n}", 1, I, "TypeError: write() takes exactly one argument (0 given)" },
	{ "${'abc}", 1, I, "unterminated string literal" },
	{ "${ # c\n message}", 2, I, "IndentationError: unexpected indent" },
	{ "${message\n + 'x'}", 2, U, "a ${} expression going on after a line break is not supported" },
	{ "${'a\\\n}", 1, I, "unterminated string literal" },
	{ "${message if up_revision}", 1, I, "unexpected end of expression" },
	{ "<%\n  x = ('a'\n%>", 3, I, "unexpected end of expression" },
	{ "<%\n  x = 'a' 'b' y\n%>", 2, U, "unsupported Python syntax at 'y'" },
	{ "<%\n  x = 'a'\n  x\n%>", 3, U, "only 'name = expression'" },
	{ "<%\n  x = \n%>", 2, I, "unexpected end of line" },
	{ "${'\\x4'}", 1, I, "truncated \\x escape in a string literal" },
	{ "${message = 1}", 1, U, "unsupported Python syntax at '='" },
	{ "<%\n  x = 'a'\n    y = 'b'\n%>", 3, I, "IndentationError: unexpected indent" },
	/* evaluation errors */
	{ "x\n${nothing}", 2, I, "NameError: Undefined" },
	{ "<%! x = context %>", 1, I, "NameError: name 'context' is not defined" },
	{ "<%! x = up_revision %>", 1, I, "NameError: name 'up_revision' is not defined" },
	{ "% if False:\n<% x = 'a' %>\n% endif\n${x}", 4, I, "UnboundLocalError: 'x' is used before it is assigned" },
	{ "${message}<% message = 'x' %>", 1, I, "UnboundLocalError: 'message' is used before it is assigned" },
	{ "\n${x}\n% for x in 'a':\n% endfor\n", 2, I, "UnboundLocalError: 'x' is used" },
	{ "${'a' % message}", 1, I, "TypeError: not all arguments converted during string formatting" },
	{ "${'a%s' + 'b' % 'c'}", 1, I, "TypeError: not all arguments converted" },
	{ "${'%s %s' % message}", 1, I, "TypeError: not enough arguments for format string" },
	{ "${'%' % message}", 1, I, "ValueError: incomplete format" },
	{ "${depends_on | n}", 1, I, "TypeError: write() argument must be str, not NoneType" },
	{ "${down_revision | n}", 1, I, "TypeError: write() argument must be str, not tuple" },
	{ "${depends_on | n, trim}", 1, I, "AttributeError: 'NoneType' object has no attribute 'strip'" },
	{ "${message.nope}", 1, I, "AttributeError: 'str' object has no attribute 'nope'" },
	{ "${nothing.nope}", 1, I, "AttributeError: 'Undefined' object has no attribute 'nope'" },
	{ "% for x in None:\n% endfor\n", 1, I, "TypeError: 'NoneType' object is not iterable" },
	{ "% for x in nope:\n% endfor\n", 1, I, "TypeError: 'Undefined' object is not iterable" },
	{ "${repr()}", 1, I, "TypeError: repr() takes exactly one argument (0 given)" },
	{ "${comma(message, message)}", 1, I, "TypeError: comma() takes exactly one argument (2 given)" },
	{ "${context.get()}", 1, I, "TypeError: context.get() takes 1 or 2 arguments (0 given)" },
	{ "${config.get_main_option()}", 1, I, "TypeError: get_main_option() takes 1 or 2 arguments" },
	{ "${nothing()}", 1, I, "TypeError: 'Undefined' object is not callable" },
	{ "${message()}", 1, I, "TypeError: 'str' object is not callable" },
	{ "${True()}", 1, I, "TypeError: 'bool' object is not callable" },
	{ "${[]()}", 1, I, "TypeError: 'list' object is not callable" },
	{ "${None.x}", 1, I, "AttributeError: 'NoneType' object has no attribute 'x'" },
	{ "${None.__class__}", 1, U, "the attribute '__class__' of a NoneType value is not supported" },
	{ "<%\n  x = 'a\n%>", 2, I, "unterminated string literal" },
	{ "${message '''a\rb'''}", 1, U, "unsupported Python syntax at ''''a\\rb''''" },
	{ "${message.if}", 1, U, "unsupported Python syntax at 'if'" },
	{ "${message + None}", 1, I, "TypeError: unsupported operand types for +: 'str' and 'NoneType'" },
	{ "${message in None}", 1, I, "TypeError: argument of type 'NoneType' is not iterable" },
	{ "${None in message}", 1, I, "TypeError: 'in <string>' requires string as left operand, not NoneType" },
	{ "${comma(create_date)}", 1, I, "ValueError: Don't know how to comma-format a datetime value" },
	{ "${comma((message, None))}", 1, I, "TypeError: sequence item 1: expected str instance, NoneType found" },
	/* an `if` whose first branch is empty and a later one is not: no `pass`, so no body */
	{ "% if message:\n% else:\nx\n% endif\n", 2, I, "the '% if' before this line has nothing in its body" },
	{ "a\n% if message:\n## c\n% elif True:\n${x}% else:\n% endif\n", 4, I, "the '% if' before this line" },
	{ "% if message:\n<%! import re %>\\\n% else:\n<%! import re %>\n% endif\n", 3, I, "the '% if' before" },
	{ "% for a in 'x':\n% if a:\n% else:\n% if a:\n% endif\n% endif\n% endfor\n", 3, I, "the '% if' before" },
};

static void test_errors(void **state)
{
	struct rg_mako_vars v = std_vars();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct rg_str out = RG_STR_INIT, want = RG_STR_INIT;

		rg_error_clear();
		if (render_len(&v, c->text, strlen(c->text), &out) != -1)
			fail_msg("case %zu rendered: '%s' -> '%s'", i, c->text, out.buf);
		assert_string_equal(out.buf, "");
		rg_str_addf(&want, "t.mako:%u: %s", c->line, c->msg);
		if (strncmp(rg_error_last(), want.buf, want.len))
			fail_msg("case %zu: got '%s', want '%s...'", i, rg_error_last(), want.buf);
		assert_null(strchr(rg_error_last(), '\n'));
		assert_int_equal(rg_error_code(), c->code);
		rg_str_release(&want);
		rg_str_release(&out);
	}
}

static void test_merge_config_errors(void **state)
{
	struct rg_mako_vars v = std_vars();
	struct rg_str out = RG_STR_INIT;
	const char *t = "x\n<% db_names = config.get_main_option(\"databases\") %>";

	(void)state;
	v.get_main_option = NULL;
	assert_int_equal(rg_mako_render("m/script.py.mako", t, strlen(t), &v, &out), -1);
	assert_string_equal(rg_error_last(),
			    "m/script.py.mako:2: AttributeError: 'str' object has no attribute 'get_main_option'");
	assert_int_equal(rg_error_code(), RG_EINVALID);
	rg_str_release(&out);
}

static void test_nul_and_depth(void **state)
{
	struct rg_mako_vars v = std_vars();
	struct rg_str out = RG_STR_INIT, t = RG_STR_INIT;
	int i;

	(void)state;
	assert_int_equal(render_len(&v, "a\0b", 3, &out), -1);
	assert_string_equal(rg_error_last(), "t.mako:1: NUL byte in template");
	rg_str_adds(&t, "${");
	for (i = 0; i < 300; i++)
		rg_str_adds(&t, "not ");
	rg_str_adds(&t, "None}");
	assert_int_equal(render_len(&v, t.buf, t.len, &out), -1);
	assert_string_equal(rg_error_last(), "t.mako:1: expression nested too deeply");
	assert_int_equal(rg_error_code(), RG_EUNSUPPORTED);
	rg_str_reset(&t);
	rg_str_adds(&t, "${");
	for (i = 0; i < 300; i++)
		rg_str_adds(&t, "(");
	rg_str_adds(&t, "None");
	for (i = 0; i < 300; i++)
		rg_str_adds(&t, ")");
	rg_str_adds(&t, "}");
	assert_int_equal(render_len(&v, t.buf, t.len, &out), -1);
	assert_string_equal(rg_error_last(), "t.mako:1: expression nested too deeply");
	rg_str_release(&t);
	rg_str_release(&out);
}

/* Every allocation of rendering `text` fails in turn; each is reported, then it renders `want`. */
static void check_out_of_memory(const char *text, const char *want_text, int min_failures)
{
	struct rg_mako_vars v = std_vars();
	struct rg_str out = RG_STR_INIT, want = RG_STR_INIT;
	unsigned long n;
	int failures = 0;

	assert_int_equal(rg_mako_render("t.mako", text, strlen(text), &v, &want), 0);
	assert_string_equal(want.buf, want_text);
	for (n = 1;; n++) {
		int r;

		rg_alloc_fail_after(n, 0);
		r = rg_mako_render("t.mako", text, strlen(text), &v, &out);
		rg_alloc_fail_after(0, 0);
		if (!r)
			break;
		assert_int_equal(rg_error_code(), RG_ENOMEM);
		assert_string_equal(rg_error_last(), "out of memory");
		rg_str_release(&out);
		failures++;
	}
	assert_true(failures >= min_failures);
	assert_string_equal(out.buf, want.buf);
	rg_str_release(&out);
	rg_str_release(&want);
}

/* Every allocation of a render using every construct fails in turn. */
static void test_out_of_memory(void **state)
{
	static const char text[] =
		"<%!\nimport re\nSEP = '|'\n%>\"\"\"${message}\n## c\n"
		"${down_revision | comma,n} ${repr(branch_labels)} ${' x ' | trim} ${depends_on}\n"
		"<% db_names = config.get_main_option(\"databases\") %>\n"
		"% for db_name in re.split(r'[,;]\\s*', db_names):\n"
		"% if db_name == 'engine1':\n"
		"${context.get(\"%s_upgrades\" % db_name, \"pass\")}${SEP}${'a' + db_name}\n"
		"% elif True:\n${(db_name, None)} ${str(db_name)}\n% endif\n"
		"% endfor\n"
		"% for c in 'ab':\n${c}\\\n% endfor\n";

	(void)state;
	check_out_of_memory(text,
			    "\"\"\"add a column\n1975ea83b712, 27c6a30d7c24 ('lib',) x None\n\n"
			    "pass|aengine1\n('engine2', None) engine2\nab", 21);
}

/* The same for the expression paths the template above does not take. */
static void test_out_of_memory_expressions(void **state)
{
	(void)state;
	check_out_of_memory("<% t = message, up_revision %>${t} ${'%r-%s' % (t, depends_on)}"
			    "${'\\x41' '\\u00e9'}${down_revision + ('x',)}",
			    "('add a column', 'ae1027a6acf') ('add a column', 'ae1027a6acf')-None"
			    "A\xc3\xa9('1975ea83b712', '27c6a30d7c24', 'x')", 10);
}

/* A failed allocation in the error message itself still reports something. */
static void test_out_of_memory_in_errors(void **state)
{
	struct rg_mako_vars v = std_vars();
	struct rg_str out = RG_STR_INIT;
	unsigned long n;

	(void)state;
	for (n = 1; n < 200; n++) {
		int r;

		rg_alloc_fail_after(n, 1);
		r = rg_mako_render("t.mako", "<% x = 1 %>${'%d' % x}", 21, &v, &out);
		rg_alloc_fail_after(0, 0);
		assert_int_equal(r, -1);
		if (rg_error_code() != RG_ENOMEM) {
			assert_string_equal(rg_error_last(), "t.mako:1: number literals are not supported ('1')");
			break;
		}
	}
	assert_true(n < 200);
	rg_str_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_alembic_templates),
		cmocka_unit_test(test_appends_to_out),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_merge_config_errors),
		cmocka_unit_test(test_nul_and_depth),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_out_of_memory_expressions),
		cmocka_unit_test(test_out_of_memory_in_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
