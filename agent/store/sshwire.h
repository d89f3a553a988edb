/*
 * sshwire.h - the pieces of OpenSSH's formats that keys (key.c), signatures
 * (sshsig.c), allowed_signers (signers.c) and signed commits
 * (signed_commit.c) share: the RFC 4251 wire encoding of strings and
 * uint32s, the Ed25519 public key blob, base64, and the armor ssh-keygen
 * writes around private keys and signatures.  Internal to store/: the
 * contracts other layers rely on are in key.h, sshsig.h, signers.h and
 * signed_commit.h.
 *
 * Everything read here may come from a hostile peer: readers check every
 * length against what is left, and fail quietly (return -1 without a
 * message) where only the caller knows what was malformed.
 */
#ifndef HRDEX_SSHWIRE_H
#define HRDEX_SSHWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define HRDEX_SSH_KEY_TYPE "ssh-ed25519"
/* string type, string pk: the ssh encoding of an Ed25519 public key */
#define HRDEX_SSH_PUBLIC_BLOB_LEN (4 + sizeof(HRDEX_SSH_KEY_TYPE) - 1 + 4 + 32)

/* Initialise libsodium (idempotent); -1 with an error when it cannot be. */
int hrdex_ssh_crypto_ready(void);

/*
 * Copy untrusted bytes into out (size bytes) for an error message: printable
 * ASCII only, others shown as '?', long texts cut with "...", so a peer
 * cannot inject control characters into our logs.  Returns out.
 */
const char *hrdex_ssh_printable(char *out, size_t size, const void *data, size_t len);

/* Grow b to hold extra more bytes up front, so that later writes do not move
 * it: secrets must never be left behind in a block that realloc() frees. */
int hrdex_ssh_reserve_secret(struct hrdex_buf *b, size_t extra);

/* Wipe and free a buffer that held secrets. */
void hrdex_ssh_buf_free_secret(struct hrdex_buf *b);

/* Writers, RFC 4251: uint32 big-endian; string = uint32 length + bytes. */
int hrdex_ssh_put_u32(struct hrdex_buf *b, uint32_t v);
int hrdex_ssh_put_string(struct hrdex_buf *b, const void *data, size_t len);
int hrdex_ssh_put_cstring(struct hrdex_buf *b, const char *s);
/* string "ssh-ed25519", string pk */
int hrdex_ssh_put_public_blob(struct hrdex_buf *b, const unsigned char pk[32]);

/* A cursor over untrusted bytes; the get_ functions fail quietly. */
struct hrdex_ssh_reader {
	const unsigned char *p;
	size_t left;
};

int hrdex_ssh_get_u32(struct hrdex_ssh_reader *r, uint32_t *v);
/* *s points into the reader's bytes (not copied, not NUL-terminated). */
int hrdex_ssh_get_string(struct hrdex_ssh_reader *r, const unsigned char **s, size_t *len);

/* 1 when [s, s+len) is exactly the text want. */
int hrdex_ssh_bytes_equal(const unsigned char *s, size_t len, const char *want);

/* Parse an Ed25519 public key blob that must fill [blob, blob+len) exactly;
 * -1 with HRDEX_E_INVALID naming what is wrong. */
int hrdex_ssh_parse_public_blob(const unsigned char *blob, size_t len, unsigned char pk[32]);

/* Decode the base64 key field of a public key line or allowed_signers entry
 * (at most 4096 characters) into pk; -1 with HRDEX_E_INVALID. */
int hrdex_ssh_decode_public_key(unsigned char pk[32], const char *b64, size_t len);

/* Append the standard, padded base64 of data. */
int hrdex_ssh_put_base64(struct hrdex_buf *b, const unsigned char *data, size_t len);

/* Decode padded base64 (no whitespace) into a new malloc'ed block; the
 * caller frees it (wiping it first if it held secrets).  Quiet failure. */
int hrdex_ssh_decode_base64(unsigned char **out, size_t *out_len, const char *b64, size_t len);

/* Append begin, the base64 of blob in lines of 70, and end, as ssh-keygen
 * writes both its private keys and its signatures.  Safe for secrets: b is
 * sized up front and the intermediate base64 is wiped. */
int hrdex_ssh_put_armor(struct hrdex_buf *b, const char *begin, const char *end,
			const unsigned char *blob, size_t len);

#endif
