/*
 * File-system helpers (fsutil.h).
 */
#define _DEFAULT_SOURCE 1
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "strsort.h"
#include "revgraph/str.h"
#include "revgraph/common.h"
#include "banned.h"

/*
 * Read the open file `fd` to its end (or to `size` bytes when it is known,
 * saving the read() that would return 0) into a new buffer.
 */
static int read_fd(char **out, size_t *len, int fd, const char *path, size_t size, bool size_known)
{
	char *buf = NULL;
	size_t alloc = size_known ? size + 1 : 8192, used = 0;
	int err = 0;

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
		if (size_known && used == size)
			break;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	free(buf);
	return err;
}

int rg_fs_read(char **out, size_t *len, const char *path)
{
	int fd, err;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rg_error_set(errno == ENOENT ? RG_ENOTFOUND : RG_EIO, "cannot open '%s': %s",
				    path, strerror(errno));
	/* no fstat: revision files are small, and 100k of them make every syscall count */
	err = read_fd(out, len, fd, path, 0, false);
	close(fd);
	return err;
}

int rg_fs_read_at(char **out, size_t *len, struct stat *st, int dirfd, const char *name,
		  const char *path)
{
	int fd, err;

	*out = NULL;
	*len = 0;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rg_error_set(errno == ENOENT ? RG_ENOTFOUND : RG_EIO, "cannot open '%s': %s",
				    path, strerror(errno));
	if (st && fstat(fd, st)) {
		err = rg_error_set(RG_EIO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	err = read_fd(out, len, fd, path, st ? (size_t)st->st_size : 0,
		      st && S_ISREG(st->st_mode) && st->st_size >= 0 &&
		      (uintmax_t)st->st_size < SIZE_MAX / 2);
out:
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

char *rg_fs_relpath(const char *path, const char *start)
{
	struct rg_str res = RG_STR_INIT;
	size_t common = 0, i;
	const char *p;

	/* the length of the common leading components */
	for (i = 0;; i++) {
		bool end_p = !path[i] || path[i] == '/', end_s = !start[i] || start[i] == '/';

		if (end_p && end_s)
			common = i;
		if (!path[i] || !start[i] || path[i] != start[i])
			break;
	}
	/* one ".." per component of start after the common part */
	for (p = start + common; *p; p++)
		if (*p == '/' && p[1])
			rg_str_adds(&res, res.len ? "/.." : "..");
	p = path + common;
	while (*p == '/')
		p++;
	if (*p) {
		if (res.len)
			rg_str_addch(&res, '/');
		rg_str_adds(&res, p);
	}
	if (!res.len)
		rg_str_addch(&res, '.');
	return rg_str_detach(&res);
}

int rg_fs_write_new(const char *path, const char *data, size_t len, mode_t mode)
{
	size_t done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

	if (fd < 0)
		return rg_error_set(RG_EIO, "cannot write '%s': %s", path, strerror(errno));
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (size_t)n;
	}
	if (mode && fchmod(fd, mode & 07777))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	rg_error_set(RG_EIO, "cannot write '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(path);
	return RG_EIO;
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

int rg_fs_listdir_at(struct rg_strlist *out, int dirfd, const char *dir, bool *all_typed)
{
	DIR *d = NULL;
	struct dirent *de;
	int fd, err = 0;

	rg_strlist_init(out);
	if (all_typed)
		*all_typed = true;
	fd = dup(dirfd);	/* closedir() closes it */
	if (fd < 0 || !(d = fdopendir(fd))) {
		err = rg_error_set(errno == ENOENT || errno == ENOTDIR ? RG_ENOTFOUND : RG_EIO,
				   "cannot read directory '%s': %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	/* the duplicate shares dirfd's offset, which an earlier listing may have moved */
	rewinddir(d);
	while ((de = readdir(d))) {
		struct stat st;
		bool is_dir;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type != DT_UNKNOWN && de->d_type != DT_LNK) {
			is_dir = de->d_type == DT_DIR;
		} else {
			is_dir = fstatat(dirfd, de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
			if (all_typed)
				*all_typed = false;
		}
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
	if (!err && out->n)
		err = rg_strsort((const char **)out->items, out->n);
	if (err)
		rg_strlist_release(out);
	return err;
}

int rg_fs_listdir(struct rg_strlist *out, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (fd < 0) {
		rg_strlist_init(out);
		return rg_error_set(errno == ENOENT || errno == ENOTDIR ? RG_ENOTFOUND : RG_EIO,
				    "cannot read directory '%s': %s", dir, strerror(errno));
	}
	err = rg_fs_listdir_at(out, fd, dir, NULL);
	close(fd);
	return err;
}
