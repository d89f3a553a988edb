/* test_doc.c - refs, ids, and the envelope rules on top of the schemas. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "doc.h"
#include "doctype.h"
#include "error.h"
#include "limit.h"
#include "schema.h"

static struct hrdex_schemas *schemas;
static struct hrdex_limits limits;

static int setup(void **state)
{
	(void)state;
	hrdex_limits_default(&limits);
	return hrdex_schemas_new(&schemas) || hrdex_schemas_add_builtin(schemas);
}

static int teardown(void **state)
{
	(void)state;
	hrdex_schemas_free(schemas);
	return 0;
}

static const char good[] =
	"{\"id\": \"res-1\", \"type\": \"note\", \"kind\": \"information\", \"date\": \"2016-10-06\","
	" \"title\": {\"ar\": \"اجتماع جهات الاتصال\", \"en\": \"Focal points meeting\"}}";

static void test_refs(void **state)
{
	struct hrdex_ref r;
	char text[HRDEX_REF_MAX + 8];

	(void)state;
	assert_int_equal(hrdex_ref_parse(&r, "achpr/decision/res-345.lviii_2016"), 0);
	assert_string_equal(r.publisher, "achpr");
	assert_string_equal(r.type, "decision");
	assert_string_equal(r.id, "res-345.lviii_2016");
	hrdex_ref_path(text, sizeof(text), &r);
	assert_string_equal(text, "achpr/decision/res-345.lviii_2016.json");
	assert_int_equal(hrdex_ref_parse(&r, "achpr/decision/x.json"), 0);
	assert_string_equal(r.id, "x");
	assert_int_equal(hrdex_ref_parse(&r, "achpr/verdict/x"), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_USAGE);
	assert_int_equal(hrdex_ref_parse(&r, "main/decision/x"), -1);
	assert_int_equal(hrdex_ref_parse(&r, "achpr/decision/a..b"), -1);
	assert_int_equal(hrdex_ref_parse(&r, "achpr/decision/x/y"), -1);
	assert_int_equal(hrdex_ref_parse(&r, "achpr/decision/"), -1);
	assert_int_equal(hrdex_ref_from_path(&r, "achpr/note/n.json"), 0);
	assert_int_equal(hrdex_ref_from_path(&r, "achpr/note/n.files/a.pdf"), -1);
	assert_false(hrdex_doc_id_valid("-x"));
	assert_false(hrdex_doc_id_valid("X"));
	assert_true(hrdex_doc_id_valid("0a.b_c-d"));
}

static void test_fill_and_canonical(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_doc_opts o = { &limits, schemas, "ohchr", "ohchr", NULL, NULL };
	struct hrdex_doc *doc = NULL;

	(void)state;
	assert_int_equal(hrdex_doc_load(&doc, good, strlen(good), &o, &p), 0);
	assert_int_equal(p.count, 0);
	assert_non_null(doc);
	assert_string_equal(doc->ref.publisher, "ohchr");
	assert_non_null(strstr(doc->canonical.ptr, "\"publisher\": \"ohchr\""));
	/* keys sorted, two-space indent, trailing newline, Arabic unescaped */
	assert_true(doc->canonical.ptr[doc->canonical.len - 1] == '\n');
	assert_non_null(strstr(doc->canonical.ptr, "\n  \"date\": \"2016-10-06\",\n  \"id\""));
	assert_non_null(strstr(doc->canonical.ptr, "اجتماع جهات الاتصال"));
	hrdex_doc_free(doc);
}

static void test_envelope_problems(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_doc_opts o = { &limits, schemas, NULL, "achpr", NULL, NULL };
	struct hrdex_doc *doc = NULL;
	const char *wrong = "{\"id\": \"res-1\", \"type\": \"note\", \"kind\": \"information\", "
			    "\"publisher\": \"ohchr\", \"date\": \"2016-10-06\", \"title\": {\"en\": \"x\"}}";

	(void)state;
	assert_int_equal(hrdex_doc_load(&doc, wrong, strlen(wrong), &o, &p), 0);
	assert_null(doc);
	assert_int_equal(p.count, 1);
	assert_string_equal(p.items[0].pointer, "/publisher");
	assert_string_equal(p.items[0].message, "is 'ohchr', expected 'achpr'");
	hrdex_problems_free(&p);

	o.expect_publisher = NULL;
	o.expect_path = "ohchr/note/other.json";
	assert_int_equal(hrdex_doc_load(&doc, wrong, strlen(wrong), &o, &p), 0);
	assert_null(doc);
	assert_int_equal(p.count, 1);
	assert_string_equal(p.items[0].keyword, "path");
	hrdex_problems_free(&p);

	/* Not JSON, not an object, too big: each one problem, never a crash. */
	assert_int_equal(hrdex_doc_load(&doc, "[1]", 3, &o, &p), 0);
	assert_int_equal(p.count, 1);
	hrdex_problems_free(&p);
	assert_int_equal(hrdex_doc_load(&doc, "{\"a\":", 5, &o, &p), 0);
	assert_int_equal(p.count, 1);
	assert_string_equal(p.items[0].keyword, "json");
	hrdex_problems_free(&p);
	limits.document_bytes = 10;
	assert_int_equal(hrdex_doc_load(&doc, good, strlen(good), &o, &p), 0);
	assert_int_equal(p.count, 1);
	assert_string_equal(p.items[0].keyword, "size");
	hrdex_problems_free(&p);
	hrdex_limits_default(&limits);
}

static void test_unknown_type_uses_envelope(void **state)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_doc_opts o = { &limits, schemas, "ohchr", NULL, NULL, NULL };
	struct hrdex_doc *doc = NULL;
	const char *t = "{\"id\": \"x\", \"type\": \"verdict\", \"date\": \"2016-10-06\"}";
	size_t i;
	int type = 0, title = 0;

	(void)state;
	assert_int_equal(hrdex_doc_load(&doc, t, strlen(t), &o, &p), 0);
	assert_null(doc);
	for (i = 0; i < p.count; i++) {
		type |= !strcmp(p.items[i].pointer, "/type");
		title |= !strcmp(p.items[i].pointer, "/title");
	}
	assert_true(type);
	assert_true(title);
	hrdex_problems_free(&p);
}

/* The table drives which types are on the calendar, their labels and paths. */
static void test_doctype_table(void **state)
{
	struct hrdex_ref r;
	char small[16], path[HRDEX_REF_MAX + 64], list[256];
	int i;

	(void)state;
	/* events and visits happen over an interval; nothing else is on the calendar */
	for (i = 0; i < HRDEX_NTYPES; i++)
		assert_int_equal(hrdex_doctypes[i].calendar,
				 !strcmp(hrdex_doctypes[i].name, "event") || !strcmp(hrdex_doctypes[i].name, "visit"));
	assert_string_equal(hrdex_type_label("practice", 1), "Good practices");
	assert_string_equal(hrdex_type_label("nope", 0), "nope");
	assert_int_equal(hrdex_doctype_list(list, sizeof(list)), 0);
	assert_string_equal(list, "decision, recommendation, report, event, visit, practice, note, statement, key, member, schema, vocabulary");
	assert_int_equal(hrdex_ref_parse(&r, "achpr/visit/kenya-2016"), 0);
	assert_int_equal(hrdex_ref_file(path, sizeof(path), &r, ".files", "a.pdf"), 0);
	assert_string_equal(path, "achpr/visit/kenya-2016.files/a.pdf");
	assert_int_equal(hrdex_ref_path(path, sizeof(path), &r), 0);
	assert_string_equal(path, "achpr/visit/kenya-2016.json");
	/* too small: an error, never a shorter name */
	assert_int_equal(hrdex_ref_file(small, sizeof(small), &r, ".files", "a.pdf"), -1);
	assert_non_null(strstr(hrdex_error_message(), "too long"));
	hrdex_error_clear();
}

/* The network rule (doc.h): member documents only from the registry, never
 * claiming its id, nor ours with another key. */
static void test_network_rule(void **state)
{
	static const char key[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIfBaAqYCSBCEHRRPDGWFwlDoh3X1Bvny1BjMP72xdO7";
	static const char other[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPPEJo2qHR1FO0iaLPnlbDmKc9x3YjR6CKpXNwbxvNGC";
	char why[256];

	(void)state;
	hrdex_doc_network_set(NULL, "achpr", key);
	assert_int_equal(hrdex_doc_network_problem(why, sizeof(why), "ohchr", "member", "iachr", other), 1);
	assert_non_null(strstr(why, "no registry configured"));
	assert_int_equal(hrdex_doc_network_problem(why, sizeof(why), "ohchr", "note", "n1", NULL), 0);
	hrdex_doc_network_set("ohchr", "achpr", key);
	assert_int_equal(hrdex_doc_network_problem(why, sizeof(why), "ohchr", "member", "iachr", other), 0);
	assert_int_equal(hrdex_doc_network_problem(why, sizeof(why), "evil", "member", "iachr", other), 1);
	assert_string_equal(why, "only the registry 'ohchr' publishes member documents");
	assert_int_equal(hrdex_doc_network_problem(why, sizeof(why), "ohchr", "member", "ohchr", other), 1);
	assert_non_null(strstr(why, "the registry's own id 'ohchr'"));
	assert_int_equal(hrdex_doc_network_problem(why, sizeof(why), "ohchr", "member", "achpr", other), 1);
	assert_non_null(strstr(why, "this agent's own id 'achpr'"));
	/* our own entry with our own key (a comment after it) is fine */
	assert_int_equal(hrdex_doc_network_problem(why, sizeof(why), "ohchr", "member", "achpr", "ssh-ed25519 "
						   "AAAAC3NzaC1lZDI1NTE5AAAAIIfBaAqYCSBCEHRRPDGWFwlDoh3X1Bvny1BjMP72xdO7 achpr"), 0);
	hrdex_doc_network_set(NULL, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_fill_and_canonical),
		cmocka_unit_test(test_envelope_problems),
		cmocka_unit_test(test_unknown_type_uses_envelope),
		cmocka_unit_test(test_doctype_table),
		cmocka_unit_test(test_network_rule),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
