/*
 * Tests for revgraph/fsutil.c: Python's path arithmetic (normpath, abspath,
 * dirname, relpath), creating a new file without ever touching an
 * existing one, and listing a directory open as a descriptor.
 */
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

#include <fcntl.h>

#include "alloc.h"
#include "fsutil.h"
#include "revgraph/common.h"

static char tmpdir[] = "/tmp/rgfsXXXXXX";

static void check_str(char *got, const char *want)
{
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_paths(void **state)
{
	(void)state;
	check_str(rg_fs_normpath("a//b/./c/../d/"), "a/b/d");
	check_str(rg_fs_normpath("../../a"), "../../a");
	check_str(rg_fs_normpath("/../a"), "/a");
	check_str(rg_fs_normpath("//a"), "//a");
	check_str(rg_fs_normpath(""), ".");
	check_str(rg_fs_dirname("/a/b"), "/a");
	check_str(rg_fs_dirname("/a"), "/");
	check_str(rg_fs_dirname("a"), "");
	check_str(rg_fs_join("a/", "b"), "a/b");
	check_str(rg_fs_join("", "b"), "b");
	check_str(rg_fs_join("a", "/b"), "/b");
}

static void test_relpath(void **state)
{
	(void)state;
	/* os.path.relpath(path, start) */
	check_str(rg_fs_relpath("/a/b/c", "/a/b"), "c");
	check_str(rg_fs_relpath("/a/b", "/a/b"), ".");
	check_str(rg_fs_relpath("/a", "/a/b/c"), "../..");
	check_str(rg_fs_relpath("/a/x/y", "/a/b/c"), "../../x/y");
	check_str(rg_fs_relpath("/ab", "/a"), "../ab");
	check_str(rg_fs_relpath("/a", "/ab"), "../a");
	check_str(rg_fs_relpath("/x", "/"), "x");
	check_str(rg_fs_relpath("/", "/x/y"), "../..");
	check_str(rg_fs_relpath("/", "/"), ".");
}

static void test_write_new(void **state)
{
	char path[300], *text = NULL;
	struct stat st;
	size_t len;
	mode_t old = umask(022);

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/f", tmpdir);
	assert_int_equal(rg_fs_write_new(path, "hello\n", 6, 0), 0);
	assert_int_equal(rg_fs_read(&text, &len, path), 0);
	assert_string_equal(text, "hello\n");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* an existing file is an error and stays as it was */
	assert_int_equal(rg_fs_write_new(path, "other", 5, 0), RG_EIO);
	assert_non_null(strstr(rg_error_last(), "/f': File exists"));
	assert_int_equal(rg_fs_read(&text, &len, path), 0);
	assert_string_equal(text, "hello\n");
	free(text);

	/* an explicit mode is exact, whatever the umask */
	snprintf(path, sizeof(path), "%s/x", tmpdir);
	assert_int_equal(rg_fs_write_new(path, "", 0, 0775), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0775);
	assert_int_equal(st.st_size, 0);

	snprintf(path, sizeof(path), "%s/nodir/f", tmpdir);
	assert_int_equal(rg_fs_write_new(path, "x", 1, 0), RG_EIO);
	assert_non_null(strstr(rg_error_last(), "/nodir/f': No such file or directory"));
	umask(old);
}

static void test_listdir_at_twice(void **state)
{
	char dir[] = "/tmp/rglsXXXXXX", path[300];
	struct rg_strlist l = RG_STRLIST_INIT;
	int dfd, k;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.py", dir);
	assert_int_equal(rg_fs_write_new(path, "", 0, 0), 0);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	/* the second listing of the same descriptor starts from the beginning too */
	for (k = 0; k < 2; k++) {
		assert_int_equal(rg_fs_listdir_at(&l, dfd, dir, NULL), 0);
		assert_int_equal(l.n, 2);
		assert_string_equal(l.items[0], "a.py");
		assert_string_equal(l.items[1], "sub/");
		rg_strlist_release(&l);
	}
	close(dfd);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a.py", dir);
	unlink(path);
	rmdir(dir);
}

static void test_allocation_failures(void **state)
{
	unsigned long i;
	char *p = NULL;

	(void)state;
	for (i = 1; !p; i++) {
		rg_alloc_fail_after(i, 0);
		p = rg_fs_relpath("/a/x/y", "/a/b/c");
		rg_alloc_fail_after(0, 0);
		assert_true(i < 100);
	}
	check_str(p, "../../x/y");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_relpath),
		cmocka_unit_test(test_write_new),
		cmocka_unit_test(test_listdir_at_twice),
		cmocka_unit_test(test_allocation_failures),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
