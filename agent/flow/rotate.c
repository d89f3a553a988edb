/*
 * rotate.c - `hrdex key rotate` and following rotations (see rotate.h).
 */
#include "rotate.h"
#include "batch.h"
#include "buf.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "keychain.h"
#include "keyring.h"
#include "log.h"
#include "publish.h"
#include "repo.h"
#include "signers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

/* The key document, canonical JSON (json.h), into out. */
static int key_document(struct hrdex_buf *out, const char *publisher, unsigned long number,
			const unsigned char pk[32], const char *previous)
{
	struct hrdex_buf key = HRDEX_BUF_INIT;
	char id[24], title[128], date[16];
	time_t now = time(NULL);
	struct tm tm;
	cJSON *o = cJSON_CreateObject(), *t;
	int ret = -1;

	snprintf(id, sizeof(id), "%lu", number);
	hrdex_fmt_cut(title, sizeof(title), "Signing key %lu of %s", number, publisher);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	if (hrdex_key_public_line(&key, pk, NULL) < 0)
		goto cleanup;
	if (!o || !cJSON_AddNumberToObject(o, "schema", 2) || !cJSON_AddStringToObject(o, "type", "key") ||
	    !cJSON_AddStringToObject(o, "id", id) || !cJSON_AddStringToObject(o, "publisher", publisher) ||
	    !(t = cJSON_AddObjectToObject(o, "title")) || !cJSON_AddStringToObject(t, "en", title) ||
	    !cJSON_AddStringToObject(o, "date", date) || !cJSON_AddStringToObject(o, "key", key.ptr) ||
	    !cJSON_AddStringToObject(o, "previous", previous)) {
		hrdex_error_oom();
		goto cleanup;
	}
	ret = hrdex_json_canonical(out, o);
cleanup:
	cJSON_Delete(o);
	hrdex_buf_free(&key);
	return ret;
}

int hrdex_rotate(struct hrdex_state *s, struct hrdex_rotate_result *res)
{
	const char *pub = s->config->publisher;
	struct hrdex_keychain kc = { NULL, 0 };
	struct hrdex_key next;
	struct hrdex_batch b;
	struct hrdex_doc_opts opts;
	struct hrdex_publish_result pr = { 0 };
	struct hrdex_buf doc = HRDEX_BUF_INIT;
	const unsigned char *cur;
	char *docpath = NULL, message[256], name[64];
	int ret = -1;

	memset(res, 0, sizeof(*res));
	memset(&next, 0, sizeof(next));
	memset(&b, 0, sizeof(b));
	if (hrdex_keychain_at_tip(&kc, s->repo, pub) < 0)
		goto cleanup;
	cur = hrdex_keychain_current(&kc);
	if (cur && memcmp(cur, s->key.pk, 32)) {
		char fp[64];

		if (hrdex_key_fingerprint(fp, sizeof(fp), cur) == 0)
			hrdex_error_set(HRDEX_E_CONFIG, "keys/id_ed25519 is not the key '%s/key/%zu' names (%s), the one "
					"that signs the next commit of '%s'; nothing rotated", pub, kc.n + 1, fp, pub);
		goto cleanup;
	}
	res->number = (unsigned long)kc.n + 2;
	if (hrdex_key_fingerprint(res->previous, sizeof(res->previous), s->key.pk) < 0 ||
	    hrdex_key_generate(&next, pub) < 0 ||
	    hrdex_key_fingerprint(res->fingerprint, sizeof(res->fingerprint), next.pk) < 0)
		goto cleanup;
	{
		struct hrdex_buf line = HRDEX_BUF_INIT;

		if (hrdex_key_public_line(&line, next.pk, next.comment) < 0)
			goto cleanup;
		hrdex_fmt_cut(res->line, sizeof(res->line), "%s", line.ptr);
		hrdex_buf_free(&line);
	}
	hrdex_fmt_cut(res->ref, sizeof(res->ref), "%s/key/%lu", pub, res->number);
	/* 1. The new key on disk before any commit names it. */
	if (hrdex_keyring_stage(s, &next) < 0)
		goto cleanup;
	/* 2. The key document, published as any document is (the self-check
	 *    applies the rotation rules), signed by the current key. */
	if (hrdex_fmt(name, sizeof(name), "keys/key-%lu.json", res->number) < 0 ||
	    !(docpath = hrdex_state_path(s, name)) ||
	    key_document(&doc, pub, res->number, next.pk, res->previous) < 0 ||
	    hrdex_fs_write_atomic(docpath, doc.ptr, doc.len, 0600) < 0)
		goto cleanup;
	memset(&opts, 0, sizeof(opts));
	opts.limits = &s->config->limits;
	opts.schemas = s->schemas;
	opts.fill_publisher = pub;
	opts.expect_publisher = pub;
	if (hrdex_batch_load(&b, &docpath, 1, NULL, 0, &opts) < 0)
		goto cleanup;
	if (b.invalid) {
		hrdex_error_set(HRDEX_E_INTERNAL, "the key document '%s' is invalid: %s", res->ref,
				b.items[0].problems.count ? b.items[0].problems.items[0].message : "?");
		goto cleanup;
	}
	b.rotation = 1;
	hrdex_fmt_cut(message, sizeof(message), "key rotate: %s key %lu (%s) replaces %s", pub, res->number,
		      res->fingerprint, res->previous);
	if (hrdex_publish(s, &b, &opts, message, &pr) < 0) {
		if (b.invalid && b.items[0].problems.count)
			hrdex_error_set(HRDEX_E_INVALID, "%s", b.items[0].problems.items[0].message);
		goto cleanup;
	}
	git_oid_cpy(&res->commit, &pr.commit);
	/* 3. Only now the old key retires and the new one signs. */
	if (hrdex_keyring_promote(s, (unsigned long)kc.n + 1, res->retired, sizeof(res->retired)) < 0 ||
	    hrdex_keyring_follow(s, NULL) < 0)
		goto cleanup;
	hrdex_log_info("key rotate: '%s' signs with key %lu (%s) from now on; key %lu (%s) retired to %s", pub,
		       res->number, res->fingerprint, res->number - 1, res->previous, res->retired);
	ret = 0;
cleanup:
	/* refused before its commit: the staged key goes (keyring.h) */
	if (ret < 0 && git_oid_is_zero(&res->commit) && hrdex_keyring_recover(s) < 0)
		hrdex_log_error("key rotate: %s", hrdex_error_message());
	if (docpath)
		unlink(docpath);
	free(docpath);
	hrdex_publish_result_free(&pr);
	hrdex_batch_free(&b);
	hrdex_buf_free(&doc);
	hrdex_key_wipe(&next);
	hrdex_keychain_free(&kc);
	return ret;
}
