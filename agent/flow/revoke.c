/*
 * revoke.c - the registry's revocations, applied as sanctioned resets (see
 * revoke.h).
 */
#include "revoke.h"
#include "buf.h"
#include "config.h"
#include "doc.h"
#include "error.h"
#include "fs.h"
#include "key.h"
#include "ledger.h"
#include "log.h"
#include "registry.h"
#include "repo.h"
#include "reset.h"
#include "signers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* 1 when the ledger records a reset of publisher to commit continued by key. */
static int recorded(const struct hrdex_ledger *l, const char *publisher, const git_oid *commit,
		    const unsigned char key[32])
{
	size_t i;

	for (i = 0; l && i < l->nresets; i++)
		if (!strcmp(l->resets[i].publisher, publisher) && git_oid_equal(&l->resets[i].commit, commit) &&
		    !memcmp(l->resets[i].key, key, 32))
			return 1;
	return 0;
}

/* 1 when fingerprint (SHA256:...) is a key allowed_signers grants publisher. */
static int known_key(const struct hrdex_state *s, const char *publisher, const char *fingerprint)
{
	size_t i;

	for (i = 0; s->signers && i < s->signers->count; i++) {
		const struct hrdex_signer *e = &s->signers->items[i];
		char fp[64];

		if (e->cert_authority || strcmp(e->principal, publisher))
			continue;
		if (hrdex_key_fingerprint(fp, sizeof(fp), e->pk) == 0 && !strcmp(fp, fingerprint))
			return 1;
		hrdex_error_clear();
	}
	return 0;
}

/* A rule refused the revocation (HRDEX_E_INVALID): held, why gets the
 * message, 0.  Any other error stops the pass: -1. */
static int hold(char *why, size_t size)
{
	if (hrdex_error_kind() != HRDEX_E_INVALID)
		return -1;
	hrdex_fmt_cut(why, size, "%s", hrdex_error_message());
	hrdex_error_clear();
	return 0;
}

/*
 * One revocation of member (the document at ref).  0 with *state "applied",
 * "done" or "held" (why set for held); -1 when a reset failed half way.
 */
static int one(struct hrdex_state *s, const char *registry, const char *ref, const char *member, const cJSON *rv,
	       const char **state, char *why, size_t size)
{
	struct hrdex_reset_plan p;
	struct hrdex_ledger *l;
	const char *key = str_of(rv, "key"), *to = str_of(rv, "reset_to"), *next = str_of(rv, "next_key");
	char nextfp[64], by[128];
	git_oid tip;
	int r;

	*state = "held";
	why[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.publisher = member;
	if (!key || !to || !next) {
		hrdex_fmt_cut(why, size, "a revocation needs key, reset_to and next_key");
		return 0;
	}
	if (!strcmp(member, s->config->publisher)) {
		hrdex_fmt_cut(why, size, "'%s' is this agent's own publisher: its branch is reset by its own agent",
			      member);
		return 0;
	}
	if (strlen(to) != GIT_OID_HEXSZ) {
		hrdex_fmt_cut(why, size, "reset_to '%s' is not a full commit id (40 hex digits)", to);
		return 0;
	}
	if (hrdex_key_parse_public(p.key, next) < 0 || hrdex_key_fingerprint(nextfp, sizeof(nextfp), p.key) < 0) {
		hrdex_fmt_cut(why, size, "next_key: %s", hrdex_error_message());
		hrdex_error_clear();
		return 0;
	}
	if (!strcmp(nextfp, key)) {
		hrdex_fmt_cut(why, size, "next_key is the revoked key %s", key);
		return 0;
	}
	if (hrdex_state_ledger(s, &l) < 0)
		return -1;
	if (git_oid_fromstr(&p.commit, to) == 0 && recorded(l, member, &p.commit, p.key)) {
		*state = "done";
		return 0;
	}
	if (!hrdex_signers_has(s->signers, member)) {
		hrdex_fmt_cut(why, size, "publisher '%s' is not trusted here", member);
		return 0;
	}
	if (!known_key(s, member, key)) {
		hrdex_fmt_cut(why, size, "key %s is not a key of '%s' here", key, member);
		return 0;
	}
	hrdex_fmt_cut(by, sizeof(by), "registry %s", ref);
	p.by = by;
	if (hrdex_reset_check_key(s, member, p.key) < 0)
		return hold(why, size);
	r = hrdex_repo_tip(&tip, s->repo, member);
	if (r < 0)
		return -1;
	if (r == 1) {
		/* Not here yet: recorded, so that the branch arrives reset. */
		if (git_oid_fromstr(&p.commit, to) < 0) {
			hrdex_fmt_cut(why, size, "reset_to '%s' is not a commit id", to);
			return 0;
		}
		if (hrdex_reset_ahead(&p, s) < 0)
			return -1;
		*state = "applied";
		return 0;
	}
	if (hrdex_reset_resolve(&p.commit, s, member, to) < 0 || hrdex_reset_prepare(&p, s) < 0)
		return hold(why, size);
	hrdex_log_info("registry '%s' revoked key %s of '%s' (%s): resetting its branch to %.12s, continued by key %s",
		       registry, key, member, ref, to, p.fingerprint);
	if (hrdex_reset_apply(&p, s) < 0)
		return -1;
	*state = "applied";
	return 0;
}

static int save(const struct hrdex_state *s, const cJSON *root)
{
	char *path = hrdex_state_path(s, "revocations.json");
	char *text = cJSON_Print(root);
	struct hrdex_buf b = HRDEX_BUF_INIT;
	int ret = -1;

	if (!path || !text || hrdex_buf_puts(&b, text) < 0 || hrdex_buf_putc(&b, '\n') < 0) {
		hrdex_error_oom();
		goto cleanup;
	}
	ret = hrdex_fs_write_atomic(path, b.ptr, b.len, 0644);
cleanup:
	hrdex_buf_free(&b);
	free(text);
	free(path);
	return ret;
}

struct pass {
	struct hrdex_state *s;
	const char *registry;
	struct hrdex_revoke_result *res;
	cJSON *list;
};

/* Every revocation of one accepted member document, oldest first. */
static int member_revocations(void *ctx, const char *id, const cJSON *doc)
{
	struct pass *ps = ctx;
	const cJSON *rv, *rvs = cJSON_GetObjectItemCaseSensitive(doc, "revocations");
	const char *member = str_of(doc, "id");
	char ref[HRDEX_PUBLISHER_MAX + HRDEX_ID_MAX + 16];

	/* Shown, so it passed the document rules (the member schema): a
	 * document without these cannot be one. */
	if (!member || strcmp(member, id) || !hrdex_publisher_valid(member) || !cJSON_IsArray(rvs))
		return 0;
	hrdex_fmt_cut(ref, sizeof(ref), "%s/member/%s", ps->registry, member);
	cJSON_ArrayForEach(rv, rvs) {
		const char *state;
		char why[768];
		cJSON *o;

		if (one(ps->s, ps->registry, ref, member, rv, &state, why, sizeof(why)) < 0)
			return -1;
		if (!strcmp(state, "applied"))
			ps->res->applied++;
		else if (!strcmp(state, "done"))
			ps->res->done++;
		else {
			ps->res->held++;
			hrdex_log_warn("revocation in %s held, nothing moved: %s", ref, why);
		}
		if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(ps->list, o) ||
		    !cJSON_AddStringToObject(o, "ref", ref) || !cJSON_AddStringToObject(o, "publisher", member) ||
		    !cJSON_AddStringToObject(o, "key", str_of(rv, "key") ? str_of(rv, "key") : "") ||
		    !cJSON_AddStringToObject(o, "reset_to", str_of(rv, "reset_to") ? str_of(rv, "reset_to") : "") ||
		    !cJSON_AddStringToObject(o, "state", strcmp(state, "done") ? state : "applied") ||
		    (why[0] && !cJSON_AddStringToObject(o, "reason", why)))
			return hrdex_error_oom();
	}
	return 0;
}

int hrdex_revoke_apply(struct hrdex_state *s, struct hrdex_revoke_result *res)
{
	struct hrdex_revoke_result dummy;
	struct pass ps;
	char registry[HRDEX_PUBLISHER_MAX + 1];
	cJSON *root = NULL;
	int ret = -1;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (!hrdex_registry_get(s->config, registry))
		return 0;
	memset(&ps, 0, sizeof(ps));
	ps.s = s;
	ps.registry = registry;
	ps.res = res;
	if (!(root = cJSON_CreateObject()) || !cJSON_AddStringToObject(root, "registry", registry) ||
	    !(ps.list = cJSON_AddArrayToObject(root, "revocations"))) {
		hrdex_error_oom();
		goto cleanup;
	}
	if (hrdex_registry_each(s, "member", member_revocations, &ps) != 0)
		goto cleanup;
	ret = save(s, root);
cleanup:
	cJSON_Delete(root);
	return ret;
}

int hrdex_revoke_load(cJSON **out, const char *state_dir)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char *path = hrdex_path_join(state_dir, "revocations.json");
	int ret = -1;

	*out = NULL;
	if (!path)
		return hrdex_error_oom();
	if (!hrdex_fs_exists(path)) {
		ret = 0;
		goto cleanup;
	}
	if (hrdex_fs_read(&b, path, 16 << 20) < 0)
		goto cleanup;
	if (!(*out = cJSON_ParseWithLength(b.ptr ? b.ptr : "", b.len)) || !cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		ret = hrdex_error_set(HRDEX_E_CONFIG, "cannot parse '%s'", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	hrdex_buf_free(&b);
	free(path);
	return ret;
}
