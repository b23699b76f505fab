/*
 * Python's str.__repr__ (pyrepr.h): single quotes unless the text holds a
 * single quote and no double quote; \\, \n, \r, \t and other control
 * characters escaped; printable non-ASCII kept as is.
 */
#include "pyrepr.h"

#include <ctype.h>
#include <string.h>

#include "banned.h"

void rg_py_quoted_add(struct rg_str *out, const char *s, char quote)
{
	const unsigned char *p;

	rg_str_addch(out, quote);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == (unsigned char)quote || *p == '\\') {
			rg_str_addch(out, '\\');
			rg_str_addch(out, (char)*p);
		} else if (*p == '\n') {
			rg_str_adds(out, "\\n");
		} else if (*p == '\r') {
			rg_str_adds(out, "\\r");
		} else if (*p == '\t') {
			rg_str_adds(out, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			rg_str_addf(out, "\\x%02x", *p);
		} else {
			rg_str_addch(out, (char)*p);
		}
	}
	rg_str_addch(out, quote);
}

void rg_py_repr_add(struct rg_str *out, const char *s)
{
	rg_py_quoted_add(out, s, (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'');
}

char *rg_py_repr(const char *s)
{
	struct rg_str out = RG_STR_INIT;

	rg_py_repr_add(&out, s);
	return rg_str_detach(&out);
}

int rg_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int rg_strcasecmp_ascii(const char *a, const char *b)
{
	for (; *a && tolower((unsigned char)*a) == tolower((unsigned char)*b); a++, b++)
		;
	return tolower((unsigned char)*a) - tolower((unsigned char)*b);
}
