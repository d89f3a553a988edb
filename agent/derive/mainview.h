/*
 * mainview.h - building refs/heads/main, the view a forge or `git clone`
 * shows: the union of the publisher trees (repo.h) plus the README.md files
 * readme.h writes, one at the root and one in each publisher folder; held
 * documents (DESIGN.md, "Two levels of rules") are left out.  Its
 * commit is a merge of the previous main and the tips that moved, written
 * and moved by storage (hrdex_repo_commit_main).
 */
#ifndef HRDEX_MAINVIEW_H
#define HRDEX_MAINVIEW_H

#include <git2.h>

#include "config.h"
#include "key.h"

struct hrdex_readme_hints;

/*
 * Rebuild main from the publisher branches and move it; message says what
 * moved.  Signed with key (NULL: unsigned), like every commit hrdex makes.
 * Publishers are named in the READMEs with hrdex_config_publisher_name(cfg,
 * id) (cfg NULL: by id).  A publisher's README.md is regenerated only when
 * its subtree changed or its name did; otherwise main's previous
 * <publisher>/ tree is reused.  A name change alone rewrites the READMEs (a
 * new main commit with no new parent); otherwise nothing is written when no
 * tip moved.  hints (may be NULL) are the README facts of documents the
 * caller parsed already (readme.h).  *out (may be NULL) gets main's commit.
 */
int hrdex_main_rebuild(git_oid *out, git_repository *repo, const char *message, const struct hrdex_key *key,
		       const struct hrdex_config *cfg, struct hrdex_readme_hints *hints);

/*
 * The tree main shows for a publisher whose branch has folder sub_id
 * (B/): without its held documents (accept.h, hrdex_document_check), every
 * document checked.  For verify: main's B/ is this plus README.md.
 */
int hrdex_main_shown(git_oid *out, git_repository *repo, const char *publisher, const git_oid *sub_id);

#endif
