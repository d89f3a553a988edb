/*
 * cache_update.c - updates of the whole cache: the branches of the repository against
 * those the cache indexed, lag, the rebuild aside, and the update thread (see cache_int.h).
 */
#include "cache_int.h"
#include "accept.h"
#include "buf.h"
#include "config.h"
#include "doc.h"
#include "doctype.h"
#include "date.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "refs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

/* ---- branches of the repository and of the cache ---- */


void cache_branches_free(struct branches *b)
{
	size_t i;

	for (i = 0; i < b->count; i++) {
		free(b->items[i].name);
		free(b->items[i].commit);
	}
	free(b->items);
	b->items = NULL;
	b->count = b->alloc = 0;
}

struct branch *cache_branches_add(struct branches *b, const char *name)
{
	struct branch *e;

	if (b->count == b->alloc) {
		size_t n = b->alloc ? b->alloc * 2 : 16;
		struct branch *items = realloc(b->items, n * sizeof(*items));

		if (!items)
			return NULL;
		b->items = items;
		b->alloc = n;
	}
	e = &b->items[b->count];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	if (!e->name)
		return NULL;
	b->count++;
	return e;
}

int cache_branch_cmp(const void *a, const void *b)
{
	return strcmp(((const struct branch *)a)->name, ((const struct branch *)b)->name);
}

struct branch *cache_branches_find(struct branches *b, const char *name)
{
	struct branch key;

	key.name = (char *)(uintptr_t)name;
	return b->count ? bsearch(&key, b->items, b->count, sizeof(*b->items), cache_branch_cmp) : NULL;
}

/* Publisher branches: refs/heads/<p> with a valid publisher id, peeled to
 * commits, sorted by name. */
int cache_repo_branches(struct branches *out, git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int ret = -1, rc;

	if (git_reference_iterator_glob_new(&it, repo, "refs/heads/*") < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot list branches");
	while ((rc = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref) + strlen("refs/heads/");
		git_object *obj = NULL;
		struct branch *b;

		if (strchr(name, '/') || !hrdex_publisher_valid(name)) {
			git_reference_free(ref);
			ref = NULL;
			continue;
		}
		if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot resolve branch '%s'", name);
			goto cleanup;
		}
		b = cache_branches_add(out, name);
		if (!b) {
			git_object_free(obj);
			hrdex_error_oom();
			goto cleanup;
		}
		git_oid_cpy(&b->oid, git_object_id(obj));
		git_object_free(obj);
		git_reference_free(ref);
		ref = NULL;
	}
	if (rc != GIT_ITEROVER) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot list branches");
		goto cleanup;
	}
	if (out->count)
		qsort(out->items, out->count, sizeof(*out->items), cache_branch_cmp);
	ret = 0;
cleanup:
	git_reference_free(ref);
	git_reference_iterator_free(it);
	return ret;
}

/* The branches table, sorted by publisher. */
int cache_branches(struct branches *out, struct hrdex_cache *c)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT publisher, \"commit\" FROM branches ORDER BY publisher", -1, &st,
			       NULL) != SQLITE_OK)
		return cache_db_fail(c, "reading branches");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct branch *b = cache_branches_add(out, (const char *)sqlite3_column_text(st, 0));

		if (!b || !(b->commit = strdup((const char *)sqlite3_column_text(st, 1)))) {
			sqlite3_finalize(st);
			return hrdex_error_oom();
		}
	}
	if (rc != SQLITE_DONE) {
		cache_db_fail(c, "reading branches");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	/* ORDER BY uses BINARY collation: the same order as strcmp */
	return 0;
}

/* The document rules digest the cache's held rows were judged by (table
 * meta, key "rules"): "" when none is recorded; 0, or -1 on error. */
static int rules_recorded(struct hrdex_cache *c, char out[65])
{
	sqlite3_stmt *st = NULL;
	int rc;

	out[0] = '\0';
	if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = 'rules'", -1, &st, NULL) != SQLITE_OK)
		return cache_db_fail(c, "reading meta");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, 65, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cache_db_fail(c, "reading meta");
}

int hrdex_cache_rules_changed(struct hrdex_cache *c)
{
	char now[65], then[65];

	hrdex_document_rules_digest(now);
	if (rules_recorded(c, then) < 0)
		return -1;
	return strcmp(now, then) != 0;
}

/*
 * The document rules changed (an upgrade): the publishers with held
 * documents are indexed again from scratch (their branches rows go), so
 * each held document is checked again and released when it passes.
 * Within the update's transaction.
 */
static int recheck_held(struct hrdex_cache *c)
{
	char now[65], then[65];
	char *sql;
	int r;

	hrdex_document_rules_digest(now);
	if (rules_recorded(c, then) < 0)
		return -1;
	if (!strcmp(now, then))
		return 0;
	if (then[0])
		hrdex_log_info("cache: the document rules changed: held documents are checked again");
	if (cache_exec(c, "DELETE FROM branches WHERE publisher IN (SELECT DISTINCT publisher FROM held)") < 0)
		return -1;
	sql = sqlite3_mprintf("INSERT INTO meta(key, value) VALUES('rules', %Q) "
			      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", now);
	if (!sql)
		return hrdex_error_oom();
	r = cache_exec(c, sql);
	sqlite3_free(sql);
	return r;
}

int hrdex_cache_update(struct hrdex_cache *c, git_repository *repo, int64_t *changed)
{
	struct branches tips = { NULL, 0, 0 }, cached = { NULL, 0, 0 };
	size_t i;
	int ret = -1;

	if (changed)
		*changed = 0;
	if (c->readonly)
		return hrdex_error_set(HRDEX_E_INTERNAL, "cache '%s' is open read-only", c->path);
	c->changed = 0;
	if (cache_exec(c, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (recheck_held(c) < 0)
		goto cleanup;
	if (cache_repo_branches(&tips, repo) < 0 || cache_branches(&cached, c) < 0)
		goto cleanup;
	for (i = 0; i < cached.count; i++) {
		if (cache_branches_find(&tips, cached.items[i].name))
			continue;
		if (cache_delete_publisher(c, cached.items[i].name) < 0)
			goto cleanup;
		sqlite3_bind_text(c->st[ST_BRANCH_DELETE], 1, cached.items[i].name, -1, SQLITE_STATIC);
		if (cache_step_done(c, c->st[ST_BRANCH_DELETE]) < 0)
			goto cleanup;
	}
	for (i = 0; i < tips.count; i++) {
		struct branch *old = cache_branches_find(&cached, tips.items[i].name);

		if (cache_index_publisher(c, repo, tips.items[i].name, &tips.items[i].oid, old ? old->commit : NULL) < 0)
			goto cleanup;
	}
	if (cache_exec(c, "COMMIT") < 0)
		goto cleanup;
	if (changed)
		*changed = c->changed;
	ret = 0;
cleanup:
	if (ret < 0)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	cache_branches_free(&cached);
	cache_branches_free(&tips);
	return ret;
}

/* How many of the branch tips (sorted by name) differ from the commits in
 * the cache's branches table: new, moved or gone. */
static int count_lag(struct hrdex_cache *c, const struct hrdex_tips *tips, size_t *behind, char **first)
{
	struct branches cached = { NULL, 0, 0 };
	size_t i, j, n = 0;
	const char *name = NULL;
	int ret = -1;

	if (cache_branches(&cached, c) < 0)
		goto cleanup;
	for (i = 0; i < tips->count; i++) {
		struct branch *b = cache_branches_find(&cached, tips->items[i].name);

		if (!b || strcmp(b->commit, tips->items[i].hex)) {
			n++;
			name = name ? name : tips->items[i].name;
		}
	}
	for (i = 0; i < cached.count; i++) {
		for (j = 0; j < tips->count && strcmp(tips->items[j].name, cached.items[i].name); j++)
			;
		if (j == tips->count) {
			n++;
			name = name ? name : cached.items[i].name;
		}
	}
	if (first && name && !(*first = strdup(name))) {
		hrdex_error_oom();
		goto cleanup;
	}
	*behind = n;
	ret = 0;
cleanup:
	cache_branches_free(&cached);
	return ret;
}

int hrdex_cache_lag(struct hrdex_cache *c, git_repository *repo, size_t *behind, char **first)
{
	struct branches found = { NULL, 0, 0 };
	struct hrdex_tips tips = { NULL, 0 };
	size_t i;
	int ret = -1;

	*behind = 0;
	if (first)
		*first = NULL;
	if (cache_repo_branches(&found, repo) < 0)
		return -1;
	tips.items = calloc(found.count ? found.count : 1, sizeof(*tips.items));
	if (!tips.items) {
		hrdex_error_oom();
		goto cleanup;
	}
	for (i = 0; i < found.count; i++) {
		tips.items[i].name = found.items[i].name;   /* borrowed */
		git_oid_tostr(tips.items[i].hex, sizeof(tips.items[i].hex), &found.items[i].oid);
	}
	tips.count = found.count;
	ret = count_lag(c, &tips, behind, first);
cleanup:
	free(tips.items);
	cache_branches_free(&found);
	return ret;
}

int hrdex_cache_lag_files(struct hrdex_cache *c, const char *gitdir, size_t *behind, char **first)
{
	struct hrdex_tips tips = { NULL, 0 };
	int ret;

	*behind = 0;
	if (first)
		*first = NULL;
	if (hrdex_refs_branches(&tips, gitdir) < 0)
		return -1;
	ret = count_lag(c, &tips, behind, first);
	hrdex_tips_free(&tips);
	return ret;
}

/* ---- rebuild ---- */

static int unlink_if_exists(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return hrdex_error_errno(HRDEX_E_IO, "cannot remove '%s'", path);
	return 0;
}

static int remove_db_files(const char *path)
{
	char name[4200];

	if (strlen(path) > 4096)
		return hrdex_error_set(HRDEX_E_IO, "path too long: '%s'", path);
	if (hrdex_fmt(name, sizeof(name), "%s-wal", path) < 0)
		return -1;
	if (unlink_if_exists(name) < 0)
		return -1;
	if (hrdex_fmt(name, sizeof(name), "%s-shm", path) < 0)
		return -1;
	if (unlink_if_exists(name) < 0)
		return -1;
	return unlink_if_exists(path);
}

static int rebuild_aside(const char *path, git_repository *repo, int cache_mib);

int hrdex_cache_rebuild(const char *path, git_repository *repo)
{
	return rebuild_aside(path, repo, 64);
}

/*
 * What a rebuild cannot read from the branches but harvesters rely on:
 * tombstones of withdrawn documents (OAI-PMH promises deleted records
 * persistently), and each current version's accepted_at and sequence (an
 * OAI datestamp, an iCalendar SEQUENCE that must not go back).  Carried over
 * from the cache being replaced (old_path) when it has this layout or
 * version 4's (which lacks only the version-2 facts); for
 * a document whose JSON is unchanged only.  Best effort: a cache that cannot
 * be read, or of another layout, leaves the rebuilt values (logged).
 */
static void carry_over(struct hrdex_cache *c, const char *old_path)
{
	static const char *const steps[] = {
		"INSERT OR IGNORE INTO withdrawn(ref, publisher, type, id, title, lang, countries, withdrawn_at, "
		"sequence, date, start, \"end\", json) SELECT ref, publisher, type, id, title, lang, countries, "
		"withdrawn_at, sequence, date, start, \"end\", json FROM old.withdrawn "
		"WHERE ref NOT IN (SELECT ref FROM main.documents)",
		"UPDATE main.documents SET (accepted_at, sequence) = (SELECT o.accepted_at, o.sequence FROM "
		"old.documents o WHERE o.ref = documents.ref AND o.json = documents.json) "
		"WHERE EXISTS (SELECT 1 FROM old.documents o WHERE o.ref = documents.ref AND o.json = documents.json)",
	};
	sqlite3_stmt *st = NULL;
	int64_t version;
	size_t i;
	int err = 0;

	if (!hrdex_fs_exists(old_path))
		return;
	if (sqlite3_prepare_v2(c->db, "ATTACH DATABASE ?1 AS old", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, old_path, -1, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		hrdex_log_warn("cache: cannot read '%s' to keep its tombstones: %s", old_path, sqlite3_errmsg(c->db));
		sqlite3_finalize(st);
		return;
	}
	sqlite3_finalize(st);
	/* Version 4 differs from 5 only by columns and tables these steps do
	 * not read: its tombstones and stamps carry over the same way. */
	version = cache_scalar_int(c, "PRAGMA old.user_version", &err);
	if (!err && version >= 4 && version <= HRDEX_CACHE_SCHEMA) {
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			if (sqlite3_exec(c->db, steps[i], NULL, NULL, NULL) != SQLITE_OK)
				hrdex_log_warn("cache: keeping tombstones and stamps from '%s': %s", old_path,
					       sqlite3_errmsg(c->db));
	}
	sqlite3_exec(c->db, "DETACH DATABASE old", NULL, NULL, NULL);
}

static int rebuild_aside(const char *path, git_repository *repo, int cache_mib)
{
	struct hrdex_cache *c = NULL;
	char tmp[4096], side[4200], pragma[64], *dir = NULL, *slash;
	sqlite3 *old = NULL;
	int ret = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp) - 8)
		return hrdex_error_set(HRDEX_E_IO, "path too long: '%s'", path);
	/* a leftover of a killed rebuild, with its own -wal/-shm */
	if (remove_db_files(tmp) < 0)
		return -1;
	/* The file is aside until renamed: a crash only loses the work, so no
	 * fsync, and no journal either: in WAL mode every page of one big
	 * transaction was written twice (WAL, then checkpoint), a third of the
	 * time of a first index.  The file goes back to WAL mode, which is
	 * recorded in it, before readers can see it.  reindex gives it a 64 MiB
	 * page cache: with 32, a first index of 100,000 documents took 25 s
	 * instead of 22 (pages of the secondary indexes written out and read
	 * back); publish and sync, which rebuild main and view/ alongside, keep
	 * 32 to stay under 200 MiB. */
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d", cache_mib * 1024); /* fits: a number */
	if (hrdex_cache_open(&c, tmp, 0) < 0 || cache_exec(c, "PRAGMA journal_mode = OFF") < 0 ||
	    cache_exec(c, "PRAGMA synchronous = OFF") < 0 || cache_exec(c, pragma) < 0 || hrdex_cache_update(c, repo, NULL) < 0)
		goto cleanup;
	carry_over(c, path);
	if (cache_exec(c, "PRAGMA journal_mode = WAL") < 0)
		goto cleanup;
	{
		int zero = 0;   /* not kept (cache_keep_wal): this WAL belongs to the file aside */

		sqlite3_file_control(c->db, "main", SQLITE_FCNTL_PERSIST_WAL, &zero);
	}
	hrdex_cache_close(c);   /* the last connection: SQLite folds and deletes the WAL */
	c = NULL;
	if (hrdex_fmt(side, sizeof(side), "%s-wal", tmp) < 0)
		goto cleanup;
	if (unlink_if_exists(side) < 0)
		goto cleanup;
	if (hrdex_fmt(side, sizeof(side), "%s-shm", tmp) < 0)
		goto cleanup;
	if (unlink_if_exists(side) < 0)
		goto cleanup;
	/* The old cache's -wal/-shm must not survive next to the new file: fold
	 * the WAL in (best effort: a reader may pin it), then remove both.  A
	 * crash here leaves the old cache, at worst behind: its branches rows
	 * are committed with its document rows. */
	if (hrdex_fs_exists(path) && sqlite3_open_v2(path, &old, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(old, 2000);
		sqlite3_exec(old, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	}
	sqlite3_close(old);
	old = NULL;
	if (hrdex_fmt(side, sizeof(side), "%s-wal", path) < 0)
		goto cleanup;
	if (unlink_if_exists(side) < 0)
		goto cleanup;
	if (hrdex_fmt(side, sizeof(side), "%s-shm", path) < 0)
		goto cleanup;
	if (unlink_if_exists(side) < 0)
		goto cleanup;
	if (rename(tmp, path) < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot rename '%s' to '%s'", tmp, path);
		goto cleanup;
	}
	dir = strdup(path);
	if (!dir) {
		hrdex_error_oom();
		goto cleanup;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (hrdex_fs_sync_dir(slash ? (*dir ? dir : "/") : ".") < 0)
		goto cleanup;
	/* A writer's open gives the new file the -wal and -shm that readers
	 * without write access to the folder need (cache_keep_wal). */
	if (hrdex_cache_open(&c, path, 0) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(dir);
	sqlite3_close(old);
	hrdex_cache_close(c);
	if (ret < 0)
		remove_db_files(tmp);
	return ret;
}

struct hrdex_cache_job {
	pthread_t thread;
	char *db_path, *repo_path;
	int64_t changed;
	int status, code;
	char message[1024];
};

static void *update_thread(void *arg)
{
	struct hrdex_cache_job *job = arg;
	struct hrdex_cache *c = NULL;
	git_repository *repo = NULL;

	job->status = -1;
	if (git_repository_open_bare(&repo, job->repo_path) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot open '%s'", job->repo_path);
	} else if (hrdex_cache_open(&c, job->db_path, 0) == 0) {
		int err = 0, empty = cache_scalar_int(c, "SELECT count(*) FROM branches", &err) == 0 && !err;

		/* A first publish or sync fills an empty cache: built aside
		 * (hrdex_cache_rebuild), it is written once instead of twice. */
		if (empty) {
			hrdex_cache_close(c);
			c = NULL;
			if (rebuild_aside(job->db_path, repo, 32) == 0)
				job->status = 0;
		} else if (hrdex_cache_update(c, repo, &job->changed) == 0) {
			job->status = 0;
		}
	}
	if (job->status < 0) {
		job->code = hrdex_error_kind();
		hrdex_fmt_cut(job->message, sizeof(job->message), "%s", hrdex_error_message());
	}
	hrdex_cache_close(c);
	git_repository_free(repo);
	return NULL;
}

static void job_free(struct hrdex_cache_job *job)
{
	free(job->db_path);
	free(job->repo_path);
	free(job);
}

int hrdex_cache_update_start(struct hrdex_cache_job **out, const char *db_path, const char *repo_path)
{
	struct hrdex_cache_job *job = calloc(1, sizeof(*job));
	int err;

	*out = NULL;
	if (!job || !(job->db_path = strdup(db_path)) || !(job->repo_path = strdup(repo_path))) {
		if (job)
			job_free(job);
		return hrdex_error_oom();
	}
	err = pthread_create(&job->thread, NULL, update_thread, job);
	if (err) {
		job_free(job);
		errno = err;
		return hrdex_error_errno(HRDEX_E_INTERNAL, "cannot start the cache update");
	}
	*out = job;
	return 0;
}

int hrdex_cache_update_finish(struct hrdex_cache_job *job, int64_t *changed)
{
	int ret;

	if (changed)
		*changed = 0;
	if (!job)
		return 0;
	pthread_join(job->thread, NULL);
	ret = job->status;
	if (ret < 0)
		hrdex_error_set(job->code, "%s", job->message);
	else if (changed)
		*changed = job->changed;
	job_free(job);
	return ret;
}
