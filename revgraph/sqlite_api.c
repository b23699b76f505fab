/*
 * Loading libsqlite3 on first use (sqlite_api.h).
 */
#include <stdio.h>
#include <string.h>

#include <dlfcn.h>
#include <pthread.h>

#include "sqlite_api.h"
#include "revgraph/common.h"
#include "banned.h"

#define LIBSQLITE3_SONAME "libsqlite3.so.0"

struct rg_sqlite_api rg_sqlite3;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[256];	/* empty: loaded */

static void load(void)
{
	void *lib = dlopen(LIBSQLITE3_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (!lib) {
		const char *why = dlerror();

		snprintf(failure, sizeof(failure), "%s", why && *why ? why : "dlopen() failed");
		return;
	}
	/* POSIX guarantees a data pointer from dlsym() converts to a function pointer */
#define LOAD(name) \
	if (!missing && !(*(void **)&rg_sqlite3.name = dlsym(lib, "sqlite3_" #name))) \
		missing = "sqlite3_" #name;
	RG_SQLITE_FUNCTIONS(LOAD)
#undef LOAD
	if (missing) {
		snprintf(failure, sizeof(failure), "%s has no %s", LIBSQLITE3_SONAME, missing);
		memset(&rg_sqlite3, 0, sizeof(rg_sqlite3));
		dlclose(lib);
	}
}

int rg_sqlite_need(void)
{
	pthread_once(&once, load);
	if (*failure)
		return rg_error_set(RG_EINVALID, "SQLite needs libsqlite3, which could not be loaded: %s",
				    failure);
	return 0;
}
