/*
 * cache_changes.c - the cache as a list of changes (cache.h,
 * hrdex_cache_changes): what OAI-PMH and Atom serve.  Read-only.
 */
#include "cache.h"
#include "cache_int.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* One WHERE clause for both sides; ?1..?9 are the same on each. */
#define FILTERS(T, STAMP, COUNTRY_TEST)                                                        \
	" WHERE (?1 IS NULL OR " T ".publisher = ?1) AND (?2 IS NULL OR " T ".type = ?2)"     \
	" AND (?3 IS NULL OR " COUNTRY_TEST ") AND (?4 IS NULL OR " T ".lang = ?4)"           \
	" AND (?5 IS NULL OR " T ".ref = ?5) AND (?6 IS NULL OR " STAMP " >= ?6)"              \
	" AND (?7 IS NULL OR " STAMP " <= ?7)"                                                  \
	" AND (?8 IS NULL OR (" STAMP ", " T ".ref) %s (?8, ?9))"

int hrdex_cache_changes(struct hrdex_cache *c, const struct hrdex_changes_query *q, hrdex_change_cb cb,
			void *payload)
{
	static const char sql_fmt[] =
		"SELECT ref, publisher, type, id, title, lang, countries, json, stamp, date, deleted, "
		"start, \"end\", sequence FROM ("
		"SELECT d.ref, d.publisher, d.type, d.id, d.title, d.lang, d.countries, d.json, "
		"d.accepted_at AS stamp, d.date, 0 AS deleted, d.start, d.\"end\", d.sequence FROM documents d"
		FILTERS("d", "d.accepted_at", "EXISTS (SELECT 1 FROM doc_countries x WHERE x.ref = d.ref AND x.country = ?3)")
		" UNION ALL "
		"SELECT w.ref, w.publisher, w.type, w.id, w.title, w.lang, w.countries, w.json, "
		"w.withdrawn_at, w.date, 1, w.start, w.\"end\", w.sequence FROM withdrawn w"
		FILTERS("w", "w.withdrawn_at", "EXISTS (SELECT 1 FROM json_each(w.countries) x WHERE x.value = ?3)")
		") ORDER BY stamp %s, ref %s LIMIT ?10";
	char sql[2048];
	const char *cmp = q->desc ? "<" : ">", *dir = q->desc ? "DESC" : "ASC";
	sqlite3_stmt *st = NULL;
	int rc, n, ret = 0;

	n = snprintf(sql, sizeof(sql), sql_fmt, cmp, cmp, dir, dir);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return hrdex_error_set(HRDEX_E_INTERNAL, "changes query too long");
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_db_fail(c, "listing changes");
	cache_bind_text(st, 1, q->publisher);
	cache_bind_text(st, 2, q->type);
	cache_bind_text(st, 3, q->country);
	cache_bind_text(st, 4, q->lang);
	cache_bind_text(st, 5, q->ref);
	cache_bind_text(st, 6, q->from);
	cache_bind_text(st, 7, q->until);
	cache_bind_text(st, 8, q->after_ref ? q->after_stamp : NULL);
	cache_bind_text(st, 9, q->after_ref);
	sqlite3_bind_int64(st, 10, q->limit > 0 ? q->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hrdex_change_row r = {
			.ref = col(st, 0), .publisher = col(st, 1), .type = col(st, 2), .id = col(st, 3),
			.title = col(st, 4), .lang = col(st, 5), .countries = col(st, 6), .json = col(st, 7),
			.stamp = col(st, 8) ? col(st, 8) : "1970-01-01T00:00:00Z", .date = col(st, 9),
			.deleted = sqlite3_column_int(st, 10), .start = col(st, 11), .end = col(st, 12),
			.sequence = sqlite3_column_int64(st, 13),
		};

		ret = cb(&r, payload);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = cache_db_fail(c, "listing changes");
	sqlite3_finalize(st);
	return ret;
}

int hrdex_cache_earliest(struct hrdex_cache *c, char *out, size_t n)
{
	static const char sql[] = "SELECT min(s) FROM (SELECT min(accepted_at) AS s FROM documents "
				  "UNION ALL SELECT min(withdrawn_at) FROM withdrawn)";
	sqlite3_stmt *st = NULL;
	int ret = 0;

	out[0] = 0;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_db_fail(c, "earliest change");
	if (sqlite3_step(st) == SQLITE_ROW && col(st, 0))
		snprintf(out, n, "%s", col(st, 0));
	else if (sqlite3_errcode(c->db) != SQLITE_DONE && sqlite3_errcode(c->db) != SQLITE_ROW)
		ret = cache_db_fail(c, "earliest change");
	sqlite3_finalize(st);
	return ret;
}

int hrdex_cache_values(struct hrdex_cache *c, const char *what, int (*cb)(const char *v, void *payload),
		       void *payload)
{
	const char *sql = !strcmp(what, "publisher") ? "SELECT DISTINCT publisher FROM documents ORDER BY 1" :
			  !strcmp(what, "type")      ? "SELECT DISTINCT type FROM documents ORDER BY 1" :
			  !strcmp(what, "lang")      ? "SELECT DISTINCT lang FROM documents WHERE lang IS NOT NULL ORDER BY 1" :
			  !strcmp(what, "country")   ? "SELECT DISTINCT country FROM doc_countries ORDER BY 1" :
						       NULL;
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	if (!sql)
		return hrdex_error_set(HRDEX_E_INTERNAL, "no values of '%s'", what);
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_db_fail(c, "listing values");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb(col(st, 0), payload)) != 0)
			break;
	if (!ret && rc != SQLITE_DONE)
		ret = cache_db_fail(c, "listing values");
	sqlite3_finalize(st);
	return ret;
}
