/* test_schema.c - what users of the validator see: pointers, keywords and
 * messages of problems, $ref across schemas, formats, lengths, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "schema.h"

#define ENVELOPE HRDEX_SCHEMA_BASE "envelope.json"
#define DECISION HRDEX_SCHEMA_BASE "decision.json"

static cJSON *parse(const char *text)
{
	cJSON *v = cJSON_Parse(text);

	assert_non_null(v);
	return v;
}

/* Add the schema text (its "$id", else id) to s. */
static void add(struct hrdex_schemas *s, const char *text, const char *id)
{
	int rc = hrdex_schemas_add(s, parse(text), id, "test");

	if (rc < 0)
		fail_msg("adding schema: %s", hrdex_error_message());
}

/* Validate instance text against schema id; problems go to p. */
static int check(struct hrdex_schemas *s, const char *id, const char *text,
		 struct hrdex_problems *p)
{
	cJSON *inst = parse(text);
	int rc;

	hrdex_problems_free(p);
	rc = hrdex_schema_validate(s, id, inst, p);
	cJSON_Delete(inst);
	return rc;
}

/* A registry holding one schema under id "urn:test". */
static struct hrdex_schemas *one(const char *schema)
{
	struct hrdex_schemas *s;

	assert_int_equal(hrdex_schemas_new(&s), 0);
	add(s, schema, "urn:test");
	return s;
}

static void assert_problem(const struct hrdex_problems *p, size_t i, const char *pointer,
			   const char *keyword, const char *message)
{
	if (i >= p->count)
		fail_msg("expected problem %zu (%s %s: %s), have %zu", i, pointer, keyword, message,
			 p->count);
	assert_string_equal(p->items[i].pointer, pointer);
	assert_string_equal(p->items[i].keyword, keyword);
	assert_string_equal(p->items[i].message, message);
}

static void test_nested_pointers_and_keywords(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s = one(
		"{\"type\": \"object\", \"required\": [\"title\", \"type\"],"
		" \"properties\": {\"type\": {\"enum\": [\"decision\", \"report\", \"note\"]},"
		"  \"links\": {\"type\": \"array\", \"items\": {\"type\": \"object\","
		"   \"required\": [\"rel\"], \"additionalProperties\": false,"
		"   \"properties\": {\"rel\": {\"type\": \"string\", \"pattern\": \"^[a-z]+$\"},"
		"    \"ref\": {\"type\": \"string\"}}}}}}");

	(void)state;
	assert_int_equal(check(s, "urn:test",
			       "{\"type\": \"x\", \"links\": [{\"rel\": \"cites\", \"ref\": \"a/b/c\"},"
			       " {\"rel\": \"Cites\", \"ref\": 7, \"titel\": 1}]}", &p), 0);
	assert_int_equal(p.count, 5);
	assert_problem(&p, 0, "/title", "required", "missing required property 'title'");
	assert_problem(&p, 1, "/type", "enum", "'x' is not one of: decision, report, note");
	assert_problem(&p, 2, "/links/1/rel", "pattern", "must match pattern '^[a-z]+$'");
	assert_problem(&p, 3, "/links/1/ref", "type", "must be a string, not a number");
	assert_problem(&p, 4, "/links/1/titel", "additionalProperties",
		       "unexpected property 'titel'");

	/* member names with '/' and '~' are escaped in pointers */
	hrdex_schemas_free(s);
	s = one("{\"additionalProperties\": {\"type\": \"integer\"}}");
	assert_int_equal(check(s, "urn:test", "{\"a/b~c\": 1.5}", &p), 0);
	assert_int_equal(p.count, 1);
	assert_problem(&p, 0, "/a~1b~0c", "type", "must be an integer, not a number");
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

static void test_lengths_count_code_points(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s = one("{\"minLength\": 3, \"maxLength\": 4}");

	(void)state;
	/* "حقوق" (rights): 4 code points in 8 bytes */
	assert_int_equal(check(s, "urn:test", "\"\xd8\xad\xd9\x82\xd9\x88\xd9\x82\"", &p), 0);
	assert_int_equal(p.count, 0);
	/* "人权" (human rights): 2 code points in 6 bytes */
	assert_int_equal(check(s, "urn:test", "\"\xe4\xba\xba\xe6\x9d\x83\"", &p), 0);
	assert_int_equal(p.count, 1);
	assert_problem(&p, 0, "", "minLength", "must be at least 3 characters long (is 2)");
	/* "人权理事会" (Human Rights Council): 5 code points */
	assert_int_equal(check(s, "urn:test",
			       "\"\xe4\xba\xba\xe6\x9d\x83\xe7\x90\x86\xe4\xba\x8b\xe4\xbc\x9a\"", &p), 0);
	assert_int_equal(p.count, 1);
	assert_problem(&p, 0, "", "maxLength", "must be at most 4 characters long (is 5)");
	/* a code point outside the BMP counts once: "😀😀😀" */
	assert_int_equal(check(s, "urn:test", "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"",
			       &p), 0);
	assert_int_equal(p.count, 0);
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

static void test_ref_across_registry_schemas(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s;

	(void)state;
	assert_int_equal(hrdex_schemas_new(&s), 0);
	/* the referring schema comes first: refs resolve when used, not when added */
	add(s, "{\"$id\": \"" DECISION "\", \"type\": \"object\","
	       " \"properties\": {\"title\": {\"$ref\": \"envelope.json#/definitions/langmap\"},"
	       "  \"summary\": {\"$ref\": \"envelope.json#/definitions/langmap\"}}}", NULL);
	add(s, "{\"$id\": \"" ENVELOPE "\", \"definitions\": {\"langmap\": {"
	       " \"type\": \"object\", \"minProperties\": 1,"
	       " \"propertyNames\": {\"pattern\": \"^[a-z]{2,3}(-[A-Za-z0-9]+)*$\"},"
	       " \"additionalProperties\": {\"type\": \"string\", \"minLength\": 1}}}}", NULL);
	assert_int_equal(check(s, DECISION, "{\"title\": {\"en\": \"Decision\", \"ar\": \"\xd9\x82\"}}",
			       &p), 0);
	assert_int_equal(p.count, 0);
	assert_int_equal(check(s, DECISION, "{\"title\": {\"en\": \"\"}, \"summary\": {\"EN\": \"x\"}}",
			       &p), 0);
	assert_int_equal(p.count, 2);
	assert_problem(&p, 0, "/title/en", "minLength", "must be at least 1 character long (is 0)");
	assert_problem(&p, 1, "/summary/EN", "propertyNames",
		       "invalid property name 'EN': must match pattern '^[a-z]{2,3}(-[A-Za-z0-9]+)*$'");
	/* a fragment in the id passed to validate */
	assert_int_equal(check(s, ENVELOPE "#/definitions/langmap", "{}", &p), 0);
	assert_int_equal(p.count, 1);
	assert_problem(&p, 0, "", "minProperties", "must have at least 1 property (has 0)");
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

/* Cases of later JSON-Schema-Test-Suite releases that Debian's copy lacks. */
static void test_ref_base_uri_rules(void **state)
{
	static const struct {
		const char *schema, *good, *bad;
	} cases[] = {
		/* $id resolves against the nearest parent with an $id */
		{ "{\"$id\": \"http://example.com/a.json\", \"definitions\": {\"x\": {"
		  " \"$id\": \"http://example.com/b/c.json\", \"not\": {\"definitions\": {\"y\": {"
		  " \"$id\": \"d.json\", \"type\": \"number\"}}}}},"
		  " \"allOf\": [{\"$ref\": \"http://example.com/b/d.json\"}]}", "1", "\"a\"" },
		/* a $ref's sibling $id does not change the base */
		{ "{\"$id\": \"http://localhost:1234/sibling_id/base/\", \"definitions\": {"
		  " \"foo\": {\"$id\": \"http://localhost:1234/sibling_id/foo.json\", \"type\": \"string\"},"
		  " \"base_foo\": {\"$id\": \"foo.json\", \"type\": \"number\"}},"
		  " \"allOf\": [{\"$id\": \"http://localhost:1234/sibling_id/\", \"$ref\": \"foo.json\"}]}",
		  "1", "\"a\"" },
		/* location-independent identifiers, also after a base change */
		{ "{\"allOf\": [{\"$ref\": \"#foo\"}], \"definitions\": {\"A\": {\"$id\": \"#foo\","
		  " \"type\": \"integer\"}}}", "1", "\"a\"" },
		{ "{\"$id\": \"http://localhost:1234/root\", \"allOf\": [{\"$ref\":"
		  " \"http://localhost:1234/nested.json#foo\"}], \"definitions\": {\"A\": {"
		  " \"$id\": \"nested.json\", \"definitions\": {\"B\": {\"$id\": \"#foo\","
		  " \"type\": \"integer\"}}}}}", "1", "\"a\"" },
		/* a URN as base, and pointers below it */
		{ "{\"$id\": \"urn:uuid:deadbeef-1234-0000-0000-4321feebdaed\", \"properties\": {"
		  " \"foo\": {\"$ref\": \"urn:uuid:deadbeef-1234-0000-0000-4321feebdaed#/definitions/bar\"}},"
		  " \"definitions\": {\"bar\": {\"type\": \"string\"}}}", "{\"foo\": \"x\"}", "{\"foo\": 1}" },
		/* relative refs against an embedded $id, pointers relative to it */
		{ "{\"$id\": \"http://example.com/r1.json\", \"properties\": {\"foo\": {"
		  " \"$id\": \"r2.json\", \"definitions\": {\"inner\": {\"properties\": {"
		  " \"bar\": {\"type\": \"string\"}}}}, \"allOf\": [{\"$ref\": \"#/definitions/inner\"}]}},"
		  " \"allOf\": [{\"$ref\": \"r2.json\"}]}", "{\"foo\": {\"bar\": \"a\"}, \"bar\": \"a\"}",
		  "{\"foo\": {\"bar\": 1}, \"bar\": \"a\"}" },
		/* an absolute-path reference */
		{ "{\"$id\": \"http://example.com/ref/absref.json\", \"definitions\": {"
		  " \"a\": {\"$id\": \"http://example.com/ref/absref/foobar.json\", \"type\": \"number\"},"
		  " \"b\": {\"$id\": \"http://example.com/absref/foobar.json\", \"type\": \"string\"}},"
		  " \"allOf\": [{\"$ref\": \"/absref/foobar.json\"}]}", "\"a\"", "1" },
		/* an $id inside an unknown keyword or enum is data, not an identifier */
		{ "{\"definitions\": {\"fake\": {\"x-schemas\": [{\"$id\": \"http://example.com/id.json\","
		  " \"type\": \"null\"}]}, \"real\": {\"$id\": \"http://example.com/id.json\","
		  " \"type\": \"string\"}}, \"enum\": [{\"$id\": \"http://example.com/id.json\"}, \"s\", null],"
		  " \"allOf\": [{\"$ref\": \"http://example.com/id.json\"}]}", "\"s\"", "null" },
		/* empty tokens and escapes in pointers */
		{ "{\"definitions\": {\"\": {\"definitions\": {\"\": {\"type\": \"number\"}}},"
		  " \"a\\\"b\": {\"type\": \"number\"}}, \"allOf\": [{\"$ref\": \"#/definitions//definitions/\"},"
		  " {\"$ref\": \"#/definitions/a%22b\"}]}", "1", "\"a\"" },
		/* $ref to an $id on an "if" subschema beside the $ref */
		{ "{\"$ref\": \"http://example.com/ref/if\", \"if\": {\"$id\": \"http://example.com/ref/if\","
		  " \"type\": \"integer\"}}", "1", "\"a\"" },
	};
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hrdex_schemas *s;
		char id[64];

		assert_int_equal(hrdex_schemas_new(&s), 0);
		snprintf(id, sizeof(id), "http://example.org/case%zu.json", i);
		add(s, cases[i].schema, id);
		snprintf(id, sizeof(id), "%s", hrdex_schemas_last_id(s));
		if (check(s, id, cases[i].good, &p) < 0 || p.count != 0)
			fail_msg("case %zu: %s should be valid: %s", i, cases[i].good,
				 p.count ? p.items[0].message : hrdex_error_message());
		if (check(s, id, cases[i].bad, &p) < 0 || p.count == 0)
			fail_msg("case %zu: %s should be invalid: %s", i, cases[i].bad,
				 hrdex_error_message());
		hrdex_schemas_free(s);
	}
	hrdex_problems_free(&p);
}

static void test_formats(void **state)
{
	static const struct {
		const char *format, *value;
		int valid;
	} cases[] = {
		{ "date", "2016-02-29", 1 }, { "date", "2016-02-30", 0 }, { "date", "2015-02-29", 0 },
		{ "date", "2000-02-29", 1 }, { "date", "1900-02-29", 0 }, { "date", "2021-04-31", 0 },
		{ "date", "2021-13-01", 0 }, { "date", "2021-1-01", 0 }, { "date", "2021-01-01T00:00", 0 },
		{ "date-time", "2016-12-31T23:59:60Z", 1 }, { "date-time", "2016-12-31T22:59:60Z", 0 },
		{ "date-time", "1990-12-31T15:59:60-08:00", 1 }, { "date-time", "2024-06-01t10:00:00.5z", 1 },
		{ "date-time", "2024-06-01T24:00:00Z", 0 }, { "date-time", "2024-06-01T10:60:00Z", 0 },
		{ "date-time", "2024-06-01T10:00:00", 0 }, { "date-time", "2024-06-01 10:00:00Z", 0 },
		{ "date-time", "2024-02-30T10:00:00Z", 0 }, { "date-time", "2024-06-01T10:00:00+24:00", 0 },
		{ "time", "08:30:06.283185Z", 1 }, { "time", "08:30:06 PST", 0 }, { "time", "8:30:06Z", 0 },
		{ "email", "focal.point@ohchr.org", 1 }, { "email", "a..b@example.org", 0 },
		{ "email", "no-at-sign", 0 }, { "email", "x@-bad-.org", 0 },
		{ "uri", "https://hrdex.org/schema/1/decision.json", 1 }, { "uri", "//no/scheme", 0 },
		{ "uri", "http://x.org/a b", 0 }, { "uri", "urn:isbn:0451450523", 1 },
		{ "uri", "http://x.org/%zz", 0 },
		{ "uri-reference", "../decision/x.json#frag", 1 }, { "uri-reference", "a:b:c", 1 },
		{ "uri-reference", "\\\\host\\share", 0 }, { "uri-reference", "#/a%20b", 1 },
		{ "regex", "^[a-z]+$", 1 }, { "regex", "(unclosed", 0 },
		{ "no-such-format", "anything", 1 },
	};
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hrdex_schemas *s;
		cJSON *schema = cJSON_CreateObject(), *inst = cJSON_CreateString(cases[i].value);

		assert_non_null(cJSON_AddStringToObject(schema, "format", cases[i].format));
		assert_int_equal(hrdex_schemas_new(&s), 0);
		assert_int_equal(hrdex_schemas_add(s, schema, "urn:test", "test"), 0);
		assert_int_equal(hrdex_schema_validate(s, "urn:test", inst, &p), 0);
		if ((p.count == 0) != cases[i].valid)
			fail_msg("format %s: '%s' should be %s", cases[i].format, cases[i].value,
				 cases[i].valid ? "valid" : "invalid");
		hrdex_problems_free(&p);
		cJSON_Delete(inst);
		hrdex_schemas_free(s);
	}
	{
		struct hrdex_schemas *s = one("{\"format\": \"date\"}");

		assert_int_equal(check(s, "urn:test", "\"2016-02-30\"", &p), 0);
		assert_problem(&p, 0, "", "format", "'2016-02-30' is not a valid date (YYYY-MM-DD)");
		/* formats apply to strings only */
		assert_int_equal(check(s, "urn:test", "20160230", &p), 0);
		assert_int_equal(p.count, 0);
		hrdex_problems_free(&p);
		hrdex_schemas_free(s);
	}
}

static void test_pattern_cache(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s;
	int i;

	(void)state;
	assert_int_equal(hrdex_schemas_new(&s), 0);
	/* patterns that share prefixes, reused across schemas and keywords */
	add(s, "{\"properties\": {\"a\": {\"pattern\": \"^[a-z]+$\"}, \"b\": {\"pattern\": \"^[a-z]+\"},"
	       " \"c\": {\"pattern\": \"[0-9]\"}}, \"patternProperties\": {\"^[a-z]+$\": {\"type\": \"string\"}}}",
	    "urn:one");
	add(s, "{\"pattern\": \"^[a-z]+$\"}", "urn:two");
	for (i = 0; i < 1000; i++) {
		assert_int_equal(check(s, "urn:one", "{\"a\": \"abc1\", \"b\": \"abc1\", \"c\": \"x1y\"}",
				       &p), 0);
		assert_int_equal(p.count, 1);
		assert_problem(&p, 0, "/a", "pattern", "must match pattern '^[a-z]+$'");
		assert_int_equal(check(s, "urn:two", "\"abc\"", &p), 0);
		assert_int_equal(p.count, 0);
		assert_int_equal(check(s, "urn:two", "\"abc\\n\"", &p), 0);
		assert_int_equal(p.count, 1); /* "$" matches only at the very end, as in ECMA 262 */
	}
	assert_int_equal(check(s, "urn:one", "{\"zz\": 1}", &p), 0);
	assert_problem(&p, 0, "/zz", "type", "must be a string, not a number");
	/* non-ASCII patterns and subjects work on code points */
	hrdex_schemas_free(s);
	s = one("{\"pattern\": \"^.{2}$\"}");
	assert_int_equal(check(s, "urn:test", "\"\xe4\xba\xba\xe6\x9d\x83\"", &p), 0);
	assert_int_equal(p.count, 0);
	hrdex_schemas_free(s);
	/* an invalid pattern is an error, not a problem */
	s = one("{\"pattern\": \"(unclosed\"}");
	assert_int_equal(check(s, "urn:test", "\"x\"", &p), -1);
	assert_non_null(strstr(hrdex_error_message(), "invalid pattern '(unclosed'"));
	assert_int_equal(p.count, 0);
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

static void test_unknown_ref_and_schema_fail(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s;

	(void)state;
	assert_int_equal(hrdex_schemas_new(&s), 0);
	add(s, "{\"$id\": \"" DECISION "\", \"required\": [\"id\"],"
	       " \"properties\": {\"title\": {\"$ref\": \"envelope.json#/definitions/langmap\"}}}", NULL);
	assert_int_equal(check(s, DECISION, "{\"title\": {}}", &p), -1);
	assert_string_equal(hrdex_error_message(),
			    "test: cannot resolve $ref 'envelope.json#/definitions/langmap': no schema '"
			    ENVELOPE "' in the registry");
	/* problems found before the error are not left behind */
	assert_int_equal(p.count, 0);
	add(s, "{\"$id\": \"" ENVELOPE "\", \"definitions\": {}}", NULL);
	assert_int_equal(check(s, DECISION, "{\"title\": {}}", &p), -1);
	assert_string_equal(hrdex_error_message(),
			    "test: cannot resolve $ref 'envelope.json#/definitions/langmap': no "
			    "'/definitions/langmap' in '" ENVELOPE "'");
	assert_int_equal(check(s, HRDEX_SCHEMA_BASE "nope.json", "{}", &p), -1);
	assert_string_equal(hrdex_error_message(), "unknown schema '" HRDEX_SCHEMA_BASE "nope.json'");
	/* an id can be taken once */
	assert_int_equal(hrdex_schemas_add(s, parse("{}"), DECISION, "again"), -1);
	assert_non_null(strstr(hrdex_error_message(), "already taken"));
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

static void test_ref_loop_is_an_error(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s = one("{\"definitions\": {\"a\": {\"$ref\": \"#/definitions/b\"},"
				      " \"b\": {\"$ref\": \"#/definitions/a\"}}, \"$ref\": \"#/definitions/a\"}");

	(void)state;
	assert_int_equal(check(s, "urn:test", "1", &p), -1);
	assert_non_null(strstr(hrdex_error_message(), "a $ref loop?"));
	hrdex_schemas_free(s);
	/* recursion that follows the instance terminates */
	s = one("{\"type\": \"object\", \"properties\": {\"child\": {\"$ref\": \"#\"}},"
		" \"additionalProperties\": false}");
	assert_int_equal(check(s, "urn:test", "{\"child\": {\"child\": {\"child\": {}}}}", &p), 0);
	assert_int_equal(p.count, 0);
	assert_int_equal(check(s, "urn:test", "{\"child\": {\"child\": {\"kid\": {}}}}", &p), 0);
	assert_int_equal(p.count, 1);
	assert_problem(&p, 0, "/child/child/kid", "additionalProperties", "unexpected property 'kid'");
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

static void test_trial_branches_do_not_leak(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s = one(
		"{\"properties\": {"
		" \"a\": {\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]},"
		" \"link\": {\"anyOf\": ["
		"  {\"required\": [\"rel\", \"ref\"], \"properties\": {\"ref\": {\"type\": \"string\"}}},"
		"  {\"required\": [\"rel\", \"url\"], \"properties\": {\"url\": {\"format\": \"uri\"}},"
		"   \"not\": {\"required\": [\"ref\"]}}]},"
		" \"one\": {\"oneOf\": [{\"minimum\": 0}, {\"maximum\": 10}]},"
		" \"neg\": {\"not\": {\"type\": \"null\"}},"
		" \"cond\": {\"if\": {\"required\": [\"kind\"]}, \"then\": {\"required\": [\"detail\"]}}}}");

	(void)state;
	/* branches that fail before one matches leave nothing */
	assert_int_equal(check(s, "urn:test", "{\"a\": 5, \"link\": {\"rel\": \"x\", \"url\": \"https://a.org\"},"
			       " \"one\": -5, \"neg\": 1, \"cond\": {}}", &p), 0);
	assert_int_equal(p.count, 0);
	/* no branch matches and none comes closest: one summary problem */
	assert_int_equal(check(s, "urn:test", "{\"a\": true}", &p), 0);
	assert_int_equal(p.count, 1);
	assert_problem(&p, 0, "/a", "anyOf", "does not match any of the allowed forms");
	/* one branch comes closest: its problems follow the summary */
	assert_int_equal(check(s, "urn:test", "{\"link\": {\"rel\": \"x\", \"ref\": 5}}", &p), 0);
	assert_int_equal(p.count, 2);
	assert_problem(&p, 0, "/link", "anyOf", "does not match any of the allowed forms");
	assert_problem(&p, 1, "/link/ref", "type", "must be a string, not a number");
	/* oneOf, not, if */
	assert_int_equal(check(s, "urn:test", "{\"one\": 5, \"neg\": null, \"cond\": {\"kind\": 1}}", &p), 0);
	assert_int_equal(p.count, 3);
	assert_problem(&p, 0, "/one", "oneOf", "matches more than one of the allowed forms (0 and 1)");
	assert_problem(&p, 1, "/neg", "not", "must not match the schema in \"not\"");
	assert_problem(&p, 2, "/cond/detail", "required", "missing required property 'detail'");
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

static void test_numbers_and_equality(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s = one(
		"{\"properties\": {\"i\": {\"type\": \"integer\"}, \"m\": {\"multipleOf\": 0.0001},"
		" \"c\": {\"multipleOf\": 0.01}, \"u\": {\"uniqueItems\": true},"
		" \"e\": {\"enum\": [{\"a\": 1, \"b\": [1, 2]}]}, \"k\": {\"const\": 2},"
		" \"x\": {\"exclusiveMinimum\": 0, \"maximum\": 1.5}}}");

	(void)state;
	assert_int_equal(check(s, "urn:test", "{\"i\": 1.0, \"m\": 0.0075, \"c\": 19.99, \"u\": [1, \"1\", true],"
			       " \"e\": {\"b\": [1, 2.0], \"a\": 1}, \"k\": 2.0, \"x\": 1.5}", &p), 0);
	assert_int_equal(p.count, 0);
	assert_int_equal(check(s, "urn:test", "{\"i\": 1.5, \"m\": 0.00751, \"u\": [{\"a\": 1, \"b\": 2}, 3,"
			       " {\"b\": 2, \"a\": 1}], \"e\": {\"a\": 1, \"b\": [2, 1]}, \"k\": \"2\", \"x\": 0}",
			       &p), 0);
	assert_int_equal(p.count, 6);
	assert_problem(&p, 0, "/i", "type", "must be an integer, not a number");
	assert_problem(&p, 1, "/m", "multipleOf", "must be a multiple of 0.0001");
	assert_problem(&p, 2, "/u", "uniqueItems", "items 0 and 2 are equal; items must be unique");
	assert_problem(&p, 3, "/e", "enum", "{\"a\":1,\"b\":[2,1]} is not one of: {\"a\":1,\"b\":[1,2]}");
	assert_problem(&p, 4, "/k", "const", "must be 2");
	assert_problem(&p, 5, "/x", "exclusiveMinimum", "must be > 0");
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

static void test_problems_append(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s = one("{\"required\": [\"id\"]}");
	cJSON *inst = parse("{}");

	(void)state;
	assert_int_equal(hrdex_problems_add(&p, "/x", "earlier", "from another check"), 0);
	assert_int_equal(hrdex_schema_validate(s, "urn:test", inst, &p), 0);
	assert_int_equal(p.count, 2);
	assert_problem(&p, 0, "/x", "earlier", "from another check");
	assert_problem(&p, 1, "/id", "required", "missing required property 'id'");
	cJSON_Delete(inst);
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

static void test_ids_and_builtins(void **state)
{
	struct hrdex_schemas *s;

	(void)state;
	assert_string_equal(hrdex_schema_id_for_type("decision"), DECISION);
	assert_string_equal(hrdex_schema_id_for_type("note"), HRDEX_SCHEMA_BASE "note.json");
	assert_null(hrdex_schema_id_for_type("envelope"));
	assert_null(hrdex_schema_id_for_type(NULL));
	assert_int_equal(hrdex_schemas_new(&s), 0);
	/* whatever schemas/ holds loads, with ids under HRDEX_SCHEMA_BASE */
	if (hrdex_schemas_add_builtin(s) < 0)
		fail_msg("built-in schemas: %s", hrdex_error_message());
	/* a schema with neither $id nor default id still gets one */
	assert_int_equal(hrdex_schemas_add(s, parse("{\"type\": \"null\"}"), NULL, NULL), 0);
	assert_non_null(strstr(hrdex_schemas_last_id(s), "urn:hrdex:schema:"));
	hrdex_schemas_free(s);
	hrdex_schemas_free(NULL);
}

/* A JSON array text of n items, item i printed with fmt (one %zu). */
static char *array_text(size_t n, const char *fmt)
{
	size_t size = n * 32 + 16, len = 0, i;
	char *t = malloc(size);

	assert_non_null(t);
	t[len++] = '[';
	for (i = 0; i < n; i++) {
		int w = snprintf(t + len, size - len, fmt, i);

		assert_true(w > 0 && (size_t)w < size - len - 2);
		len += (size_t)w;
		if (i + 1 < n)
			t[len++] = ',';
	}
	t[len++] = ']';
	t[len] = '\0';
	return t;
}

/* Validation costs linear time in the document: a node stops at its first
 * maxItems, maxLength or maxProperties failure, uniqueItems sorts instead
 * of comparing pairs, and a document gets at most 100 problems. */
static void test_cost_is_linear(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_schemas *s = one(
		"{\"properties\": {\"a\": {\"type\": \"array\", \"items\": {\"type\": \"string\"},"
		"  \"uniqueItems\": true, \"maxItems\": 300, \"contains\": {\"const\": \"x\"}},"
		" \"u\": {\"uniqueItems\": true}, \"n\": {\"items\": {\"type\": \"string\"}},"
		" \"s\": {\"type\": \"string\", \"maxLength\": 4, \"pattern\": \"^[0-9]+$\", \"format\": \"date\"},"
		" \"o\": {\"maxProperties\": 2, \"additionalProperties\": false, \"required\": [\"z\"]}}}");
	char *big = array_text(149000, "%zu"), *text;
	size_t len = strlen(big) + 256;
	clock_t t0;
	double secs;

	(void)state;
	text = malloc(len);
	assert_non_null(text);

	/* The issue's document: 149,000 distinct numbers where at most 300
	 * strings may be; one problem, no uniqueItems pass, no item checked. */
	snprintf(text, len, "{\"a\": %s}", big);
	assert_int_equal(check(s, "urn:test", text, &p), 0);
	assert_int_equal(p.count, 1);
	assert_problem(&p, 0, "/a", "maxItems", "must have at most 300 items (has 149000)");

	/* uniqueItems over 149,000 distinct items: a tenth of a second of CPU
	 * (a pairwise scan takes about a minute).  CPU time, not wall time, so
	 * a loaded machine does not matter, and a bound valgrind's slowdown
	 * (about 50 x) stays well inside; then a duplicate found. */
	snprintf(text, len, "{\"u\": %s}", big);
	t0 = clock();
	assert_int_equal(check(s, "urn:test", text, &p), 0);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	print_message("uniqueItems over 149000 items: %.3f s of CPU\n", secs);
	assert_true(secs < 30.0);
	assert_int_equal(p.count, 0);
	assert_int_equal(check(s, "urn:test", "{\"u\": [5, [1, {\"b\": 1, \"a\": \"x\"}], 7, -0, 7,"
			       " [1, {\"a\": \"x\", \"b\": 1.0}], 0, \"7\", true, 1, null, false, null]}", &p), 0);
	assert_int_equal(p.count, 1);
	assert_problem(&p, 0, "/u", "uniqueItems", "items 1 and 5 are equal; items must be unique");
	assert_int_equal(check(s, "urn:test", "{\"u\": [1, \"1\", true, [1], {\"1\": 1}, null, false, 0, \"\"]}",
			       &p), 0);
	assert_int_equal(p.count, 0);
	assert_int_equal(check(s, "urn:test", "{\"u\": [{\"a\": \"b\"}, {\"ab\": \"\"}, \"s1:x\", \"x\"]}", &p), 0);
	assert_int_equal(p.count, 0);

	/* 149,000 bad items: the first 100, then how many more. */
	snprintf(text, len, "{\"n\": %s}", big);
	assert_int_equal(check(s, "urn:test", text, &p), 0);
	assert_int_equal(p.count, HRDEX_PROBLEMS_SHOWN + 1);
	assert_problem(&p, 99, "/n/99", "type", "must be a string, not a number");
	assert_problem(&p, 100, "", "more", "and 148900 more problems (only the first 100 are listed)");

	/* Too long: no pattern, no format; too many members: none looked at. */
	assert_int_equal(check(s, "urn:test", "{\"s\": \"not-a-date-nor-digits\", \"o\": {\"a\": 1, \"b\": 2, \"c\": 3}}",
			       &p), 0);
	assert_int_equal(p.count, 2);
	assert_problem(&p, 0, "/s", "maxLength", "must be at most 4 characters long (is 21)");
	assert_problem(&p, 1, "/o", "maxProperties", "must have at most 2 properties (has 3)");
	free(text);
	free(big);
	hrdex_problems_free(&p);
	hrdex_schemas_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_pointers_and_keywords),
		cmocka_unit_test(test_lengths_count_code_points),
		cmocka_unit_test(test_ref_across_registry_schemas),
		cmocka_unit_test(test_ref_base_uri_rules),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_pattern_cache),
		cmocka_unit_test(test_unknown_ref_and_schema_fail),
		cmocka_unit_test(test_ref_loop_is_an_error),
		cmocka_unit_test(test_trial_branches_do_not_leak),
		cmocka_unit_test(test_numbers_and_equality),
		cmocka_unit_test(test_problems_append),
		cmocka_unit_test(test_ids_and_builtins),
		cmocka_unit_test(test_cost_is_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
