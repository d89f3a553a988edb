/*
 * site_int.h - what the files of the static site (site.h) share; private to
 * agent/derive/site*.c.
 *
 *   site.c           the build: OUT, its generations, the lock, the swap
 *   site_load.c      the documents: read from main, their links, lookups, orders
 *   site_output.c    the generation being written: keys, manifest, carrying over
 *   site_layout.c    the frame of every page and the pieces every page uses
 *   site_doc.c       one page per document
 *   site_summary.c   the home page, a page per publisher and per type
 *   site_calendar.c  calendar.html and calendar.ics
 *   site_search.c    search.html and its index
 *
 * One build is one struct site, filled by site.c and site_load.c, then read
 * by the pages.  The pages render into s->page and hand it to
 * site_emit_content (or key their own output, site_emit_doc); everything
 * written goes through site_output.c, which records it in the manifest.
 * Builds are not concurrent within one process (site_load.c's sorting keeps
 * the site in a static).
 *
 * Every function returning int returns 0, or -1 with the error set (error.h);
 * site_try_link also returns 1 (see there).
 */
#ifndef HRDEX_SITE_INT_H
#define HRDEX_SITE_INT_H

#include "site.h"
#include "buf.h"
#include "doc.h"
#include "doctype.h"
#include "json.h"

#include <stdint.h>

#include <limits.h>

#define KEY_HEX 33                   /* 16-byte key as hex, with NUL */
#define NONE ((size_t)-1)            /* no such document */

struct att {
	char *name;        /* as published */
	char *file;        /* its name in the site (att_file_name, site_load.c) */
	git_oid blob;
};

struct sdoc {
	struct hrdex_ref ref;
	char refstr[HRDEX_REF_MAX + 1];
	git_oid blob;
	cJSON *json;               /* NULL when the blob does not parse: listed by id only */
	cJSON *v2;                 /* its version-2 form (upgrade.h), NULL with json: the facts
				      (facts.h: when, countries, groups...) come from it */
	const cJSON *title;        /* the title shown in lists; ->string is its language */
	const char *date;          /* "" when none */
	char date_key[11];         /* what date sorts by: a partial date's first day (facts.h) */
	const char *start, *end;   /* events and visits: when they happen (facts.h: a partial
				      date from its first to its last day); else NULL */
	char start_buf[11], end_buf[11];   /* start, end of a partial date; not moved once loaded */
	int type;                  /* index in hrdex_doctypes */
	struct att *atts;
	size_t natts;
	git_oid files_tree;        /* P/TYPE/ID.files, zero when none */
};

struct edge {
	size_t from, to;           /* indexes into docs */
	const char *rel;           /* points into docs[from].json */
};

struct mentry {
	const char *path, *key;    /* into manifest text */
};

struct site {
	git_repository *repo;
	const struct hrdex_site_opts *opts;
	const char *title;
	struct sdoc *docs;
	size_t ndocs;
	struct edge *edges;        /* sorted by (to, from) */
	size_t nedges;
	size_t *back;              /* back[i]..back[i+1]: edges pointing at docs[i] */
	char **pubs;               /* publisher ids with documents, sorted */
	size_t npubs;
	unsigned char epoch[16];   /* hash of what every page depends on */
	char main_hex[GIT_OID_HEXSZ + 1];
	int64_t main_time;
	char today[11];
	/* output */
	char *gen_dir;             /* OUT.d/N, being built */
	char *old_dir;             /* OUT.d/M, the published one, or NULL */
	char last_dir[PATH_MAX];   /* the last directory made, to skip repeated mkdirs */
	struct hrdex_buf old_text; /* the previous manifest */
	struct mentry *old;
	size_t nold;
	struct hrdex_buf manifest;
	struct hrdex_buf page;
	struct hrdex_site_stats *stats;
};

/* ---- site_load.c: the documents ---- */

/* Fill docs (sorted by ref, each parsed, with its attachments), edges and
 * back, pubs and epoch from top, main's tree (NULL: no documents).
 * site_free_docs frees what it made, also after a failure. */
int site_collect(struct site *s, const git_tree *top);
void site_free_docs(struct site *s);

/* obj[key] when it is a string, else NULL (obj may be NULL or not an object). */
const char *site_str_member(const cJSON *obj, const char *key);
/* A publisher's display name (hrdex.conf), else its id. */
const char *site_pub_name(const struct site *s, const char *id);
/* The index in docs of the document with this ref, or NONE. */
size_t site_find_doc(const struct site *s, const char *ref);
/* Sort idx[0..n) (indexes into docs): by date, newest first; by start, soonest
 * first (every idx[i] must have a start).  Ties in ref order. */
void site_sort_by_date_desc(const struct site *s, size_t *idx, size_t n);
void site_sort_by_start(const struct site *s, size_t *idx, size_t n);

/* ---- site_output.c: writing the generation ---- */

/* A 16-byte key as KEY_HEX - 1 hex digits. */
void site_hex_key(char out[KEY_HEX], const unsigned char key[16]);
/* Read the previous build's manifest (missing: empty) into old_text and old. */
int site_load_manifest(struct site *s, const char *path);
/* path (relative to the generation) under key: 1 when the previous build
 * had the same key there and the file was hard-linked from it and recorded;
 * 0 when the caller must write it (site_write_file). */
int site_try_link(struct site *s, const char *path, const char *key);
/* Create path in the generation (never overwriting) and record its key. */
int site_write_file(struct site *s, const char *path, const char *key, const void *data, size_t len);
/* Carry over or write rendered bytes, keyed by their own hash. */
int site_emit_content(struct site *s, const char *path, const struct hrdex_buf *b);
/* Carry over or copy a blob, keyed by its id. */
int site_emit_blob(struct site *s, const char *path, const git_oid *id);

/* ---- site_layout.c: the page frame and shared pieces ---- */

enum nav { NAV_NONE, NAV_HOME, NAV_CALENDAR, NAV_SEARCH };

/* Clear b and start a page at depth folders below the root: head, header,
 * navigation (nav marks the current item), the search box, <main>. */
int site_page_begin(struct site *s, struct hrdex_buf *b, int depth, const char *title, enum nav nav);
/* Close <main> and the page; with_build names main's commit (the home page
 * only, so that no other page changes with every commit). */
int site_page_end(struct site *s, struct hrdex_buf *b, int with_build);
/* "../" depth times. */
int site_root(struct hrdex_buf *b, int depth);
/* " lang="x" dir="y"" for a language tag, or " dir="auto"" when it is not
 * a well-formed tag. */
int site_lang_attrs(struct hrdex_buf *b, const char *tag);
/* A date or date-time as <time>. */
int site_put_time(struct hrdex_buf *b, const char *when);
/* "start – end", or start alone when they are the same; nothing when start is NULL. */
int site_put_span(struct hrdex_buf *b, const char *start, const char *end);
/* The title of d (else its ref) as a link to its page from a page at depth. */
int site_title_link(struct hrdex_buf *b, int depth, const struct sdoc *d);
/* The display name of pub as a link to its page from a page at depth. */
int site_pub_link(const struct site *s, struct hrdex_buf *b, int depth, const char *pub);
/* 1 when v starts with YYYY-MM-DD followed by nothing or 'T'. */
int site_looks_like_date(const char *v);
/* style.css, hrdex.js: the built-in assets the frame loads. */
int site_emit_assets(struct site *s);

/* ---- the pages, in the order site.c emits them ---- */

int site_emit_doc(struct site *s, size_t i);               /* site_doc.c: P/TYPE/ID.html, .json, .files/ */
int site_emit_publisher(struct site *s, const char *pub);  /* site_summary.c: P/index.html, P/TYPE.html */
int site_emit_calendar(struct site *s);                    /* site_calendar.c: calendar.html */
int site_emit_ics(struct site *s);                         /* site_calendar.c: calendar.ics */
int site_emit_search(struct site *s);                      /* site_search.c: search.html, search-index.js */
int site_emit_home(struct site *s);                        /* site_summary.c: index.html */

#endif
