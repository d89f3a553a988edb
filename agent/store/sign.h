/*
 * sign.h - Ed25519 keys in OpenSSH format, SSHSIG signatures, allowed_signers,
 * and signed git commits that stock `git verify-commit` accepts.
 *
 * Signatures follow OpenSSH's PROTOCOL.sshsig: magic "SSHSIG", version 1, the
 * signer's public key, namespace, empty reserved field, hash "sha512", and an
 * "ssh-ed25519" signature over the signed-data blob; armored between
 * "-----BEGIN SSH SIGNATURE-----" and "-----END SSH SIGNATURE-----", base64
 * in lines of 70 characters, as ssh-keygen writes it.
 *
 * Commit verification is strict on purpose (DESIGN.md, known traps): exactly
 * one "gpgsig" header, no other signature header, the signature must be
 * canonical, and the commit rebuilt from payload + canonical armor must hash
 * to the commit id; so a relay cannot change a commit id while keeping a
 * valid signature.
 */
#ifndef HRDEX_SIGN_H
#define HRDEX_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

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

/* Parse "ssh-ed25519 AAAA... [comment]" (or the contents of a .pub file). */
int hrdex_key_parse_public(unsigned char pk[32], const char *text);

void hrdex_key_wipe(struct hrdex_key *key);

/* Make an armored SSHSIG over msg; the armor, ending with a newline, is
 * appended to out. */
int hrdex_sshsig_sign(struct hrdex_buf *out, const struct hrdex_key *key, const char *namespace,
		      const void *msg, size_t len);

/*
 * Check an armored SSHSIG over msg.  Strict: version 1, key and signature type
 * ssh-ed25519, the given namespace, empty reserved field, hash sha512, base64
 * and armor exactly as ssh-keygen writes them, final newline included (so one
 * signature has one text).
 * On success *signer gets the key that signed.  Returns -1 (HRDEX_EX_DATAERR)
 * with the reason otherwise.
 */
int hrdex_sshsig_verify(unsigned char signer[32], const char *armor, size_t armor_len,
			const char *namespace, const void *msg, size_t len);

/* allowed_signers, in git's/OpenSSH's format (ssh-keygen(1), ALLOWED SIGNERS). */
struct hrdex_signer {
	char *principal;          /* one exact principal per entry (lists are split) */
	unsigned char pk[32];
	char *namespaces;         /* NULL: any namespace; else comma list, '*' patterns ok */
	int64_t valid_after;      /* seconds since epoch, INT64_MIN when unset */
	int64_t valid_before;     /* INT64_MAX when unset */
	int cert_authority;       /* such entries are never trusted by hrdex */
};

struct hrdex_signers {
	struct hrdex_signer *items;
	size_t count;
};

/*
 * Parse allowed_signers text: "PRINCIPALS [OPTIONS] KEYTYPE BASE64 [COMMENT]"
 * lines, '#' comments and blank lines.  Options as OpenSSH: cert-authority,
 * namespaces="...", valid-after="...", valid-before="..." (values quoted,
 * keywords in any case).  Lines with key types other than ssh-ed25519 are
 * legal but grant nothing.  Any other error (unknown option, principal
 * pattern, bad key or time) fails the whole parse with HRDEX_EX_CONFIG and
 * "ORIGIN:LINE: reason", rather than silently trusting less or more.
 */
int hrdex_signers_parse(struct hrdex_signers **out, const char *text, size_t len, const char *origin);
int hrdex_signers_load(struct hrdex_signers **out, const char *path); /* missing file: empty */

/*
 * Append to out the allowed_signers text [text, text+len) less every grant to
 * principal: it leaves each line's principal list (split at commas as
 * hrdex_signers_parse() splits it, quoted lists included), and a line left
 * with no principal goes.  Comments, blank lines and the rest of each line
 * are kept byte for byte, and each kept line ends with '\n'.  *removed (may
 * be NULL) gets how many lines lost the principal.
 */
int hrdex_signers_drop(struct hrdex_buf *out, const char *text, size_t len, const char *principal,
		       size_t *removed);
void hrdex_signers_free(struct hrdex_signers *s);

/* What hrdex_signers_check() found, best verdict first. */
enum hrdex_signers_verdict {
	HRDEX_SIGNERS_OK = 0,        /* an entry allows it */
	HRDEX_SIGNERS_UNTRUSTED = 1, /* no entry gives principal this key */
	HRDEX_SIGNERS_NAMESPACE = 2, /* entries give the key, but not for this namespace */
	HRDEX_SIGNERS_EXPIRED = 3,   /* entries give the key, but not at that time */
};

/*
 * Like hrdex_signers_allow() but says why not, so that callers can name the
 * reason.  Principals are exact names: allowed_signers lines with principal
 * patterns ('*', '?', '!') are refused by hrdex_signers_parse(), since one
 * key must not speak for every publisher.  Entries with cert-authority, and
 * keys of types other than ssh-ed25519, never allow anything.  The window is
 * valid_after <= when <= valid_before, as OpenSSH checks it; times written
 * without 'Z' are read as UTC (OpenSSH: local time) so that the verdict does
 * not depend on the machine's time zone.
 */
int hrdex_signers_check(const struct hrdex_signers *s, const char *principal,
			const unsigned char pk[32], const char *namespace, int64_t when);

/* 1 when principal may sign with pk in namespace at time when, else 0. */
int hrdex_signers_allow(const struct hrdex_signers *s, const char *principal,
			const unsigned char pk[32], const char *namespace, int64_t when);

/* 1 when principal has at least one entry (any key), else 0. */
int hrdex_signers_has(const struct hrdex_signers *s, const char *principal);

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
 * time.  Returns 0 when valid, -1 with hrdex_error (HRDEX_EX_DATAERR) naming
 * the commit and the reason: "commit 1234abc: unsigned", "commit 1234abc:
 * signed by a key not trusted for 'achpr'", "...: two gpgsig headers",
 * "...: signature namespace 'file', expected 'git'", "...: non-canonical
 * signature (...)", "...: key not valid at commit time", or any problem of
 * hrdex_commit_parse_headers() ("...: two author lines").  Commit objects
 * above 1 MiB are refused unread.
 */
int hrdex_commit_verify(git_repository *repo, const git_oid *id, const struct hrdex_signers *signers,
			const char *principal);

#endif
