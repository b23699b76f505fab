/*
 * The SQLite backend (libsqlite3).
 *
 * The migration lock is an flock() on "<database>.revgraph-lock": SQLite's
 * own locks last one transaction, and a run is several transactions (one per
 * migration), so they cannot keep a second runner out between them.  The
 * lock file holds a line naming its holder, for the waiting message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "sqlite_api.h"
#include "db_impl.h"
#include "banned.h"

#define BUSY_TIMEOUT_MS 5000

struct db_sqlite {
	struct rg_db base;
	sqlite3 *conn;
	char *path;		/* NULL for an in-memory database */
	int lock_fd;		/* -1 when the migration lock is not held */
};

static struct db_sqlite *as_sqlite(struct rg_db *db)
{
	return (struct db_sqlite *)db;
}

static int db_error(struct db_sqlite *s)
{
	return rg_error_set(RG_EDATABASE, "%s", rg_sqlite3.errmsg(s->conn));
}

static int sq_exec(struct rg_db *db, const char *sql, long *changes)
{
	struct db_sqlite *s = as_sqlite(db);
	const char *tail = sql;
	sqlite3_int64 before = rg_sqlite3.total_changes64(s->conn);

	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		int rc = rg_sqlite3.prepare_v2(s->conn, tail, -1, &st, &tail);

		if (rc != SQLITE_OK)
			return db_error(s);
		if (!st)	/* only whitespace or comments were left */
			break;
		while ((rc = rg_sqlite3.step(st)) == SQLITE_ROW)
			;
		if (rc != SQLITE_DONE) {
			int err = db_error(s);

			rg_sqlite3.finalize(st);
			return err;
		}
		rg_sqlite3.finalize(st);
	}
	/* total_changes does not count what a SELECT or DDL did not change */
	if (changes)
		*changes = (long)(rg_sqlite3.total_changes64(s->conn) - before);
	return 0;
}

static int sq_begin(struct rg_db *db)
{
	return sq_exec(db, "BEGIN IMMEDIATE", NULL);
}

static int sq_commit(struct rg_db *db)
{
	return sq_exec(db, "COMMIT", NULL);
}

static int sq_rollback(struct rg_db *db)
{
	struct db_sqlite *s = as_sqlite(db);

	/* a failed statement may already have ended the transaction */
	if (rg_sqlite3.get_autocommit(s->conn))
		return 0;
	return sq_exec(db, "ROLLBACK", NULL);
}

static int sq_query_column(struct rg_db *db, const char *sql, struct rg_strlist *out)
{
	struct db_sqlite *s = as_sqlite(db);
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	if (rg_sqlite3.prepare_v2(s->conn, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(s);
	while ((rc = rg_sqlite3.step(st)) == SQLITE_ROW) {
		const unsigned char *v = rg_sqlite3.column_text(st, 0);

		if (v && (err = rg_strlist_push(out, (const char *)v)))
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(s);
	rg_sqlite3.finalize(st);
	return err;
}

static int sq_table_exists(struct rg_db *db, const char *schema, const char *name, bool *exists)
{
	struct db_sqlite *s = as_sqlite(db);
	sqlite3_stmt *st = NULL;
	char *sql;
	int rc;

	*exists = false;
	sql = rg_sqlite3.mprintf("SELECT 1 FROM \"%w\".sqlite_master WHERE type = 'table' AND name = %Q",
			         schema ? schema : "main", name);
	if (!sql)
		return rg_error_set(RG_ENOMEM, "out of memory");
	rc = rg_sqlite3.prepare_v2(s->conn, sql, -1, &st, NULL);
	rg_sqlite3.free(sql);
	if (rc != SQLITE_OK)
		return db_error(s);
	rc = rg_sqlite3.step(st);
	*exists = rc == SQLITE_ROW;
	rg_sqlite3.finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(s);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The holder's line from the lock file, or a generic description. */
static void read_holder(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	char *nl;

	if (n <= 0) {
		snprintf(buf, size, "another process (its lock file names no holder yet)");
		return;
	}
	buf[n] = '\0';
	if ((nl = strchr(buf, '\n')))
		*nl = '\0';
}

static void write_holder(int fd, const char *key)
{
	char host[256] = "", line[512], stamp[64];
	time_t t = time(NULL);
	struct tm tm;
	int len;

	if (gethostname(host, sizeof(host) - 1))
		snprintf(host, sizeof(host), "unknown host");
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	len = snprintf(line, sizeof(line), "revgraph pid %ld on %s, since %s (%s)\n",
		       (long)getpid(), host, stamp, key);
	if (len < 0 || (size_t)len >= sizeof(line))
		len = (int)strlen(line);
	if (ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t)len, 0) == len)
		return;
	/* the description is only informative; the lock itself is held */
}

static int sq_lock(struct rg_db *db, const char *key, double timeout_s, rg_db_waiting_fn *waiting,
		   void *ctx)
{
	struct db_sqlite *s = as_sqlite(db);
	char *lock_path;
	size_t len;
	double start = now_s();
	bool told = false;
	int fd;

	if (!s->path || s->lock_fd >= 0)
		return 0;
	len = strlen(s->path) + sizeof(".revgraph-lock");
	if (!(lock_path = rg_malloc(len)))
		return RG_ENOMEM;
	snprintf(lock_path, len, "%s.revgraph-lock", s->path);
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int err = rg_error_set(RG_EDATABASE, "cannot open the lock file '%s': %s", lock_path,
				       strerror(errno));

		free(lock_path);
		return err;
	}
	for (;;) {
		char who[512];

		if (!flock(fd, LOCK_EX | LOCK_NB))
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int err = rg_error_set(RG_EDATABASE, "cannot lock '%s': %s", lock_path,
					       strerror(errno));

			close(fd);
			free(lock_path);
			return err;
		}
		read_holder(fd, who, sizeof(who));
		if (!told && waiting) {
			waiting(ctx, who);
			told = true;
		}
		if (timeout_s >= 0 && now_s() - start >= timeout_s) {
			int err = rg_error_set(RG_EDATABASE,
					       "timed out after %g s waiting for the migration lock held by %s",
					       timeout_s, who);

			close(fd);
			free(lock_path);
			return err;
		}
		sleep_ms(50);
	}
	free(lock_path);
	write_holder(fd, key);
	s->lock_fd = fd;
	return 0;
}

static void sq_unlock(struct rg_db *db)
{
	struct db_sqlite *s = as_sqlite(db);

	if (s->lock_fd < 0)
		return;
	/* a stale holder description would be harmless: ignore a failure */
	if (ftruncate(s->lock_fd, 0)) {
	}
	flock(s->lock_fd, LOCK_UN);
	close(s->lock_fd);
	s->lock_fd = -1;
}

static void sq_close(struct rg_db *db)
{
	struct db_sqlite *s = as_sqlite(db);

	sq_unlock(db);
	rg_sqlite3.close(s->conn);
	free(s->path);
	free(s);
}

static const struct rg_db_ops sqlite_ops = {
	sq_exec, sq_begin, sq_commit, sq_rollback, sq_table_exists, sq_query_column,
	sq_lock, sq_unlock, sq_close
};

/* SQLAlchemy's util.asbool(), on the strings a URL can hold. */
static int parse_bool(bool *out, const char *key, const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "y", "t", "1" };
	static const char *const no[] = { "false", "no", "off", "n", "f", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(v, no[i]))
			return *out = false, 0;
	}
	return rg_error_set(RG_EINVALID, "String is not true/false: '%s' (the '%s' parameter of the SQLite URL)",
			    v, key);
}

/* The connect() keywords of Python's sqlite3 that SQLAlchemy takes from the query. */
static bool pysqlite_key(const char *key)
{
	static const char *const keys[] = {
		"uri", "timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements"
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

/*
 * What SQLAlchemy 1.4's pysqlite dialect makes of the URL: the file name
 * (with `uri=true`, the database part is a SQLite URI and the query keys
 * that are not the driver's are appended to it, sorted; otherwise they are
 * ignored), whether it is a URI, and `timeout` (seconds) as the busy
 * timeout.  *lock_file is the file the migration lock goes beside, or NULL.
 */
static int open_args(struct rg_str *name, bool *uri, int *busy_ms, char **lock_file,
		     const struct rg_dburl *url)
{
	const char *db = url->database && *url->database ? url->database : NULL;
	bool sep = false;
	size_t i, j;
	int err;

	*uri = false;
	*busy_ms = BUSY_TIMEOUT_MS;
	*lock_file = NULL;
	for (i = 0; i < url->query_keys.n; i++) {
		const char *k = url->query_keys.items[i], *v = url->query_values.items[i];

		if (!strcmp(k, "uri") && (err = parse_bool(uri, k, v)))
			return err;
		if (!strcmp(k, "timeout")) {
			char *end;
			double t = strtod(v, &end);

			if (end == v || *end || t < 0 || t > 86400)
				return rg_error_set(RG_EINVALID, "could not convert string to float: '%s' (the 'timeout' parameter of the SQLite URL)", v);
			*busy_ms = (int)(t * 1000);
		}
	}
	if (!*uri) {
		rg_str_adds(name, db && strcmp(db, ":memory:") ? db : ":memory:");
		if (db && strcmp(db, ":memory:") && !(*lock_file = rg_strdup(db)))
			return RG_ENOMEM;
		return rg_str_check(name);
	}
	rg_str_adds(name, db ? db : "");
	/* the other keys, sorted, as "?k=v&k=v" */
	{
		bool *done = rg_calloc(url->query_keys.n + 1, sizeof(*done));

		if (!done)
			return RG_ENOMEM;
		for (;;) {
			size_t best = SIZE_MAX;

			for (j = 0; j < url->query_keys.n; j++)
				if (!done[j] && !pysqlite_key(url->query_keys.items[j]) &&
				    (best == SIZE_MAX ||
				     strcmp(url->query_keys.items[j], url->query_keys.items[best]) < 0))
					best = j;
			if (best == SIZE_MAX)
				break;
			/* a key given twice: the last value wins, as in a dict */
			for (j = 0; j < url->query_keys.n; j++)
				if (!strcmp(url->query_keys.items[j], url->query_keys.items[best])) {
					done[j] = true;
					if (j > best)
						best = j;
				}
			rg_str_addf(name, "%c%s=%s", sep ? '&' : '?', url->query_keys.items[best],
				    url->query_values.items[best]);
			sep = true;
		}
		free(done);
	}
	/* the lock goes beside the file a "file:" URI names; none for memory */
	if (db && !strstr(name->buf, "mode=memory")) {
		const char *p = db, *end;

		if (!strncmp(p, "file:", 5))
			p += 5;
		if (!strncmp(p, "///", 3))
			p += 2;
		end = p + strcspn(p, "?#");
		if (end > p && strncmp(p, ":memory:", (size_t)(end - p)) &&
		    !(*lock_file = rg_strndup(p, (size_t)(end - p))))
			return RG_ENOMEM;
	}
	return rg_str_check(name);
}

struct sqlite3 *rg_db_sqlite_handle(struct rg_db *db)
{
	return as_sqlite(db)->conn;
}

int rg_db_sqlite_open(struct rg_db **out, const struct rg_dburl *url)
{
	struct rg_str name = RG_STR_INIT;
	struct db_sqlite *s;
	bool uri;
	int rc, busy_ms, err;

	*out = NULL;
	if ((err = rg_sqlite_need()))
		return err;
	if (!(s = rg_calloc(1, sizeof(*s))))
		return RG_ENOMEM;
	s->base.ops = &sqlite_ops;
	s->base.dialect = RG_DIALECT_SQLITE;
	s->lock_fd = -1;
	if ((err = open_args(&name, &uri, &busy_ms, &s->path, url)))
		goto fail;
	rc = rg_sqlite3.open_v2(name.buf, &s->conn,
			        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | (uri ? SQLITE_OPEN_URI : 0), NULL);
	if (rc != SQLITE_OK) {
		err = rg_error_set(RG_EDATABASE, "unable to open database file '%s': %s", name.buf,
				   s->conn ? rg_sqlite3.errmsg(s->conn) : rg_sqlite3.errstr(rc));
		goto fail;
	}
	rg_sqlite3.busy_timeout(s->conn, busy_ms);
	rg_sqlite3.extended_result_codes(s->conn, 0);
	rg_str_release(&name);
	*out = &s->base;
	return 0;
fail:
	rg_sqlite3.close(s->conn);
	rg_str_release(&name);
	free(s->path);
	free(s);
	return err;
}
