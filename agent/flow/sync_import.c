/*
 * sync_import.c - per peer repositories, and checked objects into repo.git
 * (see sync_int.h).
 */
#include "sync_int.h"
#include "buf.h"
#include "accept.h"
#include "cache.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "pack.h"
#include "readme.h"
#include "refresh.h"
#include "repo.h"
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- per peer repositories ---- */

git_repository *sync_vrepo(struct round *rd, size_t peer)
{
	git_repository *r = NULL;
	git_odb *odb = NULL;

	if (rd->vrepos[peer])
		return rd->vrepos[peer];
	if (git_repository_open_bare(&r, rd->repo_path) < 0 || git_repository_odb(&odb, r) < 0 ||
	    git_odb_add_disk_alternate(odb, rd->jobs[peer].quarantine) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot open the quarantine of peer '%s'", rd->jobs[peer].name);
		git_odb_free(odb);
		git_repository_free(r);
		return NULL;
	}
	git_odb_free(odb);
	rd->vrepos[peer] = r;
	return r;
}

static int oid_cmp(const void *x, const void *y)
{
	return git_oid_cmp(x, y);
}

int sync_oids_add(struct oids *o, const git_oid *ids, size_t n)
{
	if (o->n + n > o->alloc) {
		size_t alloc = (o->n + n) * 2;
		git_oid *more = realloc(o->ids, alloc * sizeof(*more));

		if (!more)
			return hrdex_error_oom();
		o->ids = more;
		o->alloc = alloc;
	}
	if (n)
		memcpy(o->ids + o->n, ids, n * sizeof(*ids));
	o->n += n;
	return 0;
}

/* Sorted, each id once (the same attachment in two documents, or in two
 * branches, is listed twice: a pack may not hold an object twice). */
static void oids_unique(struct oids *o)
{
	size_t i, n = 0;

	if (!o->n)
		return;
	qsort(o->ids, o->n, sizeof(*o->ids), oid_cmp);
	for (i = 1; i < o->n; i++)
		if (!git_oid_equal(&o->ids[i], &o->ids[n]))
			git_oid_cpy(&o->ids[++n], &o->ids[i]);
	o->n = n + 1;
}

/* Copy the checked objects from a peer's quarantine into repo.git, as one
 * pack: undeltified (pack.h), since a delta search over a whole archive of
 * documents would cost more than it saves. */
static int copy_objects(struct round *rd, git_repository *from, const struct oids *ids)
{
	struct hrdex_pack *pack = NULL;
	git_odb *src = NULL;
	size_t i;
	int ret = -1;

	if (git_repository_odb(&src, from) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot read the quarantine");
		goto cleanup;
	}
	if (hrdex_pack_begin(&pack, rd->st->repo) < 0)
		goto cleanup;
	for (i = 0; i < ids->n; i++) {
		git_odb_object *obj = NULL;
		int r;

		if (git_odb_read(&obj, src, &ids->ids[i]) < 0) {
			hrdex_error_git(HRDEX_E_IO, "cannot read a checked object");
			goto cleanup;
		}
		r = hrdex_pack_add(pack, git_odb_object_type(obj), git_odb_object_data(obj),
				   git_odb_object_size(obj));
		git_odb_object_free(obj);
		if (r < 0)
			goto cleanup;
	}
	if (hrdex_pack_commit(pack) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_pack_free(pack);
	git_odb_free(src);
	return ret;
}

struct adopt_ctx {
	const struct oids *checked;
	git_odb *repo_odb;
	size_t extra;                      /* objects neither checked nor already ours */
};

static int adopt_each(const git_oid *id, void *payload)
{
	struct adopt_ctx *x = payload;

	if (bsearch(id, x->checked->ids, x->checked->n, sizeof(*id), oid_cmp) ||
	    git_odb_exists(x->repo_odb, id))
		return 0;
	x->extra++;
	return 1; /* one is enough: the pack is copied object by object */
}

/*
 * The packs of a peer's quarantine (objects/pack/pack-X.{pack,idx}, which
 * libgit2's indexer completed and hashed), or NULL when it holds anything
 * else (loose objects, other files): then it is not moved whole.
 */
static char **quarantine_packs(const char *quarantine, size_t *n)
{
	char *dir = hrdex_path_join(quarantine, "pack"), **names = NULL;
	DIR *d;
	struct dirent *e;
	int ok = 1;

	*n = 0;
	if (!dir)
		return NULL;
	/* nothing but pack/ (and git's empty info/) beside it */
	d = opendir(quarantine);
	while (d && ok && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "pack") &&
		    strcmp(e->d_name, "info"))
			ok = 0;
	if (d)
		closedir(d);
	d = ok ? opendir(dir) : NULL;
	while (d && ok && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **more;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (len < 10 || strncmp(e->d_name, "pack-", 5)) {
			ok = 0;
			break;
		}
		if (!strcmp(e->d_name + len - 4, ".idx"))
			continue;
		if (strcmp(e->d_name + len - 5, ".pack") || !(more = realloc(names, (*n + 2) * sizeof(*more)))) {
			ok = 0;
			break;
		}
		names = more;
		if (!(names[*n] = strndup(e->d_name, len - 5))) {
			ok = 0;
			break;
		}
		names[++*n] = NULL;
	}
	if (d)
		closedir(d);
	else
		ok = 0;
	free(dir);
	if (!ok) {
		while (names && *n)
			free(names[--*n]);
		free(names);
		return NULL;
	}
	return names;
}

/* Move pack-X.pack, then pack-X.idx (a pack is seen by its .idx), into
 * repo.git/objects/pack; a sync killed between the two leaves a .pack
 * alone, which state.c removes under the next lock. */
static int move_pack(const char *from_dir, const char *to_dir, const char *base)
{
	static const char *const ext[] = { ".pack", ".idx" };
	char from[4096], to[4096];
	size_t i;

	for (i = 0; i < 2; i++) {
		if (snprintf(from, sizeof(from), "%s/%s%s", from_dir, base, ext[i]) >= (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s%s", to_dir, base, ext[i]) >= (int)sizeof(to))
			return hrdex_error_set(HRDEX_E_IO, "path too long: '%s'", from_dir);
		if (rename(from, to) < 0)
			return hrdex_error_errno(HRDEX_E_IO, "cannot move '%s' to '%s'", from, to);
	}
	return 0;
}

/*
 * Bring the objects of a peer's branches that passed into repo.git.  When
 * every object the peer sent passed (or is ours already), which is the
 * usual case, its fetched packs are moved in whole: no object is read,
 * deflated or indexed again.  Otherwise (a rejected branch, objects nothing
 * refers to) only the checked objects are copied, in a new pack.
 */
int sync_import_objects(struct round *rd, size_t peer)
{
	struct oids *ids = &rd->checked[peer];
	struct adopt_ctx x = { ids, NULL, 0 };
	git_odb *q = NULL;
	git_repository *vr;
	char **packs = NULL, *to = NULL, *from = NULL;
	size_t npacks = 0, i;
	double t0 = hrdex_log_ms();
	int ret = -1, r;

	if (!ids->n)
		return 0;
	oids_unique(ids);
	if (git_repository_odb(&x.repo_odb, rd->st->repo) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot open '%s'", rd->repo_path);
		goto cleanup;
	}
	packs = quarantine_packs(rd->jobs[peer].quarantine, &npacks);
	if (packs && npacks) {
		if (git_odb_open(&q, rd->jobs[peer].quarantine) < 0) {
			hrdex_error_git(HRDEX_E_IO, "cannot read the quarantine of peer '%s'", rd->jobs[peer].name);
			goto cleanup;
		}
		r = git_odb_foreach(q, adopt_each, &x);
		if (r < 0 && r != 1) {
			hrdex_error_git(HRDEX_E_IO, "cannot list the quarantine of peer '%s'", rd->jobs[peer].name);
			goto cleanup;
		}
	}
	if (packs && npacks && !x.extra) {
		to = hrdex_path_join(rd->repo_path, "objects/pack");
		from = hrdex_path_join(rd->jobs[peer].quarantine, "pack");
		if (!to || !from) {
			hrdex_error_oom();
			goto cleanup;
		}
		for (i = 0; i < npacks; i++)
			if (move_pack(from, to, packs[i]) < 0)
				goto cleanup;
		hrdex_log_debug("sync: moved the pack of peer '%s' into repo.git (%zu objects checked) in %.0f ms",
				rd->jobs[peer].name, ids->n, hrdex_log_ms() - t0);
	} else {
		if (!(vr = sync_vrepo(rd, peer)) || copy_objects(rd, vr, ids) < 0)
			goto cleanup;
		hrdex_log_debug("sync: copied %zu checked objects of peer '%s' into repo.git in %.0f ms", ids->n,
				rd->jobs[peer].name, hrdex_log_ms() - t0);
	}
	if (git_odb_refresh(x.repo_odb) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot copy accepted objects into '%s'", rd->repo_path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	for (i = 0; i < npacks; i++)
		free(packs[i]);
	free(packs);
	free(to);
	free(from);
	git_odb_free(q);
	git_odb_free(x.repo_odb);
	return ret;
}

int sync_in_repo(git_repository *repo, const git_oid *id)
{
	git_odb *odb = NULL;
	int r;

	if (git_repository_odb(&odb, repo) < 0)
		return 0;
	r = git_odb_exists(odb, id);
	git_odb_free(odb);
	return r;
}

/* refs/peers/<peer>/<publisher>: what the peer offered, once repo.git holds
 * all of it (so no ref of repo.git ever points at an incomplete history). */
void sync_record_peer_ref(struct round *rd, size_t peer, const char *publisher, const git_oid *id)
{
	git_reference *ref = NULL;
	char name[256];

	if (hrdex_fmt(name, sizeof(name), "refs/peers/%s/%s", rd->rep->peers[peer].name, publisher) < 0)
		return;
	if (git_reference_create(&ref, rd->st->repo, name, id, 1, "sync") < 0)
		hrdex_log_warn("cannot record '%s': %s", name,
			       git_error_last() ? git_error_last()->message : "unknown error");
	git_reference_free(ref);
}

/* Drop refs/peers/<peer>/X for branches the peer no longer offers. */
void sync_prune_peer_refs(struct round *rd, size_t peer)
{
	git_reference_iterator *it = NULL;
	const char *name;
	char glob[256], **gone = NULL;
	size_t ngone = 0, i, prefix;
	const struct hrdex_fetch *job = &rd->jobs[peer];

	if (hrdex_fmt(glob, sizeof(glob), "refs/peers/%s/*", rd->rep->peers[peer].name) < 0)
		return;
	prefix = strlen(glob) - 1;
	if (git_reference_iterator_glob_new(&it, rd->st->repo, glob) < 0)
		return;
	while (git_reference_next_name(&name, it) == 0) {
		int offered = 0;
		char **more;

		for (i = 0; i < job->nrefs; i++)
			if (!strcmp(job->refs[i].name, name + prefix))
				offered = 1;
		if (offered)
			continue;
		more = realloc(gone, (ngone + 1) * sizeof(*gone));
		if (!more)
			break;
		gone = more;
		if (!(gone[ngone] = strdup(name)))
			break;
		ngone++;
	}
	git_reference_iterator_free(it);
	for (i = 0; i < ngone; i++) {
		git_reference_remove(rd->st->repo, gone[i]);
		free(gone[i]);
	}
	free(gone);
}

/* Documents added, changed and removed between two tips (old may be NULL). */
int sync_count_changes(struct hrdex_sync_branch *b, git_repository *repo, const git_oid *old,
			 const git_oid *new_tip)
{
	git_commit *oc = NULL, *nc = NULL;
	git_tree *ot = NULL, *nt = NULL;
	git_diff *diff = NULL;
	size_t i, n;
	int ret = -1;

	if ((old && (git_commit_lookup(&oc, repo, old) < 0 || git_commit_tree(&ot, oc) < 0)) ||
	    git_commit_lookup(&nc, repo, new_tip) < 0 || git_commit_tree(&nt, nc) < 0 ||
	    git_diff_tree_to_tree(&diff, repo, ot, nt, NULL) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot compare the tips of '%s'", b->publisher);
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		size_t len = strlen(path);

		if (len < 5 || strcmp(path + len - 5, ".json") || strstr(path, ".files/"))
			continue;
		if (d->status == GIT_DELTA_ADDED)
			b->added++;
		else if (d->status == GIT_DELTA_DELETED)
			b->removed++;
		else
			b->changed++;
	}
	ret = 0;
cleanup:
	git_diff_free(diff);
	git_tree_free(nt);
	git_tree_free(ot);
	git_commit_free(nc);
	git_commit_free(oc);
	return ret;
}
