/*
 * outbox.c - outbox/ to signed commits, never losing or duplicating a file
 * (see outbox.h).
 *
 * One pass, under the agent-wide lock:
 *   1. recover: finish the moves an earlier pass recorded in .journal;
 *   2. scan: complete files only (NAME.json, not dotfiles or "*.tmp", and at
 *      least outbox.settle seconds old, NAME.files/ included);
 *   3. load and check every file (batch.c); two files with the same ref: the
 *      first by name goes now, the other waits for the next pass, so the
 *      last written wins, as the secretariat expects;
 *   4. write rejected/D.error for each invalid file;
 *   5. publish the valid files as one signed commit (none when nothing
 *      changed);
 *   6. write .journal, the list of moves (source, destination), atomically;
 *   7. rename each file (and its NAME.files/) to done/ or rejected/;
 *   8. fsync the folders, remove .journal.
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
 *     replays .journal: a move whose source is gone was done, the others are
 *     done now, with the same destination names, so a document and its
 *     NAME.files/ never part.
 *   - after 7, before 8: the same replay finds every source gone.
 * A file is moved only after the commit holding it exists, so a moved file
 * is always published; a file is never deleted, so it is never lost.
 *
 * Destinations keep the name; when done/NAME.json is taken (the same name
 * dropped twice), "NAME~1.json", "NAME~2.json"... with NAME.files/ to match.
 */
#include "outbox.h"
#include "error.h"
#include "fs.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL ".journal"

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

/* 1 when path (and, for a folder, its entries) is older than the cutoff. */
static int settled(const char *path, int64_t cutoff, int is_dir)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int ok = 1;

	if (lstat(path, &st) < 0)
		return 0;
	if ((int64_t)st.st_mtime > cutoff)
		return 0;
	if (!is_dir)
		return 1;
	d = opendir(path);
	if (!d)
		return 0;
	while (ok && (e = readdir(d))) {
		char *p;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		p = hrdex_path_join(path, e->d_name);
		if (!p || lstat(p, &st) < 0 || (int64_t)st.st_mtime > cutoff)
			ok = 0;
		free(p);
	}
	closedir(d);
	return ok;
}

int hrdex_outbox_scan(char ***names, size_t *n, size_t *more, const char *dir, int64_t now,
		      int64_t settle, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **list = NULL;
	size_t count = 0, alloc = 0;

	*names = NULL;
	*n = 0;
	*more = 0;
	if (!d)
		return hrdex_error_errno(HRDEX_EX_IOERR, "cannot open '%s'", dir);
	while ((e = readdir(d))) {
		struct stat st;
		char *path, *files;
		size_t len = strlen(e->d_name);
		int ready;

		if (!ends_with(e->d_name, ".json") || len == 5 || !name_ok(e->d_name))
			continue;
		path = hrdex_path_join(dir, e->d_name);
		files = path ? malloc(strlen(path) + 2) : NULL;
		if (!files) {
			free(path);
			goto oom;
		}
		memcpy(files, path, strlen(path) - 5);
		memcpy(files + strlen(path) - 5, ".files", 7);
		ready = lstat(path, &st) == 0 && S_ISREG(st.st_mode) && settled(path, now - settle, 0) &&
			(!hrdex_fs_exists(files) || (hrdex_fs_is_dir(files) && settled(files, now - settle, 1)));
		free(path);
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
	return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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

/* "DIR/NAME.EXT" taken on disk? */
static int taken_on_disk(const char *dest, const char *name, const char *ext)
{
	char *p = NULL;
	int r;

	if (asprintf(&p, "%s/%s%s", dest, name, ext) < 0)
		return 1;
	r = hrdex_fs_exists(p);
	free(p);
	return r;
}

int hrdex_outbox_free_name(char **out, const char *dest, const char *base, char **taken, size_t ntaken)
{
	size_t len = strlen(base) + 24, i;
	char *name = malloc(len);
	unsigned k;

	*out = NULL;
	if (!name)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	for (k = 0; k < 100000; k++) {
		int busy = 0;

		if (k)
			snprintf(name, len, "%s~%u", base, k); /* fits: len counts base, '~' and the number */
		else
			snprintf(name, len, "%s", base); /* fits: as above */
		for (i = 0; i < ntaken && !busy; i++)
			busy = !strcmp(taken[i], name);
		if (busy || taken_on_disk(dest, name, ".json") || taken_on_disk(dest, name, ".files"))
			continue;
		*out = name;
		return 0;
	}
	free(name);
	return hrdex_error_set(HRDEX_EX_CANTCREAT, "no free name for '%s' in '%s'", base, dest);
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
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		m->items = items;
		m->alloc = a;
	}
	m->items[m->count].src = strdup(src);
	m->items[m->count].dst = strdup(dst);
	if (!m->items[m->count].src || !m->items[m->count].dst) {
		free(m->items[m->count].src);
		free(m->items[m->count].dst);
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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

/* Do the moves (those whose source is gone were done before a crash). */
static int moves_apply(const char *dir, const struct moves *m)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < m->count; i++) {
		char *src = hrdex_path_join(dir, m->items[i].src);
		char *dst = hrdex_path_join(dir, m->items[i].dst);

		if (!src || !dst) {
			ret = hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		} else if (!hrdex_fs_exists(src)) {
			/* moved before a crash */
		} else if (hrdex_fs_exists(dst)) {
			/* Never overwrite: leave the source, the next pass takes it
			 * again (publishing it is idempotent) under a new name. */
			hrdex_log_warn("outbox: '%s' exists; '%s' left for the next pass", m->items[i].dst,
				       m->items[i].src);
		} else if (rename(src, dst) < 0) {
			ret = hrdex_error_errno(HRDEX_EX_IOERR, "cannot move '%s' to '%s'", src, dst);
		}
		free(src);
		free(dst);
		if (ret < 0)
			return -1;
	}
	return 0;
}

static int sync_dirs(const char *dir)
{
	static const char *const subs[] = { "done", "rejected" };
	size_t i;

	for (i = 0; i < 2; i++) {
		char *p = hrdex_path_join(dir, subs[i]);

		if (!p)
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		hrdex_fs_sync_dir(p);
		free(p);
	}
	return hrdex_fs_sync_dir(dir);
}

int hrdex_outbox_recover(const char *dir)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct moves m = { 0 };
	char *path = hrdex_path_join(dir, JOURNAL), *line, *next;
	int ret = -1;

	if (!path)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	if (!hrdex_fs_exists(path)) {
		free(path);
		return 0;
	}
	if (hrdex_fs_read(&text, path, 64 << 20) < 0)
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
	if (moves_apply(dir, &m) < 0 || sync_dirs(dir) < 0)
		goto cleanup;
	if (unlink(path) < 0) {
		hrdex_error_errno(HRDEX_EX_IOERR, "cannot remove '%s'", path);
		goto cleanup;
	}
	hrdex_fs_sync_dir(dir);
	ret = 0;
cleanup:
	moves_free(&m);
	hrdex_buf_free(&text);
	free(path);
	return ret;
}

static int journal_write(const char *dir, const struct moves *m)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char *path = hrdex_path_join(dir, JOURNAL);
	size_t i;
	int ret = -1;

	if (!path)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	for (i = 0; i < m->count; i++)
		if (hrdex_buf_printf(&b, "%s\t%s\n", m->items[i].src, m->items[i].dst) < 0)
			goto cleanup;
	ret = hrdex_fs_write_atomic(path, b.ptr ? b.ptr : "", b.len, 0644);
cleanup:
	hrdex_buf_free(&b);
	free(path);
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

/* Record the moves of file name (and its NAME.files/) to sub/D. */
static int plan_move(struct moves *m, const char *dir, const char *sub, const char *name, char **taken,
		     size_t *ntaken, char **dest_base)
{
	char *base = base_of(name), *dest = hrdex_path_join(dir, sub), *free_name = NULL;
	char *src = NULL, *dst = NULL, *files = NULL;
	int ret = -1;

	*dest_base = NULL;
	if (!base || !dest)
		goto oom;
	if (hrdex_outbox_free_name(&free_name, dest, base, taken, *ntaken) < 0)
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
	files = hrdex_path_join(dir, src);
	if (!files)
		goto oom;
	if (hrdex_fs_is_dir(files)) {
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
	hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
cleanup:
	free(files);
	free(src);
	free(dst);
	free(free_name);
	free(dest);
	free(base);
	return ret;
}

/* Write rejected/D.error: one line per problem, "NAME: POINTER: MESSAGE". */
static int write_error(const char *dir, const char *dest_base, const char *name,
		       const struct hrdex_problems *p)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char *path = NULL;
	size_t i;
	int ret = -1;

	if (asprintf(&path, "%s/rejected/%s.error", dir, dest_base) < 0)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	for (i = 0; i < p->count; i++) {
		int r = p->items[i].pointer[0]
				? hrdex_buf_printf(&b, "%s: %s: %s\n", name, p->items[i].pointer, p->items[i].message)
				: hrdex_buf_printf(&b, "%s: %s\n", name, p->items[i].message);

		if (r < 0)
			goto cleanup;
	}
	if (!p->count && hrdex_buf_printf(&b, "%s: rejected\n", name) < 0)
		goto cleanup;
	ret = hrdex_fs_write_atomic(path, b.ptr, b.len, 0644);
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
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
	char *dir = hrdex_state_path(s, "outbox"), **names = NULL, **inputs = NULL, **taken = NULL;
	enum fate *fate = NULL;
	size_t n = 0, i, ntaken = 0;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (!dir)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	if (hrdex_outbox_recover(dir) < 0)
		goto cleanup;
	if (hrdex_outbox_scan(&names, &n, &r->deferred, dir, now, s->config->outbox_settle,
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
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		if (!(inputs[i] = hrdex_path_join(dir, names[i]))) {
			hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
		if (plan_move(&m, dir, fate[i] == FATE_PUBLISH ? "done" : "rejected", names[i], taken,
			      &ntaken, &dest_base) < 0)
			goto cleanup;
		if (fate[i] == FATE_REJECT) {
			if (write_error(dir, dest_base, names[i], &batch.items[i].problems) < 0)
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
	if (journal_write(dir, &m) < 0)
		goto cleanup;
	crash_point("moves");
	if (moves_apply(dir, &m) < 0 || sync_dirs(dir) < 0)
		goto cleanup;
	{
		char *path = hrdex_path_join(dir, JOURNAL);

		if (!path || unlink(path) < 0) {
			free(path);
			hrdex_error_errno(HRDEX_EX_IOERR, "cannot remove '%s/%s'", dir, JOURNAL);
			goto cleanup;
		}
		free(path);
	}
	hrdex_fs_sync_dir(dir);
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
	free(dir);
	return ret;
}
