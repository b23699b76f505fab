/*
 * The identifier grammar (revgraph/resolve.h), following Alembic's
 * RevisionMap resolution step by step so that every symbol resolves to the
 * same revisions and fails with the same text.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "revgraph/str.h"
#include "walk.h"
#include "revgraph/resolve.h"
#include "banned.h"

/* What a walk ends on: a revision, the "base" sentinel, or nothing. */
enum pos_kind { POS_NOTHING, POS_BASE, POS_REV };

struct pos {
	enum pos_kind kind;
	size_t idx;
};

/* A parsed symbol: a raw string to look up, or an already resolved list. */
struct number {
	char *label;		/* text before the first '@', or NULL */
	const char *raw;	/* points into the argument, or NULL */
	struct rg_idx_list list;
};

static void number_release(struct number *n)
{
	free(n->label);
	rg_idx_list_release(&n->list);
}

static int not_found(const char *argument, const char *inner)
{
	int err = rg_error_set(RG_ENOTFOUND, "Can't locate revision identified by '%s'", argument);

	rg_error_set_detail("%s", inner);
	return err;
}

int rg_resolve_multiple_heads_error(const char *arg)
{
	return rg_error_set(RG_EMULTIHEAD,
			    "Multiple head revisions are present for given argument '%s'; please specify a specific target revision, '<branchname>@%s' to narrow to a specific head, or 'heads' for all heads",
			    arg, arg);
}

static int resolve_number(struct number *out, const struct rg_revmap *map, const char *arg);

static int revision_for_ident(size_t *out, bool *found, const struct rg_revmap *map,
			      const char *rid, const char *check_branch)
{
	struct rg_idx_list cands = { 0 };
	struct rg_str inner = RG_STR_INIT;
	size_t branch = 0, i, kept;
	bool has_branch = false, bfound;
	int err = 0;

	*found = false;
	if (check_branch) {
		if (rg_revmap_find_id(map, check_branch, &branch) ||
		    rg_revmap_find_label(map, check_branch, &branch)) {
			has_branch = true;
		} else {
			err = revision_for_ident(&branch, &bfound, map, check_branch, NULL);
			if (err == RG_ENOTFOUND) {
				rg_str_addf(&inner, "No such branch: '%s'", check_branch);
				err = not_found(check_branch, inner.buf);
				goto out;
			}
			if (err)
				goto out;
			has_branch = bfound;
		}
	}
	if (rg_revmap_find_id(map, rid, out) || rg_revmap_find_label(map, rid, out)) {
		*found = true;
	} else {
		if (!*rid) {
			err = not_found(rid, "No such revision or branch ''");
			goto out;
		}
		if ((err = rg_revmap_prefix(&cands, map, rid)))
			goto out;
		if (has_branch) {
			for (i = kept = 0; i < cands.n; i++) {
				bool shares;

				if ((err = rg_walk_lineage(&shares, map, cands.items[i], branch)))
					goto out;
				if (shares)
					cands.items[kept++] = cands.items[i];
			}
			cands.n = kept;
		}
		if (!cands.n) {
			rg_str_addf(&inner, "No such revision or branch '%s'%s", rid,
				    strlen(rid) < 4 ? "; please ensure at least four characters are present for partial revision identifier matches" : "");
			err = not_found(rid, inner.buf);
			goto out;
		}
		if (cands.n > 1) {
			rg_str_addf(&inner, "Multiple revisions start with '%s': ", rid);
			for (i = 0; i < cands.n && i < 3; i++)
				rg_str_addf(&inner, "%s'%s'", i ? ", " : "",
					    rg_revmap_node(map, cands.items[i])->rev->id);
			rg_str_adds(&inner, "...");
			err = not_found(rid, inner.buf);
			goto out;
		}
		*out = cands.items[0];
		*found = true;
	}
	if (has_branch && (err = rg_walk_lineage(&bfound, map, *out, branch)))
		goto out;
	if (has_branch && !bfound) {
		rg_str_addf(&inner, "Revision %s is not a member of branch '%s'",
			    rg_revmap_node(map, *out)->rev->id, check_branch);
		err = not_found(rid, inner.buf);
		*found = false;
	}
out:
	rg_idx_list_release(&cands);
	rg_str_release(&inner);
	return err;
}

/* Alembic's _shares_lineage for two revisions, dependencies included. */
static int lineage_deps(bool *out, const struct rg_revmap *map, size_t a, size_t b)
{
	int err = rg_walk_reaches(out, map, a, b, RG_WALK_DOWN_DEPS);

	if (!err && !*out)
		err = rg_walk_reaches(out, map, b, a, RG_WALK_DOWN_DEPS);
	return err;
}

/* Alembic's filter_for_lineage(targets, check_against, deps), in place. */
static int filter_lineage_deps(struct rg_idx_list *targets, const struct rg_revmap *map,
			       const char *check_against, bool deps)
{
	struct number num = { 0 };
	struct rg_idx_list shares = { 0 };
	size_t i, j, kept, idx;
	bool found;
	int err = 0;

	if (!targets->n)
		return 0;	/* Alembic resolves the branch only per target */
	if ((err = resolve_number(&num, map, check_against)))
		goto out;
	if (num.label) {
		if ((err = revision_for_ident(&idx, &found, map, num.label, NULL)))
			goto out;
		if (found && (err = rg_idx_list_push(&shares, idx)))
			goto out;
	}
	if (num.raw) {
		if ((err = revision_for_ident(&idx, &found, map, num.raw, NULL)))
			goto out;
		if (found && (err = rg_idx_list_push(&shares, idx)))
			goto out;
	} else {
		for (i = 0; i < num.list.n; i++)
			if ((err = rg_idx_list_push(&shares, num.list.items[i])))
				goto out;
	}
	if (!shares.n && !num.label && !num.raw && !num.list.n)
		goto out;	/* nothing to test against: everything shares */
	for (i = kept = 0; i < targets->n; i++) {
		bool shared = false;

		for (j = 0; j < shares.n && !shared; j++)
			if ((err = (deps ? lineage_deps : rg_walk_lineage)(&shared, map, targets->items[i],
									  shares.items[j])))
				goto out;
		if (shared)
			targets->items[kept++] = targets->items[i];
	}
	targets->n = kept;
out:
	number_release(&num);
	rg_idx_list_release(&shares);
	return err;
}

static int filter_lineage(struct rg_idx_list *targets, const struct rg_revmap *map,
			  const char *check_against)
{
	return filter_lineage_deps(targets, map, check_against, false);
}

int rg_resolve_filter_lineage(struct rg_idx_list *targets, const struct rg_revmap *map,
			      const char *check_against, bool deps)
{
	return filter_lineage_deps(targets, map, check_against, deps);
}

static int resolve_number(struct number *out, const struct rg_revmap *map, const char *arg)
{
	const char *at = strchr(arg, '@');
	const char *id = at ? at + 1 : arg;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (at && !(out->label = rg_strndup(arg, (size_t)(at - arg))))
		return RG_ENOMEM;
	if (!strcmp(id, "heads")) {
		if (out->label) {
			if ((err = rg_revmap_heads(&out->list, map)))
				return err;
			return filter_lineage(&out->list, map, out->label);
		}
		return rg_revmap_real_heads(&out->list, map);
	}
	if (!strcmp(id, "head")) {
		if ((err = rg_revmap_heads(&out->list, map)))
			return err;
		if (out->label && (err = filter_lineage(&out->list, map, out->label)))
			return err;
		if (out->list.n > 1) {
			struct rg_str a = RG_STR_INIT;

			if (out->label)
				rg_str_addf(&a, "%s@head", out->label);
			else
				rg_str_adds(&a, "head");
			err = rg_str_check(&a) ? RG_ENOMEM : rg_resolve_multiple_heads_error(a.buf);
			rg_str_release(&a);
			return err;
		}
		return 0;
	}
	if (!strcmp(id, "base"))
		return 0;
	out->raw = id;
	return 0;
}

/* Python's int(): optional blanks and sign, digits with single underscores. */
static bool parse_int(const char *s, long *out)
{
	long v = 0;
	int sign = 1;
	bool digit = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	for (; *s; s++) {
		if (*s == '_' && digit && s[1] >= '0' && s[1] <= '9')
			continue;
		if (*s < '0' || *s > '9')
			break;
		digit = true;
		if (v < LONG_MAX / 10)
			v = v * 10 + (*s - '0');
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (!digit || *s)
		return false;
	*out = sign * v;
	return true;
}

static int walk(struct pos *out, const struct rg_revmap *map, struct pos start, long steps,
		const char *label, bool no_overwalk);

struct pos_list {
	struct pos *items;
	size_t n, alloc;
};

static int pos_push(struct pos_list *l, enum pos_kind kind, size_t idx)
{
	if (RG_GROW(l->items, l->n + 1, l->alloc))
		return RG_ENOMEM;
	l->items[l->n].kind = kind;
	l->items[l->n++].idx = idx;
	return 0;
}

/*
 * Alembic's get_revisions, keeping what its walks end on: -N may end on the
 * "base" sentinel or on nothing (Alembic then crashes later); the caller
 * decides.  `out` gets one position per result.
 */
static int resolve_positions(struct pos_list *out, const struct rg_revmap *map, const char *arg)
{
	struct number num = { 0 };
	long steps;
	size_t i, idx;
	bool found;
	int err;

	out->n = 0;
	if ((err = resolve_number(&num, map, arg)))
		goto out;
	if (num.raw && parse_int(num.raw, &steps) && steps < 0) {
		struct rg_idx_list heads = { 0 };

		/* branch@-n: walk down from each real head carrying the label */
		if ((err = rg_revmap_real_heads(&heads, map)))
			goto out;
		for (i = 0; i < heads.n && !err; i++) {
			struct pos start = { POS_REV, heads.items[i] }, end;

			if (num.label && !rg_node_has_label(rg_revmap_node(map, heads.items[i]), num.label))
				continue;
			err = walk(&end, map, start, steps, NULL, true);
			if (!err)
				err = pos_push(out, end.kind, end.idx);
		}
		rg_idx_list_release(&heads);
		goto out;
	}
	if (num.raw) {
		if ((err = revision_for_ident(&idx, &found, map, num.raw, num.label)))
			goto out;
		if (found)
			err = pos_push(out, POS_REV, idx);
		goto out;
	}
	for (i = 0; i < num.list.n; i++) {
		idx = num.list.items[i];
		/* with a branch, Alembic looks each one up again, checking the branch */
		if (num.label) {
			const char *id = rg_revmap_node(map, idx)->rev->id;

			if ((err = revision_for_ident(&idx, &found, map, id, num.label)))
				goto out;
		}
		if ((err = pos_push(out, POS_REV, idx)))
			goto out;
	}
out:
	number_release(&num);
	return err;
}

int rg_resolve(struct rg_idx_list *out, const struct rg_revmap *map, const char *arg)
{
	struct pos_list pl = { 0 };
	size_t i;
	int err;

	out->n = 0;
	if ((err = resolve_positions(&pl, map, arg)))
		goto out;
	for (i = 0; i < pl.n; i++) {
		if (pl.items[i].kind != POS_REV) {
			/* Alembic crashes here; say what happened instead */
			err = not_found(arg, pl.items[i].kind == POS_BASE ? "the walk went below a base revision"
									  : "Walked too far");
			goto out;
		}
		if ((err = rg_idx_list_push(out, pl.items[i].idx)))
			goto out;
	}
out:
	free(pl.items);
	return err;
}

int rg_resolve_one(size_t *out, bool *found, const struct rg_revmap *map, const char *arg)
{
	struct number num = { 0 };
	int err;

	*found = false;
	if ((err = resolve_number(&num, map, arg)))
		goto out;
	if (num.raw) {
		err = revision_for_ident(out, found, map, num.raw, num.label);
	} else if (num.list.n > 1) {
		err = rg_resolve_multiple_heads_error(arg);
	} else if (num.list.n == 1) {
		err = revision_for_ident(out, found, map, rg_revmap_node(map, num.list.items[0])->rev->id,
					 num.label);
	} else if (num.label) {
		size_t ignored;
		bool branch_found;

		/* "x@base": Alembic still checks that the branch exists */
		err = revision_for_ident(&ignored, &branch_found, map, num.label, NULL);
		if (err == RG_ENOTFOUND) {
			struct rg_str inner = RG_STR_INIT;

			rg_str_addf(&inner, "No such branch: '%s'", num.label);
			err = not_found(num.label, inner.buf);
			rg_str_release(&inner);
		}
	}
out:
	number_release(&num);
	return err;
}

static int pos_of(struct pos *out, const struct rg_revmap *map, const char *symbol)
{
	bool found;
	int err = rg_resolve_one(&out->idx, &found, map, symbol);

	out->kind = found ? POS_REV : POS_NOTHING;
	return err;
}

/* Replace the contents of `dst` with those of `src`. */
static int copy_list(struct rg_idx_list *dst, const struct rg_idx_list *src)
{
	size_t i;

	dst->n = 0;
	for (i = 0; i < src->n; i++)
		if (rg_idx_list_push(dst, src->items[i]))
			return RG_ENOMEM;
	return 0;
}

/* Alembic's _walk: `steps` single steps up (+) or down (-). */
static int walk(struct pos *out, const struct rg_revmap *map, struct pos start, long steps,
		const char *label, bool no_overwalk)
{
	struct rg_idx_list cands = { 0 };
	struct pos cur = start;
	long k, n = steps < 0 ? -steps : steps;
	int err = 0;

	for (k = 0; k < n; k++) {
		bool to_base = false;

		cands.n = 0;
		if (steps > 0) {
			err = cur.kind == POS_REV ? copy_list(&cands, &rg_revmap_node(map, cur.idx)->next)
						  : rg_revmap_bases(&cands, map);
			if (err)
				goto out;
			if (label && (err = filter_lineage(&cands, map, label)))
				goto out;
		} else if (cur.kind != POS_BASE) {
			err = cur.kind == POS_REV ? copy_list(&cands, &rg_revmap_node(map, cur.idx)->down)
						  : rg_revmap_heads(&cands, map);
			if (err)
				goto out;
			to_base = !cands.n;
		}
		if (!cands.n && !to_base) {
			if (no_overwalk)
				cur.kind = POS_NOTHING;
			goto done;
		}
		if (cands.n > 1) {
			err = rg_error_set(RG_EAMBIGUOUS, "Ambiguous walk");
			goto out;
		}
		if (to_base) {
			cur.kind = POS_BASE;
		} else {
			cur.kind = POS_REV;
			cur.idx = cands.items[0];
		}
	}
done:
	*out = cur;
out:
	rg_idx_list_release(&cands);
	return err;
}

/*
 * Alembic's relative destination, matched at the start of the string:
 * [branch@][symbol](+|-)digits, the branch split at the first '@' for which
 * the rest matches.  Returns false when the text is not relative.
 */
struct relative {
	char *label;
	char *symbol;
	long rel;
	char rel_text[32];
};

static bool is_word(unsigned char c)
{
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool match_rest(const char *s, struct relative *r, const char **sym_end)
{
	const char *p = s, *q;
	size_t len;

	while (is_word((unsigned char)*p))
		p++;
	if (p > s && (*p == '+' || *p == '-') && p[1] >= '0' && p[1] <= '9') {
		*sym_end = p;
	} else if ((*s == '+' || *s == '-') && s[1] >= '0' && s[1] <= '9') {
		p = s;
		*sym_end = s;
	} else {
		return false;
	}
	for (q = p + 1; *q >= '0' && *q <= '9'; q++)
		;
	len = (size_t)(q - p);
	if (len >= sizeof(r->rel_text))
		len = sizeof(r->rel_text) - 1;
	memcpy(r->rel_text, p, len);
	r->rel_text[len] = '\0';
	r->rel = strtol(r->rel_text, NULL, 10);
	return true;
}

static int match_relative(bool *matched, struct relative *r, const char *s)
{
	const char *at, *sym_end;

	memset(r, 0, sizeof(*r));
	*matched = false;
	for (at = strchr(s + (*s ? 1 : 0), '@'); at; at = strchr(at + 1, '@')) {
		if (match_rest(at + 1, r, &sym_end)) {
			if (!(r->label = rg_strndup(s, (size_t)(at - s))))
				return RG_ENOMEM;
			if (sym_end > at + 1 && !(r->symbol = rg_strndup(at + 1, (size_t)(sym_end - at - 1))))
				return RG_ENOMEM;
			*matched = true;
			return 0;
		}
	}
	if (match_rest(s, r, &sym_end)) {
		if (sym_end > s && !(r->symbol = rg_strndup(s, (size_t)(sym_end - s))))
			return RG_ENOMEM;
		*matched = true;
	}
	return 0;
}

static void relative_release(struct relative *r)
{
	free(r->label);
	free(r->symbol);
}

static int didnt_produce(const struct relative *r)
{
	return rg_error_set(RG_EINVALID, "Relative revision %s didn't produce %ld migrations",
			    r->rel_text, r->rel < 0 ? -r->rel : r->rel);
}

/* "label@symbol" or "symbol", resolved to one position. */
static int pos_of_labelled(struct pos *out, const struct rg_revmap *map, const char *label,
			   const char *symbol)
{
	struct rg_str s = RG_STR_INIT;
	int err;

	if (!label)
		return pos_of(out, map, symbol);
	rg_str_addf(&s, "%s@%s", label, symbol);
	err = rg_str_check(&s) ? RG_ENOMEM : pos_of(out, map, s.buf);
	rg_str_release(&s);
	return err;
}

/*
 * Where "label@+N" starts when no current revision is on the label's branch:
 * the tips (members nothing else in the set builds on) of the current
 * revisions' ancestors that share lineage with the label.
 */
static int label_tips(struct rg_idx_list *out, const struct rg_revmap *map,
		      const struct rg_idx_list *current, const char *label)
{
	struct rg_idx_list active = { 0 };
	struct rg_bitset anc = { 0 }, lower = { 0 };
	size_t i, j, n = rg_revmap_count(map);
	int err;

	if ((err = rg_bitset_init(&anc, n)) || (err = rg_bitset_init(&lower, n)) ||
	    (err = rg_walk_mark(&anc, map, current->items, current->n, RG_WALK_DOWN_DEPS, false)))
		goto out;
	for (i = 0; i < n; i++)
		if (rg_bitset_has(&anc, i) && (err = rg_idx_list_push(&active, i)))
			goto out;
	if ((err = filter_lineage(&active, map, label)))
		goto out;
	for (i = 0; i < active.n; i++) {
		const struct rg_node *nd = rg_revmap_node(map, active.items[i]);

		for (j = 0; j < nd->down.n; j++)
			rg_bitset_set(&lower, nd->down.items[j]);
		for (j = 0; j < nd->ndeps.n; j++)
			rg_bitset_set(&lower, nd->ndeps.items[j]);
	}
	for (i = 0; i < active.n; i++)
		if (!rg_bitset_has(&lower, active.items[i]) &&
		    (err = rg_idx_list_push(out, active.items[i])))
			goto out;
out:
	rg_idx_list_release(&active);
	rg_bitset_release(&anc);
	rg_bitset_release(&lower);
	return err;
}

/*
 * Alembic's _parse_upgrade_target.  The current revisions are `cur` when
 * given, else the symbol `cur_sym` (resolved only if a relative form needs
 * it, as history does).  With `no_overwalk` (Alembic's
 * assert_relative_length, used by upgrade) a walk off the graph is an error.
 */
static int upgrade_targets_from(struct rg_idx_list *out, const struct rg_revmap *map,
				const struct rg_idx_list *cur, const char *cur_sym,
				const char *target, bool no_overwalk)
{
	struct relative r;
	struct pos start, end;
	bool matched;
	int err;

	out->n = 0;
	if ((err = match_relative(&matched, &r, target)))
		goto out;
	if (!matched) {
		err = rg_resolve(out, map, target);
		goto out;
	}
	if (r.rel > 0 && !r.symbol) {
		struct rg_idx_list resolved = { 0 }, starts = { 0 };

		if (!cur && (err = rg_resolve(&resolved, map, cur_sym)))
			goto out_starts;
		if (!cur)
			cur = &resolved;
		if ((err = copy_list(&starts, cur)))
			goto out_starts;
		if (r.label) {
			if ((err = filter_lineage(&starts, map, r.label)))
				goto out_starts;
			if (!starts.n && (err = label_tips(&starts, map, cur, r.label)))
				goto out_starts;
		}
		if (starts.n > 1) {
			err = rg_error_set(RG_EAMBIGUOUS, "Ambiguous upgrade from multiple current revisions");
			goto out_starts;
		}
		start.kind = starts.n ? POS_REV : POS_NOTHING;
		start.idx = starts.n ? starts.items[0] : 0;
		if ((err = walk(&end, map, start, r.rel, r.label, no_overwalk)))
			goto out_starts;
		if (end.kind == POS_NOTHING)
			err = didnt_produce(&r);
		else if (end.kind == POS_REV)
			err = rg_idx_list_push(out, end.idx);
out_starts:
		rg_idx_list_release(&resolved);
		rg_idx_list_release(&starts);
		goto out;
	}
	if (r.rel > 0) {
		if ((err = pos_of(&start, map, r.symbol)) ||
		    (err = walk(&end, map, start, r.rel, r.label, no_overwalk)))
			goto out;
	} else {
		if (!r.symbol) {
			err = didnt_produce(&r);
			goto out;
		}
		if ((err = pos_of_labelled(&start, map, r.label, r.symbol)) ||
		    (err = walk(&end, map, start, r.rel, NULL, no_overwalk)))
			goto out;
	}
	if (end.kind == POS_NOTHING && no_overwalk)
		err = rg_error_set(RG_EINVALID, "Walked too far");	/* Alembic 1.8.1 crashes */
	else if (end.kind == POS_REV)
		err = rg_idx_list_push(out, end.idx);
out:
	relative_release(&r);
	return err;
}

/* The form history uses: `current` is the lower end (a symbol, "base" if none). */
static int upgrade_targets(struct rg_idx_list *out, const struct rg_revmap *map,
			   const char *current, const char *target)
{
	return upgrade_targets_from(out, map, NULL, current, target, false);
}

int rg_resolve_upgrade_targets(struct rg_idx_list *out, const struct rg_revmap *map,
			       const struct rg_idx_list *rows, const char *target)
{
	return upgrade_targets_from(out, map, rows, NULL, target, true);
}

/* Alembic's _get_all_current: the rows and their ancestors, as branch tips. */
int rg_resolve_effective_current(struct rg_idx_list *out, const struct rg_revmap *map,
				 const struct rg_idx_list *rows)
{
	struct rg_bitset all = { 0 }, below = { 0 };
	size_t n = rg_revmap_count(map), i, j;
	int err;

	out->n = 0;
	if ((err = rg_bitset_init(&all, n)) || (err = rg_bitset_init(&below, n)) ||
	    (err = rg_walk_mark(&all, map, rows->items, rows->n, RG_WALK_DOWN_DEPS, false)))
		goto out;
	/* drop every member with a down_revision descendant in the set */
	for (i = 0; i < n; i++) {
		const struct rg_node *nd = rg_revmap_node(map, i);

		if (!rg_bitset_has(&all, i))
			continue;
		for (j = 0; j < nd->down.n; j++)
			rg_bitset_set(&below, nd->down.items[j]);
	}
	/*
	 * Marking direct parents is enough: the set is closed under ancestors,
	 * so a member with any down_revision descendant in it has a child in it.
	 */
	for (i = 0; i < n; i++)
		if (rg_bitset_has(&all, i) && !rg_bitset_has(&below, i) &&
		    (err = rg_idx_list_push(out, i)))
			goto out;
out:
	rg_bitset_release(&all);
	rg_bitset_release(&below);
	return err;
}

int rg_resolve_downgrade_target(size_t *out, bool *found, char **label_out,
				bool *multi_warning, const struct rg_revmap *map,
				const struct rg_idx_list *rows, const char *target)
{
	struct relative r;
	struct pos start, end;
	const char *at;
	bool matched, relative_revision;
	char *label = NULL;
	int err;

	*found = false;
	*label_out = NULL;
	*multi_warning = false;
	if ((err = match_relative(&matched, &r, target)))
		goto out;
	if (!matched) {
		at = strrchr(target, '@');
		if (at && at > target && !(label = rg_strndup(target, (size_t)(at - target)))) {
			err = RG_ENOMEM;
			goto out;
		}
		err = rg_resolve_one(out, found, map, at ? at + 1 : target);
		goto out;
	}
	if (r.label && !(label = rg_strdup(r.label))) {
		err = RG_ENOMEM;
		goto out;
	}
	if (r.rel >= 0) {
		if (!r.symbol) {
			err = didnt_produce(&r);
			goto out;
		}
		if ((err = pos_of(&start, map, r.symbol)) ||
		    (err = walk(&end, map, start, r.rel, r.label, true)))
			goto out;
		if (end.kind == POS_NOTHING)
			err = rg_error_set(RG_EINVALID, "Walked too far");
		goto found;
	}
	relative_revision = !r.symbol;
	if (relative_revision) {
		struct rg_idx_list syms = { 0 };

		if (r.label) {
			if ((err = copy_list(&syms, rows)) || (err = filter_lineage(&syms, map, r.label)))
				goto out_syms;
			if (!syms.n && ((err = rg_resolve_effective_current(&syms, map, rows)) ||
					(err = filter_lineage(&syms, map, r.label))))
				goto out_syms;
			if (syms.n != 1) {
				/* Alembic 1.8.1 fails an assertion here */
				err = rg_error_set(RG_EAMBIGUOUS,
						   "%zu current revisions share lineage with '%s'; give an absolute downgrade target",
						   syms.n, r.label);
				goto out_syms;
			}
		} else {
			size_t i;

			if (!rows->n) {
				err = didnt_produce(&r);
				goto out_syms;
			}
			for (i = 1; i < rows->n; i++)
				if (rows->items[i] != rows->items[0])
					*multi_warning = true;
			if ((err = rg_idx_list_push(&syms, rows->items[0])))
				goto out_syms;
			free(label);
			/* Alembic narrows the walk to the chosen row's branch */
			if (!(label = rg_strdup(rg_revmap_node(map, rows->items[0])->rev->id))) {
				err = RG_ENOMEM;
				goto out_syms;
			}
		}
		err = pos_of_labelled(&start, map, label, rg_revmap_node(map, syms.items[0])->rev->id);
out_syms:
		rg_idx_list_release(&syms);
		if (err)
			goto out;
	} else if ((err = pos_of_labelled(&start, map, r.label, r.symbol))) {
		goto out;
	}
	if ((err = walk(&end, map, start, r.rel, NULL, true)))
		goto out;
	if (end.kind == POS_NOTHING) {
		err = relative_revision ? didnt_produce(&r) : rg_error_set(RG_EINVALID, "Walked too far");
		goto out;
	}
found:
	if (!err && end.kind == POS_REV) {
		*out = end.idx;
		*found = true;
	}
out:
	relative_release(&r);
	if (!err) {
		*label_out = label;
		label = NULL;
	}
	free(label);
	return err;
}

static int range_error(const char *base, const char *head)
{
	return rg_error_set(RG_EINVALID,
			    "Requested range %s:%s does not refer to ancestor/descendant revisions along the same branch",
			    base, head);
}

/*
 * The lower end of a history range, as Alembic's _collect_upgrade_revisions
 * takes it: get_revisions(lower), where a "-N" that walks below a base is
 * outside the range, and one that walks off the graph falls back to walking
 * N down from "<upper>@<upper>".
 */
static int lower_revisions(struct rg_idx_list *out, const struct rg_revmap *map, const char *base,
			   const char *head, const struct rg_bitset *required)
{
	struct pos_list pl = { 0 };
	struct relative r = { 0 };
	struct rg_str sym = RG_STR_INIT;
	struct pos start, end;
	bool matched;
	size_t i;
	int err;

	out->n = 0;
	if ((err = resolve_positions(&pl, map, base)))
		goto out;
	for (i = 0; i < pl.n; i++)
		if (pl.items[i].kind == POS_BASE ||
		    (pl.items[i].kind == POS_REV && !rg_bitset_has(required, pl.items[i].idx))) {
			err = range_error(base, head);
			goto out;
		}
	if (!pl.n || pl.items[0].kind != POS_NOTHING) {
		bool walked_off = false;

		for (i = 0; i < pl.n; i++) {
			if (pl.items[i].kind == POS_NOTHING)
				walked_off = true;
			else if ((err = rg_idx_list_push(out, pl.items[i].idx)))
				goto out;
		}
		if (walked_off) {
			/* Alembic reports overlaps among these, else crashes */
			struct rg_bitset seen = { 0 };

			if (!(err = rg_bitset_init(&seen, rg_revmap_count(map))))
				err = rg_walk_mark(&seen, map, out->items, out->n, RG_WALK_DOWN_DEPS, true);
			rg_bitset_release(&seen);
			if (!err)
				err = range_error(base, head);
		}
		goto out;
	}
	if ((err = match_relative(&matched, &r, base)))
		goto out;
	if (!matched || r.symbol || r.rel >= 0 || r.label) {
		err = range_error(base, head);
		goto out;
	}
	rg_str_addf(&sym, "%s@%s", head, head);
	if ((err = rg_str_check(&sym)) || (err = pos_of(&start, map, sym.buf)))
		goto out;
	if ((err = walk(&end, map, start, r.rel, NULL, false)))
		goto out;
	if (end.kind == POS_NOTHING)
		err = didnt_produce(&r);
	else if (end.kind == POS_REV)
		err = rg_idx_list_push(out, end.idx);
out:
	relative_release(&r);
	rg_str_release(&sym);
	free(pl.items);
	return err;
}

static int history_core(struct rg_idx_list *out, const struct rg_revmap *map, const char *base,
			const struct rg_idx_list *base_rows, const char *head,
			const struct rg_idx_list *head_rows)
{
	struct rg_idx_list targets = { 0 }, current = { 0 };
	struct rg_bitset required = { 0 }, cur_set = { 0 }, desc = { 0 }, needs = { 0 };
	size_t n = rg_revmap_count(map), i, kept;
	const char *at;
	char *branch = NULL;
	int err;

	out->n = 0;
	if (!base)
		base = "base";
	if (!head)
		head = "heads";
	if ((err = rg_bitset_init(&required, n)) || (err = rg_bitset_init(&cur_set, n)) ||
	    (err = rg_bitset_init(&desc, n)) || (err = rg_bitset_init(&needs, n)))
		goto out;
	if (head_rows)
		err = copy_list(&targets, head_rows);
	else if (base_rows)
		err = upgrade_targets_from(&targets, map, base_rows, NULL, head, false);
	else
		err = upgrade_targets(&targets, map, base, head);
	if (err)
		goto out;
	at = base_rows ? NULL : strchr(base, '@');
	if (at) {
		size_t idx;
		bool found;

		if (!(branch = rg_strndup(base, (size_t)(at - base)))) {
			err = RG_ENOMEM;
			goto out;
		}
		if ((err = rg_resolve_one(&idx, &found, map, branch)))
			goto out;
		if (found && !strcmp(rg_revmap_node(map, idx)->rev->id, branch)) {
			const struct rg_node *nd = rg_revmap_node(map, idx);

			if (nd->n_labels != 1) {
				err = rg_error_set(RG_EINVALID,
						   "revision %s has %zu branch labels; name one label before '@'",
						   branch, nd->n_labels);
				goto out;
			}
			free(branch);
			if (!(branch = rg_strdup(nd->labels[0]))) {
				err = RG_ENOMEM;
				goto out;
			}
		}
		for (i = kept = 0; i < targets.n; i++)
			if (rg_node_has_label(rg_revmap_node(map, targets.items[i]), branch))
				targets.items[kept++] = targets.items[i];
		targets.n = kept;
	}
	if ((err = rg_walk_mark(&required, map, targets.items, targets.n, RG_WALK_DOWN_DEPS, true)))
		goto out;
	if (base_rows) {
		for (i = 0; i < base_rows->n; i++)
			if (!rg_bitset_has(&required, base_rows->items[i])) {
				err = range_error(base, head);
				goto out;
			}
		err = copy_list(&current, base_rows);
	} else {
		err = lower_revisions(&current, map, base, head, &required);
	}
	if (err)
		goto out;
	if ((err = rg_walk_mark(&cur_set, map, current.items, current.n, RG_WALK_DOWN_DEPS, true)))
		goto out;
	for (i = 0; i < (n + 63) / 64; i++)
		needs.w[i] = required.w[i] & ~cur_set.w[i];
	for (i = 0; i < current.n; i++)
		rg_bitset_set(&needs, current.items[i]);
	if (current.n) {
		if ((err = rg_walk_mark(&desc, map, current.items, current.n, RG_WALK_UP, true)))
			goto out;
		for (i = 0; i < (n + 63) / 64; i++)
			needs.w[i] &= desc.w[i];
	}
	err = rg_walk_toposort(out, map, &needs, targets.items, targets.n);
	if (err == RG_EINVALID)
		err = range_error(base, head);
out:
	free(branch);
	rg_idx_list_release(&targets);
	rg_idx_list_release(&current);
	rg_bitset_release(&required);
	rg_bitset_release(&cur_set);
	rg_bitset_release(&desc);
	rg_bitset_release(&needs);
	return err;
}

int rg_resolve_history(struct rg_idx_list *out, const struct rg_revmap *map, const char *base,
		       const char *head)
{
	return history_core(out, map, base, NULL, head, NULL);
}

/* Python's repr() of a tuple of ids, as Alembic prints `current` in range errors. */
static void tuple_repr(struct rg_str *out, const struct rg_revmap *map, const struct rg_idx_list *l)
{
	size_t i;

	rg_str_addch(out, '(');
	for (i = 0; i < l->n; i++)
		rg_str_addf(out, "%s'%s'", i ? ", " : "", rg_revmap_node(map, l->items[i])->rev->id);
	rg_str_adds(out, l->n == 1 ? ",)" : ")");
}

int rg_resolve_history_current(struct rg_idx_list *out, const struct rg_revmap *map,
			       const char *base, const char *head, const struct rg_idx_list *rows)
{
	struct rg_str repr = RG_STR_INIT;
	bool base_cur = base && !strcmp(base, "current"), head_cur = head && !strcmp(head, "current");
	int err;

	/* Alembic substitutes the rows for "current"; no rows reads as the default */
	if (head_cur) {
		if (!rows->n)
			return history_core(out, map, base, NULL, NULL, NULL);
		tuple_repr(&repr, map, rows);
		if ((err = rg_str_check(&repr)))
			return err;
		err = history_core(out, map, base ? base : "base", NULL, repr.buf, rows);
	} else if (base_cur) {
		if (!rows->n)
			return history_core(out, map, NULL, NULL, head, NULL);
		tuple_repr(&repr, map, rows);
		if ((err = rg_str_check(&repr)))
			return err;
		err = history_core(out, map, repr.buf, rows, head ? head : "heads", NULL);
	} else {
		err = history_core(out, map, base, NULL, head, NULL);
	}
	rg_str_release(&repr);
	return err;
}
