/*
 * Tests for revgraph/cache.c: what is put comes back field by field, and it
 * comes back only while it can be trusted: not after the file's stat data
 * changes, not for a racy entry, not from a damaged cache file, not from
 * one anybody else could have written, not with other settings, not when
 * caching is off.  Most tests start their runs 10 s after the files were
 * written (rg_cache_set_test_clock()), so that they are not racy.  The records put here differ on
 * purpose from the files' contents, so a hit is visible.
 */
#define _DEFAULT_SOURCE 1
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "body.h"
#include "cache.h"
#include "revgraph/config.h"
#include "revgraph/common.h"

static char tmp[64], dir[128], cache_home[128];
static const char *const names[] = { "a.py", "b.py", "sub/" };

static void set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void write_file(const char *name, const char *text)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%.100s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	set_mtime(path, 946728000);	/* 2000-01-01: long before any cache */
}

/* Start the runs `secs` seconds from now. */
static void clock_later(int secs)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += secs;
	rg_cache_set_test_clock(&t);
}

static int setup(void **state)
{
	char path[400];

	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/rg-cache-test-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(dir, sizeof(dir), "%s/versions", tmp);
	snprintf(cache_home, sizeof(cache_home), "%s/cache", tmp);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("a.py", "revision = 'a'\n");
	write_file("b.py", "revision = 'b'\n");
	set_mtime(dir, 946728000);
	/* the files' ctimes are now: start the runs later, or every entry would be racy */
	clock_later(10);
	setenv("XDG_CACHE_HOME", cache_home, 1);
	unsetenv("REVGRAPH_NO_CACHE");
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	rg_cache_set_test_clock(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct rg_revision *fake_rev(const char *id)
{
	struct rg_revision *r = mkrev(id, "x1 y2", "dep", "lbl", "the doc\nline 2");

	r->create_date = rg_strdup("2026-11-22 10:15:30");
	r->kind = RG_REVFILE_YAML;
	r->body_is_noop = true;
	r->non_transactional = true;
	r->line_id = 3;
	/* what it runs: two parts up (one for SQLite only), none down */
	r->bodies = rg_calloc(1, sizeof(*r->bodies));
	r->bodies->up.items = rg_calloc(2, sizeof(struct rg_body_part));
	r->bodies->up.alloc = r->bodies->up.n = 2;
	r->bodies->up.items[0].sql = rg_strdup("CREATE TABLE t (x)");
	r->bodies->up.items[0].line = 7;
	r->bodies->up.items[0].dialect = -1;
	r->bodies->up.items[1].sql = rg_strdup("VACUUM");
	r->bodies->up.items[1].line = 9;
	r->bodies->up.items[1].dialect = RG_DIALECT_SQLITE;
	/* down: one part, for PostgreSQL, and a lock_timeout */
	r->bodies->down.items = rg_calloc(1, sizeof(struct rg_body_part));
	r->bodies->down.alloc = r->bodies->down.n = 1;
	r->bodies->down.items[0].sql = rg_strdup("DROP TABLE t");
	r->bodies->down.items[0].line = 12;
	r->bodies->down.items[0].dialect = RG_DIALECT_POSTGRESQL;
	r->bodies->down.lock_timeout = rg_strdup("750ms");
	r->bodies->down.lock_timeout_line = 4;
	return r;
}

static const char *const *run_names = names;

/* Open the cache of `dir`, begin a run over `run_names`; *dfd stays open. */
static struct rg_cache *open_run(const struct rg_config *cfg, int *dfd)
{
	struct rg_cache *c = NULL;

	*dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(*dfd >= 0);
	assert_int_equal(rg_cache_open(&c, dir, *dfd, cfg), 0);
	if (c)
		assert_int_equal(rg_cache_begin(c, run_names, 3, true), 0);
	return c;
}

/* Write a cache holding fake_rev("fake-a") for a.py and fake_rev("fake-b") for b.py. */
static void write_cache(const struct rg_config *cfg)
{
	struct rg_revision *got = NULL, *a = fake_rev("fake-a"), *b = fake_rev("fake-b");
	struct rg_str w = RG_STR_INIT;
	struct stat st;
	char path[400];
	struct rg_cache *c;
	int dfd;

	c = open_run(cfg, &dfd);
	assert_non_null(c);
	assert_int_equal(rg_cache_get(c, 0, "a.py", &got, &w), 0);
	assert_null(got);
	snprintf(path, sizeof(path), "%s/a.py", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(rg_cache_put(c, 0, &st, a, "a.py:1: warning: x\n", 19), 0);
	snprintf(path, sizeof(path), "%s/b.py", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(rg_cache_put(c, 1, &st, b, "", 0), 0);
	rg_cache_close(c, true);
	close(dfd);
	rg_revision_free(a);
	rg_revision_free(b);
	rg_str_release(&w);
}

/* What rg_cache_get() gives for a.py now (NULL: a miss), with its warnings in *w. */
static struct rg_revision *get_a(const struct rg_config *cfg, struct rg_str *w)
{
	struct rg_revision *got = NULL;
	struct rg_cache *c;
	int dfd;

	c = open_run(cfg, &dfd);
	if (c)
		assert_int_equal(rg_cache_get(c, 0, "a.py", &got, w), 0);
	rg_cache_close(c, false);
	close(dfd);
	/* it outlives the cache, with the path it was asked for */
	if (got)
		assert_string_equal(got->path, "a.py");
	return got;
}

static char *cache_path(void)
{
	static char path[512];
	struct dirent *de;
	char base[160];
	DIR *d;

	snprintf(base, sizeof(base), "%s/revgraph", cache_home);
	d = opendir(base);
	assert_non_null(d);
	path[0] = '\0';
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
	closedir(d);
	assert_true(path[0] != '\0');
	return path;
}

static void test_round_trip(void **state)
{
	struct rg_config cfg = { 0 };
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *r;

	(void)state;
	write_cache(&cfg);
	/* the bodies only for a run that wants them (migrations) */
	r = get_a(&cfg, &w);
	assert_non_null(r);
	assert_null(r->bodies);
	rg_revision_free(r);
	rg_str_reset(&w);
	cfg.want_bodies = true;
	r = get_a(&cfg, &w);
	assert_non_null(r);
	assert_string_equal(r->id, "fake-a");
	assert_int_equal(r->down.n, 2);
	assert_string_equal(r->down.items[0], "x1");
	assert_string_equal(r->down.items[1], "y2");
	assert_int_equal(r->deps.n, 1);
	assert_string_equal(r->deps.items[0], "dep");
	assert_int_equal(r->labels.n, 1);
	assert_string_equal(r->labels.items[0], "lbl");
	assert_true(r->has_deps);
	assert_string_equal(r->doc, "the doc\nline 2");
	assert_string_equal(r->create_date, "2026-11-22 10:15:30");
	assert_int_equal(r->kind, RG_REVFILE_YAML);
	assert_true(r->body_is_noop);
	assert_true(r->non_transactional);
	assert_string_equal(r->path, "a.py");
	assert_int_equal(r->line_id, 3);
	assert_int_equal(r->line_down, 11);
	assert_int_equal(r->line_deps, 13);
	assert_int_equal(r->line_labels, 12);
	assert_string_equal(w.buf, "a.py:1: warning: x\n");
	assert_non_null(r->bodies);
	assert_int_equal(r->bodies->up.n, 2);
	assert_string_equal(r->bodies->up.items[0].sql, "CREATE TABLE t (x)");
	assert_int_equal(r->bodies->up.items[0].line, 7);
	assert_int_equal(r->bodies->up.items[0].dialect, -1);
	assert_string_equal(r->bodies->up.items[1].sql, "VACUUM");
	assert_int_equal(r->bodies->up.items[1].line, 9);
	assert_int_equal(r->bodies->up.items[1].dialect, RG_DIALECT_SQLITE);
	assert_null(r->bodies->up.lock_timeout);
	assert_int_equal(r->bodies->down.n, 1);
	assert_string_equal(r->bodies->down.items[0].sql, "DROP TABLE t");
	assert_int_equal(r->bodies->down.items[0].line, 12);
	assert_int_equal(r->bodies->down.items[0].dialect, RG_DIALECT_POSTGRESQL);
	assert_string_equal(r->bodies->down.lock_timeout, "750ms");
	assert_int_equal(r->bodies->down.lock_timeout_line, 4);
	/* read from the cache: carved from a slab with its path; its bodies are its own */
	assert_non_null(r->slab);
	assert_string_equal(r->path, "a.py");
	rg_revision_free(r);
	rg_str_release(&w);
}

static void test_listing_of_an_unchanged_directory(void **state)
{
	struct rg_config cfg = { 0 };
	const char *const *listed;
	struct rg_cache *c = NULL;
	size_t n, i;
	int dfd;

	(void)state;
	write_cache(&cfg);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(rg_cache_open(&c, dir, dfd, &cfg), 0);
	listed = rg_cache_listing(c, &n);
	assert_non_null(listed);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_string_equal(listed[i], names[i]);
	rg_cache_close(c, false);
	/* a new entry changes the directory: list it again */
	write_file("c.py", "");
	set_mtime(dir, 946728000);
	c = NULL;
	assert_int_equal(rg_cache_open(&c, dir, dfd, &cfg), 0);
	assert_null(rg_cache_listing(c, &n));
	rg_cache_close(c, false);
	close(dfd);
}

static void test_changed_file_is_not_trusted(void **state)
{
	struct rg_config cfg = { 0 };
	struct rg_str w = RG_STR_INIT;
	char path[400];

	(void)state;
	write_cache(&cfg);
	snprintf(path, sizeof(path), "%s/a.py", dir);
	set_mtime(path, 946728001);
	assert_null(get_a(&cfg, &w));
	assert_int_equal(w.len, 0);
	/* the mtime put back: the ctime still tells */
	set_mtime(path, 946728000);
	assert_null(get_a(&cfg, &w));
	rg_str_release(&w);
}

/* The listing the cache gives now, or NULL. */
static bool listing_cached(const struct rg_config *cfg)
{
	struct rg_cache *c = NULL;
	size_t n;
	bool got;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	assert_int_equal(rg_cache_open(&c, dir, dfd, cfg), 0);
	assert_non_null(c);
	got = rg_cache_listing(c, &n) != NULL;
	rg_cache_close(c, false);
	close(dfd);
	return got;
}

static void test_racy_entry_is_not_recorded(void **state)
{
	struct rg_config cfg = { 0 };
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *r;

	(void)state;
	/* the files' ctimes are within 2 s of this run's start: on a coarse file system
	 * an edit after the stat could keep every timestamp */
	rg_cache_set_test_clock(NULL);
	write_cache(&cfg);
	/* not even a cache file dated long after the files makes them trusted */
	set_mtime(cache_path(), time(NULL) + 3600);
	clock_later(10);
	assert_null(get_a(&cfg, &w));
	/* once they are old enough, they are recorded and trusted */
	write_cache(&cfg);
	r = get_a(&cfg, &w);
	assert_non_null(r);
	rg_revision_free(r);
	/* what counts is the recorded start, not the cache file's mtime */
	set_mtime(cache_path(), 946728000);
	r = get_a(&cfg, &w);
	assert_non_null(r);
	rg_revision_free(r);
	rg_str_release(&w);
}

static void test_future_mtime_is_not_recorded(void **state)
{
	struct rg_config cfg = { 0 };
	struct rg_str w = RG_STR_INIT;
	char path[400];

	(void)state;
	snprintf(path, sizeof(path), "%s/a.py", dir);
	set_mtime(path, time(NULL) + 3600);
	write_cache(&cfg);
	set_mtime(cache_path(), time(NULL) + 7200);
	assert_null(get_a(&cfg, &w));
	rg_str_release(&w);
}

static void test_clock_gone_back_trusts_nothing_newer(void **state)
{
	struct rg_config cfg = { 0 };
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *r;

	(void)state;
	write_cache(&cfg);
	r = get_a(&cfg, &w);
	assert_non_null(r);
	rg_revision_free(r);
	/* now the files' ctimes are in this run's future */
	clock_later(-3600);
	assert_null(get_a(&cfg, &w));
	rg_str_release(&w);
}

static void test_racy_listing_is_not_recorded(void **state)
{
	struct rg_config cfg = { 0 };

	(void)state;
	/* an entry added to the directory in the second the cache is written */
	write_cache(&cfg);
	assert_true(listing_cached(&cfg));
	write_file("c.py", "");
	set_mtime(dir, time(NULL));
	rg_cache_set_test_clock(NULL);
	write_cache(&cfg);
	set_mtime(cache_path(), time(NULL) + 3600);
	clock_later(10);
	assert_false(listing_cached(&cfg));
	/* with the directory's timestamps old enough, the listing is recorded again */
	write_cache(&cfg);
	assert_true(listing_cached(&cfg));
}

static void test_foreign_cache_is_ignored(void **state)
{
	struct rg_config cfg = { 0 };
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *r;
	struct rg_cache *c = NULL;
	struct stat st;
	char base[200];
	int dfd;

	(void)state;
	write_cache(&cfg);
	/* a cache file others can write to */
	assert_int_equal(chmod(cache_path(), 0666), 0);
	assert_null(get_a(&cfg, &w));
	/* is written again, as ours */
	write_cache(&cfg);
	assert_int_equal(stat(cache_path(), &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	r = get_a(&cfg, &w);
	assert_non_null(r);
	rg_revision_free(r);
	/* a cache directory others can write to is closed, the files in it checked one by one */
	snprintf(base, sizeof(base), "%s/revgraph", cache_home);
	assert_int_equal(chmod(base, 0777), 0);
	r = get_a(&cfg, &w);
	assert_non_null(r);
	rg_revision_free(r);
	assert_int_equal(stat(base, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	if (getuid() == 0) {
		/* somebody else's file, then somebody else's directory */
		assert_int_equal(chown(cache_path(), 65534, 65534), 0);
		assert_null(get_a(&cfg, &w));
		write_cache(&cfg);
		assert_int_equal(chown(base, 65534, 65534), 0);
		dfd = open(dir, O_RDONLY | O_DIRECTORY);
		assert_int_equal(rg_cache_open(&c, dir, dfd, &cfg), 0);
		assert_null(c);
		close(dfd);
	}
	rg_str_release(&w);
}

static void test_names_outside_the_directory_are_refused(void **state)
{
	static const char *const bad[][3] = {
		{ "../a.py", "b.py", "sub/" },
		{ "a.py", "b.py", "../" },
		{ "a.py", "b.py", "./" },
		{ "a.py", "b.py", "x/y/" },
		{ "a.py", "b.py", "/" },
	};
	struct rg_config cfg = { 0 };
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		run_names = bad[k];
		write_cache(&cfg);
		run_names = names;
		assert_false(listing_cached(&cfg));
	}
	write_cache(&cfg);
	assert_true(listing_cached(&cfg));
}

static void test_damaged_cache_is_ignored(void **state)
{
	struct rg_config cfg = { 0 };
	struct rg_str w = RG_STR_INIT;
	struct stat st;
	char *path;
	int fd;

	(void)state;
	write_cache(&cfg);
	path = cache_path();
	assert_int_equal(stat(path, &st), 0);
	fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, "\x55", 1, st.st_size / 2), 1);
	close(fd);
	set_mtime(path, time(NULL));
	assert_null(get_a(&cfg, &w));
	write_cache(&cfg);
	assert_int_equal(truncate(cache_path(), st.st_size - 3), 0);
	assert_null(get_a(&cfg, &w));
	rg_str_release(&w);
}

static void test_other_settings_are_not_trusted(void **state)
{
	struct rg_config cfg = { 0 }, other = { 0 };
	struct rg_str w = RG_STR_INIT;

	(void)state;
	rg_strlist_push(&other.const_names, "BASE");
	rg_strlist_push(&other.const_values, "abc");
	write_cache(&cfg);
	assert_null(get_a(&other, &w));
	rg_strlist_release(&other.const_names);
	rg_strlist_release(&other.const_values);
	rg_str_release(&w);
}

static void test_switched_off(void **state)
{
	struct rg_config cfg = { 0 };
	struct rg_cache *c = (struct rg_cache *)&cfg;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	(void)state;
	setenv("REVGRAPH_NO_CACHE", "1", 1);
	assert_int_equal(rg_cache_open(&c, dir, dfd, &cfg), 0);
	assert_null(c);
	setenv("REVGRAPH_NO_CACHE", "0", 1);
	assert_int_equal(rg_cache_open(&c, dir, dfd, &cfg), 0);
	assert_non_null(c);
	rg_cache_close(c, false);
	unsetenv("REVGRAPH_NO_CACHE");
	close(dfd);
}

static void test_survives_allocation_failures(void **state)
{
	struct rg_config cfg = { 0 };
	struct rg_str w = RG_STR_INIT;
	unsigned long k;

	(void)state;
	write_cache(&cfg);
	for (k = 1; k < 60; k++) {
		struct rg_revision *got = NULL, *a = fake_rev("fake-a");
		struct rg_cache *c = NULL;
		struct stat st;
		char path[400];
		int dfd = open(dir, O_RDONLY | O_DIRECTORY), err;

		snprintf(path, sizeof(path), "%s/a.py", dir);
		stat(path, &st);
		rg_alloc_fail_after(k, 0);
		err = rg_cache_open(&c, dir, dfd, &cfg);
		if (!err && c && !(err = rg_cache_begin(c, names, 3, true)) &&
		    !(err = rg_cache_get(c, 0, "a.py", &got, &w)))
			err = rg_cache_put(c, 1, &st, a, "", 0);
		rg_cache_close(c, !err);
		rg_alloc_fail_after(0, 0);
		assert_true(err == 0 || err == RG_ENOMEM);
		rg_revision_free(got);
		rg_revision_free(a);
		close(dfd);
	}
	rg_str_release(&w);
}

/*
 * A listing of many cached files: its records are given at once, before
 * their files are stat()ed (rg_cache_get_early()), and rg_cache_confirm()
 * then says whether all of them still held.  A file changed before the run
 * must make it say no; after rg_cache_rewind() the blocking rg_cache_get()
 * gives the changed file nothing and the others their records again.  A
 * record with warnings is not given early: its warnings appear once.
 */
#define N_MANY 700

static void test_early_records_confirmed(void **state)
{
	static char many_names[N_MANY][16];
	const char *many[N_MANY];
	struct rg_config cfg = { 0 };
	struct rg_str w = RG_STR_INIT;
	struct rg_revision *got;
	struct rg_cache *c;
	struct stat st;
	char path[400];
	size_t i;
	int dfd;

	(void)state;
	for (i = 0; i < N_MANY; i++) {
		snprintf(many_names[i], sizeof(many_names[i]), "r%04zu.py", i);
		many[i] = many_names[i];
		write_file(many[i], "revision = 'x'\n");
	}
	set_mtime(dir, 946728000);
	/* a first run records a fake revision for each (with warnings for r0007) */
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(rg_cache_open(&c, dir, dfd, &cfg), 0);
	assert_int_equal(rg_cache_begin(c, many, N_MANY, true), 0);
	for (i = 0; i < N_MANY; i++) {
		struct rg_revision *r = fake_rev(many[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, many[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(rg_cache_put(c, i, &st, r, i == 7 ? "r0007.py:1: warning: w\n" : "",
					      i == 7 ? 23 : 0), 0);
		rg_revision_free(r);
	}
	rg_cache_close(c, true);

	/* unchanged: every record is given early and confirmed */
	assert_int_equal(rg_cache_open(&c, dir, dfd, &cfg), 0);
	assert_int_equal(rg_cache_begin(c, many, N_MANY, true), 0);
	assert_true(rg_cache_stats_ahead(c));
	for (i = 0; i < N_MANY; i++) {
		assert_int_equal(rg_cache_get_early(c, i, many[i], &got, &w), 0);
		assert_non_null(got);
		assert_string_equal(got->id, many[i]);
		rg_revision_free(got);
	}
	assert_string_equal(w.buf, "r0007.py:1: warning: w\n");
	assert_true(rg_cache_confirm(c));
	rg_cache_close(c, true);

	/* r0300.py changes before the next run: given early all the same, then refused */
	write_file("r0300.py", "revision = 'changed'\n");
	rg_str_reset(&w);
	assert_int_equal(rg_cache_open(&c, dir, dfd, &cfg), 0);
	assert_int_equal(rg_cache_begin(c, many, N_MANY, true), 0);
	for (i = 0; i < N_MANY; i++) {
		assert_int_equal(rg_cache_get_early(c, i, many[i], &got, &w), 0);
		assert_non_null(got);
		rg_revision_free(got);
	}
	assert_false(rg_cache_confirm(c));
	rg_cache_rewind(c);
	for (i = 0; i < N_MANY; i++) {
		assert_int_equal(rg_cache_get(c, i, many[i], &got, &w), 0);
		if (i == 300) {
			assert_null(got);
			continue;
		}
		assert_non_null(got);
		assert_string_equal(got->id, many[i]);
		rg_revision_free(got);
	}
	rg_cache_close(c, false);

	/*
	 * A large cache file is summed by the second thread while this one
	 * indexes it: one changed byte of text (the index still reads) and
	 * nothing in it is used.
	 */
	{
		char *file = cache_path(), *buf, *at;
		struct stat cst;
		int fd;

		assert_int_equal(stat(file, &cst), 0);
		assert_true(cst.st_size >= 64 << 10);
		buf = malloc((size_t)cst.st_size);
		fd = open(file, O_RDWR);
		assert_int_equal(pread(fd, buf, (size_t)cst.st_size, 0), cst.st_size);
		at = memmem(buf + cst.st_size / 2, (size_t)cst.st_size / 2, "the doc", 7);
		assert_non_null(at);
		assert_int_equal(pwrite(fd, "T", 1, at - buf), 1);
		close(fd);
		free(buf);
	}
	assert_int_equal(rg_cache_open(&c, dir, dfd, &cfg), 0);
	assert_int_equal(rg_cache_begin(c, many, N_MANY, true), 0);
	assert_false(rg_cache_stats_ahead(c));
	for (i = 0; i < N_MANY; i += N_MANY - 1) {
		assert_int_equal(rg_cache_get_early(c, i, many[i], &got, &w), 0);
		assert_null(got);
	}
	rg_cache_close(c, false);
	close(dfd);
	rg_str_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing_of_an_unchanged_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_file_is_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_racy_entry_is_not_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_future_mtime_is_not_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_gone_back_trusts_nothing_newer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_racy_listing_is_not_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_cache_is_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_outside_the_directory_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_cache_is_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_settings_are_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switched_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survives_allocation_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_records_confirmed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
