/*
 * repo_fixture.h - temporary bare repositories with publisher branches, for
 * the cache tests and benchmarks.  Commits are unsigned (the cache does not
 * check signatures); times are fixed so that runs are reproducible.
 */
#ifndef HRDEX_TEST_REPO_FIXTURE_H
#define HRDEX_TEST_REPO_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "fs.h"

#define FX_UNUSED __attribute__((unused))

struct fx_file {
	const char *path;      /* "achpr/decision/x.json" */
	const char *content;   /* NULL: remove the path */
};

/* mkdtemp under $TMPDIR; caller frees and removes. */
static FX_UNUSED char *fx_tempdir(void)
{
	const char *t = getenv("TMPDIR");
	char tmpl[4096];

	snprintf(tmpl, sizeof(tmpl), "%s/hrdex-test.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpl))
		return NULL;
	return strdup(tmpl);
}

static FX_UNUSED git_repository *fx_repo_new(const char *dir)
{
	git_repository *repo = NULL;
	char *path = hrdex_path_join(dir, "repo.git");

	if (git_repository_init(&repo, path, 1) < 0)
		repo = NULL;
	free(path);
	return repo;
}

/*
 * Commit files on refs/heads/<branch>.  parent: the commit to build on and
 * use as parent; NULL: the branch's current tip (or a root commit when the
 * branch does not exist); root set: a root commit whatever the branch holds
 * (a history rewrite).  The ref is moved (forced).  Returns 0 or -1.
 */
static FX_UNUSED int fx_commit_ex(git_oid *out, git_repository *repo, const char *branch,
				  const struct fx_file *files, size_t n, int root)
{
	static int64_t clock = 1460000000;
	git_index *idx = NULL;
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_reference *ref = NULL;
	git_oid tip, tree_id, blob;
	char refname[256];
	size_t i;
	int ret = -1;

	snprintf(refname, sizeof(refname), "refs/heads/%s", branch);
	if (git_index_new(&idx) < 0)
		goto cleanup;
	if (!root && git_reference_name_to_id(&tip, repo, refname) == 0) {
		if (git_commit_lookup(&parent, repo, &tip) < 0 || git_commit_tree(&tree, parent) < 0 ||
		    git_index_read_tree(idx, tree) < 0)
			goto cleanup;
	}
	for (i = 0; i < n; i++) {
		if (!files[i].content) {
			if (git_index_remove(idx, files[i].path, 0) < 0)
				goto cleanup;
			continue;
		} else {
			git_index_entry e;

			memset(&e, 0, sizeof(e));
			if (git_blob_create_from_buffer(&blob, repo, files[i].content, strlen(files[i].content)) < 0)
				goto cleanup;
			e.mode = GIT_FILEMODE_BLOB;
			e.id = blob;
			e.path = files[i].path;
			if (git_index_add(idx, &e) < 0)
				goto cleanup;
		}
	}
	if (git_index_write_tree_to(&tree_id, idx, repo) < 0)
		goto cleanup;
	git_tree_free(tree);
	tree = NULL;
	if (git_tree_lookup(&tree, repo, &tree_id) < 0)
		goto cleanup;
	if (git_signature_new(&sig, "hrdex test", "test@example.org", clock++, 0) < 0)
		goto cleanup;
	{
		const git_commit *parents[1] = { parent };

		if (git_commit_create(out, repo, NULL, sig, sig, NULL, "test commit\n", tree, parent ? 1 : 0,
				      parents) < 0)
			goto cleanup;
	}
	if (git_reference_create(&ref, repo, refname, out, 1, "test") < 0)
		goto cleanup;
	ret = 0;
cleanup:
	if (ret < 0) {
		const git_error *e = git_error_last();

		fprintf(stderr, "fixture: %s\n", e ? e->message : "?");
	}
	git_reference_free(ref);
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(parent);
	git_index_free(idx);
	return ret;
}

static FX_UNUSED int fx_commit(git_repository *repo, const char *branch, const struct fx_file *files, size_t n)
{
	git_oid oid;

	return fx_commit_ex(&oid, repo, branch, files, n, 0);
}

#endif
