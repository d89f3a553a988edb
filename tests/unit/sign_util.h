/*
 * sign_util.h - helpers shared by test_sign.c and test_sign_commit.c: a
 * temporary folder per test with an environment that ignores the user's git
 * configuration, running stock tools, and crafting SSHSIG blobs that hrdex
 * would never write (to prove it refuses them).
 *
 * Functions are static inline so that a test file may leave some unused.
 */
#ifndef HRDEX_TEST_SIGN_UTIL_H
#define HRDEX_TEST_SIGN_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sodium.h>

#include "buf.h"
#include "fs.h"
#include "key.h"

struct tmp {
	char dir[64];
};

/* A fresh folder; HOME and XDG_CONFIG_HOME point into it so that git and
 * ssh-keygen read no configuration of the user running the tests. */
static inline struct tmp *tmp_new(void)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	snprintf(t->dir, sizeof(t->dir), "%s", "/tmp/hrdex-sign.XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return NULL;
	}
	setenv("HOME", t->dir, 1);
	setenv("XDG_CONFIG_HOME", t->dir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	unsetenv("GIT_DIR");
	unsetenv("SSH_AUTH_SOCK");
	umask(022);
	return t;
}

static inline void tmp_free(struct tmp *t)
{
	if (!t)
		return;
	hrdex_fs_remove_tree(t->dir);
	free(t);
}

/* dir/name in a static-size buffer the caller owns. */
static inline const char *tmp_path(char *out, size_t size, const struct tmp *t, const char *name)
{
	snprintf(out, size, "%s/%s", t->dir, name);
	return out;
}

/* Run a shell command; its exit status, or -1 if it did not exit. */
static inline int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

static inline int write_text(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* ---- crafting SSHSIG by hand -------------------------------------- */

static inline void craft_u32(struct hrdex_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	hrdex_buf_put(b, x, 4);
}

static inline void craft_string(struct hrdex_buf *b, const void *data, size_t len)
{
	craft_u32(b, (uint32_t)len);
	hrdex_buf_put(b, data, len);
}

static inline void craft_cstring(struct hrdex_buf *b, const char *s)
{
	craft_string(b, s, strlen(s));
}

/* Base64 in lines of 70 between the SSH SIGNATURE lines, as ssh-keygen. */
static inline void craft_armor(struct hrdex_buf *out, const void *blob, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), i;
	char *b64 = malloc(n);

	sodium_bin2base64(b64, n, blob, len, sodium_base64_VARIANT_ORIGINAL);
	hrdex_buf_puts(out, "-----BEGIN SSH SIGNATURE-----\n");
	for (i = 0; i < n - 1; i += 70) {
		hrdex_buf_put(out, b64 + i, n - 1 - i < 70 ? n - 1 - i : 70);
		hrdex_buf_putc(out, '\n');
	}
	hrdex_buf_puts(out, "-----END SSH SIGNATURE-----\n");
	free(b64);
}

struct craft {
	const char *ns;        /* namespace in the blob and the signed data */
	const char *reserved;  /* reserved field of the blob ("" normally) */
	const char *hash;      /* "sha512" or "sha256" */
	const char *sig_type;  /* signature type name ("ssh-ed25519") */
	const char *trailing;  /* bytes appended to the blob, or NULL */
};

/*
 * An SSHSIG over msg that OpenSSH would accept: the signed data has an empty
 * reserved field whatever the blob says, exactly as ssh-keygen verifies.
 */
static inline void craft_sshsig(struct hrdex_buf *out, const struct hrdex_key *key,
				const struct craft *c, const void *msg, size_t len)
{
	struct hrdex_buf tosign = HRDEX_BUF_INIT, blob = HRDEX_BUF_INIT, sig = HRDEX_BUF_INIT;
	struct hrdex_buf pub = HRDEX_BUF_INIT;
	unsigned char h[64], raw[64];
	size_t hlen = 64;

	if (strcmp(c->hash, "sha256") == 0) {
		crypto_hash_sha256(h, msg, len);
		hlen = 32;
	} else {
		crypto_hash_sha512(h, msg, len);
	}
	hrdex_buf_put(&tosign, "SSHSIG", 6);
	craft_cstring(&tosign, c->ns);
	craft_string(&tosign, "", 0);
	craft_cstring(&tosign, c->hash);
	craft_string(&tosign, h, hlen);
	crypto_sign_detached(raw, NULL, (const unsigned char *)tosign.ptr, tosign.len, key->sk);
	craft_cstring(&sig, c->sig_type);
	craft_string(&sig, raw, 64);
	craft_cstring(&pub, "ssh-ed25519");
	craft_string(&pub, key->pk, 32);
	hrdex_buf_put(&blob, "SSHSIG", 6);
	craft_u32(&blob, 1);
	craft_string(&blob, pub.ptr, pub.len);
	craft_cstring(&blob, c->ns);
	craft_cstring(&blob, c->reserved);
	craft_cstring(&blob, c->hash);
	craft_string(&blob, sig.ptr, sig.len);
	if (c->trailing)
		hrdex_buf_puts(&blob, c->trailing);
	craft_armor(out, blob.ptr, blob.len);
	hrdex_buf_free(&pub);
	hrdex_buf_free(&sig);
	hrdex_buf_free(&blob);
	hrdex_buf_free(&tosign);
}

/* The allowed_signers line for key: PRINCIPAL [OPTIONS] ssh-ed25519 AAAA... */
static inline int signers_line(struct hrdex_buf *out, const char *principal, const char *options,
			       const unsigned char pk[32])
{
	if (hrdex_buf_printf(out, "%s %s%s", principal, options ? options : "", options ? " " : "") < 0 ||
	    hrdex_key_public_line(out, pk, NULL) < 0)
		return -1;
	return hrdex_buf_putc(out, '\n');
}

#endif
