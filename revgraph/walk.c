/*
 * Walks over the revision map (walk.h).  Ancestor tests are pruned by each
 * node's level (its longest distance from a root), so a test only visits
 * nodes between the two revisions; the topological sort keeps one lazily
 * expanded ancestor set per pending head instead of recomputing closures.
 */
#include "walk.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "revgraph/str.h"
#include "banned.h"

int rg_bitset_init(struct rg_bitset *b, size_t nbits)
{
	b->nbits = nbits;
	b->w = rg_calloc((nbits + 63) / 64 + 1, sizeof(uint64_t));
	return b->w ? 0 : RG_ENOMEM;
}

void rg_bitset_release(struct rg_bitset *b)
{
	if (!b)
		return;
	free(b->w);
	b->w = NULL;
	b->nbits = 0;
}

size_t rg_bitset_count(const struct rg_bitset *b)
{
	size_t i, n = 0;

	for (i = 0; i < (b->nbits + 63) / 64; i++)
		n += (size_t)__builtin_popcountll(b->w[i]);
	return n;
}

/* The neighbours of `nd` in direction `dir`: up to two lists. */
static void neighbours(const struct rg_node *nd, enum rg_walk_dir dir,
		       const struct rg_idx_list **a, const struct rg_idx_list **b)
{
	*b = NULL;
	switch (dir) {
	case RG_WALK_DOWN:
		*a = &nd->down;
		break;
	case RG_WALK_DOWN_DEPS:
		*a = &nd->down;
		*b = &nd->ndeps;
		break;
	case RG_WALK_DOWN_ALL:
		*a = &nd->down;
		*b = &nd->deps;
		break;
	case RG_WALK_UP:
		*a = &nd->next;
		break;
	default:
		*a = &nd->all_next;
		break;
	}
}

int rg_walk_mark(struct rg_bitset *set, const struct rg_revmap *map, const size_t *starts,
		 size_t n, enum rg_walk_dir dir, bool check)
{
	struct rg_idx_list stack = { 0 }, overlaps = { 0 };
	struct rg_bitset is_target = { 0 };
	struct rg_str msg = RG_STR_INIT;
	size_t t, i, k;
	int err = 0;

	if (check) {
		if ((err = rg_bitset_init(&is_target, rg_revmap_count(map))))
			return err;
		for (t = 0; t < n; t++)
			rg_bitset_set(&is_target, starts[t]);
	}
	for (t = 0; t < n; t++) {
		stack.n = 0;
		overlaps.n = 0;
		if (!rg_bitset_has(set, starts[t])) {
			rg_bitset_set(set, starts[t]);
			if ((err = rg_idx_list_push(&stack, starts[t])))
				goto out;
		}
		while (stack.n) {
			const struct rg_node *nd = rg_revmap_node(map, stack.items[--stack.n]);
			const struct rg_idx_list *lists[2];

			neighbours(nd, dir, &lists[0], &lists[1]);
			for (k = 0; k < 2; k++) {
				if (!lists[k])
					continue;
				for (i = 0; i < lists[k]->n; i++) {
					size_t x = lists[k]->items[i];

					if (check && rg_bitset_has(&is_target, x) && x != starts[t] &&
					    !rg_idx_list_has(&overlaps, x) &&
					    (err = rg_idx_list_push(&overlaps, x)))
						goto out;
					if (rg_bitset_has(set, x))
						continue;
					rg_bitset_set(set, x);
					if ((err = rg_idx_list_push(&stack, x)))
						goto out;
				}
			}
		}
		if (overlaps.n) {
			rg_str_addf(&msg, "Requested revision %s overlaps with other requested revisions ",
				    rg_revmap_node(map, starts[t])->rev->id);
			for (i = 0; i < overlaps.n; i++)
				rg_str_addf(&msg, "%s%s", i ? ", " : "",
					    rg_revmap_node(map, overlaps.items[i])->rev->id);
			err = rg_str_check(&msg) ? RG_ENOMEM : rg_error_set(RG_EINVALID, "%s", msg.buf);
			goto out;
		}
	}
out:
	rg_str_release(&msg);
	rg_bitset_release(&is_target);
	rg_idx_list_release(&stack);
	rg_idx_list_release(&overlaps);
	return err;
}

int rg_walk_reaches(bool *out, const struct rg_revmap *map, size_t a, size_t b,
		    enum rg_walk_dir dir)
{
	struct rg_idx_list stack = { 0 };
	struct rg_bitset seen = { 0 };
	bool down = dir == RG_WALK_DOWN || dir == RG_WALK_DOWN_DEPS || dir == RG_WALK_DOWN_ALL;
	size_t target_level = rg_revmap_node(map, b)->level, i, k;
	int err;

	*out = a == b;
	if (*out || (down ? rg_revmap_node(map, a)->level <= target_level
			  : rg_revmap_node(map, a)->level >= target_level))
		return 0;
	if ((err = rg_bitset_init(&seen, rg_revmap_count(map))) ||
	    (err = rg_idx_list_push(&stack, a)))
		goto out;
	rg_bitset_set(&seen, a);
	while (stack.n && !*out) {
		const struct rg_node *nd = rg_revmap_node(map, stack.items[--stack.n]);
		const struct rg_idx_list *lists[2];

		neighbours(nd, dir, &lists[0], &lists[1]);
		for (k = 0; k < 2 && !*out; k++) {
			if (!lists[k])
				continue;
			for (i = 0; i < lists[k]->n; i++) {
				size_t x = lists[k]->items[i];
				size_t lvl = rg_revmap_node(map, x)->level;

				if (x == b) {
					*out = true;
					break;
				}
				/* only nodes between a and b can lie on a path */
				if (rg_bitset_has(&seen, x) ||
				    (down ? lvl <= target_level : lvl >= target_level))
					continue;
				rg_bitset_set(&seen, x);
				if ((err = rg_idx_list_push(&stack, x)))
					goto out;
			}
		}
	}
out:
	rg_bitset_release(&seen);
	rg_idx_list_release(&stack);
	return err;
}

int rg_walk_lineage(bool *out, const struct rg_revmap *map, size_t a, size_t b)
{
	int err = rg_walk_reaches(out, map, a, b, RG_WALK_DOWN);

	if (!err && !*out)
		err = rg_walk_reaches(out, map, a, b, RG_WALK_UP);
	return err;
}

/*
 * A lazily expanded ancestor set (down_revision + normalised dependencies):
 * members found so far, and a max-heap by level of members not yet
 * expanded.  contains(c) expands only nodes above c's level.
 */
struct lazy_anc {
	struct rg_bitset member;
	size_t *heap;
	size_t n, alloc;
};

static bool heap_less(const struct rg_revmap *map, size_t a, size_t b)
{
	return rg_revmap_node(map, a)->level < rg_revmap_node(map, b)->level;
}

static int heap_push(struct lazy_anc *l, const struct rg_revmap *map, size_t v)
{
	size_t i;

	if (RG_GROW(l->heap, l->n + 1, l->alloc))
		return RG_ENOMEM;
	i = l->n++;
	while (i && heap_less(map, l->heap[(i - 1) / 2], v)) {
		l->heap[i] = l->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	l->heap[i] = v;
	return 0;
}

static size_t heap_pop(struct lazy_anc *l, const struct rg_revmap *map)
{
	size_t top = l->heap[0], last = l->heap[--l->n], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->n)
			break;
		if (c + 1 < l->n && heap_less(map, l->heap[c], l->heap[c + 1]))
			c++;
		if (!heap_less(map, last, l->heap[c]))
			break;
		l->heap[i] = l->heap[c];
		i = c;
	}
	if (l->n)
		l->heap[i] = last;
	return top;
}

static int lazy_expand_top(struct lazy_anc *l, const struct rg_revmap *map)
{
	const struct rg_node *nd = rg_revmap_node(map, heap_pop(l, map));
	const struct rg_idx_list *lists[2] = { &nd->down, &nd->ndeps };
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < lists[k]->n; i++) {
			size_t p = lists[k]->items[i];

			if (rg_bitset_has(&l->member, p))
				continue;
			rg_bitset_set(&l->member, p);
			if (heap_push(l, map, p))
				return RG_ENOMEM;
		}
	return 0;
}

static int lazy_reset(struct lazy_anc *l, const struct rg_revmap *map, size_t root)
{
	if (!l->member.w && rg_bitset_init(&l->member, rg_revmap_count(map)))
		return RG_ENOMEM;
	memset(l->member.w, 0, ((l->member.nbits + 63) / 64) * sizeof(uint64_t));
	l->n = 0;
	rg_bitset_set(&l->member, root);
	return heap_push(l, map, root);
}

static int lazy_contains(bool *out, struct lazy_anc *l, const struct rg_revmap *map, size_t c)
{
	size_t lvl = rg_revmap_node(map, c)->level;

	while (!rg_bitset_has(&l->member, c) && l->n &&
	       rg_revmap_node(map, l->heap[0])->level > lvl)
		if (lazy_expand_top(l, map))
			return RG_ENOMEM;
	*out = rg_bitset_has(&l->member, c);
	return 0;
}

static void lazy_release(struct lazy_anc *l)
{
	rg_bitset_release(&l->member);
	free(l->heap);
	memset(l, 0, sizeof(*l));
}

struct pending {
	size_t *cur;		/* the heads being walked */
	struct lazy_anc *anc;	/* anc[i] = ancestors of cur[i] */
	size_t n, alloc, alloc_anc;
};

static int pending_append(struct pending *p, const struct rg_revmap *map, size_t v, bool with_anc)
{
	if (RG_GROW(p->cur, p->n + 1, p->alloc))
		return RG_ENOMEM;
	if (p->n + 1 > p->alloc_anc) {
		size_t old = p->alloc_anc;

		if (RG_GROW(p->anc, p->n + 1, p->alloc_anc))
			return RG_ENOMEM;
		memset(p->anc + old, 0, (p->alloc_anc - old) * sizeof(*p->anc));
	}
	p->cur[p->n] = v;
	return with_anc ? lazy_reset(&p->anc[p->n++], map, v) : (p->n++, 0);
}

/* Remove entry i, keeping its ancestor set's storage for reuse at the end. */
static void pending_remove(struct pending *p, size_t i)
{
	struct lazy_anc spare = p->anc[i];

	memmove(p->cur + i, p->cur + i + 1, (p->n - i - 1) * sizeof(size_t));
	memmove(p->anc + i, p->anc + i + 1, (p->n - i - 1) * sizeof(*p->anc));
	p->n--;
	p->anc[p->n] = spare;
}

int rg_cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The node set is "convex" when no path leaves it and comes back: then every
 * path between two of its nodes stays inside it, and Alembic's test "does
 * another pending head need c" becomes "does c have an unemitted child in
 * the set".  Checked by intersecting the set's closures up and down.
 */
static int is_convex(bool *out, const struct rg_revmap *map, const struct rg_bitset *todo,
		     const struct rg_idx_list *members)
{
	struct rg_bitset up = { 0 }, down = { 0 };
	size_t i, n = rg_revmap_count(map);
	int err;

	*out = false;
	if ((err = rg_bitset_init(&up, n)) || (err = rg_bitset_init(&down, n)))
		goto out;
	if ((err = rg_walk_mark(&up, map, members->items, members->n, RG_WALK_UP_DEPS, false)) ||
	    (err = rg_walk_mark(&down, map, members->items, members->n, RG_WALK_DOWN_DEPS, false)))
		goto out;
	*out = true;
	for (i = 0; i < (n + 63) / 64; i++)
		if (up.w[i] & down.w[i] & ~todo->w[i]) {
			*out = false;
			break;
		}
out:
	rg_bitset_release(&up);
	rg_bitset_release(&down);
	return err;
}

/*
 * In a convex set: the first pending head (other than c) that has c among
 * its ancestors, found by walking up from c through unemitted members.
 * Returns p->n when none does.
 */
static int first_needing_head(size_t *out, const struct rg_revmap *map, const struct pending *p,
			      const struct rg_bitset *todo, const struct rg_bitset *in_cur,
			      uint32_t *mark, uint32_t epoch, size_t c, struct rg_idx_list *stack)
{
	size_t i, j;

	*out = p->n;
	stack->n = 0;
	if (rg_idx_list_push(stack, c))
		return RG_ENOMEM;
	mark[c] = epoch;
	while (stack->n) {
		const struct rg_node *nd = rg_revmap_node(map, stack->items[--stack->n]);

		for (i = 0; i < nd->all_next.n; i++) {
			size_t x = nd->all_next.items[i];

			if (mark[x] == epoch || !rg_bitset_has(todo, x))
				continue;
			mark[x] = epoch;
			if (rg_idx_list_push(stack, x))
				return RG_ENOMEM;
		}
	}
	for (j = 0; j < p->n; j++)
		if (p->cur[j] != c && mark[p->cur[j]] == epoch && rg_bitset_has(in_cur, p->cur[j])) {
			*out = j;
			break;
		}
	return 0;
}

int rg_walk_toposort(struct rg_idx_list *out, const struct rg_revmap *map,
		     const struct rg_bitset *todo_in, const size_t *heads, size_t n_heads)
{
	struct rg_bitset todo = { 0 }, in_cur = { 0 };
	struct rg_idx_list members = { 0 }, stack = { 0 };
	struct pending p = { 0 };
	size_t *start = NULL, n_start = 0, i, j, k, left, n = rg_revmap_count(map);
	uint32_t *need = NULL, *mark = NULL, epoch = 0;
	bool convex;
	int err = 0;

	out->n = 0;
	if ((err = rg_bitset_init(&todo, n)) || (err = rg_bitset_init(&in_cur, n)))
		goto out;
	memcpy(todo.w, todo_in->w, ((n + 63) / 64) * sizeof(uint64_t));
	for (i = 0; i < n; i++)
		if (rg_bitset_has(&todo, i) && (err = rg_idx_list_push(&members, i)))
			goto out;
	left = members.n;
	if ((err = is_convex(&convex, map, &todo, &members)))
		goto out;
	if (convex) {
		need = rg_calloc(n ? n : 1, sizeof(uint32_t));
		mark = rg_calloc(n ? n : 1, sizeof(uint32_t));
		if (!need || !mark) {
			err = RG_ENOMEM;
			goto out;
		}
		/* need[c]: members that have c as a parent or normalised dependency */
		for (i = 0; i < members.n; i++) {
			const struct rg_node *nd = rg_revmap_node(map, members.items[i]);

			for (j = 0; j < nd->down.n; j++)
				if (rg_bitset_has(&todo, nd->down.items[j]))
					need[nd->down.items[j]]++;
			for (j = 0; j < nd->ndeps.n; j++)
				if (rg_bitset_has(&todo, nd->ndeps.items[j]))
					need[nd->ndeps.items[j]]++;
		}
	}
	start = rg_malloc((n_heads ? n_heads : 1) * sizeof(size_t));
	if (!start) {
		err = RG_ENOMEM;
		goto out;
	}
	for (i = 0; i < n_heads; i++)
		if (rg_bitset_has(&todo, heads[i]) && !rg_bitset_has(&in_cur, heads[i])) {
			rg_bitset_set(&in_cur, heads[i]);
			start[n_start++] = heads[i];
		}
	qsort(start, n_start, sizeof(size_t), rg_cmp_index);
	for (i = 0; i < n_start; i++)
		if ((err = pending_append(&p, map, start[i], !convex)))
			goto out;

	i = 0;
	while (p.n) {
		size_t c = p.cur[i];
		const struct rg_node *nd = rg_revmap_node(map, c);
		size_t first_new = SIZE_MAX;
		bool needed = false;

		if (convex) {
			if (rg_bitset_has(&todo, c) ? need[c] > 0 : false) {
				if ((err = first_needing_head(&j, map, &p, &todo, &in_cur, mark, ++epoch, c,
							      &stack)))
					goto out;
				needed = j < p.n;
			}
		} else {
			for (j = 0; j < p.n; j++) {
				if (j == i)
					continue;
				if ((err = lazy_contains(&needed, &p.anc[j], map, c)))
					goto out;
				if (needed)
					break;
			}
		}
		if (needed) {
			i = j;	/* a head above still needs c: walk that one first */
			continue;
		}
		if (rg_bitset_has(&todo, c)) {
			if ((err = rg_idx_list_push(out, c)))
				goto out;
			rg_bitset_clear(&todo, c);
			left--;
			if (convex) {
				for (j = 0; j < nd->down.n; j++)
					if (rg_bitset_has(&todo, nd->down.items[j]))
						need[nd->down.items[j]]--;
				for (j = 0; j < nd->ndeps.n; j++)
					if (rg_bitset_has(&todo, nd->ndeps.items[j]))
						need[nd->ndeps.items[j]]--;
			}
		}
		/* parents first, then normalised dependencies */
		{
			const struct rg_idx_list *lists[2] = { &nd->down, &nd->ndeps };
			size_t n_new = 0;

			for (k = 0; k < 2; k++)
				for (j = 0; j < lists[k]->n; j++) {
					size_t d = lists[k]->items[j];

					if (!rg_bitset_has(&todo, d) || rg_bitset_has(&in_cur, d))
						continue;
					rg_bitset_set(&in_cur, d);
					if (!n_new++) {
						first_new = d;
					} else if ((err = pending_append(&p, map, d, !convex))) {
						goto out;
					}
				}
			if (!n_new) {
				rg_bitset_clear(&in_cur, c);
				pending_remove(&p, i);
				i = i ? i - 1 : 0;
				continue;
			}
			rg_bitset_clear(&in_cur, c);
			p.cur[i] = first_new;
			if (convex)
				continue;
			if (n_new == 1 && !nd->ndeps.n && nd->down.n == 1) {
				/* straight down a line: the set loses c, keeps the rest */
				struct lazy_anc *l = &p.anc[i];

				if (l->n && l->heap[0] == c && (err = lazy_expand_top(l, map)))
					goto out;
				rg_bitset_clear(&l->member, c);
			} else if ((err = lazy_reset(&p.anc[i], map, first_new))) {
				goto out;
			}
		}
	}
	if (left)
		err = rg_error_set(RG_EINVALID, "%zu revisions are not reachable from the requested heads",
				   left);
out:
	for (i = 0; i < p.alloc_anc; i++)
		lazy_release(&p.anc[i]);
	free(p.anc);
	free(p.cur);
	free(start);
	free(need);
	free(mark);
	rg_idx_list_release(&members);
	rg_idx_list_release(&stack);
	rg_bitset_release(&todo);
	rg_bitset_release(&in_cur);
	return err;
}
