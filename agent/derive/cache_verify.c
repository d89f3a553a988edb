/*
 * cache_verify.c - verify: every row of the cache against the trees it claims to index (see cache_int.h).
 */
#include "cache_int.h"
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

/* ---- verify ---- */

struct tree_doc {
	char ref[HRDEX_REF_MAX + 6];
	char blob[GIT_OID_HEXSZ + 1];
};

struct tree_docs {
	struct tree_doc *items;
	size_t count, alloc;
	const char *publisher;
	int oom;
};

static int tree_doc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tree_doc *)a)->ref, ((const struct tree_doc *)b)->ref);
}

static int collect_doc(const char *root, const git_tree_entry *entry, void *payload)
{
	struct tree_docs *docs = payload;
	char path[512];
	size_t n = strlen(docs->publisher);
	struct tree_doc *d;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	if (snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(entry)) >= (int)sizeof(path))
		return 0;
	if (strncmp(path, docs->publisher, n) || path[n] != '/')
		return 0;
	if (docs->count == docs->alloc) {
		size_t a = docs->alloc ? docs->alloc * 2 : 64;
		struct tree_doc *items = realloc(docs->items, a * sizeof(*items));

		if (!items) {
			docs->oom = 1;
			return -1;
		}
		docs->items = items;
		docs->alloc = a;
	}
	d = &docs->items[docs->count];
	if (!cache_path_ref(d->ref, sizeof(d->ref), path))
		return 0;
	git_oid_tostr(d->blob, sizeof(d->blob), git_tree_entry_id(entry));
	docs->count++;
	return 0;
}

/* Compare the rows of publisher p with the documents of tree (NULL: none). */
static int verify_rows(struct hrdex_cache *c, const char *p, git_tree *tree, struct hrdex_problems *diffs)
{
	struct tree_docs docs = { NULL, 0, 0, p, 0 };
	sqlite3_stmt *st = NULL;
	size_t i = 0;
	int rc, ret = -1;

	if (tree && git_tree_walk(tree, GIT_TREEWALK_PRE, collect_doc, &docs) < 0) {
		if (docs.oom)
			hrdex_error_oom();
		else
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tree of '%s'", p);
		goto cleanup;
	}
	if (docs.count)
		qsort(docs.items, docs.count, sizeof(*docs.items), tree_doc_cmp);
	if (sqlite3_prepare_v2(c->db,
			       "SELECT ref, blob, \"commit\" IS NULL OR json_valid(json) = 0 FROM documents "
			       "WHERE ref >= ?1 || '/' AND ref < ?1 || '0' "
			       "UNION ALL SELECT ref, NULL, 0 FROM held WHERE publisher = ?1 ORDER BY ref",
			       -1, &st, NULL) != SQLITE_OK) {
		cache_db_fail(c, "reading documents");
		goto cleanup;
	}
	sqlite3_bind_text(st, 1, p, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	while (rc == SQLITE_ROW || i < docs.count) {
		const char *ref = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		int cmp = !ref ? -1 : i >= docs.count ? 1 : strcmp(docs.items[i].ref, ref);
		int r = 0;

		if (cmp < 0) {
			r = hrdex_problems_add(diffs, docs.items[i].ref, "missing",
					       "document '%s' is not in the cache", docs.items[i].ref);
			i++;
		} else if (cmp > 0) {
			r = hrdex_problems_add(diffs, ref, "extra", "document '%s' is in the cache only", ref);
			rc = sqlite3_step(st);
		} else {
			/* A held row has no blob: held is what the document rules say,
			 * which verify does not judge again. */
			if (sqlite3_column_type(st, 1) == SQLITE_NULL)
				;
			else if (strcmp(docs.items[i].blob, (const char *)sqlite3_column_text(st, 1)))
				r = hrdex_problems_add(diffs, ref, "stale",
						       "document '%s' is cached at blob %.12s, not %.12s", ref,
						       (const char *)sqlite3_column_text(st, 1), docs.items[i].blob);
			else if (sqlite3_column_int(st, 2))
				r = hrdex_problems_add(diffs, ref, "stale", "document '%s' has a corrupt row", ref);
			i++;
			rc = sqlite3_step(st);
		}
		if (r < 0)
			goto cleanup;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		cache_db_fail(c, "reading documents");
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	free(docs.items);
	return ret;
}

/* The tree of commit hex (or of oid when hex is NULL); NULL when unknown. */
static git_tree *commit_tree(git_repository *repo, const char *hex, const git_oid *oid)
{
	git_oid id;
	git_commit *commit = NULL;
	git_tree *tree = NULL;

	if (hex && git_oid_fromstr(&id, hex) < 0)
		return NULL;
	if (git_commit_lookup(&commit, repo, hex ? &id : oid) == 0)
		git_commit_tree(&tree, commit);
	git_commit_free(commit);
	git_error_clear();
	return tree;
}

int hrdex_cache_verify(struct hrdex_cache *c, git_repository *repo, struct hrdex_problems *diffs)
{
	struct branches tips = { NULL, 0, 0 }, cached = { NULL, 0, 0 }, all = { NULL, 0, 0 };
	sqlite3_stmt *st = NULL;
	size_t i;
	int ret = -1, rc, err = 0;
	int64_t ndocs, nfts;

	if (cache_repo_branches(&tips, repo) < 0 || cache_branches(&cached, c) < 0)
		goto cleanup;
	/* every publisher named anywhere: branch, branches row, document row */
	for (i = 0; i < tips.count; i++)
		if (!cache_branches_add(&all, tips.items[i].name))
			goto oom;
	for (i = 0; i < cached.count; i++)
		if (!cache_branches_find(&tips, cached.items[i].name) && !cache_branches_add(&all, cached.items[i].name))
			goto oom;
	if (all.count)
		qsort(all.items, all.count, sizeof(*all.items), cache_branch_cmp);
	if (sqlite3_prepare_v2(c->db, "SELECT DISTINCT publisher FROM documents", -1, &st, NULL) != SQLITE_OK) {
		cache_db_fail(c, "reading documents");
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);

		if (!cache_branches_find(&all, p)) {
			if (!cache_branches_add(&all, p))
				goto oom;
			qsort(all.items, all.count, sizeof(*all.items), cache_branch_cmp);
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	for (i = 0; i < all.count; i++) {
		const char *p = all.items[i].name;
		struct branch *tip = cache_branches_find(&tips, p), *row = cache_branches_find(&cached, p);
		git_tree *tree = NULL;

		if (!tip && row && hrdex_problems_add(diffs, p, "extra",
						       "branch '%s' is in the cache but not in the repository", p) < 0)
			goto cleanup;
		if (tip && !row && hrdex_problems_add(diffs, p, "behind", "branch '%s' is not indexed", p) < 0)
			goto cleanup;
		if (tip && row && strcmp(row->commit, git_oid_tostr_s(&tip->oid)) &&
		    hrdex_problems_add(diffs, p, "behind", "branch '%s' is indexed at %.12s, its tip is %.12s", p,
				       row->commit, git_oid_tostr_s(&tip->oid)) < 0)
			goto cleanup;
		/* rows against what they claim to be; unknown commit: the tip */
		if (row)
			tree = commit_tree(repo, row->commit, NULL);
		if (row && !tree && tip &&
		    hrdex_problems_add(diffs, p, "stale", "branch '%s' is indexed at %.12s, not in the repository",
				       p, row->commit) < 0)
			goto cleanup;
		if (!tree && tip && row)
			tree = commit_tree(repo, NULL, &tip->oid);
		rc = verify_rows(c, p, row ? tree : NULL, diffs);
		git_tree_free(tree);
		if (rc < 0)
			goto cleanup;
	}
	/* rows of the full-text index without a document, documents without one */
	ndocs = cache_scalar_int(c, "SELECT count(*) FROM documents WHERE rowid NOT IN "
			      "(SELECT rowid FROM documents_fts)", &err);
	nfts = cache_scalar_int(c, "SELECT count(*) FROM documents_fts WHERE rowid NOT IN "
			     "(SELECT rowid FROM documents)", &err);
	if (err)
		goto cleanup;
	if ((ndocs || nfts) &&
	    hrdex_problems_add(diffs, "", "stale",
			       "the full-text index misses %lld documents and has %lld rows of none",
			       (long long)ndocs, (long long)nfts) < 0)
		goto cleanup;
	ret = 0;
	goto cleanup;
oom:
	hrdex_error_oom();
cleanup:
	sqlite3_finalize(st);
	cache_branches_free(&all);
	cache_branches_free(&cached);
	cache_branches_free(&tips);
	return ret;
}
