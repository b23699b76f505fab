/*
 * An .ini reader matching Python configparser's defaults (ini.h), so that an
 * unmodified alembic.ini reads exactly as Alembic reads it.
 */
#include "ini.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fsutil.h"
#include "revgraph/str.h"
#include "revgraph/common.h"
#include "revgraph/revision.h"
#include "banned.h"

struct entry {
	char *key;		/* as written */
	char *lkey;		/* lower-cased, for lookups */
	struct rg_str value;	/* raw, continuation lines joined with \n */
	int line;
};

struct section {
	char *name;
	struct entry *entries;
	size_t n, alloc;
};

struct rg_ini {
	char *path;
	struct rg_strlist expanded;	/* every string rg_ini_get() returned */
	struct section *sections;	/* [0] is DEFAULT */
	size_t n, alloc;
};

static void section_release(struct section *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->entries[i].key);
		free(s->entries[i].lkey);
		rg_str_release(&s->entries[i].value);
	}
	free(s->entries);
	free(s->name);
}

void rg_ini_free(struct rg_ini *ini)
{
	size_t i;

	if (!ini)
		return;
	for (i = 0; i < ini->n; i++)
		section_release(&ini->sections[i]);
	free(ini->sections);
	rg_strlist_release(&ini->expanded);
	free(ini->path);
	free(ini);
}

static struct section *find_section(const struct rg_ini *ini, const char *name)
{
	size_t i;

	for (i = 0; i < ini->n; i++)
		if (!strcmp(ini->sections[i].name, name))
			return &ini->sections[i];
	return NULL;
}

static struct entry *find_entry(const struct section *s, const char *lkey)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->entries[i].lkey, lkey))
			return &s->entries[i];
	return NULL;
}

static char *lower_dup(const char *s, size_t len)
{
	char *p = rg_strndup(s, len);
	size_t i;

	if (p)
		for (i = 0; i < len; i++)
			p[i] = (char)tolower((unsigned char)p[i]);
	return p;
}

static struct section *add_section(struct rg_ini *ini, const char *name, size_t len)
{
	struct section *s;

	if (RG_GROW(ini->sections, ini->n + 1, ini->alloc))
		return NULL;
	s = &ini->sections[ini->n];
	memset(s, 0, sizeof(*s));
	s->name = rg_strndup(name, len);
	if (!s->name)
		return NULL;
	ini->n++;
	return s;
}

static struct entry *add_entry(struct section *s, const char *key, size_t klen, int line)
{
	struct entry *e;

	if (RG_GROW(s->entries, s->n + 1, s->alloc))
		return NULL;
	e = &s->entries[s->n];
	memset(e, 0, sizeof(*e));
	rg_str_init(&e->value);
	e->line = line;
	e->key = rg_strndup(key, klen);
	e->lkey = lower_dup(key, klen);
	s->n++;
	if (!e->key || !e->lkey)
		return NULL;
	return e;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Strip configparser-style: surrounding white space. */
static void strip(const char **b, const char **e)
{
	while (*b < *e && is_space(**b))
		(*b)++;
	while (*e > *b && is_space((*e)[-1]))
		(*e)--;
}

int rg_ini_parse(struct rg_ini **out, const char *path, const char *text, size_t len,
		 const char *here)
{
	struct rg_ini *ini = NULL;
	struct section *cur = NULL;
	struct entry *opt = NULL;
	size_t pos = 0, cur_indent = 0;
	int line = 0, err = 0;
	/* a blank line inside a value is kept only if more value lines follow */
	size_t pending_blank = 0;

	*out = NULL;
	ini = rg_calloc(1, sizeof(*ini));
	if (!ini || !(ini->path = rg_strdup(path)) || !add_section(ini, "DEFAULT", 7)) {
		err = RG_ENOMEM;
		goto out;
	}
	while (pos < len) {
		const char *b = text + pos, *e;
		const char *nl = memchr(b, '\n', len - pos);
		size_t indent = 0;

		e = nl ? nl : text + len;
		pos = (size_t)(e - text) + (nl ? 1 : 0);
		line++;
		while (b + indent < e && is_space(b[indent]))
			indent++;
		strip(&b, &e);
		if (b < e && (*b == '#' || *b == ';'))
			continue;	/* full-line comment, even inside a value */
		if (b == e) {
			if (opt)
				pending_blank++;
			continue;
		}
		if (opt && indent > cur_indent) {
			for (; pending_blank; pending_blank--)
				rg_str_addch(&opt->value, '\n');
			rg_str_addch(&opt->value, '\n');
			rg_str_add(&opt->value, b, (size_t)(e - b));
			if (rg_str_check(&opt->value)) {
				err = RG_ENOMEM;
				goto out;
			}
			continue;
		}
		pending_blank = 0;
		cur_indent = indent;
		if (*b == '[') {
			const char *close = e;

			while (close > b + 1 && close[-1] != ']')
				close--;
			if (close > b + 2) {
				size_t nlen = (size_t)(close - 1 - (b + 1));

				opt = NULL;
				if (nlen == 7 && !memcmp(b + 1, "DEFAULT", 7)) {
					cur = &ini->sections[0];
					continue;
				}
				cur = NULL;
				{
					char *name = rg_strndup(b + 1, nlen);

					if (!name) {
						err = RG_ENOMEM;
						goto out;
					}
					if (find_section(ini, name)) {
						err = rg_error_set(RG_EINVALID, "%s:%d: section '%s' appears twice",
								   path, line, name);
						free(name);
						goto out;
					}
					free(name);
				}
				cur = add_section(ini, b + 1, nlen);
				if (!cur) {
					err = RG_ENOMEM;
					goto out;
				}
				continue;
			}
		}
		if (!cur) {
			err = rg_error_set(RG_EINVALID, "%s:%d: no [section] header before '%.*s'", path,
					   line, (int)(e - b), b);
			goto out;
		}
		{
			const char *d = b, *kb = b, *ke, *vb, *ve = e;
			char *lkey;

			while (d < e && *d != '=' && *d != ':')
				d++;
			ke = d;
			strip(&kb, &ke);
			if (d == e || kb == ke) {
				err = rg_error_set(RG_EINVALID, "%s:%d: expected 'key = value', got '%.*s'",
						   path, line, (int)(e - b), b);
				goto out;
			}
			lkey = lower_dup(kb, (size_t)(ke - kb));
			if (!lkey) {
				err = RG_ENOMEM;
				goto out;
			}
			if (find_entry(cur, lkey)) {
				err = rg_error_set(RG_EINVALID, "%s:%d: option '%s' in section '%s' appears twice",
						   path, line, lkey, cur->name);
				free(lkey);
				goto out;
			}
			free(lkey);
			opt = add_entry(cur, kb, (size_t)(ke - kb), line);
			if (!opt) {
				err = RG_ENOMEM;
				goto out;
			}
			vb = d + 1;
			strip(&vb, &ve);
			rg_str_add(&opt->value, vb, (size_t)(ve - vb));
			if (rg_str_check(&opt->value)) {
				err = RG_ENOMEM;
				goto out;
			}
		}
	}
	if (!find_entry(&ini->sections[0], "here")) {
		struct entry *h = add_entry(&ini->sections[0], "here", 4, 0);

		if (!h) {
			err = RG_ENOMEM;
			goto out;
		}
		/* "here" is not interpolated again: escape any '%' in the path */
		for (; *here; here++) {
			if (*here == '%')
				rg_str_addch(&h->value, '%');
			rg_str_addch(&h->value, *here);
		}
		if (rg_str_check(&h->value)) {
			err = RG_ENOMEM;
			goto out;
		}
	}
	*out = ini;
	ini = NULL;
out:
	rg_ini_free(ini);
	return err;
}

int rg_ini_load(struct rg_ini **out, const char *path, const char *here)
{
	char *text = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	err = rg_fs_read(&text, &len, path);
	if (err)
		return err;
	err = rg_ini_parse(out, path, text, len, here);
	free(text);
	return err;
}

bool rg_ini_has_section(const struct rg_ini *ini, const char *section)
{
	return strcmp(section, "DEFAULT") && find_section(ini, section);
}

static struct entry *lookup(struct rg_ini *ini, const struct section *s, const char *lkey)
{
	struct entry *e = s ? find_entry(s, lkey) : NULL;

	return e ? e : find_entry(&ini->sections[0], lkey);
}

/* configparser's BasicInterpolation, with its depth limit of 10. */
static int interpolate(struct rg_str *acc, struct rg_ini *ini, const struct section *s,
		       const char *key, const char *raw, int depth)
{
	const char *p = raw;

	if (depth > 10)
		return rg_error_set(RG_EINVALID, "%s: recursion limit exceeded interpolating '%s'",
				    ini->path, key);
	while (*p) {
		const char *pct = strchr(p, '%');

		if (!pct) {
			rg_str_adds(acc, p);
			break;
		}
		rg_str_add(acc, p, (size_t)(pct - p));
		if (pct[1] == '%') {
			rg_str_addch(acc, '%');
			p = pct + 2;
		} else if (pct[1] == '(') {
			const char *close = strchr(pct + 2, ')');
			struct entry *ref;
			char *name;
			int err;

			if (!close || close == pct + 2 || close[1] != 's')
				return rg_error_set(RG_EINVALID, "%s: bad interpolation variable reference '%s' in '%s'",
						    ini->path, pct, key);
			name = lower_dup(pct + 2, (size_t)(close - (pct + 2)));
			if (!name)
				return RG_ENOMEM;
			ref = lookup(ini, s, name);
			if (!ref) {
				err = rg_error_set(RG_EINVALID, "%s: bad interpolation: '%s' refers to '%%(%s)s', which is not set",
						   ini->path, key, name);
				free(name);
				return err;
			}
			free(name);
			err = interpolate(acc, ini, s, key, ref->value.buf, depth + 1);
			if (err)
				return err;
			p = close + 2;
		} else {
			return rg_error_set(RG_EINVALID, "%s: '%%' must be followed by '%%' or '(' in '%s', found: '%s'",
					    ini->path, key, pct);
		}
	}
	return rg_str_check(acc);
}

int rg_ini_get(const char **out, struct rg_ini *ini, const char *section, const char *key)
{
	struct section *s = find_section(ini, section);
	struct rg_str acc = RG_STR_INIT;
	struct entry *e;
	char *lkey;
	int err;

	*out = NULL;
	lkey = lower_dup(key, strlen(key));
	if (!lkey)
		return RG_ENOMEM;
	e = lookup(ini, s, lkey);
	free(lkey);
	if (!e)
		return RG_ENOTFOUND;
	/* not cached: a DEFAULT value interpolates differently per section */
	err = interpolate(&acc, ini, s, e->key, e->value.buf, 1);
	if (err) {
		rg_str_release(&acc);
		return err;
	}
	err = rg_strlist_push_owned(&ini->expanded, rg_str_detach(&acc));
	if (err)
		return err;
	*out = ini->expanded.items[ini->expanded.n - 1];
	return 0;
}

bool rg_ini_entry(const struct rg_ini *ini, const char *section, size_t i,
		  const char **key, const char **raw_value)
{
	const struct section *s = find_section(ini, section);

	if (!s || i >= s->n)
		return false;
	*key = s->entries[i].key;
	*raw_value = s->entries[i].value.buf;
	return true;
}
