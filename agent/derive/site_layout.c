/*
 * site_layout.c - the frame of every page of the static site (head with its
 * Content-Security-Policy, header, navigation, footer), the assets it loads,
 * and the pieces all pages use: links to documents, dates and spans.
 */
#include "site_int.h"
#include "builtin.h"
#include "html.h"

#include <string.h>
#include <time.h>

/* ---- page frame ---- */

int site_page_begin(struct site *s, struct hrdex_buf *b, int depth, const char *title, enum nav nav)
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
	    hrdex_buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"") < 0 || site_root(b, depth) < 0 ||
	    hrdex_buf_puts(b, "style.css\">\n<script src=\"") < 0 || site_root(b, depth) < 0 ||
	    hrdex_buf_puts(b, "hrdex.js\" defer></script>\n</head>\n<body>\n"
			   "<a class=\"skip\" href=\"#main\">Skip to main content</a>\n"
			   "<header class=\"site\"><div class=\"bar\">\n<p class=\"brand\"><a href=\"") < 0 ||
	    site_root(b, depth) < 0 || hrdex_buf_puts(b, "index.html\">") < 0 || hrdex_html_text(b, s->title) < 0 ||
	    hrdex_buf_puts(b, "</a></p>\n<nav aria-label=\"Site\"><ul>") < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (hrdex_buf_puts(b, "<li><a href=\"") < 0 || site_root(b, depth) < 0 ||
		    hrdex_buf_printf(b, "%s\"%s>%s</a></li>", items[i][0],
				     (int)nav == (int)i + 1 ? " aria-current=\"page\"" : "", items[i][1]) < 0)
			return -1;
	if (hrdex_buf_puts(b, "</ul></nav>\n") < 0)
		return -1;
	if (nav != NAV_SEARCH &&
	    (hrdex_buf_puts(b, "<form class=\"search\" role=\"search\" method=\"get\" action=\"") < 0 ||
	     site_root(b, depth) < 0 ||
	     hrdex_buf_puts(b, "search.html\"><label for=\"site-q\">Search documents</label> "
			    "<input id=\"site-q\" name=\"q\" type=\"search\"> "
			    "<button type=\"submit\">Search</button></form>\n") < 0))
		return -1;
	return hrdex_buf_puts(b, "</div></header>\n<main id=\"main\" tabindex=\"-1\">\n");
}

/* with_build: name main's commit (the home page only, so that no other
 * page changes with every commit). */
int site_page_end(struct site *s, struct hrdex_buf *b, int with_build)
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

/* ---- pieces of pages ---- */

/* " lang="x" dir="y"" for a language tag, or " dir="auto"" when it is not
 * a well-formed tag. */
int site_lang_attrs(struct hrdex_buf *b, const char *tag)
{
	if (!hrdex_html_lang_ok(tag))
		return hrdex_buf_puts(b, " dir=\"auto\"");
	return hrdex_buf_printf(b, " lang=\"%s\" dir=\"%s\"", tag, hrdex_html_dir(tag));
}

int site_root(struct hrdex_buf *b, int depth)
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
	return site_root(b, depth) < 0 ? -1 : hrdex_buf_printf(b, "%s/%s/%s.html", r->publisher, r->type, r->id);
}

/* A date or date-time as <time>: "2016-10-04" or "2016-10-04 10:00 (+02:00)";
 * a local one (version 2, "2016-10-04T10:00", no seconds, no offset)
 * without a zone. */
int site_put_time(struct hrdex_buf *b, const char *when)
{
	size_t n = strlen(when);

	if (hrdex_buf_puts(b, "<time datetime=\"") < 0 || hrdex_html_text(b, when) < 0 ||
	    hrdex_buf_puts(b, "\">") < 0)
		return -1;
	if (n >= 16 && when[10] == 'T') {
		const char *zone = when + (n < 19 ? n : 19);

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
int site_put_span(struct hrdex_buf *b, const char *start, const char *end)
{
	if (!start)
		return 0;
	if (site_put_time(b, start) < 0)
		return -1;
	if (end && strcmp(end, start) && hrdex_buf_puts(b, " – ") < 0)
		return -1;
	if (end && strcmp(end, start) && site_put_time(b, end) < 0)
		return -1;
	return 0;
}

/* The title of d as a link from a page at depth. */
int site_title_link(struct hrdex_buf *b, int depth, const struct sdoc *d)
{
	if (hrdex_buf_puts(b, "<a href=\"") < 0 || doc_href(b, depth, &d->ref) < 0 || hrdex_buf_putc(b, '"') < 0)
		return -1;
	if (d->title) {
		if (site_lang_attrs(b, d->title->string) < 0 || hrdex_buf_putc(b, '>') < 0 ||
		    hrdex_html_text(b, d->title->valuestring) < 0)
			return -1;
	} else if (hrdex_buf_putc(b, '>') < 0 || hrdex_html_text(b, d->refstr) < 0) {
		return -1;
	}
	return hrdex_buf_puts(b, "</a>");
}

int site_looks_like_date(const char *v)
{
	size_t i;

	for (i = 0; i < 10; i++) {
		char c = v[i];

		if (i == 4 || i == 7 ? c != '-' : !(c >= '0' && c <= '9'))
			return 0;
	}
	return v[10] == '\0' || v[10] == 'T';
}

/* The display name of pub as a link to its page from a page at depth. */
int site_pub_link(const struct site *s, struct hrdex_buf *b, int depth, const char *pub)
{
	if (hrdex_buf_puts(b, "<a href=\"") < 0 || site_root(b, depth) < 0 ||
	    hrdex_buf_printf(b, "%s/index.html\">", pub) < 0 || hrdex_html_text(b, site_pub_name(s, pub)) < 0)
		return -1;
	return hrdex_buf_puts(b, "</a>");
}

/* ---- the assets ---- */

int site_emit_assets(struct site *s)
{
	const struct hrdex_builtin_file *f;
	struct hrdex_buf b = HRDEX_BUF_INIT;
	int ret = 0;

	for (f = hrdex_builtin_assets; f->name && ret == 0; f++) {
		hrdex_buf_clear(&b);
		ret = hrdex_buf_put(&b, f->data, f->len) < 0 || site_emit_content(s, f->name, &b) < 0 ? -1 : 0;
	}
	hrdex_buf_free(&b);
	return ret;
}
