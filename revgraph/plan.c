/*
 * Plans: which revisions an upgrade, downgrade or stamp runs, in which
 * order (revgraph/include/revgraph/migrate.h).  Each follows the Alembic
 * function named in its comment, so that both tools take the same steps.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "walk.h"
#include "revgraph/migrate.h"
#include "revgraph/render.h"
#include "revgraph/resolve.h"
#include "banned.h"

void rg_plan_release(struct rg_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		rg_idx_list_release(&p->items[i].from);
		rg_idx_list_release(&p->items[i].to);
	}
	free(p->items);
	p->items = NULL;
	p->n = p->alloc = 0;
}

static struct rg_step *push_step(struct rg_plan *p)
{
	struct rg_step *s;

	if (RG_GROW(p->items, p->n + 1, p->alloc))
		return NULL;
	s = &p->items[p->n++];
	memset(s, 0, sizeof(*s));
	return s;
}

static int push_revision_steps(struct rg_plan *out, const struct rg_idx_list *order, bool upgrade)
{
	size_t i;

	for (i = 0; i < order->n; i++) {
		struct rg_step *s = push_step(out);

		if (!s)
			return RG_ENOMEM;
		s->upgrade = upgrade;
		s->rev = order->items[upgrade ? order->n - 1 - i : i];
	}
	return 0;
}

/* Alembic's _upgrade_revs -> _collect_upgrade_revisions (implicit base). */
int rg_plan_upgrade(struct rg_plan *out, const struct rg_revmap *map,
		    const struct rg_idx_list *rows, const char *target)
{
	struct rg_idx_list targets = { 0 }, order = { 0 };
	struct rg_bitset required = { 0 }, current = { 0 };
	size_t n = rg_revmap_count(map), i;
	int err;

	if ((err = rg_resolve_upgrade_targets(&targets, map, rows, target))) {
		if (err == RG_EMULTIHEAD)
			err = rg_resolve_multiple_heads_error(target);
		goto out;
	}
	if ((err = rg_bitset_init(&required, n)) || (err = rg_bitset_init(&current, n)) ||
	    (err = rg_walk_mark(&required, map, targets.items, targets.n, RG_WALK_DOWN_DEPS, true)) ||
	    (err = rg_walk_mark(&current, map, rows->items, rows->n, RG_WALK_DOWN_DEPS, true)))
		goto out;
	for (i = 0; i < (n + 63) / 64; i++)
		required.w[i] &= ~current.w[i];
	if ((err = rg_walk_toposort(&order, map, &required, targets.items, targets.n)))
		goto out;
	err = push_revision_steps(out, &order, true);
out:
	rg_idx_list_release(&targets);
	rg_idx_list_release(&order);
	rg_bitset_release(&required);
	rg_bitset_release(&current);
	return err;
}

/* The revisions whose down_revision is None, in load order. */
static int roots_of(struct rg_idx_list *out, const struct rg_revmap *map, bool found, size_t target)
{
	size_t i;
	int err = 0;

	if (found) {
		const struct rg_node *nd = rg_revmap_node(map, target);

		for (i = 0; i < nd->next.n && !err; i++)
			err = rg_idx_list_push(out, nd->next.items[i]);
		return err;
	}
	for (i = 0; i < rg_revmap_count(map) && !err; i++)
		if (rg_node_is_base(rg_revmap_node(map, i)))
			err = rg_idx_list_push(out, i);
	return err;
}

/* Keep the roots that are down_revision ancestors of branch `label`. */
static int roots_on_branch(struct rg_idx_list *roots, const struct rg_revmap *map, const char *label)
{
	struct rg_bitset anc = { 0 };
	size_t branch, i, kept;
	bool found;
	int err;

	if ((err = rg_resolve_one(&branch, &found, map, label)))
		return err;
	if (!found)
		return rg_error_set(RG_ENOTFOUND, "Can't locate revision identified by '%s'", label);
	if ((err = rg_bitset_init(&anc, rg_revmap_count(map))) ||
	    (err = rg_walk_mark(&anc, map, &branch, 1, RG_WALK_DOWN, false)))
		goto out;
	for (i = kept = 0; i < roots->n; i++)
		if (rg_bitset_has(&anc, roots->items[i]))
			roots->items[kept++] = roots->items[i];
	roots->n = kept;
	if (!kept)
		err = rg_error_set(RG_EINVALID, "Not a valid downgrade target from current heads");
out:
	rg_bitset_release(&anc);
	return err;
}

/* Alembic's _downgrade_revs -> _collect_downgrade_revisions. */
int rg_plan_downgrade(struct rg_plan *out, const struct rg_revmap *map,
		      const struct rg_idx_list *rows, const char *target, bool *multi_warning)
{
	struct rg_idx_list roots = { 0 }, order = { 0 };
	struct rg_bitset drop = { 0 }, active = { 0 };
	size_t n = rg_revmap_count(map), i, tgt = 0;
	bool found, any = false;
	char *label = NULL;
	int err;

	err = rg_resolve_downgrade_target(&tgt, &found, &label, multi_warning, map, rows, target);
	if (err) {
		if (err == RG_EMULTIHEAD)
			err = rg_resolve_multiple_heads_error(target);
		goto out;
	}
	if ((err = roots_of(&roots, map, found, tgt)))
		goto out;
	if (label && roots.n > 1 && (err = roots_on_branch(&roots, map, label)))
		goto out;
	if ((err = rg_bitset_init(&drop, n)) || (err = rg_bitset_init(&active, n)) ||
	    (err = rg_walk_mark(&drop, map, roots.items, roots.n, RG_WALK_UP_DEPS, false)) ||
	    (err = rg_walk_mark(&active, map, rows->items, rows->n, RG_WALK_DOWN_DEPS, false)))
		goto out;
	for (i = 0; i < (n + 63) / 64; i++) {
		drop.w[i] &= active.w[i];
		any = any || drop.w[i];
	}
	if (found && !any && !rg_idx_list_has(rows, tgt)) {
		err = rg_error_set(RG_EINVALID,
				   "Destination %s is not a valid downgrade target from current head(s)",
				   target);
		goto out;
	}
	if ((err = rg_walk_toposort(&order, map, &drop, rows->items, rows->n)))
		goto out;
	err = push_revision_steps(out, &order, false);
out:
	free(label);
	rg_idx_list_release(&roots);
	rg_idx_list_release(&order);
	rg_bitset_release(&drop);
	rg_bitset_release(&active);
	return err;
}

static int stamp_errors(int err)
{
	if (err == RG_EMULTIHEAD)
		err = rg_error_set(RG_EMULTIHEAD,
				   "Multiple heads are present; please specify a single target revision");
	return err;
}

static int push_stamp(struct rg_plan *out, const struct rg_idx_list *from, const size_t *to,
		      bool upgrade, bool branch_move)
{
	struct rg_step *s = push_step(out);
	size_t i;

	if (!s)
		return RG_ENOMEM;
	s->stamp = true;
	s->upgrade = upgrade;
	s->branch_move = branch_move;
	for (i = 0; from && i < from->n; i++)
		if (rg_idx_list_push(&s->from, from->items[i]))
			return RG_ENOMEM;
	if (to && rg_idx_list_push(&s->to, *to))
		return RG_ENOMEM;
	return 0;
}

/* One destination of a stamp, against the rows sharing its lineage. */
static int stamp_one(struct rg_plan *out, const struct rg_revmap *map,
		     const struct rg_idx_list *filtered, size_t dest)
{
	struct rg_bitset up = { 0 }, down = { 0 };
	bool above = false, below = false;
	size_t i;
	int err;

	if (rg_idx_list_has(filtered, dest))
		return 0;	/* already in the version table */
	if ((err = rg_bitset_init(&up, rg_revmap_count(map))) ||
	    (err = rg_bitset_init(&down, rg_revmap_count(map))) ||
	    (err = rg_walk_mark(&up, map, &dest, 1, RG_WALK_UP_DEPS, false)) ||
	    (err = rg_walk_mark(&down, map, &dest, 1, RG_WALK_DOWN_DEPS, false)))
		goto out;
	for (i = 0; i < filtered->n; i++) {
		above = above || rg_bitset_has(&up, filtered->items[i]);
		below = below || rg_bitset_has(&down, filtered->items[i]);
	}
	if (above)
		err = push_stamp(out, filtered, &dest, false, false);
	else if (below)
		err = push_stamp(out, filtered, &dest, true, false);
	else
		err = push_stamp(out, NULL, &dest, true, true);
out:
	rg_bitset_release(&up);
	rg_bitset_release(&down);
	return err;
}

/* Alembic's ScriptDirectory._stamp_revs. */
int rg_plan_stamp(struct rg_plan *out, const struct rg_revmap *map, const struct rg_idx_list *rows,
		  const char *const *dests, size_t n_dests)
{
	static const char *const base[] = { "base" };
	struct rg_idx_list filtered = { 0 }, part = { 0 }, resolved = { 0 };
	size_t i, j;
	int err = 0;

	if (!n_dests) {
		dests = base;
		n_dests = 1;
	}
	for (i = 0; i < n_dests; i++) {
		part.n = 0;
		for (j = 0; j < rows->n; j++)
			if ((err = rg_idx_list_push(&part, rows->items[j])))
				goto out;
		if ((err = stamp_errors(rg_resolve_filter_lineage(&part, map, dests[i], true))))
			goto out;
		for (j = 0; j < part.n; j++)
			if (!rg_idx_list_has(&filtered, part.items[j]) &&
			    (err = rg_idx_list_push(&filtered, part.items[j])))
				goto out;
	}
	for (i = 0; i < n_dests; i++) {
		if ((err = stamp_errors(rg_resolve(&part, map, dests[i]))))
			goto out;
		for (j = 0; j < part.n; j++)
			if ((err = rg_idx_list_push(&resolved, part.items[j])))
				goto out;
	}
	if (!resolved.n) {
		/* base: delete every row that shares lineage */
		for (j = 0; j < filtered.n; j++) {
			struct rg_idx_list one = { &filtered.items[j], 1, 0 };

			if ((err = push_stamp(out, &one, NULL, false, true)))
				goto out;
		}
		goto out;
	}
	for (i = 0; i < resolved.n; i++)
		if ((err = stamp_one(out, map, &filtered, resolved.items[i])))
			goto out;
out:
	rg_idx_list_release(&filtered);
	rg_idx_list_release(&part);
	rg_idx_list_release(&resolved);
	return err;
}

static void comma_ids(struct rg_str *out, const struct rg_revmap *map, const struct rg_idx_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i)
			rg_str_adds(out, ", ");
		rg_str_adds(out, rg_revmap_node(map, l->items[i])->rev->id);
	}
}

/* The ids of `l`, joined with ", " (a --sql run describes every step: no printf). */
static void comma_strs(struct rg_str *out, const struct rg_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i)
			rg_str_adds(out, ", ");
		rg_str_adds(out, l->items[i]);
	}
}

void rg_step_describe(struct rg_str *out, const struct rg_revmap *map, const struct rg_step *step,
		      bool with_doc)
{
	const struct rg_revision *rev;

	if (step->stamp) {
		rg_str_adds(out, "stamp_revision ");
		comma_ids(out, map, &step->from);
		rg_str_adds(out, " -> ");
		comma_ids(out, map, &step->to);
		return;
	}
	rev = rg_revmap_node(map, step->rev)->rev;
	rg_str_adds(out, step->upgrade ? "upgrade " : "downgrade ");
	if (!step->upgrade)
		rg_str_adds(out, rev->id);
	else
		comma_strs(out, &rev->down);
	rg_str_adds(out, " -> ");
	if (step->upgrade)
		rg_str_adds(out, rev->id);
	else
		comma_strs(out, &rev->down);
	if (with_doc && rev->doc && *rev->doc) {
		rg_str_adds(out, ", ");
		rg_render_doc_first(out, rev->doc);
	}
}
