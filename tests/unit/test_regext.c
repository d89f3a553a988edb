/* test_regext.c - what the registry adds (regext.h): a type row after the
 * built-in ones with its label, its schema in every new registry, list
 * entries and a new list, the document rules digest following the record,
 * a type keeping its row across records, and the checks of schema and
 * vocabulary documents (built-in type, redefinition, invalid definition,
 * id, duplicate entry). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accept.h"
#include "doc.h"
#include "doctype.h"
#include "error.h"
#include "problem.h"
#include "regext.h"
#include "schema.h"
#include "vocab.h"

static const char *const record_text =
	"{\"registry\": \"ohchr\", \"schemas\": [{\"schema\": 2, \"id\": \"2-hearing\", \"type\": \"schema\","
	" \"publisher\": \"ohchr\", \"title\": {\"en\": \"Hearing\"}, \"date\": \"2026-11-30\", \"version\": 2,"
	" \"name\": \"hearing\", \"label\": {\"fr\": \"Audience\", \"en\": \"Hearing\"},"
	" \"plural\": {\"en\": \"Hearings\"}, \"definition\": {\"type\": \"object\", \"required\": [\"chamber\"],"
	" \"properties\": {\"chamber\": {\"type\": \"string\", \"x-hrdex-list\": \"chambers\"}}}}],"
	" \"vocabularies\": [{\"id\": \"themes\", \"title\": {\"en\": \"Themes\"}, \"new\": false, \"entries\":"
	" [{\"id\": \"digital-rights\", \"labels\": {\"en\": \"Digital rights\", \"fr\": \"Droits numériques\"}}]},"
	" {\"id\": \"chambers\", \"title\": {\"en\": \"Chambers\"}, \"new\": true, \"entries\":"
	" [{\"id\": \"public\", \"labels\": {\"en\": \"Public\"}}]}]}";

static void install(const char *text)
{
	cJSON *r = text ? cJSON_Parse(text) : NULL;

	assert_true(!text || r);
	assert_int_equal(hrdex_regext_install(r), 0);
	cJSON_Delete(r);
}

/* The problems of doc (its text) loaded with the built-in and added schemas. */
static size_t load(const char *text, struct hrdex_problems *p)
{
	struct hrdex_schemas *s = NULL;
	struct hrdex_doc *doc = NULL;
	struct hrdex_doc_opts o;
	struct hrdex_limits lim;

	hrdex_limits_default(&lim);
	memset(&o, 0, sizeof(o));
	o.limits = &lim;
	assert_int_equal(hrdex_schemas_new(&s), 0);
	assert_int_equal(hrdex_schemas_add_builtin(s), 0);
	o.schemas = s;
	assert_int_equal(hrdex_doc_load(&doc, text, strlen(text), &o, p), 0);
	hrdex_doc_free(doc);
	hrdex_schemas_free(s);
	return p->count;
}

static void test_types_lists_digest(void **state)
{
	const struct hrdex_doctype *t;
	char before[65], after[65];
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;

	(void)state;
	install(NULL);
	hrdex_document_rules_digest(before);
	assert_false(hrdex_doc_type_valid("hearing"));
	assert_false(hrdex_vocab_has("themes", "digital-rights"));
	assert_int_equal(hrdex_ntypes(), HRDEX_NTYPES);

	install(record_text);
	hrdex_document_rules_digest(after);
	assert_string_not_equal(before, after);   /* held documents are checked again */
	assert_true(hrdex_doc_type_valid("hearing"));
	assert_int_equal(hrdex_ntypes(), HRDEX_NTYPES + 1);
	t = hrdex_doctype_get("hearing");
	assert_non_null(t);
	assert_ptr_equal(t, hrdex_doctype_at(HRDEX_NTYPES));
	assert_string_equal(hrdex_type_label("hearing", 0), "Hearing");
	assert_string_equal(hrdex_type_label("hearing", 1), "Hearings");
	assert_int_equal(t->since, 2);
	assert_null(hrdex_schema_id_for("hearing", 1));
	assert_string_equal(hrdex_schema_id_for("hearing", 2), "https://hrdex.org/schema/2/hearing.json");
	assert_true(hrdex_vocab_has("themes", "digital-rights"));
	assert_true(hrdex_vocab_has("themes", "reprisals"));         /* built-in entries stay */
	assert_string_equal(hrdex_vocab_label("themes", "digital-rights", "fr"), "Droits numériques");
	assert_string_equal(hrdex_vocab_title("chambers", "en"), "Chambers");
	assert_true(hrdex_vocab_has("chambers", "public"));

	/* a hearing is checked against the envelope and the definition */
	assert_int_equal(load("{\"schema\": 2, \"id\": \"h1\", \"type\": \"hearing\", \"publisher\": \"iachr\","
			      " \"title\": {\"en\": \"H\"}, \"date\": \"2016-04-05\", \"chamber\": \"public\"}", &p), 0);
	assert_int_equal(load("{\"schema\": 2, \"id\": \"h1\", \"type\": \"hearing\", \"publisher\": \"iachr\","
			      " \"title\": {\"en\": \"H\"}, \"date\": \"2016-04-05\", \"chamber\": \"closed\"}", &p), 1);
	assert_string_equal(p.items[0].pointer, "/chamber");
	hrdex_problems_free(&p);
	assert_true(load("{\"schema\": 2, \"id\": \"h1\", \"type\": \"hearing\", \"publisher\": \"iachr\","
			 " \"date\": \"2016-04-05\", \"chamber\": \"public\"}", &p) >= 1);   /* the envelope's title */
	hrdex_problems_free(&p);

	/* the same record again, as a new snapshot: the row stays where it was */
	install(record_text);
	assert_ptr_equal(hrdex_doctype_get("hearing"), hrdex_doctype_at(HRDEX_NTYPES));
}

static const char *schema_doc(char *buf, size_t size, const char *name, const char *definition)
{
	snprintf(buf, size,
		 "{\"schema\": 2, \"id\": \"2-%s\", \"type\": \"schema\", \"publisher\": \"ohchr\","
		 " \"title\": {\"en\": \"T\"}, \"date\": \"2026-11-30\", \"version\": 2, \"name\": \"%s\","
		 " \"label\": {\"en\": \"L\"}, \"plural\": {\"en\": \"Ls\"}, \"definition\": %s}",
		 name, name, definition);
	return buf;
}

static void expect_one(const char *text, const char *pointer, const char *part)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;

	assert_int_equal(load(text, &p), 1);
	assert_string_equal(p.items[0].pointer, pointer);
	if (!strstr(p.items[0].message, part))
		fail_msg("'%s' lacks '%s'", p.items[0].message, part);
	hrdex_problems_free(&p);
}

static void test_schema_document_rules(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	char buf[1024];

	(void)state;
	install(record_text);
	hrdex_doc_network_set("ohchr", "achpr", NULL);
	assert_int_equal(load(schema_doc(buf, sizeof(buf), "seminar", "{\"type\": \"object\"}"), &p), 0);
	/* the same definition as applied: fine; another: held */
	assert_int_equal(load(schema_doc(buf, sizeof(buf), "hearing",
					 "{\"type\": \"object\", \"required\": [\"chamber\"], \"properties\":"
					 " {\"chamber\": {\"type\": \"string\", \"x-hrdex-list\": \"chambers\"}}}"), &p), 0);
	expect_one(schema_doc(buf, sizeof(buf), "hearing", "{\"type\": \"object\"}"), "/definition",
		   "which the registry defined before");
	expect_one(schema_doc(buf, sizeof(buf), "decision", "{\"type\": \"object\"}"), "/name",
		   "would change type 'decision' of schema version 2, which is built in");
	expect_one(schema_doc(buf, sizeof(buf), "member", "{\"type\": \"object\"}"), "/name", "built in");
	expect_one(schema_doc(buf, sizeof(buf), "seminar", "{\"type\": \"objekt\"}"), "/definition",
		   "unknown type 'objekt'");
	expect_one(schema_doc(buf, sizeof(buf), "seminar", "{\"properties\": {\"a\": {\"$ref\": \"#/nowhere\"}}}"),
		   "/definition", "not a valid schema");
	expect_one(schema_doc(buf, sizeof(buf), "seminar", "{\"$id\": \"https://example.org/x.json\"}"),
		   "/definition/$id", "no \"$id\"");
	expect_one("{\"schema\": 2, \"id\": \"2-other\", \"type\": \"schema\", \"publisher\": \"ohchr\","
		   " \"title\": {\"en\": \"T\"}, \"date\": \"2026-11-30\", \"version\": 2, \"name\": \"seminar\","
		   " \"label\": {\"en\": \"L\"}, \"plural\": {\"en\": \"Ls\"}, \"definition\": {}}", "/id", "'2-seminar'");
	expect_one("{\"schema\": 2, \"id\": \"themes\", \"type\": \"vocabulary\", \"publisher\": \"ohchr\","
		   " \"title\": {\"en\": \"T\"}, \"date\": \"2026-11-30\", \"entries\": ["
		   "{\"id\": \"a\", \"labels\": {\"ar\": \"a\", \"en\": \"a\", \"es\": \"a\", \"fr\": \"a\", \"ru\": \"a\", \"zh\": \"a\"}},"
		   "{\"id\": \"a\", \"labels\": {\"ar\": \"a\", \"en\": \"a\", \"es\": \"a\", \"fr\": \"a\", \"ru\": \"a\", \"zh\": \"a\"}}]}",
		   "/entries/1/id", "listed twice");
	/* from another publisher: the network rule (doc.h) */
	expect_one("{\"schema\": 2, \"id\": \"2-seminar\", \"type\": \"schema\", \"publisher\": \"iachr\","
		   " \"title\": {\"en\": \"T\"}, \"date\": \"2026-11-30\", \"version\": 2, \"name\": \"seminar\","
		   " \"label\": {\"en\": \"L\"}, \"plural\": {\"en\": \"Ls\"}, \"definition\": {}}", "/publisher",
		   "only the registry 'ohchr' publishes schema documents");
	hrdex_doc_network_set(NULL, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_lists_digest),
		cmocka_unit_test(test_schema_document_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
