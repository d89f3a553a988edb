/*
 * keyring.h - the key files of a rotation (`hrdex key rotate`) in keys/:
 * the next key is saved as keys/id_ed25519.next BEFORE the commit that
 * names it, so that no crash can leave a branch whose next commit needs a
 * key nobody has; after the commit the old key moves to
 * keys/retired/id_ed25519.<N> (N: its number in the branch, the first key
 * is 1; folder 0700, file 0600) and the next key becomes keys/id_ed25519.
 * A rotation killed between the two is finished (or, when its commit was
 * never written, dropped) the next time the agent opens its state under
 * the lock (hrdex_keyring_recover).  All of it runs under the agent lock.
 */
#ifndef HRDEX_KEYRING_H
#define HRDEX_KEYRING_H

#include <stddef.h>

#include "key.h"

struct hrdex_state;

/* Save next as keys/id_ed25519.next (0600) and .next.pub. */
int hrdex_keyring_stage(struct hrdex_state *s, const struct hrdex_key *next);

/*
 * The staged key becomes keys/id_ed25519 (and s->key), the key it replaces
 * (number old_number) goes to keys/retired/id_ed25519.<old_number> with its
 * .pub.  retired (may be NULL, PATH_MAX) gets the retired key's path.
 */
int hrdex_keyring_promote(struct hrdex_state *s, unsigned long old_number, char *retired, size_t size);

/*
 * A staged key left by a killed rotation: promoted when our branch's tip
 * names it (the commit was written), removed when it does not.  0 when
 * there was nothing to do or it was done, -1 on error.
 */
int hrdex_keyring_recover(struct hrdex_state *s);

/*
 * allowed_signers lists every key the branches name (each line preceded
 * by "# rotation PUBLISHER/key/N"), for our own branch and every branch of
 * a publisher allowed_signers trusts, so that stock `git verify-commit`
 * passes on the whole history.  Lines already there stay as they are.
 * Called by every refresh (flow/refresh.h), so every path that moves a
 * branch, and the catch-up after a crash, reach it.  *added (may be NULL)
 * counts the lines written.
 */
int hrdex_keyring_follow(struct hrdex_state *s, size_t *added);

#endif
