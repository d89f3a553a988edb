/*
 * test_schema_suite.c - the official JSON-Schema-Test-Suite (Debian package
 * json-schema-test-suite), draft-07, one cmocka test per keyword file.
 *
 * Each test prints "FILE: PASSED/TOTAL" and fails on any case whose verdict
 * differs from the suite's, naming the group and case.  Every group gets a
 * fresh registry holding the draft-07 metaschema (tests/data), which
 * definitions.json and ref.json refer to by URI.  refRemote.json and
 * optional/ are left out: they need a web server or are optional.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "fs.h"
#include "schema.h"

#define SUITE_DIR "/usr/share/json-schema-test-suite/tests/draft7"

struct suite_file {
	const char *name;
};

static struct suite_file files[] = {
	{ "additionalItems" }, { "additionalProperties" }, { "allOf" }, { "anyOf" },
	{ "boolean_schema" }, { "const" }, { "contains" }, { "default" }, { "definitions" },
	{ "dependencies" }, { "enum" }, { "exclusiveMaximum" }, { "exclusiveMinimum" },
	{ "if-then-else" }, { "items" }, { "maxItems" }, { "maxLength" }, { "maxProperties" },
	{ "maximum" }, { "minItems" }, { "minLength" }, { "minProperties" }, { "minimum" },
	{ "multipleOf" }, { "not" }, { "oneOf" }, { "pattern" }, { "patternProperties" },
	{ "properties" }, { "propertyNames" }, { "ref" }, { "required" }, { "type" },
	{ "uniqueItems" },
};

static cJSON *metaschema;
static int total_passed, total_cases;

static cJSON *load_json(const char *path)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	cJSON *v = NULL;

	if (hrdex_fs_read(&b, path, 16 << 20) == 0)
		v = cJSON_ParseWithLengthOpts(b.ptr, b.len + 1, NULL, 1);
	hrdex_buf_free(&b);
	return v;
}

static int setup(void **state)
{
	(void)state;
	metaschema = load_json("tests/data/draft-07-schema.json");
	return metaschema ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	print_message("total: %d/%d\n", total_passed, total_cases);
	cJSON_Delete(metaschema);
	return 0;
}

/* Run one group; returns how many of its cases passed, adds to *total. */
static int run_group(const char *file, int index, const cJSON *group, int *total)
{
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(group, "schema");
	const cJSON *tests = cJSON_GetObjectItemCaseSensitive(group, "tests");
	const char *gdesc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(group, "description"));
	struct hrdex_schemas *s = NULL;
	const cJSON *t;
	char id[256];
	int passed = 0, added;

	snprintf(id, sizeof(id), "https://suite.invalid/%s/%d.json", file, index);
	assert_int_equal(hrdex_schemas_new(&s), 0);
	assert_int_equal(hrdex_schemas_add(s, cJSON_Duplicate(metaschema, 1), NULL,
					   "draft-07-schema.json"), 0);
	added = hrdex_schemas_add(s, cJSON_Duplicate(schema, 1), id, file);
	if (added == 0)
		snprintf(id, sizeof(id), "%s", hrdex_schemas_last_id(s));
	else
		print_message("  %s: cannot add schema of '%s': %s\n", file, gdesc,
			      hrdex_error_message());
	cJSON_ArrayForEach(t, tests) {
		const cJSON *data = cJSON_GetObjectItemCaseSensitive(t, "data");
		int valid = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "valid"));
		const char *desc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "description"));
		struct hrdex_problems problems = HRDEX_PROBLEMS_INIT;
		int rc = added == 0 ? hrdex_schema_validate(s, id, data, &problems) : -1;

		(*total)++;
		if (rc == 0 && (problems.count == 0) == valid) {
			passed++;
		} else if (rc < 0) {
			print_message("  MISMATCH %s: %s / %s: error: %s\n", file, gdesc, desc,
				      hrdex_error_message());
		} else {
			print_message("  MISMATCH %s: %s / %s: expected %s, got %s%s%s\n", file, gdesc,
				      desc, valid ? "valid" : "invalid", valid ? "invalid" : "valid",
				      problems.count ? ": " : "",
				      problems.count ? problems.items[0].message : "");
		}
		hrdex_problems_free(&problems);
	}
	hrdex_schemas_free(s);
	return passed;
}

static void test_suite_file(void **state)
{
	const struct suite_file *f = *state;
	char path[512];
	cJSON *groups;
	const cJSON *g;
	int passed = 0, total = 0, index = 0;

	snprintf(path, sizeof(path), "%s/%s.json", SUITE_DIR, f->name);
	if (!hrdex_fs_exists(path)) {
		print_message("%s: suite not installed (%s)\n", f->name, path);
		skip();
	}
	groups = load_json(path);
	assert_non_null(groups);
	cJSON_ArrayForEach(g, groups)
		passed += run_group(f->name, index++, g, &total);
	cJSON_Delete(groups);
	print_message("%s: %d/%d\n", f->name, passed, total);
	total_passed += passed;
	total_cases += total;
	if (passed != total)
		fail_msg("%s: %d of %d cases disagree with the suite", f->name, total - passed, total);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(files) / sizeof(files[0])];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct CMUnitTest t = { files[i].name, test_suite_file, NULL, NULL, &files[i] };

		tests[i] = t;
	}
	return _cmocka_run_group_tests("schema_suite", tests, sizeof(files) / sizeof(files[0]),
				       setup, teardown);
}
