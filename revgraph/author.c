/*
 * New revision files for `revision` and `merge` (author.h): Alembic's
 * checks and file names, its create date, and the file rendered from the
 * project's template (script.py.mako through template.c, or revgraph's
 * native script.yaml.tmpl / script.sql.tmpl) before anything is written.
 */
#include "revgraph/author.h"

#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wctype.h>

#include "alloc.h"
#include "fsutil.h"
#include "ini.h"
#include "pyheader.h"
#include "pyrepr.h"
#include "template.h"
#include "yamlrev.h"
#include "revgraph/resolve.h"
#include "banned.h"

/* ---- slug ---- */

/* Decode one UTF-8 code point at s (NUL-terminated); *n its length.  Bad bytes are taken alone. */
static uint32_t utf8_next(const unsigned char *s, size_t *n)
{
	uint32_t c = s[0];
	size_t len, i;

	if (c < 0x80) {
		*n = 1;
		return c;
	}
	len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
	if (!len) {
		*n = 1;
		return 0xfffd;
	}
	c &= 0x3f >> (len - 1);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*n = 1;
			return 0xfffd;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*n = len;
	return c;
}

/* Python's \w for one code point; non-ASCII through the C.UTF-8 character classes. */
static bool is_word(uint32_t c, locale_t loc)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
	if (c == 0xfffd)
		return false;
	return loc ? iswalnum_l((wint_t)c, loc) != 0 : true;
}

static uint32_t to_lower(uint32_t c, locale_t loc)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	return loc ? (uint32_t)towlower_l((wint_t)c, loc) : c;
}

int rg_author_slug(char **out, const char *message, int truncate)
{
	struct rg_str slug = RG_STR_INIT;
	const unsigned char *p = (const unsigned char *)(message ? message : "");
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	size_t n, n_cp = 0, cut = 0, last_us = (size_t)-1, i;
	bool in_word = false;

	*out = NULL;
	while (*p) {
		uint32_t c = utf8_next(p, &n);

		if (is_word(c, loc)) {
			if (!in_word && slug.len)
				rg_str_addch(&slug, '_');
			rg_str_add_utf8(&slug, to_lower(c, loc));
			in_word = true;
		} else {
			in_word = false;
		}
		p += n;
	}
	if (loc)
		freelocale(loc);
	if (rg_str_check(&slug))
		return RG_ENOMEM;
	/* count code points; cut at `truncate` of them, back to the last '_' */
	for (i = 0; i < slug.len; i += n, n_cp++) {
		utf8_next((const unsigned char *)slug.buf + i, &n);
		if (n_cp == (size_t)truncate)
			cut = i;
	}
	if (truncate > 0 && n_cp > (size_t)truncate) {
		for (i = 0; i < cut; i++)
			if (slug.buf[i] == '_')
				last_us = i;
		rg_str_setlen(&slug, last_us == (size_t)-1 ? cut : last_us);
		rg_str_addch(&slug, '_');
	}
	if (rg_str_check(&slug))
		return RG_ENOMEM;
	*out = rg_str_detach(&slug);
	return *out ? 0 : RG_ENOMEM;
}

/* ---- create date ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static bool is_tzif(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	bool ok;

	if (!rg_fs_exists(path) || rg_fs_is_dir(path) || rg_fs_read(&data, &len, path))
		return false;
	ok = len >= 4 && !memcmp(data, "TZif", 4);
	free(data);
	return ok;
}

/* dateutil's tz.gettz(name) as far as files go: the zoneinfo file, newly allocated, or NULL. */
static char *find_zone(const char *name)
{
	static const char *const dirs[] = { "/usr/share/zoneinfo", "/usr/lib/zoneinfo",
					    "/usr/share/lib/zoneinfo", "/etc/zoneinfo" };
	size_t i;

	if (name[0] == ':')
		name++;
	if (!*name || strstr(name, ".."))
		return NULL;
	if (name[0] == '/')
		return is_tzif(name) ? rg_strdup(name) : NULL;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *path = rg_fs_join(dirs[i], name), *q;

		if (!path)
			return NULL;
		if (is_tzif(path))
			return path;
		for (q = path + strlen(dirs[i]); *q; q++)
			if (*q == ' ')
				*q = '_';
		if (is_tzif(path))
			return path;
		free(path);
	}
	return NULL;
}

/* localtime_r() in the zone of the file `zone` (TZ switched and restored). */
static int zone_localtime(struct tm *tm, time_t t, const char *zone)
{
	const char *old_env = getenv("TZ");
	char *old = old_env ? rg_strdup(old_env) : NULL, *tz = NULL;
	struct rg_str s = RG_STR_INIT;
	bool ok;

	if (old_env && !old)
		return RG_ENOMEM;
	rg_str_addf(&s, ":%s", zone);
	if (rg_str_check(&s)) {
		free(old);
		return RG_ENOMEM;
	}
	tz = rg_str_detach(&s);
	ok = !setenv("TZ", tz, 1);
	tzset();
	ok = ok && localtime_r(&t, tm);
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	free(tz);
	return ok ? 0 : rg_error_set(RG_EINVALID, "cannot compute the time in '%s'", zone);
}

int rg_author_date(struct rg_author_date *out, const char *timezone, const struct timespec *now)
{
	struct timespec ts;
	struct tm tm;
	char *zone = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (now)
		ts = *now;
	else if (clock_gettime(CLOCK_REALTIME, &ts))
		return rg_error_set(RG_EIO, "cannot read the clock: %s", strerror(errno));
	if (timezone) {
		/* dateutil: an empty name is the local zone, still an aware date */
		if (!*timezone) {
			const char *env = getenv("TZ");

			if (env && *env)
				zone = find_zone(env);
			if (!zone && rg_fs_exists("/etc/localtime"))
				zone = rg_strdup("/etc/localtime");
		} else if (!(zone = find_zone(timezone))) {
			struct rg_str up = RG_STR_INIT;
			const char *p;

			for (p = timezone; *p; p++)
				rg_str_addch(&up, (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p);
			if (rg_str_check(&up))
				return RG_ENOMEM;
			zone = find_zone(up.buf);
			rg_str_release(&up);
		}
		if (!zone && (!strcmp(timezone, "UTC") || !strcmp(timezone, "GMT") ||
			      !rg_strcasecmp_ascii(timezone, "utc") || !rg_strcasecmp_ascii(timezone, "gmt") ||
			      !*timezone)) {
			/* dateutil's built-in UTC */
			if (!gmtime_r(&ts.tv_sec, &tm))
				return rg_error_set(RG_EINVALID, "cannot compute the time");
			out->aware = true;
			goto fields;
		}
		if (!zone)
			return rg_error_set(RG_EINVALID, "Can't locate timezone: %s", timezone);
		err = zone_localtime(&tm, ts.tv_sec, zone);
		free(zone);
		if (err)
			return err;
		out->aware = true;
	} else if (tzset(), !localtime_r(&ts.tv_sec, &tm)) {
		return rg_error_set(RG_EINVALID, "cannot compute the local time");
	}
fields:
	out->epoch = (long long)ts.tv_sec;
	out->year = tm.tm_year + 1900;
	out->month = tm.tm_mon + 1;
	out->day = tm.tm_mday;
	out->hour = tm.tm_hour;
	out->minute = tm.tm_min;
	out->second = tm.tm_sec;
	out->usec = (int)(ts.tv_nsec / 1000);
	out->offset = (long)(days_from_civil(out->year, (unsigned)out->month, (unsigned)out->day) * 86400 +
			     out->hour * 3600 + out->minute * 60 + out->second - out->epoch);
	{
		struct rg_str s = RG_STR_INIT;

		rg_str_addf(&s, "%04d-%02d-%02d %02d:%02d:%02d", out->year, out->month, out->day,
			    out->hour, out->minute, out->second);
		if (out->usec)
			rg_str_addf(&s, ".%06d", out->usec);
		if (out->aware) {
			long off = out->offset < 0 ? -out->offset : out->offset;

			rg_str_addf(&s, "%c%02ld:%02ld", out->offset < 0 ? '-' : '+', off / 3600,
				    off / 60 % 60);
			if (off % 60)
				rg_str_addf(&s, ":%02ld", off % 60);
		}
		if (rg_str_check(&s))
			return RG_ENOMEM;
		if (s.len < sizeof(out->text))
			memcpy(out->text, s.buf, s.len + 1);
		rg_str_release(&s);
	}
	return 0;
}

/* ---- file names ---- */

/* Append `s` as Python's '%<flags><width>.<prec>s' would, counting code points. */
static void add_padded(struct rg_str *out, const char *s, bool left, long width, long prec)
{
	size_t n = 0, i = 0, cp = 0;
	long pad;

	for (i = 0; s[i]; i += n, cp++) {
		if (prec >= 0 && (long)cp == prec)
			break;
		utf8_next((const unsigned char *)s + i, &n);
	}
	pad = width - (long)cp;
	if (!left && pad > 0)
		rg_str_addchars(out, ' ', (size_t)pad);
	rg_str_add(out, s, i);
	if (left && pad > 0)
		rg_str_addchars(out, ' ', (size_t)pad);
}

int rg_author_file_name(struct rg_str *out, const char *tmpl, const char *rev, const char *slug,
			const struct rg_author_date *date)
{
	const char *p = tmpl;

	while (*p) {
		const char *start = p, *key;
		char flags[8], conv;
		size_t klen, nf = 0;
		long width = -1, prec = -1, ival = 0;
		const char *sval = NULL;
		bool left = false;

		if (*p != '%') {
			rg_str_addch(out, *p++);
			continue;
		}
		if (p[1] == '%') {
			rg_str_addch(out, '%');
			p += 2;
			continue;
		}
		if (p[1] != '(')
			return rg_error_set(RG_EINVALID,
					    "file_template '%s': every '%%' must be followed by '%%' or a (token)",
					    tmpl);
		key = p + 2;
		p = strchr(key, ')');
		if (!p)
			return rg_error_set(RG_EINVALID, "file_template '%s': '%%(' without ')'", tmpl);
		klen = (size_t)(p - key);
		p++;
		while (*p && strchr("-+ #0", *p)) {
			if (*p == '-')
				left = true;
			if (nf + 1 < sizeof(flags) && !memchr(flags, *p, nf))
				flags[nf++] = *p;
			p++;
		}
		flags[nf] = '\0';
		if (*p >= '0' && *p <= '9')
			for (width = 0; *p >= '0' && *p <= '9' && width < 1000; p++)
				width = width * 10 + (*p - '0');
		if (*p == '.')
			for (p++, prec = 0; *p >= '0' && *p <= '9' && prec < 1000; p++)
				prec = prec * 10 + (*p - '0');
		while (*p == 'h' || *p == 'l' || *p == 'L')
			p++;
		conv = *p;
		if (!conv || !strchr("sradiuoxXeEfFgGc", conv))
			return rg_error_set(RG_EINVALID,
					    "file_template '%s': unsupported format character '%c' in '%.*s'",
					    tmpl, conv ? conv : '?', (int)(p - start + (conv ? 1 : 0)), start);
		p++;
		if (klen == 3 && !memcmp(key, "rev", 3))
			sval = rev;
		else if (klen == 4 && !memcmp(key, "slug", 4))
			sval = slug;
#define INT_TOKEN(name, value)                                               \
	else if (klen == sizeof(name) - 1 && !memcmp(key, name, klen)) \
		ival = (long)(value)
		INT_TOKEN("epoch", date->epoch);
		INT_TOKEN("year", date->year);
		INT_TOKEN("month", date->month);
		INT_TOKEN("day", date->day);
		INT_TOKEN("hour", date->hour);
		INT_TOKEN("minute", date->minute);
		INT_TOKEN("second", date->second);
#undef INT_TOKEN
		else
			return rg_error_set(RG_EINVALID,
					    "file_template '%s': unknown token '%.*s' (known: rev, slug, epoch, "
					    "year, month, day, hour, minute, second)", tmpl, (int)klen, key);
		if (sval) {
			if (conv == 'r' || conv == 'a') {
				char *r = rg_py_repr(sval);

				if (!r)
					return RG_ENOMEM;
				add_padded(out, r, left, width, prec);
				free(r);
			} else if (conv == 's') {
				add_padded(out, sval, left, width, prec);
			} else {
				return rg_error_set(RG_EINVALID,
						    "file_template '%s': %%%c format needs a number, but '%.*s' "
						    "is text", tmpl, conv, (int)klen, key);
			}
			continue;
		}
		if (conv == 's' || conv == 'r' || conv == 'a') {
			char num[32];

			snprintf(num, sizeof(num), "%ld", ival);
			add_padded(out, num, left, width, prec);
			continue;
		}
		if (conv == 'c') {
			rg_str_add_utf8(out, (uint32_t)ival);
			continue;
		}
		{
			/* the C conversion of the same spec: flags, width and precision are C's too */
			struct rg_str f = RG_STR_INIT;
			bool real = strchr("eEfFgG", conv) != NULL;

			rg_str_addf(&f, "%%%s", flags);
			if (width >= 0)
				rg_str_addf(&f, "%ld", width);
			if (prec >= 0)
				rg_str_addf(&f, ".%ld", prec);
			if (!real)
				rg_str_addch(&f, 'l');
			rg_str_addch(&f, conv == 'i' || conv == 'u' ? 'd' : conv);
			if (rg_str_check(&f))
				return RG_ENOMEM;
			if (real)
				rg_str_addf(out, f.buf, (double)ival);
			else
				rg_str_addf(out, f.buf, ival);
			rg_str_release(&f);
		}
	}
	return rg_str_check(out);
}

/* ---- ids ---- */

int rg_author_new_id(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[6];
	size_t got = 0, i;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rg_error_set(RG_EIO, "cannot read random bytes: %s", strerror(errno));
		got += (size_t)n;
	}
	for (i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[12] = '\0';
	return 0;
}

/* ---- native templates ---- */

void rg_author_yaml_scalar(struct rg_str *out, const char *s)
{
	const unsigned char *p;
	bool plain_quotes = true;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			plain_quotes = false;
	if (plain_quotes) {
		rg_str_addch(out, '\'');
		for (p = (const unsigned char *)s; *p; p++) {
			if (*p == '\'')
				rg_str_addch(out, '\'');
			rg_str_addch(out, (char)*p);
		}
		rg_str_addch(out, '\'');
		return;
	}
	rg_py_quoted_add(out, s, '"');
}

int rg_author_render_native(struct rg_str *out, const char *path, const char *text, size_t len,
			    const char *const *names, const char *const *values, size_t n)
{
	const char *p = text, *end = text + len;
	size_t line = 1, i;

	while (p < end) {
		const char *close, *nl;

		if (*p == '\n')
			line++;
		if (*p != '$') {
			rg_str_addch(out, *p++);
			continue;
		}
		if (p + 2 < end && p[1] == '$' && p[2] == '{') {
			rg_str_adds(out, "${");
			p += 3;
			continue;
		}
		if (p + 1 >= end || p[1] != '{') {
			rg_str_addch(out, *p++);
			continue;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		close = memchr(p, '}', (size_t)((nl ? nl : end) - p));
		if (!close)
			return rg_error_set(RG_EINVALID, "%s:%zu: '${' without a closing '}'", path, line);
		for (i = 0; i < n; i++)
			if ((size_t)(close - p - 2) == strlen(names[i]) &&
			    !memcmp(p + 2, names[i], strlen(names[i])))
				break;
		if (i == n) {
			struct rg_str known = RG_STR_INIT;
			size_t k;

			for (k = 0; k < n; k++)
				rg_str_addf(&known, "%s${%s}", k ? ", " : "", names[k]);
			rg_error_set(RG_EINVALID, "%s:%zu: unknown variable '%.*s' (a revision template knows %s)",
				     path, line, (int)(close - p + 1), p, known.buf);
			rg_str_release(&known);
			return RG_EINVALID;
		}
		rg_str_adds(out, values[i]);
		p = close + 1;
	}
	return rg_str_check(out);
}

/* ---- the plan ---- */

void rg_author_plan_release(struct rg_author_plan *plan)
{
	if (!plan)
		return;
	free(plan->rev_id);
	free(plan->path);
	free(plan->mkdir);
	free(plan->content);
	free(plan->branch_label);
	memset(plan, 0, sizeof(*plan));
}

static const char *node_id(const struct rg_revmap *map, size_t i)
{
	return rg_revmap_node(map, i)->rev->id;
}

/* The heads of the new revision, Alembic's get_revisions() of each argument. */
static int resolve_heads(struct rg_idx_list *heads, const struct rg_revmap *map,
			 const struct rg_author_opts *opts)
{
	static const char *const dflt[] = { "head" };
	const char *const *args = opts->n_heads ? opts->heads : dflt;
	size_t n = opts->n_heads ? opts->n_heads : 1, i, j;
	struct rg_idx_list one = { 0 };
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		err = rg_resolve(&one, map, args[i]);
		if (err == RG_EMULTIHEAD)
			err = rg_error_set(RG_EMULTIHEAD,
					   "Multiple heads are present; please specify the head revision on "
					   "which the new revision should be based, or perform a merge.");
		for (j = 0; !err && j < one.n; j++)
			err = rg_idx_list_push(heads, one.items[j]);
	}
	rg_idx_list_release(&one);
	return err;
}

/* Does revision i have exactly the parents `set` (in any order)? */
static bool same_parents(const struct rg_node *node, const struct rg_idx_list *set)
{
	size_t i;

	if (node->down.n != set->n)
		return false;
	for (i = 0; i < set->n; i++)
		if (!rg_idx_list_has(&node->down, set->items[i]))
			return false;
	return true;
}

static void add_comma_ids(struct rg_str *s, const struct rg_revmap *map, const struct rg_idx_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		rg_str_addf(s, "%s%s", i ? ", " : "", node_id(map, l->items[i]));
}

/* revgraph's own check for `merge heads`: no second merge over an already merged parent set. */
static int check_remerge(const struct rg_revmap *map, const struct rg_idx_list *heads)
{
	struct rg_str s = RG_STR_INIT;
	size_t i, j, n = rg_revmap_count(map);

	if (heads->n > 1)
		for (i = 0; i < n; i++)
			if (same_parents(rg_revmap_node(map, i), heads)) {
				add_comma_ids(&s, map, heads);
				rg_error_set(RG_EINVALID, "Revision %s already merges %s", node_id(map, i),
					     s.buf);
				rg_str_release(&s);
				return RG_EINVALID;
			}
	for (i = 0; i < heads->n; i++) {
		const struct rg_node *a = rg_revmap_node(map, heads->items[i]);

		if (a->down.n < 2)
			continue;
		for (j = 0; j < n; j++) {
			const struct rg_node *b = rg_revmap_node(map, j);

			if (b == a || !same_parents(b, &a->down))
				continue;
			add_comma_ids(&s, map, &a->down);
			rg_error_set(RG_EINVALID,
				     "Revision %s merges %s, which revision %s already merges; remove one of "
				     "the two (%s or %s) instead of merging them", a->rev->id, s.buf,
				     b->rev->id, a->rev->path, b->rev->path);
			rg_str_release(&s);
			return RG_EINVALID;
		}
	}
	return 0;
}

/* A YAML flow list of the strings, or `none` when empty. */
static void yaml_list(struct rg_str *s, const char *const *items, size_t n, const char *none)
{
	size_t i;

	if (!n) {
		rg_str_adds(s, none);
		return;
	}
	rg_str_addch(s, '[');
	for (i = 0; i < n; i++) {
		if (i)
			rg_str_adds(s, ", ");
		rg_author_yaml_scalar(s, items[i]);
	}
	rg_str_addch(s, ']');
}

struct main_options {
	struct rg_ini *ini;
	const char *section;
};

static const char *get_main_option(void *ud, const char *key)
{
	struct main_options *mo = ud;
	const char *v = NULL;

	if (!mo->ini || rg_ini_get(&v, mo->ini, mo->section, key))
		return NULL;
	return v;
}

static int render(struct rg_author_plan *out, const struct rg_config *cfg, const char *tmpl_path,
		  const char *message, const char *const *down, size_t n_down,
		  const char *const *deps, size_t n_deps, const char *date, bool merge)
{
	char *text = NULL;
	size_t len = 0;
	struct rg_str s = RG_STR_INIT;
	int err;

	if ((err = rg_fs_read(&text, &len, tmpl_path)))
		return err;
	if (out->format == RG_AUTHOR_PY) {
		struct rg_mako_vars v;
		struct main_options mo = { NULL, cfg->section };
		const char *label = out->branch_label;

		memset(&v, 0, sizeof(v));
		v.up_revision = out->rev_id;
		if (n_down == 1) {
			v.down_revision.kind = RG_PYVAL_STR;
			v.down_revision.str = down[0];
		} else if (n_down > 1) {
			v.down_revision.kind = RG_PYVAL_TUPLE;
			v.down_revision.items = down;
			v.down_revision.n = n_down;
		}
		if (label) {
			v.branch_labels.kind = RG_PYVAL_TUPLE;
			v.branch_labels.items = (const char *const *)&out->branch_label;
			v.branch_labels.n = 1;
		}
		if (n_deps == 1) {
			v.depends_on.kind = RG_PYVAL_STR;
			v.depends_on.str = deps[0];
		} else if (n_deps > 1) {
			v.depends_on.kind = RG_PYVAL_LIST;
			v.depends_on.items = deps;
			v.depends_on.n = n_deps;
		}
		v.message = message;
		v.create_date = date;
		if (!merge && cfg->file) {
			/* templates may read the ini (multidb: "databases"); merge gets no Config in 1.8.1 */
			(void)rg_ini_load(&mo.ini, cfg->file, cfg->here);
			v.get_main_option = get_main_option;
			v.ud = &mo;
		}
		err = rg_mako_render(tmpl_path, text, len, &v, &s) ? (rg_error_code() ? rg_error_code() : RG_EINVALID) : 0;
		rg_ini_free(mo.ini);
	} else {
		static const char *const names[] = { "revision", "down_revision", "branch_labels",
						     "depends_on", "message", "create_date" };
		struct rg_str vals[6] = { RG_STR_INIT, RG_STR_INIT, RG_STR_INIT, RG_STR_INIT, RG_STR_INIT,
					  RG_STR_INIT };
		const char *values[6];
		size_t i;

		rg_author_yaml_scalar(&vals[0], out->rev_id);
		if (n_down == 1)
			rg_author_yaml_scalar(&vals[1], down[0]);
		else
			yaml_list(&vals[1], down, n_down, "null");
		yaml_list(&vals[2], (const char *const *)&out->branch_label, out->branch_label ? 1 : 0, "[]");
		yaml_list(&vals[3], deps, n_deps, "[]");
		rg_author_yaml_scalar(&vals[4], message);
		rg_str_adds(&vals[5], date);
		for (i = 0; i < 6; i++)
			values[i] = vals[i].buf;
		err = 0;
		for (i = 0; i < 6 && !err; i++)
			err = rg_str_check(&vals[i]);
		if (!err)
			err = rg_author_render_native(&s, tmpl_path, text, len, names, values, 6);
		for (i = 0; i < 6; i++)
			rg_str_release(&vals[i]);
	}
	free(text);
	if (!err && !rg_str_check(&s)) {
		out->len = s.len;
		out->content = rg_str_detach(&s);
	}
	rg_str_release(&s);
	return err ? err : (out->content ? 0 : RG_ENOMEM);
}

int rg_author_plan(struct rg_author_plan *out, const struct rg_config *cfg,
		   const struct rg_revmap *map, const struct rg_author_opts *opts)
{
	struct rg_idx_list heads = { 0 };
	struct rg_strlist down = RG_STRLIST_INIT, deps = RG_STRLIST_INIT;
	struct rg_author_date date;
	struct rg_str name = RG_STR_INIT;
	char *version_path = NULL, *norm = NULL, *slug = NULL, *tmpl = NULL, *dir_abs = NULL;
	const char *ext;
	char bad[16];
	size_t i, j, other;
	int err = 0;

	memset(out, 0, sizeof(*out));
	/* the id: Alembic checks it before anything else */
	if (opts->rev_id && *opts->rev_id) {
		if (!rg_revision_id_ok(opts->rev_id, bad, sizeof(bad))) {
			err = rg_error_set(RG_EINVALID, "Character(s) '%s' not allowed in revision identifier '%s'",
					   bad, opts->rev_id);
			goto out;
		}
		if (!(out->rev_id = rg_strdup(opts->rev_id))) {
			err = RG_ENOMEM;
			goto out;
		}
	} else {
		char id[13];

		do {
			if ((err = rg_author_new_id(id)))
				goto out;
		} while (rg_revmap_find_id(map, id, &other) || rg_revmap_find_label(map, id, &other));
		if (!(out->rev_id = rg_strdup(id))) {
			err = RG_ENOMEM;
			goto out;
		}
	}
	if ((err = resolve_heads(&heads, map, opts)))
		goto out;
	for (i = 0; i < heads.n; i++)
		for (j = i + 1; j < heads.n; j++)
			if (heads.items[i] == heads.items[j]) {
				err = rg_error_set(RG_EINVALID, "Duplicate head revisions specified");
				goto out;
			}
	if ((err = rg_author_date(&date, cfg->timezone, opts->now)))
		goto out;

	/* the version location */
	if (opts->version_path) {
		version_path = rg_strdup(opts->version_path);
	} else if (cfg->version_locations.n > 1) {
		if (!heads.n) {
			err = rg_error_set(RG_EINVALID,
					   "Multiple version locations present, please specify --version-path");
			goto out;
		}
		version_path = rg_fs_dirname(rg_revmap_node(map, heads.items[0])->rev->path);
	} else {
		version_path = rg_strdup(cfg->version_locations.items[0]);
	}
	if (!version_path || !(norm = rg_fs_abspath(version_path))) {
		err = RG_ENOMEM;
		goto out;
	}
	for (i = 0; i < cfg->version_locations.n; i++) {
		char *loc = rg_fs_normpath(cfg->version_locations.items[i]);
		bool same;

		if (!loc) {
			err = RG_ENOMEM;
			goto out;
		}
		same = !strcmp(loc, norm);
		/* recursive_version_locations: a head's subdirectory is part of its location */
		if (cfg->recursive && !opts->version_path && !strncmp(loc, norm, strlen(loc)) &&
		    norm[strlen(loc)] == '/')
			same = true;
		free(loc);
		if (same)
			break;
	}
	if (i == cfg->version_locations.n) {
		err = rg_error_set(RG_EINVALID, "Path %s is not represented in current version locations",
				   version_path);
		goto out;
	}
	if (cfg->version_locations_set && !rg_fs_is_dir(norm) && !(out->mkdir = rg_strdup(norm))) {
		err = RG_ENOMEM;
		goto out;
	}

	if (!opts->splice)
		for (i = 0; i < heads.n; i++)
			if (!rg_node_is_head(rg_revmap_node(map, heads.items[i]))) {
				err = rg_error_set(RG_EINVALID,
						   "Revision %s is not a head revision; please specify --splice "
						   "to create a new branch from this revision",
						   node_id(map, heads.items[i]));
				goto out;
			}
	for (i = 0; i < opts->n_depends_on; i++) {
		const char *dep = opts->depends_on[i];
		bool found;
		size_t idx;

		if ((err = rg_resolve_one(&idx, &found, map, dep)))
			goto out;
		if (!found) {
			err = rg_error_set(RG_EINVALID, "--depends-on '%s' does not name a revision", dep);
			goto out;
		}
		/* a branch label is kept as given, anything else becomes the full id */
		err = rg_strlist_push(&deps, rg_node_has_label(rg_revmap_node(map, idx), dep) ? dep
											: node_id(map, idx));
		if (err)
			goto out;
	}

	/* revgraph's own checks: nothing that would break the map is written */
	if (rg_revmap_find_id(map, out->rev_id, &other)) {
		err = rg_error_set(RG_EINVALID, "Revision %s is already present (%s); choose another --rev-id",
				   out->rev_id, rg_revmap_node(map, other)->rev->path);
		goto out;
	}
	if (rg_revmap_find_label(map, out->rev_id, &other)) {
		err = rg_error_set(RG_EINVALID, "Revision id '%s' is already a branch label of revision %s",
				   out->rev_id, node_id(map, other));
		goto out;
	}
	if (opts->branch_label) {
		if (rg_revmap_find_label(map, opts->branch_label, &other) ||
		    rg_revmap_find_id(map, opts->branch_label, &other)) {
			err = rg_error_set(RG_EINVALID, "Branch name '%s' in revision %s already used by revision %s",
					   opts->branch_label, out->rev_id, node_id(map, other));
			goto out;
		}
		if (!strcmp(opts->branch_label, out->rev_id)) {
			err = rg_error_set(RG_EINVALID, "Branch name '%s' in revision %s already used by revision %s",
					   opts->branch_label, out->rev_id, out->rev_id);
			goto out;
		}
		if (!(out->branch_label = rg_strdup(opts->branch_label))) {
			err = RG_ENOMEM;
			goto out;
		}
	}
	if (opts->merge)
		for (i = 0; i < opts->n_heads; i++)
			if (!strcmp(opts->heads[i], "heads")) {
				if ((err = check_remerge(map, &heads)))
					goto out;
				break;
			}

	/* revgraph writes UTF-8 only; Alembic encodes the file as output_encoding says */
	if (cfg->output_encoding && rg_strcasecmp_ascii(cfg->output_encoding, "utf-8") &&
	    rg_strcasecmp_ascii(cfg->output_encoding, "utf8") &&
	    rg_strcasecmp_ascii(cfg->output_encoding, "utf_8")) {
		err = rg_error_set(RG_EUNSUPPORTED,
				   "output_encoding '%s' is not supported: revgraph writes revision files in utf-8",
				   cfg->output_encoding);
		goto out;
	}

	/* the template decides the format */
	{
		static const char *const tnames[] = { RG_TEMPLATE_PY, RG_TEMPLATE_YAML, RG_TEMPLATE_SQL };
		static const char *const exts[] = { ".py", ".yaml", ".sql" };

		for (i = 0; i < 3; i++) {
			free(tmpl);
			if (!(tmpl = rg_fs_join(cfg->script_location, tnames[i]))) {
				err = RG_ENOMEM;
				goto out;
			}
			if (rg_fs_exists(tmpl))
				break;
		}
		if (i == 3) {
			err = rg_error_set(RG_ENOTFOUND,
					   "no revision template in %s: it needs %s (Alembic), %s or %s (revgraph)",
					   cfg->script_location, RG_TEMPLATE_PY, RG_TEMPLATE_YAML, RG_TEMPLATE_SQL);
			goto out;
		}
		out->format = (enum rg_author_format)i;
		ext = exts[i];
	}

	/* the file name */
	if ((err = rg_author_slug(&slug, opts->message, cfg->truncate_slug_length)) ||
	    (err = rg_author_file_name(&name, cfg->file_template, out->rev_id, slug, &date)))
		goto out;
	rg_str_adds(&name, ext);
	if ((err = rg_str_check(&name)))
		goto out;
	if (!(out->path = rg_fs_join(norm, name.buf))) {
		err = RG_ENOMEM;
		goto out;
	}
	if (rg_fs_exists(out->path)) {
		err = rg_error_set(RG_EINVALID,
				   "File %s already exists; file_template '%s' makes the same name twice",
				   out->path, cfg->file_template);
		goto out;
	}
	if (!out->mkdir) {
		dir_abs = rg_fs_dirname(out->path);
		if (dir_abs && !rg_fs_is_dir(dir_abs)) {
			err = rg_error_set(RG_ENOTFOUND, "cannot write '%s': directory '%s' does not exist",
					   out->path, dir_abs);
			goto out;
		}
	}

	for (i = 0; i < heads.n; i++)
		if ((err = rg_strlist_push(&down, node_id(map, heads.items[i]))))
			goto out;
	err = render(out, cfg, tmpl, opts->message ? opts->message : "empty message",
		     (const char *const *)down.items, down.n, (const char *const *)deps.items, deps.n,
		     date.text, opts->merge);
out:
	if (err) {
		/* the error slot holds the message; keep it through the release */
		rg_author_plan_release(out);
	}
	rg_idx_list_release(&heads);
	rg_strlist_release(&down);
	rg_strlist_release(&deps);
	rg_str_release(&name);
	free(version_path);
	free(norm);
	free(slug);
	free(tmpl);
	free(dir_abs);
	return err;
}

int rg_author_mkdir(const struct rg_author_plan *plan)
{
	char *p;
	size_t i, n;
	int err = 0;

	if (!plan->mkdir)
		return 0;
	if (!(p = rg_strdup(plan->mkdir)))
		return RG_ENOMEM;
	n = strlen(p);
	for (i = 1; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0777) && (errno != EEXIST || !rg_fs_is_dir(p))) {
			err = rg_error_set(RG_EIO, "cannot create directory '%s': %s", plan->mkdir,
					   strerror(errno == EEXIST ? ENOTDIR : errno));
			break;
		}
		if (i < n)
			p[i] = '/';
	}
	free(p);
	return err;
}

int rg_author_write(const struct rg_author_plan *plan)
{
	return rg_fs_write_new(plan->path, plan->content, plan->len, 0);
}

int rg_author_verify(const struct rg_author_plan *plan, const struct rg_config *cfg)
{
	struct rg_revision *rev = NULL;
	int err;

	if (!(rev = rg_revision_new()))
		return RG_ENOMEM;
	switch (plan->format) {
	case RG_AUTHOR_PY:
		err = rg_pyheader_parse(rev, plan->path, plan->content, plan->len, &cfg->const_names,
					&cfg->const_values, NULL);
		break;
	case RG_AUTHOR_YAML:
		err = rg_yamlrev_parse(rev, plan->path, plan->content, plan->len);
		break;
	default:
		err = rg_sqlrev_parse(rev, plan->path, plan->content, plan->len);
		break;
	}
	if (!err && plan->branch_label && !rev->labels.n)
		err = rg_error_set(RG_EINVALID,
				   "Version %s specified branch_labels %s, however the migration file %s does "
				   "not have them; have you upgraded your script.py.mako to include the "
				   "'branch_labels' section?", rev->id ? rev->id : plan->rev_id,
				   plan->branch_label, plan->path);
	rg_revision_free(rev);
	return err;
}
