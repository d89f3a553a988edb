/*
 * keychain.c - the keys a branch carries (see keychain.h).
 */
#include "keychain.h"
#include "buf.h"
#include "error.h"
#include "key.h"
#include "repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

void hrdex_keychain_free(struct hrdex_keychain *kc)
{
	free(kc->keys);
	kc->keys = NULL;
	kc->n = 0;
}

const unsigned char *hrdex_keychain_current(const struct hrdex_keychain *kc)
{
	return kc->n ? kc->keys[kc->n - 1].pk : NULL;
}

/* "N.json", N a decimal without leading zeros, 2 to 999999999: N, else 0. */
static unsigned long entry_number(const char *name)
{
	unsigned long n = 0;
	size_t i;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	for (i = 0; name[i] >= '0' && name[i] <= '9'; i++) {
		if (i >= 9)
			return 0;
		n = n * 10 + (unsigned long)(name[i] - '0');
	}
	return strcmp(name + i, ".json") || n < 2 ? 0 : n;
}

static int read_key(struct hrdex_keychain_key *k, git_repository *repo, const git_tree_entry *e,
		    const char *publisher, unsigned long num, char *why, size_t size)
{
	git_blob *blob = NULL;
	cJSON *doc = NULL;
	const cJSON *type, *id, *pub, *key, *prev;
	char want[24];
	int r = 1;

	snprintf(want, sizeof(want), "%lu", num);
	git_oid_cpy(&k->blob, git_tree_entry_id(e));
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		hrdex_fmt_cut(why, size, "'%s/key/%s' is not a file", publisher, git_tree_entry_name(e));
		return 1;
	}
	if (git_blob_lookup(&blob, repo, git_tree_entry_id(e)) < 0) {
		hrdex_fmt_cut(why, size, "cannot read '%s/key/%s'", publisher, git_tree_entry_name(e));
		git_error_clear();
		return 1;
	}
	doc = cJSON_ParseWithLength(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	type = cJSON_GetObjectItemCaseSensitive(doc, "type");
	id = cJSON_GetObjectItemCaseSensitive(doc, "id");
	pub = cJSON_GetObjectItemCaseSensitive(doc, "publisher");
	key = cJSON_GetObjectItemCaseSensitive(doc, "key");
	prev = cJSON_GetObjectItemCaseSensitive(doc, "previous");
	if (!cJSON_IsObject(doc))
		hrdex_fmt_cut(why, size, "'%s/key/%s' is not a JSON object", publisher, git_tree_entry_name(e));
	else if (!cJSON_IsString(type) || strcmp(type->valuestring, "key"))
		hrdex_fmt_cut(why, size, "'%s/key/%s': type is not 'key'", publisher, git_tree_entry_name(e));
	else if (!cJSON_IsString(id) || strcmp(id->valuestring, want))
		hrdex_fmt_cut(why, size, "'%s/key/%s': id is not '%s'", publisher, git_tree_entry_name(e), want);
	else if (!cJSON_IsString(pub) || strcmp(pub->valuestring, publisher))
		hrdex_fmt_cut(why, size, "'%s/key/%s': publisher is not '%s'", publisher, git_tree_entry_name(e),
			      publisher);
	else if (!cJSON_IsString(key) || hrdex_key_parse_public(k->pk, key->valuestring) < 0)
		hrdex_fmt_cut(why, size, "'%s/key/%s': key is not an ssh-ed25519 public key", publisher,
			      git_tree_entry_name(e));
	else if (!cJSON_IsString(prev) || strncmp(prev->valuestring, "SHA256:", 7) ||
		 strlen(prev->valuestring) >= sizeof(k->previous))
		hrdex_fmt_cut(why, size, "'%s/key/%s': previous is not a SHA256: fingerprint", publisher,
			      git_tree_entry_name(e));
	else {
		memcpy(k->previous, prev->valuestring, strlen(prev->valuestring) + 1);
		r = 0;
	}
	hrdex_error_clear();
	cJSON_Delete(doc);
	git_blob_free(blob);
	return r;
}

int hrdex_keychain_read(struct hrdex_keychain *out, git_repository *repo, const git_oid *tree_id,
			const char *publisher, char *why, size_t size)
{
	git_tree *root = NULL, *folder = NULL;
	git_tree_entry *e = NULL;
	char path[64];
	size_t i, n;
	int r = -1;

	out->keys = NULL;
	out->n = 0;
	if (!tree_id)
		return 0;
	if (hrdex_fmt(path, sizeof(path), "%s/key", publisher) < 0)
		return -1;
	/* a missing object is the peer's fault, for the branch rules to name */
	if (git_tree_lookup(&root, repo, tree_id) < 0) {
		hrdex_fmt_cut(why, size, "cannot read the tree of '%s': %s", publisher,
			      git_error_last() ? git_error_last()->message : "unknown error");
		git_error_clear();
		return 1;
	}
	if (git_tree_entry_bypath(&e, root, path) < 0) {
		git_error_clear();
		r = 0;
		goto cleanup;
	}
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE || git_tree_lookup(&folder, repo, git_tree_entry_id(e)) < 0) {
		git_error_clear();
		hrdex_fmt_cut(why, size, "'%s' is not a folder", path);
		r = 1;
		goto cleanup;
	}
	n = git_tree_entrycount(folder);
	out->keys = calloc(n + 1, sizeof(*out->keys));
	if (!out->keys) {
		r = hrdex_error_oom();
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		const git_tree_entry *x = git_tree_entry_byindex(folder, i);
		unsigned long num = entry_number(git_tree_entry_name(x));

		if (!num || num - 2 >= n || out->keys[num - 2].previous[0]) {
			hrdex_fmt_cut(why, size, "'%s/%s' is not a key document of a key history (%s/2.json, "
				      "3.json, ... without gaps)", path, git_tree_entry_name(x), path);
			r = 1;
			goto cleanup;
		}
		if ((r = read_key(&out->keys[num - 2], repo, x, publisher, num, why, size)) != 0)
			goto cleanup;
	}
	out->n = n;
	r = 0;
cleanup:
	if (r)
		hrdex_keychain_free(out);
	git_tree_entry_free(e);
	git_tree_free(folder);
	git_tree_free(root);
	return r;
}

int hrdex_keychain_at_tip(struct hrdex_keychain *out, git_repository *repo, const char *publisher)
{
	git_commit *c = NULL;
	git_oid tip;
	char why[256];
	int r;

	out->keys = NULL;
	out->n = 0;
	r = hrdex_repo_tip(&tip, repo, publisher);
	if (r)
		return r < 0 ? -1 : 0;
	if (git_commit_lookup(&c, repo, &tip) < 0)
		return hrdex_error_git(HRDEX_E_INVALID, "cannot read the tip of '%s'", publisher);
	r = hrdex_keychain_read(out, repo, git_commit_tree_id(c), publisher, why, sizeof(why));
	git_commit_free(c);
	if (r == 1)
		return hrdex_error_set(HRDEX_E_INVALID, "branch '%s': %s", publisher, why);
	return r;
}

int hrdex_keychain_names(const struct hrdex_keychain *kc, const unsigned char pk[32])
{
	char fp[64];
	size_t i;

	for (i = 0; i < kc->n; i++)
		if (!memcmp(kc->keys[i].pk, pk, 32))
			return 1;
	return kc->n && hrdex_key_fingerprint(fp, sizeof(fp), pk) == 0 && !strcmp(fp, kc->keys[0].previous);
}

int hrdex_keychain_owner(char *owner, size_t size, git_repository *repo, const struct hrdex_signers *signers,
			 const char *publisher, const unsigned char pk[32])
{
	git_strarray names = { NULL, 0 };
	size_t i;
	int r = 0;

	for (i = 0; signers && i < signers->count; i++) {
		const struct hrdex_signer *e = &signers->items[i];

		if (strcmp(e->principal, publisher) && !memcmp(e->pk, pk, 32)) {
			hrdex_fmt_cut(owner, size, "%s", e->principal);
			return 1;
		}
	}
	if (hrdex_repo_publishers(&names, repo) < 0)
		return -1;
	for (i = 0; i < names.count && !r; i++) {
		struct hrdex_keychain kc;

		if (!strcmp(names.strings[i], publisher))
			continue;
		/* a branch whose key folder is damaged names nothing here; the
		 * branch rules said so when it came */
		if (hrdex_keychain_at_tip(&kc, repo, names.strings[i]) < 0) {
			hrdex_error_clear();
			continue;
		}
		if (hrdex_keychain_names(&kc, pk)) {
			hrdex_fmt_cut(owner, size, "%s", names.strings[i]);
			r = 1;
		}
		hrdex_keychain_free(&kc);
	}
	git_strarray_dispose(&names);
	return r;
}

int hrdex_keychain_step(const struct hrdex_keychain *kp, const struct hrdex_keychain *kc,
			const unsigned char signer[32], const unsigned char (*used)[32], size_t nused,
			git_repository *repo, const struct hrdex_signers *signers, const char *publisher,
			char *why, size_t size)
{
	const struct hrdex_keychain_key *k;
	char fp[64], owner[64];
	size_t i;
	int r;

	for (i = 0; i < kp->n; i++)
		if (i >= kc->n || !git_oid_equal(&kp->keys[i].blob, &kc->keys[i].blob)) {
			hrdex_fmt_cut(why, size, "changes or removes '%s/key/%zu.json': a branch's key history only "
				      "grows", publisher, i + 2);
			return 1;
		}
	if (kc->n == kp->n)
		return 0;
	if (kc->n > kp->n + 1) {
		hrdex_fmt_cut(why, size, "adds %zu key documents ('%s/key/%zu.json' to %zu.json); a commit "
			      "rotates the key once", kc->n - kp->n, publisher, kp->n + 2, kc->n + 1);
		return 1;
	}
	k = &kc->keys[kp->n];
	if (hrdex_key_fingerprint(fp, sizeof(fp), signer) < 0)
		return -1;
	if (strcmp(k->previous, fp)) {
		hrdex_fmt_cut(why, size, "'%s/key/%zu.json' replaces '%s', but the key that signs here is %s",
			      publisher, kc->n + 1, k->previous, fp);
		return 1;
	}
	for (i = 0; i < nused; i++)
		if (!memcmp(used[i], k->pk, 32))
			break;
	if (!memcmp(signer, k->pk, 32) || hrdex_keychain_names(kp, k->pk) || i < nused) {
		hrdex_fmt_cut(why, size, "'%s/key/%zu.json' names a key this branch used before; a rotation "
			      "names a new key", publisher, kc->n + 1);
		return 1;
	}
	r = hrdex_keychain_owner(owner, sizeof(owner), repo, signers, publisher, k->pk);
	if (r < 0)
		return -1;
	if (r) {
		hrdex_fmt_cut(why, size, "'%s/key/%zu.json' names a key that publisher '%s' uses; one key "
			      "speaks for one publisher", publisher, kc->n + 1, owner);
		return 1;
	}
	return 0;
}
