/*
 * site_search.c - client-side search for the static site: search-index.js
 * (the documents' titles and searchable words as one script) and
 * search.html, which hrdex.js drives.
 */
#include "site_int.h"
#include "facts.h"
#include "buf.h"
#include "doc.h"
#include "html.h"
#include "readme.h"

#include <stdio.h>
#include <string.h>

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

/* hrdex_facts_each's callback: the countries and themes of a document
 * (the cache's doc_countries and doc_themes), words of the search text. */
static int index_value(enum hrdex_fact what, const char *kind, const char *v, void *payload)
{
	struct hrdex_buf *x = payload;

	(void)kind;
	if (what != HRDEX_FACT_COUNTRY && what != HRDEX_FACT_THEME)
		return 0;
	return hrdex_buf_puts(x, v) < 0 || hrdex_buf_putc(x, ' ') < 0 ? -1 : 0;
}

int site_emit_search(struct site *s)
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

		if (hrdex_ref_file(url, sizeof(url), &d->ref, ".html", NULL) < 0)
			goto cleanup;
		hrdex_buf_clear(&x);
		if (d->json &&
		    (index_text(&x, cJSON_GetObjectItemCaseSensitive(d->json, "summary")) < 0 ||
		     hrdex_facts_each(d->v2, index_value, &x) != 0 ||
		     index_text(&x, cJSON_GetObjectItemCaseSensitive(d->json, "symbol")) < 0 ||
		     index_text(&x, cJSON_GetObjectItemCaseSensitive(d->json, "symbols")) < 0 ||
		     index_text(&x, cJSON_GetObjectItemCaseSensitive(d->json, "number")) < 0 ||
		     index_text(&x, cJSON_GetObjectItemCaseSensitive(d->json, "kind")) < 0))
			goto cleanup;
		if (hrdex_buf_puts(b, i ? ",\n{\"r\": " : "{\"r\": ") < 0 || hrdex_js_string(b, d->refstr) < 0 ||
		    hrdex_buf_puts(b, ", \"u\": ") < 0 || hrdex_js_string(b, url) < 0 ||
		    hrdex_buf_puts(b, ", \"y\": ") < 0 || hrdex_js_string(b, hrdex_type_label(d->ref.type, 0)) < 0 ||
		    hrdex_buf_puts(b, ", \"p\": ") < 0 || hrdex_js_string(b, site_pub_name(s, d->ref.publisher)) < 0 ||
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
	if (hrdex_buf_puts(b, "\n]};\n") < 0 || site_emit_content(s, "search-index.js", b) < 0)
		goto cleanup;
	if (site_page_begin(s, b, 0, "Search", NAV_SEARCH) < 0 ||
	    hrdex_buf_printf(b, "<h1>Search</h1>\n<form class=\"search big\" role=\"search\" method=\"get\" "
			     "action=\"search.html\"><label for=\"q\">Words to find in titles, summaries, countries "
			     "and themes, in any language</label> <input id=\"q\" name=\"q\" type=\"search\" "
			     "autocomplete=\"off\"> <button type=\"submit\">Search</button></form>\n"
			     "<p id=\"search-status\" role=\"status\" aria-live=\"polite\">Searching needs JavaScript; "
			     "without it, browse the <a href=\"index.html#publishers\">publishers</a> or the "
			     "<a href=\"calendar.html\">calendar</a>. %zu documents.</p>\n<ol id=\"results\"></ol>\n"
			     "<script src=\"search-index.js\" defer></script>\n", s->ndocs) < 0 ||
	    site_page_end(s, b, 0) < 0 || site_emit_content(s, "search.html", b) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&x);
	return ret;
}
