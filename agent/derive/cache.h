/*
 * cache.h - the SQLite cache of current documents (cache.db), derived from
 * the accepted publisher branches of repo.git and always rebuildable.
 *
 * Tables (documented for script authors in README.md, "Tables of
 * cache.db"; an interface):
 *   documents(ref PRIMARY KEY, publisher, type, id, date, start, end, title,
 *             lang, countries, themes, json, "commit", path, blob, accepted_at,
 *             sequence, schema, kind, status, response, date_first, date_last,
 *             date_precision)
 *             accepted_at: when this agent wrote the row (UTC, seconds,
 *             YYYY-MM-DDTHH:MM:SSZ): the OAI-PMH datestamp; sequence: 0
 *             for the first version this cache indexed, one more per
 *             change or withdrawal after it (iCalendar SEQUENCE)
 *   withdrawn(ref PRIMARY KEY, publisher, type, id, title, lang, countries,
 *             withdrawn_at, sequence, date, start, end, json)   a tombstone per document this agent saw
 *             withdrawn (kept until the ref is published again; a rebuild
 *             of the cache forgets them)
 *             schema: the version the document names; kind, status,
 *             response, date_*: facts of its version-2 form (facts.h), as
 *             is start/end: when it happens, a partial date from its first
 *             to its last day
 *   doc_countries(country, ref), doc_themes(theme, ref)   one row per value,
 *             from every country field and every theme field (facts.h)
 *   doc_addressees(ref, kind, value), doc_recommending_states(ref, country),
 *   doc_bodies(ref, body), doc_groups(ref, grp), doc_sdgs(ref, sdg)
 *             one row per value (facts.h), read from the document's
 *             version-2 form (upgrade.h) whatever version it names
 *   documents_fts  FTS5 (rowid = documents.rowid) over title, summary, body:
 *             every language; CJK text split into single characters
 *   links(from_ref, rel, to_ref, url)
 *   branches(publisher PRIMARY KEY, "commit", indexed_at)
 *   meta(key PRIMARY KEY, value)   "rules": the document rules digest the
 *             held rows were judged by (accept.h); when it changes, an
 *             update indexes the publishers with held rows again
 *   held(ref PRIMARY KEY, publisher, "commit", reason)   documents of the
 *             branches a document rule holds (accept.h,
 *             hrdex_document_check): in no other table; "commit" is the
 *             branch's tip when the document was found held
 * PRAGMA user_version is HRDEX_CACHE_SCHEMA; a writer finding another version
 * drops everything and starts again (the cache is always rebuildable), but
 * for version 4, brought to 5 in place (what version 5 adds, computed from
 * each row's json), keeping what no rebuild could make again: tombstones,
 * accepted_at and sequence.
 *
 * The branches row of a publisher is written in the same transaction as its
 * document rows, so after a crash the cache is at the old or the new commit
 * and hrdex_cache_update() catches up from there.
 *
 * documents."commit" is the newest commit on the branch's first-parent chain
 * that added or changed the document, the same whether the row was written
 * by an incremental update or a rebuild.
 *
 * Readers open read-only (hrdex_cache_open(..., 1)) and never write, so a
 * query never catches up: that is left to the writer commands (sync,
 * publish, withdraw, run, reindex), which hold the agent lock.  Readers see
 * the last committed state (WAL).
 *
 * Readers may be other accounts with no write access to the folder: a
 * writer gives cache.db, -wal and -shm mode 0600 plus g+r (o+r) when the
 * folder grants its group (others) x, whatever the umask, and keeps -wal
 * and -shm when it closes (SQLITE_FCNTL_PERSIST_WAL), since SQLite reads a
 * WAL database read-only only when they exist.
 */
#ifndef HRDEX_CACHE_H
#define HRDEX_CACHE_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <git2.h>

#include "buf.h"
#include "problem.h"

#define HRDEX_CACHE_SCHEMA 5

struct hrdex_cache;

/* Open (creating the schema when needed; WAL, synchronous=NORMAL).
 * readonly: for queries; never creates: a missing file fails with
 * HRDEX_E_NOTFOUND, one this account may not read (or whose -shm is
 * unreadable, or missing where it cannot create it) with HRDEX_E_PERMISSION,
 * a cache of another schema version with HRDEX_E_BUSY (the next
 * writer rebuilds it). */
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

/*
 * hrdex_cache_update() of the cache at db_path on a thread of its own, with
 * its own connection and its own handle on the repository at repo_path, so
 * that a writer can rebuild main and view/ meanwhile: on a big publish or a
 * first sync the two take about as long, and there are two CPUs to run
 * them.  Every hrdex_cache_update_start() must be followed by exactly one
 * hrdex_cache_update_finish(), which waits, frees the job and gives the
 * update's status (its error set in the caller's thread) and *changed
 * (may be NULL).
 */
struct hrdex_cache_job;
int hrdex_cache_update_start(struct hrdex_cache_job **out, const char *db_path, const char *repo_path);
int hrdex_cache_update_finish(struct hrdex_cache_job *job, int64_t *changed);

/*
 * Rebuild the whole cache from repo into path: build PATH.new aside, close it
 * (so its WAL is folded in), fold in and remove PATH's own -wal/-shm, then
 * rename PATH.new over PATH.  Readers see the old or the new cache, never a
 * mix.  Call with the agent lock held (no other writer).
 */
int hrdex_cache_rebuild(const char *path, git_repository *repo);

/*
 * Compare the cache with the refs; one problem per difference, pointer the
 * ref or publisher, keyword "missing" (in the tree, not in the cache),
 * "extra" (in the cache, not in the tree), "stale" (a different blob or a
 * corrupt row) or "behind" (branch indexed at another commit than its tip).
 * Rows are compared with the tree of the commit the branch was indexed at,
 * so a cache that is merely behind gives one "behind" problem per branch.
 */
int hrdex_cache_verify(struct hrdex_cache *c, git_repository *repo, struct hrdex_problems *diffs);

/* Number of publisher branches whose tip differs from the commit the cache
 * indexed (new, moved or gone); *first (may be NULL) gets the first one's
 * name, caller frees. */
int hrdex_cache_lag(struct hrdex_cache *c, git_repository *repo, size_t *behind, char **first);

/* The same, reading the refs of the bare repository at gitdir from its files
 * (refs.h) instead of through libgit2, which it neither needs nor starts. */
int hrdex_cache_lag_files(struct hrdex_cache *c, const char *gitdir, size_t *behind, char **first);

struct hrdex_cache_stats {
	int64_t documents, publishers, links;
};
int hrdex_cache_stats(struct hrdex_cache *c, struct hrdex_cache_stats *out);

/* A deterministic text dump of every table (branches without indexed_at,
 * documents without rowid, the FTS rows by ref), for tests and debugging. */
int hrdex_cache_dump(struct hrdex_cache *c, struct hrdex_buf *out);

/*
 * The text the FTS index holds for s: Arabic harakat and tatweel removed and
 * each CJK ideograph or kana a token of its own (spaces around it), so that
 * "人权" is found inside "人权理事会".  With query set, s is FTS5 query
 * syntax: a CJK run outside a string becomes a quoted phrase "人 权".
 */
int hrdex_cache_fts_text(struct hrdex_buf *out, const char *s, int query);

enum hrdex_query_sort { HRDEX_SORT_DATE_DESC, HRDEX_SORT_DATE_ASC, HRDEX_SORT_REF, HRDEX_SORT_RANK };

/* The values of one filter: a row matches any of them (none: no filter). */
struct hrdex_query_list {
	const char *const *items;
	size_t count;
};

/* Different filters must all hold; a filter of several values holds when
 * any of them does (--country HND --country MEX: either country). */
struct hrdex_query {
	struct hrdex_query_list publisher, type, country, theme;
	const char *since, *until;   /* ISO dates, inclusive; on start/end for events and visits */
	const char *text;            /* FTS5 query syntax */
	struct hrdex_query_list links_to;   /* documents whose links point to one of these refs */
	/* Facts of the version-2 form (facts.h), whatever version a document names: */
	struct hrdex_query_list addressee;  /* an addressee's country, body or name, or its party kind */
	struct hrdex_query_list recommending_state, body, group, sdg;   /* the doc_* tables */
	struct hrdex_query_list response, status, kind;                 /* the documents columns */
	struct hrdex_query_list year;       /* YYYY: the main date (any precision) falls in that year */
	struct hrdex_query_list ref;
	int64_t limit, offset;       /* limit 0: no limit */
	enum hrdex_query_sort sort;  /* DATE_* sort on start (= date but for events, visits), then ref */
	int no_json;                 /* rows need no json nor commit (refs, table, csv): neither is read;
	                                json is "" and commit NULL */
	int withdrawn;               /* the tombstones (table withdrawn) instead: rows have
	                                withdrawn set, themes "[]", commit NULL; with
	                                country, theme, text or links_to: HRDEX_E_USAGE */
	int ref_only;                /* rows need only ref (refs): json is "", countries and themes
	                                "[]", every other column NULL */
};

/* One result row, valid during the callback; json is the stored document in
 * compact form (canonical key order, no whitespace); countries and themes are
 * JSON arrays; start/end are the interval (events, visits) or the date. */
struct hrdex_query_row {
	const char *ref, *publisher, *type, *id, *date, *start, *end, *title, *json, *commit;
	const char *lang, *countries, *themes;
	int64_t sequence;            /* 0 for the first version this cache saw, +1 per change (not with no_json) */
	int withdrawn;               /* a tombstone (never from hrdex_cache_query) */
	/* the version-2 columns (facts.h); NULL for tombstones and with ref_only */
	const char *schema, *kind, *status, *response, *date_first, *date_last;
};

typedef int (*hrdex_query_cb)(const struct hrdex_query_row *row, void *payload);

/* Run q, calling cb per row (a non-zero return stops and is returned).
 * A bad FTS query gives -1, HRDEX_E_USAGE, with a clear message. */
int hrdex_cache_query(struct hrdex_cache *c, const struct hrdex_query *q, hrdex_query_cb cb,
		      void *payload);

/*
 * Changes as a harvester sees them (OAI-PMH, Atom): current documents by
 * accepted_at and tombstones by withdrawn_at, one ordered list of
 * (stamp, ref), ascending, or descending with desc.  Filters (NULL: none)
 * must all hold; from/until are inclusive stamps (YYYY-MM-DDTHH:MM:SSZ);
 * after_stamp/after_ref (both or neither) start strictly after that
 * position (a resumption token's).  limit 0: no limit.
 */
struct hrdex_changes_query {
	const char *publisher, *type, *country, *lang, *ref;
	const char *from, *until;
	const char *after_stamp, *after_ref;
	int64_t limit;
	int desc;
};

/* One change, valid during the callback; json is the last version's for a
 * deleted row too. */
struct hrdex_change_row {
	const char *ref, *publisher, *type, *id, *title, *lang, *countries, *json, *stamp, *date;
	const char *start, *end;
	int64_t sequence;
	int deleted;
};

typedef int (*hrdex_change_cb)(const struct hrdex_change_row *row, void *payload);
int hrdex_cache_changes(struct hrdex_cache *c, const struct hrdex_changes_query *q, hrdex_change_cb cb,
			void *payload);

/* The earliest stamp of any change ("" when there are none); out >= 32 bytes. */
int hrdex_cache_earliest(struct hrdex_cache *c, char *out, size_t n);

/* The distinct values of one column for ListSets: what is "publisher",
 * "type", "lang" or "country"; cb gets each value in order. */
int hrdex_cache_values(struct hrdex_cache *c, const char *what, int (*cb)(const char *v, void *payload),
		       void *payload);
/* 1 when the document rules (accept.h, hrdex_document_rules_digest) are
 * not those the cache's held rows were judged by: the next
 * hrdex_cache_update() checks held documents again.  0, or -1 on error. */
int hrdex_cache_rules_changed(struct hrdex_cache *c);

/* The held documents (table held), by ref; cb's non-zero return stops and
 * is returned.  Strings are valid during the callback. */
typedef int (*hrdex_held_cb)(const char *ref, const char *publisher, const char *commit, const char *reason,
			     void *payload);
int hrdex_cache_held(struct hrdex_cache *c, hrdex_held_cb cb, void *payload);

#endif
