/* test_facts.c - what the cache indexes and the site lists of a document
 * (facts.h), read from its version-2 form: a version-1 and a version-2
 * recommendation give the same addressee, SDG and body facts; partial dates
 * span their first to their last day; a local time is kept as written. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "facts.h"
#include "upgrade.h"

static const char *const fact_names[] = { "country", "theme", "addressee", "rstate", "body", "group", "sdg" };

static int collect(enum hrdex_fact what, const char *kind, const char *value, void *payload)
{
	struct hrdex_buf *b = payload;

	return hrdex_buf_printf(b, "%s%s%s=%s ", fact_names[what], kind ? ":" : "", kind ? kind : "", value);
}

/* The facts of doc (JSON text) through its upgraded form, one line. */
static void facts_of(struct hrdex_buf *b, const char *json)
{
	cJSON *doc = cJSON_Parse(json), *v2 = NULL;

	assert_non_null(doc);
	assert_int_equal(hrdex_doc_upgrade(&v2, doc, NULL), 0);
	hrdex_buf_clear(b);
	assert_int_equal(hrdex_facts_each(v2, collect, b), 0);
	cJSON_Delete(v2);
	cJSON_Delete(doc);
}

static void test_v1_and_v2_read_alike(void **state)
{
	struct hrdex_buf a = HRDEX_BUF_INIT, b = HRDEX_BUF_INIT;

	(void)state;
	facts_of(&a, "{\"type\":\"recommendation\",\"id\":\"x\",\"publisher\":\"p\",\"date\":\"2016-04-06\","
		     "\"title\":{\"en\":\"t\"},\"text\":{\"en\":\"t\"},\"addressee\":\"HND\",\"sdg_targets\":[\"16.10\"],"
		     "\"mechanism\":\"Universal Periodic Review\"}");
	facts_of(&b, "{\"schema\":2,\"type\":\"recommendation\",\"id\":\"x\",\"publisher\":\"p\",\"date\":\"2016-04-06\","
		     "\"title\":{\"en\":\"t\"},\"text\":{\"en\":\"t\"},\"addressees\":[{\"kind\":\"state\",\"country\":\"HND\"}],"
		     "\"sdgs\":[\"16.10\"],\"body\":\"upr\"}");
	assert_string_equal(a.ptr, b.ptr);
	assert_string_equal(b.ptr, "country=HND addressee:state=HND body=upr sdg=16.10 sdg=16 ");
	hrdex_buf_free(&a);
	hrdex_buf_free(&b);
}

static void test_addressees_recommending_states_groups(void **state)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	(void)state;
	facts_of(&b, "{\"schema\":2,\"type\":\"recommendation\",\"recommending_states\":[\"MEX\",\"URY\"],"
		     "\"groups\":[\"human-rights-defenders\"],\"keywords\":[\"land\"],\"authors\":[{\"kind\":\"body\","
		     "\"body\":\"achpr\"}],\"addressees\":[{\"kind\":\"nhri\",\"name\":{\"en\":\"NHRIs\",\"fr\":\"INDH\"}},"
		     "{\"kind\":\"body\",\"body\":\"ccpr\"}]}");
	assert_string_equal(b.ptr, "theme=human-rights-defenders theme=land addressee:nhri=NHRIs addressee:nhri=INDH "
				   "addressee:body=ccpr rstate=MEX rstate=URY body=achpr group=human-rights-defenders ");
	hrdex_buf_free(&b);
}

static void test_partial_dates_span_their_days(void **state)
{
	static const struct {
		const char *json, *start, *end, *first, *last;
		int precision;
	} cases[] = {
		{ "{\"date\":\"2016\"}", "2016-01-01", "2016-12-31", "2016-01-01", "2016-12-31", 1 },
		{ "{\"date\":\"2016-Q2\"}", "2016-04-01", "2016-06-30", "2016-04-01", "2016-06-30", 2 },
		{ "{\"date\":\"2016-02\"}", "2016-02-01", "2016-02-29", "2016-02-01", "2016-02-29", 3 },
		{ "{\"date\":\"2016-04-06\"}", "2016-04-06", "2016-04-06", "2016-04-06", "2016-04-06", 4 },
		/* an interval of its own; a local time as written */
		{ "{\"date\":\"2016\",\"start\":\"2016-04-06T10:00\",\"end\":\"2016-05\"}", "2016-04-06T10:00",
		  "2016-05-31", "2016-01-01", "2016-12-31", 1 },
		{ "{\"date\":\"2018-05-12\",\"start\":\"2018-04-29\"}", "2018-04-29", "2018-04-29", "2018-05-12",
		  "2018-05-12", 4 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *doc = cJSON_Parse(cases[i].json);
		struct hrdex_doc_facts f;

		hrdex_facts_scalars(&f, doc);
		assert_string_equal(f.start, cases[i].start);
		assert_string_equal(f.end, cases[i].end);
		assert_string_equal(f.date_first, cases[i].first);
		assert_string_equal(f.date_last, cases[i].last);
		assert_int_equal(f.date_precision, cases[i].precision);
		cJSON_Delete(doc);
	}
}

static void test_kind_status_response(void **state)
{
	cJSON *doc = cJSON_Parse("{\"kind\":\"views\",\"status\":\"in-progress\",\"response\":{\"position\":\"noted\"},"
				 "\"date\":\"not a date\"}");
	struct hrdex_doc_facts f;

	(void)state;
	hrdex_facts_scalars(&f, doc);
	assert_string_equal(f.kind, "views");
	assert_string_equal(f.status, "in-progress");
	assert_string_equal(f.response, "noted");
	assert_int_equal(f.date_precision, 0);
	assert_string_equal(f.date_first, "");
	cJSON_Delete(doc);
}

static void test_sdg_valid(void **state)
{
	static const char *const good[] = { "1", "9", "10", "17", "16.10", "16.a", "1.1", "5.9", NULL };
	static const char *const bad[] = { "", "0", "18", "16.", "16.0", "16.100", "16.A", "16.ab", "a", "016", NULL };
	size_t i;

	(void)state;
	for (i = 0; good[i]; i++)
		assert_true(hrdex_sdg_valid(good[i]));
	for (i = 0; bad[i]; i++)
		if (hrdex_sdg_valid(bad[i]))
			fail_msg("'%s' taken for an SDG", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_and_v2_read_alike),
		cmocka_unit_test(test_addressees_recommending_states_groups),
		cmocka_unit_test(test_partial_dates_span_their_days),
		cmocka_unit_test(test_kind_status_response),
		cmocka_unit_test(test_sdg_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
