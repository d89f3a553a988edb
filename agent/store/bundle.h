/*
 * bundle.h - git bundle files (v2, as `git bundle create` writes them), for
 * offices that carry history on a disk instead of over the network.
 *
 * A v2 bundle is a header and a packfile:
 *   # v2 git bundle
 *   -<oid> <comment>       a prerequisite: the reader must have this commit
 *   <oid> <refname>        a ref the bundle carries
 *   (empty line)
 *   <pack>
 * (v3 adds "@capability" lines after the signature; only
 * "@object-format=sha1" is accepted here.)  Both sides use libgit2: the
 * writer is its packbuilder, the reader its indexer, the same indexer a
 * network fetch feeds (fetch.c), so a bundle needs no git program at run time
 * and its objects land in the same quarantine, under the same bounds, as a
 * fetch's.
 */
#ifndef HRDEX_BUNDLE_H
#define HRDEX_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <git2.h>

#include "doc.h"

/* Header bounds: a longer line or more lines is not a bundle hrdex wrote,
 * nor one it will read. */
#define HRDEX_BUNDLE_LINE_MAX 1024
#define HRDEX_BUNDLE_LINES_MAX 100000

struct hrdex_bundle_ref {
	char name[HRDEX_BUNDLE_LINE_MAX];  /* full ref name, e.g. refs/heads/achpr */
	git_oid oid;
};

struct hrdex_bundle {
	git_oid *prereqs;
	size_t nprereqs;
	struct hrdex_bundle_ref *refs;
	size_t nrefs;
};

/*
 * Read the header of the bundle open at f (which is left at the first byte
 * of the pack).  -1 (HRDEX_E_INVALID, the message naming path) when it is
 * not a v2/v3 bundle hrdex reads.
 */
int hrdex_bundle_read_header(struct hrdex_bundle *b, FILE *f, const char *path);

/* -1 (HRDEX_E_UNAVAILABLE) naming the first prerequisite that is not a
 * commit in odb. */
int hrdex_bundle_check_prereqs(const struct hrdex_bundle *b, git_odb *odb);

/*
 * Feed the rest of f (the pack) to libgit2's indexer writing into pack_dir;
 * odb supplies the bases of a thin pack (git's own bundles are thin).
 * progress may stop the indexing (the caller's byte cap).  -1 with
 * hrdex_error (HRDEX_E_INVALID: truncated or damaged pack).
 */
int hrdex_bundle_index(FILE *f, const char *path, const char *pack_dir, git_odb *odb,
		       git_indexer_progress_cb progress, void *payload);

void hrdex_bundle_free(struct hrdex_bundle *b);

/*
 * Write a bundle at path carrying refs/heads/<names[i]> at tips[i], with
 * prerequisites prereqs[0..nprereqs) (commits the reader has: their history
 * is left out).  Written to a temporary file beside path, then renamed.
 * *nobjects (may be NULL) gets the number of objects packed.
 */
int hrdex_bundle_write(git_repository *repo, const char *path, char *const *names, const git_oid *tips,
		       size_t n, const git_oid *prereqs, size_t nprereqs, size_t *nobjects);

#endif
