/*
 * fs.c - bounded reads and atomic writes (see fs.h).
 */
#include "fs.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hrdex_fs_read(struct hrdex_buf *out, const char *path, size_t max)
{
	int fd, is_stdin = strcmp(path, "-") == 0;
	char chunk[65536];
	ssize_t n;

	fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hrdex_error_errno(errno == ENOENT ? HRDEX_EX_NOINPUT : HRDEX_EX_IOERR,
					 "cannot open '%s'", path);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hrdex_error_errno(HRDEX_EX_IOERR, "cannot read '%s'", path);
			goto fail;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			hrdex_error_set(HRDEX_EX_DATAERR, "%s: file exceeds the limit of %zu bytes",
					path, max);
			goto fail;
		}
		if (hrdex_buf_put(out, chunk, (size_t)n) < 0)
			goto fail;
	}
	if (!out->ptr && hrdex_buf_grow(out, 0) < 0)
		goto fail;
	if (!is_stdin)
		close(fd);
	return 0;
fail:
	if (!is_stdin)
		close(fd);
	return -1;
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
		return hrdex_error_errno(HRDEX_EX_IOERR, "cannot open '%s'", path);
	/* Some filesystems refuse fsync on directories; durability is best effort there. */
	(void)fsync(fd);
	close(fd);
	return 0;
}

static int write_via_lock(const char *path, const void *data, size_t len, mode_t mode, int durable)
{
	size_t plen = strlen(path);
	char *lock = malloc(plen + 6), *dir = NULL;
	int fd = -1, ret = -1;

	if (!lock)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	memcpy(lock, path, plen);
	memcpy(lock + plen, ".lock", 6);
	if (!durable)
		unlink(lock);
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		hrdex_error_errno(errno == EEXIST ? HRDEX_EX_TEMPFAIL : HRDEX_EX_IOERR,
				  "cannot create '%s'", lock);
		goto done;
	}
	if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
		hrdex_error_errno(HRDEX_EX_IOERR, "cannot write '%s'", lock);
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		hrdex_error_errno(HRDEX_EX_IOERR, "cannot write '%s'", lock);
		goto done;
	}
	fd = -1;
	if (rename(lock, path) < 0) {
		hrdex_error_errno(HRDEX_EX_IOERR, "cannot rename '%s'", lock);
		goto done;
	}
	if (durable && (dir = dir_of(path)))
		hrdex_fs_sync_dir(dir);
	ret = 0;
done:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(lock);
	free(lock);
	free(dir);
	return ret;
}

int hrdex_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_via_lock(path, data, len, mode, 1);
}

int hrdex_fs_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_via_lock(path, data, len, mode, 0);
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
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdirat(dirfd, p, mode) < 0 && errno != EEXIST) {
				ret = hrdex_error_errno(HRDEX_EX_CANTCREAT, "cannot create '%s'", p);
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
		return errno == ENOENT ? 0 : hrdex_error_errno(HRDEX_EX_IOERR, "cannot stat '%s'", path);
	if (nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS) < 0)
		return hrdex_error_errno(HRDEX_EX_IOERR, "cannot remove '%s'", path);
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
