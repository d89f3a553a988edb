/*
 * ledger.c - STATE/tips.json (see ledger.h).
 */
#include "ledger.h"
#include "buf.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#define LEDGER_FILE "tips.json"
#define LEDGER_MAX (16 << 20)

static int bad(const struct hrdex_ledger *l, const char *what)
{
	return hrdex_error_set(HRDEX_E_CONFIG, "'%s': %s (the record of accepted tips; restore it from a backup, "
			       "or remove it to start a new record)", l->path, what);
}

static int get_oid(git_oid *out, const cJSON *o, const char *key, int optional)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	memset(out, 0, sizeof(*out));
	if (!v && optional)
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) != GIT_OID_HEXSZ || git_oid_fromstr(out, v->valuestring) < 0)
		return -1;
	return 0;
}

static int get_time(int64_t *out, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = 0;
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e15)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

static int parse(struct hrdex_ledger *l, const cJSON *root)
{
	const cJSON *pubs = cJSON_GetObjectItemCaseSensitive(root, "publishers");
	const cJSON *resets = cJSON_GetObjectItemCaseSensitive(root, "resets");
	const cJSON *e;

	if (!cJSON_IsObject(root) || (pubs && !cJSON_IsObject(pubs)) || (resets && !cJSON_IsArray(resets)))
		return bad(l, "not a record of tips");
	cJSON_ArrayForEach(e, pubs) {
		struct hrdex_ledger_entry *x;

		if (!hrdex_publisher_valid(e->string) || !cJSON_IsObject(e))
			return bad(l, "a publisher entry is malformed");
		if (!(x = hrdex_ledger_get(l, e->string, 1, 0)))
			return -1;
		if (get_oid(&x->tip, e, "tip", 1) < 0 || get_time(&x->moved, e, "moved") < 0 ||
		    get_time(&x->offered, e, "offered") < 0 || get_time(&x->since, e, "since") < 0)
			return bad(l, "a publisher entry is malformed");
	}
	cJSON_ArrayForEach(e, resets) {
		struct hrdex_reset r;
		const cJSON *pub = cJSON_GetObjectItemCaseSensitive(e, "publisher");
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(e, "key");
		const cJSON *ab = cJSON_GetObjectItemCaseSensitive(e, "abandoned");
		const cJSON *by = cJSON_GetObjectItemCaseSensitive(e, "by");

		memset(&r, 0, sizeof(r));
		if (!cJSON_IsString(pub) || !hrdex_publisher_valid(pub->valuestring) || !cJSON_IsString(key) ||
		    hrdex_key_parse_public(r.key, key->valuestring) < 0 || get_oid(&r.commit, e, "commit", 0) < 0 ||
		    get_oid(&r.from, e, "from", 1) < 0 || get_time(&r.time, e, "time") < 0 ||
		    (ab && (!cJSON_IsString(ab) || strlen(ab->valuestring) >= sizeof(r.abandoned))) ||
		    (by && (!cJSON_IsString(by) || strlen(by->valuestring) >= sizeof(r.by))))
			return bad(l, "a reset entry is malformed");
		hrdex_error_clear();
		snprintf(r.publisher, sizeof(r.publisher), "%s", pub->valuestring); /* fits: a valid id */
		if (ab)
			snprintf(r.abandoned, sizeof(r.abandoned), "%s", ab->valuestring); /* length checked */
		if (by)
			snprintf(r.by, sizeof(r.by), "%s", by->valuestring); /* length checked */
		if (hrdex_ledger_add_reset(l, &r) < 0)
			return -1;
	}
	return 0;
}

int hrdex_ledger_load(struct hrdex_ledger **out, const char *state_dir)
{
	struct hrdex_ledger *l = calloc(1, sizeof(*l));
	struct hrdex_buf text = HRDEX_BUF_INIT;
	cJSON *root = NULL;
	int ret = -1;

	*out = NULL;
	if (!l || !(l->path = hrdex_path_join(state_dir, LEDGER_FILE))) {
		hrdex_ledger_free(l);
		return hrdex_error_oom();
	}
	if (hrdex_fs_exists(l->path)) {
		if (hrdex_fs_read(&text, l->path, LEDGER_MAX) < 0)
			goto cleanup;
		if (hrdex_json_parse(&root, text.ptr ? text.ptr : "", text.len, NULL) < 0) {
			char why[512];

			hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
			bad(l, why);
			goto cleanup;
		}
		if (parse(l, root) < 0)
			goto cleanup;
	}
	*out = l;
	l = NULL;
	ret = 0;
cleanup:
	cJSON_Delete(root);
	hrdex_buf_free(&text);
	hrdex_ledger_free(l);
	return ret;
}

static int add_oid(cJSON *o, const char *key, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	return cJSON_AddStringToObject(o, key, hex) ? 0 : -1;
}

int hrdex_ledger_save(const struct hrdex_ledger *l)
{
	cJSON *root = cJSON_CreateObject(), *pubs, *resets;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	size_t i;
	int ret = -1;

	if (!root || !(pubs = cJSON_AddObjectToObject(root, "publishers")) ||
	    !(resets = cJSON_AddArrayToObject(root, "resets")))
		goto oom;
	for (i = 0; i < l->n; i++) {
		const struct hrdex_ledger_entry *e = &l->items[i];
		cJSON *o = cJSON_AddObjectToObject(pubs, e->publisher);

		if (!o || (!git_oid_is_zero(&e->tip) && add_oid(o, "tip", &e->tip) < 0) ||
		    !cJSON_AddNumberToObject(o, "moved", (double)e->moved) ||
		    !cJSON_AddNumberToObject(o, "offered", (double)e->offered) ||
		    !cJSON_AddNumberToObject(o, "since", (double)e->since))
			goto oom;
	}
	for (i = 0; i < l->nresets; i++) {
		const struct hrdex_reset *r = &l->resets[i];
		struct hrdex_buf key = HRDEX_BUF_INIT;
		cJSON *o = cJSON_CreateObject();
		int ok;

		if (!o)
			goto oom;
		cJSON_AddItemToArray(resets, o);
		ok = hrdex_key_public_line(&key, r->key, NULL) == 0 && cJSON_AddStringToObject(o, "key", key.ptr) &&
		     cJSON_AddStringToObject(o, "publisher", r->publisher) && add_oid(o, "commit", &r->commit) == 0 &&
		     (git_oid_is_zero(&r->from) || add_oid(o, "from", &r->from) == 0) &&
		     cJSON_AddNumberToObject(o, "time", (double)r->time) &&
		     (!r->abandoned[0] || cJSON_AddStringToObject(o, "abandoned", r->abandoned)) &&
		     (!r->by[0] || cJSON_AddStringToObject(o, "by", r->by));
		hrdex_buf_free(&key);
		if (!ok)
			goto oom;
	}
	if (hrdex_json_canonical(&text, root) < 0)
		goto cleanup;
	ret = hrdex_fs_write_atomic(l->path, text.ptr, text.len, 0644);
	goto cleanup;
oom:
	hrdex_error_oom();
cleanup:
	hrdex_buf_free(&text);
	cJSON_Delete(root);
	return ret;
}

void hrdex_ledger_free(struct hrdex_ledger *l)
{
	if (!l)
		return;
	free(l->path);
	free(l->items);
	free(l->resets);
	free(l);
}

struct hrdex_ledger_entry *hrdex_ledger_get(struct hrdex_ledger *l, const char *publisher, int create,
					    int64_t now)
{
	struct hrdex_ledger_entry *items, *e;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].publisher, publisher))
			return &l->items[i];
	if (!create)
		return NULL;
	if (strlen(publisher) >= sizeof(e->publisher)) {
		hrdex_error_set(HRDEX_E_INTERNAL, "publisher id '%s' too long", publisher);
		return NULL;
	}
	items = realloc(l->items, (l->n + 1) * sizeof(*items));
	if (!items) {
		hrdex_error_oom();
		return NULL;
	}
	l->items = items;
	e = &items[l->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->publisher, sizeof(e->publisher), "%s", publisher); /* length checked */
	e->since = now;
	return e;
}

int hrdex_ledger_moved(struct hrdex_ledger *l, const char *publisher, const git_oid *tip, int64_t now)
{
	struct hrdex_ledger_entry *e = hrdex_ledger_get(l, publisher, 1, now);

	if (!e)
		return -1;
	git_oid_cpy(&e->tip, tip);
	e->moved = e->offered = now;
	return 0;
}

const struct hrdex_reset *hrdex_ledger_last_reset(const struct hrdex_ledger *l, const char *publisher)
{
	size_t i;

	for (i = l ? l->nresets : 0; i-- > 0;)
		if (!strcmp(l->resets[i].publisher, publisher))
			return &l->resets[i];
	return NULL;
}

int hrdex_ledger_add_reset(struct hrdex_ledger *l, const struct hrdex_reset *r)
{
	struct hrdex_reset *more = realloc(l->resets, (l->nresets + 1) * sizeof(*more));

	if (!more)
		return hrdex_error_oom();
	l->resets = more;
	l->resets[l->nresets++] = *r;
	return 0;
}

int hrdex_ledger_base(const struct hrdex_ledger *l, git_repository *repo, const char *publisher, const git_oid *cur,
		      git_oid *base)
{
	size_t i;
	int r;

	for (i = 0; l && i < l->n; i++) {
		const struct hrdex_ledger_entry *e = &l->items[i];

		if (strcmp(e->publisher, publisher))
			continue;
		if (git_oid_is_zero(&e->tip) || git_oid_equal(&e->tip, cur))
			return 0;
		r = git_graph_descendant_of(repo, cur, &e->tip);
		git_error_clear(); /* the newest tip missing from repo.git: cur cannot contain it */
		if (r == 1)
			return 0;
		git_oid_cpy(base, &e->tip);
		return 1;
	}
	return 0;
}

int hrdex_ledger_check_tip(const struct hrdex_ledger *l, git_repository *repo, const char *publisher,
			   const git_oid *tip, const git_oid *cur, char *why, size_t size)
{
	const struct hrdex_ledger_entry *e = NULL;
	char hex[GIT_OID_HEXSZ + 1], when[32] = "?";
	time_t t;
	struct tm tm;
	size_t i;
	int r;

	for (i = 0; l && i < l->n; i++)
		if (!strcmp(l->items[i].publisher, publisher))
			e = &l->items[i];
	if (!e || git_oid_is_zero(&e->tip) || git_oid_equal(&e->tip, tip) || (cur && git_oid_equal(&e->tip, cur)))
		return 0;
	r = git_graph_descendant_of(repo, tip, &e->tip);
	if (r == 1)
		return 0;
	if (r < 0)
		git_error_clear(); /* the newest tip is not in repo: tip cannot contain it */
	git_oid_tostr(hex, sizeof(hex), &e->tip);
	t = (time_t)e->moved;
	if (e->moved && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	hrdex_fmt_cut(why, size, "older than or beside %.12s, the newest '%s' this agent accepted (%s; "
		      "recorded in %s, outside repo.git): a rollback, e.g. a peer or repo.git restored from a "
		      "backup", hex, publisher, when, LEDGER_FILE);
	return 1;
}
