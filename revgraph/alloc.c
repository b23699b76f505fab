/*
 * Allocation wrappers with a failure-injection hook for tests (alloc.h),
 * and the huge-page heap the CLI asks for (rg_alloc_huge_pages()).
 */
#define _DEFAULT_SOURCE 1
#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__) && defined(__linux__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(MADV_HUGEPAGE) && defined(M_TOP_PAD) && defined(M_MMAP_THRESHOLD)
#define HUGE_HEAP 1
#endif
#endif

#include "revgraph/common.h"

static _Thread_local unsigned long fail_countdown;
static _Thread_local int fail_sticky;
static _Thread_local unsigned long n_allocs;

void rg_alloc_fail_after(unsigned long n, int sticky)
{
	fail_countdown = n;
	fail_sticky = sticky;
}

unsigned long rg_alloc_count(void)
{
	return n_allocs;
}

static bool should_fail(void)
{
	n_allocs++;
	if (!fail_countdown)
		return false;
	if (fail_countdown == 1) {
		if (!fail_sticky)
			fail_countdown = 0;
		return true;
	}
	fail_countdown--;
	return false;
}

static void *oom(void)
{
	rg_error_set(RG_ENOMEM, "out of memory");
	return NULL;
}

/*
 * The huge-page heap.  A command on 10k revisions touches about 9 MB of
 * heap, and each 4 KiB page of it costs a page fault the first time: on
 * the development VM (shadow page tables) about 11 us each, a third of a
 * warm `heads`.  A transparent huge page costs one fault per 2 MiB.  With
 * THP in its common "madvise" mode a region gets them only when asked, so
 * glibc's heap (brk) grows in big steps (M_TOP_PAD) and each new stretch
 * is advised right after the allocation that made it: what glibc's
 * glibc.malloc.hugetlb=1 tunable does, which a program cannot set for
 * itself.  Arrays up to 8 MiB stay in the heap (M_MMAP_THRESHOLD) instead
 * of getting mappings of their own; bigger ones still do, so that growing
 * one (the cache file being written, 30 MB at 100k revisions) moves its
 * pages with mremap() instead of leaving each smaller copy behind in the
 * heap.  Untouched heap costs no memory.
 */
#ifdef HUGE_HEAP
#define HEAP_STEP ((size_t)64 << 20)
#define MMAP_THRESHOLD (8 << 20)
#define HUGE_PAGE_SIZE ((uintptr_t)2 << 20)

static atomic_uintptr_t advised_end;	/* the heap up to here is done; 0: off */
static void *volatile heap_head;	/* kept for good: see rg_alloc_huge_pages() */

static void advise_heap(void)
{
	uintptr_t from = atomic_load_explicit(&advised_end, memory_order_relaxed), end, start;

	if (!from)
		return;
	end = (uintptr_t)sbrk(0);
	if (end == from || end == (uintptr_t)-1)
		return;
	start = (from + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
	atomic_store_explicit(&advised_end, end, memory_order_relaxed);
}

void rg_alloc_huge_pages(void)
{
	uintptr_t start, end, boundary;
	void *p;

	if (!mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) || !mallopt(M_TOP_PAD, (int)HEAP_STEP) ||
	    !mallopt(M_TRIM_THRESHOLD, (int)(2 * HEAP_STEP)))
		return;
	/*
	 * The first allocation grows the heap by HEAP_STEP.  A 2 MiB stretch
	 * gets a huge page only if nothing in it was touched before the advice,
	 * and the heap's first stretch, up to a 2 MiB boundary, cannot have one:
	 * so that stretch is filled with a block that is never touched (it stays
	 * allocated), and what the program allocates starts at the boundary.
	 */
	if (!(p = malloc(1)))
		return;
	start = (uintptr_t)p;
	end = (uintptr_t)sbrk(0);
	if (end == (uintptr_t)-1 || start >= end || end - start > 2 * HEAP_STEP) {
		free(p);
		return;	/* not the brk heap (a sanitizer's allocator, say) */
	}
	boundary = (start + 64 + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
	atomic_store_explicit(&advised_end, boundary < end ? boundary : end, memory_order_relaxed);
	advise_heap();
	if (boundary < end)
		heap_head = malloc(boundary - start - 64);
	free(p);
}
#else
static void advise_heap(void)
{
}

void rg_alloc_huge_pages(void)
{
}
#endif

void *rg_malloc(size_t size)
{
	void *p;

	if (should_fail())
		return oom();
	p = malloc(size ? size : 1);
	advise_heap();
	return p ? p : oom();
}

void *rg_calloc(size_t n, size_t size)
{
	void *p;

	if (should_fail())
		return oom();
	p = calloc(n ? n : 1, size ? size : 1);
	advise_heap();
	return p ? p : oom();
}

void *rg_realloc(void *ptr, size_t size)
{
	void *p;

	if (should_fail())
		return oom();
	p = realloc(ptr, size ? size : 1);
	advise_heap();
	return p ? p : oom();
}

char *rg_strndup(const char *s, size_t n)
{
	char *p = rg_malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *rg_strdup(const char *s)
{
	return rg_strndup(s, strlen(s));
}

int rg_grow(void **ptr, size_t elem_size, size_t *alloc, size_t nr)
{
	size_t want;
	void *p;

	if (nr <= *alloc)
		return 0;
	want = *alloc < 8 ? 8 : *alloc;
	while (want < nr) {
		if (want > SIZE_MAX / 2)
			return rg_error_set(RG_ENOMEM, "out of memory");
		want *= 2;
	}
	if (want > SIZE_MAX / elem_size)
		return rg_error_set(RG_ENOMEM, "out of memory");
	p = rg_realloc(*ptr, want * elem_size);
	if (!p)
		return RG_ENOMEM;
	*ptr = p;
	*alloc = want;
	return 0;
}
