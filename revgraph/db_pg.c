/*
 * The PostgreSQL backend (libpq).  The URL becomes libpq keywords the way
 * SQLAlchemy's psycopg2 dialect passes it on, so that a URL reaches the same
 * server, database and role under revgraph as under Alembic.
 *
 * The migration lock is a session-level advisory lock, so it lasts across
 * the run's transactions and dies with the connection.  Its bigint key is the
 * 64-bit FNV-1a hash of the lock key's bytes, read as a two's-complement
 * signed number; pg_locks shows it as classid = high 32 bits, objid = low 32
 * bits, objsubid = 1.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dlfcn.h>
#include <pthread.h>

#include <libpq-fe.h>

#include "alloc.h"
#include "db_impl.h"
#include "banned.h"

/*
 * libpq is loaded when the first PostgreSQL connection is opened, not when
 * revgraph starts: linking it pulls in some twenty libraries (TLS, Kerberos,
 * LDAP) whose loading cost ~4 ms on every command, most of which never
 * touch PostgreSQL.  The header still declares every function; each call
 * goes through pq.<name>, a pointer of the declared type (__typeof__, which
 * GCC and Clang accept in C11 mode).
 */
#define PQ_FUNCTIONS(X) \
	X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdbParams) X(PQerrorMessage) \
	X(PQexec) X(PQexecParams) X(PQfinish) X(PQfreemem) X(PQgetCopyData) X(PQgetResult) \
	X(PQgetisnull) X(PQgetvalue) X(PQnfields) X(PQntuples) X(PQputCopyEnd) \
	X(PQresultErrorField) X(PQresultStatus) X(PQsetNoticeProcessor) X(PQstatus) \
	X(PQtransactionStatus)

#define PQ_POINTER(name) __typeof__(name) *name;
static struct {
	PQ_FUNCTIONS(PQ_POINTER)
} pq;
#undef PQ_POINTER

#define LIBPQ_SONAME "libpq.so.5"

static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_failure[256];	/* empty: loaded */

static void load_libpq(void)
{
	void *lib = dlopen(LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (!lib) {
		snprintf(pq_failure, sizeof(pq_failure), "%s", dlerror());
		return;
	}
	/* POSIX guarantees a data pointer from dlsym() converts to a function pointer */
#define PQ_LOAD(name) \
	if (!missing && !(*(void **)&pq.name = dlsym(lib, #name))) \
		missing = #name;
	PQ_FUNCTIONS(PQ_LOAD)
#undef PQ_LOAD
	if (missing) {
		snprintf(pq_failure, sizeof(pq_failure), "%s has no %s", LIBPQ_SONAME, missing);
		dlclose(lib);
	}
}

static int need_libpq(void)
{
	pthread_once(&pq_once, load_libpq);
	if (*pq_failure)
		return rg_error_set(RG_EINVALID, "PostgreSQL needs libpq, which could not be loaded: %s",
				    pq_failure);
	return 0;
}


#define POLL_MS 100

/* Shorter passwords are not masked in messages: they would match too much. */
#define MIN_MASKED_PASSWORD 4

struct db_pg {
	struct rg_db base;
	PGconn *conn;
	bool locked;
	char lock_key[24];	/* the bigint, in decimal, while locked */
	char *password;		/* to keep it out of messages; NULL if none */
};

static struct db_pg *as_pg(struct rg_db *db)
{
	return (struct db_pg *)db;
}

/* NOTICEs and WARNINGs would go to stderr; the library never prints. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/*
 * Append a libpq message on one line: each line trimmed (libpq indents its
 * hints with a tab), empty ones dropped, the rest joined with "; ".
 */
static void add_flat(struct rg_str *out, const char *msg)
{
	bool first = true;

	while (*msg) {
		size_t len = strcspn(msg, "\n");
		const char *p = msg;
		size_t n = len;

		while (n && (*p == ' ' || *p == '\t' || *p == '\r')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
			n--;
		if (n) {
			if (!first)
				rg_str_adds(out, "; ");
			rg_str_add(out, p, n);
			first = false;
		}
		msg += len;
		if (*msg)
			msg++;
	}
}

/* Replace every occurrence of `secret` in `s` by "XXXXX". */
static void mask(struct rg_str *s, const char *secret)
{
	struct rg_str copy = RG_STR_INIT;
	size_t n = secret ? strlen(secret) : 0;
	const char *p, *hit;

	if (n < MIN_MASKED_PASSWORD || s->failed || !strstr(s->buf, secret))
		return;
	for (p = s->buf; (hit = strstr(p, secret)); p = hit + n) {
		rg_str_add(&copy, p, (size_t)(hit - p));
		rg_str_adds(&copy, "XXXXX");
	}
	rg_str_adds(&copy, p);
	if (copy.failed) {
		s->failed = true;
	} else {
		rg_str_reset(s);
		rg_str_add(s, copy.buf, copy.len);
	}
	rg_str_release(&copy);
}

/* Set RG_EDATABASE from libpq's connection-level message. */
static int conn_error(PGconn *conn, const char *password, const char *fallback)
{
	struct rg_str msg = RG_STR_INIT;
	int err;

	add_flat(&msg, conn ? pq.PQerrorMessage(conn) : "");
	if (!msg.len)
		rg_str_adds(&msg, fallback);
	mask(&msg, password);
	if (!(err = rg_str_check(&msg)))
		err = rg_error_set(RG_EDATABASE, "%s", msg.buf);
	rg_str_release(&msg);
	return err;
}

/*
 * Set RG_EDATABASE from a failed result: the primary message, then DETAIL
 * and HINT, then the SQLSTATE, on one line, e.g.
 * `duplicate key value violates unique constraint "t_pkey"; DETAIL: Key
 * (id)=(1) already exists. (SQLSTATE 23505)`.
 */
static int result_error(struct db_pg *pg, const PGresult *res)
{
	const char *primary = res ? pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail, *hint, *state;
	struct rg_str msg = RG_STR_INIT;
	int err;

	if (!primary)
		return conn_error(pg->conn, pg->password, "the server reported an error without a message");
	detail = pq.PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	hint = pq.PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	state = pq.PQresultErrorField(res, PG_DIAG_SQLSTATE);
	add_flat(&msg, primary);
	if (detail && *detail) {
		rg_str_adds(&msg, "; DETAIL: ");
		add_flat(&msg, detail);
	}
	if (hint && *hint) {
		rg_str_adds(&msg, "; HINT: ");
		add_flat(&msg, hint);
	}
	if (state && *state)
		rg_str_addf(&msg, " (SQLSTATE %s)", state);
	mask(&msg, pg->password);
	if (!(err = rg_str_check(&msg)))
		err = rg_error_set(RG_EDATABASE, "%s", msg.buf);
	rg_str_release(&msg);
	return err;
}

/*
 * A COPY from standard input or to standard output would leave the
 * connection waiting for data: end it and drain what the server sends.
 */
static int refuse_copy(struct db_pg *pg, PGresult *res)
{
	ExecStatusType st = pq.PQresultStatus(res);
	PGresult *next;

	if (st == PGRES_COPY_IN || st == PGRES_COPY_BOTH) {
		pq.PQputCopyEnd(pg->conn, "revgraph does not send COPY data");
	} else if (st == PGRES_COPY_OUT) {
		char *buf = NULL;

		while (pq.PQgetCopyData(pg->conn, &buf, 0) > 0) {
			pq.PQfreemem(buf);
			buf = NULL;
		}
	}
	while ((next = pq.PQgetResult(pg->conn)))
		pq.PQclear(next);
	return rg_error_set(RG_EUNSUPPORTED,
			    "COPY from standard input or to standard output is not supported");
}

/* 0 if `res` is a success (pq.PQclear()ed by the caller either way). */
static int check_result(struct db_pg *pg, PGresult *res)
{
	if (!res)
		return conn_error(pg->conn, pg->password, "out of memory");
	switch (pq.PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return 0;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
		return refuse_copy(pg, res);
	default:
		return result_error(pg, res);
	}
}

static int pg_exec(struct rg_db *db, const char *sql, long *changes)
{
	struct db_pg *pg = as_pg(db);
	PGresult *res = pq.PQexec(pg->conn, sql);
	int err = check_result(pg, res);

	if (!err && changes) {
		const char *n = pq.PQcmdTuples(res);

		*changes = *n ? strtol(n, NULL, 10) : -1;
	}
	pq.PQclear(res);
	return err;
}

static int pg_begin(struct rg_db *db)
{
	return pg_exec(db, "BEGIN", NULL);
}

static int pg_commit(struct rg_db *db)
{
	struct db_pg *pg = as_pg(db);
	PGresult *res = pq.PQexec(pg->conn, "COMMIT");
	int err = check_result(pg, res);

	/* COMMIT of a transaction that had an error rolls back, without an error */
	if (!err && !strcmp(pq.PQcmdStatus(res), "ROLLBACK"))
		err = rg_error_set(RG_EDATABASE,
				   "the transaction was rolled back: a statement in it had failed");
	pq.PQclear(res);
	return err;
}

static int pg_rollback(struct rg_db *db)
{
	struct db_pg *pg = as_pg(db);

	/* as on SQLite, rolling back outside a transaction does nothing */
	if (pq.PQtransactionStatus(pg->conn) == PQTRANS_IDLE)
		return 0;
	return pg_exec(db, "ROLLBACK", NULL);
}

/*
 * SQLAlchemy 1.4's PGDialect.has_table(), which Alembic asks: any relation
 * of that name, in `schema` or, without one, visible on the search_path.
 */
static int pg_table_exists(struct rg_db *db, const char *schema, const char *name, bool *exists)
{
	struct db_pg *pg = as_pg(db);
	const char *params[2];
	PGresult *res;
	int err;

	*exists = false;
	params[0] = name;
	params[1] = schema;
	if (schema)
		res = pq.PQexecParams(pg->conn,
				   "SELECT c.relname FROM pg_catalog.pg_class c "
				   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
				   "WHERE n.nspname = $2 AND c.relname = $1",
				   2, NULL, params, NULL, NULL, 0);
	else
		res = pq.PQexecParams(pg->conn,
				   "SELECT c.relname FROM pg_catalog.pg_class c "
				   "WHERE pg_catalog.pg_table_is_visible(c.oid) AND c.relname = $1",
				   1, NULL, params, NULL, NULL, 0);
	if (!(err = check_result(pg, res)))
		*exists = pq.PQntuples(res) > 0;
	pq.PQclear(res);
	return err;
}

/* NULLs are skipped, as the SQLite backend does. */
static int pg_query_column(struct rg_db *db, const char *sql, struct rg_strlist *out)
{
	struct db_pg *pg = as_pg(db);
	PGresult *res = pq.PQexec(pg->conn, sql);
	int err = check_result(pg, res);
	int i, n;

	if (!err && pq.PQresultStatus(res) == PGRES_TUPLES_OK && pq.PQnfields(res) > 0) {
		n = pq.PQntuples(res);
		for (i = 0; i < n && !err; i++)
			if (!pq.PQgetisnull(res, i, 0))
				err = rg_strlist_push(out, pq.PQgetvalue(res, i, 0));
	}
	pq.PQclear(res);
	return err;
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/* The hash as a bigint (two's complement), in decimal. */
static void lock_key_text(char *out, size_t size, uint64_t h)
{
	if (h > (uint64_t)INT64_MAX)
		snprintf(out, size, "-%llu", (unsigned long long)(~h + 1));
	else
		snprintf(out, size, "%llu", (unsigned long long)h);
}

static void sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Describe the session holding advisory lock `h` in this database, e.g.
 * "pid 4242 (revgraph, user deploy, from 10.0.0.5), connected since
 * 2026-11-22 10:00:01 UTC".  Columns of pg_stat_activity the role may not
 * see are left out; "another session" if the holder cannot be found.
 */
static void describe_holder(struct db_pg *pg, uint64_t h, struct rg_str *who)
{
	static const char *labels[] = { "", "user ", "from " };
	char classid[16], objid[16];
	const char *params[2];
	PGresult *res;
	bool open = false;
	int i;

	snprintf(classid, sizeof(classid), "%lu", (unsigned long)(h >> 32));
	snprintf(objid, sizeof(objid), "%lu", (unsigned long)(h & 0xFFFFFFFFu));
	params[0] = classid;
	params[1] = objid;
	rg_str_reset(who);
	res = pq.PQexecParams(pg->conn,
			   "SELECT l.pid, a.application_name, a.usename, pg_catalog.host(a.client_addr), "
			   "pg_catalog.to_char(a.backend_start AT TIME ZONE 'UTC', "
			   "'YYYY-MM-DD HH24:MI:SS') "
			   "FROM pg_catalog.pg_locks l "
			   "LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
			   "WHERE l.locktype = 'advisory' AND l.granted "
			   "AND l.classid = $1::pg_catalog.oid AND l.objid = $2::pg_catalog.oid "
			   "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_catalog.pg_database "
			   "WHERE datname = pg_catalog.current_database()) "
			   "ORDER BY l.pid LIMIT 1",
			   2, NULL, params, NULL, NULL, 0);
	if (pq.PQresultStatus(res) != PGRES_TUPLES_OK || pq.PQntuples(res) < 1) {
		rg_str_adds(who, "another session");
		pq.PQclear(res);
		return;
	}
	rg_str_addf(who, "pid %s", pq.PQgetvalue(res, 0, 0));
	for (i = 1; i <= 3; i++) {
		if (pq.PQgetisnull(res, 0, i) || !*pq.PQgetvalue(res, 0, i))
			continue;
		rg_str_adds(who, open ? ", " : " (");
		rg_str_adds(who, labels[i - 1]);
		rg_str_adds(who, pq.PQgetvalue(res, 0, i));
		open = true;
	}
	if (open)
		rg_str_addch(who, ')');
	if (!pq.PQgetisnull(res, 0, 4))
		rg_str_addf(who, ", connected since %s UTC", pq.PQgetvalue(res, 0, 4));
	pq.PQclear(res);
}

/* *got: was the lock free (and is now ours). */
static int try_lock(struct db_pg *pg, const char *key_text, bool *got)
{
	const char *params[1];
	PGresult *res;
	int err;

	params[0] = key_text;
	res = pq.PQexecParams(pg->conn, "SELECT pg_catalog.pg_try_advisory_lock($1::bigint)", 1, NULL,
			   params, NULL, NULL, 0);
	if (!(err = check_result(pg, res)))
		*got = pq.PQntuples(res) == 1 && !strcmp(pq.PQgetvalue(res, 0, 0), "t");
	pq.PQclear(res);
	return err;
}

/*
 * Poll pg_try_advisory_lock() every POLL_MS rather than block in
 * pg_advisory_lock(), so that the wait can be described and bounded.
 * Holding the lock already makes this a no-op: a second
 * pg_advisory_lock() would need a second unlock.
 */
static int pg_lock(struct rg_db *db, const char *key, double timeout_s, rg_db_waiting_fn *waiting,
		   void *ctx)
{
	struct db_pg *pg = as_pg(db);
	struct rg_str who = RG_STR_INIT;
	uint64_t h = fnv1a64(key);
	double start = now_s(), left;
	char key_text[24];
	bool got = false, told = false;
	int err;

	if (pg->locked)
		return 0;
	lock_key_text(key_text, sizeof(key_text), h);
	for (;;) {
		if ((err = try_lock(pg, key_text, &got)))
			goto out;
		if (got)
			break;
		if (!told) {
			describe_holder(pg, h, &who);
			if ((err = rg_str_check(&who)))
				goto out;
			if (waiting)
				waiting(ctx, who.buf);
			told = true;
		}
		left = timeout_s - (now_s() - start);
		if (timeout_s >= 0 && left <= 0) {
			/* the holder may have changed while we waited */
			describe_holder(pg, h, &who);
			if (!(err = rg_str_check(&who)))
				err = rg_error_set(RG_EDATABASE,
						   "timed out after %g s waiting for the migration lock held by %s",
						   timeout_s, who.buf);
			goto out;
		}
		sleep_ms(timeout_s >= 0 && left * 1000 < POLL_MS ? (long)(left * 1000) + 1 : POLL_MS);
	}
	memcpy(pg->lock_key, key_text, sizeof(key_text));
	pg->locked = true;
out:
	rg_str_release(&who);
	return err;
}

/* Errors are ignored: ending the session releases the lock anyway. */
static void pg_unlock(struct rg_db *db)
{
	struct db_pg *pg = as_pg(db);
	const char *params[1];

	if (!pg->locked)
		return;
	params[0] = pg->lock_key;
	pq.PQclear(pq.PQexecParams(pg->conn, "SELECT pg_catalog.pg_advisory_unlock($1::bigint)", 1, NULL,
			     params, NULL, NULL, 0));
	pg->locked = false;
}

static void pg_close(struct rg_db *db)
{
	struct db_pg *pg = as_pg(db);

	pq.PQfinish(pg->conn);
	free(pg->password);
	free(pg);
}

static const struct rg_db_ops pg_ops = {
	pg_exec, pg_begin, pg_commit, pg_rollback, pg_table_exists, pg_query_column,
	pg_lock, pg_unlock, pg_close
};

/* Keyword/value pairs for pq.PQconnectdbParams(), NULL-terminated. */
struct conninfo {
	const char **keys, **values;
	size_t n;
	struct rg_str hosts, ports;	/* the multi-host form, joined */
};

static void add_param(struct conninfo *ci, const char *key, const char *value)
{
	ci->keys[ci->n] = key;
	ci->values[ci->n] = value;
	ci->n++;
}

/*
 * psycopg2's dialect turns repeated `host=h:p` query parameters into
 * "h1,h2" and "p1,p2" (libpq's multi-host lists) and refuses them together
 * with a port.
 */
static int join_hosts(struct conninfo *ci, const struct rg_dburl *url, bool *multi)
{
	size_t i, n_hosts = 0;
	bool first = true;

	for (i = 0; i < url->query_keys.n; i++)
		n_hosts += !strcmp(url->query_keys.items[i], "host");
	*multi = n_hosts > 1;
	if (!*multi)
		return 0;
	if ((url->port && strcmp(url->port, "0")) || rg_strlist_has(&url->query_keys, "port"))
		return rg_error_set(RG_EINVALID,
				    "Can't mix 'multihost' formats together; use \"host=h1,h2,h3&port=p1,p2,p3\" "
				    "or \"host=h1:p1&host=h2:p2&host=h3:p3\" separately");
	for (i = 0; i < url->query_keys.n; i++) {
		const char *v = url->query_values.items[i];
		size_t hn = strcspn(v, ":");

		if (strcmp(url->query_keys.items[i], "host"))
			continue;
		if (!first) {
			rg_str_addch(&ci->hosts, ',');
			rg_str_addch(&ci->ports, ',');
		}
		first = false;
		rg_str_add(&ci->hosts, v, hn);
		/* "h:p:x" gives "p", as psycopg2's dialect does */
		if (v[hn])
			rg_str_add(&ci->ports, v + hn + 1, strcspn(v + hn + 1, ":"));
	}
	if (rg_str_check(&ci->hosts) || rg_str_check(&ci->ports))
		return RG_ENOMEM;
	return 0;
}

static bool is_set(const char *s)
{
	return s && *s;
}

/*
 * The libpq keywords for `url`, in the order of increasing precedence
 * (libpq keeps the last value of a repeated keyword): revgraph's defaults,
 * the URL's parts, its query parameters (so `?host=` beats the host part, as
 * with psycopg2), then client_encoding, which revgraph needs: its SQL is
 * UTF-8 text.  Empty parts are left out, as SQLAlchemy leaves them out.
 */
static int build_conninfo(struct conninfo *ci, const struct rg_dburl *url)
{
	size_t i, max = url->query_keys.n + 10;
	bool multi = false, hosts_added = false;
	int err;

	if (!(ci->keys = rg_calloc(max, sizeof(*ci->keys))) ||
	    !(ci->values = rg_calloc(max, sizeof(*ci->values))))
		return RG_ENOMEM;
	if ((err = join_hosts(ci, url, &multi)))
		return err;
	add_param(ci, "fallback_application_name", "revgraph");
	if (is_set(url->host))
		add_param(ci, "host", url->host);
	if (is_set(url->port) && strcmp(url->port, "0"))
		add_param(ci, "port", url->port);
	if (is_set(url->user))
		add_param(ci, "user", url->user);
	if (is_set(url->password))
		add_param(ci, "password", url->password);
	if (is_set(url->database))
		add_param(ci, "dbname", url->database);
	for (i = 0; i < url->query_keys.n; i++) {
		const char *key = url->query_keys.items[i];

		if (multi && !strcmp(key, "host")) {
			if (!hosts_added) {
				add_param(ci, "host", ci->hosts.buf);
				add_param(ci, "port", ci->ports.buf);
				hosts_added = true;
			}
			continue;
		}
		/* psycopg2 renames "database", which libpq does not know */
		add_param(ci, strcmp(key, "database") ? key : "dbname", url->query_values.items[i]);
	}
	add_param(ci, "client_encoding", "UTF8");
	add_param(ci, NULL, NULL);
	return 0;
}

static void conninfo_release(struct conninfo *ci)
{
	free(ci->keys);
	free(ci->values);
	rg_str_release(&ci->hosts);
	rg_str_release(&ci->ports);
}

int rg_db_pg_open(struct rg_db **out, const struct rg_dburl *url)
{
	struct conninfo ci = { NULL, NULL, 0, RG_STR_INIT, RG_STR_INIT };
	struct db_pg *pg = NULL;
	const char *password = NULL;
	size_t i;
	int err;

	*out = NULL;
	if ((err = need_libpq()) || (err = build_conninfo(&ci, url)))
		goto out;
	if (!(pg = rg_calloc(1, sizeof(*pg)))) {
		err = RG_ENOMEM;
		goto out;
	}
	pg->base.ops = &pg_ops;
	pg->base.dialect = RG_DIALECT_POSTGRESQL;
	/* the password that counts is the last one given */
	for (i = 0; i < ci.n; i++)
		if (ci.keys[i] && !strcmp(ci.keys[i], "password"))
			password = ci.values[i];
	if (password && *password && !(pg->password = rg_strdup(password))) {
		err = RG_ENOMEM;
		goto out;
	}
	pg->conn = pq.PQconnectdbParams(ci.keys, ci.values, 0);
	if (!pg->conn) {
		err = rg_error_set(RG_ENOMEM, "out of memory");
		goto out;
	}
	if (pq.PQstatus(pg->conn) != CONNECTION_OK) {
		err = conn_error(pg->conn, pg->password, "could not connect to the server");
		goto out;
	}
	pq.PQsetNoticeProcessor(pg->conn, ignore_notice, NULL);
	*out = &pg->base;
	pg = NULL;
out:
	if (pg) {
		pq.PQfinish(pg->conn);
		free(pg->password);
		free(pg);
	}
	conninfo_release(&ci);
	return err;
}
