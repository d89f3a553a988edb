/*
 * site_doc.c - one page per document of the static site: every field, every
 * language, links, back-references and attachments; beside it the JSON as
 * signed and the attachments.  Its key covers all that the page shows.
 */
#include "site_int.h"
#include "buf.h"
#include "error.h"
#include "html.h"
#include "readme.h"
#include "vocab.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

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
		    hrdex_buf_puts(b, "</span> <p class=\"lm-t\"") < 0 || site_lang_attrs(b, e->string) < 0 ||
		    hrdex_buf_putc(b, '>') < 0 || hrdex_html_text(b, e->valuestring) < 0 ||
		    hrdex_buf_puts(b, "</p></div>\n") < 0)
			return -1;
	}
	return hrdex_buf_puts(b, "</div>");
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
	size_t t = site_find_doc(s, ref);

	if (t == NONE)
		return hrdex_buf_puts(b, "<code>") < 0 || hrdex_html_text(b, ref) < 0 ||
		       hrdex_buf_puts(b, "</code> <span class=\"note\">(not in this repository)</span>") < 0 ? -1 : 0;
	if (site_title_link(b, depth, &s->docs[t]) < 0 || hrdex_buf_puts(b, " <code>") < 0 ||
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
		if (site_looks_like_date(x))
			return site_put_time(b, x);
		/* An entry of a controlled list (vocab.h; the registry may add
		 * some): its label, the id in the tooltip. */
		if (key && (!strcmp(key, "themes") || !strcmp(key, "groups")) && hrdex_vocab_label(key, x, "en"))
			return hrdex_buf_puts(b, "<abbr title=\"") < 0 || hrdex_html_text(b, x) < 0 ||
			       hrdex_buf_puts(b, "\"><bdi>") < 0 ||
			       hrdex_html_text(b, hrdex_vocab_label(key, x, "en")) < 0 ||
			       hrdex_buf_puts(b, "</bdi></abbr>") < 0 ? -1 : 0;
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
		const char *ref = site_str_member(x, "ref");
		size_t t = ref ? site_find_doc(s, ref) : NONE;

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
	site_hex_key(hex, key);
}

static int render_doc(struct site *s, struct hrdex_buf *b, size_t i)
{
	const struct sdoc *d = &s->docs[i];
	const cJSON *json = d->json, *x, *title_map, *links, *atts;
	const char *name = site_pub_name(s, d->ref.publisher);
	char plain[HRDEX_REF_MAX + 8];
	size_t k, e;
	int depth = 2;

	title_map = cJSON_GetObjectItemCaseSensitive(json, "title");
	if (site_page_begin(s, b, depth, d->title ? d->title->valuestring : d->refstr, NAV_NONE) < 0)
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
		if (site_lang_attrs(b, d->title->string) < 0 ||
		    (hrdex_html_lang_ok(d->title->string) &&
		     hrdex_buf_printf(b, " data-lm=\"%s\"", d->title->string) < 0) ||
		    hrdex_buf_putc(b, '>') < 0 || hrdex_html_text(b, d->title->valuestring) < 0)
			return -1;
	} else if (hrdex_buf_putc(b, '>') < 0 || hrdex_html_text(b, d->refstr) < 0) {
		return -1;
	}
	if (hrdex_buf_printf(b, "</h1>\n<p class=\"meta\">%s · <a href=\"../index.html\">", hrdex_type_label(d->ref.type, 0)) < 0 ||
	    hrdex_html_text(b, name) < 0 || hrdex_buf_puts(b, "</a>") < 0 ||
	    (d->date[0] && (hrdex_buf_puts(b, " · ") < 0 || site_put_time(b, d->date) < 0)) ||
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
				const char *rel = site_str_member(x, "rel"), *ref = site_str_member(x, "ref"),
					   *url = site_str_member(x, "url");

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

			if (hrdex_buf_puts(b, "<li>") < 0 || site_title_link(b, depth, f) < 0 ||
			    hrdex_buf_puts(b, " <span class=\"meta\">(") < 0 ||
			    hrdex_buf_printf(b, "%s, ", hrdex_type_label(f->ref.type, 0)) < 0 ||
			    hrdex_html_text(b, site_pub_name(s, f->ref.publisher)) < 0 || hrdex_buf_puts(b, "; <span class=\"rel\">") < 0 ||
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
			const char *an = site_str_member(x, "name"), *mt = site_str_member(x, "media_type"),
				   *sum = site_str_member(x, "sha256");
			const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(x, "bytes");
			const struct att *a = NULL;

			for (k = 0; an && k < d->natts; k++)
				if (!strcmp(d->atts[k].name, an))
					a = &d->atts[k];
			if (hrdex_buf_puts(b, "<tr><th scope=\"row\">") < 0)
				return -1;
			if (a) {
				if (hrdex_buf_printf(b, "<a href=\"%s.files/", d->ref.id) < 0 ||
				    hrdex_url_segment(b, a->file) < 0 || hrdex_buf_puts(b, "\" download=\"") < 0 ||
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
	if (hrdex_fmt(plain, sizeof(plain), "%s.json", d->ref.id) < 0)
		return -1;
	if (hrdex_buf_printf(b, "<h2 id=\"source\">Source</h2>\n<p><a href=\"%s\">%s</a>: the document as its "
			     "publisher signed it (JSON). Its ref is <code>%s</code>.</p>\n</article>\n",
			     plain, plain, d->refstr) < 0)
		return -1;
	return site_page_end(s, b, 0);
}

int site_emit_doc(struct site *s, size_t i)
{
	const struct sdoc *d = &s->docs[i];
	char path[HRDEX_REF_MAX + 300], hex[KEY_HEX];
	size_t a;
	int r;

	if (hrdex_ref_file(path, sizeof(path), &d->ref, ".html", NULL) < 0)
		return -1;
	doc_key(s, i, hex);
	r = site_try_link(s, path, hex);
	if (r < 0)
		return -1;
	if (r == 0 && (render_doc(s, &s->page, i) < 0 || site_write_file(s, path, hex, s->page.ptr, s->page.len) < 0))
		return -1;
	if (hrdex_ref_path(path, sizeof(path), &d->ref) < 0 || site_emit_blob(s, path, &d->blob) < 0)
		return -1;
	for (a = 0; a < d->natts; a++) {
		if (hrdex_ref_file(path, sizeof(path), &d->ref, ".files", d->atts[a].file) < 0 ||
		    site_emit_blob(s, path, &d->atts[a].blob) < 0)
			return -1;
	}
	return 0;
}
