/*
 * registry.c - trust, names and peers from the registry's member documents
 * (see registry.h).
 */
#include "registry.h"
#include "regtypes.h"
#include "revoke.h"
#include "accept.h"
#include "buf.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "key.h"
#include "log.h"
#include "members.h"
#include "repo.h"
#include "signers.h"

#include <stdlib.h>

#include <stdio.h>
#include <string.h>

int hrdex_registry_get(const struct hrdex_config *cfg, char publisher[HRDEX_PUBLISHER_MAX + 1])
{
	publisher[0] = '\0';
	if (!cfg || !cfg->registry || !hrdex_publisher_valid(cfg->registry))
		return 0;
	snprintf(publisher, HRDEX_PUBLISHER_MAX + 1, "%s", cfg->registry);
	return 1;
}

/* ---- the registry's documents ---- */

int hrdex_registry_each(struct hrdex_state *st, const char *type,
			int (*cb)(void *ctx, const char *id, const cJSON *doc), void *ctx)
{
	char reg[HRDEX_PUBLISHER_MAX + 1], path[HRDEX_PUBLISHER_MAX + 72], reason[768];
	git_oid tip;
	git_commit *commit = NULL;
	git_tree *root = NULL, *sub = NULL;
	git_tree_entry *te = NULL;
	size_t i, n;
	int r, ret = -1;

	if (!hrdex_registry_get(st->config, reg))
		return 0;
	r = hrdex_repo_tip(&tip, st->repo, reg);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (hrdex_fmt(path, sizeof(path), "%s/%s", reg, type) < 0)
		return -1;
	if (git_commit_lookup(&commit, st->repo, &tip) < 0 || git_commit_tree(&root, commit) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot read the registry's branch '%s'", reg);
		goto cleanup;
	}
	r = git_tree_entry_bypath(&te, root, path);
	if (r == GIT_ENOTFOUND) {
		ret = 0;
		goto cleanup;
	}
	if (r < 0 || git_tree_entry_type(te) != GIT_OBJECT_TREE ||
	    git_tree_lookup(&sub, st->repo, git_tree_entry_id(te)) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot read '%s' in the registry's branch", path);
		goto cleanup;
	}
	n = git_tree_entrycount(sub);
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(sub, i);
		const char *name = git_tree_entry_name(e);
		size_t len = strlen(name);
		char id[HRDEX_ID_MAX + 1];
		git_blob *blob = NULL;
		cJSON *doc = NULL;
		struct hrdex_json_opts jo = { 0, 0, 0 };

		if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || len <= 5 || len - 5 > HRDEX_ID_MAX ||
		    strcmp(name + len - 5, ".json"))
			continue;
		memcpy(id, name, len - 5);
		id[len - 5] = '\0';
		/* The document rules, as main applies them: a held one gives nothing. */
		r = hrdex_document_check(st->repo, st->schemas, &st->config->limits, reg, type, sub, id, reason,
					 sizeof(reason));
		if (r < 0)
			goto cleanup;
		if (r == 1) {
			hrdex_log_debug("registry: %s held: %s", name, reason);
			continue;
		}
		if (git_blob_lookup(&blob, st->repo, git_tree_entry_id(e)) < 0) {
			hrdex_error_git(HRDEX_E_IO, "cannot read '%s/%s'", path, name);
			goto cleanup;
		}
		r = hrdex_json_parse(&doc, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), &jo);
		git_blob_free(blob);
		if (r < 0)
			goto cleanup; /* it passed the document rules: cannot happen but for memory */
		r = cb(ctx, id, doc);
		cJSON_Delete(doc);
		if (r) {
			ret = r;
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	git_tree_entry_free(te);
	git_tree_free(sub);
	git_tree_free(root);
	git_commit_free(commit);
	return ret;
}

/* ---- apply ---- */

struct gather {
	struct hrdex_state *st;
	const char *reg;
	cJSON *members;      /* id -> {name, key, urls} */
};

/* The name to show for a title: English when given, else its first language. */
static const char *title_name(const cJSON *title)
{
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(title, "en");

	if (cJSON_IsString(en))
		return en->valuestring;
	return title && cJSON_IsString(title->child) ? title->child->valuestring : NULL;
}

static int gather_member(void *ctx, const char *id, const cJSON *doc)
{
	struct gather *g = ctx;
	const cJSON *urls = cJSON_GetObjectItemCaseSensitive(doc, "urls");
	const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "key"));
	const char *name = title_name(cJSON_GetObjectItemCaseSensitive(doc, "title"));
	cJSON *m = cJSON_AddObjectToObject(g->members, id);

	if (!m || (name && !cJSON_AddStringToObject(m, "name", name)) ||
	    (key && !cJSON_AddStringToObject(m, "key", key)) ||
	    (cJSON_IsArray(urls) && !cJSON_AddItemToObject(m, "urls", cJSON_Duplicate(urls, 1))))
		return hrdex_error_oom();
	return 0;
}

/* "# registry REG/member/ID": the comment above each line the registry gave. */
static int marker(const char *line, size_t len, const char *reg, char id[HRDEX_PUBLISHER_MAX + 1])
{
	char head[HRDEX_PUBLISHER_MAX + 32];
	size_t n;

	if (hrdex_fmt(head, sizeof(head), "# registry %s/member/", reg) < 0)
		return 0;
	n = strlen(head);
	if (len <= n || len - n > HRDEX_PUBLISHER_MAX || strncmp(line, head, n))
		return 0;
	memcpy(id, line + n, len - n);
	id[len - n] = '\0';
	return hrdex_publisher_valid(id);
}

/*
 * Split allowed_signers text into what the operator wrote (hand) and the
 * ids of the registry's lines (each "# registry REG/member/ID" comment and
 * the line after it, when that line grants ID; a comment whose line is gone
 * goes too).
 */
static int split_signers(struct hrdex_buf *hand, cJSON *had, const char *text, size_t len, const char *reg)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
		size_t l = (size_t)((nl ? nl : end) - p);
		char id[HRDEX_PUBLISHER_MAX + 1];

		q = nl ? nl + 1 : end;
		if (marker(p, l, reg, id)) {
			const char *nl2 = q < end ? memchr(q, '\n', (size_t)(end - q)) : NULL;
			size_t l2 = (size_t)((nl2 ? nl2 : end) - q), il = strlen(id);

			if (q < end && l2 > il && !strncmp(q, id, il) && q[il] == ' ') {
				if (!cJSON_AddItemToArray(had, cJSON_CreateString(id)))
					return hrdex_error_oom();
				p = nl2 ? nl2 + 1 : end;
				continue;
			}
			p = q; /* its line went ('trust remove'): the comment goes too */
			continue;
		}
		if (hrdex_buf_put(hand, p, l) < 0 || hrdex_buf_putc(hand, '\n') < 0)
			return -1;
		p = q;
	}
	return 0;
}

static int has_string(const cJSON *array, const char *s)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, array)
		if (cJSON_IsString(e) && !strcmp(e->valuestring, s))
			return 1;
	return 0;
}

/* Trust from the members (registry.h); *changed set when the file changed. */
static int apply_trust(struct hrdex_state *st, const char *reg, const cJSON *members, int *changed)
{
	struct hrdex_buf old = HRDEX_BUF_INIT, hand = HRDEX_BUF_INIT, out = HRDEX_BUF_INIT;
	struct hrdex_signers *hs = NULL;
	cJSON *had = cJSON_CreateArray(), *now = cJSON_CreateArray();
	const cJSON *m;
	char *path = hrdex_state_path(st, "allowed_signers");
	const char *self = st->config->publisher ? st->config->publisher : "";
	size_t i;
	int ret = -1;

	if (!had || !now || !path) {
		hrdex_error_oom();
		goto cleanup;
	}
	if (hrdex_fs_exists(path) && hrdex_fs_read(&old, path, 16 << 20) < 0)
		goto cleanup;
	if (split_signers(&hand, had, old.ptr ? old.ptr : "", old.len, reg) < 0 ||
	    hrdex_signers_parse(&hs, hand.ptr ? hand.ptr : "", hand.len, path) < 0 ||
	    hrdex_buf_put(&out, hand.ptr ? hand.ptr : "", hand.len) < 0)
		goto cleanup;
	cJSON_ArrayForEach(m, members) {
		const char *id = m->string;
		const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "key"));
		unsigned char pk[32];
		const char *other = NULL;
		int by_hand = 0, same = 0;

		if (!id || !key || !strcmp(id, reg) || !strcmp(id, self))
			continue; /* held by the document rules; our own key is ours */
		if (hrdex_key_parse_public(pk, key) < 0) {
			hrdex_log_warn("registry: '%s/member/%s': %s", reg, id, hrdex_error_message());
			continue;
		}
		for (i = 0; hs && i < hs->count; i++) {
			const struct hrdex_signer *e = &hs->items[i];

			if (e->cert_authority)
				continue;
			if (!strcmp(e->principal, id)) {
				by_hand = 1;
				same |= !memcmp(e->pk, pk, 32);
			} else if (!memcmp(e->pk, pk, 32)) {
				other = e->principal;
			}
		}
		if (other) {
			hrdex_log_warn("registry: '%s/member/%s' names the key of publisher '%s'; not trusted for '%s'",
				       reg, id, other, id);
			continue;
		}
		if (by_hand && !same)
			hrdex_log_warn("registry: publisher '%s' is trusted by hand with another key than '%s/member/%s' "
				       "names; the hand-made line stays, and so does the registry's", id, reg, id);
		if (hrdex_buf_printf(&out, "# registry %s/member/%s\n%s namespaces=\"git\" ", reg, id, id) < 0 ||
		    hrdex_key_public_line(&out, pk, id) < 0 || hrdex_buf_putc(&out, '\n') < 0)
			goto cleanup;
		if (!cJSON_AddItemToArray(now, cJSON_CreateString(id))) {
			hrdex_error_oom();
			goto cleanup;
		}
		if (!has_string(had, id))
			hrdex_log_info("registry: publisher '%s' trusted (%s/member/%s)", id, reg, id);
	}
	if (out.len == old.len && (!out.len || !memcmp(out.ptr, old.ptr, out.len))) {
		ret = 0;
		goto cleanup;
	}
	if (hrdex_fs_write_atomic(path, out.ptr ? out.ptr : "", out.len, 0644) < 0 ||
	    hrdex_state_reload_signers(st) < 0)
		goto cleanup;
	*changed = 1;
	/* A member withdrawn: its trust goes, as `trust remove` takes it. */
	cJSON_ArrayForEach(m, had) {
		const char *id = m->valuestring;
		char parked[128];
		int r;

		if (has_string(now, id))
			continue;
		if (hrdex_signers_has(st->signers, id)) {
			hrdex_log_info("registry: publisher '%s' is no longer in the registry; it stays trusted by hand",
				       id);
			continue;
		}
		r = hrdex_repo_park(st->repo, id, parked, sizeof(parked));
		if (r < 0)
			goto cleanup;
		hrdex_log_info("registry: publisher '%s' is no longer trusted: '%s/member/%s' was withdrawn%s%s", id,
			       reg, id, r == 0 ? "; its branch is kept as " : "", r == 0 ? parked : "");
	}
	ret = 0;
cleanup:
	free(path);
	cJSON_Delete(had);
	cJSON_Delete(now);
	hrdex_signers_free(hs);
	hrdex_buf_free(&old);
	hrdex_buf_free(&hand);
	hrdex_buf_free(&out);
	return ret;
}

/*
 * The members' URLs that are no peer yet, one rule for `peer suggest` and
 * network.autoPeers: each member but this agent and the registry, with its
 * first URL of a form libgit2 fetches, unless a peer of that name or with
 * that URL is configured; appended to out as {publisher, url, name}.
 */
static int suggest(const struct hrdex_config *c, const char *reg, const cJSON *members, cJSON *out)
{
	const cJSON *m;
	size_t i;

	cJSON_ArrayForEach(m, members) {
		const char *id = m->string;
		const char *url = cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "urls"), 0));
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "name"));
		cJSON *o;
		int known = 0;

		if (!id || !url || !hrdex_publisher_valid(id) || !strcmp(id, reg) ||
		    (c->publisher && !strcmp(id, c->publisher)) || hrdex_config_peer(c, id))
			continue;
		for (i = 0; i < c->npeers && !known; i++)
			known = !strcmp(c->peers[i].url, url);
		if (known)
			continue;
		if (hrdex_git_url_check(url) < 0) {
			hrdex_log_warn("registry: '%s/member/%s': %s", reg, id, hrdex_error_message());
			hrdex_error_clear();
			continue;
		}
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(out, o) || !cJSON_AddStringToObject(o, "publisher", id) ||
		    !cJSON_AddStringToObject(o, "url", url) || (name && !cJSON_AddStringToObject(o, "name", name)))
			return hrdex_error_oom();
	}
	return 0;
}

/* network.autoPeers: each suggestion becomes peer ID. */
static int apply_peers(struct hrdex_state *st, const char *reg, const cJSON *members, int *changed)
{
	cJSON *list, *e;
	int ret = -1;

	if (!st->config->auto_peers)
		return 0;
	if (!(list = cJSON_CreateArray()))
		return hrdex_error_oom();
	if (suggest(st->config, reg, members, list) < 0)
		goto cleanup;
	cJSON_ArrayForEach(e, list) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "publisher"));
		const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "url"));
		char key[HRDEX_PUBLISHER_MAX + 16];

		if (hrdex_fmt(key, sizeof(key), "peer.%s.url", id) < 0 ||
		    hrdex_config_set(st->config->path, key, url) < 0)
			goto cleanup;
		hrdex_log_info("registry: peer '%s' added (%s), from '%s/member/%s' (network.autoPeers)", id, url,
			       reg, id);
		*changed = 1;
	}
	ret = 0;
cleanup:
	cJSON_Delete(list);
	return ret;
}

int hrdex_registry_auto_peers(struct hrdex_state *st, int *changed)
{
	char reg[HRDEX_PUBLISHER_MAX + 1];
	cJSON *m = NULL;
	int ret;

	if (!st->config->auto_peers || !hrdex_registry_get(st->config, reg))
		return 0;
	if (hrdex_members_load(&m, st->dir) < 0)
		return -1;
	ret = apply_peers(st, reg, cJSON_GetObjectItemCaseSensitive(m, "members"), changed);
	cJSON_Delete(m);
	return ret;
}

int hrdex_registry_suggestions(const struct hrdex_state *st, cJSON **out)
{
	char reg[HRDEX_PUBLISHER_MAX + 1];
	cJSON *m = NULL;
	int ret = -1;

	if (!(*out = cJSON_CreateArray()))
		return hrdex_error_oom();
	if (!hrdex_registry_get(st->config, reg))
		return 0;
	if (hrdex_members_load(&m, st->dir) < 0)
		goto fail;
	if (suggest(st->config, reg, cJSON_GetObjectItemCaseSensitive(m, "members"), *out) < 0)
		goto fail;
	ret = 0;
	goto cleanup;
fail:
	cJSON_Delete(*out);
	*out = NULL;
cleanup:
	cJSON_Delete(m);
	return ret;
}

int hrdex_registry_apply(struct hrdex_state *st, int *changed)
{
	char reg[HRDEX_PUBLISHER_MAX + 1];
	struct gather g;
	cJSON *file = NULL;
	int dummy = 0, ret = -1;

	if (!changed)
		changed = &dummy;
	*changed = 0;
	if (!hrdex_registry_get(st->config, reg))
		return 0;
	memset(&g, 0, sizeof(g));
	g.st = st;
	g.reg = reg;
	file = cJSON_CreateObject();
	if (!file || !cJSON_AddStringToObject(file, "registry", reg) ||
	    !(g.members = cJSON_AddObjectToObject(file, "members"))) {
		hrdex_error_oom();
		goto cleanup;
	}
	if (hrdex_registry_each(st, "member", gather_member, &g) != 0)
		goto cleanup;
	if (apply_trust(st, reg, g.members, changed) < 0 || apply_peers(st, reg, g.members, changed) < 0)
		goto cleanup;
	if (hrdex_members_save(file, st->dir) < 0 || hrdex_members_names(st->config, file) < 0)
		goto cleanup;
	/* The other registry steps hook in here, one call each (NETSPEC.md):
	 * schemas and vocabularies (regtypes), revocations (revoke). */
	if (hrdex_regtypes_apply(st) < 0 || hrdex_revoke_apply(st, NULL) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	cJSON_Delete(file);
	return ret;
}

int hrdex_registry_trusted(const struct hrdex_state *st, const char *publisher, char key[HRDEX_KEY_LINE_MAX])
{
	char reg[HRDEX_PUBLISHER_MAX + 1];
	cJSON *m = NULL;
	const char *k;
	int ret = 0;

	key[0] = '\0';
	if (!hrdex_registry_get(st->config, reg) || hrdex_members_load(&m, st->dir) < 0)
		return 0;
	k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "members"), publisher), "key"));
	if (k && hrdex_signers_has(st->signers, publisher)) {
		size_t n = strncmp(k, "ssh-ed25519 ", 12) ? 0 : 12 + strcspn(k + 12, " \t\n");

		if (n && n < HRDEX_KEY_LINE_MAX) {
			memcpy(key, k, n);
			key[n] = '\0';
			ret = 1;
		}
	}
	cJSON_Delete(m);
	return ret;
}

/* ---- joining ---- */

int hrdex_registry_pin(const char *conf_path, const char *signers_path, const char *self, const char *line,
		       const char *url, char reg[HRDEX_PUBLISHER_MAX + 1])
{
	struct hrdex_config *c = NULL;
	struct hrdex_signers *given = NULL, *have = NULL;
	struct hrdex_buf text = HRDEX_BUF_INIT, add = HRDEX_BUF_INIT;
	const struct hrdex_signer *k = NULL;
	size_t i;
	int self_registry = 0, pinned = 0, ret = -1;

	reg[0] = '\0';
	if (!strcmp(line, self)) {
		self_registry = 1;
		snprintf(reg, HRDEX_PUBLISHER_MAX + 1, "%s", self);
	} else {
		if (hrdex_signers_parse(&given, line, strlen(line), "the registry line") < 0) {
			char why[512];

			hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
			return hrdex_error_set(HRDEX_E_INVALID, "%s", why);
		}
		for (i = 0; i < given->count; i++)
			if (!given->items[i].cert_authority)
				k = &given->items[i];
		if (!k || given->count != 1 || !hrdex_publisher_valid(k->principal)) {
			hrdex_error_set(HRDEX_E_INVALID, "the registry line must name one publisher and its "
					"'ssh-ed25519' key ('ohchr namespaces=\"git\" ssh-ed25519 AAAA...'), as 'hrdex init' "
					"printed it on the registry's agent");
			goto cleanup;
		}
		if (!strcmp(k->principal, self)) {
			hrdex_error_set(HRDEX_E_INVALID, "the registry line names this agent's own publisher '%s' "
					"(give just '%s' to make this agent the registry)", self, self);
			goto cleanup;
		}
		snprintf(reg, HRDEX_PUBLISHER_MAX + 1, "%s", k->principal);
		if (!url || !*url) {
			hrdex_error_set(HRDEX_E_USAGE, "joining registry '%s' needs the URL its branch is fetched from",
					reg);
			goto cleanup;
		}
		if (hrdex_git_url_check(url) < 0) {
			char why[1024];

			hrdex_fmt_cut(why, sizeof(why), "invalid registry URL %s", hrdex_error_message());
			hrdex_error_set(HRDEX_E_USAGE, "%s", why);
			goto cleanup;
		}
	}
	if (hrdex_config_load(&c, conf_path) < 0)
		goto cleanup;
	if (c->registry && strcmp(c->registry, reg)) {
		hrdex_error_set(HRDEX_E_INVALID, "this agent has joined the registry '%s' already (registry.publisher "
				"in '%s')", c->registry, conf_path);
		goto cleanup;
	}
	if (!self_registry) {
		if (hrdex_signers_load(&have, signers_path) < 0)
			goto cleanup;
		for (i = 0; i < have->count; i++) {
			const struct hrdex_signer *e = &have->items[i];

			if (e->cert_authority)
				continue;
			if (!strcmp(e->principal, reg) && !memcmp(e->pk, k->pk, 32))
				pinned = 1;
			else if (!strcmp(e->principal, reg)) {
				hrdex_error_set(HRDEX_E_INVALID, "'%s' trusts publisher '%s' with another key already "
						"('hrdex trust remove %s' first, if the registry's key changed)", signers_path,
						reg, reg);
				goto cleanup;
			} else if (!memcmp(e->pk, k->pk, 32)) {
				hrdex_error_set(HRDEX_E_INVALID, "the registry's key is trusted for publisher '%s' in '%s'",
						e->principal, signers_path);
				goto cleanup;
			}
		}
		if (!pinned) {
			if (hrdex_fs_exists(signers_path) && hrdex_fs_read(&text, signers_path, 16 << 20) < 0)
				goto cleanup;
			if ((text.len && text.ptr[text.len - 1] != '\n' && hrdex_buf_putc(&text, '\n') < 0) ||
			    hrdex_buf_printf(&add, "# registry: the network's registry, pinned by init or join\n"
					     "%s namespaces=\"git\" ", reg) < 0 ||
			    hrdex_key_public_line(&add, k->pk, reg) < 0 || hrdex_buf_putc(&add, '\n') < 0 ||
			    hrdex_buf_put(&text, add.ptr, add.len) < 0 ||
			    hrdex_fs_write_atomic(signers_path, text.ptr, text.len, 0644) < 0)
				goto cleanup;
		}
		if (hrdex_config_set(conf_path, "registry.url", url) < 0 ||
		    hrdex_config_set(conf_path, "peer.registry.url", url) < 0)
			goto cleanup;
	}
	if (hrdex_config_set(conf_path, "registry.publisher", reg) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_config_free(c);
	hrdex_signers_free(given);
	hrdex_signers_free(have);
	hrdex_buf_free(&text);
	hrdex_buf_free(&add);
	return ret;
}

int hrdex_registry_derived(const struct hrdex_state *st)
{
	char reg[HRDEX_PUBLISHER_MAX + 1];
	cJSON *m = NULL;
	const char *had;
	int ret;

	if (!hrdex_registry_get(st->config, reg))
		return 1;
	if (hrdex_members_load(&m, st->dir) < 0) {
		hrdex_error_clear();
		return 0;
	}
	had = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "registry"));
	ret = had && !strcmp(had, reg);
	cJSON_Delete(m);
	return ret;
}
