/* test_vocab.c - the controlled lists (vocab.h) and the "x-hrdex-list"
 * keyword: every shipped list is sound, labels in the six UN languages with
 * the English fallback, membership, the nearest entries of a typo, and what
 * the validator says about a value outside a list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "error.h"
#include "schema.h"
#include "vocab.h"

/* A malformed list (bad JSON, a duplicate or non-slug id, a missing label in
 * one of the six languages, a body without kind or region) fails here. */
static void test_every_list_is_sound(void **state)
{
	static const char *const names[] = { "bodies", "groups", "themes", "decision-kinds",
		"report-kinds", "event-kinds", "note-kinds", "statement-kinds" };
	size_t i;

	(void)state;
	if (hrdex_vocab_check() < 0)
		fail_msg("%s", hrdex_error_message());
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *t = hrdex_vocab_title(names[i], "en");

		if (!t)
			fail_msg("list '%s' is not built in", names[i]);
	}
	assert_string_equal(hrdex_vocab_title("groups", "en"), "Affected groups");
	assert_string_equal(hrdex_vocab_title("groups", "es"), "Grupos afectados");
	assert_null(hrdex_vocab_title("nope", "en"));
}

static void test_labels_in_each_language(void **state)
{
	(void)state;
	assert_string_equal(hrdex_vocab_label("bodies", "ccpr", "en"), "Human Rights Committee");
	assert_string_equal(hrdex_vocab_label("bodies", "ccpr", "fr"), "Comité des droits de l'homme");
	assert_string_equal(hrdex_vocab_label("bodies", "ccpr", "es"), "Comité de Derechos Humanos");
	/* "اللجنة المعنية بحقوق الإنسان" */
	assert_string_equal(hrdex_vocab_label("bodies", "ccpr", "ar"),
			    "\xd8\xa7\xd9\x84\xd9\x84\xd8\xac\xd9\x86\xd8\xa9\x20\xd8\xa7\xd9\x84\xd9\x85"
			    "\xd8\xb9\xd9\x86\xd9\x8a\xd8\xa9\x20\xd8\xa8\xd8\xad\xd9\x82\xd9\x88\xd9\x82"
			    "\x20\xd8\xa7\xd9\x84\xd8\xa5\xd9\x86\xd8\xb3\xd8\xa7\xd9\x86");
	/* "Комитет по правам человека" */
	assert_string_equal(hrdex_vocab_label("bodies", "ccpr", "ru"),
			    "\xd0\x9a\xd0\xbe\xd0\xbc\xd0\xb8\xd1\x82\xd0\xb5\xd1\x82\x20\xd0\xbf\xd0\xbe"
			    "\x20\xd0\xbf\xd1\x80\xd0\xb0\xd0\xb2\xd0\xb0\xd0\xbc\x20\xd1\x87\xd0\xb5\xd0\xbb"
			    "\xd0\xbe\xd0\xb2\xd0\xb5\xd0\xba\xd0\xb0");
	/* "人权事务委员会" */
	assert_string_equal(hrdex_vocab_label("bodies", "ccpr", "zh"),
			    "\xe4\xba\xba\xe6\x9d\x83\xe4\xba\x8b\xe5\x8a\xa1\xe5\xa7\x94\xe5\x91\x98\xe4\xbc\x9a");
	/* a language the lists do not have falls back to English; a regional tag to its language */
	assert_string_equal(hrdex_vocab_label("bodies", "iachr", "de"),
			    "Inter-American Commission on Human Rights");
	assert_string_equal(hrdex_vocab_label("bodies", "iachr", NULL),
			    "Inter-American Commission on Human Rights");
	assert_string_equal(hrdex_vocab_label("bodies", "iachr", "es-HN"),
			    "Comisi\xc3\xb3n Interamericana de Derechos Humanos");
	assert_string_equal(hrdex_vocab_label("groups", "persons-deprived-of-liberty", "fr"),
			    "Personnes priv\xc3\xa9" "es de libert\xc3\xa9");
	/* not an entry, or not a list */
	assert_null(hrdex_vocab_label("bodies", "cidh", "en"));
	assert_null(hrdex_vocab_label("nope", "ccpr", "en"));
	assert_null(hrdex_vocab_label("bodies", NULL, "en"));
}

static void test_has(void **state)
{
	/* every value version 1 allowed for a recommendation's groups, unchanged */
	static const char *const v1_groups[] = { "women", "human-rights-defenders",
		"women-human-rights-defenders", "children", "persons-with-disabilities",
		"persons-with-albinism", "indigenous-peoples", "minorities", "migrants", "refugees",
		"internally-displaced-persons", "lgbti-persons", "older-persons", "journalists",
		"civil-society" };
	/* version 1's suggested theme vocabulary (schemas/envelope.json), unchanged */
	static const char *const v1_themes[] = { "human-rights-defenders",
		"women-human-rights-defenders", "civil-society", "reprisals", "participation",
		"freedom-of-expression", "freedom-of-assembly", "freedom-of-association",
		"access-to-information", "journalists", "women", "gender-equality", "children",
		"persons-with-disabilities", "persons-with-albinism", "indigenous-peoples", "minorities",
		"migrants", "refugees", "internally-displaced-persons", "lgbti", "older-persons",
		"torture", "death-penalty", "extrajudicial-executions", "enforced-disappearances",
		"economic-social-cultural-rights", "business-and-human-rights", "environment",
		"land-rights", "terrorism", "follow-up", "cooperation", "regional-arrangements",
		"national-human-rights-institutions" };
	static const char *const bodies[] = { "hrc", "upr", "ohchr", "ccpr", "cescr", "cerd", "cedaw",
		"cat", "spt", "crc", "cmw", "crpd", "ced", "sr-hrd", "sr-foe", "sr-foaa", "sr-torture",
		"sr-ijl", "sr-vaw", "wgad", "sr-summary-executions", "wg-enforced-disappearances",
		"achpr", "afchpr", "acerwc", "iachr", "corteidh", "coe", "ecthr", "coe-commissioner",
		"venice-commission", "osce-odihr", "aichr", "acwc", "arab-human-rights-committee",
		"oic-iphrc", "ganhri", "nanhri" };
	static const char *const uhri_groups[] = { "general", "persons-deprived-of-liberty",
		"persons-living-in-poverty", "persons-living-in-rural-areas",
		"judges-lawyers-and-prosecutors" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v1_groups) / sizeof(v1_groups[0]); i++) {
		if (!hrdex_vocab_has("groups", v1_groups[i]))
			fail_msg("groups lacks version 1's '%s'", v1_groups[i]);
	}
	for (i = 0; i < sizeof(v1_themes) / sizeof(v1_themes[0]); i++) {
		if (!hrdex_vocab_has("themes", v1_themes[i]))
			fail_msg("themes lacks version 1's '%s'", v1_themes[i]);
	}
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		if (!hrdex_vocab_has("bodies", bodies[i]))
			fail_msg("bodies lacks '%s'", bodies[i]);
	}
	for (i = 0; i < sizeof(uhri_groups) / sizeof(uhri_groups[0]); i++) {
		if (!hrdex_vocab_has("groups", uhri_groups[i]))
			fail_msg("groups lacks UHRI's '%s'", uhri_groups[i]);
	}
	assert_int_equal(hrdex_vocab_has("groups", "human-right-defenders"), 0);
	assert_int_equal(hrdex_vocab_has("groups", "Human-rights-defenders"), 0);
	assert_int_equal(hrdex_vocab_has("groups", ""), 0);
	assert_int_equal(hrdex_vocab_has("nope", "women"), 0);
	assert_int_equal(hrdex_vocab_has(NULL, "women"), 0);
}

/* The kind lists hold exactly the ids of schema version 2 (V2SPEC). */
static void test_kind_lists_exactly(void **state)
{
	static const struct {
		const char *list;
		const char *ids[20];
	} kinds[] = {
		{ "decision-kinds", { "judgment", "admissibility", "provisional-measures",
			"precautionary-measures", "resolution", "opinion", "decision", "communication",
			"views", "supervision-order", "general-comment", "advisory-opinion",
			"friendly-settlement", "interpretation", "merits-report", "other" } },
		{ "report-kinds", { "annual", "thematic", "country", "mission", "activity", "periodic",
			"shadow", "other", "joint", "follow-up", "communications" } },
		{ "event-kinds", { "session", "workshop", "consultation", "hearing", "meeting",
			"seminar", "training", "panel", "other", "forum", "side-event" } },
		{ "note-kinds", { "announcement", "press-release", "information", "correspondence",
			"media-advisory", "communique", "other" } },
		{ "statement-kinds", { "joint-declaration", "press-statement", "oral-statement",
			"open-letter", "communique", "other" } },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct hrdex_builtin_file *f;
		const cJSON *e;
		cJSON *root = NULL;
		char file[64];
		int count = 0, listed = 0;

		for (j = 0; kinds[i].ids[j]; j++) {
			if (!hrdex_vocab_has(kinds[i].list, kinds[i].ids[j]))
				fail_msg("%s lacks '%s'", kinds[i].list, kinds[i].ids[j]);
			count++;
		}
		/* and nothing else: count the shipped file's entries */
		snprintf(file, sizeof(file), "%s.json", kinds[i].list);
		for (f = hrdex_builtin_lists; f->name; f++) {
			if (strcmp(f->name, file) == 0)
				root = cJSON_Parse((const char *)f->data);
		}
		assert_non_null(root);
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "entries"))
			listed++;
		if (listed != count)
			fail_msg("%s has %d entries, version 2 names %d", kinds[i].list, listed, count);
		cJSON_Delete(root);
	}
}

static void test_nearest(void **state)
{
	const char *near[HRDEX_VOCAB_NEAREST_MAX];
	int n;

	(void)state;
	n = hrdex_vocab_nearest("groups", "human-right-defenders", near, HRDEX_VOCAB_NEAREST_MAX);
	assert_int_equal(n, 2);
	assert_string_equal(near[0], "human-rights-defenders");
	assert_string_equal(near[1], "women-human-rights-defenders");
	/* at most n, nearest first */
	n = hrdex_vocab_nearest("groups", "human-right-defenders", near, 1);
	assert_int_equal(n, 1);
	assert_string_equal(near[0], "human-rights-defenders");
	/* a word of the ids */
	n = hrdex_vocab_nearest("bodies", "torture", near, HRDEX_VOCAB_NEAREST_MAX);
	assert_true(n >= 1);
	assert_string_equal(near[0], "sr-torture");
	/* a common typo of a body */
	n = hrdex_vocab_nearest("bodies", "acphr", near, HRDEX_VOCAB_NEAREST_MAX);
	assert_true(n >= 1);
	assert_string_equal(near[0], "achpr");
	/* nothing near; never more than HRDEX_VOCAB_NEAREST_MAX */
	assert_int_equal(hrdex_vocab_nearest("groups", "qqqqqqqqqqqqqqqq", near, 3), 0);
	assert_int_equal(hrdex_vocab_nearest("nope", "women", near, 3), 0);
	assert_int_equal(hrdex_vocab_nearest("groups", "women", near, 0), 0);
	assert_true(hrdex_vocab_nearest("event-kinds", "sesion", near, 99) <= HRDEX_VOCAB_NEAREST_MAX);
}

static cJSON *parse(const char *text)
{
	cJSON *v = cJSON_Parse(text);

	assert_non_null(v);
	return v;
}

static struct hrdex_schemas *one(const char *schema)
{
	struct hrdex_schemas *s;

	assert_int_equal(hrdex_schemas_new(&s), 0);
	if (hrdex_schemas_add(s, parse(schema), "urn:test", "test") < 0)
		fail_msg("adding schema: %s", hrdex_error_message());
	return s;
}

static int check(struct hrdex_schemas *s, const char *text, struct hrdex_problems *p)
{
	cJSON *inst = parse(text);
	int rc;

	hrdex_problems_free(p);
	rc = hrdex_schema_validate(s, "urn:test", inst, p);
	cJSON_Delete(inst);
	return rc;
}

static void test_keyword_names_list_and_nearest(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s = one(
		"{\"type\": \"object\", \"properties\": {"
		" \"groups\": {\"type\": \"array\", \"items\": {\"type\": \"string\", \"x-hrdex-list\": \"groups\"}},"
		" \"body\": {\"type\": \"string\", \"x-hrdex-list\": \"bodies\"},"
		" \"kind\": {\"anyOf\": [{\"type\": \"string\", \"x-hrdex-list\": \"event-kinds\"},"
		"                      {\"type\": \"integer\"}]}}}");

	(void)state;
	assert_int_equal(check(s, "{\"groups\": [\"women\", \"human-rights-defenders\"], \"body\": \"achpr\","
				  " \"kind\": \"side-event\"}", &p), 0);
	assert_int_equal(p.count, 0);
	assert_int_equal(check(s, "{\"groups\": [\"women\", \"human-right-defenders\"], \"body\": \"xyzzy-body\","
				  " \"kind\": 3}", &p), 0);
	assert_int_equal(p.count, 2);
	assert_string_equal(p.items[0].pointer, "/groups/1");
	assert_string_equal(p.items[0].keyword, "x-hrdex-list");
	assert_string_equal(p.items[0].message,
			    "'human-right-defenders' is not in the list of affected groups; nearest: "
			    "'human-rights-defenders', 'women-human-rights-defenders'");
	assert_string_equal(p.items[1].pointer, "/body");
	assert_string_equal(p.items[1].message,
			    "'xyzzy-body' is not in the list of bodies and mechanisms");
	/* inside anyOf (a trial branch): no branch matched, said once */
	assert_int_equal(check(s, "{\"kind\": \"side-evnt\"}", &p), 0);
	assert_int_equal(p.count, 1);
	assert_string_equal(p.items[0].keyword, "anyOf");
	assert_int_equal(check(s, "{\"kind\": \"side-event\"}", &p), 0);
	assert_int_equal(p.count, 0);
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

static void test_unknown_list_is_a_schema_error(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s = one("{\"type\": \"string\", \"x-hrdex-list\": \"bodys\"}");

	(void)state;
	assert_int_equal(check(s, "\"achpr\"", &p), -1);
	assert_int_equal(p.count, 0);
	assert_non_null(strstr(hrdex_error_message(), "unknown list 'bodys' in \"x-hrdex-list\""));
	hrdex_schemas_free(s);
	s = one("{\"type\": \"string\", \"x-hrdex-list\": 3}");
	assert_int_equal(check(s, "\"achpr\"", &p), -1);
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_list_is_sound),
		cmocka_unit_test(test_labels_in_each_language),
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_kind_lists_exactly),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_keyword_names_list_and_nearest),
		cmocka_unit_test(test_unknown_list_is_a_schema_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
