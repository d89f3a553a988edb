/*
 * refs.h - the publisher branch tips of a bare repository, read from its
 * files (loose refs and packed-refs) without libgit2.
 *
 * For `hrdex query`, whose only use of the repository is to say whether the
 * cache is behind the branches: starting libgit2 costs more than the whole
 * rest of a small query (Debian's build parses the system CA bundle in
 * git_libgit2_init()).  Writers keep using libgit2.
 */
#ifndef HRDEX_REFS_H
#define HRDEX_REFS_H

#include <stddef.h>

#define HRDEX_OID_HEX 40   /* SHA-1: the only object format libgit2 1.5 reads */

/* 1 when the HRDEX_OID_HEX bytes at s (the caller knows they are there) are
 * lowercase hex digits, an object id as git writes it; else 0. */
int hrdex_oid_hex_valid(const char *s);

struct hrdex_tip {
	char *name;                    /* the publisher: refs/heads/<name> */
	char hex[HRDEX_OID_HEX + 1];   /* the object it points at, peeled when packed-refs says */
};

struct hrdex_tips {
	struct hrdex_tip *items;       /* sorted by name (strcmp) */
	size_t count;
};

/*
 * The branches refs/heads/<p> of the repository at gitdir whose <p> is a
 * valid publisher id, as libgit2 lists them: a loose ref overrides the same
 * name in packed-refs, a symbolic ref is followed, and a packed ref with a
 * peeled ("^") line gives the peeled id.  A loose ref is not peeled (that
 * needs the object database); publisher branches point at commits.
 * Fails (HRDEX_E_IO) when gitdir is not a repository or a ref is
 * corrupt.
 */
int hrdex_refs_branches(struct hrdex_tips *out, const char *gitdir);
void hrdex_tips_free(struct hrdex_tips *t);

#endif
