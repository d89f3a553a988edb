/*
 * site.h - the static HTML site focal points browse: `hrdex site`, and after
 * every change when site.enabled is set.
 *
 * The site is built from main's tree (the union of the accepted publisher
 * branches), needs no server and makes no request outside its own folder:
 *
 *   index.html                     publishers, upcoming events and visits,
 *                                  latest documents
 *   calendar.html, calendar.ics    events and visits by month; iCalendar
 *   search.html, search-index.js   client-side search (?q=words)
 *   style.css, hrdex.js            the one stylesheet and the one script
 *   P/index.html                   a publisher, its types, latest documents
 *   P/TYPE.html                    all documents of one type, newest first
 *   P/TYPE/ID.html                 one document: every field, every language,
 *                                  links, back-references, attachments
 *   P/TYPE/ID.json                 the document as signed
 *   P/TYPE/ID.files/NAME           its attachments
 *
 * Publishing is atomic: OUT is a symlink to OUT.d/N; a build fills OUT.d/N+1,
 * then renames a new symlink over OUT, then removes older generations.  See
 * site.c for what is rewritten and what is carried over.
 */
#ifndef HRDEX_SITE_H
#define HRDEX_SITE_H

#include <stddef.h>
#include <time.h>

#include <git2.h>

#include "config.h"

struct hrdex_site_opts {
	const char *out;                    /* the site's path (becomes a symlink) */
	const char *title;                  /* NULL: "Human-rights document exchange" */
	const struct hrdex_config *config;  /* publisher display names; may be NULL */
	time_t now;                         /* "upcoming" means not over before this day (UTC) */
};

struct hrdex_site_stats {
	size_t documents, publishers;
	size_t written;     /* files rendered and written */
	size_t linked;      /* files carried over unchanged from the previous build */
	unsigned long generation;
};

/*
 * Build the site from main into opts->out and publish it atomically.  An
 * existing opts->out must be a symlink made by an earlier build, or an empty
 * directory; anything else fails (HRDEX_E_CANTCREATE) and is left alone.
 * Concurrent builds into the same place wait for each other (flock on
 * OUT.d/lock).  With no main yet, the site lists no documents.
 */
int hrdex_site_build(git_repository *repo, const struct hrdex_site_opts *opts, struct hrdex_site_stats *stats);

/* The time that decides what is upcoming: $SOURCE_DATE_EPOCH when set to a
 * number (reproducible builds, tests), else now. */
time_t hrdex_site_now(void);

/* Where the site goes for a state directory: site.dir (relative to dir when
 * not absolute), else DIR/site.  Caller frees. */
char *hrdex_site_path(const char *state_dir, const struct hrdex_config *config);

#endif
