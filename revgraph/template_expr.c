/*
 * The Python expressions of the Mako subset (template_expr.h): the values
 * Alembic's templates handle, a tokenizer and parser for the expressions
 * and statements they write, a tiny regular-expression engine for
 * re.split(), and the evaluator.  The template layer (template.c) parses
 * text and control lines around them and renders.
 */
#include "template_expr.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "pyrepr.h"
#include "revgraph/common.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* State, arena and errors                                             */

struct chunk {
	struct chunk *next;
	union { max_align_t a; void *p; } data[];
};

void rg_mako_state_release(struct mk *mk)
{
	struct chunk *c;

	free(mk->declared);
	free(mk->module_names);
	while ((c = mk->arena)) {
		mk->arena = c->next;
		free(c);
	}
}

void *rg_mako_alloc(struct mk *mk, size_t n)
{
	struct chunk *c;

	if (n > SIZE_MAX - sizeof(*c) - sizeof(max_align_t)) {
		rg_error_set(RG_ENOMEM, "out of memory");
		return NULL;
	}
	c = rg_malloc(sizeof(*c) + n);
	if (!c)
		return NULL;
	c->next = mk->arena;
	mk->arena = c;
	memset(c->data, 0, n);
	return c->data;
}

char *rg_mako_strndup(struct mk *mk, const char *s, size_t n)
{
	char *p = rg_mako_alloc(mk, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* The arena copy of `s`, or NULL (error set) if `s` failed or on OOM. */
static char *astr_detach(struct mk *mk, struct rg_str *s)
{
	char *p = NULL;

	if (!rg_str_check(s))
		p = rg_mako_strndup(mk, s->buf, s->len);
	rg_str_release(s);
	return p;
}

static unsigned line_of(const struct mk *mk, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off && i < mk->len; i++)
		if (mk->text[i] == '\n')
			line++;
	return line;
}

int rg_mako_fail(struct mk *mk, size_t off, int code, const char *fmt, ...)
{
	struct rg_str raw = RG_STR_INIT, msg = RG_STR_INIT;
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	rg_str_vaddf(&raw, fmt, ap);
	va_end(ap);
	/* one line: control characters quoted from the template are escaped */
	for (p = raw.buf; *p; p++) {
		if (*p == '\n')
			rg_str_adds(&msg, "\\n");
		else if (*p == '\r')
			rg_str_adds(&msg, "\\r");
		else if (*p == '\t')
			rg_str_adds(&msg, "\\t");
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			rg_str_addf(&msg, "\\x%02x", (unsigned char)*p);
		else
			rg_str_addch(&msg, *p);
	}
	if (!rg_str_check(&raw) && !rg_str_check(&msg))
		rg_error_set(code, "%s:%u: %s", mk->path, line_of(mk, off), msg.buf);
	rg_str_release(&raw);
	rg_str_release(&msg);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

/* A variable: a local (<% %>, for), or a module-level name (<%! %>). */
struct binding {
	const char *name;
	struct val v;
	struct binding *next;
};

static const char *const fn_names[] = {
	"repr", "str", "comma", "context.get", "config.get_main_option", "re.split"
};

static struct val mkfn(enum fn fn)
{
	struct val v = { V_FUNC, false, NULL, NULL, 0, fn };

	return v;
}

static struct val mkbool(bool b)
{
	struct val v = { V_BOOL, b, NULL, NULL, 0, F_REPR };

	return v;
}

const char *rg_mako_type_name(const struct val *v)
{
	switch (v->kind) {
	case V_NONE: return "NoneType";
	case V_BOOL: return "bool";
	case V_STR: return "str";
	case V_TUPLE: return "tuple";
	case V_LIST: return "list";
	case V_UNDEF: return "Undefined";
	case V_DATETIME: return "datetime";
	case V_CONFIG: return "Config";
	case V_CONTEXT: return "Context";
	case V_RE: return "module";
	case V_FUNC: return "function";
	}
	return "object";
}

bool rg_mako_truthy(const struct val *v)
{
	switch (v->kind) {
	case V_NONE:
	case V_UNDEF:
		return false;
	case V_BOOL:
		return v->b;
	case V_STR:
		return v->s[0] != '\0';
	case V_TUPLE:
	case V_LIST:
		return v->n > 0;
	default:
		return true;
	}
}

/* Decode one UTF-8 sequence (already validated) at s; its length in *n. */
uint32_t rg_mako_utf8_cp(const unsigned char *s, size_t *n)
{
	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*n = 2;
		return ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
	}
	if ((s[0] & 0xf0) == 0xe0) {
		*n = 3;
		return ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
		       (s[2] & 0x3f);
	}
	*n = 4;
	return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
	       ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
}

/* Length of the valid UTF-8 sequence at s (len bytes left), 0 if invalid. */
size_t rg_mako_utf8_valid(const unsigned char *s, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	cp = rg_mako_utf8_cp(s, &i);
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Non-ASCII code points known to be printable for Python 3.11's repr()
 * (str.isprintable() over each whole range); repr() of any other non-ASCII
 * character is refused rather than guessed.
 */
static const uint32_t printable_ranges[][2] = {
	{ 0xa1, 0xac }, { 0xae, 0x2ff }, { 0x370, 0x377 }, { 0x37a, 0x37f },
	{ 0x384, 0x38a }, { 0x38c, 0x38c }, { 0x38e, 0x3a1 }, { 0x3a3, 0x52f },
	{ 0x5d0, 0x5ea }, { 0x620, 0x64a }, { 0xe01, 0xe3a }, { 0x2010, 0x2027 },
	{ 0x2030, 0x205e }, { 0x20a0, 0x20c0 }, { 0x2100, 0x218b },
	{ 0x2190, 0x2426 }, { 0x2500, 0x2775 }, { 0x3041, 0x3096 },
	{ 0x30a0, 0x30ff }, { 0x4e00, 0x9fff }, { 0xac00, 0xd7a3 },
	{ 0x1f300, 0x1f64f },
};

static bool known_printable(uint32_t cp)
{
	size_t i;

	for (i = 0; i < sizeof(printable_ranges) / sizeof(printable_ranges[0]); i++)
		if (cp >= printable_ranges[i][0] && cp <= printable_ranges[i][1])
			return true;
	return false;
}

static int repr_add(struct mk *mk, size_t off, struct rg_str *out, const struct val *v);

static int repr_seq(struct mk *mk, size_t off, struct rg_str *out, const struct val *v)
{
	size_t i;

	rg_str_addch(out, v->kind == V_TUPLE ? '(' : '[');
	for (i = 0; i < v->n; i++) {
		if (i)
			rg_str_adds(out, ", ");
		if (repr_add(mk, off, out, &v->items[i]))
			return -1;
	}
	if (v->kind == V_TUPLE && v->n == 1)
		rg_str_addch(out, ',');
	rg_str_addch(out, v->kind == V_TUPLE ? ')' : ']');
	return 0;
}

/* Python's repr() of `v` appended to `out`. */
static int repr_add(struct mk *mk, size_t off, struct rg_str *out, const struct val *v)
{
	const unsigned char *p;
	size_t n;

	switch (v->kind) {
	case V_NONE:
		rg_str_adds(out, "None");
		return 0;
	case V_BOOL:
		rg_str_adds(out, v->b ? "True" : "False");
		return 0;
	case V_STR:
		for (p = (const unsigned char *)v->s; *p; p += n) {
			uint32_t cp = rg_mako_utf8_cp(p, &n);

			if (cp >= 0x80 && !known_printable(cp))
				return UNSUPPORTED(mk, off, "repr() of the character U+%04X is not supported",
						   (unsigned)cp);
		}
		rg_py_repr_add(out, v->s);
		return 0;
	case V_TUPLE:
	case V_LIST:
		return repr_seq(mk, off, out, v);
	default:
		return UNSUPPORTED(mk, off, "repr() of a %s value is not supported", rg_mako_type_name(v));
	}
}

/* Python's str() of `v`, as an arena string in *out. */
int rg_mako_str(struct mk *mk, size_t off, const struct val *v, const char **out)
{
	struct rg_str s = RG_STR_INIT;

	switch (v->kind) {
	case V_STR:
	case V_DATETIME:
		*out = v->s;
		return 0;
	case V_UNDEF:
		return INVALID(mk, off, "NameError: Undefined");
	case V_NONE:
	case V_BOOL:
	case V_TUPLE:
	case V_LIST:
		if (repr_add(mk, off, &s, v)) {
			rg_str_release(&s);
			return -1;
		}
		*out = astr_detach(mk, &s);
		return *out ? 0 : -1;
	default:
		return UNSUPPORTED(mk, off, "str() of a %s value is not supported", rg_mako_type_name(v));
	}
}

/* Alembic's util.format_as_comma. */
int rg_mako_comma(struct mk *mk, size_t off, const struct val *v, struct val *out)
{
	struct rg_str s = RG_STR_INIT;
	size_t i;

	if (v->kind == V_NONE) {
		*out = mkstr("");
		return 0;
	}
	if (v->kind == V_STR) {
		*out = *v;
		return 0;
	}
	if (v->kind != V_TUPLE && v->kind != V_LIST)
		return INVALID(mk, off, "ValueError: Don't know how to comma-format a %s value",
			       rg_mako_type_name(v));
	for (i = 0; i < v->n; i++) {
		if (v->items[i].kind != V_STR) {
			rg_str_release(&s);
			return INVALID(mk, off, "TypeError: sequence item %zu: expected str instance, %s found",
				       i, rg_mako_type_name(&v->items[i]));
		}
		if (i)
			rg_str_adds(&s, ", ");
		rg_str_adds(&s, v->items[i].s);
	}
	*out = mkstr(astr_detach(mk, &s));
	return out->s ? 0 : -1;
}

static bool py_isspace(uint32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f) ||
	       cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* str.strip() of an arena string. */
int rg_mako_strip(struct mk *mk, const char *s, const char **out)
{
	const unsigned char *p = (const unsigned char *)s, *start, *end;
	size_t n;

	while (*p) {
		if (!py_isspace(rg_mako_utf8_cp(p, &n)))
			break;
		p += n;
	}
	start = end = p;
	while (*p) {
		bool sp = py_isspace(rg_mako_utf8_cp(p, &n));

		p += n;
		if (!sp)
			end = p;
	}
	*out = rg_mako_strndup(mk, (const char *)start, (size_t)(end - start));
	return *out ? 0 : -1;
}

/* Equality as Python sees it for the value kinds the subset has. */
static int equal(struct mk *mk, size_t off, const struct val *a, const struct val *b, bool *eq)
{
	size_t i;

	if (a->kind == V_UNDEF || b->kind == V_UNDEF) {
		*eq = a->kind == b->kind;
		return 0;
	}
	if (a->kind > V_LIST || b->kind > V_LIST)
		return UNSUPPORTED(mk, off, "comparing %s values is not supported",
				   a->kind > V_LIST ? rg_mako_type_name(a) : rg_mako_type_name(b));
	if (a->kind != b->kind) {
		*eq = false;
		return 0;
	}
	switch (a->kind) {
	case V_NONE:
		*eq = true;
		return 0;
	case V_BOOL:
		*eq = a->b == b->b;
		return 0;
	case V_STR:
		*eq = !strcmp(a->s, b->s);
		return 0;
	default:
		*eq = a->n == b->n;
		for (i = 0; *eq && i < a->n; i++)
			if (equal(mk, off, &a->items[i], &b->items[i], eq))
				return -1;
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* The Python tokenizer                                                */

/* Decode a string literal whose opening quote is at q; prefix flags given. */
static int lex_string(struct lex *lx, size_t start, size_t q, bool raw)
{
	struct mk *mk = lx->mk;
	const char *t = mk->text;
	char quote = t[q];
	bool triple = q + 2 < lx->end && t[q + 1] == quote && t[q + 2] == quote;
	size_t i = q + (triple ? 3 : 1);
	struct rg_str s = RG_STR_INIT;

	for (;;) {
		char c;

		if (i >= lx->end) {
			rg_str_release(&s);
			return INVALID(mk, start, "unterminated string literal");
		}
		c = t[i];
		if (c == quote && (!triple || (i + 2 < lx->end && t[i + 1] == quote &&
					       t[i + 2] == quote))) {
			i += triple ? 3 : 1;
			break;
		}
		if ((c == '\n' || c == '\r') && !triple) {
			rg_str_release(&s);
			return INVALID(mk, start, "unterminated string literal");
		}
		if (c == '\t' && lx->code && !triple) {
			/* Mako expands tabs in <% %> lines before Python sees them */
			rg_str_release(&s);
			return UNSUPPORTED(mk, i, "a tab inside a string literal of a <%% %%> block is not supported");
		}
		if (c != '\\') {
			rg_str_addch(&s, c);
			i++;
			continue;
		}
		if (i + 1 >= lx->end) {
			rg_str_release(&s);
			return INVALID(mk, start, "unterminated string literal");
		}
		c = t[i + 1];
		if (raw) {
			rg_str_addch(&s, '\\');
			rg_str_addch(&s, c);
			i += 2;
			continue;
		}
		i += 2;
		switch (c) {
		case '\n': break;
		case '\r':
			if (i < lx->end && t[i] == '\n')
				i++;
			break;
		case '\\': rg_str_addch(&s, '\\'); break;
		case '\'': rg_str_addch(&s, '\''); break;
		case '"': rg_str_addch(&s, '"'); break;
		case 'a': rg_str_addch(&s, '\a'); break;
		case 'b': rg_str_addch(&s, '\b'); break;
		case 'f': rg_str_addch(&s, '\f'); break;
		case 'n': rg_str_addch(&s, '\n'); break;
		case 'r': rg_str_addch(&s, '\r'); break;
		case 't': rg_str_addch(&s, '\t'); break;
		case 'v': rg_str_addch(&s, '\v'); break;
		case 'x': case 'u': case 'U': case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7': {
			int ndig = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 3;
			uint32_t cp = 0;
			int k;

			if (c >= '0' && c <= '7') {
				cp = (uint32_t)(c - '0');
				for (k = 1; k < 3 && i < lx->end && t[i] >= '0' && t[i] <= '7'; k++, i++)
					cp = cp * 8 + (uint32_t)(t[i] - '0');
			} else {
				for (k = 0; k < ndig; k++, i++) {
					if (i >= lx->end || rg_hexval(t[i]) < 0) {
						rg_str_release(&s);
						return INVALID(mk, start, "truncated \\%c escape in a string literal", c);
					}
					cp = cp * 16 + (uint32_t)rg_hexval(t[i]);
				}
			}
			if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
				rg_str_release(&s);
				return UNSUPPORTED(mk, start, "the escape of U+%04X in a string literal is not supported",
						   (unsigned)cp);
			}
			rg_str_add_utf8(&s, cp);
			break;
		}
		case 'N':
			rg_str_release(&s);
			return UNSUPPORTED(mk, start, "\\N{...} escapes are not supported");
		default:
			rg_str_addch(&s, '\\');
			rg_str_addch(&s, c);
			break;
		}
	}
	lx->tok.kind = T_STR;
	lx->tok.off = start;
	lx->tok.len = i - start;
	lx->tok.str = astr_detach(mk, &s);
	lx->pos = i;
	return lx->tok.str ? 0 : -1;
}

/* Advance to the next token. */
int rg_mako_lex_next(struct lex *lx)
{
	struct mk *mk = lx->mk;
	const char *t = mk->text;
	size_t i = lx->pos;

	for (;;) {
		if (i >= lx->end)
			break;
		if (t[i] == ' ' || t[i] == '\t' || t[i] == '\f' || t[i] == '\r') {
			i++;
		} else if (t[i] == '\\' && i + 1 < lx->end &&
			   (t[i + 1] == '\n' || (t[i + 1] == '\r' && i + 2 < lx->end && t[i + 2] == '\n'))) {
			i += t[i + 1] == '\n' ? 2 : 3;
		} else if (t[i] == '#') {
			while (i < lx->end && t[i] != '\n')
				i++;
			if (lx->expr && !lx->n_tok)
				lx->comment_line = true;
		} else if (t[i] == '\n') {
			if (lx->code && lx->depth == 0) {
				lx->tok.kind = T_NEWLINE;
				lx->tok.off = i;
				lx->tok.len = 1;
				lx->pos = i + 1;
				return 0;
			}
			if (lx->expr && lx->depth == 0 && lx->n_tok)
				lx->broken = true;
			i++;
		} else {
			break;
		}
	}
	lx->tok.off = i;
	lx->tok.str = NULL;
	if (i >= lx->end) {
		lx->tok.kind = T_END;
		lx->tok.len = 0;
		lx->pos = i;
		return 0;
	}
	if (lx->expr) {
		/*
		 * Mako parses the text of ${} as a Python module (after lstrip)
		 * but writes it inside str(...): a second logical line either
		 * fails to compile or joins the first in ways not worth copying.
		 */
		if (lx->broken)
			return UNSUPPORTED(mk, i, "a ${} expression going on after a line break is not supported");
		if (!lx->n_tok && lx->comment_line && t[i - 1] != '\n')
			return INVALID(mk, i, "IndentationError: unexpected indent");
		lx->n_tok++;
	}
	if (is_name_start((unsigned char)t[i])) {
		size_t j = i, k;
		bool raw = false, other = false;

		while (j < lx->end && is_name_char((unsigned char)t[j]))
			j++;
		for (k = i; k < j; k++)
			if ((unsigned char)t[k] >= 0x80)
				return UNSUPPORTED(mk, i, "non-ASCII names are not supported");
		if (j < lx->end && (t[j] == '\'' || t[j] == '"') && j - i <= 2) {
			bool prefix = true;

			for (k = i; k < j; k++) {
				char c = (char)(t[k] | 0x20);

				if (c == 'r')
					raw = true;
				else if (c == 'b' || c == 'f')
					other = true;
				else if (c != 'u')
					prefix = false;
			}
			if (prefix && other)
				return UNSUPPORTED(mk, i, "bytes and f-string literals are not supported");
			if (prefix)
				return lex_string(lx, i, j, raw);
		}
		lx->tok.kind = T_NAME;
		lx->tok.len = j - i;
		lx->pos = j;
		return 0;
	}
	if (t[i] == '\'' || t[i] == '"')
		return lex_string(lx, i, i, false);
	if (t[i] >= '0' && t[i] <= '9') {
		size_t j = i;

		while (j < lx->end && is_name_char((unsigned char)t[j]))
			j++;
		lx->tok.kind = T_NUM;
		lx->tok.len = j - i;
		lx->pos = j;
		return 0;
	}
	lx->tok.kind = T_OP;
	lx->tok.len = 1;
	if (i + 1 < lx->end && t[i + 1] == '=' && strchr("=!<>", t[i]))
		lx->tok.len = 2;
	if (strchr("([{", t[i]))
		lx->depth++;
	else if (strchr(")]}", t[i]) && lx->depth > 0)
		lx->depth--;
	lx->pos = i + lx->tok.len;
	return 0;
}

bool rg_mako_tok_is(const struct lex *lx, const char *s)
{
	return (lx->tok.kind == T_OP || lx->tok.kind == T_NAME) &&
	       lx->tok.len == strlen(s) && !memcmp(lx->mk->text + lx->tok.off, s, lx->tok.len);
}

int rg_mako_tok_unexpected(struct lex *lx)
{
	const struct tok *tk = &lx->tok;

	switch (tk->kind) {
	case T_END:
		return INVALID(lx->mk, tk->off, "unexpected end of expression");
	case T_NEWLINE:
		return INVALID(lx->mk, tk->off, "unexpected end of line");
	case T_NUM:
		return UNSUPPORTED(lx->mk, tk->off, "number literals are not supported ('%.*s')",
				   (int)tk->len, lx->mk->text + tk->off);
	default:
		return UNSUPPORTED(lx->mk, tk->off, "unsupported Python syntax at '%.*s'",
				   (int)(tk->len > 40 ? 40 : tk->len), lx->mk->text + tk->off);
	}
}

int rg_mako_expect(struct lex *lx, const char *s)
{
	if (!rg_mako_tok_is(lx, s))
		return rg_mako_tok_unexpected(lx);
	return rg_mako_lex_next(lx);
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */

enum ekind {
	E_CONST, E_NAME, E_ATTR, E_CALL, E_MOD, E_ADD, E_NOT, E_AND, E_OR,
	E_IFEXP, E_CMP, E_TUPLE, E_LIST
};

enum cmp { C_EQ, C_NE, C_IS, C_ISNOT, C_IN, C_NOTIN };

struct expr {
	enum ekind kind;
	size_t off;
	struct val cval;		/* E_CONST */
	const char *name;		/* E_NAME, E_ATTR */
	enum cmp cmp;			/* E_CMP */
	struct expr *a, *b, *c;
	struct expr **args;		/* E_CALL, E_TUPLE, E_LIST */
	size_t n;
};

static const char *const keywords[] = {
	"False", "None", "True", "and", "as", "assert", "async", "await", "break",
	"class", "continue", "def", "del", "elif", "else", "except", "finally",
	"for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
	"not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
};

bool rg_mako_is_keyword(const struct lex *lx)
{
	size_t i;

	if (lx->tok.kind != T_NAME)
		return false;
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (rg_mako_tok_is(lx, keywords[i]))
			return true;
	return false;
}

static struct expr *new_expr(struct mk *mk, enum ekind kind, size_t off)
{
	struct expr *e = rg_mako_alloc(mk, sizeof(*e));

	if (e) {
		e->kind = kind;
		e->off = off;
	}
	return e;
}

static bool name_in(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static bool is_declared(const struct mk *mk, const char *name)
{
	return name_in(mk->declared, mk->n_declared, name);
}

/* Add `name` to a set of names kept in a growable array. */
static int add_name(const char ***names, size_t *n, size_t *alloc, const char *name)
{
	if (name_in(*names, *n, name))
		return 0;
	if (RG_GROW(*names, *n + 1, *alloc))
		return -1;
	(*names)[(*n)++] = name;
	return 0;
}

/*
 * Mako makes every name a <% %> block or a `% for` assigns anywhere in the
 * template a local of the generated render function: using it before an
 * assignment ran is Python's UnboundLocalError, never a context lookup.
 */
int rg_mako_declare(struct mk *mk, const char *name, size_t off)
{
	if (name_in(mk->module_names, mk->n_module_names, name))
		goto both;
	return add_name(&mk->declared, &mk->n_declared, &mk->alloc_declared, name);
both:
	/* Python would make the module-level name a local of the whole body */
	return UNSUPPORTED(mk, off, "'%s' is assigned both in <%%! %%> and in the template body", name);
}

int rg_mako_declare_module(struct mk *mk, const char *name, size_t off)
{
	if (is_declared(mk, name))
		return UNSUPPORTED(mk, off, "'%s' is assigned both in <%%! %%> and in the template body",
				   name);
	return add_name(&mk->module_names, &mk->n_module_names, &mk->alloc_module_names, name);
}

static int parse_or(struct lex *lx, struct expr **out);

/* Comma-separated expressions up to `close`; the opening token is consumed. */
static int parse_list(struct lex *lx, const char *close, struct expr ***args, size_t *n,
		      bool *trailing_comma)
{
	size_t alloc = 0;

	*args = NULL;
	*n = 0;
	*trailing_comma = false;
	while (!rg_mako_tok_is(lx, close)) {
		struct expr *e;

		if (rg_mako_parse_expr(lx, &e))
			goto fail;
		if (lx->tok.kind == T_OP && lx->tok.len == 1 && lx->mk->text[lx->tok.off] == '=')
			return UNSUPPORTED(lx->mk, lx->tok.off, "keyword arguments are not supported");
		if (RG_GROW(*args, *n + 1, alloc))
			goto fail;
		(*args)[(*n)++] = e;
		*trailing_comma = false;
		if (!rg_mako_tok_is(lx, ","))
			break;
		*trailing_comma = true;
		if (rg_mako_lex_next(lx))
			goto fail;
	}
	if (rg_mako_expect(lx, close))
		goto fail;
	/* move the array into the arena */
	if (*n) {
		struct expr **copy = rg_mako_alloc(lx->mk, *n * sizeof(*copy));

		if (!copy)
			goto fail;
		memcpy(copy, *args, *n * sizeof(*copy));
		free(*args);
		*args = copy;
	}
	return 0;
fail:
	free(*args);
	*args = NULL;
	return -1;
}

static int parse_atom(struct lex *lx, struct expr **out)
{
	struct mk *mk = lx->mk;
	struct expr *e;
	size_t off = lx->tok.off;

	if (lx->tok.kind == T_STR) {
		struct rg_str s = RG_STR_INIT;

		while (lx->tok.kind == T_STR) {
			rg_str_adds(&s, lx->tok.str);
			if (rg_mako_lex_next(lx)) {
				rg_str_release(&s);
				return -1;
			}
		}
		if (!(e = new_expr(mk, E_CONST, off))) {
			rg_str_release(&s);
			return -1;
		}
		e->cval = mkstr(astr_detach(mk, &s));
		*out = e;
		return e->cval.s ? 0 : -1;
	}
	if (rg_mako_tok_is(lx, "None") || rg_mako_tok_is(lx, "True") || rg_mako_tok_is(lx, "False")) {
		if (!(e = new_expr(mk, E_CONST, off)))
			return -1;
		e->cval = rg_mako_tok_is(lx, "None") ? mkkind(V_NONE) : mkbool(rg_mako_tok_is(lx, "True"));
		*out = e;
		return rg_mako_lex_next(lx);
	}
	if (lx->tok.kind == T_NAME && !rg_mako_is_keyword(lx)) {
		if (!(e = new_expr(mk, E_NAME, off)))
			return -1;
		if (!(e->name = rg_mako_strndup(mk, mk->text + off, lx->tok.len)))
			return -1;
		*out = e;
		return rg_mako_lex_next(lx);
	}
	if (rg_mako_tok_is(lx, "(")) {
		bool trailing;

		if (rg_mako_lex_next(lx))
			return -1;
		if (!(e = new_expr(mk, E_TUPLE, off)))
			return -1;
		if (parse_list(lx, ")", &e->args, &e->n, &trailing))
			return -1;
		if (e->n == 1 && !trailing)
			e = e->args[0];	/* parenthesised expression */
		*out = e;
		return 0;
	}
	if (rg_mako_tok_is(lx, "[")) {
		bool trailing;

		if (rg_mako_lex_next(lx))
			return -1;
		if (!(e = new_expr(mk, E_LIST, off)))
			return -1;
		if (parse_list(lx, "]", &e->args, &e->n, &trailing))
			return -1;
		*out = e;
		return 0;
	}
	return rg_mako_tok_unexpected(lx);
}

static int parse_postfix(struct lex *lx, struct expr **out)
{
	struct expr *e = NULL, *p;

	if (parse_atom(lx, &e))
		return -1;
	for (;;) {
		size_t off = lx->tok.off;

		if (rg_mako_tok_is(lx, ".")) {
			if (rg_mako_lex_next(lx))
				return -1;
			if (lx->tok.kind != T_NAME || rg_mako_is_keyword(lx))
				return rg_mako_tok_unexpected(lx);
			if (!(p = new_expr(lx->mk, E_ATTR, off)))
				return -1;
			p->a = e;
			if (!(p->name = rg_mako_strndup(lx->mk, lx->mk->text + lx->tok.off, lx->tok.len)))
				return -1;
			if (rg_mako_lex_next(lx))
				return -1;
			e = p;
		} else if (rg_mako_tok_is(lx, "(")) {
			bool trailing;

			if (rg_mako_lex_next(lx))
				return -1;
			if (!(p = new_expr(lx->mk, E_CALL, off)))
				return -1;
			p->a = e;
			if (parse_list(lx, ")", &p->args, &p->n, &trailing))
				return -1;
			e = p;
		} else if (rg_mako_tok_is(lx, "[")) {
			return UNSUPPORTED(lx->mk, off, "subscripts are not supported");
		} else {
			break;
		}
	}
	*out = e;
	return 0;
}

/* term := postfix ('%' postfix)*  (Python's multiplicative level) */
static int parse_term(struct lex *lx, struct expr **out)
{
	struct expr *e = NULL, *p;

	if (parse_postfix(lx, &e))
		return -1;
	while (rg_mako_tok_is(lx, "%")) {
		if (!(p = new_expr(lx->mk, E_MOD, lx->tok.off)))
			return -1;
		if (rg_mako_lex_next(lx))
			return -1;
		p->a = e;
		if (parse_postfix(lx, &p->b))
			return -1;
		e = p;
	}
	if (rg_mako_tok_is(lx, "*") || rg_mako_tok_is(lx, "/") || rg_mako_tok_is(lx, "@"))
		return UNSUPPORTED(lx->mk, lx->tok.off, "the operator '%.*s' is not supported",
				   (int)lx->tok.len, lx->mk->text + lx->tok.off);
	*out = e;
	return 0;
}

/* arith := term ('+' term)* */
static int parse_arith(struct lex *lx, struct expr **out)
{
	struct expr *e = NULL, *p;

	if (parse_term(lx, &e))
		return -1;
	while (rg_mako_tok_is(lx, "+")) {
		if (!(p = new_expr(lx->mk, E_ADD, lx->tok.off)))
			return -1;
		if (rg_mako_lex_next(lx))
			return -1;
		p->a = e;
		if (parse_term(lx, &p->b))
			return -1;
		e = p;
	}
	if (rg_mako_tok_is(lx, "-") || rg_mako_tok_is(lx, "|") || rg_mako_tok_is(lx, "&") || rg_mako_tok_is(lx, "^"))
		return UNSUPPORTED(lx->mk, lx->tok.off, "the operator '%.*s' is not supported",
				   (int)lx->tok.len, lx->mk->text + lx->tok.off);
	*out = e;
	return 0;
}

static int parse_cmp(struct lex *lx, struct expr **out)
{
	struct expr *e = NULL, *p;
	enum cmp op;
	size_t off;

	if (parse_arith(lx, &e))
		return -1;
	off = lx->tok.off;
	if (rg_mako_tok_is(lx, "==")) {
		op = C_EQ;
	} else if (rg_mako_tok_is(lx, "!=")) {
		op = C_NE;
	} else if (rg_mako_tok_is(lx, "in")) {
		op = C_IN;
	} else if (rg_mako_tok_is(lx, "is")) {
		op = C_IS;
	} else if (rg_mako_tok_is(lx, "not")) {
		op = C_NOTIN;
	} else {
		if (rg_mako_tok_is(lx, "<") || rg_mako_tok_is(lx, ">") || rg_mako_tok_is(lx, "<=") || rg_mako_tok_is(lx, ">="))
			return UNSUPPORTED(lx->mk, off, "ordering comparisons are not supported");
		*out = e;
		return 0;
	}
	if (rg_mako_lex_next(lx))
		return -1;
	if (op == C_IS && rg_mako_tok_is(lx, "not")) {
		op = C_ISNOT;
		if (rg_mako_lex_next(lx))
			return -1;
	} else if (op == C_NOTIN) {
		if (rg_mako_expect(lx, "in"))
			return -1;
	}
	if (!(p = new_expr(lx->mk, E_CMP, off)))
		return -1;
	p->cmp = op;
	p->a = e;
	if (parse_arith(lx, &p->b))
		return -1;
	if (rg_mako_tok_is(lx, "==") || rg_mako_tok_is(lx, "!=") || rg_mako_tok_is(lx, "in") || rg_mako_tok_is(lx, "is") ||
	    rg_mako_tok_is(lx, "<") || rg_mako_tok_is(lx, ">") || rg_mako_tok_is(lx, "<=") || rg_mako_tok_is(lx, ">="))
		return UNSUPPORTED(lx->mk, lx->tok.off, "chained comparisons are not supported");
	*out = p;
	return 0;
}

static int parse_not(struct lex *lx, struct expr **out)
{
	struct expr *p;

	if (!rg_mako_tok_is(lx, "not"))
		return parse_cmp(lx, out);
	if (++lx->mk->depth > 200)
		return UNSUPPORTED(lx->mk, lx->tok.off, "expression nested too deeply");
	if (!(p = new_expr(lx->mk, E_NOT, lx->tok.off)))
		return -1;
	if (rg_mako_lex_next(lx) || parse_not(lx, &p->a))
		return -1;
	lx->mk->depth--;
	*out = p;
	return 0;
}

static int parse_and(struct lex *lx, struct expr **out)
{
	struct expr *e = NULL, *p;

	if (parse_not(lx, &e))
		return -1;
	while (rg_mako_tok_is(lx, "and")) {
		if (!(p = new_expr(lx->mk, E_AND, lx->tok.off)))
			return -1;
		p->a = e;
		if (rg_mako_lex_next(lx) || parse_not(lx, &p->b))
			return -1;
		e = p;
	}
	*out = e;
	return 0;
}

static int parse_or(struct lex *lx, struct expr **out)
{
	struct expr *e = NULL, *p;

	if (parse_and(lx, &e))
		return -1;
	while (rg_mako_tok_is(lx, "or")) {
		if (!(p = new_expr(lx->mk, E_OR, lx->tok.off)))
			return -1;
		p->a = e;
		if (rg_mako_lex_next(lx) || parse_and(lx, &p->b))
			return -1;
		e = p;
	}
	*out = e;
	return 0;
}

/* expr := or_test ['if' or_test 'else' expr] */
int rg_mako_parse_expr(struct lex *lx, struct expr **out)
{
	struct expr *e = NULL, *p;

	if (++lx->mk->depth > 200)
		return UNSUPPORTED(lx->mk, lx->tok.off, "expression nested too deeply");
	if (rg_mako_tok_is(lx, "lambda"))
		return UNSUPPORTED(lx->mk, lx->tok.off, "lambda is not supported");
	if (parse_or(lx, &e))
		return -1;
	if (rg_mako_tok_is(lx, "if")) {
		if (!(p = new_expr(lx->mk, E_IFEXP, lx->tok.off)))
			return -1;
		p->a = e;
		if (rg_mako_lex_next(lx) || parse_or(lx, &p->b) || rg_mako_expect(lx, "else"))
			return -1;
		if (rg_mako_parse_expr(lx, &p->c))
			return -1;
		e = p;
	}
	lx->mk->depth--;
	*out = e;
	return 0;
}

/* A whole expression: exprs separated by commas form a tuple. */
int rg_mako_parse_testlist(struct lex *lx, struct expr **out)
{
	struct expr *e, *t;
	struct expr **items = NULL;
	size_t n = 0, alloc = 0;
	size_t off = lx->tok.off;

	if (rg_mako_parse_expr(lx, &e))
		return -1;
	if (!rg_mako_tok_is(lx, ",")) {
		*out = e;
		return 0;
	}
	for (;;) {
		if (RG_GROW(items, n + 1, alloc))
			goto fail;
		items[n++] = e;
		if (!rg_mako_tok_is(lx, ","))
			break;
		if (rg_mako_lex_next(lx))
			goto fail;
		if (lx->tok.kind == T_END || lx->tok.kind == T_NEWLINE || rg_mako_tok_is(lx, ":"))
			break;
		if (rg_mako_parse_expr(lx, &e))
			goto fail;
	}
	if (!(t = new_expr(lx->mk, E_TUPLE, off)) ||
	    !(t->args = rg_mako_alloc(lx->mk, n * sizeof(*t->args))))
		goto fail;
	memcpy(t->args, items, n * sizeof(*items));
	t->n = n;
	free(items);
	*out = t;
	return 0;
fail:
	free(items);
	return -1;
}

/* A tokenizer over text[start..end): `code` for <% %>, `expr` for ${}. */
int rg_mako_lex_init(struct lex *lx, struct mk *mk, size_t start, size_t end, bool code, bool expr)
{
	memset(lx, 0, sizeof(*lx));
	lx->mk = mk;
	lx->pos = start;
	lx->end = end;
	lx->code = code;
	lx->expr = expr;
	return rg_mako_lex_next(lx);
}

/* ------------------------------------------------------------------ */
/* A tiny regular-expression engine for re.split()                      */

enum rkind { R_CHAR, R_ANY, R_CLASS };

struct ritem {
	enum rkind kind;
	uint32_t cp;			/* R_CHAR */
	bool negate;			/* R_CLASS */
	uint32_t (*ranges)[2];		/* R_CLASS: literal ranges */
	size_t n_ranges;
	unsigned classes;		/* R_CLASS: bit set of \s \S \d \D \w \W */
	unsigned min, max;		/* quantifier; max UINT_MAX = unbounded */
};

enum { RC_S = 1, RC_NS = 2, RC_D = 4, RC_ND = 8, RC_W = 16, RC_NW = 32 };

struct regex {
	struct ritem *items;
	size_t n;
};

/* The \s \d \w class bit for escape letter c, or 0. */
static unsigned class_bit(char c)
{
	switch (c) {
	case 's': return RC_S;
	case 'S': return RC_NS;
	case 'd': return RC_D;
	case 'D': return RC_ND;
	case 'w': return RC_W;
	case 'W': return RC_NW;
	default: return 0;
	}
}

/* An escaped literal in a pattern (after the backslash), or -1. */
static long escape_literal(const char *p, size_t *used)
{
	*used = 1;
	switch (*p) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'f': return '\f';
	case 'v': return '\v';
	case 'a': return '\a';
	default:
		if ((unsigned char)*p < 0x80 && !is_name_char((unsigned char)*p) && *p)
			return (unsigned char)*p;
		return -1;
	}
}

static void regex_release(struct regex *re)
{
	size_t i;

	for (i = 0; i < re->n; i++)
		free(re->items[i].ranges);
	free(re->items);
	re->items = NULL;
	re->n = 0;
}

static int regex_compile(struct mk *mk, size_t off, const char *pat, struct regex *re)
{
	size_t alloc = 0, used;
	const unsigned char *p = (const unsigned char *)pat;
	int ret = -1;

	re->items = NULL;
	re->n = 0;
	while (*p) {
		struct ritem it;
		long lit;

		memset(&it, 0, sizeof(it));
		it.min = it.max = 1;
		if (*p == '\\') {
			p++;
			if ((it.classes = class_bit((char)*p))) {
				it.kind = R_CLASS;
				p++;
			} else if ((lit = escape_literal((const char *)p, &used)) >= 0) {
				it.kind = R_CHAR;
				it.cp = (uint32_t)lit;
				p += used;
			} else {
				UNSUPPORTED(mk, off, "the regular expression escape '\\%c' is not supported", *p);
				goto out;
			}
		} else if (*p == '.') {
			it.kind = R_ANY;
			p++;
		} else if (*p == '[') {
			size_t ralloc = 0;

			it.kind = R_CLASS;
			p++;
			if (*p == '^') {
				it.negate = true;
				p++;
			}
			do {
				uint32_t lo, hi;
				size_t n;

				if (!*p) {
					INVALID(mk, off, "unterminated character set in regular expression");
					goto out_class;
				}
				if (*p == '[' || (*p == '-' && p[1] != ']')) {
					UNSUPPORTED(mk, off, "this character set in a regular expression is not supported");
					goto out_class;
				}
				if (*p == '\\') {
					unsigned bit = class_bit((char)p[1]);

					if (bit) {
						it.classes |= bit;
						p += 2;
						continue;
					}
					if ((lit = escape_literal((const char *)p + 1, &used)) < 0) {
						UNSUPPORTED(mk, off, "the regular expression escape '\\%c' is not supported", p[1]);
						goto out_class;
					}
					lo = (uint32_t)lit;
					p += 1 + used;
				} else {
					lo = rg_mako_utf8_cp(p, &n);
					p += n;
				}
				hi = lo;
				if (*p == '-' && p[1] && p[1] != ']') {
					if (p[1] == '\\' || p[1] == '[') {
						UNSUPPORTED(mk, off, "this character set in a regular expression is not supported");
						goto out_class;
					}
					hi = rg_mako_utf8_cp(p + 1, &n);
					p += 1 + n;
					if (hi < lo) {
						INVALID(mk, off, "bad character range in regular expression");
						goto out_class;
					}
				}
				if (RG_GROW(it.ranges, it.n_ranges + 1, ralloc))
					goto out_class;
				it.ranges[it.n_ranges][0] = lo;
				it.ranges[it.n_ranges][1] = hi;
				it.n_ranges++;
			} while (*p != ']');
			p++;
			if (0) {
out_class:
				free(it.ranges);
				goto out;
			}
		} else if (strchr("^$|(){}*+?", (char)*p)) {
			UNSUPPORTED(mk, off, "the regular expression operator '%c' is not supported here", *p);
			goto out;
		} else {
			size_t n;

			it.kind = R_CHAR;
			it.cp = rg_mako_utf8_cp(p, &n);
			p += n;
		}
		if (*p == '*' || *p == '+' || *p == '?') {
			it.min = *p == '+' ? 1 : 0;
			it.max = *p == '?' ? 1 : UINT32_MAX;
			p++;
			if (*p == '*' || *p == '+' || *p == '?' || *p == '{') {
				free(it.ranges);
				UNSUPPORTED(mk, off, "the regular expression operator '%c' is not supported here", *p);
				goto out;
			}
		}
		if (RG_GROW(re->items, re->n + 1, alloc)) {
			free(it.ranges);
			goto out;
		}
		re->items[re->n++] = it;
	}
	ret = 0;
out:
	if (ret)
		regex_release(re);
	return ret;
}
/* Does item `it` match code point cp?  -1 (error set) when unsure. */
static int item_matches(struct mk *mk, size_t off, const struct ritem *it, uint32_t cp)
{
	size_t i;
	bool m = false;

	switch (it->kind) {
	case R_CHAR:
		return cp == it->cp;
	case R_ANY:
		return cp != '\n';
	case R_CLASS:
		for (i = 0; i < it->n_ranges; i++)
			if (cp >= it->ranges[i][0] && cp <= it->ranges[i][1])
				m = true;
		if (it->classes && cp >= 0x80 && !m)
			return UNSUPPORTED(mk, off, "\\s, \\d and \\w of non-ASCII text are not supported");
		if (((it->classes & RC_S) && py_isspace(cp)) ||
		    ((it->classes & RC_NS) && !py_isspace(cp)) ||
		    ((it->classes & RC_D) && cp >= '0' && cp <= '9') ||
		    ((it->classes & RC_ND) && !(cp >= '0' && cp <= '9')) ||
		    ((it->classes & RC_W) && is_name_char((unsigned char)cp)) ||
		    ((it->classes & RC_NW) && !is_name_char((unsigned char)cp)))
			m = true;
		return m != it->negate;
	}
	return 0;
}

/*
 * Backtracking match of items[k..] against cps[pos..]; the end position in
 * *end.  Returns 1 matched, 0 not, -1 error.
 */
static int regex_match(struct mk *mk, size_t off, const struct regex *re, size_t k,
		       const uint32_t *cps, size_t n, size_t pos, size_t *end)
{
	const struct ritem *it;
	size_t count = 0, maxc;
	int r;

	if (k == re->n) {
		*end = pos;
		return 1;
	}
	it = &re->items[k];
	maxc = it->max == UINT32_MAX ? n - pos : it->max;
	while (count < maxc && pos + count < n) {
		r = item_matches(mk, off, it, cps[pos + count]);
		if (r < 0)
			return -1;
		if (!r)
			break;
		count++;
	}
	for (;;) {
		if (count < it->min)
			return 0;
		r = regex_match(mk, off, re, k + 1, cps, n, pos + count, end);
		if (r)
			return r;
		if (count == 0)
			return 0;
		count--;
	}
}

/* re.split(pattern, s) for the patterns the engine handles. */
static int re_split(struct mk *mk, size_t off, const char *pat, const char *s, struct val *out)
{
	struct regex re;
	uint32_t *cps = NULL;
	size_t *offs = NULL;
	size_t n = 0, len = strlen(s), i, last = 0, end;
	struct val *items = NULL;
	size_t n_items = 0, alloc_items = 0;
	const unsigned char *p;
	int r, ret = -1;

	if (regex_compile(mk, off, pat, &re))
		return -1;
	r = regex_match(mk, off, &re, 0, NULL, 0, 0, &end);
	if (r < 0)
		goto out;
	if (r) {
		UNSUPPORTED(mk, off, "a regular expression that matches the empty string is not supported");
		goto out;
	}
	if (!(cps = rg_calloc(len + 1, sizeof(*cps))) || !(offs = rg_calloc(len + 1, sizeof(*offs))))
		goto out;
	for (p = (const unsigned char *)s; *p; n++) {
		size_t k;

		offs[n] = (size_t)(p - (const unsigned char *)s);
		cps[n] = rg_mako_utf8_cp(p, &k);
		p += k;
	}
	offs[n] = len;
	for (i = 0; i < n; ) {
		r = regex_match(mk, off, &re, 0, cps, n, i, &end);
		if (r < 0)
			goto out;
		if (!r) {
			i++;
			continue;
		}
		if (RG_GROW(items, n_items + 1, alloc_items))
			goto out;
		items[n_items] = mkstr(rg_mako_strndup(mk, s + offs[last], offs[i] - offs[last]));
		if (!items[n_items++].s)
			goto out;
		last = i = end;
	}
	if (RG_GROW(items, n_items + 1, alloc_items))
		goto out;
	items[n_items] = mkstr(rg_mako_strndup(mk, s + offs[last], len - offs[last]));
	if (!items[n_items++].s)
		goto out;
	*out = mkkind(V_LIST);
	{
		struct val *copy = rg_mako_alloc(mk, n_items * sizeof(*copy));

		if (!copy)
			goto out;
		memcpy(copy, items, n_items * sizeof(*copy));
		out->items = copy;
		out->n = n_items;
	}
	ret = 0;
out:
	free(items);
	free(cps);
	free(offs);
	regex_release(&re);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */

/* Python's builtins (3.11) that the subset does not provide. */
static const char *const other_builtins[] = {
	"ArithmeticError", "AssertionError", "AttributeError", "BaseException",
	"BaseExceptionGroup", "BlockingIOError", "BrokenPipeError", "BufferError",
	"BytesWarning", "ChildProcessError", "ConnectionAbortedError",
	"ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
	"DeprecationWarning", "EOFError", "Ellipsis", "EncodingWarning",
	"EnvironmentError", "Exception", "ExceptionGroup", "FileExistsError",
	"FileNotFoundError", "FloatingPointError", "FutureWarning",
	"GeneratorExit", "IOError", "ImportError", "ImportWarning",
	"IndentationError", "IndexError", "InterruptedError", "IsADirectoryError",
	"KeyError", "KeyboardInterrupt", "LookupError", "MemoryError",
	"ModuleNotFoundError", "NameError", "NotADirectoryError", "NotImplemented",
	"NotImplementedError", "OSError", "OverflowError",
	"PendingDeprecationWarning", "PermissionError", "ProcessLookupError",
	"RecursionError", "ReferenceError", "ResourceWarning", "RuntimeError",
	"RuntimeWarning", "StopAsyncIteration", "StopIteration", "SyntaxError",
	"SyntaxWarning", "SystemError", "SystemExit", "TabError", "TimeoutError",
	"TypeError", "UnboundLocalError", "UnicodeDecodeError",
	"UnicodeEncodeError", "UnicodeError", "UnicodeTranslateError",
	"UnicodeWarning", "UserWarning", "ValueError", "Warning",
	"ZeroDivisionError", "__build_class__", "__debug__", "__doc__",
	"__import__", "__loader__", "__name__", "__package__", "__spec__", "abs",
	"aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint",
	"bytearray", "bytes", "callable", "chr", "classmethod", "compile",
	"complex", "copyright", "credits", "delattr", "dict", "dir", "divmod",
	"enumerate", "eval", "exec", "exit", "filter", "float", "format",
	"frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id",
	"input", "int", "isinstance", "issubclass", "iter", "len", "license",
	"list", "locals", "map", "max", "memoryview", "min", "next", "object",
	"oct", "open", "ord", "pow", "print", "property", "quit", "range",
	"reversed", "round", "set", "setattr", "slice", "sorted", "staticmethod",
	"sum", "super", "tuple", "type", "vars", "zip",
	/* Mako's own names */
	"loop", "STOP_RENDERING", "capture", "caller", "self", "local", "parent",
	"pageargs",
};

static bool is_other_builtin(const char *name)
{
	return name_in(other_builtins, sizeof(other_builtins) / sizeof(other_builtins[0]), name);
}

static struct binding *find_binding(struct binding *b, const char *name)
{
	for (; b; b = b->next)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

int rg_mako_bind(struct mk *mk, struct binding **scope, const char *name, const struct val *v)
{
	struct binding *b = find_binding(*scope, name);

	if (!b) {
		if (!(b = rg_mako_alloc(mk, sizeof(*b))))
			return -1;
		b->name = name;
		b->next = *scope;
		*scope = b;
	}
	b->v = *v;
	return 0;
}

static struct val pyval(const struct rg_pyval *p, struct val *items_store)
{
	struct val v;
	size_t i;

	switch (p->kind) {
	case RG_PYVAL_STR:
		return mkstr(p->str ? p->str : "");
	case RG_PYVAL_TUPLE:
	case RG_PYVAL_LIST:
		v = mkkind(p->kind == RG_PYVAL_LIST ? V_LIST : V_TUPLE);
		for (i = 0; i < p->n; i++)
			items_store[i] = mkstr(p->items[i] ? p->items[i] : "");
		v.items = items_store;
		v.n = p->n;
		return v;
	default:
		return mkkind(V_NONE);
	}
}

/*
 * The render() keyword arguments Alembic passes: returns 1 and *out when
 * `name` is one, 0 when not.
 */
static int context_var(struct mk *mk, const char *name, struct val *out)
{
	const struct rg_mako_vars *vars = mk->vars;
	const struct rg_pyval *pv = NULL;
	const char *s = NULL;

	if (!strcmp(name, "up_revision")) {
		*out = mkstr(vars->up_revision ? vars->up_revision : "");
		return 1;
	}
	if (!strcmp(name, "down_revision"))
		pv = &vars->down_revision;
	else if (!strcmp(name, "branch_labels"))
		pv = &vars->branch_labels;
	else if (!strcmp(name, "depends_on"))
		pv = &vars->depends_on;
	if (pv) {
		struct val *items = NULL;

		if ((pv->kind == RG_PYVAL_TUPLE || pv->kind == RG_PYVAL_LIST) && pv->n &&
		    !(items = rg_mako_alloc(mk, pv->n * sizeof(*items))))
			return -1;
		*out = pyval(pv, items);
		return 1;
	}
	if (!strcmp(name, "message")) {
		*out = mkstr(vars->message ? vars->message : "");
		return 1;
	}
	if (!strcmp(name, "create_date")) {
		*out = mkkind(V_DATETIME);
		out->s = vars->create_date ? vars->create_date : "";
		return 1;
	}
	if (!strcmp(name, "comma")) {
		*out = mkfn(F_COMMA);
		return 1;
	}
	if (!strcmp(name, "config")) {
		/* `merge` passes the string "config" where `revision` passes the Config */
		*out = vars->get_main_option ? mkkind(V_CONFIG) : mkstr("config");
		return 1;
	}
	if (!strcmp(name, "imports"))
		s = vars->imports;
	else if (!strcmp(name, "upgrades"))
		s = vars->upgrades;
	else if (!strcmp(name, "downgrades"))
		s = vars->downgrades;
	else
		return 0;
	if (!s)
		return 0;
	*out = mkstr(s);
	return 1;
}

int rg_mako_lookup(struct mk *mk, const char *name, size_t off, bool module, struct val *out)
{
	struct binding *b;
	int r;

	if (!module) {
		if ((b = find_binding(mk->locals, name))) {
			*out = b->v;
			return 0;
		}
		if (is_declared(mk, name))
			return INVALID(mk, off, "UnboundLocalError: '%s' is used before it is assigned", name);
	}
	if ((b = find_binding(mk->globals, name))) {
		*out = b->v;
		return 0;
	}
	if (!module) {
		if (!strcmp(name, "context")) {
			*out = mkkind(V_CONTEXT);
			return 0;
		}
		if (!strcmp(name, "UNDEFINED")) {
			*out = mkkind(V_UNDEF);
			return 0;
		}
		if ((r = context_var(mk, name, out)))
			return r < 0 ? -1 : 0;
	}
	if (!strcmp(name, "repr") || !strcmp(name, "str")) {
		*out = mkfn(name[0] == 'r' ? F_REPR : F_STR);
		return 0;
	}
	if (is_other_builtin(name))
		return UNSUPPORTED(mk, off, "the name '%s' is not supported", name);
	if (module)
		return INVALID(mk, off, "NameError: name '%s' is not defined", name);
	*out = mkkind(V_UNDEF);
	return 0;
}


static int call(struct mk *mk, const struct expr *e, const struct val *fn,
		const struct val *args, size_t n, struct val *out)
{
	const char *s;
	int r;

	if (fn->kind == V_UNDEF)
		return INVALID(mk, e->off, "TypeError: 'Undefined' object is not callable");
	if (fn->kind != V_FUNC)
		return INVALID(mk, e->off, "TypeError: '%s' object is not callable", rg_mako_type_name(fn));
	switch (fn->fn) {
	case F_REPR:
	case F_COMMA:
		if (n != 1)
			return INVALID(mk, e->off, "TypeError: %s() takes exactly one argument (%zu given)",
				       fn_names[fn->fn], n);
		if (fn->fn == F_COMMA)
			return rg_mako_comma(mk, e->off, &args[0], out);
		{
			struct rg_str buf = RG_STR_INIT;

			if (repr_add(mk, e->off, &buf, &args[0])) {
				rg_str_release(&buf);
				return -1;
			}
			*out = mkstr(astr_detach(mk, &buf));
			return out->s ? 0 : -1;
		}
	case F_STR:
		if (n > 1)
			return UNSUPPORTED(mk, e->off, "str() with more than one argument is not supported");
		if (n == 0) {
			*out = mkstr("");
			return 0;
		}
		if (rg_mako_str(mk, e->off, &args[0], &s))
			return -1;
		*out = mkstr(s);
		return 0;
	case F_CTX_GET:
		if (n < 1 || n > 2)
			return INVALID(mk, e->off, "TypeError: context.get() takes 1 or 2 arguments (%zu given)", n);
		if (args[0].kind != V_STR)
			return UNSUPPORTED(mk, e->off, "context.get() of a %s key is not supported",
					   rg_mako_type_name(&args[0]));
		if ((r = context_var(mk, args[0].s, out)))
			return r < 0 ? -1 : 0;
		if (!strcmp(args[0].s, "repr") || !strcmp(args[0].s, "str")) {
			*out = mkfn(args[0].s[0] == 'r' ? F_REPR : F_STR);
			return 0;
		}
		if (is_other_builtin(args[0].s))
			return UNSUPPORTED(mk, e->off, "context.get('%s') is not supported", args[0].s);
		*out = n == 2 ? args[1] : mkkind(V_NONE);
		return 0;
	case F_CFG_GET:
		if (n < 1 || n > 2)
			return INVALID(mk, e->off, "TypeError: get_main_option() takes 1 or 2 arguments (%zu given)", n);
		if (args[0].kind != V_STR)
			return UNSUPPORTED(mk, e->off, "get_main_option() of a %s name is not supported",
					   rg_mako_type_name(&args[0]));
		s = mk->vars->get_main_option(mk->vars->ud, args[0].s);
		if (s)
			*out = mkstr(s);
		else
			*out = n == 2 ? args[1] : mkkind(V_NONE);
		return 0;
	case F_RE_SPLIT:
		if (n != 2)
			return UNSUPPORTED(mk, e->off, "re.split() with other than two arguments is not supported");
		if (args[0].kind != V_STR)
			return UNSUPPORTED(mk, e->off, "re.split() with a %s pattern is not supported",
					   rg_mako_type_name(&args[0]));
		if (args[1].kind != V_STR)
			return INVALID(mk, e->off, "TypeError: expected string or bytes-like object, got '%s'",
				       rg_mako_type_name(&args[1]));
		return re_split(mk, e->off, args[0].s, args[1].s, out);
	}
	return UNSUPPORTED(mk, e->off, "this call is not supported");
}

/* The %-operator of str: %s, %r and %% only. */
static int format(struct mk *mk, size_t off, const char *fmt, const struct val *arg, struct val *out)
{
	struct rg_str s = RG_STR_INIT;
	const struct val *args = arg;
	size_t n = 1, used = 0;
	const char *p, *str;

	if (arg->kind == V_TUPLE) {
		args = arg->items;
		n = arg->n;
	}
	for (p = fmt; *p; p++) {
		if (*p != '%') {
			rg_str_addch(&s, *p);
			continue;
		}
		p++;
		if (*p == '%') {
			rg_str_addch(&s, '%');
			continue;
		}
		if (*p != 's' && *p != 'r') {
			rg_str_release(&s);
			if (!*p)
				return INVALID(mk, off, "ValueError: incomplete format");
			return UNSUPPORTED(mk, off, "the format '%%%c' is not supported", *p);
		}
		if (used >= n) {
			rg_str_release(&s);
			return INVALID(mk, off, "TypeError: not enough arguments for format string");
		}
		if (*p == 'r') {
			if (repr_add(mk, off, &s, &args[used++])) {
				rg_str_release(&s);
				return -1;
			}
			continue;
		}
		if (rg_mako_str(mk, off, &args[used++], &str)) {
			rg_str_release(&s);
			return -1;
		}
		rg_str_adds(&s, str);
	}
	if (used < n) {
		rg_str_release(&s);
		return INVALID(mk, off, "TypeError: not all arguments converted during string formatting");
	}
	*out = mkstr(astr_detach(mk, &s));
	return out->s ? 0 : -1;
}

static int eval_cmp(struct mk *mk, const struct expr *e, const struct val *a,
		    const struct val *b, struct val *out)
{
	bool r = false, eq;
	size_t i;

	switch (e->cmp) {
	case C_EQ:
	case C_NE:
		if (equal(mk, e->off, a, b, &eq))
			return -1;
		r = e->cmp == C_EQ ? eq : !eq;
		break;
	case C_IS:
	case C_ISNOT:
		if (a->kind != V_NONE && b->kind != V_NONE && a->kind != V_UNDEF && b->kind != V_UNDEF)
			return UNSUPPORTED(mk, e->off, "'is' is supported only with None or UNDEFINED");
		r = a->kind == b->kind;
		if (a->kind == V_BOOL)
			r = r && a->b == b->b;
		if (e->cmp == C_ISNOT)
			r = !r;
		break;
	case C_IN:
	case C_NOTIN:
		if (b->kind == V_STR) {
			if (a->kind != V_STR)
				return INVALID(mk, e->off, "TypeError: 'in <string>' requires string as left operand, not %s",
					       rg_mako_type_name(a));
			r = strstr(b->s, a->s) != NULL;
		} else if (b->kind == V_TUPLE || b->kind == V_LIST) {
			for (i = 0; i < b->n && !r; i++) {
				if (equal(mk, e->off, a, &b->items[i], &eq))
					return -1;
				r = eq;
			}
		} else {
			return INVALID(mk, e->off, "TypeError: argument of type '%s' is not iterable", rg_mako_type_name(b));
		}
		if (e->cmp == C_NOTIN)
			r = !r;
		break;
	}
	*out = mkbool(r);
	return 0;
}

/* Does Python's str have this attribute (a method or a dunder)? */
static bool is_str_attr(const char *name)
{
	static const char *const methods[] = {
		"capitalize", "casefold", "center", "count", "encode", "endswith",
		"expandtabs", "find", "format", "format_map", "index", "isalnum",
		"isalpha", "isascii", "isdecimal", "isdigit", "isidentifier",
		"islower", "isnumeric", "isprintable", "isspace", "istitle",
		"isupper", "join", "ljust", "lower", "lstrip", "maketrans",
		"partition", "removeprefix", "removesuffix", "replace", "rfind",
		"rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
		"splitlines", "startswith", "strip", "swapcase", "title",
		"translate", "upper", "zfill",
	};

	return !strncmp(name, "__", 2) || name_in(methods, sizeof(methods) / sizeof(methods[0]), name);
}

int rg_mako_eval(struct mk *mk, const struct expr *e, bool module, struct val *out)
{
	struct val a, b, *args = NULL;
	size_t i;
	int ret = -1;

	switch (e->kind) {
	case E_CONST:
		*out = e->cval;
		return 0;
	case E_NAME:
		return rg_mako_lookup(mk, e->name, e->off, module, out);
	case E_ATTR:
		if (rg_mako_eval(mk, e->a, module, &a))
			return -1;
		if (a.kind == V_CONTEXT && !strcmp(e->name, "get"))
			*out = mkfn(F_CTX_GET);
		else if (a.kind == V_CONFIG && !strcmp(e->name, "get_main_option"))
			*out = mkfn(F_CFG_GET);
		else if (a.kind == V_RE && !strcmp(e->name, "split"))
			*out = mkfn(F_RE_SPLIT);
		else if ((a.kind == V_STR && !is_str_attr(e->name)) || a.kind == V_UNDEF ||
			 (a.kind == V_NONE && strncmp(e->name, "__", 2)))
			return INVALID(mk, e->off, "AttributeError: '%s' object has no attribute '%s'",
				       rg_mako_type_name(&a), e->name);
		else
			return UNSUPPORTED(mk, e->off, "the attribute '%s' of a %s value is not supported",
					   e->name, rg_mako_type_name(&a));
		return 0;
	case E_CALL:
		if (rg_mako_eval(mk, e->a, module, &a))
			return -1;
		if (e->n && !(args = rg_mako_alloc(mk, e->n * sizeof(*args))))
			return -1;
		for (i = 0; i < e->n; i++)
			if (rg_mako_eval(mk, e->args[i], module, &args[i]))
				return -1;
		return call(mk, e, &a, args, e->n, out);
	case E_TUPLE:
	case E_LIST:
		*out = mkkind(e->kind == E_TUPLE ? V_TUPLE : V_LIST);
		if (e->n && !(args = rg_mako_alloc(mk, e->n * sizeof(*args))))
			return -1;
		for (i = 0; i < e->n; i++)
			if (rg_mako_eval(mk, e->args[i], module, &args[i]))
				return -1;
		out->items = args;
		out->n = e->n;
		return 0;
	case E_MOD:
	case E_ADD:
		if (rg_mako_eval(mk, e->a, module, &a) || rg_mako_eval(mk, e->b, module, &b))
			return -1;
		if (e->kind == E_MOD) {
			if (a.kind != V_STR)
				return UNSUPPORTED(mk, e->off, "'%%' of a %s value is not supported", rg_mako_type_name(&a));
			return format(mk, e->off, a.s, &b, out);
		}
		if (a.kind == V_STR && b.kind == V_STR) {
			size_t la = strlen(a.s), lb = strlen(b.s);
			char *s = rg_mako_alloc(mk, la + lb + 1);

			if (!s)
				return -1;
			memcpy(s, a.s, la);
			memcpy(s + la, b.s, lb + 1);
			*out = mkstr(s);
			return 0;
		}
		if ((a.kind == V_TUPLE && b.kind == V_TUPLE) || (a.kind == V_LIST && b.kind == V_LIST)) {
			*out = a;
			if (a.n + b.n && !(args = rg_mako_alloc(mk, (a.n + b.n) * sizeof(*args))))
				return -1;
			for (i = 0; i < a.n; i++)
				args[i] = a.items[i];
			for (i = 0; i < b.n; i++)
				args[a.n + i] = b.items[i];
			out->items = args;
			out->n = a.n + b.n;
			return 0;
		}
		return INVALID(mk, e->off, "TypeError: unsupported operand types for +: '%s' and '%s'",
			       rg_mako_type_name(&a), rg_mako_type_name(&b));
	case E_NOT:
		if (rg_mako_eval(mk, e->a, module, &a))
			return -1;
		*out = mkbool(!rg_mako_truthy(&a));
		return 0;
	case E_AND:
	case E_OR:
		if (rg_mako_eval(mk, e->a, module, &a))
			return -1;
		if (rg_mako_truthy(&a) == (e->kind == E_OR)) {
			*out = a;
			return 0;
		}
		return rg_mako_eval(mk, e->b, module, out);
	case E_IFEXP:
		if (rg_mako_eval(mk, e->b, module, &a))
			return -1;
		return rg_mako_eval(mk, rg_mako_truthy(&a) ? e->a : e->c, module, out);
	case E_CMP:
		if (rg_mako_eval(mk, e->a, module, &a) || rg_mako_eval(mk, e->b, module, &b))
			return -1;
		return eval_cmp(mk, e, &a, &b, out);
	}
	return ret;
}
