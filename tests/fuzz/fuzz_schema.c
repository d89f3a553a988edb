/*
 * fuzz_schema.c - the draft-07 validator, with the schema and the instance
 * both fuzzed, and document loading against hrdex's own schemas.
 *
 * Input: SCHEMA NUL INSTANCE, or a lone INSTANCE (no NUL byte: strict JSON
 * text never holds one, so the split is unambiguous).
 *
 * Schema mode: both parsed strictly, the schema added to a fresh registry
 * (which also holds the built-in schemas, so that "$ref"s to them resolve),
 * the instance validated.  Invariants: validation is deterministic (again,
 * with the registry's caches filled, and on the canonical form of the
 * instance, it gives the same verdict and the same problems), and every
 * problem names a JSON pointer.
 *
 * Document mode: hrdex_doc_load() with the default limits and the built-in
 * schemas.  Invariants: a valid document stays valid after canonicalising,
 * with the same ref; canonical of canonical is identical; the document is
 * also valid when found at its own path; an invalid one has problems.
 */
#include "fuzz.h"
#include "buf.h"
#include "builtin.h"
#include "doc.h"
#include "json.h"
#include "limit.h"
#include "problem.h"
#include "schema.h"

#include <string.h>

/* Keeps each run short: the validator's own bound is its 512-schema depth,
 * but anyOf over a deep instance can still take exponential time. */
#define MAX_INPUT 16384
static const struct hrdex_json_opts schema_opts = { 0, 32, 0 };
static const struct hrdex_json_opts instance_opts = { 0, 16, 0 };

static struct hrdex_schemas *builtin;  /* for document mode, filled once */
static struct hrdex_limits limits;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	hrdex_limits_default(&limits);
	FUZZ_SETUP(hrdex_schemas_new(&builtin));
	FUZZ_SETUP(hrdex_schemas_add_builtin(builtin));
	return 0;
}

/* Same problems at the same pointers for the same keywords; with messages,
 * the same words too.  Messages may quote the value, whose spelling the
 * canonical form changes (-0 is written 0, 1.0 is written 1). */
static int problems_equal(const struct hrdex_problems *a, const struct hrdex_problems *b, int messages)
{
	size_t i;

	if (a->count != b->count)
		return 0;
	for (i = 0; i < a->count; i++)
		if (strcmp(a->items[i].pointer, b->items[i].pointer) ||
		    strcmp(a->items[i].keyword, b->items[i].keyword) ||
		    (messages && strcmp(a->items[i].message, b->items[i].message)))
			return 0;
	return 1;
}

/*
 * Parsing the built-in schemas costs more than most runs, so a fresh
 * registry gets them only when the fuzzed schema may refer to them (by a
 * "...json" URI), and without the one whose id the fuzzed schema took.
 */
static int add_builtin_except(struct hrdex_schemas *reg, const char *taken)
{
	const struct hrdex_builtin_file *f;

	for (f = hrdex_builtin_schemas; f->name; f++) {
		char id[256];
		cJSON *schema;

		snprintf(id, sizeof(id), "%s%s", HRDEX_SCHEMA_BASE, f->name);
		if (!strcmp(id, taken))
			continue;
		schema = cJSON_ParseWithLengthOpts((const char *)f->data, f->len + 1, NULL, 1);
		FUZZ_CHECK(schema != NULL, "a built-in schema parses");
		if (hrdex_schemas_add(reg, schema, id, f->name) < 0)
			return -1;
	}
	return 0;
}

static void schema_mode(const char *schema_text, size_t schema_len, const char *inst_text,
			size_t inst_len)
{
	struct hrdex_problems p1 = HRDEX_PROBLEMS_INIT, p2 = HRDEX_PROBLEMS_INIT;
	struct hrdex_problems p3 = HRDEX_PROBLEMS_INIT;
	struct hrdex_buf canon = HRDEX_BUF_INIT;
	struct hrdex_schemas *reg = NULL;
	cJSON *schema = NULL, *inst = NULL, *inst2 = NULL;
	char *id = NULL;
	size_t i;
	int r1, r2, r3;

	if (hrdex_json_parse(&schema, schema_text, schema_len, &schema_opts) < 0 ||
	    hrdex_json_parse(&inst, inst_text, inst_len, &instance_opts) < 0)
		goto done;
	FUZZ_SETUP(hrdex_schemas_new(&reg));
	r1 = hrdex_schemas_add(reg, schema, NULL, "fuzz");
	schema = NULL; /* the registry owns it now, added or not */
	if (r1 < 0) {
		FUZZ_CHECK(hrdex_error_kind() == HRDEX_E_INVALID, "a refused schema is a data error");
		goto done;
	}
	/* Copied: the registry frees it when the next schema is added. */
	id = strdup(hrdex_schemas_last_id(reg));
	FUZZ_CHECK(id != NULL, "an added schema has an id");
	if (memmem(schema_text, schema_len, ".json", 5) && add_builtin_except(reg, id) < 0)
		goto done; /* the fuzzed schema took a built-in id for a subschema */

	r1 = hrdex_schema_validate(reg, id, inst, &p1);
	FUZZ_CHECK(r1 == 0 || p1.count == 0, "a failed validation leaves no problems");
	for (i = 0; i < p1.count; i++)
		FUZZ_CHECK(p1.items[i].pointer[0] == '\0' || p1.items[i].pointer[0] == '/',
			   "a problem names a JSON pointer");
	r2 = hrdex_schema_validate(reg, id, inst, &p2);
	FUZZ_CHECK(r1 == r2 && problems_equal(&p1, &p2, 1), "validating twice gives one verdict");

	FUZZ_CHECK(hrdex_json_canonical(&canon, inst) == 0, "an accepted instance canonicalises");
	FUZZ_CHECK(hrdex_json_parse(&inst2, canon.ptr, canon.len, &instance_opts) == 0,
		   "a canonical instance parses");
	r3 = hrdex_schema_validate(reg, id, inst2, &p3);
	FUZZ_CHECK(r1 == r3 && problems_equal(&p1, &p3, 0),
		   "the canonical form validates as the original does");
done:
	free(id);
	hrdex_problems_free(&p1);
	hrdex_problems_free(&p2);
	hrdex_problems_free(&p3);
	hrdex_buf_free(&canon);
	hrdex_schemas_free(reg);
	cJSON_Delete(schema);
	cJSON_Delete(inst);
	cJSON_Delete(inst2);
}

static int ref_equal(const struct hrdex_ref *a, const struct hrdex_ref *b)
{
	return !strcmp(a->publisher, b->publisher) && !strcmp(a->type, b->type) &&
	       !strcmp(a->id, b->id);
}

static void document_mode(const char *text, size_t len)
{
	struct hrdex_problems p1 = HRDEX_PROBLEMS_INIT, p2 = HRDEX_PROBLEMS_INIT;
	struct hrdex_problems p3 = HRDEX_PROBLEMS_INIT;
	struct hrdex_doc_opts opts = { &limits, builtin, NULL, NULL, NULL, NULL };
	struct hrdex_doc *doc = NULL, *again = NULL, *at_path = NULL;
	struct hrdex_ref ref;
	char path[HRDEX_REF_MAX + 8];
	int r;

	r = hrdex_doc_load(&doc, text, len, &opts, &p1);
	FUZZ_CHECK(r == 0, "loading a document runs");
	if (!doc) {
		FUZZ_CHECK(p1.count > 0, "an invalid document has problems");
		goto done;
	}
	FUZZ_CHECK(p1.count == 0, "a valid document has no problems");
	FUZZ_CHECK(doc->canonical.len > 0, "a valid document has a canonical form");

	FUZZ_CHECK(hrdex_doc_load(&again, doc->canonical.ptr, doc->canonical.len, &opts, &p2) == 0,
		   "loading the canonical form runs");
	FUZZ_CHECK(again != NULL && p2.count == 0, "a valid document stays valid canonicalised");
	FUZZ_CHECK(ref_equal(&doc->ref, &again->ref), "canonicalising keeps the ref");
	FUZZ_CHECK(again->canonical.len == doc->canonical.len &&
		   !memcmp(again->canonical.ptr, doc->canonical.ptr, doc->canonical.len),
		   "canonical of canonical is identical");

	hrdex_ref_path(path, sizeof(path), &doc->ref);
	FUZZ_CHECK(hrdex_ref_from_path(&ref, path) == 0 && ref_equal(&ref, &doc->ref),
		   "a document's path names its ref");
	opts.expect_path = path;
	opts.expect_publisher = doc->ref.publisher;
	FUZZ_CHECK(hrdex_doc_load(&at_path, text, len, &opts, &p3) == 0 && at_path && !p3.count,
		   "a valid document is valid at its own path");
done:
	hrdex_doc_free(doc);
	hrdex_doc_free(again);
	hrdex_doc_free(at_path);
	hrdex_problems_free(&p1);
	hrdex_problems_free(&p2);
	hrdex_problems_free(&p3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);

	if (size > MAX_INPUT)
		return 0;
	if (nul)
		schema_mode(text, (size_t)(nul - text), nul + 1, size - (size_t)(nul - text) - 1);
	else
		document_mode(text, size);
	hrdex_error_clear();
	return 0;
}
