/* test_output.c - query result formats: widths, table, csv quoting, json
 * framing, and ics parsed back (CRLF, unfolding, required properties). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "output.h"

static struct hrdex_query_row row_of(const char *ref, const char *type, const char *date, const char *start,
				     const char *end, const char *title, const char *json)
{
	struct hrdex_query_row r;

	memset(&r, 0, sizeof(r));
	r.ref = ref;
	r.type = type;
	r.publisher = "achpr";
	r.id = strrchr(ref, '/') + 1;
	r.date = date;
	r.start = start;
	r.end = end;
	r.title = title;
	r.json = json;
	r.countries = "[\"KEN\",\"UGA\"]";
	r.themes = "[]";
	return r;
}

static char *render(enum hrdex_format format, int width, const struct hrdex_query_row *rows, size_t n)
{
	struct hrdex_output *o = NULL;
	struct hrdex_output_opts opts = { format, width, 1700000000, NULL };
	struct hrdex_buf b = HRDEX_BUF_INIT;
	size_t i;

	assert_int_equal(hrdex_output_new(&o, &opts), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(hrdex_output_row(o, &b, &rows[i]), 0);
	assert_int_equal(hrdex_output_finish(o, &b), 0);
	hrdex_output_free(o);
	return hrdex_buf_detach(&b);
}

static char *render_fields(enum hrdex_format format, const char *fields, const struct hrdex_query_row *rows,
			   size_t n)
{
	struct hrdex_output *o = NULL;
	struct hrdex_output_opts opts = { format, 0, 1700000000, fields };
	struct hrdex_buf b = HRDEX_BUF_INIT;
	size_t i;

	assert_int_equal(hrdex_output_new(&o, &opts), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(hrdex_output_row(o, &b, &rows[i]), 0);
	assert_int_equal(hrdex_output_finish(o, &b), 0);
	hrdex_output_free(o);
	return hrdex_buf_detach(&b);
}

/* --fields: cache columns and dotted paths; a missing path is empty (null). */
static void test_fields(void **state)
{
	struct hrdex_query_row rows[2];
	struct hrdex_output *o = NULL;
	struct hrdex_output_opts opts = { HRDEX_FORMAT_CSV, 0, 0, "ref,,x" };
	char *out;

	(void)state;
	rows[0] = row_of("a/visit/x", "visit", "2016-01-01", "2016-02-01", "2016-02-03", "Visit",
			 "{\"dates\":{\"start\":\"2016-02-01\"},\"title\":{\"en\":\"Visit\",\"fr\":\"Visite, \\\"x\\\"\"},"
			 "\"n\":3,\"l\":[\"a\",\"b\"],\"o\":[{\"k\":1}]}");
	rows[1] = row_of("a/note/y", "note", "2016-01-02", NULL, NULL, "Note", "{}");
	out = render_fields(HRDEX_FORMAT_CSV, "ref,title.fr,dates.start,countries,n,l,o,l.1,none.x", rows, 2);
	assert_string_equal(out, "ref,title.fr,dates.start,countries,n,l,o,l.1,none.x\r\n"
				 "a/visit/x,\"Visite, \"\"x\"\"\",2016-02-01,KEN;UGA,3,a;b,\"[{\"\"k\"\":1}]\",b,\r\n"
				 "a/note/y,,,KEN;UGA,,,,,\r\n");
	free(out);
	out = render_fields(HRDEX_FORMAT_JSONL, "ref,dates.start,countries,missing", rows, 2);
	assert_string_equal(out, "{\"ref\":\"a/visit/x\",\"dates.start\":\"2016-02-01\",\"countries\":[\"KEN\",\"UGA\"],"
				 "\"missing\":null}\n"
				 "{\"ref\":\"a/note/y\",\"dates.start\":null,\"countries\":[\"KEN\",\"UGA\"],\"missing\":null}\n");
	free(out);
	out = render_fields(HRDEX_FORMAT_TABLE, "ref,dates.start,title", rows, 2);
	assert_string_equal(out, "REF        DATES.START  TITLE\n"
				 "a/visit/x  2016-02-01   Visit\n"
				 "a/note/y                Note\n");
	free(out);
	/* malformed names and formats without columns: usage errors */
	assert_int_equal(hrdex_output_new(&o, &opts), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_USAGE);
	opts.fields = "a..b";
	assert_int_equal(hrdex_output_new(&o, &opts), -1);
	opts.fields = "ref";
	opts.format = HRDEX_FORMAT_ICS;
	assert_int_equal(hrdex_output_new(&o, &opts), -1);
	assert_null(o);
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(hrdex_output_width("abc"), 3);
	assert_int_equal(hrdex_output_width("人权"), 4);
	assert_int_equal(hrdex_output_width("é"), 1);           /* precomposed */
	assert_int_equal(hrdex_output_width("e\xcc\x81"), 1);   /* e + combining acute */
	assert_int_equal(hrdex_output_width("حُقُوق"), 4);     /* harakat take no column */
	assert_int_equal(hrdex_output_width("ＡＢ"), 4);        /* fullwidth */
	assert_int_equal(hrdex_output_width("인권"), 4);
}

static void test_format_parse(void **state)
{
	enum hrdex_format f;

	(void)state;
	assert_int_equal(hrdex_format_parse(&f, "ics"), 0);
	assert_int_equal(f, HRDEX_FORMAT_ICS);
	assert_int_equal(hrdex_format_parse(&f, "xml"), -1);
}

static void test_table_alignment(void **state)
{
	struct hrdex_query_row rows[3];
	char *out;

	(void)state;
	rows[0] = row_of("a/note/x", "note", "2016-01-01", NULL, NULL, "人权理事会", "{}");
	rows[1] = row_of("achpr/note/long", "note", "2016-01-02", NULL, NULL, "Résolution\nline two", "{}");
	rows[2] = row_of("b/note/y", "note", "2016-01-03", NULL, NULL, "زيارة إلى كينيا", "{}");
	out = render(HRDEX_FORMAT_TABLE, 0, rows, 3);
	assert_string_equal(out, "REF              DATE        TITLE\n"
				 "a/note/x         2016-01-01  人权理事会\n"
				 "achpr/note/long  2016-01-02  Résolution\\nline two\n"
				 "b/note/y         2016-01-03  زيارة إلى كينيا\n");
	free(out);
	/* 40 columns: 10 + 12 used, the whole title fits */
	out = render(HRDEX_FORMAT_TABLE, 40, rows, 1);
	assert_string_equal(out, "REF       DATE        TITLE\n"
				 "a/note/x  2016-01-01  人权理事会\n");
	free(out);
	rows[0].title = "人权理事会人权理事会人权理事会";
	out = render(HRDEX_FORMAT_TABLE, 32, rows, 1);   /* 32 - 22 = 10 columns: 4 wide + "…" */
	assert_string_equal(out, "REF       DATE        TITLE\n"
				 "a/note/x  2016-01-01  人权理事…\n");
	assert_int_equal(hrdex_output_width(strrchr(out, ' ') + 1), 9);
	free(out);
	out = render(HRDEX_FORMAT_TABLE, 0, rows, 0);
	assert_string_equal(out, "");
	free(out);
}

/* An author's title cannot drive the terminal: C1 CSI, ESC and a
 * right-to-left override are shown as escapes, not sent raw. */
static void test_table_escapes_controls(void **state)
{
	struct hrdex_query_row r = row_of("a/note/x", "note", "2016-01-01", NULL, NULL,
					  "Report\xc2\x9b" "2J\x1b[8m \xe2\x80\xae" "fdp.exe", "{}");
	char *out;

	(void)state;
	out = render(HRDEX_FORMAT_TABLE, 0, &r, 1);
	assert_string_equal(out, "REF       DATE        TITLE\n"
				 "a/note/x  2016-01-01  Report\\u009b2J\\x1b[8m \\u202efdp.exe\n");
	free(out);
}

/* Cells a spreadsheet would run as formulas get a leading "'" (OWASP). */
static void test_csv_formula_prefix(void **state)
{
	static const char *const titles[] = { "=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx",
					      "\rx", "=a,b" };
	static const char *const cells[] = { "\"'=HYPERLINK(\"\"http://x\"\")\"", "'+1", "'-2+3", "'@SUM(A1)",
					     "'\tx", "\"'\rx\"", "\"'=a,b\"" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		struct hrdex_query_row r = row_of("achpr/note/q", "note", "2016-01-01", NULL, NULL, titles[i], "{}");
		char *out = render(HRDEX_FORMAT_CSV, 0, &r, 1), *want = NULL;

		assert_true(asprintf(&want, "ref,publisher,type,id,date,title,countries,themes\r\n"
					    "achpr/note/q,achpr,note,q,2016-01-01,%s,KEN;UGA,\r\n", cells[i]) > 0);
		assert_string_equal(out, want);
		free(want);
		free(out);
	}
}

static void test_csv_quoting(void **state)
{
	struct hrdex_query_row r = row_of("achpr/note/q", "note", "2016-01-01", NULL, NULL,
					  "Say \"hi\", then\r\nleave", "{}");
	char *out;

	(void)state;
	out = render(HRDEX_FORMAT_CSV, 0, &r, 1);
	assert_string_equal(out, "ref,publisher,type,id,date,title,countries,themes\r\n"
				 "achpr/note/q,achpr,note,q,2016-01-01,\"Say \"\"hi\"\", then\r\nleave\",KEN;UGA,\r\n");
	free(out);
	out = render(HRDEX_FORMAT_CSV, 0, &r, 0);
	assert_string_equal(out, "ref,publisher,type,id,date,title,countries,themes\r\n");
	free(out);
}

static void test_json_framing(void **state)
{
	struct hrdex_query_row r[2];
	char *out;

	(void)state;
	r[0] = row_of("a/note/x", "note", "2016-01-01", NULL, NULL, "x", "{\"id\":\"x\"}");
	r[1] = row_of("a/note/y", "note", "2016-01-01", NULL, NULL, "y", "{\"id\":\"y\"}");
	out = render(HRDEX_FORMAT_JSON, 0, r, 2);
	assert_string_equal(out, "[\n{\"id\":\"x\"},\n{\"id\":\"y\"}\n]\n");
	free(out);
	out = render(HRDEX_FORMAT_JSON, 0, r, 0);
	assert_string_equal(out, "[]\n");
	free(out);
	out = render(HRDEX_FORMAT_JSONL, 0, r, 2);
	assert_string_equal(out, "{\"id\":\"x\"}\n{\"id\":\"y\"}\n");
	free(out);
	out = render(HRDEX_FORMAT_REFS, 0, r, 2);
	assert_string_equal(out, "a/note/x\na/note/y\n");
	free(out);
}

/* ---- ics parsed back ---- */

static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k = s[i] < 0x80 ? 1 : (s[i] & 0xe0) == 0xc0 ? 2 : (s[i] & 0xf0) == 0xe0 ? 3 :
					 (s[i] & 0xf8) == 0xf0 ? 4 : 0;
		size_t j;

		if (!k || i + k > n)
			return 0;
		for (j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

/* Check physical lines (CRLF, <= 75 octets, whole UTF-8), return the
 * unfolded logical lines joined by "\n". */
static char *unfold(const char *ics)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	const char *p = ics;

	assert_non_null(strstr(ics, "\r\n"));
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		size_t n;

		assert_non_null(eol);   /* every line ends with CRLF */
		n = (size_t)(eol - p);
		assert_true(n <= 75);
		assert_null(memchr(p, '\n', n));   /* no bare LF */
		if (*p == ' ') {
			assert_true(utf8_ok((const unsigned char *)p + 1, n - 1));
			hrdex_buf_put(&b, p + 1, n - 1);
		} else {
			assert_true(utf8_ok((const unsigned char *)p, n));
			if (b.len)
				hrdex_buf_putc(&b, '\n');
			hrdex_buf_put(&b, p, n);
		}
		p = eol + 2;
	}
	return hrdex_buf_detach(&b);
}

static void test_ics_parse_back(void **state)
{
	struct hrdex_query_row r[3];
	char *out, *lines;

	(void)state;
	r[0] = row_of("achpr/event/s59", "event", "2016-09-15", "2016-10-21T09:00:00+02:00",
		      "2016-11-04T18:00:00.5-01:30",
		      "59th Ordinary Session; Banjul, The Gambia \\ 人权理事会人权理事会人权理事会人权理事会 "
		      "الدورة العادية التاسعة والخمسون",
		      "{\"location\":{\"fr\":\"Banjul\",\"en\":\"Banjul, Gambia\"},\"summary\":{\"en\":"
		      "\"Line one\\nline two\"},\"url\":\"https://achpr.org/s59\"}");
	r[1] = row_of("achpr/visit/ken", "visit", "2016-07-01", "2016-12-31", "2016-12-31", "Visit", "{}");
	r[2] = row_of("achpr/report/r", "report", "2016-07-01", "2016-07-01", "2016-07-01", "Report", "{}");
	out = render(HRDEX_FORMAT_ICS, 0, r, 3);
	lines = unfold(out);
	assert_true(!strncmp(lines, "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:", 35));
	assert_non_null(strstr(lines, "\nEND:VCALENDAR"));
	assert_string_equal(strstr(lines, "\nEND:VCALENDAR"), "\nEND:VCALENDAR");
	assert_non_null(strstr(lines, "BEGIN:VEVENT\nUID:achpr/event/s59@hrdex\nDTSTAMP:20231114T221320Z\n"
				      "DTSTART:20161021T070000Z\nDTEND:20161104T193000Z\n"));
	assert_non_null(strstr(lines, "\nSUMMARY:59th Ordinary Session\\; Banjul\\, The Gambia \\\\ 人权理事会"));
	assert_non_null(strstr(lines, "\nDESCRIPTION:Line one\\nline two\n"));
	assert_non_null(strstr(lines, "\nLOCATION:Banjul\\, Gambia\n"));
	assert_non_null(strstr(lines, "\nURL:https://achpr.org/s59\nEND:VEVENT"));
	/* all day: exclusive end across a year */
	assert_non_null(strstr(lines, "UID:achpr/visit/ken@hrdex\nDTSTAMP:20231114T221320Z\n"
				      "DTSTART;VALUE=DATE:20161231\nDTEND;VALUE=DATE:20170101\n"
				      "SUMMARY:Visit\nLOCATION:KEN\\, UGA\nEND:VEVENT"));
	assert_null(strstr(lines, "achpr/report/r"));   /* not a calendar entry */
	/* the long summary was folded */
	assert_null(strstr(out, "\r\nSUMMARY:59th Ordinary Session\\; Banjul\\, The Gambia \\\\ 人权理事会人权理事会人权理事会人权理事会"));
	free(lines);
	free(out);
	out = render(HRDEX_FORMAT_ICS, 0, r, 0);
	assert_string_equal(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hrdex//hrdex query//EN\r\n"
				 "CALSCALE:GREGORIAN\r\nEND:VCALENDAR\r\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_table_alignment),
		cmocka_unit_test(test_table_escapes_controls),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_formula_prefix),
		cmocka_unit_test(test_json_framing),
		cmocka_unit_test(test_ics_parse_back),
		cmocka_unit_test(test_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
