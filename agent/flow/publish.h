/*
 * publish.h - turning a checked batch into one signed commit on our log,
 * and withdrawing documents; each then refreshes what derives from the
 * branches (refresh.h).
 */
#ifndef HRDEX_PUBLISH_H
#define HRDEX_PUBLISH_H

#include <stddef.h>

#include <git2.h>

#include "batch.h"
#include "state.h"

enum hrdex_change_kind { HRDEX_UNCHANGED, HRDEX_ADDED, HRDEX_CHANGED, HRDEX_REMOVED };

struct hrdex_publish_result {
	size_t added, changed, unchanged, removed;
	int committed;                  /* 0: nothing changed, no commit */
	git_oid commit;
	enum hrdex_change_kind *kinds;  /* per batch item / withdrawn ref */
};

/*
 * Publish every item of b (all must be valid) as one signed commit on
 * refs/heads/<our publisher>; opts are the ones b was loaded with (items not
 * kept in memory are read again, and must not have changed).  Many new
 * documents go into one packfile.  Attachments listed but not given must already
 * be stored with the same content.  Invalid attachment references add
 * problems to their item and return -1 with HRDEX_E_INVALID, writing nothing.
 */
int hrdex_publish(struct hrdex_state *s, struct hrdex_batch *b, const struct hrdex_doc_opts *opts,
		  const char *message, struct hrdex_publish_result *res);

/*
 * Load, check and publish files in one go: documents are read once, and in a
 * large batch each new blob is deflated into one pack as soon as it is
 * checked.  When b->invalid is non-zero on return (0), nothing was written
 * and each item's problems say why.
 */
int hrdex_publish_files(struct hrdex_state *s, struct hrdex_batch *b, char **inputs, size_t ninputs,
			char **attach, size_t nattach, const struct hrdex_doc_opts *opts,
			const char *message, struct hrdex_publish_result *res);

/* Remove the documents (and their attachments) in one signed commit. */
int hrdex_withdraw(struct hrdex_state *s, const struct hrdex_ref *refs, size_t n, const char *message,
		   struct hrdex_publish_result *res);

void hrdex_publish_result_free(struct hrdex_publish_result *res);

#endif
