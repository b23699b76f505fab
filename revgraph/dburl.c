/*
 * SQLAlchemy-style database URLs (db.h): split exactly as SQLAlchemy 1.4's
 * make_url() does with its regular expression, decode and re-encode the parts
 * the way it does, and keep out dialects revgraph cannot run migrations on.
 * Where revgraph accepts more than SQLAlchemy (`postgres://`, any driver
 * name, any case of the dialect name) it says so below.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "pyrepr.h"
#include "revgraph/db.h"
#include "banned.h"

/* What Alembic prints instead of a password (alembic.util.obfuscate_url_pw). */
#define HIDDEN_PASSWORD "XXXXX"

/* One part of the URL as it is written: `p` is NULL when the part is absent. */
struct span {
	const char *p;
	size_t n;
};

/*
 * The groups of SQLAlchemy's URL pattern (engine/url.py, _parse_url):
 *
 *   (?P<name>[\w\+]+)://
 *   (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
 *   (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?
 *   (?:/(?P<database>[^\?]*))?
 *   (?:\?(?P<query>.*))?
 *
 * The pattern is not anchored at the end and every group after the name is
 * optional, so each group takes the first alternative that matches locally;
 * whatever is left over is ignored (SQLAlchemy does the same).
 */
struct parts {
	struct span name, user, password, host, port, database, query;
};

static bool is_word(char c)
{
	/* \w restricted to ASCII: a non-ASCII dialect name is unsupported anyway */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static struct span span_of(const char *p, size_t n)
{
	struct span s;

	s.p = p;
	s.n = n;
	return s;
}

/* Everything after "://". */
static void split_rest(struct parts *out, const char *rest)
{
	const char *p = rest;
	size_t u = strcspn(p, ":/");
	const char *at;

	/*
	 * user:password@ -- the password runs to the first '@' even across '/'
	 * and '?'; without a password the user name ends at the last '@' before
	 * the first ':' or '/'.
	 */
	if (p[u] == ':' && (at = strchr(p + u + 1, '@'))) {
		out->user = span_of(p, u);
		out->password = span_of(p + u + 1, (size_t)(at - (p + u + 1)));
		p = at + 1;
	} else {
		size_t k = u;

		while (k > 0 && p[k - 1] != '@')
			k--;
		if (k > 0) {
			out->user = span_of(p, k - 1);
			p += k;
		}
	}

	/* [ipv6host] (up to the last ']' before any '/' or '?') or ipv4host */
	if (*p == '[') {
		size_t end = 1 + strcspn(p + 1, "/?");
		size_t j = end;

		while (j > 2 && p[j - 1] != ']')
			j--;
		if (j > 2 && p[j - 1] == ']') {
			out->host = span_of(p + 1, j - 2);
			p += j;
			goto port;
		}
	}
	if (strcspn(p, "/:?") > 0) {
		out->host = span_of(p, strcspn(p, "/:?"));
		p += out->host.n;
	}
port:
	if (*p == ':') {
		out->port = span_of(p + 1, strcspn(p + 1, "/?"));
		p += 1 + out->port.n;
	}
	if (*p == '/') {
		out->database = span_of(p + 1, strcspn(p + 1, "?"));
		p += 1 + out->database.n;
	}
	/* '.' in the pattern stops at a newline */
	if (*p == '?')
		out->query = span_of(p + 1, strcspn(p + 1, "\n"));
}

/* false when the scheme does not match `[\w+]+://` */
static bool split_url(struct parts *out, const char *url)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	while (is_word(url[n]) || url[n] == '+')
		n++;
	if (!n || strncmp(url + n, "://", 3))
		return false;
	out->name = span_of(url, n);
	split_rest(out, url + n + 3);
	return true;
}

/*
 * `url` as written, with the password (if it can be found) replaced, for
 * error messages about URLs that could not be taken apart.
 */
static void add_masked(struct rg_str *out, const char *url)
{
	const char *sep = strstr(url, "://");
	struct parts parts;

	if (sep) {
		memset(&parts, 0, sizeof(parts));
		split_rest(&parts, sep + 3);
		if (parts.password.p && parts.password.n) {
			rg_str_add(out, url, (size_t)(parts.password.p - url));
			rg_str_adds(out, HIDDEN_PASSWORD);
			rg_str_adds(out, parts.password.p + parts.password.n);
			return;
		}
	}
	rg_str_adds(out, url);
}

/*
 * Append `s` (n bytes) decoded as UTF-8 the way Python's
 * bytes.decode("utf-8", "replace") does: each maximal invalid subpart
 * becomes one U+FFFD.
 */
static void add_utf8_replacing(struct rg_str *out, const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xBF;
		size_t need, k;

		if (c < 0x80) {
			rg_str_addch(out, (char)c);
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else {
			rg_str_adds(out, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		/* the second byte has a narrower range for some leads, the rest 80..BF */
		for (k = 1; k <= need && i + k < n; k++) {
			unsigned char b = s[i + k];

			if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
				break;
		}
		if (k > need) {
			rg_str_add(out, (const char *)s + i, need + 1);
			i += need + 1;
		} else {
			rg_str_adds(out, "\xEF\xBF\xBD");
			i += k;
		}
	}
}

/*
 * Python's urllib.parse.unquote(), or unquote_plus() when `plus`: runs of
 * ASCII characters are percent-decoded to bytes and those decoded as UTF-8
 * with replacement; other characters are kept as they are.  Sets *has_nul
 * when a "%00" was decoded (the caller must refuse: C strings cannot hold it).
 */
static void add_unquoted(struct rg_str *out, struct rg_str *tmp, struct span s, bool plus,
			 bool *has_nul)
{
	size_t i = 0;

	while (i < s.n) {
		if ((unsigned char)s.p[i] >= 0x80) {
			rg_str_addch(out, s.p[i++]);
			continue;
		}
		rg_str_reset(tmp);
		for (; i < s.n && (unsigned char)s.p[i] < 0x80; i++) {
			char c = s.p[i];

			if (c == '%' && i + 2 < s.n && rg_hexval(s.p[i + 1]) >= 0 &&
			    rg_hexval(s.p[i + 2]) >= 0) {
				c = (char)(rg_hexval(s.p[i + 1]) * 16 + rg_hexval(s.p[i + 2]));
				if (!c)
					*has_nul = true;
				i += 2;
			} else if (plus && c == '+') {
				c = ' ';
			}
			rg_str_addch(tmp, c);
		}
		if (tmp->failed) {
			out->failed = true;
			return;
		}
		add_utf8_replacing(out, (const unsigned char *)tmp->buf, tmp->len);
	}
}

struct decoder {
	struct rg_str tmp;
	const char *url;	/* for the error message */
};

/* A decoded copy of `s` in *out (NULL when `s` is absent).  0, RG_ENOMEM, RG_EINVALID. */
static int decode(char **out, struct decoder *d, struct span s, bool plus)
{
	struct rg_str buf = RG_STR_INIT;
	bool has_nul = false;
	int err;

	*out = NULL;
	if (!s.p)
		return 0;
	add_unquoted(&buf, &d->tmp, s, plus, &has_nul);
	if ((err = rg_str_check(&buf)))
		goto out;
	if (has_nul) {
		rg_str_reset(&buf);
		rg_str_adds(&buf, "database URL '");
		add_masked(&buf, d->url);
		rg_str_adds(&buf, "' contains an encoded NUL character (%00)");
		if (!(err = rg_str_check(&buf)))
			err = rg_error_set(RG_EINVALID, "%s", buf.buf);
		goto out;
	}
	if (!(*out = rg_str_detach(&buf)))
		err = RG_ENOMEM;
out:
	rg_str_release(&buf);
	return err;
}

static char *dup_span(struct span s)
{
	return rg_strndup(s.p, s.n);
}

static bool is_int_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

/*
 * The port as Python's int() reads it (ASCII only): blanks around, an
 * optional sign, digits with single '_' between them.  *out gets the
 * number in decimal without leading zeros, as SQLAlchemy keeps it.
 */
static int parse_port(char **out, struct span s, const char *url)
{
	struct rg_str num = RG_STR_INIT, msg = RG_STR_INIT;
	size_t i = 0, n = s.n, digits = 0;
	bool ok = true;
	int err = 0;

	*out = NULL;
	while (i < n && is_int_space(s.p[i]))
		i++;
	while (n > i && is_int_space(s.p[n - 1]))
		n--;
	if (i < n && (s.p[i] == '+' || s.p[i] == '-'))
		if (s.p[i++] == '-')
			rg_str_addch(&num, '-');
	for (; i < n; i++) {
		char c = s.p[i];

		if (c >= '0' && c <= '9') {
			digits++;
			if (num.len > (num.buf[0] == '-') || c != '0')
				rg_str_addch(&num, c);
		} else if (!(c == '_' && digits && i + 1 < n && s.p[i - 1] != '_' &&
			     s.p[i + 1] >= '0' && s.p[i + 1] <= '9')) {
			ok = false;
			break;
		}
	}
	if (!ok || !digits) {
		rg_str_adds(&msg, "invalid port '");
		rg_str_add(&msg, s.p, s.n);
		rg_str_adds(&msg, "' in database URL '");
		add_masked(&msg, url);
		rg_str_addch(&msg, '\'');
		if (!(err = rg_str_check(&msg)))
			err = rg_error_set(RG_EINVALID, "%s", msg.buf);
		goto out;
	}
	if ((err = rg_str_check(&num)))
		goto out;
	/* all zeros: "0", whatever the sign */
	if (num.len == (size_t)(num.buf[0] == '-')) {
		rg_str_reset(&num);
		rg_str_addch(&num, '0');
	}
	if (!(*out = rg_str_detach(&num)))
		err = RG_ENOMEM;
out:
	rg_str_release(&num);
	rg_str_release(&msg);
	return err;
}

/* Python's urllib.parse.parse_qsl(): '&'-separated, blank values dropped. */
static int parse_query(struct rg_dburl *u, struct decoder *d, struct span q)
{
	size_t i = 0;
	int err;

	while (i < q.n) {
		size_t len = 0, eq;
		char *key = NULL, *value = NULL;

		while (i + len < q.n && q.p[i + len] != '&')
			len++;
		for (eq = 0; eq < len && q.p[i + eq] != '='; eq++)
			;
		if (eq < len && eq + 1 < len) {
			if ((err = decode(&key, d, span_of(q.p + i, eq), true)) ||
			    (err = decode(&value, d, span_of(q.p + i + eq + 1, len - eq - 1), true))) {
				free(key);
				return err;
			}
			if ((err = rg_strlist_push_owned(&u->query_keys, key))) {
				free(value);
				return err;
			}
			if ((err = rg_strlist_push_owned(&u->query_values, value)))
				return err;
		}
		i += len + 1;
	}
	return 0;
}

static bool is_named(const char *s, const char *name)
{
	for (; *s && *name; s++, name++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;

		if (c != *name)
			return false;
	}
	return !*s && !*name;
}

static bool is_truthy(const char *s)
{
	return s && *s;
}

/*
 * Dialect checks: which backend, and the SQLite dialect's own check on its
 * URLs (SQLAlchemy's pysqlite create_connect_args: user, password, host and
 * port must all be empty/zero), which SQLAlchemy makes when the engine is
 * created and revgraph makes here, before `sqlite://file.db` could be taken
 * for an in-memory database.
 *
 * revgraph accepts more than SQLAlchemy 1.4 here, because it connects with
 * libsqlite3 and libpq whatever the driver: any driver name (SQLAlchemy
 * fails on one it cannot import), any case of the dialect name, and
 * `postgres`, which SQLAlchemy 1.4 no longer knows ("Can't load plugin:
 * sqlalchemy.dialects:postgres") but Heroku-style URLs and libpq use.  The
 * exception is pysqlcipher: its password is an encryption key that plain
 * libsqlite3 cannot use.
 */
static int check_dialect(struct rg_dburl *u)
{
	struct rg_str msg = RG_STR_INIT;
	int err;

	if (is_named(u->dialect_name, "sqlite")) {
		u->dialect = RG_DIALECT_SQLITE;
		if (u->driver && is_named(u->driver, "pysqlcipher")) {
			rg_str_adds(&msg, "revgraph cannot open SQLCipher-encrypted databases; '");
			rg_dburl_render(&msg, u, true);
			rg_str_adds(&msg, "' names one");
			goto fail;
		}
		if (is_truthy(u->user) || is_truthy(u->password) || is_truthy(u->host) ||
		    (u->port && strcmp(u->port, "0"))) {
			rg_str_adds(&msg, "Invalid SQLite URL: ");
			rg_dburl_render(&msg, u, true);
			if ((err = rg_str_check(&msg)))
				goto out;
			err = rg_error_set(RG_EINVALID, "%s", msg.buf);
			rg_error_set_detail("Valid SQLite URL forms are: sqlite:///:memory: (or, sqlite://), "
					    "sqlite:///relative/path/to/file.db, "
					    "sqlite:////absolute/path/to/file.db");
			goto out;
		}
		return 0;
	}
	if (is_named(u->dialect_name, "postgresql") || is_named(u->dialect_name, "postgres")) {
		u->dialect = RG_DIALECT_POSTGRESQL;
		return 0;
	}
	rg_str_adds(&msg, "revgraph runs migrations on SQLite and PostgreSQL only; '");
	rg_dburl_render(&msg, u, true);
	rg_str_addf(&msg, "' names a database of dialect '%s'", u->dialect_name);
fail:
	if ((err = rg_str_check(&msg)))
		goto out;
	err = rg_error_set(RG_EUNSUPPORTED, "%s", msg.buf);
out:
	rg_str_release(&msg);
	return err;
}

int rg_dburl_parse(struct rg_dburl *out, const char *url)
{
	struct decoder d = { RG_STR_INIT, url };
	struct parts parts;
	const char *plus;
	int err = 0;

	memset(out, 0, sizeof(*out));
	rg_strlist_init(&out->query_keys);
	rg_strlist_init(&out->query_values);
	if (!split_url(&parts, url)) {
		struct rg_str msg = RG_STR_INIT;

		rg_str_adds(&msg, "Could not parse SQLAlchemy URL from string '");
		add_masked(&msg, url);
		rg_str_addch(&msg, '\'');
		if (!(err = rg_str_check(&msg)))
			err = rg_error_set(RG_EINVALID, "%s", msg.buf);
		rg_str_release(&msg);
		return err;
	}

	/* the driver name follows the first '+' */
	plus = memchr(parts.name.p, '+', parts.name.n);
	if (plus) {
		if (!(out->dialect_name = rg_strndup(parts.name.p, (size_t)(plus - parts.name.p))) ||
		    !(out->driver = rg_strndup(plus + 1, parts.name.n - (size_t)(plus - parts.name.p) - 1)))
			goto oom;
	} else if (!(out->dialect_name = dup_span(parts.name))) {
		goto oom;
	}

	/* user and password are unquoted; host and database are taken as written */
	if (parts.port.p && (err = parse_port(&out->port, parts.port, url)))
		goto fail;
	if ((err = decode(&out->user, &d, parts.user, false)) ||
	    (err = decode(&out->password, &d, parts.password, false)))
		goto fail;
	if (parts.host.p && !(out->host = dup_span(parts.host)))
		goto oom;
	if (parts.database.p && !(out->database = dup_span(parts.database)))
		goto oom;
	if (parts.query.p && (err = parse_query(out, &d, parts.query)))
		goto fail;
	if ((err = check_dialect(out)))
		goto fail;
	rg_str_release(&d.tmp);
	return 0;
oom:
	err = RG_ENOMEM;
fail:
	rg_str_release(&d.tmp);
	rg_dburl_release(out);
	return err;
}

void rg_dburl_release(struct rg_dburl *u)
{
	if (!u)
		return;
	free(u->dialect_name);
	free(u->driver);
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->database);
	free(u->port);
	rg_strlist_release(&u->query_keys);
	rg_strlist_release(&u->query_values);
	u->dialect_name = u->driver = NULL;
	u->user = u->password = u->host = u->database = u->port = NULL;
}

/* SQLAlchemy's _sqla_url_quote(): only ':', '@' and '/' are escaped. */
static void add_userinfo_quoted(struct rg_str *out, const char *s)
{
	for (; *s; s++) {
		if (*s == ':' || *s == '@' || *s == '/')
			rg_str_addf(out, "%%%02X", (unsigned)(unsigned char)*s);
		else
			rg_str_addch(out, *s);
	}
}

/* Python's urllib.parse.quote_plus() on UTF-8 text. */
static void add_quote_plus(struct rg_str *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (is_word((char)c) || c == '.' || c == '-' || c == '~')
			rg_str_addch(out, (char)c);
		else if (c == ' ')
			rg_str_addch(out, '+');
		else
			rg_str_addf(out, "%%%02X", (unsigned)c);
	}
}

/*
 * The query as SQLAlchemy renders it: keys sorted (byte order of UTF-8 is
 * code point order, as Python sorts), each key's values in URL order.
 * Quadratic, but without allocating: URLs have a handful of parameters.
 */
static void add_query(struct rg_str *out, const struct rg_dburl *u)
{
	const char *last = NULL;
	bool first = true;

	for (;;) {
		const char *key = NULL;
		size_t i;

		for (i = 0; i < u->query_keys.n; i++) {
			const char *k = u->query_keys.items[i];

			if ((!last || strcmp(k, last) > 0) && (!key || strcmp(k, key) < 0))
				key = k;
		}
		if (!key)
			return;
		for (i = 0; i < u->query_keys.n; i++) {
			if (strcmp(u->query_keys.items[i], key))
				continue;
			rg_str_addch(out, first ? '?' : '&');
			first = false;
			add_quote_plus(out, key);
			rg_str_addch(out, '=');
			add_quote_plus(out, u->query_values.items[i]);
		}
		last = key;
	}
}

void rg_dburl_render(struct rg_str *out, const struct rg_dburl *u, bool hide_password)
{
	rg_str_adds(out, u->dialect_name);
	if (u->driver) {
		rg_str_addch(out, '+');
		rg_str_adds(out, u->driver);
	}
	rg_str_adds(out, "://");
	if (u->user) {
		add_userinfo_quoted(out, u->user);
		if (u->password) {
			rg_str_addch(out, ':');
			/* Alembic replaces only a non-empty password */
			if (hide_password && *u->password)
				rg_str_adds(out, HIDDEN_PASSWORD);
			else
				add_userinfo_quoted(out, u->password);
		}
		rg_str_addch(out, '@');
	}
	if (u->host) {
		if (strchr(u->host, ':'))
			rg_str_addf(out, "[%s]", u->host);
		else
			rg_str_adds(out, u->host);
	}
	if (u->port) {
		rg_str_addch(out, ':');
		rg_str_adds(out, u->port);
	}
	if (u->database) {
		rg_str_addch(out, '/');
		rg_str_adds(out, u->database);
	}
	add_query(out, u);
}
