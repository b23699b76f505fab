/*
 * A tokenizer for SQLite's SQL (sqltok.h): the token classes of SQLite's own
 * tokenizer, as offsets into the text, for the CREATE TABLE editor of
 * rebuild.c, which must find column definitions and constraints without
 * being fooled by a ',' or '(' inside a string, a quoted name or a comment.
 */
#include "sqltok.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "revgraph/common.h"
#include "revgraph/str.h"
#include "banned.h"

bool rg_sqltok_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_idstart(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_idchar(unsigned char c)
{
	return is_idstart(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the quoted run at s[0] closed by `close` ("" doubled escapes), or 0 if unterminated. */
static size_t quoted_len(const char *s, char close, bool doubled)
{
	size_t i = 1;

	for (;;) {
		if (!s[i])
			return 0;
		if (s[i] == close) {
			if (doubled && s[i + 1] == close) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
}

/*
 * Split `s` into tokens, skipping whitespace and comments.  *n_comments (may
 * be NULL) counts the comments met.  RG_EINVALID for an unterminated string,
 * identifier or block comment, naming `what`.
 */
int rg_sqltok_split(struct rg_sqltoks *out, const char *s, const char *what, size_t *n_comments)
{
	static const char *const ops[] = { "->>", "||", "<=", ">=", "==", "!=", "<>", "<<", ">>", "->" };
	size_t i = 0;

	out->n = 0;
	if (n_comments)
		*n_comments = 0;
	while (s[i]) {
		struct rg_sqltok t = { RG_TK_PUNCT, i, 1 };
		char c = s[i];

		if (rg_sqltok_is_space(c)) {
			i++;
			continue;
		}
		if (c == '-' && s[i + 1] == '-') {
			while (s[i] && s[i] != '\n')
				i++;
			if (n_comments)
				(*n_comments)++;
			continue;
		}
		if (c == '/' && s[i + 1] == '*') {
			const char *end = strstr(s + i + 2, "*/");

			if (!end)
				return rg_error_set(RG_EINVALID, "unterminated comment in %s", what);
			i = (size_t)(end - s) + 2;
			if (n_comments)
				(*n_comments)++;
			continue;
		}
		if (c == '\'' || c == '"' || c == '`' || c == '[') {
			size_t len = c == '[' ? quoted_len(s + i, ']', false) : quoted_len(s + i, c, true);

			if (!len)
				return rg_error_set(RG_EINVALID, "unterminated %s in %s",
						    c == '\'' ? "string" : "quoted identifier", what);
			t.type = c == '\'' ? RG_TK_STR : RG_TK_ID;
			t.len = len;
		} else if ((c == 'x' || c == 'X') && s[i + 1] == '\'') {
			size_t len = quoted_len(s + i + 1, '\'', false);

			if (!len)
				return rg_error_set(RG_EINVALID, "unterminated blob literal in %s", what);
			t.type = RG_TK_BLOB;
			t.len = len + 1;
		} else if (is_digit(c) || (c == '.' && is_digit(s[i + 1]))) {
			size_t j = i;

			while (is_idchar((unsigned char)s[j]) || s[j] == '.' ||
			       ((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E') &&
				!(s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))))
				j++;
			t.type = RG_TK_NUM;
			t.len = j - i;
		} else if (is_idstart((unsigned char)c)) {
			size_t j = i;

			while (is_idchar((unsigned char)s[j]))
				j++;
			t.type = RG_TK_WORD;
			t.len = j - i;
		} else if (c == '?' || c == ':' || c == '@' || c == '$' || c == '#') {
			size_t j = i + 1;

			while (is_idchar((unsigned char)s[j]))
				j++;
			t.type = RG_TK_VAR;
			t.len = j - i;
		} else {
			size_t k;

			for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
				if (!strncmp(s + i, ops[k], strlen(ops[k]))) {
					t.len = strlen(ops[k]);
					break;
				}
		}
		if (RG_GROW(out->v, out->n + 1, out->alloc))
			return RG_ENOMEM;
		out->v[out->n++] = t;
		i += t.len;
	}
	return 0;
}

bool rg_sqltok_is(const char *s, const struct rg_sqltok *t, const char *kw)
{
	return t->type == RG_TK_WORD && strlen(kw) == t->len && !strncasecmp(s + t->off, kw, t->len);
}

bool rg_sqltok_punct(const char *s, const struct rg_sqltok *t, char c)
{
	return t->type == RG_TK_PUNCT && t->len == 1 && s[t->off] == c;
}

bool rg_sqltok_is_name(const struct rg_sqltok *t)
{
	return t->type == RG_TK_WORD || t->type == RG_TK_ID || t->type == RG_TK_STR;
}

/* The identifier a name token stands for, unquoted; NULL on ENOMEM. */
char *rg_sqltok_name(const char *s, const struct rg_sqltok *t)
{
	struct rg_str out = RG_STR_INIT;
	size_t i;

	if (t->type == RG_TK_WORD || t->type == RG_TK_NUM || t->type == RG_TK_PUNCT)
		return rg_strndup(s + t->off, t->len);
	if (s[t->off] == '[')
		return rg_strndup(s + t->off + 1, t->len - 2);
	for (i = 1; i + 1 < t->len; i++) {
		rg_str_addch(&out, s[t->off + i]);
		if (s[t->off + i] == s[t->off] && i + 2 < t->len)
			i++;
	}
	return rg_str_detach(&out);
}

/* Whether name token `t` stands for `name` (case-insensitive, as SQLite compares). */
bool rg_sqltok_names(const char *s, const struct rg_sqltok *t, const char *name)
{
	char *n;
	bool eq;

	if (!rg_sqltok_is_name(t))
		return false;
	if (t->type == RG_TK_WORD)
		return strlen(name) == t->len && !strncasecmp(s + t->off, name, t->len);
	if (!(n = rg_sqltok_name(s, t)))
		return false;
	eq = !strcasecmp(n, name);
	free(n);
	return eq;
}

void rg_sqltoks_release(struct rg_sqltoks *t)
{
	if (!t)
		return;
	free(t->v);
	t->v = NULL;
	t->n = t->alloc = 0;
}
