/*
 * batch.h - the documents of one validate/publish run, read from files,
 * folders (recursively, *.json) or standard input ("-"), each with the
 * attachments given for it (--attach, or a DOC.files/ folder beside it).
 */
#ifndef HRDEX_BATCH_H
#define HRDEX_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "doc.h"
#include "problem.h"

struct hrdex_attachment {
	char *name;             /* file name in the tree */
	char *source;           /* where it was read from */
	struct hrdex_buf data;
	char media_type[128];
	unsigned char sha256[32];
};

struct hrdex_batch_item {
	char *origin;                   /* file name, or "-" */
	struct hrdex_doc *doc;          /* NULL when invalid */
	struct hrdex_problems problems; /* why it is invalid */
	struct hrdex_attachment *attachments;
	size_t nattachments;
	int has_attachment_field;       /* the document lists attachments[] itself */
};

struct hrdex_batch {
	struct hrdex_batch_item *items;
	size_t count;
	size_t invalid;                 /* items with problems */
};

/* Expand paths (files, folders, "-") to a list of inputs; folders are walked
 * recursively in sorted order for *.json, skipping NAME.files/ folders. */
int hrdex_batch_collect(char ***out, size_t *n, char **paths, size_t npaths);

/*
 * Read and check each input (doc.h), attach files (attach[] applies to the
 * single input given; NAME.files/ folders to their document), fill or check
 * attachments[], and flag duplicate refs.  Invalid items get problems; -1 is
 * only for failures of the run itself.
 */
int hrdex_batch_load(struct hrdex_batch *b, char **inputs, size_t ninputs, char **attach,
		     size_t nattach, const struct hrdex_doc_opts *opts);
void hrdex_batch_free(struct hrdex_batch *b);

/* A media type from a file name's extension (application/octet-stream else). */
const char *hrdex_media_type(const char *name);

/* Valid attachment name: no '/', '\', NUL, not starting with '.', <= 128 bytes,
 * printable UTF-8. */
int hrdex_attachment_name_valid(const char *name);

#endif
