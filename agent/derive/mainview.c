/*
 * mainview.c - main's tree: the publisher branches plus their READMEs (see
 * mainview.h).
 */
#include "mainview.h"
#include "buf.h"
#include "error.h"
#include "readme.h"
#include "repo.h"

#include <stdint.h>
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
		hrdex_error_git(HRDEX_EX_IOERR, "cannot write main's tree for '%s'", publisher);
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

	r = git_reference_name_to_id(&main_id, repo, HRDEX_REF_MAIN);
	if (r < 0 && r != GIT_ENOTFOUND)
		return hrdex_error_git(HRDEX_EX_IOERR, "cannot read main");
	have_main = r == 0;
	if (have_main && (git_commit_lookup(&old_main, repo, &main_id) < 0 ||
			  git_commit_tree(&old_tree, old_main) < 0)) {
		hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read main");
		goto cleanup;
	}
	if (hrdex_repo_publishers(&pubs, repo) < 0)
		goto cleanup;
	tips = calloc(pubs.count + 1, sizeof(*tips));
	parents = calloc(pubs.count + 1, sizeof(*parents));
	rows = calloc(pubs.count + 1, sizeof(*rows));
	if (!tips || !parents || !rows) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto cleanup;
	}
	if (have_main)
		parents[nparents++] = old_main;
	if (git_treebuilder_new(&tb, repo, NULL) < 0) {
		hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot build a tree");
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
			hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read branch '%s'", pub);
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
			hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read the tree of '%s'", pub);
			goto pub_fail;
		}
		same = sub && old_sub && same_but_readme(old_sub, sub);
		if (sub && publisher_tree(&comp_id, repo, pub, name, sub, old_sub, hints) < 0)
			goto pub_fail;
		if (sub && git_treebuilder_insert(NULL, tb, pub, &comp_id, GIT_FILEMODE_TREE) < 0) {
			hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot build main");
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
		hrdex_error_git(HRDEX_EX_IOERR, "cannot write main's tree");
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
