/*
 * outbox.c - outbox/ to signed commits, never losing or duplicating a file
 * (see outbox.h).
 *
 * One pass, under the agent-wide lock:
 *   1. recover: remove the rejected/NAME.error.lock files a killed pass
 *      left, finish the moves an earlier pass recorded in the journal,
 *      STATE/outbox.journal;
 *   2. scan: complete files only (NAME.json, not dotfiles or "*.tmp", and at
 *      least outbox.settle seconds old, NAME.files/ included);
 *   3. load and check every file (batch.c); two files with the same ref: the
 *      first by name goes now, the other waits for the next pass, so the
 *      last written wins, as the secretariat expects;
 *   4. write rejected/D.error for each invalid file;
 *   5. publish the valid files as one signed commit (none when nothing
 *      changed);
 *   6. write the journal, the list of moves (source, destination), atomically;
 *   7. rename each file (and its NAME.files/) to done/ or rejected/;
 *   8. fsync the folders, remove the journal.
 *
 * Crash windows (kill -9 or power loss at any point):
 *   - before 5 lands: nothing changed but maybe a D.error; the next pass does
 *     it all again and overwrites that D.error (its D.json is free, or D was
 *     not chosen).
 *   - after 5, before 6: the commit is on the branch, every file still in
 *     outbox/.  The next pass publishes them again; publishing is idempotent
 *     (same content, same blob, no commit), so nothing is published twice,
 *     and then they move.  (Only if someone else published a different
 *     version of the same ref in between would the outbox version win again.)
 *   - after 6, during 7: some files moved, some not.  The next pass first
 *     replays the journal: a move whose source is gone was done, the others are
 *     done now, with the same destination names, so a document and its
 *     NAME.files/ never part.
 *   - after 7, before 8: the same replay finds every source gone.
 * A file is moved only after the commit holding it exists, so a moved file
 * is always published; a file is never deleted, so it is never lost.
 *
 * Destinations keep the name; when done/NAME.json is taken (the same name
 * dropped twice), "NAME~1.json", "NAME~2.json"... with NAME.files/ to match.
 *
 * The trust boundary: whoever writes outbox/ can make documents be
 * published, nothing else.  So the journal lives in the state folder, which
 * that account cannot write (an outbox/.journal left by an older version is
 * ignored and removed, never replayed: anyone who could write outbox/ could
 * have forged it), and every move it names is checked to be a plain name
 * into outbox/, done/ or rejected/.  Every rename, scan and error file is
 * relative to descriptors of those folders opened without following
 * symbolic links, so a done/ replaced by a link to elsewhere is refused,
 * not followed; a destination is never overwritten (RENAME_NOREPLACE).
 * Files are read without following links and only when regular (batch.c,
 * fs.c): a link, FIFO, socket or device named NAME.json or inside (or as)
 * NAME.files is rejected with its NAME.error, never followed or waited on.
 */
#include "outbox.h"
#include "buf.h"
#include "error.h"
#include "fs.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL "outbox.journal"   /* in the state folder */
#define OLD_JOURNAL ".journal"      /* in outbox/, by hrdex before the trust boundary */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void hrdex_outbox_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

/* 1 when name is safe to handle: no control characters (the journal is
 * line-based), not a dotfile, not too long. */
static int name_ok(const char *name)
{
	const unsigned char *p;

	if (name[0] == '.' || strlen(name) > 200)
		return 0;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* 1 when name is a plain file name: no '/', not "." or "..", not empty, no
 * control characters, not too long. */
static int plain_name(const char *name)
{
	const unsigned char *p;

	if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..") || strlen(name) > 255)
		return 0;
	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/')
			return 0;
	return 1;
}

/* 1 when name in dirfd (and, for a folder, its entries) is older than the
 * cutoff.  Nothing is followed: a link's own time counts. */
/* 1 when name exists in dirfd (as anything, a dangling link too). */
static int present(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

static int settled(int dirfd, const char *name, int64_t cutoff)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd, ok = 1;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if ((int64_t)st.st_mtime > cutoff)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return 1;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (ok && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || (int64_t)st.st_mtime > cutoff)
			ok = 0;
	}
	closedir(d);
	return ok;
}

/* The outbox's scan on an open folder (see hrdex_outbox_scan). */
static int scan_fd(char ***names, size_t *n, size_t *more, int dirfd, const char *dir, int64_t now,
		   int64_t settle, size_t max)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	char **list = NULL;
	size_t count = 0, alloc = 0;

	*names = NULL;
	*n = 0;
	*more = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return hrdex_error_errno(HRDEX_E_IO, "cannot open '%s'", dir);
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		char *files;
		size_t len = strlen(e->d_name);
		int ready;

		if (!ends_with(e->d_name, ".json") || len == 5 || !name_ok(e->d_name))
			continue;
		files = malloc(len + 2);
		if (!files)
			goto oom;
		memcpy(files, e->d_name, len - 5);
		memcpy(files + len - 5, ".files", 7);
		/* Whatever NAME.json is (a link, a FIFO...) it is taken, and
		 * batch.c rejects what is not a regular file. */
		ready = settled(dirfd, e->d_name, now - settle) &&
			(!present(dirfd, files) ||
			 settled(dirfd, files, now - settle));
		free(files);
		if (!ready) {
			(*more)++;
			continue;
		}
		if (count == alloc) {
			size_t a = alloc ? alloc * 2 : 64;
			char **l = realloc(list, a * sizeof(*l));

			if (!l)
				goto oom;
			list = l;
			alloc = a;
		}
		if (!(list[count] = strdup(e->d_name)))
			goto oom;
		count++;
	}
	closedir(d);
	if (count)
		qsort(list, count, sizeof(*list), cmp_str);
	while (count > max) {
		free(list[--count]);
		(*more)++;
	}
	*names = list;
	*n = count;
	return 0;
oom:
	closedir(d);
	hrdex_outbox_names_free(list, count);
	return hrdex_error_oom();
}

int hrdex_outbox_scan(char ***names, size_t *n, size_t *more, const char *dir, int64_t now,
		      int64_t settle, size_t max)
{
	int fd = hrdex_fs_open_dir(AT_FDCWD, dir, dir), r;

	*names = NULL;
	*n = 0;
	*more = 0;
	if (fd < 0)
		return -1;
	r = scan_fd(names, n, more, fd, dir, now, settle, max);
	close(fd);
	return r;
}

size_t hrdex_outbox_pending(const struct hrdex_state *s)
{
	char *dir = hrdex_state_path(s, "outbox");
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && ends_with(e->d_name, ".json"))
			n++;
	if (d)
		closedir(d);
	free(dir);
	return n;
}

/* "NAME.EXT" taken in the folder destfd? */
static int taken_on_disk(int destfd, const char *name, const char *ext)
{
	char *p = NULL;
	int r;

	if (asprintf(&p, "%s%s", name, ext) < 0)
		return 1;
	r = present(destfd, p);
	free(p);
	return r;
}

int hrdex_outbox_free_name(char **out, int destfd, const char *dest, const char *base, char **taken,
			   size_t ntaken)
{
	size_t len = strlen(base) + 24, i;
	char *name = malloc(len);
	unsigned k;

	*out = NULL;
	if (!name)
		return hrdex_error_oom();
	for (k = 0; k < 100000; k++) {
		int busy = 0;

		if (k)
			snprintf(name, len, "%s~%u", base, k); /* fits: len counts base, '~' and the number */
		else
			snprintf(name, len, "%s", base); /* fits: as above */
		for (i = 0; i < ntaken && !busy; i++)
			busy = !strcmp(taken[i], name);
		if (busy || taken_on_disk(destfd, name, ".json") || taken_on_disk(destfd, name, ".files"))
			continue;
		*out = name;
		return 0;
	}
	free(name);
	return hrdex_error_set(HRDEX_E_CANTCREATE, "no free name for '%s' in '%s'", base, dest);
}

/* ---- the folders ---- */

/* outbox/ and its done/ and rejected/, opened without following links:
 * every rename and error file goes through these descriptors. */
struct box {
	const char *dir;
	int out, done, rejected;
};

static void box_close(struct box *b)
{
	if (b->out >= 0)
		close(b->out);
	if (b->done >= 0)
		close(b->done);
	if (b->rejected >= 0)
		close(b->rejected);
	b->out = b->done = b->rejected = -1;
}

/* Open sub of outbox/, made when missing (the outbox account could remove
 * it); a link or file in its place is refused, not followed. */
static int open_sub(struct box *b, const char *sub)
{
	char path[4200];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", b->dir, sub) >= sizeof(path))
		return hrdex_error_set(HRDEX_E_IO, "'%s': path too long", b->dir);
	if (mkdirat(b->out, sub, 0755) < 0 && errno != EEXIST)
		return hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create '%s'", path);
	fd = hrdex_fs_open_dir(b->out, sub, path);
	if (fd < 0 && hrdex_error_kind() != HRDEX_E_INTERNAL) {
		char msg[4400];

		hrdex_fmt_cut(msg, sizeof(msg), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_E_IO, "outbox: cannot move files into '%s': %s", path, msg);
	}
	return fd;
}

static int box_open(struct box *b, const char *dir)
{
	b->dir = dir;
	b->done = b->rejected = -1;
	b->out = hrdex_fs_open_dir(AT_FDCWD, dir, dir);
	if (b->out < 0 || (b->done = open_sub(b, "done")) < 0 || (b->rejected = open_sub(b, "rejected")) < 0) {
		box_close(b);
		return -1;
	}
	return 0;
}

static int sub_fd(const struct box *b, const char *sub)
{
	return !strcmp(sub, "done") ? b->done : !strcmp(sub, "rejected") ? b->rejected : -1;
}

/* ---- the journal ---- */

struct move {
	char *src, *dst; /* relative to the outbox folder */
};

struct moves {
	struct move *items;
	size_t count, alloc;
};

static int moves_add(struct moves *m, const char *src, const char *dst)
{
	if (m->count == m->alloc) {
		size_t a = m->alloc ? m->alloc * 2 : 64;
		struct move *items = realloc(m->items, a * sizeof(*items));

		if (!items)
			return hrdex_error_oom();
		m->items = items;
		m->alloc = a;
	}
	m->items[m->count].src = strdup(src);
	m->items[m->count].dst = strdup(dst);
	if (!m->items[m->count].src || !m->items[m->count].dst) {
		free(m->items[m->count].src);
		free(m->items[m->count].dst);
		return hrdex_error_oom();
	}
	m->count++;
	return 0;
}

static void moves_free(struct moves *m)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		free(m->items[i].src);
		free(m->items[i].dst);
	}
	free(m->items);
	memset(m, 0, sizeof(*m));
}

/*
 * Split a journal destination "done/NAME" or "rejected/NAME" into its
 * folder's descriptor and NAME; -1 for anything else (the journal is ours,
 * but a move that could leave these folders is never made, whoever wrote it).
 */
static int dest_of(const struct box *b, const char *dst, const char **name)
{
	const char *slash = strchr(dst, '/');
	char sub[16];

	if (!slash || (size_t)(slash - dst) >= sizeof(sub))
		return -1;
	memcpy(sub, dst, (size_t)(slash - dst));
	sub[slash - dst] = '\0';
	*name = slash + 1;
	return plain_name(*name) ? sub_fd(b, sub) : -1;
}

/* rename without replacing an existing destination: 1 when the destination
 * exists (nothing moved), 0 when moved, -1 on error (errno). */
static int move_noreplace(int from, const char *src, int to, const char *dst)
{
	if (renameat2(from, src, to, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return 1;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: check, then rename (only
	 * this agent writes done/ and rejected/). */
	if (present(to, dst))
		return 1;
	return renameat(from, src, to, dst);
}

/* Do the moves (those whose source is gone were done before a crash). */
static int moves_apply(const struct box *b, const struct moves *m)
{
	size_t i;

	for (i = 0; i < m->count; i++) {
		const char *src = m->items[i].src, *name = NULL;
		int to = plain_name(src) ? dest_of(b, m->items[i].dst, &name) : -1, r;

		if (to < 0) {
			hrdex_log_error("outbox: journal move %zu is not from a plain name in '%s' to done/ or "
					"rejected/; refused, nothing moved", i + 1, b->dir);
			continue;
		}
		if (!present(b->out, src))
			continue; /* moved before a crash */
		r = move_noreplace(b->out, src, to, name);
		if (r == 1) {
			/* Never overwrite: leave the source, the next pass takes it
			 * again (publishing it is idempotent) under a new name. */
			hrdex_log_warn("outbox: '%s' exists; '%s' left for the next pass", m->items[i].dst, src);
		} else if (r < 0) {
			return hrdex_error_errno(HRDEX_E_IO, "cannot move '%s/%s' to '%s/%s'", b->dir, src,
						 b->dir, m->items[i].dst);
		}
	}
	return 0;
}

static void sync_dirs(const struct box *b)
{
	/* Some file systems refuse fsync on folders: best effort there. */
	(void)fsync(b->done);
	(void)fsync(b->rejected);
	(void)fsync(b->out);
}

/* An outbox/.journal of an older hrdex: never replayed (the outbox account
 * could have written it), removed with a warning.  The files it names are
 * still in outbox/ or already moved; those left are taken again by this
 * pass, and publishing them again changes nothing. */
static void drop_old_journal(const struct box *b)
{
	if (!present(b->out, OLD_JOURNAL))
		return;
	hrdex_log_warn("outbox: ignoring '%s/%s' (an older hrdex's, or forged: whoever writes outbox/ "
		       "could write it); files it names are taken again", b->dir, OLD_JOURNAL);
	if (unlinkat(b->out, OLD_JOURNAL, 0) < 0 && unlinkat(b->out, OLD_JOURNAL, AT_REMOVEDIR) < 0)
		hrdex_log_warn("outbox: cannot remove '%s/%s': %s", b->dir, OLD_JOURNAL, strerror(errno));
}

/*
 * A pass killed while writing a rejected/NAME.error leaves the ".lock" it
 * writes through (fs.h), and the next write of that file fails on it
 * (O_EXCL): the next pass exited 75 (crash harness seeds 654035988,
 * 745872838).  Under the agent-wide lock no other pass is writing, so such a
 * file is a leftover; state.c's sweep does not look into outbox/ (done/
 * grows without bound, and the outbox account writes there), so the pass
 * clears its own: only regular files named "*.error.lock" in rejected/,
 * since a user's file may end in ".lock" too.  (The journal's own lock is in
 * the state folder, which the sweep covers.)
 */
static void clear_stale_error_locks(const struct box *b)
{
	int fd = dup(b->rejected);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (!ends_with(e->d_name, ".error.lock") ||
		    fstatat(b->rejected, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(b->rejected, e->d_name, 0) == 0)
			hrdex_log_warn("removed stale lock file '%s/rejected/%s'", b->dir, e->d_name);
	}
	closedir(d);
}

/* Finish the moves recorded in journal (a path), if any, and remove it. */
static int recover(const struct box *b, const char *journal)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct moves m = { 0 };
	char *line, *next, *parent = NULL, *slash;
	int ret = -1;

	drop_old_journal(b);
	clear_stale_error_locks(b);
	if (!hrdex_fs_exists(journal))
		return 0;
	if (hrdex_fs_read(&text, journal, 64 << 20) < 0)
		goto cleanup;
	for (line = text.ptr; line && *line; line = next) {
		char *tab, *nl = strchr(line, '\n');

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		tab = strchr(line, '\t');
		if (!tab || !nl) /* a torn last line cannot happen (atomic write); skip it anyway */
			continue;
		*tab = '\0';
		if (moves_add(&m, line, tab + 1) < 0)
			goto cleanup;
	}
	hrdex_log_info("outbox: finishing %zu move%s of an interrupted pass", m.count, m.count == 1 ? "" : "s");
	if (moves_apply(b, &m) < 0)
		goto cleanup;
	sync_dirs(b);
	if (unlink(journal) < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot remove '%s'", journal);
		goto cleanup;
	}
	if ((parent = strdup(journal)) && (slash = strrchr(parent, '/'))) {
		*slash = '\0';
		hrdex_fs_sync_dir(slash == parent ? "/" : parent);
	}
	ret = 0;
cleanup:
	free(parent);
	moves_free(&m);
	hrdex_buf_free(&text);
	return ret;
}

int hrdex_outbox_recover(const char *journal, const char *dir)
{
	struct box b;
	int r;

	if (box_open(&b, dir) < 0)
		return -1;
	r = recover(&b, journal);
	box_close(&b);
	return r;
}

static int journal_write(const char *journal, const struct moves *m)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	size_t i;
	int ret = -1;

	for (i = 0; i < m->count; i++)
		if (hrdex_buf_printf(&b, "%s\t%s\n", m->items[i].src, m->items[i].dst) < 0)
			goto cleanup;
	ret = hrdex_fs_write_atomic(journal, b.ptr ? b.ptr : "", b.len, 0600);
cleanup:
	hrdex_buf_free(&b);
	return ret;
}

/* ---- one pass ---- */

/* Tests only: HRDEX_TEST_OUTBOX_CRASH=commit dies right after the commit,
 * =moves between writing the journal and moving, as kill -9 would. */
static void crash_point(const char *where)
{
	const char *at = getenv("HRDEX_TEST_OUTBOX_CRASH");

	if (at && !strcmp(at, where))
		_exit(99);
}

/* "x" of "x.json"; caller frees. */
static char *base_of(const char *name)
{
	return strndup(name, strlen(name) - 5);
}

/* Record the moves of file name (and its NAME.files, whatever it is) to sub/D. */
static int plan_move(struct moves *m, const struct box *b, const char *sub, const char *name, char **taken,
		     size_t *ntaken, char **dest_base)
{
	char *base = base_of(name), *free_name = NULL, dest[4200];
	char *src = NULL, *dst = NULL;
	int ret = -1;

	*dest_base = NULL;
	if (!base)
		goto oom;
	if ((size_t)snprintf(dest, sizeof(dest), "%s/%s", b->dir, sub) >= sizeof(dest)) {
		hrdex_error_set(HRDEX_E_IO, "'%s': path too long", b->dir);
		goto cleanup;
	}
	if (hrdex_outbox_free_name(&free_name, sub_fd(b, sub), dest, base, taken, *ntaken) < 0)
		goto cleanup;
	if (asprintf(&dst, "%s/%s.json", sub, free_name) < 0) {
		dst = NULL;
		goto oom;
	}
	if (moves_add(m, name, dst) < 0)
		goto cleanup;
	free(dst);
	dst = NULL;
	if (asprintf(&src, "%s.files", base) < 0) {
		src = NULL;
		goto oom;
	}
	/* A NAME.files that is a link or a file goes too: it was the reason
	 * for the rejection, and nothing is left behind or lost. */
	if (present(b->out, src)) {
		if (asprintf(&dst, "%s/%s.files", sub, free_name) < 0) {
			dst = NULL;
			goto oom;
		}
		if (moves_add(m, src, dst) < 0)
			goto cleanup;
	}
	taken[(*ntaken)++] = free_name;
	*dest_base = free_name;
	free_name = NULL;
	ret = 0;
	goto cleanup;
oom:
	hrdex_error_oom();
cleanup:
	free(src);
	free(dst);
	free(free_name);
	free(base);
	return ret;
}

/* Write rejected/D.error: one line per problem, "NAME: POINTER: MESSAGE". */
static int write_error(const struct box *bx, const char *dest_base, const char *name,
		       const struct hrdex_problems *p)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char *path = NULL;
	size_t i;
	int ret = -1;

	if (asprintf(&path, "%s.error", dest_base) < 0)
		return hrdex_error_oom();
	for (i = 0; i < p->count; i++) {
		int r = p->items[i].pointer[0]
				? hrdex_buf_printf(&b, "%s: %s: %s\n", name, p->items[i].pointer, p->items[i].message)
				: hrdex_buf_printf(&b, "%s: %s\n", name, p->items[i].message);

		if (r < 0)
			goto cleanup;
	}
	if (!p->count && hrdex_buf_printf(&b, "%s: rejected\n", name) < 0)
		goto cleanup;
	ret = hrdex_fs_write_atomic_at(bx->rejected, path, b.ptr, b.len, 0644);
cleanup:
	hrdex_buf_free(&b);
	free(path);
	return ret;
}

/* 1 when every problem of the item is a duplicate ref (batch.c adds that
 * only to items otherwise valid, whose ref and oid are set). */
static int only_duplicate(const struct hrdex_batch_item *it)
{
	size_t i;

	for (i = 0; i < it->problems.count; i++)
		if (strcmp(it->problems.items[i].keyword, "duplicate"))
			return 0;
	return it->problems.count > 0 && it->ref.publisher[0];
}

enum fate { FATE_PUBLISH, FATE_REJECT, FATE_DEFER };

/*
 * Decide each item's fate: invalid ones are rejected; of several valid files
 * with the same ref, the first by name is published and the others deferred
 * (batch.c flags duplicates in an arbitrary member of the group, so the
 * flags are recomputed here by name order).
 */
static void decide(struct hrdex_batch *b, enum fate *fate)
{
	size_t i, j;

	for (i = 0; i < b->count; i++) {
		struct hrdex_batch_item *it = &b->items[i];

		if (only_duplicate(it)) {
			hrdex_problems_truncate(&it->problems, 0);
			it->valid = 1;
			b->invalid--;
		}
		fate[i] = it->problems.count || !it->valid ? FATE_REJECT : FATE_PUBLISH;
	}
	for (i = 0; i < b->count; i++) {
		if (fate[i] != FATE_PUBLISH)
			continue;
		for (j = 0; j < i; j++) {
			const struct hrdex_ref *x = &b->items[i].ref, *y;

			if (fate[j] == FATE_REJECT)
				continue;
			y = &b->items[j].ref;
			if (!strcmp(x->publisher, y->publisher) && !strcmp(x->type, y->type) &&
			    !strcmp(x->id, y->id)) {
				fate[i] = FATE_DEFER;
				break;
			}
		}
	}
}

/* Publish the items whose fate is FATE_PUBLISH; items publish.c finds
 * invalid (attachment problems) turn FATE_REJECT and the rest is retried. */
static int publish_valid(struct hrdex_state *s, struct hrdex_batch *b, const struct hrdex_doc_opts *opts,
			 enum fate *fate, struct hrdex_outbox_report *r)
{
	struct hrdex_batch sub = { 0 };
	struct hrdex_publish_result res = { 0 };
	size_t *idx = calloc(b->count + 1, sizeof(*idx)), i, n;
	int attempt, ret = -1;

	sub.items = calloc(b->count + 1, sizeof(*sub.items));
	if (!idx || !sub.items) {
		hrdex_error_oom();
		goto cleanup;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		int failed;

		for (i = n = 0; i < b->count; i++)
			if (fate[i] == FATE_PUBLISH) {
				sub.items[n] = b->items[i]; /* shallow: problems come back below */
				idx[n++] = i;
			}
		if (!n) {
			ret = 0;
			goto cleanup;
		}
		sub.count = n;
		sub.invalid = 0;
		failed = hrdex_publish(s, &sub, opts, NULL, &res) < 0;
		for (i = 0; i < n; i++) {
			b->items[idx[i]] = sub.items[i];
			if (b->items[idx[i]].problems.count) {
				b->items[idx[i]].valid = 0;
				fate[idx[i]] = FATE_REJECT;
			}
		}
		if (!failed) {
			r->committed = res.committed;
			r->commit = res.commit;
			r->added = res.added;
			r->changed = res.changed;
			ret = 0;
			goto cleanup;
		}
		hrdex_publish_result_free(&res);
		if (hrdex_error_kind() != HRDEX_E_INVALID || !sub.invalid)
			goto cleanup;
	}
cleanup:
	hrdex_publish_result_free(&res);
	free(sub.items);
	free(idx);
	return ret;
}

int hrdex_outbox_pass(struct hrdex_state *s, int64_t now, struct hrdex_outbox_report *r)
{
	struct hrdex_doc_opts dopts = { 0 };
	struct hrdex_batch batch = { 0 };
	struct moves m = { 0 };
	struct box box = { NULL, -1, -1, -1 };
	char *journal = hrdex_state_path(s, JOURNAL);
	char *dir = hrdex_state_path(s, "outbox"), **names = NULL, **inputs = NULL, **taken = NULL;
	enum fate *fate = NULL;
	size_t n = 0, i, ntaken = 0;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (!dir || !journal) {
		hrdex_error_oom();
		goto cleanup;
	}
	if (box_open(&box, dir) < 0 || recover(&box, journal) < 0)
		goto cleanup;
	if (scan_fd(&names, &n, &r->deferred, box.out, dir, now, s->config->outbox_settle,
		    (size_t)s->config->outbox_batch) < 0)
		goto cleanup;
	if (!n) {
		ret = 0;
		goto cleanup;
	}
	inputs = calloc(n, sizeof(*inputs));
	fate = calloc(n, sizeof(*fate));
	taken = calloc(n, sizeof(*taken));
	if (!inputs || !fate || !taken) {
		hrdex_error_oom();
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		if (!(inputs[i] = hrdex_path_join(dir, names[i]))) {
			hrdex_error_oom();
			goto cleanup;
		}
	dopts.limits = &s->config->limits;
	dopts.schemas = s->schemas;
	dopts.fill_publisher = s->config->publisher;
	dopts.expect_publisher = s->config->publisher;
	if (hrdex_batch_load(&batch, inputs, n, NULL, 0, &dopts) < 0)
		goto cleanup;
	decide(&batch, fate);
	if (publish_valid(s, &batch, &dopts, fate, r) < 0)
		goto cleanup;
	crash_point("commit");
	/* The commit exists (or nothing changed): now plan, record, move. */
	for (i = 0; i < n; i++) {
		char *dest_base;

		if (fate[i] == FATE_DEFER) {
			r->deferred++;
			continue;
		}
		if (plan_move(&m, &box, fate[i] == FATE_PUBLISH ? "done" : "rejected", names[i], taken,
			      &ntaken, &dest_base) < 0)
			goto cleanup;
		if (fate[i] == FATE_REJECT) {
			if (write_error(&box, dest_base, names[i], &batch.items[i].problems) < 0)
				goto cleanup;
			hrdex_log_warn("outbox: rejected '%s': %s%s%s", names[i],
				       batch.items[i].problems.count ? batch.items[i].problems.items[0].pointer : "",
				       batch.items[i].problems.count && batch.items[i].problems.items[0].pointer[0] ? ": " : "",
				       batch.items[i].problems.count ? batch.items[i].problems.items[0].message : "");
			r->rejected++;
		} else {
			r->published++;
		}
	}
	if (journal_write(journal, &m) < 0)
		goto cleanup;
	crash_point("moves");
	if (moves_apply(&box, &m) < 0)
		goto cleanup;
	sync_dirs(&box);
	if (unlink(journal) < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot remove '%s'", journal);
		goto cleanup;
	}
	hrdex_fs_sync_dir(s->dir);
	ret = 0;
cleanup:
	moves_free(&m);
	hrdex_batch_free(&batch);
	for (i = 0; i < ntaken; i++)
		free(taken[i]);
	free(taken);
	for (i = 0; inputs && i < n; i++)
		free(inputs[i]);
	free(inputs);
	free(fate);
	hrdex_outbox_names_free(names, n);
	box_close(&box);
	free(journal);
	free(dir);
	return ret;
}
