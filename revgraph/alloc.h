/*
 * Allocation wrappers.  Every allocation in revgraph goes through these so
 * that tests can make the N-th one fail and check each error path; a failure
 * sets the error slot to "out of memory" and returns NULL.
 */
#ifndef RG_ALLOC_H
#define RG_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *rg_malloc(size_t size);
void *rg_calloc(size_t n, size_t size);
void *rg_realloc(void *ptr, size_t size);
char *rg_strdup(const char *s);
char *rg_strndup(const char *s, size_t n);

/**
 * Give the heap transparent huge pages where the system offers them (see
 * alloc.c): fewer page faults for commands on big projects.  For the CLI,
 * once, first thing in main(); a no-op where it does not apply (not glibc,
 * a sanitizer's allocator).  Memory never touched still costs nothing.
 */
void rg_alloc_huge_pages(void);

/**
 * Test hook: make the allocation `n` calls from now fail (1 = the next one),
 * and every later one while `sticky` is true.  0 disables the hook.
 */
void rg_alloc_fail_after(unsigned long n, int sticky);

/** Number of allocations made since the process started (for tests). */
unsigned long rg_alloc_count(void);

/*
 * Grow an array `x` with `alloc` slots so it holds at least `nr` elements,
 * checking the size arithmetic for overflow.  Evaluates to 0 or RG_ENOMEM.
 * (After git's ALLOC_GROW, but it reports instead of dying.)
 */
int rg_grow(void **ptr, size_t elem_size, size_t *alloc, size_t nr);
#define RG_GROW(x, nr, alloc) rg_grow((void **)&(x), sizeof(*(x)), &(alloc), (nr))

#endif
