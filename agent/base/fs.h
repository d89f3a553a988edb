/*
 * fs.h - files written so that a crash leaves the old or the new content.
 *
 * Writes go to "PATH.lock" (O_EXCL), are fsync'ed, then renamed over PATH,
 * git's lockfile convention.  Reads are bounded.
 */
#ifndef HRDEX_FS_H
#define HRDEX_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Read a whole file (or "-" for stdin) into out, failing above max bytes. */
int hrdex_fs_read(struct hrdex_buf *out, const char *path, size_t max);

/* Atomically replace path with data; mode applies to a new file. */
int hrdex_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* The same without fsync, for derived files (view/, site/) that can be
 * rebuilt from the repository: one syncfs() after a batch replaces
 * thousands of fsyncs.  A stale PATH.lock is replaced. */
int hrdex_fs_replace(const char *path, const void *data, size_t len, mode_t mode);

/* mkdir -p with the given mode for the directories it creates. */
int hrdex_fs_mkdirs(const char *path, mode_t mode);
/* The same, path relative to the folder dirfd (or AT_FDCWD). */
int hrdex_fs_mkdirs_at(int dirfd, const char *path, mode_t mode);

/* rm -rf; a missing path is not an error. */
int hrdex_fs_remove_tree(const char *path);

int hrdex_fs_exists(const char *path);
int hrdex_fs_is_dir(const char *path);

/* fsync a directory so that a rename inside it is durable. */
int hrdex_fs_sync_dir(const char *path);

/* Join two path parts with one '/'; caller frees. */
char *hrdex_path_join(const char *a, const char *b);

#endif
