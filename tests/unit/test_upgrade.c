/* test_upgrade.c - version-1 documents read in version-2 terms (upgrade.h):
 * every shipped version-1 example upgrades without losing a value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "fs.h"
#include "doc.h"
#include "json.h"
#include "limit.h"
#include "schema.h"
#include "upgrade.h"
#include "vocab.h"

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

/* v2 is a valid version-2 document: every problem printed when not. */
static void assert_valid_v2(const char *file, const cJSON *v2)
{
	struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
	struct hrdex_doc_opts opts = { 0 };
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct hrdex_doc *doc = NULL;
	int version = 0;
	size_t i;

	opts.limits = &limits;
	opts.schemas = schemas;
	opts.version = &version;
	assert_int_equal(hrdex_json_canonical(&text, v2), 0);
	assert_int_equal(hrdex_doc_load(&doc, text.ptr, text.len, &opts, &p), 0);
	for (i = 0; i < p.count; i++)
		print_error("%s: %s: %s\n", file, p.items[i].pointer, p.items[i].message);
	assert_int_equal(p.count, 0);
	assert_non_null(doc);
	assert_int_equal(version, 2);
	hrdex_doc_free(doc);
	hrdex_problems_free(&p);
	hrdex_buf_free(&text);
}

static cJSON *parse(const char *text)
{
	cJSON *j = NULL;

	assert_int_equal(hrdex_json_parse(&j, text, strlen(text), NULL), 0);
	return j;
}

static cJSON *read_json(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;
	cJSON *j;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	j = parse(data);
	free(data);
	return j;
}

/* Whether the string or number leaf v occurs anywhere in tree (as a value,
 * or a string as a member name: a language tag stays one). */
static int occurs(const cJSON *leaf, const cJSON *tree)
{
	const cJSON *c;

	if (cJSON_IsString(leaf) && cJSON_IsString(tree) && !strcmp(leaf->valuestring, tree->valuestring))
		return 1;
	if (cJSON_IsNumber(leaf) && cJSON_IsNumber(tree) && leaf->valuedouble == tree->valuedouble)
		return 1;
	if (cJSON_IsBool(leaf) && cJSON_IsBool(tree) && cJSON_IsTrue(leaf) == cJSON_IsTrue(tree))
		return 1;
	cJSON_ArrayForEach(c, tree) {
		if (cJSON_IsString(leaf) && c->string && !strcmp(c->string, leaf->valuestring))
			return 1;
		if (occurs(leaf, c))
			return 1;
	}
	return 0;
}

/* Every leaf of v1 appears somewhere in v2: nothing was lost.  A text
 * naming a listed body (a label of it) appears as the body's id. */
static void assert_nothing_lost(const char *file, const cJSON *v1, const cJSON *v2)
{
	const cJSON *c;

	if (cJSON_IsString(v1) || cJSON_IsNumber(v1) || cJSON_IsBool(v1)) {
		const char *body = cJSON_IsString(v1) ? hrdex_vocab_find("bodies", v1->valuestring) : NULL;
		cJSON *id = body ? cJSON_CreateString(body) : NULL;
		int found = occurs(v1, v2) || (id && occurs(id, v2));

		cJSON_Delete(id);
		if (!found) {
			char *text = cJSON_PrintUnformatted(v1);

			print_error("%s: value %s is lost\n", file, text ? text : "?");
			free(text);
			fail();
		}
		return;
	}
	cJSON_ArrayForEach(c, v1)
		assert_nothing_lost(file, c, v2);
}

static void test_examples(void **state)
{
	glob_t g;
	size_t i;

	(void)state;
	assert_int_equal(glob("schemas/examples/*.json", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 8);
	for (i = 0; i < g.gl_pathc; i++) {
		struct hrdex_changes ch = HRDEX_CHANGES_INIT;
		cJSON *v1 = read_json(g.gl_pathv[i]), *v2 = NULL, *again = NULL;
		struct hrdex_buf canon = HRDEX_BUF_INIT;
		size_t k;

		assert_int_equal(hrdex_doc_upgrade(&v2, v1, &ch), 0);
		assert_non_null(v2);
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(v2, "schema")->valuedouble, 2);
		assert_true(ch.count >= 1);
		assert_string_equal(ch.lines[0], "added 'schema' 2");
		assert_nothing_lost(g.gl_pathv[i], v1, v2);
		assert_valid_v2(g.gl_pathv[i], v2);
		/* a canonical document: no member twice */
		assert_int_equal(hrdex_json_canonical(&canon, v2), 0);
		if (getenv("UPGRADE_SHOW")) {
			printf("== %s\n", g.gl_pathv[i]);
			for (k = 0; k < ch.count; k++)
				printf("   %s\n", ch.lines[k]);
			printf("%s\n", canon.ptr);
		}
		hrdex_buf_free(&canon);
		hrdex_changes_free(&ch);
		/* upgrading again changes nothing */
		assert_int_equal(hrdex_doc_upgrade(&again, v2, &ch), 0);
		assert_int_equal(ch.count, 0);
		assert_true(cJSON_Compare(again, v2, 1));
		cJSON_Delete(again);
		cJSON_Delete(v1);
		cJSON_Delete(v2);
	}
	globfree(&g);
}

/* Version-2 documents (the shipped examples) are copied as they are. */
static void test_examples_v2(void **state)
{
	glob_t g;
	size_t i;

	(void)state;
	assert_int_equal(glob("schemas/2/examples/*.json", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 8);
	for (i = 0; i < g.gl_pathc; i++) {
		struct hrdex_changes ch = HRDEX_CHANGES_INIT;
		cJSON *v2 = read_json(g.gl_pathv[i]), *again = NULL;

		assert_int_equal(hrdex_doc_upgrade(&again, v2, &ch), 0);
		assert_int_equal(ch.count, 0);
		assert_true(cJSON_Compare(again, v2, 1));
		cJSON_Delete(again);
		cJSON_Delete(v2);
	}
	globfree(&g);
}

static cJSON *up(const char *text, struct hrdex_changes *ch)
{
	cJSON *v1 = parse(text), *v2 = NULL;

	assert_int_equal(hrdex_doc_upgrade(&v2, v1, ch), 0);
	cJSON_Delete(v1);
	return v2;
}

static void assert_json(const cJSON *v, const char *want)
{
	struct hrdex_buf got = HRDEX_BUF_INIT;
	cJSON *w = parse(want);
	struct hrdex_buf wc = HRDEX_BUF_INIT;

	assert_int_equal(hrdex_json_canonical(&got, v), 0);
	assert_int_equal(hrdex_json_canonical(&wc, w), 0);
	assert_string_equal(got.ptr, wc.ptr);
	hrdex_buf_free(&got);
	hrdex_buf_free(&wc);
	cJSON_Delete(w);
}

static void test_recommendation(void **state)
{
	struct hrdex_changes ch = HRDEX_CHANGES_INIT;
	cJSON *v2;

	(void)state;
	v2 = up("{\"id\":\"r\",\"type\":\"recommendation\",\"publisher\":\"x\",\"title\":{\"fr\":\"T\"},"
		"\"date\":\"2016-01-01\",\"text\":{\"fr\":\"R\"},\"addressee\":\"HND\","
		"\"mechanism\":\"Mecanismo inventado\",\"sdg_targets\":[\"16.10\"],\"follow_up\":"
		"[{\"date\":\"2016-02-01\",\"status\":\"in-progress\"}]}",
		&ch);
	assert_json(cJSON_GetObjectItemCaseSensitive(v2, "addressees"), "[{\"kind\":\"state\",\"country\":\"HND\"}]");
	assert_json(cJSON_GetObjectItemCaseSensitive(v2, "authors"),
		    "[{\"kind\":\"body\",\"name\":{\"fr\":\"Mecanismo inventado\"}}]");
	assert_json(cJSON_GetObjectItemCaseSensitive(v2, "sdgs"), "[\"16.10\"]");
	assert_json(cJSON_GetObjectItemCaseSensitive(v2, "follow_up"),
		    "[{\"date\":\"2016-02-01\",\"status\":\"in-progress\"}]");
	assert_null(cJSON_GetObjectItemCaseSensitive(v2, "addressee"));
	assert_null(cJSON_GetObjectItemCaseSensitive(v2, "mechanism"));
	assert_null(cJSON_GetObjectItemCaseSensitive(v2, "sdg_targets"));
	/* stable order: schema first, then the v1 members sorted */
	assert_int_equal(ch.count, 4);
	assert_string_equal(ch.lines[0], "added 'schema' 2");
	assert_string_equal(ch.lines[1], "'addressee' HND -> 'addressees'[0].country");
	assert_string_equal(ch.lines[2], "'mechanism' Mecanismo inventado -> 'authors'[0].name.fr");
	assert_string_equal(ch.lines[3], "'sdg_targets' -> 'sdgs'");
	hrdex_changes_free(&ch);
	cJSON_Delete(v2);
}

static void test_visit(void **state)
{
	struct hrdex_changes ch = HRDEX_CHANGES_INIT;
	cJSON *v2;

	(void)state;
	/* the older dates.from/to, a title in two languages (names are 'und') */
	v2 = up("{\"id\":\"v\",\"type\":\"visit\",\"publisher\":\"x\",\"title\":{\"en\":\"T\",\"es\":\"T\"},"
		"\"date\":\"2016-01-01\",\"country\":\"MEX\",\"status\":\"completed\",\"mandate\":\"Someone\","
		"\"dates\":{\"from\":\"2015-09-28\",\"to\":\"2015-10-02\"},"
		"\"programme\":[{\"date\":\"2015-09-28\",\"place\":\"Ciudad de México\",\"activity\":{\"es\":\"A\"}}]}",
		&ch);
	assert_json(v2, "{\"schema\":2,\"id\":\"v\",\"type\":\"visit\",\"publisher\":\"x\","
		    "\"title\":{\"en\":\"T\",\"es\":\"T\"},\"date\":\"2016-01-01\",\"visited\":[\"MEX\"],"
		    "\"status\":\"completed\",\"authors\":[{\"kind\":\"body\",\"name\":{\"und\":\"Someone\"}}],"
		    "\"start\":\"2015-09-28\",\"end\":\"2015-10-02\",\"programme\":[{\"start\":\"2015-09-28\","
		    "\"place\":{\"und\":\"Ciudad de México\"},\"activity\":{\"es\":\"A\"}}]}");
	assert_string_equal(ch.lines[1], "'country' MEX -> 'visited'[0]");
	assert_string_equal(ch.lines[2], "'dates'.from 2015-09-28 -> 'start'");
	hrdex_changes_free(&ch);
	cJSON_Delete(v2);
}

/* A text naming a listed body by a label, in any language, case and
 * accents aside, or by its id, becomes that body; another stays a name. */
static void test_bodies(void **state)
{
	struct hrdex_changes ch = HRDEX_CHANGES_INIT;
	cJSON *v2;

	(void)state;
	assert_string_equal(hrdex_vocab_find("bodies", "COMISION INTERAMERICANA DE DERECHOS HUMANOS"), "iachr");
	assert_string_equal(hrdex_vocab_find("bodies", "Rapporteur spécial sur la situation des défenseurs des droits de l'homme"),
			    "sr-hrd");
	assert_string_equal(hrdex_vocab_find("bodies", "IACHR"), "iachr");
	assert_null(hrdex_vocab_find("bodies", "Inter-American Commission"));
	assert_null(hrdex_vocab_find("no-such-list", "iachr"));
	v2 = up("{\"id\":\"r\",\"type\":\"recommendation\",\"title\":{\"es\":\"T\"},\"date\":\"2016-01-01\","
		"\"text\":{\"es\":\"R\"},\"mechanism\":\"Comisión interamericana de derechos humanos\"}", &ch);
	assert_json(cJSON_GetObjectItemCaseSensitive(v2, "body"), "\"iachr\"");
	assert_null(cJSON_GetObjectItemCaseSensitive(v2, "authors"));
	assert_string_equal(ch.lines[1], "'mechanism' Comisión interamericana de derechos humanos -> 'body' iachr");
	hrdex_changes_free(&ch);
	cJSON_Delete(v2);
	v2 = up("{\"id\":\"d\",\"type\":\"decision\",\"title\":{\"en\":\"T\"},\"date\":\"2016-01-01\","
		"\"kind\":\"resolution\",\"body\":\"Human Rights Council\",\"case\":\"Case 12.361\","
		"\"themes\":[\"reprisals\",\"water-defenders\"]}", &ch);
	assert_json(cJSON_GetObjectItemCaseSensitive(v2, "authors"), "[{\"kind\":\"body\",\"body\":\"hrc\"}]");
	assert_json(cJSON_GetObjectItemCaseSensitive(v2, "case_name"), "{\"en\":\"Case 12.361\"}");
	assert_json(cJSON_GetObjectItemCaseSensitive(v2, "themes"), "[\"reprisals\"]");
	assert_json(cJSON_GetObjectItemCaseSensitive(v2, "keywords"), "[\"water-defenders\"]");
	assert_int_equal(ch.count, 4);
	assert_string_equal(ch.lines[1], "'body' Human Rights Council -> 'authors'[0].body hrc");
	assert_string_equal(ch.lines[2], "'case' Case 12.361 -> 'case_name'.en");
	assert_string_equal(ch.lines[3], "'themes'[1] water-defenders -> 'keywords'[0]");
	hrdex_changes_free(&ch);
	cJSON_Delete(v2);
}

static void test_version2_unchanged(void **state)
{
	struct hrdex_changes ch = HRDEX_CHANGES_INIT;
	cJSON *v2;

	(void)state;
	v2 = up("{\"schema\":2,\"id\":\"n\",\"type\":\"note\",\"addressee\":\"HND\"}", &ch);
	assert_int_equal(ch.count, 0);
	assert_json(v2, "{\"schema\":2,\"id\":\"n\",\"type\":\"note\",\"addressee\":\"HND\"}");
	cJSON_Delete(v2);
	/* not a version: refused, nothing made */
	{
		cJSON *bad = parse("{\"schema\":\"2\",\"id\":\"n\"}"), *out = (cJSON *)1;

		assert_int_equal(hrdex_doc_upgrade(&out, bad, NULL), -1);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
		assert_null(out);
		cJSON_Delete(bad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_examples_v2),
		cmocka_unit_test(test_recommendation),
		cmocka_unit_test(test_visit),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_version2_unchanged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
