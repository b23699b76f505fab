/*
 * The growable string (str.h).
 */
#include "revgraph/str.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "revgraph/common.h"

char rg_str_empty[1];

void rg_str_init(struct rg_str *s)
{
	s->buf = rg_str_empty;
	s->len = 0;
	s->alloc = 0;
	s->failed = false;
}

void rg_str_release(struct rg_str *s)
{
	if (!s)
		return;
	if (s->alloc)
		free(s->buf);
	rg_str_init(s);
}

char *rg_str_detach(struct rg_str *s)
{
	char *p;

	if (s->failed) {
		rg_str_release(s);
		return NULL;
	}
	p = s->alloc ? s->buf : rg_strdup("");
	rg_str_init(s);
	return p;
}

static bool grow(struct rg_str *s, size_t extra)
{
	size_t want;
	char *p;

	if (s->failed)
		return false;
	if (extra > SIZE_MAX - s->len - 1)
		goto fail;
	want = s->len + extra + 1;
	if (want <= s->alloc)
		return true;
	if (want < 64)
		want = 64;
	if (want < s->alloc + s->alloc / 2)
		want = s->alloc + s->alloc / 2;
	p = rg_realloc(s->alloc ? s->buf : NULL, want);
	if (!p)
		goto fail;
	if (!s->alloc)
		p[0] = '\0';
	s->buf = p;
	s->alloc = want;
	return true;
fail:
	rg_error_set(RG_ENOMEM, "out of memory");
	s->failed = true;
	return false;
}

void rg_str_add(struct rg_str *s, const char *data, size_t len)
{
	/* room already (a --sql run appends a quarter of a million pieces): no grow() call */
	if ((s->failed || len >= s->alloc - s->len) && !grow(s, len))
		return;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
}

void rg_str_adds(struct rg_str *s, const char *cstr)
{
	rg_str_add(s, cstr, strlen(cstr));
}

void rg_str_addch(struct rg_str *s, char c)
{
	rg_str_add(s, &c, 1);
}

void rg_str_addchars(struct rg_str *s, char c, size_t n)
{
	if (!grow(s, n))
		return;
	memset(s->buf + s->len, c, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

void rg_str_add_utf8(struct rg_str *s, uint32_t cp)
{
	if (cp < 0x80) {
		rg_str_addch(s, (char)cp);
	} else if (cp < 0x800) {
		rg_str_addch(s, (char)(0xc0 | (cp >> 6)));
		rg_str_addch(s, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		rg_str_addch(s, (char)(0xe0 | (cp >> 12)));
		rg_str_addch(s, (char)(0x80 | ((cp >> 6) & 0x3f)));
		rg_str_addch(s, (char)(0x80 | (cp & 0x3f)));
	} else {
		rg_str_addch(s, (char)(0xf0 | (cp >> 18)));
		rg_str_addch(s, (char)(0x80 | ((cp >> 12) & 0x3f)));
		rg_str_addch(s, (char)(0x80 | ((cp >> 6) & 0x3f)));
		rg_str_addch(s, (char)(0x80 | (cp & 0x3f)));
	}
}

void rg_str_vaddf(struct rg_str *s, const char *fmt, va_list ap)
{
	va_list cp;
	int need;

	if (s->failed)
		return;
	va_copy(cp, ap);
	need = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (need < 0 || !grow(s, (size_t)need))
		return;
	vsnprintf(s->buf + s->len, (size_t)need + 1, fmt, ap);
	s->len += (size_t)need;
}

void rg_str_addf(struct rg_str *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rg_str_vaddf(s, fmt, ap);
	va_end(ap);
}

void rg_str_setlen(struct rg_str *s, size_t len)
{
	if (len > s->len || !s->alloc)
		return;
	s->len = len;
	s->buf[len] = '\0';
}

void rg_str_reset(struct rg_str *s)
{
	rg_str_setlen(s, 0);
	s->failed = false;
}

void rg_str_trim(struct rg_str *s)
{
	size_t start = 0;

	if (!s->alloc)
		return;
	while (s->len && (s->buf[s->len - 1] == ' ' || s->buf[s->len - 1] == '\t' ||
			  s->buf[s->len - 1] == '\n' || s->buf[s->len - 1] == '\r'))
		s->len--;
	while (start < s->len && (s->buf[start] == ' ' || s->buf[start] == '\t' ||
				  s->buf[start] == '\n' || s->buf[start] == '\r'))
		start++;
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
	s->buf[s->len] = '\0';
}

int rg_str_check(const struct rg_str *s)
{
	return s->failed ? rg_error_set(RG_ENOMEM, "out of memory") : 0;
}
