/*
 * keyring.c - the key files of a rotation (see keyring.h).
 */
#include "keyring.h"
#include "error.h"
#include "fs.h"
#include "keychain.h"
#include "repo.h"
#include "signers.h"
#include "log.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

int hrdex_keyring_stage(struct hrdex_state *s, const struct hrdex_key *next)
{
	char *path = hrdex_state_path(s, "keys/id_ed25519.next");
	int r;

	if (!path)
		return hrdex_error_oom();
	r = hrdex_key_save(next, path);
	free(path);
	return r;
}

static int move(const char *from, const char *to)
{
	if (rename(from, to) < 0)
		return hrdex_error_set(HRDEX_E_IO, "cannot rename '%s' to '%s': %s", from, to, strerror(errno));
	return 0;
}

int hrdex_keyring_promote(struct hrdex_state *s, unsigned long old_number, char *retired, size_t size)
{
	char *keys = hrdex_state_path(s, "keys"), old[4096], next[4096], cur[4096], rdir[4096];
	struct hrdex_key k, n;
	int ret = -1;

	memset(&k, 0, sizeof(k));
	memset(&n, 0, sizeof(n));
	if (!keys)
		return hrdex_error_oom();
	if (hrdex_fmt(rdir, sizeof(rdir), "%s/retired", keys) < 0 ||
	    hrdex_fmt(old, sizeof(old), "%s/id_ed25519.%lu", rdir, old_number) < 0 ||
	    hrdex_fmt(next, sizeof(next), "%s/id_ed25519.next", keys) < 0 ||
	    hrdex_fmt(cur, sizeof(cur), "%s/id_ed25519", keys) < 0)
		goto cleanup;
	if (hrdex_key_load(&n, next) < 0 || hrdex_key_load(&k, cur) < 0)
		goto cleanup;
	/* Only this account reads retired secrets; mkdir's mode is masked. */
	if (hrdex_fs_mkdirs(rdir, 0700) < 0)
		goto cleanup;
	if (chmod(rdir, 0700) < 0) {
		hrdex_error_set(HRDEX_E_IO, "cannot make '%s' private: %s", rdir, strerror(errno));
		goto cleanup;
	}
	/* The old key is kept before the new one takes its place: a crash
	 * between the two leaves both on disk. */
	if (hrdex_key_save(&k, old) < 0 || hrdex_fs_sync_dir(rdir) < 0)
		goto cleanup;
	{
		char nextpub[4200], curpub[4200];

		if (hrdex_fmt(nextpub, sizeof(nextpub), "%s.pub", next) < 0 ||
		    hrdex_fmt(curpub, sizeof(curpub), "%s.pub", cur) < 0 || move(nextpub, curpub) < 0 ||
		    move(next, cur) < 0 || hrdex_fs_sync_dir(keys) < 0)
			goto cleanup;
	}
	hrdex_key_wipe(&s->key);
	s->key = n;
	s->have_key = 1;
	memset(&n, 0, sizeof(n));
	if (retired)
		hrdex_fmt_cut(retired, size, "%s", old);
	ret = 0;
cleanup:
	hrdex_key_wipe(&k);
	hrdex_key_wipe(&n);
	free(keys);
	return ret;
}

static int granted(const struct hrdex_signers *s, const char *principal, const unsigned char pk[32])
{
	size_t i;

	for (i = 0; s && i < s->count; i++)
		if (!strcmp(s->items[i].principal, principal) && !memcmp(s->items[i].pk, pk, 32))
			return 1;
	return 0;
}

int hrdex_keyring_follow(struct hrdex_state *s, size_t *added)
{
	git_strarray names = { NULL, 0 };
	struct hrdex_buf text = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(s, "allowed_signers");
	size_t i, j, n = 0;
	int ret = -1;

	if (added)
		*added = 0;
	if (!path)
		return hrdex_error_oom();
	if (hrdex_repo_publishers(&names, s->repo) < 0)
		goto cleanup;
	for (i = 0; i < names.count; i++) {
		const char *pub = names.strings[i];
		struct hrdex_keychain kc;

		if (strcmp(pub, s->config->publisher) && !hrdex_signers_has(s->signers, pub))
			continue;
		if (hrdex_keychain_at_tip(&kc, s->repo, pub) < 0)
			goto cleanup;
		for (j = 0; j < kc.n; j++) {
			if (granted(s->signers, pub, kc.keys[j].pk))
				continue;
			if (!n && hrdex_fs_exists(path) && hrdex_fs_read(&text, path, 16 << 20) < 0) {
				hrdex_keychain_free(&kc);
				goto cleanup;
			}
			if ((text.len && text.ptr[text.len - 1] != '\n' && hrdex_buf_putc(&text, '\n') < 0) ||
			    hrdex_buf_printf(&text, "# rotation %s/key/%zu\n%s namespaces=\"git\" ", pub, j + 2, pub) < 0 ||
			    hrdex_key_public_line(&text, kc.keys[j].pk, NULL) < 0 || hrdex_buf_putc(&text, '\n') < 0) {
				hrdex_keychain_free(&kc);
				goto cleanup;
			}
			hrdex_log_info("allowed_signers: '%s' signs with key %zu from its rotation '%s/key/%zu'", pub,
				       j + 2, pub, j + 2);
			n++;
		}
		hrdex_keychain_free(&kc);
	}
	if (n && (hrdex_fs_write_atomic(path, text.ptr, text.len, 0644) < 0 || hrdex_state_reload_signers(s) < 0))
		goto cleanup;
	if (added)
		*added = n;
	ret = 0;
cleanup:
	git_strarray_dispose(&names);
	hrdex_buf_free(&text);
	free(path);
	return ret;
}

int hrdex_keyring_recover(struct hrdex_state *s)
{
	char *next = hrdex_state_path(s, "keys/id_ed25519.next");
	struct hrdex_keychain kc = { NULL, 0 };
	struct hrdex_key n;
	const unsigned char *cur;
	int ret = -1;

	memset(&n, 0, sizeof(n));
	if (!next)
		return hrdex_error_oom();
	if (!hrdex_fs_exists(next)) {
		ret = 0;
		goto cleanup;
	}
	if (hrdex_key_load(&n, next) < 0 || hrdex_keychain_at_tip(&kc, s->repo, s->config->publisher) < 0)
		goto cleanup;
	cur = hrdex_keychain_current(&kc);
	if (cur && !memcmp(cur, n.pk, 32)) {
		hrdex_log_warn("key rotate: finishing a rotation that was interrupted after its commit");
		ret = hrdex_keyring_promote(s, (unsigned long)kc.n, NULL, 0) < 0 ? -1 : hrdex_keyring_follow(s, NULL);
	} else {
		char pub[4200];

		hrdex_log_warn("key rotate: dropping the key of a rotation that was interrupted before its commit");
		if (hrdex_fmt(pub, sizeof(pub), "%s.pub", next) < 0)
			goto cleanup;
		if ((unlink(next) < 0 && errno != ENOENT) || (unlink(pub) < 0 && errno != ENOENT)) {
			hrdex_error_set(HRDEX_E_IO, "cannot remove '%s': %s", next, strerror(errno));
			goto cleanup;
		}
		ret = 0;
	}
cleanup:
	hrdex_keychain_free(&kc);
	hrdex_key_wipe(&n);
	free(next);
	return ret;
}
