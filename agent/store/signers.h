/*
 * signers.h - allowed_signers, in git's/OpenSSH's format (ssh-keygen(1),
 * ALLOWED SIGNERS): which principal may sign with which key, in which
 * namespaces and when.  Parsed strictly (an error fails the whole file) and
 * edited line by line so that an operator's comments and layout survive.
 */
#ifndef HRDEX_SIGNERS_H
#define HRDEX_SIGNERS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

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
 * pattern, bad key or time) fails the whole parse with HRDEX_E_CONFIG and
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

#endif
