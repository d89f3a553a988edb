/*
 * upgrade_branch.c - `hrdex upgrade` (see upgrade_branch.h).
 */
#include "upgrade_branch.h"
#include "batch.h"
#include "error.h"
#include "json.h"
#include "publish.h"
#include "repo.h"
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hrdex_upgrade_result_free(struct hrdex_upgrade_result *res)
{
	size_t i;

	for (i = 0; i < res->count; i++)
		hrdex_changes_free(&res->docs[i].changes);
	free(res->docs);
	res->docs = NULL;
	res->count = 0;
	hrdex_problems_free(&res->problems);
}

struct walk {
	char **paths;
	size_t count, alloc;
	int failed;
};

/* Collect P/T/ID.json blobs (attachments under ID.files/ are not documents). */
static int collect(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	struct hrdex_ref ref;
	char path[HRDEX_REF_MAX + 16];

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (hrdex_fmt(path, sizeof(path), "%s%s", root, git_tree_entry_name(e)) < 0) {
		hrdex_error_clear();
		return 0; /* too long for a document path: not one */
	}
	if (hrdex_ref_from_path(&ref, path) < 0)
		return 0;
	if (w->count == w->alloc) {
		size_t alloc = w->alloc ? w->alloc * 2 : 64;
		char **more = realloc(w->paths, alloc * sizeof(*more));

		if (!more) {
			w->failed = 1;
			return -1;
		}
		w->paths = more;
		w->alloc = alloc;
	}
	if (!(w->paths[w->count] = strdup(path))) {
		w->failed = 1;
		return -1;
	}
	w->count++;
	return 0;
}

static int add_upgraded(struct hrdex_upgrade_result *res, const struct hrdex_ref *ref,
			struct hrdex_changes *changes)
{
	struct hrdex_upgraded *more = realloc(res->docs, (res->count + 1) * sizeof(*more));

	if (!more)
		return hrdex_error_oom();
	res->docs = more;
	res->docs[res->count].ref = *ref;
	res->docs[res->count].changes = *changes;
	memset(changes, 0, sizeof(*changes));
	res->count++;
	return 0;
}

/* Read, upgrade and check the document at path of tree.  *doc is NULL when
 * it needs no upgrade; -1 with res->refused when the upgraded form is
 * invalid. */
static int upgrade_one(struct hrdex_state *s, git_tree *tree, const char *path, const struct hrdex_doc_opts *base,
		       struct hrdex_doc **doc, struct hrdex_upgrade_result *res)
{
	struct hrdex_changes changes = HRDEX_CHANGES_INIT;
	struct hrdex_doc_opts opts = *base;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	cJSON *v1 = NULL, *v2 = NULL;
	struct hrdex_ref ref;
	int ret = -1;

	*doc = NULL;
	if (hrdex_ref_from_path(&ref, path) < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "'%s' is not a document path", path);
	if (git_tree_entry_bypath(&e, tree, path) < 0 || git_blob_lookup(&blob, s->repo, git_tree_entry_id(e)) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", path);
		goto cleanup;
	}
	if (hrdex_json_parse(&v1, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), NULL) < 0 ||
	    hrdex_doc_upgrade(&v2, v1, &changes) < 0) {
		/* accepted documents parse; say which one did not */
		char why[256];

		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		hrdex_error_set(hrdex_error_kind(), "'%s': %s", path, why);
		goto cleanup;
	}
	if (!changes.count) {
		ret = 0;
		goto cleanup;
	}
	if (hrdex_json_canonical(&text, v2) < 0)
		goto cleanup;
	opts.expect_path = path;
	if (hrdex_doc_load(doc, text.ptr, text.len, &opts, &res->problems) < 0)
		goto cleanup;
	if (!*doc) {
		res->refused = 1;
		res->refused_ref = ref;
		hrdex_error_set(HRDEX_E_INVALID, "'%s/%s/%s' would be invalid in schema version 2; nothing written",
				ref.publisher, ref.type, ref.id);
		goto cleanup;
	}
	if (add_upgraded(res, &ref, &changes) < 0) {
		hrdex_doc_free(*doc);
		*doc = NULL;
		goto cleanup;
	}
	ret = 0;
cleanup:
	hrdex_changes_free(&changes);
	hrdex_buf_free(&text);
	cJSON_Delete(v1);
	cJSON_Delete(v2);
	git_blob_free(blob);
	git_tree_entry_free(e);
	return ret;
}

int hrdex_upgrade_branch(struct hrdex_state *s, int dry_run, struct hrdex_upgrade_result *res)
{
	const char *pub = s->config->publisher;
	struct hrdex_doc_opts opts = { 0 };
	struct hrdex_publish_result pr = { 0 };
	struct hrdex_batch b = { 0 };
	struct walk w = { NULL, 0, 0, 0 };
	git_commit *tip = NULL;
	git_tree *tree = NULL;
	git_oid id;
	char message[128];
	size_t i;
	int r, ret = -1;

	memset(res, 0, sizeof(*res));
	/* The upgraded form is version 2: an agent told to know less
	 * (HRDEX_SCHEMA_NEWEST=1) would hold every document it wrote. */
	if (hrdex_schema_known_newest() < 2)
		return hrdex_error_set(HRDEX_E_USAGE, "this agent knows schema version %d only "
				       "(HRDEX_SCHEMA_NEWEST): nothing written", hrdex_schema_known_newest());
	opts.limits = &s->config->limits;
	opts.schemas = s->schemas;
	opts.expect_publisher = pub;
	if ((r = hrdex_repo_tip(&id, s->repo, pub)) < 0)
		return -1;
	if (r == 1)
		return 0; /* nothing published yet */
	if (git_commit_lookup(&tip, s->repo, &id) < 0 || git_commit_tree(&tree, tip) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tip of '%s'", pub);
		goto cleanup;
	}
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, collect, &w) < 0) {
		if (w.failed)
			hrdex_error_oom();
		else
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot list the tree of '%s'", pub);
		goto cleanup;
	}
	res->documents = w.count;
	for (i = 0; i < w.count; i++) {
		struct hrdex_doc *doc = NULL;

		if (upgrade_one(s, tree, w.paths[i], &opts, &doc, res) < 0)
			goto cleanup;
		if (doc && !dry_run) {
			char ref[HRDEX_REF_MAX + 1];

			hrdex_ref_format(ref, sizeof(ref), &doc->ref);
			if (hrdex_batch_add_doc(&b, doc, ref) < 0)
				goto cleanup;
		} else {
			hrdex_doc_free(doc);
		}
	}
	if (dry_run || !res->count) {
		ret = 0;
		goto cleanup;
	}
	hrdex_fmt_cut(message, sizeof(message), "upgrade %zu document%s to schema version 2", res->count,
		      res->count == 1 ? "" : "s");
	if (hrdex_publish(s, &b, &opts, message, &pr) < 0) {
		/* the branch rules refused the commit: say for which document */
		for (i = 0; i < b.count; i++)
			if (b.items[i].problems.count) {
				res->refused = 1;
				res->refused_ref = b.items[i].ref;
				hrdex_problems_take(&res->problems, &b.items[i].problems);
				break;
			}
		goto cleanup;
	}
	res->committed = pr.committed;
	git_oid_cpy(&res->commit, &pr.commit);
	ret = 0;
cleanup:
	hrdex_publish_result_free(&pr);
	hrdex_batch_free(&b);
	for (i = 0; i < w.count; i++)
		free(w.paths[i]);
	free(w.paths);
	git_tree_free(tree);
	git_commit_free(tip);
	return ret;
}
