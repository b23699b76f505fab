/*
 * The header cache (cache.h).  One file per directory, named by a hash of
 * the directory's absolute path, under $XDG_CACHE_HOME/revgraph or
 * ~/.cache/revgraph.  It holds the directory listing and, for each revision
 * file, its stat data and what its parser declared, and is checked as a
 * whole (format, checksum, the directory it is for, the revgraph binary and
 * the settings that change how files are read) before any of it is used.
 *
 * Layout (native byte order, which the header records):
 *
 *   "RGHCACHE" u32 format u32 0x01020304 u64 checksum-of-the-rest
 *   str dir, str settings, i64 start seconds, i64 start nanoseconds,
 *   stat of the directory, u32 listing_ok, u64 n
 *   n x { str name, u32 record length (0: none), record }
 *
 * where str is u32 length + bytes + NUL, and a record is
 *
 *   stat (dev ino size mtime ctime), u32 kind, u32 flags, i32 x 4 lines,
 *   nstr id, nstr doc, nstr create_date, lists down/deps/labels
 *   (u32 count + str each), str warnings, u32 has bodies, and if it has:
 *   upgrade and downgrade body, each u32 count + { str sql, u32 line,
 *   i32 dialect } per part, then nstr lock_timeout + u32 its line
 *
 * (nstr: a str whose length UINT32_MAX means NULL).
 *
 * Racy entries.  A file changed in the same clock tick as it was read keeps
 * its timestamps, and on a file system with coarse (1 s, or FAT's 2 s)
 * timestamps that tick is long.  So the time a run starts is taken before it
 * stats anything and written into the (checksummed) file; no stat data
 * whose mtime or ctime is later than RACY_MARGIN before that start, or in
 * the future, is ever recorded or trusted: a file (or, for the listing, the
 * directory) changed after the stat has a timestamp at least that late.
 * The cache file's own mtime proves nothing: it is written after the stats.
 */
#define _DEFAULT_SOURCE 1
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "body.h"
#include "fsutil.h"
#include "revslab.h"
#include "revgraph/common.h"
#include "banned.h"

#define MAGIC "RGHCACHE"
#define FORMAT 4u
#define BYTE_ORDER_MARK 0x01020304u
#define HEADER_SIZE 24		/* magic, format, byte-order mark, checksum */
#define NULL_STR UINT32_MAX
#define DEFAULT_MIN_FILES 100
#define RACY_MARGIN 2		/* seconds: FAT's timestamps are 2 s coarse */

#define FLAG_HAS_DEPS 1u
#define FLAG_NOOP 2u
#define FLAG_NON_TRANSACTIONAL 4u

/* The stat data an entry is trusted for. */
struct fstamp {
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
};

/*
 * The stat data of the cached files, looked up ahead by a second thread:
 * fstatat() is most of what a run over an unchanged directory costs, and
 * the system calls of two threads overlap.  Both threads take chunks of the
 * listing in order from one counter; the reader waits only for a chunk the
 * helper is in the middle of.  For a large cache file the helper starts as
 * soon as the file is mapped: it sums the file while this thread indexes
 * it, and is awake when rg_cache_begin() hands it the listing.
 */
#define STAT_CHUNK 256
#define EARLY_HELPER_MIN ((size_t)64 << 10)	/* a cache file this large has 512 entries or so */
#define SPIN_NS 20000000L			/* how long the helper waits awake for the listing */

struct stat_ahead {
	const struct rg_cache *c;
	int dirfd;			/* the helper's own: see spawn_helper() */
	unsigned char *trusted;		/* per name: its record can be used */
	atomic_uchar *done;		/* per chunk */
	atomic_size_t next;		/* the next chunk to take */
	atomic_bool stop;
	atomic_bool go;			/* rg_cache_begin() has handed over the listing */
	atomic_bool summed;		/* `sum` is the cache file's checksum */
	bool want_sum;
	uint64_t sum;
	size_t n_chunks;
	pthread_t thread;
	bool running;
};

static int spawn_helper(struct rg_cache *c, bool want_sum);
static void stop_stat_ahead(struct rg_cache *c);
static bool sum_matches(const struct rg_cache *c, uint64_t sum);

/* One name of this run's listing. */
struct slot {
	const unsigned char *old;	/* its record in the cache file, or NULL */
	size_t old_len;
	size_t fresh_off, fresh_len;	/* its record serialised this run */
	enum { KEEP_NONE, KEEP_OLD, KEEP_FRESH } keep;	/* what the new file gets */
	bool asked;			/* rg_cache_get() was called for it */
	bool early;			/* given before its file was stat()ed */
};

struct rg_cache {
	char *file;			/* the cache file */
	char *dir;
	struct rg_str settings;		/* what else the entries depend on */
	struct fstamp dir_now;		/* the directory, now */
	struct timespec start;		/* this run's start, before any stat */
	struct timespec record_before;	/* what this run may record: older than this */

	/* the cache file, mapped; old_* point into it */
	const unsigned char *buf;
	size_t len;
	bool loaded;
	struct timespec trust_before;	/* what the file may hold: older than this */
	struct fstamp dir_then;
	bool then_listing_ok;		/* the listing recorded can be used */
	const char **old_names;
	const unsigned char **old_recs;	/* NULL: no record */
	size_t *old_rec_lens;
	size_t n_old;

	/* this run */
	bool begun;
	const char *const *names;
	size_t n_names;
	bool listing_ok;		/* this run's listing can be recorded */
	struct slot *slots;
	struct rg_str fresh;
	bool dirty;			/* the file must be rewritten */
	bool want_bodies;		/* give the revisions' bodies too */
	int dirfd;
	struct stat_ahead *ahead;	/* NULL: stat each file when it is asked for */
	struct rg_rev_slab *slab;	/* where the revisions rg_cache_get() gives are carved */
};

/* ---- checksum: four 64-bit lanes of multiply-xor, then a mix ---- */

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The checksum of a stream: 32-byte blocks from its start, then the tail byte by byte. */
struct sum {
	uint64_t lane[4];
	unsigned char block[32];
	size_t in_block;
	uint64_t len;
};

static void sum_init(struct sum *m)
{
	m->lane[0] = 1;
	m->lane[1] = 2;
	m->lane[2] = 3;
	m->lane[3] = 4;
	m->in_block = 0;
	m->len = 0;
}

static void sum_block(struct sum *m, const unsigned char *p)
{
	uint64_t w;
	size_t k;

	for (k = 0; k < 4; k++) {
		memcpy(&w, p + 8 * k, 8);
		m->lane[k] = (m->lane[k] ^ w) * 0x9e3779b97f4a7c15ULL;
		m->lane[k] ^= m->lane[k] >> 29;
	}
}

static void sum_add(struct sum *m, const void *data, size_t len)
{
	const unsigned char *p = data;

	m->len += len;
	if (m->in_block) {
		size_t take_n = 32 - m->in_block < len ? 32 - m->in_block : len;

		memcpy(m->block + m->in_block, p, take_n);
		m->in_block += take_n;
		p += take_n;
		len -= take_n;
		if (m->in_block < 32)
			return;
		sum_block(m, m->block);
		m->in_block = 0;
	}
	for (; len >= 32; p += 32, len -= 32)
		sum_block(m, p);
	memcpy(m->block, p, len);
	m->in_block = len;
}

static uint64_t sum_final(const struct sum *m)
{
	uint64_t h = m->len;
	size_t k;

	for (k = 0; k < 4; k++)
		h = mix(h ^ m->lane[k]);
	for (k = 0; k < m->in_block; k++)
		h = (h ^ m->block[k]) * 0x100000001b3ULL;
	return mix(h);
}

static uint64_t checksum(const unsigned char *p, size_t len)
{
	struct sum m;

	sum_init(&m);
	sum_add(&m, p, len);
	return sum_final(&m);
}

static uint64_t hash_string(const char *s)
{
	return checksum((const unsigned char *)s, strlen(s));
}

/* ---- writing ---- */

static void put_u32(struct rg_str *s, uint32_t v)
{
	rg_str_add(s, (const char *)&v, sizeof(v));
}

static void put_u64(struct rg_str *s, uint64_t v)
{
	rg_str_add(s, (const char *)&v, sizeof(v));
}

static void put_bytes(struct rg_str *s, const char *p, size_t len)
{
	put_u32(s, (uint32_t)len);
	rg_str_add(s, p, len);
	rg_str_addch(s, '\0');
}

static void put_str(struct rg_str *s, const char *p)
{
	if (!p) {
		put_u32(s, NULL_STR);
		return;
	}
	put_bytes(s, p, strlen(p));
}

static void put_list(struct rg_str *s, const struct rg_strlist *l)
{
	size_t i;

	put_u32(s, (uint32_t)l->n);
	for (i = 0; i < l->n; i++)
		put_str(s, l->items[i]);
}

static void put_body(struct rg_str *s, const struct rg_body *b)
{
	size_t i;

	put_u32(s, (uint32_t)b->n);
	for (i = 0; i < b->n; i++) {
		put_str(s, b->items[i].sql);
		put_u32(s, (uint32_t)b->items[i].line);
		put_u32(s, (uint32_t)b->items[i].dialect);
	}
	put_str(s, b->lock_timeout);
	put_u32(s, (uint32_t)b->lock_timeout_line);
}

static void put_stamp(struct rg_str *s, const struct fstamp *f)
{
	put_u64(s, f->dev);
	put_u64(s, f->ino);
	put_u64(s, f->size);
	put_u64(s, (uint64_t)f->mtime_s);
	put_u64(s, (uint64_t)f->mtime_ns);
	put_u64(s, (uint64_t)f->ctime_s);
	put_u64(s, (uint64_t)f->ctime_ns);
}

static void stamp_of(struct fstamp *f, const struct stat *st)
{
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->size = (uint64_t)st->st_size;
	f->mtime_s = (int64_t)st->st_mtim.tv_sec;
	f->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
	f->ctime_s = (int64_t)st->st_ctim.tv_sec;
	f->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
}

static bool stamp_eq(const struct fstamp *a, const struct fstamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
	       a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

static bool time_before(int64_t s, int64_t ns, const struct timespec *t)
{
	return s < (int64_t)t->tv_sec || (s == (int64_t)t->tv_sec && ns < (int64_t)t->tv_nsec);
}

/*
 * Racy: changed so close to `limit` (a run's start less RACY_MARGIN), or
 * later, that a change after the stat could have left the timestamps as
 * they are.
 */
static bool stamp_racy(const struct fstamp *f, const struct timespec *limit)
{
	return !time_before(f->mtime_s, f->mtime_ns, limit) ||
	       !time_before(f->ctime_s, f->ctime_ns, limit);
}

static struct timespec margin_before(const struct timespec *t)
{
	struct timespec limit = *t;

	limit.tv_sec -= RACY_MARGIN;
	return limit;
}

static bool test_clock_set;
static struct timespec test_clock;

void rg_cache_set_test_clock(const struct timespec *t)
{
	test_clock_set = t != NULL;
	if (t)
		test_clock = *t;
}

/* ---- reading ---- */

struct cursor {
	const unsigned char *p, *end;
	bool ok;
};

static bool take(struct cursor *c, void *out, size_t n)
{
	if (!c->ok || (size_t)(c->end - c->p) < n) {
		c->ok = false;
		return false;
	}
	memcpy(out, c->p, n);
	c->p += n;
	return true;
}

static uint32_t get_u32(struct cursor *c)
{
	uint32_t v = 0;

	take(c, &v, sizeof(v));
	return v;
}

static uint64_t get_u64(struct cursor *c)
{
	uint64_t v = 0;

	take(c, &v, sizeof(v));
	return v;
}

/* A str in place: its bytes (NUL-terminated in the file) and length; NULL for a NULL nstr. */
static const char *get_str(struct cursor *c, size_t *len)
{
	uint32_t n = get_u32(c);
	const char *s;

	*len = 0;
	if (!c->ok || n == NULL_STR)
		return NULL;
	if ((size_t)(c->end - c->p) < (size_t)n + 1 || c->p[n] != '\0') {
		c->ok = false;
		return NULL;
	}
	s = (const char *)c->p;
	c->p += (size_t)n + 1;
	*len = n;
	return s;
}

static void get_stamp(struct cursor *c, struct fstamp *f)
{
	f->dev = get_u64(c);
	f->ino = get_u64(c);
	f->size = get_u64(c);
	f->mtime_s = (int64_t)get_u64(c);
	f->mtime_ns = (int64_t)get_u64(c);
	f->ctime_s = (int64_t)get_u64(c);
	f->ctime_ns = (int64_t)get_u64(c);
}

/* ---- where the cache lives ---- */

/* $XDG_CACHE_HOME/revgraph or ~/.cache/revgraph into `s`; false if neither is set. */
static bool cache_dir(struct rg_str *s)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && xdg[0] == '/') {
		rg_str_adds(s, xdg);
	} else if (home && home[0] == '/') {
		rg_str_adds(s, home);
		rg_str_adds(s, "/.cache");
	} else {
		return false;
	}
	rg_str_adds(s, "/revgraph");
	return true;
}

/*
 * Whether the cache directory `path` may be used: a directory of ours that
 * nobody else can write to, or one that does not exist yet (made 0700).
 * One of ours that others can write to is closed first; one of somebody
 * else's is not used at all, since what it holds could have been put there
 * by anyone.
 */
static bool dir_is_private(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return false;
	return !(st.st_mode & 022) || !chmod(path, st.st_mode & 0700);
}

/* mkdir -p for the cache directory (its last two levels at most). */
static void make_dirs(const char *path)
{
	char *parent;

	if (!mkdir(path, 0700) || errno == EEXIST)
		return;
	if (errno != ENOENT || !(parent = rg_fs_dirname(path)))
		return;
	if (mkdir(parent, 0700) && errno != EEXIST) {
		free(parent);
		return;
	}
	free(parent);
	(void)mkdir(path, 0700);
}

/* What the entries depend on besides the files: this binary and the ini constants. */
static void describe_settings(struct rg_str *s, const struct rg_config *cfg)
{
	struct stat st;
	size_t i;

	rg_str_addf(s, "revgraph %s\n", rg_version());
	/* a rebuilt binary may read files differently */
	if (!stat("/proc/self/exe", &st))
		rg_str_addf(s, "exe %ju %ju %jd %jd.%09ld\n", (uintmax_t)st.st_dev,
			    (uintmax_t)st.st_ino, (intmax_t)st.st_size,
			    (intmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	for (i = 0; i < cfg->const_names.n && i < cfg->const_values.n; i++) {
		put_str(s, cfg->const_names.items[i]);
		put_str(s, cfg->const_values.items[i]);
	}
}

static bool env_disabled(void)
{
	const char *v = getenv("REVGRAPH_NO_CACHE");

	return v && *v && strcmp(v, "0");
}

size_t rg_cache_min_files(void)
{
	const char *v = getenv("REVGRAPH_CACHE_MIN_FILES");
	char *end;
	unsigned long n;

	if (!v || !*v)
		return DEFAULT_MIN_FILES;
	n = strtoul(v, &end, 10);
	return *end ? DEFAULT_MIN_FILES : (size_t)n;
}

/*
 * Map the whole cache file, or leave c->buf NULL.  A mapping brings 30 MB
 * (100k revisions) in without a copy or a page fault per page.  As with
 * git's index, the file is only ever replaced by rename(), never rewritten
 * in place, so the mapped file does not change under us.
 */
static void map_file(struct rg_cache *c)
{
	struct stat st;
	int fd = open(c->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), flags = MAP_PRIVATE;
	void *p;

	if (fd < 0)
		return;
	/* a file somebody else wrote or could have written is not ours to trust */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 022) || st.st_size < HEADER_SIZE || (uintmax_t)st.st_size > SIZE_MAX / 2)
		goto out;
#ifdef MAP_POPULATE
	flags |= MAP_POPULATE;
#endif
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, flags, fd, 0);
	if (p == MAP_FAILED)
		goto out;
	c->buf = p;
	c->len = (size_t)st.st_size;
out:
	close(fd);
}

static void unmap_file(struct rg_cache *c)
{
	if (c->buf)
		munmap((void *)c->buf, c->len);
	c->buf = NULL;
	c->len = 0;
}

/*
 * Whether a name from the cache file is one a listing gives: a file name, or
 * a subdirectory's with '/' at its end; never a path, "." or "..", which
 * would take the run out of the directory.
 */
static bool valid_name(const char *s, size_t len)
{
	if (len && s[len - 1] == '/')
		len--;
	return len && !memchr(s, '/', len) && !memchr(s, '\0', len) &&
	       !(len == 1 && s[0] == '.') && !(len == 2 && s[0] == '.' && s[1] == '.');
}

/* Check the file and index its names; false (and no old entries) if it cannot be used. */
static int parse_file(struct rg_cache *c, bool *usable)
{
	struct cursor cur;
	uint32_t format, bom;
	uint64_t sum, n;
	struct timespec then_start;
	const char *s;
	size_t len, i;

	*usable = false;
	if (!c->buf || memcmp(c->buf, MAGIC, 8))
		return 0;
	memcpy(&format, c->buf + 8, 4);
	memcpy(&bom, c->buf + 12, 4);
	memcpy(&sum, c->buf + 16, 8);
	/* indexed unchecked (every read is bounded), trusted only once the sum matches */
	if (format != FORMAT || bom != BYTE_ORDER_MARK)
		return 0;
	cur.p = c->buf + HEADER_SIZE;
	cur.end = c->buf + c->len;
	cur.ok = true;
	s = get_str(&cur, &len);
	if (!s || strcmp(s, c->dir))
		return 0;
	s = get_str(&cur, &len);
	if (!s || len != c->settings.len || memcmp(s, c->settings.buf, len))
		return 0;
	/* ours: a large one is summed by the helper while this thread indexes it */
	if (c->len >= EARLY_HELPER_MIN && spawn_helper(c, true))
		return RG_ENOMEM;
	then_start.tv_sec = (time_t)get_u64(&cur);
	then_start.tv_nsec = (long)get_u64(&cur);
	get_stamp(&cur, &c->dir_then);
	c->then_listing_ok = get_u32(&cur) == 1;
	n = get_u64(&cur);
	/* what was recorded is trusted as of its run's start, or of ours if the clock went back */
	c->trust_before = margin_before(time_before((int64_t)then_start.tv_sec,
						    (int64_t)then_start.tv_nsec, &c->start) ?
					&then_start : &c->start);
	/* each name takes at least 9 bytes */
	if (!cur.ok || n > (uint64_t)(cur.end - cur.p) / 9)
		return 0;
	c->n_old = (size_t)n;
	c->old_names = rg_malloc((c->n_old ? c->n_old : 1) * sizeof(char *));
	c->old_recs = rg_malloc((c->n_old ? c->n_old : 1) * sizeof(unsigned char *));
	c->old_rec_lens = rg_malloc((c->n_old ? c->n_old : 1) * sizeof(size_t));
	if (!c->old_names || !c->old_recs || !c->old_rec_lens)
		return RG_ENOMEM;
	for (i = 0; i < c->n_old && cur.ok; i++) {
		uint32_t rec_len;

		c->old_names[i] = get_str(&cur, &len);
		rec_len = get_u32(&cur);
		if (!c->old_names[i] || !valid_name(c->old_names[i], len) ||
		    (size_t)(cur.end - cur.p) < rec_len) {
			cur.ok = false;
			break;
		}
		c->old_recs[i] = rec_len ? cur.p : NULL;
		c->old_rec_lens[i] = rec_len;
		cur.p += rec_len;
	}
	if (!cur.ok || cur.p != cur.end || !sum_matches(c, sum)) {
		/* nothing read from it stands */
		c->n_old = 0;
		c->then_listing_ok = false;
		return 0;
	}
	*usable = true;
	return 0;
}

int rg_cache_open(struct rg_cache **out, const char *dir, int dirfd, const struct rg_config *cfg)
{
	struct rg_cache *c = NULL;
	struct rg_str file = RG_STR_INIT;
	struct stat st;
	bool usable;
	int err = 0;

	struct timespec start;

	*out = NULL;
	/* before anything is stat()ed: see "Racy entries" above */
	if (test_clock_set)
		start = test_clock;
	else
		clock_gettime(CLOCK_REALTIME, &start);
	if (env_disabled() || fstat(dirfd, &st) || !cache_dir(&file))
		goto out;
	if (rg_str_check(&file)) {
		err = RG_ENOMEM;
		goto out;
	}
	if (!dir_is_private(file.buf))
		goto out;
	rg_str_addf(&file, "/%016jx", (uintmax_t)hash_string(dir));
	if (!(c = rg_calloc(1, sizeof(*c))) || !(c->file = rg_str_detach(&file)) ||
	    !(c->dir = rg_strdup(dir))) {
		err = RG_ENOMEM;
		goto out;
	}
	rg_str_init(&c->settings);
	rg_str_init(&c->fresh);
	stamp_of(&c->dir_now, &st);
	c->dirfd = dirfd;
	c->start = start;
	c->record_before = margin_before(&start);
	c->want_bodies = cfg->want_bodies;
	describe_settings(&c->settings, cfg);
	if ((err = rg_str_check(&c->settings)))
		goto out;
	map_file(c);
	if ((err = parse_file(c, &usable)))
		goto out;
	c->loaded = usable;
	if (!usable) {
		stop_stat_ahead(c);
		unmap_file(c);
	}
	*out = c;
	c = NULL;
out:
	rg_str_release(&file);
	rg_cache_close(c, false);
	return err;
}

const char *const *rg_cache_listing(const struct rg_cache *c, size_t *n)
{
	*n = 0;
	if (!c->loaded || !c->then_listing_ok || !stamp_eq(&c->dir_then, &c->dir_now) ||
	    stamp_racy(&c->dir_now, &c->trust_before))
		return NULL;
	*n = c->n_old;
	return c->old_names;
}

/*
 * Whether the record of names[i] can be trusted for the file as it is now:
 * same stat data (fstatat(), following links), and not racy.
 */
static bool trusted(const struct rg_cache *c, int dirfd, size_t i)
{
	const struct slot *sl = &c->slots[i];
	struct fstamp then, now;
	struct cursor cur;
	struct stat st;

	cur.p = sl->old;
	cur.end = sl->old + sl->old_len;
	cur.ok = true;
	get_stamp(&cur, &then);
	if (!cur.ok || fstatat(dirfd, c->names[i], &st, 0))
		return false;
	stamp_of(&now, &st);
	return stamp_eq(&then, &now) && !stamp_racy(&then, &c->trust_before);
}

/* Check the cached names of chunk k, through the directory open as `dirfd`. */
static void check_chunk(struct stat_ahead *a, int dirfd, size_t k)
{
	const struct rg_cache *c = a->c;
	size_t i, end = (k + 1) * STAT_CHUNK < c->n_names ? (k + 1) * STAT_CHUNK : c->n_names;

	for (i = k * STAT_CHUNK; i < end; i++)
		a->trusted[i] = c->slots[i].old && trusted(c, dirfd, i);
	atomic_store_explicit(&a->done[k], 1, memory_order_release);
}

/* Take the next chunk nobody has taken and check it; false when none is left. */
static bool check_next_chunk(struct stat_ahead *a, int dirfd)
{
	size_t k = atomic_fetch_add(&a->next, 1);

	if (k >= a->n_chunks)
		return false;
	check_chunk(a, dirfd, k);
	return true;
}

static long ns_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000000000L + (now.tv_nsec - t0->tv_nsec);
}

static void *stat_thread(void *arg)
{
	struct stat_ahead *a = arg;
	const struct rg_cache *c = a->c;
	struct timespec t0, step = { 0, 100000 };

	if (a->want_sum) {
		a->sum = checksum(c->buf + HEADER_SIZE, c->len - HEADER_SIZE);
		atomic_store_explicit(&a->summed, true, memory_order_release);
	}
	/*
	 * The listing comes a millisecond or two later.  Waking a sleeping
	 * thread can take as long on a virtual machine, so wait awake for a
	 * while, then in steps of 0.1 ms.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!atomic_load_explicit(&a->go, memory_order_acquire)) {
		if (atomic_load(&a->stop))
			return NULL;
		if (ns_since(&t0) < SPIN_NS)
			sched_yield();
		else
			nanosleep(&step, NULL);
	}
	while (!atomic_load(&a->stop) && check_next_chunk(a, a->dirfd))
		;
	return NULL;
}

/* Start the helper (`want_sum`: it sums the mapped cache file first); no thread is no error. */
static int spawn_helper(struct rg_cache *c, bool want_sum)
{
	struct stat_ahead *a;

	if (!(a = rg_calloc(1, sizeof(*a))))
		return RG_ENOMEM;
	a->c = c;
	a->want_sum = want_sum;
	/*
	 * The same directory, through a file of its own: each fstatat() takes
	 * a reference on the file its dirfd names while two threads share the
	 * descriptor table, and one file's count bounced between two CPUs.
	 */
	a->dirfd = openat(c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->dirfd < 0)
		a->dirfd = c->dirfd;
	atomic_init(&a->next, 0);
	atomic_init(&a->stop, false);
	atomic_init(&a->go, false);
	atomic_init(&a->summed, false);
	a->running = !pthread_create(&a->thread, NULL, stat_thread, a);
	c->ahead = a;
	return 0;
}

/* Whether `sum` is the mapped cache file's checksum (the helper's, if it took it). */
static bool sum_matches(const struct rg_cache *c, uint64_t sum)
{
	struct stat_ahead *a = c->ahead;

	if (!a || !a->want_sum || !a->running)
		return sum == checksum(c->buf + HEADER_SIZE, c->len - HEADER_SIZE);
	while (!atomic_load_explicit(&a->summed, memory_order_acquire))
		sched_yield();
	return a->sum == sum;
}

/* Hand a listing with `n_cached` cached files to the helper, started now if need be. */
static int hand_over(struct rg_cache *c, size_t n_cached)
{
	struct stat_ahead *a;
	size_t k;
	int err;

	if (n_cached < 2 * STAT_CHUNK) {
		stop_stat_ahead(c);
		return 0;
	}
	if (!c->ahead && (err = spawn_helper(c, false)))
		return err;
	a = c->ahead;
	a->n_chunks = (c->n_names + STAT_CHUNK - 1) / STAT_CHUNK;
	a->trusted = rg_malloc(c->n_names);
	a->done = rg_malloc(a->n_chunks * sizeof(atomic_uchar));
	if (!a->trusted || !a->done) {
		stop_stat_ahead(c);
		return RG_ENOMEM;
	}
	for (k = 0; k < a->n_chunks; k++)
		atomic_init(&a->done[k], 0);
	atomic_store_explicit(&a->go, true, memory_order_release);
	return 0;
}

static void stop_stat_ahead(struct rg_cache *c)
{
	struct stat_ahead *a = c->ahead;

	if (!a)
		return;
	atomic_store(&a->stop, true);
	if (a->running)
		pthread_join(a->thread, NULL);
	if (a->dirfd != c->dirfd)
		close(a->dirfd);
	free(a->trusted);
	free(a->done);
	free(a);
	c->ahead = NULL;
}

/* Whether the record of names[i] is trusted, from the helper's work or now. */
static bool is_trusted(struct rg_cache *c, size_t i)
{
	struct stat_ahead *a = c->ahead;
	size_t k = i / STAT_CHUNK;

	if (!a)
		return trusted(c, c->dirfd, i);
	while (!atomic_load_explicit(&a->done[k], memory_order_acquire))
		if (!check_next_chunk(a, c->dirfd))
			sched_yield();	/* the helper is on it */
	return a->trusted[i];
}

int rg_cache_begin(struct rg_cache *c, const char *const *names, size_t n, bool all_typed)
{
	size_t i, j = 0, n_cached = 0;
	bool same_listing = c->loaded && n == c->n_old;

	if (!(c->slots = rg_calloc(n ? n : 1, sizeof(struct slot))))
		return RG_ENOMEM;
	c->begun = true;
	c->names = names;
	c->n_names = n;
	/* a directory changed since this run started may have changed after it was listed */
	c->listing_ok = all_typed && !stamp_racy(&c->dir_now, &c->record_before);
	if (names == c->old_names) {
		/* the cached listing, of a directory that has not changed since */
		for (i = 0; i < n; i++) {
			c->slots[i].old = c->old_recs[i];
			c->slots[i].old_len = c->old_rec_lens[i];
			c->slots[i].keep = c->old_recs[i] ? KEEP_OLD : KEEP_NONE;
			n_cached += c->old_recs[i] != NULL;
		}
		return hand_over(c, n_cached);
	}
	/* both listings are sorted (a name matches only itself either way): walk them side by side */
	for (i = 0; i < n; i++) {
		int cmp = 1;

		while (j < c->n_old && (cmp = strcmp(c->old_names[j], names[i])) < 0) {
			if (c->old_recs[j])
				c->dirty = true;	/* a cached file is gone */
			same_listing = false;
			j++;
		}
		if (j < c->n_old && !cmp) {
			c->slots[i].old = c->old_recs[j];
			c->slots[i].old_len = c->old_rec_lens[j];
			c->slots[i].keep = c->old_recs[j] ? KEEP_OLD : KEEP_NONE;
			n_cached += c->old_recs[j] != NULL;
			j++;
		} else {
			same_listing = false;
		}
	}
	for (; j < c->n_old; j++)
		if (c->old_recs[j])
			c->dirty = true;
	/*
	 * Record a changed listing, and one that can now be used by the next
	 * run; drop one recorded for the directory as it was.
	 */
	if (j != c->n_old || !same_listing ||
	    (c->then_listing_ok && !stamp_eq(&c->dir_then, &c->dir_now)) ||
	    (c->listing_ok && !c->then_listing_ok))
		c->dirty = true;
	return hand_over(c, n_cached);
}

/*
 * A cached revision is one stretch of a slab (revslab.h): the struct, the
 * item arrays of its lists, then its strings and its path.  So 10k
 * revisions are a dozen mallocs and frees instead of 80k.
 */
#define SLAB_SIZE ((size_t)256 << 10)

struct packer {
	char **slot;	/* the next list item pointer */
	char *text;	/* the next string byte */
};

/* Count a list at `cur`: its items into *n_items, its strings' bytes into *text; false if malformed. */
static bool measure_list(struct cursor *cur, size_t *n_items, size_t *text)
{
	uint32_t n = get_u32(cur), k;
	size_t len;

	if (!cur->ok || n > (size_t)(cur->end - cur->p) / 5)
		return false;
	*n_items += n;
	for (k = 0; k < n; k++) {
		if (!get_str(cur, &len))
			return false;
		*text += len + 1;
	}
	return true;
}

/* nstr `s` (`len` bytes) into the block; NULL stays NULL. */
static char *pack_str(struct packer *pk, const char *s, size_t len)
{
	char *out = pk->text;

	if (!s)
		return NULL;
	memcpy(out, s, len + 1);	/* the file has its NUL */
	pk->text += len + 1;
	return out;
}

/* A list measured by measure_list() into the block. */
static void pack_list(struct packer *pk, struct cursor *cur, struct rg_strlist *l)
{
	uint32_t n = get_u32(cur), k;
	size_t len;

	l->n = l->alloc = n;
	l->items = n ? pk->slot : NULL;
	pk->slot += n;
	for (k = 0; k < n; k++) {
		const char *s = get_str(cur, &len);

		l->items[k] = pack_str(pk, s, len);
	}
}

/* Count a body at `cur`: its parts into *n_parts, its strings' bytes into *text; false if malformed. */
static bool measure_body(struct cursor *cur, size_t *n_parts, size_t *text)
{
	uint32_t n = get_u32(cur), k;
	size_t len;

	if (!cur->ok || n > (size_t)(cur->end - cur->p) / 13)
		return false;
	*n_parts += n;
	for (k = 0; k < n; k++) {
		if (!get_str(cur, &len))
			return false;
		*text += len + 1;
		get_u32(cur);
		get_u32(cur);
	}
	if (get_str(cur, &len))
		*text += len + 1;
	get_u32(cur);
	return cur->ok;
}

/* A body measured by measure_body() into the block, its parts at *parts. */
static void pack_body(struct packer *pk, struct cursor *cur, struct rg_body *b,
		      struct rg_body_part **parts)
{
	uint32_t n = get_u32(cur), k;
	const char *s;
	size_t len;

	b->n = b->alloc = n;
	b->items = n ? *parts : NULL;
	*parts += n;
	for (k = 0; k < n; k++) {
		s = get_str(cur, &len);
		b->items[k].sql = pack_str(pk, s, len);
		b->items[k].line = get_u32(cur);
		b->items[k].dialect = (int32_t)get_u32(cur);
	}
	s = get_str(cur, &len);
	b->lock_timeout = pack_str(pk, s, len);
	b->lock_timeout_line = get_u32(cur);
}

/*
 * The revision in the record of names[i], into *out (NULL if the record
 * cannot be read); its warnings are appended to `warnings`.  `early`: give
 * nothing for a record with warnings, which could not be taken back.
 */
static int unpack(struct rg_cache *c, size_t i, const char *path, struct rg_revision **out,
		  struct rg_str *warnings, bool early)
{
	struct slot *sl = &c->slots[i];
	struct rg_revision *rev = NULL;
	struct fstamp then;
	struct cursor cur;
	const char *id, *doc, *date, *warn;
	size_t id_len, doc_len, date_len, wlen, n_items = 0, n_parts = 0, text, path_len, size;
	struct rg_body_part *parts;
	struct rg_rev_bodies *bodies = NULL;
	bool has_bodies = false;
	struct cursor lists;
	struct packer pk;
	uint32_t kind, flags;
	int32_t lines[4];
	int err = 0;

	*out = NULL;
	cur.p = sl->old;
	cur.end = sl->old + sl->old_len;
	cur.ok = true;
	get_stamp(&cur, &then);
	kind = get_u32(&cur);
	flags = get_u32(&cur);
	take(&cur, lines, sizeof(lines));
	id = get_str(&cur, &id_len);
	doc = get_str(&cur, &doc_len);
	date = get_str(&cur, &date_len);
	if (!cur.ok || !id || kind > RG_REVFILE_SQL)
		return 0;	/* cannot happen in a checksummed file: read the file instead */
	lists = cur;
	text = id_len + 1 + (doc ? doc_len + 1 : 0) + (date ? date_len + 1 : 0);
	if (!measure_list(&cur, &n_items, &text) || !measure_list(&cur, &n_items, &text) ||
	    !measure_list(&cur, &n_items, &text))
		return 0;
	warn = get_str(&cur, &wlen);
	/* the bodies stay in the record (kept as it is) unless asked for */
	if (c->want_bodies && get_u32(&cur) == 1 && cur.ok) {
		has_bodies = true;
		if (!measure_body(&cur, &n_parts, &text) || !measure_body(&cur, &n_parts, &text))
			return 0;
	}
	if (!cur.ok || !warn || (c->want_bodies && cur.p != cur.end) || (early && wlen))
		return 0;
	/* the struct, the lists' item arrays, the bodies and their parts, then the strings */
	path_len = strlen(path);
	size = sizeof(*rev) + n_items * sizeof(char *) +
	       (has_bodies ? sizeof(*bodies) + n_parts * sizeof(*parts) : 0) + text + path_len + 1;
	if (!c->slab || !(rev = rg_rev_slab_carve(c->slab, size))) {
		rg_rev_slab_release(c->slab);
		if (!(c->slab = rg_rev_slab_new(size > SLAB_SIZE ? size : SLAB_SIZE))) {
			err = RG_ENOMEM;
			goto out;
		}
		rev = rg_rev_slab_carve(c->slab, size);
	}
	memset(rev, 0, sizeof(*rev));
	rev->slab = c->slab;
	pk.slot = (char **)(rev + 1);
	bodies = (struct rg_rev_bodies *)(pk.slot + n_items);
	parts = (struct rg_body_part *)(bodies + 1);
	pk.text = has_bodies ? (char *)(parts + n_parts) : (char *)bodies;
	cur = lists;
	rev->path = pack_str(&pk, path, path_len);
	rev->id = pack_str(&pk, id, id_len);
	rev->doc = pack_str(&pk, doc, doc_len);
	rev->create_date = pack_str(&pk, date, date_len);
	pack_list(&pk, &cur, &rev->down);
	pack_list(&pk, &cur, &rev->deps);
	pack_list(&pk, &cur, &rev->labels);
	get_str(&cur, &wlen);
	if (has_bodies) {
		get_u32(&cur);
		memset(bodies, 0, sizeof(*bodies));
		pack_body(&pk, &cur, &bodies->up, &parts);
		pack_body(&pk, &cur, &bodies->down, &parts);
		rev->bodies = bodies;
	}
	rev->kind = (enum rg_revfile_kind)kind;
	rev->has_deps = flags & FLAG_HAS_DEPS;
	rev->body_is_noop = flags & FLAG_NOOP;
	rev->non_transactional = flags & FLAG_NON_TRANSACTIONAL;
	rev->line_id = lines[0];
	rev->line_down = lines[1];
	rev->line_deps = lines[2];
	rev->line_labels = lines[3];
	if (wlen) {
		rg_str_add(warnings, warn, wlen);
		if ((err = rg_str_check(warnings)))
			goto out;
	}
	sl->keep = KEEP_OLD;
	*out = rev;
	rev = NULL;
out:
	rg_revision_free(rev);
	return err;
}

int rg_cache_get(struct rg_cache *c, size_t i, const char *path, struct rg_revision **out,
		 struct rg_str *warnings)
{
	struct slot *sl = &c->slots[i];

	*out = NULL;
	sl->asked = true;
	if (!sl->old)
		return 0;
	/* until it proves trusted, the record is not kept */
	sl->keep = KEEP_NONE;
	if (!is_trusted(c, i))
		return 0;
	return unpack(c, i, path, out, warnings, false);
}

bool rg_cache_stats_ahead(const struct rg_cache *c)
{
	return c->ahead != NULL;
}

int rg_cache_get_early(struct rg_cache *c, size_t i, const char *path, struct rg_revision **out,
		       struct rg_str *warnings)
{
	struct slot *sl = &c->slots[i];
	int err;

	if (!c->ahead || !sl->old)
		return rg_cache_get(c, i, path, out, warnings);
	sl->asked = true;
	/* kept, unless rg_cache_confirm() finds the file changed */
	if ((err = unpack(c, i, path, out, warnings, true)))
		return err;
	if (*out) {
		sl->early = true;
		return 0;
	}
	/* a record with warnings (or one that cannot be read) waits for its stat data */
	return rg_cache_get(c, i, path, out, warnings);
}

bool rg_cache_confirm(struct rg_cache *c)
{
	struct stat_ahead *a = c->ahead;
	size_t i, k;

	if (!a)
		return true;	/* nothing was given early */
	for (k = 0; k < a->n_chunks; k++)
		while (!atomic_load_explicit(&a->done[k], memory_order_acquire))
			if (!check_next_chunk(a, c->dirfd))
				sched_yield();	/* the helper is on it */
	for (i = 0; i < c->n_names; i++)
		if (c->slots[i].early && !a->trusted[i])
			return false;
	return true;
}

void rg_cache_rewind(struct rg_cache *c)
{
	size_t i;

	for (i = 0; i < c->n_names; i++) {
		struct slot *sl = &c->slots[i];

		sl->asked = sl->early = false;
		/* a record found stale is not written back, even if the run stops before asking again */
		sl->keep = sl->old && (!c->ahead || c->ahead->trusted[i]) ? KEEP_OLD : KEEP_NONE;
	}
	rg_str_reset(&c->fresh);
}

int rg_cache_put(struct rg_cache *c, size_t i, const struct stat *st,
		 const struct rg_revision *rev, const char *warnings, size_t wlen)
{
	struct slot *sl = &c->slots[i];
	struct fstamp f;
	int32_t lines[4] = { rev->line_id, rev->line_down, rev->line_deps, rev->line_labels };
	uint32_t flags = (rev->has_deps ? FLAG_HAS_DEPS : 0) | (rev->body_is_noop ? FLAG_NOOP : 0) |
			 (rev->non_transactional ? FLAG_NON_TRANSACTIONAL : 0);

	stamp_of(&f, st);
	/* racy: not recorded, and an old record of the file goes too (rg_cache_close()) */
	sl->keep = KEEP_NONE;
	if (stamp_racy(&f, &c->record_before))
		return 0;
	sl->fresh_off = c->fresh.len;
	put_stamp(&c->fresh, &f);
	put_u32(&c->fresh, (uint32_t)rev->kind);
	put_u32(&c->fresh, flags);
	rg_str_add(&c->fresh, (const char *)lines, sizeof(lines));
	put_str(&c->fresh, rev->id);
	put_str(&c->fresh, rev->doc);
	put_str(&c->fresh, rev->create_date);
	put_list(&c->fresh, &rev->down);
	put_list(&c->fresh, &rev->deps);
	put_list(&c->fresh, &rev->labels);
	put_bytes(&c->fresh, warnings, wlen);
	put_u32(&c->fresh, rev->bodies ? 1 : 0);
	if (rev->bodies) {
		put_body(&c->fresh, &rev->bodies->up);
		put_body(&c->fresh, &rev->bodies->down);
	}
	if (rg_str_check(&c->fresh))
		return RG_ENOMEM;
	sl->fresh_len = c->fresh.len - sl->fresh_off;
	sl->keep = KEEP_FRESH;
	c->dirty = true;
	return 0;
}

/* ---- writing the file ---- */

/* The new file goes out through a buffer, summed on the way. */
struct writer {
	int fd;
	struct rg_str buf;
	struct sum sum;
	bool failed;
};

static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void flush(struct writer *w)
{
	if (rg_str_check(&w->buf) || !write_all(w->fd, w->buf.buf, w->buf.len))
		w->failed = true;
	sum_add(&w->sum, w->buf.buf, w->buf.len);
	rg_str_reset(&w->buf);
}

/* Append `len` bytes kept elsewhere (a record), flushing around big ones. */
static void emit(struct writer *w, const void *p, size_t len)
{
	rg_str_add(&w->buf, p, len);
	if (w->buf.len >= 1 << 20)
		flush(w);
}

/* Everything after the header: the directory, the settings, each name with its record. */
static void write_body(struct rg_cache *c, struct writer *w)
{
	size_t i;

	put_str(&w->buf, c->dir);
	put_bytes(&w->buf, c->settings.buf, c->settings.len);
	put_u64(&w->buf, (uint64_t)(int64_t)c->start.tv_sec);
	put_u64(&w->buf, (uint64_t)(int64_t)c->start.tv_nsec);
	put_stamp(&w->buf, &c->dir_now);
	put_u32(&w->buf, c->listing_ok ? 1 : 0);
	put_u64(&w->buf, c->n_names);
	for (i = 0; i < c->n_names && !w->failed; i++) {
		const struct slot *sl = &c->slots[i];

		put_str(&w->buf, c->names[i]);
		if (sl->keep == KEEP_OLD) {
			put_u32(&w->buf, (uint32_t)sl->old_len);
			emit(w, sl->old, sl->old_len);
		} else if (sl->keep == KEEP_FRESH) {
			put_u32(&w->buf, (uint32_t)sl->fresh_len);
			emit(w, c->fresh.buf + sl->fresh_off, sl->fresh_len);
		} else {
			put_u32(&w->buf, 0);
		}
	}
	flush(w);
}

static void write_cache(struct rg_cache *c)
{
	struct writer w;
	struct rg_str tmp = RG_STR_INIT;
	unsigned char header[HEADER_SIZE];
	uint32_t format = FORMAT, bom = BYTE_ORDER_MARK;
	uint64_t sum;
	char *base = NULL;
	bool created = false;	/* the temporary file exists */

	w.fd = -1;
	rg_str_init(&w.buf);
	w.failed = false;
	if (!(base = rg_fs_dirname(c->file)))
		goto out;
	make_dirs(base);
	rg_str_addf(&tmp, "%s.XXXXXX", c->file);
	if (rg_str_check(&tmp) || (w.fd = mkstemp(tmp.buf)) < 0)
		goto out;
	created = true;
	/* the header last, once the checksum is known */
	memset(header, 0, sizeof(header));
	sum_init(&w.sum);
	if (!write_all(w.fd, (const char *)header, sizeof(header)))
		goto out;
	write_body(c, &w);
	sum = sum_final(&w.sum);
	memcpy(header, MAGIC, 8);
	memcpy(header + 8, &format, 4);
	memcpy(header + 12, &bom, 4);
	memcpy(header + 16, &sum, 8);
	if (w.failed || pwrite(w.fd, header, sizeof(header), 0) != (ssize_t)sizeof(header))
		goto out;
	if (close(w.fd)) {
		w.fd = -1;
		goto out;
	}
	w.fd = -1;
	if (!rename(tmp.buf, c->file))
		created = false;
out:
	if (w.fd >= 0)
		close(w.fd);
	if (created)
		unlink(tmp.buf);
	free(base);
	rg_str_release(&w.buf);
	rg_str_release(&tmp);
}

void rg_cache_close(struct rg_cache *c, bool save)
{
	size_t i;

	if (!c)
		return;
	stop_stat_ahead(c);
	/* a record found stale and not replaced must go (one never asked for stays) */
	for (i = 0; c->begun && i < c->n_names; i++)
		if (c->slots[i].asked && c->slots[i].old && c->slots[i].keep == KEEP_NONE)
			c->dirty = true;
	/* the cache is an optimisation: failing to write it is no error */
	if (save && c->begun && c->dirty)
		write_cache(c);
	free(c->file);
	free(c->dir);
	unmap_file(c);
	free(c->old_names);
	free(c->old_recs);
	free(c->old_rec_lens);
	free(c->slots);
	rg_rev_slab_release(c->slab);
	rg_str_release(&c->settings);
	rg_str_release(&c->fresh);
	free(c);
}
