/*
 * The Mako-subset renderer (template.h): Mako 1.2's lexer rules for text,
 * `${expr | filters}`, `%` control lines (for/if/elif/else), `##` comments,
 * `<% %>` and `<%! %>` blocks, `<%doc>` and `\` line joins, and the
 * rendering of what they parse to.  The Python expressions inside them are
 * template_expr.c's.  Anything else is refused with "<path>:<line>: ..."
 * instead of being guessed at.
 */
#include "template.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "template_expr.h"
#include "revgraph/common.h"
#include "banned.h"

/* ------------------------------------------------------------------ */
/* Template nodes                                                      */

enum nkind { N_TEXT, N_EXPR, N_CODE, N_FOR, N_IF };

struct stmt {
	size_t off;
	const char *target;	/* NULL: `import re` */
	struct expr *value;
	struct stmt *next;
};

struct branch {
	struct expr *cond;	/* NULL: else */
	struct node *body;
	struct branch *next;
};

struct node {
	enum nkind kind;
	size_t off;
	const char *text;		/* N_TEXT */
	size_t len;
	struct expr *expr;		/* N_EXPR; N_FOR: the iterable */
	bool empty;			/* N_EXPR: `${}`, no expression at all */
	const char **filters;		/* N_EXPR */
	size_t *filter_offs;
	size_t n_filters;
	bool module;			/* N_CODE: <%! %> */
	struct stmt *stmts;		/* N_CODE */
	const char *target;		/* N_FOR */
	struct node *body;		/* N_FOR */
	struct branch *branches;	/* N_IF */
	struct node *next;
};

/* An open `% for` / `% if` while parsing. */
struct frame {
	struct node *node;
	struct node **tail;	/* where the body's next node goes */
	const char *keyword;
	bool empty_first;	/* N_IF: its first branch wrote nothing, ... */
	size_t empty_first_at;	/* ... as found at this `% elif`/`% else` */
};

/*
 * Whether a body writes a Python statement in the module Mako compiles:
 * comments and doc blocks leave no node, and a `<%! %>` block (and a
 * `<% %>` block without statements) writes nothing where it stands.
 */
static bool writes_statement(const struct node *n)
{
	for (; n; n = n->next)
		if (n->kind != N_CODE || (!n->module && n->stmts))
			return true;
	return false;
}

struct parser {
	struct mk *mk;
	size_t pos;
	struct node *root;
	struct node **tail;
	struct frame *frames;
	size_t n_frames, alloc_frames;
	struct node **modules;	/* every <%! %> block, in order */
	size_t n_modules, alloc_modules;
};

static struct node *append(struct parser *ps, enum nkind kind, size_t off)
{
	struct node *n = rg_mako_alloc(ps->mk, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->off = off;
	*ps->tail = n;
	ps->tail = &n->next;
	return n;
}

static bool at(const struct mk *mk, size_t pos, const char *s)
{
	size_t n = strlen(s);

	return pos + n <= mk->len && !memcmp(mk->text + pos, s, n);
}

/*
 * Mako's parse_until_text(): from pos, the offset of the first of the
 * `ends` strings outside string literals and `#` comments (and outside
 * brackets when `nesting`); which one in *which.  -1 (error set) if none.
 */
static int until(struct mk *mk, size_t pos, bool nesting, const char *const *ends, size_t n_ends,
		 size_t start_off, size_t *found, size_t *which)
{
	const char *t = mk->text;
	int level = 0;
	size_t k;

	while (pos < mk->len) {
		char c = t[pos];

		if (c == '#') {
			/* Mako skips "#.*\n": a comment must end with a newline */
			size_t e = pos;

			while (e < mk->len && t[e] != '\n')
				e++;
			if (e < mk->len) {
				pos = e + 1;
				continue;
			}
		}
		if (c == '"' || c == '\'') {
			bool triple = at(mk, pos, c == '"' ? "\"\"\"" : "'''");
			size_t q = triple ? 3 : 1, e = pos + q;
			bool closed = false;

			while (e < mk->len) {
				if (t[e] == '\\') {
					e += 2;
					continue;
				}
				if (t[e] == c && (!triple || at(mk, e, c == '"' ? "\"\"\"" : "'''"))) {
					closed = true;
					e += q;
					break;
				}
				e++;
			}
			if (closed) {
				pos = e;
				continue;
			}
		}
		for (k = 0; k < n_ends; k++) {
			if (at(mk, pos, ends[k]) && !(nesting && level > 0)) {
				*found = pos;
				*which = k;
				return 0;
			}
		}
		if (c == '(' || c == '[' || c == '{')
			level++;
		else if (c == ')' || c == ']' || c == '}')
			level--;
		pos++;
	}
	if (n_ends == 1)
		return INVALID(mk, start_off, "unterminated '%.2s': expected '%s'", t + start_off, ends[0]);
	return INVALID(mk, start_off, "unterminated '%.2s': expected '%s' or '%s'", t + start_off,
		       ends[0], ends[1]);
}

/* The filters of `${expr | f1, f2}`: comma-separated names. */
static int parse_filters(struct mk *mk, struct node *n, size_t start, size_t end)
{
	struct lex lx;
	size_t i, count = 1;

	for (i = start; i < end; i++)
		if (mk->text[i] == ',')
			count++;
	if (!(n->filters = rg_mako_alloc(mk, count * sizeof(*n->filters))) ||
	    !(n->filter_offs = rg_mako_alloc(mk, count * sizeof(*n->filter_offs))))
		return -1;
	if (rg_mako_lex_init(&lx, mk, start, end, false, false))
		return -1;
	if (lx.tok.kind == T_END)
		return 0;	/* `${x | }`: no filters */
	for (;;) {
		if (lx.tok.kind != T_NAME || rg_mako_is_keyword(&lx))
			return lx.tok.kind == T_END
				? INVALID(mk, lx.tok.off, "empty filter in ${}")
				: UNSUPPORTED(mk, lx.tok.off, "unsupported filter syntax at '%.*s'",
					      (int)lx.tok.len, mk->text + lx.tok.off);
		if (n->n_filters == count)
			return UNSUPPORTED(mk, lx.tok.off, "unsupported filter syntax");
		n->filter_offs[n->n_filters] = lx.tok.off;
		n->filters[n->n_filters] = rg_mako_strndup(mk, mk->text + lx.tok.off, lx.tok.len);
		if (!n->filters[n->n_filters++] || rg_mako_lex_next(&lx))
			return -1;
		if (lx.tok.kind == T_END)
			return 0;
		if (rg_mako_expect(&lx, ","))
			return -1;
	}
}

/* `${expr}` / `${expr | filters}` at ps->pos. */
static int parse_expression(struct parser *ps)
{
	static const char *const ends[] = { "|", "}" };
	static const char *const close[] = { "}" };
	struct mk *mk = ps->mk;
	size_t start = ps->pos, body = start + 2, stop = 0, which = 0, fend = 0;
	struct lex lx;
	struct node *n;

	if (until(mk, body, true, ends, 2, start, &stop, &which))
		return -1;
	if (which == 0 && until(mk, stop + 1, true, close, 1, start, &fend, &which))
		return -1;
	if (!(n = append(ps, N_EXPR, start)))
		return -1;
	if (rg_mako_lex_init(&lx, mk, body, stop, false, true))
		return -1;
	if (lx.tok.kind == T_END) {
		/* Mako writes str() of nothing: "" (and fails with `n`) */
		n->empty = true;
	} else if (rg_mako_parse_testlist(&lx, &n->expr)) {
		return -1;
	}
	if (lx.tok.kind != T_END)
		return rg_mako_tok_unexpected(&lx);
	if (fend && parse_filters(mk, n, stop + 1, fend))
		return -1;
	ps->pos = (fend ? fend : stop) + 1;
	return 0;
}

/* The statements of a <% %> or <%! %> block between start and end. */
static int parse_code(struct parser *ps, size_t open, size_t start, size_t end, bool module)
{
	struct mk *mk = ps->mk;
	struct lex lx;
	struct node *n;
	struct stmt **tail;
	long strip = -1;

	if (!(n = append(ps, N_CODE, open)))
		return -1;
	n->module = module;
	tail = &n->stmts;
	if (module && RG_GROW(ps->modules, ps->n_modules + 1, ps->alloc_modules))
		return -1;
	if (module)
		ps->modules[ps->n_modules++] = n;
	if (rg_mako_lex_init(&lx, mk, start, end, true, false))
		return -1;
	for (;;) {
		struct stmt *st;
		size_t ls, i;
		long col = 0;

		while (lx.tok.kind == T_NEWLINE)
			if (rg_mako_lex_next(&lx))
				return -1;
		if (lx.tok.kind == T_END)
			break;
		/* Mako strips the first statement's indentation from every line */
		for (ls = lx.tok.off; ls > start && mk->text[ls - 1] != '\n'; ls--)
			;
		for (i = ls; i < lx.tok.off && col >= 0; i++) {
			if (mk->text[i] == '\t')
				col = (col / 8 + 1) * 8;
			else if (mk->text[i] == ' ' || mk->text[i] == '\f')
				col++;
			else
				col = -1;	/* after `;`: not the line's first statement */
		}
		if (strip < 0)
			strip = col;
		else if (col > 0 && col != strip)
			return INVALID(mk, lx.tok.off, "IndentationError: unexpected indent");
		if (!(st = rg_mako_alloc(mk, sizeof(*st))))
			return -1;
		st->off = lx.tok.off;
		if (rg_mako_tok_is(&lx, "import")) {
			if (rg_mako_lex_next(&lx))
				return -1;
			if (!rg_mako_tok_is(&lx, "re"))
				return UNSUPPORTED(mk, lx.tok.off, "only 'import re' is supported");
			if (rg_mako_lex_next(&lx))
				return -1;
			if (lx.tok.kind != T_NEWLINE && lx.tok.kind != T_END && !rg_mako_tok_is(&lx, ";"))
				return UNSUPPORTED(mk, lx.tok.off, "only 'import re' is supported");
			if (module ? rg_mako_declare_module(mk, "re", st->off) : rg_mako_declare(mk, "re", st->off))
				return -1;
		} else if (lx.tok.kind == T_NAME && !rg_mako_is_keyword(&lx)) {
			size_t name_off = lx.tok.off, name_len = lx.tok.len;

			if (rg_mako_lex_next(&lx))
				return -1;
			if (!(lx.tok.kind == T_OP && lx.tok.len == 1 && mk->text[lx.tok.off] == '='))
				return UNSUPPORTED(mk, st->off, "only 'name = expression' and 'import re' statements are supported");
			if (rg_mako_lex_next(&lx) || rg_mako_parse_testlist(&lx, &st->value))
				return -1;
			if (lx.tok.kind != T_NEWLINE && lx.tok.kind != T_END && !rg_mako_tok_is(&lx, ";"))
				return rg_mako_tok_unexpected(&lx);
			if (!(st->target = rg_mako_strndup(mk, mk->text + name_off, name_len)))
				return -1;
			if (module ? rg_mako_declare_module(mk, st->target, st->off)
				   : rg_mako_declare(mk, st->target, st->off))
				return -1;
		} else {
			return UNSUPPORTED(mk, st->off, "only 'name = expression' and 'import re' statements are supported");
		}
		*tail = st;
		tail = &st->next;
		if (rg_mako_tok_is(&lx, ";") && rg_mako_lex_next(&lx))
			return -1;
	}
	return 0;
}

/* `<%` or `<%!` at ps->pos. */
static int parse_python_block(struct parser *ps)
{
	static const char *const ends[] = { "%>" };
	struct mk *mk = ps->mk;
	size_t open = ps->pos, start, stop, which;
	bool module = at(mk, open, "<%!");

	start = open + (module ? 3 : 2);
	if (until(mk, start, false, ends, 1, open, &stop, &which))
		return -1;
	if (parse_code(ps, open, start, stop, module))
		return -1;
	ps->pos = stop + 2;
	return 0;
}

/* A `%` control line: `text` is what follows the `%`, up to the line's end. */
static int parse_control(struct parser *ps, size_t off, size_t start, size_t end)
{
	struct mk *mk = ps->mk;
	struct frame *fr = ps->n_frames ? &ps->frames[ps->n_frames - 1] : NULL;
	struct lex lx;
	const char *t = mk->text;
	size_t k = start, w;
	bool isend = false;
	const char *kw;

	/* Mako: (end)?(\w+)\s*(.*) */
	while (k < end && is_name_char((unsigned char)t[k]))
		k++;
	if (k == start)
		return INVALID(mk, off, "Invalid control line: '%.*s'", (int)(end - start), t + start);
	w = start;
	if (k - start > 3 && !memcmp(t + start, "end", 3)) {
		isend = true;
		w = start + 3;
	}
	if (isend) {
		if (!fr)
			return INVALID(mk, off, "No starting keyword '%.*s' for '%.*s'", (int)(k - w), t + w,
				       (int)(end - start), t + start);
		if (strlen(fr->keyword) != k - w || memcmp(fr->keyword, t + w, k - w))
			return INVALID(mk, off, "Keyword '%.*s' doesn't match keyword '%s'",
				       (int)(end - start), t + start, fr->keyword);
		/*
		 * Mako writes `pass` into an `if` only when none of its branches
		 * holds anything but comments; an empty first branch with content
		 * in a later one is an `if` without a body, which Python refuses
		 * (IndentationError).
		 */
		if (fr->empty_first) {
			const struct branch *b;

			for (b = fr->node->branches->next; b; b = b->next)
				if (b->body)
					return INVALID(mk, fr->empty_first_at,
						       "the '%% if' before this line has nothing in its body but a later branch has, which Mako cannot compile (expected an indented block)");
		}
		ps->n_frames--;
		ps->tail = fr->node ? &fr->node->next : ps->tail;
		return 0;
	}
	if (rg_mako_lex_init(&lx, mk, start, end, false, false))
		return -1;
	kw = NULL;
	if (rg_mako_tok_is(&lx, "for"))
		kw = "for";
	else if (rg_mako_tok_is(&lx, "if"))
		kw = "if";
	else if (rg_mako_tok_is(&lx, "elif"))
		kw = "elif";
	else if (rg_mako_tok_is(&lx, "else"))
		kw = "else";
	if (!kw || lx.tok.off != start || lx.tok.off + lx.tok.len != k)
		return UNSUPPORTED(mk, off, "the control line '%% %.*s' is not supported",
				   (int)(k - start), t + start);
	if (rg_mako_lex_next(&lx))
		return -1;
	if (!strcmp(kw, "for") || !strcmp(kw, "if")) {
		struct node *n = append(ps, !strcmp(kw, "for") ? N_FOR : N_IF, off);
		struct frame *nf;

		if (!n)
			return -1;
		if (n->kind == N_FOR) {
			size_t toff = lx.tok.off;

			if (lx.tok.kind != T_NAME || rg_mako_is_keyword(&lx))
				return UNSUPPORTED(mk, toff, "only 'for NAME in ...:' loops are supported");
			if (!(n->target = rg_mako_strndup(mk, t + toff, lx.tok.len)) || rg_mako_lex_next(&lx))
				return -1;
			if (!rg_mako_tok_is(&lx, "in"))
				return UNSUPPORTED(mk, toff, "only 'for NAME in ...:' loops are supported");
			if (rg_mako_lex_next(&lx) || rg_mako_parse_testlist(&lx, &n->expr))
				return -1;
			if (rg_mako_declare(mk, n->target, toff))
				return -1;
		} else {
			if (!(n->branches = rg_mako_alloc(mk, sizeof(*n->branches))))
				return -1;
			if (rg_mako_parse_expr(&lx, &n->branches->cond))
				return -1;
		}
		if (rg_mako_expect(&lx, ":"))
			return -1;
		if (lx.tok.kind != T_END)
			return UNSUPPORTED(mk, lx.tok.off, "text after ':' in a control line is not supported");
		if (RG_GROW(ps->frames, ps->n_frames + 1, ps->alloc_frames))
			return -1;
		nf = &ps->frames[ps->n_frames++];
		nf->node = n;
		nf->keyword = kw;
		nf->empty_first = false;
		nf->empty_first_at = 0;
		ps->tail = n->kind == N_FOR ? &n->body : &n->branches->body;
		return 0;
	}
	/* elif / else */
	if (fr && !strcmp(fr->keyword, "for") && !strcmp(kw, "else"))
		return UNSUPPORTED(mk, off, "'else' of a 'for' loop is not supported");
	if (!fr || strcmp(fr->keyword, "if"))
		return INVALID(mk, off, "Keyword '%s' not a legal ternary for keyword '%s'", kw,
			       fr ? fr->keyword : "(none)");
	{
		struct branch *b = fr->node->branches, *nb;

		while (b->next)
			b = b->next;
		if (!b->cond)
			return INVALID(mk, off, "'%s' after 'else'", kw);
		if (b == fr->node->branches && !writes_statement(b->body)) {
			fr->empty_first = true;
			fr->empty_first_at = off;
		}
		if (!(nb = rg_mako_alloc(mk, sizeof(*nb))))
			return -1;
		if (!strcmp(kw, "elif") && rg_mako_parse_expr(&lx, &nb->cond))
			return -1;
		if (rg_mako_expect(&lx, ":"))
			return -1;
		if (lx.tok.kind != T_END)
			return UNSUPPORTED(mk, lx.tok.off, "text after ':' in a control line is not supported");
		b->next = nb;
		ps->tail = &nb->body;
	}
	return 0;
}

/*
 * Mako's match_control_line() at a line start: `[\t ]*(%(?!%)|##)` then the
 * rest of the logical line (`\`-newline joins lines) and its newline.
 * Returns 1 if it matched, 0 if not, -1 on error.
 */
static int match_control_line(struct parser *ps)
{
	struct mk *mk = ps->mk;
	const char *t = mk->text;
	size_t p = ps->pos, start, end, off, last_join = SIZE_MAX;
	bool comment;

	if (p > 0 && t[p - 1] != '\n')
		return 0;
	while (p < mk->len && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (at(mk, p, "##"))
		comment = true;
	else if (p < mk->len && t[p] == '%' && !at(mk, p, "%%"))
		comment = false;
	else
		return 0;
	off = p;
	p += comment ? 2 : 1;
	while (p < mk->len && (t[p] == ' ' || t[p] == '\t'))
		p++;
	start = p;
	for (;;) {
		if (p >= mk->len || t[p] == '\n' || t[p] == '\r')
			break;
		if (t[p] == '\\' && (at(mk, p + 1, "\n") || at(mk, p + 1, "\r\n"))) {
			last_join = p;
			p += t[p + 1] == '\n' ? 2 : 3;
			continue;
		}
		p++;
	}
	end = p;
	/* the line must end in \r?\n or at the end of the text */
	if (at(mk, p, "\r\n")) {
		p += 2;
	} else if (p < mk->len && t[p] == '\n') {
		p++;
	} else if (p < mk->len) {
		/*
		 * A lone \r: the regular expression backtracks to end the line
		 * at the last `\`-newline, the `\` kept; without one, no match.
		 */
		if (last_join == SIZE_MAX)
			return 0;
		end = last_join + 1;
		p = end + (t[end] == '\n' ? 1 : 2);
	}
	ps->pos = p;
	if (comment)
		return 1;
	return parse_control(ps, off, start, end) ? -1 : 1;
}

/*
 * Mako's match_text(): text up to the next construct.  A zero-length match
 * still advances one character (Mako's match_reg()), which is how `%%` at
 * a line start and `<&` lose a character.
 */
static int match_text(struct parser *ps)
{
	struct mk *mk = ps->mk;
	const char *t = mk->text;
	size_t p = ps->pos, stop = mk->len, resume = mk->len;
	struct node *n;

	for (; p < mk->len; p++) {
		if (p > 0 && t[p - 1] == '\n') {
			size_t q = p;

			while (q < mk->len && (t[q] == ' ' || t[q] == '\t'))
				q++;
			if (q < mk->len && (t[q] == '%' || at(mk, q, "##"))) {
				stop = resume = p;
				break;
			}
		}
		if (at(mk, p, "${") || at(mk, p, "<%") || at(mk, p, "</%") || at(mk, p, "<&") ||
		    at(mk, p, "</&")) {
			stop = resume = p;
			break;
		}
		if (t[p] == '\\' && at(mk, p + 1, "\n")) {
			stop = p;
			resume = p + 2;
			break;
		}
		if (t[p] == '\\' && at(mk, p + 1, "\r\n")) {
			stop = p;
			resume = p + 3;
			break;
		}
	}
	if (stop > ps->pos) {
		if (!(n = append(ps, N_TEXT, ps->pos)))
			return -1;
		n->text = t + ps->pos;
		n->len = stop - ps->pos;
	}
	ps->pos = resume == ps->pos ? resume + 1 : resume;
	return 0;
}

static int skip_header(struct mk *mk, size_t *pos)
{
	const char *t = mk->text;
	size_t i, e, n;

	/* a UTF-8 byte order mark */
	*pos = at(mk, 0, "\xef\xbb\xbf") ? 3 : 0;
	for (i = *pos; i < mk->len; i += n) {
		n = rg_mako_utf8_valid((const unsigned char *)t + i, mk->len - i);
		if (!n || (t[i] == '\0'))
			return INVALID(mk, i, n ? "NUL byte in template" : "invalid UTF-8 in template");
	}
	/* Mako's magic encoding comment: #.*coding[:=]\s*([-\w.]+).*\r?\n */
	if (*pos < mk->len && t[*pos] == '#') {
		size_t eol = *pos;

		while (eol < mk->len && t[eol] != '\n')
			eol++;
		for (e = eol - 1; e > *pos + 6 && e < mk->len; e--) {
			size_t c = e - 6, v, ve;
			struct rg_str enc = RG_STR_INIT;
			bool ok;

			if (memcmp(t + c, "coding", 6) || (t[e] != ':' && t[e] != '='))
				continue;
			for (v = e + 1; v < mk->len && strchr(" \t\n\r\f\v", t[v]); v++)
				;
			for (ve = v; ve < mk->len && (is_name_char((unsigned char)t[ve]) ||
						      t[ve] == '-' || t[ve] == '.'); ve++)
				;
			if (ve == v)
				continue;
			if (v > eol)
				return UNSUPPORTED(mk, *pos, "a coding comment spanning lines is not supported");
			if (eol >= mk->len)
				return 0;	/* no newline: Mako's regex does not match */
			if (*pos == 3 && (ve - v != 5 || memcmp(t + v, "utf-8", 5)))
				return INVALID(mk, *pos, "Found utf-8 BOM in file, with conflicting magic encoding comment of '%.*s'",
					       (int)(ve - v), t + v);
			for (i = v; i < ve; i++)
				if (t[i] != '-' && t[i] != '_')
					rg_str_addch(&enc, (char)(t[i] | 0x20));
			if (rg_str_check(&enc))
				return -1;
			ok = !strcmp(enc.buf, "utf8") || !strcmp(enc.buf, "u8") || !strcmp(enc.buf, "utf");
			rg_str_release(&enc);
			if (!ok)
				return UNSUPPORTED(mk, *pos, "the template encoding '%.*s' is not supported",
						   (int)(ve - v), t + v);
			*pos = eol + 1;
			return 0;
		}
	}
	return 0;
}

static int parse_template(struct parser *ps)
{
	struct mk *mk = ps->mk;
	int r;

	ps->tail = &ps->root;
	if (skip_header(mk, &ps->pos))
		return -1;
	while (ps->pos < mk->len) {
		if (at(mk, ps->pos, "${")) {
			if (parse_expression(ps))
				return -1;
			continue;
		}
		if ((r = match_control_line(ps)) < 0)
			return -1;
		if (r)
			continue;
		if (at(mk, ps->pos, "<%doc>")) {
			const char *e = NULL;
			size_t i;

			for (i = ps->pos + 6; i + 7 <= mk->len; i++)
				if (at(mk, i, "</%doc>")) {
					e = mk->text + i;
					break;
				}
			if (e) {
				ps->pos = (size_t)(e - mk->text) + 7;
				continue;
			}
		}
		if (at(mk, ps->pos, "<%") && ps->pos + 2 < mk->len &&
		    (is_name_char((unsigned char)mk->text[ps->pos + 2]) || mk->text[ps->pos + 2] == '.' ||
		     mk->text[ps->pos + 2] == ':'))
			return UNSUPPORTED(mk, ps->pos, "Mako tags like '<%%%.*s' are not supported",
					   (int)strcspn(mk->text + ps->pos + 2, " \t\r\n>/"),
					   mk->text + ps->pos + 2);
		if (at(mk, ps->pos, "</%"))
			return UNSUPPORTED(mk, ps->pos, "Mako tags like '</%%' are not supported");
		if (at(mk, ps->pos, "<%")) {
			if (parse_python_block(ps))
				return -1;
			continue;
		}
		if (match_text(ps))
			return -1;
	}
	if (ps->n_frames) {
		struct frame *fr = &ps->frames[ps->n_frames - 1];

		return INVALID(mk, fr->node->off, "Unterminated control keyword: '%s'", fr->keyword);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */

static int run_code(struct mk *mk, const struct node *n)
{
	const struct stmt *st;
	struct val v;

	for (st = n->stmts; st; st = st->next) {
		if (!st->target) {
			v = mkkind(V_RE);
			if (rg_mako_bind(mk, n->module ? &mk->globals : &mk->locals, "re", &v))
				return -1;
			continue;
		}
		if (rg_mako_eval(mk, st->value, n->module, &v))
			return -1;
		if (rg_mako_bind(mk, n->module ? &mk->globals : &mk->locals, st->target, &v))
			return -1;
	}
	return 0;
}

static int render_expr(struct mk *mk, const struct node *n, struct rg_str *out)
{
	struct val v, fv;
	size_t i;
	bool raw = false;
	const char *s;

	for (i = 0; i < n->n_filters; i++)
		if (!strcmp(n->filters[i], "n"))
			raw = true;
	if (n->empty && raw)
		return INVALID(mk, n->off, "TypeError: write() takes exactly one argument (0 given)");
	if (n->empty)
		v = mkstr("");
	else if (rg_mako_eval(mk, n->expr, false, &v))
		return -1;
	if (!raw) {
		if (rg_mako_str(mk, n->off, &v, &s))
			return -1;
		v = mkstr(s);
	}
	for (i = 0; i < n->n_filters; i++) {
		const char *f = n->filters[i];
		size_t off = n->filter_offs[i];

		if (!strcmp(f, "n"))
			continue;
		if (!strcmp(f, "str") || !strcmp(f, "unicode")) {
			if (rg_mako_str(mk, off, &v, &s))
				return -1;
			v = mkstr(s);
		} else if (!strcmp(f, "trim")) {
			if (v.kind != V_STR)
				return INVALID(mk, off, "AttributeError: '%s' object has no attribute 'strip'",
					       rg_mako_type_name(&v));
			if (rg_mako_strip(mk, v.s, &s))
				return -1;
			v = mkstr(s);
		} else if (!strcmp(f, "comma")) {
			if (rg_mako_lookup(mk, f, off, false, &fv))
				return -1;
			if (fv.kind != V_FUNC || fv.fn != F_COMMA)
				return UNSUPPORTED(mk, off, "the filter 'comma' is not Alembic's here");
			if (rg_mako_comma(mk, off, &v, &v))
				return -1;
		} else {
			return UNSUPPORTED(mk, off, "the filter '%s' is not supported", f);
		}
	}
	if (v.kind != V_STR)
		return INVALID(mk, n->off, "TypeError: write() argument must be str, not %s", rg_mako_type_name(&v));
	rg_str_adds(out, v.s);
	return 0;
}

static int render_nodes(struct mk *mk, const struct node *n, struct rg_str *out)
{
	const struct branch *b;
	struct val v, it;
	size_t i;

	for (; n; n = n->next) {
		switch (n->kind) {
		case N_TEXT:
			rg_str_add(out, n->text, n->len);
			break;
		case N_EXPR:
			if (render_expr(mk, n, out))
				return -1;
			break;
		case N_CODE:
			if (!n->module && run_code(mk, n))
				return -1;
			break;
		case N_IF:
			for (b = n->branches; b; b = b->next) {
				if (b->cond) {
					if (rg_mako_eval(mk, b->cond, false, &v))
						return -1;
					if (!rg_mako_truthy(&v))
						continue;
				}
				if (render_nodes(mk, b->body, out))
					return -1;
				break;
			}
			break;
		case N_FOR:
			if (rg_mako_eval(mk, n->expr, false, &v))
				return -1;
			if (v.kind == V_STR) {
				const unsigned char *p = (const unsigned char *)v.s;
				size_t k;

				while (*p) {
					rg_mako_utf8_cp(p, &k);
					it = mkstr(rg_mako_strndup(mk, (const char *)p, k));
					if (!it.s || rg_mako_bind(mk, &mk->locals, n->target, &it) ||
					    render_nodes(mk, n->body, out))
						return -1;
					p += k;
				}
				break;
			}
			if (v.kind != V_TUPLE && v.kind != V_LIST)
				return INVALID(mk, n->off, "TypeError: '%s' object is not iterable", rg_mako_type_name(&v));
			for (i = 0; i < v.n; i++) {
				if (rg_mako_bind(mk, &mk->locals, n->target, &v.items[i]) ||
				    render_nodes(mk, n->body, out))
					return -1;
			}
			break;
		}
		if (rg_str_check(out))
			return -1;
	}
	return 0;
}

int rg_mako_render(const char *path, const char *text, size_t len,
		   const struct rg_mako_vars *vars, struct rg_str *out)
{
	struct mk mk;
	struct parser ps;
	struct rg_str buf = RG_STR_INIT;
	size_t i;
	int ret = -1;

	memset(&mk, 0, sizeof(mk));
	memset(&ps, 0, sizeof(ps));
	mk.path = path;
	mk.text = text;
	mk.len = len;
	mk.vars = vars;
	ps.mk = &mk;
	if (parse_template(&ps))
		goto out;
	/* <%! %> blocks run first, as module-level code */
	for (i = 0; i < ps.n_modules; i++)
		if (run_code(&mk, ps.modules[i]))
			goto out;
	if (render_nodes(&mk, ps.root, &buf))
		goto out;
	rg_str_add(out, buf.buf, buf.len);
	if (rg_str_check(out))
		goto out;
	ret = 0;
out:
	rg_str_release(&buf);
	free(ps.frames);
	free(ps.modules);
	rg_mako_state_release(&mk);
	return ret;
}
