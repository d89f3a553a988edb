/*
 * sshsig.h - SSHSIG signatures over Ed25519 keys, as `ssh-keygen -Y sign`
 * writes them and `git verify-commit` checks them.
 *
 * Signatures follow OpenSSH's PROTOCOL.sshsig: magic "SSHSIG", version 1, the
 * signer's public key, namespace, empty reserved field, hash "sha512", and an
 * "ssh-ed25519" signature over the signed-data blob; armored between
 * "-----BEGIN SSH SIGNATURE-----" and "-----END SSH SIGNATURE-----", base64
 * in lines of 70 characters, as ssh-keygen writes it.
 */
#ifndef HRDEX_SSHSIG_H
#define HRDEX_SSHSIG_H

#include <stddef.h>

#include "buf.h"
#include "key.h"

/* Make an armored SSHSIG over msg; the armor, ending with a newline, is
 * appended to out. */
int hrdex_sshsig_sign(struct hrdex_buf *out, const struct hrdex_key *key, const char *namespace,
		      const void *msg, size_t len);

/*
 * Check an armored SSHSIG over msg.  Strict: version 1, key and signature type
 * ssh-ed25519, the given namespace, empty reserved field, hash sha512, base64
 * and armor exactly as ssh-keygen writes them, final newline included (so one
 * signature has one text).
 * On success *signer gets the key that signed.  Returns -1 (HRDEX_E_INVALID)
 * with the reason otherwise.
 */
int hrdex_sshsig_verify(unsigned char signer[32], const char *armor, size_t armor_len,
			const char *namespace, const void *msg, size_t len);

#endif
