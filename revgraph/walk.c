/*
 * Walks over the revision map (walk.h).  Ancestor tests are pruned by each
 * node's level (its longest distance from a root), so a test only visits
 * nodes between the two revisions; the topological sort keeps, per node, the
 * first pending head that reaches it, updated lazily as heads move down,
 * instead of recomputing ancestor sets.
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

int rg_cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Alembic's topological sort keeps a list of pending heads, each with its
 * ancestor set, and before it emits a head c it looks for the first other
 * pending head whose ancestors include c.  Recomputing those sets is what
 * makes Alembic quadratic.  Here each pending head has a sequence number
 * (list entries keep their relative order and new ones are appended, so list
 * order is sequence order), and every node x carries low[x]: the smallest
 * sequence number of a pending head that reaches x, x included.  The first
 * head that needs c is then the smallest low[] among c's children and
 * dependents.  Emitting a head only takes reach away, so low[] values only
 * grow; each change is pushed down, highest level first, through the nodes
 * whose value actually changes, and no further, and no earlier than the walk
 * needs it.
 *
 * The pending heads are a linked list by sequence number, so the walk's
 * position is a sequence number and removing a head costs nothing.  A node
 * with many children and dependents (a wide fan-out) keeps them in a heap
 * instead of scanning them at each visit.  low[] holds labels: the nodes of
 * one label are its region.  When a head s goes, the rest of its region is
 * reached through its parents in the region; if one of those is the
 * pending head u, and no head between s and u in the list reaches into the
 * region, the region's label is linked to u's (union-find), which relabels
 * it all at once; what the other parents alone reach grows from there as
 * usual.  No head in between reaches in when the region meets no label
 * below u: a head that reaches in either stands in the region or has its
 * own region above it.  So each region keeps a heap of the labels it meets
 * (pending heads in it, children and dependents of other labels), with
 * lower bounds as keys, put right when they come to the top.  When u is the
 * very next head, nothing can be in between and no heap is needed: sorts
 * start keeping the heaps only once regions they could not link for want
 * of them have been relabelled 16 times per revision
 * (rg_walk_toposort_tune()), so the many that never need them do not pay
 * for them (the bench graph relabels 5-8 times per revision; a ladder of
 * three lines reaches 16 early, and costs ~100 units per revision).
 *
 * Work (rg_walk_toposort_work(), tests/unit/walk.c) is near-linear on
 * fan-outs, k-way and chained late merges, combs, ladders of two or three
 * lines, of merges or dependencies, ladders of ladders, cross-lane
 * dependencies and ranges of them, in any load order.  What could still
 * cost more: a region whose border holds a node with many children (its
 * heap of them cannot tell the smallest other label, so such a region is
 * never linked past other heads), and heads that move down with new heads
 * beside them (a merge with parents not pending yet), whose region is
 * relabelled by propagation; no shape in the tests or the bench graph
 * (bench/gengraph.py) grows faster than linearly because of either.
 *
 * Inside, nodes are numbered by rank: in order of level (then load order),
 * so that a node's neighbours have nearby numbers and the updates, which
 * wander through the whole graph, stay within a few cache lines.
 */
#define NO_HEAD SIZE_MAX

/* Work done by the last rg_walk_toposort() on this thread (walk.h). */
static _Thread_local size_t topo_work;

size_t rg_walk_toposort_work(void)
{
	return topo_work;
}

/*
 * Relabellings per revision, of regions a link could not be made from for
 * want of their borders, after which a sort starts keeping region borders.
 */
static _Thread_local size_t border_after = 16;

size_t rg_walk_toposort_tune(size_t work_per_revision)
{
	size_t old = border_after;

	border_after = work_per_revision;
	return old;
}

struct topo {
	const struct rg_revmap *map;
	size_t *rank, *node_of;	/* node index -> rank -> node index */
	/* by rank, copied out of the (large) nodes: */
	size_t *level;		/* non-decreasing */
	size_t *up_start, *up;		/* children and dependents of x: up[up_start[x]..up_start[x + 1]) */
	size_t *par_start, *par;	/* its down revisions and dependencies, likewise */
	size_t *step_start, *step;	/* its down revisions, then normalised dependencies */
	size_t *low;		/* a label of the smallest pending sequence number reaching the node */
	size_t *own;		/* the sequence number of the pending head at the node, or NO_HEAD */
	/* by sequence number: */
	size_t *head_at;	/* the pending head's node (rank), NO_HEAD once it is gone */
	size_t *prev, *next;	/* the pending heads in list order: a doubly linked list */
	size_t *label;		/* union-find over labels: a gone head's label -> a later head's */
	size_t next_seq, first, last;
	struct fan *fan;	/* by rank: children by low[], for nodes with many of them */
	size_t min_level;	/* nodes at or below it are never a child of a todo node */
	struct rg_bitset queued;
	size_t *heap;		/* nodes whose low[] may have grown; max-heap by rank */
	size_t n_heap, alloc_heap;
	/* by sequence number: the heap of border entries of the label's region */
	size_t *border;
	struct border_entry *be;	/* a pool of heap entries */
	size_t n_be, alloc_be;
	bool border_on;		/* border[] is kept (see border_start()) */
	bool *refused;		/* by sequence number: a link from it was refused for want of border[] */
	size_t n_refused_moves;	/* low[] changes from such labels */
	size_t n;
};

/*
 * What a region (the nodes whose low[] is one label) meets at its border,
 * through its node x: x's own sequence number when x is a pending head
 * (y == BORDER_OWN), or the smallest other label among x's children and
 * dependents (y == BORDER_UP), or nothing it can tell when x keeps those in
 * a heap (y == BORDER_FAN: the region meets "0" while x is in it).  key is a
 * lower bound of the label met: labels only grow.
 */
struct border_entry {
	size_t key, x, y;
	size_t child, sibling;	/* a pairing min-heap by key; NO_HEAD for none */
};

#define BORDER_OWN 0
#define BORDER_UP 1
#define BORDER_FAN 2

/* A min-heap of (low[] when pushed, child) for one node with many children. */
struct fan_entry {
	size_t key, child;
};

struct fan {
	struct fan_entry *e;
	size_t n, alloc;
	bool built;
};

/* Nodes with more children and dependents than this keep them in a heap. */
#define FAN_MIN 8

static size_t level_of(const struct topo *t, size_t x)
{
	return t->level[x];
}

static size_t find_linked_label(struct topo *t, size_t s)
{
	while (t->label[s] != s) {
		t->label[s] = t->label[t->label[s]];
		s = t->label[s];
		topo_work++;
	}
	return s;
}

/* The sequence number that label `s` now stands for (NO_HEAD for none). */
static inline size_t find_label(struct topo *t, size_t s)
{
	return s == NO_HEAD || t->label[s] == s ? s : find_linked_label(t, s);
}

/* low[x], its label resolved (and stored back, so the next look is quick). */
static inline size_t low_of(struct topo *t, size_t x)
{
	size_t s = t->low[x];

	if (s == NO_HEAD || t->label[s] == s)
		return s;
	return t->low[x] = find_linked_label(t, s);
}

static int fan_push(struct fan *f, size_t key, size_t child)
{
	size_t i;

	if (RG_GROW(f->e, f->n + 1, f->alloc))
		return RG_ENOMEM;
	topo_work++;
	for (i = f->n++; i && f->e[(i - 1) / 2].key > key; i = (i - 1) / 2)
		f->e[i] = f->e[(i - 1) / 2];
	f->e[i].key = key;
	f->e[i].child = child;
	return 0;
}

static void fan_pop(struct fan *f)
{
	struct fan_entry last = f->e[--f->n];
	size_t i = 0;

	topo_work++;
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= f->n)
			break;
		if (c + 1 < f->n && f->e[c + 1].key < f->e[c].key)
			c++;
		if (last.key <= f->e[c].key)
			break;
		f->e[i] = f->e[c];
		i = c;
	}
	if (f->n)
		f->e[i] = last;
}

/* Children come before parents in the heap: they have higher levels, so higher ranks. */
static inline int queue_push(struct topo *t, size_t x)
{
	size_t i;

	if (rg_bitset_has(&t->queued, x))
		return 0;
	if (RG_GROW(t->heap, t->n_heap + 1, t->alloc_heap))
		return RG_ENOMEM;
	rg_bitset_set(&t->queued, x);
	topo_work++;
	for (i = t->n_heap++; i && t->heap[(i - 1) / 2] < x; i = (i - 1) / 2)
		t->heap[i] = t->heap[(i - 1) / 2];
	t->heap[i] = x;
	return 0;
}

static size_t queue_pop(struct topo *t)
{
	size_t top = t->heap[0], last = t->heap[--t->n_heap], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= t->n_heap)
			break;
		if (c + 1 < t->n_heap && t->heap[c] < t->heap[c + 1])
			c++;
		if (last >= t->heap[c])
			break;
		t->heap[i] = t->heap[c];
		i = c;
	}
	if (t->n_heap)
		t->heap[i] = last;
	rg_bitset_clear(&t->queued, top);
	return top;
}

/*
 * low_above() for a node with many children and dependents: they are kept
 * in a heap whose keys are lower bounds (a label may have been linked to a
 * later one since): the top is checked and pushed back with its current
 * value until it is right.  Gone children (NO_HEAD) never come back, so they
 * leave the heap for good.
 */
static int low_above_fan(size_t *out, struct topo *t, size_t x)
{
	struct fan *f = &t->fan[x];
	size_t i;

	if (!f->built) {
		f->built = true;
		for (i = t->up_start[x]; i < t->up_start[x + 1]; i++) {
			size_t v = low_of(t, t->up[i]);

			if (v != NO_HEAD && fan_push(f, v, t->up[i]))
				return RG_ENOMEM;
		}
	}
	while (f->n) {
		struct fan_entry top = f->e[0];
		size_t v = low_of(t, top.child);

		if (v == top.key)
			break;
		fan_pop(f);
		/* values only grow: the child moves down the heap, or out for good */
		if (v != NO_HEAD && fan_push(f, v, top.child))
			return RG_ENOMEM;
	}
	*out = f->n ? f->e[0].key : NO_HEAD;
	return 0;
}

/* *out: the smallest low[] over the children and dependents of x. */
static inline int low_above(size_t *out, struct topo *t, size_t x)
{
	size_t i, best = NO_HEAD, deg = t->up_start[x + 1] - t->up_start[x];

	topo_work++;
	if (deg > FAN_MIN)
		return low_above_fan(out, t, x);
	topo_work += deg;
	for (i = t->up_start[x]; i < t->up_start[x + 1]; i++) {
		size_t v = low_of(t, t->up[i]);

		if (v < best)
			best = v;
	}
	*out = best;
	return 0;
}

/*
 * low[x] was `old` and has grown: its parents and dependencies may follow
 * (a heap of children finds out when it looks at x again).
 */
static int queue_parents(struct topo *t, size_t x, size_t old)
{
	size_t i;

	topo_work += t->par_start[x + 1] - t->par_start[x];
	for (i = t->par_start[x]; i < t->par_start[x + 1]; i++) {
		size_t p = t->par[i];

		/* below min_level nothing is tracked; a smaller low[] comes from elsewhere */
		if (level_of(t, p) <= t->min_level)
			continue;
		if (low_of(t, p) == old && queue_push(t, p))
			return RG_ENOMEM;
	}
	return 0;
}


/* Two pairing heaps of border entries as one (NO_HEAD: empty). */
static size_t border_merge(struct topo *t, size_t a, size_t b)
{
	size_t tmp;

	if (a == NO_HEAD)
		return b;
	if (b == NO_HEAD)
		return a;
	topo_work++;
	if (t->be[b].key < t->be[a].key) {
		tmp = a;
		a = b;
		b = tmp;
	}
	t->be[b].sibling = t->be[a].child;
	t->be[a].child = b;
	return a;
}

/* The heap of the children of a popped root: pairs left to right, then merged right to left. */
static size_t border_pair(struct topo *t, size_t first)
{
	size_t stack = NO_HEAD, a, b, next, h = NO_HEAD;

	while (first != NO_HEAD) {
		a = first;
		b = t->be[a].sibling;
		next = b == NO_HEAD ? NO_HEAD : t->be[b].sibling;
		t->be[a].sibling = NO_HEAD;
		if (b != NO_HEAD)
			t->be[b].sibling = NO_HEAD;
		a = border_merge(t, a, b);
		t->be[a].sibling = stack;	/* a root again: its sibling link is free */
		stack = a;
		first = next;
	}
	while (stack != NO_HEAD) {
		a = stack;
		stack = t->be[a].sibling;
		t->be[a].sibling = NO_HEAD;
		h = border_merge(t, h, a);
	}
	return h;
}

/* Note that the region of label `region` meets `key` at x (see struct border_entry). */

static int border_add(struct topo *t, size_t region, size_t key, size_t x, size_t y)
{
	struct border_entry *e;

	if (region == NO_HEAD)
		return 0;
	if (RG_GROW(t->be, t->n_be + 1, t->alloc_be))
		return RG_ENOMEM;
	e = &t->be[t->n_be];
	e->key = key;
	e->x = x;
	e->y = y;
	e->child = e->sibling = NO_HEAD;
	t->border[region] = border_merge(t, t->border[region], t->n_be++);
	return 0;
}

/* The smallest label other than `region` (and NO_HEAD) among x's children and dependents. */
static size_t border_up(struct topo *t, size_t region, size_t x)
{
	size_t i, w, best = NO_HEAD;

	topo_work += t->up_start[x + 1] - t->up_start[x];
	for (i = t->up_start[x]; i < t->up_start[x + 1]; i++)
		if ((w = low_of(t, t->up[i])) != region && w < best)
			best = w;
	return best;
}

/* The label entry e of the region `region` meets now, or NO_HEAD if it meets none. */
static size_t border_value(struct topo *t, size_t region, const struct border_entry *e)
{
	size_t v;

	if (low_of(t, e->x) != region)
		return NO_HEAD;	/* x has left the region: it told its new one */
	if (e->y == BORDER_FAN)
		return 0;
	if (e->y == BORDER_UP)
		return border_up(t, region, e->x);
	v = t->own[e->x];
	return v == region ? NO_HEAD : v;
}

/*
 * The smallest label other than s met at the border of s's region (or some
 * smaller value: 0 when it cannot tell), NO_HEAD for none.  Entries that no
 * longer apply leave the heap for good (should x rejoin the region, or one
 * of its children leave it, settle() adds a new one); the others move down
 * to their current label.
 */
static int border_min(size_t *out, struct topo *t, size_t s)
{
	while (t->border[s] != NO_HEAD) {
		size_t top = t->border[s], v = border_value(t, s, &t->be[top]);

		topo_work++;
		if (v == t->be[top].key) {
			*out = v;
			return 0;
		}
		t->border[s] = border_pair(t, t->be[top].child);
		if (v != NO_HEAD && border_add(t, s, v, t->be[top].x, t->be[top].y))
			return RG_ENOMEM;
	}
	*out = NO_HEAD;
	return 0;
}

/*
 * x has left the region of label `old` for a larger label: the parents and
 * dependencies it leaves there meet it (now, not once they are settled: a
 * border_min() may come first).
 */
static int border_left(struct topo *t, size_t x, size_t old, size_t v)
{
	size_t i;

	if (old == NO_HEAD)
		return 0;
	for (i = t->par_start[x]; i < t->par_start[x + 1]; i++) {
		size_t p = t->par[i];

		if (level_of(t, p) <= t->min_level || low_of(t, p) != old ||
		    t->up_start[p + 1] - t->up_start[p] > FAN_MIN)
			continue;
		/* the key is x's label: a lower bound (or p's other children have theirs) */
		if (border_add(t, old, v, p, BORDER_UP))
			return RG_ENOMEM;
	}
	return 0;
}

/*
 * x has just joined the region of label v: note what the region meets
 * through it.
 */
static int border_note(struct topo *t, size_t x, size_t v)
{
	size_t w;

	if (v == NO_HEAD)
		return 0;
	if (t->own[x] != NO_HEAD && t->own[x] != v &&
	    border_add(t, v, t->own[x], x, BORDER_OWN))
		return RG_ENOMEM;
	if (t->up_start[x + 1] - t->up_start[x] > FAN_MIN)
		return border_add(t, v, 0, x, BORDER_FAN);
	if ((w = border_up(t, v, x)) != NO_HEAD && border_add(t, v, w, x, BORDER_UP))
		return RG_ENOMEM;
	return 0;
}

/* Rank the nodes (a counting sort by level) and copy the graph out in ranks. */
static int copy_graph(struct topo *t, size_t n)
{
	size_t i, j, r, n_up = 0, n_par = 0, n_step = 0, max_level = 0, *count = NULL;

	for (i = 0; i < n; i++) {
		const struct rg_node *nd = rg_revmap_node(t->map, i);

		n_up += nd->all_next.n;
		n_par += nd->down.n + nd->deps.n;
		n_step += nd->down.n + nd->ndeps.n;
		if (nd->level > max_level)
			max_level = nd->level;
	}
	t->rank = rg_malloc((n ? n : 1) * sizeof(size_t));
	t->node_of = rg_malloc((n ? n : 1) * sizeof(size_t));
	t->level = rg_malloc((n ? n : 1) * sizeof(size_t));
	t->up_start = rg_malloc((n + 1) * sizeof(size_t));
	t->par_start = rg_malloc((n + 1) * sizeof(size_t));
	t->up = rg_malloc((n_up ? n_up : 1) * sizeof(size_t));
	t->par = rg_malloc((n_par ? n_par : 1) * sizeof(size_t));
	t->step_start = rg_malloc((n + 1) * sizeof(size_t));
	t->step = rg_malloc((n_step ? n_step : 1) * sizeof(size_t));
	count = rg_calloc(max_level + 2, sizeof(size_t));
	if (!t->rank || !t->node_of || !t->level || !t->up_start || !t->par_start || !t->up ||
	    !t->par || !t->step_start || !t->step || !count) {
		free(count);
		return RG_ENOMEM;
	}
	for (i = 0; i < n; i++)
		count[rg_revmap_node(t->map, i)->level + 1]++;
	for (j = 1; j <= max_level + 1; j++)
		count[j] += count[j - 1];
	for (i = 0; i < n; i++) {
		r = count[rg_revmap_node(t->map, i)->level]++;
		t->rank[i] = r;
		t->node_of[r] = i;
	}
	free(count);
	/* list sizes by rank, then where each list starts, then the lists: the nodes in load order */
	for (i = 0; i < n; i++) {
		const struct rg_node *nd = rg_revmap_node(t->map, i);

		r = t->rank[i];
		t->level[r] = nd->level;
		t->up_start[r] = nd->all_next.n;
		t->par_start[r] = nd->down.n + nd->deps.n;
		t->step_start[r] = nd->down.n + nd->ndeps.n;
	}
	n_up = n_par = n_step = 0;
	for (r = 0; r <= n; r++) {
		size_t a = r < n ? t->up_start[r] : 0, b = r < n ? t->par_start[r] : 0,
		       c = r < n ? t->step_start[r] : 0;

		t->up_start[r] = n_up;
		t->par_start[r] = n_par;
		t->step_start[r] = n_step;
		n_up += a;
		n_par += b;
		n_step += c;
	}
	for (i = 0; i < n; i++) {
		const struct rg_node *nd = rg_revmap_node(t->map, i);
		size_t *up = t->up + t->up_start[t->rank[i]], *par = t->par + t->par_start[t->rank[i]];
		size_t *step = t->step + t->step_start[t->rank[i]];

		for (j = 0; j < nd->all_next.n; j++)
			*up++ = t->rank[nd->all_next.items[j]];
		for (j = 0; j < nd->down.n; j++)
			*par++ = *step++ = t->rank[nd->down.items[j]];
		for (j = 0; j < nd->deps.n; j++)
			*par++ = t->rank[nd->deps.items[j]];
		for (j = 0; j < nd->ndeps.n; j++)
			*step++ = t->rank[nd->ndeps.items[j]];
	}
	return 0;
}

/*
 * Recompute the queued nodes at level `from` and above, children before
 * parents.  The ones below can wait: they matter only once the walk gets down
 * to them, and by then several changes may have reached them, to be done at
 * once (after a pending head goes, whatever lies below it changes).
 */
static int settle(struct topo *t, size_t from)
{
	while (t->n_heap && level_of(t, t->heap[0]) >= from) {
		size_t x = queue_pop(t), v, old = low_of(t, x);

		if (low_above(&v, t, x))
			return RG_ENOMEM;
		if (t->own[x] < v)
			v = t->own[x];
		if (v == old)
			continue;
		if (old != NO_HEAD && t->refused[old])
			t->n_refused_moves++;
		t->low[x] = v;
		if (queue_parents(t, x, old) ||
		    (t->border_on && (border_note(t, x, v) || border_left(t, x, old, v))))
			return RG_ENOMEM;
	}
	return 0;
}

/*
 * Initial low[]: heads in sequence order, each marking what it reaches and
 * nobody marked before it (what an earlier head reaches, it reaches below).
 */
static int mark_initial(struct topo *t)
{
	struct rg_idx_list stack = { 0 };
	size_t s, i;
	int err = 0;

	for (s = t->first; s != NO_HEAD; s = t->next[s]) {
		size_t h = t->head_at[s];

		if (level_of(t, h) <= t->min_level || t->low[h] != NO_HEAD)
			continue;
		t->low[h] = s;
		stack.n = 0;
		if ((err = rg_idx_list_push(&stack, h)))
			goto out;
		while (stack.n) {
			size_t y = stack.items[--stack.n];

			/* down + deps reach what down + normalised deps reach */
			topo_work += t->par_start[y + 1] - t->par_start[y];
			for (i = t->par_start[y]; i < t->par_start[y + 1]; i++) {
				size_t x = t->par[i];

				if (level_of(t, x) <= t->min_level || t->low[x] != NO_HEAD)
					continue;
				t->low[x] = s;
				if ((err = rg_idx_list_push(&stack, x)))
					goto out;
			}
		}
	}
out:
	rg_idx_list_release(&stack);
	return err;
}

/*
 * Start keeping the regions' borders: note what each region meets now.
 * Until then, sorts that do not need them (the walk met no link it could
 * not make, or their work is small anyway) do not pay for them.
 */
static int border_start(struct topo *t)
{
	size_t x;

	t->border_on = true;
	for (x = 0; x < t->n; x++)
		if (border_note(t, x, low_of(t, x)))
			return RG_ENOMEM;
	return 0;
}

/* Put x at the end of the list of pending heads, with the next sequence number. */
static void append_head(struct topo *t, size_t x)
{
	size_t s = t->next_seq;

	/* every node is pending once at most: the arrays are sized for that */
	t->head_at[s] = x;
	t->label[s] = s;
	t->border[s] = NO_HEAD;
	t->prev[s] = t->last;
	t->next[s] = NO_HEAD;
	if (t->last == NO_HEAD)
		t->first = s;
	else
		t->next[t->last] = s;
	t->last = s;
	t->own[x] = s;
	t->next_seq++;
}

/*
 * Emit c, the head with sequence number *cs that no other head needs, and put
 * its parents, then its normalised dependencies, that are still to do and not
 * pending already in its place (the first) and at the end (the others).
 * When none is, the head goes and *cs becomes the one before it in the list
 * (or the new first one), as Alembic's index does.
 */
/*
 * Of c's parents and dependencies in the region of label s, the one pending
 * as the head with the smallest sequence number, or NO_HEAD.
 */
static size_t region_parent(struct topo *t, size_t c, size_t s)
{
	size_t i, p = NO_HEAD;

	topo_work += t->par_start[c + 1] - t->par_start[c];
	for (i = t->par_start[c]; i < t->par_start[c + 1]; i++) {
		size_t q = t->par[i];

		if (level_of(t, q) <= t->min_level || low_of(t, q) != s || t->own[q] == NO_HEAD)
			continue;
		if (p == NO_HEAD || t->own[q] < t->own[p])
			p = q;
	}
	return p;
}

static int step_down(struct topo *t, const struct rg_bitset *todo, size_t *cs)
{
	size_t s = *cs, c = t->head_at[s], old, j, n_new = 0, p;

	t->own[c] = NO_HEAD;
	topo_work += t->step_start[c + 1] - t->step_start[c];
	for (j = t->step_start[c]; j < t->step_start[c + 1]; j++) {
		size_t d = t->step[j];

		if (!rg_bitset_has(todo, d) || t->own[d] != NO_HEAD)
			continue;
		if (!n_new++) {
			t->head_at[s] = d;
			t->own[d] = s;
		} else {
			append_head(t, d);
		}
		/* d's region now meets its head's number */
		if (t->border_on && low_of(t, d) != t->own[d] &&
		    border_add(t, low_of(t, d), t->own[d], d, BORDER_OWN))
			return RG_ENOMEM;
	}
	old = low_of(t, c);
	t->low[c] = NO_HEAD;
	if (n_new)
		return old == NO_HEAD ? 0 : queue_parents(t, c, old);
	t->head_at[s] = NO_HEAD;
	if (t->prev[s] == NO_HEAD)
		t->first = t->next[s];
	else
		t->next[t->prev[s]] = t->next[s];
	if (t->next[s] == NO_HEAD)
		t->last = t->prev[s];
	else
		t->prev[t->next[s]] = t->prev[s];
	*cs = t->prev[s] != NO_HEAD ? t->prev[s] : t->first;
	if (old == NO_HEAD)
		return 0;
	/*
	 * What c reached with no smaller head reaching it too (its region), it
	 * reached through its parents in that region (the others' labels are
	 * smaller, and so are those of all they reach).  Say p is the one pending
	 * as the first head u.  When no head between s and u in the list reaches
	 * the region, everything in it has u now if p reaches it, and more
	 * otherwise: relabelling all of it to u is one union-find link, and
	 * the few that p does not reach grow from there as usual.  This is what
	 * keeps a long line of pending heads (a ladder of merges) from being
	 * relabelled once per head.
	 */
	if (old == s && (p = region_parent(t, c, s)) != NO_HEAD) {
		size_t u = t->own[p], met = NO_HEAD;

		/*
		 * Heads between s and u in the list could reach some of the region
		 * first; none does when the region meets no label below u (one
		 * that reaches into the region meets it at the border, or stands
		 * in it).
		 */
		if (u != NO_HEAD && u > s && u != t->next[s]) {
			if (!t->border_on && t->n_refused_moves / t->n >= border_after &&
			    border_start(t))
				return RG_ENOMEM;
			if (t->border_on && border_min(&met, t, s))
				return RG_ENOMEM;
			if (!t->border_on) {
				met = 0;
				t->refused[s] = true;
			}
		}
		if (u != NO_HEAD && u > s && (u == t->next[s] || met >= u)) {
			t->label[s] = u;
			t->border[u] = border_merge(t, t->border[u], t->border[s]);
			t->border[s] = NO_HEAD;
			/*
			 * What c reached only through its other parents in the region
			 * has u or more now, not u: those parents are checked again,
			 * and whatever changes under them.
			 */
			for (j = t->par_start[c]; j < t->par_start[c + 1]; j++)
				if (t->par[j] != p && low_of(t, t->par[j]) == u &&
				    queue_push(t, t->par[j]))
					return RG_ENOMEM;
			return 0;
		}
	}
	return queue_parents(t, c, old);
}

int rg_walk_toposort(struct rg_idx_list *out, const struct rg_revmap *map,
		     const struct rg_bitset *todo_in, const size_t *heads, size_t n_heads)
{
	struct topo t = { 0 };
	struct rg_bitset todo = { 0 };	/* by rank */
	size_t *start = NULL, n_start = 0, i, cs, left = 0, n = rg_revmap_count(map);
	int err = 0;

	out->n = 0;
	topo_work = 0;
	t.map = map;
	t.n = n;
	t.min_level = NO_HEAD;
	if ((err = rg_bitset_init(&todo, n)) || (err = rg_bitset_init(&t.queued, n)))
		goto out;
	if ((err = copy_graph(&t, n)))
		goto out;
	t.low = rg_malloc((n ? n : 1) * sizeof(size_t));
	t.own = rg_malloc((n ? n : 1) * sizeof(size_t));
	t.fan = rg_calloc(n ? n : 1, sizeof(struct fan));
	start = rg_malloc((n_heads ? n_heads : 1) * sizeof(size_t));
	/* sequence numbers: the first heads, then each todo node once at most */
	t.head_at = rg_malloc((n + n_heads + 1) * sizeof(size_t));
	t.prev = rg_malloc((n + n_heads + 1) * sizeof(size_t));
	t.next = rg_malloc((n + n_heads + 1) * sizeof(size_t));
	t.label = rg_malloc((n + n_heads + 1) * sizeof(size_t));
	t.border = rg_malloc((n + n_heads + 1) * sizeof(size_t));
	t.refused = rg_calloc(n + n_heads + 1, sizeof(bool));
	t.first = t.last = NO_HEAD;
	if (!t.low || !t.own || !t.fan || !start || !t.head_at || !t.prev || !t.next || !t.label ||
	    !t.border || !t.refused) {
		err = RG_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		t.low[i] = t.own[i] = NO_HEAD;
		if (rg_bitset_has(todo_in, t.node_of[i])) {
			rg_bitset_set(&todo, i);
			left++;
			if (t.level[i] < t.min_level)
				t.min_level = t.level[i];
		}
	}
	/* the heads in todo, once each, in load order */
	for (i = 0; i < n_heads; i++)
		if (rg_bitset_has(todo_in, heads[i]) && t.own[t.rank[heads[i]]] == NO_HEAD) {
			t.own[t.rank[heads[i]]] = 0;
			start[n_start++] = heads[i];
		}
	qsort(start, n_start, sizeof(size_t), rg_cmp_index);
	for (i = 0; i < n_start; i++)
		append_head(&t, t.rank[start[i]]);
	if ((err = mark_initial(&t)))
		goto out;

	cs = t.first;
	while (cs != NO_HEAD) {
		size_t c = t.head_at[cs], need;

		topo_work++;
		/* c's low[] and its children's and dependents' must be up to date */
		if ((err = settle(&t, level_of(&t, c))) || (err = low_above(&need, &t, c)))
			goto out;
		if (need != NO_HEAD) {
			/* a head above still needs c: walk the first such one first */
			cs = need;
			continue;
		}
		if (rg_bitset_has(&todo, c)) {
			if ((err = rg_idx_list_push(out, t.node_of[c])))
				goto out;
			rg_bitset_clear(&todo, c);
			left--;
		}
		if ((err = step_down(&t, &todo, &cs)))
			goto out;
	}
	if (left)
		err = rg_error_set(RG_EINVALID, "%zu revisions are not reachable from the requested heads",
				   left);
out:
	free(t.rank);
	free(t.node_of);
	free(t.level);
	free(t.up_start);
	free(t.up);
	free(t.par_start);
	free(t.par);
	free(t.step_start);
	free(t.step);
	free(t.low);
	free(t.own);
	if (t.fan)
		for (i = 0; i < n; i++)
			free(t.fan[i].e);
	free(t.fan);
	free(t.head_at);
	free(t.prev);
	free(t.next);
	free(t.label);
	free(t.border);
	free(t.refused);
	free(t.be);
	free(t.heap);
	rg_bitset_release(&t.queued);
	free(start);
	rg_bitset_release(&todo);
	return err;
}
