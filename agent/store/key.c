/*
 * key.c - Ed25519 keys in OpenSSH's formats (see key.h).
 *
 * The private key container follows OpenSSH's PROTOCOL.key.  A key file may
 * be handed to us by anyone who can write it, so every length is checked
 * against what is left.
 */
#include "key.h"
#include "error.h"
#include "fs.h"
#include "sshwire.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define KEY_MAGIC "openssh-key-v1" /* followed by a NUL in the file */
#define KEY_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define KEY_END "-----END OPENSSH PRIVATE KEY-----\n"
#define KEY_FILE_MAX 65536        /* an Ed25519 key file is about 400 bytes */

/* A comment goes into a one-line .pub file and our struct: bound it and keep
 * it to one line. */
static int check_comment(const char *comment)
{
	const char *c;

	if (strlen(comment) >= sizeof(((struct hrdex_key *)0)->comment))
		return hrdex_error_set(HRDEX_E_INVALID, "key comment longer than %zu bytes",
				       sizeof(((struct hrdex_key *)0)->comment) - 1);
	for (c = comment; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return hrdex_error_set(HRDEX_E_INVALID, "key comment holds a control character");
	return 0;
}

int hrdex_key_generate(struct hrdex_key *out, const char *comment)
{
	memset(out, 0, sizeof(*out));
	if (!comment)
		comment = "";
	if (hrdex_ssh_crypto_ready() < 0 || check_comment(comment) < 0)
		return -1;
	if (crypto_sign_keypair(out->pk, out->sk) != 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot generate an Ed25519 key");
	memcpy(out->comment, comment, strlen(comment) + 1);
	return 0;
}

void hrdex_key_wipe(struct hrdex_key *key)
{
	if (key)
		sodium_memzero(key, sizeof(*key));
}

int hrdex_key_public_line(struct hrdex_buf *out, const unsigned char pk[32], const char *comment)
{
	struct hrdex_buf blob = HRDEX_BUF_INIT;
	int ret = -1;

	if (hrdex_ssh_put_public_blob(&blob, pk) < 0)
		goto cleanup;
	if (hrdex_buf_puts(out, HRDEX_SSH_KEY_TYPE " ") < 0 ||
	    hrdex_ssh_put_base64(out, (const unsigned char *)blob.ptr, blob.len) < 0)
		goto cleanup;
	if (comment && *comment && hrdex_buf_printf(out, " %s", comment) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&blob);
	return ret;
}

int hrdex_key_fingerprint(char *out, size_t size, const unsigned char pk[32])
{
	struct hrdex_buf blob = HRDEX_BUF_INIT, b64 = HRDEX_BUF_INIT;
	unsigned char digest[crypto_hash_sha256_BYTES];
	int ret = -1;

	if (hrdex_ssh_crypto_ready() < 0 || hrdex_ssh_put_public_blob(&blob, pk) < 0)
		goto cleanup;
	crypto_hash_sha256(digest, (const unsigned char *)blob.ptr, blob.len);
	if (hrdex_ssh_put_base64(&b64, digest, sizeof(digest)) < 0)
		goto cleanup;
	while (b64.len && b64.ptr[b64.len - 1] == '=')
		b64.ptr[--b64.len] = '\0'; /* OpenSSH prints it unpadded */
	if (hrdex_fmt(out, size, "SHA256:%s", b64.ptr) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&b64);
	hrdex_buf_free(&blob);
	return ret;
}

int hrdex_key_parse_public(unsigned char pk[32], const char *text)
{
	const char *p = text, *b64;
	size_t n;

	p += strspn(p, " \t");
	n = strcspn(p, " \t\r\n");
	if (n != strlen(HRDEX_SSH_KEY_TYPE) || memcmp(p, HRDEX_SSH_KEY_TYPE, n) != 0) {
		char shown[64];

		return hrdex_error_set(HRDEX_E_INVALID, "key type '%s', expected '" HRDEX_SSH_KEY_TYPE "'",
				       hrdex_ssh_printable(shown, sizeof(shown), p, n));
	}
	p += n;
	p += strspn(p, " \t");
	b64 = p;
	n = strcspn(p, " \t\r\n");
	if (n == 0)
		return hrdex_error_set(HRDEX_E_INVALID, "public key line has no key");
	/* What follows the key is the comment; only its line ends here. */
	p += n;
	p += strcspn(p, "\r\n");
	p += strspn(p, "\r\n");
	if (*p)
		return hrdex_error_set(HRDEX_E_INVALID, "public key text has more than one line");
	return hrdex_ssh_decode_public_key(pk, b64, n);
}

/*
 * The private section of an openssh-key-v1 file (PROTOCOL.key):
 *   uint32 check, uint32 check, string type, string pk, string sk (seed||pk),
 *   string comment, padding 1, 2, 3... to a multiple of 8.
 */
static int parse_private_section(struct hrdex_key *out, const unsigned char *data, size_t len,
				 const unsigned char outer_pk[32], const char *path)
{
	struct hrdex_ssh_reader r = { data, len };
	const unsigned char *type, *pk, *sk, *comment;
	size_t type_len, pk_len, sk_len, comment_len, i;
	uint32_t check1, check2;
	unsigned char derived_pk[32], derived_sk[64];
	int ret = -1;

	if (len % 8 != 0 || hrdex_ssh_get_u32(&r, &check1) < 0 || hrdex_ssh_get_u32(&r, &check2) < 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': malformed private key", path);
		goto cleanup;
	}
	if (check1 != check2) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': corrupt private key (check numbers differ)", path);
		goto cleanup;
	}
	if (hrdex_ssh_get_string(&r, &type, &type_len) < 0 || !hrdex_ssh_bytes_equal(type, type_len, HRDEX_SSH_KEY_TYPE) ||
	    hrdex_ssh_get_string(&r, &pk, &pk_len) < 0 || pk_len != 32 ||
	    hrdex_ssh_get_string(&r, &sk, &sk_len) < 0 || sk_len != 64 ||
	    hrdex_ssh_get_string(&r, &comment, &comment_len) < 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': malformed " HRDEX_SSH_KEY_TYPE " private key", path);
		goto cleanup;
	}
	for (i = 0; i < r.left; i++)
		if (r.p[i] != (unsigned char)(i + 1) || i >= 8) {
			hrdex_error_set(HRDEX_E_INVALID, "'%s': bad padding in private key", path);
			goto cleanup;
		}
	if (comment_len >= sizeof(out->comment) || memchr(comment, '\0', comment_len)) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': key comment too long or not text", path);
		goto cleanup;
	}
	/* The three copies of the public key, and the one the seed yields, must agree. */
	if (crypto_sign_seed_keypair(derived_pk, derived_sk, sk) != 0 ||
	    memcmp(derived_pk, pk, 32) != 0 || memcmp(sk + 32, pk, 32) != 0 ||
	    memcmp(outer_pk, pk, 32) != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': private and public key do not match", path);
		goto cleanup;
	}
	memcpy(out->pk, pk, 32);
	memcpy(out->sk, derived_sk, 64);
	memcpy(out->comment, comment, comment_len);
	out->comment[comment_len] = '\0';
	ret = 0;
cleanup:
	sodium_memzero(derived_sk, sizeof(derived_sk));
	return ret;
}

int hrdex_key_load(struct hrdex_key *out, const char *path)
{
	struct hrdex_buf file = HRDEX_BUF_INIT, b64 = HRDEX_BUF_INIT;
	unsigned char *blob = NULL, outer_pk[32];
	size_t blob_len = 0, begin_len = strlen(KEY_BEGIN) - 1, end_len = strlen(KEY_END) - 1;
	const unsigned char *s, *pub, *priv;
	size_t s_len, pub_len, priv_len;
	const char *p, *end;
	struct hrdex_ssh_reader r;
	uint32_t nkeys;
	char shown[64];
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (hrdex_ssh_crypto_ready() < 0 || hrdex_ssh_reserve_secret(&file, KEY_FILE_MAX) < 0 ||
	    hrdex_fs_read(&file, path, KEY_FILE_MAX) < 0 || hrdex_ssh_reserve_secret(&b64, file.len) < 0)
		goto cleanup;
	/* The armor lines, without their newline so that CRLF files load too. */
	p = file.ptr + strspn(file.ptr, " \t\r\n");
	if (strncmp(p, KEY_BEGIN, begin_len) != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': not an OpenSSH private key "
				"(expected '-----BEGIN OPENSSH PRIVATE KEY-----')", path);
		goto cleanup;
	}
	p += begin_len;
	end = strstr(p, "-----END");
	if (!end || strncmp(end, KEY_END, end_len) != 0 ||
	    end[end_len + strspn(end + end_len, " \t\r\n")] != '\0') {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': private key armor has no proper end line", path);
		goto cleanup;
	}
	for (; p < end; p++)
		if (!strchr(" \t\r\n", *p))
			b64.ptr[b64.len++] = *p; /* fits: reserved file.len bytes */
	b64.ptr[b64.len] = '\0';
	if (hrdex_ssh_decode_base64(&blob, &blob_len, b64.ptr, b64.len) < 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': private key is not valid base64", path);
		goto cleanup;
	}
	if (blob_len < sizeof(KEY_MAGIC) || memcmp(blob, KEY_MAGIC, sizeof(KEY_MAGIC)) != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': not an openssh-key-v1 private key", path);
		goto cleanup;
	}
	r.p = blob + sizeof(KEY_MAGIC);
	r.left = blob_len - sizeof(KEY_MAGIC);
	if (hrdex_ssh_get_string(&r, &s, &s_len) < 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': malformed private key", path);
		goto cleanup;
	}
	if (!hrdex_ssh_bytes_equal(s, s_len, "none")) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': private key is encrypted (cipher '%s'); hrdex "
				"needs an unencrypted key: remove the passphrase with "
				"ssh-keygen -p -N '' -f '%s'", path, hrdex_ssh_printable(shown, sizeof(shown), s, s_len),
				path);
		goto cleanup;
	}
	if (hrdex_ssh_get_string(&r, &s, &s_len) < 0 || !hrdex_ssh_bytes_equal(s, s_len, "none") ||
	    hrdex_ssh_get_string(&r, &s, &s_len) < 0 || s_len != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': private key uses a key derivation function, "
				"but no cipher", path);
		goto cleanup;
	}
	if (hrdex_ssh_get_u32(&r, &nkeys) < 0 || nkeys != 1) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': expected exactly one key in the file", path);
		goto cleanup;
	}
	if (hrdex_ssh_get_string(&r, &pub, &pub_len) < 0 || hrdex_ssh_get_string(&r, &priv, &priv_len) < 0 || r.left != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "'%s': malformed private key", path);
		goto cleanup;
	}
	if (hrdex_ssh_parse_public_blob(pub, pub_len, outer_pk) < 0) {
		char why[256];

		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_E_INVALID, "'%s': %s", path, why);
		goto cleanup;
	}
	if (parse_private_section(out, priv, priv_len, outer_pk, path) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	if (ret < 0)
		hrdex_key_wipe(out);
	if (blob) {
		sodium_memzero(blob, blob_len);
		free(blob);
	}
	hrdex_ssh_buf_free_secret(&b64);
	hrdex_ssh_buf_free_secret(&file);
	return ret;
}

int hrdex_key_save(const struct hrdex_key *key, const char *path)
{
	struct hrdex_buf priv = HRDEX_BUF_INIT, blob = HRDEX_BUF_INIT, armor = HRDEX_BUF_INIT;
	struct hrdex_buf pub = HRDEX_BUF_INIT;
	char *pub_path = NULL;
	uint32_t check;
	unsigned char pad;
	int ret = -1;

	if (hrdex_ssh_crypto_ready() < 0 || check_comment(key->comment) < 0)
		goto cleanup;
	/* Sized up front so no realloc leaves a copy of the secret behind. */
	if (hrdex_ssh_reserve_secret(&priv, 1024) < 0 || hrdex_ssh_reserve_secret(&blob, 2048) < 0 ||
	    hrdex_ssh_reserve_secret(&armor, 4096) < 0)
		goto cleanup;
	check = randombytes_random();
	if (hrdex_ssh_put_u32(&priv, check) < 0 || hrdex_ssh_put_u32(&priv, check) < 0 ||
	    hrdex_ssh_put_public_blob(&priv, key->pk) < 0 || hrdex_ssh_put_string(&priv, key->sk, 64) < 0 ||
	    hrdex_ssh_put_cstring(&priv, key->comment) < 0)
		goto cleanup;
	for (pad = 1; priv.len % 8 != 0; pad++)
		if (hrdex_buf_put(&priv, &pad, 1) < 0)
			goto cleanup;
	if (hrdex_buf_put(&blob, KEY_MAGIC, sizeof(KEY_MAGIC)) < 0 ||
	    hrdex_ssh_put_cstring(&blob, "none") < 0 || hrdex_ssh_put_cstring(&blob, "none") < 0 ||
	    hrdex_ssh_put_string(&blob, "", 0) < 0 || hrdex_ssh_put_u32(&blob, 1) < 0 ||
	    hrdex_ssh_put_u32(&blob, HRDEX_SSH_PUBLIC_BLOB_LEN) < 0 || hrdex_ssh_put_public_blob(&blob, key->pk) < 0 ||
	    hrdex_ssh_put_string(&blob, priv.ptr, priv.len) < 0)
		goto cleanup;
	if (hrdex_ssh_put_armor(&armor, KEY_BEGIN, KEY_END, (const unsigned char *)blob.ptr, blob.len) < 0)
		goto cleanup;
	if (hrdex_key_public_line(&pub, key->pk, key->comment) < 0 || hrdex_buf_putc(&pub, '\n') < 0)
		goto cleanup;
	pub_path = malloc(strlen(path) + 5);
	if (!pub_path) {
		hrdex_error_oom();
		goto cleanup;
	}
	memcpy(pub_path, path, strlen(path));
	memcpy(pub_path + strlen(path), ".pub", 5);
	/* Private first: a .pub without its key would be the worse leftover. */
	if (hrdex_fs_write_atomic(path, armor.ptr, armor.len, 0600) < 0 ||
	    hrdex_fs_write_atomic(pub_path, pub.ptr, pub.len, 0644) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(pub_path);
	hrdex_buf_free(&pub);
	hrdex_ssh_buf_free_secret(&armor);
	hrdex_ssh_buf_free_secret(&blob);
	hrdex_ssh_buf_free_secret(&priv);
	return ret;
}

