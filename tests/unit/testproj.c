/*
 * The scratch project directory of testproj.h, shared by the unit tests
 * that set up an alembic.ini and revision files (config, migrate) so that
 * each does not carry its own mkdtemp/write/rm -rf.
 */
#include "testproj.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

void testproj_init(struct testproj *p, const char *name)
{
	int n = snprintf(p->dir, sizeof(p->dir), "/tmp/rg_%s_XXXXXX", name);

	assert_true(n > 0 && (size_t)n < sizeof(p->dir));
	assert_non_null(mkdtemp(p->dir));
}

const char *testproj_path(const struct testproj *p, const char *rel)
{
	static char bufs[8][512];
	static unsigned next;
	char *b = bufs[next++ % 8];
	int n;

	assert_true(p->dir[0] != '\0');
	n = snprintf(b, sizeof(bufs[0]), "%s/%s", p->dir, rel);
	assert_true(n > 0 && (size_t)n < sizeof(bufs[0]));
	return b;
}

void testproj_mkdir(const struct testproj *p, const char *rel)
{
	assert_int_equal(mkdir(testproj_path(p, rel), 0755), 0);
}

void testproj_write(const struct testproj *p, const char *rel, const char *text)
{
	FILE *f = fopen(testproj_path(p, rel), "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

void testproj_native(const struct testproj *p, const char *ini_extra)
{
	char ini[1024];
	int n = snprintf(ini, sizeof(ini), "[alembic]\nscript_location = %%(here)s\n%s",
			 ini_extra ? ini_extra : "");

	assert_true(n > 0 && (size_t)n < sizeof(ini));
	testproj_mkdir(p, "versions");
	testproj_write(p, "alembic.ini", ini);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void testproj_release(struct testproj *p)
{
	if (!p->dir[0])
		return;
	assert_int_equal(nftw(p->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	p->dir[0] = '\0';
}
