/*
 * cmd_show.c - hrdex show REF [--history]
 */
#include "cmd.h"
#include "doc.h"
#include "error.h"
#include "repo.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"usage: hrdex [-C DIR] show REF [--history]\n"
	"\n"
	"Print a document (canonical JSON) from the accepted branch of its publisher.\n"
	"REF is PUBLISHER/TYPE/ID.\n";

/* The blob id at path in commit c; 1 when absent. */
static int blob_at(git_oid *out, git_commit *c, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int ret = 1;

	if (git_commit_tree(&tree, c) < 0)
		return -1;
	if (git_tree_entry_bypath(&e, tree, path) == 0) {
		git_oid_cpy(out, git_tree_entry_id(e));
		ret = 0;
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	return ret;
}

static int history(git_repository *repo, const git_oid *tip, const char *path)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int found = 0, ret = -1;

	if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_push(walk, tip) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot walk history");
		goto cleanup;
	}
	while (git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL, *parent = NULL;
		git_oid now, before;
		int has_now, has_before = 1;
		const char *what = NULL;

		if (git_commit_lookup(&c, repo, &id) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read commit");
			goto cleanup;
		}
		has_now = blob_at(&now, c, path);
		if (git_commit_parentcount(c) > 0 && git_commit_parent(&parent, c, 0) == 0)
			has_before = blob_at(&before, parent, path);
		if (has_now == 0 && has_before != 0)
			what = "added";
		else if (has_now != 0 && has_before == 0)
			what = "withdrawn";
		else if (has_now == 0 && !git_oid_equal(&now, &before))
			what = "changed";
		if (what) {
			char hex[GIT_OID_HEXSZ + 1], date[32];
			time_t t = (time_t)git_commit_time(c);
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
			git_oid_tostr(hex, sizeof(hex), &id);
			hrdex_text_line(stdout, "%s %s %-9s %s", hex, date, what, git_commit_summary(c));
			found = 1;
		}
		git_commit_free(parent);
		git_commit_free(c);
	}
	if (!found) {
		hrdex_error_set(HRDEX_E_INVALID, "no history for '%s'", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	git_revwalk_free(walk);
	return ret;
}

int cmd_show(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	struct hrdex_ref ref;
	git_commit *tip_c = NULL;
	git_blob *blob = NULL;
	git_oid tip, id;
	char path[HRDEX_REF_MAX + 8], *dir = NULL;
	int c, first, hist = 0, ret = -1;
	const struct cmd_opt opts[] = {
		{ "history", 0, CMD_FLAG, &hist, NULL,
		  "list the commits that touched it, newest first: commit, date,\nwhat happened, message" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { usage, opts, NULL };

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	ret = -1;
	if (first != argc - 1)
		return cmd_usage_error(usage, "show needs exactly one REF");
	/* A type the registry added (regtypes.h) is known once the state is
	 * open: a ref of an unknown type is tried again then. */
	if (hrdex_ref_parse(&ref, argv[first]) < 0 &&
	    (cmd_open(g, 0, &dir, &s) < 0 || hrdex_ref_parse(&ref, argv[first]) < 0))
		goto fail;
	if (hrdex_ref_path(path, sizeof(path), &ref) < 0)
		goto fail;
	if (!s && cmd_open(g, 0, &dir, &s) < 0)
		goto fail;
	c = hrdex_repo_tip(&tip, s->repo, ref.publisher);
	if (c < 0)
		goto fail;
	if (c == 1) {
		hrdex_error_set(HRDEX_E_INVALID, "no documents from publisher '%s'", ref.publisher);
		goto fail;
	}
	if (hist) {
		if (history(s->repo, &tip, path) < 0)
			goto fail;
		ret = 0;
		goto cleanup;
	}
	if (git_commit_lookup(&tip_c, s->repo, &tip) < 0)
		goto fail;
	if (blob_at(&id, tip_c, path) != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s' is not published (withdrawn, or never was); "
				"see --history", argv[first]);
		goto fail;
	}
	if (git_blob_lookup(&blob, s->repo, &id) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", path);
		goto fail;
	}
	fwrite(git_blob_rawcontent(blob), 1, (size_t)git_blob_rawsize(blob), stdout);
	ret = 0;
	goto cleanup;
fail:
	ret = cmd_fail();
cleanup:
	git_blob_free(blob);
	git_commit_free(tip_c);
	hrdex_state_free(s);
	free(dir);
	return ret;
}
