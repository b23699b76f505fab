/*
 * struct rg_str: the one growable string type.  The buffer is always
 * NUL-terminated and never NULL.  An allocation failure makes the string
 * "failed": later appends do nothing and rg_str_check() reports RG_ENOMEM,
 * so a builder checks once at the end instead of after every append.
 * (After git's strbuf.)
 */
#ifndef RG_STR_H
#define RG_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rg_str {
	char *buf;
	size_t len;
	size_t alloc;
	bool failed;
};

extern char rg_str_empty[];
#define RG_STR_INIT { rg_str_empty, 0, 0, false }

void rg_str_init(struct rg_str *s);
/** Free the buffer and reset `s` to empty.  NULL is accepted. */
void rg_str_release(struct rg_str *s);
/** Hand the buffer to the caller (who frees it) and reset `s`; NULL if failed. */
char *rg_str_detach(struct rg_str *s);

void rg_str_add(struct rg_str *s, const char *data, size_t len);
void rg_str_adds(struct rg_str *s, const char *cstr);
void rg_str_addch(struct rg_str *s, char c);
void rg_str_addchars(struct rg_str *s, char c, size_t n);
/** Append the UTF-8 encoding of the code point `cp` (at most U+10FFFF). */
void rg_str_add_utf8(struct rg_str *s, uint32_t cp);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void rg_str_addf(struct rg_str *s, const char *fmt, ...);
void rg_str_vaddf(struct rg_str *s, const char *fmt, va_list ap);
void rg_str_setlen(struct rg_str *s, size_t len);
void rg_str_reset(struct rg_str *s);
void rg_str_trim(struct rg_str *s);

/** 0, or RG_ENOMEM (with the error slot set) if any append failed. */
int rg_str_check(const struct rg_str *s);

#endif
