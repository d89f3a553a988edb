/*
 * site.c - the static HTML site (see site.h).
 *
 * Data: main's tree, walked with libgit2.  Every document is parsed once per
 * build (the index pages, the search index and the back-references need all
 * of them); the cache is not needed, so the site is right even when the
 * cache lags, and back-references come from one sort of the links in memory.
 *
 * Cost of a rebuild, and atomicity.  OUT is a symlink to OUT.d/N.  A build
 * makes OUT.d/N+1 and, for every file, computes a key: for a document page
 * a hash of what the page shows (its blob, the blobs of the documents it
 * links to and of those linking to it, the display names, the site title and
 * this hrdex binary); for an attachment or a JSON copy its blob id; for the
 * pages that summarise everything (index, publisher, type, calendar, search
 * index) a hash of the rendered bytes.  When OUT.d/N.manifest records the
 * same key for the same path, the file is hard-linked from OUT.d/N instead of
 * being rendered and written, so a change to one document renders that page,
 * the pages that link to it or from it, and the summaries, and links the rest.
 * Files are never modified in place (a generation is never written after
 * the swap), which is what makes hard links safe.  When the new generation is
 * complete it is flushed (syncfs), a new symlink is renamed over OUT
 * (rename(2) is atomic: a reader sees the old site or the new one, never a
 * mix), and the old generation is removed.  A crash leaves OUT pointing at a
 * complete generation; the leftovers are removed by the next build.
 * Readers that resolve OUT per request (nginx, a browser on file://) follow
 * the swap; a server that chdir()s into OUT at start would not (README).
 *
 * Everything taken from a document is hostile: it goes through html.h
 * (hrdex_html_text, hrdex_html_url_ok, hrdex_js_string).  Paths are built
 * only from validated publisher ids, types, document ids and attachment
 * names.  Pages carry a Content-Security-Policy without inline script.
 */
#include "site.h"
#include "builtin.h"
#include "doc.h"
#include "error.h"
#include "fs.h"
#include "html.h"
#include "json.h"
#include "log.h"
#include "output.h"
#include "readme.h"
#include "repo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define SITE_FORMAT "hrdex-site-1"   /* part of every page key */
#define DEFAULT_TITLE "Human-rights document exchange"
#define LATEST 20                    /* documents on the home and publisher pages */
#define KEY_HEX 33                   /* 16-byte key as hex, with NUL */
#define NONE ((size_t)-1)

struct att {
	char *name;        /* as published */
	char *file;        /* its name in the site (see att_file_name) */
	git_oid blob;
};

struct sdoc {
	struct hrdex_ref ref;
	char refstr[HRDEX_REF_MAX + 1];
	git_oid blob;
	cJSON *json;               /* NULL when the blob does not parse: listed by id only */
	const cJSON *title;        /* the title shown in lists; ->string is its language */
	const char *date;          /* "" when none */
	const char *start, *end;   /* events and visits: when they happen; else NULL */
	int type;                  /* index in hrdex_doc_types */
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

/* ---- small helpers ---- */

static const char *str_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *pub_name(const struct site *s, const char *id)
{
	const char *n = hrdex_config_publisher_name(s->opts->config, id);

	return n ? n : id;
}

static void hex_key(char out[KEY_HEX], const unsigned char key[16])
{
	sodium_bin2hex(out, KEY_HEX, key, 16);
}

static int cmp_doc(const void *a, const void *b)
{
	return strcmp(((const struct sdoc *)a)->refstr, ((const struct sdoc *)b)->refstr);
}

static size_t find_doc(const struct site *s, const char *ref)
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

/* " lang="x" dir="y"" for a language tag, or " dir="auto"" when it is not
 * a well-formed tag. */
static int lang_attrs(struct hrdex_buf *b, const char *tag)
{
	if (!hrdex_html_lang_ok(tag))
		return hrdex_buf_puts(b, " dir=\"auto\"");
	return hrdex_buf_printf(b, " lang=\"%s\" dir=\"%s\"", tag, hrdex_html_dir(tag));
}

static int root(struct hrdex_buf *b, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		if (hrdex_buf_puts(b, "../") < 0)
			return -1;
	return 0;
}

/* href to a document page from a page at depth. */
static int doc_href(struct hrdex_buf *b, int depth, const struct hrdex_ref *r)
{
	return root(b, depth) < 0 ? -1 : hrdex_buf_printf(b, "%s/%s/%s.html", r->publisher, r->type, r->id);
}

/* A date or date-time as <time>: "2016-10-04" or "2016-10-04 10:00 (+02:00)". */
static int put_time(struct hrdex_buf *b, const char *when)
{
	size_t n = strlen(when);

	if (hrdex_buf_puts(b, "<time datetime=\"") < 0 || hrdex_html_text(b, when) < 0 ||
	    hrdex_buf_puts(b, "\">") < 0)
		return -1;
	if (n >= 16 && when[10] == 'T') {
		const char *zone = when + 19;

		while (*zone == '.' || (*zone >= '0' && *zone <= '9'))
			zone++;
		if (hrdex_html_textn(b, when, 10) < 0 || hrdex_buf_putc(b, ' ') < 0 ||
		    hrdex_html_textn(b, when + 11, 5) < 0)
			return -1;
		if (*zone && (hrdex_buf_puts(b, " (") < 0 ||
			      hrdex_html_text(b, !strcmp(zone, "Z") ? "UTC" : zone) < 0 ||
			      hrdex_buf_putc(b, ')') < 0))
			return -1;
	} else if (hrdex_html_text(b, when) < 0) {
		return -1;
	}
	return hrdex_buf_puts(b, "</time>");
}

/* "start – end", or start alone when they are the same day. */
static int put_span(struct hrdex_buf *b, const char *start, const char *end)
{
	if (!start)
		return 0;
	if (put_time(b, start) < 0)
		return -1;
	if (end && strcmp(end, start) && hrdex_buf_puts(b, " – ") < 0)
		return -1;
	if (end && strcmp(end, start) && put_time(b, end) < 0)
		return -1;
	return 0;
}

/* The title of d as a link from a page at depth. */
static int title_link(struct hrdex_buf *b, int depth, const struct sdoc *d)
{
	if (hrdex_buf_puts(b, "<a href=\"") < 0 || doc_href(b, depth, &d->ref) < 0 || hrdex_buf_putc(b, '"') < 0)
		return -1;
	if (d->title) {
		if (lang_attrs(b, d->title->string) < 0 || hrdex_buf_putc(b, '>') < 0 ||
		    hrdex_html_text(b, d->title->valuestring) < 0)
			return -1;
	} else if (hrdex_buf_putc(b, '>') < 0 || hrdex_html_text(b, d->refstr) < 0) {
		return -1;
	}
	return hrdex_buf_puts(b, "</a>");
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

static void site_free_docs(struct site *s)
{
	size_t i, j;

	for (i = 0; i < s->ndocs; i++) {
		for (j = 0; j < s->docs[i].natts; j++) {
			free(s->docs[i].atts[j].name);
			free(s->docs[i].atts[j].file);
		}
		free(s->docs[i].atts);
		cJSON_Delete(s->docs[i].json);
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
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		s->docs = p;
		*alloc = more;
	}
	d = &s->docs[s->ndocs++];
	memset(d, 0, sizeof(*d));
	snprintf(d->ref.publisher, sizeof(d->ref.publisher), "%s", pub);
	snprintf(d->ref.type, sizeof(d->ref.type), "%s", hrdex_doc_types[type]);
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
			return hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read '%s'", pub);
		for (j = 0; j < git_tree_entrycount(ptree); j++) {
			const git_tree_entry *te = git_tree_entry_byindex(ptree, j);
			int type = hrdex_type_index(git_tree_entry_name(te));
			git_tree *ttree = NULL;

			if (type < 0 || git_tree_entry_type(te) != GIT_OBJECT_TREE)
				continue;
			if (git_tree_lookup(&ttree, s->repo, git_tree_entry_id(te)) < 0) {
				git_tree_free(ptree);
				return hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read '%s/%s'", pub,
						       hrdex_doc_types[type]);
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

/* Parse every document and fill what lists need. */
static int load_docs(struct site *s)
{
	size_t i, j;

	for (i = 0; i < s->ndocs; i++) {
		struct sdoc *d = &s->docs[i];
		git_blob *blob = NULL;
		const cJSON *list, *e;

		if (git_blob_lookup(&blob, s->repo, &d->blob) < 0)
			return hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read '%s'", d->refstr);
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
		d->date = str_member(d->json, "date");
		if (!d->date)
			d->date = "";
		if (!strcmp(d->ref.type, "event")) {
			d->start = str_member(d->json, "start");
			d->end = str_member(d->json, "end");
		} else if (!strcmp(d->ref.type, "visit")) {
			const cJSON *dates = cJSON_GetObjectItemCaseSensitive(d->json, "dates");

			d->start = str_member(dates, "start");
			d->end = str_member(dates, "end");
		}
		/* Attachments: the files the document lists and main holds. */
		list = cJSON_GetObjectItemCaseSensitive(d->json, "attachments");
		if (git_oid_is_zero(&d->files_tree) || !cJSON_IsArray(list))
			continue;
		{
			git_tree *files = NULL;
			int n = cJSON_GetArraySize(list);

			if (git_tree_lookup(&files, s->repo, &d->files_tree) < 0)
				return hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read attachments of '%s'", d->refstr);
			d->atts = calloc((size_t)n + 1, sizeof(*d->atts));
			if (!d->atts) {
				git_tree_free(files);
				return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
			}
			cJSON_ArrayForEach(e, list) {
				const char *name = str_member(e, "name");
				const git_tree_entry *fe = name ? git_tree_entry_byname(files, name) : NULL;
				struct att *a;

				/* Names are checked on acceptance; check again, they become paths. */
				if (!fe || git_tree_entry_type(fe) != GIT_OBJECT_BLOB || !name[0] || name[0] == '.' ||
				    strchr(name, '/') || strlen(name) > 128)
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
					return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
	size_t to = ref ? find_doc(s, ref) : NONE;

	if (to == NONE || to == from)
		return 0;
	if (s->nedges == *alloc) {
		size_t more = *alloc ? *alloc * 2 : 256;
		struct edge *p = realloc(s->edges, more * sizeof(*p));

		if (!p)
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
			const char *rel = str_member(x, "rel");

			if (add_edge(s, &alloc, i, str_member(x, "ref"), rel ? rel : "related") < 0)
				return -1;
		}
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(json, "follow_up"))
			if (add_edge(s, &alloc, i, str_member(x, "ref"), "follow-up") < 0)
				return -1;
		if (add_edge(s, &alloc, i, str_member(json, "report"), "report") < 0)
			return -1;
	}
	if (s->nedges)
		qsort(s->edges, s->nedges, sizeof(*s->edges), cmp_edge);
	s->back = calloc(s->ndocs + 1, sizeof(*s->back));
	if (!s->back)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	for (i = 0; i < s->ndocs; i++) {
		/* docs are sorted by ref, so a publisher's documents are together */
		if (s->npubs && !strcmp(s->pubs[s->npubs - 1], s->docs[i].ref.publisher))
			continue;
		if (!(s->pubs[s->npubs] = strdup(s->docs[i].ref.publisher)))
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		s->npubs++;
	}
	return 0;
}

/* What every page depends on besides its own inputs: the format, this
 * binary (so an upgraded hrdex re-renders everything once), the site title
 * and the publishers' display names. */
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
		const char *n = pub_name(s, s->pubs[i]);

		crypto_generichash_update(&st, (const unsigned char *)s->pubs[i], strlen(s->pubs[i]) + 1);
		crypto_generichash_update(&st, (const unsigned char *)n, strlen(n) + 1);
	}
	crypto_generichash_final(&st, s->epoch, sizeof(s->epoch));
}

/* ---- output: generations, manifest, linking unchanged files ---- */

static int cmp_mentry(const void *a, const void *b)
{
	return strcmp(((const struct mentry *)a)->path, ((const struct mentry *)b)->path);
}

/* Read "KEY PATH" lines of the previous manifest; a missing one is empty. */
static int load_manifest(struct site *s, const char *path)
{
	char *p, *nl;
	size_t n = 0, alloc = 0;

	if (!hrdex_fs_exists(path))
		return 0;
	if (hrdex_fs_read(&s->old_text, path, (size_t)1 << 30) < 0)
		return -1;
	for (p = s->old_text.ptr; p && *p; p = nl + 1) {
		char *sp;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		sp = strchr(p, ' ');
		if (!sp || sp - p != KEY_HEX - 1)
			continue;
		*sp = '\0';
		if (n == alloc) {
			struct mentry *m = realloc(s->old, (alloc = alloc ? alloc * 2 : 1024) * sizeof(*m));

			if (!m)
				return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
			s->old = m;
		}
		s->old[n].key = p;
		s->old[n].path = sp + 1;
		n++;
	}
	s->nold = n;
	if (n)
		qsort(s->old, n, sizeof(*s->old), cmp_mentry);
	return 0;
}

static int record(struct site *s, const char *path, const char *key)
{
	return hrdex_buf_printf(&s->manifest, "%s %s\n", key, path);
}

/* mkdir -p the folder of path inside the new generation. */
static int make_parent(struct site *s, const char *full)
{
	const char *slash = strrchr(full, '/');
	size_t n = slash ? (size_t)(slash - full) : 0;

	if (!n || n >= sizeof(s->last_dir))
		return 0;
	if (strlen(s->last_dir) == n && !strncmp(s->last_dir, full, n))
		return 0;
	memcpy(s->last_dir, full, n);
	s->last_dir[n] = '\0';
	if (hrdex_fs_mkdirs(s->last_dir, 0755) < 0) {
		s->last_dir[0] = '\0';
		return -1;
	}
	return 0;
}

/* 1 when path had the same key in the previous build and was hard-linked
 * from it; 0 when it must be written. */
static int try_link(struct site *s, const char *path, const char *key)
{
	struct mentry want = { path, NULL }, *m;
	char from[PATH_MAX], to[PATH_MAX];

	if (!s->old_dir || !s->nold)
		return 0;
	m = bsearch(&want, s->old, s->nold, sizeof(*s->old), cmp_mentry);
	if (!m || strcmp(m->key, key))
		return 0;
	snprintf(from, sizeof(from), "%s/%s", s->old_dir, path);
	snprintf(to, sizeof(to), "%s/%s", s->gen_dir, path);
	if (make_parent(s, to) < 0)
		return -1;
	if (link(from, to) < 0)
		return 0; /* gone or another file system: write it */
	s->stats->linked++;
	return record(s, path, key) < 0 ? -1 : 1;
}

static int write_file(struct site *s, const char *path, const char *key, const void *data, size_t len)
{
	char full[PATH_MAX];
	const char *p = data;
	int fd;

	if ((size_t)snprintf(full, sizeof(full), "%s/%s", s->gen_dir, path) >= sizeof(full))
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "path too long: '%s'", path);
	if (make_parent(s, full) < 0)
		return -1;
	fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return hrdex_error_errno(HRDEX_EX_IOERR, "cannot create '%s'", full);
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			hrdex_error_errno(HRDEX_EX_IOERR, "cannot write '%s'", full);
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0)
		return hrdex_error_errno(HRDEX_EX_IOERR, "cannot write '%s'", full);
	s->stats->written++;
	return record(s, path, key);
}

/* Write rendered bytes under a key that is their own hash. */
static int emit_content(struct site *s, const char *path, const struct hrdex_buf *b)
{
	unsigned char key[16];
	char hex[KEY_HEX];
	int r;

	crypto_generichash(key, sizeof(key), (const unsigned char *)b->ptr, b->len, NULL, 0);
	hex_key(hex, key);
	r = try_link(s, path, hex);
	if (r != 0)
		return r < 0 ? -1 : 0;
	return write_file(s, path, hex, b->ptr, b->len);
}

/* Copy a blob (JSON source, attachment) unless the previous build has it. */
static int emit_blob(struct site *s, const char *path, const git_oid *id)
{
	git_blob *blob = NULL;
	char hex[KEY_HEX];
	int r;

	git_oid_tostr(hex, sizeof(hex), id); /* 32 hex digits of the id are key enough */
	r = try_link(s, path, hex);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (git_blob_lookup(&blob, s->repo, id) < 0)
		return hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read '%s'", path);
	r = write_file(s, path, hex, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return r;
}

/* ---- page frame ---- */

enum nav { NAV_NONE, NAV_HOME, NAV_CALENDAR, NAV_SEARCH };

static int page_begin(struct site *s, struct hrdex_buf *b, int depth, const char *title, enum nav nav)
{
	static const char *const items[][2] = { { "index.html", "Home" },
						{ "calendar.html", "Calendar" },
						{ "search.html", "Search" } };
	size_t i;

	hrdex_buf_clear(b);
	if (hrdex_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">\n<head>\n"
			   "<meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; "
			   "script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
			   "base-uri 'none'; form-action 'self'\">\n"
			   "<meta name=\"referrer\" content=\"no-referrer\">\n<title>") < 0 ||
	    hrdex_html_text(b, title) < 0 ||
	    (strcmp(title, s->title) && (hrdex_buf_puts(b, " – ") < 0 || hrdex_html_text(b, s->title) < 0)) ||
	    hrdex_buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"") < 0 || root(b, depth) < 0 ||
	    hrdex_buf_puts(b, "style.css\">\n<script src=\"") < 0 || root(b, depth) < 0 ||
	    hrdex_buf_puts(b, "hrdex.js\" defer></script>\n</head>\n<body>\n"
			   "<a class=\"skip\" href=\"#main\">Skip to main content</a>\n"
			   "<header class=\"site\"><div class=\"bar\">\n<p class=\"brand\"><a href=\"") < 0 ||
	    root(b, depth) < 0 || hrdex_buf_puts(b, "index.html\">") < 0 || hrdex_html_text(b, s->title) < 0 ||
	    hrdex_buf_puts(b, "</a></p>\n<nav aria-label=\"Site\"><ul>") < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (hrdex_buf_puts(b, "<li><a href=\"") < 0 || root(b, depth) < 0 ||
		    hrdex_buf_printf(b, "%s\"%s>%s</a></li>", items[i][0],
				     (int)nav == (int)i + 1 ? " aria-current=\"page\"" : "", items[i][1]) < 0)
			return -1;
	if (hrdex_buf_puts(b, "</ul></nav>\n") < 0)
		return -1;
	if (nav != NAV_SEARCH &&
	    (hrdex_buf_puts(b, "<form class=\"search\" role=\"search\" method=\"get\" action=\"") < 0 ||
	     root(b, depth) < 0 ||
	     hrdex_buf_puts(b, "search.html\"><label for=\"site-q\">Search documents</label> "
			    "<input id=\"site-q\" name=\"q\" type=\"search\"> "
			    "<button type=\"submit\">Search</button></form>\n") < 0))
		return -1;
	return hrdex_buf_puts(b, "</div></header>\n<main id=\"main\" tabindex=\"-1\">\n");
}

/* with_build: name main's commit (the home page only, so that no other
 * page changes with every commit). */
static int page_end(struct site *s, struct hrdex_buf *b, int with_build)
{
	if (hrdex_buf_puts(b, "</main>\n<footer><p>Published with hrdex, the human-rights document exchange. "
			   "Every document is signed by its publisher.") < 0)
		return -1;
	if (with_build && s->main_hex[0]) {
		time_t t = (time_t)s->main_time;
		struct tm tm;
		char date[32];

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (hrdex_buf_printf(b, " Built from <code>main</code> at commit <code>%.12s</code> of "
				     "<time datetime=\"%s\">%.10s</time>.", s->main_hex, date, date) < 0)
			return -1;
	}
	return hrdex_buf_puts(b, "</p></footer>\n</body>\n</html>\n");
}

/* ---- lists of documents ---- */

enum { COL_TYPE = 1, COL_PUB = 2, COL_WHEN = 4 };

static int doc_table(struct site *s, struct hrdex_buf *b, int depth, const size_t *idx, size_t n,
		     const char *caption, unsigned cols)
{
	size_t i;

	if (n == 0)
		return hrdex_buf_puts(b, "<p class=\"empty\">None.</p>\n");
	if (hrdex_buf_puts(b, "<table>\n<caption>") < 0 || hrdex_html_text(b, caption) < 0 ||
	    hrdex_buf_printf(b, "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">Title</th>%s%s"
			     "</tr></thead>\n<tbody>\n", cols & COL_WHEN ? "When" : "Date",
			     cols & COL_TYPE ? "<th scope=\"col\">Type</th>" : "",
			     cols & COL_PUB ? "<th scope=\"col\">Publisher</th>" : "") < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct sdoc *d = &s->docs[idx[i]];

		if (hrdex_buf_puts(b, "<tr><td>") < 0)
			return -1;
		if ((cols & COL_WHEN) && d->start ? put_span(b, d->start, d->end) < 0
						  : (d->date[0] && put_time(b, d->date) < 0))
			return -1;
		if (hrdex_buf_puts(b, "</td><td>") < 0 || title_link(b, depth, d) < 0 ||
		    hrdex_buf_puts(b, "</td>") < 0)
			return -1;
		if ((cols & COL_TYPE) &&
		    hrdex_buf_printf(b, "<td>%s</td>", hrdex_type_label(d->ref.type, 0)) < 0)
			return -1;
		if ((cols & COL_PUB) &&
		    (hrdex_buf_puts(b, "<td><a href=\"") < 0 || root(b, depth) < 0 ||
		     hrdex_buf_printf(b, "%s/index.html\">", d->ref.publisher) < 0 ||
		     hrdex_html_text(b, pub_name(s, d->ref.publisher)) < 0 || hrdex_buf_puts(b, "</a></td>") < 0))
			return -1;
		if (hrdex_buf_puts(b, "</tr>\n") < 0)
			return -1;
	}
	return hrdex_buf_puts(b, "</tbody>\n</table>\n");
}

/* Sorting index arrays. */
static const struct site *sort_site; /* qsort has no payload; builds are not concurrent in one process */

static int by_date_desc(const void *a, const void *b)
{
	const struct sdoc *x = &sort_site->docs[*(const size_t *)a], *y = &sort_site->docs[*(const size_t *)b];
	int r = strcmp(y->date, x->date);

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

/* ---- document pages ---- */

static const char *const field_order[] = {
	"kind", "status", "start", "end", "dates", "place", "country", "countries", "mandate", "body",
	"mechanism", "mechanisms", "addressee", "case", "number", "symbol", "session", "states", "outcome",
	"instruments", "text", "description", "results", "lessons", "groups", "sdg_targets", "follow_up",
	"programme", "period", "organisers", "area", "contacts", "report", "themes", "languages", "url", NULL,
};

/* Shown elsewhere on the page, or in the heading. */
static int field_special(const char *key)
{
	static const char *const special[] = { "id", "type", "publisher", "title", "summary", "date",
					       "links", "attachments", NULL };
	size_t i;

	for (i = 0; special[i]; i++)
		if (!strcmp(key, special[i]))
			return 1;
	return 0;
}

static int put_label(struct hrdex_buf *b, const char *key)
{
	static const char *const labels[][2] = {
		{ "sdg_targets", "SDG targets" }, { "follow_up", "Follow-up" }, { "url", "Full text" },
		{ "media_type", "Media type" },   { "sha256", "SHA-256" },      { "mandate", "Mandate" },
		{ "organisers", "Organisers" },   { "programme", "Programme" },  { "dates", "Dates" },
		{ "ref", "Document" },            { "country", "Country" },
	};
	size_t i;
	const char *p;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcmp(key, labels[i][0]))
			return hrdex_buf_puts(b, labels[i][1]);
	/* Otherwise "some_key" -> "Some key", escaped: keys of unknown fields
	 * come from the document too. */
	for (p = key; *p; p++) {
		char c = *p == '_' ? ' ' : *p;

		if (p == key && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (hrdex_html_textn(b, &c, 1) < 0)
			return -1;
	}
	return 0;
}

static int is_langmap(const char *key, const cJSON *v)
{
	static const char *const known[] = { "title", "summary", "text", "description", "results", "lessons",
					     "activity", "note", "body", "name", NULL };
	const cJSON *e;
	size_t i;
	int known_key = 0;

	if (!cJSON_IsObject(v) || !v->child)
		return 0;
	for (i = 0; key && known[i]; i++)
		known_key |= !strcmp(key, known[i]);
	cJSON_ArrayForEach(e, v) {
		const char *k = e->string;
		size_t plen = strspn(k, "abcdefghijklmnopqrstuvwxyz");

		if (!cJSON_IsString(e) || !hrdex_html_lang_ok(k))
			return 0;
		/* Without a known name, require the schema's form of a tag and
		 * leave out names such as {"from", "to"} */
		if (!known_key && (plen < 2 || plen > 3 || (k[plen] && k[plen] != '-') || !strcmp(k, "to")))
			return 0;
	}
	return 1;
}

static int put_langmap(struct hrdex_buf *b, const char *field, const cJSON *map)
{
	const cJSON *e;
	int order = 0;

	if (hrdex_buf_puts(b, "<div class=\"lm\"") < 0 ||
	    (field && !strcmp(field, "title") && hrdex_buf_puts(b, " data-field=\"title\"") < 0) ||
	    hrdex_buf_puts(b, ">\n") < 0)
		return -1;
	cJSON_ArrayForEach(e, map) {
		const char *name = hrdex_lang_name(e->string);
		int tag_ok = hrdex_html_lang_ok(e->string);

		if (hrdex_buf_printf(b, "<div class=\"lm-e\" data-order=\"%d\"", order++) < 0 ||
		    (tag_ok && hrdex_buf_printf(b, " data-lang=\"%s\"", e->string) < 0) ||
		    hrdex_buf_puts(b, "><span class=\"lm-tag\">") < 0 ||
		    hrdex_html_text(b, name ? name : e->string) < 0 ||
		    hrdex_buf_puts(b, "</span> <p class=\"lm-t\"") < 0 || lang_attrs(b, e->string) < 0 ||
		    hrdex_buf_putc(b, '>') < 0 || hrdex_html_text(b, e->valuestring) < 0 ||
		    hrdex_buf_puts(b, "</p></div>\n") < 0)
			return -1;
	}
	return hrdex_buf_puts(b, "</div>");
}

static int looks_like_date(const char *v)
{
	size_t i;

	for (i = 0; i < 10; i++) {
		char c = v[i];

		if (i == 4 || i == 7 ? c != '-' : !(c >= '0' && c <= '9'))
			return 0;
	}
	return v[10] == '\0' || v[10] == 'T';
}

/* A slug for people: "part-of" -> "part of". */
static int put_slug(struct hrdex_buf *b, const char *slug)
{
	const char *p;

	for (p = slug; *p; p++) {
		char c = *p == '-' ? ' ' : *p;

		if (hrdex_html_textn(b, &c, 1) < 0)
			return -1;
	}
	return 0;
}

/* A reference to a document: a link to its page when it is here. */
static int put_ref(struct site *s, struct hrdex_buf *b, int depth, const char *ref)
{
	size_t t = find_doc(s, ref);

	if (t == NONE)
		return hrdex_buf_puts(b, "<code>") < 0 || hrdex_html_text(b, ref) < 0 ||
		       hrdex_buf_puts(b, "</code> <span class=\"note\">(not in this repository)</span>") < 0 ? -1 : 0;
	if (title_link(b, depth, &s->docs[t]) < 0 || hrdex_buf_puts(b, " <code>") < 0 ||
	    hrdex_html_text(b, ref) < 0 || hrdex_buf_puts(b, "</code>") < 0)
		return -1;
	return 0;
}

static int put_external(struct hrdex_buf *b, const char *url)
{
	if (!hrdex_html_url_ok(url))
		return hrdex_buf_puts(b, "<code>") < 0 || hrdex_html_text(b, url) < 0 ||
		       hrdex_buf_puts(b, "</code>") < 0 ? -1 : 0;
	if (hrdex_buf_puts(b, "<a href=\"") < 0 || hrdex_html_text(b, url) < 0 ||
	    hrdex_buf_puts(b, "\" rel=\"noopener noreferrer nofollow\">") < 0 || hrdex_html_text(b, url) < 0 ||
	    hrdex_buf_puts(b, "</a>") < 0)
		return -1;
	return 0;
}

static int put_value(struct site *s, struct hrdex_buf *b, int depth, const char *key, const cJSON *v);

static int put_object(struct site *s, struct hrdex_buf *b, int depth, const cJSON *obj)
{
	const cJSON *e;

	if (hrdex_buf_puts(b, "<dl class=\"sub\">") < 0)
		return -1;
	cJSON_ArrayForEach(e, obj) {
		if (hrdex_buf_puts(b, "<dt>") < 0 || put_label(b, e->string) < 0 || hrdex_buf_puts(b, "</dt><dd>") < 0 ||
		    put_value(s, b, depth, e->string, e) < 0 || hrdex_buf_puts(b, "</dd>") < 0)
			return -1;
	}
	return hrdex_buf_puts(b, "</dl>");
}

/* Any JSON value, readably: language maps with their languages, refs and
 * URLs as links, dates as <time>, lists and objects nested. */
static int put_value(struct site *s, struct hrdex_buf *b, int depth, const char *key, const cJSON *v)
{
	const cJSON *e;
	int scalars = 1;

	if (cJSON_IsString(v)) {
		const char *x = v->valuestring;
		struct hrdex_ref r;

		if (key && (!strcmp(key, "ref") || !strcmp(key, "report")) && hrdex_ref_parse(&r, x) == 0) {
			hrdex_error_clear();
			return put_ref(s, b, depth, x);
		}
		hrdex_error_clear();
		if (!strncasecmp(x, "http://", 7) || !strncasecmp(x, "https://", 8))
			return put_external(b, x);
		if (looks_like_date(x))
			return put_time(b, x);
		if (key && !strcmp(key, "languages") && hrdex_lang_name(x))
			return hrdex_buf_printf(b, "<abbr title=\"%s\">%s</abbr>", x, hrdex_lang_name(x));
		if (key && !strcmp(key, "email") && !strchr(x, '"') && strchr(x, '@'))
			return hrdex_buf_puts(b, "<a href=\"mailto:") < 0 || hrdex_html_text(b, x) < 0 ||
			       hrdex_buf_puts(b, "\">") < 0 || hrdex_html_text(b, x) < 0 ||
			       hrdex_buf_puts(b, "</a>") < 0 ? -1 : 0;
		return hrdex_buf_puts(b, "<bdi>") < 0 || hrdex_html_text(b, x) < 0 ||
		       hrdex_buf_puts(b, "</bdi>") < 0 ? -1 : 0;
	}
	if (cJSON_IsBool(v))
		return hrdex_buf_puts(b, cJSON_IsTrue(v) ? "yes" : "no");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == (double)(long long)d && d > -9e15 && d < 9e15)
			return hrdex_buf_printf(b, "%lld", (long long)d);
		return hrdex_buf_printf(b, "%.17g", d);
	}
	if (cJSON_IsNull(v))
		return hrdex_buf_puts(b, "–");
	if (cJSON_IsObject(v)) {
		if (is_langmap(key, v))
			return put_langmap(b, key, v);
		return put_object(s, b, depth, v);
	}
	if (!cJSON_IsArray(v))
		return 0;
	cJSON_ArrayForEach(e, v)
		scalars &= !cJSON_IsObject(e) && !cJSON_IsArray(e);
	if (hrdex_buf_puts(b, scalars ? "<ul class=\"inline\">" : "<ol class=\"items\">") < 0)
		return -1;
	cJSON_ArrayForEach(e, v)
		if (hrdex_buf_puts(b, "<li>") < 0 || put_value(s, b, depth, key, e) < 0 || hrdex_buf_puts(b, "</li>") < 0)
			return -1;
	return hrdex_buf_puts(b, scalars ? "</ul>" : "</ol>");
}

static int put_field(struct site *s, struct hrdex_buf *b, int depth, const char *key, const cJSON *v)
{
	if (hrdex_buf_puts(b, "<dt>") < 0 || put_label(b, key) < 0 || hrdex_buf_puts(b, "</dt>\n<dd>") < 0 ||
	    put_value(s, b, depth, key, v) < 0 || hrdex_buf_puts(b, "</dd>\n") < 0)
		return -1;
	return 0;
}

static int put_size(struct hrdex_buf *b, double bytes)
{
	if (bytes < 1024)
		return hrdex_buf_printf(b, "%.0f bytes", bytes);
	if (bytes < 1024 * 1024)
		return hrdex_buf_printf(b, "%.1f KiB", bytes / 1024);
	return hrdex_buf_printf(b, "%.1f MiB", bytes / (1024 * 1024));
}

/* The page key of docs[i]: everything the page shows. */
static void doc_key(struct site *s, size_t i, char hex[KEY_HEX])
{
	const struct sdoc *d = &s->docs[i];
	crypto_generichash_state st;
	unsigned char key[16];
	const cJSON *x;
	size_t e, a;

	crypto_generichash_init(&st, NULL, 0, sizeof(key));
	crypto_generichash_update(&st, s->epoch, sizeof(s->epoch));
	crypto_generichash_update(&st, d->blob.id, GIT_OID_RAWSZ);
	/* the documents it names (their titles show) */
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(d->json, "links");

	cJSON_ArrayForEach(x, links) {
		const char *ref = str_member(x, "ref");
		size_t t = ref ? find_doc(s, ref) : NONE;

		if (t != NONE)
			crypto_generichash_update(&st, s->docs[t].blob.id, GIT_OID_RAWSZ);
		else
			crypto_generichash_update(&st, (const unsigned char *)"-", 1);
	}
	for (e = 0; e < s->nedges; e++) /* outgoing edges from follow_up and report too */
		if (s->edges[e].from == i)
			crypto_generichash_update(&st, s->docs[s->edges[e].to].blob.id, GIT_OID_RAWSZ);
	/* the documents naming it */
	for (e = s->back[i]; e < s->back[i + 1]; e++) {
		crypto_generichash_update(&st, s->docs[s->edges[e].from].blob.id, GIT_OID_RAWSZ);
		crypto_generichash_update(&st, (const unsigned char *)s->edges[e].rel, strlen(s->edges[e].rel) + 1);
	}
	for (a = 0; a < d->natts; a++)
		crypto_generichash_update(&st, d->atts[a].blob.id, GIT_OID_RAWSZ);
	crypto_generichash_final(&st, key, sizeof(key));
	hex_key(hex, key);
}

static int render_doc(struct site *s, struct hrdex_buf *b, size_t i)
{
	const struct sdoc *d = &s->docs[i];
	const cJSON *json = d->json, *x, *title_map, *links, *atts;
	const char *name = pub_name(s, d->ref.publisher);
	char plain[HRDEX_REF_MAX + 8];
	size_t k, e;
	int depth = 2;

	title_map = cJSON_GetObjectItemCaseSensitive(json, "title");
	if (page_begin(s, b, depth, d->title ? d->title->valuestring : d->refstr, NAV_NONE) < 0)
		return -1;
	/* breadcrumbs */
	if (hrdex_buf_puts(b, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"../../index.html\">"
			   "Home</a></li><li><a href=\"../index.html\">") < 0 ||
	    hrdex_html_text(b, name) < 0 ||
	    hrdex_buf_printf(b, "</a></li><li><a href=\"../%s.html\">%s</a></li><li aria-current=\"page\">"
			     "<code>%s</code></li></ol></nav>\n<article>\n", d->ref.type,
			     hrdex_type_label(d->ref.type, 1), d->ref.id) < 0)
		return -1;
	/* heading: one title; every language is listed under Details */
	if (hrdex_buf_puts(b, "<h1") < 0)
		return -1;
	if (d->title) {
		if (lang_attrs(b, d->title->string) < 0 ||
		    (hrdex_html_lang_ok(d->title->string) &&
		     hrdex_buf_printf(b, " data-lm=\"%s\"", d->title->string) < 0) ||
		    hrdex_buf_putc(b, '>') < 0 || hrdex_html_text(b, d->title->valuestring) < 0)
			return -1;
	} else if (hrdex_buf_putc(b, '>') < 0 || hrdex_html_text(b, d->refstr) < 0) {
		return -1;
	}
	if (hrdex_buf_printf(b, "</h1>\n<p class=\"meta\">%s · <a href=\"../index.html\">", hrdex_type_label(d->ref.type, 0)) < 0 ||
	    hrdex_html_text(b, name) < 0 || hrdex_buf_puts(b, "</a>") < 0 ||
	    (d->date[0] && (hrdex_buf_puts(b, " · ") < 0 || put_time(b, d->date) < 0)) ||
	    hrdex_buf_printf(b, " · <code>%s</code></p>\n", d->refstr) < 0)
		return -1;
	if (!json) {
		if (hrdex_buf_puts(b, "<p>This document could not be read; see its source below.</p>\n") < 0)
			return -1;
	} else {
		/* the language picker lists this page's languages (hrdex.js shows it) */
		const cJSON *summary = cJSON_GetObjectItemCaseSensitive(json, "summary");

		if (cJSON_GetArraySize(title_map) > 1) {
			if (hrdex_buf_puts(b, "<p id=\"lang-box\" class=\"langpick\" hidden><label for=\"lang-pick\">"
					   "Language shown first</label> <select id=\"lang-pick\">"
					   "<option value=\"\">As published</option>") < 0)
				return -1;
			cJSON_ArrayForEach(x, title_map) {
				const char *auto_name = hrdex_lang_autonym(x->string), *en = hrdex_lang_name(x->string);

				if (!hrdex_html_lang_ok(x->string))
					continue;
				if (hrdex_buf_printf(b, "<option value=\"%s\">", x->string) < 0 ||
				    hrdex_html_text(b, en ? en : x->string) < 0 ||
				    (auto_name && en && strcmp(auto_name, en) &&
				     (hrdex_buf_puts(b, " – ") < 0 || hrdex_html_text(b, auto_name) < 0)) ||
				    hrdex_buf_puts(b, "</option>") < 0)
					return -1;
			}
			if (hrdex_buf_puts(b, "</select></p>\n") < 0)
				return -1;
		}
		if (hrdex_buf_puts(b, "<h2 id=\"details\">Details</h2>\n<dl class=\"fields\">\n") < 0 ||
		    (cJSON_IsObject(title_map) && put_field(s, b, depth, "title", title_map) < 0) ||
		    (summary && put_field(s, b, depth, "summary", summary) < 0) ||
		    (d->date[0] && put_field(s, b, depth, "date", cJSON_GetObjectItemCaseSensitive(json, "date")) < 0))
			return -1;
		for (k = 0; field_order[k]; k++) {
			x = cJSON_GetObjectItemCaseSensitive(json, field_order[k]);
			if (x && put_field(s, b, depth, field_order[k], x) < 0)
				return -1;
		}
		cJSON_ArrayForEach(x, json) {
			size_t j;
			int listed = field_special(x->string);

			for (j = 0; !listed && field_order[j]; j++)
				listed = !strcmp(x->string, field_order[j]);
			if (!listed && put_field(s, b, depth, x->string, x) < 0)
				return -1;
		}
		if (hrdex_buf_puts(b, "</dl>\n") < 0)
			return -1;
		links = cJSON_GetObjectItemCaseSensitive(json, "links");
		if (cJSON_GetArraySize(links) > 0) {
			if (hrdex_buf_puts(b, "<h2 id=\"links\">Links</h2>\n<ul class=\"docs\">\n") < 0)
				return -1;
			cJSON_ArrayForEach(x, links) {
				const char *rel = str_member(x, "rel"), *ref = str_member(x, "ref"),
					   *url = str_member(x, "url");

				if (hrdex_buf_puts(b, "<li><span class=\"rel\">") < 0 ||
				    put_slug(b, rel ? rel : "related") < 0 || hrdex_buf_puts(b, "</span>: ") < 0 ||
				    (ref ? put_ref(s, b, depth, ref) : url ? put_external(b, url) : 0) < 0 ||
				    hrdex_buf_puts(b, "</li>\n") < 0)
					return -1;
			}
			if (hrdex_buf_puts(b, "</ul>\n") < 0)
				return -1;
		}
	}
	if (s->back[i] < s->back[i + 1]) {
		if (hrdex_buf_puts(b, "<h2 id=\"referred\">Referred to by</h2>\n<ul class=\"docs\">\n") < 0)
			return -1;
		for (e = s->back[i]; e < s->back[i + 1]; e++) {
			const struct sdoc *f = &s->docs[s->edges[e].from];

			if (hrdex_buf_puts(b, "<li>") < 0 || title_link(b, depth, f) < 0 ||
			    hrdex_buf_puts(b, " <span class=\"meta\">(") < 0 ||
			    hrdex_buf_printf(b, "%s, ", hrdex_type_label(f->ref.type, 0)) < 0 ||
			    hrdex_html_text(b, pub_name(s, f->ref.publisher)) < 0 || hrdex_buf_puts(b, "; <span class=\"rel\">") < 0 ||
			    put_slug(b, s->edges[e].rel) < 0 || hrdex_buf_puts(b, "</span>)</span></li>\n") < 0)
				return -1;
		}
		if (hrdex_buf_puts(b, "</ul>\n") < 0)
			return -1;
	}
	atts = json ? cJSON_GetObjectItemCaseSensitive(json, "attachments") : NULL;
	if (cJSON_GetArraySize(atts) > 0) {
		if (hrdex_buf_puts(b, "<h2 id=\"attachments\">Attachments</h2>\n<table>\n<caption>Files published with "
				   "this document</caption>\n<thead><tr><th scope=\"col\">File</th><th scope=\"col\">Type"
				   "</th><th scope=\"col\" class=\"num\">Size</th><th scope=\"col\">SHA-256</th></tr>"
				   "</thead>\n<tbody>\n") < 0)
			return -1;
		cJSON_ArrayForEach(x, atts) {
			const char *an = str_member(x, "name"), *mt = str_member(x, "media_type"),
				   *sum = str_member(x, "sha256");
			const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(x, "bytes");
			const struct att *a = NULL;

			for (k = 0; an && k < d->natts; k++)
				if (!strcmp(d->atts[k].name, an))
					a = &d->atts[k];
			if (hrdex_buf_puts(b, "<tr><th scope=\"row\">") < 0)
				return -1;
			if (a) {
				if (hrdex_buf_printf(b, "<a href=\"%s.files/", d->ref.id) < 0 ||
				    hrdex_html_text(b, a->file) < 0 || hrdex_buf_puts(b, "\" download=\"") < 0 ||
				    hrdex_html_text(b, a->name) < 0 || hrdex_buf_puts(b, "\">") < 0 ||
				    hrdex_html_text(b, a->name) < 0 || hrdex_buf_puts(b, "</a>") < 0)
					return -1;
			} else if (hrdex_html_text(b, an ? an : "?") < 0 ||
				   hrdex_buf_puts(b, " <span class=\"note\">(file missing)</span>") < 0) {
				return -1;
			}
			if (hrdex_buf_puts(b, "</th><td>") < 0 || hrdex_html_text(b, mt ? mt : "") < 0 ||
			    hrdex_buf_puts(b, "</td><td class=\"num\">") < 0 ||
			    (cJSON_IsNumber(bytes) && put_size(b, bytes->valuedouble) < 0) ||
			    hrdex_buf_puts(b, "</td><td><code>") < 0 || hrdex_html_text(b, sum ? sum : "") < 0 ||
			    hrdex_buf_puts(b, "</code></td></tr>\n") < 0)
				return -1;
		}
		if (hrdex_buf_puts(b, "</tbody>\n</table>\n") < 0)
			return -1;
	}
	snprintf(plain, sizeof(plain), "%s.json", d->ref.id);
	if (hrdex_buf_printf(b, "<h2 id=\"source\">Source</h2>\n<p><a href=\"%s\">%s</a>: the document as its "
			     "publisher signed it (JSON). Its ref is <code>%s</code>.</p>\n</article>\n",
			     plain, plain, d->refstr) < 0)
		return -1;
	return page_end(s, b, 0);
}

static int emit_doc(struct site *s, size_t i)
{
	const struct sdoc *d = &s->docs[i];
	char path[HRDEX_REF_MAX + 300], hex[KEY_HEX];
	size_t a;
	int r;

	snprintf(path, sizeof(path), "%s/%s/%s.html", d->ref.publisher, d->ref.type, d->ref.id);
	doc_key(s, i, hex);
	r = try_link(s, path, hex);
	if (r < 0)
		return -1;
	if (r == 0 && (render_doc(s, &s->page, i) < 0 || write_file(s, path, hex, s->page.ptr, s->page.len) < 0))
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s.json", d->ref.publisher, d->ref.type, d->ref.id);
	if (emit_blob(s, path, &d->blob) < 0)
		return -1;
	for (a = 0; a < d->natts; a++) {
		snprintf(path, sizeof(path), "%s/%s/%s.files/%s", d->ref.publisher, d->ref.type, d->ref.id,
			 d->atts[a].file);
		if (emit_blob(s, path, &d->atts[a].blob) < 0)
			return -1;
	}
	return 0;
}

/* ---- summary pages ---- */

static size_t *all_idx(const struct site *s)
{
	size_t *idx = calloc(s->ndocs + 1, sizeof(*idx)), i;

	for (i = 0; idx && i < s->ndocs; i++)
		idx[i] = i;
	return idx;
}

static int counts_row(struct site *s, struct hrdex_buf *b, const char *pub, size_t *total_out)
{
	size_t counts[HRDEX_NTYPES] = { 0 }, i, total = 0;
	int t;

	for (i = 0; i < s->ndocs; i++)
		if (!strcmp(s->docs[i].ref.publisher, pub)) {
			counts[s->docs[i].type]++;
			total++;
		}
	for (t = 0; t < HRDEX_NTYPES; t++) {
		if (counts[t] == 0) {
			if (hrdex_buf_puts(b, "<td class=\"num\">0</td>") < 0)
				return -1;
		} else if (hrdex_buf_printf(b, "<td class=\"num\"><a href=\"%s/%s.html\">%zu</a></td>", pub,
					    hrdex_doc_types[t], counts[t]) < 0) {
			return -1;
		}
	}
	*total_out = total;
	return hrdex_buf_printf(b, "<td class=\"num\">%zu</td>", total);
}

static int emit_home(struct site *s)
{
	struct hrdex_buf *b = &s->page;
	size_t *idx = all_idx(s), *up = NULL, nup = 0, i, total;
	int t, ret = -1;

	if (!idx)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	up = calloc(s->ndocs + 1, sizeof(*up));
	if (!up) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto cleanup;
	}
	if (page_begin(s, b, 0, s->title, NAV_HOME) < 0 || hrdex_buf_puts(b, "<h1>") < 0 ||
	    hrdex_html_text(b, s->title) < 0 ||
	    hrdex_buf_printf(b, "</h1>\n<p class=\"lead\">Decisions, recommendations, reports, calendars of "
			     "activities, programmes of visits and good practices exchanged between UN and "
			     "regional human-rights mechanisms: %zu document%s from %zu publisher%s.</p>\n",
			     s->ndocs, s->ndocs == 1 ? "" : "s", s->npubs, s->npubs == 1 ? "" : "s") < 0)
		goto cleanup;
	/* publishers */
	if (hrdex_buf_puts(b, "<h2 id=\"publishers\">Publishers</h2>\n") < 0)
		goto cleanup;
	if (s->npubs == 0) {
		if (hrdex_buf_puts(b, "<p class=\"empty\">No documents yet.</p>\n") < 0)
			goto cleanup;
	} else {
		if (hrdex_buf_puts(b, "<table>\n<caption>Documents by publisher and type</caption>\n<thead><tr>"
				   "<th scope=\"col\">Publisher</th>") < 0)
			goto cleanup;
		for (t = 0; t < HRDEX_NTYPES; t++)
			if (hrdex_buf_printf(b, "<th scope=\"col\" class=\"num\">%s</th>", hrdex_type_label(hrdex_doc_types[t], 1)) < 0)
				goto cleanup;
		if (hrdex_buf_puts(b, "<th scope=\"col\" class=\"num\">All</th></tr></thead>\n<tbody>\n") < 0)
			goto cleanup;
		for (i = 0; i < s->npubs; i++) {
			const char *name = pub_name(s, s->pubs[i]);

			if (hrdex_buf_printf(b, "<tr><th scope=\"row\"><a href=\"%s/index.html\">", s->pubs[i]) < 0 ||
			    hrdex_html_text(b, name) < 0 || hrdex_buf_puts(b, "</a>") < 0 ||
			    (strcmp(name, s->pubs[i]) &&
			     hrdex_buf_printf(b, " <span class=\"id\">(%s)</span>", s->pubs[i]) < 0) ||
			    hrdex_buf_puts(b, "</th>") < 0 || counts_row(s, b, s->pubs[i], &total) < 0 ||
			    hrdex_buf_puts(b, "</tr>\n") < 0)
				goto cleanup;
		}
		if (hrdex_buf_puts(b, "</tbody>\n</table>\n") < 0)
			goto cleanup;
	}
	/* upcoming events and visits: not over before today */
	for (i = 0; i < s->ndocs; i++) {
		const struct sdoc *d = &s->docs[i];
		const char *last = d->end ? d->end : d->start;

		if (d->start && strncmp(last, s->today, 10) >= 0)
			up[nup++] = i;
	}
	sort_idx(s, up, nup, by_start);
	if (hrdex_buf_puts(b, "<h2 id=\"upcoming\">Upcoming events and visits</h2>\n") < 0 ||
	    (nup ? doc_table(s, b, 0, up, nup < LATEST ? nup : LATEST, "Events and visits not over yet, soonest first",
			     COL_WHEN | COL_TYPE | COL_PUB)
		 : hrdex_buf_puts(b, "<p class=\"empty\">None announced.</p>\n")) < 0 ||
	    hrdex_buf_puts(b, "<p><a href=\"calendar.html\">The whole calendar</a>, also as "
			   "<a href=\"calendar.ics\">iCalendar file</a>.</p>\n") < 0)
		goto cleanup;
	sort_idx(s, idx, s->ndocs, by_date_desc);
	if (hrdex_buf_puts(b, "<h2 id=\"latest\">Latest documents</h2>\n") < 0 ||
	    doc_table(s, b, 0, idx, s->ndocs < LATEST ? s->ndocs : LATEST, "The newest documents by date",
		      COL_TYPE | COL_PUB) < 0 ||
	    page_end(s, b, 1) < 0)
		goto cleanup;
	ret = emit_content(s, "index.html", b);
cleanup:
	free(up);
	free(idx);
	return ret;
}

static int emit_publisher(struct site *s, const char *pub)
{
	struct hrdex_buf *b = &s->page;
	const char *name = pub_name(s, pub);
	size_t *idx = calloc(s->ndocs + 1, sizeof(*idx)), n = 0, nt, i, total;
	char path[HRDEX_PUBLISHER_MAX + 32], caption[256];
	int t, ret = -1;

	if (!idx)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	for (i = 0; i < s->ndocs; i++)
		if (!strcmp(s->docs[i].ref.publisher, pub))
			idx[n++] = i;
	sort_idx(s, idx, n, by_date_desc);
	if (page_begin(s, b, 1, name, NAV_NONE) < 0 ||
	    hrdex_buf_puts(b, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"../index.html\">"
			   "Home</a></li><li aria-current=\"page\">") < 0 ||
	    hrdex_html_text(b, name) < 0 || hrdex_buf_puts(b, "</li></ol></nav>\n<h1>") < 0 ||
	    hrdex_html_text(b, name) < 0 ||
	    hrdex_buf_printf(b, "</h1>\n<p class=\"meta\">Publisher id <code>%s</code>.</p>\n"
			     "<h2 id=\"types\">Documents by type</h2>\n<table>\n<caption>Documents of this publisher by type"
			     "</caption>\n<thead><tr>", pub) < 0)
		goto cleanup;
	for (t = 0; t < HRDEX_NTYPES; t++)
		if (hrdex_buf_printf(b, "<th scope=\"col\" class=\"num\">%s</th>", hrdex_type_label(hrdex_doc_types[t], 1)) < 0)
			goto cleanup;
	if (hrdex_buf_puts(b, "<th scope=\"col\" class=\"num\">All</th></tr></thead>\n<tbody><tr>") < 0)
		goto cleanup;
	/* counts_row links "P/TYPE.html" from the root; here we are inside P/ */
	{
		size_t counts[HRDEX_NTYPES] = { 0 };

		for (i = 0; i < n; i++)
			counts[s->docs[idx[i]].type]++;
		for (t = 0, total = 0; t < HRDEX_NTYPES; t++) {
			total += counts[t];
			if ((counts[t] ? hrdex_buf_printf(b, "<td class=\"num\"><a href=\"%s.html\">%zu</a></td>",
							  hrdex_doc_types[t], counts[t])
				       : hrdex_buf_puts(b, "<td class=\"num\">0</td>")) < 0)
				goto cleanup;
		}
	}
	nt = n < LATEST ? n : LATEST;
	snprintf(caption, sizeof(caption), "The %zu newest documents", nt);
	if (hrdex_buf_printf(b, "<td class=\"num\">%zu</td></tr></tbody>\n</table>\n", total) < 0 ||
	    hrdex_buf_puts(b, "<h2 id=\"latest\">Latest documents</h2>\n") < 0 ||
	    doc_table(s, b, 1, idx, nt, caption, COL_TYPE) < 0 || page_end(s, b, 0) < 0)
		goto cleanup;
	snprintf(path, sizeof(path), "%s/index.html", pub);
	if (emit_content(s, path, b) < 0)
		goto cleanup;
	/* one page per type */
	for (t = 0; t < HRDEX_NTYPES; t++) {
		size_t *tidx = calloc(n + 1, sizeof(*tidx)), m = 0;
		char title[512];
		int r;

		if (!tidx) {
			hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
			goto cleanup;
		}
		for (i = 0; i < n; i++)
			if (s->docs[idx[i]].type == t)
				tidx[m++] = idx[i];
		if (m == 0) {
			free(tidx);
			continue;
		}
		snprintf(title, sizeof(title), "%s – %s", hrdex_type_label(hrdex_doc_types[t], 1), name);
		snprintf(caption, sizeof(caption), "All %zu, newest first", m);
		r = page_begin(s, b, 1, title, NAV_NONE) < 0 ||
		    hrdex_buf_puts(b, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"../index.html\">"
				   "Home</a></li><li><a href=\"index.html\">") < 0 ||
		    hrdex_html_text(b, name) < 0 ||
		    hrdex_buf_printf(b, "</a></li><li aria-current=\"page\">%s</li></ol></nav>\n<h1>",
				     hrdex_type_label(hrdex_doc_types[t], 1)) < 0 ||
		    hrdex_html_text(b, title) < 0 || hrdex_buf_puts(b, "</h1>\n") < 0 ||
		    doc_table(s, b, 1, tidx, m, caption,
			      !strcmp(hrdex_doc_types[t], "event") || !strcmp(hrdex_doc_types[t], "visit") ? COL_WHEN : 0) < 0 ||
		    page_end(s, b, 0) < 0 ? -1 : 0;
		free(tidx);
		snprintf(path, sizeof(path), "%s/%s.html", pub, hrdex_doc_types[t]);
		if (r < 0 || emit_content(s, path, b) < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	free(idx);
	return ret;
}

static const char *const months[] = { "January", "February", "March",     "April",   "May",      "June",
				      "July",    "August",   "September", "October", "November", "December" };

static int emit_calendar(struct site *s)
{
	struct hrdex_buf *b = &s->page;
	size_t *idx = calloc(s->ndocs + 1, sizeof(*idx)), n = 0, i, j;
	int ret = -1;

	if (!idx)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	for (i = 0; i < s->ndocs; i++)
		if (s->docs[i].start && looks_like_date(s->docs[i].start))
			idx[n++] = i;
	sort_idx(s, idx, n, by_start);
	if (page_begin(s, b, 0, "Calendar of events and visits", NAV_CALENDAR) < 0 ||
	    hrdex_buf_printf(b, "<h1>Calendar of events and visits</h1>\n<p class=\"lead\">%zu event%s and visit%s "
			     "by month, oldest first. Also as an <a href=\"calendar.ics\">iCalendar file</a> for your "
			     "calendar application.</p>\n", n, n == 1 ? "" : "s", n == 1 ? "" : "s") < 0)
		goto cleanup;
	if (n == 0 && hrdex_buf_puts(b, "<p class=\"empty\">No events or visits yet.</p>\n") < 0)
		goto cleanup;
	/* a table of contents of the months */
	if (n) {
		if (hrdex_buf_puts(b, "<nav aria-label=\"Months\"><ul class=\"inline\">") < 0)
			goto cleanup;
		for (i = 0; i < n; i++) {
			const char *st = s->docs[idx[i]].start;
			int m = (st[5] - '0') * 10 + (st[6] - '0');

			if (i > 0 && !strncmp(s->docs[idx[i - 1]].start, st, 7))
				continue;
			if (hrdex_buf_printf(b, "<li><a href=\"#m-%.7s\">%s %.4s</a></li>", st,
					     m >= 1 && m <= 12 ? months[m - 1] : "?", st) < 0)
				goto cleanup;
		}
		if (hrdex_buf_puts(b, "</ul></nav>\n") < 0)
			goto cleanup;
	}
	for (i = 0; i < n; i = j) {
		const char *st = s->docs[idx[i]].start;
		int m = (st[5] - '0') * 10 + (st[6] - '0');

		if (hrdex_buf_printf(b, "<h2 id=\"m-%.7s\"><time datetime=\"%.7s\">%s %.4s</time></h2>\n"
				     "<table class=\"agenda\">\n"
				     "<caption>Events and visits starting in %s %.4s</caption>\n<thead><tr>"
				     "<th scope=\"col\">When</th><th scope=\"col\">What</th><th scope=\"col\">Type</th>"
				     "<th scope=\"col\">Where</th><th scope=\"col\">Publisher</th>"
				     "<th scope=\"col\">Status</th></tr></thead>\n<tbody>\n",
				     st, st, m >= 1 && m <= 12 ? months[m - 1] : "?", st,
				     m >= 1 && m <= 12 ? months[m - 1] : "?", st) < 0)
			goto cleanup;
		for (j = i; j < n && !strncmp(s->docs[idx[j]].start, st, 7); j++) {
			const struct sdoc *d = &s->docs[idx[j]];
			const cJSON *json = d->json, *place = cJSON_GetObjectItemCaseSensitive(json, "place");
			const char *kind = str_member(json, "kind"), *status = str_member(json, "status");
			const char *country = !strcmp(d->ref.type, "visit") ? str_member(json, "country")
									       : str_member(place, "country");
			const char *city = str_member(place, "city");
			const cJSON *pname = cJSON_GetObjectItemCaseSensitive(place, "name"), *pn;

			pn = cJSON_IsString(pname) ? pname : hrdex_langmap_pick(pname, NULL);
			if (hrdex_buf_puts(b, "<tr><td>") < 0 || put_span(b, d->start, d->end) < 0 ||
			    hrdex_buf_puts(b, "</td><td>") < 0 || title_link(b, 0, d) < 0 ||
			    hrdex_buf_printf(b, "</td><td>%s", hrdex_type_label(d->ref.type, 0)) < 0 ||
			    (kind && (hrdex_buf_puts(b, " (") < 0 || hrdex_html_text(b, kind) < 0 ||
				      hrdex_buf_putc(b, ')') < 0)) ||
			    hrdex_buf_puts(b, "</td><td>") < 0)
				goto cleanup;
			if (pn && (hrdex_buf_puts(b, "<bdi>") < 0 || hrdex_html_text(b, pn->valuestring) < 0 ||
				   hrdex_buf_puts(b, "</bdi>") < 0))
				goto cleanup;
			if (city && (hrdex_buf_puts(b, pn ? ", <bdi>" : "<bdi>") < 0 || hrdex_html_text(b, city) < 0 ||
				     hrdex_buf_puts(b, "</bdi>") < 0))
				goto cleanup;
			if (country && (hrdex_buf_puts(b, pn || city ? " (" : "(") < 0 ||
					hrdex_html_text(b, country) < 0 || hrdex_buf_putc(b, ')') < 0))
				goto cleanup;
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(place, "online")) &&
			    hrdex_buf_puts(b, pn || city || country ? ", online" : "online") < 0)
				goto cleanup;
			if (hrdex_buf_puts(b, "</td><td><a href=\"") < 0 ||
			    hrdex_buf_printf(b, "%s/index.html\">", d->ref.publisher) < 0 ||
			    hrdex_html_text(b, pub_name(s, d->ref.publisher)) < 0 ||
			    hrdex_buf_puts(b, "</a></td><td>") < 0 || hrdex_html_text(b, status ? status : "") < 0 ||
			    hrdex_buf_puts(b, "</td></tr>\n") < 0)
				goto cleanup;
		}
		if (hrdex_buf_puts(b, "</tbody>\n</table>\n") < 0)
			goto cleanup;
	}
	if (page_end(s, b, 0) < 0 || emit_content(s, "calendar.html", b) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(idx);
	return ret;
}

/* ---- iCalendar (RFC 5545), written by output.c as for `hrdex query --format ics` ---- */

static int emit_ics(struct site *s)
{
	struct hrdex_output_opts oo = { HRDEX_FORMAT_ICS, 0, (time_t)s->main_time, NULL };
	struct hrdex_output *o = NULL;
	struct hrdex_buf *b = &s->page;
	size_t *idx = calloc(s->ndocs + 1, sizeof(*idx)), n = 0, i;
	int ret = -1;

	if (!idx)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	for (i = 0; i < s->ndocs; i++)
		if (s->docs[i].start && s->docs[i].json && looks_like_date(s->docs[i].start))
			idx[n++] = i;
	sort_idx(s, idx, n, by_start);
	hrdex_buf_clear(b);
	/* DTSTAMP is main's commit time: the same repository, the same file. */
	if (hrdex_output_new(&o, &oo) < 0)
		goto cleanup;
	for (i = 0; i < n; i++) {
		const struct sdoc *d = &s->docs[idx[i]];
		struct hrdex_query_row row;
		struct hrdex_buf json = HRDEX_BUF_INIT;
		int r;

		memset(&row, 0, sizeof(row));
		if (hrdex_json_compact(&json, d->json) < 0)
			goto cleanup;
		row.ref = d->refstr;
		row.publisher = d->ref.publisher;
		row.type = d->ref.type;
		row.id = d->ref.id;
		row.date = d->date;
		row.start = d->start;
		row.end = d->end;
		row.title = d->title ? d->title->valuestring : NULL;
		row.lang = d->title ? d->title->string : NULL;
		row.json = json.ptr;
		r = hrdex_output_row(o, b, &row);
		hrdex_buf_free(&json);
		if (r < 0)
			goto cleanup;
	}
	if (hrdex_output_finish(o, b) < 0 || emit_content(s, "calendar.ics", b) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_output_free(o);
	free(idx);
	return ret;
}

/* ---- search ---- */

static int index_text(struct hrdex_buf *x, const cJSON *v)
{
	const cJSON *e;

	if (cJSON_IsString(v))
		return hrdex_buf_puts(x, v->valuestring) < 0 || hrdex_buf_putc(x, ' ') < 0 ? -1 : 0;
	cJSON_ArrayForEach(e, v)
		if (cJSON_IsString(e) && (hrdex_buf_puts(x, e->valuestring) < 0 || hrdex_buf_putc(x, ' ') < 0))
			return -1;
	return 0;
}

/* hrdex_doc_concerns's callback: a word of the search text. */
static int index_value(const char *v, void *payload)
{
	struct hrdex_buf *x = payload;

	return hrdex_buf_puts(x, v) < 0 || hrdex_buf_putc(x, ' ') < 0 ? -1 : 0;
}

static int emit_search(struct site *s)
{
	struct hrdex_buf *b = &s->page, x = HRDEX_BUF_INIT;
	size_t i;
	int ret = -1;

	/* search-index.js: one assignment, so that a plain <script> loads it,
	 * from file:// too (fetch() of a local file is refused) */
	hrdex_buf_clear(b);
	if (hrdex_buf_puts(b, "/* written by hrdex: the documents for search.html */\nwindow.HRDEX_INDEX = {\"docs\": [\n") < 0)
		goto cleanup;
	for (i = 0; i < s->ndocs; i++) {
		const struct sdoc *d = &s->docs[i];
		const cJSON *t;
		char url[HRDEX_REF_MAX + 16];
		int first = 1;

		snprintf(url, sizeof(url), "%s/%s/%s.html", d->ref.publisher, d->ref.type, d->ref.id);
		hrdex_buf_clear(&x);
		if (d->json &&
		    (index_text(&x, cJSON_GetObjectItemCaseSensitive(d->json, "summary")) < 0 ||
		     hrdex_doc_concerns(d->json, 0, index_value, &x) != 0 ||
		     hrdex_doc_concerns(d->json, 1, index_value, &x) != 0 ||
		     index_text(&x, cJSON_GetObjectItemCaseSensitive(d->json, "symbol")) < 0 ||
		     index_text(&x, cJSON_GetObjectItemCaseSensitive(d->json, "number")) < 0 ||
		     index_text(&x, cJSON_GetObjectItemCaseSensitive(d->json, "kind")) < 0))
			goto cleanup;
		if (hrdex_buf_puts(b, i ? ",\n{\"r\": " : "{\"r\": ") < 0 || hrdex_js_string(b, d->refstr) < 0 ||
		    hrdex_buf_puts(b, ", \"u\": ") < 0 || hrdex_js_string(b, url) < 0 ||
		    hrdex_buf_puts(b, ", \"y\": ") < 0 || hrdex_js_string(b, hrdex_type_label(d->ref.type, 0)) < 0 ||
		    hrdex_buf_puts(b, ", \"p\": ") < 0 || hrdex_js_string(b, pub_name(s, d->ref.publisher)) < 0 ||
		    hrdex_buf_puts(b, ", \"d\": ") < 0 || hrdex_js_string(b, d->start ? d->start : d->date) < 0 ||
		    hrdex_buf_puts(b, ", \"t\": [") < 0)
			goto cleanup;
		const cJSON *titles = cJSON_GetObjectItemCaseSensitive(d->json, "title");

		cJSON_ArrayForEach(t, titles) {
			int ok = hrdex_html_lang_ok(t->string);

			if (!cJSON_IsString(t))
				continue;
			if (hrdex_buf_puts(b, first ? "[" : ", [") < 0 || hrdex_js_string(b, ok ? t->string : "") < 0 ||
			    hrdex_buf_puts(b, ", ") < 0 || hrdex_js_string(b, ok ? hrdex_html_dir(t->string) : "auto") < 0 ||
			    hrdex_buf_puts(b, ", ") < 0 || hrdex_js_string(b, t->valuestring) < 0 ||
			    hrdex_buf_putc(b, ']') < 0)
				goto cleanup;
			first = 0;
		}
		if (first && (hrdex_buf_puts(b, "[\"\", \"auto\", ") < 0 || hrdex_js_string(b, d->refstr) < 0 ||
			      hrdex_buf_putc(b, ']') < 0))
			goto cleanup;
		if (hrdex_buf_puts(b, "], \"x\": ") < 0 || hrdex_js_string(b, x.ptr ? x.ptr : "") < 0 ||
		    hrdex_buf_putc(b, '}') < 0)
			goto cleanup;
	}
	if (hrdex_buf_puts(b, "\n]};\n") < 0 || emit_content(s, "search-index.js", b) < 0)
		goto cleanup;
	if (page_begin(s, b, 0, "Search", NAV_SEARCH) < 0 ||
	    hrdex_buf_printf(b, "<h1>Search</h1>\n<form class=\"search big\" role=\"search\" method=\"get\" "
			     "action=\"search.html\"><label for=\"q\">Words to find in titles, summaries, countries "
			     "and themes, in any language</label> <input id=\"q\" name=\"q\" type=\"search\" "
			     "autocomplete=\"off\"> <button type=\"submit\">Search</button></form>\n"
			     "<p id=\"search-status\" role=\"status\" aria-live=\"polite\">Searching needs JavaScript; "
			     "without it, browse the <a href=\"index.html#publishers\">publishers</a> or the "
			     "<a href=\"calendar.html\">calendar</a>. %zu documents.</p>\n<ol id=\"results\"></ol>\n"
			     "<script src=\"search-index.js\" defer></script>\n", s->ndocs) < 0 ||
	    page_end(s, b, 0) < 0 || emit_content(s, "search.html", b) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&x);
	return ret;
}

static int emit_assets(struct site *s)
{
	const struct hrdex_builtin_file *f;
	struct hrdex_buf b = HRDEX_BUF_INIT;
	int ret = 0;

	for (f = hrdex_builtin_assets; f->name && ret == 0; f++) {
		hrdex_buf_clear(&b);
		ret = hrdex_buf_put(&b, f->data, f->len) < 0 || emit_content(s, f->name, &b) < 0 ? -1 : 0;
	}
	hrdex_buf_free(&b);
	return ret;
}

/* ---- generations and the swap ---- */

time_t hrdex_site_now(void)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (env && *env) {
		errno = 0;
		v = strtoll(env, &end, 10);
		if (!errno && !*end && v >= 0)
			return (time_t)v;
	}
	return time(NULL);
}

char *hrdex_site_path(const char *state_dir, const struct hrdex_config *config)
{
	const char *dir = config ? config->site_dir : NULL;

	if (dir && dir[0] == '/')
		return strdup(dir);
	return hrdex_path_join(state_dir, dir ? dir : "site");
}

/* The generation number OUT points at ("BASE.d/N"), 0 when none. */
static unsigned long current_generation(const char *out, const char *base)
{
	char target[PATH_MAX];
	ssize_t n = readlink(out, target, sizeof(target) - 1);
	size_t blen = strlen(base);
	char *end;
	unsigned long g;

	if (n <= 0)
		return 0;
	target[n] = '\0';
	if (strncmp(target, base, blen) || strncmp(target + blen, ".d/", 3))
		return 0;
	errno = 0;
	g = strtoul(target + blen + 3, &end, 10);
	return errno || *end || g == 0 ? 0 : g;
}

/* Remove generations (and their manifests) other than keep. */
static void remove_old(const char *gens, unsigned long keep)
{
	DIR *d = opendir(gens);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end, path[PATH_MAX];
		unsigned long g;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		g = strtoul(e->d_name, &end, 10);
		if (g == keep || (*end && strcmp(end, ".manifest")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", gens, e->d_name);
		if (hrdex_fs_remove_tree(path) < 0) {
			hrdex_log_warn("site: %s", hrdex_error_message());
			hrdex_error_clear();
		}
	}
	closedir(d);
}

int hrdex_site_build(git_repository *repo, const struct hrdex_site_opts *opts, struct hrdex_site_stats *stats)
{
	struct site s;
	struct stat st;
	git_commit *main_c = NULL;
	git_tree *top = NULL;
	git_oid main_id;
	char *out = NULL, *gens = NULL, *lock = NULL, *manifest = NULL, *base, *slash, tmp[PATH_MAX],
	     target[PATH_MAX], parent[PATH_MAX];
	unsigned long gen;
	size_t i;
	int r, lock_fd = -1, ret = -1;
	struct tm tm;
	time_t now = opts->now;

	memset(&s, 0, sizeof(s));
	memset(stats, 0, sizeof(*stats));
	s.repo = repo;
	s.opts = opts;
	s.stats = stats;
	s.title = opts->title && opts->title[0] ? opts->title : DEFAULT_TITLE;
	gmtime_r(&now, &tm);
	strftime(s.today, sizeof(s.today), "%Y-%m-%d", &tm);

	/* OUT without trailing slashes; its folder; BASE.d beside it */
	out = strdup(opts->out);
	if (!out || !out[0]) {
		hrdex_error_set(out ? HRDEX_EX_USAGE : HRDEX_EX_SOFTWARE, out ? "empty site path" : "out of memory");
		goto cleanup;
	}
	for (i = strlen(out); i > 1 && out[i - 1] == '/'; i--)
		out[i - 1] = '\0';
	slash = strrchr(out, '/');
	base = slash ? slash + 1 : out;
	snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash == out ? 1 : slash - out) : 1, slash ? out : ".");
	if (!base[0] || !strcmp(base, ".") || !strcmp(base, "..")) {
		hrdex_error_set(HRDEX_EX_USAGE, "'%s': name the site's folder, e.g. '%s/site'", opts->out, opts->out);
		goto cleanup;
	}
	if (hrdex_fs_mkdirs(parent, 0755) < 0)
		goto cleanup;
	if (asprintf(&gens, "%s.d", out) < 0 || asprintf(&lock, "%s/lock", gens) < 0) {
		gens = lock = NULL;
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto cleanup;
	}
	if (mkdir(gens, 0755) < 0 && errno != EEXIST) {
		hrdex_error_errno(HRDEX_EX_CANTCREAT, "cannot create '%s'", gens);
		goto cleanup;
	}
	lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0) {
		hrdex_error_errno(HRDEX_EX_IOERR, "cannot lock '%s'", lock);
		goto cleanup;
	}
	/* What is at OUT now: our symlink, nothing, or an empty folder. */
	gen = 0;
	if (lstat(out, &st) == 0) {
		if (S_ISLNK(st.st_mode) && (gen = current_generation(out, base)) > 0) {
			/* ours */
		} else if (S_ISDIR(st.st_mode) && rmdir(out) == 0) {
			/* an empty folder made by hand: replaced by the link */
		} else {
			hrdex_error_set(HRDEX_EX_CANTCREAT, "'%s' exists and is not a site hrdex built; move it "
					"away or build elsewhere (--out)", out);
			goto cleanup;
		}
	}
	if (gen) {
		if (asprintf(&s.old_dir, "%s/%lu", gens, gen) < 0 || asprintf(&manifest, "%s/%lu.manifest", gens, gen) < 0) {
			s.old_dir = manifest = NULL;
			hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
			goto cleanup;
		}
		if (!hrdex_fs_is_dir(s.old_dir) || load_manifest(&s, manifest) < 0) {
			hrdex_log_warn("site: previous build '%s' unusable; rendering every page", s.old_dir);
			hrdex_error_clear();
			free(s.old_dir);
			s.old_dir = NULL;
		}
		free(manifest);
		manifest = NULL;
	}
	gen++;
	if (asprintf(&s.gen_dir, "%s/%lu", gens, gen) < 0 || asprintf(&manifest, "%s/%lu.manifest", gens, gen) < 0) {
		s.gen_dir = manifest = NULL;
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto cleanup;
	}
	/* leftovers of a build that crashed before its swap */
	if (hrdex_fs_remove_tree(s.gen_dir) < 0 || (unlink(manifest) < 0 && errno != ENOENT))
		goto cleanup;
	if (mkdir(s.gen_dir, 0755) < 0) {
		hrdex_error_errno(HRDEX_EX_CANTCREAT, "cannot create '%s'", s.gen_dir);
		goto cleanup;
	}

	/* The documents. */
	r = git_reference_name_to_id(&main_id, repo, HRDEX_REF_MAIN);
	if (r < 0 && r != GIT_ENOTFOUND) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot read main");
		goto cleanup;
	}
	if (r == 0) {
		if (git_commit_lookup(&main_c, repo, &main_id) < 0 || git_commit_tree(&top, main_c) < 0) {
			hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot read main");
			goto cleanup;
		}
		git_oid_tostr(s.main_hex, sizeof(s.main_hex), &main_id);
		s.main_time = (int64_t)git_commit_time(main_c);
	}
	if (collect(&s, top) < 0 || load_docs(&s) < 0 || build_edges(&s) < 0 || collect_publishers(&s) < 0)
		goto cleanup;
	compute_epoch(&s);
	stats->documents = s.ndocs;
	stats->publishers = s.npubs;

	/* The pages: documents first, then what links to them. */
	for (i = 0; i < s.ndocs; i++)
		if (emit_doc(&s, i) < 0)
			goto cleanup;
	for (i = 0; i < s.npubs; i++)
		if (emit_publisher(&s, s.pubs[i]) < 0)
			goto cleanup;
	if (emit_assets(&s) < 0 || emit_calendar(&s) < 0 || emit_ics(&s) < 0 || emit_search(&s) < 0 ||
	    emit_home(&s) < 0)
		goto cleanup;
	if (hrdex_fs_write_atomic(manifest, s.manifest.ptr ? s.manifest.ptr : "", s.manifest.len, 0644) < 0)
		goto cleanup;

	/* Flush the generation, then swap the link. */
	{
		int fd = open(s.gen_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || syncfs(fd) < 0) {
			hrdex_error_errno(HRDEX_EX_IOERR, "cannot flush '%s'", s.gen_dir);
			if (fd >= 0)
				close(fd);
			goto cleanup;
		}
		close(fd);
	}
	snprintf(target, sizeof(target), "%s.d/%lu", base, gen);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.new", parent, base) >= sizeof(tmp)) {
		hrdex_error_set(HRDEX_EX_USAGE, "site path too long: '%s'", out);
		goto cleanup;
	}
	if ((unlink(tmp) < 0 && errno != ENOENT) || symlink(target, tmp) < 0) {
		hrdex_error_errno(HRDEX_EX_CANTCREAT, "cannot create '%s'", tmp);
		goto cleanup;
	}
	if (rename(tmp, out) < 0) {
		hrdex_error_errno(HRDEX_EX_IOERR, "cannot publish the site at '%s'", out);
		unlink(tmp);
		goto cleanup;
	}
	if (hrdex_fs_sync_dir(parent) < 0) {
		hrdex_log_warn("site: %s", hrdex_error_message());
		hrdex_error_clear();
	}
	stats->generation = gen;
	remove_old(gens, gen);
	ret = 0;
cleanup:
	if (ret < 0 && s.gen_dir) {
		/* keep the published site; drop the half-built one */
		int saved = hrdex_error_code();
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", hrdex_error_message());
		hrdex_fs_remove_tree(s.gen_dir);
		if (manifest)
			unlink(manifest);
		hrdex_error_set(saved, "%s", msg);
	}
	if (lock_fd >= 0)
		close(lock_fd);
	site_free_docs(&s);
	hrdex_buf_free(&s.page);
	hrdex_buf_free(&s.manifest);
	hrdex_buf_free(&s.old_text);
	free(s.old);
	free(s.gen_dir);
	free(s.old_dir);
	free(manifest);
	free(lock);
	free(gens);
	free(out);
	git_tree_free(top);
	git_commit_free(main_c);
	return ret;
}
