/*
 * mirror.h - pushing to mirrors (mirror.NAME.url in hrdex.conf): a forge or
 * any git host that serves our documents to peers who cannot reach us.
 */
#ifndef HRDEX_MIRROR_H
#define HRDEX_MIRROR_H

#include "state.h"

/*
 * Push to every configured mirror: our own branch, or every publisher branch
 * with mirror.NAME.branches = all.  Refspecs are explicit and never forced,
 * so a mirror that diverged is reported, not overwritten.  Each push runs in
 * a bounded child (fetch.h), all at once.  Failures are logged; returns the
 * number of mirrors that failed (0 when none is configured), or -1 when
 * pushing could not be attempted at all (hrdex_error).
 */
int hrdex_mirror_push(struct hrdex_state *st);

#endif
