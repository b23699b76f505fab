/*
 * Tests for revgraph/sqlsplit.c: statement boundaries on both dialects
 * (strings, identifiers, comments, dollar quotes, trigger and BEGIN ATOMIC
 * bodies), line numbers, unterminated input, allocation failures, SQLite
 * splitting checked against sqlite3_complete(), and the two statement
 * checks.
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

#include <sqlite3.h>

#include "alloc.h"
#include "sqlsplit.h"
#include "revgraph/common.h"

#define PG RG_DIALECT_POSTGRESQL
#define LITE RG_DIALECT_SQLITE

/*
 * Split the first `len` bytes of `text`, copied into a buffer of exactly
 * that size so that a read past the end shows under AddressSanitizer.
 */
static int split_n(struct rg_sql_script *out, const char *text, size_t len,
		   enum rg_dialect d, int first_line)
{
	char *copy = malloc(len ? len : 1);
	int err;

	assert_non_null(copy);
	memcpy(copy, text, len);
	err = rg_sql_split(out, copy, len, d, first_line);
	free(copy);
	return err;
}

/*
 * rg_sql_split_spans() of the same text must find what rg_sql_split()
 * found in `s`, appended after a span already there, each span pointing
 * into the text; or fail the same way, leaving that span alone.
 */
static void check_spans(const struct rg_sql_script *s, int err, const char *text, size_t len,
			enum rg_dialect d, int first_line)
{
	static const char before[] = "SELECT 0";
	struct rg_sql_spans spans = { 0 };
	char *msg = err ? strdup(rg_error_last()) : NULL;
	char *copy = malloc(len ? len : 1);
	size_t i;

	assert_non_null(copy);
	assert_true(!err || msg);
	memcpy(copy, text, len);
	assert_int_equal(rg_sql_split_spans(&spans, before, sizeof(before) - 1, d, 7), 0);
	assert_int_equal(spans.n, 1);
	assert_int_equal(rg_sql_split_spans(&spans, copy, len, d, first_line), err);
	assert_ptr_equal(spans.items[0].text, before);
	assert_int_equal(spans.items[0].len, sizeof(before) - 1);
	assert_int_equal(spans.items[0].line, 7);
	if (err) {
		assert_int_equal(spans.n, 1);
		assert_string_equal(rg_error_last(), msg);
	} else {
		assert_int_equal(spans.n, 1 + s->n);
		for (i = 0; i < s->n; i++) {
			const struct rg_sql_span *sp = &spans.items[1 + i];

			assert_true(sp->text >= copy && sp->text + sp->len <= copy + len);
			assert_int_equal(sp->len, strlen(s->items[i].text));
			assert_memory_equal(sp->text, s->items[i].text, sp->len);
			assert_int_equal(sp->line, s->items[i].line);
		}
	}
	rg_sql_spans_release(&spans);
	assert_null(spans.items);
	assert_int_equal(spans.n, 0);
	rg_sql_spans_release(NULL);
	free(copy);
	free(msg);
}

/*
 * Split `text` and expect `n` statements, given after `n` as pairs of
 * (const char *text, int line).
 */
static void expect_split(enum rg_dialect d, int first_line, const char *text, size_t n, ...)
{
	struct rg_sql_script s;
	va_list ap;
	size_t i;

	if (split_n(&s, text, strlen(text), d, first_line))
		fail_msg("unexpected error: %s", rg_error_last());
	check_spans(&s, 0, text, strlen(text), d, first_line);
	if (s.n != n) {
		for (i = 0; i < s.n; i++)
			print_message("statement %zu (line %d): [%s]\n", i, s.items[i].line,
				      s.items[i].text);
		fail_msg("%zu statements, expected %zu", s.n, n);
	}
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);
		int line = va_arg(ap, int);

		assert_string_equal(s.items[i].text, want);
		assert_int_equal(s.items[i].line, line);
	}
	va_end(ap);
	rg_sql_script_release(&s);
}

static void expect_error(enum rg_dialect d, int first_line, const char *text, size_t len,
			 const char *msg)
{
	struct rg_sql_script s;

	rg_error_clear();
	assert_int_equal(split_n(&s, text, len, d, first_line), RG_EINVALID);
	assert_string_equal(rg_error_last(), msg);
	check_spans(&s, RG_EINVALID, text, len, d, first_line);
	assert_null(s.items);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.alloc, 0);
	rg_sql_script_release(&s);
}

/* expect_error() on a string literal, which may hold a NUL */
#define ERR(d, first_line, lit, msg) expect_error(d, first_line, lit, sizeof(lit) - 1, msg)

static void expect_errors(int first_line, const char *text, const char *msg)
{
	expect_error(LITE, first_line, text, strlen(text), msg);
	expect_error(PG, first_line, text, strlen(text), msg);
}

static void test_plain_statements_and_lines(void **state)
{
	(void)state;
	expect_split(LITE, 1, "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n", 2,
		     "CREATE TABLE a (x int)", 1, "INSERT INTO a VALUES (1)", 2);
	expect_split(PG, 10, "CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n", 2,
		     "CREATE TABLE a (x int)", 10, "INSERT INTO a VALUES (1)", 11);
	/* several on one line, one over several lines */
	expect_split(PG, 1, "SELECT 1; SELECT 2;SELECT 3\n;\n\n  UPDATE t\n  SET x = 1\n  WHERE y;", 4,
		     "SELECT 1", 1, "SELECT 2", 1, "SELECT 3", 1,
		     "UPDATE t\n  SET x = 1\n  WHERE y", 4);
	/* CRLF line ends: lines still counted, no '\r' kept at the ends */
	expect_split(LITE, 1, "SELECT 1;\r\n\r\nSELECT\r\n 2\r\n;\r\n", 2,
		     "SELECT 1", 1, "SELECT\r\n 2", 3);
	/* first_line may be anything, e.g. where a section starts in its file */
	expect_split(LITE, 0, "\nSELECT 1", 1, "SELECT 1", 1);
	expect_split(LITE, 120, "\t\f\v SELECT 1 ;", 1, "SELECT 1", 120);
}

static void test_empty_statements_dropped(void **state)
{
	static const char *const empties[] = {
		"", " ", "\n\n\n", ";", ";;;", " ; \n ; ", "-- only a comment",
		"-- a comment;\n;", "/* block; */", "/* a */ ; /* b */ ;\n-- c\n;",
		"\n--\n--;\n",
	};
	struct rg_sql_script s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		assert_int_equal(split_n(&s, empties[i], strlen(empties[i]), LITE, 1), 0);
		assert_int_equal(s.n, 0);
		rg_sql_script_release(&s);
		assert_int_equal(split_n(&s, empties[i], strlen(empties[i]), PG, 1), 0);
		assert_int_equal(s.n, 0);
		rg_sql_script_release(&s);
	}
	expect_split(PG, 1, ";;SELECT 1;;;SELECT 2;;", 2, "SELECT 1", 1, "SELECT 2", 1);
	/* NULL text is fine when there is nothing to read */
	assert_int_equal(rg_sql_split(&s, NULL, 0, PG, 1), 0);
	assert_int_equal(s.n, 0);
	rg_sql_script_release(&s);
	rg_sql_script_release(NULL);
}

static void test_last_statement_without_semicolon(void **state)
{
	(void)state;
	expect_split(LITE, 1, "SELECT 1;\nSELECT 2", 2, "SELECT 1", 1, "SELECT 2", 2);
	expect_split(PG, 1, "SELECT 1;\nSELECT 2\n", 2, "SELECT 1", 1, "SELECT 2", 2);
	expect_split(PG, 1, "SELECT 2 -- the end", 1, "SELECT 2", 1);
	expect_split(PG, 1, "SELECT 2\n-- the end\n/* really */\n", 1, "SELECT 2", 1);
	expect_split(LITE, 1, "SELECT 'x'", 1, "SELECT 'x'", 1);
}

static void test_comments(void **state)
{
	(void)state;
	/* comments before a statement are not part of it, and its line is the code's */
	expect_split(PG, 1,
		     "-- header; with a semicolon\n"
		     "\n"
		     "/* a block;\n   comment; */\n"
		     "  SELECT 1;\n", 1,
		     "SELECT 1", 5);
	/* comments inside stay; comments after the last token go */
	expect_split(LITE, 1,
		     "CREATE TABLE t (\n"
		     "  a int, -- the a; really\n"
		     "  b int  /* the b; */\n"
		     ") -- trailing; comment\n"
		     ";\n"
		     "SELECT 1 /* x */ + /* y; */ 2 /* z */;", 2,
		     "CREATE TABLE t (\n  a int, -- the a; really\n  b int  /* the b; */\n)", 1,
		     "SELECT 1 /* x */ + /* y; */ 2", 6);
	/* comments start anywhere, also right after other tokens */
	expect_split(PG, 1, "SELECT 1--;\n+2;SELECT 3/*;*/;", 2,
		     "SELECT 1--;\n+2", 1, "SELECT 3", 2);
	/* a lone '-' or '/' is not a comment */
	expect_split(PG, 1, "SELECT 4 - 1; SELECT 4 / 2;", 2, "SELECT 4 - 1", 1, "SELECT 4 / 2", 1);
	/* a comment opener is no closer: slash-star-slash is still open */
	expect_split(LITE, 1, "/*/ ; */ SELECT 1;", 1, "SELECT 1", 1);
	/* comment lines counted */
	expect_split(LITE, 1, "SELECT 1; /* one\ntwo\nthree */ SELECT 2; -- x\n\nSELECT 3", 3,
		     "SELECT 1", 1, "SELECT 2", 3, "SELECT 3", 5);
}

static void test_nested_block_comments(void **state)
{
	static const char text[] = "/* outer /* inner; */ still a comment; */ SELECT 1; SELECT 2";

	(void)state;
	/* PostgreSQL nests block comments, SQLite does not */
	expect_split(PG, 1, text, 2, "SELECT 1", 1, "SELECT 2", 1);
	expect_split(LITE, 1, text, 3, "still a comment", 1, "*/ SELECT 1", 1, "SELECT 2", 1);
	expect_split(PG, 1, "SELECT /* a /* b /* c; */ ; */ ; */ 1;", 1,
		     "SELECT /* a /* b /* c; */ ; */ ; */ 1", 1);
	ERR(PG, 1, "/* a /* b */ c", "line 1: unterminated block comment");
	expect_split(LITE, 1, "/* a /* b */ c", 1, "c", 1);
}

static void test_strings(void **state)
{
	(void)state;
	expect_split(LITE, 1,
		     "INSERT INTO t VALUES ('a;b', 'it''s; -- not a comment', '/* nor this');\n"
		     "SELECT '';SELECT '''';", 3,
		     "INSERT INTO t VALUES ('a;b', 'it''s; -- not a comment', '/* nor this')", 1,
		     "SELECT ''", 2, "SELECT ''''", 2);
	expect_split(PG, 1,
		     "INSERT INTO t VALUES ('a;b', 'it''s; -- not a comment', '/* nor this');\n"
		     "SELECT 'x''';", 2,
		     "INSERT INTO t VALUES ('a;b', 'it''s; -- not a comment', '/* nor this')", 1,
		     "SELECT 'x'''", 2);
	/* lines inside strings count */
	expect_split(PG, 1, "SELECT 'a\nb;\nc';\nSELECT 2;", 2, "SELECT 'a\nb;\nc'", 1, "SELECT 2", 4);
	/* prefixed strings quote the same way: X'', B'', N'', U&'' */
	expect_split(PG, 1, "SELECT X'3b', B'1;', N'n;', U&'d;';SELECT 1", 2,
		     "SELECT X'3b', B'1;', N'n;', U&'d;'", 1, "SELECT 1", 1);
	expect_split(LITE, 1, "SELECT X'3b3b';SELECT 1", 2, "SELECT X'3b3b'", 1, "SELECT 1", 1);
}

static void test_escape_strings(void **state)
{
	(void)state;
	/* E'...': a backslash escapes the next character, the quote too */
	expect_split(PG, 1, "SELECT E'a\\';b'; SELECT 2;", 2, "SELECT E'a\\';b'", 1, "SELECT 2", 1);
	expect_split(PG, 1, "SELECT e'\\\\'; SELECT 2;", 2, "SELECT e'\\\\'", 1, "SELECT 2", 1);
	expect_split(PG, 1, "SELECT E'it''s\\n;'; SELECT 2;", 2, "SELECT E'it''s\\n;'", 1,
		     "SELECT 2", 1);
	/* an escaped newline is still a line */
	expect_split(PG, 1, "SELECT E'\\\n'; SELECT 2;", 2, "SELECT E'\\\n'", 1, "SELECT 2", 2);
	/* a plain string takes a backslash literally (standard_conforming_strings) */
	expect_split(PG, 1, "SELECT 'a\\'; SELECT 2;", 2, "SELECT 'a\\'", 1, "SELECT 2", 1);
	/* an identifier ending in E is no prefix */
	expect_split(PG, 1, "SELECT somee'\\'; SELECT 2;", 2, "SELECT somee'\\'", 1, "SELECT 2", 1);
	/* SQLite has no E'' strings */
	expect_split(LITE, 1, "SELECT E'a\\'; SELECT 'b';", 2, "SELECT E'a\\'", 1, "SELECT 'b'", 1);
	ERR(LITE, 1, "SELECT E'a\\';b'; SELECT 2;", "line 1: unterminated quoted string");
	ERR(PG, 3, "SELECT 1;\nSELECT E'abc\\'", "line 4: unterminated quoted string");
}

static void test_quoted_identifiers(void **state)
{
	(void)state;
	expect_split(PG, 1, "SELECT \"a;\"\"b\" FROM \"t--x\"; SELECT 2", 2,
		     "SELECT \"a;\"\"b\" FROM \"t--x\"", 1, "SELECT 2", 1);
	expect_split(LITE, 1, "SELECT \"a;\"\"b\" FROM \"t/*\"; SELECT 2", 2,
		     "SELECT \"a;\"\"b\" FROM \"t/*\"", 1, "SELECT 2", 1);
	/* SQLite: [bracketed] (no escape) and `backtick` identifiers */
	expect_split(LITE, 1, "SELECT [a;b], [c'd] FROM t; SELECT `c;``d`; SELECT 3", 3,
		     "SELECT [a;b], [c'd] FROM t", 1, "SELECT `c;``d`", 1, "SELECT 3", 1);
	/* PostgreSQL: [ ] are subscripts and ` an operator character */
	expect_split(PG, 1, "SELECT a[1:2] FROM t; SELECT ']';", 2,
		     "SELECT a[1:2] FROM t", 1, "SELECT ']'", 1);
	expect_split(PG, 1, "SELECT 1 `; SELECT 2", 2, "SELECT 1 `", 1, "SELECT 2", 1);
	expect_split(PG, 1, "SELECT \"multi\nline\"; SELECT 2", 2, "SELECT \"multi\nline\"", 1,
		     "SELECT 2", 2);
}

static void test_dollar_quotes(void **state)
{
	(void)state;
	expect_split(PG, 1,
		     "CREATE FUNCTION f() RETURNS trigger AS $$\n"
		     "BEGIN\n"
		     "  NEW.x := 1; -- ;\n"
		     "  RETURN NEW;\n"
		     "END;\n"
		     "$$ LANGUAGE plpgsql;\n"
		     "DO $body$ BEGIN PERFORM 1; $inner$ ; $inner$ $body ; $body$;\n"
		     "SELECT 3;", 3,
		     "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1; -- ;\n"
		     "  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql", 1,
		     "DO $body$ BEGIN PERFORM 1; $inner$ ; $inner$ $body ; $body$", 7,
		     "SELECT 3", 8);
	/* tags are case sensitive and may hold digits and '_' after the first character */
	expect_split(PG, 1, "SELECT $A$ x $a$ ; $A$; SELECT $_t1$;$_t1$; SELECT 3", 3,
		     "SELECT $A$ x $a$ ; $A$", 1, "SELECT $_t1$;$_t1$", 1, "SELECT 3", 1);
	/* a dollar quote may close right where another tag's would have begun */
	expect_split(PG, 1, "SELECT $ab$ $a ;$ab$; SELECT $a$;$$;$a$;", 2,
		     "SELECT $ab$ $a ;$ab$", 1, "SELECT $a$;$$;$a$", 1);
	/* $1 is a parameter, not a quote */
	expect_split(PG, 1, "PREPARE p AS SELECT $1, $2::int; EXECUTE p(1, 2);", 2,
		     "PREPARE p AS SELECT $1, $2::int", 1, "EXECUTE p(1, 2)", 1);
	expect_split(PG, 1, "SELECT $1;$2;", 2, "SELECT $1", 1, "$2", 1);
	/* '$' inside an identifier is no quote */
	expect_split(PG, 1, "SELECT a$b$c, d$$ FROM t; SELECT 2", 2,
		     "SELECT a$b$c, d$$ FROM t", 1, "SELECT 2", 1);
	/* a lone '$' (not a tag) */
	expect_split(PG, 1, "SELECT $x ; SELECT 2", 2, "SELECT $x", 1, "SELECT 2", 1);
	/* lines inside count */
	expect_split(PG, 1, "SELECT $$\n;\n;$$;\nSELECT 2", 2, "SELECT $$\n;\n;$$", 1, "SELECT 2", 4);
	/* comments and strings mean nothing inside */
	expect_split(PG, 1, "SELECT $$ -- ' \" /* $$; SELECT 2", 2,
		     "SELECT $$ -- ' \" /* $$", 1, "SELECT 2", 1);
	/* SQLite has no dollar quotes */
	expect_split(LITE, 1, "SELECT $$; SELECT $a$;", 2, "SELECT $$", 1, "SELECT $a$", 1);
	ERR(PG, 1, "SELECT 1;\n\nSELECT $x$ abc $y$;\n",
		     "line 3: unterminated dollar-quoted string");
	ERR(PG, 1, "SELECT $$", "line 1: unterminated dollar-quoted string");
	ERR(PG, 1, "SELECT $$ $", "line 1: unterminated dollar-quoted string");
}

static void test_sqlite_triggers(void **state)
{
	(void)state;
	expect_split(LITE, 1,
		     "CREATE TRIGGER tr AFTER INSERT ON t\n"
		     "BEGIN\n"
		     "  UPDATE t SET x = CASE WHEN new.x > 0 THEN 1 ELSE 0 END WHERE rowid = new.rowid;\n"
		     "  INSERT INTO log VALUES ('end;');\n"
		     "END;\n"
		     "CREATE TEMP TRIGGER IF NOT EXISTS tr2 BEFORE DELETE ON t FOR EACH ROW\n"
		     "WHEN old.x = 1 BEGIN SELECT RAISE(ABORT, 'no; way'); END;\n"
		     "SELECT 1;", 3,
		     "CREATE TRIGGER tr AFTER INSERT ON t\nBEGIN\n"
		     "  UPDATE t SET x = CASE WHEN new.x > 0 THEN 1 ELSE 0 END WHERE rowid = new.rowid;\n"
		     "  INSERT INTO log VALUES ('end;');\nEND", 1,
		     "CREATE TEMP TRIGGER IF NOT EXISTS tr2 BEFORE DELETE ON t FOR EACH ROW\n"
		     "WHEN old.x = 1 BEGIN SELECT RAISE(ABORT, 'no; way'); END", 6,
		     "SELECT 1", 8);
	/* CASE ... END ending a body statement, comments before END, lower case */
	expect_split(LITE, 1,
		     "create temporary trigger tr after update on t begin\n"
		     "  select case when 1 then 2 end;\n"
		     "  select case when 1 then 2 end; -- done;\n"
		     "  /* really; */ end ; select 2", 2,
		     "create temporary trigger tr after update on t begin\n"
		     "  select case when 1 then 2 end;\n"
		     "  select case when 1 then 2 end; -- done;\n"
		     "  /* really; */ end", 1,
		     "select 2", 4);
	/* a trigger's END need not be followed by ';' at the end of the text */
	expect_split(LITE, 1, "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", 1,
		     "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", 1);
	/* END and BEGIN outside a trigger are ordinary statements */
	expect_split(LITE, 1, "BEGIN; CREATE TABLE x (a); END; SELECT 1", 4,
		     "BEGIN", 1, "CREATE TABLE x (a)", 1, "END", 1, "SELECT 1", 1);
	/* a quoted "end" is no END; neither is a "trigger" that is not CREATE's */
	expect_split(LITE, 1, "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; \"end\"; END; SELECT 2", 2,
		     "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; \"end\"; END", 1,
		     "SELECT 2", 1);
	expect_split(LITE, 1, "DROP TRIGGER trigger; SELECT 2", 2, "DROP TRIGGER trigger", 1,
		     "SELECT 2", 1);
	expect_split(LITE, 1, "CREATE TABLE trigger (a); SELECT 2", 2, "CREATE TABLE trigger (a)", 1,
		     "SELECT 2", 1);
	/* PostgreSQL triggers have no body of their own */
	expect_split(PG, 1, "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f(); SELECT 1;", 2,
		     "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", 1,
		     "SELECT 1", 1);
	ERR(LITE, 1, "SELECT 1;\n\nCREATE TRIGGER tr AFTER INSERT ON x BEGIN\n SELECT 1;\n",
		     "line 3: unterminated trigger body");
	ERR(LITE, 7, "CREATE TRIGGER tr AFTER INSERT ON x",
		     "line 7: unterminated trigger body");
}

static void test_begin_atomic(void **state)
{
	(void)state;
	expect_split(PG, 1,
		     "CREATE OR REPLACE FUNCTION f(a int) RETURNS int\n"
		     "LANGUAGE sql\n"
		     "BEGIN ATOMIC\n"
		     "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n"
		     "  SELECT (CASE a WHEN 1 THEN 2 END);\n"
		     "END;\n"
		     "create procedure p() language sql begin atomic insert into t values (1); end;\n"
		     "SELECT 1;", 3,
		     "CREATE OR REPLACE FUNCTION f(a int) RETURNS int\nLANGUAGE sql\nBEGIN ATOMIC\n"
		     "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n"
		     "  SELECT (CASE a WHEN 1 THEN 2 END);\nEND", 1,
		     "create procedure p() language sql begin atomic insert into t values (1); end", 7,
		     "SELECT 1", 8);
	/* BEGIN ATOMIC ... END without ';' at the end */
	expect_split(PG, 1, "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", 1,
		     "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", 1);
	/* no body: transaction statements, a function called begin, BEGIN outside CREATE FUNCTION */
	expect_split(PG, 1,
		     "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1; BEGIN; SELECT 1; END;"
		     "CREATE FUNCTION begin() RETURNS int LANGUAGE sql RETURN 1; SELECT 2;"
		     "CREATE TABLE atomic (begin int); SELECT 3", 8,
		     "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1", 1, "BEGIN", 1,
		     "SELECT 1", 1, "END", 1,
		     "CREATE FUNCTION begin() RETURNS int LANGUAGE sql RETURN 1", 1, "SELECT 2", 1,
		     "CREATE TABLE atomic (begin int)", 1, "SELECT 3", 1);
	/* SQLite knows no BEGIN ATOMIC */
	expect_split(LITE, 1, "CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; END;", 2,
		     "CREATE FUNCTION f() BEGIN ATOMIC SELECT 1", 1, "END", 1);
	ERR(PG, 1, "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\n",
		     "line 2: unterminated BEGIN ATOMIC body");
	ERR(PG, 1, "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT CASE WHEN true THEN 1 END;\n",
		     "line 2: unterminated BEGIN ATOMIC body");
}

static void test_unterminated(void **state)
{
	(void)state;
	expect_errors(1, "SELECT 1;\nSELECT 'abc\n;", "line 2: unterminated quoted string");
	expect_errors(5, "SELECT 1;\nSELECT 'abc\n;", "line 6: unterminated quoted string");
	expect_errors(1, "SELECT 'it''", "line 1: unterminated quoted string");
	expect_errors(1, "SELECT \"abc", "line 1: unterminated quoted identifier");
	expect_errors(1, "SELECT \"a\"\"", "line 1: unterminated quoted identifier");
	expect_errors(1, "SELECT 1 /* x\n\n", "line 1: unterminated block comment");
	expect_errors(1, "SELECT 1 /*", "line 1: unterminated block comment");
	expect_errors(1, "SELECT 1; /*/", "line 1: unterminated block comment");
	ERR(LITE, 2, "\nSELECT [abc", "line 3: unterminated bracketed identifier");
	ERR(LITE, 1, "SELECT `a``", "line 1: unterminated quoted identifier");
	/* an unterminated line comment is just the end of the text */
	expect_split(PG, 1, "SELECT 1; -- done", 1, "SELECT 1", 1);
}

static void test_length_not_nul(void **state)
{
	static const char text[] = "SELECT 1; SELECT 2; 'open";
	struct rg_sql_script s;

	(void)state;
	/* only `len` bytes are read: the open quote is never seen */
	assert_int_equal(split_n(&s, text, 8, PG, 1), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.items[0].text, "SELECT 1");
	rg_sql_script_release(&s);
	assert_int_equal(split_n(&s, text, 19, LITE, 1), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.items[1].text, "SELECT 2");
	rg_sql_script_release(&s);
	expect_error(PG, 1, text, sizeof(text) - 1, "line 1: unterminated quoted string");
	/* a NUL inside would cut a statement short when it runs */
	ERR(PG, 1, "SELECT 1;\nDELETE FROM t\0 WHERE id = 1;",
		     "line 2: NUL byte in SQL text");
	ERR(LITE, 4, "\0", "line 4: NUL byte in SQL text");
}

static void test_split_survives_allocation_failures(void **state)
{
	static const char text[] =
		"SELECT 1; SELECT 2; SELECT 3; SELECT 4; SELECT 5; SELECT 6; SELECT 7; SELECT 8;\n"
		"SELECT 9; SELECT 10; SELECT 11";
	struct rg_sql_script s;
	unsigned long i;
	int err, sticky;

	(void)state;
	for (sticky = 0; sticky <= 1; sticky++) {
		for (i = 1; i < 100; i++) {
			rg_error_clear();
			rg_alloc_fail_after(i, sticky);
			err = rg_sql_split(&s, text, sizeof(text) - 1, PG, 1);
			rg_alloc_fail_after(0, 0);
			if (!err)
				break;
			assert_int_equal(err, RG_ENOMEM);
			assert_string_equal(rg_error_last(), "out of memory");
			assert_null(s.items);
			assert_int_equal(s.n, 0);
		}
		/* the array grows twice and each statement is copied */
		assert_int_equal(i, 14);
		assert_int_equal(s.n, 11);
		assert_string_equal(s.items[10].text, "SELECT 11");
		rg_sql_script_release(&s);
	}
}

/*
 * A reference splitter for SQLite: cut after each ';' where
 * sqlite3_complete() says the text so far is complete, and drop pieces that
 * sqlite3_prepare_v2() finds empty.  Returns the number of statements and
 * stores up to `max` of them (malloc'd, untrimmed) in `pieces`.
 */
static size_t reference_split(sqlite3 *db, const char *text, char **pieces, size_t max)
{
	size_t n = 0, start = 0, i, len = strlen(text);

	for (i = 0; i <= len; i++) {
		char *piece;
		sqlite3_stmt *stmt = NULL;
		int rc;

		if (i < len && text[i] != ';')
			continue;
		piece = strndup(text + start, i - start + (i < len));
		assert_non_null(piece);
		if (i < len && !sqlite3_complete(piece)) {
			free(piece);
			continue;
		}
		start = i + 1;
		rc = sqlite3_prepare_v2(db, piece, -1, &stmt, NULL);
		sqlite3_finalize(stmt);
		if (rc == SQLITE_OK && !stmt) {
			free(piece);
			continue;
		}
		if (n < max)
			pieces[n] = piece;
		else
			free(piece);
		n++;
	}
	return n;
}

static void check_against_sqlite(sqlite3 *db, const char *text)
{
	char *pieces[64];
	struct rg_sql_script s;
	size_t n, i;

	n = reference_split(db, text, pieces, 64);
	if (rg_sql_split(&s, text, strlen(text), LITE, 1)) {
		/* only an open trigger may fail, and SQLite must find it open too */
		char *closed = malloc(strlen(text) + 2);

		if (!strstr(rg_error_last(), "unterminated trigger body"))
			fail_msg("unexpected error: %s in [%s]", rg_error_last(), text);
		assert_non_null(closed);
		memcpy(closed, text, strlen(text));
		memcpy(closed + strlen(text), ";", 2);
		assert_false(sqlite3_complete(closed));
		free(closed);
		for (i = 0; i < n && i < 64; i++)
			free(pieces[i]);
		return;
	}
	if (s.n != n)
		fail_msg("%zu statements, sqlite3_complete() finds %zu in [%s]", s.n, n, text);
	check_spans(&s, 0, text, strlen(text), LITE, 1);
	for (i = 0; i < n && i < 64; i++) {
		size_t len = strlen(s.items[i].text);
		char *with_semi = malloc(len + 2);
		const char *p;

		/* the same statement, less its surrounding blanks and comments */
		if (!strstr(pieces[i], s.items[i].text))
			fail_msg("[%s] is not in [%s]", s.items[i].text, pieces[i]);
		/* complete with its ';', and not before any ';' inside it */
		assert_non_null(with_semi);
		memcpy(with_semi, s.items[i].text, len);
		memcpy(with_semi + len, ";", 2);
		assert_true(sqlite3_complete(with_semi));
		for (p = strchr(with_semi, ';'); p && p[1]; p = strchr(p + 1, ';')) {
			char *prefix = strndup(with_semi, (size_t)(p - with_semi) + 1);

			assert_non_null(prefix);
			if (sqlite3_complete(prefix))
				fail_msg("[%s] is complete already", prefix);
			free(prefix);
		}
		free(with_semi);
		free(pieces[i]);
	}
	rg_sql_script_release(&s);
}

static void test_sqlite_agrees_with_sqlite3_complete(void **state)
{
	static const char *const fragments[] = {
		"SELECT 1", "SELECT 'a;b'", "SELECT \"x;\"\"y\"", "SELECT [c;d]", "SELECT `e;``f`",
		"-- note; here\n", "/* block; */", "\n", " ", ";", ";",  ";", "SELECT 'it''s'",
		"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT CASE WHEN 1 THEN 2 END; END",
		"CREATE TEMP TRIGGER tr BEFORE DELETE ON t BEGIN DELETE FROM u; -- c;\n END",
		"BEGIN", "END", "COMMIT", "CREATE TABLE t (a)", "EXPLAIN SELECT 1",
		"EXPLAIN QUERY PLAN SELECT 1", "SELECT X'00'", "SELECT $x, :y, ?1",
		"CREATE INDEX i ON t (a)", "SELECT end_date FROM t", "SELECT 1 -- x\n",
		"INSERT INTO t VALUES (1, '--', '/*')",
	};
	size_t nfrag = sizeof(fragments) / sizeof(fragments[0]);
	unsigned long seed = 12345;
	sqlite3 *db = NULL;
	char text[2048];
	int round, k;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (round = 0; round < 2000; round++) {
		size_t used = 0;
		int nparts;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		nparts = 1 + (int)((seed >> 33) % 12);
		text[0] = '\0';
		for (k = 0; k < nparts; k++) {
			const char *f;
			size_t flen;

			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			f = fragments[(seed >> 33) % nfrag];
			flen = strlen(f);
			if (used + flen + 1 >= sizeof(text))
				break;
			memcpy(text + used, f, flen + 1);
			used += flen;
		}
		check_against_sqlite(db, text);
	}
	sqlite3_close(db);
}

/*
 * `stmt` followed by text that would change most answers, to be read as
 * its first strlen(stmt) bytes only (a span of a longer text).
 */
static char *with_tail(const char *stmt)
{
	static const char tail[] = " = 1 CONCURRENTLY x TO s; VACUUM";
	size_t n = strlen(stmt);
	char *p = malloc(n + sizeof(tail));

	assert_non_null(p);
	memcpy(p, stmt, n);
	memcpy(p + n, tail, sizeof(tail));
	return p;
}

struct check {
	enum rg_dialect dialect;
	const char *stmt;
	const char *reason;	/* NULL: may run in a transaction */
};

static void test_needs_autocommit(void **state)
{
	static const struct check checks[] = {
		{ PG, "VACUUM", "VACUUM cannot run inside a transaction block" },
		{ PG, "vacuum (analyze) t", "VACUUM cannot run inside a transaction block" },
		{ PG, "-- first\n/* then /* nested */ */ VACUUM FULL t",
		  "VACUUM cannot run inside a transaction block" },
		{ PG, "ANALYZE t", NULL },
		{ PG, "CREATE INDEX CONCURRENTLY ix ON t (a)",
		  "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "create unique index concurrently if not exists ix on t (a)",
		  "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "CREATE INDEX CONCURRENTLY ON t (a)",
		  "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "CREATE INDEX ix ON t (a)", NULL },
		{ PG, "CREATE UNIQUE INDEX ix ON t (concurrently)", NULL },
		{ PG, "CREATE INDEX \"concurrently\" ON t (a)", NULL },
		{ PG, "DROP INDEX CONCURRENTLY ix", "DROP INDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "DROP INDEX CONCURRENTLY IF EXISTS s.ix", "DROP INDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "DROP INDEX ix", NULL },
		{ PG, "DROP INDEX concurrently", NULL },	/* an index so named */
		{ PG, "REINDEX INDEX CONCURRENTLY ix", "REINDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "REINDEX TABLE CONCURRENTLY t", "REINDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "REINDEX (CONCURRENTLY) INDEX ix", "REINDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "REINDEX (VERBOSE, CONCURRENTLY true) TABLE t", "REINDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "REINDEX (CONCURRENTLY false) INDEX ix", NULL },
		{ PG, "REINDEX (CONCURRENTLY off, VERBOSE) INDEX ix", NULL },
		{ PG, "REINDEX SCHEMA CONCURRENTLY public", "REINDEX CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "REINDEX TABLE t", NULL },
		{ PG, "REINDEX INDEX ix", NULL },
		{ PG, "REINDEX TABLE concurrently", NULL },	/* a table so named */
		{ PG, "REINDEX SCHEMA public", "REINDEX SCHEMA cannot run inside a transaction block" },
		{ PG, "REINDEX DATABASE db", "REINDEX DATABASE cannot run inside a transaction block" },
		{ PG, "REINDEX (VERBOSE) SYSTEM", "REINDEX SYSTEM cannot run inside a transaction block" },
		{ PG, "CLUSTER", "CLUSTER cannot run inside a transaction block" },
		{ PG, "cluster verbose", "CLUSTER cannot run inside a transaction block" },
		{ PG, "CLUSTER (VERBOSE)", "CLUSTER cannot run inside a transaction block" },
		{ PG, "CLUSTER t USING ix", NULL },
		{ PG, "CLUSTER VERBOSE t", NULL },
		{ PG, "CLUSTER ix ON t", NULL },
		{ PG, "CREATE DATABASE d", "CREATE DATABASE cannot run inside a transaction block" },
		{ PG, "DROP DATABASE IF EXISTS d", "DROP DATABASE cannot run inside a transaction block" },
		{ PG, "ALTER DATABASE d RENAME TO e", NULL },
		{ PG, "ALTER DATABASE \"d\" SET TABLESPACE ts",
		  "ALTER DATABASE SET TABLESPACE cannot run inside a transaction block" },
		{ PG, "ALTER DATABASE d SET work_mem = '1MB'", NULL },
		{ PG, "CREATE TABLESPACE ts LOCATION '/x'", "CREATE TABLESPACE cannot run inside a transaction block" },
		{ PG, "DROP TABLESPACE ts", "DROP TABLESPACE cannot run inside a transaction block" },
		{ PG, "ALTER TABLESPACE ts RENAME TO u", NULL },
		{ PG, "ALTER SYSTEM SET work_mem = '5MB'", "ALTER SYSTEM cannot run inside a transaction block" },
		{ PG, "ALTER TABLE pt DETACH PARTITION p1 CONCURRENTLY",
		  "ALTER TABLE ... DETACH CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "ALTER TABLE IF EXISTS ONLY s.pt DETACH PARTITION s.p1 CONCURRENTLY",
		  "ALTER TABLE ... DETACH CONCURRENTLY cannot run inside a transaction block" },
		{ PG, "ALTER TABLE pt DETACH PARTITION p1", NULL },
		{ PG, "ALTER TABLE pt DETACH PARTITION p1 FINALIZE", NULL },
		{ PG, "ALTER TABLE pt DETACH PARTITION concurrently", NULL },
		{ PG, "ALTER TABLE t ADD COLUMN concurrently int", NULL },
		{ PG, "ALTER TYPE mood ADD VALUE 'meh'", NULL },
		{ PG, "DISCARD ALL", "DISCARD ALL cannot run inside a transaction block" },
		{ PG, "DISCARD PLANS", NULL },
		{ PG, "COMMIT PREPARED 'x'", "COMMIT PREPARED cannot run inside a transaction block" },
		{ PG, "ROLLBACK PREPARED 'x'", "ROLLBACK PREPARED cannot run inside a transaction block" },
		{ PG, "CREATE SUBSCRIPTION s CONNECTION 'host=h' PUBLICATION p",
		  "CREATE SUBSCRIPTION ... WITH (create_slot = true) cannot run inside a transaction block" },
		{ PG, "CREATE SUBSCRIPTION s CONNECTION 'host=h' PUBLICATION p WITH (create_slot = true)",
		  "CREATE SUBSCRIPTION ... WITH (create_slot = true) cannot run inside a transaction block" },
		{ PG, "CREATE SUBSCRIPTION s CONNECTION 'host=h' PUBLICATION p WITH (connect = false)", NULL },
		{ PG, "CREATE SUBSCRIPTION s CONNECTION 'host=h' PUBLICATION p WITH (enabled=false, create_slot=false)", NULL },
		{ PG, "DROP SUBSCRIPTION s", "DROP SUBSCRIPTION cannot run inside a transaction block" },
		{ PG, "ALTER SUBSCRIPTION s REFRESH PUBLICATION",
		  "ALTER SUBSCRIPTION ... REFRESH cannot run inside a transaction block" },
		{ PG, "ALTER SUBSCRIPTION s SET PUBLICATION q",
		  "ALTER SUBSCRIPTION with refresh cannot run inside a transaction block" },
		{ PG, "ALTER SUBSCRIPTION s ADD PUBLICATION q WITH (refresh = true)",
		  "ALTER SUBSCRIPTION with refresh cannot run inside a transaction block" },
		{ PG, "ALTER SUBSCRIPTION s DROP PUBLICATION q WITH (refresh = false)", NULL },
		{ PG, "ALTER SUBSCRIPTION s ENABLE", NULL },
		{ PG, "REFRESH MATERIALIZED VIEW CONCURRENTLY mv", NULL },
		{ PG, "CREATE TABLE vacuum (a int)", NULL },
		{ PG, "SELECT 'VACUUM'", NULL },
		{ PG, "\"VACUUM\"", NULL },
		{ PG, "", NULL },
		{ PG, "-- VACUUM", NULL },
		{ PG, "/* unterminated VACUUM", NULL },
		{ PG, "PRAGMA foreign_keys = ON", NULL },
		{ LITE, "VACUUM", "cannot VACUUM from within a transaction" },
		{ LITE, "vacuum main INTO 'copy.db'", "cannot VACUUM from within a transaction" },
		{ LITE, "/* x */ -- y\n  Vacuum", "cannot VACUUM from within a transaction" },
		{ LITE, "PRAGMA journal_mode = WAL", "PRAGMA journal_mode cannot be changed inside a transaction" },
		{ LITE, "pragma main.journal_mode=delete", "PRAGMA journal_mode cannot be changed inside a transaction" },
		{ LITE, "PRAGMA journal_mode(wal)", "PRAGMA journal_mode cannot be changed inside a transaction" },
		{ LITE, "PRAGMA journal_mode", NULL },
		{ LITE, "PRAGMA foreign_keys = ON", "PRAGMA foreign_keys has no effect inside a transaction" },
		{ LITE, "PRAGMA foreign_keys=0", "PRAGMA foreign_keys has no effect inside a transaction" },
		{ LITE, "PRAGMA Foreign_Keys(off)", "PRAGMA foreign_keys has no effect inside a transaction" },
		{ LITE, "PRAGMA foreign_keys", NULL },
		{ LITE, "PRAGMA foreign_key_check", NULL },
		{ LITE, "PRAGMA foreign_key_list(t)", NULL },
		{ LITE, "PRAGMA defer_foreign_keys = ON", NULL },
		{ LITE, "PRAGMA synchronous = OFF", "PRAGMA synchronous cannot be changed inside a transaction" },
		{ LITE, "PRAGMA temp_store = MEMORY", "PRAGMA temp_store cannot be changed inside a transaction" },
		{ LITE, "PRAGMA user_version = 3", NULL },
		{ LITE, "PRAGMA", NULL },
		{ LITE, "CREATE INDEX CONCURRENTLY ix ON t (a)", NULL },
		{ LITE, "CREATE DATABASE d", NULL },
		{ LITE, "SELECT 1", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const char *got = rg_sql_needs_autocommit(checks[i].stmt, checks[i].dialect);
		char *longer = with_tail(checks[i].stmt);
		const char *got_n = rg_sql_needs_autocommit_n(longer, strlen(checks[i].stmt),
							      checks[i].dialect);

		free(longer);
		if (got_n != got)
			fail_msg("[%s] as a span: \"%s\", whole: \"%s\"", checks[i].stmt,
				 got_n ? got_n : "(null)", got ? got : "(null)");

		if (!checks[i].reason && got)
			fail_msg("[%s]: unexpected \"%s\"", checks[i].stmt, got);
		if (checks[i].reason && (!got || strcmp(got, checks[i].reason)))
			fail_msg("[%s]: \"%s\", expected \"%s\"", checks[i].stmt, got ? got : "(null)",
				 checks[i].reason);
	}
}

struct control {
	enum rg_dialect dialect;
	const char *stmt;
	bool is_control;
};

static void test_transaction_control(void **state)
{
	static const struct control controls[] = {
		{ PG, "BEGIN", true },
		{ PG, "begin work", true },
		{ PG, "BEGIN ISOLATION LEVEL SERIALIZABLE", true },
		{ PG, "START TRANSACTION READ ONLY", true },
		{ PG, "COMMIT", true },
		{ PG, "commit and chain", true },
		{ PG, "END TRANSACTION", true },
		{ PG, "ROLLBACK", true },
		{ PG, "ROLLBACK WORK", true },
		{ PG, "ABORT", true },
		{ PG, "PREPARE TRANSACTION 'x'", true },
		{ PG, "-- undo\n/* all */ Rollback", true },
		{ PG, "ROLLBACK TO SAVEPOINT s", false },
		{ PG, "ROLLBACK TO s", false },
		{ PG, "ROLLBACK WORK TO s", false },
		{ PG, "ROLLBACK TRANSACTION TO SAVEPOINT s", false },
		{ PG, "SAVEPOINT s", false },
		{ PG, "RELEASE SAVEPOINT s", false },
		{ PG, "COMMIT PREPARED 'x'", false },
		{ PG, "ROLLBACK PREPARED 'x'", false },
		{ PG, "PREPARE q AS SELECT 1", false },
		{ PG, "START", false },
		{ PG, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", false },
		{ PG, "DO $$ BEGIN PERFORM 1; END $$", false },
		{ PG, "SELECT 'BEGIN'", false },
		{ PG, "\"begin\"", false },
		{ PG, "CREATE TABLE commit (a int)", false },
		{ PG, "", false },
		{ LITE, "BEGIN", true },
		{ LITE, "BEGIN IMMEDIATE TRANSACTION", true },
		{ LITE, "begin exclusive", true },
		{ LITE, "COMMIT TRANSACTION", true },
		{ LITE, "END", true },
		{ LITE, "ROLLBACK", true },
		{ LITE, "ROLLBACK TRANSACTION", true },
		{ LITE, "ROLLBACK TO s", false },
		{ LITE, "ROLLBACK TRANSACTION TO SAVEPOINT s", false },
		{ LITE, "SAVEPOINT s", false },
		{ LITE, "RELEASE s", false },
		{ LITE, "START TRANSACTION", false },	/* not SQLite */
		{ LITE, "ABORT", false },
		{ LITE, "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", false },
		{ LITE, "SELECT 1", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(controls) / sizeof(controls[0]); i++) {
		char *longer = with_tail(controls[i].stmt);
		bool as_span = rg_sql_is_transaction_control_n(longer, strlen(controls[i].stmt),
								controls[i].dialect);

		free(longer);
		if (rg_sql_is_transaction_control(controls[i].stmt, controls[i].dialect) !=
		    controls[i].is_control)
			fail_msg("[%s]: expected %s", controls[i].stmt,
				 controls[i].is_control ? "true" : "false");
		if (as_span != controls[i].is_control)
			fail_msg("[%s] as a span: expected %s", controls[i].stmt,
				 controls[i].is_control ? "true" : "false");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_statements_and_lines),
		cmocka_unit_test(test_empty_statements_dropped),
		cmocka_unit_test(test_last_statement_without_semicolon),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_nested_block_comments),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_escape_strings),
		cmocka_unit_test(test_quoted_identifiers),
		cmocka_unit_test(test_dollar_quotes),
		cmocka_unit_test(test_sqlite_triggers),
		cmocka_unit_test(test_begin_atomic),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_length_not_nul),
		cmocka_unit_test(test_split_survives_allocation_failures),
		cmocka_unit_test(test_sqlite_agrees_with_sqlite3_complete),
		cmocka_unit_test(test_needs_autocommit),
		cmocka_unit_test(test_transaction_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
