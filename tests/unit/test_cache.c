/* test_cache.c - the SQLite cache: every filter, FTS in Arabic, Chinese and
 * French, back-references across publishers, incremental updates against a
 * full rebuild, verify, schema versions, the query-to-format chain. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache.h"
#include "error.h"
#include "fs.h"
#include "output.h"
#include "repo_fixture.h"

#define REPORT "ohchr/report/a-hrc-32-20.json"
#define REPORT_JSON                                                                              \
	"{\n  \"countries\": [\n    \"CHE\"\n  ],\n  \"date\": \"2016-04-15\",\n  \"id\": \"a-hrc-32-20\",\n" \
	"  \"kind\": \"thematic\",\n  \"publisher\": \"ohchr\",\n  \"summary\": {\n    \"en\": \"Report of the Secretary-General on "  \
	"cooperation between the United Nations and regional mechanisms\"\n  },\n  \"themes\": [\n"       \
	"    \"regional-arrangements\",\n    \"cooperation\"\n  ],\n  \"title\": {\n"                       \
	"    \"ar\": \"الترتيبات الإقليمية لتعزيز وحماية حقوق الإنسان\",\n"                               \
	"    \"en\": \"Regional arrangements for the promotion and protection of human rights\",\n"       \
	"    \"fr\": \"Arrangements régionaux pour la promotion et la protection des droits de l'homme\",\n" \
	"    \"zh\": \"促进和保护人权的区域安排\"\n  },\n  \"type\": \"report\"\n}\n"

#define WORKSHOP "ohchr/event/workshop-2016.json"
#define WORKSHOP_JSON                                                                                \
	"{\"date\":\"2016-08-01\",\"end\":\"2016-10-05\",\"id\":\"workshop-2016\",\"kind\":\"workshop\",\"links\":[{\"ref\":"     \
	"\"ohchr/report/a-hrc-32-20\",\"rel\":\"implements\"}],\"place\":{\"city\":\"Palais des Nations, Geneva\"}," \
	"\"publisher\":\"ohchr\",\"start\":\"2016-10-04\",\"title\":{\"en\":\"Workshop on regional "        \
	"arrangements; Geneva, 2016\"},\"type\":\"event\",\"url\":\"https://www.ohchr.org/workshop\"}"

#define PRESS "ohchr/note/press-zh.json"
#define PRESS_JSON                                                                                   \
	"{\"date\":\"2016-06-13\",\"id\":\"press-zh\",\"kind\":\"press-release\",\"publisher\":\"ohchr\",\"summary\":{\"zh\":"         \
	"\"会议在日内瓦举行\"},\"title\":{\"zh\":\"人权理事会第三十二届会议\"},\"type\":\"note\"}"

#define RES "achpr/decision/res-345.json"
#define RES_JSON                                                                                     \
	"{\"attachments\":[{\"bytes\":8,\"media_type\":\"application/pdf\",\"name\":\"res.pdf\",\"sha256\":"  \
	"\"e16fa5d9b51928755db85b917f0297babaf22c7a47e97d9212adab56e61ba04e\"}],"                        \
	"\"countries\":[\"KEN\",\"UGA\"],\"date\":\"2016-04-20\",\"states\":[\"UGA\",\"TZA\"],\"id\":\"res-345\",\"kind\":\"resolution\",\"links\":[{\"ref\":" \
	"\"ohchr/report/a-hrc-32-20\",\"rel\":\"cites\"},{\"rel\":\"related\",\"url\":"                   \
	"\"https://achpr.org/\"}],\"publisher\":\"achpr\",\"themes\":[\"human-rights-defenders\"],"        \
	"\"title\":{\"en\":\"Resolution on human rights defenders\",\"fr\":\"Résolution sur les "          \
	"défenseurs des droits de l'homme\"},\"type\":\"decision\"}"

#define VISIT "achpr/visit/kenya-2016.json"
#define VISIT_JSON                                                                                   \
	"{\"country\":\"KEN\",\"date\":\"2016-07-01\",\"dates\":{\"end\":\"2016-09-10\",\"start\":"         \
	"\"2016-09-01\"},\"id\":\"kenya-2016\",\"publisher\":\"achpr\",\"status\":\"completed\",\"title\":{\"ar\":\"زيارة إلى "      \
	"كينيا\",\"fr\":\"Visite au Kenya\"},\"type\":\"visit\"}"

#define REC "achpr/recommendation/rec-1.json"
#define REC_JSON                                                                                     \
	"{\"addressee\":\"HND\",\"date\":\"2017-01-10\",\"follow_up\":[{\"date\":\"2017-06-01\",\"note\":"    \
	"{\"fr\":\"Mise en œuvre partielle\"},\"status\":\"partially-implemented\"}],\"groups\":[\"women\"],\"id\":"          \
	"\"rec-1\",\"links\":[{\"ref\":\"ohchr/report/a-hrc-32-20\",\"rel\":\"follows-up\"}],"             \
	"\"publisher\":\"achpr\",\"text\":{\"ar\":\"ضمان حماية حقوق المدافعين\",\"en\":\"Ensure the "       \
	"protection of defenders\"},\"title\":{\"en\":\"Recommendation on defenders\"},\"type\":"          \
	"\"recommendation\"}"

#define SESSION "achpr/event/session-59.json"
#define SESSION_JSON                                                                                 \
	"{\"date\":\"2016-09-15\",\"end\":\"2016-11-04T18:00:00+00:00\",\"id\":\"session-59\",\"kind\":\"session\","            \
	"\"place\":{\"city\":\"Banjul\",\"country\":\"GMB\"},"                                               \
	"\"publisher\":\"achpr\",\"start\":\"2016-10-21T09:00:00+02:00\",\"summary\":{\"en\":\"Ordinary "   \
	"session, Banjul\"},\"title\":{\"en\":\"59th Ordinary Session of the African Commission on Human "  \
	"and Peoples' Rights, Banjul, The Gambia; public sessions\"},\"type\":\"event\"}"

#define ATTACH "achpr/decision/res-345.files/res.pdf"

struct fx {
	char *dir, *cache_path, *rebuild_path;
	git_repository *repo;
	struct hrdex_cache *cache;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const struct fx_file ohchr[] = {
		{ REPORT, REPORT_JSON }, { WORKSHOP, WORKSHOP_JSON }, { PRESS, PRESS_JSON },
	};
	const struct fx_file achpr[] = {
		{ RES, RES_JSON }, { VISIT, VISIT_JSON }, { REC, REC_JSON }, { SESSION, SESSION_JSON },
		{ ATTACH, "%PDF-1.4" },
	};
	int64_t changed = 0;

	git_libgit2_init();
	f->dir = fx_tempdir();
	assert_non_null(f->dir);
	f->repo = fx_repo_new(f->dir);
	assert_non_null(f->repo);
	f->cache_path = hrdex_path_join(f->dir, "cache.db");
	f->rebuild_path = hrdex_path_join(f->dir, "rebuilt.db");
	assert_int_equal(fx_commit(f->repo, "ohchr", ohchr, 3), 0);
	assert_int_equal(fx_commit(f->repo, "achpr", achpr, 5), 0);
	assert_int_equal(hrdex_cache_open(&f->cache, f->cache_path, 0), 0);
	assert_int_equal(hrdex_cache_update(f->cache, f->repo, &changed), 0);
	assert_int_equal(changed, 7);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	hrdex_cache_close(f->cache);
	git_repository_free(f->repo);
	hrdex_fs_remove_tree(f->dir);
	free(f->rebuild_path);
	free(f->cache_path);
	free(f->dir);
	free(f);
	git_libgit2_shutdown();
	return 0;
}

/* Run q and return the refs, space-separated, in result order. */
static int collect(const struct hrdex_query_row *row, void *payload)
{
	struct hrdex_buf *b = payload;

	if (b->len)
		hrdex_buf_putc(b, ' ');
	hrdex_buf_puts(b, row->ref);
	return 0;
}

static char *run(struct hrdex_cache *c, const struct hrdex_query *q)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	hrdex_buf_grow(&b, 0);
	if (hrdex_cache_query(c, q, collect, &b) != 0) {
		fprintf(stderr, "query failed: %s\n", hrdex_error_message());
		hrdex_buf_free(&b);
		return NULL;
	}
	return hrdex_buf_detach(&b);
}

/* A filter of one value, of none (compound literals live to the end of
 * the enclosing block: the test function). */
#define ONE(s) ((struct hrdex_query_list){ (const char *const[]){ s }, 1 })
#define NONE ((struct hrdex_query_list){ NULL, 0 })

#define EXPECT(q, want)                                      \
	do {                                                 \
		char *got_ = run(f->cache, &(q));            \
		assert_non_null(got_);                       \
		assert_string_equal(got_, want);             \
		free(got_);                                  \
	} while (0)

static void test_filters(void **state)
{
	struct fx *f = *state;
	struct hrdex_query q;

	memset(&q, 0, sizeof(q));
	q.sort = HRDEX_SORT_REF;
	EXPECT(q, "achpr/decision/res-345 achpr/event/session-59 achpr/recommendation/rec-1 "
		  "achpr/visit/kenya-2016 ohchr/event/workshop-2016 ohchr/note/press-zh ohchr/report/a-hrc-32-20");
	q.publisher = ONE("ohchr");
	EXPECT(q, "ohchr/event/workshop-2016 ohchr/note/press-zh ohchr/report/a-hrc-32-20");
	q.publisher = NONE;
	q.type = ONE("event");
	EXPECT(q, "achpr/event/session-59 ohchr/event/workshop-2016");
	q.type = NONE;
	q.country = ONE("KEN");   /* countries, and a visit's country */
	EXPECT(q, "achpr/decision/res-345 achpr/visit/kenya-2016");
	q.country = NONE;
	q.theme = ONE("human-rights-defenders");
	EXPECT(q, "achpr/decision/res-345");
	q.theme = ONE("regional-arrangements");
	EXPECT(q, "ohchr/report/a-hrc-32-20");
	/* every country field: addressee, states, place.country; groups */
	q.theme = ONE("women");
	EXPECT(q, "achpr/recommendation/rec-1");
	q.theme = NONE;
	q.country = ONE("HND");
	EXPECT(q, "achpr/recommendation/rec-1");
	q.country = ONE("TZA");
	EXPECT(q, "achpr/decision/res-345");
	q.country = ONE("GMB");
	EXPECT(q, "achpr/event/session-59");
	/* the same filter again: any of its values; another filter: and */
	q.country = (struct hrdex_query_list){ (const char *const[]){ "HND", "GMB", "TZA" }, 3 };
	EXPECT(q, "achpr/decision/res-345 achpr/event/session-59 achpr/recommendation/rec-1");
	q.type = (struct hrdex_query_list){ (const char *const[]){ "recommendation", "event" }, 2 };
	EXPECT(q, "achpr/event/session-59 achpr/recommendation/rec-1");
	q.type = NONE;
	q.country = NONE;
	q.ref = ONE("achpr/visit/kenya-2016");
	EXPECT(q, "achpr/visit/kenya-2016");
	q.ref = ONE("achpr/visit/nowhere");
	EXPECT(q, "");
	q.ref = NONE;

	/* intervals: the visit runs 09-01..09-10 although dated 07-01 */
	q.since = "2016-09-05";
	q.until = "2016-09-06";
	EXPECT(q, "achpr/visit/kenya-2016");
	/* the workshop ends on 10-05 (in), the session starts 10-21 (out) */
	q.since = "2016-10-05";
	q.until = "2016-10-20";
	EXPECT(q, "ohchr/event/workshop-2016");
	/* 10-21T09:00+02:00 is on the last day: in */
	q.until = "2016-10-21";
	EXPECT(q, "achpr/event/session-59 ohchr/event/workshop-2016");
	q.since = "2016-04-15";
	q.until = "2016-04-20";
	EXPECT(q, "achpr/decision/res-345 ohchr/report/a-hrc-32-20");
	q.since = "2017-01-01";
	q.until = NULL;
	EXPECT(q, "achpr/recommendation/rec-1");
	q.since = NULL;

	/* combined filters */
	q.publisher = ONE("achpr");
	q.type = ONE("decision");
	q.country = ONE("UGA");
	EXPECT(q, "achpr/decision/res-345");
	q.country = ONE("CHE");
	EXPECT(q, "");
}

static void test_sort_limit_offset(void **state)
{
	struct fx *f = *state;
	struct hrdex_query q;

	memset(&q, 0, sizeof(q));
	q.sort = HRDEX_SORT_DATE_ASC;
	q.publisher = ONE("achpr");
	/* on start: res 04-20, visit 09-01, session 10-21, rec 2017 */
	EXPECT(q, "achpr/decision/res-345 achpr/visit/kenya-2016 achpr/event/session-59 "
		  "achpr/recommendation/rec-1");
	q.sort = HRDEX_SORT_DATE_DESC;
	EXPECT(q, "achpr/recommendation/rec-1 achpr/event/session-59 achpr/visit/kenya-2016 "
		  "achpr/decision/res-345");
	q.limit = 2;
	EXPECT(q, "achpr/recommendation/rec-1 achpr/event/session-59");
	q.offset = 2;
	EXPECT(q, "achpr/visit/kenya-2016 achpr/decision/res-345");
	q.limit = 0;
	q.offset = 3;
	EXPECT(q, "achpr/decision/res-345");
	q.offset = 0;
	q.sort = HRDEX_SORT_RANK;   /* needs text */
	assert_null(run(f->cache, &q));
	assert_int_equal(hrdex_error_kind(), HRDEX_E_USAGE);
}

static void test_backrefs_across_publishers(void **state)
{
	struct fx *f = *state;
	struct hrdex_query q;

	memset(&q, 0, sizeof(q));
	q.sort = HRDEX_SORT_REF;
	q.links_to = ONE("ohchr/report/a-hrc-32-20");
	EXPECT(q, "achpr/decision/res-345 achpr/recommendation/rec-1 ohchr/event/workshop-2016");
	q.publisher = ONE("achpr");
	EXPECT(q, "achpr/decision/res-345 achpr/recommendation/rec-1");
	q.publisher = NONE;
	q.links_to = ONE("achpr/decision/res-345");
	EXPECT(q, "");
}

static void test_fts_languages(void **state)
{
	struct fx *f = *state;
	struct hrdex_query q;

	memset(&q, 0, sizeof(q));
	q.sort = HRDEX_SORT_REF;
	q.text = "حقوق";   /* Arabic: a title and a recommendation's text */
	EXPECT(q, "achpr/recommendation/rec-1 ohchr/report/a-hrc-32-20");
	q.text = "كينيا";
	EXPECT(q, "achpr/visit/kenya-2016");
	q.text = "人权";   /* Chinese, two characters inside longer titles */
	EXPECT(q, "ohchr/note/press-zh ohchr/report/a-hrc-32-20");
	q.text = "日内瓦";   /* in a summary */
	EXPECT(q, "ohchr/note/press-zh");
	q.text = "\"区域 安排\"";   /* inside a phrase */
	EXPECT(q, "ohchr/report/a-hrc-32-20");
	q.text = "regionaux";   /* diacritics folded */
	EXPECT(q, "ohchr/report/a-hrc-32-20");
	q.text = "défenseurs OR defenders";
	EXPECT(q, "achpr/decision/res-345 achpr/recommendation/rec-1");
	q.text = "oeuvre OR œuvre";   /* a follow-up note */
	EXPECT(q, "achpr/recommendation/rec-1");
	q.text = "Kenya";   /* a title in French */
	EXPECT(q, "achpr/visit/kenya-2016");
	q.text = "banjul";
	q.type = ONE("event");
	EXPECT(q, "achpr/event/session-59");
	q.type = NONE;
	/* rank: a title hit before a summary-only hit */
	q.text = "regional";
	q.sort = HRDEX_SORT_RANK;
	EXPECT(q, "ohchr/event/workshop-2016 ohchr/report/a-hrc-32-20");
	q.text = "title:secretary";
	EXPECT(q, "");
	q.text = "summary:secretary";
	EXPECT(q, "ohchr/report/a-hrc-32-20");
}

static void test_fts_syntax_error(void **state)
{
	struct fx *f = *state;
	struct hrdex_query q;

	memset(&q, 0, sizeof(q));
	q.text = "foo AND";
	assert_null(run(f->cache, &q));
	assert_int_equal(hrdex_error_kind(), HRDEX_E_USAGE);
	assert_non_null(strstr(hrdex_error_message(), "invalid --text query 'foo AND': "));
	q.text = "nosuchcolumn:foo";
	assert_null(run(f->cache, &q));
	assert_int_equal(hrdex_error_kind(), HRDEX_E_USAGE);
	/* An unbalanced quote is the user's mistake too, not an internal error. */
	q.text = "\"human rights";
	assert_null(run(f->cache, &q));
	assert_int_equal(hrdex_error_kind(), HRDEX_E_USAGE);
	assert_non_null(strstr(hrdex_error_message(), "invalid --text query '\"human rights': "));
}

static void test_fts_text_rewrite(void **state)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	(void)state;
	assert_int_equal(hrdex_cache_fts_text(&b, "人权理事会 2016", 0), 0);
	assert_string_equal(b.ptr, " 人 权 理 事 会 2016" + 1);
	hrdex_buf_clear(&b);
	assert_int_equal(hrdex_cache_fts_text(&b, "title:人权 OR rights", 1), 0);
	assert_string_equal(b.ptr, "title:\"人 权\" OR rights");
	hrdex_buf_clear(&b);
	assert_int_equal(hrdex_cache_fts_text(&b, "\"的人权\" 人权*", 1), 0);
	assert_string_equal(b.ptr, "\"的 人 权\" \"人 权\"*");
	hrdex_buf_clear(&b);
	assert_int_equal(hrdex_cache_fts_text(&b, "حُقُوق", 0), 0);   /* harakat dropped */
	assert_string_equal(b.ptr, "حقوق");
	hrdex_buf_free(&b);
}

/* Row columns beyond the ref: default title language, interval, lists. */
struct seen {
	char title[200], lang[16], start[40], end[40], countries[64], themes[64], commit[48];
};

static int keep_row(const struct hrdex_query_row *row, void *payload)
{
	struct seen *s = payload;

	snprintf(s->title, sizeof(s->title), "%s", row->title ? row->title : "");
	snprintf(s->lang, sizeof(s->lang), "%s", row->lang ? row->lang : "");
	snprintf(s->start, sizeof(s->start), "%s", row->start ? row->start : "");
	snprintf(s->end, sizeof(s->end), "%s", row->end ? row->end : "");
	snprintf(s->countries, sizeof(s->countries), "%s", row->countries);
	snprintf(s->themes, sizeof(s->themes), "%s", row->themes);
	snprintf(s->commit, sizeof(s->commit), "%s", row->commit ? row->commit : "");
	return 0;
}

static void test_row_columns(void **state)
{
	struct fx *f = *state;
	struct hrdex_query q;
	struct seen s;

	memset(&q, 0, sizeof(q));
	q.ref = ONE("achpr/visit/kenya-2016");   /* ar + fr: first in code-point order */
	assert_int_equal(hrdex_cache_query(f->cache, &q, keep_row, &s), 0);
	assert_string_equal(s.lang, "ar");
	assert_string_equal(s.title, "زيارة إلى كينيا");
	assert_string_equal(s.start, "2016-09-01");
	assert_string_equal(s.end, "2016-09-10");
	assert_string_equal(s.countries, "[\"KEN\"]");
	assert_string_equal(s.themes, "[]");
	assert_int_equal(strlen(s.commit), 40);
	q.ref = ONE("ohchr/report/a-hrc-32-20");   /* en when present */
	assert_int_equal(hrdex_cache_query(f->cache, &q, keep_row, &s), 0);
	assert_string_equal(s.lang, "en");
	assert_string_equal(s.start, "2016-04-15");
	assert_string_equal(s.end, "2016-04-15");
	assert_string_equal(s.themes, "[\"regional-arrangements\",\"cooperation\"]");
	q.ref = ONE("ohchr/note/press-zh");
	assert_int_equal(hrdex_cache_query(f->cache, &q, keep_row, &s), 0);
	assert_string_equal(s.lang, "zh");
}

/* The json column is the document, compact; jsonl writes it as is. */
static int check_json(const struct hrdex_query_row *row, void *payload)
{
	cJSON *doc = cJSON_Parse(row->json);

	(void)payload;
	assert_non_null(doc);
	assert_null(strchr(row->json, '\n'));
	assert_string_equal(cJSON_GetObjectItem(doc, "id")->valuestring, row->id);
	cJSON_Delete(doc);
	return 0;
}

/* Query rows through a formatter. */
struct fmt {
	struct hrdex_output *out;
	struct hrdex_buf buf;
};

static int fmt_row(const struct hrdex_query_row *row, void *payload)
{
	struct fmt *m = payload;

	return hrdex_output_row(m->out, &m->buf, row);
}

static char *format_query(struct hrdex_cache *c, const struct hrdex_query *q, enum hrdex_format format)
{
	struct fmt m = { NULL, HRDEX_BUF_INIT };
	struct hrdex_output_opts oo = { format, 0, 1700000000, NULL };

	assert_int_equal(hrdex_output_new(&m.out, &oo), 0);
	assert_int_equal(hrdex_cache_query(c, q, fmt_row, &m), 0);
	assert_int_equal(hrdex_output_finish(m.out, &m.buf), 0);
	hrdex_output_free(m.out);
	return hrdex_buf_detach(&m.buf);
}

static void test_json_column_and_formats(void **state)
{
	struct fx *f = *state;
	struct hrdex_query q;
	char *out;

	memset(&q, 0, sizeof(q));
	assert_int_equal(hrdex_cache_query(f->cache, &q, check_json, NULL), 0);

	q.ref = ONE("ohchr/note/press-zh");
	out = format_query(f->cache, &q, HRDEX_FORMAT_JSONL);
	assert_string_equal(out, PRESS_JSON "\n");
	free(out);
	out = format_query(f->cache, &q, HRDEX_FORMAT_JSON);
	assert_string_equal(out, "[\n" PRESS_JSON "\n]\n");
	free(out);
	out = format_query(f->cache, &q, HRDEX_FORMAT_REFS);
	assert_string_equal(out, "ohchr/note/press-zh\n");
	free(out);
	out = format_query(f->cache, &q, HRDEX_FORMAT_CSV);
	assert_string_equal(out, "ref,publisher,type,id,date,title,countries,themes\r\n"
				 "ohchr/note/press-zh,ohchr,note,press-zh,2016-06-13,人权理事会第三十二届会议,,\r\n");
	free(out);
	out = format_query(f->cache, &q, HRDEX_FORMAT_TABLE);
	assert_string_equal(out, "REF                  DATE        TITLE\n"
				 "ohchr/note/press-zh  2016-06-13  人权理事会第三十二届会议\n");
	free(out);
	q.ref = NONE;
	q.publisher = ONE("ohchr");
	q.type = ONE("report");
	out = format_query(f->cache, &q, HRDEX_FORMAT_CSV);
	assert_non_null(strstr(out, ",CHE,regional-arrangements;cooperation\r\n"));
	free(out);
	/* countries: every country field once, in field order */
	q.publisher = NONE;
	q.type = NONE;
	q.ref = ONE("achpr/decision/res-345");
	out = format_query(f->cache, &q, HRDEX_FORMAT_CSV);
	assert_non_null(strstr(out, ",KEN;UGA;TZA,human-rights-defenders\r\n"));
	free(out);
	q.ref = NONE;
	/* the canonical file, compacted */
	out = format_query(f->cache, &q, HRDEX_FORMAT_JSONL);
	assert_non_null(strstr(out, "{\"countries\":[\"CHE\"],\"date\":\"2016-04-15\",\"id\":"));
	assert_non_null(strstr(out, "\"fr\":\"Arrangements régionaux pour la promotion et la protection "
				    "des droits de l'homme\""));
	free(out);
}

/* ics from the cache: both events and the visit, nothing else. */
static void test_ics_from_cache(void **state)
{
	struct fx *f = *state;
	struct hrdex_query q;
	char *out, *unfolded, *p, *w;

	memset(&q, 0, sizeof(q));
	q.sort = HRDEX_SORT_REF;
	out = format_query(f->cache, &q, HRDEX_FORMAT_ICS);
	unfolded = strdup(out);
	for (p = w = unfolded; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			p += 2;
			continue;
		}
		*w++ = *p;
	}
	*w = '\0';
	assert_non_null(strstr(unfolded, "UID:achpr/event/session-59@hrdex\r\n"));
	assert_non_null(strstr(unfolded, "DTSTART:20161021T070000Z\r\nDTEND:20161104T180000Z\r\n"));
	assert_non_null(strstr(unfolded, "UID:achpr/visit/kenya-2016@hrdex\r\n"));
	assert_non_null(strstr(unfolded, "DTSTART;VALUE=DATE:20160901\r\nDTEND;VALUE=DATE:20160911\r\n"));
	assert_non_null(strstr(unfolded, "LOCATION:KEN\r\n"));
	assert_non_null(strstr(unfolded, "UID:ohchr/event/workshop-2016@hrdex\r\n"));
	assert_non_null(strstr(unfolded, "DTSTART;VALUE=DATE:20161004\r\nDTEND;VALUE=DATE:20161006\r\n"));
	assert_non_null(strstr(unfolded, "SUMMARY:Workshop on regional arrangements\\; Geneva\\, 2016\r\n"));
	assert_non_null(strstr(unfolded, "LOCATION:Palais des Nations\\, Geneva\r\n"));
	assert_non_null(strstr(unfolded, "URL:https://www.ohchr.org/workshop\r\n"));
	assert_null(strstr(unfolded, "a-hrc-32-20"));
	assert_null(strstr(unfolded, "res-345"));
	free(unfolded);
	free(out);
}

/* ---- incremental updates against a rebuild ---- */

static char *dump(struct hrdex_cache *c)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	assert_int_equal(hrdex_cache_dump(c, &b), 0);
	return hrdex_buf_detach(&b);
}

/* Update the test's cache, rebuild another from scratch, compare dumps. */
static void check_same_as_rebuild(struct fx *f)
{
	struct hrdex_cache *r = NULL;
	char *a, *b;

	assert_int_equal(hrdex_cache_update(f->cache, f->repo, NULL), 0);
	assert_int_equal(hrdex_cache_rebuild(f->rebuild_path, f->repo), 0);
	assert_int_equal(hrdex_cache_open(&r, f->rebuild_path, 1), 0);
	a = dump(f->cache);
	b = dump(r);
	if (strcmp(a, b))
		fprintf(stderr, "incremental:\n%s\nrebuild:\n%s\n", a, b);
	assert_string_equal(a, b);
	free(a);
	free(b);
	hrdex_cache_close(r);
}

static void test_incremental_matches_rebuild(void **state)
{
	struct fx *f = *state;
	const struct fx_file add[] = {
		{ "ohchr/practice/p1.json", "{\"date\":\"2018-01-01\",\"description\":{\"en\":\"Hotline for "
					    "defenders\"},\"id\":\"p1\",\"publisher\":\"ohchr\",\"title\":{\"en\":"
					    "\"Practice one\"},\"type\":\"practice\"}" },
	};
	const struct fx_file change[] = {
		{ RES, "{\"countries\":[\"RWA\"],\"date\":\"2016-04-21\",\"id\":\"res-345\",\"kind\":\"resolution\",\"links\":[{\"ref\":"
		       "\"ohchr/practice/p1\",\"rel\":\"cites\"}],\"publisher\":\"achpr\",\"themes\":[\"torture\"],"
		       "\"title\":{\"en\":\"Resolution on torture\"},\"type\":\"decision\"}" },
		{ ATTACH, NULL },
	};
	const struct fx_file withdraw[] = { { VISIT, NULL } };
	/* an attachment alone comes back: the document, which lists none, is
	 * checked again (held), as a rebuild finds it */
	const struct fx_file attach_only[] = { { ATTACH, "%PDF-1.4" } };
	const struct fx_file there[] = { { PRESS, "{\"date\":\"2016-06-14\",\"id\":\"press-zh\",\"kind\":\"other\",\"publisher\":"
						 "\"ohchr\",\"title\":{\"zh\":\"临时\"},\"type\":\"note\"}" } };
	const struct fx_file back[] = { { PRESS, PRESS_JSON } };
	const struct fx_file rewrite[] = { { "achpr/note/fresh.json", "{\"date\":\"2020-02-02\",\"id\":\"fresh\",\"kind\":\"other\","
						"\"publisher\":\"achpr\",\"title\":{\"en\":\"A new start\"},"
						"\"type\":\"note\"}" } };
	struct hrdex_query q;
	git_oid oid;
	git_reference *ref = NULL;

	check_same_as_rebuild(f);
	assert_int_equal(fx_commit(f->repo, "ohchr", add, 1), 0);   /* publish */
	check_same_as_rebuild(f);
	assert_int_equal(fx_commit(f->repo, "achpr", change, 2), 0);   /* change */
	check_same_as_rebuild(f);
	memset(&q, 0, sizeof(q));
	q.country = ONE("KEN");
	EXPECT(q, "achpr/visit/kenya-2016");
	q.country = NONE;
	q.links_to = ONE("ohchr/practice/p1");
	EXPECT(q, "achpr/decision/res-345");
	q.links_to = NONE;
	assert_int_equal(fx_commit(f->repo, "achpr", withdraw, 1), 0);   /* withdraw */
	check_same_as_rebuild(f);
	assert_int_equal(fx_commit(f->repo, "achpr", attach_only, 1), 0);
	check_same_as_rebuild(f);
	q.ref = ONE("achpr/decision/res-345");
	EXPECT(q, "");
	q.ref = NONE;
	q.ref = ONE("achpr/visit/kenya-2016");
	EXPECT(q, "");
	q.ref = NONE;
	/* a change and its revert in one batch: same row, newest commit */
	assert_int_equal(fx_commit(f->repo, "ohchr", there, 1), 0);
	assert_int_equal(fx_commit(f->repo, "ohchr", back, 1), 0);
	check_same_as_rebuild(f);
	/* history rewrite: the indexed commit is no ancestor of the new tip */
	assert_int_equal(fx_commit_ex(&oid, f->repo, "achpr", rewrite, 1, 1), 0);
	check_same_as_rebuild(f);
	q.publisher = ONE("achpr");
	q.sort = HRDEX_SORT_REF;
	EXPECT(q, "achpr/note/fresh");
	/* a branch gone: its rows go */
	assert_int_equal(git_reference_lookup(&ref, f->repo, "refs/heads/achpr"), 0);
	assert_int_equal(git_reference_delete(ref), 0);
	git_reference_free(ref);
	check_same_as_rebuild(f);
	EXPECT(q, "");
	/* nothing changed: nothing written */
	{
		int64_t changed = -1;

		assert_int_equal(hrdex_cache_update(f->cache, f->repo, &changed), 0);
		assert_int_equal(changed, 0);
	}
}

/* ---- changes: accepted_at, sequence, tombstones (hrdex serve) ---- */

struct changes {
	char text[2048];
	size_t len;
};

static int keep_change(const struct hrdex_change_row *r, void *payload)
{
	struct changes *ch = payload;
	int n = snprintf(ch->text + ch->len, sizeof(ch->text) - ch->len, "%s%s:%lld%s", ch->len ? " " : "",
			 r->ref, (long long)r->sequence, r->deleted ? ":deleted" : "");

	assert_true(n > 0 && (size_t)n < sizeof(ch->text) - ch->len);
	assert_int_equal(strlen(r->stamp), 20);
	ch->len += (size_t)n;
	return 0;
}

static const char *changes(struct hrdex_cache *c, const char *publisher, struct changes *ch)
{
	struct hrdex_changes_query q = { .publisher = publisher };

	memset(ch, 0, sizeof(*ch));
	assert_int_equal(hrdex_cache_changes(c, &q, keep_change, ch), 0);
	return ch->text;
}

static void test_changes_and_tombstones(void **state)
{
	struct fx *f = *state;
	const struct fx_file change[] = {
		{ RES, "{\"countries\":[\"RWA\"],\"date\":\"2016-04-21\",\"id\":\"res-345\",\"kind\":"
		       "\"resolution\",\"publisher\":\"achpr\",\"title\":{\"en\":\"Resolution on torture\"},"
		       "\"type\":\"decision\"}" },
		{ ATTACH, NULL }, /* the new version lists no attachment */
	};
	const struct fx_file withdraw[] = { { VISIT, NULL } };
	const struct fx_file again[] = { { RES, RES_JSON }, { ATTACH, "%PDF-1.4" } };
	struct hrdex_query q;
	struct changes ch;
	int64_t changed = 0;

	/* one stamp for one update: ordered by ref within it */
	assert_string_equal(changes(f->cache, "ohchr", &ch),
			    "ohchr/event/workshop-2016:0 ohchr/note/press-zh:0 ohchr/report/a-hrc-32-20:0");
	assert_int_equal(fx_commit(f->repo, "achpr", change, 2), 0);
	assert_int_equal(hrdex_cache_update(f->cache, f->repo, &changed), 0);
	assert_int_equal(fx_commit(f->repo, "achpr", withdraw, 1), 0);
	assert_int_equal(hrdex_cache_update(f->cache, f->repo, &changed), 0);
	/* the visit is a tombstone, the changed resolution's sequence grew */
	changes(f->cache, "achpr", &ch);
	assert_non_null(strstr(ch.text, "achpr/decision/res-345:1"));
	assert_non_null(strstr(ch.text, "achpr/visit/kenya-2016:1:deleted"));
	{
		struct hrdex_changes_query wq = { .ref = "achpr/visit/kenya-2016" };

		memset(&ch, 0, sizeof(ch));
		assert_int_equal(hrdex_cache_changes(f->cache, &wq, keep_change, &ch), 0);
		assert_string_equal(ch.text, "achpr/visit/kenya-2016:1:deleted");
	}
	/* published again: no tombstone any more */
	assert_int_equal(fx_commit(f->repo, "achpr", again, 2), 0);
	assert_int_equal(hrdex_cache_update(f->cache, f->repo, &changed), 0);
	changes(f->cache, "achpr", &ch);
	assert_non_null(strstr(ch.text, "achpr/decision/res-345:2"));
	/* query --withdrawn */
	memset(&q, 0, sizeof(q));
	q.withdrawn = 1;
	EXPECT(q, "achpr/visit/kenya-2016");
	q.country = ONE("KEN");
	assert_int_equal(hrdex_cache_query(f->cache, &q, collect, NULL), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_USAGE);
}

/* A non-publisher branch and main are not indexed. */
static void test_ignores_other_branches(void **state)
{
	struct fx *f = *state;
	const struct fx_file other[] = { { "main/note/x.json", "{}" } };
	size_t behind = 9;

	assert_int_equal(fx_commit(f->repo, "main", other, 1), 0);
	assert_int_equal(fx_commit(f->repo, "Bad_Name", other, 1), 0);
	assert_int_equal(fx_commit(f->repo, "zzz/nested", other, 1), 0);   /* skipped last */
	assert_int_equal(hrdex_cache_lag(f->cache, f->repo, &behind, NULL), 0);
	assert_int_equal(behind, 0);
	behind = 9;
	assert_int_equal(hrdex_cache_lag_files(f->cache, git_repository_path(f->repo), &behind, NULL), 0);
	assert_int_equal(behind, 0);
	check_same_as_rebuild(f);
}

/* ---- verify ---- */

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int has_problem(const struct hrdex_problems *p, const char *pointer, const char *keyword)
{
	size_t i;

	for (i = 0; i < p->count; i++)
		if (!strcmp(p->items[i].pointer, pointer) && !strcmp(p->items[i].keyword, keyword))
			return 1;
	return 0;
}

static void test_verify(void **state)
{
	struct fx *f = *state;
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	const struct fx_file add[] = { { "ohchr/note/later.json", "{\"date\":\"2019-01-01\",\"id\":\"later\","
					     "\"publisher\":\"ohchr\",\"title\":{\"en\":\"Later\"},"
					     "\"type\":\"note\"}" } };
	size_t behind = 0;
	char *first = NULL;

	assert_int_equal(hrdex_cache_verify(f->cache, f->repo, &p), 0);
	assert_int_equal(p.count, 0);

	raw_exec(f->cache_path, "DELETE FROM documents WHERE ref = 'achpr/visit/kenya-2016';"
				"UPDATE documents SET blob = '0000000000000000000000000000000000000000' "
				"WHERE ref = 'achpr/decision/res-345';"
				"INSERT INTO documents(ref, publisher, type, id, json, \"commit\", path, blob) "
				"VALUES('ohchr/note/ghost', 'ohchr', 'note', 'ghost', '{}', 'x', "
				"'ohchr/note/ghost.json', 'x');");
	assert_int_equal(hrdex_cache_verify(f->cache, f->repo, &p), 0);
	assert_true(has_problem(&p, "achpr/visit/kenya-2016", "missing"));
	assert_true(has_problem(&p, "achpr/decision/res-345", "stale"));
	assert_true(has_problem(&p, "ohchr/note/ghost", "extra"));
	assert_true(has_problem(&p, "", "stale"));   /* the FTS index no longer matches */
	assert_int_equal(p.count, 4);
	hrdex_problems_free(&p);

	/* behind: one problem for the branch, not one per document */
	assert_int_equal(hrdex_cache_rebuild(f->cache_path, f->repo), 0);
	hrdex_cache_close(f->cache);
	assert_int_equal(hrdex_cache_open(&f->cache, f->cache_path, 0), 0);
	assert_int_equal(fx_commit(f->repo, "ohchr", add, 1), 0);
	assert_int_equal(hrdex_cache_lag(f->cache, f->repo, &behind, &first), 0);
	assert_int_equal(behind, 1);
	assert_string_equal(first, "ohchr");
	free(first);
	/* query's way, from the ref files, loose and then packed */
	{
		git_refdb *refdb = NULL;
		int k;

		for (k = 0; k < 2; k++) {
			behind = 0;
			first = NULL;
			assert_int_equal(hrdex_cache_lag_files(f->cache, git_repository_path(f->repo), &behind,
							       &first), 0);
			assert_int_equal(behind, 1);
			assert_string_equal(first, "ohchr");
			free(first);
			assert_int_equal(git_repository_refdb(&refdb, f->repo), 0);
			assert_int_equal(git_refdb_compress(refdb), 0);   /* git pack-refs */
			git_refdb_free(refdb);
		}
	}
	assert_int_equal(hrdex_cache_verify(f->cache, f->repo, &p), 0);
	assert_int_equal(p.count, 1);
	assert_true(has_problem(&p, "ohchr", "behind"));
	hrdex_problems_free(&p);
	assert_int_equal(hrdex_cache_update(f->cache, f->repo, NULL), 0);
	assert_int_equal(hrdex_cache_verify(f->cache, f->repo, &p), 0);
	assert_int_equal(p.count, 0);
	hrdex_problems_free(&p);
}

/* ---- schema version, read-only opens, rebuild beside readers ---- */

static void test_schema_version(void **state)
{
	struct fx *f = *state;
	struct hrdex_cache *c = NULL;
	struct hrdex_cache_stats st;

	hrdex_cache_close(f->cache);
	f->cache = NULL;
	raw_exec(f->cache_path, "PRAGMA user_version = 99");
	assert_int_equal(hrdex_cache_open(&c, f->cache_path, 1), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_BUSY);
	assert_int_equal(hrdex_cache_open(&f->cache, f->cache_path, 0), 0);   /* starts again */
	assert_int_equal(hrdex_cache_stats(f->cache, &st), 0);
	assert_int_equal(st.documents, 0);
	assert_int_equal(st.publishers, 0);
	check_same_as_rebuild(f);
	assert_int_equal(hrdex_cache_stats(f->cache, &st), 0);
	assert_int_equal(st.documents, 7);
	assert_int_equal(st.publishers, 2);
	assert_int_equal(st.links, 4);
}

static void test_readonly(void **state)
{
	struct fx *f = *state;
	struct hrdex_cache *c = NULL;
	char *missing = hrdex_path_join(f->dir, "nothing.db");

	assert_int_equal(hrdex_cache_open(&c, missing, 1), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_NOTFOUND);
	assert_false(hrdex_fs_exists(missing));
	free(missing);
	assert_int_equal(hrdex_cache_open(&c, f->cache_path, 1), 0);
	assert_int_equal(hrdex_cache_update(c, f->repo, NULL), -1);
	hrdex_cache_close(c);
}

static int has_index(const char *path, const char *name)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int found;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

/* A cache of the same version built before documents_type_start_ref gets
 * it from the next writer; the answers are the same with or without it. */
static void test_writer_adds_type_start_ref(void **state)
{
	struct fx *f = *state;
	struct hrdex_query q;
	char *with, *without;

	memset(&q, 0, sizeof(q));
	q.type = ONE("visit");
	q.country = ONE("KEN");
	assert_true(has_index(f->cache_path, "documents_type_start_ref"));
	with = run(f->cache, &q);
	hrdex_cache_close(f->cache);
	f->cache = NULL;
	raw_exec(f->cache_path, "DROP INDEX documents_type_start_ref");
	assert_int_equal(hrdex_cache_open(&f->cache, f->cache_path, 1), 0);
	assert_false(has_index(f->cache_path, "documents_type_start_ref"));
	without = run(f->cache, &q);
	assert_string_equal(with, without);
	assert_true(strstr(with, "achpr/visit/kenya-2016") != NULL);
	q.ref_only = 1;   /* --format refs reads ref alone, from the index */
	free(without);
	without = run(f->cache, &q);
	assert_string_equal(with, without);
	hrdex_cache_close(f->cache);
	assert_int_equal(hrdex_cache_open(&f->cache, f->cache_path, 0), 0);
	assert_true(has_index(f->cache_path, "documents_type_start_ref"));
	free(with);
	free(without);
}

static void test_rebuild_replaces_with_reader_open(void **state)
{
	struct fx *f = *state;
	struct hrdex_cache *reader = NULL, *fresh = NULL;
	struct hrdex_query q;
	char side[4200];
	char *a, *b;

	/* a reader holds the old file while reindex replaces it */
	assert_int_equal(hrdex_cache_open(&reader, f->cache_path, 1), 0);
	memset(&q, 0, sizeof(q));
	q.ref = ONE("ohchr/note/press-zh");
	{
		char *got = run(reader, &q);

		assert_string_equal(got, "ohchr/note/press-zh");
		free(got);
	}
	a = dump(f->cache);
	hrdex_cache_close(f->cache);
	f->cache = NULL;
	assert_int_equal(hrdex_cache_rebuild(f->cache_path, f->repo), 0);
	snprintf(side, sizeof(side), "%s.new", f->cache_path);
	assert_false(hrdex_fs_exists(side));
	snprintf(side, sizeof(side), "%s.new-wal", f->cache_path);
	assert_false(hrdex_fs_exists(side));
	assert_int_equal(hrdex_cache_open(&fresh, f->cache_path, 1), 0);
	b = dump(fresh);
	assert_string_equal(a, b);
	free(a);
	free(b);
	hrdex_cache_close(fresh);
	hrdex_cache_close(reader);
	assert_int_equal(hrdex_cache_open(&f->cache, f->cache_path, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_limit_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backrefs_across_publishers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fts_languages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fts_syntax_error, setup, teardown),
		cmocka_unit_test(test_fts_text_rewrite),
		cmocka_unit_test_setup_teardown(test_row_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_column_and_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ics_from_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental_matches_rebuild, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignores_other_branches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_and_tombstones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_adds_type_start_ref, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_replaces_with_reader_open, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
