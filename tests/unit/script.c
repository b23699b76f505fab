/*
 * Tests for revgraph/script.c where only the library can look: the early
 * load of a large cached directory (its records used before their files
 * are stat()ed, then confirmed, or the load done again) under every
 * allocation failure, with a cache file that must not be used, and with
 * no second thread at all.  Each load is compared with the same load with
 * $REVGRAPH_NO_CACHE set.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "alloc.h"
#include "cache.h"
#include "revgraph/common.h"
#include "revgraph/config.h"
#include "revgraph/revmap.h"
#include "revgraph/script.h"
#include "revgraph/str.h"
#include "testproj.h"

static struct testproj proj;

/* A directory this large is loaded early (script.c: 2 * STAT_CHUNK cached files). */
#define N_BIG 600
#define MARKER "marker AAAA"

/* The ini: versions/ (large) and other/ (three files, read the ordinary way). */
static void write_ini(const char *base)
{
	char ini[512];

	snprintf(ini, sizeof(ini),
		 "[alembic]\nscript_location = %%(here)s\n"
		 "version_locations = %%(here)s/versions %%(here)s/other\n\n"
		 "[revgraph:constants]\nBASE = %s\n", base);
	testproj_write(&proj, "alembic.ini", ini);
}

static void pyrev(const char *rel, const char *id, const char *down, const char *doc)
{
	char text[1024];

	/* the padding makes the cache file of N_BIG records larger than 64 KiB */
	snprintf(text, sizeof(text),
		 "\"\"\"%s\n\nsome padding so that each record takes a little room: .........\n\"\"\"\n"
		 "revision = '%s'\ndown_revision = %s\nbranch_labels = None\ndepends_on = None\n",
		 doc, id, down);
	testproj_write(&proj, rel, text);
}

/* versions/: r0000 (root) <- r0001 (down BASE) <- ... r0599; other/: o1, o2, o3 off r0010 */
static void make_project(void)
{
	char rel[64], id[16], down[32], doc[64];
	size_t i;

	testproj_mkdir(&proj, "versions");
	testproj_mkdir(&proj, "other");
	testproj_mkdir(&proj, "cache");
	write_ini("r0000");
	pyrev("versions/q0000.py", "q0000", "None", "another root");
	for (i = 0; i < N_BIG; i++) {
		snprintf(rel, sizeof(rel), "versions/v%04zu.py", i);
		snprintf(id, sizeof(id), "r%04zu", i);
		if (i == 0)
			snprintf(down, sizeof(down), "None");
		else if (i == 1)
			snprintf(down, sizeof(down), "BASE");
		else
			snprintf(down, sizeof(down), "'r%04zu'", i - 1);
		snprintf(doc, sizeof(doc), i == 300 ? MARKER : "message of r%04zu", i);
		pyrev(rel, id, down, doc);
	}
	pyrev("other/o1.py", "o0001", "'r0010'", "other 1");
	pyrev("other/o2.py", "o0002", "'o0001'", "other 2");
	pyrev("other/o3.py", "o0003", "'o0002'", "other 3");
}

/* Rewrite versions/v0300.py in place: a different down_revision, so a stale record shows. */
static void edit_one(void)
{
	pyrev("versions/v0300.py", "r0300", "'r0298'", "edited " MARKER);
}

static int setup(void **state)
{
	struct timespec t;
	char cache[128];

	(void)state;
	testproj_init(&proj, "script");
	snprintf(cache, sizeof(cache), "%s/cache", proj.dir);
	setenv("XDG_CACHE_HOME", cache, 1);
	unsetenv("REVGRAPH_NO_CACHE");
	unsetenv("REVGRAPH_CACHE_MIN_FILES");
	/* the files written now are not racy for runs that start a minute later */
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 60;
	rg_cache_set_test_clock(&t);
	make_project();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rg_cache_set_test_clock(NULL);
	rg_alloc_fail_after(0, 0);
	testproj_release(&proj);
	return 0;
}

/* What a map holds, one revision a line in load order, then the warnings. */
static char *fingerprint(const struct rg_revmap *map, const struct rg_str *warnings)
{
	struct rg_str s = RG_STR_INIT;
	size_t i, k;
	char *out;

	for (i = 0; i < rg_revmap_count(map); i++) {
		const struct rg_revision *r = rg_revmap_node(map, i)->rev;

		rg_str_addf(&s, "%s [", r->id);
		for (k = 0; k < r->down.n; k++)
			rg_str_addf(&s, "%s ", r->down.items[k]);
		rg_str_addf(&s, "] %s | %s\n", r->path ? r->path : "-", r->doc ? r->doc : "-");
	}
	rg_str_addf(&s, "warnings: %s", warnings->len ? warnings->buf : "");
	assert_int_equal(rg_str_check(&s), 0);
	out = strdup(s.buf);
	rg_str_release(&s);
	return out;
}

static struct rg_config *config(void)
{
	struct rg_config *cfg;

	assert_int_equal(rg_config_load(&cfg, testproj_path(&proj, "alembic.ini"), "alembic"), 0);
	return cfg;
}

/*
 * The fingerprint of one load (NULL: it failed with `want_err`), with the
 * cache or without; *early: the load was left pending.
 */
static char *load(bool cached, bool *early)
{
	struct rg_config *cfg = config();
	struct rg_script_pending *pending = NULL;
	struct rg_str w = RG_STR_INIT;
	struct rg_revmap *map = NULL;
	bool stale;
	char *fp;

	if (!cached)
		setenv("REVGRAPH_NO_CACHE", "1", 1);
	assert_int_equal(rg_script_load_pending(&map, &pending, cfg, &w), 0);
	if (early)
		*early = pending != NULL;
	assert_int_equal(rg_script_settle(pending, &map, &stale), 0);
	unsetenv("REVGRAPH_NO_CACHE");
	fp = fingerprint(map, &w);
	rg_revmap_free(map);
	rg_str_release(&w);
	rg_config_free(cfg);
	return fp;
}

/* ---- the cache files, kept and put back ---- */

struct snapshot {
	char path[256];
	unsigned char *data;
	size_t len;
};

/* The one cache file there is. */
static void cache_path(char *buf, size_t size)
{
	const char *d = testproj_path(&proj, "cache/revgraph");
	DIR *dir = opendir(d);
	struct dirent *e;
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.') {
			int len = snprintf(buf, size, "%s/%s", d, e->d_name);

			assert_true(len > 0 && (size_t)len < size);
			n++;
		}
	closedir(dir);
	assert_int_equal(n, 1);
}

static void snap_take(struct snapshot *s)
{
	struct stat st;
	FILE *f;

	cache_path(s->path, sizeof(s->path));
	assert_int_equal(stat(s->path, &st), 0);
	s->len = (size_t)st.st_size;
	s->data = malloc(s->len);
	assert_non_null(s->data);
	f = fopen(s->path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(s->data, 1, s->len, f), s->len);
	fclose(f);
}

/* Write `len` bytes of `data` as the cache file (as revgraph would: 0600, by rename). */
static void cache_put(const char *path, const unsigned char *data, size_t len)
{
	char tmp[320];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.test", path);
	f = fopen(tmp, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(tmp, 0600), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void snap_restore(const struct snapshot *s)
{
	cache_put(s->path, s->data, s->len);
}

static size_t count_dir(const char *path)
{
	DIR *dir = opendir(path);
	size_t n = 0;

	assert_non_null(dir);
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

/* Threads and descriptors of this process: a helper not joined, or a directory left open, shows. */
static __attribute__((unused)) void count_own(size_t *threads, size_t *fds)
{
	*threads = count_dir("/proc/self/task");
	*fds = count_dir("/proc/self/fd");
}

/*
 * 1. Every allocation of an early load failing in turn, sticky or not, the
 * files unchanged since the cache was written or one of them edited (so
 * that rg_script_settle() reloads), until a load makes fewer allocations
 * than the one set to fail: RG_ENOMEM and no map, or (a failure the cache
 * may ignore: it is not written) the right map; then a load without
 * failures, with whatever the failed one left in the cache, gives the map
 * a load without the cache gives.  The helper thread's allocations are not
 * counted (the countdown is the calling thread's).
 */
static void alloc_failures(bool changed, int sticky)
{
	struct snapshot snap;
	char *want, *got;
	unsigned long n, made = 0, n_failed = 0;
	bool early;

	free(load(true, &early));	/* writes the cache */
	assert_true(early == false);	/* nothing was cached yet */
	free(load(true, &early));
	assert_true(early);
	snap_take(&snap);
	if (changed)
		edit_one();
	want = load(false, NULL);
	for (n = 1;; n++) {
		struct rg_config *cfg = config();
		struct rg_script_pending *pending = NULL;
		struct rg_str w = RG_STR_INIT;
		struct rg_revmap *map = NULL;
		bool stale = false, pend;
		unsigned long before;
		int err;

		before = rg_alloc_count();
		rg_alloc_fail_after(n, sticky);
		err = rg_script_load_pending(&map, &pending, cfg, &w);
		pend = pending != NULL;
		if (!err)
			err = rg_script_settle(pending, &map, &stale);
		rg_alloc_fail_after(0, 0);
		made = rg_alloc_count() - before;
		if (!err) {
			got = fingerprint(map, &w);
			assert_string_equal(got, want);
			assert_true(pend);
			assert_true(stale == changed);
			free(got);
		} else {
			if (err != RG_ENOMEM)
				fail_msg("n=%lu: error %d (%s)", n, err, rg_error_last());
			assert_null(map);
			n_failed++;
		}
		rg_revmap_free(map);
		rg_str_release(&w);
		rg_config_free(cfg);
		if (made < n)
			break;	/* nothing failed: every allocation has had its turn */
		/* whatever the failed load left in the cache does no harm (every 16th: time) */
		if (n % 16 == 0) {
			got = load(true, NULL);
			assert_string_equal(got, want);
			free(got);
			/* the next load gets the cache as it was before the edit again */
			snap_restore(&snap);
		}
	}
	/* the early load (and the reload) were gone through, not skipped */
	assert_true(n_failed > 100);
	print_message("%s, sticky %d: %lu allocations, %lu failed loads\n",
		      changed ? "changed" : "unchanged", sticky, made, n_failed);
	free(want);
	free(snap.data);
}

static void test_alloc_failures_unchanged(void **state)
{
	(void)state;
	alloc_failures(false, 1);
}

static void test_alloc_failures_changed(void **state)
{
	(void)state;
	alloc_failures(true, 1);
}

static void test_alloc_failures_changed_once(void **state)
{
	(void)state;
	alloc_failures(true, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_failures_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures_changed_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
