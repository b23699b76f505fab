/*
 * Tests for revgraph/rebuild.c: the CREATE TABLE tokenizer and editor (what
 * each operation changes and everything it must keep), the rule naming
 * unnamed constraints, the fragments that must not break out of their SQL,
 * every refusal (each leaving the database file byte for byte as it was),
 * the failures that roll back, in-place versus rebuild, and Alembic 1.8.1's
 * batch-mode loss cases (reference section 8.4), each a named test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "sqlite_helpers.h"

#include "alloc.h"
#include "rebuild.h"
#include "revgraph/common.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ADD(c, d) { .kind = RG_ALTER_ADD_COLUMN, .column = (c), .def = (d), .nullable = -1 }
#define DROP(c) { .kind = RG_ALTER_DROP_COLUMN, .column = (c), .nullable = -1 }
#define RENAME(c, n) { .kind = RG_ALTER_RENAME_COLUMN, .column = (c), .new_name = (n), .nullable = -1 }
#define TYPE(c, t) { .kind = RG_ALTER_ALTER_COLUMN, .column = (c), .type = (t), .nullable = -1 }
#define NULLABLE(c, v) { .kind = RG_ALTER_ALTER_COLUMN, .column = (c), .nullable = (v) }
#define DEFAULT(c, d) { .kind = RG_ALTER_ALTER_COLUMN, .column = (c), .default_sql = (d), .nullable = -1 }
#define NODEFAULT(c) { .kind = RG_ALTER_ALTER_COLUMN, .column = (c), .drop_default = true, .nullable = -1 }
#define ADDC(d) { .kind = RG_ALTER_ADD_CONSTRAINT, .def = (d), .nullable = -1 }
#define DROPC(n) { .kind = RG_ALTER_DROP_CONSTRAINT, .name = (n), .nullable = -1 }

/* ------------------------------------------------------------ the editor */

static void expect_edit(const char *sql, const struct rg_alter *ops, size_t n, const char *want, bool rebuild)
{
	char *out = NULL;
	bool nr = !rebuild;

	if (rg_sqlite_edit_create(&out, &nr, sql, NULL, ops, n))
		fail_msg("unexpected error: %s", rg_error_last());
	assert_string_equal(out, want);
	assert_int_equal(nr, rebuild);
	free(out);
}

static void expect_edit_error(const char *sql, const struct rg_alter *ops, size_t n, int code, const char *msg)
{
	char *out = NULL;

	rg_error_clear();
	assert_int_equal(rg_sqlite_edit_create(&out, NULL, sql, NULL, ops, n), code);
	assert_null(out);
	if (!strstr(rg_error_last(), msg))
		fail_msg("message '%s' lacks '%s'", rg_error_last(), msg);
}

static void test_drop_column_keeps_the_rest(void **state)
{
	const struct rg_alter ops[] = { DROP("legacy") };

	(void)state;
	expect_edit("CREATE TABLE t (\n\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n\tlegacy INT,\n"
		    "\tname TEXT COLLATE NOCASE UNIQUE CHECK (name <> ''),\n\tCONSTRAINT ck CHECK (id > 0)\n) WITHOUT ROWID",
		    ops, 1,
		    "CREATE TABLE t (\n\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n"
		    "\tname TEXT COLLATE NOCASE UNIQUE CHECK (name <> ''),\n\tCONSTRAINT ck CHECK (id > 0)\n) WITHOUT ROWID",
		    false);
	/* the first column, and the last */
	{
		const struct rg_alter a[] = { DROP("a") }, c[] = { DROP("c") };

		expect_edit("CREATE TABLE t(a, b, c)", a, 1, "CREATE TABLE t( b, c)", false);
		expect_edit("CREATE TABLE t(a, b, c)", c, 1, "CREATE TABLE t(a, b)", false);
	}
	/* a column with UNIQUE, PRIMARY KEY or REFERENCES needs the rebuild */
	{
		const struct rg_alter b[] = { DROP("b") };

		expect_edit("CREATE TABLE t(a, b UNIQUE)", b, 1, "CREATE TABLE t(a)", true);
		expect_edit("CREATE TABLE t(a, b REFERENCES p(id) ON DELETE SET NULL)", b, 1, "CREATE TABLE t(a)", true);
	}
}

static void test_alter_column_edits_only_its_parts(void **state)
{
	const char *sql = "CREATE TABLE \"acc\" (id INTEGER PRIMARY KEY, "
			  "name VARCHAR(50) CONSTRAINT nn NOT NULL COLLATE NOCASE DEFAULT 'x' CHECK (name <> ''), "
			  "n NUMERIC(10, 2) NULL)";
	const struct rg_alter type[] = { TYPE("name", "TEXT") };
	const struct rg_alter nul[] = { NULLABLE("name", 1) };
	const struct rg_alter notnul[] = { NULLABLE("n", 0) };
	const struct rg_alter def[] = { DEFAULT("name", "lower('A')") };
	const struct rg_alter nodef[] = { NODEFAULT("name") };
	const struct rg_alter lit[] = { DEFAULT("n", "-1.5") };
	const struct rg_alter many[] = { TYPE("n", "REAL"), NULLABLE("n", 0), DEFAULT("n", "0"),
					 { .kind = RG_ALTER_ALTER_COLUMN, .column = "n", .new_name = "amount",
					   .nullable = -1 } };

	(void)state;
	expect_edit(sql, type, 1,
		    "CREATE TABLE \"acc\" (id INTEGER PRIMARY KEY, "
		    "name TEXT CONSTRAINT nn NOT NULL COLLATE NOCASE DEFAULT 'x' CHECK (name <> ''), "
		    "n NUMERIC(10, 2) NULL)", true);
	expect_edit(sql, nul, 1,
		    "CREATE TABLE \"acc\" (id INTEGER PRIMARY KEY, "
		    "name VARCHAR(50) COLLATE NOCASE DEFAULT 'x' CHECK (name <> ''), n NUMERIC(10, 2) NULL)", true);
	expect_edit(sql, notnul, 1,
		    "CREATE TABLE \"acc\" (id INTEGER PRIMARY KEY, "
		    "name VARCHAR(50) CONSTRAINT nn NOT NULL COLLATE NOCASE DEFAULT 'x' CHECK (name <> ''), "
		    "n NUMERIC(10, 2) NOT NULL)", true);
	expect_edit(sql, def, 1,
		    "CREATE TABLE \"acc\" (id INTEGER PRIMARY KEY, "
		    "name VARCHAR(50) CONSTRAINT nn NOT NULL COLLATE NOCASE CHECK (name <> '') DEFAULT (lower('A')), "
		    "n NUMERIC(10, 2) NULL)", true);
	expect_edit(sql, nodef, 1,
		    "CREATE TABLE \"acc\" (id INTEGER PRIMARY KEY, "
		    "name VARCHAR(50) CONSTRAINT nn NOT NULL COLLATE NOCASE CHECK (name <> ''), "
		    "n NUMERIC(10, 2) NULL)", true);
	expect_edit(sql, lit, 1,
		    "CREATE TABLE \"acc\" (id INTEGER PRIMARY KEY, "
		    "name VARCHAR(50) CONSTRAINT nn NOT NULL COLLATE NOCASE DEFAULT 'x' CHECK (name <> ''), "
		    "n NUMERIC(10, 2) NULL DEFAULT -1.5)", true);
	expect_edit(sql, many, N(many),
		    "CREATE TABLE \"acc\" (id INTEGER PRIMARY KEY, "
		    "name VARCHAR(50) CONSTRAINT nn NOT NULL COLLATE NOCASE DEFAULT 'x' CHECK (name <> ''), "
		    "\"amount\" REAL NOT NULL DEFAULT 0)", true);
}

static void test_segments_that_look_like_constraints(void **state)
{
	/* NULL after SET, NOT before DEFERRABLE, AS after ALWAYS are not new constraints */
	const char *sql = "CREATE TABLE t (a INT REFERENCES p(id) ON DELETE SET NULL ON UPDATE SET DEFAULT "
			  "NOT DEFERRABLE INITIALLY IMMEDIATE NOT NULL, "
			  "g INT GENERATED ALWAYS AS (a * 2) STORED, d DEFAULT -1 NULL)";
	const struct rg_alter ops[] = { NULLABLE("a", 1), NODEFAULT("d") };

	(void)state;
	expect_edit(sql, ops, N(ops),
		    "CREATE TABLE t (a INT REFERENCES p(id) ON DELETE SET NULL ON UPDATE SET DEFAULT "
		    "NOT DEFERRABLE INITIALLY IMMEDIATE, g INT GENERATED ALWAYS AS (a * 2) STORED, d NULL)", true);
}

static void test_add_column_and_constraint(void **state)
{
	const char *sql = "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    a TEXT,\n    UNIQUE (a)\n)";
	const struct rg_alter simple[] = { ADD("b", "TEXT DEFAULT 'x' -- a comment, with a comma") };
	const struct rg_alter unique[] = { ADD("b", "TEXT UNIQUE") };
	const struct rg_alter notnull[] = { ADD("b", "TEXT NOT NULL") };
	const struct rg_alter expr[] = { ADD("b", "TEXT DEFAULT (upper('x'))") };
	const struct rg_alter ck[] = { ADDC("CONSTRAINT ck_a CHECK (a <> '')") };
	const struct rg_alter later[] = { ADD("b", "INT"), RENAME("b", "c"), TYPE("c", "TEXT") };

	(void)state;
	expect_edit(sql, simple, 1,
		    "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    a TEXT,\n    \"b\" TEXT DEFAULT 'x',\n"
		    "    UNIQUE (a)\n)", false);
	expect_edit(sql, unique, 1,
		    "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    a TEXT,\n    \"b\" TEXT UNIQUE,\n    UNIQUE (a)\n)", true);
	expect_edit(sql, notnull, 1,
		    "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    a TEXT,\n    \"b\" TEXT NOT NULL,\n    UNIQUE (a)\n)", true);
	expect_edit(sql, expr, 1,
		    "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    a TEXT,\n    \"b\" TEXT DEFAULT (upper('x')),\n"
		    "    UNIQUE (a)\n)", true);
	expect_edit(sql, ck, 1,
		    "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    a TEXT,\n    UNIQUE (a),\n"
		    "    CONSTRAINT ck_a CHECK (a <> '')\n)", true);
	/* an added column changed later in the same list: still one ADD COLUMN */
	expect_edit(sql, later, N(later),
		    "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    a TEXT,\n    \"c\" TEXT,\n    UNIQUE (a)\n)", false);
}

static void test_constraint_names_rule(void **state)
{
	struct rg_str out = RG_STR_INIT;

	(void)state;
	assert_int_equal(rg_sqlite_constraint_names(&out,
		"CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0) CHECK (a < 9) UNIQUE, "
		"b INT REFERENCES p(id), c INT CONSTRAINT ck_named CHECK (c > 0), "
		"CHECK (a < b), UNIQUE (a, \"b\"), FOREIGN KEY (b, c) REFERENCES \"q\"(x, y), CHECK (b > 0), "
		"CONSTRAINT uq_t_a UNIQUE (c))"), 0);
	assert_string_equal(out.buf,
			    "ck_named\nuq_t_a\npk_t\nck_t_a\nck_t_a_2\nuq_t_a_2\nfk_t_b_p\nck_t_1\nuq_t_a_b\n"
			    "fk_t_b_c_q\nck_t_2\n");
	rg_str_release(&out);
}

static void test_drop_constraint_by_rule_and_name(void **state)
{
	const char *sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0) UNIQUE, "
			  "CONSTRAINT ck_two CHECK (a < 100), CHECK (a <> 5))";
	const struct rg_alter col_ck[] = { DROPC("ck_t_a") };
	const struct rg_alter col_uq[] = { DROPC("UQ_T_A") };
	const struct rg_alter named[] = { DROPC("ck_two") };
	const struct rg_alter table_ck[] = { DROPC("ck_t_1") };
	const struct rg_alter missing[] = { DROPC("nope") };

	(void)state;
	expect_edit(sql, col_ck, 1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT UNIQUE, "
		    "CONSTRAINT ck_two CHECK (a < 100), CHECK (a <> 5))", true);
	expect_edit(sql, col_uq, 1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0), "
		    "CONSTRAINT ck_two CHECK (a < 100), CHECK (a <> 5))", true);
	expect_edit(sql, named, 1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0) UNIQUE, "
		    "CHECK (a <> 5))", true);
	expect_edit(sql, table_ck, 1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0) UNIQUE, "
		    "CONSTRAINT ck_two CHECK (a < 100))", true);
	expect_edit_error(sql, missing, 1, RG_ENOTFOUND,
			  "no constraint 'nope' on table 't' (its constraints: ck_two, pk_t, ck_t_a, uq_t_a, ck_t_1)");
}

static void test_identifiers_are_quoted(void **state)
{
	const struct rg_alter ops[] = { RENAME("a", "x\"); DROP TABLE t; --"), ADD("we\"ird", "INT") };
	char *out = NULL;

	(void)state;
	assert_int_equal(rg_sqlite_edit_create(&out, NULL, "CREATE TABLE [my table] (a INT, `b``c` TEXT)",
					       "new \"t\"", ops, N(ops)), 0);
	assert_string_equal(out, "CREATE TABLE main.\"new \"\"t\"\"\" (\"x\"\"); DROP TABLE t; --\" INT, `b``c` TEXT, "
			    "\"we\"\"ird\" INT)");
	assert_int_equal(sqlite3_complete(out), 0);	/* no ';' at the end: one statement, unfinished */
	free(out);
}

static void test_fragments_cannot_break_out(void **state)
{
	const char *sql = "CREATE TABLE t (a INT, b TEXT)";
	const struct rg_alter semi[] = { ADD("c", "INT; DROP TABLE t") };
	const struct rg_alter close[] = { ADD("c", "INT); DROP TABLE t; --") };
	const struct rg_alter paren[] = { ADD("c", "INT CHECK (c > 0))") };
	const struct rg_alter open[] = { ADD("c", "INT CHECK ((c > 0)") };
	const struct rg_alter comma[] = { ADD("c", "INT, d INT") };
	const struct rg_alter quote[] = { ADD("c", "TEXT DEFAULT 'x") };
	const struct rg_alter comment[] = { ADD("c", "TEXT /* unterminated") };
	const struct rg_alter type[] = { TYPE("a", "INT DEFAULT 1") };
	const struct rg_alter type2[] = { TYPE("a", "'x'") };
	const struct rg_alter def[] = { DEFAULT("a", "1) , evil INT") };
	const struct rg_alter empty[] = { ADD("c", "  -- nothing") };
	const struct rg_alter cons[] = { ADDC("a INT") };
	const struct rg_alter cons2[] = { ADDC("CHECK (a > 0), CHECK (b > 0)") };

	(void)state;
	expect_edit_error(sql, semi, 1, RG_EINVALID, "contains ';'");
	expect_edit_error(sql, close, 1, RG_EINVALID, "unbalanced ')'");
	expect_edit_error(sql, paren, 1, RG_EINVALID, "unbalanced ')'");
	expect_edit_error(sql, open, 1, RG_EINVALID, "unclosed '('");
	expect_edit_error(sql, comma, 1, RG_EINVALID, "',' outside parentheses");
	expect_edit_error(sql, quote, 1, RG_EINVALID, "unterminated string");
	expect_edit_error(sql, comment, 1, RG_EINVALID, "unterminated comment");
	expect_edit_error(sql, type, 1, RG_EINVALID, "not a column type: 'INT DEFAULT 1'");
	expect_edit_error(sql, type2, 1, RG_EINVALID, "not a column type");
	expect_edit_error(sql, def, 1, RG_EINVALID, "unbalanced ')'");
	expect_edit_error(sql, empty, 1, RG_EINVALID, "is empty");
	expect_edit_error(sql, cons, 1, RG_EINVALID, "not a table constraint: 'a INT'");
	expect_edit_error(sql, cons2, 1, RG_EINVALID, "',' outside parentheses");
}

static void test_operation_errors(void **state)
{
	const char *sql = "CREATE TABLE t (a INT, b TEXT)";
	const struct rg_alter nocol[] = { DROP("z") };
	const struct rg_alter dup[] = { ADD("A", "INT") };
	const struct rg_alter dupname[] = { RENAME("a", "B") };
	const struct rg_alter last[] = { DROP("a"), DROP("b") };
	const struct rg_alter nothing[] = { { .kind = RG_ALTER_ALTER_COLUMN, .column = "a", .nullable = -1 } };
	const struct rg_alter both[] = { { .kind = RG_ALTER_ALTER_COLUMN, .column = "a", .nullable = -1,
					   .default_sql = "1", .drop_default = true } };
	const struct rg_alter gone[] = { RENAME("a", "c"), DROP("a") };
	const struct rg_alter dupc[] = { ADDC("CONSTRAINT pk_t CHECK (a > 0)"), ADDC("CONSTRAINT PK_T UNIQUE (b)") };

	(void)state;
	expect_edit_error(sql, nocol, 1, RG_ENOTFOUND, "no column 'z' in table 't'");
	expect_edit_error(sql, dup, 1, RG_EINVALID, "column 'A' already exists in table 't'");
	expect_edit_error(sql, dupname, 1, RG_EINVALID, "column 'B' already exists");
	expect_edit_error(sql, last, N(last), RG_EINVALID, "cannot drop 'b', the only column of table 't'");
	expect_edit_error(sql, nothing, 1, RG_EINVALID, "alter_column of 'a' changes nothing");
	expect_edit_error(sql, both, 1, RG_EINVALID, "both sets and drops the default");
	expect_edit_error(sql, gone, N(gone), RG_ENOTFOUND, "no column 'a'");
	expect_edit_error(sql, dupc, N(dupc), RG_EINVALID, "already has a constraint 'PK_T'");
	expect_edit_error("CREATE VIRTUAL TABLE v USING fts5(a)", nocol, 1, RG_EUNSUPPORTED, "virtual tables");
	expect_edit_error("CREATE TABLE t (a INT", nocol, 1, RG_EINVALID, "unbalanced parentheses");
	expect_edit_error("CREATE TABLE t AS SELECT 1", nocol, 1, RG_EUNSUPPORTED, "no column list");
}

static void test_editor_allocation_failures(void **state)
{
	const char *sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0) UNIQUE, b TEXT, CHECK (a < b))";
	const struct rg_alter ops[] = { DROP("b"), TYPE("a", "TEXT"), ADD("c", "INT DEFAULT 1"), DROPC("ck_t_a"),
					ADDC("CONSTRAINT x UNIQUE (c)") };
	unsigned long k;
	char *out = NULL;

	(void)state;
	for (k = 1;; k++) {
		int err;

		rg_alloc_fail_after(k, 0);
		err = rg_sqlite_edit_create(&out, NULL, sql, "n", ops, N(ops));
		rg_alloc_fail_after(0, 0);
		if (!err)
			break;
		assert_int_equal(err, RG_ENOMEM);
		assert_null(out);
	}
	assert_true(k > 10);
	free(out);
}

/* ------------------------------------------------------------ the engine */

static char dir[] = "/tmp/rg-rebuild-unit-XXXXXX";
static char path[256];

static int setup_dir(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	return 0;
}

static int remove_dir(void **state)
{
	char p[300];

	(void)state;
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
	unlink(path);
	rmdir(dir);
	return 0;
}

static sqlite3 *fresh(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	char p[300];

	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
	unlink(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("setup: %s", msg);
	return db;
}

static char *file_bytes(size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * Run `ops` on `table` of a database made by `setup`, with foreign keys on
 * or off, and expect `code` with `msg` in the message, the database file
 * byte for byte as it was and PRAGMA foreign_keys as it was.
 */
static void expect_refused(const char *setup, bool fk, const char *table, const struct rg_alter *ops, size_t n,
			   enum rg_recreate recreate, int code, const char *msg)
{
	sqlite3 *db = fresh(setup);
	struct rg_str log = RG_STR_INIT;
	char *before, *after;
	size_t len_before, len_after;

	sqlite3_close(db);
	before = file_bytes(&len_before);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (fk)
		exec(db, "PRAGMA foreign_keys = ON");
	rg_error_clear();
	assert_int_equal(rg_sqlite_alter_table(db, table, ops, n, recreate, &log), code);
	if (!strstr(rg_error_last(), msg))
		fail_msg("message '%s' lacks '%s'", rg_error_last(), msg);
	assert_int_equal(one(db, "PRAGMA foreign_keys"), fk);
	assert_true(sqlite3_get_autocommit(db));
	sqlite3_close(db);
	after = file_bytes(&len_after);
	assert_int_equal(len_before, len_after);
	assert_memory_equal(before, after, len_before);
	free(before);
	free(after);
	rg_str_release(&log);
}

static const char schema[] =
	"CREATE TABLE account (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
	"email TEXT UNIQUE, legacy INT, tag TEXT, score INT CHECK (score >= 0), "
	"CONSTRAINT ck_tag CHECK (tag <> 'bad'));"
	"CREATE TABLE address (id INTEGER PRIMARY KEY, account_id INT REFERENCES account(id) ON DELETE CASCADE,"
	" email_copy TEXT REFERENCES account(email));"
	"CREATE INDEX ix_legacy ON account(legacy);"
	"CREATE INDEX ix_expr ON account(lower(tag)) WHERE score > 0;"
	"CREATE VIEW v_names AS SELECT id, name FROM account;"
	"CREATE TRIGGER tr_score AFTER UPDATE ON account BEGIN UPDATE address SET id = id WHERE account_id = new.score; END;"
	"CREATE TABLE other (x INT PRIMARY KEY);"
	"INSERT INTO account (name, email, legacy, tag, score) VALUES ('a', 'a@x', 1, 't', 1), ('b', NULL, NULL, 'u', 2);"
	"INSERT INTO address (account_id) VALUES (1), (2);";

static void test_refusals_leave_the_file_unchanged(void **state)
{
	const struct rg_alter by_index[] = { DROP("legacy") };
	const struct rg_alter by_expr_index[] = { DROP("tag"), DROPC("ck_tag") };
	const struct rg_alter by_partial[] = { DROP("score") };
	const struct rg_alter by_view[] = { DROP("name") };
	const struct rg_alter by_fk[] = { DROP("email") };
	const struct rg_alter by_pk_fk[] = { DROP("id") };
	const struct rg_alter by_check[] = { DROP("tag") };
	const struct rg_alter never[] = { TYPE("name", "VARCHAR(10)") };
	const struct rg_alter bad[] = { ADD("x", "INT); DROP TABLE account; --") };
	const struct rg_alter nocol[] = { RENAME("nope", "x") };
	const struct rg_alter by_trigger[] = { DROP("score") };

	(void)state;
	expect_refused(schema, true, "account", by_index, 1, RG_RECREATE_AUTO, RG_EINVALID,
		       "cannot drop column 'legacy' of table 'account': index 'ix_legacy' uses it");
	expect_refused(schema, false, "account", by_expr_index, N(by_expr_index), RG_RECREATE_AUTO, RG_EINVALID,
		       "index 'ix_expr' uses it");
	expect_refused(schema, false, "account", by_partial, 1, RG_RECREATE_ALWAYS, RG_EINVALID,
		       "index 'ix_expr' uses it");
	expect_refused(schema, true, "account", by_view, 1, RG_RECREATE_AUTO, RG_EINVALID,
		       "view 'v_names' uses it");
	expect_refused(schema, true, "account", by_fk, 1, RG_RECREATE_AUTO, RG_EINVALID,
		       "cannot drop column 'email' of table 'account': a foreign key of table 'address' references it");
	expect_refused("CREATE TABLE p (id INTEGER PRIMARY KEY, a INT);"
		       "CREATE TABLE c (x INT REFERENCES p ON DELETE CASCADE);", true, "p", by_pk_fk, 1,
		       RG_RECREATE_AUTO, RG_EINVALID, "a foreign key of table 'c' references it");
	expect_refused(schema, false, "account", by_check, 1, RG_RECREATE_AUTO, RG_EINVALID,
		       "constraint 'ck_tag' uses it");
	expect_refused(schema, true, "account", never, 1, RG_RECREATE_NEVER, RG_EUNSUPPORTED,
		       "alter_column on table 'account' needs a table rebuild, and recreate is 'never'");
	expect_refused(schema, true, "account", bad, 1, RG_RECREATE_AUTO, RG_EINVALID, "unbalanced ')'");
	expect_refused(schema, true, "account", nocol, 1, RG_RECREATE_AUTO, RG_ENOTFOUND,
		       "no column 'nope' in table 'account'");
	expect_refused(schema, true, "missing", nocol, 1, RG_RECREATE_AUTO, RG_ENOTFOUND, "no such table 'missing'");
	expect_refused(schema, true, "sqlite_sequence", nocol, 1, RG_RECREATE_AUTO, RG_EUNSUPPORTED,
		       "belongs to SQLite");
	expect_refused(schema, true, "account", by_index, 1, 7, RG_EINVALID, "recreate may be one of");
	/* a trigger on another table naming the column */
	expect_refused("CREATE TABLE p (id INTEGER PRIMARY KEY, score INT, keep INT); CREATE TABLE q (x INT);"
		       "CREATE TRIGGER tq AFTER INSERT ON q BEGIN UPDATE p SET keep = score; END;",
		       false, "p", by_trigger, 1, RG_RECREATE_ALWAYS, RG_EINVALID, "trigger 'tq' uses it");
	/* a generated column using it */
	expect_refused("CREATE TABLE g (a INT, score INT, d INT GENERATED ALWAYS AS (score * 2));", false, "g",
		       by_trigger, 1, RG_RECREATE_AUTO, RG_EINVALID, "generated column 'd' uses it");
}

static void test_refused_inside_a_transaction(void **state)
{
	sqlite3 *db = fresh(schema);
	const struct rg_alter ops[] = { ADD("x", "INT") };

	(void)state;
	exec(db, "BEGIN");
	assert_int_equal(rg_sqlite_alter_table(db, "account", ops, 1, RG_RECREATE_AUTO, NULL), RG_EINVALID);
	assert_string_equal(rg_error_last(), "cannot alter table 'account' inside an open transaction: "
			    "foreign key enforcement can only be switched off outside one");
	assert_false(sqlite3_get_autocommit(db));
	exec(db, "ROLLBACK");
	sqlite3_close(db);
}

/*
 * In the caller's transaction: a SAVEPOINT inside it, released on success
 * and rolled back to on failure, leaving the caller's own changes and its
 * transaction; refused with no transaction, or with foreign keys on.
 */
static void test_in_callers_transaction(void **state)
{
	sqlite3 *db = fresh(schema);
	const struct rg_alter drop[] = { TYPE("name", "VARCHAR(80)"), DROP("tag"), DROPC("ck_tag") };
	const struct rg_alter bad[] = { ADDC("CONSTRAINT ck_big CHECK (score > 1)") };
	struct rg_alter_opts o;
	struct rg_str log = RG_STR_INIT;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.in_transaction = true;
	o.log = &log;
	exec(db, "DROP INDEX ix_expr");
	assert_int_equal(rg_sqlite_alter_table_ext(db, "account", drop, N(drop), &o), RG_EINVALID);
	assert_string_equal(rg_error_last(), "cannot alter table 'account' in the caller's transaction: none is open");
	exec(db, "PRAGMA foreign_keys = ON");
	exec(db, "BEGIN");
	assert_int_equal(rg_sqlite_alter_table_ext(db, "account", drop, N(drop), &o), RG_EINVALID);
	assert_string_equal(rg_error_last(), "cannot rebuild table 'account' in the caller's transaction with foreign key "
			    "enforcement on: it must be switched off before that transaction began");
	assert_false(sqlite3_get_autocommit(db));
	exec(db, "ROLLBACK");
	exec(db, "PRAGMA foreign_keys = OFF");
	/* a failure rolls back to the savepoint: the caller's insert before it stays */
	exec(db, "BEGIN");
	exec(db, "INSERT INTO other VALUES (7)");
	assert_int_equal(rg_sqlite_alter_table_ext(db, "account", bad, 1, &o), RG_EDATABASE);
	assert_false(sqlite3_get_autocommit(db));
	assert_int_equal(one(db, "SELECT count(*) FROM other"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_rg_new_%'"), 0);
	/* a success is the caller's to commit, or to roll back */
	rg_str_reset(&log);
	assert_int_equal(rg_sqlite_alter_table_ext(db, "account", drop, N(drop), &o), 0);
	assert_non_null(strstr(log.buf, "SAVEPOINT rg_alter_table;\n\n"));
	assert_non_null(strstr(log.buf, "RELEASE rg_alter_table;\n\n"));
	assert_null(strstr(log.buf, "BEGIN IMMEDIATE"));
	assert_null(strstr(log.buf, "COMMIT;"));
	assert_false(sqlite3_get_autocommit(db));
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_table_info('account') WHERE name = 'tag'"), 0);
	exec(db, "ROLLBACK");
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_table_info('account') WHERE name = 'tag'"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM other"), 0);
	exec(db, "BEGIN");
	assert_int_equal(rg_sqlite_alter_table_ext(db, "account", drop, N(drop), &o), 0);
	exec(db, "COMMIT");
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_table_info('account') WHERE name = 'tag'"), 0);
	assert_int_equal(one(db, "SELECT count(*) FROM account"), 2);
	assert_int_equal(one(db, "SELECT count(*) FROM address"), 2);
	rg_str_release(&log);
	sqlite3_close(db);
}

/* A failure after the first statement rolls back: the file is as it was. */
static void test_failures_roll_back(void **state)
{
	const struct rg_alter notnull[] = { NULLABLE("email", 0) };
	const struct rg_alter check[] = { ADDC("CONSTRAINT ck_big CHECK (score > 1)") };
	const struct rg_alter unique[] = { ADD("k", "INT DEFAULT 1 UNIQUE") };
	const struct rg_alter fk[] = { ADDC("FOREIGN KEY (legacy) REFERENCES other(x)") };

	(void)state;
	expect_refused(schema, true, "account", notnull, 1, RG_RECREATE_AUTO, RG_EDATABASE,
		       "NOT NULL constraint failed");
	expect_refused(schema, false, "account", check, 1, RG_RECREATE_AUTO, RG_EDATABASE, "CHECK constraint failed");
	expect_refused(schema, true, "account", unique, 1, RG_RECREATE_AUTO, RG_EDATABASE, "UNIQUE constraint failed");
	expect_refused(schema, true, "account", fk, 1, RG_RECREATE_AUTO, RG_EINVALID,
		       "changing table 'account' would break 1 foreign key reference, so nothing was changed: "
		       "'account' rowid 1 references 'other'");
}

static void test_in_place_when_sqlite_can(void **state)
{
	sqlite3 *db = fresh(schema);
	const struct rg_alter ops[] = { ADD("nick", "TEXT DEFAULT 'n'"), RENAME("legacy", "old"), DROP("email") };
	struct rg_str log = RG_STR_INIT;
	struct rg_alter_opts o = { RG_RECREATE_AUTO, &log, NULL, NULL, NULL, NULL, false };
	bool rebuilt = true;

	(void)state;
	/* email is referenced by address.email_copy: only the first two */
	o.rebuilt = &rebuilt;
	exec(db, "PRAGMA foreign_keys = ON");
	assert_int_equal(rg_sqlite_alter_table_ext(db, "Account", ops, 2, &o), 0);
	assert_false(rebuilt);
	assert_string_equal(log.buf, "BEGIN IMMEDIATE;\n\n"
			    "ALTER TABLE main.\"account\" RENAME COLUMN \"legacy\" TO \"old\";\n\n"
			    "ALTER TABLE main.\"account\" ADD COLUMN \"nick\" TEXT DEFAULT 'n';\n\n"
			    "COMMIT;\n\n");
	assert_int_equal(one(db, "SELECT count(*) FROM account WHERE nick = 'n'"), 2);
	/* the index followed the rename, as SQLite does it */
	{
		char *ix = text1(db, "SELECT sql FROM sqlite_master WHERE name = 'ix_legacy'");

		assert_string_equal(ix, "CREATE INDEX ix_legacy ON account(\"old\")");
		free(ix);
	}
	assert_int_equal(one(db, "PRAGMA foreign_keys"), 1);
	sqlite3_close(db);
	rg_str_release(&log);
}

static void test_rebuild_keeps_everything(void **state)
{
	sqlite3 *db = fresh(schema);
	const struct rg_alter ops[] = { TYPE("name", "VARCHAR(20)"), RENAME("legacy", "old_flag"),
					ADD("created", "TEXT DEFAULT CURRENT_TIMESTAMP"), DROPC("ck_account_score") };
	char *sql;

	(void)state;
	exec(db, "PRAGMA foreign_keys = ON; DELETE FROM account WHERE id = 2; INSERT INTO account (name) VALUES ('c');");
	assert_int_equal(one(db, "SELECT seq FROM sqlite_sequence WHERE name = 'account'"), 3);
	exec(db, "DELETE FROM account WHERE id = 3");
	assert_int_equal(rg_sqlite_alter_table(db, "account", ops, N(ops), RG_RECREATE_AUTO, NULL), 0);
	sql = text1(db, "SELECT sql FROM sqlite_master WHERE name = 'account'");
	assert_string_equal(sql, "CREATE TABLE \"account\" (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(20) NOT NULL, "
			    "email TEXT UNIQUE, \"old_flag\" INT, tag TEXT, score INT, "
			    "\"created\" TEXT DEFAULT CURRENT_TIMESTAMP, CONSTRAINT ck_tag CHECK (tag <> 'bad'))");
	free(sql);
	/* the counter did not go back to the highest id left (1) */
	assert_int_equal(one(db, "SELECT seq FROM sqlite_sequence WHERE name = 'account'"), 3);
	/* the DELETE above cascaded to one address; the rebuild deleted none */
	assert_int_equal(one(db, "SELECT count(*) FROM address"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('ix_legacy', 'ix_expr', "
			     "'v_names', 'tr_score')"), 4);
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_index_list('account') WHERE name = 'ix_legacy'"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM v_names"), 1);
	assert_int_equal(one(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	{
		char *ok = text1(db, "PRAGMA integrity_check");

		assert_string_equal(ok, "ok");
		free(ok);
	}
	sqlite3_close(db);
}

/* A type change never truncates: column affinity converts only what it can without loss. */
static void test_type_change_loses_no_value(void **state)
{
	sqlite3 *db = fresh("CREATE TABLE t (v TEXT);"
			    "INSERT INTO t VALUES ('12'), ('gone'), ('12abc'), ('1e3'), ('1.5'), (NULL), (x'00ff');"
			    "DELETE FROM t WHERE v = 'gone';");
	const struct rg_alter ops[] = { TYPE("v", "INTEGER") };
	char *s;

	(void)state;
	assert_int_equal(rg_sqlite_alter_table(db, "t", ops, 1, RG_RECREATE_AUTO, NULL), 0);
	s = text1(db, "SELECT group_concat(quote(v) || ':' || typeof(v), ' ') FROM (SELECT v FROM t ORDER BY rowid)");
	assert_string_equal(s, "12:integer '12abc':text 1000:integer 1.5:real NULL:null X'00FF':blob");
	free(s);
	/* and a table without INTEGER PRIMARY KEY keeps its rowids */
	s = text1(db, "SELECT group_concat(rowid, ',') FROM (SELECT rowid FROM t ORDER BY rowid)");
	assert_string_equal(s, "1,3,4,5,6,7");
	free(s);
	sqlite3_close(db);
}

static void test_temporary_name_is_checked_free(void **state)
{
	sqlite3 *db = fresh("CREATE TABLE t (a INT, b INT); CREATE TABLE \"_rg_new_t\" (z INT);"
			    "INSERT INTO t VALUES (1, 2); INSERT INTO _rg_new_t VALUES (9);");
	const struct rg_alter ops[] = { TYPE("b", "TEXT") };
	struct rg_str log = RG_STR_INIT;

	(void)state;
	assert_int_equal(rg_sqlite_alter_table(db, "t", ops, 1, RG_RECREATE_AUTO, &log), 0);
	assert_non_null(strstr(log.buf, "CREATE TABLE main.\"_rg_new_t_2\" (a INT, b TEXT)"));
	assert_int_equal(one(db, "SELECT z FROM _rg_new_t"), 9);
	assert_int_equal(one(db, "SELECT b FROM t"), 2);
	sqlite3_close(db);
	rg_str_release(&log);
}


/* A temporary table of the same name shadows main's in unqualified SQL: every statement says main. */
static void test_temp_table_of_the_same_name(void **state)
{
	sqlite3 *db = fresh("CREATE TABLE t (a INT, b INT); INSERT INTO t VALUES (1, 2);");
	const struct rg_alter inplace[] = { RENAME("a", "a2"), DROP("b") };
	const struct rg_alter rebuild[] = { TYPE("a2", "TEXT") };

	(void)state;
	exec(db, "CREATE TEMP TABLE t (a INT, b INT); INSERT INTO temp.t VALUES (7, 8)");
	assert_int_equal(rg_sqlite_alter_table(db, "t", inplace, N(inplace), RG_RECREATE_AUTO, NULL), 0);
	assert_int_equal(rg_sqlite_alter_table(db, "t", rebuild, N(rebuild), RG_RECREATE_AUTO, NULL), 0);
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_table_info('t', 'temp')"), 2);
	assert_int_equal(one(db, "SELECT a + b FROM temp.t"), 15);
	assert_int_equal(one(db, "SELECT count(*) FROM main.t WHERE a2 = '1' AND typeof(a2) = 'text'"), 1);
	sqlite3_close(db);
}

static long long seen_copied, seen_total;
static int n_calls;

static void on_progress(void *ctx, long long copied, long long total)
{
	(void)ctx;
	seen_copied = copied;
	seen_total = total;
	n_calls++;
}

static void test_progress_reports_rows(void **state)
{
	sqlite3 *db = fresh("CREATE TABLE t (a INT, b INT);"
			    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10000) "
			    "INSERT INTO t SELECT i, i FROM c;");
	const struct rg_alter ops[] = { TYPE("b", "TEXT") };
	struct rg_alter_opts o = { RG_RECREATE_AUTO, NULL, NULL, on_progress, NULL, NULL, false };

	(void)state;
	assert_int_equal(rg_sqlite_alter_table_ext(db, "t", ops, 1, &o), 0);
	assert_int_equal(seen_copied, 10000);
	assert_int_equal(seen_total, 10000);
	assert_int_equal(n_calls, 3);	/* at 4096, 8192, and the end */
	sqlite3_close(db);
}


/* Every allocation of the engine failing in turn: RG_ENOMEM, and the database as it was. */
static void test_engine_allocation_failures(void **state)
{
	const struct rg_alter ops[] = { DROP("gone"), DROPC("ck_extra_keep"), TYPE("keep", "VARCHAR(9)"),
					RENAME("keep", "kept"), ADD("z", "INT DEFAULT 1") };
	struct rg_str setup = RG_STR_INIT;
	sqlite3 *db;
	char *before;
	unsigned long k;

	(void)state;
	rg_str_addf(&setup, "%sCREATE TABLE extra (id INTEGER PRIMARY KEY, gone TEXT, keep TEXT CHECK (keep <> ''), "
		    "FOREIGN KEY (keep) REFERENCES account(email));"
		    "CREATE VIEW v_extra AS SELECT keep FROM extra; CREATE INDEX ix_extra ON extra(keep);"
		    "CREATE TRIGGER tr_extra AFTER INSERT ON extra BEGIN SELECT new.keep; END;"
		    "INSERT INTO extra (gone, keep) VALUES ('g', 'a@x'), ('h', NULL);", schema);
	db = fresh(setup.buf);
	rg_str_release(&setup);
	before = text1(db, "SELECT group_concat(sql, ';') FROM sqlite_master");
	exec(db, "PRAGMA foreign_keys = ON");
	for (k = 1;; k++) {
		char *now;
		int err;

		rg_alloc_fail_after(k, 0);
		err = rg_sqlite_alter_table(db, "extra", ops, N(ops), RG_RECREATE_AUTO, NULL);
		rg_alloc_fail_after(0, 0);
		if (!err)
			break;
		if (err != RG_ENOMEM)
			fail_msg("allocation %lu: %d '%s'", k, err, rg_error_last());
		assert_true(sqlite3_get_autocommit(db));
		assert_int_equal(one(db, "PRAGMA foreign_keys"), 1);
		now = text1(db, "SELECT group_concat(sql, ';') FROM sqlite_master");
		assert_string_equal(now, before);
		free(now);
	}
	assert_true(k > 20);
	assert_int_equal(one(db, "SELECT count(*) FROM extra WHERE z = 1"), 2);
	assert_int_equal(one(db, "SELECT count(*) FROM v_extra WHERE kept = 'a@x'"), 1);
	free(before);
	sqlite3_close(db);
}

/* ------------------------------------------------------------ Alembic 1.8.1's losses (reference 8.4) */

static void test_alembic_loss_cascade_delete_with_foreign_keys_on(void **state)
{
	sqlite3 *db = fresh(schema);
	const struct rg_alter ops[] = { TYPE("name", "VARCHAR(50)") };

	(void)state;
	exec(db, "PRAGMA foreign_keys = ON");
	assert_int_equal(rg_sqlite_alter_table(db, "account", ops, 1, RG_RECREATE_ALWAYS, NULL), 0);
	assert_int_equal(one(db, "SELECT count(*) FROM address"), 2);
	assert_int_equal(one(db, "PRAGMA foreign_keys"), 1);
	sqlite3_close(db);
}

static void test_alembic_loss_triggers_dropped(void **state)
{
	sqlite3 *db = fresh("CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT); CREATE TABLE audit (x INT);"
			    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.a); END;");
	const struct rg_alter ops[] = { DROP("b") };

	(void)state;
	assert_int_equal(rg_sqlite_alter_table(db, "t", ops, 1, RG_RECREATE_ALWAYS, NULL), 0);
	exec(db, "INSERT INTO t (a) VALUES (42)");
	assert_int_equal(one(db, "SELECT x FROM audit"), 42);
	sqlite3_close(db);
}

static void test_alembic_loss_view_breaks_the_rename(void **state)
{
	sqlite3 *db = fresh("CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT, legacy INT);"
			    "CREATE VIEW v_acc AS SELECT id, name FROM account;"
			    "CREATE VIEW v_v AS SELECT * FROM v_acc;"
			    "CREATE TABLE o (x INT); CREATE TRIGGER t_o AFTER INSERT ON o BEGIN "
			    "INSERT INTO account (name) VALUES ('from o'); END;"
			    "INSERT INTO account (name) VALUES ('a');");
	const struct rg_alter ops[] = { DROP("legacy") };

	(void)state;
	assert_int_equal(rg_sqlite_alter_table(db, "account", ops, 1, RG_RECREATE_ALWAYS, NULL), 0);
	exec(db, "INSERT INTO o VALUES (1)");
	assert_int_equal(one(db, "SELECT count(*) FROM v_v"), 2);
	assert_int_equal(one(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_rg_new%'"), 0);
	sqlite3_close(db);
}

static void test_alembic_loss_constraints_and_options(void **state)
{
	static const char create[] =
		"CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a VARCHAR(10) UNIQUE, "
		"b TEXT COLLATE NOCASE CHECK (b <> ''), c INT, "
		"d INT GENERATED ALWAYS AS (c * 2) VIRTUAL, CONSTRAINT ck_c CHECK (c > 0))";
	struct rg_str sql = RG_STR_INIT;
	sqlite3 *db;
	const struct rg_alter ops[] = { ADD("e", "INT") };
	char *got;

	(void)state;
	rg_str_addf(&sql, "%s; INSERT INTO t (a, b, c) VALUES ('x', 'y', 1);"
		    "CREATE TABLE w (k TEXT PRIMARY KEY, v INT) WITHOUT ROWID; INSERT INTO w VALUES ('k', 1);", create);
	db = fresh(sql.buf);
	assert_int_equal(rg_sqlite_alter_table(db, "t", ops, 1, RG_RECREATE_ALWAYS, NULL), 0);
	got = text1(db, "SELECT sql FROM sqlite_master WHERE name = 't'");
	assert_string_equal(got, "CREATE TABLE \"t\" (id INTEGER PRIMARY KEY AUTOINCREMENT, a VARCHAR(10) UNIQUE, "
			    "b TEXT COLLATE NOCASE CHECK (b <> ''), c INT, "
			    "d INT GENERATED ALWAYS AS (c * 2) VIRTUAL, \"e\" INT, CONSTRAINT ck_c CHECK (c > 0))");
	free(got);
	assert_int_equal(one(db, "SELECT d FROM t"), 2);
	assert_int_equal(one(db, "SELECT count(*) FROM t WHERE b = 'Y'"), 1);
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO t (a, b, c) VALUES ('x', 'z', 1)", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO t (a, b, c) VALUES ('q', '', 1)", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO t (a, b, c) VALUES ('r', 'z', 0)", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_equal(rg_sqlite_alter_table(db, "w", ops, 1, RG_RECREATE_ALWAYS, NULL), 0);
	got = text1(db, "SELECT sql FROM sqlite_master WHERE name = 'w'");
	assert_string_equal(got, "CREATE TABLE \"w\" (k TEXT PRIMARY KEY, v INT, \"e\" INT) WITHOUT ROWID");
	free(got);
	sqlite3_close(db);
	rg_str_release(&sql);
}

static void test_alembic_loss_no_foreign_key_check(void **state)
{
	/* Alembic never checks; revgraph names the rows and changes nothing */
	const struct rg_alter ops[] = { DROPC("uq_p_code") };

	(void)state;
	expect_refused("CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);"
		       "CREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p(code));"
		       "INSERT INTO p VALUES (1, 'a'); INSERT INTO c VALUES (7, 'a');",
		       true, "p", ops, 1, RG_RECREATE_AUTO, RG_EDATABASE, "foreign key mismatch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_column_keeps_the_rest),
		cmocka_unit_test(test_alter_column_edits_only_its_parts),
		cmocka_unit_test(test_segments_that_look_like_constraints),
		cmocka_unit_test(test_add_column_and_constraint),
		cmocka_unit_test(test_constraint_names_rule),
		cmocka_unit_test(test_drop_constraint_by_rule_and_name),
		cmocka_unit_test(test_identifiers_are_quoted),
		cmocka_unit_test(test_fragments_cannot_break_out),
		cmocka_unit_test(test_operation_errors),
		cmocka_unit_test(test_editor_allocation_failures),
		cmocka_unit_test(test_refusals_leave_the_file_unchanged),
		cmocka_unit_test(test_refused_inside_a_transaction),
		cmocka_unit_test(test_failures_roll_back),
		cmocka_unit_test(test_in_callers_transaction),
		cmocka_unit_test(test_in_place_when_sqlite_can),
		cmocka_unit_test(test_rebuild_keeps_everything),
		cmocka_unit_test(test_type_change_loses_no_value),
		cmocka_unit_test(test_temporary_name_is_checked_free),
		cmocka_unit_test(test_temp_table_of_the_same_name),
		cmocka_unit_test(test_progress_reports_rows),
		cmocka_unit_test(test_engine_allocation_failures),
		cmocka_unit_test(test_alembic_loss_cascade_delete_with_foreign_keys_on),
		cmocka_unit_test(test_alembic_loss_triggers_dropped),
		cmocka_unit_test(test_alembic_loss_view_breaks_the_rename),
		cmocka_unit_test(test_alembic_loss_constraints_and_options),
		cmocka_unit_test(test_alembic_loss_no_foreign_key_check),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
