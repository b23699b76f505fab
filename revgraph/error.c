/*
 * The per-thread error slot (revgraph/common.h): one message and code per
 * thread, overwritten by each rg_error_set().  Short messages use a fixed
 * buffer so that reporting "out of memory" cannot itself fail; a longer one
 * (a cycle listing every id) goes to the heap, truncated if that fails.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "revgraph/common.h"

#define RG_ERROR_INLINE 1024

static _Thread_local char inline_slot[RG_ERROR_INLINE];
static _Thread_local char *heap_slot;
static _Thread_local int slot_code;
static _Thread_local char detail_slot[RG_ERROR_INLINE];

const char *rg_error_last(void)
{
	return heap_slot ? heap_slot : inline_slot;
}

int rg_error_code(void)
{
	return slot_code;
}

int rg_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	int need;

	free(heap_slot);
	heap_slot = NULL;
	detail_slot[0] = '\0';
	va_start(ap, fmt);
	need = vsnprintf(inline_slot, sizeof(inline_slot), fmt, ap);
	va_end(ap);
	if (need >= RG_ERROR_INLINE) {
		/* plain malloc: the slot must not depend on rg_malloc's hook */
		char *p = malloc((size_t)need + 1);

		if (p) {
			va_start(ap, fmt);
			vsnprintf(p, (size_t)need + 1, fmt, ap);
			va_end(ap);
			heap_slot = p;
		}
	}
	slot_code = code;
	return code;
}

const char *rg_error_detail(void)
{
	return detail_slot;
}

void rg_error_set_detail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail_slot, sizeof(detail_slot), fmt, ap);
	va_end(ap);
}

void rg_error_clear(void)
{
	detail_slot[0] = '\0';
	free(heap_slot);
	heap_slot = NULL;
	inline_slot[0] = '\0';
	slot_code = 0;
}

const char *rg_version(void)
{
	return RG_VERSION;
}
