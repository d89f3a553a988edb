/*
 * cache_int.h - what the files of the cache share, and nothing else uses:
 * the connection (struct hrdex_cache) and its prepared statements, the small
 * SQLite helpers (cache.c), a prepared document row (cache_rows.c, filled on
 * the feed thread of cache_diff.c), indexing a publisher (cache_diff.c) and
 * the branch lists (cache_update.c, also read by verify).
 *
 *   cache.c         open, schema, SQLite helpers, stats and dump
 *   cache_rows.c    text helpers and a document's rows
 *   cache_diff.c    tree diff, feed thread, commits, one publisher
 *   cache_update.c  branches, update, lag, rebuild, update thread
 *   cache_verify.c  verify
 *   cache_query.c   query
 */
#ifndef HRDEX_CACHE_INT_H
#define HRDEX_CACHE_INT_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <git2.h>
#include <sqlite3.h>

#include "buf.h"
#include "cache.h"
#include "doc.h"

enum stmt {
	ST_DOC_FIND,
	ST_DOC_DELETE,
	ST_FTS_DELETE,
	ST_COUNTRY_DELETE,
	ST_THEME_DELETE,
	ST_LINK_DELETE,
	ST_ADDRESSEE_DELETE,
	ST_RSTATE_DELETE,
	ST_BODY_DELETE,
	ST_GROUP_DELETE,
	ST_SDG_DELETE,
	ST_DOC_INSERT,
	ST_FTS_INSERT,
	ST_COUNTRY_INSERT,
	ST_THEME_INSERT,
	ST_ADDRESSEE_INSERT,
	ST_RSTATE_INSERT,
	ST_BODY_INSERT,
	ST_GROUP_INSERT,
	ST_SDG_INSERT,
	ST_LINK_INSERT,
	ST_BRANCH_SET,
	ST_BRANCH_DELETE,
	ST_TOUCH_INSERT,
	ST_COMMIT_SET,
	ST_COMMIT_FILL,
	ST_TOMB_SET,
	ST_TOMB_CLEAR,
	ST_SEQ_NEXT,
	ST_HELD_DELETE,
	ST_HELD_INSERT,
	ST_COUNT
};

struct hrdex_cache {
	sqlite3 *db;
	char *path;
	int readonly;
	sqlite3_stmt *st[ST_COUNT];   /* writer only */
	int64_t changed;              /* rows written by the update in hand */
	char now[32];                 /* the update's time (UTC, seconds): rows' accepted_at */
	int64_t next_sequence;        /* of the row cache_tombstone() saw last */
	char tip[GIT_OID_HEXSZ + 1];  /* the publisher's tip being indexed: held rows' commit */
};

/*
 * One changed document on its way into the cache.  The costly part that does
 * not touch SQLite (reading and inflating the blob, parsing it, its compact
 * form, the three full-text columns) is done by prep_doc() on a thread of its
 * own (struct feed), a window of documents ahead of the SQLite writer: about
 * a quarter of a first index.
 */
struct prep {
	char ref[HRDEX_REF_MAX + 6];
	char *path;
	git_oid id;
	int gone;                   /* removed, or not a regular file: delete only */
	int end;                    /* no more changes */
	cJSON *doc;                 /* NULL: not a JSON object (not indexed) */
	cJSON *v2;                  /* its version-2 form (upgrade.h): the facts (facts.h) come from it */
	int schema;                 /* the version it names (schema.h, hrdex_doc_version) */
	int held;                   /* a document rule holds it (accept.h): a held row only */
	char reason[768];
	struct hrdex_buf json, fts[3];
	int err, code;              /* prep_doc failed: code and message */
	char message[512];
};

struct branch {
	char *name;
	git_oid oid;      /* tip (repo) */
	char *commit;     /* indexed commit (cache) */
};

struct branches {
	struct branch *items;
	size_t count, alloc;
};

/* cache.c */
void cache_bind_text(sqlite3_stmt *st, int i, const char *s);
int cache_db_fail(struct hrdex_cache *c, const char *what);
int cache_exec(struct hrdex_cache *c, const char *sql);
int cache_keep_wal(struct hrdex_cache *c);
int64_t cache_scalar_int(struct hrdex_cache *c, const char *sql, int *err);
int cache_step_done(struct hrdex_cache *c, sqlite3_stmt *st);

/* cache_rows.c */
int cache_delete_doc(struct hrdex_cache *c, const char *ref);
int cache_delete_publisher(struct hrdex_cache *c, const char *p);
int cache_tombstone(struct hrdex_cache *c, const char *ref, int gone);
int cache_insert_prepared(struct hrdex_cache *c, struct prep *p);
/* Every documents row's facts (facts.h: its columns countries, themes,
 * start, end, schema, kind, status, response, date_*, and the side tables
 * but links and the FTS index) computed again from its json column, in the
 * transaction in hand: a version-4 cache brought to version 5 in place. */
int cache_refacts(struct hrdex_cache *c);
int cache_path_ref(char *out, size_t n, const char *path);
void cache_prep_clear(struct prep *p);
int cache_prep_doc(struct prep *p, git_repository *repo);

/* cache_diff.c */
int cache_index_publisher(struct hrdex_cache *c, git_repository *repo, const char *publisher, const git_oid *tip, const char *old_hex);

/* cache_update.c */
int cache_branch_cmp(const void *a, const void *b);
struct branch *cache_branches_add(struct branches *b, const char *name);
struct branch *cache_branches_find(struct branches *b, const char *name);
void cache_branches_free(struct branches *b);
int cache_branches(struct branches *out, struct hrdex_cache *c);
int cache_repo_branches(struct branches *out, git_repository *repo);

#endif
