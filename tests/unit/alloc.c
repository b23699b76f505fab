/*
 * Tests for revgraph/alloc.c: the failure hook and the huge-page heap.
 */
#define _DEFAULT_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "alloc.h"
#include "revgraph/common.h"

static void test_fail_after(void **state)
{
	void *p;

	(void)state;
	rg_alloc_fail_after(2, 0);
	p = rg_malloc(8);
	assert_non_null(p);
	free(p);
	assert_null(rg_malloc(8));
	assert_int_equal(rg_error_code(), RG_ENOMEM);
	p = rg_malloc(8);
	assert_non_null(p);
	free(p);
}

/* The VmFlags line of the mapping that holds `addr`, from /proc/self/smaps. */
static int vm_flags_of(const void *addr, char *out, size_t out_size)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		/* a mapping's first line: "lo-hi perms ..." (no "Key:" parses so) */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (inside && !strncmp(line, "VmFlags:", 8)) {
			snprintf(out, out_size, "%s", line);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

/*
 * Memory the heap grows by after rg_alloc_huge_pages() is advised for huge
 * pages ("hg" in its VmFlags), and stays ordinary usable memory.
 */
static void test_huge_pages_advise_new_heap(void **state)
{
	const size_t size = (size_t)6 << 20;	/* below the 8 MiB mmap threshold */
	struct stat st;
	char flags[512];
	unsigned char *p, *probe;
	size_t i;

	(void)state;
	if (stat("/sys/kernel/mm/transparent_hugepage", &st))
		skip();		/* no THP in this kernel: nothing to advise */
	rg_alloc_huge_pages();
	p = rg_malloc(size);
	assert_non_null(p);
	/*
	 * What the heap held before it grew for this block is not advised: look
	 * 4 MiB in, past the rest of the old heap (small here) and the 2 MiB
	 * boundary the advice starts at.
	 */
	probe = p + size - ((size_t)2 << 20) - 1;
	if ((uintptr_t)probe >= (uintptr_t)sbrk(0)) {
		free(p);
		skip();		/* not glibc's brk heap (a sanitizer's allocator) */
	}
	for (i = 0; i < size; i += 4096)
		p[i] = (unsigned char)i;
	for (i = 0; i < size; i += 4096)
		assert_int_equal(p[i], (unsigned char)i);
	assert_int_equal(vm_flags_of(probe, flags, sizeof(flags)), 0);
	assert_non_null(strstr(flags, " hg"));
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_after),
		cmocka_unit_test(test_huge_pages_advise_new_heap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
