/*
 * refresh.h - the one thing every writer does after a publisher branch moved
 * (publish, withdraw, sync, `trust add`/`trust remove`; the outbox through
 * publish, the service through sync and the outbox), and the catch-up after
 * a run killed in between:
 *
 *   1. main and its READMEs (mainview.h), view/ (repo.h) and the cache
 *      (cache.h, on a thread of its own alongside the other two);
 *   2. with site.enabled, the static site (site.h);
 *   3. the mirrors (mirror.h).
 *
 * Webhooks are not posted here: they are the service's (service.h), which
 * diffs the tips before and after each pass and so also announces what
 * commands changed between two passes, in other processes, where no
 * delivery thread runs.  A refresh reports main's commit in its result.
 */
#ifndef HRDEX_REFRESH_H
#define HRDEX_REFRESH_H

#include <git2.h>

#include "state.h"

struct hrdex_readme_hints;

enum hrdex_refresh_flags {
	/* Failures of main, view/ or the cache are returned (the site and the
	 * mirrors are then skipped), not logged (sync: the round fails). */
	HRDEX_REFRESH_STRICT = 1,
	/* Nothing is known to have moved: bring up to date only what lags
	 * behind the branches (a run killed after a branch moved), then the
	 * site and the mirrors if anything did; cheap when nothing does.
	 * Failures are logged. */
	HRDEX_REFRESH_CATCH_UP = 2,
	/* Push the mirrors even when nothing moved, so a push that failed
	 * earlier is retried (`hrdex sync`). */
	HRDEX_REFRESH_PUSH = 4,
};

struct hrdex_refresh {
	/* in */
	const char *message;                /* main's commit message */
	struct hrdex_readme_hints *hints;   /* may be NULL: README facts of documents
					       the caller parsed (readme.h) */
	unsigned flags;                     /* enum hrdex_refresh_flags */
	/* out */
	git_oid main;                       /* main's commit (zero when there is none) */
	int caught_up;                      /* CATCH_UP: something lagged and was brought up */
	int mirrors_failed;                 /* mirrors that failed, or -1 when pushing was
					       not attempted (not needed, or could not) */
};

/*
 * Refresh what derives from the branches, as the flags say.  Without
 * STRICT, failures after the branches moved are logged, not returned (the
 * next run catches up from the refs) and 0 is returned.
 */
int hrdex_refresh(struct hrdex_state *s, struct hrdex_refresh *r);

/*
 * Derived state is never silently stale: every command that takes the state
 * lock calls this first, under it (the service at every pass).  A branch
 * that moved without main, view/, the cache and the site (a run killed
 * between its ref move and its refresh, or a ref moved by stock git) brings
 * them up now (HRDEX_REFRESH_CATCH_UP; cheap when nothing lags; failures
 * are logged).  who (may be NULL) names the command in main's message.
 */
void hrdex_refresh_catch_up(struct hrdex_state *s, const char *who);

/* hrdex_state_open(), then, when flags take the lock, the catch-up above:
 * what commands open the state with (cmd.h, cmd_open). */
int hrdex_refresh_open(struct hrdex_state **out, const char *dir, unsigned flags, const char *who);

#endif
