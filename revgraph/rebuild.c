/*
 * SQLite table changes (rebuild.h): an editor that splits a CREATE TABLE
 * (tokenized by sqltok.c) into its column definitions and table constraints
 * and edits only what a change touches, and the engine that runs a change
 * in place or as sqlite.org's twelve-step copy-and-swap rebuild.  Editing the stored
 * text, rather than rebuilding it from reflection as Alembic does, is what
 * keeps every constraint, collation, AUTOINCREMENT, generated column and
 * table option that the change does not touch.
 */
#include "rebuild.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "sqlite_api.h"
#include "sqltok.h"
#include "revgraph/common.h"
#include "revgraph/revision.h"
#include "banned.h"

/* ---------------------------------------------------------------- quoting */

/* Append `name` as a double-quoted identifier. */
static void add_quoted(struct rg_str *out, const char *name)
{
	rg_str_addch(out, '"');
	for (; *name; name++) {
		if (*name == '"')
			rg_str_addch(out, '"');
		rg_str_addch(out, *name);
	}
	rg_str_addch(out, '"');
}

/* ---------------------------------------------------------------- the table model */

enum seg_kind { SEG_PK, SEG_NOTNULL, SEG_NULL, SEG_UNIQUE, SEG_CHECK, SEG_DEFAULT, SEG_COLLATE,
		SEG_FK, SEG_GEN };

/* A source of text: the table's CREATE TABLE or one fragment of an operation. */
struct src {
	char *text;
	struct rg_sqltoks t;
};

/* One column constraint of a column definition (token range [s, e)). */
struct seg {
	enum seg_kind kind;
	size_t s, e;
	size_t kw;		/* the token of its keyword (after CONSTRAINT name) */
	char *name;		/* CONSTRAINT name, or NULL */
	bool dropped;
};

/* One column definition or table constraint of the body. */
struct item {
	struct src *src;
	size_t s, e;		/* token range */
	bool is_column;
	char *name;		/* column: its name as written, unquoted; constraint: CONSTRAINT name or NULL */
	char *dbname;		/* column: its name in the database before any change (NULL if added) */
	char *lookup;		/* column: the name the operations know it by now */
	enum seg_kind kind;	/* constraint: SEG_PK, SEG_UNIQUE, SEG_CHECK or SEG_FK */
	size_t ts, te;		/* column: its type tokens */
	struct seg *segs;
	size_t n_segs, alloc_segs;
	char *lead;		/* the text before it (whitespace, comments), owned */
	char *rename;		/* column: new name to write, or NULL */
	char *new_type;		/* column: new type to write, or NULL */
	struct rg_str extra;	/* column: constraints appended */
	bool dropped, added, edited;
};

struct table {
	struct src src;
	char *name;		/* the table's name, unquoted */
	size_t name_s, name_e;	/* token range of the (maybe schema-qualified) name */
	size_t open, close;	/* tokens of the body's parentheses */
	struct item *items;
	size_t n_items, alloc_items;
	struct src **frags;	/* sources of added items */
	size_t n_frags, alloc_frags;
	bool without_rowid;
};

static void src_release(struct src *s)
{
	free(s->text);
	rg_sqltoks_release(&s->t);
}

static void item_release(struct item *it)
{
	size_t i;

	for (i = 0; i < it->n_segs; i++)
		free(it->segs[i].name);
	free(it->segs);
	free(it->name);
	free(it->dbname);
	free(it->lookup);
	free(it->lead);
	free(it->rename);
	free(it->new_type);
	rg_str_release(&it->extra);
}

static void table_release(struct table *t)
{
	size_t i;

	for (i = 0; i < t->n_items; i++)
		item_release(&t->items[i]);
	free(t->items);
	for (i = 0; i < t->n_frags; i++) {
		src_release(t->frags[i]);
		free(t->frags[i]);
	}
	free(t->frags);
	src_release(&t->src);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

static bool is_seg_start(const char *s, const struct rg_sqltok *t)
{
	static const char *const kws[] = { "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK",
					   "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS" };
	size_t i;

	for (i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (rg_sqltok_is(s, t, kws[i]))
			return true;
	return false;
}

static enum seg_kind seg_kind_of(const char *s, const struct rg_sqltok *t)
{
	if (rg_sqltok_is(s, t, "PRIMARY"))
		return SEG_PK;
	if (rg_sqltok_is(s, t, "NOT"))
		return SEG_NOTNULL;
	if (rg_sqltok_is(s, t, "NULL"))
		return SEG_NULL;
	if (rg_sqltok_is(s, t, "UNIQUE"))
		return SEG_UNIQUE;
	if (rg_sqltok_is(s, t, "CHECK"))
		return SEG_CHECK;
	if (rg_sqltok_is(s, t, "DEFAULT"))
		return SEG_DEFAULT;
	if (rg_sqltok_is(s, t, "COLLATE"))
		return SEG_COLLATE;
	if (rg_sqltok_is(s, t, "REFERENCES") || rg_sqltok_is(s, t, "FOREIGN"))
		return SEG_FK;
	return SEG_GEN;
}

/* Token index past the parenthesised group opening at `i`, or `e` if unclosed. */
static size_t skip_group(const struct src *src, size_t i, size_t e)
{
	int depth = 0;

	for (; i < e; i++) {
		if (rg_sqltok_punct(src->text, &src->t.v[i], '('))
			depth++;
		else if (rg_sqltok_punct(src->text, &src->t.v[i], ')') && --depth == 0)
			return i + 1;
	}
	return e;
}

/*
 * Split the column constraints of the column item `it` (tokens after its
 * type) into segments.  A keyword that starts a constraint does not start a
 * new one where it belongs to the one before: NULL after NOT, NULL or
 * DEFAULT after SET (ON DELETE SET NULL), NOT before DEFERRABLE, AS after
 * ALWAYS, the value after DEFAULT, the keyword after a CONSTRAINT name.
 */
static int split_segments(struct item *it, const struct src *src, size_t from)
{
	const char *s = src->text;
	const struct rg_sqltok *v = src->t.v;
	size_t i = from;

	while (i < it->e) {
		struct seg sg = { SEG_GEN, i, i, i, NULL, false };
		size_t j = i;

		if (rg_sqltok_is(s, &v[j], "CONSTRAINT")) {
			if (j + 2 >= it->e || !rg_sqltok_is_name(&v[j + 1]))
				return rg_error_set(RG_EINVALID, "malformed CONSTRAINT in column '%s'", it->name);
			if (!(sg.name = rg_sqltok_name(s, &v[j + 1])))
				return RG_ENOMEM;
			j += 2;
		}
		sg.kw = j;
		if (!is_seg_start(s, &v[j]) || rg_sqltok_is(s, &v[j], "CONSTRAINT")) {
			free(sg.name);
			return rg_error_set(RG_EINVALID, "cannot read the definition of column '%s' near '%.*s'",
					    it->name, (int)v[j].len, s + v[j].off);
		}
		sg.kind = seg_kind_of(s, &v[j]);
		j++;
		if (sg.kind == SEG_DEFAULT && j < it->e) {
			if (rg_sqltok_punct(s, &v[j], '('))
				j = skip_group(src, j, it->e);
			else if ((rg_sqltok_punct(s, &v[j], '-') || rg_sqltok_punct(s, &v[j], '+')) && j + 1 < it->e)
				j += 2;
			else
				j++;
		}
		while (j < it->e) {
			if (rg_sqltok_punct(s, &v[j], '(')) {
				j = skip_group(src, j, it->e);
				continue;
			}
			if (is_seg_start(s, &v[j]) &&
			    !((rg_sqltok_is(s, &v[j], "NULL") || rg_sqltok_is(s, &v[j], "DEFAULT")) &&
			      rg_sqltok_is(s, &v[j - 1], "SET")) &&
			    !(rg_sqltok_is(s, &v[j], "NULL") && rg_sqltok_is(s, &v[j - 1], "NOT") &&
			      j - 1 == sg.kw) &&
			    !(rg_sqltok_is(s, &v[j], "NOT") && j + 1 < it->e &&
			      rg_sqltok_is(s, &v[j + 1], "DEFERRABLE")) &&
			    !(rg_sqltok_is(s, &v[j], "AS") && rg_sqltok_is(s, &v[j - 1], "ALWAYS")))
				break;
			j++;
		}
		sg.e = j;
		if (RG_GROW(it->segs, it->n_segs + 1, it->alloc_segs)) {
			free(sg.name);
			return RG_ENOMEM;
		}
		it->segs[it->n_segs++] = sg;
		i = j;
	}
	return 0;
}

/* Fill `it` (tokens [s, e) of `src`) as a column definition or a table constraint. */
static int parse_item(struct item *it, struct src *src, size_t s, size_t e)
{
	const char *text = src->text;
	const struct rg_sqltok *v = src->t.v;
	size_t i = s;

	rg_str_init(&it->extra);
	it->src = src;
	it->s = s;
	it->e = e;
	if (s >= e)
		return rg_error_set(RG_EINVALID, "empty column definition or constraint");
	if (rg_sqltok_is(text, &v[s], "CONSTRAINT") || rg_sqltok_is(text, &v[s], "PRIMARY") ||
	    rg_sqltok_is(text, &v[s], "UNIQUE") || rg_sqltok_is(text, &v[s], "CHECK") ||
	    rg_sqltok_is(text, &v[s], "FOREIGN")) {
		it->is_column = false;
		if (rg_sqltok_is(text, &v[s], "CONSTRAINT")) {
			if (s + 2 >= e || !rg_sqltok_is_name(&v[s + 1]))
				return rg_error_set(RG_EINVALID, "malformed table constraint");
			if (!(it->name = rg_sqltok_name(text, &v[s + 1])))
				return RG_ENOMEM;
			i = s + 2;
		}
		if (!(rg_sqltok_is(text, &v[i], "PRIMARY") || rg_sqltok_is(text, &v[i], "UNIQUE") ||
		      rg_sqltok_is(text, &v[i], "CHECK") || rg_sqltok_is(text, &v[i], "FOREIGN")))
			return rg_error_set(RG_EINVALID, "malformed table constraint near '%.*s'",
					    (int)v[i].len, text + v[i].off);
		it->kind = seg_kind_of(text, &v[i]);
		return 0;
	}
	if (!rg_sqltok_is_name(&v[s]))
		return rg_error_set(RG_EINVALID, "a column definition must start with a name, not '%.*s'",
				    (int)v[s].len, text + v[s].off);
	it->is_column = true;
	if (!(it->name = rg_sqltok_name(text, &v[s])))
		return RG_ENOMEM;
	it->ts = i = s + 1;
	while (i < e && !is_seg_start(text, &v[i])) {
		if (rg_sqltok_punct(text, &v[i], '(')) {
			i = skip_group(src, i, e);
			continue;
		}
		if (v[i].type != RG_TK_WORD && v[i].type != RG_TK_ID && v[i].type != RG_TK_STR &&
		    !rg_sqltok_punct(text, &v[i], ')'))
			return rg_error_set(RG_EINVALID, "cannot read the type of column '%s' near '%.*s'",
					    it->name, (int)v[i].len, text + v[i].off);
		i++;
	}
	it->te = i;
	return split_segments(it, src, i);
}

static void add_slice(struct rg_str *out, const struct src *src, size_t s, size_t e)
{
	if (s < e)
		rg_str_add(out, src->text + src->t.v[s].off,
			   src->t.v[e - 1].off + src->t.v[e - 1].len - src->t.v[s].off);
}

static int add_item(struct table *t, size_t at, struct item *it)
{
	if (RG_GROW(t->items, t->n_items + 1, t->alloc_items))
		return RG_ENOMEM;
	memmove(&t->items[at + 1], &t->items[at], (t->n_items - at) * sizeof(*it));
	t->items[at] = *it;
	t->n_items++;
	return 0;
}

/* Parse a CREATE TABLE statement (owned copy of `sql`) into `t`. */
static int parse_table(struct table *t, const char *sql)
{
	const char *s;
	const struct rg_sqltok *v;
	size_t i = 0, n, start, depth;
	int err;

	memset(t, 0, sizeof(*t));
	if (!(t->src.text = rg_strdup(sql)))
		return RG_ENOMEM;
	if ((err = rg_sqltok_split(&t->src.t, t->src.text, "the CREATE TABLE statement", NULL)))
		return err;
	s = t->src.text;
	v = t->src.t.v;
	n = t->src.t.n;
	if (n < 4 || !rg_sqltok_is(s, &v[0], "CREATE"))
		return rg_error_set(RG_EINVALID, "not a CREATE TABLE statement");
	i = 1;
	if (rg_sqltok_is(s, &v[i], "TEMP") || rg_sqltok_is(s, &v[i], "TEMPORARY"))
		return rg_error_set(RG_EUNSUPPORTED, "temporary tables are not rebuilt");
	if (rg_sqltok_is(s, &v[i], "VIRTUAL"))
		return rg_error_set(RG_EUNSUPPORTED, "virtual tables cannot be altered");
	if (!rg_sqltok_is(s, &v[i], "TABLE"))
		return rg_error_set(RG_EINVALID, "not a CREATE TABLE statement");
	i++;
	if (i + 2 < n && rg_sqltok_is(s, &v[i], "IF") && rg_sqltok_is(s, &v[i + 1], "NOT") &&
	    rg_sqltok_is(s, &v[i + 2], "EXISTS"))
		i += 3;
	t->name_s = i;
	if (i >= n || !rg_sqltok_is_name(&v[i]))
		return rg_error_set(RG_EINVALID, "CREATE TABLE without a table name");
	if (i + 2 < n && rg_sqltok_punct(s, &v[i + 1], '.'))
		i += 2;
	if (!(t->name = rg_sqltok_name(s, &v[i])))
		return RG_ENOMEM;
	t->name_e = ++i;
	if (i >= n || !rg_sqltok_punct(s, &v[i], '('))
		return rg_error_set(RG_EUNSUPPORTED, "table '%s' has no column list (CREATE TABLE ... AS)", t->name);
	t->open = i++;
	start = i;
	depth = 0;
	for (; i < n; i++) {
		bool end = false;

		if (rg_sqltok_punct(s, &v[i], '('))
			depth++;
		else if (rg_sqltok_punct(s, &v[i], ')')) {
			if (depth == 0)
				end = true;
			else
				depth--;
		}
		if (end || (depth == 0 && rg_sqltok_punct(s, &v[i], ','))) {
			struct item it;
			size_t lead_from = v[start - 1].off + v[start - 1].len;

			memset(&it, 0, sizeof(it));
			if ((err = parse_item(&it, &t->src, start, i)) ||
			    (err = (it.lead = rg_strndup(s + lead_from, v[start].off - lead_from)) ? 0 : RG_ENOMEM) ||
			    (err = add_item(t, t->n_items, &it))) {
				item_release(&it);
				return err;
			}
			start = i + 1;
			if (end)
				break;
		}
	}
	if (i >= n)
		return rg_error_set(RG_EINVALID, "unbalanced parentheses in CREATE TABLE '%s'", t->name);
	t->close = i;
	for (i = t->close + 1; i + 1 < n; i++)
		if (rg_sqltok_is(s, &v[i], "WITHOUT") && rg_sqltok_is(s, &v[i + 1], "ROWID"))
			t->without_rowid = true;
	for (i = 0; i < t->n_items; i++) {
		struct item *it = &t->items[i];

		if (it->is_column && (!(it->dbname = rg_strdup(it->name)) || !(it->lookup = rg_strdup(it->name))))
			return RG_ENOMEM;
	}
	return 0;
}

/* ---------------------------------------------------------------- fragments from operations */

/*
 * Check that `frag` is one clean piece of SQL and return a copy with its
 * comments replaced by spaces: it tokenizes, has no ';', its parentheses
 * balance without going below zero, and (unless `comma_ok`) it has no
 * top-level ','.  `what` names it in messages.
 */
static int clean_fragment(char **out, const char *frag, const char *what, bool comma_ok)
{
	struct rg_sqltoks t = RG_SQLTOKS_INIT;
	struct rg_str clean = RG_STR_INIT;
	size_t i, prev = 0, comments;
	long depth = 0;
	int err;

	*out = NULL;
	if (!frag || !*frag)
		return rg_error_set(RG_EINVALID, "%s is empty", what);
	if ((err = rg_sqltok_split(&t, frag, what, &comments)))
		goto out;
	if (!t.n) {
		err = rg_error_set(RG_EINVALID, "%s is empty", what);
		goto out;
	}
	for (i = 0; i < t.n; i++) {
		if (rg_sqltok_punct(frag, &t.v[i], ';')) {
			err = rg_error_set(RG_EINVALID, "%s contains ';': '%s'", what, frag);
			goto out;
		}
		if (rg_sqltok_punct(frag, &t.v[i], '('))
			depth++;
		if (rg_sqltok_punct(frag, &t.v[i], ')') && --depth < 0) {
			err = rg_error_set(RG_EINVALID, "%s has an unbalanced ')': '%s'", what, frag);
			goto out;
		}
		if (!comma_ok && depth == 0 && rg_sqltok_punct(frag, &t.v[i], ',')) {
			err = rg_error_set(RG_EINVALID, "%s has a ',' outside parentheses: '%s'", what, frag);
			goto out;
		}
		/* the text between tokens stays, unless it holds a comment: then one space */
		if (i) {
			size_t from = t.v[prev].off + t.v[prev].len, len = t.v[i].off - from;
			char *gap = rg_strndup(frag + from, len);

			if (!gap) {
				err = RG_ENOMEM;
				goto out;
			}
			if (strstr(gap, "--") || strstr(gap, "/*"))
				rg_str_addch(&clean, ' ');
			else
				rg_str_add(&clean, gap, len);
			free(gap);
		}
		rg_str_add(&clean, frag + t.v[i].off, t.v[i].len);
		prev = i;
	}
	if (depth) {
		err = rg_error_set(RG_EINVALID, "%s has an unclosed '(': '%s'", what, frag);
		goto out;
	}
	if ((err = rg_str_check(&clean)))
		goto out;
	*out = rg_str_detach(&clean);
	err = *out ? 0 : RG_ENOMEM;
out:
	rg_str_release(&clean);
	rg_sqltoks_release(&t);
	return err;
}

/* A new source holding `text` (taken), tokenized, owned by `t`. */
static int add_frag(struct src **out, struct table *t, char *text)
{
	struct src *src = rg_calloc(1, sizeof(*src));
	int err;

	*out = NULL;
	if (!src) {
		free(text);
		return RG_ENOMEM;
	}
	src->text = text;
	if (RG_GROW(t->frags, t->n_frags + 1, t->alloc_frags)) {
		src_release(src);
		free(src);
		return RG_ENOMEM;
	}
	t->frags[t->n_frags++] = src;
	if ((err = rg_sqltok_split(&src->t, text, "an operation", NULL)))
		return err;
	*out = src;
	return 0;
}

/* A type: words, names, numbers and parentheses only ("NUMERIC(10, 2)"). */
static int check_type(char **out, const char *type)
{
	struct rg_sqltoks t = RG_SQLTOKS_INIT;
	size_t i;
	int err;

	if ((err = clean_fragment(out, type, "the type", false)))
		return err;
	if ((err = rg_sqltok_split(&t, *out, "the type", NULL)))
		goto fail;
	for (i = 0; i < t.n; i++) {
		const struct rg_sqltok *k = &t.v[i];

		if (is_seg_start(*out, k) ||
		    !(k->type == RG_TK_WORD || k->type == RG_TK_ID || k->type == RG_TK_NUM ||
		      rg_sqltok_punct(*out, k, '(') || rg_sqltok_punct(*out, k, ')') ||
		      rg_sqltok_punct(*out, k, ',') || rg_sqltok_punct(*out, k, '-') ||
		      rg_sqltok_punct(*out, k, '+'))) {
			err = rg_error_set(RG_EINVALID, "not a column type: '%s'", type);
			goto fail;
		}
	}
	rg_sqltoks_release(&t);
	return 0;
fail:
	rg_sqltoks_release(&t);
	free(*out);
	*out = NULL;
	return err;
}

/* ---------------------------------------------------------------- constraint names */

static bool is_constraint_seg(enum seg_kind k)
{
	return k == SEG_PK || k == SEG_UNIQUE || k == SEG_CHECK || k == SEG_FK;
}

/* Append "_<col>" for each comma-separated element of the group at token `i`. */
static void add_group_names(struct rg_str *out, const struct src *src, size_t i, size_t e)
{
	size_t end = skip_group(src, i, e), j;
	bool want = true;

	for (j = i + 1; j + 1 < end; j++) {
		const struct rg_sqltok *k = &src->t.v[j];

		if (want && rg_sqltok_is_name(k)) {
			char *n = rg_sqltok_name(src->text, k);

			rg_str_addch(out, '_');
			rg_str_adds(out, n ? n : "");
			free(n);
			want = false;
		}
		if (rg_sqltok_punct(src->text, k, ','))
			want = true;
	}
}

/* The name of the table after REFERENCES in tokens [i, e), appended as "_<name>". */
static void add_ref_table(struct rg_str *out, const struct src *src, size_t i, size_t e)
{
	for (; i + 1 < e; i++)
		if (rg_sqltok_is(src->text, &src->t.v[i], "REFERENCES")) {
			char *n = rg_sqltok_name(src->text, &src->t.v[i + 1]);

			rg_str_addch(out, '_');
			rg_str_adds(out, n ? n : "");
			free(n);
			return;
		}
}

static const char *kind_prefix(enum seg_kind k)
{
	return k == SEG_PK ? "pk" : k == SEG_UNIQUE ? "uq" : k == SEG_CHECK ? "ck" : "fk";
}

/*
 * The names of the constraints of `t` (items not dropped), in table order:
 * explicit names as written; unnamed ones by the rule of
 * docs/sqlite-rebuild.md, made unique by "_2", "_3" in table order.
 * owner[i] / seg[i] say where each is (seg SIZE_MAX: the table constraint).
 */
struct cnames {
	struct rg_strlist names;
	size_t *owner, *seg;
	size_t alloc_o, alloc_s;
};

static void cnames_release(struct cnames *c)
{
	rg_strlist_release(&c->names);
	free(c->owner);
	free(c->seg);
}

static bool list_has_ci(const struct rg_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcasecmp(l->items[i], s))
			return true;
	return false;
}

static int cnames_push(struct cnames *c, struct rg_str *name, bool generated, size_t owner, size_t seg)
{
	int err;

	if ((err = rg_str_check(name)))
		return err;
	if (generated && list_has_ci(&c->names, name->buf)) {
		size_t base = name->len;
		unsigned k;

		for (k = 2;; k++) {
			rg_str_setlen(name, base);
			rg_str_addf(name, "_%u", k);
			if ((err = rg_str_check(name)))
				return err;
			if (!list_has_ci(&c->names, name->buf))
				break;
		}
	}
	if (RG_GROW(c->owner, c->names.n + 1, c->alloc_o) || RG_GROW(c->seg, c->names.n + 1, c->alloc_s) ||
	    rg_strlist_push(&c->names, name->buf))
		return RG_ENOMEM;
	c->owner[c->names.n - 1] = owner;
	c->seg[c->names.n - 1] = seg;
	return 0;
}

static int constraint_names(struct cnames *c, const struct table *t)
{
	struct rg_str name = RG_STR_INIT;
	unsigned n_checks = 0;
	size_t i, j;
	int err = 0;

	memset(c, 0, sizeof(*c));
	/* explicit names first, so a generated name never takes one */
	for (i = 0; i < t->n_items && !err; i++) {
		const struct item *it = &t->items[i];

		if (it->dropped)
			continue;
		if (!it->is_column) {
			if (it->name) {
				rg_str_reset(&name);
				rg_str_adds(&name, it->name);
				err = cnames_push(c, &name, false, i, SIZE_MAX);
			}
			continue;
		}
		for (j = 0; j < it->n_segs && !err; j++)
			if (!it->segs[j].dropped && it->segs[j].name) {
				rg_str_reset(&name);
				rg_str_adds(&name, it->segs[j].name);
				err = cnames_push(c, &name, false, i, j);
			}
	}
	for (i = 0; i < t->n_items && !err; i++) {
		const struct item *it = &t->items[i];
		const struct src *src = it->src;

		if (it->dropped)
			continue;
		if (!it->is_column) {
			size_t k = it->s;

			if (it->name)
				continue;
			rg_str_reset(&name);
			rg_str_addf(&name, "%s_%s", kind_prefix(it->kind), t->name);
			while (k < it->e && !rg_sqltok_punct(src->text, &src->t.v[k], '('))
				k++;
			if (it->kind == SEG_CHECK)
				rg_str_addf(&name, "_%u", ++n_checks);
			else if (it->kind != SEG_PK)
				add_group_names(&name, src, k, it->e);
			if (it->kind == SEG_FK)
				add_ref_table(&name, src, k, it->e);
			err = cnames_push(c, &name, true, i, SIZE_MAX);
			continue;
		}
		for (j = 0; j < it->n_segs && !err; j++) {
			const struct seg *sg = &it->segs[j];

			if (sg->dropped || sg->name || !is_constraint_seg(sg->kind))
				continue;
			rg_str_reset(&name);
			rg_str_addf(&name, "%s_%s", kind_prefix(sg->kind), t->name);
			if (sg->kind != SEG_PK)
				rg_str_addf(&name, "_%s", it->lookup ? it->lookup : it->name);
			if (sg->kind == SEG_FK)
				add_ref_table(&name, src, sg->s, sg->e);
			err = cnames_push(c, &name, true, i, j);
		}
	}
	rg_str_release(&name);
	if (err) {
		cnames_release(c);
		memset(c, 0, sizeof(*c));
	}
	return err;
}

/* ---------------------------------------------------------------- applying operations */

/* What applying the operations found out. */
struct edit_result {
	bool needs_rebuild;
	const char *why;		/* the first operation that needs a rebuild */
	struct rg_strlist renames;	/* "ALTER TABLE ... RENAME COLUMN" of original columns */
	struct rg_strlist inplace;	/* renames and drops of original columns, in order */
	struct rg_strlist dropped;	/* database names of dropped original columns */
};

static void edit_result_release(struct edit_result *r)
{
	rg_strlist_release(&r->renames);
	rg_strlist_release(&r->inplace);
	rg_strlist_release(&r->dropped);
}

static struct item *find_column(struct table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_items; i++)
		if (t->items[i].is_column && !t->items[i].dropped && !strcasecmp(t->items[i].lookup, name))
			return &t->items[i];
	return NULL;
}

static const char *op_name(enum rg_alter_kind k)
{
	static const char *const names[] = { "add_column", "drop_column", "rename_column", "alter_column",
					     "add_constraint", "drop_constraint" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown operation";
}

static void need_rebuild(struct edit_result *r, enum rg_alter_kind k)
{
	if (!r->needs_rebuild)
		r->why = op_name(k);
	r->needs_rebuild = true;
}

/* The lead of a new item: a line break and the indentation of the last item, or a space. */
static char *new_lead(const struct table *t)
{
	const char *lead = t->n_items ? t->items[t->n_items - 1].lead : " ";
	const char *nl = lead ? strrchr(lead, '\n') : NULL;
	size_t k;

	if (!nl)
		return rg_strdup(" ");
	for (k = 1; nl[k]; k++)
		if (!rg_sqltok_is_space(nl[k]))
			return rg_strdup(" ");
	return rg_strdup(nl);
}

static int apply_add_column(struct table *t, const struct rg_alter *op, struct edit_result *r)
{
	struct rg_str text = RG_STR_INIT;
	struct item it;
	struct src *src;
	char *def = NULL;
	size_t at = 0, i;
	int err;

	(void)r;
	memset(&it, 0, sizeof(it));
	if (!op->column || !*op->column)
		return rg_error_set(RG_EINVALID, "add_column needs a column name");
	if (find_column(t, op->column))
		return rg_error_set(RG_EINVALID, "column '%s' already exists in table '%s'", op->column, t->name);
	if ((err = clean_fragment(&def, op->def, "the definition of the new column", false)))
		return err;
	add_quoted(&text, op->column);
	rg_str_addch(&text, ' ');
	rg_str_adds(&text, def);
	free(def);
	if ((err = rg_str_check(&text))) {
		rg_str_release(&text);
		return err;
	}
	if ((err = add_frag(&src, t, rg_str_detach(&text))))
		return err;
	if ((err = parse_item(&it, src, 0, src->t.n)))
		goto fail;
	if (!it.is_column) {
		err = rg_error_set(RG_EINVALID, "the definition of new column '%s' is a table constraint", op->column);
		goto fail;
	}
	free(it.name);
	it.name = NULL;
	if (!(it.name = rg_strdup(op->column)) || !(it.lookup = rg_strdup(op->column)) ||
	    !(it.lead = new_lead(t))) {
		err = RG_ENOMEM;
		goto fail;
	}
	it.added = true;
	for (i = 0; i < t->n_items; i++)
		if (t->items[i].is_column)
			at = i + 1;
	return add_item(t, at, &it);
fail:
	item_release(&it);
	return err;
}

/*
 * Whether SQLite's ALTER TABLE ADD COLUMN accepts the (final) added column
 * `it` and adds it without changing existing rows: no PRIMARY KEY, UNIQUE or
 * CHECK (existing rows are not checked against it), no STORED generated
 * column, a constant DEFAULT, a non-NULL DEFAULT when NOT NULL, no DEFAULT
 * but NULL with REFERENCES.
 */
static bool add_in_place(const struct item *it)
{
	const char *s = it->src->text;
	const struct rg_sqltok *v = it->src->t.v;
	bool notnull = false, fk = false, has_default = false, null_default = false;
	size_t i, k;

	for (i = 0; i < it->n_segs; i++) {
		const struct seg *sg = &it->segs[i];

		if (sg->dropped)
			continue;
		switch (sg->kind) {
		case SEG_PK:
		case SEG_UNIQUE:
		case SEG_CHECK:
			return false;
		case SEG_GEN:
			for (k = sg->s; k < sg->e; k++)
				if (rg_sqltok_is(s, &v[k], "STORED"))
					return false;
			break;
		case SEG_NOTNULL:
			notnull = true;
			break;
		case SEG_FK:
			fk = true;
			break;
		case SEG_DEFAULT:
			has_default = true;
			k = sg->kw + 1;
			if (k >= sg->e || rg_sqltok_punct(s, &v[k], '(') || rg_sqltok_is(s, &v[k], "CURRENT_TIME") ||
			    rg_sqltok_is(s, &v[k], "CURRENT_DATE") || rg_sqltok_is(s, &v[k], "CURRENT_TIMESTAMP"))
				return false;
			null_default = rg_sqltok_is(s, &v[k], "NULL");
			break;
		default:
			break;
		}
	}
	if (it->extra.len)
		return false;
	if (notnull && (!has_default || null_default))
		return false;
	if (fk && has_default && !null_default)
		return false;
	return true;
}

static int apply_drop_column(struct table *t, const struct rg_alter *op, struct edit_result *r)
{
	struct item *it = op->column ? find_column(t, op->column) : NULL;
	struct rg_str sql = RG_STR_INIT;
	size_t i, n_cols = 0;
	int err;

	if (!it)
		return rg_error_set(RG_ENOTFOUND, "no column '%s' in table '%s'", op->column ? op->column : "",
				    t->name);
	for (i = 0; i < t->n_items; i++)
		n_cols += t->items[i].is_column && !t->items[i].dropped;
	if (n_cols == 1)
		return rg_error_set(RG_EINVALID, "cannot drop '%s', the only column of table '%s'", op->column,
				    t->name);
	it->dropped = true;
	if (it->added)
		return 0;
	if ((err = rg_strlist_push(&r->dropped, it->dbname)))
		return err;
	for (i = 0; i < it->n_segs; i++) {
		enum seg_kind k = it->segs[i].kind;

		if (!it->segs[i].dropped && (k == SEG_PK || k == SEG_UNIQUE || k == SEG_FK))
			need_rebuild(r, op->kind);
	}
	rg_str_adds(&sql, "ALTER TABLE main.");
	add_quoted(&sql, t->name);
	rg_str_adds(&sql, " DROP COLUMN ");
	add_quoted(&sql, it->lookup);
	if ((err = rg_str_check(&sql))) {
		rg_str_release(&sql);
		return err;
	}
	return rg_strlist_push_owned(&r->inplace, rg_str_detach(&sql));
}

static int do_rename(struct table *t, struct item *it, const char *new_name, bool rename_text,
		     struct edit_result *r)
{
	struct item *other;
	char *copy;
	int err;

	if (!new_name || !*new_name)
		return rg_error_set(RG_EINVALID, "renaming column '%s' needs a new name", it->lookup);
	other = find_column(t, new_name);
	if (other && other != it)
		return rg_error_set(RG_EINVALID, "column '%s' already exists in table '%s'", new_name, t->name);
	if (!it->added) {
		struct rg_str sql = RG_STR_INIT;

		rg_str_adds(&sql, "ALTER TABLE main.");
		add_quoted(&sql, t->name);
		rg_str_adds(&sql, " RENAME COLUMN ");
		add_quoted(&sql, it->lookup);
		rg_str_adds(&sql, " TO ");
		add_quoted(&sql, new_name);
		if ((err = rg_str_check(&sql)) || (err = rg_strlist_push(&r->inplace, sql.buf))) {
			rg_str_release(&sql);
			return err;
		}
		if ((err = rg_strlist_push_owned(&r->renames, rg_str_detach(&sql))))
			return err;
	}
	if (!(copy = rg_strdup(new_name)))
		return RG_ENOMEM;
	free(it->lookup);
	it->lookup = copy;
	if (rename_text || it->added) {
		if (!(copy = rg_strdup(new_name)))
			return RG_ENOMEM;
		free(it->rename);
		it->rename = copy;
		it->edited = true;
	}
	return 0;
}

/* The default expression as it goes after DEFAULT: a literal as is, anything else in parentheses. */
static int default_text(char **out, const char *expr)
{
	struct rg_sqltoks t = RG_SQLTOKS_INIT;
	char *clean;
	bool literal;
	int err;

	*out = NULL;
	if ((err = clean_fragment(&clean, expr, "the default", false)))
		return err;
	if ((err = rg_sqltok_split(&t, clean, "the default", NULL))) {
		free(clean);
		return err;
	}
	literal = (t.n == 1 && (t.v[0].type == RG_TK_STR || t.v[0].type == RG_TK_NUM ||
				t.v[0].type == RG_TK_BLOB ||
				rg_sqltok_is(clean, &t.v[0], "NULL") || rg_sqltok_is(clean, &t.v[0], "TRUE") ||
				rg_sqltok_is(clean, &t.v[0], "FALSE") ||
				rg_sqltok_is(clean, &t.v[0], "CURRENT_TIME") ||
				rg_sqltok_is(clean, &t.v[0], "CURRENT_DATE") ||
				rg_sqltok_is(clean, &t.v[0], "CURRENT_TIMESTAMP"))) ||
		  (t.n == 2 && (rg_sqltok_punct(clean, &t.v[0], '-') || rg_sqltok_punct(clean, &t.v[0], '+')) &&
		   t.v[1].type == RG_TK_NUM);
	rg_sqltoks_release(&t);
	if (literal) {
		*out = clean;
		return 0;
	}
	{
		struct rg_str s = RG_STR_INIT;

		rg_str_addch(&s, '(');
		rg_str_adds(&s, clean);
		rg_str_addch(&s, ')');
		free(clean);
		if ((err = rg_str_check(&s))) {
			rg_str_release(&s);
			return err;
		}
		*out = rg_str_detach(&s);
		return *out ? 0 : RG_ENOMEM;
	}
}

static int apply_alter_column(struct table *t, const struct rg_alter *op, bool rename_text,
			      struct edit_result *r)
{
	struct item *it = op->column ? find_column(t, op->column) : NULL;
	bool changes = op->type || op->nullable >= 0 || op->default_sql || op->drop_default;
	size_t i;
	int err;

	if (!it)
		return rg_error_set(RG_ENOTFOUND, "no column '%s' in table '%s'", op->column ? op->column : "",
				    t->name);
	if (!changes && !op->new_name)
		return rg_error_set(RG_EINVALID, "alter_column of '%s' changes nothing", op->column);
	if (op->nullable < -1 || op->nullable > 1)
		return rg_error_set(RG_EINVALID, "alter_column of '%s': nullable must be -1, 0 or 1", op->column);
	if (op->default_sql && op->drop_default)
		return rg_error_set(RG_EINVALID, "alter_column of '%s' both sets and drops the default", op->column);
	if (changes && !it->added)
		need_rebuild(r, op->kind);
	if (changes)
		it->edited = true;
	if (op->type) {
		char *type;

		if ((err = check_type(&type, op->type)))
			return err;
		free(it->new_type);
		it->new_type = type;
	}
	if (op->nullable == 1) {
		for (i = 0; i < it->n_segs; i++)
			if (it->segs[i].kind == SEG_NOTNULL)
				it->segs[i].dropped = true;
	} else if (op->nullable == 0) {
		bool has = false;

		for (i = 0; i < it->n_segs; i++) {
			if (it->segs[i].kind == SEG_NULL)
				it->segs[i].dropped = true;
			if (it->segs[i].kind == SEG_NOTNULL && !it->segs[i].dropped)
				has = true;
		}
		if (!has && !strstr(it->extra.buf, " NOT NULL"))
			rg_str_adds(&it->extra, " NOT NULL");
	}
	if (op->default_sql || op->drop_default) {
		for (i = 0; i < it->n_segs; i++)
			if (it->segs[i].kind == SEG_DEFAULT)
				it->segs[i].dropped = true;
		if (strstr(it->extra.buf, " DEFAULT ")) {
			/* a default appended by an earlier operation of this list */
			char *p = strstr(it->extra.buf, " DEFAULT ");

			rg_str_setlen(&it->extra, (size_t)(p - it->extra.buf));
		}
	}
	if (op->default_sql) {
		char *d;

		if ((err = default_text(&d, op->default_sql)))
			return err;
		rg_str_adds(&it->extra, " DEFAULT ");
		rg_str_adds(&it->extra, d);
		free(d);
	}
	if ((err = rg_str_check(&it->extra)))
		return err;
	if (op->new_name)
		return do_rename(t, it, op->new_name, rename_text, r);
	return 0;
}

static int apply_add_constraint(struct table *t, const struct rg_alter *op)
{
	struct item it;
	struct src *src;
	char *def;
	int err;

	memset(&it, 0, sizeof(it));
	if ((err = clean_fragment(&def, op->def, "the new constraint", false)) ||
	    (err = add_frag(&src, t, def)))
		return err;
	if ((err = parse_item(&it, src, 0, src->t.n)))
		goto fail;
	if (it.is_column) {
		err = rg_error_set(RG_EINVALID, "not a table constraint: '%s'", op->def);
		goto fail;
	}
	if (it.name) {
		struct cnames c;
		bool taken;

		if ((err = constraint_names(&c, t)))
			goto fail;
		taken = list_has_ci(&c.names, it.name);
		cnames_release(&c);
		if (taken) {
			err = rg_error_set(RG_EINVALID, "table '%s' already has a constraint '%s'", t->name, it.name);
			goto fail;
		}
	}
	if (!(it.lead = new_lead(t))) {
		err = RG_ENOMEM;
		goto fail;
	}
	it.added = true;
	return add_item(t, t->n_items, &it);
fail:
	item_release(&it);
	return err;
}

static int apply_drop_constraint(struct table *t, const struct rg_alter *op)
{
	struct cnames c;
	struct rg_str known = RG_STR_INIT;
	size_t i;
	int err;

	if (!op->name || !*op->name)
		return rg_error_set(RG_EINVALID, "drop_constraint needs a constraint name");
	if ((err = constraint_names(&c, t)))
		return err;
	for (i = 0; i < c.names.n; i++)
		if (!strcasecmp(c.names.items[i], op->name))
			break;
	if (i == c.names.n) {
		size_t k;

		for (k = 0; k < c.names.n; k++)
			rg_str_addf(&known, "%s%s", k ? ", " : "", c.names.items[k]);
		err = rg_error_set(RG_ENOTFOUND, "no constraint '%s' on table '%s' (its constraints: %s)",
				   op->name, t->name, c.names.n ? known.buf : "none");
	} else if (c.seg[i] == SIZE_MAX) {
		t->items[c.owner[i]].dropped = true;
	} else {
		t->items[c.owner[i]].segs[c.seg[i]].dropped = true;
		t->items[c.owner[i]].edited = true;
	}
	rg_str_release(&known);
	cnames_release(&c);
	return err;
}

/* Apply `ops` to the model `t`; see struct edit_result. */
static int apply_ops(struct table *t, const struct rg_alter *ops, size_t n, bool rename_text,
		     struct edit_result *r)
{
	size_t i;
	int err = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < n && !err; i++) {
		const struct rg_alter *op = &ops[i];

		switch (op->kind) {
		case RG_ALTER_ADD_COLUMN:
			err = apply_add_column(t, op, r);
			break;
		case RG_ALTER_DROP_COLUMN:
			err = apply_drop_column(t, op, r);
			break;
		case RG_ALTER_RENAME_COLUMN: {
			struct item *it = op->column ? find_column(t, op->column) : NULL;

			if (!it)
				err = rg_error_set(RG_ENOTFOUND, "no column '%s' in table '%s'",
						   op->column ? op->column : "", t->name);
			else
				err = do_rename(t, it, op->new_name, rename_text, r);
			break;
		}
		case RG_ALTER_ALTER_COLUMN:
			err = apply_alter_column(t, op, rename_text, r);
			break;
		case RG_ALTER_ADD_CONSTRAINT:
			need_rebuild(r, op->kind);
			err = apply_add_constraint(t, op);
			break;
		case RG_ALTER_DROP_CONSTRAINT:
			need_rebuild(r, op->kind);
			err = apply_drop_constraint(t, op);
			break;
		default:
			err = rg_error_set(RG_EINVALID, "unknown table operation %d", (int)op->kind);
		}
		if (err && i + 1 < n)
			rg_error_set_detail("in operation %zu (%s)", i + 1, op_name(op->kind));
	}
	if (err)
		return err;
	/* the columns added, in their final form; in place only if SQLite takes each */
	for (i = 0; i < t->n_items; i++) {
		struct item *it = &t->items[i];

		if (!it->added || !it->is_column || it->dropped)
			continue;
		if (!add_in_place(it))
			need_rebuild(r, RG_ALTER_ADD_COLUMN);
	}
	return 0;
}

/* The text of one item as it is now. */
static void render_item(struct rg_str *out, const struct item *it)
{
	size_t i;

	if (!it->edited || !it->is_column) {
		add_slice(out, it->src, it->s, it->e);
		return;
	}
	if (it->rename)
		add_quoted(out, it->rename);
	else
		add_slice(out, it->src, it->s, it->s + 1);
	if (it->new_type) {
		rg_str_addch(out, ' ');
		rg_str_adds(out, it->new_type);
	} else if (it->ts < it->te) {
		rg_str_addch(out, ' ');
		add_slice(out, it->src, it->ts, it->te);
	}
	for (i = 0; i < it->n_segs; i++)
		if (!it->segs[i].dropped) {
			rg_str_addch(out, ' ');
			add_slice(out, it->src, it->segs[i].s, it->segs[i].e);
		}
	rg_str_add(out, it->extra.buf, it->extra.len);
}

/* The CREATE TABLE text of the model, named `name` (NULL: as it was). */
static int render_table(char **out, const struct table *t, const char *name)
{
	struct rg_str s = RG_STR_INIT;
	const struct src *src = &t->src;
	const struct rg_sqltok *v = src->t.v;
	size_t i, last_end = v[t->open].off + 1;
	bool first = true;
	int err;

	*out = NULL;
	rg_str_add(&s, src->text, v[t->name_s].off);
	if (name) {
		rg_str_adds(&s, "main.");
		add_quoted(&s, name);
	} else
		add_slice(&s, src, t->name_s, t->name_e);
	rg_str_add(&s, src->text + v[t->name_e - 1].off + v[t->name_e - 1].len,
		   v[t->open].off + 1 - (v[t->name_e - 1].off + v[t->name_e - 1].len));
	for (i = 0; i < t->n_items; i++) {
		const struct item *it = &t->items[i];

		if (it->src == src)
			last_end = v[it->e - 1].off + v[it->e - 1].len;
		if (it->dropped)
			continue;
		if (!first)
			rg_str_addch(&s, ',');
		rg_str_adds(&s, it->lead);
		render_item(&s, it);
		first = false;
	}
	rg_str_add(&s, src->text + last_end, v[t->close].off - last_end);
	rg_str_adds(&s, src->text + v[t->close].off);
	if ((err = rg_str_check(&s))) {
		rg_str_release(&s);
		return err;
	}
	*out = rg_str_detach(&s);
	return *out ? 0 : RG_ENOMEM;
}

int rg_sqlite_edit_create(char **out, bool *needs_rebuild, const char *create_sql, const char *new_table,
			  const struct rg_alter *ops, size_t n)
{
	struct table t;
	struct edit_result r;
	int err;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	if (!(err = parse_table(&t, create_sql)) && !(err = apply_ops(&t, ops, n, true, &r)))
		err = render_table(out, &t, new_table);
	if (!err && needs_rebuild)
		*needs_rebuild = r.needs_rebuild;
	edit_result_release(&r);
	table_release(&t);
	return err;
}

int rg_sqlite_constraint_names(struct rg_str *out, const char *create_sql)
{
	struct table t;
	struct cnames c;
	size_t i;
	int err;

	if (!(err = parse_table(&t, create_sql)) && !(err = constraint_names(&c, &t))) {
		for (i = 0; i < c.names.n; i++)
			rg_str_addf(out, "%s\n", c.names.items[i]);
		cnames_release(&c);
		err = rg_str_check(out);
	}
	table_release(&t);
	return err;
}

/* ---------------------------------------------------------------- the engine */

struct engine {
	sqlite3 *db;
	const char *table;		/* the table's name as sqlite_schema spells it */
	struct rg_str *log;
	struct rg_strlist *statements;
	int stmt_err;			/* RG_ENOMEM once pushing to `statements` failed */
	rg_rebuild_progress_fn *progress;
	void *progress_ctx;
	long long copied, total;
};

static int db_fail(struct engine *e, const char *what)
{
	return rg_error_set(RG_EDATABASE, "%s '%s': %s", what, e->table, rg_sqlite3.errmsg(e->db));
}

/* Run one statement that returns no rows we need, and log it. */
static int run(struct engine *e, const char *sql)
{
	char *msg = NULL;

	if (rg_sqlite3.exec(e->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int err = rg_error_set(RG_EDATABASE, "changing table '%s' failed at \"%s\": %s", e->table, sql,
				       msg ? msg : rg_sqlite3.errmsg(e->db));

		rg_sqlite3.free(msg);
		return err;
	}
	if (e->log) {
		rg_str_adds(e->log, sql);
		rg_str_adds(e->log, ";\n\n");
	}
	if (e->statements && rg_strlist_push(e->statements, sql))
		e->stmt_err = RG_ENOMEM;
	return 0;
}

/*
 * Rows of `sql` (parameters ?1.. bound to `args`, NULL-terminated), each row
 * the columns joined by '\x1f', appended to `out`.
 */
static int query(struct engine *e, struct rg_strlist *out, const char *sql, const char *const *args)
{
	sqlite3_stmt *st = NULL;
	struct rg_str row = RG_STR_INIT;
	int rc, i, err = 0;

	if (rg_sqlite3.prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(e, "reading the schema of");
	for (i = 0; args && args[i]; i++)
		rg_sqlite3.bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
	while ((rc = rg_sqlite3.step(st)) == SQLITE_ROW) {
		rg_str_reset(&row);
		for (i = 0; i < rg_sqlite3.column_count(st); i++) {
			const unsigned char *v = rg_sqlite3.column_text(st, i);

			if (i)
				rg_str_addch(&row, '\x1f');
			rg_str_adds(&row, v ? (const char *)v : "");
		}
		if ((err = rg_str_check(&row)) || (err = rg_strlist_push(out, row.buf)))
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = db_fail(e, "reading the schema of");
	rg_sqlite3.finalize(st);
	rg_str_release(&row);
	return err;
}

/* Field `k` of a row from query(), copied; NULL on ENOMEM. */
static char *field(const char *row, int k)
{
	const char *p = row, *end;

	while (k-- > 0) {
		p = strchr(p, '\x1f');
		if (!p)
			return rg_strdup("");
		p++;
	}
	end = strchr(p, '\x1f');
	return end ? rg_strndup(p, (size_t)(end - p)) : rg_strdup(p);
}

static int query_int(struct engine *e, long long *out, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = 0;
	if (rg_sqlite3.prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(e, "reading");
	rc = rg_sqlite3.step(st);
	if (rc == SQLITE_ROW)
		*out = rg_sqlite3.column_int64(st, 0);
	rg_sqlite3.finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(e, "reading");
	return 0;
}

/* The stored CREATE TABLE of `name` and its spelling in sqlite_schema. */
static int read_table_sql(struct engine *e, char **sql, char **spelled, const char *name)
{
	struct rg_strlist rows = RG_STRLIST_INIT;
	const char *args[] = { name, NULL };
	int err;

	*sql = *spelled = NULL;
	if ((err = query(e, &rows, "SELECT name, sql FROM main.sqlite_master WHERE type = 'table' "
			 "AND name = ?1 COLLATE NOCASE", args)))
		return err;
	if (!rows.n)
		err = rg_error_set(RG_ENOTFOUND, "no such table '%s'", name);
	else if (!(*spelled = field(rows.items[0], 0)) || !(*sql = field(rows.items[0], 1)))
		err = RG_ENOMEM;
	rg_strlist_release(&rows);
	return err;
}

static bool src_names(const struct src *src, size_t s, size_t e, const char *name)
{
	for (; s < e; s++)
		if (rg_sqltok_names(src->text, &src->t.v[s], name))
			return true;
	return false;
}

/* Tokens [s, e) of an FK clause that name columns of this table (`self`: it references itself). */
static bool fk_names(const struct src *src, size_t s, size_t e, const char *table, const char *name)
{
	size_t i;

	for (i = s; i < e; i++)
		if (rg_sqltok_is(src->text, &src->t.v[i], "REFERENCES")) {
			bool self = i + 1 < e && rg_sqltok_names(src->text, &src->t.v[i + 1], table);

			if (src_names(src, s, i, name))
				return true;
			return self && i + 2 < e && rg_sqltok_punct(src->text, &src->t.v[i + 2], '(') &&
			       src_names(src, i + 2, skip_group(src, i + 2, e), name);
		}
	return src_names(src, s, e, name);
}

/*
 * Refuse to drop column `col` (its name in the database) of `t` while the
 * final model, an index, a trigger, a view or a foreign key uses it.
 * Identifiers are compared token by token, so a false alarm (the same name
 * meaning another table's column) refuses rather than breaks.
 */
static int check_drop(struct engine *e, const struct table *t, const char *col)
{
	struct rg_strlist rows = RG_STRLIST_INIT;
	struct rg_sqltoks tk = RG_SQLTOKS_INIT;
	const char *args[] = { t->name, NULL };
	struct cnames c;
	size_t i, j;
	int err;

	if ((err = constraint_names(&c, t)))
		return err;
	for (i = 0; i < c.names.n && !err; i++) {
		const struct item *it = &t->items[c.owner[i]];
		bool uses;

		if (c.seg[i] == SIZE_MAX)
			uses = it->kind == SEG_FK ? fk_names(it->src, it->s, it->e, t->name, col)
						  : src_names(it->src, it->s, it->e, col);
		else if (it->segs[c.seg[i]].kind == SEG_FK)
			uses = fk_names(it->src, it->segs[c.seg[i]].kw, it->segs[c.seg[i]].e, t->name, col);
		else
			uses = it->segs[c.seg[i]].kind == SEG_CHECK &&
			       src_names(it->src, it->segs[c.seg[i]].kw, it->segs[c.seg[i]].e, col);
		if (uses)
			err = rg_error_set(RG_EINVALID, "cannot drop column '%s' of table '%s': constraint '%s' uses it",
					   col, t->name, c.names.items[i]);
	}
	cnames_release(&c);
	/* generated columns of the final model */
	for (i = 0; i < t->n_items && !err; i++) {
		const struct item *it = &t->items[i];

		if (it->dropped || !it->is_column)
			continue;
		for (j = 0; j < it->n_segs && !err; j++)
			if (!it->segs[j].dropped && it->segs[j].kind == SEG_GEN &&
			    src_names(it->src, it->segs[j].kw, it->segs[j].e, col))
				err = rg_error_set(RG_EINVALID, "cannot drop column '%s' of table '%s': generated column '%s' uses it",
						   col, t->name, it->lookup);
	}
	if (!err)
		err = query(e, &rows, "SELECT type, name, tbl_name, sql FROM main.sqlite_master "
			    "WHERE type IN ('index', 'trigger', 'view') AND sql IS NOT NULL ORDER BY rowid", NULL);
	for (i = 0; i < rows.n && !err; i++) {
		char *type = field(rows.items[i], 0), *name = field(rows.items[i], 1);
		char *tbl = field(rows.items[i], 2), *sql = field(rows.items[i], 3);

		if (!type || !name || !tbl || !sql)
			err = RG_ENOMEM;
		else if (!(err = rg_sqltok_split(&tk, sql, "a schema entry", NULL))) {
			bool on_table = !strcasecmp(tbl, t->name);
			size_t from = 0;

			if (!strcmp(type, "index")) {
				while (from < tk.n && !rg_sqltok_punct(sql, &tk.v[from], '('))
					from++;
			} else if (!on_table) {
				struct src s = { sql, tk };

				on_table = src_names(&s, 0, tk.n, t->name);
			}
			if (on_table) {
				struct src s = { sql, tk };

				if (src_names(&s, from, tk.n, col))
					err = rg_error_set(RG_EINVALID,
							   "cannot drop column '%s' of table '%s': %s '%s' uses it",
							   col, t->name, type, name);
			}
		}
		free(type);
		free(name);
		free(tbl);
		free(sql);
	}
	rg_sqltoks_release(&tk);
	rg_strlist_release(&rows);
	if (!err)
		err = query(e, &rows, "SELECT m.name, f.\"table\", ifnull(f.\"to\", '') FROM main.sqlite_master m "
			    "JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY m.name", NULL);
	for (i = 0; i < rows.n && !err; i++) {
		char *child = field(rows.items[i], 0), *parent = field(rows.items[i], 1);
		char *to = field(rows.items[i], 2);

		if (!child || !parent || !to) {
			err = RG_ENOMEM;
		} else if (!strcasecmp(parent, t->name) && strcasecmp(child, t->name)) {
			bool pk = false;

			if (!*to) {
				/* a reference to the primary key */
				struct rg_strlist pkc = RG_STRLIST_INIT;

				if (!(err = query(e, &pkc, "SELECT name FROM pragma_table_info(?1) WHERE pk > 0", args))) {
					size_t k;

					for (k = 0; k < pkc.n; k++)
						pk = pk || !strcasecmp(pkc.items[k], col);
				}
				rg_strlist_release(&pkc);
			}
			if (!err && (pk || !strcasecmp(to, col)))
				err = rg_error_set(RG_EINVALID,
						   "cannot drop column '%s' of table '%s': a foreign key of table '%s' references it",
						   col, t->name, child);
		}
		free(child);
		free(parent);
		free(to);
	}
	rg_strlist_release(&rows);
	return err;
}

static void progress_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct engine *e = rg_sqlite3.user_data(ctx);

	(void)argc;
	(void)argv;
	if ((++e->copied & 4095) == 0)
		e->progress(e->progress_ctx, e->copied, e->total);
	rg_sqlite3.result_int(ctx, 1);
}

/* A table name that nothing in the schema uses yet: _rg_new_<table>[_N]. */
static int free_name(struct engine *e, char **out)
{
	struct rg_str name = RG_STR_INIT;
	unsigned k;
	int err = 0;

	*out = NULL;
	for (k = 1; !err; k++) {
		struct rg_strlist rows = RG_STRLIST_INIT;
		const char *args[2] = { NULL, NULL };

		rg_str_reset(&name);
		rg_str_addf(&name, "_rg_new_%s", e->table);
		if (k > 1)
			rg_str_addf(&name, "_%u", k);
		if ((err = rg_str_check(&name)))
			break;
		args[0] = name.buf;
		err = query(e, &rows, "SELECT 1 FROM main.sqlite_master WHERE name = ?1 COLLATE NOCASE", args);
		if (!err && !rows.n) {
			rg_strlist_release(&rows);
			*out = rg_str_detach(&name);
			return *out ? 0 : RG_ENOMEM;
		}
		rg_strlist_release(&rows);
	}
	rg_str_release(&name);
	return err;
}

/* A schema entry to recreate after the swap. */
struct saved {
	struct rg_strlist type, name, sql;
};

static void saved_release(struct saved *s)
{
	rg_strlist_release(&s->type);
	rg_strlist_release(&s->name);
	rg_strlist_release(&s->sql);
}

/*
 * Step 3: the indexes and triggers of the table (dropped with it), and every
 * other trigger and view that names it or a view being dropped (SQLite
 * checks them all when the new table is renamed, so they must be out of the
 * schema then), in schema order.
 */
static int capture(struct engine *e, struct saved *out)
{
	struct rg_strlist rows = RG_STRLIST_INIT;
	struct rg_sqltoks tk = RG_SQLTOKS_INIT;
	bool *take = NULL, more = true;
	size_t i, j;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = query(e, &rows, "SELECT type, name, tbl_name, sql FROM main.sqlite_master "
			 "WHERE type IN ('index', 'trigger', 'view') AND sql IS NOT NULL ORDER BY rowid", NULL)))
		return err;
	if (!(take = rg_calloc(rows.n + 1, sizeof(*take)))) {
		err = RG_ENOMEM;
		goto out;
	}
	for (i = 0; i < rows.n; i++) {
		char *tbl = field(rows.items[i], 2);

		if (!tbl) {
			err = RG_ENOMEM;
			goto out;
		}
		take[i] = !strcasecmp(tbl, e->table);
		free(tbl);
	}
	while (more) {
		more = false;
		for (i = 0; i < rows.n; i++) {
			char *sql;
			struct src s;

			if (take[i] || !strncmp(rows.items[i], "index\x1f", 6))
				continue;
			if (!(sql = field(rows.items[i], 3))) {
				err = RG_ENOMEM;
				goto out;
			}
			if ((err = rg_sqltok_split(&tk, sql, "a schema entry", NULL))) {
				free(sql);
				goto out;
			}
			s.text = sql;
			s.t = tk;
			take[i] = src_names(&s, 0, tk.n, e->table);
			for (j = 0; j < rows.n && !take[i]; j++)
				if (take[j] && !strncmp(rows.items[j], "view\x1f", 5)) {
					char *v = field(rows.items[j], 1);

					take[i] = v && src_names(&s, 0, tk.n, v);
					free(v);
				}
			more = more || take[i];
			free(sql);
		}
	}
	for (i = 0; i < rows.n; i++)
		if (take[i] && ((err = rg_strlist_push_owned(&out->type, field(rows.items[i], 0))) ||
				(err = rg_strlist_push_owned(&out->name, field(rows.items[i], 1))) ||
				(err = rg_strlist_push_owned(&out->sql, field(rows.items[i], 3)))))
			goto out;
out:
	free(take);
	rg_sqltoks_release(&tk);
	rg_strlist_release(&rows);
	return err;
}

/* Step 10's input: PRAGMA foreign_key_check, each row "table|rowid|parent|fkid". */
static int fk_check(struct engine *e, struct rg_strlist *out)
{
	static const char sql[] = "PRAGMA main.foreign_key_check";
	sqlite3_stmt *st = NULL;
	struct rg_str row = RG_STR_INIT;
	int rc, err = 0;

	if (rg_sqlite3.prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(e, "checking the foreign keys around");
	while ((rc = rg_sqlite3.step(st)) == SQLITE_ROW) {
		rg_str_reset(&row);
		rg_str_addf(&row, "%s|%s|%s|%d", (const char *)rg_sqlite3.column_text(st, 0),
			    rg_sqlite3.column_type(st, 1) == SQLITE_NULL ? "-" : (const char *)rg_sqlite3.column_text(st, 1),
			    (const char *)rg_sqlite3.column_text(st, 2), rg_sqlite3.column_int(st, 3));
		if ((err = rg_str_check(&row)) || (err = rg_strlist_push(out, row.buf)))
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = rg_error_set(RG_EDATABASE, "checking the foreign keys around table '%s': %s", e->table,
				   rg_sqlite3.errmsg(e->db));
	rg_sqlite3.finalize(st);
	rg_str_release(&row);
	if (!err && e->statements && rg_strlist_push(e->statements, sql))
		e->stmt_err = RG_ENOMEM;
	if (!err && e->log) {
		rg_str_adds(e->log, sql);
		rg_str_adds(e->log, ";\n\n");
	}
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fail naming the rows of `after` that are not in `before`. */
static int new_violations(struct engine *e, struct rg_strlist *before, struct rg_strlist *after)
{
	struct rg_str msg = RG_STR_INIT;
	size_t i, n_new = 0;
	int err = 0;

	if (!after->n)
		return 0;
	if (before->n)
		qsort(before->items, before->n, sizeof(char *), cmp_str);
	for (i = 0; i < after->n; i++) {
		char *row = after->items[i], *p1, *p2, *p3;

		if (before->n && bsearch(&row, before->items, before->n, sizeof(char *), cmp_str))
			continue;
		if (n_new++ >= 5)
			continue;
		p1 = strchr(row, '|');
		p2 = p1 ? strchr(p1 + 1, '|') : NULL;
		p3 = p2 ? strchr(p2 + 1, '|') : NULL;
		if (!p3)
			continue;
		rg_str_addf(&msg, "%s'%.*s' rowid %.*s references '%.*s'", n_new > 1 ? "; " : "",
			    (int)(p1 - row), row, (int)(p2 - p1 - 1), p1 + 1, (int)(p3 - p2 - 1), p2 + 1);
	}
	if (n_new)
		err = rg_error_set(RG_EINVALID,
				   "changing table '%s' would break %zu foreign key reference%s, so nothing was changed: %s%s",
				   e->table, n_new, n_new == 1 ? "" : "s", msg.buf, n_new > 5 ? "; ..." : "");
	rg_str_release(&msg);
	return err;
}

static bool has_autoincrement(const struct table *t)
{
	size_t i;

	for (i = 0; i < t->src.t.n; i++)
		if (rg_sqltok_is(t->src.text, &t->src.t.v[i], "AUTOINCREMENT"))
			return true;
	for (i = 0; i < t->n_frags; i++) {
		size_t k;

		for (k = 0; k < t->frags[i]->t.n; k++)
			if (rg_sqltok_is(t->frags[i]->text, &t->frags[i]->t.v[k], "AUTOINCREMENT"))
				return true;
	}
	return false;
}

static bool is_generated(const struct item *it)
{
	size_t i;

	for (i = 0; i < it->n_segs; i++)
		if (!it->segs[i].dropped && it->segs[i].kind == SEG_GEN)
			return true;
	return false;
}

/* The rowid alias no column of `t` shadows, or NULL. */
static const char *rowid_alias(const struct table *t)
{
	static const char *const names[] = { "rowid", "oid", "_rowid_" };
	size_t i, k;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < t->n_items; i++)
			if (t->items[i].is_column && !strcasecmp(t->items[i].name, names[k]))
				break;
		if (i == t->n_items)
			return names[k];
	}
	return NULL;
}

/*
 * Steps 2-11 inside the transaction, after the renames: the table re-read
 * (`t`, with `orig` naming its columns as the operations know them), edited,
 * created under a free name, filled, swapped in, and its dependants and
 * sqlite_sequence restored; the foreign-key and row-count checks.
 */
static int swap(struct engine *e, const struct rg_strlist *orig, const struct rg_alter *ops, size_t n)
{
	struct table t;
	struct edit_result r;
	struct saved saved;
	struct rg_strlist fk_before = RG_STRLIST_INIT, fk_after = RG_STRLIST_INIT, seq = RG_STRLIST_INIT;
	struct rg_str cols = RG_STR_INIT, sql = RG_STR_INIT;
	char *create = NULL, *tmp = NULL, *text = NULL, *spelled = NULL;
	const char *alias;
	const char *args[] = { e->table, NULL };
	long long before_rows = 0, copied;
	size_t i, k;
	bool seq_table;
	int err;

	memset(&t, 0, sizeof(t));
	memset(&r, 0, sizeof(r));
	memset(&saved, 0, sizeof(saved));
	if ((err = read_table_sql(e, &text, &spelled, e->table)) || (err = parse_table(&t, text)))
		goto out;
	for (i = 0, k = 0; i < t.n_items; i++) {
		struct item *it = &t.items[i];

		if (!it->is_column)
			continue;
		if (k >= orig->n) {
			err = rg_error_set(RG_EDATABASE, "table '%s' changed while it was being altered", e->table);
			goto out;
		}
		free(it->lookup);
		if (!(it->lookup = rg_strdup(orig->items[k++]))) {
			err = RG_ENOMEM;
			goto out;
		}
	}
	if ((err = apply_ops(&t, ops, n, false, &r)) || (err = free_name(e, &tmp)) ||
	    (err = render_table(&create, &t, tmp)) || (err = capture(e, &saved)))
		goto out;
	/* step 10, first half: the violations there were before */
	if ((err = fk_check(e, &fk_before)))
		goto out;
	if ((err = query(e, &seq, "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
			 NULL)))
		goto out;
	seq_table = seq.n > 0;
	rg_strlist_release(&seq);
	if (seq_table && (err = query(e, &seq, "SELECT seq FROM main.sqlite_sequence WHERE name = ?1", args)))
		goto out;
	rg_str_adds(&sql, "SELECT count(*) FROM main.");
	add_quoted(&sql, e->table);
	if ((err = rg_str_check(&sql)) || (err = query_int(e, &before_rows, sql.buf)))
		goto out;
	/* step 4 */
	if ((err = run(e, create)))
		goto out;
	/* step 5: explicit columns, the rowid kept; column affinity converts what a type change can losslessly */
	alias = t.without_rowid ? NULL : rowid_alias(&t);
	if (alias)
		rg_str_adds(&cols, alias);
	for (i = 0; i < t.n_items; i++) {
		const struct item *it = &t.items[i];

		if (!it->is_column || it->dropped || it->added || is_generated(it))
			continue;
		if (cols.len)
			rg_str_adds(&cols, ", ");
		add_quoted(&cols, it->name);
	}
	rg_str_reset(&sql);
	rg_str_adds(&sql, "INSERT INTO main.");
	add_quoted(&sql, tmp);
	rg_str_addf(&sql, " (%s) SELECT %s FROM main.", cols.buf, cols.buf);
	add_quoted(&sql, e->table);
	if (e->progress) {
		rg_str_adds(&sql, " WHERE rg_rebuild_progress()");
		e->total = before_rows;
		e->copied = 0;
		if (rg_sqlite3.create_function(e->db, "rg_rebuild_progress", 0, SQLITE_UTF8, e, progress_fn, NULL,
					       NULL) != SQLITE_OK) {
			err = db_fail(e, "reporting progress on");
			goto out;
		}
	}
	if ((err = rg_str_check(&sql)))
		goto out;
	err = run(e, sql.buf);
	copied = rg_sqlite3.changes64(e->db);
	if (e->progress) {
		rg_sqlite3.create_function(e->db, "rg_rebuild_progress", 0, SQLITE_UTF8, NULL, NULL, NULL, NULL);
		if (!err)
			e->progress(e->progress_ctx, copied, before_rows);
	}
	if (err)
		goto out;
	if (copied != before_rows) {
		err = rg_error_set(RG_EDATABASE, "copying table '%s' moved %lld of %lld rows; nothing was changed",
				   e->table, copied, before_rows);
		goto out;
	}
	/* the views and triggers elsewhere that SQLite would check at the rename */
	for (i = saved.type.n; i-- > 0;) {
		if (!strcmp(saved.type.items[i], "index"))
			continue;
		rg_str_reset(&sql);
		rg_str_addf(&sql, "DROP %s main.", !strcmp(saved.type.items[i], "view") ? "VIEW" : "TRIGGER");
		add_quoted(&sql, saved.name.items[i]);
		if ((err = rg_str_check(&sql)) || (err = run(e, sql.buf)))
			goto out;
	}
	/* steps 6 and 7 */
	rg_str_reset(&sql);
	rg_str_adds(&sql, "DROP TABLE main.");
	add_quoted(&sql, e->table);
	if ((err = rg_str_check(&sql)) || (err = run(e, sql.buf)))
		goto out;
	rg_str_reset(&sql);
	rg_str_adds(&sql, "ALTER TABLE main.");
	add_quoted(&sql, tmp);
	rg_str_adds(&sql, " RENAME TO ");
	add_quoted(&sql, e->table);
	if ((err = rg_str_check(&sql)) || (err = run(e, sql.buf)))
		goto out;
	/* steps 8 and 9: indexes, triggers and views as they were, in their order */
	for (i = 0; i < saved.sql.n; i++)
		if ((err = run(e, saved.sql.items[i])))
			goto out;
	/* AUTOINCREMENT: the counter never goes back */
	if (seq.n && has_autoincrement(&t)) {
		char *q = rg_sqlite3.mprintf("UPDATE main.sqlite_sequence SET seq = %s WHERE name = %Q AND seq < %s",
					     seq.items[0], e->table, seq.items[0]);
		char *q2 = rg_sqlite3.mprintf("INSERT INTO main.sqlite_sequence (name, seq) SELECT %Q, %s WHERE NOT EXISTS "
					      "(SELECT 1 FROM main.sqlite_sequence WHERE name = %Q)",
					      e->table, seq.items[0], e->table);

		if (!q || !q2)
			err = rg_error_set(RG_ENOMEM, "out of memory");
		if (!err)
			err = run(e, q);
		if (!err)
			err = run(e, q2);
		rg_sqlite3.free(q);
		rg_sqlite3.free(q2);
		if (err)
			goto out;
	}
	/* step 10 */
	if ((err = fk_check(e, &fk_after)) || (err = new_violations(e, &fk_before, &fk_after)))
		goto out;
out:
	table_release(&t);
	edit_result_release(&r);
	saved_release(&saved);
	rg_strlist_release(&fk_before);
	rg_strlist_release(&fk_after);
	rg_strlist_release(&seq);
	rg_str_release(&cols);
	rg_str_release(&sql);
	free(create);
	free(tmp);
	free(text);
	free(spelled);
	return err;
}

int rg_sqlite_alter_table_ext(sqlite3 *db, const char *table, const struct rg_alter *ops, size_t n,
			      const struct rg_alter_opts *opts)
{
	struct engine e;
	struct table t;
	struct edit_result r;
	struct rg_strlist orig = RG_STRLIST_INIT;
	char *sql = NULL, *spelled = NULL, *now = NULL, *now_spelled = NULL;
	enum rg_recreate recreate = opts ? opts->recreate : RG_RECREATE_AUTO;
	long long fk_on = 0;
	bool in_tx = opts && opts->in_transaction;
	bool rebuild, began = false, fk_off = false;
	size_t i;
	int err;

	if (opts && opts->rebuilt)
		*opts->rebuilt = false;
	/* the handle may come from a caller that linked SQLite itself */
	if ((err = rg_sqlite_need()))
		return err;
	memset(&e, 0, sizeof(e));
	memset(&t, 0, sizeof(t));
	memset(&r, 0, sizeof(r));
	e.db = db;
	e.table = table;
	e.log = opts ? opts->log : NULL;
	e.statements = opts ? opts->statements : NULL;
	e.progress = opts ? opts->progress : NULL;
	e.progress_ctx = opts ? opts->progress_ctx : NULL;
	if (!table || !*table)
		return rg_error_set(RG_EINVALID, "no table named");
	if (!in_tx && !rg_sqlite3.get_autocommit(db))
		return rg_error_set(RG_EINVALID, "cannot alter table '%s' inside an open transaction: "
				    "foreign key enforcement can only be switched off outside one", table);
	if (in_tx && rg_sqlite3.get_autocommit(db))
		return rg_error_set(RG_EINVALID, "cannot alter table '%s' in the caller's transaction: none is open",
				    table);
	if (recreate != RG_RECREATE_AUTO && recreate != RG_RECREATE_ALWAYS && recreate != RG_RECREATE_NEVER)
		return rg_error_set(RG_EINVALID, "recreate may be one of 'auto', 'always', or 'never'");
	if (!strncasecmp(table, "sqlite_", 7))
		return rg_error_set(RG_EUNSUPPORTED, "table '%s' belongs to SQLite", table);
	/* plan: every refusal comes before the first statement */
	if ((err = read_table_sql(&e, &sql, &spelled, table)))
		goto out;
	e.table = spelled;
	if ((err = parse_table(&t, sql)))
		goto out;
	for (i = 0; i < t.n_items; i++)
		if (t.items[i].is_column && (err = rg_strlist_push(&orig, t.items[i].name)))
			goto out;
	if ((err = apply_ops(&t, ops, n, true, &r)))
		goto out;
	if (recreate == RG_RECREATE_NEVER && r.needs_rebuild) {
		err = rg_error_set(RG_EUNSUPPORTED, "%s on table '%s' needs a table rebuild, and recreate is 'never'",
				   r.why, spelled);
		goto out;
	}
	for (i = 0; i < r.dropped.n; i++)
		if ((err = check_drop(&e, &t, r.dropped.items[i])))
			goto out;
	rebuild = r.needs_rebuild || recreate == RG_RECREATE_ALWAYS;
	if (rebuild && (err = query_int(&e, &fk_on, "PRAGMA foreign_keys")))
		goto out;
	if (fk_on && in_tx) {
		err = rg_error_set(RG_EINVALID, "cannot rebuild table '%s' in the caller's transaction with foreign key "
				   "enforcement on: it must be switched off before that transaction began", spelled);
		goto out;
	}
	/* step 1, outside the transaction */
	if (fk_on) {
		if ((err = run(&e, "PRAGMA foreign_keys = OFF")))
			goto out;
		fk_off = true;
	}
	/* step 2 */
	if ((err = run(&e, in_tx ? "SAVEPOINT rg_alter_table" : "BEGIN IMMEDIATE")))
		goto out;
	began = true;
	if ((err = read_table_sql(&e, &now, &now_spelled, spelled)))
		goto out;
	if (strcmp(now, sql)) {
		err = rg_error_set(RG_EDATABASE, "table '%s' changed while its change was planned; try again", spelled);
		goto out;
	}
	if (rebuild) {
		for (i = 0; i < r.renames.n; i++)
			if ((err = run(&e, r.renames.items[i])))
				goto out;
		if ((err = swap(&e, &orig, ops, n)))
			goto out;
	} else {
		for (i = 0; i < r.inplace.n; i++)
			if ((err = run(&e, r.inplace.items[i])))
				goto out;
		for (i = 0; i < t.n_items; i++) {
			struct rg_str add = RG_STR_INIT;

			if (!t.items[i].added || !t.items[i].is_column || t.items[i].dropped)
				continue;
			rg_str_adds(&add, "ALTER TABLE main.");
			add_quoted(&add, spelled);
			rg_str_adds(&add, " ADD COLUMN ");
			render_item(&add, &t.items[i]);
			err = rg_str_check(&add);
			if (!err)
				err = run(&e, add.buf);
			rg_str_release(&add);
			if (err)
				goto out;
		}
	}
	/* step 11 */
	if ((err = run(&e, in_tx ? "RELEASE rg_alter_table" : "COMMIT")))
		goto out;
	began = false;
	if (opts && opts->rebuilt)
		*opts->rebuilt = rebuild;
out:
	if (began && in_tx && !rg_sqlite3.get_autocommit(db))
		rg_sqlite3.exec(db, "ROLLBACK TO rg_alter_table; RELEASE rg_alter_table", NULL, NULL, NULL);
	else if (began && !rg_sqlite3.get_autocommit(db))
		rg_sqlite3.exec(db, "ROLLBACK", NULL, NULL, NULL);
	/* step 12 */
	if (fk_off) {
		int rc = rg_sqlite3.exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);

		if (!err && rc != SQLITE_OK)
			err = rg_error_set(RG_EDATABASE, "switching foreign keys back on: %s", rg_sqlite3.errmsg(db));
		if (!err && e.log)
			rg_str_adds(e.log, "PRAGMA foreign_keys = ON;\n\n");
		if (!err && e.statements && rg_strlist_push(e.statements, "PRAGMA foreign_keys = ON"))
			e.stmt_err = RG_ENOMEM;
	}
	if (!err && e.log)
		err = rg_str_check(e.log);
	if (!err && e.stmt_err)
		err = rg_error_set(RG_ENOMEM, "out of memory");
	table_release(&t);
	edit_result_release(&r);
	rg_strlist_release(&orig);
	free(sql);
	free(spelled);
	free(now);
	free(now_spelled);
	return err;
}

int rg_sqlite_alter_table(sqlite3 *db, const char *table, const struct rg_alter *ops, size_t n,
			  enum rg_recreate recreate, struct rg_str *log)
{
	struct rg_alter_opts o;

	memset(&o, 0, sizeof(o));
	o.recreate = recreate;
	o.log = log;
	return rg_sqlite_alter_table_ext(db, table, ops, n, &o);
}
