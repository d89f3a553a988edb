/*
 * fs.c - bounded reads and atomic writes (see fs.h).
 */
#include "fs.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read fd (named path in messages) to its end: a regular file (or, for
 * stdin, anything) of at most max bytes.  The size is checked before
 * reading and the read is bounded again, as the file may grow. */
static int read_fd(struct hrdex_buf *out, int fd, const char *path, size_t max, int any_type)
{
	char chunk[65536];
	struct stat st;
	ssize_t n;
	int flags;

	if (!any_type) {
		if (fstat(fd, &st) < 0)
			return hrdex_error_errno(HRDEX_E_IO, "cannot stat '%s'", path);
		if (!S_ISREG(st.st_mode))
			return hrdex_error_set(HRDEX_E_INVALID, "'%s' is not a regular file (%s)", path,
					       hrdex_fs_type_name(st.st_mode));
		if ((uintmax_t)st.st_size > (uintmax_t)max)
			return hrdex_error_set(HRDEX_E_INVALID, "%s: file exceeds the limit of %zu bytes",
					       path, max);
		/* Opened O_NONBLOCK so that a FIFO never blocks the open; a
		 * regular file reads the same either way. */
		if ((flags = fcntl(fd, F_GETFL)) >= 0)
			(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hrdex_error_errno(HRDEX_E_IO, "cannot read '%s'", path);
		if (n == 0)
			break;
		if (out->len + (size_t)n > max)
			return hrdex_error_set(HRDEX_E_INVALID, "%s: file exceeds the limit of %zu bytes",
					       path, max);
		if (hrdex_buf_put(out, chunk, (size_t)n) < 0)
			return -1;
	}
	if (!out->ptr && hrdex_buf_grow(out, 0) < 0)
		return -1;
	return 0;
}

const char *hrdex_fs_type_name(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a file";
}

/* The error for a failed open of name in dirfd (path in messages): a
 * symbolic link refused by O_NOFOLLOW is named as such. */
static int open_error(int dirfd, const char *name, const char *path, int nofollow)
{
	int e = errno;
	struct stat st;

	if (nofollow && (e == ELOOP || e == ENOTDIR) && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return hrdex_error_set(HRDEX_E_INVALID, "'%s' is a symbolic link; not followed", path);
	errno = e;
	return hrdex_error_errno(e == ENOENT ? HRDEX_E_NOTFOUND : HRDEX_E_IO, "cannot open '%s'", path);
}

static int read_at(struct hrdex_buf *out, int dirfd, const char *name, const char *path, size_t max,
		   int nofollow)
{
	int fd, r;

	fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return open_error(dirfd, name, path, nofollow);
	r = read_fd(out, fd, path, max, 0);
	close(fd);
	return r;
}

int hrdex_fs_read(struct hrdex_buf *out, const char *path, size_t max)
{
	if (!strcmp(path, "-"))
		return read_fd(out, 0, path, max, 1);
	return read_at(out, AT_FDCWD, path, path, max, 0);
}

int hrdex_fs_read_nofollow(struct hrdex_buf *out, const char *path, size_t max)
{
	return read_at(out, AT_FDCWD, path, path, max, 1);
}

int hrdex_fs_read_at(struct hrdex_buf *out, int dirfd, const char *name, const char *path, size_t max)
{
	return read_at(out, dirfd, name, path, max, 1);
}

int hrdex_fs_open_dir(int dirfd, const char *name, const char *path)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0)
		return fd;
	if ((errno == ENOTDIR || errno == ELOOP) && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISLNK(st.st_mode)
			       ? hrdex_error_set(HRDEX_E_INVALID, "'%s' is a symbolic link; not followed", path)
			       : hrdex_error_set(HRDEX_E_INVALID, "'%s' is %s, not a folder", path,
				       hrdex_fs_type_name(st.st_mode));
	return open_error(dirfd, name, path, 1);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	d = strndup(path, (size_t)(slash - path));
	return d;
}

int hrdex_fs_sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return hrdex_error_errno(HRDEX_E_IO, "cannot open '%s'", path);
	/* Some filesystems refuse fsync on directories; durability is best effort there. */
	(void)fsync(fd);
	close(fd);
	return 0;
}

/* Write path (relative to dirfd, or AT_FDCWD) through "path.lock". */
static int write_via_lock(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			  int durable)
{
	size_t plen = strlen(path);
	char *lock = malloc(plen + 6), *dir = NULL;
	int fd = -1, ret = -1;

	if (!lock)
		return hrdex_error_oom();
	memcpy(lock, path, plen);
	memcpy(lock + plen, ".lock", 6);
	if (!durable)
		unlinkat(dirfd, lock, 0);
	fd = openat(dirfd, lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		hrdex_error_errno(errno == EEXIST ? HRDEX_E_BUSY : HRDEX_E_IO,
				  "cannot create '%s'", lock);
		goto done;
	}
	if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
		hrdex_error_errno(HRDEX_E_IO, "cannot write '%s'", lock);
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		hrdex_error_errno(HRDEX_E_IO, "cannot write '%s'", lock);
		goto done;
	}
	fd = -1;
	if (renameat(dirfd, lock, dirfd, path) < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot rename '%s'", lock);
		goto done;
	}
	if (durable && dirfd != AT_FDCWD)
		(void)fsync(dirfd);
	else if (durable && (dir = dir_of(path)))
		hrdex_fs_sync_dir(dir);
	ret = 0;
done:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlinkat(dirfd, lock, 0);
	free(lock);
	free(dir);
	return ret;
}

int hrdex_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_via_lock(AT_FDCWD, path, data, len, mode, 1);
}

int hrdex_fs_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	return write_via_lock(dirfd, name, data, len, mode, 1);
}

int hrdex_fs_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_via_lock(AT_FDCWD, path, data, len, mode, 0);
}

int hrdex_fs_mkdirs(const char *path, mode_t mode)
{
	return hrdex_fs_mkdirs_at(AT_FDCWD, path, mode);
}

int hrdex_fs_mkdirs_at(int dirfd, const char *path, mode_t mode)
{
	char *p = strdup(path), *s;
	int ret = 0;

	if (!p)
		return hrdex_error_oom();
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdirat(dirfd, p, mode) < 0 && errno != EEXIST) {
				ret = hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create '%s'", p);
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return ret;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int hrdex_fs_remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : hrdex_error_errno(HRDEX_E_IO, "cannot stat '%s'", path);
	if (nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS) < 0)
		return hrdex_error_errno(HRDEX_E_IO, "cannot remove '%s'", path);
	return 0;
}

int hrdex_fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int hrdex_fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *hrdex_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	if (la && a[la - 1] != '/')
		p[la++] = '/';
	memcpy(p + la, b, lb + 1);
	return p;
}
