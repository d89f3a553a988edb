/*
 * cache_diff.c - what changed on a branch: the tree diff, the feed thread that prepares
 * changed documents ahead of the writer, commit assignment, and indexing
 * one publisher (see cache_int.h).
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
#include "schema.h"

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

/*
 * Tree diffs.  git_diff_tree_to_tree walks every entry of both trees; this
 * one merges the two sorted entry lists of each folder and descends only
 * into subtrees whose ids differ, so a one-file change in a folder of N
 * documents costs one pass over that folder, not over the repository.
 */
enum change_mode { CHANGE_FEED, CHANGE_CLAIM };

struct feed;

struct change_ctx {
	struct hrdex_cache *c;
	git_repository *repo;
	const char *publisher;
	enum change_mode mode;
	const char *hex;      /* CLAIM: the commit that made the change */
	int64_t pending;      /* CLAIM: rows left unclaimed, -1 unknown */
	struct feed *feed;    /* FEED: where the changes go */
};

static int feed_put(struct feed *f, const char *ref, const char *path, const git_oid *id, int gone);

static int feed_document(struct feed *f, const char *ref, const char *path);

/* An attachment P/T/ID.files/NAME changed: whether ID.json is held may
 * have changed with it (attachment rules), so it is checked again.  Its
 * blob may be unchanged, or changed too (fed again after: "ID.files"
 * sorts before "ID.json"). */
static int attachment_changed(struct change_ctx *x, const char *path)
{
	const char *files = strstr(path, ".files/");
	char json[HRDEX_REF_MAX + 8], ref[HRDEX_REF_MAX + 6];

	if (!files || (size_t)(files - path) + 6 > sizeof(json))
		return 0;
	snprintf(json, sizeof(json), "%.*s.json", (int)(files - path), path);
	if (!cache_path_ref(ref, sizeof(ref), json))
		return 0;
	return feed_document(x->feed, ref, json);
}

/* One changed path; new_id NULL when it is gone. */
static int on_change(struct change_ctx *x, const char *path, const git_oid *new_id, git_filemode_t mode)
{
	char ref[HRDEX_REF_MAX + 6];
	struct hrdex_cache *c = x->c;

	if (x->mode == CHANGE_FEED && !cache_path_ref(ref, sizeof(ref), path))
		return attachment_changed(x, path);
	if (!cache_path_ref(ref, sizeof(ref), path))
		return 0;   /* attachments, stray files */
	if (x->mode == CHANGE_FEED)
		return feed_put(x->feed, ref, path, new_id,
				!new_id || (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE));
	sqlite3_bind_text(c->st[ST_TOUCH_INSERT], 1, ref, -1, SQLITE_STATIC);
	if (cache_step_done(c, c->st[ST_TOUCH_INSERT]) < 0)
		return -1;
	if (sqlite3_changes(c->db) == 0)
		return 0;   /* a newer commit claimed it */
	sqlite3_bind_text(c->st[ST_COMMIT_SET], 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->st[ST_COMMIT_SET], 2, x->hex, -1, SQLITE_STATIC);
	if (cache_step_done(c, c->st[ST_COMMIT_SET]) < 0)
		return -1;
	if (sqlite3_changes(c->db) > 0 && x->pending > 0)
		x->pending--;
	return 0;
}

static int tree_diff(struct change_ctx *x, const git_tree *a, const git_tree *b, struct hrdex_buf *path,
		     int depth);

/* Every file below (or at) one entry as added (side b) or deleted (side a). */
static int entry_side(struct change_ctx *x, const git_tree_entry *e, int added, struct hrdex_buf *path,
		      int depth)
{
	size_t len = path->len;
	int ret = -1;

	if (hrdex_buf_puts(path, git_tree_entry_name(e)) < 0)
		return -1;
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		git_tree *t = NULL;

		if (hrdex_buf_putc(path, '/') < 0)
			goto cleanup;
		if (git_tree_lookup(&t, x->repo, git_tree_entry_id(e)) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read tree '%s'", path->ptr);
			goto cleanup;
		}
		ret = tree_diff(x, added ? NULL : t, added ? t : NULL, path, depth + 1);
		git_tree_free(t);
	} else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		ret = on_change(x, path->ptr, added ? git_tree_entry_id(e) : NULL, git_tree_entry_filemode(e));
	} else {
		ret = 0;   /* submodules: not ours */
	}
cleanup:
	path->len = len;
	path->ptr[len] = '\0';
	return ret;
}

static int tree_diff(struct change_ctx *x, const git_tree *a, const git_tree *b, struct hrdex_buf *path,
		     int depth)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0, i = 0, j = 0;

	if (depth > 3)
		return 0;   /* documents are at P/T/ID.json; attachments one deeper */
	while (i < na || j < nb) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : git_tree_entry_cmp(ea, eb);

		/* at the top, only the publisher's own folder */
		if (depth == 0) {
			const git_tree_entry *e = cmp <= 0 ? ea : eb;

			if (strcmp(git_tree_entry_name(e), x->publisher) ||
			    git_tree_entry_type(e) != GIT_OBJECT_TREE) {
				i += cmp <= 0;
				j += cmp >= 0;
				continue;
			}
		}
		if (cmp < 0) {
			if (entry_side(x, ea, 0, path, depth) < 0)
				return -1;
			i++;
		} else if (cmp > 0) {
			if (entry_side(x, eb, 1, path, depth) < 0)
				return -1;
			j++;
		} else {
			if (!git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) ||
			    git_tree_entry_filemode(ea) != git_tree_entry_filemode(eb)) {
				if (git_tree_entry_type(ea) == GIT_OBJECT_TREE &&
				    git_tree_entry_type(eb) == GIT_OBJECT_TREE) {
					git_tree *ta = NULL, *tb = NULL;
					size_t len = path->len;
					int r;

					if (hrdex_buf_puts(path, git_tree_entry_name(ea)) < 0 ||
					    hrdex_buf_putc(path, '/') < 0)
						return -1;
					if (git_tree_lookup(&ta, x->repo, git_tree_entry_id(ea)) < 0 ||
					    git_tree_lookup(&tb, x->repo, git_tree_entry_id(eb)) < 0) {
						git_tree_free(ta);
						return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read tree '%s'",
								       path->ptr);
					}
					r = tree_diff(x, ta, tb, path, depth + 1);
					git_tree_free(ta);
					git_tree_free(tb);
					path->len = len;
					path->ptr[len] = '\0';
					if (r < 0)
						return -1;
				} else if (git_tree_entry_type(ea) == GIT_OBJECT_BLOB &&
					   git_tree_entry_type(eb) == GIT_OBJECT_BLOB) {
					if (entry_side(x, eb, 1, path, depth) < 0)
						return -1;
				} else if (entry_side(x, ea, 0, path, depth) < 0 ||
					   entry_side(x, eb, 1, path, depth) < 0) {
					return -1;
				}
			}
			i++;
			j++;
		}
	}
	return 0;
}

static int diff_trees(struct change_ctx *x, const git_tree *a, const git_tree *b)
{
	struct hrdex_buf path = HRDEX_BUF_INIT;
	int r;

	if (hrdex_buf_put(&path, "", 0) < 0)
		return -1;
	r = tree_diff(x, a, b, &path, 0);
	hrdex_buf_free(&path);
	return r;
}

/*
 * The feed: a thread walks the tree diff with its own repository handle and
 * prepares each changed document (cache_prep_doc) into a ring of FEED_WINDOW
 * slots; the caller's thread, which owns the SQLite connection, applies them
 * in the same order.  Memory stays bounded by the window.
 */
#define FEED_WINDOW 64

struct feed {
	pthread_mutex_t mu;
	pthread_cond_t changed;
	struct prep slot[FEED_WINDOW];
	size_t put, took;        /* slots filled and emptied so far */
	int stop;                /* the writer failed: the walker gives up */
	git_repository *repo;    /* the walker's */
	git_oid a, b;            /* trees to compare; a zero: none */
	int have_a;
	const char *publisher;
	git_tree *tip;           /* the walker's tree b */
	git_tree *old;           /* the walker's tree a (NULL: none) */
	struct hrdex_schemas *schemas;  /* the walker's, made on first use */
	struct hrdex_limits limits;
};

/* The document rules (accept.h) for the document at path of f->tip: 0 with
 * p->held set when a rule holds it. */
static int check_rules(struct feed *f, struct prep *p, const char *path)
{
	const char *slash = strrchr(path, '/'), *tslash;
	git_tree_entry *te = NULL;
	git_tree *type_tree = NULL;
	char typepath[HRDEX_PUBLISHER_MAX + HRDEX_TYPE_MAX + 2], id[HRDEX_ID_MAX + 1];
	int r;

	if (!slash || (size_t)(slash - path) >= sizeof(typepath))
		return hrdex_error_set(HRDEX_E_INTERNAL, "unexpected document path '%s'", path);
	snprintf(typepath, sizeof(typepath), "%.*s", (int)(slash - path), path);
	snprintf(id, sizeof(id), "%.*s", (int)(strlen(slash + 1) > 5 ? strlen(slash + 1) - 5 : 0), slash + 1);
	tslash = strchr(typepath, '/');
	if (!tslash)
		return hrdex_error_set(HRDEX_E_INTERNAL, "unexpected document path '%s'", path);
	if (!f->schemas && (hrdex_schemas_new(&f->schemas) < 0 || hrdex_schemas_add_builtin(f->schemas) < 0))
		return -1;
	if (git_tree_entry_bypath(&te, f->tip, typepath) < 0 ||
	    git_tree_lookup(&type_tree, f->repo, git_tree_entry_id(te)) < 0) {
		git_tree_entry_free(te);
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", typepath);
	}
	git_tree_entry_free(te);
	typepath[tslash - typepath] = '\0';
	r = hrdex_document_check(f->repo, f->schemas, &f->limits, typepath, tslash + 1, type_tree, id, p->reason,
				 sizeof(p->reason));
	git_tree_free(type_tree);
	if (r < 0)
		return -1;
	p->held = r;
	return 0;
}

/* The walker's error, for the writer to report. */
static void prep_fail(struct prep *p)
{
	p->err = 1;
	p->code = hrdex_error_kind();
	hrdex_fmt_cut(p->message, sizeof(p->message), "%s", hrdex_error_message());
}

/* Wait, with f->mu held, until a slot is free; 0 when the writer stopped. */
static int feed_room(struct feed *f)
{
	while (!f->stop && f->put - f->took >= FEED_WINDOW)
		pthread_cond_wait(&f->changed, &f->mu);
	return !f->stop;
}

static int feed_put(struct feed *f, const char *ref, const char *path, const git_oid *id, int gone)
{
	struct prep *p;
	int room, failed;

	pthread_mutex_lock(&f->mu);
	room = feed_room(f);
	pthread_mutex_unlock(&f->mu);
	if (!room)
		return hrdex_error_set(HRDEX_E_INTERNAL, "cache update stopped");
	/* slot put % FEED_WINDOW is ours until put moves: the writer reads below it */
	p = &f->slot[f->put % FEED_WINDOW];
	if (hrdex_fmt(p->ref, sizeof(p->ref), "%s", ref) < 0)
		return -1;
	p->gone = gone;
	if (id)
		git_oid_cpy(&p->id, id);
	if (!(p->path = strdup(path))) {
		hrdex_error_oom();
		prep_fail(p);
	} else if (!gone && (check_rules(f, p, path) < 0 || (!p->held && cache_prep_doc(p, f->repo) < 0))) {
		prep_fail(p);
	}
	failed = p->err; /* the slot is the writer's once put moves */
	pthread_mutex_lock(&f->mu);
	f->put++;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->mu);
	return failed ? -1 : 0;
}

/* Feed the document at path of the tip again, as if changed, when its
 * blob is the same in both trees (a changed or new one the diff feeds
 * itself; one the tip lacks is gone). */
static int feed_document(struct feed *f, const char *ref, const char *path)
{
	git_tree_entry *e = NULL, *o = NULL;
	int r = 0;

	if (!f->old || git_tree_entry_bypath(&e, f->tip, path) < 0 || git_tree_entry_bypath(&o, f->old, path) < 0) {
		git_error_clear();
		git_tree_entry_free(e);
		return 0;
	}
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB && git_oid_equal(git_tree_entry_id(e), git_tree_entry_id(o)))
		r = feed_put(f, ref, path, git_tree_entry_id(e), 0);
	git_tree_entry_free(o);
	git_tree_entry_free(e);
	return r;
}

/* The walker: every change, then an end marker (or an error slot). */
static void *feed_walk(void *arg)
{
	struct feed *f = arg;
	struct change_ctx x = { NULL, f->repo, f->publisher, CHANGE_FEED, NULL, -1, f };
	git_tree *a = NULL, *b = NULL;
	struct prep *p;
	int r = -1;

	if ((f->have_a && git_tree_lookup(&a, f->repo, &f->a) < 0) || git_tree_lookup(&b, f->repo, &f->b) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the trees of '%s'", f->publisher);
	} else {
		f->tip = b;
		f->old = a;
		r = diff_trees(&x, a, b);
		f->tip = f->old = NULL;
	}
	git_tree_free(a);
	git_tree_free(b);
	/* the last slot: the end, or why the walk stopped (when no slot said it) */
	pthread_mutex_lock(&f->mu);
	if (feed_room(f)) {
		p = &f->slot[f->put % FEED_WINDOW];
		p->end = 1;
		if (r < 0)
			prep_fail(p);
		f->put++;
		pthread_cond_broadcast(&f->changed);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Apply the changes between trees a (NULL: none) and b to c. */
static int feed_run(struct hrdex_cache *c, git_repository *repo, const char *publisher, const git_tree *a,
		    const git_tree *b)
{
	struct feed *f = calloc(1, sizeof(*f));
	pthread_t walker;
	int ret = -1, err, done = 0;
	size_t i;

	if (!f)
		return hrdex_error_oom();
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->changed, NULL);
	f->publisher = publisher;
	/* The document rules as main applies them (mainview.c): the limits a
	 * document is held by are the defaults, not this agent's config. */
	hrdex_limits_default(&f->limits);
	f->have_a = a != NULL;
	if (a)
		git_oid_cpy(&f->a, git_tree_id(a));
	git_oid_cpy(&f->b, git_tree_id(b));
	/* libgit2 objects are not shared between threads: the walker opens its own */
	if (git_repository_open_bare(&f->repo, git_repository_path(repo)) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot open '%s'", git_repository_path(repo));
		goto free;
	}
	err = pthread_create(&walker, NULL, feed_walk, f);
	if (err) {
		errno = err;
		hrdex_error_errno(HRDEX_E_INTERNAL, "cannot start the cache update");
		goto free;
	}
	while (!done) {
		struct prep *p;

		pthread_mutex_lock(&f->mu);
		while (f->took == f->put)
			pthread_cond_wait(&f->changed, &f->mu);
		pthread_mutex_unlock(&f->mu);
		p = &f->slot[f->took % FEED_WINDOW];
		if (p->err) {
			hrdex_error_set(p->code, "%s", p->message);
			break;
		}
		done = p->end;
		if (!done && (cache_tombstone(c, p->ref, p->gone) < 0 || cache_delete_doc(c, p->ref) < 0 ||
			      (!p->gone && cache_insert_prepared(c, p) < 0)))
			break;
		cache_prep_clear(p);
		pthread_mutex_lock(&f->mu);
		f->took++;
		pthread_cond_broadcast(&f->changed);
		pthread_mutex_unlock(&f->mu);
	}
	ret = done ? 0 : -1;
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->mu);
	pthread_join(walker, NULL);
free:
	for (i = 0; i < FEED_WINDOW; i++)
		cache_prep_clear(&f->slot[i]);
	hrdex_schemas_free(f->schemas);
	git_repository_free(f->repo);
	pthread_cond_destroy(&f->changed);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return ret;
}

/*
 * Give the rows of publisher the commit that last changed them: walk the new
 * commits (tip back to, not including, old; the whole history when old is
 * NULL) newest first along first parents, and let the first commit touching a
 * ref claim it (temp.touched remembers claimed refs).  pending counts rows
 * still unclaimed when rebuilding, so the walk stops early.
 */
static int assign_commits(struct hrdex_cache *c, git_repository *repo, const char *publisher,
			  const git_oid *tip, const git_oid *old, int64_t pending)
{
	git_revwalk *walk = NULL;
	git_commit *commit = NULL, *parent = NULL;
	git_tree *tree = NULL, *ptree = NULL;
	struct change_ctx x = { c, repo, publisher, CHANGE_CLAIM, NULL, pending, NULL };
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	int ret = -1, rc;

	if (cache_exec(c, "DELETE FROM temp.touched") < 0)
		return -1;
	if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL) < 0 ||
	    git_revwalk_push(walk, tip) < 0 || (old && git_revwalk_hide(walk, old) < 0)) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot walk the history of '%s'", publisher);
		goto cleanup;
	}
	git_revwalk_simplify_first_parent(walk);
	x.hex = hex;
	while (x.pending != 0 && (rc = git_revwalk_next(&oid, walk)) == 0) {
		git_commit_free(commit);
		git_commit_free(parent);
		git_tree_free(tree);
		git_tree_free(ptree);
		commit = parent = NULL;
		tree = ptree = NULL;
		git_oid_tostr(hex, sizeof(hex), &oid);
		if (git_commit_lookup(&commit, repo, &oid) < 0 || git_commit_tree(&tree, commit) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read commit %s of '%s'", hex, publisher);
			goto cleanup;
		}
		if (git_commit_parentcount(commit) == 0)
			break;   /* a root: it introduced whatever is still unclaimed */
		if (git_commit_parent(&parent, commit, 0) < 0 || git_commit_tree(&ptree, parent) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the parent of %s of '%s'", hex, publisher);
			goto cleanup;
		}
		if (diff_trees(&x, ptree, tree) < 0)
			goto cleanup;
	}
	/* rows still unclaimed: introduced by the root we stopped at, or (off the
	 * first-parent chain) by a merge: the tip stands for it */
	sqlite3_bind_text(c->st[ST_COMMIT_FILL], 1, publisher, -1, SQLITE_STATIC);
	if (commit && git_commit_parentcount(commit) == 0)
		sqlite3_bind_text(c->st[ST_COMMIT_FILL], 2, hex, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_text(c->st[ST_COMMIT_FILL], 2, git_oid_tostr_s(tip), -1, SQLITE_TRANSIENT);
	if (cache_step_done(c, c->st[ST_COMMIT_FILL]) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	git_tree_free(ptree);
	git_tree_free(tree);
	git_commit_free(parent);
	git_commit_free(commit);
	git_revwalk_free(walk);
	return ret;
}

static void now_utc(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Bring one publisher from the cached commit (old_hex, may be NULL) to tip. */
int cache_index_publisher(struct hrdex_cache *c, git_repository *repo, const char *publisher,
			   const git_oid *tip, const char *old_hex)
{
	git_commit *tip_commit = NULL, *old_commit = NULL;
	git_tree *tip_tree = NULL, *old_tree = NULL;
	git_oid old;
	int64_t before = c->changed;
	char stamp[32];
	int ret = -1, have_old = 0;

	if (old_hex && git_oid_fromstr(&old, old_hex) == 0) {
		if (git_oid_equal(&old, tip))
			return 0;
		if (git_commit_lookup(&old_commit, repo, &old) == 0 &&
		    git_graph_descendant_of(repo, tip, &old) == 1 && git_commit_tree(&old_tree, old_commit) == 0)
			have_old = 1;
	}
	git_error_clear();
	if (!have_old) {
		if (old_hex)
			hrdex_log_info("cache: '%s' was indexed at %.12s, no ancestor of its tip: reindexing it",
				       publisher, old_hex);
		git_tree_free(old_tree);
		old_tree = NULL;
		if (cache_delete_publisher(c, publisher) < 0)
			goto cleanup;
	}
	if (git_commit_lookup(&tip_commit, repo, tip) < 0 || git_commit_tree(&tip_tree, tip_commit) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tip of '%s'", publisher);
		goto cleanup;
	}
	now_utc(c->now, sizeof(c->now));
	git_oid_tostr(c->tip, sizeof(c->tip), tip);
	if (feed_run(c, repo, publisher, old_tree, tip_tree) < 0)
		goto cleanup;
	if (assign_commits(c, repo, publisher, tip, have_old ? &old : NULL,
			   have_old ? -1 : c->changed - before) < 0)
		goto cleanup;
	snprintf(stamp, sizeof(stamp), "%s", c->now);
	sqlite3_bind_text(c->st[ST_BRANCH_SET], 1, publisher, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->st[ST_BRANCH_SET], 2, git_oid_tostr_s(tip), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->st[ST_BRANCH_SET], 3, stamp, -1, SQLITE_STATIC);
	if (cache_step_done(c, c->st[ST_BRANCH_SET]) < 0)
		goto cleanup;
	hrdex_log_debug("cache: '%s' at %.12s, %lld rows written", publisher, git_oid_tostr_s(tip),
			(long long)(c->changed - before));
	ret = 0;
cleanup:
	git_tree_free(tip_tree);
	git_tree_free(old_tree);
	git_commit_free(tip_commit);
	git_commit_free(old_commit);
	return ret;
}
