/*
 * output.h - formatting query results: jsonl, json, table, refs, csv, ics.
 *
 * Formatters append to a buffer that the command layer writes out, so they
 * print nothing themselves and are testable.  All but table stream (a row's
 * text is ready when hrdex_output_row returns); table buffers rows to align
 * columns and writes them at hrdex_output_finish.
 *
 *   jsonl  one compact document per line (the cache's json column)
 *   json   one JSON array of the documents
 *   table  REF, DATE, TITLE aligned by display width, each escaped as text.h
 *          says (controls, C1, bidi controls shown as "\x1b", "\u202e") (East
 *          Asian wide characters count two columns, combining marks none); the
 *          last column is cut with "…" to fit opts.width when it is set
 *   refs   one ref per line
 *   csv    RFC 4180 (CRLF, quoted when needed), header
 *          ref,publisher,type,id,date,title,countries,themes; lists joined by ';';
 *          a cell starting with '=', '+', '-', '@', tab or CR gets a leading
 *          "'" so that spreadsheets do not run it as a formula (OWASP)
 *
 * opts.fields ("--fields", csv, table, jsonl, json) names what a row shows,
 * comma-separated: a cache column (ref, publisher, type, id, date, start,
 * end, title, lang, countries, themes, commit: the values of the default
 * csv) or else a dotted member path into the document ("title.fr",
 * "dates.start", "place.country", "links.0.ref").  csv and table take the
 * names as the header (table upper-cased) and the values as text: strings
 * as they are, lists of strings or numbers joined by ';', objects as compact
 * JSON; jsonl and json give one object per row keyed by the names, with
 * JSON values.  A path the document lacks is an empty cell (null): types
 * differ, so it is no error.  A malformed name, or --fields with refs or
 * ics, is HRDEX_E_USAGE at hrdex_output_new().
 *   ics    RFC 5545 VCALENDAR, one VEVENT per event or visit (other types are
 *          skipped): UID <ref>@hrdex, DTSTAMP, DTSTART/DTEND (all-day as
 *          VALUE=DATE with the exclusive end = last day + 1, partial dates
 *          over every day they cover; date-times with an offset in UTC; a
 *          version-2 local date-time with the document's time_zone as
 *          DTSTART;TZID=ZONE:YYYYMMDDThhmmss, with one VTIMEZONE per zone
 *          used, from the system's tzdata through libical, before
 *          END:VCALENDAR; a zone the system does not know gives the days),
 *          SEQUENCE (when the row's sequence is above 0), STATUS:CANCELLED
 *          (a withdrawn row, or status "cancelled"), SUMMARY, DESCRIPTION,
 *          LOCATION, URL; CRLF, folded at 75 octets
 */
#ifndef HRDEX_OUTPUT_H
#define HRDEX_OUTPUT_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "cache.h"

enum hrdex_format {
	HRDEX_FORMAT_JSONL,
	HRDEX_FORMAT_JSON,
	HRDEX_FORMAT_TABLE,
	HRDEX_FORMAT_REFS,
	HRDEX_FORMAT_CSV,
	HRDEX_FORMAT_ICS,
};

/* "jsonl", "json", "table", "refs", "csv", "ics"; else -1, HRDEX_E_USAGE. */
int hrdex_format_parse(enum hrdex_format *out, const char *name);

struct hrdex_output_opts {
	enum hrdex_format format;
	int width;        /* table: terminal columns to fit, 0 for no limit */
	time_t now;       /* ics: DTSTAMP */
	const char *fields;   /* NULL: the format's own columns; see above */
};

struct hrdex_output;

int hrdex_output_new(struct hrdex_output **out, const struct hrdex_output_opts *opts);
void hrdex_output_free(struct hrdex_output *o);

/* Whether rows must carry json (and commit): hrdex_query.no_json is its
 * negation. */
int hrdex_output_needs_json(const struct hrdex_output *o);

/* Append the text of one row to buf. */
int hrdex_output_row(struct hrdex_output *o, struct hrdex_buf *buf, const struct hrdex_query_row *row);

/* Append what ends the output (json's "]", ics's END:VCALENDAR, the table). */
int hrdex_output_finish(struct hrdex_output *o, struct hrdex_buf *buf);

/* Display width of UTF-8 text in terminal columns. */
size_t hrdex_output_width(const char *s);

#endif
