/*
 * sshsig.c - SSHSIG signatures (see sshsig.h), as OpenSSH's PROTOCOL.sshsig
 * and ssh-keygen -Y sign/verify define them.  A signature comes from a
 * hostile peer: every length is checked against what is left.
 */
#include "sshsig.h"
#include "error.h"
#include "sshwire.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define SIG_MAGIC "SSHSIG"
#define SIG_HASH "sha512"
#define SIG_BEGIN "-----BEGIN SSH SIGNATURE-----\n"
#define SIG_END "-----END SSH SIGNATURE-----\n"
#define ARMOR_MAX 16384           /* an Ed25519 SSHSIG armor is about 300 bytes */

/* The bytes an SSHSIG signature covers (PROTOCOL.sshsig): the reserved
 * field is always empty here, as OpenSSH verifies it. */
static int put_signed_data(struct hrdex_buf *b, const char *namespace, const void *msg, size_t len)
{
	unsigned char hash[crypto_hash_sha512_BYTES];

	crypto_hash_sha512(hash, msg, len);
	if (hrdex_buf_put(b, SIG_MAGIC, strlen(SIG_MAGIC)) < 0 || hrdex_ssh_put_cstring(b, namespace) < 0 ||
	    hrdex_ssh_put_string(b, "", 0) < 0 || hrdex_ssh_put_cstring(b, SIG_HASH) < 0 ||
	    hrdex_ssh_put_string(b, hash, sizeof(hash)) < 0)
		return -1;
	return 0;
}

int hrdex_sshsig_sign(struct hrdex_buf *out, const struct hrdex_key *key, const char *namespace,
		      const void *msg, size_t len)
{
	struct hrdex_buf tosign = HRDEX_BUF_INIT, blob = HRDEX_BUF_INIT, sig = HRDEX_BUF_INIT;
	unsigned char raw[crypto_sign_BYTES];
	int ret = -1;

	if (hrdex_ssh_crypto_ready() < 0)
		goto cleanup;
	if (!namespace || !*namespace) {
		hrdex_error_set(HRDEX_E_INTERNAL, "a signature needs a namespace");
		goto cleanup;
	}
	if (put_signed_data(&tosign, namespace, msg, len) < 0)
		goto cleanup;
	if (crypto_sign_detached(raw, NULL, (const unsigned char *)tosign.ptr, tosign.len, key->sk) != 0) {
		hrdex_error_set(HRDEX_E_INTERNAL, "cannot sign");
		goto cleanup;
	}
	if (hrdex_ssh_put_cstring(&sig, HRDEX_SSH_KEY_TYPE) < 0 || hrdex_ssh_put_string(&sig, raw, sizeof(raw)) < 0)
		goto cleanup;
	if (hrdex_buf_put(&blob, SIG_MAGIC, strlen(SIG_MAGIC)) < 0 || hrdex_ssh_put_u32(&blob, 1) < 0 ||
	    hrdex_ssh_put_u32(&blob, HRDEX_SSH_PUBLIC_BLOB_LEN) < 0 || hrdex_ssh_put_public_blob(&blob, key->pk) < 0 ||
	    hrdex_ssh_put_cstring(&blob, namespace) < 0 || hrdex_ssh_put_string(&blob, "", 0) < 0 ||
	    hrdex_ssh_put_cstring(&blob, SIG_HASH) < 0 || hrdex_ssh_put_string(&blob, sig.ptr, sig.len) < 0)
		goto cleanup;
	if (hrdex_ssh_put_armor(out, SIG_BEGIN, SIG_END, (const unsigned char *)blob.ptr, blob.len) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&sig);
	hrdex_buf_free(&blob);
	hrdex_buf_free(&tosign);
	return ret;
}

/*
 * Undo the armor, accepting only the exact text ssh-keygen would write for
 * the decoded blob: so a signature has one text and a relay cannot re-wrap
 * it.  On success *blob is malloc'ed.
 */
static int dearmor_canonical(unsigned char **blob, size_t *blob_len, const char *armor, size_t len)
{
	struct hrdex_buf b64 = HRDEX_BUF_INIT, again = HRDEX_BUF_INIT;
	size_t begin_len = strlen(SIG_BEGIN), end_len = strlen(SIG_END), i;
	int ret = -1;

	*blob = NULL;
	if (len > ARMOR_MAX || len < begin_len + end_len || memcmp(armor, SIG_BEGIN, begin_len) != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "non-canonical signature (not an SSH signature armor)");
		goto cleanup;
	}
	if (memcmp(armor + len - end_len, SIG_END, end_len) != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "non-canonical signature (armor does not end with "
				"its END line)");
		goto cleanup;
	}
	for (i = begin_len; i < len - end_len; i++)
		if (armor[i] != '\n' && hrdex_buf_putc(&b64, armor[i]) < 0)
			goto cleanup;
	if (!b64.ptr || hrdex_ssh_decode_base64(blob, blob_len, b64.ptr, b64.len) < 0) {
		hrdex_error_set(HRDEX_E_INVALID, "non-canonical signature (bad base64)");
		goto cleanup;
	}
	if (hrdex_ssh_put_armor(&again, SIG_BEGIN, SIG_END, *blob, *blob_len) < 0)
		goto cleanup;
	if (again.len != len || memcmp(again.ptr, armor, len) != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "non-canonical signature (armor differs from ssh-keygen's)");
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret < 0) {
		free(*blob);
		*blob = NULL;
	}
	hrdex_buf_free(&again);
	hrdex_buf_free(&b64);
	return ret;
}

int hrdex_sshsig_verify(unsigned char signer[32], const char *armor, size_t armor_len,
			const char *namespace, const void *msg, size_t len)
{
	unsigned char *blob = NULL, pk[32];
	size_t blob_len = 0;
	const unsigned char *pub, *ns, *reserved, *hash, *sig, *sig_type, *raw;
	size_t pub_len, ns_len, reserved_len, hash_len, sig_len, sig_type_len, raw_len;
	struct hrdex_buf tosign = HRDEX_BUF_INIT;
	struct hrdex_ssh_reader r, s;
	uint32_t version;
	char shown[64];
	int ret = -1;

	if (hrdex_ssh_crypto_ready() < 0 || dearmor_canonical(&blob, &blob_len, armor, armor_len) < 0)
		goto cleanup;
	r.p = blob;
	r.left = blob_len;
	if (r.left < strlen(SIG_MAGIC) || memcmp(r.p, SIG_MAGIC, strlen(SIG_MAGIC)) != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "not an SSHSIG signature");
		goto cleanup;
	}
	r.p += strlen(SIG_MAGIC);
	r.left -= strlen(SIG_MAGIC);
	if (hrdex_ssh_get_u32(&r, &version) < 0 || version != 1) {
		hrdex_error_set(HRDEX_E_INVALID, "unsupported signature version");
		goto cleanup;
	}
	if (hrdex_ssh_get_string(&r, &pub, &pub_len) < 0 || hrdex_ssh_get_string(&r, &ns, &ns_len) < 0 ||
	    hrdex_ssh_get_string(&r, &reserved, &reserved_len) < 0 || hrdex_ssh_get_string(&r, &hash, &hash_len) < 0 ||
	    hrdex_ssh_get_string(&r, &sig, &sig_len) < 0) {
		hrdex_error_set(HRDEX_E_INVALID, "malformed signature");
		goto cleanup;
	}
	if (r.left != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "non-canonical signature (trailing data)");
		goto cleanup;
	}
	if (hrdex_ssh_parse_public_blob(pub, pub_len, pk) < 0) {
		char why[256];

		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_E_INVALID, "signature %s", why);
		goto cleanup;
	}
	if (!hrdex_ssh_bytes_equal(ns, ns_len, namespace)) {
		hrdex_error_set(HRDEX_E_INVALID, "signature namespace '%s', expected '%s'",
				hrdex_ssh_printable(shown, sizeof(shown), ns, ns_len), namespace);
		goto cleanup;
	}
	if (reserved_len != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "non-canonical signature (reserved field not empty)");
		goto cleanup;
	}
	if (!hrdex_ssh_bytes_equal(hash, hash_len, SIG_HASH)) {
		hrdex_error_set(HRDEX_E_INVALID, "signature hash '%s', expected '" SIG_HASH "'",
				hrdex_ssh_printable(shown, sizeof(shown), hash, hash_len));
		goto cleanup;
	}
	s.p = sig;
	s.left = sig_len;
	if (hrdex_ssh_get_string(&s, &sig_type, &sig_type_len) < 0 || hrdex_ssh_get_string(&s, &raw, &raw_len) < 0) {
		hrdex_error_set(HRDEX_E_INVALID, "malformed signature");
		goto cleanup;
	}
	if (!hrdex_ssh_bytes_equal(sig_type, sig_type_len, HRDEX_SSH_KEY_TYPE)) {
		hrdex_error_set(HRDEX_E_INVALID, "signature type '%s', expected '" HRDEX_SSH_KEY_TYPE "'",
				hrdex_ssh_printable(shown, sizeof(shown), sig_type, sig_type_len));
		goto cleanup;
	}
	if (raw_len != crypto_sign_BYTES || s.left != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "malformed " HRDEX_SSH_KEY_TYPE " signature");
		goto cleanup;
	}
	if (put_signed_data(&tosign, namespace, msg, len) < 0)
		goto cleanup;
	if (crypto_sign_verify_detached(raw, (const unsigned char *)tosign.ptr, tosign.len, pk) != 0) {
		hrdex_error_set(HRDEX_E_INVALID, "bad signature (does not match the signed data)");
		goto cleanup;
	}
	memcpy(signer, pk, 32);
	ret = 0;
cleanup:
	hrdex_buf_free(&tosign);
	free(blob);
	return ret;
}

