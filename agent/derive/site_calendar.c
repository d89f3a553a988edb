/*
 * site_calendar.c - the calendar of the static site: events and visits by
 * month (calendar.html) and as iCalendar (calendar.ics).
 */
#include "site_int.h"
#include "error.h"
#include "html.h"
#include "output.h"
#include "readme.h"

#include <stdlib.h>
#include <string.h>

static const char *const months[] = { "January", "February", "March",     "April",   "May",      "June",
				      "July",    "August",   "September", "October", "November", "December" };

/* The month of a "YYYY-MM…" date in English, "?" when there is none. */
static const char *month_name(const char *date)
{
	int m = (date[5] - '0') * 10 + (date[6] - '0');

	return m >= 1 && m <= 12 ? months[m - 1] : "?";
}

/* What the calendar shows, in both forms: the documents whose start is a
 * date (only documents that parse have one), soonest first.  Indexes into
 * docs, *n of them; NULL when out of memory (error set). */
static size_t *calendar_idx(const struct site *s, size_t *n)
{
	size_t *idx = calloc(s->ndocs + 1, sizeof(*idx)), i;

	*n = 0;
	if (!idx) {
		hrdex_error_oom();
		return NULL;
	}
	for (i = 0; i < s->ndocs; i++)
		if (s->docs[i].start && s->docs[i].json && site_looks_like_date(s->docs[i].start))
			idx[(*n)++] = i;
	site_sort_by_start(s, idx, *n);
	return idx;
}

int site_emit_calendar(struct site *s)
{
	struct hrdex_buf *b = &s->page;
	size_t n, *idx = calendar_idx(s, &n), i, j;
	int ret = -1;

	if (!idx)
		return -1;
	if (site_page_begin(s, b, 0, "Calendar of events and visits", NAV_CALENDAR) < 0 ||
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

			if (i > 0 && !strncmp(s->docs[idx[i - 1]].start, st, 7))
				continue;
			if (hrdex_buf_printf(b, "<li><a href=\"#m-%.7s\">%s %.4s</a></li>", st,
					     month_name(st), st) < 0)
				goto cleanup;
		}
		if (hrdex_buf_puts(b, "</ul></nav>\n") < 0)
			goto cleanup;
	}
	for (i = 0; i < n; i = j) {
		const char *st = s->docs[idx[i]].start;

		if (hrdex_buf_printf(b, "<h2 id=\"m-%.7s\"><time datetime=\"%.7s\">%s %.4s</time></h2>\n"
				     "<table class=\"agenda\">\n"
				     "<caption>Events and visits starting in %s %.4s</caption>\n<thead><tr>"
				     "<th scope=\"col\">When</th><th scope=\"col\">What</th><th scope=\"col\">Type</th>"
				     "<th scope=\"col\">Where</th><th scope=\"col\">Publisher</th>"
				     "<th scope=\"col\">Status</th></tr></thead>\n<tbody>\n",
				     st, st, month_name(st), st, month_name(st), st) < 0)
			goto cleanup;
		for (j = i; j < n && !strncmp(s->docs[idx[j]].start, st, 7); j++) {
			const struct sdoc *d = &s->docs[idx[j]];
			const cJSON *json = d->json, *place = cJSON_GetObjectItemCaseSensitive(json, "place");
			const char *kind = site_str_member(json, "kind"), *status = site_str_member(json, "status");
			const char *where = hrdex_doctype_at(d->type)->where;
			const char *country = where ? cJSON_GetStringValue(hrdex_doctype_field(json, where)) : NULL;
			const char *city = site_str_member(place, "city");
			const cJSON *pname = cJSON_GetObjectItemCaseSensitive(place, "name"), *pn;

			pn = cJSON_IsString(pname) ? pname : hrdex_langmap_pick(pname, NULL);
			if (hrdex_buf_puts(b, "<tr><td>") < 0 || site_put_span(b, d->start, d->end) < 0 ||
			    hrdex_buf_puts(b, "</td><td>") < 0 || site_title_link(b, 0, d) < 0 ||
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
			if (hrdex_buf_puts(b, "</td><td>") < 0 || site_pub_link(s, b, 0, d->ref.publisher) < 0 ||
			    hrdex_buf_puts(b, "</td><td>") < 0 || hrdex_html_text(b, status ? status : "") < 0 ||
			    hrdex_buf_puts(b, "</td></tr>\n") < 0)
				goto cleanup;
		}
		if (hrdex_buf_puts(b, "</tbody>\n</table>\n") < 0)
			goto cleanup;
	}
	if (site_page_end(s, b, 0) < 0 || site_emit_content(s, "calendar.html", b) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(idx);
	return ret;
}

/* ---- iCalendar (RFC 5545), written by output.c as for `hrdex query --format ics` ---- */

int site_emit_ics(struct site *s)
{
	struct hrdex_output_opts oo = { HRDEX_FORMAT_ICS, 0, (time_t)s->main_time, NULL };
	struct hrdex_output *o = NULL;
	struct hrdex_buf *b = &s->page;
	size_t n, *idx = calendar_idx(s, &n), i;
	int ret = -1;

	if (!idx)
		return -1;
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
	if (hrdex_output_finish(o, b) < 0 || site_emit_content(s, "calendar.ics", b) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_output_free(o);
	free(idx);
	return ret;
}
