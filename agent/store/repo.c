/*
 * repo.c - publisher logs, the main view and view/ (see repo.h).
 */
#include "repo.h"
#include "buf.h"
#include "error.h"
#include "signed_commit.h"
#include "fs.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int hrdex_repo_create(const char *path)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	int ret = -1;

	if (git_repository_init(&repo, path, 1) < 0)
		return hrdex_error_git(HRDEX_E_CANTCREATE, "cannot create repository '%s'", path);
	if (git_repository_config(&cfg, repo) < 0)
		goto git_fail;
	/* HEAD names main so `git clone` checks out the view; peers serving us
	 * over git daemon need no export file thanks to --export-all or this. */
	if (git_repository_set_head(repo, HRDEX_REF_MAIN) < 0 ||
	    git_config_set_bool(cfg, "core.logAllRefUpdates", 1) < 0 ||
	    git_config_set_bool(cfg, "receive.denyNonFastForwards", 1) < 0 ||
	    git_config_set_bool(cfg, "uploadpack.allowFilter", 1) < 0)
		goto git_fail;
	ret = 0;
	goto cleanup;
git_fail:
	hrdex_error_git(HRDEX_E_CANTCREATE, "cannot set up repository '%s'", path);
cleanup:
	git_config_free(cfg);
	git_repository_free(repo);
	return ret;
}

int hrdex_repo_signature(git_signature **out, const char *publisher)
{
	char email[64];

	if (hrdex_fmt(email, sizeof(email), "%s@hrdex", publisher) < 0)
		return -1;
	if (git_signature_now(out, publisher, email) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot make a signature");
	return 0;
}

static int empty_tree(git_oid *out, git_repository *repo)
{
	git_treebuilder *tb = NULL;
	int r;

	if (git_treebuilder_new(&tb, repo, NULL) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot build a tree");
	r = git_treebuilder_write(out, tb);
	git_treebuilder_free(tb);
	if (r < 0)
		return hrdex_error_git(HRDEX_E_IO, "cannot write a tree");
	return 0;
}

int hrdex_repo_edit_tree(git_oid *out, git_repository *repo, const git_oid *base,
			 const struct hrdex_tree_edit *edits, size_t n)
{
	git_tree_update *updates = NULL;
	git_tree *tree = NULL;
	git_oid empty;
	size_t i;
	int ret = -1;

	if (!base) {
		if (empty_tree(&empty, repo) < 0)
			return -1;
		base = &empty;
	}
	if (git_tree_lookup(&tree, repo, base) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read tree");
	if (n == 0) {
		git_oid_cpy(out, base);
		ret = 0;
		goto cleanup;
	}
	updates = calloc(n, sizeof(*updates));
	if (!updates) {
		hrdex_error_oom();
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		updates[i].action = edits[i].remove ? GIT_TREE_UPDATE_REMOVE : GIT_TREE_UPDATE_UPSERT;
		updates[i].path = edits[i].path;
		updates[i].filemode = GIT_FILEMODE_BLOB;
		if (!edits[i].remove)
			git_oid_cpy(&updates[i].id, &edits[i].blob);
	}
	if (git_tree_create_updated(out, repo, tree, n, updates) < 0) {
		hrdex_error_git(HRDEX_E_INVALID, "cannot update tree");
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(updates);
	git_tree_free(tree);
	return ret;
}

static void ref_name(char *out, size_t size, const char *publisher)
{
	snprintf(out, size, "refs/heads/%s", publisher); /* fits: callers pass room for refs/heads/ and a publisher id */
}

int hrdex_repo_tip(git_oid *out, git_repository *repo, const char *publisher)
{
	char name[64];
	int r;

	ref_name(name, sizeof(name), publisher);
	r = git_reference_name_to_id(out, repo, name);
	if (r == GIT_ENOTFOUND) {
		memset(out, 0, sizeof(*out));
		return 1;
	}
	if (r < 0)
		return hrdex_error_git(HRDEX_E_IO, "cannot read '%s'", name);
	return 0;
}

/* Hide prefix (refs/hrdex/untrusted/, refs/hrdex/abandoned/) from git
 * upload-pack, i.e. from git daemon and git http-backend serving this
 * repository (uploadpack.hideRefs), so that not even a mirror clone takes a
 * branch this agent stopped trusting or abandoned. */
static int hide_refs(git_repository *repo, const char *prefix)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	int found = 0, ret = -1;

	if (git_repository_config(&cfg, repo) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot read the repository's config");
		goto cleanup;
	}
	if (git_config_multivar_iterator_new(&it, cfg, "uploadpack.hideRefs", NULL) == 0)
		while (git_config_next(&e, it) == 0)
			found |= !strcmp(e->value, prefix);
	/* "^$" matches no existing value: this adds one */
	if (!found && git_config_set_multivar(cfg, "uploadpack.hideRefs", "^$", prefix) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot set uploadpack.hideRefs in the repository's config");
		goto cleanup;
	}
	ret = 0;
cleanup:
	git_config_iterator_free(it);
	git_config_free(cfg);
	return ret;
}

static int hide_parked(git_repository *repo)
{
	return hide_refs(repo, HRDEX_REF_UNTRUSTED);
}

int hrdex_repo_abandon(git_repository *repo, const char *publisher, const git_oid *tip, int64_t when, char *out,
		       size_t size)
{
	git_reference *ref = NULL;
	char stamp[32];
	time_t t = (time_t)when;
	struct tm tm;
	int i, r;

	if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot format the time %lld", (long long)when);
	if (hide_refs(repo, HRDEX_REF_ABANDONED) < 0)
		return -1;
	for (i = 0; i < 100; i++) {
		int n = i ? snprintf(out, size, "%s%s/%s.%d", HRDEX_REF_ABANDONED, publisher, stamp, i)
			  : snprintf(out, size, "%s%s/%s", HRDEX_REF_ABANDONED, publisher, stamp);

		if (n < 0 || (size_t)n >= size)
			return hrdex_error_set(HRDEX_E_INTERNAL, "ref name too long for '%s'", publisher);
		r = git_reference_create(&ref, repo, out, tip, 0, "hrdex: trust reset");
		git_reference_free(ref);
		ref = NULL;
		if (r == 0)
			return 0;
		if (r != GIT_EEXISTS)
			return hrdex_error_git(HRDEX_E_IO, "cannot write '%s'", out);
	}
	return hrdex_error_set(HRDEX_E_CANTCREATE, "no free name under '%s%s/%s'", HRDEX_REF_ABANDONED, publisher,
			       stamp);
}

int hrdex_repo_park(git_repository *repo, const char *publisher, char *parked, size_t size)
{
	git_reference *branch = NULL, *moved = NULL;
	char name[64];
	git_oid tip, old;
	int r, i, ret = -1;

	if (size)
		parked[0] = '\0';
	ref_name(name, sizeof(name), publisher);
	r = git_reference_lookup(&branch, repo, name);
	if (r == GIT_ENOTFOUND)
		return 1;
	if (r < 0 || git_reference_type(branch) != GIT_REFERENCE_DIRECT) {
		hrdex_error_git(HRDEX_E_IO, "cannot read '%s'", name);
		goto cleanup;
	}
	git_oid_cpy(&tip, git_reference_target(branch));
	if (hide_parked(repo) < 0)
		goto cleanup;
	/* An earlier parked tip that this one does not contain keeps its name;
	 * this one takes the next free NAME.N. */
	for (i = 0; i < 100; i++) {
		int n = i ? snprintf(parked, size, "%s%s.%d", HRDEX_REF_UNTRUSTED, publisher, i)
			  : snprintf(parked, size, "%s%s", HRDEX_REF_UNTRUSTED, publisher);

		if (n < 0 || (size_t)n >= size) {
			hrdex_error_set(HRDEX_E_INTERNAL, "ref name too long for '%s'", publisher);
			goto cleanup;
		}
		r = git_reference_name_to_id(&old, repo, parked);
		if (r == GIT_ENOTFOUND || (r == 0 && (git_oid_equal(&old, &tip) ||
						      git_graph_descendant_of(repo, &tip, &old) == 1)))
			break;
		if (r < 0) {
			hrdex_error_git(HRDEX_E_IO, "cannot read '%s'", parked);
			goto cleanup;
		}
	}
	if (i == 100) {
		hrdex_error_set(HRDEX_E_CANTCREATE, "no free name under '%s%s'", HRDEX_REF_UNTRUSTED, publisher);
		goto cleanup;
	}
	if (git_reference_create(&moved, repo, parked, &tip, 1, "hrdex: trust removed") < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot write '%s'", parked);
		goto cleanup;
	}
	/* compare-and-swap: deletes the branch only if it still points at tip */
	if (git_reference_delete(branch) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot delete '%s'", name);
		goto cleanup;
	}
	ret = 0;
cleanup:
	git_reference_free(moved);
	git_reference_free(branch);
	return ret;
}

int hrdex_repo_parked(git_oid *out, git_repository *repo, const char *publisher)
{
	char name[64];
	int r;

	if (snprintf(name, sizeof(name), "%s%s", HRDEX_REF_UNTRUSTED, publisher) >= (int)sizeof(name))
		return hrdex_error_set(HRDEX_E_INTERNAL, "ref name too long for '%s'", publisher);
	r = git_reference_name_to_id(out, repo, name);
	if (r == GIT_ENOTFOUND) {
		memset(out, 0, sizeof(*out));
		return 1;
	}
	if (r < 0)
		return hrdex_error_git(HRDEX_E_IO, "cannot read '%s'", name);
	return 0;
}

int hrdex_repo_unpark(git_repository *repo, const char *publisher, const git_oid *tip)
{
	git_reference *branch = NULL, *parked = NULL;
	char name[64], pname[64];
	int ret = -1;

	ref_name(name, sizeof(name), publisher);
	if (snprintf(pname, sizeof(pname), "%s%s", HRDEX_REF_UNTRUSTED, publisher) >= (int)sizeof(pname))
		return hrdex_error_set(HRDEX_E_INTERNAL, "ref name too long for '%s'", publisher);
	if (git_reference_lookup(&parked, repo, pname) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot read '%s'", pname);
		goto cleanup;
	}
	if (git_reference_type(parked) != GIT_REFERENCE_DIRECT || !git_oid_equal(git_reference_target(parked), tip)) {
		hrdex_error_set(HRDEX_E_BUSY, "'%s' moved meanwhile", pname);
		goto cleanup;
	}
	/* force 0: a branch that appeared meanwhile is not overwritten */
	if (git_reference_create(&branch, repo, name, tip, 0, "hrdex: trusted again") < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot write '%s'", name);
		goto cleanup;
	}
	if (git_reference_delete(parked) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot delete '%s'", pname);
		goto cleanup;
	}
	ret = 0;
cleanup:
	git_reference_free(parked);
	git_reference_free(branch);
	return ret;
}

/* Commit tree on top of parents (any may be NULL), signed, and move ref from
 * *expected (NULL: ref must not exist) to the new commit. */
static int commit_and_move(git_oid *out, git_repository *repo, const char *ref, const char *publisher,
			   const git_oid *tree_id, const git_commit **parents, size_t nparents,
			   const git_oid *expected, const char *message, const struct hrdex_key *key,
			   hrdex_repo_check_fn check, void *ctx)
{
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_buf text = GIT_BUF_INIT;
	git_reference *r = NULL;
	git_oid id;
	int ret = -1, rc;

	if (hrdex_repo_signature(&sig, publisher) < 0)
		return -1;
	if (git_tree_lookup(&tree, repo, tree_id) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read tree");
		goto cleanup;
	}
	if (git_commit_create_buffer(&text, repo, sig, sig, NULL, message, tree, nparents, parents) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot make a commit");
		goto cleanup;
	}
	if (hrdex_commit_create_signed(&id, repo, text.ptr, key) < 0)
		goto cleanup;
	if (check && check(ctx, &id, expected) != 0)
		goto cleanup;
	/* Objects are written; the ref moves last, and only from what we read. */
	if (expected)
		rc = git_reference_create_matching(&r, repo, ref, &id, 1, expected, message);
	else
		rc = git_reference_create(&r, repo, ref, &id, 0, message);
	if (rc < 0) {
		hrdex_error_git(rc == GIT_EMODIFIED || rc == GIT_EEXISTS ? HRDEX_E_BUSY : HRDEX_E_IO,
				"cannot move '%s'", ref);
		goto cleanup;
	}
	git_oid_cpy(out, &id);
	ret = 0;
cleanup:
	git_reference_free(r);
	git_buf_dispose(&text);
	git_tree_free(tree);
	git_signature_free(sig);
	return ret;
}

int hrdex_repo_commit_main(git_oid *out, git_repository *repo, const git_oid *tree, const git_commit **parents,
			   size_t nparents, const git_oid *expected, const char *message,
			   const struct hrdex_key *key)
{
	return commit_and_move(out, repo, HRDEX_REF_MAIN, "hrdex", tree, parents, nparents, expected, message,
			       key, NULL, NULL);
}

int hrdex_repo_commit(git_oid *out, git_repository *repo, const char *publisher, const git_oid *tree,
		      const char *message, const struct hrdex_key *key)
{
	return hrdex_repo_commit_checked(out, repo, publisher, tree, message, key, NULL, NULL);
}

int hrdex_repo_commit_checked(git_oid *out, git_repository *repo, const char *publisher, const git_oid *tree,
			      const char *message, const struct hrdex_key *key, hrdex_repo_check_fn check,
			      void *ctx)
{
	git_commit *parent = NULL;
	git_oid tip;
	char ref[64];
	int r, ret;

	r = hrdex_repo_tip(&tip, repo, publisher);
	if (r < 0)
		return -1;
	if (r == 0 && git_commit_lookup(&parent, repo, &tip) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tip of '%s'", publisher);
	ref_name(ref, sizeof(ref), publisher);
	ret = commit_and_move(out, repo, ref, publisher, tree, (const git_commit **)&parent,
			      parent ? 1 : 0, parent ? &tip : NULL, message, key, check, ctx);
	git_commit_free(parent);
	return ret;
}

static int valid_publisher_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 2 || n > 32 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return strcmp(s, "main") && strcmp(s, "head");
}

int hrdex_repo_publishers(git_strarray *out, git_repository *repo)
{
	git_reference_iterator *it = NULL;
	const char *name;
	char **list = NULL;
	size_t n = 0, i;
	int r, ret = -1;

	memset(out, 0, sizeof(*out));
	if (git_reference_iterator_glob_new(&it, repo, "refs/heads/*") < 0)
		return hrdex_error_git(HRDEX_E_IO, "cannot list branches");
	while ((r = git_reference_next_name(&name, it)) == 0) {
		const char *pub = name + strlen("refs/heads/");
		char **more;

		/* The glob also matches nested names; only plain publisher ids count. */
		if (!valid_publisher_name(pub))
			continue;
		more = realloc(list, (n + 1) * sizeof(*list));
		if (!more || !(more[n] = strdup(pub))) {
			list = more ? more : list;
			hrdex_error_oom();
			goto cleanup;
		}
		list = more;
		n++;
	}
	if (r != GIT_ITEROVER) {
		hrdex_error_git(HRDEX_E_IO, "cannot list branches");
		goto cleanup;
	}
	/* Sorted so README.md and main's tree are deterministic. */
	for (i = 1; i < n; i++) {
		char *x = list[i];
		size_t j = i;

		while (j > 0 && strcmp(list[j - 1], x) > 0) {
			list[j] = list[j - 1];
			j--;
		}
		list[j] = x;
	}
	out->strings = list;
	out->count = n;
	list = NULL;
	n = 0;
	ret = 0;
cleanup:
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	git_reference_iterator_free(it);
	return ret;
}

/* Writing view/: relative to a descriptor of the folder, creating each
 * folder once (the diff is in path order), without fsync (see
 * hrdex_view_update).  A first view of 100,000 documents spent more time in
 * path lookups and mkdir(EEXIST) than in writing. */
struct view_out {
	int dirfd;
	char dir[1024];   /* the folder last written to, relative; "" at first */
};

static int view_write(struct view_out *vo, git_repository *repo, const char *path, const git_oid *id)
{
	git_blob *blob = NULL;
	const char *slash = strrchr(path, '/');
	char lock[1100];
	const char *p;
	size_t dlen = slash ? (size_t)(slash - path) : 0, left;
	int fd = -1, ret = -1;

	if (dlen >= sizeof(vo->dir) || (size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >= sizeof(lock))
		return hrdex_error_set(HRDEX_E_IO, "path too long: 'view/%s'", path);
	if (dlen && (strlen(vo->dir) != dlen || memcmp(vo->dir, path, dlen))) {
		memcpy(vo->dir, path, dlen);
		vo->dir[dlen] = '\0';
		if (hrdex_fs_mkdirs_at(vo->dirfd, vo->dir, 0755) < 0) {
			hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create 'view/%s'", vo->dir);
			vo->dir[0] = '\0';
			return -1;
		}
	}
	if (git_blob_lookup(&blob, repo, id) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", path);
	/* under the agent lock: a leftover lock file is ours to truncate */
	fd = openat(vo->dirfd, lock, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot create 'view/%s'", lock);
		goto cleanup;
	}
	for (p = git_blob_rawcontent(blob), left = (size_t)git_blob_rawsize(blob); left;) {
		ssize_t w = write(fd, p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			hrdex_error_errno(HRDEX_E_IO, "cannot write 'view/%s'", lock);
			goto cleanup;
		}
		p += w;
		left -= (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		hrdex_error_errno(HRDEX_E_IO, "cannot write 'view/%s'", lock);
		goto cleanup;
	}
	fd = -1;
	/* readers of view/ see the old file or the new one, never half */
	if (renameat(vo->dirfd, lock, vo->dirfd, path) < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot rename 'view/%s'", lock);
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlinkat(vo->dirfd, lock, 0);
	git_blob_free(blob);
	return ret;
}

static int view_remove(const char *view_dir, const char *path)
{
	char *full = hrdex_path_join(view_dir, path), *slash;
	size_t root = strlen(view_dir);

	if (!full)
		return hrdex_error_oom();
	if (unlink(full) < 0 && errno != ENOENT) {
		hrdex_error_errno(HRDEX_E_IO, "cannot remove '%s'", full);
		free(full);
		return -1;
	}
	/* Drop folders the removal emptied, never view_dir itself. */
	while ((slash = strrchr(full, '/')) && (size_t)(slash - full) > root) {
		*slash = '\0';
		if (rmdir(full) < 0)
			break;
	}
	free(full);
	return 0;
}

int hrdex_view_update(git_repository *repo, const char *view_dir)
{
	git_oid main_id, view_id;
	git_commit *main_c = NULL, *view_c = NULL;
	git_tree *new_tree = NULL, *old_tree = NULL;
	git_diff *diff = NULL;
	git_reference *ref = NULL;
	struct view_out vo = { -1, "" };
	size_t i, n;
	int r, have_view, ret = -1;

	r = git_reference_name_to_id(&main_id, repo, HRDEX_REF_MAIN);
	if (r == GIT_ENOTFOUND)
		return 0;
	if (r < 0)
		return hrdex_error_git(HRDEX_E_IO, "cannot read main");
	r = git_reference_name_to_id(&view_id, repo, HRDEX_REF_VIEW);
	have_view = r == 0 && hrdex_fs_is_dir(view_dir);
	if (have_view && git_oid_equal(&view_id, &main_id))
		return 0;
	if (hrdex_fs_mkdirs(view_dir, 0755) < 0)
		return -1;
	if (git_commit_lookup(&main_c, repo, &main_id) < 0 || git_commit_tree(&new_tree, main_c) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read main");
		goto cleanup;
	}
	if (have_view && (git_commit_lookup(&view_c, repo, &view_id) < 0 ||
			  git_commit_tree(&old_tree, view_c) < 0))
		old_tree = NULL; /* view ref points to something unreadable: rewrite all */
	if (git_diff_tree_to_tree(&diff, repo, old_tree, new_tree, NULL) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot compare trees");
		goto cleanup;
	}
	vo.dirfd = open(view_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (vo.dirfd < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot open '%s'", view_dir);
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		if (d->status == GIT_DELTA_DELETED) {
			vo.dir[0] = '\0'; /* the removal may take folders with it */
			if (view_remove(view_dir, d->old_file.path) < 0)
				goto cleanup;
		} else if (d->new_file.mode == GIT_FILEMODE_BLOB) {
			if (view_write(&vo, repo, d->new_file.path, &d->new_file.id) < 0)
				goto cleanup;
		}
	}
	/* The files were written without fsync; make them durable once before
	 * the ref says the view is current. */
	if (n) {
		double t0 = hrdex_log_ms();

		syncfs(vo.dirfd);
		hrdex_log_debug("view: %zu files written, synced in %.0f ms", n, hrdex_log_ms() - t0);
	}
	if (git_reference_create(&ref, repo, HRDEX_REF_VIEW, &main_id, 1, "view") < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot record the view");
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (vo.dirfd >= 0)
		close(vo.dirfd);
	git_reference_free(ref);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	git_commit_free(view_c);
	git_commit_free(main_c);
	return ret;
}
