/*
 * Sorting C strings by byte value, fast enough for 100k file names and
 * revision ids: a radix sort on each string's first 8 bytes, then strcmp()
 * only among strings that share them.
 */
#ifndef RG_STRSORT_H
#define RG_STRSORT_H

#include <stddef.h>

/**
 * Sort `v` (n strings, not owned) in place in strcmp() order (bytes as
 * unsigned char).  0 or RG_ENOMEM (then `v` is unchanged).
 */
int rg_strsort(const char **v, size_t n);

#endif
