/*
 * outbox.h - publishing the documents another system drops into outbox/.
 *
 * A secretariat's system writes NAME.json (and optionally a NAME.files/
 * folder of attachments) into STATE/outbox/, completing each file under
 * another name first ("NAME.json.tmp" or a dotfile) and renaming it to
 * NAME.json last.  Each pass of the service publishes the valid files as one
 * signed commit and moves them to outbox/done/; invalid ones go to
 * outbox/rejected/ with NAME.error beside them, and so does anything named
 * NAME.json that is not a regular file, or whose NAME.files is not a folder
 * of regular files: links are never followed, FIFOs never waited on.  Nothing is deleted, lost or
 * published twice (outbox.c explains why across crashes).
 */
#ifndef HRDEX_OUTBOX_H
#define HRDEX_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "publish.h"
#include "state.h"

struct hrdex_outbox_report {
	size_t published;     /* files moved to done/ (committed, or already published) */
	size_t rejected;      /* files moved to rejected/ */
	size_t deferred;      /* left for a later pass: too young, over outbox.batch, same ref twice */
	size_t added, changed;/* documents, as in the commit */
	int committed;
	git_oid commit;
};

/*
 * One outbox pass under the agent-wide lock (s opened with the key and the
 * schemas): finish an interrupted move, take up to outbox.batch complete
 * files (older than outbox.settle seconds at now), publish the valid ones as
 * one commit, move every file it decided on.  -1 (nothing moved) when
 * publishing or moving failed; the files stay and the next pass retries.
 */
int hrdex_outbox_pass(struct hrdex_state *s, int64_t now, struct hrdex_outbox_report *r);

/* Number of NAME.json files waiting in outbox/ (complete or not). */
size_t hrdex_outbox_pending(const struct hrdex_state *s);

/* ---- exposed for tests ---- */

/*
 * Names ("x.json") in dir ready for publishing at now: entries ending in
 * ".json" (of any type: what is not a regular file is rejected later), not dotfiles, without control characters, whose mtime and
 * NAME.files/ entries are at least settle seconds old; sorted, at most max
 * (*more counts those left out for being over max or too young).
 */
int hrdex_outbox_scan(char ***names, size_t *n, size_t *more, const char *dir, int64_t now,
		      int64_t settle, size_t max);
void hrdex_outbox_names_free(char **names, size_t n);

/*
 * A free name in the folder destfd (dest in messages) for base ("x" of
 * "x.json"): "x", else "x~1", "x~2"... such that neither NAME.json nor
 * NAME.files exists there, nor is in taken.
 */
int hrdex_outbox_free_name(char **out, int destfd, const char *dest, const char *base, char **taken,
			   size_t ntaken);

/*
 * Finish the moves recorded in the file journal (STATE/outbox.journal, out
 * of the outbox account's reach; a crash between the commit and the moves)
 * for the outbox folder dir, and remove it.  A move whose source is gone was
 * done; a move that is not from a plain name in dir to done/NAME or
 * rejected/NAME is refused with an error line in the log, never made.  An
 * outbox/.journal (older versions kept it there) is removed unread.
 */
int hrdex_outbox_recover(const char *journal, const char *dir);

#endif
