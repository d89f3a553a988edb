/*
 * readme.h - the README.md files main carries, so that a forge or any
 * Markdown viewer shows a readable index of the repository.
 *
 *   README.md              the publishers, their names, document counts by
 *                          type, and when each last changed
 *   <publisher>/README.md  that publisher's documents by type, newest first:
 *                          date, title (linked to the file), id
 *
 * Only main has them: a publisher's own branch holds documents and nothing
 * else.  Both are pure functions of their inputs (same trees, names and
 * times: same bytes), and every text taken from a document or the config is
 * escaped (html.h, hrdex_md_text).
 */
#ifndef HRDEX_README_H
#define HRDEX_README_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <git2.h>

#include "buf.h"
#include "doctype.h"

/* One publisher as the root README lists it. */
struct hrdex_readme_publisher {
	const char *id;
	const char *name;                /* display name; NULL shows the id */
	size_t counts[HRDEX_NTYPES_MAX];     /* documents by type, hrdex_doctypes order */
	int64_t updated;                 /* time of the tip commit, Unix seconds */
};

/* Count the documents (*.json) of each type in a publisher subtree
 * (<publisher>/ of a branch; NULL counts nothing). */
int hrdex_readme_count(size_t counts[HRDEX_NTYPES_MAX], git_repository *repo, const git_tree *sub);

/* Append main's root README.md. */
int hrdex_readme_root(struct hrdex_buf *out, const struct hrdex_readme_publisher *pubs, size_t n);

/* The first line of a publisher README for (publisher, name), newline
 * included: a README whose first line differs was made for another name. */
int hrdex_readme_heading(struct hrdex_buf *out, const char *publisher, const char *name);

struct hrdex_readme_hints;

/*
 * Append <publisher>/README.md for the publisher subtree sub: one section per
 * type present, each a table of its documents, newest first (by "date", a
 * partial date of version 2 at its first day, then
 * id), with date, title (in English when there is one, else the first of
 * French, Spanish, Russian, Arabic, Chinese, else any) linked to the file,
 * and id.  A document that cannot be parsed is listed by id.
 * old (may be NULL) is main's previous <publisher>/ tree: the row of a
 * document whose blob is the same there is copied from its README.md, so
 * only new and changed documents are read (publishing one document into an
 * archive of 25,000 read all 25,000).  The bytes are the same either way.
 */
int hrdex_readme_publisher(struct hrdex_buf *out, git_repository *repo, const char *publisher,
			   const char *name, const git_tree *sub, const git_tree *old,
			   struct hrdex_readme_hints *hints);

/*
 * What a README row needs of a document (its date and title), by blob id,
 * given by a caller that parsed the documents anyway (sync checks every
 * new one): hrdex_readme_publisher() then reads none of them again.  A
 * first sync of 100,000 documents spent 8 s parsing them a second time.
 */
int hrdex_readme_hints_new(struct hrdex_readme_hints **out);
int hrdex_readme_hints_add(struct hrdex_readme_hints *h, const git_oid *blob, const cJSON *doc);
void hrdex_readme_hints_free(struct hrdex_readme_hints *h);

#endif
