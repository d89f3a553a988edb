/*
 * sync_refused.c - refusals remembered across rounds (see sync_int.h).
 */
#include "sync_int.h"
#include "buf.h"
#include "accept.h"
#include "cache.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "pack.h"
#include "readme.h"
#include "refresh.h"
#include "repo.h"
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- refusals remembered across rounds ---- */

/*
 * A branch refused by the acceptance rules is refused again, for the same
 * reason, whenever the same tip is offered on top of the same tip of ours,
 * as long as the rules themselves have not changed.  So the verdict is kept
 * in STATE/refused.json, with a digest of everything the rules read besides
 * the objects (the hrdex binary, allowed_signers, the limits), and a later
 * offer of that tip, from any peer, is refused without being checked again:
 * a hostile peer cannot make every sync pay for the same bytes.  Refusals
 * that depend on what a peer sent rather than on the tip ("missing-object")
 * are not kept.
 */
#define REFUSED_FILE "refused.json"
#define REFUSED_MAX 1000

void sync_refusals_free(struct refusals *r)
{
	if (!r)
		return;
	free(r->items);
	free(r);
}

struct refusal *sync_refusal_find(const struct refusals *r, const char *publisher, const git_oid *tip,
				    const git_oid *base)
{
	size_t i;

	for (i = 0; r && i < r->n; i++)
		if (git_oid_equal(&r->items[i].tip, tip) && git_oid_equal(&r->items[i].base, base) &&
		    !strcmp(r->items[i].publisher, publisher))
			return &r->items[i];
	return NULL;
}

int sync_refusal_add(struct refusals *r, const char *publisher, const git_oid *tip, const git_oid *base,
		       const char *rule, const char *reason)
{
	struct refusal *x;

	if (sync_refusal_find(r, publisher, tip, base))
		return 0;
	if (r->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 16;

		x = realloc(r->items, na * sizeof(*x));
		if (!x)
			return hrdex_error_oom();
		r->items = x;
		r->alloc = na;
	}
	x = &r->items[r->n++];
	memset(x, 0, sizeof(*x));
	if (hrdex_fmt(x->publisher, sizeof(x->publisher), "%s", publisher) < 0)
		return -1;
	git_oid_cpy(&x->tip, tip);
	git_oid_cpy(&x->base, base);
	hrdex_fmt_cut(x->rule, sizeof(x->rule), "%s", rule);
	hrdex_fmt_cut(x->reason, sizeof(x->reason), "%s", reason);
	return 0;
}

/* The digest of what the rules read besides the objects; "" when one of
 * them cannot be read (then nothing is remembered). */
static void refusal_context(char out[2 * crypto_hash_sha256_BYTES + 1], const struct hrdex_state *st)
{
	crypto_hash_sha256_state h;
	unsigned char digest[crypto_hash_sha256_BYTES];
	struct hrdex_buf exe = HRDEX_BUF_INIT, signers = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(st, "allowed_signers");
	const struct hrdex_limits *l = &st->config->limits;
	int64_t limits[7];

	out[0] = '\0';
	/* The binary stands for the rules and the built-in schemas. */
	if (!path || hrdex_fs_read(&exe, "/proc/self/exe", (size_t)1 << 30) < 0 ||
	    (hrdex_fs_exists(path) && hrdex_fs_read(&signers, path, (size_t)16 << 20) < 0)) {
		hrdex_error_clear();
		goto cleanup;
	}
	limits[0] = l->document_bytes;
	limits[1] = l->attachment_bytes;
	limits[2] = l->fetch_bytes;
	limits[3] = l->fetch_commits;
	limits[4] = l->tree_entries;
	limits[5] = l->json_depth;
	limits[6] = l->string_bytes;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)"hrdex refusals 1", 16);
	crypto_hash_sha256_update(&h, (const unsigned char *)exe.ptr, exe.len);
	crypto_hash_sha256_update(&h, (const unsigned char *)"\0signers", 8);
	crypto_hash_sha256_update(&h, (const unsigned char *)signers.ptr, signers.len);
	crypto_hash_sha256_update(&h, (const unsigned char *)limits, sizeof(limits));
	crypto_hash_sha256_final(&h, digest);
	sodium_bin2hex(out, 2 * crypto_hash_sha256_BYTES + 1, digest, sizeof(digest));
cleanup:
	hrdex_buf_free(&signers);
	hrdex_buf_free(&exe);
	free(path);
}

static const char *json_string(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* STATE/refused.json, when written under the same context; anything else
 * (no file, another context, a damaged file) is an empty memory. */
int sync_refusals_load(struct refusals **out, const struct hrdex_state *st)
{
	struct refusals *r = calloc(1, sizeof(*r));
	struct hrdex_buf text = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(st, REFUSED_FILE);
	cJSON *root = NULL, *item;
	const char *context;

	*out = r;
	if (!r || !path) {
		free(path);
		return hrdex_error_oom();
	}
	/* No file, no digest yet: most rounds refuse nothing. */
	if (!hrdex_fs_exists(path))
		goto done;
	refusal_context(r->context, st);
	r->context_known = 1;
	if (!r->context[0] || hrdex_fs_read(&text, path, (size_t)16 << 20) < 0 ||
	    hrdex_json_parse(&root, text.ptr, text.len, NULL) < 0)
		goto done;
	context = json_string(root, "context");
	if (!context || strcmp(context, r->context))
		goto done;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "refused")) {
		const char *pub = json_string(item, "publisher"), *tip = json_string(item, "commit");
		const char *base = json_string(item, "base"), *rule = json_string(item, "rule");
		const char *reason = json_string(item, "reason");
		git_oid t, b;

		if (!pub || !tip || !base || !rule || !reason || !hrdex_publisher_valid(pub) ||
		    strlen(tip) != GIT_OID_HEXSZ || git_oid_fromstr(&t, tip) < 0 ||
		    (base[0] ? strlen(base) != GIT_OID_HEXSZ || git_oid_fromstr(&b, base) < 0
			     : (memset(&b, 0, sizeof(b)), 0)))
			continue;
		if (sync_refusal_add(r, pub, &t, &b, rule, reason) < 0)
			break;
	}
done:
	hrdex_error_clear();
	cJSON_Delete(root);
	hrdex_buf_free(&text);
	free(path);
	return 0;
}

/* This round's digest of the rules' inputs ("" when unknown). */
const char *sync_round_context(struct round *rd)
{
	if (!rd->now->context_known) {
		if (rd->was->context_known)
			memcpy(rd->now->context, rd->was->context, sizeof(rd->now->context));
		else
			refusal_context(rd->now->context, rd->st);
		rd->now->context_known = 1;
	}
	return rd->now->context;
}

/* The remembered refusals that apply as things are (on our present tip of
 * the branch): the fetch need not bring their objects again. */
int sync_skip_list(struct round *rd)
{
	const struct refusals *was = rd->was;
	size_t i;

	rd->skip = calloc(was->n + 1, sizeof(*rd->skip));
	if (!rd->skip)
		return hrdex_error_oom();
	for (i = 0; i < was->n; i++) {
		git_oid cur;
		int r = hrdex_repo_tip(&cur, rd->st->repo, was->items[i].publisher);

		if (r < 0)
			return -1;
		if (!git_oid_equal(&cur, &was->items[i].base))
			continue;
		if (hrdex_fmt(rd->skip[rd->nskip].name, sizeof(rd->skip[0].name), "%s", was->items[i].publisher) < 0)
			return -1;
		git_oid_cpy(&rd->skip[rd->nskip++].oid, &was->items[i].tip);
	}
	return 0;
}

/* Whether some peer offered this tip of publisher in this round. */
int sync_offered(const struct round *rd, const char *publisher, const git_oid *tip)
{
	size_t i;

	for (i = 0; i < rd->rep->nbranches; i++)
		if (git_oid_equal(&rd->rep->branches[i].offered, tip) &&
		    !strcmp(rd->rep->branches[i].publisher, publisher))
			return 1;
	return 0;
}

/* This round's refusals, then the remembered ones no peer offered this
 * round (a peer not synced now keeps its entries), at most REFUSED_MAX. */
int sync_refusals_save(struct round *rd)
{
	struct refusals *now = rd->now, *was = rd->was;
	cJSON *root = cJSON_CreateObject(), *list;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(rd->st, REFUSED_FILE);
	char hex[GIT_OID_HEXSZ + 1];
	size_t i, n = 0;
	int ret = -1;

	/* Nothing refused and nothing remembered: no file (so no digest to
	 * compute at the next round). */
	if (!now->n && !was->n) {
		if (path && unlink(path) < 0 && errno != ENOENT)
			hrdex_log_warn("cannot remove '%s': %s", path, strerror(errno));
		ret = 0;
		goto cleanup;
	}
	if (!sync_round_context(rd)[0]) {
		ret = 0;
		goto cleanup;
	}
	if (!root || !path || !cJSON_AddStringToObject(root, "context", now->context) ||
	    !(list = cJSON_AddArrayToObject(root, "refused")))
		goto oom;
	for (i = 0; i < now->n + (was ? was->n : 0) && n < REFUSED_MAX; i++) {
		const struct refusal *x = i < now->n ? &now->items[i] : &was->items[i - now->n];
		cJSON *o;

		if (i >= now->n && sync_offered(rd, x->publisher, &x->tip))
			continue;
		if (!(o = cJSON_CreateObject()))
			goto oom;
		cJSON_AddItemToArray(list, o);
		if (!cJSON_AddStringToObject(o, "publisher", x->publisher) ||
		    !cJSON_AddStringToObject(o, "commit", oid_hex(hex, &x->tip)) ||
		    !cJSON_AddStringToObject(o, "base", git_oid_is_zero(&x->base) ? "" : oid_hex(hex, &x->base)) ||
		    !cJSON_AddStringToObject(o, "rule", x->rule) ||
		    !cJSON_AddStringToObject(o, "reason", x->reason))
			goto oom;
		n++;
	}
	if (hrdex_json_canonical(&text, root) < 0)
		goto cleanup;
	ret = hrdex_fs_write_atomic(path, text.ptr, text.len, 0644);
	goto cleanup;
oom:
	hrdex_error_oom();
cleanup:
	hrdex_buf_free(&text);
	free(path);
	cJSON_Delete(root);
	return ret;
}
