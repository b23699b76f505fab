/*
 * File-system helpers (fsutil.h).
 */
#define _DEFAULT_SOURCE 1
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "revgraph/str.h"
#include "revgraph/common.h"
#include "banned.h"

int rg_fs_read(char **out, size_t *len, const char *path)
{
	char *buf = NULL;
	size_t alloc = 8192, used = 0;
	int fd, err = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return rg_error_set(errno == ENOENT ? RG_ENOTFOUND : RG_EIO, "cannot open '%s': %s",
				    path, strerror(errno));
	/* no fstat: revision files are small, and 100k of them make every syscall count */
	buf = rg_malloc(alloc);
	if (!buf) {
		err = RG_ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t got;

		if (used + 1 >= alloc) {
			char *p = rg_realloc(buf, alloc * 2);

			if (!p) {
				err = RG_ENOMEM;
				goto out;
			}
			buf = p;
			alloc *= 2;
		}
		got = read(fd, buf + used, alloc - used - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = rg_error_set(RG_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

char *rg_fs_normpath(const char *path)
{
	struct rg_str res = RG_STR_INIT;
	const char **parts = NULL;
	size_t n = 0, alloc = 0, i;
	char *copy = rg_strdup(path), *p, *next;
	bool absolute = path[0] == '/';
	int leading = 0;

	if (!copy)
		return NULL;
	if (!*path) {
		free(copy);
		return rg_strdup(".");
	}
	/* POSIX keeps exactly two leading slashes; Python's normpath too */
	if (path[0] == '/' && path[1] == '/' && path[2] != '/')
		leading = 2;
	else if (absolute)
		leading = 1;
	for (p = copy; p; p = next) {
		next = strchr(p, '/');
		if (next)
			*next++ = '\0';
		if (!*p || !strcmp(p, "."))
			continue;
		if (!strcmp(p, "..") && (n ? strcmp(parts[n - 1], "..") : absolute)) {
			if (n)
				n--;
			continue;
		}
		if (RG_GROW(parts, n + 1, alloc))
			goto fail;
		parts[n++] = p;
	}
	rg_str_addchars(&res, '/', (size_t)leading);
	for (i = 0; i < n; i++) {
		if (i)
			rg_str_addch(&res, '/');
		rg_str_adds(&res, parts[i]);
	}
	if (!res.len)
		rg_str_addch(&res, '.');
	free(parts);
	free(copy);
	return rg_str_detach(&res);
fail:
	free(parts);
	free(copy);
	rg_str_release(&res);
	return NULL;
}

char *rg_fs_abspath(const char *path)
{
	char *cwd = NULL, *joined, *res;
	size_t size = 256;

	if (path[0] == '/')
		return rg_fs_normpath(path);
	for (;;) {
		char *p = rg_realloc(cwd, size);

		if (!p) {
			free(cwd);
			return NULL;
		}
		cwd = p;
		if (getcwd(cwd, size))
			break;
		if (errno != ERANGE) {
			free(cwd);
			rg_error_set(RG_EIO, "cannot get the working directory: %s", strerror(errno));
			return NULL;
		}
		size *= 2;
	}
	joined = rg_fs_join(cwd, path);
	free(cwd);
	if (!joined)
		return NULL;
	res = rg_fs_normpath(joined);
	free(joined);
	return res;
}

char *rg_fs_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (!slash)
		return rg_strdup("");
	len = (size_t)(slash - path);
	while (len > 0 && path[len - 1] == '/')
		len--;
	if (!len)
		len = (size_t)(slash - path) + 1;	/* "/x" -> "/" */
	return rg_strndup(path, len);
}

char *rg_fs_join(const char *dir, const char *name)
{
	struct rg_str s = RG_STR_INIT;

	if (name[0] == '/' || !dir[0]) {
		rg_str_adds(&s, name);
	} else {
		rg_str_adds(&s, dir);
		if (dir[strlen(dir) - 1] != '/')
			rg_str_addch(&s, '/');
		rg_str_adds(&s, name);
	}
	return rg_str_detach(&s);
}

bool rg_fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool rg_fs_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rg_fs_listdir(struct rg_strlist *out, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int err = 0;

	rg_strlist_init(out);
	if (!d)
		return rg_error_set(errno == ENOENT || errno == ENOTDIR ? RG_ENOTFOUND : RG_EIO,
				    "cannot read directory '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		struct stat st;
		bool is_dir;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
			is_dir = de->d_type == DT_DIR;
		else
			is_dir = fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
		if (is_dir) {
			struct rg_str name = RG_STR_INIT;

			rg_str_adds(&name, de->d_name);
			rg_str_addch(&name, '/');
			err = rg_strlist_push_owned(out, rg_str_detach(&name));
		} else {
			err = rg_strlist_push(out, de->d_name);
		}
		if (err)
			break;
	}
	closedir(d);
	if (err) {
		rg_strlist_release(out);
		return err;
	}
	if (out->n)
		qsort(out->items, out->n, sizeof(char *), cmp_str);
	return 0;
}
