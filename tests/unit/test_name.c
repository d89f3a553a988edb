/* test_name.c - safe attachment names (doc/name.c) and the document rules
 * no schema states (doc/semantic.c), each refused class with its message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "name.h"
#include "problem.h"
#include "semantic.h"

static const char *why(const char *name)
{
	return hrdex_name_safe(name, strlen(name));
}

static void test_real_names(void **state)
{
	(void)state;
	assert_null(why("Informe anual 2026 (ES).pdf"));
	assert_null(why("\xd9\x82\xd8\xb1\xd8\xa7\xd8\xb1.pdf"));           /* قرار.pdf */
	assert_null(why("A_HRC_32_20-en.pdf"));
	assert_null(why("Rapport d'activit\xc3\xa9, 2016 & annexes +1.docx"));
	assert_null(why("\xe4\xba\xba\xe6\x9d\x83.pdf"));                   /* 人权.pdf */
	assert_null(why("\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85.pdf")); /* ZWNJ in Persian */
	assert_null(why("draft~2.pdf"));
	assert_null(why("CONTENTS.pdf"));
	assert_null(why("git"));
}

static void expect(const char *name, size_t len, const char *words)
{
	const char *w = hrdex_name_safe(name, len);

	if (!w || !strstr(w, words))
		fail_msg("'%s': expected '%s', got '%s'", name, words, w ? w : "(safe)");
}

#define EXPECT(name, words) expect(name, strlen(name), words)

static void test_refused_classes(void **state)
{
	char longname[300];

	(void)state;
	expect("", 0, "empty name");
	EXPECT("a\tb.pdf", "control character");
	EXPECT("a\x7f.pdf", "control character");
	EXPECT("a\xc2\x85.pdf", "control character");                  /* C1 NEL */
	EXPECT("a\xe2\x80\xa8.pdf", "control character");              /* U+2028 */
	EXPECT("\xe2\x80\xae" "fdp.exe", "bidirectional control");        /* U+202E */
	EXPECT("a\xe2\x81\xa6.pdf", "bidirectional control");          /* U+2066 */
	EXPECT("a\xd8\x9c.pdf", "bidirectional control");              /* U+061C */
	EXPECT("a\xe2\x80\x8b.pdf", "invisible format character");     /* U+200B */
	EXPECT("a\xef\xbb\xbf.pdf", "invisible format character");     /* BOM */
	EXPECT("a/b.pdf", "path separator");
	EXPECT("a\\b.pdf", "path separator");
	EXPECT("a<b.pdf", "character Windows refuses");
	EXPECT("a>b.pdf", "character Windows refuses");
	EXPECT("a:b.pdf", "character Windows refuses");
	EXPECT("a\"b.pdf", "character Windows refuses");
	EXPECT("a|b.pdf", "character Windows refuses");
	EXPECT("a?b.pdf", "character Windows refuses");
	EXPECT("a*b.pdf", "character Windows refuses");
	EXPECT(".hidden.pdf", "hidden name");
	EXPECT(".", "hidden name");
	EXPECT("..", "hidden name");
	EXPECT("report.pdf.", "trailing");
	EXPECT("report.pdf ", "trailing");
	EXPECT(".git", "'.git'");
	EXPECT(".GIT", "'.git'");
	EXPECT(".git.", "'.git'");
	EXPECT(".git. .", "'.git'");
	EXPECT(".g\xe2\x80\x8cit", "'.git'");                          /* ZWNJ inside */
	EXPECT("git~1", "NTFS short name");
	EXPECT("GIT~1", "NTFS short name");
	EXPECT("git~1.", "NTFS short name");
	EXPECT(".git::$INDEX_ALLOCATION", "character Windows refuses");
	EXPECT("CON", "Windows device name");
	EXPECT("con.pdf", "Windows device name");
	EXPECT("NUL.tar.gz", "Windows device name");
	EXPECT("Com1.txt", "Windows device name");
	EXPECT("LPT9", "Windows device name");
	EXPECT("COM\xc2\xb9.pdf", "Windows device name");
	EXPECT("AUX .pdf", "Windows device name");
	EXPECT("\xff.pdf", "invalid UTF-8");
	EXPECT("\xc0\xae.pdf", "invalid UTF-8");                      /* overlong '.' */
	EXPECT("\xed\xa0\x80.pdf", "invalid UTF-8");                  /* surrogate */
	expect("a\0b", 3, "control character");
	memset(longname, 'a', 256);
	longname[256] = '\0';
	EXPECT(longname, "longer than 255 bytes");
	longname[255] = '\0';
	assert_null(why(longname));
}

static void test_clash(void **state)
{
	const char *nfc = "r\xc3\xa9sum\xc3\xa9.pdf", *nfd = "re\xcc\x81sume\xcc\x81.pdf";
	const char *names[4];
	size_t lens[4], a, b, i;

	(void)state;
	names[0] = "a.pdf";
	names[1] = nfc;
	names[2] = "b.pdf";
	names[3] = nfd;
	for (i = 0; i < 4; i++)
		lens[i] = strlen(names[i]);
	assert_int_equal(hrdex_names_clash(names, lens, 4, &a, &b), 1);
	assert_int_equal(a, 1);
	assert_int_equal(b, 3);
	names[3] = "A.PDF";
	lens[3] = 5;
	assert_int_equal(hrdex_names_clash(names, lens, 4, &a, &b), 1);
	assert_int_equal(a, 0);
	assert_int_equal(b, 3);
	names[3] = "\xc3\x89t\xc3\xa9.pdf";          /* Été.pdf vs été.pdf */
	names[2] = "\xc3\xa9t\xc3\xa9.pdf";
	lens[2] = lens[3] = strlen(names[3]);
	assert_int_equal(hrdex_names_clash(names, lens, 4, &a, &b), 1);
	assert_int_equal(a, 2);
	names[3] = "Stra\xc3\x9f" "e.pdf";           /* Straße.pdf vs STRASSE.pdf: full folding */
	names[2] = "STRASSE.pdf";
	lens[2] = strlen(names[2]);
	lens[3] = strlen(names[3]);
	assert_int_equal(hrdex_names_clash(names, lens, 4, &a, &b), 1);
	names[3] = "z.pdf";
	lens[3] = 5;
	assert_int_equal(hrdex_names_clash(names, lens, 4, &a, &b), 0);
}

static void test_langtags(void **state)
{
	static const char *const good[] = { "en", "fr", "zh-Hant", "zh-Hant-TW", "es-419", "sr-Latn-RS",
					    "de-CH-1996", "sl-rozaj-biske", "en-US-u-ca-gregory", "en-x-legal",
					    "zh-yue-HK", "i-klingon", "x-private", NULL };
	static const char *const bad[] = { "", "e", "en-", "en--US", "en-US-US", "123", "en-a", "en-a-bb-a-cc",
					   "de-1996-1996", "en-x", "toolongtag", "en_GB", "en-u", NULL };
	size_t i;

	(void)state;
	for (i = 0; good[i]; i++)
		if (!hrdex_langtag_valid(good[i]))
			fail_msg("'%s' refused", good[i]);
	for (i = 0; bad[i]; i++)
		if (hrdex_langtag_valid(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
}

static void test_countries(void **state)
{
	(void)state;
	assert_true(hrdex_country_valid("MEX"));
	assert_true(hrdex_country_valid("ABW"));
	assert_true(hrdex_country_valid("ZWE"));
	assert_true(hrdex_country_valid("PSE"));
	assert_true(hrdex_country_valid("XKX"));
	assert_false(hrdex_country_valid("ZZZ"));
	assert_false(hrdex_country_valid("GER"));
	assert_false(hrdex_country_valid("MX"));
}

/* The first problem the semantic checks find in doc, as "POINTER: MESSAGE". */
static void semantic(const char *json, const char *want)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	cJSON *doc = cJSON_Parse(json);
	char got[1024] = "(none)";

	assert_non_null(doc);
	assert_int_equal(hrdex_doc_semantic(doc, &p, 0), 0);
	if (p.count)
		snprintf(got, sizeof(got), "%s: %s", p.items[0].pointer, p.items[0].message);
	if (want ? strcmp(got, want) : p.count != 0)
		fail_msg("%s\n  expected: %s\n  got:      %s", json, want ? want : "(none)", got);
	hrdex_problems_free(&p);
	cJSON_Delete(doc);
}

static void test_semantic(void **state)
{
	(void)state;
	semantic("{\"type\":\"event\",\"start\":\"2016-10-04\",\"end\":\"2016-10-03\"}",
		 "/end: '2016-10-03' is before the start '2016-10-04' (/start)");
	semantic("{\"type\":\"event\",\"start\":\"2016-10-04\",\"end\":\"2016-10-04\"}", NULL);
	semantic("{\"type\":\"event\",\"start\":\"2016-10-04T10:00:00+02:00\",\"end\":\"2016-10-04T09:30:00+01:00\"}",
		 NULL); /* 08:00Z .. 08:30Z */
	semantic("{\"type\":\"event\",\"start\":\"2016-10-04T10:00:00+02:00\",\"end\":\"2016-10-04T07:30:00Z\"}",
		 "/end: '2016-10-04T07:30:00Z' is before the start '2016-10-04T10:00:00+02:00' (/start)");
	semantic("{\"type\":\"event\",\"start\":\"2016-10-04T10:00:00+02:00\",\"end\":\"2016-10-03\"}",
		 "/end: '2016-10-03' is before the start '2016-10-04T10:00:00+02:00' (/start)");
	semantic("{\"type\":\"visit\",\"dates\":{\"start\":\"2015-09-28\",\"end\":\"2015-09-02\"}}",
		 "/dates/end: '2015-09-02' is before the start '2015-09-28' (/dates/start)");
	semantic("{\"type\":\"report\",\"period\":{\"from\":\"2016-01-01\",\"to\":\"2015-12-31\"}}",
		 "/period/to: '2015-12-31' is before the start '2016-01-01' (/period/from)");
	semantic("{\"type\":\"practice\",\"period\":{\"from\":\"2016-01-01\"}}", NULL);
	semantic("{\"type\":\"visit\",\"programme\":[{\"date\":\"2015-09-29\"},{\"date\":\"2015-09-28\"}]}",
		 "/programme/1/date: '2015-09-28' is before '2015-09-29' (/programme/0/date): the "
		 "programme is in chronological order");
	semantic("{\"type\":\"visit\",\"dates\":{\"start\":\"2015-09-28\",\"end\":\"2015-10-02\"},"
		 "\"programme\":[{\"date\":\"2015-10-03T09:00:00-05:00\"}]}",
		 "/programme/0/date: '2015-10-03T09:00:00-05:00' is after the visit's end '2015-10-02' (/dates/end)");
	semantic("{\"type\":\"recommendation\",\"follow_up\":[{\"date\":\"2013-01-01\"},{\"date\":\"2012-01-01\"}]}",
		 "/follow_up/1/date: '2012-01-01' is before '2013-01-01' (/follow_up/0/date): follow-up steps "
		 "are listed oldest first");
	semantic("{\"type\":\"note\",\"countries\":[\"MEX\",\"ZZZ\"]}",
		 "/countries/1: 'ZZZ' is not an ISO 3166-1 alpha-3 country code");
	semantic("{\"type\":\"visit\",\"country\":\"XKX\"}", NULL);
	semantic("{\"type\":\"recommendation\",\"addressee\":\"ABC\"}",
		 "/addressee: 'ABC' is not an ISO 3166-1 alpha-3 country code");
	semantic("{\"type\":\"decision\",\"states\":[\"QQQ\"]}",
		 "/states/0: 'QQQ' is not an ISO 3166-1 alpha-3 country code");
	semantic("{\"type\":\"event\",\"place\":{\"country\":\"EUR\"}}",
		 "/place/country: 'EUR' is not an ISO 3166-1 alpha-3 country code");
	semantic("{\"type\":\"note\",\"title\":{\"en-US-US\":\"x\"}}",
		 "/title/en-US-US: 'en-US-US' is not a well-formed BCP 47 language tag");
	semantic("{\"type\":\"note\",\"title\":{\"zh-Hant\":\"x\",\"zh-hant\":\"y\"}}",
		 "/title/zh-hant: 'zh-hant' is the language tag 'zh-Hant' again (tags ignore case)");
	semantic("{\"type\":\"note\",\"languages\":[\"en\",\"de-1996-1996\"]}",
		 "/languages/1: 'de-1996-1996' is not a well-formed BCP 47 language tag");
	semantic("{\"type\":\"visit\",\"programme\":[{\"date\":\"2015-09-28\",\"activity\":{\"es-a\":\"x\"}}]}",
		 "/programme/0/activity/es-a: 'es-a' is not a well-formed BCP 47 language tag");
	semantic("{\"type\":\"note\",\"links\":[{\"rel\":\"cites\",\"ref\":\"ohchr/report/a..b\"}]}",
		 "/links/0/ref: 'ohchr/report/a..b' is not a document ref PUBLISHER/TYPE/ID (a publisher id, one of "
		 "the document types, an id)");
	semantic("{\"type\":\"visit\",\"report\":\"ohchr/resolution/x\"}",
		 "/report: 'ohchr/resolution/x' is not a document ref PUBLISHER/TYPE/ID (a publisher id, one of the "
		 "document types, an id)");
	semantic("{\"type\":\"note\",\"attachments\":[{\"name\":\"CON.pdf\"}]}",
		 "/attachments/0/name: 'CON.pdf' is not a safe file name: reserved Windows device name (CON, PRN, "
		 "AUX, NUL, COM1-9, LPT1-9) as a name");
	semantic("{\"type\":\"note\",\"attachments\":[{\"name\":\"Informe anual 2026 (ES).pdf\"}]}", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_names),
		cmocka_unit_test(test_refused_classes),
		cmocka_unit_test(test_clash),
		cmocka_unit_test(test_langtags),
		cmocka_unit_test(test_countries),
		cmocka_unit_test(test_semantic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
