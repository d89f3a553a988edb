/*
 * upgrade_branch.h - `hrdex upgrade`: this publisher's version-1 documents
 * rewritten to the newest schema version (upgrade.h) in one signed commit,
 * through the publish path (publish.h: the same self-acceptance, branch
 * rules and signing), then main, view/, the cache and the site refreshed.
 */
#ifndef HRDEX_UPGRADE_BRANCH_H
#define HRDEX_UPGRADE_BRANCH_H

#include <stddef.h>

#include <git2.h>

#include "doc.h"
#include "problem.h"
#include "state.h"
#include "upgrade.h"

struct hrdex_upgraded {
	struct hrdex_ref ref;
	struct hrdex_changes changes;
};

struct hrdex_upgrade_result {
	size_t documents;               /* on the branch */
	struct hrdex_upgraded *docs;    /* those upgraded, in path order */
	size_t count;
	int committed;                  /* 0: dry run, or nothing to upgrade */
	git_oid commit;
	/* When a document's upgraded form is invalid: its ref and why. */
	int refused;
	struct hrdex_ref refused_ref;
	struct hrdex_problems problems;
};

/*
 * Upgrade every version-1 document at the tip of refs/heads/<our
 * publisher>.  With dry_run, everything is read, upgraded and checked and
 * nothing written.  When an upgraded document would be invalid, returns -1
 * (HRDEX_E_INVALID) with res->refused set and res->problems saying why:
 * nothing is written.  No version-1 document: 0, res->count 0, no commit.
 * s must be open with the key and the schemas (and the lock unless
 * dry_run).
 */
int hrdex_upgrade_branch(struct hrdex_state *s, int dry_run, struct hrdex_upgrade_result *res);

void hrdex_upgrade_result_free(struct hrdex_upgrade_result *res);

#endif
