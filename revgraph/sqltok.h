/*
 * A tokenizer for SQLite's SQL: the token classes of SQLite's own tokenizer
 * (tokenize.c), kept as offsets into the text so that a caller can edit the
 * text around them.  rebuild.c reads and edits CREATE TABLE statements with
 * it.  sqlsplit.c has a lexer of its own for a different job: it streams
 * over whole scripts of either dialect (PostgreSQL's dollar quotes, nested
 * comments, E'' strings), counts lines and only tells words, ';' and the
 * rest apart.
 */
#ifndef RG_SQLTOK_H
#define RG_SQLTOK_H

#include <stdbool.h>
#include <stddef.h>

enum rg_sqltok_type {
	RG_TK_WORD,	/* a keyword or unquoted identifier: CREATE, t1, _x$ */
	RG_TK_ID,	/* a quoted identifier: "a""b", `a``b`, [a b] */
	RG_TK_STR,	/* a string literal: 'it''s' */
	RG_TK_NUM,	/* a number: 12, 1.5e-3, .5, 0x1F */
	RG_TK_BLOB,	/* a blob literal: x'0a' */
	RG_TK_VAR,	/* a parameter: ?, ?1, :name, @name, $name, #name */
	RG_TK_PUNCT	/* an operator or punctuation: one character, or one of
			   ->> || <= >= == != <> << >> -> */
};

struct rg_sqltok {
	enum rg_sqltok_type type;
	size_t off, len;	/* bytes of the text, quotes included */
};

/* A growable array of tokens; RG_SQLTOKS_INIT, then rg_sqltoks_release(). */
struct rg_sqltoks {
	struct rg_sqltok *v;
	size_t n, alloc;
};

#define RG_SQLTOKS_INIT { NULL, 0, 0 }

/*
 * Split NUL-terminated `s` into `out` (emptied first, its array reused),
 * skipping whitespace and comments (-- to the end of the line, and block
 * comments).  *n_comments (may be NULL) counts the comments met.
 * RG_EINVALID for an unterminated string, quoted identifier, blob literal
 * or block comment, with a message naming `what` ("unterminated string in
 * the type"); RG_ENOMEM.  On error `out` holds the tokens before the bad one.
 */
int rg_sqltok_split(struct rg_sqltoks *out, const char *s, const char *what, size_t *n_comments);

/* Free the array; `t` may be NULL.  Leaves it empty and reusable. */
void rg_sqltoks_release(struct rg_sqltoks *t);

/* Whether `c` is whitespace to SQLite. */
bool rg_sqltok_is_space(char c);

/* Whether token `t` of `s` is the word `kw`, in any case. */
bool rg_sqltok_is(const char *s, const struct rg_sqltok *t, const char *kw);

/* Whether token `t` of `s` is the one punctuation character `c`. */
bool rg_sqltok_punct(const char *s, const struct rg_sqltok *t, char c);

/* Whether `t` can name something: a word, quoted identifier or string (as SQLite allows). */
bool rg_sqltok_is_name(const struct rg_sqltok *t);

/*
 * The identifier token `t` of `s` stands for, unquoted (doubled quotes made
 * one); a word, number or punctuation as written.  The caller frees it;
 * NULL on ENOMEM.
 */
char *rg_sqltok_name(const char *s, const struct rg_sqltok *t);

/* Whether name token `t` stands for `name` (case-insensitive, as SQLite compares). */
bool rg_sqltok_names(const char *s, const struct rg_sqltok *t, const char *name);

#endif
