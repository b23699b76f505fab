/*
 * Tests for revgraph/editor.c: which editor is chosen ($EDITOR, $VISUAL,
 * the default list on $PATH) and how running it fails, with the texts
 * Alembic shows.
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

#include "alloc.h"
#include "editor.h"
#include "revgraph/common.h"

static char tmpdir[] = "/tmp/rgedXXXXXX";

static const char *at(const char *rel)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, rel);
	return b;
}

static void write_script(const char *rel, const char *body, mode_t mode)
{
	FILE *f = fopen(at(rel), "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(at(rel), mode), 0);
}

/*
 * bin1/: sensible-editor (not executable), nano, "my editor" (a name with a
 * space); bin2/: editor, vi; ed.sh (records its arguments), fail.sh
 * (exit 3), kill.sh (killed by SIGTERM), noexec.sh (mode 644).
 */
static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	mkdir(at("bin1"), 0755);
	mkdir(at("bin2"), 0755);
	write_script("bin1/sensible-editor", "exit 0", 0644);
	write_script("bin1/nano", "exit 0", 0755);
	write_script("bin1/my editor", "exit 0", 0755);
	write_script("bin2/editor", "exit 0", 0755);
	write_script("bin2/vi", "exit 0", 0755);
	mkdir(at("bin2/dir"), 0755);
	write_script("ed.sh", "printf '%s|' \"$@\" > \"$(dirname \"$0\")/args\"", 0755);
	write_script("fail.sh", "exit 3", 0755);
	write_script("kill.sh", "kill -TERM $$", 0755);
	write_script("noexec.sh", "exit 0", 0644);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) != 0;
}

/* The chosen command as "a|b|", or the error message. */
static const char *find(const char *editor, const char *visual, const char *path)
{
	static char buf[1024];
	struct rg_strlist argv = RG_STRLIST_INIT;
	size_t i;

	if (rg_editor_find(&argv, editor, visual, path))
		return rg_error_last();
	buf[0] = '\0';
	for (i = 0; i < argv.n; i++) {
		strncat(buf, argv.items[i], sizeof(buf) - strlen(buf) - 2);
		strcat(buf, "|");
	}
	rg_strlist_release(&argv);
	return buf;
}

static const char *join2(const char *a, const char *b)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s", a, b);
	return buf;
}

static void test_find(void **state)
{
	char path[1024], want[1024];
	static const char none[] =
		"No suitable editor found. Please set the \"EDITOR\" or \"VISUAL\" environment variables";

	(void)state;
	snprintf(path, sizeof(path), "%s:%s", at("bin1"), at("bin2"));

	/* $EDITOR naming a file is taken as it is */
	assert_string_equal(find(at("ed.sh"), NULL, path), join2(at("ed.sh"), "|"));
	/* ... even with a space in its name, or when it cannot run (the run says so) */
	assert_string_equal(find(at("bin1/my editor"), NULL, path), join2(at("bin1/my editor"), "|"));
	assert_string_equal(find(at("noexec.sh"), NULL, path), join2(at("noexec.sh"), "|"));
	/* a bare name is looked up on $PATH */
	assert_string_equal(find("vi", NULL, path), join2(at("bin2/vi"), "|"));
	/* a command and its arguments */
	snprintf(want, sizeof(want), "%s|-w|--x|", at("bin2/vi"));
	assert_string_equal(find("  vi -w\t--x ", NULL, path), want);
	snprintf(want, sizeof(want), "%s -n", at("ed.sh"));
	assert_string_equal(find(want, NULL, path), join2(at("ed.sh"), "|-n|"));
	/* $EDITOR first, then $VISUAL */
	assert_string_equal(find("nano", "vi", path), join2(at("bin1/nano"), "|"));
	assert_string_equal(find("nosuch", "vi", path), join2(at("bin2/vi"), "|"));
	assert_string_equal(find(at("nosuch/ed"), "vi", path), join2(at("bin2/vi"), "|"));
	assert_string_equal(find("", at("ed.sh"), path), join2(at("ed.sh"), "|"));
	assert_string_equal(find("   ", NULL, path), join2(at("bin2/editor"), "|"));
	/* the defaults in order, each over all of $PATH; a file that cannot run is not an editor */
	assert_string_equal(find(NULL, NULL, path), join2(at("bin2/editor"), "|"));
	assert_string_equal(find(NULL, NULL, at("bin1")), join2(at("bin1/nano"), "|"));
	assert_string_equal(find(NULL, NULL, at("bin2/dir")), none);
	assert_string_equal(find("dir", NULL, at("bin2")), join2(at("bin2/editor"), "|"));
	/* nothing anywhere */
	assert_string_equal(find("nosuch", "alsonot", "/nonexistent"), none);
	assert_string_equal(find(NULL, NULL, NULL), none);
	assert_string_equal(find(NULL, NULL, ""), none);
}

static const char *run(const char *cmd, const char *file)
{
	struct rg_strlist argv = RG_STRLIST_INIT;
	int err;

	rg_strlist_push(&argv, cmd);
	err = rg_editor_run(&argv, file);
	rg_strlist_release(&argv);
	return err ? rg_error_last() : "ok";
}

static void test_run(void **state)
{
	char want[1024], args[256];
	FILE *f;

	(void)state;
	assert_string_equal(run(at("ed.sh"), "it's a file.yaml"), "ok");
	f = fopen(at("args"), "r");
	assert_non_null(f);
	assert_non_null(fgets(args, sizeof(args), f));
	fclose(f);
	assert_string_equal(args, "it's a file.yaml|");

	snprintf(want, sizeof(want), "Command '['%s', '/x/a.yaml']' returned non-zero exit status 3.",
		 at("fail.sh"));
	assert_string_equal(run(at("fail.sh"), "/x/a.yaml"), want);
	snprintf(want, sizeof(want), "Command '['%s', \"it's\"]' died with <Signals.SIGTERM: 15>.",
		 at("kill.sh"));
	assert_string_equal(run(at("kill.sh"), "it's"), want);
	snprintf(want, sizeof(want), "[Errno 13] Permission denied: '%s'", at("noexec.sh"));
	assert_string_equal(run(at("noexec.sh"), "f"), want);
	assert_string_equal(run("/nonexistent/ed", "f"),
			    "[Errno 2] No such file or directory: '/nonexistent/ed'");
}

static void test_open(void **state)
{
	char want[1024];

	(void)state;
	assert_int_equal(rg_editor_open("f", at("ed.sh"), NULL, "/nonexistent"), 0);
	assert_int_equal(rg_editor_open("f", at("fail.sh"), NULL, "/nonexistent"), RG_EIO);
	snprintf(want, sizeof(want),
		 "Error executing editor (Command '['%s', 'f']' returned non-zero exit status 3.)",
		 at("fail.sh"));
	assert_string_equal(rg_error_last(), want);
	assert_int_equal(rg_editor_open("f", NULL, NULL, "/nonexistent"), RG_ENOTFOUND);
	assert_string_equal(rg_error_last(),
			    "Error executing editor (No suitable editor found. Please set the \"EDITOR\" or "
			    "\"VISUAL\" environment variables)");
}

static void test_allocation_failures(void **state)
{
	struct rg_strlist argv = RG_STRLIST_INIT;
	char path[1024];
	unsigned long i;
	int err = -1;

	(void)state;
	snprintf(path, sizeof(path), "%s:%s", at("bin1"), at("bin2"));
	for (i = 1; err; i++) {
		rg_alloc_fail_after(i, 0);
		err = rg_editor_find(&argv, "vi -w", NULL, path);
		rg_alloc_fail_after(0, 0);
		if (err) {
			assert_int_equal(err, RG_ENOMEM);
			assert_int_equal(argv.n, 0);
		}
		assert_true(i < 100);
	}
	assert_int_equal(argv.n, 2);
	rg_strlist_release(&argv);
	for (err = -1, i = 1; err; i++) {
		rg_alloc_fail_after(i, 0);
		err = rg_editor_open("f", at("fail.sh"), NULL, path);
		rg_alloc_fail_after(0, 0);
		if (err == RG_EIO)
			break;
		assert_int_equal(err, RG_ENOMEM);
	}
	assert_non_null(strstr(rg_error_last(), "Error executing editor (Command"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
