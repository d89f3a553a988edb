/*
 * ledger.h - what this agent accepted, kept OUTSIDE repo.git, in
 * STATE/tips.json (TUF's rollback and freeze protection, DESIGN.md "Keys
 * and membership"):
 *
 *   - per publisher, the newest tip this agent ever accepted, when its branch
 *     last moved, and when a peer last offered anything newer: a peer that
 *     serves an older tip is refused even after repo.git was restored from a
 *     backup, and `status` warns when a branch stands still for
 *     network.staleAfter (a frozen or cut-off member);
 *   - the sanctioned resets (`hrdex trust reset`; later the registry's): the
 *     branch went back to a named commit and continues with a named key.  It
 *     is the one move other than forward that the rollback rule lets
 *     through, and after the reset commit only that key signs.
 *
 * The file is rewritten atomically (write, fsync, rename) under the agent
 * lock.  A file that cannot be parsed is an error (HRDEX_E_CONFIG naming
 * it), never an empty ledger: forgetting it would drop the protection.
 */
#ifndef HRDEX_LEDGER_H
#define HRDEX_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "doc.h"

struct hrdex_ledger_entry {
	char publisher[HRDEX_PUBLISHER_MAX + 1];
	git_oid tip;            /* newest accepted; zero when none yet */
	int64_t moved;          /* unix time the branch last moved here; 0: never */
	int64_t offered;        /* a peer last offered a tip newer than ours; 0: never */
	int64_t since;          /* first recorded (the clock of staleness before any move) */
};

struct hrdex_reset {
	char publisher[HRDEX_PUBLISHER_MAX + 1];
	git_oid commit;         /* the branch went back to this commit */
	unsigned char key[32];  /* after it, only this key signs */
	git_oid from;           /* the tip abandoned; zero when the branch was at commit */
	int64_t time;
	char abandoned[128];    /* the ref keeping the abandoned commits ("" when none) */
	char by[128];           /* who sanctioned it: "" by hand (`trust reset`), else the
				   registry's document, "registry ohchr/member/achpr" */
};

struct hrdex_ledger {
	char *path;
	struct hrdex_ledger_entry *items;
	size_t n;
	struct hrdex_reset *resets;  /* oldest first */
	size_t nresets;
};

/* Read STATE/tips.json (none: an empty ledger). */
int hrdex_ledger_load(struct hrdex_ledger **out, const char *state_dir);
/* Write it back atomically. */
int hrdex_ledger_save(const struct hrdex_ledger *l);
void hrdex_ledger_free(struct hrdex_ledger *l);

/* The entry of publisher; with create, added (since = now) when missing.
 * NULL when missing (create 0) or out of memory (create 1, error set). */
struct hrdex_ledger_entry *hrdex_ledger_get(struct hrdex_ledger *l, const char *publisher, int create,
					    int64_t now);

/* The branch moved to tip at now: the newest tip, moved = offered = now. */
int hrdex_ledger_moved(struct hrdex_ledger *l, const char *publisher, const git_oid *tip, int64_t now);

/* The newest reset of publisher, NULL when none. */
const struct hrdex_reset *hrdex_ledger_last_reset(const struct hrdex_ledger *l, const char *publisher);

/* Append a reset (the caller saves). */
int hrdex_ledger_add_reset(struct hrdex_ledger *l, const struct hrdex_reset *r);

/*
 * The rollback rule: 0 when tip may become publisher's branch as far as the
 * ledger goes (no record, tip is the newest accepted one, or descends from
 * it, or the newest accepted one is cur, our refs/heads/B (may be NULL),
 * where the fast-forward rule says the same), 1 when it is older or beside
 * it (why gets one line naming the newest accepted tip and when it was
 * accepted), -1 on error.  repo must hold tip's history; the newest tip
 * missing from it counts as not contained.
 */
int hrdex_ledger_check_tip(const struct hrdex_ledger *l, git_repository *repo, const char *publisher,
			   const git_oid *tip, const git_oid *cur, char *why, size_t size);

/*
 * Where the fast-forward rule measures a new tip of publisher from: our
 * refs/heads/B (cur), unless repo.git holds a tip older than the newest
 * accepted one, or beside it (repo.git restored from a backup, perhaps one
 * from before a reset: its tip may be an abandoned commit).  Then it is the
 * newest accepted tip, which *base gets, and 1 is returned: a peer's tip
 * must descend from it (the rollback rule says so too), and the branch
 * moves there from the restored tip.  0 when cur is the base.
 */
int hrdex_ledger_base(const struct hrdex_ledger *l, git_repository *repo, const char *publisher, const git_oid *cur,
		      git_oid *base);

#endif
