/*
 * keychain.h - the keys a publisher's branch carries (DESIGN.md, "Keys and
 * membership"): key rotations are documents <publisher>/key/<n>.json,
 * n = 2, 3, ... (the first key, trusted through allowed_signers, has none),
 * each naming the next key and the fingerprint of the key it replaces.
 *
 * Validity is by position in the branch, never by a date: the key valid for
 * a commit is the first key, replaced by each key document its PARENT's
 * tree holds (so the rotation commit itself is signed by the old key) and
 * by a sanctioned reset (ledger.h).  Because a branch may never change or
 * remove a key document, add two in one commit or skip a number, a tree's
 * key folder is its whole key history, read in one lookup.
 */
#ifndef HRDEX_KEYCHAIN_H
#define HRDEX_KEYCHAIN_H

#include <stddef.h>

#include <git2.h>

#include "signers.h"

struct hrdex_keychain_key {
	unsigned char pk[32];  /* "key" */
	char previous[64];     /* "previous": SHA256:... of the key it replaces */
	git_oid blob;          /* the document's blob */
};

struct hrdex_keychain {
	struct hrdex_keychain_key *keys;  /* keys[i] is key number i + 2 */
	size_t n;
};

/*
 * Read the key documents of publisher from tree (a commit's root tree;
 * NULL: none).  Returns 0 with out filled (n = 0 when the tree has no key
 * folder), 1 when the folder is not a key history (why names the path:
 * an entry other than N.json, a gap, a document that is not JSON or whose
 * id, type, publisher, key or previous is missing or wrong), -1 on error.
 * The schema is the document rules' (accept.c refuses a key document
 * they would hold).
 */
int hrdex_keychain_read(struct hrdex_keychain *out, git_repository *repo, const git_oid *tree,
			const char *publisher, char *why, size_t size);
void hrdex_keychain_free(struct hrdex_keychain *kc);

/* The key of the newest key document, NULL when there is none (the first
 * key signs). */
const unsigned char *hrdex_keychain_current(const struct hrdex_keychain *kc);

/* 1 when kc names pk (as a key or as the previous key of key 2), else 0. */
int hrdex_keychain_names(const struct hrdex_keychain *kc, const unsigned char pk[32]);

/*
 * The rotation rules for one commit whose parent's tree holds kp and whose
 * own tree holds kc, signed (already checked, by position) by signer:
 * kc is kp or kp plus one document; a new one names as previous the
 * signer's fingerprint and a key this branch never used (not the signer,
 * not one of kp, not one of used[nused], the keys of sanctioned resets),
 * that no other publisher uses (hrdex_keychain_owner).  Returns 0, 1 with
 * why set (one line naming the path), -1 on error.
 */
int hrdex_keychain_step(const struct hrdex_keychain *kp, const struct hrdex_keychain *kc,
			const unsigned char signer[32], const unsigned char (*used)[32], size_t nused,
			git_repository *repo, const struct hrdex_signers *signers, const char *publisher,
			char *why, size_t size);

/*
 * Whether a publisher other than publisher uses pk: allowed_signers grants
 * it to another principal, or the key documents of another branch of repo
 * name it.  1 with owner set, 0 when none, -1 on error.
 */
int hrdex_keychain_owner(char *owner, size_t size, git_repository *repo, const struct hrdex_signers *signers,
			 const char *publisher, const unsigned char pk[32]);

/* Read the key history at refs/heads/<publisher> (no branch: empty). */
int hrdex_keychain_at_tip(struct hrdex_keychain *out, git_repository *repo, const char *publisher);

#endif
