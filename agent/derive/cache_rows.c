/*
 * cache_rows.c - the rows of one document: full-text helpers (tokenising, language
 * maps, free text), then deleting and inserting a document's rows (see cache_int.h).
 */
#include "cache_int.h"
#include "buf.h"
#include "utf8.h"
#include "config.h"
#include "doc.h"
#include "doctype.h"
#include "date.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "refs.h"
#include "facts.h"
#include "schema.h"
#include "upgrade.h"

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

/* ---- text helpers ---- */

/* Han ideographs, kana, bopomofo: scripts written without spaces. */
static int is_cjk(unsigned cp)
{
	return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3100 && cp <= 0x312f) ||
	       (cp >= 0x31a0 && cp <= 0x31ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	       (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0x20000 && cp <= 0x3ffff);
}

/* Arabic harakat, Quranic marks and tatweel: dropped so that vocalised and
 * unvocalised spellings match. */
static int is_arabic_mark(unsigned cp)
{
	return (cp >= 0x0610 && cp <= 0x061a) || (cp >= 0x064b && cp <= 0x065f) || cp == 0x0640 ||
	       cp == 0x0670 || (cp >= 0x06d6 && cp <= 0x06dc) || (cp >= 0x06df && cp <= 0x06e8) ||
	       (cp >= 0x06ea && cp <= 0x06ed);
}

int hrdex_cache_fts_text(struct hrdex_buf *out, const char *s, int query)
{
	const unsigned char *p = (const unsigned char *)s;
	int in_string = 0, in_run = 0;
	size_t len;

	if (hrdex_buf_grow(out, 0) < 0)
		return -1;
	while (*p) {
		unsigned cp;

		/* Most text is ASCII outside any CJK run: copy it in one piece. */
		if (*p < 0x80 && !in_run) {
			const unsigned char *q = p;

			while (*q && *q < 0x80 && !(query && *q == '"'))
				q++;
			if (q > p) {
				if (hrdex_buf_put(out, p, (size_t)(q - p)) < 0)
					return -1;
				p = q;
				continue;
			}
		}
		cp = hrdex_utf8_next(p, &len);
		if (is_arabic_mark(cp)) {
			p += len;
			continue;
		}
		if (is_cjk(cp)) {
			if (!in_run) {
				if (out->len && !strchr(" :(\"", out->ptr[out->len - 1]) &&
				    hrdex_buf_putc(out, ' ') < 0)
					return -1;
				if (query && !in_string && hrdex_buf_putc(out, '"') < 0)
					return -1;
				in_run = 1;
			} else if (hrdex_buf_putc(out, ' ') < 0) {
				return -1;
			}
			if (hrdex_buf_put(out, p, len) < 0)
				return -1;
			p += len;
			continue;
		}
		if (in_run) {
			if (query && !in_string && hrdex_buf_putc(out, '"') < 0)
				return -1;
			/* keep a prefix '*' glued to the phrase; else separate */
			if (!(query && *p == '*') && !strchr(" \")", (char)*p) && hrdex_buf_putc(out, ' ') < 0)
				return -1;
			in_run = 0;
		}
		if (query && *p == '"')
			in_string = !in_string;  /* "" inside a string toggles twice: same state */
		if (hrdex_buf_put(out, p, len) < 0)
			return -1;
		p += len;
	}
	if (in_run && query && !in_string && hrdex_buf_putc(out, '"') < 0)
		return -1;
	return 0;
}

/* Append s as a JSON string. */
static int json_string(struct hrdex_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (hrdex_buf_putc(b, '"') < 0)
		return -1;
	for (; *p; p++) {
		int r;

		if (*p == '"' || *p == '\\')
			r = hrdex_buf_putc(b, '\\') < 0 ? -1 : hrdex_buf_putc(b, (char)*p);
		else if (*p < 0x20)
			r = hrdex_buf_printf(b, "\\u%04x", *p);
		else
			r = hrdex_buf_putc(b, (char)*p);
		if (r < 0)
			return -1;
	}
	return hrdex_buf_putc(b, '"');
}

/* Compact JSON from (canonical) JSON text: whitespace outside strings dropped. */
static int json_compact_text(struct hrdex_buf *out, const char *s, size_t n)
{
	size_t i, start = 0;
	int in_string = 0;

	if (hrdex_buf_grow(out, n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = 0;
			continue;
		}
		if (ch == '"') {
			in_string = 1;
		} else if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
			if (hrdex_buf_put(out, s + start, i - start) < 0)
				return -1;
			start = i + 1;
		}
	}
	if (i > n)
		i = n;
	return hrdex_buf_put(out, s + start, i - start);
}

static const char *str_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The default-language entry of a language map: "en" when present, else the
 * first key in code-point (UTF-8 byte) order. */
static const cJSON *langmap_default(const cJSON *map)
{
	const cJSON *e, *best = NULL;

	if (!cJSON_IsObject(map))
		return NULL;
	for (e = map->child; e; e = e->next) {
		if (!cJSON_IsString(e) || !e->string)
			continue;
		if (!strcmp(e->string, "en"))
			return e;
		if (!best || strcmp(e->string, best->string) < 0)
			best = e;
	}
	return best;
}

/* Append every string value of a language map, one per line. */
static int langmap_all(struct hrdex_buf *b, const cJSON *map)
{
	const cJSON *e;

	if (!cJSON_IsObject(map))
		return 0;
	for (e = map->child; e; e = e->next)
		if (cJSON_IsString(e) && (hrdex_buf_puts(b, e->valuestring) < 0 || hrdex_buf_putc(b, '\n') < 0))
			return -1;
	return 0;
}

/* Members that are not free text (identifiers, dates, codes, structure). */
static int structural_key(const char *k)
{
	static const char *const keys[] = {
		"id", "type", "publisher", "title", "summary", "date", "url", "countries", "themes",
		"languages", "links", "attachments", "start", "end", "dates", "country", "status",
		"media_type", "sha256", "bytes", "name", "rel", "ref", "from", "to", "kind", "mandate",
		"report", "groups", "sdg_targets",
		/* version 2: codes and settings; ext is never indexed (issue 17) */
		"schema", "ext", "translations", "time_zone", "sdgs", "regions", "precision", NULL,
	};
	size_t i;

	for (i = 0; keys[i]; i++)
		if (!strcmp(keys[i], k))
			return 1;
	return 0;
}

/* Free text for the FTS body: every string below v except under structural
 * members (so text, description, results, body, follow_up notes, location,
 * addressee...), in document order. */
static int collect_body(struct hrdex_buf *b, const cJSON *v, int depth)
{
	const cJSON *e;

	if (depth > 16)
		return 0;
	if (cJSON_IsString(v))
		return hrdex_buf_puts(b, v->valuestring) < 0 || hrdex_buf_putc(b, '\n') < 0 ? -1 : 0;
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	for (e = v->child; e; e = e->next) {
		if (cJSON_IsObject(v) && e->string && structural_key(e->string))
			continue;
		if (collect_body(b, e, depth + 1) < 0)
			return -1;
	}
	return 0;
}

/* ---- writing rows ---- */

/* The ref of a document path P/T/ID.json into out; 0 for anything else
 * (attachments under ID.files/, stray files).  A type this agent does not
 * know gives "P/T/ID" too: such a document is held (a held row). */
int cache_path_ref(char *out, size_t n, const char *path)
{
	struct hrdex_ref r;
	const char *a = strchr(path, '/'), *b = a ? strchr(a + 1, '/') : NULL;
	size_t len = strlen(path);

	if (hrdex_ref_from_path(&r, path) == 0) {
		hrdex_ref_format(out, n, &r);
		return 1;
	}
	if (!b || strchr(b + 1, '/') || len <= 5 || strcmp(path + len - 5, ".json") || len - 5 >= n)
		return 0;
	snprintf(out, n, "%.*s", (int)(len - 5), path);
	return 1;
}

/* Remove one document and everything hanging off it; no-op when absent. */
int cache_delete_doc(struct hrdex_cache *c, const char *ref)
{
	static const enum stmt side[] = { ST_LINK_DELETE, ST_ADDRESSEE_DELETE, ST_RSTATE_DELETE, ST_BODY_DELETE,
					  ST_GROUP_DELETE, ST_SDG_DELETE };
	sqlite3_stmt *st = c->st[ST_DOC_FIND];
	size_t i;
	int64_t rowid = -1;
	int rc;

	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		rowid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return cache_db_fail(c, "deleting a document");
	sqlite3_bind_text(c->st[ST_HELD_DELETE], 1, ref, -1, SQLITE_STATIC);
	if (cache_step_done(c, c->st[ST_HELD_DELETE]) < 0)
		return -1;
	if (sqlite3_changes(c->db) > 0)
		c->changed++;
	if (rowid < 0)
		return 0;
	c->changed++;
	sqlite3_bind_int64(c->st[ST_DOC_DELETE], 1, rowid);
	if (cache_step_done(c, c->st[ST_DOC_DELETE]) < 0)
		return -1;
	sqlite3_bind_int64(c->st[ST_FTS_DELETE], 1, rowid);
	if (cache_step_done(c, c->st[ST_FTS_DELETE]) < 0)
		return -1;
	sqlite3_bind_text(c->st[ST_COUNTRY_DELETE], 1, ref, -1, SQLITE_STATIC);
	if (cache_step_done(c, c->st[ST_COUNTRY_DELETE]) < 0)
		return -1;
	sqlite3_bind_text(c->st[ST_THEME_DELETE], 1, ref, -1, SQLITE_STATIC);
	if (cache_step_done(c, c->st[ST_THEME_DELETE]) < 0)
		return -1;
	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		sqlite3_bind_text(c->st[side[i]], 1, ref, -1, SQLITE_STATIC);
		if (cache_step_done(c, c->st[side[i]]) < 0)
			return -1;
	}
	return 0;
}

/* Before a document's rows go: a withdrawal (gone) leaves a tombstone
 * stamped with the update's time; a new version clears any tombstone and
 * gets the next sequence number (c->next_sequence). */
int cache_tombstone(struct hrdex_cache *c, const char *ref, int gone)
{
	sqlite3_stmt *st = c->st[ST_SEQ_NEXT];
	int rc;

	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	c->next_sequence = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		c->next_sequence = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW)
		return cache_db_fail(c, "reading a sequence");
	st = c->st[gone ? ST_TOMB_SET : ST_TOMB_CLEAR];
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	if (gone)
		sqlite3_bind_text(st, 2, c->now, -1, SQLITE_STATIC);
	return cache_step_done(c, st);
}

struct values {
	struct hrdex_cache *c;
	struct hrdex_buf *list;   /* the JSON array being built */
	const char **seen;        /* borrowed from the document */
	size_t count, alloc;
	enum stmt side;
	const char *ref;
};

/* Append v to the list and insert it into the side table with ref, unless
 * an earlier field gave it already. */
static int add_value(const char *v, void *payload)
{
	struct values *vals = payload;
	sqlite3_stmt *st = vals->c->st[vals->side];
	size_t i;

	for (i = 0; i < vals->count; i++)
		if (!strcmp(vals->seen[i], v))
			return 0;
	if (vals->count == vals->alloc) {
		size_t n = vals->alloc ? vals->alloc * 2 : 16;
		const char **seen = realloc(vals->seen, n * sizeof(*seen));

		if (!seen)
			return hrdex_error_oom();
		vals->seen = seen;
		vals->alloc = n;
	}
	vals->seen[vals->count++] = v;
	if ((vals->count > 1 && hrdex_buf_putc(vals->list, ',') < 0) || json_string(vals->list, v) < 0)
		return -1;
	sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vals->ref, -1, SQLITE_STATIC);
	return cache_step_done(vals->c, st);
}

/* The facts of a document (facts.h) into their side tables: countries and
 * themes each once and into their JSON arrays too (the documents columns),
 * the others each once per table by INSERT OR IGNORE. */
struct facts {
	struct hrdex_cache *c;
	struct values countries, themes;
	const char *ref;
};

static int add_fact(enum hrdex_fact what, const char *kind, const char *value, void *payload)
{
	struct facts *f = payload;
	sqlite3_stmt *st;

	switch (what) {
	case HRDEX_FACT_COUNTRY: return add_value(value, &f->countries);
	case HRDEX_FACT_THEME: return add_value(value, &f->themes);
	case HRDEX_FACT_ADDRESSEE: st = f->c->st[ST_ADDRESSEE_INSERT]; break;
	case HRDEX_FACT_RECOMMENDING_STATE: st = f->c->st[ST_RSTATE_INSERT]; break;
	case HRDEX_FACT_BODY: st = f->c->st[ST_BODY_INSERT]; break;
	case HRDEX_FACT_GROUP: st = f->c->st[ST_GROUP_INSERT]; break;
	default: st = f->c->st[ST_SDG_INSERT]; break;
	}
	sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, f->ref, -1, SQLITE_STATIC);
	if (kind)
		sqlite3_bind_text(st, 3, kind, -1, SQLITE_TRANSIENT);
	return cache_step_done(f->c, st);
}

/* Fill countries and themes with the JSON arrays of what v2 concerns, each
 * value once, inserting every fact into its side table with ref. */
static int add_facts(struct hrdex_cache *c, struct hrdex_buf *countries, struct hrdex_buf *themes, const cJSON *v2,
		     const char *ref)
{
	struct facts f = { c, { c, countries, NULL, 0, 0, ST_COUNTRY_INSERT, ref },
			   { c, themes, NULL, 0, 0, ST_THEME_INSERT, ref }, ref };
	int ret = -1;

	if (hrdex_buf_putc(countries, '[') == 0 && hrdex_buf_putc(themes, '[') == 0 &&
	    hrdex_facts_each(v2, add_fact, &f) == 0 && hrdex_buf_putc(countries, ']') == 0)
		ret = hrdex_buf_putc(themes, ']');
	free(f.countries.seen);
	free(f.themes.seen);
	return ret;
}

static int add_link(struct hrdex_cache *c, const char *from, const char *rel, const char *to, const char *url)
{
	sqlite3_stmt *st = c->st[ST_LINK_INSERT];

	if (!rel || (!to && !url))
		return 0;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rel, -1, SQLITE_STATIC);
	cache_bind_text(st, 3, to);
	cache_bind_text(st, 4, to ? NULL : url);
	return cache_step_done(c, st);
}


void cache_prep_clear(struct prep *p)
{
	int i;

	free(p->path);
	cJSON_Delete(p->doc);
	cJSON_Delete(p->v2);
	hrdex_buf_free(&p->json);
	for (i = 0; i < 3; i++)
		hrdex_buf_free(&p->fts[i]);
	memset(p, 0, sizeof(*p));
}

int cache_prep_doc(struct prep *p, git_repository *repo)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	git_blob *blob = NULL;
	int ret = -1;

	if (git_blob_lookup(&blob, repo, &p->id) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", p->path);
		goto cleanup;
	}
	p->doc = cJSON_ParseWithLength(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	if (!cJSON_IsObject(p->doc)) {
		cJSON_Delete(p->doc);
		p->doc = NULL;
		ret = 0;
		goto cleanup;
	}
	if (json_compact_text(&p->json, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0)
		goto cleanup;
	p->schema = hrdex_doc_version(p->doc);
	if (hrdex_doc_upgrade(&p->v2, p->doc, NULL) < 0) {
		/* accepted documents upgrade; a repository we did not check
		 * may hold one that does not: its facts as it is */
		if (hrdex_error_kind() != HRDEX_E_INVALID)
			goto cleanup;
		hrdex_error_clear();
		if (!(p->v2 = cJSON_Duplicate(p->doc, 1))) {
			hrdex_error_oom();
			goto cleanup;
		}
	}
	if (langmap_all(&text, cJSON_GetObjectItemCaseSensitive(p->doc, "title")) < 0 ||
	    hrdex_cache_fts_text(&p->fts[0], text.ptr ? text.ptr : "", 0) < 0)
		goto cleanup;
	hrdex_buf_clear(&text);
	if (langmap_all(&text, cJSON_GetObjectItemCaseSensitive(p->doc, "summary")) < 0 ||
	    hrdex_cache_fts_text(&p->fts[1], text.ptr ? text.ptr : "", 0) < 0)
		goto cleanup;
	hrdex_buf_clear(&text);
	if (collect_body(&text, p->doc, 0) < 0 || hrdex_cache_fts_text(&p->fts[2], text.ptr ? text.ptr : "", 0) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&text);
	git_blob_free(blob);
	return ret;
}

static const char *buf_str(const struct hrdex_buf *b)
{
	return b->ptr ? b->ptr : "";
}

/* A held document: one row in held, none elsewhere. */
static int insert_held(struct hrdex_cache *c, struct prep *p)
{
	char publisher[HRDEX_PUBLISHER_MAX + 1];
	const char *slash = strchr(p->ref, '/');

	snprintf(publisher, sizeof(publisher), "%.*s", slash ? (int)(slash - p->ref) : 0, p->ref);
	sqlite3_bind_text(c->st[ST_HELD_INSERT], 1, p->ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->st[ST_HELD_INSERT], 2, publisher, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->st[ST_HELD_INSERT], 3, c->tip, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->st[ST_HELD_INSERT], 4, p->reason, -1, SQLITE_STATIC);
	if (cache_step_done(c, c->st[ST_HELD_INSERT]) < 0)
		return -1;
	hrdex_log_info("cache: '%s' is held: %s", p->ref, p->reason);
	c->changed++;
	return 0;
}

static int insert_doc(struct hrdex_cache *c, struct prep *p)
{
	struct hrdex_buf countries = HRDEX_BUF_INIT, themes = HRDEX_BUF_INIT;
	char publisher[40], type[20], oidhex[GIT_OID_HEXSZ + 1];
	const char *id, *slash, *ref = p->ref;
	struct hrdex_doc_facts facts;
	const cJSON *title, *links, *e, *doc = p->doc;
	sqlite3_stmt *st = c->st[ST_DOC_INSERT];
	int64_t rowid;
	int i, ret = -1;

	if (!doc) {
		/* accepted documents are valid: this is a repository we did not check */
		hrdex_log_warn("cache: '%s' is not a JSON object; not indexed", p->path);
		return 0;
	}
	slash = strchr(ref, '/');
	if (hrdex_fmt(publisher, sizeof(publisher), "%.*s", (int)(slash - ref), ref) < 0)
		goto cleanup;
	id = strchr(slash + 1, '/');
	if (hrdex_fmt(type, sizeof(type), "%.*s", (int)(id - slash - 1), slash + 1) < 0)
		goto cleanup;
	id++;
	git_oid_tostr(oidhex, sizeof(oidhex), &p->id);
	/* side tables first: their values are bound STATIC from doc */
	if (add_facts(c, &countries, &themes, p->v2, ref) < 0)
		goto cleanup;
	hrdex_facts_scalars(&facts, p->v2);
	title = langmap_default(cJSON_GetObjectItemCaseSensitive(doc, "title"));

	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, publisher, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	cache_bind_text(st, 5, str_member(doc, "date"));
	cache_bind_text(st, 6, facts.start);
	cache_bind_text(st, 7, facts.end);
	cache_bind_text(st, 8, title ? title->valuestring : NULL);
	cache_bind_text(st, 9, title ? title->string : NULL);
	sqlite3_bind_text(st, 10, countries.ptr, (int)countries.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, themes.ptr, (int)themes.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, buf_str(&p->json), (int)p->json.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, p->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, oidhex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, c->now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 16, c->next_sequence);
	sqlite3_bind_int(st, 17, p->schema);
	cache_bind_text(st, 18, facts.kind);
	cache_bind_text(st, 19, facts.status);
	cache_bind_text(st, 20, facts.response);
	cache_bind_text(st, 21, facts.date_precision ? facts.date_first : NULL);
	cache_bind_text(st, 22, facts.date_precision ? facts.date_last : NULL);
	sqlite3_bind_int(st, 23, facts.date_precision);
	if (cache_step_done(c, st) < 0)
		goto cleanup;
	rowid = sqlite3_last_insert_rowid(c->db);
	c->changed++;

	st = c->st[ST_FTS_INSERT];
	sqlite3_bind_int64(st, 1, rowid);
	for (i = 0; i < 3; i++)
		sqlite3_bind_text(st, 2 + i, buf_str(&p->fts[i]), (int)p->fts[i].len, SQLITE_STATIC);
	if (cache_step_done(c, st) < 0)
		goto cleanup;

	links = cJSON_GetObjectItemCaseSensitive(doc, "links");
	cJSON_ArrayForEach(e, (cJSON_IsArray(links) ? links : NULL))
		if (add_link(c, ref, str_member(e, "rel"), str_member(e, "ref"), str_member(e, "url")) < 0)
			goto cleanup;
	/* refs outside links: a recommendation's follow-up steps, a visit's report */
	links = cJSON_GetObjectItemCaseSensitive(doc, "follow_up");
	cJSON_ArrayForEach(e, (cJSON_IsArray(links) ? links : NULL))
		if (str_member(e, "ref") && add_link(c, ref, "follow_up", str_member(e, "ref"), NULL) < 0)
			goto cleanup;
	if (str_member(doc, "report") && add_link(c, ref, "report", str_member(doc, "report"), NULL) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	sqlite3_reset(c->st[ST_DOC_INSERT]);
	sqlite3_clear_bindings(c->st[ST_DOC_INSERT]);
	sqlite3_reset(c->st[ST_FTS_INSERT]);
	sqlite3_clear_bindings(c->st[ST_FTS_INSERT]);
	hrdex_buf_free(&themes);
	hrdex_buf_free(&countries);
	return ret;
}

/* Delete every row of publisher p (ref range "p/" .. "p0"). */
int cache_delete_publisher(struct hrdex_cache *c, const char *p)
{
	static const char *const sql[] = {
		("DELETE FROM documents_fts WHERE rowid IN "
		 "(SELECT rowid FROM documents WHERE ref >= ?1 || '/' AND ref < ?1 || '0')"),
		"DELETE FROM doc_countries WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM doc_themes WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM links WHERE from_ref >= ?1 || '/' AND from_ref < ?1 || '0'",
		"DELETE FROM doc_addressees WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM doc_recommending_states WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM doc_bodies WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM doc_groups WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM doc_sdgs WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM documents WHERE ref >= ?1 || '/' AND ref < ?1 || '0'",
		"DELETE FROM held WHERE publisher = ?1",
	};
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(c->db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return cache_db_fail(c, sql[i]);
		sqlite3_bind_text(st, 1, p, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			cache_db_fail(c, sql[i]);
			sqlite3_finalize(st);
			return -1;
		}
		if (!strncmp(sql[i], "DELETE FROM documents ", 22))
			c->changed += sqlite3_changes(c->db);
		sqlite3_finalize(st);
	}
	return 0;
}

int cache_refacts(struct hrdex_cache *c)
{
	static const char *const sql[] = {
		"SELECT ref, json FROM documents",
		"UPDATE documents SET countries = ?2, themes = ?3, start = ?4, \"end\" = ?5, schema = ?6, kind = ?7, "
		"status = ?8, response = ?9, date_first = ?10, date_last = ?11, date_precision = ?12 WHERE ref = ?1",
	};
	struct hrdex_buf countries = HRDEX_BUF_INIT, themes = HRDEX_BUF_INIT;
	sqlite3_stmt *rows = NULL, *up = NULL;
	cJSON *doc = NULL, *v2 = NULL;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(c->db, sql[0], -1, &rows, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, sql[1], -1, &up, NULL) != SQLITE_OK) {
		cache_db_fail(c, "reading the documents again");
		goto cleanup;
	}
	while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(rows, 0);
		const char *json = (const char *)sqlite3_column_text(rows, 1);
		struct hrdex_doc_facts facts;

		doc = json ? cJSON_Parse(json) : NULL;
		if (!cJSON_IsObject(doc)) {
			cJSON_Delete(doc);
			doc = NULL;
			continue;   /* not written by a writer of this cache: left as it is */
		}
		if (hrdex_doc_upgrade(&v2, doc, NULL) < 0) {
			if (hrdex_error_kind() != HRDEX_E_INVALID)
				goto cleanup;
			hrdex_error_clear();
			if (!(v2 = cJSON_Duplicate(doc, 1))) {
				hrdex_error_oom();
				goto cleanup;
			}
		}
		hrdex_buf_clear(&countries);
		hrdex_buf_clear(&themes);
		sqlite3_bind_text(c->st[ST_COUNTRY_DELETE], 1, ref, -1, SQLITE_STATIC);
		if (cache_step_done(c, c->st[ST_COUNTRY_DELETE]) < 0)
			goto cleanup;
		sqlite3_bind_text(c->st[ST_THEME_DELETE], 1, ref, -1, SQLITE_STATIC);
		if (cache_step_done(c, c->st[ST_THEME_DELETE]) < 0 || add_facts(c, &countries, &themes, v2, ref) < 0)
			goto cleanup;
		hrdex_facts_scalars(&facts, v2);
		sqlite3_bind_text(up, 1, ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(up, 2, countries.ptr, (int)countries.len, SQLITE_STATIC);
		sqlite3_bind_text(up, 3, themes.ptr, (int)themes.len, SQLITE_STATIC);
		cache_bind_text(up, 4, facts.start);
		cache_bind_text(up, 5, facts.end);
		sqlite3_bind_int(up, 6, hrdex_doc_version(doc));
		cache_bind_text(up, 7, facts.kind);
		cache_bind_text(up, 8, facts.status);
		cache_bind_text(up, 9, facts.response);
		cache_bind_text(up, 10, facts.date_precision ? facts.date_first : NULL);
		cache_bind_text(up, 11, facts.date_precision ? facts.date_last : NULL);
		sqlite3_bind_int(up, 12, facts.date_precision);
		if (cache_step_done(c, up) < 0)
			goto cleanup;
		cJSON_Delete(v2);
		cJSON_Delete(doc);
		v2 = doc = NULL;
	}
	if (rc != SQLITE_DONE) {
		cache_db_fail(c, "reading the documents again");
		goto cleanup;
	}
	ret = 0;
cleanup:
	cJSON_Delete(v2);
	cJSON_Delete(doc);
	sqlite3_finalize(rows);
	sqlite3_finalize(up);
	hrdex_buf_free(&countries);
	hrdex_buf_free(&themes);
	return ret;
}

int cache_insert_prepared(struct hrdex_cache *c, struct prep *p)
{
	return p->held ? insert_held(c, p) : insert_doc(c, p);
}
