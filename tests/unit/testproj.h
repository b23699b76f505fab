/*
 * A scratch project directory for the unit tests that need files on disk
 * (an alembic.ini, a versions/ directory, revision files): made under /tmp,
 * written to by relative path, removed with all it holds.  Linked into
 * every unit test; a failure to make or write anything fails the test.
 */
#ifndef RG_TEST_TESTPROJ_H
#define RG_TEST_TESTPROJ_H

struct testproj {
	char dir[64];	/* absolute; "" before testproj_init() and after testproj_release() */
};

/* Make a fresh, empty directory /tmp/rg_<name>_XXXXXX. */
void testproj_init(struct testproj *p, const char *name);

/*
 * p->dir + "/" + rel.  The string lives in one of eight buffers used in
 * turn: it stays valid for the next seven calls.
 */
const char *testproj_path(const struct testproj *p, const char *rel);

/* Make directory `rel` (its parent must exist). */
void testproj_mkdir(const struct testproj *p, const char *rel);

/* Write `text` to file `rel`, replacing what was there. */
void testproj_write(const struct testproj *p, const char *rel, const char *text);

/*
 * A native project: an empty versions/ and an alembic.ini whose [alembic]
 * section has script_location = %(here)s followed by `ini_extra` (lines, each
 * ending in '\n'; may be NULL).
 */
void testproj_native(const struct testproj *p, const char *ini_extra);

/* Remove the directory and everything in it; nothing for one never made. */
void testproj_release(struct testproj *p);

#endif
