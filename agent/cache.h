/*
 * cache.h - the SQLite cache of current documents (cache.db), derived from
 * the accepted publisher branches of repo.git and always rebuildable.
 *
 * Tables (documented for script authors in README.md):
 *   documents(ref PRIMARY KEY, publisher, type, id, date, start, end, title,
 *             lang, countries, themes, json, "commit", path)
 *   documents_fts  FTS5 over titles, summaries and other free text, every language
 *   links(from_ref, rel, to_ref, url)
 *   branches(publisher PRIMARY KEY, "commit", indexed_at)
 * The branches row of a publisher is written in the same transaction as its
 * document rows, so after a crash the cache is at the old or the new commit
 * and hrdex_cache_update() catches up from there.
 */
#ifndef HRDEX_CACHE_H
#define HRDEX_CACHE_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <git2.h>

#include "problem.h"

struct hrdex_cache;

/* Open (creating the schema when needed; WAL, synchronous=NORMAL).
 * readonly: for queries; never creates. */
int hrdex_cache_open(struct hrdex_cache **out, const char *path, int readonly);
void hrdex_cache_close(struct hrdex_cache *c);

/*
 * Bring the cache up to date with every publisher branch (refs/heads/<p>,
 * not main): for each, diff the indexed commit's tree against the tip's and
 * apply only the changes; a branch whose indexed commit is missing or not an
 * ancestor of the tip is rebuilt from scratch; a branch gone from the repo is
 * dropped.  *changed (may be NULL) gets the number of rows written.
 */
int hrdex_cache_update(struct hrdex_cache *c, git_repository *repo, int64_t *changed);

/* Rebuild the whole cache from repo into path: build aside, then rename. */
int hrdex_cache_rebuild(const char *path, git_repository *repo);

/* Compare the cache with the refs; one problem per difference. */
int hrdex_cache_verify(struct hrdex_cache *c, git_repository *repo, struct hrdex_problems *diffs);

enum hrdex_query_sort { HRDEX_SORT_DATE_DESC, HRDEX_SORT_DATE_ASC, HRDEX_SORT_REF, HRDEX_SORT_RANK };

struct hrdex_query {
	const char *publisher, *type, *country, *theme;
	const char *since, *until;   /* ISO dates, inclusive; on start/end for events and visits */
	const char *text;            /* FTS5 query syntax */
	const char *links_to;        /* documents whose links point to this ref */
	const char *ref;
	int64_t limit, offset;       /* limit 0: no limit */
	enum hrdex_query_sort sort;
};

/* One result row; json is the stored canonical document. */
struct hrdex_query_row {
	const char *ref, *publisher, *type, *id, *date, *start, *end, *title, *json, *commit;
};

typedef int (*hrdex_query_cb)(const struct hrdex_query_row *row, void *payload);

/* Run q, calling cb per row (a non-zero return stops and is returned).
 * A bad FTS query gives -1, HRDEX_EX_USAGE, with a clear message. */
int hrdex_cache_query(struct hrdex_cache *c, const struct hrdex_query *q, hrdex_query_cb cb,
		      void *payload);

#endif
