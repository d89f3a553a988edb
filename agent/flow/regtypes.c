/*
 * regtypes.c - the registry's schemas and vocabularies applied (see regtypes.h).
 */
#include "regtypes.h"
#include "accept.h"
#include "buf.h"
#include "doc.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "limit.h"
#include "log.h"
#include "regext.h"
#include "registry.h"
#include "schema.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD "registry-types.json"
#define RECORD_MAX (8 * 1024 * 1024)

/* The registry's publisher id (registry.h), "" when none. */
static int registry_id(struct hrdex_state *st, char out[HRDEX_PUBLISHER_MAX + 1])
{
	out[0] = '\0';
	hrdex_registry_get(st->config, out);
	return 0;
}

/* The record on disk for registry, else an empty one. */
static cJSON *record_read(struct hrdex_state *st, const char *registry)
{
	struct hrdex_buf data = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(st, RECORD);
	cJSON *r = NULL;
	const cJSON *reg;

	if (!path) {
		hrdex_error_oom();
		return NULL;
	}
	if (hrdex_fs_exists(path)) {
		if (hrdex_fs_read(&data, path, RECORD_MAX) < 0)
			goto cleanup;
		r = cJSON_ParseWithLength(data.ptr, data.len);
		reg = cJSON_GetObjectItemCaseSensitive(r, "registry");
		if (!cJSON_IsObject(r) || !cJSON_IsString(reg)) {
			hrdex_error_set(HRDEX_E_IO, "'%s' is damaged: remove it and run 'hrdex sync'", path);
			cJSON_Delete(r);
			r = NULL;
			goto cleanup;
		}
		if (strcmp(reg->valuestring, registry)) {
			/* another registry: what the old one added does not hold here */
			cJSON_Delete(r);
			r = NULL;
		}
	}
	if (!r) {
		r = cJSON_CreateObject();
		if (!r || !cJSON_AddStringToObject(r, "registry", registry)) {
			cJSON_Delete(r);
			r = NULL;
			hrdex_error_oom();
			goto cleanup;
		}
	}
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "schemas")))
		cJSON_AddArrayToObject(r, "schemas");
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "vocabularies")))
		cJSON_AddArrayToObject(r, "vocabularies");
cleanup:
	hrdex_buf_free(&data);
	free(path);
	return r;
}

static int record_write(struct hrdex_state *st, const cJSON *record)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(st, RECORD);
	int r = -1;

	if (!path)
		return hrdex_error_oom();
	if (hrdex_json_canonical(&text, record) == 0)
		r = hrdex_fs_write_atomic(path, text.ptr, text.len, 0644);
	hrdex_buf_free(&text);
	free(path);
	return r;
}

/* st->schemas learns the record's new types, in place: callers may hold it. */
static int renew_schemas(struct hrdex_state *st)
{
	return st->schemas ? hrdex_regext_add_schemas(st->schemas) : 0;
}

int hrdex_regtypes_load(struct hrdex_state *st)
{
	char registry[HRDEX_PUBLISHER_MAX + 1];
	cJSON *record;
	int r;

	if (registry_id(st, registry) < 0)
		return -1;
	if (!*registry)
		return hrdex_regext_install(NULL);
	record = record_read(st, registry);
	if (!record)
		return -1;
	r = hrdex_regext_install(record);
	cJSON_Delete(record);
	if (r == 0 && hrdex_regext_ntypes())
		r = renew_schemas(st);
	return r;
}

static cJSON *by_id(const cJSON *array, const char *id)
{
	cJSON *e;

	cJSON_ArrayForEach(e, array) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "id");

		if (cJSON_IsString(v) && !strcmp(v->valuestring, id))
			return e;
	}
	return NULL;
}

/* Merge an accepted vocabulary document into the record; 1 when it added something. */
static int merge_vocabulary(cJSON *record, const cJSON *doc)
{
	cJSON *lists = cJSON_GetObjectItemCaseSensitive(record, "vocabularies"), *list, *entries;
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "id"));
	const cJSON *e;
	int added = 0;

	list = by_id(lists, name);
	if (!list) {
		list = cJSON_CreateObject();
		if (!list || !cJSON_AddStringToObject(list, "id", name) ||
		    !cJSON_AddItemToObject(list, "title",
					   cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "title"), 1)) ||
		    !cJSON_AddBoolToObject(list, "new", hrdex_vocab_title(name, "en") == NULL) ||
		    !cJSON_AddArrayToObject(list, "entries")) {
			cJSON_Delete(list);
			return hrdex_error_oom();
		}
		cJSON_AddItemToArray(lists, list);
		added = 1;
	}
	entries = cJSON_GetObjectItemCaseSensitive(list, "entries");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "entries")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "id"));
		cJSON *copy;

		/* an entry the list has (built in, or added before) stays as it is */
		if (!id || hrdex_vocab_has(name, id) || by_id(entries, id))
			continue;
		copy = cJSON_CreateObject();
		if (!copy || !cJSON_AddStringToObject(copy, "id", id) ||
		    !cJSON_AddItemToObject(copy, "labels",
					   cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "labels"), 1))) {
			cJSON_Delete(copy);
			return hrdex_error_oom();
		}
		cJSON_AddItemToArray(entries, copy);
		added = 1;
	}
	return added;
}

/* Apply the documents of one type folder (schema or vocabulary) of the
 * registry's tree; 1 when the record grew. */
static int apply_folder(struct hrdex_state *st, struct hrdex_schemas *schemas, cJSON *record,
			const char *registry, const git_tree *root, const char *type)
{
	const struct hrdex_limits *limits;
	struct hrdex_limits lim;
	git_tree_entry *te = NULL;
	git_tree *t = NULL;
	char path[HRDEX_PUBLISHER_MAX + HRDEX_TYPE_MAX + 2];
	size_t i;
	int grew = 0, r = -1;

	hrdex_limits_default(&lim);
	limits = &lim; /* as main and the cache hold documents (mainview.c) */
	if (hrdex_fmt(path, sizeof(path), "%s/%s", registry, type) < 0)
		return -1;
	if (git_tree_entry_bypath(&te, root, path) < 0)
		return 0; /* none of this type */
	if (git_tree_lookup(&t, st->repo, git_tree_entry_id(te)) < 0) {
		git_tree_entry_free(te);
		return hrdex_error_git(HRDEX_E_IO, "cannot read '%s'", path);
	}
	for (i = 0; i < git_tree_entrycount(t); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		const char *name = git_tree_entry_name(e);
		size_t len = strlen(name);
		char id[HRDEX_ID_MAX + 1], reason[768];
		git_blob *blob = NULL;
		cJSON *doc = NULL;
		int held;

		if (len <= 5 || len - 5 > HRDEX_ID_MAX || strcmp(name + len - 5, ".json"))
			continue;
		memcpy(id, name, len - 5);
		id[len - 5] = '\0';
		held = hrdex_document_check(st->repo, schemas, limits, registry, type, t, id, reason, sizeof(reason));
		if (held < 0)
			goto cleanup;
		if (held)
			continue; /* status, verify and query --held say why */
		if (git_blob_lookup(&blob, st->repo, git_tree_entry_id(e)) < 0) {
			hrdex_error_git(HRDEX_E_IO, "cannot read '%s/%s'", path, name);
			goto cleanup;
		}
		doc = cJSON_ParseWithLength(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
		git_blob_free(blob);
		if (!doc)
			continue;
		if (!strcmp(type, "vocabulary")) {
			int m = merge_vocabulary(record, doc);

			if (m < 0) {
				cJSON_Delete(doc);
				goto cleanup;
			}
			grew |= m;
		} else if (!by_id(cJSON_GetObjectItemCaseSensitive(record, "schemas"), id)) {
			cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(record, "schemas"), doc);
			doc = NULL;
			hrdex_log_info("registry: applied %s/schema/%s", registry, id);
			grew = 1;
			/* the next schema document sees this one as defined */
			if (hrdex_regext_install(record) < 0)
				goto cleanup;
		}
		cJSON_Delete(doc);
	}
	r = grew;
cleanup:
	git_tree_free(t);
	git_tree_entry_free(te);
	return r;
}

int hrdex_regtypes_apply(struct hrdex_state *st)
{
	char registry[HRDEX_PUBLISHER_MAX + 1], ref[HRDEX_PUBLISHER_MAX + 16];
	struct hrdex_schemas *schemas = NULL;
	cJSON *record = NULL;
	git_commit *tip = NULL;
	git_tree *root = NULL;
	git_oid oid;
	int r = -1, a, grew = 0;

	if (registry_id(st, registry) < 0)
		return -1;
	if (!*registry) {
		if (*hrdex_regext_registry() && hrdex_regext_install(NULL) < 0)
			return -1;
		return 0;
	}
	record = record_read(st, registry);
	if (!record || hrdex_regext_install(record) < 0)
		goto cleanup;
	if (hrdex_fmt(ref, sizeof(ref), "refs/heads/%s", registry) < 0)
		goto cleanup;
	if (git_reference_name_to_id(&oid, st->repo, ref) < 0) {
		r = 0; /* nothing from the registry yet */
		goto cleanup;
	}
	if (git_commit_lookup(&tip, st->repo, &oid) < 0 || git_commit_tree(&root, tip) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot read the registry's branch '%s'", ref);
		goto cleanup;
	}
	/* Lists first: a new type's definition may name a new list. */
	if (hrdex_schemas_new(&schemas) < 0 || hrdex_schemas_add_builtin(schemas) < 0)
		goto cleanup;
	if ((a = apply_folder(st, schemas, record, registry, root, "vocabulary")) < 0)
		goto cleanup;
	grew |= a;
	if (a && hrdex_regext_install(record) < 0)
		goto cleanup;
	if ((a = apply_folder(st, schemas, record, registry, root, "schema")) < 0)
		goto cleanup;
	grew |= a;
	if (grew && (record_write(st, record) < 0 || hrdex_regext_install(record) < 0 || renew_schemas(st) < 0))
		goto cleanup;
	r = grew;
cleanup:
	hrdex_schemas_free(schemas);
	git_tree_free(root);
	git_commit_free(tip);
	cJSON_Delete(record);
	return r;
}
