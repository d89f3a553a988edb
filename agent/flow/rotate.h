/*
 * rotate.h - `hrdex key rotate`, and peers following rotations (DESIGN.md,
 * "Keys and membership"; the rules are store/keychain.h's).
 */
#ifndef HRDEX_ROTATE_H
#define HRDEX_ROTATE_H

#include <stddef.h>

#include <git2.h>

#include "state.h"

struct hrdex_rotate_result {
	unsigned long number;     /* the new key's number (the first key is 1) */
	char previous[64];        /* SHA256: of the key it replaces */
	char fingerprint[64];     /* SHA256: of the new key */
	char line[256];           /* "ssh-ed25519 AAAA... COMMENT" */
	char ref[64];             /* PUBLISHER/key/N */
	char retired[4096];       /* where the old private key went */
	git_oid commit;           /* the rotation commit */
};

/*
 * Make a new key pair and publish <publisher>/key/<n>.json naming it, in a
 * commit signed by the current key (the publish self-check applies the
 * branch rules), then retire the old private key to keys/retired/ and sign
 * every later commit with the new one (keyring.h: a crash at any point
 * leaves a state the next command finishes).  s must be open with
 * HRDEX_STATE_LOCK | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS.  HRDEX_E_CONFIG
 * when keys/id_ed25519 is not the key the branch says signs next.
 */
int hrdex_rotate(struct hrdex_state *s, struct hrdex_rotate_result *res);

#endif
