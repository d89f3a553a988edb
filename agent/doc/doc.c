/*
 * doc.c - document parsing, envelope consistency and refs (see doc.h).
 */
#include "doc.h"
#include "config.h"
#include "doctype.h"
#include "error.h"
#include "json.h"
#include "regext.h"
#include "schema.h"
#include "semantic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set once per process by hrdex_state_open (doc.h): bounded copies, so a
 * caller's config may be freed. */
static char network_registry[HRDEX_PUBLISHER_MAX + 1];
static char network_self[HRDEX_PUBLISHER_MAX + 1];
static char network_self_key[128];   /* "ssh-ed25519 BASE64" (80 characters) */

/* "ssh-ed25519 BASE64" of text (a key line, an optional comment after it)
 * into out; "" when it does not start so. */
static void key_words(char *out, size_t size, const char *text)
{
	size_t n;

	out[0] = '\0';
	if (!text || strncmp(text, "ssh-ed25519 ", 12))
		return;
	n = 12 + strcspn(text + 12, " \t\n");
	if (n < size) {
		memcpy(out, text, n);
		out[n] = '\0';
	}
}

void hrdex_doc_network_set(const char *registry, const char *self, const char *self_key)
{
	key_words(network_self_key, sizeof(network_self_key), self_key);
	snprintf(network_registry, sizeof(network_registry), "%s",
		 registry && hrdex_publisher_valid(registry) ? registry : "");
	snprintf(network_self, sizeof(network_self), "%s", self && hrdex_publisher_valid(self) ? self : "");
}

void hrdex_doc_network_digest(char *out, size_t size)
{
	hrdex_fmt_cut(out, size, "%s %s %s", network_registry, network_self, network_self_key);
}

int hrdex_doc_network_problem(char *out, size_t size, const char *publisher, const char *type, const char *id,
			      const char *key)
{
	const struct hrdex_doctype *t = hrdex_doctype_get(type);
	char words[128];

	if (!t || !t->registry_only)
		return 0;
	if (!network_registry[0]) {
		hrdex_fmt_cut(out, size, "no registry configured: only a network's registry publishes %s documents "
			      "(registry.publisher)", type);
		return 1;
	}
	if (strcmp(publisher, network_registry)) {
		hrdex_fmt_cut(out, size, "only the registry '%s' publishes %s documents", network_registry, type);
		return 1;
	}
	if (!strcmp(type, "member") && !strcmp(id, network_registry)) {
		hrdex_fmt_cut(out, size, "a member document claims the registry's own id '%s'", id);
		return 1;
	}
	key_words(words, sizeof(words), key);
	if (!strcmp(type, "member") && network_self[0] && !strcmp(id, network_self) &&
	    (!network_self_key[0] || strcmp(words, network_self_key))) {
		hrdex_fmt_cut(out, size, "a member document claims this agent's own id '%s' with another key", id);
		return 1;
	}
	return 0;
}

int hrdex_doc_type_valid(const char *type)
{
	int v;

	for (v = 1; v <= HRDEX_SCHEMA_NEWEST; v++)
		if (hrdex_schema_id_for(type, v))
			return 1;
	return 0;
}

int hrdex_doc_id_valid(const char *id)
{
	size_t i, n = strlen(id);

	if (n < 1 || n > HRDEX_ID_MAX)
		return 0;
	if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= '0' && id[0] <= '9')))
		return 0;
	for (i = 1; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return strstr(id, "..") == NULL;
}

/* Split "P/T/ID" (suffix already removed) into r; 0 when every part is valid. */
static int split_ref(struct hrdex_ref *r, const char *text, size_t len)
{
	const char *s1 = memchr(text, '/', len), *s2;
	size_t plen, tlen, ilen;

	if (!s1)
		return -1;
	s2 = memchr(s1 + 1, '/', len - (size_t)(s1 + 1 - text));
	if (!s2)
		return -1;
	plen = (size_t)(s1 - text);
	tlen = (size_t)(s2 - s1 - 1);
	ilen = len - (size_t)(s2 + 1 - text);
	if (plen > HRDEX_PUBLISHER_MAX || tlen > HRDEX_TYPE_MAX || ilen > HRDEX_ID_MAX)
		return -1;
	memcpy(r->publisher, text, plen);
	r->publisher[plen] = '\0';
	memcpy(r->type, s1 + 1, tlen);
	r->type[tlen] = '\0';
	memcpy(r->id, s2 + 1, ilen);
	r->id[ilen] = '\0';
	if (!hrdex_publisher_valid(r->publisher) || !hrdex_doc_type_valid(r->type) ||
	    !hrdex_doc_id_valid(r->id))
		return -1;
	return 0;
}

int hrdex_ref_parse(struct hrdex_ref *out, const char *text)
{
	size_t len = strlen(text);

	if (len > 5 && !strcmp(text + len - 5, ".json"))
		len -= 5;
	if (split_ref(out, text, len) < 0)
		return hrdex_error_set(HRDEX_E_USAGE,
				       "'%s' is not a document ref (PUBLISHER/TYPE/ID)", text);
	return 0;
}

int hrdex_ref_from_path(struct hrdex_ref *out, const char *path)
{
	size_t len = strlen(path);

	if (len <= 5 || strcmp(path + len - 5, ".json"))
		return -1;
	return split_ref(out, path, len - 5);
}

void hrdex_ref_format(char *out, size_t size, const struct hrdex_ref *r)
{
	snprintf(out, size, "%s/%s/%s", r->publisher, r->type, r->id); /* fits: the parts are bounded (doc.h) and callers pass HRDEX_REF_MAX + 1 */
}

int hrdex_ref_file(char *out, size_t size, const struct hrdex_ref *r, const char *suffix, const char *name)
{
	int n = snprintf(out, size, "%s/%s/%s%s%s%s", r->publisher, r->type, r->id, suffix, name ? "/" : "",
			 name ? name : "");

	if (n < 0 || (size_t)n >= size)
		return hrdex_error_set(HRDEX_E_INTERNAL, "path of '%s/%s/%s%s' too long", r->publisher, r->type,
				       r->id, suffix);
	return 0;
}

int hrdex_ref_path(char *out, size_t size, const struct hrdex_ref *r)
{
	return hrdex_ref_file(out, size, r, ".json", NULL);
}

void hrdex_doc_free(struct hrdex_doc *doc)
{
	if (!doc)
		return;
	cJSON_Delete(doc->json);
	hrdex_buf_free(&doc->canonical);
	free(doc);
}

/* "1", "1 and 2", "1, 2 and 3": the versions this agent knows. */
static const char *known_versions(void)
{
	static const char *const names[] = { "1", "1 and 2", "1, 2 and 3", "1, 2, 3 and 4" };
	int n = hrdex_schema_known_newest();

	return n >= 1 && n <= (int)(sizeof(names) / sizeof(names[0])) ? names[n - 1] : "?";
}

static const char *string_member(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int hrdex_doc_load(struct hrdex_doc **out, const char *data, size_t len,
		   const struct hrdex_doc_opts *opts, struct hrdex_problems *problems)
{
	const struct hrdex_limits *lim = opts->limits;
	struct hrdex_json_opts jo = { 0, 0, 0 };
	struct hrdex_doc *doc = NULL;
	size_t before = problems->count;
	const char *publisher, *type, *schema_id;
	char envelope[64];
	cJSON *json = NULL;
	int ret = -1, version;

	*out = NULL;
	if (opts->version)
		*opts->version = 0;
	if (lim) {
		jo.max_bytes = (size_t)lim->document_bytes;
		jo.max_depth = (int)lim->json_depth;
		jo.max_string = (size_t)lim->string_bytes;
		if ((int64_t)len > lim->document_bytes) {
			ret = hrdex_problems_add(problems, "", "size",
						 "document is %zu bytes, over the limit of %lld", len,
						 (long long)lim->document_bytes);
			goto cleanup;
		}
	}
	if (hrdex_json_parse(&json, data, len, &jo) < 0) {
		if (hrdex_error_kind() != HRDEX_E_INVALID)
			goto cleanup;
		ret = hrdex_problems_add(problems, "", "json", "%s", hrdex_error_message());
		goto cleanup;
	}
	if (!cJSON_IsObject(json)) {
		ret = hrdex_problems_add(problems, "", "type", "a document must be a JSON object");
		goto cleanup;
	}
	if (opts->fill_publisher && !cJSON_GetObjectItemCaseSensitive(json, "publisher") &&
	    !cJSON_AddStringToObject(json, "publisher", opts->fill_publisher)) {
		hrdex_error_oom();
		goto cleanup;
	}
	/* A document names the schema version it was written for (absent: 1)
	 * and is validated against that version; a version or a type this
	 * agent does not know is one problem, which holds the document. */
	version = hrdex_doc_version(json);
	type = string_member(json, "type");
	if (opts->version)
		*opts->version = version;
	if (version < 1 || version > hrdex_schema_known_newest()) {
		char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(json, "schema"));

		ret = hrdex_problems_add(problems, "/schema", "schema",
					 "schema version %.40s is not known to this agent (it knows %s)",
					 text ? text : "?", known_versions());
		cJSON_free(text);
		goto cleanup;
	}
	schema_id = type ? hrdex_schema_id_for(type, version) : NULL;
	if (type && !schema_id && (version > 1 || hrdex_doc_type_valid(type))) {
		/* Version 1's envelope names its types (an enum): its message
		 * stays as it always was for a type no version has. */
		const struct hrdex_doctype *t = hrdex_doctype_get(type);

		if (t && version < t->since && hrdex_doc_type_valid(type))
			ret = hrdex_problems_add(problems, "/type", "schema",
						 "type '%.64s' does not exist in schema version %d", type, version);
		else
			ret = hrdex_problems_add(problems, "/type", "schema",
						 "type '%.64s' is not known to this agent", type);
		goto cleanup;
	}
	/* Without a known type, the envelope still says what else is wrong. */
	if (!schema_id && hrdex_fmt(envelope, sizeof(envelope), "%s%d/envelope.json", HRDEX_SCHEMA_ROOT,
				    version) < 0)
		goto cleanup;
	if (hrdex_schema_validate(opts->schemas, schema_id ? schema_id : envelope, json, problems) < 0)
		goto cleanup;
	/* The checks no schema states (end before start, country codes...). */
	if (hrdex_doc_semantic(json, problems, before) < 0)
		goto cleanup;
	publisher = string_member(json, "publisher");
	if (opts->expect_publisher && publisher && strcmp(publisher, opts->expect_publisher) &&
	    hrdex_problems_add(problems, "/publisher", "publisher", "is '%s', expected '%s'",
			       publisher, opts->expect_publisher) < 0)
		goto cleanup;
	if (problems->count == before && publisher && type) {
		char why[256];
		const char *id = string_member(json, "id");

		if (hrdex_doc_network_problem(why, sizeof(why), publisher, type, id ? id : "",
					      string_member(json, "key")) &&
		    hrdex_problems_add(problems, "/publisher", "registry", "%s", why) < 0)
			goto cleanup;
	}
	/* What the registry's schema and vocabulary documents may add (regext.h). */
	if (problems->count == before && hrdex_regext_check(json, problems) < 0)
		goto cleanup;
	if (problems->count > before) {
		ret = 0;
		goto cleanup;
	}

	doc = calloc(1, sizeof(*doc));
	if (!doc) {
		hrdex_error_oom();
		goto cleanup;
	}
	/* The schema has checked these three (fit: bounded by doc.h); split_ref re-checks cheaply. */
	snprintf(doc->ref.publisher, sizeof(doc->ref.publisher), "%s", publisher ? publisher : "");
	snprintf(doc->ref.type, sizeof(doc->ref.type), "%s", type ? type : "");
	snprintf(doc->ref.id, sizeof(doc->ref.id), "%s",
		 string_member(json, "id") ? string_member(json, "id") : "");
	if (!hrdex_publisher_valid(doc->ref.publisher) || !hrdex_doc_type_valid(doc->ref.type) ||
	    !hrdex_doc_id_valid(doc->ref.id)) {
		ret = hrdex_problems_add(problems, "", "envelope",
					 "publisher, type or id is missing or malformed");
		goto cleanup;
	}
	if (opts->expect_path) {
		char path[HRDEX_REF_MAX + 8];

		if (hrdex_ref_path(path, sizeof(path), &doc->ref) < 0)
			goto cleanup;
		if (strcmp(path, opts->expect_path)) {
			ret = hrdex_problems_add(problems, "/id", "path",
						 "document '%s' is stored at '%s'", path, opts->expect_path);
			goto cleanup;
		}
	}
	if (hrdex_json_canonical(&doc->canonical, json) < 0)
		goto cleanup;
	doc->json = json;
	json = NULL;
	*out = doc;
	doc = NULL;
	ret = 0;
cleanup:
	hrdex_doc_free(doc);
	cJSON_Delete(json);
	return ret;
}
