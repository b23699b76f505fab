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
#define N_BIG 520
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
 * The fingerprint of one load, with the cache or without; *early: the
 * load was left pending (its directory was taken early).
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
static void count_own(size_t *threads, size_t *fds)
{
	*threads = count_dir("/proc/self/task");
	*fds = count_dir("/proc/self/fd");
}

/*
 * 1. Every allocation of an early load failing in turn (or every later one too), the
 * files unchanged since the cache was written or one of them edited (so
 * that rg_script_settle() reloads), until a load makes fewer allocations
 * than the one set to fail: RG_ENOMEM and no map, or (a failure the cache
 * may ignore: it is not written) the right map; then a load without
 * failures, with whatever the failed one left in the cache, gives the map
 * a load without the cache gives.  The helper thread's allocations are not
 * counted (the countdown is the calling thread's).
 */
static void alloc_failures(bool changed, int sticky, bool only_settle)
{
	struct snapshot snap;
	char *want, *got;
	unsigned long n = 1, made = 0, n_failed = 0;
	bool early;

	free(load(true, &early));	/* writes the cache */
	assert_true(early == false);	/* nothing was cached yet */
	free(load(true, &early));
	assert_true(early);
	snap_take(&snap);
	if (changed)
		edit_one();
	want = load(false, NULL);
	if (only_settle) {
		/* start with the first allocation rg_script_settle() makes */
		struct rg_config *cfg = config();
		struct rg_script_pending *pending;
		struct rg_str w = RG_STR_INIT;
		struct rg_revmap *map;
		unsigned long before = rg_alloc_count();
		bool stale;

		assert_int_equal(rg_script_load_pending(&map, &pending, cfg, &w), 0);
		n = rg_alloc_count() - before + 1;
		assert_int_equal(rg_script_settle(pending, &map, &stale), 0);
		assert_true(stale);
		rg_revmap_free(map);
		rg_str_release(&w);
		rg_config_free(cfg);
		snap_restore(&snap);
	}
	for (;; n++) {
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
		}
		/* the next load gets the cache as it was before the edit again */
		if (!err || n % 16 == 0)
			snap_restore(&snap);
	}
	/* the early load (or the reload) was gone through, not skipped */
	assert_true(n_failed > 100);
	print_message("%s, sticky %d: %lu allocations, %lu failed loads\n",
		      changed ? "changed" : "unchanged", sticky, made, n_failed);
	free(want);
	free(snap.data);
}

static void test_alloc_failures_unchanged(void **state)
{
	(void)state;
	alloc_failures(false, 1, false);
}

/* one failure only: failing every later one too would hide a failure taken for no error */
static void test_alloc_failures_changed(void **state)
{
	(void)state;
	alloc_failures(true, 0, false);
}

/* until the reload the changed project fails as the unchanged one: sticky from there */
static void test_alloc_failures_changed_sticky(void **state)
{
	(void)state;
	alloc_failures(true, 1, true);
}


/* ---- a cache file forged: cache.c's checksum, so that a changed record is trusted ---- */

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t forge_sum(const unsigned char *p, size_t len)
{
	uint64_t lane[4] = { 1, 2, 3, 4 }, w, h = len;
	size_t k, off;

	for (off = 0; len - off >= 32; off += 32)
		for (k = 0; k < 4; k++) {
			memcpy(&w, p + off + 8 * k, 8);
			lane[k] = (lane[k] ^ w) * 0x9e3779b97f4a7c15ULL;
			lane[k] ^= lane[k] >> 29;
		}
	for (k = 0; k < 4; k++)
		h = mix(h ^ lane[k]);
	for (; off < len; off++)
		h = (h ^ p[off]) * 0x100000001b3ULL;
	return mix(h);
}

#define HEADER_SIZE 24	/* magic (8), format (4), byte-order mark (4), checksum (8) */

/*
 * A copy of the cache file `s` (its first `len` bytes) with MARKER's record
 * saying "marker BBBB" and a checksum that matches again (`resum`).
 */
static unsigned char *forge(const struct snapshot *s, size_t len, bool resum)
{
	unsigned char *d = malloc(s->len), *at;
	uint64_t sum;

	assert_non_null(d);
	memcpy(d, s->data, s->len);
	at = memmem(d, s->len, MARKER, strlen(MARKER));
	assert_non_null(at);
	memcpy(at + strlen(MARKER) - 4, "BBBB", 4);
	assert_null(memmem(at + 1, s->len - (size_t)(at + 1 - d), MARKER, strlen(MARKER)));
	if (resum) {
		sum = forge_sum(d + HEADER_SIZE, len - HEADER_SIZE);
		memcpy(d + 16, &sum, 8);
	}
	return d;
}

enum damage { FORGED_ONLY, BAD_MAGIC, BAD_FORMAT, OTHER_SETTINGS, TRUNCATED, TRUNCATED_RESUMMED,
	      BAD_SUM };

/*
 * 4. A cache file of 64 KiB or more (its checksum is taken by the helper
 * thread while the file is indexed), forged so that the record of
 * versions/v0300.py holds "marker BBBB": as it is, it is used (that shows
 * the forgery works); with a wrong magic, a wrong format version, other
 * settings (another value of an ini constant a file uses), cut short (with
 * its checksum made to match again or not), or its checksum not made to
 * match the forged record, nothing
 * from it is used: the map is the one a load without the cache gives, no
 * thread or descriptor is left behind, and the cache file written in its
 * place is used by the next run (forged again, its record shows).
 */
static void damaged_cache(enum damage how)
{
	struct snapshot snap, again;
	size_t threads, fds, threads_after, fds_after, len;
	unsigned char *d;
	char *want, *got;
	bool early;
	uint32_t v;

	free(load(true, &early));	/* writes the cache */
	snap_take(&snap);
	assert_true(snap.len >= (size_t)64 << 10);
	assert_memory_equal(snap.data, "RGHCACHE", 8);
	want = load(false, NULL);
	len = how == TRUNCATED || how == TRUNCATED_RESUMMED ? snap.len - 100 : snap.len;
	d = forge(&snap, len, how != TRUNCATED && how != BAD_SUM);
	if (how == BAD_MAGIC)
		d[0] ^= 0x20;
	if (how == BAD_FORMAT) {
		memcpy(&v, d + 8, 4);
		v++;
		memcpy(d + 8, &v, 4);
	}
	if (how == OTHER_SETTINGS) {
		/* r0001's down_revision is BASE: with the cache file's records it would stay r0000 */
		write_ini("q0000");
		free(want);
		want = load(false, NULL);
	}
	cache_put(snap.path, d, len);
	count_own(&threads, &fds);
	got = load(true, &early);
	count_own(&threads_after, &fds_after);
	assert_int_equal(threads_after, threads);
	assert_int_equal(fds_after, fds);
	if (how == FORGED_ONLY) {
		/* the forgery is trusted: the tests below show what keeps it out */
		assert_true(early);
		assert_non_null(strstr(got, "marker BBBB"));
		assert_null(strstr(got, MARKER));
		assert_non_null(strstr(want, MARKER));
		free(got);
		free(d);
		free(want);
		free(snap.data);
		return;
	}
	assert_false(early);
	assert_string_equal(got, want);
	free(got);
	if (how == OTHER_SETTINGS)
		assert_non_null(strstr(want, "r0001 [q0000 ]"));

	/* rewritten: the next run takes it early, and it is its records that it uses */
	snap_take(&again);
	assert_memory_equal(again.data, "RGHCACHE", 8);
	got = load(true, &early);
	assert_true(early);
	assert_string_equal(got, want);
	free(got);
	free(d);
	d = forge(&again, again.len, true);
	cache_put(again.path, d, again.len);
	got = load(true, &early);
	assert_true(early);
	assert_non_null(strstr(got, "marker BBBB"));
	free(got);
	free(d);
	free(want);
	free(snap.data);
	free(again.data);
}

static void test_forged_cache_is_used(void **state)
{
	(void)state;
	damaged_cache(FORGED_ONLY);
}

static void test_bad_magic(void **state)
{
	(void)state;
	damaged_cache(BAD_MAGIC);
}

static void test_bad_format(void **state)
{
	(void)state;
	damaged_cache(BAD_FORMAT);
}

static void test_other_settings(void **state)
{
	(void)state;
	damaged_cache(OTHER_SETTINGS);
}

static void test_truncated(void **state)
{
	(void)state;
	damaged_cache(TRUNCATED);
}

static void test_truncated_resummed(void **state)
{
	(void)state;
	damaged_cache(TRUNCATED_RESUMMED);
}

static void test_bad_sum(void **state)
{
	(void)state;
	damaged_cache(BAD_SUM);
}

/*
 * 5. No second thread at all (pthread_create() failing: a default stack
 * no mapping can hold): the helper is optional, so every load still gives
 * the right map, early (N_BIG files) and not (150 files), with the cache
 * file summed here, files unchanged or one edited.
 */
static void *nothing(void *arg)
{
	return arg;
}

static void no_thread(bool changed)
{
	pthread_attr_t saved;
	size_t saved_stack;
	pthread_t t;
	char *want, *got;
	bool early;
	size_t i;

	assert_int_equal(pthread_getattr_default_np(&saved), 0);
	assert_int_equal(pthread_attr_getstacksize(&saved, &saved_stack), 0);
	assert_int_equal(pthread_attr_destroy(&saved), 0);
	{
		pthread_attr_t huge;

		assert_int_equal(pthread_attr_init(&huge), 0);
		assert_int_equal(pthread_attr_setstacksize(&huge, (size_t)1 << 46), 0);
		assert_int_equal(pthread_setattr_default_np(&huge), 0);
		assert_int_equal(pthread_attr_destroy(&huge), 0);
	}
	/* it works: no thread can be made now */
	assert_int_not_equal(pthread_create(&t, NULL, nothing, NULL), 0);

	free(load(true, &early));	/* writes the cache */
	assert_false(early);
	free(load(true, &early));
	assert_true(early);	/* without the helper: this thread stats the files before confirming */
	if (changed)
		edit_one();
	want = load(false, NULL);
	got = load(true, &early);
	assert_true(early);
	assert_string_equal(got, want);
	free(got);
	free(want);

	/* 150 files: cached, not loaded early */
	for (i = 150; i < N_BIG; i++) {
		char rel[32];

		snprintf(rel, sizeof(rel), "versions/v%04zu.py", i);
		assert_int_equal(unlink(testproj_path(&proj, rel)), 0);
	}
	free(load(true, &early));
	want = load(false, NULL);
	got = load(true, &early);
	assert_false(early);
	assert_string_equal(got, want);
	free(got);
	free(want);

	{
		pthread_attr_t back;

		assert_int_equal(pthread_attr_init(&back), 0);
		assert_int_equal(pthread_attr_setstacksize(&back, saved_stack), 0);
		assert_int_equal(pthread_setattr_default_np(&back), 0);
		assert_int_equal(pthread_attr_destroy(&back), 0);
	}
	assert_int_equal(pthread_create(&t, NULL, nothing, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
}

static void test_no_thread_unchanged(void **state)
{
	(void)state;
	no_thread(false);
}

static void test_no_thread_changed(void **state)
{
	(void)state;
	no_thread(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_failures_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures_changed_sticky, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_cache_is_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_resummed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_sum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_thread_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_thread_changed, setup, teardown),
	};

	/* e.g. RG_TEST_FILTER='test_bad_*' to run some */
	if (getenv("RG_TEST_FILTER"))
		cmocka_set_test_filter(getenv("RG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
