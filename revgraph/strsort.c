/*
 * String sorting (strsort.h).  qsort() with strcmp() on 100k scattered
 * strings spends its time on cache misses and indirect calls; here every
 * string's first 8 bytes become a big-endian integer kept next to its
 * pointer, an LSD radix sort orders those pairs, and strcmp() only breaks
 * ties among strings with the same first 8 bytes.
 */
#include "strsort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "revgraph/common.h"
#include "banned.h"

struct item {
	uint64_t key;		/* the first 8 bytes, big-endian, zero after the NUL */
	const char *s;
};

static uint64_t prefix_key(const char *s)
{
	uint64_t k = 0;
	size_t i;

	for (i = 0; i < 8 && s[i]; i++)
		k |= (uint64_t)(unsigned char)s[i] << (56 - 8 * i);
	return k;
}

static int cmp_tail(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->s + 8, ((const struct item *)b)->s + 8);
}

int rg_strsort(const char **v, size_t n)
{
	struct item *a = NULL, *b = NULL, *t;
	size_t count[256], i, j, pass;

	if (n < 2)
		return 0;
	if (n > SIZE_MAX / sizeof(struct item))
		return rg_error_set(RG_ENOMEM, "out of memory");
	a = rg_malloc(n * sizeof(struct item));
	b = rg_malloc(n * sizeof(struct item));
	if (!a || !b) {
		free(a);
		free(b);
		return RG_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		a[i].key = prefix_key(v[i]);
		a[i].s = v[i];
	}
	for (pass = 0; pass < 8; pass++) {
		unsigned shift = 8 * (unsigned)pass;
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(a[i].key >> shift) & 0xff]++;
		if (count[(a[0].key >> shift) & 0xff] == n)
			continue;	/* every key has this byte: nothing to reorder */
		for (j = 0; j < 256; j++) {
			size_t c = count[j];

			count[j] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[(a[i].key >> shift) & 0xff]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	/* runs with the same 8 bytes and no NUL among them: order by the rest */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && a[j].key == a[i].key; j++)
			;
		if (j - i > 1 && (a[i].key & 0xff))
			qsort(a + i, j - i, sizeof(struct item), cmp_tail);
	}
	for (i = 0; i < n; i++)
		v[i] = a[i].s;
	free(a);
	free(b);
	return 0;
}
