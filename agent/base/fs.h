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

/*
 * Read a whole regular file (or "-" for stdin) into out, failing above max
 * bytes (checked with fstat before reading, and while reading).  The file
 * is opened O_NONBLOCK, so a FIFO never blocks, and fstat-checked on the
 * same descriptor: a FIFO, socket, device or folder is refused
 * (HRDEX_E_INVALID); a missing file is HRDEX_E_NOTFOUND.  A symbolic link
 * is followed: for paths the operator names, and the agent's own files.
 */
int hrdex_fs_read(struct hrdex_buf *out, const char *path, size_t max);

/* The same for a file read on someone else's behalf (the outbox, files
 * found in a folder): a symbolic link as its last component is refused
 * (HRDEX_E_INVALID, "is a symbolic link; not followed"), never followed. */
int hrdex_fs_read_nofollow(struct hrdex_buf *out, const char *path, size_t max);

/* The same for name inside the folder dirfd; path names it in messages. */
int hrdex_fs_read_at(struct hrdex_buf *out, int dirfd, const char *name, const char *path, size_t max);

/* Open the folder name inside dirfd (or AT_FDCWD) without following a
 * symbolic link (O_DIRECTORY | O_NOFOLLOW): the descriptor, or -1 with the
 * error set (HRDEX_E_INVALID when it is a link, a file or anything else
 * than a folder; HRDEX_E_NOTFOUND when missing).  path names it in messages. */
int hrdex_fs_open_dir(int dirfd, const char *name, const char *path);

/* "a regular file", "a symbolic link", "a FIFO"... for messages. */
const char *hrdex_fs_type_name(mode_t mode);

/* Atomically replace path with data; mode applies to a new file. */
int hrdex_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* The same, name relative to the folder dirfd (which is fsync'ed). */
int hrdex_fs_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

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
