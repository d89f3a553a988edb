/*
 * members.c - STATE/registry.json (see members.h).
 */
#include "members.h"
#include "buf.h"
#include "error.h"
#include "fs.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define MEMBERS_FILE "registry.json"
#define MEMBERS_MAX (16 << 20)

int hrdex_members_load(cJSON **out, const char *dir)
{
	struct hrdex_buf path = HRDEX_BUF_INIT, text = HRDEX_BUF_INIT;
	struct hrdex_json_opts jo = { 0, 0, 0 };
	int ret = -1;

	*out = NULL;
	if (hrdex_buf_printf(&path, "%s/%s", dir, MEMBERS_FILE) < 0)
		return -1;
	if (!hrdex_fs_exists(path.ptr)) {
		*out = cJSON_CreateObject();
		ret = *out ? 0 : hrdex_error_oom();
		goto cleanup;
	}
	if (hrdex_fs_read(&text, path.ptr, MEMBERS_MAX) < 0)
		goto cleanup;
	if (hrdex_json_parse(out, text.ptr ? text.ptr : "", text.len, &jo) < 0 || !cJSON_IsObject(*out)) {
		char why[512];

		hrdex_fmt_cut(why, sizeof(why), "%s", *out ? "not a JSON object" : hrdex_error_message());
		cJSON_Delete(*out);
		*out = NULL;
		hrdex_error_set(HRDEX_E_CONFIG, "'%s' is damaged: %s (it is derived: remove it and sync again)",
				path.ptr, why);
		goto cleanup;
	}
	ret = 0;
cleanup:
	hrdex_buf_free(&path);
	hrdex_buf_free(&text);
	return ret;
}

int hrdex_members_save(const cJSON *m, const char *dir)
{
	struct hrdex_buf path = HRDEX_BUF_INIT, text = HRDEX_BUF_INIT;
	int ret = -1;

	if (hrdex_buf_printf(&path, "%s/%s", dir, MEMBERS_FILE) < 0 || hrdex_json_canonical(&text, m) < 0)
		goto cleanup;
	ret = hrdex_fs_write_atomic(path.ptr, text.ptr ? text.ptr : "", text.len, 0644);
cleanup:
	hrdex_buf_free(&path);
	hrdex_buf_free(&text);
	return ret;
}

int hrdex_members_names(struct hrdex_config *c, const cJSON *m)
{
	const cJSON *members = cJSON_GetObjectItemCaseSensitive(m, "members"), *e;
	size_t n = 0, i;

	for (i = 0; i < c->nregistry_names; i++) {
		free(c->registry_names[i].id);
		free(c->registry_names[i].name);
	}
	free(c->registry_names);
	c->registry_names = NULL;
	c->nregistry_names = 0;
	cJSON_ArrayForEach(e, members) n++;
	if (!n)
		return 0;
	c->registry_names = calloc(n, sizeof(*c->registry_names));
	if (!c->registry_names)
		return hrdex_error_oom();
	cJSON_ArrayForEach(e, members) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
		struct hrdex_publisher_name *p = &c->registry_names[c->nregistry_names];

		if (!e->string || !name || !name[0])
			continue;
		p->id = strdup(e->string);
		p->name = strdup(name);
		c->nregistry_names++;
		if (!p->id || !p->name)
			return hrdex_error_oom();
	}
	return 0;
}
