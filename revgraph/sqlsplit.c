/*
 * Migration SQL split into statements (sqlsplit.h).  One small lexer knows
 * where strings, quoted identifiers, comments and dollar quotes begin and
 * end; the splitter runs sqlite3_complete()'s trigger state machine or
 * psql's BEGIN ATOMIC counting over its tokens, and the statement checks
 * read a statement's leading keywords with the same lexer.
 */
#include "sqlsplit.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "revgraph/common.h"
#include "banned.h"

enum tok_kind {
	TK_EOF,
	TK_WORD,	/* an unquoted identifier or keyword (SQLite: or number) */
	TK_SEMI,
	TK_OTHER	/* a string, quoted identifier, number or punctuation */
};

struct token {
	enum tok_kind kind;
	size_t start, end;	/* byte offsets into the text */
	int line;		/* line of its first byte */
};

struct lexer {
	const char *s;
	size_t len, pos;
	int line;
	enum rg_dialect dialect;
	const char *err_what;	/* what was left open, when lex() fails */
	int err_line;		/* where it started */
};

static void lexer_init(struct lexer *lx, const char *s, size_t len, enum rg_dialect dialect,
		       int first_line)
{
	lx->s = s;
	lx->len = len;
	lx->pos = 0;
	lx->line = first_line;
	lx->dialect = dialect;
	lx->err_what = NULL;
	lx->err_line = 0;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_alpha(unsigned char c)
{
	/* c | 0x20 folds 'A'-'Z' onto 'a'-'z' and no other byte below 0x80 into it */
	return (unsigned char)((c | 0x20) - 'a') < 26 || c == '_' || c >= 0x80;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Characters that may start an unquoted identifier or keyword. */
static bool word_start(const struct lexer *lx, unsigned char c)
{
	/* SQLite's tokenizer reads a number as one such run too (IdChar) */
	return is_alpha(c) || (lx->dialect == RG_DIALECT_SQLITE && (is_digit(c) || c == '$'));
}

static bool word_cont(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '$';
}

static int fail(struct lexer *lx, const char *what, int line)
{
	lx->err_what = what;
	lx->err_line = line;
	return RG_EINVALID;
}

static bool at(const struct lexer *lx, size_t pos, char c)
{
	return pos < lx->len && lx->s[pos] == c;
}

/* Skip a `quote`-delimited token (doubled quote = one), with backslash escapes if asked. */
static int skip_quoted(struct lexer *lx, char quote, bool backslash, const char *what)
{
	int line = lx->line;

	for (lx->pos++; lx->pos < lx->len; lx->pos++) {
		char c = lx->s[lx->pos];

		if (backslash && c == '\\' && lx->pos + 1 < lx->len) {
			lx->pos++;
			c = lx->s[lx->pos];
		} else if (c == quote) {
			if (!at(lx, lx->pos + 1, quote)) {
				lx->pos++;
				return 0;
			}
			lx->pos++;
		}
		if (c == '\n')
			lx->line++;
	}
	return fail(lx, what, line);
}

/* An SQLite [identifier]: no escapes, ends at the first ']'. */
static int skip_bracketed(struct lexer *lx)
{
	int line = lx->line;

	for (lx->pos++; lx->pos < lx->len; lx->pos++) {
		if (lx->s[lx->pos] == ']') {
			lx->pos++;
			return 0;
		}
		if (lx->s[lx->pos] == '\n')
			lx->line++;
	}
	return fail(lx, "bracketed identifier", line);
}

/* A block comment; PostgreSQL's nest, SQLite's end at the first close. */
static int skip_block_comment(struct lexer *lx)
{
	int line = lx->line;
	int depth = 1;

	for (lx->pos += 2; lx->pos < lx->len; lx->pos++) {
		char c = lx->s[lx->pos];

		if (c == '\n') {
			lx->line++;
		} else if (c == '*' && at(lx, lx->pos + 1, '/')) {
			lx->pos++;
			if (--depth == 0) {
				lx->pos++;
				return 0;
			}
		} else if (c == '/' && at(lx, lx->pos + 1, '*') &&
			   lx->dialect == RG_DIALECT_POSTGRESQL) {
			lx->pos++;
			depth++;
		}
	}
	return fail(lx, "block comment", line);
}

/*
 * At a '$' on PostgreSQL: a parameter ($1), a dollar-quoted string
 * ($$...$$, $tag$...$tag$, the tag an identifier without '$'), or a lone '$'.
 */
static int lex_dollar(struct lexer *lx)
{
	size_t i = lx->pos + 1, taglen, j;
	int line = lx->line;

	if (i < lx->len && is_digit((unsigned char)lx->s[i])) {
		while (i < lx->len && is_digit((unsigned char)lx->s[i]))
			i++;
		lx->pos = i;
		return 0;
	}
	if (i < lx->len && is_alpha((unsigned char)lx->s[i]))
		while (i < lx->len && (is_alpha((unsigned char)lx->s[i]) ||
				       is_digit((unsigned char)lx->s[i])))
			i++;
	if (!at(lx, i, '$')) {
		lx->pos++;
		return 0;
	}
	taglen = i + 1 - lx->pos;
	for (j = i + 1; j < lx->len; j++) {
		if (lx->s[j] == '$' && lx->len - j >= taglen &&
		    !memcmp(lx->s + j, lx->s + lx->pos, taglen)) {
			lx->pos = j + taglen;
			return 0;
		}
		if (lx->s[j] == '\n')
			lx->line++;
	}
	lx->pos = lx->len;
	return fail(lx, "dollar-quoted string", line);
}

/* Skip whitespace and comments. */
static int skip_blank(struct lexer *lx)
{
	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos];

		if (c == '\n') {
			lx->line++;
			lx->pos++;
		} else if (is_space((unsigned char)c)) {
			lx->pos++;
		} else if (c == '-' && at(lx, lx->pos + 1, '-')) {
			while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
				lx->pos++;
		} else if (c == '/' && at(lx, lx->pos + 1, '*')) {
			if (skip_block_comment(lx))
				return RG_EINVALID;
		} else {
			break;
		}
	}
	return 0;
}

/* The next token into *t; RG_EINVALID (err_what, err_line set) for an unterminated one. */
static int lex(struct lexer *lx, struct token *t)
{
	bool pg = lx->dialect == RG_DIALECT_POSTGRESQL;
	unsigned char c;
	int err = 0;

	if (skip_blank(lx))
		return RG_EINVALID;
	t->start = lx->pos;
	t->line = lx->line;
	if (lx->pos >= lx->len) {
		t->kind = TK_EOF;
		t->end = lx->pos;
		return 0;
	}
	c = (unsigned char)lx->s[lx->pos];
	t->kind = TK_OTHER;
	if (c == ';') {
		t->kind = TK_SEMI;
		lx->pos++;
	} else if (c == '\'') {
		err = skip_quoted(lx, '\'', false, "quoted string");
	} else if (c == '"') {
		err = skip_quoted(lx, '"', false, "quoted identifier");
	} else if (c == '`' && !pg) {
		err = skip_quoted(lx, '`', false, "quoted identifier");
	} else if (c == '[' && !pg) {
		err = skip_bracketed(lx);
	} else if (c == '$' && pg) {
		err = lex_dollar(lx);
	} else if (word_start(lx, c)) {
		while (lx->pos < lx->len && word_cont((unsigned char)lx->s[lx->pos]))
			lx->pos++;
		t->kind = TK_WORD;
		/* E'...': PostgreSQL's string with backslash escapes */
		if (pg && lx->pos - t->start == 1 && (c == 'E' || c == 'e') &&
		    at(lx, lx->pos, '\'')) {
			t->kind = TK_OTHER;
			err = skip_quoted(lx, '\'', true, "quoted string");
		}
	} else if (is_digit(c)) {
		while (lx->pos < lx->len && (is_alpha((unsigned char)lx->s[lx->pos]) ||
					     is_digit((unsigned char)lx->s[lx->pos])))
			lx->pos++;
	} else {
		lx->pos++;
	}
	t->end = lx->pos;
	return err;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Is token `t` of `s` the keyword `kw` (lower case), in any case? */
static bool tok_is(const char *s, const struct token *t, const char *kw)
{
	size_t i, n;

	if (t->kind != TK_WORD)
		return false;
	n = strlen(kw);
	if (t->end - t->start != n)
		return false;
	for (i = 0; i < n; i++)
		if (lower(s[t->start + i]) != kw[i])
			return false;
	return true;
}

/*
 * Where a statement is inside an SQLite `CREATE TRIGGER`: the states of
 * sqlite3_complete() (src/complete.c), which only ends a trigger at an END
 * that directly follows a ';'.  Whitespace and comments change nothing, so
 * they are not a token class here.
 */
enum { LT_SEMI, LT_OTHER, LT_EXPLAIN, LT_CREATE, LT_TEMP, LT_TRIGGER, LT_END };
enum { LS_START = 1, LS_TRIGGER = 5, LS_TRIGGER_SEMI = 6 };

static const unsigned char lite_trans[8][7] = {
	/*            SEMI OTHER EXPLAIN CREATE TEMP TRIGGER END */
	/* 0 INVALID */ { 1, 2, 3, 4, 2, 2, 2 },
	/* 1 START   */ { 1, 2, 3, 4, 2, 2, 2 },
	/* 2 NORMAL  */ { 1, 2, 2, 2, 2, 2, 2 },
	/* 3 EXPLAIN */ { 1, 3, 2, 4, 2, 2, 2 },
	/* 4 CREATE  */ { 1, 2, 2, 2, 4, 5, 2 },
	/* 5 TRIGGER */ { 6, 5, 5, 5, 5, 5, 5 },
	/* 6 SEMI    */ { 6, 5, 5, 5, 5, 5, 7 },
	/* 7 END     */ { 1, 5, 5, 5, 5, 5, 5 },
};

/* Every word of every statement comes here: one keyword compared, picked by length. */
static int lite_class(const char *s, const struct token *t)
{
	if (t->kind == TK_SEMI)
		return LT_SEMI;
	if (t->kind != TK_WORD)
		return LT_OTHER;
	switch (t->end - t->start) {
	case 3:
		return tok_is(s, t, "end") ? LT_END : LT_OTHER;
	case 4:
		return tok_is(s, t, "temp") ? LT_TEMP : LT_OTHER;
	case 6:
		return tok_is(s, t, "create") ? LT_CREATE : LT_OTHER;
	case 7:
		if (tok_is(s, t, "trigger"))
			return LT_TRIGGER;
		return tok_is(s, t, "explain") ? LT_EXPLAIN : LT_OTHER;
	case 9:
		return tok_is(s, t, "temporary") ? LT_TEMP : LT_OTHER;
	}
	return LT_OTHER;
}

/*
 * How far a PostgreSQL statement has matched `CREATE [OR REPLACE]
 * FUNCTION|PROCEDURE`, whose BEGIN ATOMIC body may hold ';'.
 */
enum { PH_START, PH_CREATE, PH_OR, PH_REPLACE, PH_ROUTINE, PH_OTHER };

/* The statement being collected. */
struct stmt {
	bool has_tokens;
	size_t start, end;	/* from its first token to the end of its last */
	int line;
	int lite_state;		/* SQLite: sqlite3_complete()'s state */
	int pg_head;		/* PostgreSQL: PH_* */
	int pg_depth;		/* open BEGIN ATOMIC and CASE inside it */
	bool pg_after_begin;	/* the previous token was BEGIN of a routine */
	int pg_body_line;	/* line of the BEGIN of the open body */
};

static void stmt_reset(struct stmt *st)
{
	memset(st, 0, sizeof(*st));
	st->lite_state = LS_START;
	st->pg_head = PH_START;
}

static void pg_feed(struct stmt *st, const char *s, const struct token *t)
{
	bool after_begin = st->pg_after_begin;
	int h = st->pg_head;

	st->pg_after_begin = false;
	if (h < PH_ROUTINE) {
		if (h == PH_START && tok_is(s, t, "create"))
			h = PH_CREATE;
		else if (h == PH_CREATE && tok_is(s, t, "or"))
			h = PH_OR;
		else if (h == PH_OR && tok_is(s, t, "replace"))
			h = PH_REPLACE;
		else if ((h == PH_CREATE || h == PH_REPLACE) &&
			 (tok_is(s, t, "function") || tok_is(s, t, "procedure")))
			h = PH_ROUTINE;
		else
			h = PH_OTHER;
		st->pg_head = h;
		return;
	}
	if (h != PH_ROUTINE)
		return;
	if (st->pg_depth == 0) {
		if (after_begin && tok_is(s, t, "atomic")) {
			st->pg_depth = 1;
		} else if (tok_is(s, t, "begin")) {
			st->pg_after_begin = true;
			st->pg_body_line = t->line;
		}
	} else if (tok_is(s, t, "case")) {
		st->pg_depth++;
	} else if (tok_is(s, t, "end")) {
		st->pg_depth--;
	}
}

/* Take token `t` into the statement; true if it is the ';' that ends it. */
static bool stmt_feed(struct stmt *st, const struct lexer *lx, const struct token *t)
{
	if (lx->dialect == RG_DIALECT_SQLITE) {
		st->lite_state = lite_trans[st->lite_state][lite_class(lx->s, t)];
		if (st->lite_state == LS_START)
			return true;
	} else {
		if (t->kind == TK_SEMI && st->pg_depth == 0)
			return true;
		pg_feed(st, lx->s, t);
	}
	if (!st->has_tokens) {
		st->has_tokens = true;
		st->start = t->start;
		st->line = t->line;
	}
	st->end = t->end;
	return false;
}

/* Where a statement found by split() goes; 0 or RG_ENOMEM. */
typedef int push_fn(void *ctx, const char *text, const struct stmt *st);

static int script_push(void *ctx, const char *text, const struct stmt *st)
{
	struct rg_sql_script *out = ctx;
	char *s;

	if (RG_GROW(out->items, out->n + 1, out->alloc))
		return RG_ENOMEM;
	s = rg_strndup(text + st->start, st->end - st->start);
	if (!s)
		return RG_ENOMEM;
	out->items[out->n].text = s;
	out->items[out->n].line = st->line;
	out->n++;
	return 0;
}

static int span_push(void *ctx, const char *text, const struct stmt *st)
{
	struct rg_sql_spans *out = ctx;

	if (RG_GROW(out->items, out->n + 1, out->alloc))
		return RG_ENOMEM;
	out->items[out->n].text = text + st->start;
	out->items[out->n].len = st->end - st->start;
	out->items[out->n].line = st->line;
	out->n++;
	return 0;
}

/* The line of text[pos], counting from first_line. */
static int line_at(const char *text, size_t pos, int first_line)
{
	size_t i;
	int line = first_line;

	for (i = 0; i < pos; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

/* Split `text`, handing each statement with tokens to `push` in order. */
static int split(const char *text, size_t len, enum rg_dialect dialect, int first_line,
		 push_fn *push, void *ctx)
{
	const char *nul;
	struct lexer lx;
	struct token t;
	struct stmt st;
	int err;

	/* a NUL would silently cut a statement short when it is run */
	nul = len ? memchr(text, '\0', len) : NULL;
	if (nul)
		return rg_error_set(RG_EINVALID, "line %d: NUL byte in SQL text",
				    line_at(text, (size_t)(nul - text), first_line));

	lexer_init(&lx, text, len, dialect, first_line);
	stmt_reset(&st);
	for (;;) {
		if (lex(&lx, &t))
			return rg_error_set(RG_EINVALID, "line %d: unterminated %s", lx.err_line,
					    lx.err_what);
		if (t.kind == TK_EOF)
			break;
		if (stmt_feed(&st, &lx, &t)) {
			if (st.has_tokens && (err = push(ctx, text, &st)))
				return err;
			stmt_reset(&st);
		}
	}

	if (st.lite_state == LS_TRIGGER || st.lite_state == LS_TRIGGER_SEMI)
		return rg_error_set(RG_EINVALID, "line %d: unterminated trigger body", st.line);
	if (st.pg_depth > 0)
		return rg_error_set(RG_EINVALID, "line %d: unterminated BEGIN ATOMIC body",
				    st.pg_body_line);
	return st.has_tokens ? push(ctx, text, &st) : 0;
}

int rg_sql_split(struct rg_sql_script *out, const char *text, size_t len,
		 enum rg_dialect dialect, int first_line)
{
	int err;

	out->items = NULL;
	out->n = 0;
	out->alloc = 0;
	if ((err = split(text, len, dialect, first_line, script_push, out)))
		rg_sql_script_release(out);
	return err;
}

int rg_sql_split_spans(struct rg_sql_spans *out, const char *text, size_t len,
		       enum rg_dialect dialect, int first_line)
{
	size_t n = out->n;
	int err;

	if ((err = split(text, len, dialect, first_line, span_push, out)))
		out->n = n;
	return err;
}

void rg_sql_spans_release(struct rg_sql_spans *s)
{
	if (!s)
		return;
	free(s->items);
	s->items = NULL;
	s->n = 0;
	s->alloc = 0;
}

void rg_sql_script_release(struct rg_sql_script *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->items[i].text);
	free(s->items);
	s->items = NULL;
	s->n = 0;
	s->alloc = 0;
}

/*
 * Reading a statement's keywords: the current token of one statement.  A
 * lexing error or the first ';' reads as the end.
 */
struct cursor {
	struct lexer lx;
	struct token tok;
};

static void cur_next(struct cursor *c)
{
	if (c->tok.kind == TK_EOF)
		return;
	if (lex(&c->lx, &c->tok) || c->tok.kind == TK_SEMI)
		c->tok.kind = TK_EOF;
}

static void cur_init(struct cursor *c, const char *stmt, size_t len, enum rg_dialect dialect)
{
	lexer_init(&c->lx, stmt, len, dialect, 1);
	c->tok.kind = TK_OTHER;
	cur_next(c);
}

static bool cur_end(const struct cursor *c)
{
	return c->tok.kind == TK_EOF;
}

static bool cur_is(const struct cursor *c, const char *kw)
{
	return tok_is(c->lx.s, &c->tok, kw);
}

/* If the current token is keyword `kw`, step over it. */
static bool cur_accept(struct cursor *c, const char *kw)
{
	if (!cur_is(c, kw))
		return false;
	cur_next(c);
	return true;
}

/* Is the current token the punctuation character `ch`? */
static bool cur_punct(const struct cursor *c, char ch)
{
	return c->tok.kind == TK_OTHER && c->tok.end - c->tok.start == 1 &&
	       c->lx.s[c->tok.start] == ch;
}

/* Is the current token a false boolean: false, off, 0, quoted or not? */
static bool cur_false(const struct cursor *c)
{
	static const char *const falses[] = { "false", "off", "0", "'false'", "'off'", "'0'" };
	size_t i, j, n = c->tok.end - c->tok.start;

	if (cur_end(c))
		return false;
	for (i = 0; i < sizeof(falses) / sizeof(falses[0]); i++) {
		if (strlen(falses[i]) != n)
			continue;
		for (j = 0; j < n && lower(c->lx.s[c->tok.start + j]) == falses[i][j]; j++)
			;
		if (j == n)
			return true;
	}
	return false;
}

/* Is the current token keyword `kw`, with more after it (not the last word, a name)? */
static bool cur_is_before_more(const struct cursor *c, const char *kw)
{
	struct cursor ahead = *c;

	if (!cur_is(c, kw))
		return false;
	cur_next(&ahead);
	return !cur_end(&ahead);
}

/*
 * How option `name` is set in the rest of the statement (`name [=] value`,
 * as in a WITH (...) list): -1 not at all, 0 false, 1 true (or no value).
 */
static int option_setting(struct cursor c, const char *name)
{
	while (!cur_end(&c)) {
		if (cur_accept(&c, name)) {
			if (cur_punct(&c, '='))
				cur_next(&c);
			return cur_false(&c) ? 0 : 1;
		}
		cur_next(&c);
	}
	return -1;
}

/* Step over a parenthesized list at the cursor, if there is one. */
static void cur_skip_parens(struct cursor *c)
{
	int depth = 0;

	if (!cur_punct(c, '('))
		return;
	do {
		if (cur_punct(c, '('))
			depth++;
		else if (cur_punct(c, ')'))
			depth--;
		cur_next(c);
	} while (depth > 0 && !cur_end(c));
}

/* A PostgreSQL reason, in PreventInTransactionBlock()'s words. */
#define NO_TXN(what) what " cannot run inside a transaction block"

static const char *pg_reindex(struct cursor *c)
{
	bool concurrently = false;
	const char *kind_reason = NULL;

	/* REINDEX [(option, ...)] kind [CONCURRENTLY] [name] */
	if (cur_punct(c, '(')) {
		cur_next(c);
		while (!cur_end(c) && !cur_punct(c, ')')) {
			if (cur_accept(c, "concurrently"))
				concurrently = !cur_false(c);
			else
				cur_next(c);
		}
		cur_next(c);
	}
	if (cur_accept(c, "schema"))
		kind_reason = NO_TXN("REINDEX SCHEMA");
	else if (cur_accept(c, "database"))
		kind_reason = NO_TXN("REINDEX DATABASE");
	else if (cur_accept(c, "system"))
		kind_reason = NO_TXN("REINDEX SYSTEM");
	else if (!cur_accept(c, "index"))
		cur_accept(c, "table");
	if (cur_is_before_more(c, "concurrently"))
		concurrently = true;
	if (concurrently)
		return NO_TXN("REINDEX CONCURRENTLY");
	return kind_reason;
}

static const char *pg_alter(struct cursor *c)
{
	if (cur_is(c, "system"))
		return NO_TXN("ALTER SYSTEM");
	if (cur_accept(c, "database")) {
		cur_next(c);	/* the name */
		if (cur_accept(c, "set") && cur_is(c, "tablespace"))
			return NO_TXN("ALTER DATABASE SET TABLESPACE");
		return NULL;
	}
	if (cur_accept(c, "table")) {
		while (!cur_end(c) && !cur_accept(c, "detach"))
			cur_next(c);
		if (!cur_accept(c, "partition"))
			return NULL;
		cur_next(c);	/* the partition's name */
		while (!cur_end(c) && !cur_is(c, "concurrently"))
			cur_next(c);
		if (cur_end(c))
			return NULL;
		return NO_TXN("ALTER TABLE ... DETACH CONCURRENTLY");
	}
	if (cur_accept(c, "subscription")) {
		cur_next(c);	/* the name */
		if (cur_is(c, "refresh"))
			return NO_TXN("ALTER SUBSCRIPTION ... REFRESH");
		if ((cur_accept(c, "set") || cur_accept(c, "add") || cur_accept(c, "drop")) &&
		    cur_is(c, "publication") && option_setting(*c, "refresh") != 0)
			return NO_TXN("ALTER SUBSCRIPTION with refresh");
	}
	return NULL;
}

static const char *pg_needs_autocommit(struct cursor *c)
{
	if (cur_is(c, "vacuum"))
		return NO_TXN("VACUUM");
	if (cur_accept(c, "create")) {
		if (cur_is(c, "database"))
			return NO_TXN("CREATE DATABASE");
		if (cur_is(c, "tablespace"))
			return NO_TXN("CREATE TABLESPACE");
		if (cur_accept(c, "subscription")) {
			if (option_setting(*c, "connect") == 0 ||
			    option_setting(*c, "create_slot") == 0)
				return NULL;
			return NO_TXN("CREATE SUBSCRIPTION ... WITH (create_slot = true)");
		}
		cur_accept(c, "unique");
		if (cur_accept(c, "index") && cur_is_before_more(c, "concurrently"))
			return NO_TXN("CREATE INDEX CONCURRENTLY");
		return NULL;
	}
	if (cur_accept(c, "drop")) {
		if (cur_is(c, "database"))
			return NO_TXN("DROP DATABASE");
		if (cur_is(c, "tablespace"))
			return NO_TXN("DROP TABLESPACE");
		if (cur_is(c, "subscription"))
			return NO_TXN("DROP SUBSCRIPTION");
		if (cur_accept(c, "index") && cur_is_before_more(c, "concurrently"))
			return NO_TXN("DROP INDEX CONCURRENTLY");
		return NULL;
	}
	if (cur_accept(c, "reindex"))
		return pg_reindex(c);
	if (cur_accept(c, "cluster")) {
		/* CLUSTER [(option, ...)] [VERBOSE]: every clustered table of the database */
		cur_skip_parens(c);
		cur_accept(c, "verbose");
		return cur_end(c) ? NO_TXN("CLUSTER") : NULL;
	}
	if (cur_accept(c, "alter"))
		return pg_alter(c);
	if (cur_accept(c, "discard"))
		return cur_is(c, "all") ? NO_TXN("DISCARD ALL") : NULL;
	if (cur_accept(c, "commit"))
		return cur_is(c, "prepared") ? NO_TXN("COMMIT PREPARED") : NULL;
	if (cur_accept(c, "rollback"))
		return cur_is(c, "prepared") ? NO_TXN("ROLLBACK PREPARED") : NULL;
	return NULL;
}

static const char *sqlite_needs_autocommit(struct cursor *c)
{
	struct cursor name;

	if (cur_is(c, "vacuum"))
		return "cannot VACUUM from within a transaction";
	if (!cur_accept(c, "pragma"))
		return NULL;
	/* PRAGMA [schema.]name (= value | (value)); only setting one matters */
	name = *c;
	cur_next(c);
	if (cur_punct(c, '.')) {
		cur_next(c);
		name = *c;
		cur_next(c);
	}
	if (!cur_punct(c, '=') && !cur_punct(c, '('))
		return NULL;
	if (cur_is(&name, "journal_mode"))
		return "PRAGMA journal_mode cannot be changed inside a transaction";
	if (cur_is(&name, "foreign_keys"))
		return "PRAGMA foreign_keys has no effect inside a transaction";
	if (cur_is(&name, "synchronous"))
		return "PRAGMA synchronous cannot be changed inside a transaction";
	if (cur_is(&name, "temp_store"))
		return "PRAGMA temp_store cannot be changed inside a transaction";
	return NULL;
}

const char *rg_sql_needs_autocommit_n(const char *stmt, size_t len, enum rg_dialect dialect)
{
	struct cursor c;

	cur_init(&c, stmt, len, dialect);
	if (dialect == RG_DIALECT_POSTGRESQL)
		return pg_needs_autocommit(&c);
	return sqlite_needs_autocommit(&c);
}

const char *rg_sql_needs_autocommit(const char *stmt, enum rg_dialect dialect)
{
	return rg_sql_needs_autocommit_n(stmt, strlen(stmt), dialect);
}

bool rg_sql_is_transaction_control_n(const char *stmt, size_t len, enum rg_dialect dialect)
{
	bool pg = dialect == RG_DIALECT_POSTGRESQL;
	struct cursor c;

	cur_init(&c, stmt, len, dialect);
	if (cur_is(&c, "begin") || cur_is(&c, "end"))
		return true;
	if (cur_accept(&c, "commit"))
		return !(pg && cur_is(&c, "prepared"));
	if (cur_accept(&c, "rollback")) {
		if (pg && cur_is(&c, "prepared"))
			return false;
		if (!cur_accept(&c, "transaction") && pg)
			cur_accept(&c, "work");
		return !cur_is(&c, "to");
	}
	if (!pg)
		return false;
	if (cur_is(&c, "abort"))
		return true;
	if (cur_accept(&c, "start") || cur_accept(&c, "prepare"))
		return cur_is(&c, "transaction");
	return false;
}

bool rg_sql_is_transaction_control(const char *stmt, enum rg_dialect dialect)
{
	return rg_sql_is_transaction_control_n(stmt, strlen(stmt), dialect);
}
