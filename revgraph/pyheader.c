/*
 * Reader of Alembic Python revision headers (pyheader.h).  A small Python
 * tokenizer cuts the file into logical lines of tokens (strings, names,
 * numbers, operators; comments and continuation lines gone); the reader then
 * looks only at module-level statements and at the bodies of upgrade() and
 * downgrade(), so that nothing inside a string or a function is mistaken for
 * a header assignment.
 */
#include "pyheader.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "pyrepr.h"
#include "revgraph/str.h"
#include "revgraph/common.h"
#include "revgraph/revision.h"
#include "banned.h"

/* f-strings nested inside f-string replacement fields, deeper than this, are refused */
#define MAX_FSTRING_DEPTH 32

/* Longest source excerpt quoted in a warning, in bytes */
#define MAX_EXCERPT 200

/* Brackets open at once; CPython's parser refuses more, too */
#define MAX_BRACKETS 200

enum tok_kind {
	TOK_NAME,
	TOK_NUMBER,
	TOK_STRING,
	TOK_OP
};

#define STR_RAW 1u	/* r prefix: no escape processing */
#define STR_BYTES 2u	/* b prefix: not a str */
#define STR_FORMAT 4u	/* f or t prefix */
#define STR_FIELDS 8u	/* formatted, with {replacement fields}: not a constant */

struct tok {
	enum tok_kind kind;
	unsigned flags;		/* strings: STR_* */
	size_t start, end;	/* the whole token, prefix and quotes included */
	size_t body, body_end;	/* strings: the text between the quotes */
	int line;		/* 1-based line where the token starts */
};

/* Tokens a logical line holds before the lexer allocates */
#define INLINE_TOKS 64

/* The tokenizer; it holds one logical line of tokens at a time. */
struct lexer {
	const char *path;
	const char *text;
	size_t len;
	size_t pos;
	size_t line_start;	/* offset of the current physical line */
	int line;		/* line of text[pos] */
	bool col0;		/* the logical line starts in column 0 */
	struct tok *toks;	/* inline_toks, or allocated for a longer line */
	size_t n_toks, alloc_toks;
	struct tok *inline_toks;	/* INLINE_TOKS on the caller's stack */
	size_t *open;		/* token indexes of the brackets still open (MAX_BRACKETS) */
	size_t n_open;
};

enum var_index {
	VAR_REVISION,
	VAR_DOWN,
	VAR_LABELS,
	VAR_DEPS,
	N_VARS
};

static const char *const var_names[N_VARS] = {
	"revision", "down_revision", "branch_labels", "depends_on"
};

/* What the last assignment to one header variable said. */
struct var {
	int line;		/* 0: never assigned */
	bool usable;		/* false: assigned something that is not a literal */
	struct rg_strlist items;
};

enum value_kind {
	VALUE_NONE,		/* None, (), [] or "" */
	VALUE_STRING,		/* one string, in items */
	VALUE_SEQ,		/* a tuple or list of strings, in items */
	VALUE_NOT_STRING,	/* a literal that is not a string: bad_a..bad_b */
	VALUE_NOT_LITERAL	/* an expression or unknown name: bad_a..bad_b */
};

/* One value read from the right-hand side of an assignment. */
struct value {
	enum value_kind kind;
	struct rg_strlist items;
	size_t bad_a, bad_b;	/* the tokens of the offending element */
};

struct parser {
	struct lexer lx;
	const struct rg_strlist *const_names;
	const struct rg_strlist *const_values;
	struct rg_str *warnings;
	struct var vars[N_VARS];
	bool seen_stmt;		/* past the first statement: no docstring any more */
	struct rg_str doc;
	bool in_hook;		/* inside the body of a top-level upgrade()/downgrade() */
	bool noop;
};

static bool is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the line break at `pos` (\n, \r\n or \r), 0 if there is none. */
static size_t newline_at(const struct lexer *lx, size_t pos)
{
	if (pos >= lx->len)
		return 0;
	if (lx->text[pos] == '\n')
		return 1;
	if (lx->text[pos] == '\r')
		return pos + 1 < lx->len && lx->text[pos + 1] == '\n' ? 2 : 1;
	return 0;
}

/* Step over a line break of `n` bytes at lx->pos. */
static void skip_newline(struct lexer *lx, size_t n)
{
	lx->pos += n;
	lx->line++;
	lx->line_start = lx->pos;
}

/*
 * true if the `n` letters at `p` are a valid string prefix (r, u, b, f, t,
 * or r with one of b, f, t, in any case); sets the STR_* flags it implies.
 */
static bool string_prefix(const char *p, size_t n, unsigned *flags)
{
	unsigned f = 0;
	size_t i, n_r = 0, n_other = 0;
	bool has_u = false;

	if (n < 1 || n > 2)
		return false;
	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case 'r': case 'R':
			f |= STR_RAW;
			n_r++;
			break;
		case 'b': case 'B':
			f |= STR_BYTES;
			n_other++;
			break;
		case 'f': case 'F': case 't': case 'T':
			f |= STR_FORMAT;
			n_other++;
			break;
		case 'u': case 'U':
			has_u = true;
			break;
		default:
			return false;
		}
	}
	if (has_u ? n != 1 : (n_r > 1 || n_other > 1))
		return false;
	*flags = f;
	return true;
}

static int unterminated(const struct lexer *lx, int line, bool triple)
{
	return rg_error_set(RG_EINVALID, "%s:%d: unterminated %sstring literal", lx->path, line,
			    triple ? "triple-quoted " : "");
}

static int scan_field(struct lexer *lx, size_t field_start, bool triple, int line, int depth);

/*
 * Move past the rest of a string literal whose opening quote(s) lx->pos has
 * just passed, up to and including its closing quote(s).  `line` is where the
 * literal starts (for messages); STR_FIELDS is added to *flags when a
 * formatted string holds a replacement field.
 */
static int scan_string_body(struct lexer *lx, char quote, bool triple, unsigned *flags, int line,
			    int depth)
{
	bool fmt = *flags & STR_FORMAT;
	int err = 0;

	for (;;) {
		size_t nl;
		char c;

		/* skip the characters that need no attention */
		while (lx->pos < lx->len) {
			c = lx->text[lx->pos];
			if (c == quote || c == '\\' || c == '\n' || c == '\r' || (fmt && c == '{'))
				break;
			lx->pos++;
		}
		if (lx->pos >= lx->len) {
			err = unterminated(lx, line, triple);
			goto out;
		}
		c = lx->text[lx->pos];
		nl = newline_at(lx, lx->pos);
		if (nl) {
			if (!triple) {
				err = unterminated(lx, line, triple);
				goto out;
			}
			skip_newline(lx, nl);
		} else if (c == '\\') {
			/* an escaped quote or line break never ends the literal, even in r'' */
			nl = newline_at(lx, lx->pos + 1);
			if (nl) {
				lx->pos++;
				skip_newline(lx, nl);
			} else {
				lx->pos += lx->pos + 1 < lx->len ? 2 : 1;
			}
		} else if (c == quote) {
			if (!triple) {
				lx->pos++;
				goto out;
			}
			if (lx->pos + 2 < lx->len && lx->text[lx->pos + 1] == quote &&
			    lx->text[lx->pos + 2] == quote) {
				lx->pos += 3;
				goto out;
			}
			lx->pos++;
		} else if ((*flags & STR_FORMAT) && c == '{') {
			if (lx->pos + 1 < lx->len && lx->text[lx->pos + 1] == '{') {
				lx->pos += 2;
				continue;
			}
			*flags |= STR_FIELDS;
			lx->pos++;
			err = scan_field(lx, lx->pos, triple, line, depth + 1);
			if (err)
				goto out;
		} else {
			lx->pos++;
		}
	}
out:
	return err;
}

/*
 * Move past a replacement field of a formatted string, from just after its
 * `{` to just after its `}`.  Strings inside the expression are skipped as
 * strings (Python 3.12 lets them reuse the outer quote), brackets are
 * counted, and a `:` at bracket level 0 starts the format spec, which may hold
 * nested fields.
 */
static int scan_field(struct lexer *lx, size_t field_start, bool triple, int line, int depth)
{
	bool spec = false;
	size_t nest = 0;
	int err = 0;

	if (depth > MAX_FSTRING_DEPTH) {
		err = rg_error_set(RG_EINVALID, "%s:%d: f-string nested too deeply", lx->path, line);
		goto out;
	}
	for (;;) {
		size_t nl;
		char c;

		if (lx->pos >= lx->len) {
			err = unterminated(lx, line, triple);
			goto out;
		}
		c = lx->text[lx->pos];
		nl = newline_at(lx, lx->pos);
		if (nl) {
			skip_newline(lx, nl);
			continue;
		}
		if (spec) {
			lx->pos++;
			if (c == '}')
				goto out;
			if (c == '{') {
				err = scan_field(lx, lx->pos, triple, line, depth + 1);
				if (err)
					goto out;
			}
			continue;
		}
		if (c == '\'' || c == '"') {
			unsigned flags = 0;
			size_t k = lx->pos;
			bool inner_triple;

			/* a nested literal's prefix letters were passed as ordinary characters */
			while (k > field_start && lx->pos - k < 2 &&
			       is_ident_start((unsigned char)lx->text[k - 1]))
				k--;
			if (k > field_start && is_ident_char((unsigned char)lx->text[k - 1]))
				k = lx->pos;	/* the end of a longer name */
			if (!string_prefix(lx->text + k, lx->pos - k, &flags))
				flags = 0;
			inner_triple = lx->pos + 2 < lx->len && lx->text[lx->pos + 1] == c &&
				       lx->text[lx->pos + 2] == c;
			lx->pos += inner_triple ? 3 : 1;
			err = scan_string_body(lx, c, inner_triple, &flags, lx->line, depth);
			if (err)
				goto out;
			continue;
		}
		lx->pos++;
		switch (c) {
		case '(': case '[': case '{':
			nest++;
			break;
		case ')': case ']':
			if (nest)
				nest--;
			break;
		case '}':
			if (!nest)
				goto out;
			nest--;
			break;
		case ':':
			if (!nest)
				spec = true;
			break;
		case '#':
			while (lx->pos < lx->len && !newline_at(lx, lx->pos))
				lx->pos++;
			break;
		default:
			break;
		}
	}
out:
	return err;
}

/* Append a token starting at `start` to the logical line; *out points at it. */
static int push_tok(struct lexer *lx, enum tok_kind kind, size_t start, struct tok **out)
{
	struct tok *t;
	size_t k;
	int err = 0;

	if (lx->n_toks == lx->alloc_toks) {
		if (lx->toks == lx->inline_toks) {
			struct tok *heap = rg_malloc(2 * INLINE_TOKS * sizeof(struct tok));

			if (!heap) {
				err = RG_ENOMEM;
				goto out;
			}
			memcpy(heap, lx->inline_toks, INLINE_TOKS * sizeof(struct tok));
			lx->toks = heap;
			lx->alloc_toks = 2 * INLINE_TOKS;
		} else if ((err = RG_GROW(lx->toks, lx->n_toks + 1, lx->alloc_toks))) {
			goto out;
		}
	}
	t = &lx->toks[lx->n_toks++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->start = start;
	t->end = start;
	t->line = lx->line;
	if (lx->n_toks == 1) {
		/* a form feed does not count as indentation in Python */
		lx->col0 = true;
		for (k = lx->line_start; k < start; k++)
			if (lx->text[k] != '\f')
				lx->col0 = false;
	}
	*out = t;
out:
	return err;
}

/* Read a string literal whose prefix (`prefix_len` letters) starts at lx->pos. */
static int lex_string(struct lexer *lx, size_t prefix_len, unsigned flags)
{
	struct tok *t = NULL;
	bool triple;
	char quote;
	size_t body;
	int line = lx->line;
	int err;

	err = push_tok(lx, TOK_STRING, lx->pos, &t);
	if (err)
		goto out;
	lx->pos += prefix_len;
	quote = lx->text[lx->pos];
	triple = lx->pos + 2 < lx->len && lx->text[lx->pos + 1] == quote &&
		 lx->text[lx->pos + 2] == quote;
	lx->pos += triple ? 3 : 1;
	body = lx->pos;
	err = scan_string_body(lx, quote, triple, &flags, line, 0);
	if (err)
		goto out;
	t->flags = flags;
	t->body = body;
	t->body_end = lx->pos - (triple ? 3 : 1);
	t->end = lx->pos;
out:
	return err;
}

/*
 * Length of the operator at `p` (`avail` bytes left): the three-character
 * ones **= //= >>= <<= ..., the two-character ones == != <= >= -> := += -=
 * *= /= %= &= |= ^= @= ** // << >> <>, else 1.
 */
static size_t op_length(const char *p, size_t avail)
{
	char a = p[0], b = avail > 1 ? p[1] : '\0', c = avail > 2 ? p[2] : '\0';

	if (avail > 2 && c == '=' && a == b && (a == '*' || a == '/' || a == '>' || a == '<'))
		return 3;
	if (avail > 2 && a == '.' && b == '.' && c == '.')
		return 3;
	if (avail < 2)
		return 1;
	if (b == '=')
		return a && strchr("=!<>:+-*/%&|^@", a) ? 2 : 1;
	if ((a == '-' && b == '>') || (a == '<' && b == '>'))
		return 2;
	if (a == b && (a == '*' || a == '/' || a == '<' || a == '>'))
		return 2;
	return 1;
}

/* Read an operator or bracket at lx->pos, checking bracket nesting. */
static int lex_op(struct lexer *lx)
{
	struct tok *t = NULL;
	size_t n = op_length(lx->text + lx->pos, lx->len - lx->pos);
	char c = lx->text[lx->pos];
	int err;

	err = push_tok(lx, TOK_OP, lx->pos, &t);
	if (err)
		goto out;
	lx->pos += n;
	t->end = lx->pos;
	if (c == '(' || c == '[' || c == '{') {
		if (lx->n_open >= MAX_BRACKETS) {
			err = rg_error_set(RG_EINVALID, "%s:%d: too many nested brackets", lx->path,
					   lx->line);
			goto out;
		}
		lx->open[lx->n_open++] = lx->n_toks - 1;
	} else if (c == ')' || c == ']' || c == '}') {
		const struct tok *o;
		char want;

		if (!lx->n_open) {
			err = rg_error_set(RG_EINVALID, "%s:%d: unmatched '%c'", lx->path, lx->line, c);
			goto out;
		}
		o = &lx->toks[lx->open[--lx->n_open]];
		want = lx->text[o->start] == '(' ? ')' : lx->text[o->start] == '[' ? ']' : '}';
		if (c != want) {
			err = rg_error_set(RG_EINVALID,
					   "%s:%d: closing bracket '%c' does not match '%c' on line %d",
					   lx->path, lx->line, c, lx->text[o->start], o->line);
			goto out;
		}
	}
out:
	return err;
}

/*
 * Read the next logical line into lx->toks.  No tokens means the end of the
 * file.  Comments, blank lines and line breaks inside brackets or after a
 * backslash are skipped.
 */
static int read_line(struct lexer *lx)
{
	int err = 0;

	lx->n_toks = 0;
	lx->n_open = 0;
	lx->col0 = false;
	for (;;) {
		unsigned char c;
		size_t nl, k;
		unsigned flags = 0;
		struct tok *t = NULL;

		if (lx->pos >= lx->len) {
			if (lx->n_open) {
				const struct tok *o = &lx->toks[lx->open[lx->n_open - 1]];

				err = rg_error_set(RG_EINVALID, "%s:%d: '%c' was never closed", lx->path,
						   o->line, lx->text[o->start]);
			}
			goto out;
		}
		c = (unsigned char)lx->text[lx->pos];
		nl = newline_at(lx, lx->pos);
		if (nl) {
			skip_newline(lx, nl);
			if (lx->n_toks && !lx->n_open)
				goto out;
		} else if (c == ' ' || c == '\t' || c == '\f') {
			lx->pos++;
		} else if (c == '#') {
			while (lx->pos < lx->len && !newline_at(lx, lx->pos))
				lx->pos++;
		} else if (c == '\\') {
			nl = newline_at(lx, lx->pos + 1);
			if (nl) {
				lx->pos++;
				skip_newline(lx, nl);
			} else if (lx->pos + 1 >= lx->len) {
				lx->pos++;
			} else {
				err = rg_error_set(RG_EINVALID,
						   "%s:%d: unexpected character after line continuation character",
						   lx->path, lx->line);
				goto out;
			}
		} else if (c == '\'' || c == '"') {
			err = lex_string(lx, 0, 0);
			if (err)
				goto out;
		} else if (is_ident_start(c)) {
			for (k = lx->pos + 1; k < lx->len && is_ident_char((unsigned char)lx->text[k]); k++)
				;
			if (k < lx->len && (lx->text[k] == '\'' || lx->text[k] == '"') &&
			    string_prefix(lx->text + lx->pos, k - lx->pos, &flags)) {
				err = lex_string(lx, k - lx->pos, flags);
				if (err)
					goto out;
				continue;
			}
			err = push_tok(lx, TOK_NAME, lx->pos, &t);
			if (err)
				goto out;
			lx->pos = t->end = k;
		} else if (is_digit(c) || (c == '.' && lx->pos + 1 < lx->len &&
					   is_digit((unsigned char)lx->text[lx->pos + 1]))) {
			err = push_tok(lx, TOK_NUMBER, lx->pos, &t);
			if (err)
				goto out;
			for (k = lx->pos + 1; k < lx->len; k++) {
				unsigned char d = (unsigned char)lx->text[k];
				unsigned char prev = (unsigned char)lx->text[k - 1];

				if (!is_ident_char(d) && d != '.' &&
				    !((d == '+' || d == '-') && (prev == 'e' || prev == 'E')))
					break;
			}
			lx->pos = t->end = k;
		} else {
			err = lex_op(lx);
			if (err)
				goto out;
		}
	}
out:
	return err;
}

/* Accessors on the tokens of the current logical line (inline: strlen of a literal folds). */
static inline bool tok_text_is(const struct lexer *lx, size_t i, const char *s, size_t n)
{
	const struct tok *t = &lx->toks[i];

	return t->end - t->start == n && !memcmp(lx->text + t->start, s, n);
}

static inline bool is_name(const struct lexer *lx, size_t i, const char *s)
{
	return i < lx->n_toks && lx->toks[i].kind == TOK_NAME && tok_text_is(lx, i, s, strlen(s));
}

static inline bool is_op(const struct lexer *lx, size_t i, const char *s)
{
	return i < lx->n_toks && lx->toks[i].kind == TOK_OP && tok_text_is(lx, i, s, strlen(s));
}

/* The header variable NAME token i names, or N_VARS. */
static int var_of(const struct lexer *lx, size_t i)
{
	static const size_t lengths[N_VARS] = { 8, 13, 13, 10 };
	int k;

	if (i >= lx->n_toks || lx->toks[i].kind != TOK_NAME)
		return N_VARS;
	for (k = 0; k < N_VARS; k++)
		if (tok_text_is(lx, i, var_names[k], lengths[k]))
			return k;
	return N_VARS;
}

/* true if token i is the one-character operator `c`. */
static inline bool is_op1(const struct lexer *lx, size_t i, char c)
{
	return i < lx->n_toks && lx->toks[i].kind == TOK_OP &&
	       lx->toks[i].end - lx->toks[i].start == 1 && lx->text[lx->toks[i].start] == c;
}

/* The character of one-character operator token i, or '\0'. */
static inline char op_char(const struct lexer *lx, size_t i)
{
	if (i >= lx->n_toks || lx->toks[i].kind != TOK_OP || lx->toks[i].end - lx->toks[i].start != 1)
		return '\0';
	return lx->text[lx->toks[i].start];
}

static inline bool is_open(const struct lexer *lx, size_t i)
{
	char c = op_char(lx, i);

	return c == '(' || c == '[' || c == '{';
}

static inline bool is_close(const struct lexer *lx, size_t i)
{
	char c = op_char(lx, i);

	return c == ')' || c == ']' || c == '}';
}

/* Index of the bracket closing the one at `i`, or `end` if not before `end`. */
static size_t match_close(const struct lexer *lx, size_t i, size_t end)
{
	size_t depth = 0;

	for (; i < end; i++) {
		if (is_open(lx, i)) {
			depth++;
		} else if (is_close(lx, i)) {
			if (--depth == 0)
				return i;
		}
	}
	return end;
}

/* Index of the first one-character operator `op` outside brackets in [i, end), or `end`. */
static size_t find_op(const struct lexer *lx, size_t i, size_t end, char op)
{
	size_t depth = 0;

	for (; i < end; i++) {
		if (lx->toks[i].kind != TOK_OP)
			continue;
		if (!depth && is_op1(lx, i, op))
			return i;
		if (is_open(lx, i))
			depth++;
		else if (is_close(lx, i) && depth)
			depth--;
	}
	return end;
}

/* Narrow [*a, *b) while it is one parenthesised expression: ((x)) -> x. */
static void unwrap_parens(const struct lexer *lx, size_t *a, size_t *b)
{
	while (*b - *a > 2 && is_op(lx, *a, "(") && match_close(lx, *a, *b) == *b - 1 &&
	       find_op(lx, *a + 1, *b - 1, ',') == *b - 1) {
		(*a)++;
		(*b)--;
	}
}

static bool all_strings(const struct lexer *lx, size_t a, size_t b)
{
	size_t i;

	for (i = a; i < b; i++)
		if (lx->toks[i].kind != TOK_STRING)
			return false;
	return b > a;
}

/* Append the UTF-8 encoding of code point `cp` to `s`. */
static void add_utf8(struct rg_str *s, unsigned long cp)
{
	char buf[4];
	size_t n;

	if (cp < 0x80) {
		buf[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		buf[0] = (char)(0xC0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xE0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		buf[0] = (char)(0xF0 | (cp >> 18));
		buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	rg_str_add(s, buf, n);
}

/* Read exactly `n` hex digits at `p` (before `e`) into *cp. */
static bool read_hex(const char *p, const char *e, size_t n, unsigned long *cp)
{
	size_t i;
	unsigned long v = 0;

	if ((size_t)(e - p) < n)
		return false;
	for (i = 0; i < n; i++) {
		int d = rg_hexval(p[i]);

		if (d < 0)
			return false;
		v = v * 16 + (unsigned long)d;
	}
	*cp = v;
	return true;
}

/*
 * Append the value of the str literal `t` to `out`, as Python evaluates it:
 * line breaks become \n, escapes are processed unless the literal is raw, an
 * unknown escape keeps its backslash, and {{ }} in an f-string become { }.
 * (\N{name} is kept as written: there is no table of character names.)
 */
static void decode_string(const struct lexer *lx, const struct tok *t, struct rg_str *out)
{
	static const char letters[] = "abfnrtv";	/* \a \b \f \n \r \t \v */
	const char *p = lx->text + t->body, *e = lx->text + t->body_end;
	unsigned long cp;
	size_t i, n;

	while (p < e) {
		const char *q = p;

		/* copy a run of ordinary characters at once */
		while (q < e && *q != '\r' && *q != '\\' &&
		       !((t->flags & STR_FORMAT) && (*q == '{' || *q == '}')))
			q++;
		if (q > p) {
			rg_str_add(out, p, (size_t)(q - p));
			p = q;
			continue;
		}
		if (*p == '\r') {
			rg_str_addch(out, '\n');
			p += p + 1 < e && p[1] == '\n' ? 2 : 1;
			continue;
		}
		if ((t->flags & STR_FORMAT) && (*p == '{' || *p == '}') && p + 1 < e && p[1] == *p) {
			rg_str_addch(out, *p);
			p += 2;
			continue;
		}
		if (*p != '\\' || (t->flags & STR_RAW) || p + 1 >= e) {
			rg_str_addch(out, *p++);
			continue;
		}
		p++;
		switch (*p) {
		case '\n':
			p++;
			break;
		case '\r':
			p += p + 1 < e && p[1] == '\n' ? 2 : 1;
			break;
		case '\\': case '\'': case '"':
			rg_str_addch(out, *p++);
			break;
		case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v':
			rg_str_addch(out, "\a\b\f\n\r\t\v"[strchr(letters, *p) - letters]);
			p++;
			break;
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
			cp = 0;
			for (i = 0; i < 3 && p < e && *p >= '0' && *p <= '7'; i++)
				cp = cp * 8 + (unsigned long)(*p++ - '0');
			add_utf8(out, cp);
			break;
		case 'x': case 'u': case 'U':
			n = *p == 'x' ? 2 : *p == 'u' ? 4 : 8;
			if (read_hex(p + 1, e, n, &cp) && cp <= 0x10FFFF) {
				add_utf8(out, cp);
				p += 1 + n;
			} else {
				rg_str_addch(out, '\\');
			}
			break;
		default:
			rg_str_addch(out, '\\');
			break;
		}
	}
}

/* true if [a, b) is NAME ('.' NAME)* spelling `name` exactly. */
static bool dotted_is(const struct lexer *lx, size_t a, size_t b, const char *name)
{
	size_t i, n;

	for (i = a; i < b; i++) {
		const struct tok *t = &lx->toks[i];

		if ((i - a) % 2 == 0) {
			if (t->kind != TOK_NAME)
				return false;
		} else if (!is_op(lx, i, ".") || i + 1 == b) {
			return false;
		}
		n = t->end - t->start;
		if (strncmp(name, lx->text + t->start, n) != 0)
			return false;
		name += n;
	}
	return b > a && *name == '\0';
}

static bool is_dotted(const struct lexer *lx, size_t a, size_t b)
{
	size_t i;

	for (i = a; i < b; i++)
		if ((i - a) % 2 == 0 ? lx->toks[i].kind != TOK_NAME : !is_op(lx, i, "."))
			return false;
	return b > a && (b - a) % 2 == 1;
}

/* The declared value of the dotted name [a, b), or NULL. */
static const char *lookup_const(const struct parser *p, size_t a, size_t b)
{
	size_t i;

	if (!p->const_names || !p->const_values || !is_dotted(&p->lx, a, b))
		return NULL;
	for (i = 0; i < p->const_names->n && i < p->const_values->n; i++)
		if (dotted_is(&p->lx, a, b, p->const_names->items[i]))
			return p->const_values->items[i];
	return NULL;
}

static int invalid_syntax(const struct parser *p, size_t i, const char *name)
{
	return rg_error_set(RG_EINVALID, "%s:%d: invalid syntax in the value of '%s'", p->lx.path,
			    p->lx.toks[i].line, name);
}

static int read_elem(struct parser *p, size_t a, size_t b, bool top, const char *name,
		     struct value *v);

/* Read the elements of a tuple or list, [a, b) without the brackets. */
static int read_seq(struct parser *p, size_t a, size_t b, const char *name, struct value *v)
{
	size_t seg = a, comma;
	int err = 0;

	v->kind = VALUE_SEQ;
	while (seg < b) {
		comma = find_op(&p->lx, seg, b, ',');
		if (comma == seg) {
			err = invalid_syntax(p, seg, name);
			goto out;
		}
		err = read_elem(p, seg, comma, false, name, v);
		if (err || v->kind != VALUE_SEQ)
			goto out;
		seg = comma + 1;
	}
	if (!v->items.n)
		v->kind = VALUE_NONE;
out:
	return err;
}

static void set_bad(struct value *v, enum value_kind kind, size_t a, size_t b)
{
	v->kind = kind;
	v->bad_a = a;
	v->bad_b = b;
}

/*
 * Read one value [a, b) into `v`: at the top (`top`) the whole right-hand
 * side, otherwise one element of a tuple or list, which must be a string.
 */
static int read_elem(struct parser *p, size_t a, size_t b, bool top, const char *name,
		     struct value *v)
{
	const struct lexer *lx = &p->lx;
	struct rg_str s = RG_STR_INIT;
	const char *cval;
	size_t i, ta = a, tb = b;
	int err = 0;

	if (top && find_op(lx, a, b, ',') < b) {
		/* a tuple without parentheses */
		err = read_seq(p, a, b, name, v);
		goto out;
	}
	unwrap_parens(lx, &a, &b);
	if (is_op(lx, a, "(") && b - a == 2) {
		if (top)
			v->kind = VALUE_NONE;
		else
			set_bad(v, VALUE_NOT_STRING, ta, tb);
	} else if ((is_op(lx, a, "(") || is_op(lx, a, "[")) && match_close(lx, a, b) == b - 1) {
		if (top)
			err = read_seq(p, a + 1, b - 1, name, v);
		else
			set_bad(v, VALUE_NOT_STRING, ta, tb);
	} else if (all_strings(lx, a, b)) {
		for (i = a; i < b; i++) {
			if (lx->toks[i].flags & STR_FIELDS) {
				set_bad(v, VALUE_NOT_LITERAL, ta, tb);
				goto out;
			}
			if (lx->toks[i].flags & STR_BYTES) {
				set_bad(v, VALUE_NOT_STRING, ta, tb);
				goto out;
			}
		}
		for (i = a; i < b; i++)
			decode_string(lx, &lx->toks[i], &s);
		err = rg_str_check(&s);
		if (err)
			goto out;
		if (top && !s.len) {
			v->kind = VALUE_NONE;
		} else {
			err = rg_strlist_push_owned(&v->items, rg_str_detach(&s));
			if (!err && top)
				v->kind = VALUE_STRING;
		}
	} else if (b - a == 1 && is_name(lx, a, "None")) {
		if (top)
			v->kind = VALUE_NONE;
		else
			set_bad(v, VALUE_NOT_STRING, ta, tb);
	} else if ((cval = lookup_const(p, a, b))) {
		if (top && !*cval) {
			v->kind = VALUE_NONE;
		} else {
			err = rg_strlist_push(&v->items, cval);
			if (!err && top)
				v->kind = VALUE_STRING;
		}
	} else if ((b - a == 1 && (lx->toks[a].kind == TOK_NUMBER || is_name(lx, a, "True") ||
				  is_name(lx, a, "False") || is_op(lx, a, "..."))) ||
		   (b - a == 2 && is_op(lx, a, "-") && lx->toks[a + 1].kind == TOK_NUMBER) ||
		   (is_op(lx, a, "{") && match_close(lx, a, b) == b - 1)) {
		set_bad(v, VALUE_NOT_STRING, ta, tb);
	} else {
		set_bad(v, VALUE_NOT_LITERAL, ta, tb);
	}
out:
	rg_str_release(&s);
	return err;
}

/*
 * Append the source of tokens [a, b) to `s` on one line: comments and line
 * breaks between tokens become one space, and a long excerpt is cut.
 */
static void add_excerpt(struct rg_str *s, const struct lexer *lx, size_t a, size_t b)
{
	size_t i, k, start = s->len;

	for (i = a; i < b; i++) {
		const struct tok *t = &lx->toks[i];

		if (i > a && t->start > lx->toks[i - 1].end)
			rg_str_addch(s, ' ');
		for (k = t->start; k < t->end; k++) {
			char c = lx->text[k];

			rg_str_addch(s, c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
		}
	}
	if (!s->failed && s->len - start > MAX_EXCERPT) {
		k = start + MAX_EXCERPT;
		while (k > start && ((unsigned char)s->buf[k] & 0xC0) == 0x80)
			k--;
		rg_str_setlen(s, k);
		rg_str_adds(s, "...");
	}
}

/* Append a warning about the value of variable `name` (tokens [a, b)). */
static void warn_value(struct parser *p, const char *name, enum value_kind kind, size_t a, size_t b)
{
	struct rg_str *w = p->warnings;

	if (!w)
		return;
	rg_str_addf(w, "%s:%d: warning: %s ", p->lx.path, p->lx.toks[a].line, name);
	if (kind == VALUE_NOT_LITERAL)
		rg_str_adds(w, "is not a literal ('");
	else if (!strcmp(name, "revision"))
		rg_str_adds(w, "is not a single string ('");
	else
		rg_str_adds(w, "is not a string or a sequence of strings ('");
	add_excerpt(w, &p->lx, a, b);
	if (kind == VALUE_NOT_LITERAL)
		rg_str_adds(w, "'); declare its value in the [revgraph:constants] section of the ini file\n");
	else
		rg_str_adds(w, "'); ignored\n");
}

/* Record `value` [a, b) as the value of every variable in `targets`. */
static int assign(struct parser *p, const bool *targets, int line, size_t a, size_t b)
{
	struct value v = { VALUE_NONE, RG_STRLIST_INIT, 0, 0 };
	int err = 0, k;

	for (k = 0; k < N_VARS; k++) {
		struct var *var = &p->vars[k];

		if (!targets[k])
			continue;
		rg_strlist_release(&v.items);
		v.kind = VALUE_NONE;
		err = read_elem(p, a, b, true, var_names[k], &v);
		if (err)
			goto out;
		if (k == VAR_REVISION && v.kind == VALUE_SEQ)
			set_bad(&v, VALUE_NOT_STRING, a, b);
		rg_strlist_release(&var->items);
		var->line = line;
		var->usable = true;
		if (v.kind == VALUE_NOT_LITERAL || v.kind == VALUE_NOT_STRING) {
			warn_value(p, var_names[k], v.kind, v.bad_a, v.bad_b);
			var->usable = false;
			continue;
		}
		if (k == VAR_REVISION && v.kind == VALUE_NONE)
			var->usable = false;
		var->items = v.items;
		rg_strlist_init(&v.items);
	}
out:
	rg_strlist_release(&v.items);
	return err;
}

/*
 * A module-level simple statement [a, b): the docstring if it comes first,
 * an assignment to a header variable, or one that replaces upgrade() or
 * downgrade() by something revgraph cannot see into.
 */
static int handle_stmt(struct parser *p, size_t a, size_t b)
{
	const struct lexer *lx = &p->lx;
	bool targets[N_VARS] = { false };
	bool any = false;
	size_t i, eq, ua = a, ub = b;
	int err = 0, k;

	if (a == b)
		goto out;
	if (!p->seen_stmt) {
		p->seen_stmt = true;
		unwrap_parens(lx, &ua, &ub);
		if (all_strings(lx, ua, ub)) {
			for (i = ua; i < ub; i++)
				if (lx->toks[i].flags & (STR_BYTES | STR_FORMAT))
					goto out;
			for (i = ua; i < ub; i++)
				decode_string(lx, &lx->toks[i], &p->doc);
			err = rg_str_check(&p->doc);
			goto out;
		}
	}
	/* targets: `x = y = value`, or one `x: annotation = value` */
	i = a;
	while (i + 1 < b && lx->toks[i].kind == TOK_NAME && is_op(lx, i + 1, "=")) {
		if ((k = var_of(lx, i)) < N_VARS)
			targets[k] = any = true;
		if (is_name(lx, i, "upgrade") || is_name(lx, i, "downgrade"))
			p->noop = false;
		i += 2;
	}
	if (i == a && lx->toks[a].kind == TOK_NAME && is_op(lx, a + 1, ":")) {
		eq = find_op(lx, a + 2, b, '=');
		if (eq == b)
			goto out;
		if ((k = var_of(lx, a)) < N_VARS)
			targets[k] = any = true;
		if (is_name(lx, a, "upgrade") || is_name(lx, a, "downgrade"))
			p->noop = false;
		i = eq + 1;
	}
	if (!any)
		goto out;
	if (i == b) {
		err = rg_error_set(RG_EINVALID, "%s:%d: missing value after '='", lx->path,
				   lx->toks[a].line);
		goto out;
	}
	err = assign(p, targets, lx->toks[a].line, i, b);
out:
	return err;
}

/* true if statement [a, b) does nothing: pass, ..., or string literals. */
static bool stmt_is_noop(const struct lexer *lx, size_t a, size_t b)
{
	size_t i;

	if (a == b)
		return true;
	if (b - a == 1 && (is_name(lx, a, "pass") || is_op(lx, a, "...")))
		return true;
	unwrap_parens(lx, &a, &b);
	if (!all_strings(lx, a, b))
		return false;
	for (i = a; i < b; i++)
		if (lx->toks[i].flags & STR_FIELDS)
			return false;
	return true;
}

/* true if every `;`-separated statement of [a, b) does nothing. */
static bool stmts_are_noop(const struct lexer *lx, size_t a, size_t b)
{
	size_t semi;

	while (a < b) {
		semi = find_op(lx, a, b, ';');
		if (!stmt_is_noop(lx, a, semi))
			return false;
		a = semi + 1;
	}
	return true;
}

/* true if the logical line opens a compound statement (its body may follow a colon). */
static bool is_compound(const struct lexer *lx)
{
	static const char *const keywords[] = {
		"if", "elif", "else", "for", "while", "try", "except", "finally", "with", "def",
		"class", "async", NULL
	};
	const struct tok *t = &lx->toks[0];
	size_t i, n;

	if (!lx->n_toks || t->kind != TOK_NAME)
		return false;
	n = t->end - t->start;
	if (n < 2 || n > 7)
		return false;
	for (i = 0; keywords[i]; i++)
		if (keywords[i][0] == lx->text[t->start] &&
		    tok_text_is(lx, 0, keywords[i], strlen(keywords[i])))
			return true;
	return false;
}

/* Look at one logical line. */
static int handle_line(struct parser *p)
{
	const struct lexer *lx = &p->lx;
	size_t n = lx->n_toks, a, semi, name, colon;
	int err = 0;

	if (!lx->col0) {
		/* inside a block; an indented first line cannot be a docstring */
		p->seen_stmt = true;
		if (p->in_hook && (is_compound(lx) || !stmts_are_noop(lx, 0, n)))
			p->noop = false;
		goto out;
	}
	p->in_hook = false;
	if (is_compound(lx)) {
		p->seen_stmt = true;
		name = is_name(lx, 0, "async") && is_name(lx, 1, "def") ? 2 : 1;
		if (!is_name(lx, name - 1, "def") ||
		    !(is_name(lx, name, "upgrade") || is_name(lx, name, "downgrade")))
			goto out;
		p->in_hook = true;
		/* the header ends at the first ':' outside the parameters and annotation */
		colon = find_op(lx, name + 1, n, ':');
		if (colon < n && !stmts_are_noop(lx, colon + 1, n))
			p->noop = false;
		goto out;
	}
	for (a = 0; a < n; a = semi + 1) {
		semi = find_op(lx, a, n, ';');
		err = handle_stmt(p, a, semi);
		if (err)
			goto out;
	}
out:
	return err;
}

/* true if `name` is Alembic's legacy revision file name: hex digits + ".py". */
static bool legacy_name(const char *name)
{
	size_t n = strlen(name), i;

	if (n < 4 || strcmp(name + n - 3, ".py") != 0)
		return false;
	for (i = 0; i < n - 3; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

static bool is_py_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int rg_pyheader_parse(struct rg_revision *out, const char *path, const char *text, size_t len,
		      const struct rg_strlist *const_names, const struct rg_strlist *const_values,
		      struct rg_str *warnings)
{
	struct parser p;
	struct tok toks[INLINE_TOKS];
	size_t open[MAX_BRACKETS];
	struct var *rev;
	const char *base;
	char *id = NULL, *doc = NULL;
	size_t da, db;
	int err = 0, k;

	memset(&p, 0, sizeof(p));
	p.lx.path = path;
	p.lx.text = text;
	p.lx.len = len;
	p.lx.line = 1;
	p.lx.toks = p.lx.inline_toks = toks;
	p.lx.alloc_toks = INLINE_TOKS;
	p.lx.open = open;
	p.const_names = const_names;
	p.const_values = const_values;
	p.warnings = warnings;
	p.noop = true;
	rg_str_init(&p.doc);
	for (k = 0; k < N_VARS; k++)
		rg_strlist_init(&p.vars[k].items);
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		p.lx.pos = p.lx.line_start = 3;

	for (;;) {
		err = read_line(&p.lx);
		if (err)
			goto out;
		if (!p.lx.n_toks)
			break;
		err = handle_line(&p);
		if (err)
			goto out;
	}

	rev = &p.vars[VAR_REVISION];
	if (rev->line && rev->usable) {
		id = rev->items.items[0];
		rev->items.items[0] = NULL;
	} else {
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (!legacy_name(base)) {
			err = rg_error_set(RG_EINVALID,
					   "Could not determine revision id from filename %s. Be sure the "
					   "'revision' variable is declared inside the script (please see "
					   "'Upgrading from Alembic 0.1 to 0.2' in the documentation).",
					   base);
			goto out;
		}
		rev->line = 0;
		id = rg_strndup(base, strlen(base) - 3);
		if (!id) {
			err = RG_ENOMEM;
			goto out;
		}
	}
	if (!p.vars[VAR_DOWN].line) {
		err = rg_error_set(RG_EINVALID, "%s:1: 'down_revision' is not declared", path);
		goto out;
	}

	da = 0;
	db = p.doc.len;
	while (da < db && is_py_space(p.doc.buf[da]))
		da++;
	while (db > da && is_py_space(p.doc.buf[db - 1]))
		db--;
	doc = rg_strndup(p.doc.buf + da, db - da);
	if (!doc) {
		err = RG_ENOMEM;
		goto out;
	}
	if (warnings) {
		err = rg_str_check(warnings);
		if (err)
			goto out;
	}

	free(out->id);
	out->id = id;
	id = NULL;
	free(out->doc);
	out->doc = doc;
	doc = NULL;
	rg_strlist_release(&out->down);
	out->down = p.vars[VAR_DOWN].items;
	rg_strlist_init(&p.vars[VAR_DOWN].items);
	rg_strlist_release(&out->labels);
	out->labels = p.vars[VAR_LABELS].items;
	rg_strlist_init(&p.vars[VAR_LABELS].items);
	rg_strlist_release(&out->deps);
	out->deps = p.vars[VAR_DEPS].items;
	rg_strlist_init(&p.vars[VAR_DEPS].items);
	out->has_deps = out->deps.n > 0;
	out->body_is_noop = p.noop;
	out->line_id = rev->line;
	out->line_down = p.vars[VAR_DOWN].line;
	out->line_labels = p.vars[VAR_LABELS].line;
	out->line_deps = p.vars[VAR_DEPS].line;
out:
	free(id);
	free(doc);
	rg_str_release(&p.doc);
	for (k = 0; k < N_VARS; k++)
		rg_strlist_release(&p.vars[k].items);
	if (p.lx.toks != toks)
		free(p.lx.toks);
	return err;
}
