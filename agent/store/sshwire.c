/*
 * sshwire.c - OpenSSH's wire encoding, Ed25519 public key blobs, base64 and
 * armor, shared by the signing code of store/ (see sshwire.h).
 */
#include "sshwire.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define B64_WRAP 70               /* ssh-keygen's line length in both armors */

/* ---- small helpers --------------------------------------------------- */

/* libsodium must be initialised before use; sodium_init() is idempotent. */
int hrdex_ssh_crypto_ready(void)
{
	if (sodium_init() < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot initialise libsodium");
	return 0;
}

/*
 * Copy untrusted bytes into out for an error message: printable ASCII only,
 * others shown as '?', long texts cut with "...", so a peer cannot inject
 * control characters into our logs.
 */
const char *hrdex_ssh_printable(char *out, size_t size, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t i, n = 0;

	for (i = 0; i < len && n + 4 < size; i++)
		out[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	if (i < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* Grow b to hold extra bytes without moving later: secrets must never be
 * left behind in a block that realloc() frees. */
int hrdex_ssh_reserve_secret(struct hrdex_buf *b, size_t extra)
{
	return hrdex_buf_grow(b, extra);
}

/* Wipe and free a buffer that held secrets. */
void hrdex_ssh_buf_free_secret(struct hrdex_buf *b)
{
	if (b->ptr)
		sodium_memzero(b->ptr, b->alloc);
	hrdex_buf_free(b);
}

/* ---- SSH wire format (RFC 4251 string and uint32) ---------------------- */

int hrdex_ssh_put_u32(struct hrdex_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	return hrdex_buf_put(b, x, 4);
}

int hrdex_ssh_put_string(struct hrdex_buf *b, const void *data, size_t len)
{
	if (len > UINT32_MAX)
		return hrdex_error_set(HRDEX_E_INTERNAL, "string too long for ssh encoding");
	if (hrdex_ssh_put_u32(b, (uint32_t)len) < 0)
		return -1;
	return hrdex_buf_put(b, data, len);
}

int hrdex_ssh_put_cstring(struct hrdex_buf *b, const char *s)
{
	return hrdex_ssh_put_string(b, s, strlen(s));
}

/* The ssh encoding of an Ed25519 public key: string type, string pk. */
int hrdex_ssh_put_public_blob(struct hrdex_buf *b, const unsigned char pk[32])
{
	if (hrdex_ssh_put_cstring(b, HRDEX_SSH_KEY_TYPE) < 0)
		return -1;
	return hrdex_ssh_put_string(b, pk, 32);
}

int hrdex_ssh_get_u32(struct hrdex_ssh_reader *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

int hrdex_ssh_get_string(struct hrdex_ssh_reader *r, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (hrdex_ssh_get_u32(r, &n) < 0 || n > r->left)
		return -1;
	*s = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

int hrdex_ssh_bytes_equal(const unsigned char *s, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(s, want, len) == 0;
}

/* Parse an Ed25519 public key blob that must fill r exactly. */
int hrdex_ssh_parse_public_blob(const unsigned char *blob, size_t len, unsigned char pk[32])
{
	struct hrdex_ssh_reader r = { blob, len };
	const unsigned char *type, *key;
	size_t type_len, key_len;
	char shown[64];

	if (hrdex_ssh_get_string(&r, &type, &type_len) < 0)
		return hrdex_error_set(HRDEX_E_INVALID, "malformed public key");
	if (!hrdex_ssh_bytes_equal(type, type_len, HRDEX_SSH_KEY_TYPE))
		return hrdex_error_set(HRDEX_E_INVALID, "key type '%s', expected '" HRDEX_SSH_KEY_TYPE "'",
				       hrdex_ssh_printable(shown, sizeof(shown), type, type_len));
	if (hrdex_ssh_get_string(&r, &key, &key_len) < 0 || key_len != 32 || r.left != 0)
		return hrdex_error_set(HRDEX_E_INVALID, "malformed " HRDEX_SSH_KEY_TYPE " public key");
	memcpy(pk, key, 32);
	return 0;
}

/* ---- base64 and armor ------------------------------------------------ */

/* Append the standard, padded base64 of data. */
int hrdex_ssh_put_base64(struct hrdex_buf *b, const unsigned char *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);

	if (hrdex_buf_grow(b, n) < 0)
		return -1;
	sodium_bin2base64(b->ptr + b->len, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	b->len += n - 1;
	return 0;
}

/*
 * Decode padded base64 (no whitespace) into a new malloc'ed block; the caller
 * frees it (wiping it first if it held secrets).  Quiet failure.
 */
int hrdex_ssh_decode_base64(unsigned char **out, size_t *out_len, const char *b64, size_t len)
{
	size_t max = len / 4 * 3 + 3, n = 0;
	const char *end = NULL;
	unsigned char *bin = malloc(max);

	*out = NULL;
	if (!bin)
		return -1;
	if (sodium_base642bin(bin, max, b64, len, NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + len) {
		sodium_memzero(bin, max);
		free(bin);
		return -1;
	}
	*out = bin;
	*out_len = n;
	return 0;
}

/* Append begin, the base64 of blob in lines of 70, and end, as ssh-keygen
 * writes both its private keys and its signatures. */
int hrdex_ssh_put_armor(struct hrdex_buf *b, const char *begin, const char *end,
		     const unsigned char *blob, size_t len)
{
	struct hrdex_buf b64 = HRDEX_BUF_INIT;
	size_t i, line;
	int ret = -1;

	/* The base64 of a private key is secret too: size both buffers up front. */
	if (hrdex_ssh_reserve_secret(&b64, sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL)) < 0 ||
	    hrdex_ssh_reserve_secret(b, strlen(begin) + strlen(end) + len / 3 * 4 + len / 40 + 16) < 0)
		goto cleanup;
	if (hrdex_ssh_put_base64(&b64, blob, len) < 0 || hrdex_buf_puts(b, begin) < 0)
		goto cleanup;
	for (i = 0; i < b64.len; i += line) {
		line = b64.len - i < B64_WRAP ? b64.len - i : B64_WRAP;
		if (hrdex_buf_put(b, b64.ptr + i, line) < 0 || hrdex_buf_putc(b, '\n') < 0)
			goto cleanup;
	}
	if (hrdex_buf_puts(b, end) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_ssh_buf_free_secret(&b64);
	return ret;
}

/* Decode the base64 key field of a public key line or allowed_signers entry. */
int hrdex_ssh_decode_public_key(unsigned char pk[32], const char *b64, size_t len)
{
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	int ret;

	if (len > 4096 || hrdex_ssh_decode_base64(&blob, &blob_len, b64, len) < 0)
		return hrdex_error_set(HRDEX_E_INVALID, "public key is not valid base64");
	ret = hrdex_ssh_parse_public_blob(blob, blob_len, pk);
	free(blob);
	return ret;
}

