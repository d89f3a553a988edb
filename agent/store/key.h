/*
 * key.h - Ed25519 key pairs, read and written in OpenSSH's formats: the
 * unencrypted "openssh-key-v1" private key file (PROTOCOL.key) that
 * `ssh-keygen -t ed25519 -N ''` writes, and "ssh-ed25519 AAAA... comment"
 * public key lines.  Secrets are wiped from every buffer that held them.
 */
#ifndef HRDEX_KEY_H
#define HRDEX_KEY_H

#include <stddef.h>

#include "buf.h"

struct hrdex_key {
	unsigned char pk[32];  /* Ed25519 public key */
	unsigned char sk[64];  /* libsodium secret key (seed followed by pk) */
	char comment[256];     /* OpenSSH key comment, may be empty */
};

/* Make a new key pair. */
int hrdex_key_generate(struct hrdex_key *out, const char *comment);

/* Read an unencrypted OpenSSH Ed25519 private key (ssh-keygen -t ed25519 -N ''). */
int hrdex_key_load(struct hrdex_key *out, const char *path);

/* Write the private key (mode 0600, atomically) and PATH.pub (0644). */
int hrdex_key_save(const struct hrdex_key *key, const char *path);

/* Append "ssh-ed25519 AAAA... comment" to out (comment omitted when empty
 * or NULL; no newline). */
int hrdex_key_public_line(struct hrdex_buf *out, const unsigned char pk[32], const char *comment);

/* "SHA256:" and the unpadded base64 of the SHA-256 of the key's wire blob:
 * the fingerprint `ssh-keygen -lf` prints (43 + 7 characters). */
int hrdex_key_fingerprint(char *out, size_t size, const unsigned char pk[32]);

/* Parse "ssh-ed25519 AAAA... [comment]" (or the contents of a .pub file). */
int hrdex_key_parse_public(unsigned char pk[32], const char *text);

void hrdex_key_wipe(struct hrdex_key *key);

#endif
