/*
 * batch.h - the documents of one validate/publish run, read from files,
 * folders (recursively, *.json) or standard input ("-"), each with the
 * attachments given for it (--attach, or a DOC.files/ folder beside it).
 */
#ifndef HRDEX_BATCH_H
#define HRDEX_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "buf.h"
#include "doc.h"
#include "problem.h"

struct hrdex_attachment {
	char *name;             /* file name in the tree */
	char *source;           /* where it was read from */
	struct hrdex_buf data;  /* empty once stored */
	int stored;             /* its blob (oid) is in the pack being written or the repository */
	git_oid oid;
	char media_type[128];
	unsigned char sha256[32];
};

struct hrdex_batch_item {
	char *origin;                   /* file name, or "-" */
	int valid;                      /* no problems: ref and oid are set */
	struct hrdex_ref ref;
	git_oid oid;                    /* id of the canonical blob */
	/* The parsed document, kept only where it is needed later (stdin,
	 * attachments): a large batch must not hold every document in memory;
	 * hrdex_batch_canonical() reads the others again. */
	struct hrdex_doc *doc;
	struct hrdex_problems problems; /* why it is invalid */
	int version;                    /* the schema version it names (doc.h), 0 when unread */
	int stored;                     /* its blob was written while loading */
	struct hrdex_attachment *attachments;
	size_t nattachments;
	int has_attachment_field;       /* the document lists attachments[] itself */
};

struct hrdex_readme_hints;

struct hrdex_batch {
	struct hrdex_batch_item *items;
	size_t count;
	size_t invalid;                 /* items with problems */
	struct hrdex_readme_hints *hints; /* borrowed, may be NULL: README facts of the
					   * documents checked (readme.h) */	int rotation;                   /* set by hrdex_rotate (rotate.h) after loading: a key
					 * document may be published; never from files or the outbox */
};

/*
 * Expand paths (files, folders, "-") to a list of inputs; folders are walked
 * recursively in sorted order for *.json, skipping NAME.files/ folders.
 * A path given that is a symbolic link is followed (the operator named it;
 * the input is its target); links found inside folders are not: a folder
 * reached through one is not walked, and a link named *.json is listed so
 * that loading it reports it.
 */
int hrdex_batch_collect(char ***out, size_t *n, char **paths, size_t npaths);

/* Read one input ("-" is standard input) as every command reads documents:
 * a regular file, its last component never followed if it is a link
 * (fs.h hrdex_fs_read_nofollow). */
int hrdex_batch_read(struct hrdex_buf *out, const char *input, size_t max);

/*
 * Read and check each input (doc.h), attach files (attach[] applies to the
 * single input given, followed if links, as the operator named them;
 * NAME.files/ folders to their document: the folder and the files in it are
 * never followed if links, and anything but regular files is a problem), fill or check
 * attachments[], and flag duplicate refs.  Invalid items get problems; -1 is
 * only for failures of the run itself.
 */
int hrdex_batch_load(struct hrdex_batch *b, char **inputs, size_t ninputs, char **attach,
		     size_t nattach, const struct hrdex_doc_opts *opts);

/* Called for each item as soon as it is valid, while its canonical form is
 * still in memory (publishing streams blobs this way); non-zero stops. */
typedef int (*hrdex_batch_cb)(struct hrdex_batch_item *it, const struct hrdex_buf *canonical,
			      void *payload);

int hrdex_batch_load_with(struct hrdex_batch *b, char **inputs, size_t ninputs, char **attach,
			  size_t nattach, const struct hrdex_doc_opts *opts, hrdex_batch_cb cb,
			  void *payload);
void hrdex_batch_free(struct hrdex_batch *b);

/*
 * Add a document already loaded and valid (hrdex_doc_load) as an item kept
 * in memory, named origin in messages; the batch takes doc (freed with the
 * batch, even on failure).  Its attachments must already be stored
 * (publish checks them against the tree).  For documents made rather than
 * read (`hrdex upgrade`).
 */
int hrdex_batch_add_doc(struct hrdex_batch *b, struct hrdex_doc *doc, const char *origin);

/*
 * The canonical bytes of a valid item: from memory when kept, else read and
 * checked again, failing (HRDEX_E_INVALID) if the file changed meanwhile so
 * that its blob is no longer the one validated.
 */
int hrdex_batch_canonical(struct hrdex_buf *out, const struct hrdex_batch_item *it,
			  const struct hrdex_doc_opts *opts);

/* A media type from a file name's extension (application/octet-stream else). */
const char *hrdex_media_type(const char *name);

#endif
