/*
 * signed_commit.h - signed git commits that stock `git verify-commit`
 * accepts: creating them, and checking a peer's strictly.
 *
 * Commit verification is strict on purpose (a known trap): exactly
 * one "gpgsig" header, no other signature header, the signature must be
 * canonical, and the commit rebuilt from payload + canonical armor must hash
 * to the commit id; so a relay cannot change a commit id while keeping a
 * valid signature.
 */
#ifndef HRDEX_SIGNED_COMMIT_H
#define HRDEX_SIGNED_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "key.h"
#include "signers.h"

/*
 * Create a signed commit object in repo (not moving any ref): the commit text
 * comes from git_commit_create_buffer(), is signed with namespace "git", and
 * stored with git_commit_create_with_signature() so that its id is the one
 * git would compute.
 */
int hrdex_commit_create_signed(git_oid *out, git_repository *repo, const char *commit_text,
			       const struct hrdex_key *key);

/* What hrdex_commit_parse_headers() found in a commit object. */
struct hrdex_commit_headers {
	int64_t author_time, committer_time;  /* seconds since the epoch */
	int has_signature;                    /* one gpgsig header */
	size_t sig_start, sig_end;            /* offsets of that header, its last newline included */
	size_t body;                          /* offset of the message */
};

/*
 * Check the header section of a raw commit object as `git fsck --strict`
 * does (fsck.c: fsck_commit, fsck_ident), narrowed to what git itself writes:
 * "tree" first and once, then "parent" lines, each 40 lowercase hex digits;
 * exactly one "author" then one "committer", each "NAME <EMAIL> SECONDS +HHMM"
 * (no '<' or '>' in the name, a space before '<', the email closed by '>',
 * the seconds in decimal without leading zeros and within int64, a sign and
 * four digits for the time zone); then at most one "encoding" whose value is
 * UTF-8; then at most one "gpgsig", last, its continuation lines starting
 * with a space.  Any other header ("mergetag", "gpgsig-sha256", unknown ones)
 * is refused, and so is a NUL byte anywhere in the object.  Returns 0 with
 * out filled, or 1 with why set to one lowercase line ("two author lines",
 * "malformed committer: malformed time zone (expected +HHMM or -HHMM)").
 */
int hrdex_commit_parse_headers(struct hrdex_commit_headers *out, const char *data, size_t size, char *why,
			       size_t why_size);

/*
 * Verify commit id in repo: parsed strictly (see above), signed in namespace
 * "git" by a key allowed_signers grants to principal at the commit's committer
 * time.  Returns 0 when valid, -1 with hrdex_error (HRDEX_E_INVALID) naming
 * the commit and the reason: "commit 1234abc: unsigned", "commit 1234abc:
 * signed by a key not trusted for 'achpr'", "...: two gpgsig headers",
 * "...: signature namespace 'file', expected 'git'", "...: non-canonical
 * signature (...)", "...: key not valid at commit time", or any problem of
 * hrdex_commit_parse_headers() ("...: two author lines").  Commit objects
 * above 1 MiB are refused unread.
 */
int hrdex_commit_verify(git_repository *repo, const git_oid *id, const struct hrdex_signers *signers,
			const char *principal);

/*
 * The same, for a commit that reaches this agent at now (unix time; 0:
 * history this agent accepted before, checked as above, at the commit's
 * own date as stock git does).  With now, a key must be valid both at the
 * commit's date (so that stock git verify-commit passes) and at now: the
 * date written in the commit, which its signer chooses, can refuse a
 * commit but never makes a retired key (valid-before passed) valid again
 * ("...: signed by a retired key of 'achpr' ...").  signer_out (may be
 * NULL) gets the key that signed a valid commit.
 */
int hrdex_commit_verify_at(git_repository *repo, const git_oid *id, const struct hrdex_signers *signers,
			   const char *principal, int64_t now, unsigned char signer_out[32]);

#endif
