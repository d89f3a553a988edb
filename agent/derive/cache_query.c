/*
 * cache_query.c - query: filters to SQL, rows to the caller (see cache_int.h).
 */
#include "cache_int.h"
#include "config.h"
#include "doc.h"
#include "doctype.h"
#include "date.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "refs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

/* ---- query ---- */

/* The errors FTS5 reports for a query it cannot parse: the user's --text,
 * not the cache, is at fault ("unterminated string" is an unbalanced '"'). */
static int is_fts_error(const char *msg)
{
	return !strncmp(msg, "fts5:", 5) || !strncmp(msg, "no such column", 14) ||
	       !strncmp(msg, "unknown special query", 21) || strstr(msg, "malformed MATCH") != NULL ||
	       !strcmp(msg, "unterminated string");
}

/* The values bound to a query's parameters, in order (borrowed). */
struct binds {
	const char **items;
	size_t count, alloc;
};

static int add_bind(struct binds *b, const char *v)
{
	if (b->count == b->alloc) {
		size_t n = b->alloc ? b->alloc * 2 : 16;
		const char **items = realloc(b->items, n * sizeof(*items));

		if (!items)
			return hrdex_error_oom();
		b->items = items;
		b->alloc = n;
	}
	b->items[b->count++] = v;
	return 0;
}

/* pre "?, ?" and as many ')' as pre opened: one filter, any of its values. */
static int add_filter(struct hrdex_buf *sql, struct binds *b, const struct hrdex_query_list *list, const char *pre)
{
	size_t i;
	const char *p;

	if (!list->count)
		return 0;
	if (hrdex_buf_puts(sql, pre) < 0)
		return -1;
	for (i = 0; i < list->count; i++)
		if (hrdex_buf_puts(sql, i ? ", ?" : "?") < 0 || add_bind(b, list->items[i]) < 0)
			return -1;
	for (p = pre; *p; p++)
		if (*p == '(' && hrdex_buf_putc(sql, ')') < 0)
			return -1;
	return 0;
}

int hrdex_cache_query(struct hrdex_cache *c, const struct hrdex_query *q, hrdex_query_cb cb, void *payload)
{
	struct hrdex_buf sql = HRDEX_BUF_INIT, text = HRDEX_BUF_INIT;
	struct binds binds = { NULL, 0, 0 };
	char until[11], lower[11], years[16][2][11];
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc, ret = -1;

	if (q->sort == HRDEX_SORT_RANK && !q->text)
		return hrdex_error_set(HRDEX_E_USAGE, "sorting by rank needs a --text query");
	if (q->withdrawn && (q->text || q->country.count || q->theme.count || q->links_to.count))
		return hrdex_error_set(HRDEX_E_USAGE, "--withdrawn takes no --country, --theme, --text or --links-to");
	if (q->withdrawn && (q->addressee.count || q->recommending_state.count || q->body.count || q->group.count ||
			     q->sdg.count || q->response.count || q->status.count || q->kind.count || q->year.count))
		return hrdex_error_set(HRDEX_E_USAGE, "--withdrawn takes no --addressee, --recommending-state, --body, "
				       "--group, --sdg, --response, --status, --kind or --year");
	if (q->year.count > sizeof(years) / sizeof(years[0]))
		return hrdex_error_set(HRDEX_E_USAGE, "too many --year values (at most %zu)",
				       sizeof(years) / sizeof(years[0]));
	/* Not reading json spares the large column's overflow pages; "commit"
	 * is stored after json, so reading it would walk them too.  With ref
	 * alone, an index that holds ref (documents_type_start_ref, the primary
	 * key) answers without reading the table at all. */
	if (q->ref_only)
		rc = hrdex_buf_puts(&sql, "SELECT d.ref, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', NULL, NULL, "
					  "'[]', '[]', 0, NULL, NULL, NULL, NULL, NULL, NULL FROM ");
	else
		rc = hrdex_buf_printf(&sql, "SELECT d.ref, d.publisher, d.type, d.id, d.date, d.start, d.\"end\", "
					    "d.title, %s, d.lang, d.countries, d.themes, %s, d.schema, d.kind, d.status, "
					    "d.response, d.date_first, d.date_last FROM ",
				      q->no_json ? "'', NULL" : "d.json, d.\"commit\"", q->no_json ? "0" : "d.sequence");
	if (rc < 0)
		goto cleanup;
	if (q->text) {
		if (hrdex_cache_fts_text(&text, q->text, 1) < 0 ||
		    hrdex_buf_puts(&sql, "documents_fts f JOIN documents d ON d.rowid = f.rowid "
					 "WHERE documents_fts MATCH ?") < 0 || add_bind(&binds, text.ptr) < 0)
			goto cleanup;
	} else if (hrdex_buf_puts(&sql, q->withdrawn ?
				"(SELECT ref, publisher, type, id, date, start, \"end\", title, lang, countries, "
				"'[]' AS themes, json, NULL AS \"commit\", sequence, NULL AS schema, NULL AS kind, "
				"NULL AS status, NULL AS response, NULL AS date_first, NULL AS date_last "
				"FROM withdrawn) d WHERE 1" :
				"documents d WHERE 1") < 0) {
		goto cleanup;
	}
#define FILTER(list, pre)                                                          \
	if (add_filter(&sql, &binds, &(list), pre) < 0)                            \
		goto cleanup;
	FILTER(q->publisher, " AND d.publisher IN (")
	FILTER(q->type, " AND d.type IN (")
	FILTER(q->country, " AND d.ref IN (SELECT ref FROM doc_countries WHERE country IN (")
	FILTER(q->theme, " AND d.ref IN (SELECT ref FROM doc_themes WHERE theme IN (")
	FILTER(q->links_to, " AND d.ref IN (SELECT from_ref FROM links WHERE to_ref IN (")
	FILTER(q->ref, " AND d.ref IN (")
	/* an addressee by what names it (value) or by its kind ("nhri") */
	FILTER(q->addressee, " AND d.ref IN (SELECT ref FROM doc_addressees WHERE kind IN (")
	if (q->addressee.count) {
		sql.len--;   /* reopen the subquery: drop its ')' */
		FILTER(q->addressee, " OR value IN (")
		if (hrdex_buf_putc(&sql, ')') < 0)
			goto cleanup;
	}
	FILTER(q->recommending_state, " AND d.ref IN (SELECT ref FROM doc_recommending_states WHERE country IN (")
	FILTER(q->body, " AND d.ref IN (SELECT ref FROM doc_bodies WHERE body IN (")
	FILTER(q->group, " AND d.ref IN (SELECT ref FROM doc_groups WHERE grp IN (")
	FILTER(q->sdg, " AND d.ref IN (SELECT ref FROM doc_sdgs WHERE sdg IN (")
	FILTER(q->response, " AND d.response IN (")
	FILTER(q->status, " AND d.status IN (")
	FILTER(q->kind, " AND d.kind IN (")
#undef FILTER
	/* a year holds the whole range of a partial date ("2016-Q2"): its
	 * first day is in the year */
	for (i = 0; i < q->year.count; i++) {
		if (hrdex_fmt(years[i][0], sizeof(years[i][0]), "%.4s-01-01", q->year.items[i]) < 0 ||
		    hrdex_fmt(years[i][1], sizeof(years[i][1]), "%.4s-12-31", q->year.items[i]) < 0 ||
		    hrdex_buf_puts(&sql, i ? " OR " : " AND (") < 0 ||
		    hrdex_buf_puts(&sql, "d.date_first BETWEEN ? AND ?") < 0 || add_bind(&binds, years[i][0]) < 0 ||
		    add_bind(&binds, years[i][1]) < 0)
			goto cleanup;
	}
	if (q->year.count && hrdex_buf_putc(&sql, ')') < 0)
		goto cleanup;
	if (q->since && add_bind(&binds, q->since) < 0)
		goto cleanup;
	if (q->since && hrdex_buf_puts(&sql, " AND d.\"end\" >= ?") < 0)
		goto cleanup;
	if (q->since) {
		/* No interval is longer than the longest one (an index gives it):
		 * so start >= since - that, and the start index takes a narrow range. */
		long days;
		int err = 0;
		int64_t span = cache_scalar_int(c, "SELECT CAST(max(julianday(\"end\") - julianday(start)) AS INTEGER) "
					     "FROM documents", &err);

		if (err)
			goto cleanup;
		if (hrdex_date_to_days(&days, q->since) < 0) {
			hrdex_error_set(HRDEX_E_USAGE, "invalid date '%s'", q->since);
			goto cleanup;
		}
		hrdex_date_from_days(lower, days - (span > 0 ? (long)span : 0) - 2, 1);
		if (hrdex_buf_puts(&sql, " AND d.start >= ?") < 0 || add_bind(&binds, lower) < 0)
			goto cleanup;
	}
	if (q->until) {
		long days;

		if (hrdex_date_to_days(&days, q->until) < 0) {
			hrdex_error_set(HRDEX_E_USAGE, "invalid date '%s'", q->until);
			goto cleanup;
		}
		/* start < the next day: a date-time on the last day is in */
		hrdex_date_from_days(until, days + 1, 1);
		if (hrdex_buf_puts(&sql, " AND d.start < ?") < 0 || add_bind(&binds, until) < 0)
			goto cleanup;
	}
	switch (q->sort) {
	case HRDEX_SORT_RANK: rc = hrdex_buf_puts(&sql, " ORDER BY f.rank, d.ref"); break;
	case HRDEX_SORT_DATE_ASC: rc = hrdex_buf_puts(&sql, " ORDER BY d.start, d.ref"); break;
	case HRDEX_SORT_REF: rc = hrdex_buf_puts(&sql, " ORDER BY d.ref"); break;
	default: rc = hrdex_buf_puts(&sql, " ORDER BY d.start DESC, d.ref DESC"); break;
	}
	if (rc < 0)
		goto cleanup;
	if ((q->limit > 0 || q->offset > 0) &&
	    hrdex_buf_printf(&sql, " LIMIT %lld OFFSET %lld", q->limit > 0 ? (long long)q->limit : -1LL,
			     (long long)(q->offset > 0 ? q->offset : 0)) < 0)
		goto cleanup;
	if (sqlite3_prepare_v2(c->db, sql.ptr, -1, &st, NULL) != SQLITE_OK) {
		cache_db_fail(c, "preparing the query");
		goto cleanup;
	}
	for (i = 0; i < binds.count; i++)
		sqlite3_bind_text(st, (int)i + 1, binds.items[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hrdex_query_row row;
		int r;

#define COL(n) ((const char *)sqlite3_column_text(st, n))
		row.ref = COL(0);
		row.publisher = COL(1);
		row.type = COL(2);
		row.id = COL(3);
		row.date = COL(4);
		row.start = COL(5);
		row.end = COL(6);
		row.title = COL(7);
		row.json = COL(8);
		row.commit = COL(9);
		row.lang = COL(10);
		row.countries = COL(11);
		row.themes = COL(12);
		row.sequence = sqlite3_column_int64(st, 13);
		row.withdrawn = q->withdrawn;
		row.schema = COL(14);
		row.kind = COL(15);
		row.status = COL(16);
		row.response = COL(17);
		row.date_first = COL(18);
		row.date_last = COL(19);
#undef COL
		r = cb(&row, payload);
		if (r) {
			ret = r;
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE) {
		const char *msg = sqlite3_errmsg(c->db);

		if (q->text && (rc & 0xff) == SQLITE_ERROR && is_fts_error(msg))
			hrdex_error_set(HRDEX_E_USAGE, "invalid --text query '%s': %s", q->text, msg);
		else
			cache_db_fail(c, "query");
		goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	free(binds.items);
	hrdex_buf_free(&text);
	hrdex_buf_free(&sql);
	return ret;
}

int hrdex_cache_held(struct hrdex_cache *c, hrdex_held_cb cb, void *payload)
{
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	if (sqlite3_prepare_v2(c->db, "SELECT ref, publisher, \"commit\", reason FROM held ORDER BY ref", -1, &st,
			       NULL) != SQLITE_OK)
		return cache_db_fail(c, "reading held documents");
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3), payload);
	if (r == 0 && rc != SQLITE_DONE)
		r = cache_db_fail(c, "reading held documents");
	sqlite3_finalize(st);
	return r;
}
