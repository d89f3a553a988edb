/*
 * site_summary.c - the pages of the static site that summarise documents:
 * the home page (publishers, upcoming events and visits, latest documents),
 * a page per publisher and a page per publisher and type.
 */
#include "site_int.h"
#include "buf.h"
#include "error.h"
#include "html.h"
#include "readme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LATEST 20                    /* documents on the home and publisher pages */

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
		if ((cols & COL_WHEN) && d->start ? site_put_span(b, d->start, d->end) < 0
						  : (d->date[0] && site_put_time(b, d->date) < 0))
			return -1;
		if (hrdex_buf_puts(b, "</td><td>") < 0 || site_title_link(b, depth, d) < 0 ||
		    hrdex_buf_puts(b, "</td>") < 0)
			return -1;
		if ((cols & COL_TYPE) &&
		    hrdex_buf_printf(b, "<td>%s</td>", hrdex_type_label(d->ref.type, 0)) < 0)
			return -1;
		if ((cols & COL_PUB) &&
		    (hrdex_buf_puts(b, "<td>") < 0 || site_pub_link(s, b, depth, d->ref.publisher) < 0 ||
		     hrdex_buf_puts(b, "</td>") < 0))
			return -1;
		if (hrdex_buf_puts(b, "</tr>\n") < 0)
			return -1;
	}
	return hrdex_buf_puts(b, "</tbody>\n</table>\n");
}

/* ---- summary pages ---- */

static size_t *all_idx(const struct site *s)
{
	size_t *idx = calloc(s->ndocs + 1, sizeof(*idx)), i;

	for (i = 0; idx && i < s->ndocs; i++)
		idx[i] = i;
	return idx;
}

/* The head of a table of documents by type: a column per type, then All;
 * ends opening <tbody>. */
static int counts_head(struct hrdex_buf *b)
{
	int t;

	for (t = 0; t < hrdex_ntypes(); t++)
		if (hrdex_buf_printf(b, "<th scope=\"col\" class=\"num\">%s</th>", hrdex_type_label(hrdex_doctype_at(t)->name, 1)) < 0)
			return -1;
	return hrdex_buf_puts(b, "<th scope=\"col\" class=\"num\">All</th></tr></thead>\n<tbody>");
}

/* The cells of pub's row under counts_head: its documents of each type,
 * linked to the type's page when there are some, then all of them.  Links
 * go to "P/TYPE.html" from the root, or to "TYPE.html" from inside P/. */
static int counts_row(struct site *s, struct hrdex_buf *b, const char *pub, int inside)
{
	size_t counts[HRDEX_NTYPES_MAX] = { 0 }, i, total = 0;
	int t;

	for (i = 0; i < s->ndocs; i++)
		if (!strcmp(s->docs[i].ref.publisher, pub)) {
			counts[s->docs[i].type]++;
			total++;
		}
	for (t = 0; t < hrdex_ntypes(); t++) {
		if (counts[t] == 0) {
			if (hrdex_buf_puts(b, "<td class=\"num\">0</td>") < 0)
				return -1;
		} else if (hrdex_buf_printf(b, "<td class=\"num\"><a href=\"%s%s%s.html\">%zu</a></td>",
					    inside ? "" : pub, inside ? "" : "/", hrdex_doctype_at(t)->name, counts[t]) < 0) {
			return -1;
		}
	}
	return hrdex_buf_printf(b, "<td class=\"num\">%zu</td>", total);
}

int site_emit_home(struct site *s)
{
	struct hrdex_buf *b = &s->page;
	size_t *idx = all_idx(s), *up = NULL, nup = 0, i;
	int ret = -1;

	if (!idx)
		return hrdex_error_oom();
	up = calloc(s->ndocs + 1, sizeof(*up));
	if (!up) {
		hrdex_error_oom();
		goto cleanup;
	}
	if (site_page_begin(s, b, 0, s->title, NAV_HOME) < 0 || hrdex_buf_puts(b, "<h1>") < 0 ||
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
		if (counts_head(b) < 0 || hrdex_buf_putc(b, '\n') < 0)
			goto cleanup;
		for (i = 0; i < s->npubs; i++) {
			const char *name = site_pub_name(s, s->pubs[i]);

			if (hrdex_buf_puts(b, "<tr><th scope=\"row\">") < 0 || site_pub_link(s, b, 0, s->pubs[i]) < 0 ||
			    (strcmp(name, s->pubs[i]) &&
			     hrdex_buf_printf(b, " <span class=\"id\">(%s)</span>", s->pubs[i]) < 0) ||
			    hrdex_buf_puts(b, "</th>") < 0 || counts_row(s, b, s->pubs[i], 0) < 0 ||
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
	site_sort_by_start(s, up, nup);
	if (hrdex_buf_puts(b, "<h2 id=\"upcoming\">Upcoming events and visits</h2>\n") < 0 ||
	    (nup ? doc_table(s, b, 0, up, nup < LATEST ? nup : LATEST, "Events and visits not over yet, soonest first",
			     COL_WHEN | COL_TYPE | COL_PUB)
		 : hrdex_buf_puts(b, "<p class=\"empty\">None announced.</p>\n")) < 0 ||
	    hrdex_buf_puts(b, "<p><a href=\"calendar.html\">The whole calendar</a>, also as "
			   "<a href=\"calendar.ics\">iCalendar file</a>.</p>\n") < 0)
		goto cleanup;
	site_sort_by_date_desc(s, idx, s->ndocs);
	if (hrdex_buf_puts(b, "<h2 id=\"latest\">Latest documents</h2>\n") < 0 ||
	    doc_table(s, b, 0, idx, s->ndocs < LATEST ? s->ndocs : LATEST, "The newest documents by date",
		      COL_TYPE | COL_PUB) < 0 ||
	    site_page_end(s, b, 1) < 0)
		goto cleanup;
	ret = site_emit_content(s, "index.html", b);
cleanup:
	free(up);
	free(idx);
	return ret;
}

int site_emit_publisher(struct site *s, const char *pub)
{
	struct hrdex_buf *b = &s->page;
	const char *name = site_pub_name(s, pub);
	size_t *idx = calloc(s->ndocs + 1, sizeof(*idx)), n = 0, nt, i;
	char path[HRDEX_PUBLISHER_MAX + 32], caption[256];
	int t, ret = -1;

	if (!idx)
		return hrdex_error_oom();
	for (i = 0; i < s->ndocs; i++)
		if (!strcmp(s->docs[i].ref.publisher, pub))
			idx[n++] = i;
	site_sort_by_date_desc(s, idx, n);
	if (site_page_begin(s, b, 1, name, NAV_NONE) < 0 ||
	    hrdex_buf_puts(b, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"../index.html\">"
			   "Home</a></li><li aria-current=\"page\">") < 0 ||
	    hrdex_html_text(b, name) < 0 || hrdex_buf_puts(b, "</li></ol></nav>\n<h1>") < 0 ||
	    hrdex_html_text(b, name) < 0 ||
	    hrdex_buf_printf(b, "</h1>\n<p class=\"meta\">Publisher id <code>%s</code>.</p>\n"
			     "<h2 id=\"types\">Documents by type</h2>\n<table>\n<caption>Documents of this publisher by type"
			     "</caption>\n<thead><tr>", pub) < 0)
		goto cleanup;
	if (counts_head(b) < 0 || hrdex_buf_puts(b, "<tr>") < 0 || counts_row(s, b, pub, 1) < 0)
		goto cleanup;
	nt = n < LATEST ? n : LATEST;
	hrdex_fmt_cut(caption, sizeof(caption), "The %zu newest documents", nt);
	if (hrdex_buf_puts(b, "</tr></tbody>\n</table>\n") < 0 ||
	    hrdex_buf_puts(b, "<h2 id=\"latest\">Latest documents</h2>\n") < 0 ||
	    doc_table(s, b, 1, idx, nt, caption, COL_TYPE) < 0 || site_page_end(s, b, 0) < 0)
		goto cleanup;
	if (hrdex_fmt(path, sizeof(path), "%s/index.html", pub) < 0)
		goto cleanup;
	if (site_emit_content(s, path, b) < 0)
		goto cleanup;
	/* one page per type */
	for (t = 0; t < hrdex_ntypes(); t++) {
		size_t *tidx = calloc(n + 1, sizeof(*tidx)), m = 0;
		char title[512];
		int r;

		if (!tidx) {
			hrdex_error_oom();
			goto cleanup;
		}
		for (i = 0; i < n; i++)
			if (s->docs[idx[i]].type == t)
				tidx[m++] = idx[i];
		if (m == 0) {
			free(tidx);
			continue;
		}
		hrdex_fmt_cut(title, sizeof(title), "%s – %s", hrdex_type_label(hrdex_doctype_at(t)->name, 1), name);
		hrdex_fmt_cut(caption, sizeof(caption), "All %zu, newest first", m);
		r = site_page_begin(s, b, 1, title, NAV_NONE) < 0 ||
		    hrdex_buf_puts(b, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"../index.html\">"
				   "Home</a></li><li><a href=\"index.html\">") < 0 ||
		    hrdex_html_text(b, name) < 0 ||
		    hrdex_buf_printf(b, "</a></li><li aria-current=\"page\">%s</li></ol></nav>\n<h1>",
				     hrdex_type_label(hrdex_doctype_at(t)->name, 1)) < 0 ||
		    hrdex_html_text(b, title) < 0 || hrdex_buf_puts(b, "</h1>\n") < 0 ||
		    doc_table(s, b, 1, tidx, m, caption,
			      hrdex_doctype_at(t)->calendar ? COL_WHEN : 0) < 0 ||
		    site_page_end(s, b, 0) < 0 ? -1 : 0;
		free(tidx);
		if (hrdex_fmt(path, sizeof(path), "%s/%s.html", pub, hrdex_doctype_at(t)->name) < 0)
			goto cleanup;
		if (r < 0 || site_emit_content(s, path, b) < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	free(idx);
	return ret;
}
