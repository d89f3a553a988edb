/*
 * mainview.c - main's tree: the publisher branches plus their READMEs (see
 * mainview.h).
 */
#include "mainview.h"
#include "accept.h"
#include "buf.h"
#include "doc.h"
#include "error.h"
#include "readme.h"
#include "repo.h"
#include "schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when composite (main's <publisher>/ tree) is sub plus one README.md:
 * then the publisher's documents did not change since main was built. */
static int same_but_readme(const git_tree *composite, const git_tree *sub)
{
	size_t i, n = git_tree_entrycount(sub);

	if (git_tree_entrycount(composite) != n + 1 || !git_tree_entry_byname(composite, "README.md"))
		return 0;
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(sub, i);
		const git_tree_entry *c = git_tree_entry_byname(composite, git_tree_entry_name(e));

		if (!c || git_tree_entry_filemode(c) != git_tree_entry_filemode(e) ||
		    !git_oid_equal(git_tree_entry_id(c), git_tree_entry_id(e)))
			return 0;
	}
	return 1;
}

/* 1 when composite's README.md starts with heading (made for the same name). */
static int readme_heading_is(git_repository *repo, const git_tree *composite, const struct hrdex_buf *heading)
{
	const git_tree_entry *e = git_tree_entry_byname(composite, "README.md");
	git_blob *blob = NULL;
	int same;

	if (!e || git_blob_lookup(&blob, repo, git_tree_entry_id(e)) < 0)
		return 0;
	same = (size_t)git_blob_rawsize(blob) >= heading->len &&
	       !memcmp(git_blob_rawcontent(blob), heading->ptr, heading->len);
	git_blob_free(blob);
	return same;
}

/* What the document rules need, made on first use: most rebuilds check
 * no document (nothing new, or only what main showed already). */
struct rules {
	struct hrdex_schemas *schemas;
	struct hrdex_limits limits;
};

static int rules_ready(struct rules *ru)
{
	if (ru->schemas)
		return 0;
	if (hrdex_schemas_new(&ru->schemas) < 0)
		return -1;
	if (hrdex_schemas_add_builtin(ru->schemas) < 0) {
		hrdex_schemas_free(ru->schemas);
		ru->schemas = NULL;
		return -1;
	}
	return 0;
}

/* 1 when entry name of t and of old (NULL: none) are the same object, or
 * both absent. */
static int same_entry(const git_tree *t, const git_tree *old, const char *name)
{
	const git_tree_entry *a = git_tree_entry_byname(t, name), *b = old ? git_tree_entry_byname(old, name) : NULL;

	if (!a || !b)
		return !a && !b;
	return git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b));
}

/*
 * One type folder of a publisher without its held documents (accept.h,
 * hrdex_document_check): a document main showed already, with the same
 * blob and attachments, passed before and is not checked again.  *out is
 * the folder's id, zero when no document is left.
 */
static int shown_type(git_oid *out, git_repository *repo, struct rules *ru, const char *publisher,
		      const char *type, const git_tree *t, const git_tree *old)
{
	git_treebuilder *tb = NULL;
	size_t i, n = git_tree_entrycount(t), removed = 0;
	int ret = -1;

	git_oid_cpy(out, git_tree_id(t));
	for (i = 0; i < n; i++) {
		const char *name = git_tree_entry_name(git_tree_entry_byindex(t, i));
		size_t len = strlen(name);
		char id[HRDEX_ID_MAX + 1], files[HRDEX_ID_MAX + 8], reason[768];
		int r;

		if (len <= 5 || strcmp(name + len - 5, ".json") || len - 5 > HRDEX_ID_MAX)
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(len - 5), name);
		snprintf(files, sizeof(files), "%s.files", id);
		if (old && same_entry(t, old, name) && same_entry(t, old, files))
			continue;
		if (rules_ready(ru) < 0)
			goto cleanup;
		r = hrdex_document_check(repo, ru->schemas, &ru->limits, publisher, type, t, id, reason,
					 sizeof(reason));
		if (r < 0)
			goto cleanup;
		if (r == 0)
			continue;
		if (!tb && git_treebuilder_new(&tb, repo, t) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot build main");
			goto cleanup;
		}
		git_treebuilder_remove(tb, name);
		git_treebuilder_remove(tb, files);
		removed++;
	}
	ret = 0;
	if (!removed)
		goto cleanup;
	if (git_treebuilder_entrycount(tb) == 0)
		memset(out, 0, sizeof(*out));
	else if (git_treebuilder_write(out, tb) < 0)
		ret = hrdex_error_git(HRDEX_E_IO, "cannot write main's tree for '%s'", publisher);
cleanup:
	git_treebuilder_free(tb);
	return ret;
}

/*
 * The publisher's subtree as main shows it: without its held documents.
 * old is main's previous <publisher>/ tree (NULL: none).  *out is sub
 * itself (a new reference) when nothing is held.
 */
static int shown_tree(git_tree **out, git_repository *repo, struct rules *ru, const char *publisher,
		      git_tree *sub, const git_tree *old)
{
	git_treebuilder *tb = NULL;
	size_t i, n = git_tree_entrycount(sub);
	git_oid id;
	int ret = -1, changed = 0;

	*out = NULL;
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(sub, i);
		const git_tree_entry *oe = old ? git_tree_entry_byname(old, git_tree_entry_name(e)) : NULL;
		git_tree *t = NULL, *ot = NULL;
		git_oid shown;
		int r;

		if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
			continue;
		if (oe && git_oid_equal(git_tree_entry_id(oe), git_tree_entry_id(e)))
			continue;
		if (git_tree_lookup(&t, repo, git_tree_entry_id(e)) < 0 ||
		    (oe && git_tree_entry_type(oe) == GIT_OBJECT_TREE &&
		     git_tree_lookup(&ot, repo, git_tree_entry_id(oe)) < 0)) {
			git_tree_free(t);
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tree of '%s'", publisher);
			goto cleanup;
		}
		r = shown_type(&shown, repo, ru, publisher, git_tree_entry_name(e), t, ot);
		git_tree_free(t);
		git_tree_free(ot);
		if (r < 0)
			goto cleanup;
		if (git_oid_equal(&shown, git_tree_entry_id(e)))
			continue;
		if (!tb && git_treebuilder_new(&tb, repo, sub) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot build main");
			goto cleanup;
		}
		if (git_oid_is_zero(&shown) ? git_treebuilder_remove(tb, git_tree_entry_name(e)) < 0
					    : git_treebuilder_insert(NULL, tb, git_tree_entry_name(e), &shown,
								     GIT_FILEMODE_TREE) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot build main");
			goto cleanup;
		}
		changed = 1;
	}
	if (!changed) {
		ret = git_object_dup((git_object **)out, (git_object *)sub) < 0 ? -1 : 0;
		goto cleanup;
	}
	if (git_treebuilder_write(&id, tb) < 0 || git_tree_lookup(out, repo, &id) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot write main's tree for '%s'", publisher);
		goto cleanup;
	}
	ret = 0;
cleanup:
	git_treebuilder_free(tb);
	return ret;
}

int hrdex_main_shown(git_oid *out, git_repository *repo, const char *publisher, const git_oid *sub_id)
{
	struct rules ru = { NULL, { 0 } };
	git_tree *sub = NULL, *shown = NULL;
	int ret = -1;

	hrdex_limits_default(&ru.limits);
	if (git_tree_lookup(&sub, repo, sub_id) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tree of '%s'", publisher);
	if (shown_tree(&shown, repo, &ru, publisher, sub, NULL) == 0) {
		git_oid_cpy(out, git_tree_id(shown));
		ret = 0;
	}
	git_tree_free(shown);
	git_tree_free(sub);
	hrdex_schemas_free(ru.schemas);
	return ret;
}

/*
 * Main's <publisher>/ tree: the publisher's subtree plus README.md.  When the
 * subtree and the display name are those of old (main's previous entry), old
 * is reused as is, so an unchanged publisher costs no document reads.
 */
static int publisher_tree(git_oid *out, git_repository *repo, const char *publisher, const char *name,
			  const git_tree *sub, const git_tree *old, struct hrdex_readme_hints *hints)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	git_treebuilder *tb = NULL;
	git_oid blob;
	int ret = -1;

	if (hrdex_readme_heading(&text, publisher, name) < 0)
		return -1;
	if (old && same_but_readme(old, sub) && readme_heading_is(repo, old, &text)) {
		git_oid_cpy(out, git_tree_id(old));
		ret = 0;
		goto cleanup;
	}
	hrdex_buf_clear(&text);
	if (hrdex_readme_publisher(&text, repo, publisher, name, sub, old, hints) < 0)
		goto cleanup;
	if (git_blob_create_from_buffer(&blob, repo, text.ptr, text.len) < 0 ||
	    git_treebuilder_new(&tb, repo, sub) < 0 ||
	    git_treebuilder_insert(NULL, tb, "README.md", &blob, GIT_FILEMODE_BLOB) < 0 ||
	    git_treebuilder_write(out, tb) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot write main's tree for '%s'", publisher);
		goto cleanup;
	}
	ret = 0;
cleanup:
	git_treebuilder_free(tb);
	hrdex_buf_free(&text);
	return ret;
}

int hrdex_main_rebuild(git_oid *out, git_repository *repo, const char *message, const struct hrdex_key *key,
		       const struct hrdex_config *cfg, struct hrdex_readme_hints *hints)
{
	git_strarray pubs = { NULL, 0 };
	git_commit *old_main = NULL, **tips = NULL;
	const git_commit **parents = NULL;
	git_tree *old_tree = NULL;
	git_treebuilder *tb = NULL;
	struct hrdex_readme_publisher *rows = NULL;
	struct hrdex_buf readme = HRDEX_BUF_INIT;
	git_oid main_id, tree_id, blob_id;
	size_t i, nparents = 0, nrows = 0;
	int r, ret = -1, have_main;
	struct rules ru = { NULL, { 0 } };

	/* The limits a document is held by are the defaults, as in the cache
	 * (cache_diff.c), which has no config: both show the same documents. */
	hrdex_limits_default(&ru.limits);
	r = git_reference_name_to_id(&main_id, repo, HRDEX_REF_MAIN);
	if (r < 0 && r != GIT_ENOTFOUND)
		return hrdex_error_git(HRDEX_E_IO, "cannot read main");
	have_main = r == 0;
	if (have_main && (git_commit_lookup(&old_main, repo, &main_id) < 0 ||
			  git_commit_tree(&old_tree, old_main) < 0)) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read main");
		goto cleanup;
	}
	if (hrdex_repo_publishers(&pubs, repo) < 0)
		goto cleanup;
	tips = calloc(pubs.count + 1, sizeof(*tips));
	parents = calloc(pubs.count + 1, sizeof(*parents));
	rows = calloc(pubs.count + 1, sizeof(*rows));
	if (!tips || !parents || !rows) {
		hrdex_error_oom();
		goto cleanup;
	}
	if (have_main)
		parents[nparents++] = old_main;
	if (git_treebuilder_new(&tb, repo, NULL) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot build a tree");
		goto cleanup;
	}
	for (i = 0; i < pubs.count; i++) {
		const char *pub = pubs.strings[i], *name = hrdex_config_publisher_name(cfg, pub);
		const git_tree_entry *sub_entry = NULL, *old_entry = NULL;
		git_tree *tip_tree = NULL, *sub = NULL, *old_sub = NULL;
		git_oid tip_id, comp_id;
		int moved, same;

		if (hrdex_repo_tip(&tip_id, repo, pub) != 0 ||
		    git_commit_lookup(&tips[i], repo, &tip_id) < 0 ||
		    git_commit_tree(&tip_tree, tips[i]) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read branch '%s'", pub);
			goto cleanup;
		}
		sub_entry = git_tree_entry_byname(tip_tree, pub);
		old_entry = old_tree ? git_tree_entry_byname(old_tree, pub) : NULL;
		r = 0;
		if (sub_entry && git_tree_entry_type(sub_entry) == GIT_OBJECT_TREE)
			r = git_tree_lookup(&sub, repo, git_tree_entry_id(sub_entry));
		if (r == 0 && old_entry && git_tree_entry_type(old_entry) == GIT_OBJECT_TREE)
			r = git_tree_lookup(&old_sub, repo, git_tree_entry_id(old_entry));
		if (r < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tree of '%s'", pub);
			goto pub_fail;
		}
		/* Held documents (DESIGN.md, "Two levels of rules") are not shown. */
		if (sub) {
			git_tree *shown = NULL;

			if (shown_tree(&shown, repo, &ru, pub, sub, old_sub) < 0)
				goto pub_fail;
			git_tree_free(sub);
			sub = shown;
		}
		same = sub && old_sub && same_but_readme(old_sub, sub);
		if (sub && publisher_tree(&comp_id, repo, pub, name, sub, old_sub, hints) < 0)
			goto pub_fail;
		if (sub && git_treebuilder_insert(NULL, tb, pub, &comp_id, GIT_FILEMODE_TREE) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot build main");
			goto pub_fail;
		}
		if (!have_main)
			moved = 1;
		else if (!old_sub != !sub || (sub && !same))
			moved = 1;
		else
			moved = !git_oid_equal(&tip_id, &main_id) &&
				git_graph_descendant_of(repo, &main_id, &tip_id) != 1;
		if (moved)
			parents[nparents++] = tips[i];
		rows[nrows].id = pub;
		rows[nrows].name = name;
		rows[nrows].updated = (int64_t)git_commit_time(tips[i]);
		if (hrdex_readme_count(rows[nrows].counts, repo, sub) < 0)
			goto pub_fail;
		nrows++;
		git_tree_free(old_sub);
		git_tree_free(sub);
		git_tree_free(tip_tree);
		continue;
pub_fail:
		git_tree_free(old_sub);
		git_tree_free(sub);
		git_tree_free(tip_tree);
		goto cleanup;
	}
	if (hrdex_readme_root(&readme, rows, nrows) < 0)
		goto cleanup;
	if (git_blob_create_from_buffer(&blob_id, repo, readme.ptr, readme.len) < 0 ||
	    git_treebuilder_insert(NULL, tb, "README.md", &blob_id, GIT_FILEMODE_BLOB) < 0 ||
	    git_treebuilder_write(&tree_id, tb) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot write main's tree");
		goto cleanup;
	}
	/* Nothing moved and the READMEs read the same: main stays. */
	if (have_main && nparents == 1 && git_oid_equal(&tree_id, git_tree_id(old_tree))) {
		if (out)
			git_oid_cpy(out, &main_id);
		ret = 0;
		goto cleanup;
	}
	if (hrdex_repo_commit_main(&main_id, repo, &tree_id, parents, nparents,
				   have_main ? git_commit_id(old_main) : NULL, message, key) < 0)
		goto cleanup;
	if (out)
		git_oid_cpy(out, &main_id);
	ret = 0;
cleanup:
	hrdex_schemas_free(ru.schemas);
	hrdex_buf_free(&readme);
	git_treebuilder_free(tb);
	for (i = 0; tips && i < pubs.count; i++)
		git_commit_free(tips[i]);
	free(rows);
	free(tips);
	free((void *)parents);
	git_tree_free(old_tree);
	git_commit_free(old_main);
	git_strarray_dispose(&pubs);
	return ret;
}
