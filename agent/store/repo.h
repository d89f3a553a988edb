/*
 * repo.h - the bare repository: publisher logs, the `main` view, view/.
 *
 * Layout (docs/DESIGN.md): refs/heads/<publisher> is that publisher's signed,
 * append-only log whose tree holds only <publisher>/<type>/<id>.json and
 * <publisher>/<type>/<id>.files/<name>.  refs/heads/main is rebuilt after each
 * change (mainview.h): its tree is the union of the publisher trees plus
 * generated README.md files, its commit a merge of the previous main and the
 * tips that moved.
 * refs/hrdex/view records which main commit view/ shows, so an interrupted
 * view update is finished on the next run.
 */
#ifndef HRDEX_REPO_H
#define HRDEX_REPO_H

#include <stddef.h>

#include <git2.h>

#include "config.h"
#include "key.h"

#define HRDEX_REF_MAIN "refs/heads/main"
#define HRDEX_REF_VIEW "refs/hrdex/view"

/* Create a bare repository at path (fails if it exists). */
int hrdex_repo_create(const char *path);

/* One change to a tree: path is full ("achpr/decision/x.json"). */
struct hrdex_tree_edit {
	const char *path;
	git_oid blob;      /* ignored when remove */
	int remove;
};

/*
 * Apply edits to base (NULL: empty tree) and write the new tree to *out.
 * Only the subtrees on the edited paths are rewritten, so the cost follows the
 * batch, not the repository.  Removing a path that does not exist fails.
 */
int hrdex_repo_edit_tree(git_oid *out, git_repository *repo, const git_oid *base,
			 const struct hrdex_tree_edit *edits, size_t n);

/*
 * Make a signed commit of tree on refs/heads/<publisher> (parent: its current
 * tip, if any) and move the ref with compare-and-swap.  *out gets the commit.
 */
int hrdex_repo_commit(git_oid *out, git_repository *repo, const char *publisher, const git_oid *tree,
		      const char *message, const struct hrdex_key *key);

/*
 * The same, with check(ctx, commit, parent) run on the new signed commit
 * before the ref moves (parent: the tip it replaces, NULL for the first):
 * 0 lets it move; anything else leaves the ref where it was and is
 * returned as -1 (check sets the error).  Publishing runs the branch rules
 * here (publish.c), so this agent never moves its ref where a peer would
 * refuse to follow.
 */
typedef int (*hrdex_repo_check_fn)(void *ctx, const git_oid *commit, const git_oid *parent);
int hrdex_repo_commit_checked(git_oid *out, git_repository *repo, const char *publisher, const git_oid *tree,
			      const char *message, const struct hrdex_key *key, hrdex_repo_check_fn check,
			      void *ctx);

/* The tip of refs/heads/<publisher>; GIT_ENOTFOUND-style: returns 1 when the
 * branch does not exist (out zeroed), 0 when found, -1 on error. */
int hrdex_repo_tip(git_oid *out, git_repository *repo, const char *publisher);

/*
 * A publisher this agent no longer trusts keeps its history under
 * refs/hrdex/untrusted/<publisher>: outside refs/heads/, so main, view/,
 * the cache and peers (who fetch only refs/heads/) do not see it, and hidden
 * from git daemon and http-backend (uploadpack.hideRefs, set here).
 */
#define HRDEX_REF_UNTRUSTED "refs/hrdex/untrusted/"

/*
 * Move refs/heads/<publisher> there.  An earlier parked tip that the branch
 * does not descend from is kept, and this one takes the name with ".N"
 * appended.  parked gets the ref's name.  Returns 0 when moved, 1 when there
 * was no branch, -1 on error.
 */
int hrdex_repo_park(git_repository *repo, const char *publisher, char *parked, size_t size);

/* The tip of refs/hrdex/untrusted/<publisher>: 0 found, 1 none (out zeroed),
 * -1 on error. */
int hrdex_repo_parked(git_oid *out, git_repository *repo, const char *publisher);

/* Move refs/hrdex/untrusted/<publisher>, still at tip, back to
 * refs/heads/<publisher>, which must not exist. */
int hrdex_repo_unpark(git_repository *repo, const char *publisher, const git_oid *tip);

/*
 * Commits a sanctioned reset abandons (`trust reset`) stay, for inspection,
 * under refs/hrdex/abandoned/<publisher>/<YYYYMMDDTHHMMSSZ>: unseen by
 * main, view/, the cache and peers, hidden from upload-pack like
 * refs/hrdex/untrusted/.
 */
#define HRDEX_REF_ABANDONED "refs/hrdex/abandoned/"

/* Keep tip under a new refs/hrdex/abandoned/<publisher>/<time of when>
 * (".N" appended when taken); out gets its name. */
int hrdex_repo_abandon(git_repository *repo, const char *publisher, const git_oid *tip, int64_t when, char *out,
		       size_t size);

/* Publisher ids of every branch except main, sorted; caller frees with
 * git_strarray_dispose. */
int hrdex_repo_publishers(git_strarray *out, git_repository *repo);

/*
 * Write a signed commit (author "hrdex") of tree with parents and move
 * main to it with compare-and-swap from expected (NULL: main must not
 * exist).  What main holds is decided above storage (mainview.h).
 */
int hrdex_repo_commit_main(git_oid *out, git_repository *repo, const git_oid *tree, const git_commit **parents,
			   size_t nparents, const git_oid *expected, const char *message,
			   const struct hrdex_key *key);

/* Name and e-mail hrdex uses as author and committer for publisher. */
int hrdex_repo_signature(git_signature **out, const char *publisher);

/* Bring view_dir in line with main, touching only the files that changed
 * since the commit refs/hrdex/view records; then move that ref. */
int hrdex_view_update(git_repository *repo, const char *view_dir);

#endif
