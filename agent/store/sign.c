/*
 * sign.c - Ed25519 keys in OpenSSH format, SSHSIG signatures, allowed_signers
 * and signed git commits (see sign.h).
 *
 * Formats implemented here, all from OpenSSH:
 *   PROTOCOL.key     the "openssh-key-v1" private key container
 *   PROTOCOL.sshsig  the SSHSIG signature blob and its armor
 *   ssh-keygen(1)    ALLOWED SIGNERS
 * Everything read here may come from a hostile peer, so every length is
 * checked against what is left, and every text is bounded.
 */
#include "sign.h"
#include "buf.h"
#include "error.h"
#include "fs.h"

#include <ctype.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#define KEY_TYPE "ssh-ed25519"
#define SIG_MAGIC "SSHSIG"
#define SIG_HASH "sha512"
#define SIG_BEGIN "-----BEGIN SSH SIGNATURE-----\n"
#define SIG_END "-----END SSH SIGNATURE-----\n"
#define KEY_MAGIC "openssh-key-v1" /* followed by a NUL in the file */
#define KEY_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define KEY_END "-----END OPENSSH PRIVATE KEY-----\n"
#define B64_WRAP 70               /* ssh-keygen's line length in both armors */
#define ARMOR_MAX 16384           /* an Ed25519 SSHSIG armor is about 300 bytes */
#define KEY_FILE_MAX 65536        /* an Ed25519 key file is about 400 bytes */
#define SIGNERS_FILE_MAX (1 << 20)
#define COMMIT_MAX (1 << 20)      /* hrdex writes small commits; a peer may not send huge ones */
#define PUBLIC_BLOB_LEN (4 + sizeof(KEY_TYPE) - 1 + 4 + 32)

/* ---- small helpers --------------------------------------------------- */

/* libsodium must be initialised before use; sodium_init() is idempotent. */
static int crypto_ready(void)
{
	if (sodium_init() < 0)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "cannot initialise libsodium");
	return 0;
}

/*
 * Copy untrusted bytes into out for an error message: printable ASCII only,
 * others shown as '?', long texts cut with "...", so a peer cannot inject
 * control characters into our logs.
 */
static const char *printable(char *out, size_t size, const void *data, size_t len)
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
static int reserve_secret(struct hrdex_buf *b, size_t extra)
{
	return hrdex_buf_grow(b, extra);
}

/* Wipe and free a buffer that held secrets. */
static void buf_free_secret(struct hrdex_buf *b)
{
	if (b->ptr)
		sodium_memzero(b->ptr, b->alloc);
	hrdex_buf_free(b);
}

/* ---- SSH wire format (RFC 4251 string and uint32) ---------------------- */

static int put_u32(struct hrdex_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	return hrdex_buf_put(b, x, 4);
}

static int put_string(struct hrdex_buf *b, const void *data, size_t len)
{
	if (len > UINT32_MAX)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "string too long for ssh encoding");
	if (put_u32(b, (uint32_t)len) < 0)
		return -1;
	return hrdex_buf_put(b, data, len);
}

static int put_cstring(struct hrdex_buf *b, const char *s)
{
	return put_string(b, s, strlen(s));
}

/* The ssh encoding of an Ed25519 public key: string type, string pk. */
static int put_public_blob(struct hrdex_buf *b, const unsigned char pk[32])
{
	if (put_cstring(b, KEY_TYPE) < 0)
		return -1;
	return put_string(b, pk, 32);
}

/* A cursor over untrusted bytes.  The get_ functions fail quietly (return
 * -1 without a message) because only the caller knows what was malformed. */
struct reader {
	const unsigned char *p;
	size_t left;
};

static int get_u32(struct reader *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

static int get_string(struct reader *r, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (get_u32(r, &n) < 0 || n > r->left)
		return -1;
	*s = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

static int bytes_equal(const unsigned char *s, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(s, want, len) == 0;
}

/* Parse an Ed25519 public key blob that must fill r exactly. */
static int parse_public_blob(const unsigned char *blob, size_t len, unsigned char pk[32])
{
	struct reader r = { blob, len };
	const unsigned char *type, *key;
	size_t type_len, key_len;
	char shown[64];

	if (get_string(&r, &type, &type_len) < 0)
		return hrdex_error_set(HRDEX_EX_DATAERR, "malformed public key");
	if (!bytes_equal(type, type_len, KEY_TYPE))
		return hrdex_error_set(HRDEX_EX_DATAERR, "key type '%s', expected '" KEY_TYPE "'",
				       printable(shown, sizeof(shown), type, type_len));
	if (get_string(&r, &key, &key_len) < 0 || key_len != 32 || r.left != 0)
		return hrdex_error_set(HRDEX_EX_DATAERR, "malformed " KEY_TYPE " public key");
	memcpy(pk, key, 32);
	return 0;
}

/* ---- base64 and armor ------------------------------------------------ */

/* Append the standard, padded base64 of data. */
static int put_base64(struct hrdex_buf *b, const unsigned char *data, size_t len)
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
static int decode_base64(unsigned char **out, size_t *out_len, const char *b64, size_t len)
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
static int put_armor(struct hrdex_buf *b, const char *begin, const char *end,
		     const unsigned char *blob, size_t len)
{
	struct hrdex_buf b64 = HRDEX_BUF_INIT;
	size_t i, line;
	int ret = -1;

	/* The base64 of a private key is secret too: size both buffers up front. */
	if (reserve_secret(&b64, sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL)) < 0 ||
	    reserve_secret(b, strlen(begin) + strlen(end) + len / 3 * 4 + len / 40 + 16) < 0)
		goto cleanup;
	if (put_base64(&b64, blob, len) < 0 || hrdex_buf_puts(b, begin) < 0)
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
	buf_free_secret(&b64);
	return ret;
}

/* ---- keys ------------------------------------------------------------ */

/* A comment goes into a one-line .pub file and our struct: bound it and keep
 * it to one line. */
static int check_comment(const char *comment)
{
	const char *c;

	if (strlen(comment) >= sizeof(((struct hrdex_key *)0)->comment))
		return hrdex_error_set(HRDEX_EX_DATAERR, "key comment longer than %zu bytes",
				       sizeof(((struct hrdex_key *)0)->comment) - 1);
	for (c = comment; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return hrdex_error_set(HRDEX_EX_DATAERR, "key comment holds a control character");
	return 0;
}

int hrdex_key_generate(struct hrdex_key *out, const char *comment)
{
	memset(out, 0, sizeof(*out));
	if (!comment)
		comment = "";
	if (crypto_ready() < 0 || check_comment(comment) < 0)
		return -1;
	if (crypto_sign_keypair(out->pk, out->sk) != 0)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "cannot generate an Ed25519 key");
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

	if (put_public_blob(&blob, pk) < 0)
		goto cleanup;
	if (hrdex_buf_puts(out, KEY_TYPE " ") < 0 ||
	    put_base64(out, (const unsigned char *)blob.ptr, blob.len) < 0)
		goto cleanup;
	if (comment && *comment && hrdex_buf_printf(out, " %s", comment) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&blob);
	return ret;
}

/* Decode the base64 key field of a public key line or allowed_signers entry. */
static int decode_public_key(unsigned char pk[32], const char *b64, size_t len)
{
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	int ret;

	if (len > 4096 || decode_base64(&blob, &blob_len, b64, len) < 0)
		return hrdex_error_set(HRDEX_EX_DATAERR, "public key is not valid base64");
	ret = parse_public_blob(blob, blob_len, pk);
	free(blob);
	return ret;
}

int hrdex_key_parse_public(unsigned char pk[32], const char *text)
{
	const char *p = text, *b64;
	size_t n;

	p += strspn(p, " \t");
	n = strcspn(p, " \t\r\n");
	if (n != strlen(KEY_TYPE) || memcmp(p, KEY_TYPE, n) != 0) {
		char shown[64];

		return hrdex_error_set(HRDEX_EX_DATAERR, "key type '%s', expected '" KEY_TYPE "'",
				       printable(shown, sizeof(shown), p, n));
	}
	p += n;
	p += strspn(p, " \t");
	b64 = p;
	n = strcspn(p, " \t\r\n");
	if (n == 0)
		return hrdex_error_set(HRDEX_EX_DATAERR, "public key line has no key");
	/* What follows the key is the comment; only its line ends here. */
	p += n;
	p += strcspn(p, "\r\n");
	p += strspn(p, "\r\n");
	if (*p)
		return hrdex_error_set(HRDEX_EX_DATAERR, "public key text has more than one line");
	return decode_public_key(pk, b64, n);
}

/*
 * The private section of an openssh-key-v1 file (PROTOCOL.key):
 *   uint32 check, uint32 check, string type, string pk, string sk (seed||pk),
 *   string comment, padding 1, 2, 3... to a multiple of 8.
 */
static int parse_private_section(struct hrdex_key *out, const unsigned char *data, size_t len,
				 const unsigned char outer_pk[32], const char *path)
{
	struct reader r = { data, len };
	const unsigned char *type, *pk, *sk, *comment;
	size_t type_len, pk_len, sk_len, comment_len, i;
	uint32_t check1, check2;
	unsigned char derived_pk[32], derived_sk[64];
	int ret = -1;

	if (len % 8 != 0 || get_u32(&r, &check1) < 0 || get_u32(&r, &check2) < 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': malformed private key", path);
		goto cleanup;
	}
	if (check1 != check2) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': corrupt private key (check numbers differ)", path);
		goto cleanup;
	}
	if (get_string(&r, &type, &type_len) < 0 || !bytes_equal(type, type_len, KEY_TYPE) ||
	    get_string(&r, &pk, &pk_len) < 0 || pk_len != 32 ||
	    get_string(&r, &sk, &sk_len) < 0 || sk_len != 64 ||
	    get_string(&r, &comment, &comment_len) < 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': malformed " KEY_TYPE " private key", path);
		goto cleanup;
	}
	for (i = 0; i < r.left; i++)
		if (r.p[i] != (unsigned char)(i + 1) || i >= 8) {
			hrdex_error_set(HRDEX_EX_DATAERR, "'%s': bad padding in private key", path);
			goto cleanup;
		}
	if (comment_len >= sizeof(out->comment) || memchr(comment, '\0', comment_len)) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': key comment too long or not text", path);
		goto cleanup;
	}
	/* The three copies of the public key, and the one the seed yields, must agree. */
	if (crypto_sign_seed_keypair(derived_pk, derived_sk, sk) != 0 ||
	    memcmp(derived_pk, pk, 32) != 0 || memcmp(sk + 32, pk, 32) != 0 ||
	    memcmp(outer_pk, pk, 32) != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': private and public key do not match", path);
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
	struct reader r;
	uint32_t nkeys;
	char shown[64];
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (crypto_ready() < 0 || reserve_secret(&file, KEY_FILE_MAX) < 0 ||
	    hrdex_fs_read(&file, path, KEY_FILE_MAX) < 0 || reserve_secret(&b64, file.len) < 0)
		goto cleanup;
	/* The armor lines, without their newline so that CRLF files load too. */
	p = file.ptr + strspn(file.ptr, " \t\r\n");
	if (strncmp(p, KEY_BEGIN, begin_len) != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': not an OpenSSH private key "
				"(expected '-----BEGIN OPENSSH PRIVATE KEY-----')", path);
		goto cleanup;
	}
	p += begin_len;
	end = strstr(p, "-----END");
	if (!end || strncmp(end, KEY_END, end_len) != 0 ||
	    end[end_len + strspn(end + end_len, " \t\r\n")] != '\0') {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': private key armor has no proper end line", path);
		goto cleanup;
	}
	for (; p < end; p++)
		if (!strchr(" \t\r\n", *p))
			b64.ptr[b64.len++] = *p; /* fits: reserved file.len bytes */
	b64.ptr[b64.len] = '\0';
	if (decode_base64(&blob, &blob_len, b64.ptr, b64.len) < 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': private key is not valid base64", path);
		goto cleanup;
	}
	if (blob_len < sizeof(KEY_MAGIC) || memcmp(blob, KEY_MAGIC, sizeof(KEY_MAGIC)) != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': not an openssh-key-v1 private key", path);
		goto cleanup;
	}
	r.p = blob + sizeof(KEY_MAGIC);
	r.left = blob_len - sizeof(KEY_MAGIC);
	if (get_string(&r, &s, &s_len) < 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': malformed private key", path);
		goto cleanup;
	}
	if (!bytes_equal(s, s_len, "none")) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': private key is encrypted (cipher '%s'); hrdex "
				"needs an unencrypted key: remove the passphrase with "
				"ssh-keygen -p -N '' -f '%s'", path, printable(shown, sizeof(shown), s, s_len),
				path);
		goto cleanup;
	}
	if (get_string(&r, &s, &s_len) < 0 || !bytes_equal(s, s_len, "none") ||
	    get_string(&r, &s, &s_len) < 0 || s_len != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': private key uses a key derivation function, "
				"but no cipher", path);
		goto cleanup;
	}
	if (get_u32(&r, &nkeys) < 0 || nkeys != 1) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': expected exactly one key in the file", path);
		goto cleanup;
	}
	if (get_string(&r, &pub, &pub_len) < 0 || get_string(&r, &priv, &priv_len) < 0 || r.left != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': malformed private key", path);
		goto cleanup;
	}
	if (parse_public_blob(pub, pub_len, outer_pk) < 0) {
		char why[256];

		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_EX_DATAERR, "'%s': %s", path, why);
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
	buf_free_secret(&b64);
	buf_free_secret(&file);
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

	if (crypto_ready() < 0 || check_comment(key->comment) < 0)
		goto cleanup;
	/* Sized up front so no realloc leaves a copy of the secret behind. */
	if (reserve_secret(&priv, 1024) < 0 || reserve_secret(&blob, 2048) < 0 ||
	    reserve_secret(&armor, 4096) < 0)
		goto cleanup;
	check = randombytes_random();
	if (put_u32(&priv, check) < 0 || put_u32(&priv, check) < 0 ||
	    put_public_blob(&priv, key->pk) < 0 || put_string(&priv, key->sk, 64) < 0 ||
	    put_cstring(&priv, key->comment) < 0)
		goto cleanup;
	for (pad = 1; priv.len % 8 != 0; pad++)
		if (hrdex_buf_put(&priv, &pad, 1) < 0)
			goto cleanup;
	if (hrdex_buf_put(&blob, KEY_MAGIC, sizeof(KEY_MAGIC)) < 0 ||
	    put_cstring(&blob, "none") < 0 || put_cstring(&blob, "none") < 0 ||
	    put_string(&blob, "", 0) < 0 || put_u32(&blob, 1) < 0 ||
	    put_u32(&blob, PUBLIC_BLOB_LEN) < 0 || put_public_blob(&blob, key->pk) < 0 ||
	    put_string(&blob, priv.ptr, priv.len) < 0)
		goto cleanup;
	if (put_armor(&armor, KEY_BEGIN, KEY_END, (const unsigned char *)blob.ptr, blob.len) < 0)
		goto cleanup;
	if (hrdex_key_public_line(&pub, key->pk, key->comment) < 0 || hrdex_buf_putc(&pub, '\n') < 0)
		goto cleanup;
	pub_path = malloc(strlen(path) + 5);
	if (!pub_path) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
	buf_free_secret(&armor);
	buf_free_secret(&blob);
	buf_free_secret(&priv);
	return ret;
}

/* ---- SSHSIG ------------------------------------------------------------ */

/* The bytes an SSHSIG signature covers (PROTOCOL.sshsig): the reserved
 * field is always empty here, as OpenSSH verifies it. */
static int put_signed_data(struct hrdex_buf *b, const char *namespace, const void *msg, size_t len)
{
	unsigned char hash[crypto_hash_sha512_BYTES];

	crypto_hash_sha512(hash, msg, len);
	if (hrdex_buf_put(b, SIG_MAGIC, strlen(SIG_MAGIC)) < 0 || put_cstring(b, namespace) < 0 ||
	    put_string(b, "", 0) < 0 || put_cstring(b, SIG_HASH) < 0 ||
	    put_string(b, hash, sizeof(hash)) < 0)
		return -1;
	return 0;
}

int hrdex_sshsig_sign(struct hrdex_buf *out, const struct hrdex_key *key, const char *namespace,
		      const void *msg, size_t len)
{
	struct hrdex_buf tosign = HRDEX_BUF_INIT, blob = HRDEX_BUF_INIT, sig = HRDEX_BUF_INIT;
	unsigned char raw[crypto_sign_BYTES];
	int ret = -1;

	if (crypto_ready() < 0)
		goto cleanup;
	if (!namespace || !*namespace) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "a signature needs a namespace");
		goto cleanup;
	}
	if (put_signed_data(&tosign, namespace, msg, len) < 0)
		goto cleanup;
	if (crypto_sign_detached(raw, NULL, (const unsigned char *)tosign.ptr, tosign.len, key->sk) != 0) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "cannot sign");
		goto cleanup;
	}
	if (put_cstring(&sig, KEY_TYPE) < 0 || put_string(&sig, raw, sizeof(raw)) < 0)
		goto cleanup;
	if (hrdex_buf_put(&blob, SIG_MAGIC, strlen(SIG_MAGIC)) < 0 || put_u32(&blob, 1) < 0 ||
	    put_u32(&blob, PUBLIC_BLOB_LEN) < 0 || put_public_blob(&blob, key->pk) < 0 ||
	    put_cstring(&blob, namespace) < 0 || put_string(&blob, "", 0) < 0 ||
	    put_cstring(&blob, SIG_HASH) < 0 || put_string(&blob, sig.ptr, sig.len) < 0)
		goto cleanup;
	if (put_armor(out, SIG_BEGIN, SIG_END, (const unsigned char *)blob.ptr, blob.len) < 0)
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
		hrdex_error_set(HRDEX_EX_DATAERR, "non-canonical signature (not an SSH signature armor)");
		goto cleanup;
	}
	if (memcmp(armor + len - end_len, SIG_END, end_len) != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "non-canonical signature (armor does not end with "
				"its END line)");
		goto cleanup;
	}
	for (i = begin_len; i < len - end_len; i++)
		if (armor[i] != '\n' && hrdex_buf_putc(&b64, armor[i]) < 0)
			goto cleanup;
	if (!b64.ptr || decode_base64(blob, blob_len, b64.ptr, b64.len) < 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "non-canonical signature (bad base64)");
		goto cleanup;
	}
	if (put_armor(&again, SIG_BEGIN, SIG_END, *blob, *blob_len) < 0)
		goto cleanup;
	if (again.len != len || memcmp(again.ptr, armor, len) != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "non-canonical signature (armor differs from ssh-keygen's)");
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
	struct reader r, s;
	uint32_t version;
	char shown[64];
	int ret = -1;

	if (crypto_ready() < 0 || dearmor_canonical(&blob, &blob_len, armor, armor_len) < 0)
		goto cleanup;
	r.p = blob;
	r.left = blob_len;
	if (r.left < strlen(SIG_MAGIC) || memcmp(r.p, SIG_MAGIC, strlen(SIG_MAGIC)) != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "not an SSHSIG signature");
		goto cleanup;
	}
	r.p += strlen(SIG_MAGIC);
	r.left -= strlen(SIG_MAGIC);
	if (get_u32(&r, &version) < 0 || version != 1) {
		hrdex_error_set(HRDEX_EX_DATAERR, "unsupported signature version");
		goto cleanup;
	}
	if (get_string(&r, &pub, &pub_len) < 0 || get_string(&r, &ns, &ns_len) < 0 ||
	    get_string(&r, &reserved, &reserved_len) < 0 || get_string(&r, &hash, &hash_len) < 0 ||
	    get_string(&r, &sig, &sig_len) < 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "malformed signature");
		goto cleanup;
	}
	if (r.left != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "non-canonical signature (trailing data)");
		goto cleanup;
	}
	if (parse_public_blob(pub, pub_len, pk) < 0) {
		char why[256];

		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_EX_DATAERR, "signature %s", why);
		goto cleanup;
	}
	if (!bytes_equal(ns, ns_len, namespace)) {
		hrdex_error_set(HRDEX_EX_DATAERR, "signature namespace '%s', expected '%s'",
				printable(shown, sizeof(shown), ns, ns_len), namespace);
		goto cleanup;
	}
	if (reserved_len != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "non-canonical signature (reserved field not empty)");
		goto cleanup;
	}
	if (!bytes_equal(hash, hash_len, SIG_HASH)) {
		hrdex_error_set(HRDEX_EX_DATAERR, "signature hash '%s', expected '" SIG_HASH "'",
				printable(shown, sizeof(shown), hash, hash_len));
		goto cleanup;
	}
	s.p = sig;
	s.left = sig_len;
	if (get_string(&s, &sig_type, &sig_type_len) < 0 || get_string(&s, &raw, &raw_len) < 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "malformed signature");
		goto cleanup;
	}
	if (!bytes_equal(sig_type, sig_type_len, KEY_TYPE)) {
		hrdex_error_set(HRDEX_EX_DATAERR, "signature type '%s', expected '" KEY_TYPE "'",
				printable(shown, sizeof(shown), sig_type, sig_type_len));
		goto cleanup;
	}
	if (raw_len != crypto_sign_BYTES || s.left != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "malformed " KEY_TYPE " signature");
		goto cleanup;
	}
	if (put_signed_data(&tosign, namespace, msg, len) < 0)
		goto cleanup;
	if (crypto_sign_verify_detached(raw, (const unsigned char *)tosign.ptr, tosign.len, pk) != 0) {
		hrdex_error_set(HRDEX_EX_DATAERR, "bad signature (does not match the signed data)");
		goto cleanup;
	}
	memcpy(signer, pk, 32);
	ret = 0;
cleanup:
	hrdex_buf_free(&tosign);
	free(blob);
	return ret;
}

/* ---- allowed_signers --------------------------------------------------- */

/* Glob match of s against pat[0..plen) with '*' and '?', as OpenSSH's
 * match_pattern(); iterative so a hostile pattern cannot recurse deeply. */
static int glob_match(const char *s, const char *pat, size_t plen)
{
	size_t pi = 0, star = (size_t)-1;
	const char *mark = NULL;

	while (*s) {
		if (pi < plen && (pat[pi] == '?' || pat[pi] == *s)) {
			pi++;
			s++;
		} else if (pi < plen && pat[pi] == '*') {
			star = pi++;
			mark = s;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}

/* OpenSSH's match_pattern_list(): 1 if s matches a positive pattern of the
 * comma list and no negated ('!') one, else 0. */
static int pattern_list_match(const char *s, const char *list)
{
	int positive = 0;

	while (*list) {
		size_t n = strcspn(list, ",");
		int negated = list[0] == '!';

		if (glob_match(s, list + negated, n - (size_t)negated)) {
			if (negated)
				return 0;
			positive = 1;
		}
		list += n;
		if (*list == ',')
			list++;
	}
	return positive;
}

/*
 * valid-after/valid-before: YYYYMMDD[Z], YYYYMMDDHHMM[Z] or
 * YYYYMMDDHHMMSS[Z].  Without Z OpenSSH uses the local time zone; hrdex reads
 * every time as UTC so that a verdict does not depend on the machine's zone
 * (hrdex itself always writes Z).
 */
static int parse_time(int64_t *out, const char *s)
{
	size_t n = strlen(s), i;
	int64_t v[6] = { 0, 0, 0, 0, 0, 0 }, y, m, days, era;
	static const int widths[6] = { 4, 2, 2, 2, 2, 2 };
	const char *p = s;
	int fields, f, w;
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (n && s[n - 1] == 'Z')
		n--;
	if (n == 8)
		fields = 3;
	else if (n == 12)
		fields = 5;
	else if (n == 14)
		fields = 6;
	else
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	for (f = 0; f < fields; f++)
		for (w = 0; w < widths[f]; w++)
			v[f] = v[f] * 10 + (*p++ - '0');
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mdays[v[1] - 1] || v[3] > 23 ||
	    v[4] > 59 || v[5] > 59)
		return -1;
	if (v[1] == 2 && v[2] == 29 && !((v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0))
		return -1;
	/* Days from 1970-01-01 to the civil date (H. Hinnant's algorithm). */
	y = v[0] - (v[1] <= 2);
	m = v[1];
	era = y / 400;
	days = era * 146097 + (y - era * 400) * 365 + (y - era * 400) / 4 - (y - era * 400) / 100 +
	       (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + v[2] - 1 - 719468;
	*out = days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	return 0;
}

/* Key types OpenSSH knows, so that options and key type can be told apart. */
static int is_key_type(const char *s, size_t n)
{
	static const char *const types[] = {
		"ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp521", "sk-ecdsa-sha2-nistp256@openssh.com",
		"sk-ssh-ed25519@openssh.com", "ssh-xmss@openssh.com",
	};
	size_t i, cert = strlen("-cert-v01@openssh.com");

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t t = strlen(types[i]);

		if (n == t && memcmp(s, types[i], n) == 0)
			return 1;
		/* Certificates: "ssh-ed25519-cert-v01@openssh.com" and friends. */
		if (n > cert && n - cert == strcspn(types[i], "@") &&
		    memcmp(s + n - cert, "-cert-v01@openssh.com", cert) == 0 &&
		    memcmp(s, types[i], n - cert) == 0)
			return 1;
	}
	return 0;
}

struct line_opts {
	int cert_authority;
	char *namespaces;
	int64_t valid_after, valid_before;
	int have_after, have_before;
};

/* Read a quoted option value starting at *p ('"'); `\"` is a quote, as in
 * OpenSSH's opt_dequote().  Returns a malloc'ed string or NULL. */
static char *dequote(const char **p, const char *end)
{
	const char *s = *p;
	char *out, *o;

	if (s >= end || *s != '"')
		return NULL;
	out = malloc((size_t)(end - s) + 1);
	if (!out)
		return NULL;
	for (o = out, s++; s < end && *s != '"'; s++) {
		if (s[0] == '\\' && s + 1 < end && s[1] == '"')
			s++;
		*o++ = *s;
	}
	if (s >= end) {
		free(out);
		return NULL;
	}
	*o = '\0';
	*p = s + 1;
	return out;
}

static int option_is(const char **p, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - *p) < n || strncasecmp(*p, name, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* Parse "opt,opt,..." in [p, end) into o; errors name origin:line. */
static int parse_options(struct line_opts *o, const char *p, const char *end,
			 const char *origin, size_t line)
{
	char *value = NULL;
	int ret = -1, after;

	while (p < end) {
		if (option_is(&p, end, "cert-authority")) {
			o->cert_authority = 1;
		} else if (option_is(&p, end, "namespaces=")) {
			if (o->namespaces) {
				hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: two namespaces options", origin, line);
				goto cleanup;
			}
			o->namespaces = dequote(&p, end);
			if (!o->namespaces) {
				hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: namespaces needs a quoted value",
						origin, line);
				goto cleanup;
			}
		} else if ((after = option_is(&p, end, "valid-after=")) ||
			   option_is(&p, end, "valid-before=")) {
			int64_t *slot = after ? &o->valid_after : &o->valid_before;
			int *have = after ? &o->have_after : &o->have_before;

			value = dequote(&p, end);
			if (!value || *have || parse_time(slot, value) < 0) {
				hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: bad or repeated valid-%s "
						"(want \"YYYYMMDD[HHMM[SS]][Z]\")", origin, line,
						after ? "after" : "before");
				goto cleanup;
			}
			*have = 1;
			free(value);
			value = NULL;
		} else {
			char shown[64];
			size_t n = 0;

			/* The text need not be NUL-terminated: stop at end. */
			while (p + n < end && !memchr(",= \t", p[n], 4))
				n++;
			hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: unknown option '%s'", origin, line,
					printable(shown, sizeof(shown), p, n));
			goto cleanup;
		}
		if (p == end)
			break;
		if (*p != ',' || p + 1 == end) {
			hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: malformed options", origin, line);
			goto cleanup;
		}
		p++;
	}
	ret = 0;
cleanup:
	free(value);
	return ret;
}

/* One principal of a list: hrdex publishers are exact names, so patterns are
 * refused rather than guessed at (a "*" would let one key speak for every
 * publisher). */
static int check_principal(const char *s, size_t n, const char *origin, size_t line)
{
	char shown[64];
	size_t i;

	if (n == 0)
		return hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: empty principal", origin, line);
	for (i = 0; i < n; i++)
		if (strchr("*?!", s[i]) || (unsigned char)s[i] < 0x20)
			return hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: principal '%s': patterns are not "
					       "supported, list each publisher", origin, line,
					       printable(shown, sizeof(shown), s, n));
	return 0;
}

static int add_signer(struct hrdex_signers *s, const char *principal, size_t n,
		      const unsigned char pk[32], const struct line_opts *o)
{
	struct hrdex_signer *items, *e;

	items = realloc(s->items, (s->count + 1) * sizeof(*items));
	if (!items)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	s->items = items;
	e = &items[s->count];
	memset(e, 0, sizeof(*e));
	e->principal = strndup(principal, n);
	e->namespaces = o->namespaces ? strdup(o->namespaces) : NULL;
	if (!e->principal || (o->namespaces && !e->namespaces)) {
		free(e->principal);
		free(e->namespaces);
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	}
	memcpy(e->pk, pk, 32);
	e->valid_after = o->have_after ? o->valid_after : INT64_MIN;
	e->valid_before = o->have_before ? o->valid_before : INT64_MAX;
	e->cert_authority = o->cert_authority;
	s->count++;
	return 0;
}

/*
 * The principals field that starts a line at p: a word, or a quoted string.
 * [*start, *stop) gets the list; returns where the field ends (after the
 * closing quote), or NULL when a quote is not closed.
 */
static const char *principals_field(const char **start, const char **stop, const char *p, const char *end)
{
	if (*p == '"') {
		*start = ++p;
		while (p < end && *p != '"')
			p++;
		if (p == end)
			return NULL;
		*stop = p;
		return p + 1;
	}
	*start = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*stop = p;
	return p;
}

/* Parse one non-comment line [p, end). */
static int parse_signers_line(struct hrdex_signers *s, const char *p, const char *end,
			      const char *origin, size_t line)
{
	struct line_opts o = { 0, NULL, 0, 0, 0, 0 };
	const char *principals, *pend, *tok, *key;
	size_t tok_len, key_len;
	unsigned char pk[32];
	int ret = -1;

	p = principals_field(&principals, &pend, p, end);
	if (!p) {
		hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: unterminated quote", origin, line);
		goto cleanup;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* options, unless the next word is already the key type */
	tok = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	if (!is_key_type(tok, (size_t)(p - tok))) {
		int quoted = 0;

		for (p = tok; p < end && (quoted || (*p != ' ' && *p != '\t')); p++)
			if (*p == '"')
				quoted = !quoted;
		if (quoted) {
			hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: unterminated quote in options", origin, line);
			goto cleanup;
		}
		if (parse_options(&o, tok, p, origin, line) < 0)
			goto cleanup;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		tok = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
	}
	tok_len = (size_t)(p - tok);
	if (!is_key_type(tok, tok_len)) {
		hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: no key (expected \"PRINCIPALS [OPTIONS] "
				KEY_TYPE " AAAA...\")", origin, line);
		goto cleanup;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	key = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	key_len = (size_t)(p - key);
	/* Other key types cannot sign for hrdex: such lines grant nothing, but
	 * stay legal so one file can serve git and hrdex. */
	if (tok_len != strlen(KEY_TYPE) || memcmp(tok, KEY_TYPE, tok_len) != 0) {
		ret = 0;
		goto cleanup;
	}
	if (decode_public_key(pk, key, key_len) < 0) {
		char why[256];

		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_EX_CONFIG, "%s:%zu: %s", origin, line, why);
		goto cleanup;
	}
	/* Split the principal list: one entry each. */
	for (p = principals; p <= pend; p++) {
		const char *q = p;

		while (q < pend && *q != ',')
			q++;
		if (check_principal(p, (size_t)(q - p), origin, line) < 0 ||
		    add_signer(s, p, (size_t)(q - p), pk, &o) < 0)
			goto cleanup;
		p = q;
	}
	ret = 0;
cleanup:
	free(o.namespaces);
	return ret;
}

int hrdex_signers_parse(struct hrdex_signers **out, const char *text, size_t len, const char *origin)
{
	struct hrdex_signers *s = calloc(1, sizeof(*s));
	const char *p = text, *end = text + len, *eol, *stop;
	size_t line = 0;

	*out = NULL;
	if (!s)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	if (!origin)
		origin = "allowed_signers";
	if (len && memchr(text, '\0', len)) {
		hrdex_error_set(HRDEX_EX_CONFIG, "%s: holds a NUL byte", origin);
		goto fail;
	}
	while (p < end) {
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		stop = eol;
		while (stop > p && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t'))
			stop--;
		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		if (p < stop && *p != '#' && parse_signers_line(s, p, stop, origin, line) < 0)
			goto fail;
		p = eol + (eol < end);
	}
	*out = s;
	return 0;
fail:
	hrdex_signers_free(s);
	return -1;
}

int hrdex_signers_load(struct hrdex_signers **out, const char *path)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	int ret;

	*out = NULL;
	if (!hrdex_fs_exists(path))
		return hrdex_signers_parse(out, "", 0, path);
	if (hrdex_fs_read(&text, path, SIGNERS_FILE_MAX) < 0)
		return -1;
	ret = hrdex_signers_parse(out, text.ptr, text.len, path);
	hrdex_buf_free(&text);
	return ret;
}

/* Append line [p, end) less principal to out; *hit when it named it. */
static int drop_from_line(struct hrdex_buf *out, const char *p, const char *end, const char *principal,
			  int *hit)
{
	const char *line = p, *start, *stop, *after, *q;
	size_t n = strlen(principal), kept = 0, mark;

	*hit = 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#' || *p == '\r' || !(after = principals_field(&start, &stop, p, end)))
		goto whole; /* blank, comment, or unparsable: not ours to fix */
	for (q = start; q <= stop; q++) {
		const char *e = q;

		while (e < stop && *e != ',')
			e++;
		if ((size_t)(e - q) == n && !memcmp(q, principal, n))
			*hit = 1;
		q = e;
	}
	if (!*hit)
		goto whole;
	mark = out->len;
	if (hrdex_buf_put(out, line, (size_t)(p - line)) < 0 || (*p == '"' && hrdex_buf_putc(out, '"') < 0))
		return -1;
	for (q = start; q <= stop; q++) {
		const char *e = q;

		while (e < stop && *e != ',')
			e++;
		if (!((size_t)(e - q) == n && !memcmp(q, principal, n)) &&
		    ((kept++ && hrdex_buf_putc(out, ',') < 0) || hrdex_buf_put(out, q, (size_t)(e - q)) < 0))
			return -1;
		q = e;
	}
	if (!kept) {
		out->len = mark; /* nobody left on the line: it goes */
		if (out->ptr)
			out->ptr[mark] = '\0';
		return 0;
	}
	if ((*p == '"' && hrdex_buf_putc(out, '"') < 0) || hrdex_buf_put(out, after, (size_t)(end - after)) < 0)
		return -1;
	return hrdex_buf_putc(out, '\n');
whole:
	if (hrdex_buf_put(out, line, (size_t)(end - line)) < 0)
		return -1;
	return hrdex_buf_putc(out, '\n');
}

int hrdex_signers_drop(struct hrdex_buf *out, const char *text, size_t len, const char *principal,
		       size_t *removed)
{
	const char *p = text, *end = text + len, *eol;
	size_t count = 0;
	int hit;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (drop_from_line(out, p, eol, principal, &hit) < 0)
			return -1;
		count += (size_t)hit;
		p = eol + (eol < end);
	}
	if (removed)
		*removed = count;
	return 0;
}

void hrdex_signers_free(struct hrdex_signers *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->count; i++) {
		free(s->items[i].principal);
		free(s->items[i].namespaces);
	}
	free(s->items);
	free(s);
}

int hrdex_signers_check(const struct hrdex_signers *s, const char *principal,
			const unsigned char pk[32], const char *namespace, int64_t when)
{
	int best = HRDEX_SIGNERS_UNTRUSTED;
	size_t i;

	for (i = 0; s && i < s->count; i++) {
		const struct hrdex_signer *e = &s->items[i];

		if (e->cert_authority || strcmp(e->principal, principal) != 0 ||
		    memcmp(e->pk, pk, 32) != 0)
			continue;
		if (e->namespaces && !pattern_list_match(namespace, e->namespaces)) {
			if (best == HRDEX_SIGNERS_UNTRUSTED)
				best = HRDEX_SIGNERS_NAMESPACE;
			continue;
		}
		if (when < e->valid_after || when > e->valid_before) {
			best = HRDEX_SIGNERS_EXPIRED;
			continue;
		}
		return HRDEX_SIGNERS_OK;
	}
	return best;
}

int hrdex_signers_allow(const struct hrdex_signers *s, const char *principal,
			const unsigned char pk[32], const char *namespace, int64_t when)
{
	return hrdex_signers_check(s, principal, pk, namespace, when) == HRDEX_SIGNERS_OK;
}

int hrdex_signers_has(const struct hrdex_signers *s, const char *principal)
{
	size_t i;

	for (i = 0; s && i < s->count; i++)
		if (!s->items[i].cert_authority && strcmp(s->items[i].principal, principal) == 0)
			return 1;
	return 0;
}

/* ---- signed commits ---------------------------------------------------- */

/*
 * The commit text git and libgit2 write for payload + signature: the header
 * "gpgsig" goes last in the header section, each armor line after the first
 * indented by one space, the armor's final newline being the header's end.
 */
static int build_signed_commit(struct hrdex_buf *out, const char *payload, size_t len,
			       const char *armor, size_t armor_len)
{
	const char *eoh = NULL;
	size_t i, head;

	for (i = 0; i + 1 < len; i++)
		if (payload[i] == '\n' && payload[i + 1] == '\n') {
			eoh = payload + i;
			break;
		}
	if (!eoh || armor_len == 0 || armor[armor_len - 1] != '\n')
		return hrdex_error_set(HRDEX_EX_DATAERR, "malformed commit");
	head = (size_t)(eoh - payload) + 1;
	if (hrdex_buf_put(out, payload, head) < 0 || hrdex_buf_puts(out, "gpgsig ") < 0)
		return -1;
	for (i = 0; i < armor_len; i++) {
		if (hrdex_buf_putc(out, armor[i]) < 0)
			return -1;
		if (armor[i] == '\n' && i + 1 < armor_len && hrdex_buf_putc(out, ' ') < 0)
			return -1;
	}
	return hrdex_buf_put(out, payload + head, len - head);
}

int hrdex_commit_create_signed(git_oid *out, git_repository *repo, const char *commit_text,
			       const struct hrdex_key *key)
{
	struct hrdex_buf armor = HRDEX_BUF_INIT, canonical = HRDEX_BUF_INIT;
	struct hrdex_commit_headers h;
	size_t len = strlen(commit_text);
	char why[256];
	git_oid expect;
	int ret = -1;

	if (hrdex_sshsig_sign(&armor, key, "git", commit_text, len) < 0)
		goto cleanup;
	if (build_signed_commit(&canonical, commit_text, len, armor.ptr, armor.len) < 0)
		goto cleanup;
	/* libgit2 appends the header's newline itself: pass the armor without its
	 * own, or a " \n" line would follow and the id would not be git's. */
	armor.ptr[--armor.len] = '\0';
	if (git_commit_create_with_signature(out, repo, commit_text, armor.ptr, "gpgsig") < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot write signed commit");
		goto cleanup;
	}
	/* What we write must be what we would accept: same bytes, same id,
	 * headers git fsck --strict passes (a publisher id or name that made a
	 * malformed identity would otherwise go out to every peer). */
	if (git_odb_hash(&expect, canonical.ptr, canonical.len, GIT_OBJECT_COMMIT) < 0 ||
	    !git_oid_equal(&expect, out)) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "signed commit is not in canonical form");
		goto cleanup;
	}
	if (hrdex_commit_parse_headers(&h, canonical.ptr, canonical.len, why, sizeof(why))) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "signed commit would be refused: %s", why);
		goto cleanup;
	}
	ret = 0;
cleanup:
	hrdex_buf_free(&canonical);
	hrdex_buf_free(&armor);
	return ret;
}

/* ---- commit headers, as `git fsck --strict` checks them ---------------- */

static int header_fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int header_fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return 1;
}

/* 40 lowercase hex digits and nothing else (what git writes). */
static int is_hex_oid(const char *v, size_t n)
{
	size_t i;

	if (n != GIT_OID_HEXSZ)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * NULL when v (an author or committer value, no newline) is an identity
 * git's fsck_ident accepts: "NAME <EMAIL> SECONDS +HHMM", else what is
 * wrong.  The order of the tests follows fsck_ident, so that hrdex refuses
 * exactly what git refuses; *when gets the seconds.
 */
static const char *ident_problem(const char *v, size_t n, int64_t *when)
{
	const char *p = v, *end = v + n;
	int64_t t = 0;
	int i;

	if (p < end && *p == '<')
		return "no name before the email";
	while (p < end && *p != '<' && *p != '>')
		p++;
	if (p < end && *p == '>')
		return "'>' in the name";
	if (p == end)
		return "no email";
	if (p[-1] != ' ')
		return "no space before '<' (or a '<' in the name)";
	for (p++; p < end && *p != '<' && *p != '>'; p++)
		;
	if (p == end || *p != '>')
		return "the email is not closed by '>' (or a '<' in the name or email)";
	p++;
	if (p == end || *p != ' ')
		return "no space before the date";
	p++;
	if (p == end || *p < '0' || *p > '9')
		return "malformed date";
	if (*p == '0' && p + 1 < end && p[1] != ' ')
		return "zero-padded date";
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (t > (INT64_MAX - (*p - '0')) / 10)
			return "date out of range";
		t = t * 10 + (*p - '0');
	}
	if (p == end || *p != ' ')
		return "malformed date";
	p++;
	if (end - p != 5 || (p[0] != '+' && p[0] != '-'))
		return "malformed time zone (expected +HHMM or -HHMM)";
	for (i = 1; i < 5; i++)
		if (p[i] < '0' || p[i] > '9')
			return "malformed time zone (expected +HHMM or -HHMM)";
	*when = t;
	return NULL;
}

/* The place of each header in git's order; gpgsig comes last, as git and
 * libgit2 write it and as the canonical rebuild in hrdex_commit_verify
 * requires. */
enum { H_START, H_TREE, H_AUTHOR, H_COMMITTER, H_ENCODING, H_GPGSIG };

int hrdex_commit_parse_headers(struct hrdex_commit_headers *out, const char *data, size_t size, char *why,
			       size_t why_size)
{
	const char *p = data, *end = data + size;
	int phase = H_START, in_sig = 0;
	size_t gpgsigs = 0;
	char shown[64];

	memset(out, 0, sizeof(*out));
	if (memchr(data, '\0', size))
		return header_fail(why, why_size, "NUL byte in the commit");
	for (;;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *v;
		size_t n, vlen;
		const char *problem;

		if (!eol)
			return header_fail(why, why_size, "malformed commit (no end of header)");
		if (eol == p) {
			out->body = (size_t)(eol + 1 - data);
			break;
		}
		if (*p == ' ') {
			/* A continuation line: only the signature spans lines. */
			if (!in_sig)
				return header_fail(why, why_size, "malformed header (a continuation line outside gpgsig)");
			out->sig_end = (size_t)(eol + 1 - data);
			p = eol + 1;
			continue;
		}
		in_sig = 0;
		for (n = 0; p + n < eol && p[n] != ' '; n++)
			;
		v = p + n < eol ? p + n + 1 : eol;
		vlen = (size_t)(eol - v);
		printable(shown, sizeof(shown), p, n);
		if (phase == H_START && !bytes_equal((const unsigned char *)p, n, "tree"))
			return header_fail(why, why_size, "the first header is '%s', not 'tree'", shown);
		if (bytes_equal((const unsigned char *)p, n, "tree")) {
			if (phase != H_START)
				return header_fail(why, why_size, "two tree lines");
			if (!is_hex_oid(v, vlen) || v == eol)
				return header_fail(why, why_size, "malformed tree line");
			phase = H_TREE;
		} else if (bytes_equal((const unsigned char *)p, n, "parent")) {
			if (phase != H_TREE)
				return header_fail(why, why_size, "a parent line after the author");
			if (!is_hex_oid(v, vlen) || v == eol)
				return header_fail(why, why_size, "malformed parent line");
		} else if (bytes_equal((const unsigned char *)p, n, "author")) {
			if (phase != H_TREE)
				return header_fail(why, why_size, "two author lines");
			if ((problem = v == eol ? "empty" : ident_problem(v, vlen, &out->author_time)))
				return header_fail(why, why_size, "malformed author: %s", problem);
			phase = H_AUTHOR;
		} else if (bytes_equal((const unsigned char *)p, n, "committer")) {
			if (phase > H_AUTHOR)
				return header_fail(why, why_size, "two committer lines");
			if (phase != H_AUTHOR)
				return header_fail(why, why_size, "no author line before the committer");
			if ((problem = v == eol ? "empty" : ident_problem(v, vlen, &out->committer_time)))
				return header_fail(why, why_size, "malformed committer: %s", problem);
			phase = H_COMMITTER;
		} else if (bytes_equal((const unsigned char *)p, n, "encoding")) {
			if (phase != H_COMMITTER)
				return header_fail(why, why_size, "%s", phase == H_ENCODING ? "two encoding lines"
					: "the encoding line is not right after the committer");
			if (!(vlen == 5 && !strncasecmp(v, "utf-8", 5)) && !(vlen == 4 && !strncasecmp(v, "utf8", 4)))
				return header_fail(why, why_size, "encoding '%s' (only UTF-8 is accepted)",
						   printable(shown, sizeof(shown), v, vlen));
			phase = H_ENCODING;
		} else if (bytes_equal((const unsigned char *)p, n, "gpgsig")) {
			if (++gpgsigs > 1)
				return header_fail(why, why_size, "two gpgsig headers");
			if (phase < H_COMMITTER)
				return header_fail(why, why_size, "the gpgsig header comes before the committer");
			if (v == eol)
				return header_fail(why, why_size, "empty gpgsig header");
			out->sig_start = (size_t)(p - data);
			out->sig_end = (size_t)(eol + 1 - data);
			in_sig = 1;
			phase = H_GPGSIG;
		} else if (bytes_equal((const unsigned char *)p, n, "gpgsig-sha256") ||
			   bytes_equal((const unsigned char *)p, n, "mergetag")) {
			return header_fail(why, why_size, "has a %s header (another signature)", shown);
		} else {
			return header_fail(why, why_size, "unexpected header '%s'", shown);
		}
		p = eol + 1;
	}
	if (phase == H_START)
		return header_fail(why, why_size, "no tree line");
	if (phase < H_AUTHOR)
		return header_fail(why, why_size, "no author line");
	if (phase < H_COMMITTER)
		return header_fail(why, why_size, "no committer line");
	out->has_signature = gpgsigs == 1;
	return 0;
}

int hrdex_commit_verify(git_repository *repo, const git_oid *id, const struct hrdex_signers *signers,
			const char *principal)
{
	char sid[8], why[512];
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_object_t type = GIT_OBJECT_INVALID;
	size_t size = 0, sig_start = 0, sig_end = 0;
	const char *data, *p;
	struct hrdex_buf value = HRDEX_BUF_INIT, payload = HRDEX_BUF_INIT, canonical = HRDEX_BUF_INIT;
	struct hrdex_commit_headers h;
	unsigned char signer[32];
	int64_t when = 0;
	git_oid rebuilt;
	int ret = -1, verdict;

	git_oid_tostr(sid, sizeof(sid), id);
	if (git_repository_odb(&odb, repo) < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "commit %s: cannot open object database", sid);
		goto cleanup;
	}
	if (git_odb_read_header(&size, &type, odb, id) < 0) {
		hrdex_error_git(HRDEX_EX_DATAERR, "commit %s: cannot read", sid);
		goto cleanup;
	}
	if (type != GIT_OBJECT_COMMIT || size > COMMIT_MAX) {
		hrdex_error_set(HRDEX_EX_DATAERR, "commit %s: %s", sid,
				type != GIT_OBJECT_COMMIT ? "not a commit" : "commit object too large");
		goto cleanup;
	}
	if (git_odb_read(&obj, odb, id) < 0) {
		hrdex_error_git(HRDEX_EX_DATAERR, "commit %s: cannot read", sid);
		goto cleanup;
	}
	data = git_odb_object_data(obj);
	size = git_odb_object_size(obj);
	if (hrdex_commit_parse_headers(&h, data, size, why, sizeof(why))) {
		hrdex_error_set(HRDEX_EX_DATAERR, "commit %s: %s", sid, why);
		goto cleanup;
	}
	if (!h.has_signature) {
		hrdex_error_set(HRDEX_EX_DATAERR, "commit %s: unsigned", sid);
		goto cleanup;
	}
	when = h.committer_time;
	sig_start = h.sig_start;
	sig_end = h.sig_end;
	/* The armor: the header's value, continuation lines without their space. */
	for (p = data + sig_start + strlen("gpgsig "); p < data + sig_end - 1; p++) {
		if (hrdex_buf_putc(&value, *p) < 0)
			goto cleanup;
		if (*p == '\n')
			p++;
	}
	/* Payload: the commit without its gpgsig header, as git verifies it. */
	if (hrdex_buf_put(&payload, data, sig_start) < 0 ||
	    hrdex_buf_put(&payload, data + sig_end, size - sig_end) < 0 ||
	    hrdex_buf_putc(&value, '\n') < 0)
		goto cleanup;
	if (hrdex_sshsig_verify(signer, value.ptr, value.len, "git", payload.ptr, payload.len) < 0) {
		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_EX_DATAERR, "commit %s: %s", sid, why);
		goto cleanup;
	}
	/* The one text git would write for this payload and signature must be
	 * this very object, or a relay has re-wrapped a valid signature. */
	if (build_signed_commit(&canonical, payload.ptr, payload.len, value.ptr, value.len) < 0 ||
	    git_odb_hash(&rebuilt, canonical.ptr, canonical.len, GIT_OBJECT_COMMIT) < 0 ||
	    !git_oid_equal(&rebuilt, id)) {
		hrdex_error_set(HRDEX_EX_DATAERR, "commit %s: non-canonical signature (commit text "
				"is not what git would write)", sid);
		goto cleanup;
	}
	verdict = hrdex_signers_check(signers, principal, signer, "git", when);
	if (verdict == HRDEX_SIGNERS_EXPIRED) {
		hrdex_error_set(HRDEX_EX_DATAERR, "commit %s: key not valid at commit time", sid);
		goto cleanup;
	}
	if (verdict == HRDEX_SIGNERS_NAMESPACE) {
		hrdex_error_set(HRDEX_EX_DATAERR, "commit %s: key of '%s' not allowed to sign namespace 'git'",
				sid, principal);
		goto cleanup;
	}
	if (verdict != HRDEX_SIGNERS_OK) {
		hrdex_error_set(HRDEX_EX_DATAERR, "commit %s: signed by a key not trusted for '%s'",
				sid, principal);
		goto cleanup;
	}
	ret = 0;
cleanup:
	hrdex_buf_free(&canonical);
	hrdex_buf_free(&payload);
	hrdex_buf_free(&value);
	git_odb_object_free(obj);
	git_odb_free(odb);
	return ret;
}
