/*
 * site_load.c - the documents of the static site (see site_int.h): main's
 * tree walked once, every document parsed once, the links between them
 * sorted by target for back-references, the publishers, the epoch that every
 * page key includes, and lookups and orders over the documents.
 */
#include "site_int.h"
#include "regext.h"
#include "name.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "html.h"
#include "log.h"
#include "readme.h"
#include "facts.h"
#include "upgrade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#define SITE_FORMAT "hrdex-site-1"   /* part of every page key */

/* ---- lookups ---- */

const char *site_str_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *site_pub_name(const struct site *s, const char *id)
{
	const char *n = hrdex_config_publisher_name(s->opts->config, id);

	return n ? n : id;
}

static int cmp_doc(const void *a, const void *b)
{
	return strcmp(((const struct sdoc *)a)->refstr, ((const struct sdoc *)b)->refstr);
}

size_t site_find_doc(const struct site *s, const char *ref)
{
	size_t lo = 0, hi = s->ndocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->docs[mid].refstr, ref);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NONE;
}

/* A file name the site can serve as a download: kept when its extension is
 * one browsers do not run (PDF, office files, images, text…); otherwise
 * ".download" is appended, so a hostile "x.html" or "x.svg" attachment is
 * never served as a page of the site.  The link's download attribute keeps
 * the published name. */
static char *att_file_name(const char *name)
{
	static const char *const safe[] = { "pdf", "txt", "csv", "tsv", "json", "doc", "docx", "odt", "ods",
					    "odp", "xls", "xlsx", "ppt", "pptx", "rtf", "epub", "png", "jpg",
					    "jpeg", "gif", "webp", "zip", "gz", "mp3", "mp4", "ogg", "wav",
					    "webm", "md", NULL };
	const char *dot = strrchr(name, '.');
	size_t i;
	char *out;

	for (i = 0; dot && safe[i]; i++)
		if (!strcasecmp(dot + 1, safe[i]))
			return strdup(name);
	if (asprintf(&out, "%s.download", name) < 0)
		return NULL;
	return out;
}

/* ---- collecting documents ---- */

void site_free_docs(struct site *s)
{
	size_t i, j;

	for (i = 0; i < s->ndocs; i++) {
		for (j = 0; j < s->docs[i].natts; j++) {
			free(s->docs[i].atts[j].name);
			free(s->docs[i].atts[j].file);
		}
		free(s->docs[i].atts);
		cJSON_Delete(s->docs[i].json);
		cJSON_Delete(s->docs[i].v2);
	}
	free(s->docs);
	for (i = 0; i < s->npubs; i++)
		free(s->pubs[i]);
	free(s->pubs);
	free(s->edges);
	free(s->back);
}

static int add_doc(struct site *s, size_t *alloc, const char *pub, int type, const char *name,
		   const git_oid *id, int files)
{
	struct sdoc *d;
	size_t n = strlen(name);
	char idbuf[HRDEX_ID_MAX + 1];

	n -= files ? 6 : 5;
	if (n == 0 || n > HRDEX_ID_MAX)
		return 0;
	memcpy(idbuf, name, n);
	idbuf[n] = '\0';
	if (!hrdex_doc_id_valid(idbuf))
		return 0;
	if (s->ndocs == *alloc) {
		size_t more = *alloc ? *alloc * 2 : 256;
		struct sdoc *p = realloc(s->docs, more * sizeof(*p));

		if (!p)
			return hrdex_error_oom();
		s->docs = p;
		*alloc = more;
	}
	d = &s->docs[s->ndocs++];
	memset(d, 0, sizeof(*d));
	snprintf(d->ref.publisher, sizeof(d->ref.publisher), "%s", pub); /* fits: a valid publisher id */
	snprintf(d->ref.type, sizeof(d->ref.type), "%s", hrdex_doctype_at(type)->name); /* fits: a type name from the table */
	memcpy(d->ref.id, idbuf, n + 1);
	hrdex_ref_format(d->refstr, sizeof(d->refstr), &d->ref);
	d->type = type;
	/* A ".files" entry becomes a placeholder merged into its document later. */
	if (files)
		git_oid_cpy(&d->files_tree, id);
	else
		git_oid_cpy(&d->blob, id);
	d->date = files ? NULL : "";
	return 0;
}

/* Walk main's tree: P/TYPE/ID.json and P/TYPE/ID.files/. */
static int collect(struct site *s, const git_tree *top)
{
	size_t alloc = 0, i, j, k, out;

	for (i = 0; top && i < git_tree_entrycount(top); i++) {
		const git_tree_entry *pe = git_tree_entry_byindex(top, i);
		const char *pub = git_tree_entry_name(pe);
		git_tree *ptree = NULL;

		if (git_tree_entry_type(pe) != GIT_OBJECT_TREE || !hrdex_publisher_valid(pub))
			continue;
		if (git_tree_lookup(&ptree, s->repo, git_tree_entry_id(pe)) < 0)
			return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", pub);
		for (j = 0; j < git_tree_entrycount(ptree); j++) {
			const git_tree_entry *te = git_tree_entry_byindex(ptree, j);
			int type = hrdex_doctype_index(git_tree_entry_name(te));
			git_tree *ttree = NULL;

			if (type < 0 || git_tree_entry_type(te) != GIT_OBJECT_TREE)
				continue;
			if (git_tree_lookup(&ttree, s->repo, git_tree_entry_id(te)) < 0) {
				git_tree_free(ptree);
				return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s/%s'", pub,
						       hrdex_doctype_at(type)->name);
			}
			for (k = 0; k < git_tree_entrycount(ttree); k++) {
				const git_tree_entry *de = git_tree_entry_byindex(ttree, k);
				const char *name = git_tree_entry_name(de);
				size_t n = strlen(name);
				int r = 0;

				if (git_tree_entry_type(de) == GIT_OBJECT_BLOB && n > 5 && !strcmp(name + n - 5, ".json"))
					r = add_doc(s, &alloc, pub, type, name, git_tree_entry_id(de), 0);
				else if (git_tree_entry_type(de) == GIT_OBJECT_TREE && n > 6 &&
					 !strcmp(name + n - 6, ".files"))
					r = add_doc(s, &alloc, pub, type, name, git_tree_entry_id(de), 1);
				if (r < 0) {
					git_tree_free(ttree);
					git_tree_free(ptree);
					return -1;
				}
			}
			git_tree_free(ttree);
		}
		git_tree_free(ptree);
	}
	if (s->ndocs == 0)
		return 0;
	/* Sort by ref; a document's ".files" placeholder sorts right next to it
	 * (same refstr), so merge it in and drop it. */
	qsort(s->docs, s->ndocs, sizeof(*s->docs), cmp_doc);
	for (i = 0, out = 0; i < s->ndocs; i++) {
		struct sdoc *d = &s->docs[i];

		if (d->date) {                       /* a document */
			s->docs[out++] = *d;
			continue;
		}
		if (out > 0 && !strcmp(s->docs[out - 1].refstr, d->refstr))
			git_oid_cpy(&s->docs[out - 1].files_tree, &d->files_tree);
		else if (i + 1 < s->ndocs && s->docs[i + 1].date && !strcmp(s->docs[i + 1].refstr, d->refstr))
			git_oid_cpy(&s->docs[i + 1].files_tree, &d->files_tree);
		/* else: attachments without a document, not shown */
	}
	s->ndocs = out;
	return 0;
}

/* What lists need of d from its version-2 form (facts.h), the cache's rule:
 * the date it sorts by, and when it happens (events, visits). */
static int doc_facts(struct sdoc *d)
{
	struct hrdex_doc_facts f;

	if (hrdex_doc_upgrade(&d->v2, d->json, NULL) < 0) {
		/* accepted documents upgrade; else its facts as it is */
		if (hrdex_error_kind() != HRDEX_E_INVALID)
			return -1;
		hrdex_error_clear();
		if (!(d->v2 = cJSON_Duplicate(d->json, 1)))
			return hrdex_error_oom();
	}
	hrdex_facts_scalars(&f, d->v2);
	hrdex_fmt_cut(d->date_key, sizeof(d->date_key), "%s", f.date_precision ? f.date_first : d->date);
	d->start = d->end = NULL;
	if (!site_str_member(d->v2, "start") && !site_str_member(d->v2, "end"))
		return 0;
	d->start = f.start == f.start_buf ? memcpy(d->start_buf, f.start_buf, sizeof(d->start_buf)) : f.start;
	d->end = f.end == f.end_buf ? memcpy(d->end_buf, f.end_buf, sizeof(d->end_buf)) : f.end;
	return 0;
}

/* Parse every document and fill what lists need. */
static int load_docs(struct site *s)
{
	size_t i, j;

	for (i = 0; i < s->ndocs; i++) {
		struct sdoc *d = &s->docs[i];
		git_blob *blob = NULL;
		const cJSON *list, *e;

		d->date_key[0] = '\0';
		d->v2 = NULL;
		if (git_blob_lookup(&blob, s->repo, &d->blob) < 0)
			return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", d->refstr);
		if (hrdex_json_parse(&d->json, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), NULL) < 0) {
			hrdex_log_warn("site: '%s' does not parse, listed by ref only: %s", d->refstr,
				       hrdex_error_message());
			hrdex_error_clear();
			d->json = NULL;
		}
		git_blob_free(blob);
		if (!d->json || !cJSON_IsObject(d->json)) {
			cJSON_Delete(d->json);
			d->json = NULL;
			continue;
		}
		d->title = hrdex_langmap_pick(cJSON_GetObjectItemCaseSensitive(d->json, "title"), NULL);
		d->date = site_str_member(d->json, "date");
		if (!d->date)
			d->date = "";
		if (doc_facts(d) < 0)
			return -1;
		/* Attachments: the files the document lists and main holds. */
		list = cJSON_GetObjectItemCaseSensitive(d->json, "attachments");
		if (git_oid_is_zero(&d->files_tree) || !cJSON_IsArray(list))
			continue;
		{
			git_tree *files = NULL;
			int n = cJSON_GetArraySize(list);

			if (git_tree_lookup(&files, s->repo, &d->files_tree) < 0)
				return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read attachments of '%s'", d->refstr);
			d->atts = calloc((size_t)n + 1, sizeof(*d->atts));
			if (!d->atts) {
				git_tree_free(files);
				return hrdex_error_oom();
			}
			cJSON_ArrayForEach(e, list) {
				const char *name = site_str_member(e, "name");
				const git_tree_entry *fe = name ? git_tree_entry_byname(files, name) : NULL;
				struct att *a;

				/* Names are checked on acceptance; check again, they become paths. */
				if (!fe || git_tree_entry_type(fe) != GIT_OBJECT_BLOB ||
				    hrdex_name_safe(name, strlen(name)))
					continue;
				for (j = 0; j < d->natts; j++)
					if (!strcasecmp(d->atts[j].name, name))
						break;
				if (j < d->natts)
					continue;
				a = &d->atts[d->natts];
				a->name = strdup(name);
				a->file = att_file_name(name);
				if (!a->name || !a->file) {
					free(a->name);
					free(a->file);
					git_tree_free(files);
					return hrdex_error_oom();
				}
				git_oid_cpy(&a->blob, git_tree_entry_id(fe));
				d->natts++;
			}
			git_tree_free(files);
		}
	}
	return 0;
}

static int add_edge(struct site *s, size_t *alloc, size_t from, const char *ref, const char *rel)
{
	size_t to = ref ? site_find_doc(s, ref) : NONE;

	if (to == NONE || to == from)
		return 0;
	if (s->nedges == *alloc) {
		size_t more = *alloc ? *alloc * 2 : 256;
		struct edge *p = realloc(s->edges, more * sizeof(*p));

		if (!p)
			return hrdex_error_oom();
		s->edges = p;
		*alloc = more;
	}
	s->edges[s->nedges].from = from;
	s->edges[s->nedges].to = to;
	s->edges[s->nedges].rel = rel;
	s->nedges++;
	return 0;
}

static int cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

/* Links between documents present here: links[].ref, follow_up[].ref and a
 * visit's report; sorted by target so each page finds its back-references. */
static int build_edges(struct site *s)
{
	size_t alloc = 0, i, e;

	for (i = 0; i < s->ndocs; i++) {
		const cJSON *json = s->docs[i].json, *x;

		if (!json)
			continue;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(json, "links")) {
			const char *rel = site_str_member(x, "rel");

			if (add_edge(s, &alloc, i, site_str_member(x, "ref"), rel ? rel : "related") < 0)
				return -1;
		}
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(json, "follow_up"))
			if (add_edge(s, &alloc, i, site_str_member(x, "ref"), "follow-up") < 0)
				return -1;
		if (add_edge(s, &alloc, i, site_str_member(json, "report"), "report") < 0)
			return -1;
	}
	if (s->nedges)
		qsort(s->edges, s->nedges, sizeof(*s->edges), cmp_edge);
	s->back = calloc(s->ndocs + 1, sizeof(*s->back));
	if (!s->back)
		return hrdex_error_oom();
	for (i = 0, e = 0; i <= s->ndocs; i++) {
		while (e < s->nedges && s->edges[e].to < i)
			e++;
		s->back[i] = e;
	}
	return 0;
}

static int collect_publishers(struct site *s)
{
	size_t i;

	s->pubs = calloc(s->ndocs + 1, sizeof(*s->pubs));
	if (!s->pubs)
		return hrdex_error_oom();
	for (i = 0; i < s->ndocs; i++) {
		/* docs are sorted by ref, so a publisher's documents are together */
		if (s->npubs && !strcmp(s->pubs[s->npubs - 1], s->docs[i].ref.publisher))
			continue;
		if (!(s->pubs[s->npubs] = strdup(s->docs[i].ref.publisher)))
			return hrdex_error_oom();
		s->npubs++;
	}
	return 0;
}

/* What every page depends on besides its own inputs: the format, this
 * binary (so an upgraded hrdex re-renders everything once), the site title,
 * the publishers' display names and what the registry added (regext.h: type
 * labels, list entries' labels). */
static void compute_epoch(struct site *s)
{
	crypto_generichash_state st;
	struct hrdex_buf exe = HRDEX_BUF_INIT;
	size_t i;

	crypto_generichash_init(&st, NULL, 0, sizeof(s->epoch));
	crypto_generichash_update(&st, (const unsigned char *)SITE_FORMAT, sizeof(SITE_FORMAT));
	if (hrdex_fs_read(&exe, "/proc/self/exe", (size_t)512 << 20) == 0)
		crypto_generichash_update(&st, (const unsigned char *)exe.ptr, exe.len);
	else
		hrdex_error_clear();
	hrdex_buf_free(&exe);
	crypto_generichash_update(&st, (const unsigned char *)s->title, strlen(s->title) + 1);
	for (i = 0; i < s->npubs; i++) {
		const char *n = site_pub_name(s, s->pubs[i]);

		crypto_generichash_update(&st, (const unsigned char *)s->pubs[i], strlen(s->pubs[i]) + 1);
		crypto_generichash_update(&st, (const unsigned char *)n, strlen(n) + 1);
	}
	crypto_generichash_update(&st, (const unsigned char *)hrdex_regext_text(), strlen(hrdex_regext_text()) + 1);
	crypto_generichash_final(&st, s->epoch, sizeof(s->epoch));
}

/* Sorting index arrays. */
static const struct site *sort_site; /* qsort has no payload; builds are not concurrent in one process */

static int by_date_desc(const void *a, const void *b)
{
	const struct sdoc *x = &sort_site->docs[*(const size_t *)a], *y = &sort_site->docs[*(const size_t *)b];
	int r = strcmp(y->date_key, x->date_key);

	return r ? r : strcmp(x->refstr, y->refstr);
}

static int by_start(const void *a, const void *b)
{
	const struct sdoc *x = &sort_site->docs[*(const size_t *)a], *y = &sort_site->docs[*(const size_t *)b];
	int r = strncmp(x->start, y->start, 10);

	if (!r)
		r = strcmp(x->start, y->start);
	return r ? r : strcmp(x->refstr, y->refstr);
}

static void sort_idx(const struct site *s, size_t *idx, size_t n, int (*cmp)(const void *, const void *))
{
	sort_site = s;
	if (n > 1)
		qsort(idx, n, sizeof(*idx), cmp);
	sort_site = NULL;
}

void site_sort_by_date_desc(const struct site *s, size_t *idx, size_t n)
{
	sort_idx(s, idx, n, by_date_desc);
}

void site_sort_by_start(const struct site *s, size_t *idx, size_t n)
{
	sort_idx(s, idx, n, by_start);
}

int site_collect(struct site *s, const git_tree *top)
{
	if (collect(s, top) < 0 || load_docs(s) < 0 || build_edges(s) < 0 || collect_publishers(s) < 0)
		return -1;
	compute_epoch(s);
	return 0;
}
