/*
 * Tests for revgraph/project.c: listing templates, rendering the ini
 * template, the script_location init writes, planning init (every check
 * before any change), running it, undoing it, and running out of memory.
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
#include "revgraph/common.h"
#include "revgraph/project.h"

static char tmpdir[] = "/tmp/rgprojXXXXXX";

/* tmpdir + "/" + rel, in a rotating set of buffers */
static const char *at(const char *rel)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, rel);
	return b;
}

static void write_file(const char *rel, const char *text)
{
	FILE *f = fopen(at(rel), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_dir(const char *rel)
{
	assert_int_equal(mkdir(at(rel), 0755), 0);
}

static bool exists(const char *rel)
{
	struct stat st;

	return stat(at(rel), &st) == 0;
}

static const char ini_template[] =
	"# a test template\n"
	"[alembic]\n"
	"script_location = ${script_location}\n"
	"sqlalchemy.url = sqlite:///%(here)s/app.db\n";

/* templates/{one,two,.hidden} and a stray file */
static void make_templates(void)
{
	make_dir("templates");
	make_dir("templates/one");
	make_dir("templates/two");
	make_dir("templates/.hidden");
	write_file("templates/one/README", "First template.  \r\nMore text.\n");
	write_file("templates/one/alembic.ini.tmpl", ini_template);
	write_file("templates/one/script.yaml.tmpl", "revision: ${up_revision}\n");
	make_dir("templates/one/subdir");
	write_file("templates/two/README", "Second template.");
	write_file("templates/two/alembic.ini.tmpl", ini_template);
	write_file("templates/stray", "not a template\n");
	assert_int_equal(chmod(at("templates/one/script.yaml.tmpl"), 0640), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	make_templates();
	return 0;
}

static void test_templates_list(void **state)
{
	struct rg_strlist names = RG_STRLIST_INIT, synopses = RG_STRLIST_INIT;

	(void)state;
	assert_int_equal(rg_templates_list(&names, &synopses, at("templates")), 0);
	assert_int_equal(names.n, 2);
	assert_string_equal(names.items[0], "one");
	assert_string_equal(synopses.items[0], "First template.");
	assert_string_equal(names.items[1], "two");
	assert_string_equal(synopses.items[1], "Second template.");

	make_dir("templates/three");
	assert_int_equal(rg_templates_list(&names, &synopses, at("templates")), RG_ENOTFOUND);
	assert_non_null(strstr(rg_error_last(), "templates/three/README': No such file or directory"));
	assert_int_equal(names.n, 0);
	assert_int_equal(rmdir(at("templates/three")), 0);

	assert_int_equal(rg_templates_list(&names, &synopses, at("nosuch")), RG_ENOTFOUND);
	rg_strlist_release(&names);
	rg_strlist_release(&synopses);
}

static const char *render(const char *text, const char *value)
{
	static struct rg_str out = RG_STR_INIT;
	int err;

	rg_str_reset(&out);
	err = rg_template_render_ini(&out, "t.tmpl", text, strlen(text), value);
	return err ? rg_error_last() : out.buf;
}

static void test_render_ini(void **state)
{
	(void)state;
	assert_string_equal(render("a = ${script_location}\nb = ${script_location}/versions\n", "%(here)s/m"),
			    "a = %(here)s/m\nb = %(here)s/m/versions\n");
	assert_string_equal(render("cost = $5, ${ ok? no\n", "x"), "t.tmpl:1: '${' without a closing '}'");
	assert_string_equal(render("price = $5 $x $\n", "x"), "price = $5 $x $\n");
	assert_string_equal(render("a\nb\nc = ${url}\n", "x"),
			    "t.tmpl:3: unknown variable '${url}' (an ini template knows ${script_location})");
	assert_string_equal(render("a = ${script_location\n}\n", "x"), "t.tmpl:1: '${' without a closing '}'");
	assert_string_equal(render("", "x"), "");
}

static const char *location(const char *dir, const char *config)
{
	static char *last;
	int err;

	free(last);
	last = NULL;
	err = rg_init_script_location(&last, dir, config);
	return err ? rg_error_last() : last;
}

static void test_script_location(void **state)
{
	char cwd[512], buf[600];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	assert_string_equal(location("migrations", at("alembic.ini")), "%(here)s/migrations");
	assert_string_equal(location("./a/../m/", at("alembic.ini")), "%(here)s/m");
	assert_string_equal(location("m", at("m/alembic.ini")), "%(here)s");
	assert_string_equal(location("m", at("conf/alembic.ini")), "%(here)s/../m");
	assert_string_equal(location("50%", at("alembic.ini")), "%(here)s/50%%");
	assert_string_equal(location("/srv/app//m/", at("alembic.ini")), "/srv/app/m");
	assert_string_equal(location("/srv/100%/m", at("alembic.ini")), "/srv/100%%/m");
	snprintf(buf, sizeof(buf), "directory 'a\\nb' cannot be written as script_location in an ini file "
		 "(line break or trailing white space)");
	assert_string_equal(location("a\nb", at("alembic.ini")), buf);
	assert_non_null(strstr(location("m ", at("alembic.ini")), "trailing white space"));
	assert_int_equal(chdir(cwd), 0);
}

static int plan(struct rg_init_plan *p, const char *dir, const char *tmpl, const char *config,
		bool package)
{
	struct rg_init_opts opts = {
		.directory = dir, .template_name = tmpl, .templates_dir = at("templates"),
		.config_file = config, .package = package,
	};

	return rg_init_plan(p, &opts);
}

static void expect_step(const struct rg_init_plan *p, size_t i, enum rg_init_action action,
			const char *rel)
{
	assert_true(i < p->n);
	assert_int_equal(p->items[i].action, action);
	assert_string_equal(p->items[i].path, at(rel));
}

static void test_plan_steps(void **state)
{
	struct rg_init_plan p;
	char cwd[512];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);

	assert_int_equal(plan(&p, "proj/m", "one", "proj.ini", true), 0);
	assert_string_equal(p.config_file, at("proj.ini"));
	assert_int_equal(p.n, 7);
	expect_step(&p, 0, RG_INIT_MKDIR, "proj/m");
	expect_step(&p, 1, RG_INIT_MKDIR, "proj/m/versions");
	expect_step(&p, 2, RG_INIT_COPY, "proj/m/README");
	assert_string_equal(p.items[2].src, at("templates/one/README"));
	/* the ini where its template sorts; no copy of the template itself */
	expect_step(&p, 3, RG_INIT_WRITE, "proj.ini");
	assert_string_equal(p.items[3].content,
			    "# a test template\n[alembic]\nscript_location = %(here)s/proj/m\n"
			    "sqlalchemy.url = sqlite:///%(here)s/app.db\n");
	assert_int_equal(p.items[3].len, strlen(p.items[3].content));
	expect_step(&p, 4, RG_INIT_COPY, "proj/m/script.yaml.tmpl");
	expect_step(&p, 5, RG_INIT_TOUCH, "proj/m/__init__.py");
	expect_step(&p, 6, RG_INIT_TOUCH, "proj/m/versions/__init__.py");
	/* planning changed nothing */
	assert_false(exists("proj"));
	assert_false(exists("proj.ini"));
	rg_init_plan_release(&p);

	/* an existing empty directory is used; an existing ini is skipped */
	make_dir("empty");
	write_file("taken.ini", "[alembic]\n");
	assert_int_equal(plan(&p, "empty", "two", "taken.ini", false), 0);
	assert_int_equal(p.n, 3);
	expect_step(&p, 0, RG_INIT_MKDIR, "empty/versions");
	expect_step(&p, 1, RG_INIT_COPY, "empty/README");
	expect_step(&p, 2, RG_INIT_SKIP, "taken.ini");
	rg_init_plan_release(&p);

	/* the ini may go into the directory init creates */
	assert_int_equal(plan(&p, "new/m", "two", "new/m/alembic.ini", false), 0);
	expect_step(&p, 3, RG_INIT_WRITE, "new/m/alembic.ini");
	assert_non_null(strstr(p.items[3].content, "script_location = %(here)s\n"));
	rg_init_plan_release(&p);
	assert_int_equal(plan(&p, "new/m", "two", "new/x.ini", false), 0);
	rg_init_plan_release(&p);

	assert_int_equal(rmdir(at("empty")), 0);
	assert_int_equal(unlink(at("taken.ini")), 0);
	assert_int_equal(chdir(cwd), 0);
}

static void expect_plan_error(const char *dir, const char *tmpl, const char *config, int code,
			      const char *msg)
{
	struct rg_init_plan p;

	assert_int_equal(plan(&p, dir, tmpl, config, false), code);
	assert_string_equal(rg_error_last(), msg);
	assert_int_equal(p.n, 0);
	assert_null(p.items);
	assert_null(p.config_file);
}

static void test_plan_errors(void **state)
{
	char cwd[512], msg[1024];
	struct rg_init_plan p;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	make_dir("full");
	write_file("full/x", "");
	write_file("plainfile", "");

	/* Alembic's checks, in its order, with its texts */
	expect_plan_error("full", "nosuch", "a.ini", RG_EINVALID,
			  "Directory full already exists and is not empty");
	expect_plan_error("plainfile", "one", "a.ini", RG_EINVALID,
			  "Directory plainfile already exists and is not a directory");
	expect_plan_error("m", "nosuch", "a.ini", RG_ENOTFOUND, "No such template 'nosuch'");
	expect_plan_error("m", "../templates/one", "a.ini", RG_ENOTFOUND,
			  "No such template '../templates/one'");
	expect_plan_error("m", ".hidden", "a.ini", RG_ENOTFOUND, "No such template '.hidden'");
	expect_plan_error("m", "", "a.ini", RG_ENOTFOUND, "No such template ''");
	expect_plan_error("m", "it's", "a.ini", RG_ENOTFOUND, "No such template \"it's\"");

	/* revgraph's own */
	make_dir("templates/noini");
	write_file("templates/noini/README", "No ini.\n");
	snprintf(msg, sizeof(msg), "template 'noini' has no alembic.ini.tmpl ('%s' is missing)",
		 at("templates/noini/alembic.ini.tmpl"));
	expect_plan_error("m", "noini", "a.ini", RG_ENOTFOUND, msg);

	make_dir("templates/badini");
	write_file("templates/badini/README", "Bad ini.\n");
	write_file("templates/badini/alembic.ini.tmpl", "[alembic]\nx = ${nope}\n");
	snprintf(msg, sizeof(msg), "%s:2: unknown variable '${nope}' (an ini template knows ${script_location})",
		 at("templates/badini/alembic.ini.tmpl"));
	expect_plan_error("m", "badini", "a.ini", RG_EINVALID, msg);
	write_file("templates/badini/alembic.ini.tmpl", "[alembic]\nscript_location = ${script_location}\njunk\n");
	snprintf(msg, sizeof(msg), "%s:3: expected 'key = value', got 'junk'",
		 at("templates/badini/alembic.ini.tmpl"));
	expect_plan_error("m", "badini", "a.ini", RG_EINVALID, msg);
	write_file("templates/badini/alembic.ini.tmpl", "[other]\nscript_location = ${script_location}\n");
	snprintf(msg, sizeof(msg), "%s: the template has no [alembic] section",
		 at("templates/badini/alembic.ini.tmpl"));
	expect_plan_error("m", "badini", "a.ini", RG_EINVALID, msg);
	/* a broken ini template does not matter when the ini exists */
	write_file("exists.ini", "");
	assert_int_equal(plan(&p, "m", "badini", "exists.ini", false), 0);
	rg_init_plan_release(&p);

	snprintf(msg, sizeof(msg), "cannot write '%s': directory '%s' does not exist", at("nodir/a.ini"),
		 at("nodir"));
	expect_plan_error("m", "one", "nodir/a.ini", RG_ENOTFOUND, msg);
	expect_plan_error("m", "one", "m/versions/sub/a.ini", RG_ENOTFOUND,
			  (snprintf(msg, sizeof(msg), "cannot write '%s': directory '%s' does not exist",
				    at("m/versions/sub/a.ini"), at("m/versions/sub")), msg));

	{
		struct rg_init_opts opts = { .directory = "m", .template_name = "one",
					     .templates_dir = at("notemplates"), .config_file = "a.ini" };

		assert_int_equal(rg_init_plan(&p, &opts), RG_ENOTFOUND);
		snprintf(msg, sizeof(msg), "the templates directory '%s' does not exist", at("notemplates"));
		assert_string_equal(rg_error_last(), msg);
	}
	assert_false(exists("m"));
	assert_false(exists("a.ini"));
	assert_int_equal(chdir(cwd), 0);
}

static void test_run_and_undo(void **state)
{
	struct rg_init_plan p;
	struct stat st;
	char cwd[512];
	size_t i;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);

	assert_int_equal(plan(&p, "run/deep/m", "one", "run.ini", true), 0);
	for (i = 0; i < p.n; i++)
		assert_int_equal(rg_init_step_run(&p.items[i]), 0);
	assert_true(exists("run/deep/m/versions/__init__.py"));
	assert_int_equal(stat(at("run/deep/m/script.yaml.tmpl"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);	/* the mode is copied */
	assert_int_equal(p.items[0].created.n, 3);	/* run, run/deep, run/deep/m */
	rg_init_undo(&p, p.n);
	assert_false(exists("run"));
	assert_false(exists("run.ini"));
	rg_init_plan_release(&p);

	/* a step that fails: a file that appeared after planning is never overwritten */
	assert_int_equal(plan(&p, "race", "one", "race.ini", false), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(rg_init_step_run(&p.items[i]), 0);
	write_file("race.ini", "mine\n");
	assert_int_equal(p.items[3].action, RG_INIT_WRITE);
	assert_int_equal(rg_init_step_run(&p.items[3]), RG_EIO);
	assert_non_null(strstr(rg_error_last(), "race.ini': File exists"));
	assert_int_equal(p.items[3].created.n, 0);
	rg_init_undo(&p, 4);
	assert_false(exists("race"));
	assert_true(exists("race.ini"));
	assert_int_equal(unlink(at("race.ini")), 0);
	rg_init_plan_release(&p);

	/* an existing directory stays when its versions/ is undone */
	make_dir("keep");
	assert_int_equal(plan(&p, "keep", "two", "keep/alembic.ini", false), 0);
	for (i = 0; i < p.n; i++)
		assert_int_equal(rg_init_step_run(&p.items[i]), 0);
	rg_init_undo(&p, p.n);
	assert_true(exists("keep"));
	assert_false(exists("keep/versions"));
	assert_false(exists("keep/alembic.ini"));
	assert_int_equal(rmdir(at("keep")), 0);
	rg_init_plan_release(&p);

	/* mkdir through a file */
	write_file("afile", "");
	assert_int_equal(plan(&p, "afile/m", "two", "x.ini", false), 0);
	assert_int_equal(rg_init_step_run(&p.items[0]), RG_EIO);
	assert_non_null(strstr(rg_error_last(), "afile/m': Not a directory"));
	assert_int_equal(p.items[0].created.n, 0);
	rg_init_plan_release(&p);
	rg_init_plan_release(NULL);
	assert_int_equal(chdir(cwd), 0);
}

static void test_allocation_failures(void **state)
{
	struct rg_init_plan p;
	struct rg_strlist names = RG_STRLIST_INIT, synopses = RG_STRLIST_INIT;
	struct rg_str out = RG_STR_INIT;
	unsigned long i;
	char cwd[512];
	int err = -1;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	for (i = 1; err; i++) {
		rg_alloc_fail_after(i, 0);
		err = plan(&p, "oom/m", "one", "oom.ini", true);
		rg_alloc_fail_after(0, 0);
		if (err) {
			assert_int_equal(err, RG_ENOMEM);
			assert_int_equal(p.n, 0);
			assert_null(p.config_file);
		}
		assert_true(i < 5000);
	}
	assert_true(i > 20);
	assert_int_equal(p.n, 7);
	rg_init_plan_release(&p);

	for (err = -1, i = 1; err; i++) {
		rg_alloc_fail_after(i, 0);
		err = rg_templates_list(&names, &synopses, at("templates"));
		rg_alloc_fail_after(0, 0);
		if (err) {
			assert_int_equal(err, RG_ENOMEM);
			assert_int_equal(names.n, 0);
			assert_int_equal(synopses.n, 0);
		}
	}
	assert_int_equal(names.n, 4);	/* badini, noini, one, two */
	assert_string_equal(synopses.items[3], "Second template.");
	rg_strlist_release(&names);
	rg_strlist_release(&synopses);

	for (err = -1, i = 1; err; i++) {
		rg_str_reset(&out);
		rg_alloc_fail_after(i, 1);
		err = rg_template_render_ini(&out, "t", ini_template, strlen(ini_template), "%(here)s/m");
		rg_alloc_fail_after(0, 0);
		if (err)
			assert_int_equal(err, RG_ENOMEM);
		else
			assert_non_null(strstr(out.buf, "script_location = %(here)s/m\n"));
		rg_str_release(&out);
	}
	assert_false(exists("oom"));
	assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates_list),
		cmocka_unit_test(test_render_ini),
		cmocka_unit_test(test_script_location),
		cmocka_unit_test(test_plan_steps),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_run_and_undo),
		cmocka_unit_test(test_allocation_failures),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
