/*
 * reset.c - a sanctioned reset of a publisher's branch (see reset.h).
 */
#include "reset.h"
#include "buf.h"
#include "error.h"
#include "fs.h"
#include "key.h"
#include "log.h"
#include "refresh.h"
#include "repo.h"
#include "signers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int hrdex_reset_resolve(git_oid *out, struct hrdex_state *s, const char *publisher, const char *text)
{
	git_object *obj = NULL;
	git_oid prefix, tip;
	size_t n = strlen(text), i;
	int r;

	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", text[i]))
			break;
	if (n < 7 || n > GIT_OID_HEXSZ || i < n)
		return hrdex_error_set(HRDEX_E_INVALID, "'%s' is not a commit id (7 to 40 lowercase hex digits)", text);
	r = hrdex_repo_tip(&tip, s->repo, publisher);
	if (r < 0)
		return -1;
	if (r == 1)
		return hrdex_error_set(HRDEX_E_INVALID, "publisher '%s' has no branch here: nothing to reset", publisher);
	if (git_oid_fromstrn(&prefix, text, n) < 0 ||
	    git_object_lookup_prefix(&obj, s->repo, &prefix, n, GIT_OBJECT_COMMIT) < 0) {
		git_error_clear();
		return hrdex_error_set(HRDEX_E_INVALID, "commit '%s' is not in the history of '%s'", text, publisher);
	}
	git_oid_cpy(out, git_object_id(obj));
	git_object_free(obj);
	if (!git_oid_equal(out, &tip) && git_graph_descendant_of(s->repo, &tip, out) != 1) {
		git_error_clear();
		return hrdex_error_set(HRDEX_E_INVALID, "commit '%s' is not in the history of '%s'", text, publisher);
	}
	return 0;
}

int hrdex_reset_check_key(const struct hrdex_state *s, const char *publisher, const unsigned char key[32])
{
	size_t i;

	for (i = 0; s->signers && i < s->signers->count; i++) {
		const struct hrdex_signer *e = &s->signers->items[i];

		if (!e->cert_authority && !memcmp(e->pk, key, 32) && strcmp(e->principal, publisher))
			return hrdex_error_set(HRDEX_E_INVALID, "this key is already trusted for publisher '%s'",
					       e->principal);
	}
	return 0;
}

int hrdex_reset_prepare(struct hrdex_reset_plan *p, struct hrdex_state *s)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int r;

	p->abandoned = 0;
	r = hrdex_repo_tip(&p->tip, s->repo, p->publisher);
	if (r != 0)
		return r < 0 ? -1 : hrdex_error_set(HRDEX_E_INVALID, "publisher '%s' has no branch here", p->publisher);
	if (hrdex_key_fingerprint(p->fingerprint, sizeof(p->fingerprint), p->key) < 0)
		return -1;
	if (git_revwalk_new(&walk, s->repo) < 0 || git_revwalk_push(walk, &p->tip) < 0 ||
	    git_revwalk_hide(walk, &p->commit) < 0) {
		git_revwalk_free(walk);
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot walk '%s'", p->publisher);
	}
	while (git_revwalk_next(&id, walk) == 0)
		p->abandoned++;
	git_revwalk_free(walk);
	return 0;
}

/* allowed_signers gains "PUBLISHER namespaces="git" KEY" unless it grants
 * that key to the publisher already; every other line stays as it is. */
static int grant_key(struct hrdex_state *s, const char *publisher, const unsigned char key[32])
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(s, "allowed_signers");
	int ret = -1;

	if (!path)
		return hrdex_error_oom();
	if (hrdex_signers_allow(s->signers, publisher, key, "git", 0) ||
	    hrdex_signers_allow(s->signers, publisher, key, "git", (int64_t)time(NULL))) {
		ret = 0;
		goto cleanup;
	}
	if (hrdex_fs_exists(path) && hrdex_fs_read(&text, path, 16 << 20) < 0)
		goto cleanup;
	if ((text.len && text.ptr[text.len - 1] != '\n' && hrdex_buf_putc(&text, '\n') < 0) ||
	    hrdex_buf_printf(&text, "%s namespaces=\"git\" ", publisher) < 0 ||
	    hrdex_key_public_line(&text, key, publisher) < 0 || hrdex_buf_putc(&text, '\n') < 0 ||
	    hrdex_fs_write_atomic(path, text.ptr, text.len, 0644) < 0 || hrdex_state_reload_signers(s) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&text);
	free(path);
	return ret;
}

int hrdex_reset_ahead(struct hrdex_reset_plan *p, struct hrdex_state *s)
{
	struct hrdex_ledger *l;
	struct hrdex_reset rec;
	char hex[GIT_OID_HEXSZ + 1];

	memset(&p->tip, 0, sizeof(p->tip));
	p->abandoned = 0;
	p->abandoned_ref[0] = '\0';
	if (hrdex_key_fingerprint(p->fingerprint, sizeof(p->fingerprint), p->key) < 0 ||
	    hrdex_state_ledger(s, &l) < 0)
		return -1;
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.publisher, sizeof(rec.publisher), "%s", p->publisher); /* fits: a valid id */
	git_oid_cpy(&rec.commit, &p->commit);
	memcpy(rec.key, p->key, 32);
	rec.time = (int64_t)time(NULL);
	hrdex_fmt_cut(rec.by, sizeof(rec.by), "%s", p->by ? p->by : "");
	if (hrdex_ledger_add_reset(l, &rec) < 0 || hrdex_ledger_save(l) < 0 || grant_key(s, p->publisher, p->key) < 0)
		return -1;
	git_oid_tostr(hex, sizeof(hex), &p->commit);
	hrdex_log_info("%s: '%s' has no branch here yet: recorded its reset to %.12s, continued by key %s",
		       p->by ? p->by : "trust reset", p->publisher, hex, p->fingerprint);
	return 0;
}

int hrdex_reset_apply(struct hrdex_reset_plan *p, struct hrdex_state *s)
{
	struct hrdex_ledger *l;
	struct hrdex_reset rec;
	git_reference *ref = NULL;
	char name[64], msg[128], hex[GIT_OID_HEXSZ + 1], from[GIT_OID_HEXSZ + 1];
	struct hrdex_refresh rf = { .message = msg };
	int64_t now = (int64_t)time(NULL);
	int r;

	const struct hrdex_reset *last;

	p->abandoned_ref[0] = '\0';
	if (hrdex_state_ledger(s, &l) < 0)
		return -1;
	/* The same reset again, after one killed before its end: finish it. */
	last = hrdex_ledger_last_reset(l, p->publisher);
	if (last && git_oid_equal(&last->commit, &p->commit) && git_oid_equal(&p->tip, &p->commit) &&
	    !memcmp(last->key, p->key, 32)) {
		snprintf(p->abandoned_ref, sizeof(p->abandoned_ref), "%s", last->abandoned); /* same size */
		goto finish;
	}
	if (!git_oid_equal(&p->tip, &p->commit) &&
	    hrdex_repo_abandon(s->repo, p->publisher, &p->tip, now, p->abandoned_ref, sizeof(p->abandoned_ref)) < 0)
		return -1;
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.publisher, sizeof(rec.publisher), "%s", p->publisher); /* fits: a valid id */
	git_oid_cpy(&rec.commit, &p->commit);
	memcpy(rec.key, p->key, 32);
	if (!git_oid_equal(&p->tip, &p->commit))
		git_oid_cpy(&rec.from, &p->tip);
	rec.time = now;
	snprintf(rec.abandoned, sizeof(rec.abandoned), "%s", p->abandoned_ref); /* same size */
	hrdex_fmt_cut(rec.by, sizeof(rec.by), "%s", p->by ? p->by : "");
	if (hrdex_ledger_add_reset(l, &rec) < 0 || hrdex_ledger_moved(l, p->publisher, &p->commit, now) < 0 ||
	    hrdex_ledger_save(l) < 0)
		return -1;
	if (hrdex_fmt(name, sizeof(name), "refs/heads/%s", p->publisher) < 0)
		return -1;
	git_oid_tostr(hex, sizeof(hex), &p->commit);
	git_oid_tostr(from, sizeof(from), &p->tip);
	hrdex_fmt_cut(msg, sizeof(msg), "%s: %s back to %.12s", p->by ? p->by : "trust reset", p->publisher, hex);
	r = git_reference_create_matching(&ref, s->repo, name, &p->commit, 1, &p->tip, msg);
	git_reference_free(ref);
	if (r < 0)
		return hrdex_error_git(r == GIT_EMODIFIED ? HRDEX_E_BUSY : HRDEX_E_IO, "cannot move '%s'", name);
	hrdex_log_info("%s: '%s' moved back from %.12s to %.12s (%zu commit%s kept as %s), continued by "
		       "key %s", p->by ? p->by : "trust reset", p->publisher, from, hex, p->abandoned, p->abandoned == 1 ? "" : "s",
		       p->abandoned_ref[0] ? p->abandoned_ref : "-", p->fingerprint);
finish:
	if (grant_key(s, p->publisher, p->key) < 0)
		return -1;
	git_oid_tostr(hex, sizeof(hex), &p->commit);
	hrdex_fmt_cut(msg, sizeof(msg), "%s: %s back to %.12s", p->by ? p->by : "trust reset", p->publisher, hex);
	rf.flags = HRDEX_REFRESH_STRICT;
	if (hrdex_refresh(s, &rf) < 0)
		return -1;
	git_oid_cpy(&p->main, &rf.main);
	return 0;
}
