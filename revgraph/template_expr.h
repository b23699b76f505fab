/*
 * The Python expressions of the Mako subset (template_expr.c), as the
 * template layer (template.c) uses them: the renderer's state and arena, its
 * "<path>:<line>: ..." errors, the values, the tokenizer, the expression
 * parser and the evaluator.  Private to the two files.
 */
#ifndef RG_TEMPLATE_EXPR_H
#define RG_TEMPLATE_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "template.h"
#include "revgraph/str.h"

/* ------------------------------------------------------------------ */
/* State, arena and errors                                             */

struct chunk;
struct binding;

/* One rendering: the template text, its variables, and everything allocated for it. */
struct mk {
	const char *path;
	const char *text;
	size_t len;
	const struct rg_mako_vars *vars;
	struct chunk *arena;
	struct binding *locals, *globals;
	const char **declared;		/* names the body assigns (locals) */
	size_t n_declared, alloc_declared;
	const char **module_names;	/* names <%! %> blocks assign */
	size_t n_module_names, alloc_module_names;
	unsigned depth;			/* expression nesting, bounded */
};

/* Release what `mk` holds: the name sets and the arena (every value and expression). */
void rg_mako_state_release(struct mk *mk);

/* `n` zeroed bytes that live as long as `mk`, or NULL (error set). */
void *rg_mako_alloc(struct mk *mk, size_t n);

/* A NUL-terminated arena copy of `n` bytes of `s`, or NULL (error set). */
char *rg_mako_strndup(struct mk *mk, const char *s, size_t n);

/*
 * Set the error slot to "<path>:<line of off>: <message>" with `code`,
 * control characters escaped so that it is one line.  Returns -1.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
int rg_mako_fail(struct mk *mk, size_t off, int code, const char *fmt, ...);

/* Valid Mako/Python outside the subset; what Mako or Python would refuse too. */
#define UNSUPPORTED(mk, off, ...) rg_mako_fail((mk), (off), RG_EUNSUPPORTED, __VA_ARGS__)
#define INVALID(mk, off, ...) rg_mako_fail((mk), (off), RG_EINVALID, __VA_ARGS__)

/* Decode one UTF-8 sequence (already validated) at s; its length in *n. */
uint32_t rg_mako_utf8_cp(const unsigned char *s, size_t *n);

/* Length of the valid UTF-8 sequence at s (len bytes left), 0 if invalid. */
size_t rg_mako_utf8_valid(const unsigned char *s, size_t len);

/* ------------------------------------------------------------------ */
/* Values                                                              */

/* A value: what Alembic passes to render() and what the subset computes from it. */
enum vkind {
	V_NONE, V_BOOL, V_STR, V_TUPLE, V_LIST, V_UNDEF, V_DATETIME,
	V_CONFIG, V_CONTEXT, V_RE, V_FUNC
};

enum fn {
	F_REPR, F_STR, F_COMMA, F_CTX_GET, F_CFG_GET, F_RE_SPLIT
};

struct val {
	enum vkind kind;
	bool b;			/* V_BOOL */
	const char *s;		/* V_STR, V_DATETIME */
	const struct val *items; /* V_TUPLE, V_LIST */
	size_t n;
	enum fn fn;		/* V_FUNC */
};

/* A str value (the string is not copied). */
static inline struct val mkstr(const char *s)
{
	struct val v = { V_STR, false, s, NULL, 0, F_REPR };

	return v;
}

/* A value of `kind` with nothing else set. */
static inline struct val mkkind(enum vkind kind)
{
	struct val v = { kind, false, NULL, NULL, 0, F_REPR };

	return v;
}

/* Python's type name of `v`, for messages. */
const char *rg_mako_type_name(const struct val *v);

/* Python's bool(v). */
bool rg_mako_truthy(const struct val *v);

/* Python's str() of `v`, as an arena string in *out; errors at `off`. */
int rg_mako_str(struct mk *mk, size_t off, const struct val *v, const char **out);

/* Alembic's util.format_as_comma of `v` into *out (`out` may be `v`). */
int rg_mako_comma(struct mk *mk, size_t off, const struct val *v, struct val *out);

/* str.strip() of an arena string. */
int rg_mako_strip(struct mk *mk, const char *s, const char **out);

/* ------------------------------------------------------------------ */
/* The Python tokenizer                                                */

enum tkind { T_END, T_NEWLINE, T_NAME, T_STR, T_NUM, T_OP };

/* A token of the text between lx->pos and lx->end. */
struct tok {
	enum tkind kind;
	size_t off, len;	/* in mk->text */
	const char *str;	/* T_STR: decoded value (arena) */
};

/* A tokenizer over one ${}, <% %> block or control line; tok is the current token. */
struct lex {
	struct mk *mk;
	size_t pos, end;
	bool code;		/* a <% %> block: newlines end statements */
	bool expr;		/* a ${} expression: Mako parses it as a module */
	bool broken;		/* ${}: a line ended after a token, outside brackets */
	bool comment_line;	/* ${}: a comment line came before any token */
	unsigned n_tok;
	int depth;		/* open brackets */
	struct tok tok;
};

/* Python identifier characters (non-ASCII is refused where a name is read). */
static inline bool is_name_start(unsigned char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static inline bool is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* A tokenizer over text[start..end): `code` for <% %>, `expr` for ${}; reads the first token. */
int rg_mako_lex_init(struct lex *lx, struct mk *mk, size_t start, size_t end, bool code, bool expr);

/* Advance to the next token. */
int rg_mako_lex_next(struct lex *lx);

/* Is the current token the operator or name `s`? */
bool rg_mako_tok_is(const struct lex *lx, const char *s);

/* Is the current token a Python keyword? */
bool rg_mako_is_keyword(const struct lex *lx);

/* Fail on the current token as unexpected.  Returns -1. */
int rg_mako_tok_unexpected(struct lex *lx);

/* Consume the token `s`, or fail as rg_mako_tok_unexpected(). */
int rg_mako_expect(struct lex *lx, const char *s);

/* ------------------------------------------------------------------ */
/* Expressions                                                         */

/* A parsed expression, in the arena; its shape is template_expr.c's own. */
struct expr;

/* One expression (conditional expressions and below, no bare tuple). */
int rg_mako_parse_expr(struct lex *lx, struct expr **out);

/* A whole expression: exprs separated by commas form a tuple. */
int rg_mako_parse_testlist(struct lex *lx, struct expr **out);

/*
 * Record that the template body (rg_mako_declare) or a <%! %> block
 * (rg_mako_declare_module) assigns `name`; one name in both is refused.
 */
int rg_mako_declare(struct mk *mk, const char *name, size_t off);
int rg_mako_declare_module(struct mk *mk, const char *name, size_t off);

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */

/* Set `name` to `v` in `scope` (&mk->locals or &mk->globals). */
int rg_mako_bind(struct mk *mk, struct binding **scope, const char *name, const struct val *v);

/* The value of the name `name` (at `off`); `module` for <%! %> code. */
int rg_mako_lookup(struct mk *mk, const char *name, size_t off, bool module, struct val *out);

/* The value of `e`; `module` for <%! %> code, which sees no context. */
int rg_mako_eval(struct mk *mk, const struct expr *e, bool module, struct val *out);

#endif
