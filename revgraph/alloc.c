/*
 * Allocation wrappers with a failure-injection hook for tests (alloc.h).
 */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

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

void *rg_malloc(size_t size)
{
	void *p;

	if (should_fail())
		return oom();
	p = malloc(size ? size : 1);
	return p ? p : oom();
}

void *rg_calloc(size_t n, size_t size)
{
	void *p;

	if (should_fail())
		return oom();
	p = calloc(n ? n : 1, size ? size : 1);
	return p ? p : oom();
}

void *rg_realloc(void *ptr, size_t size)
{
	void *p;

	if (should_fail())
		return oom();
	p = realloc(ptr, size ? size : 1);
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
