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
 *          says (controls, C1, bidi controls shown as "\x1b", "\u202e") (East Asian wide
 *          characters count two columns, combining marks none); the title
 *          is cut with "…" to fit opts.width when it is set
 *   refs   one ref per line
 *   csv    RFC 4180 (CRLF, quoted when needed), header
 *          ref,publisher,type,id,date,title,countries,themes; lists joined by ';';
 *          a cell starting with '=', '+', '-', '@', tab or CR gets a leading
 *          "'" so that spreadsheets do not run it as a formula (OWASP)
 *   ics    RFC 5545 VCALENDAR, one VEVENT per event or visit (other types are
 *          skipped): UID <ref>@hrdex, DTSTAMP, DTSTART/DTEND (all-day as
 *          VALUE=DATE with the exclusive end = last day + 1, date-times in
 *          UTC), SUMMARY, DESCRIPTION, LOCATION, URL; CRLF, folded at 75 octets
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

/* "jsonl", "json", "table", "refs", "csv", "ics"; else -1, HRDEX_EX_USAGE. */
int hrdex_format_parse(enum hrdex_format *out, const char *name);

struct hrdex_output_opts {
	enum hrdex_format format;
	int width;        /* table: terminal columns to fit, 0 for no limit */
	time_t now;       /* ics: DTSTAMP */
};

struct hrdex_output;

int hrdex_output_new(struct hrdex_output **out, const struct hrdex_output_opts *opts);
void hrdex_output_free(struct hrdex_output *o);

/* Append the text of one row to buf. */
int hrdex_output_row(struct hrdex_output *o, struct hrdex_buf *buf, const struct hrdex_query_row *row);

/* Append what ends the output (json's "]", ics's END:VCALENDAR, the table). */
int hrdex_output_finish(struct hrdex_output *o, struct hrdex_buf *buf);

/* Display width of UTF-8 text in terminal columns. */
size_t hrdex_output_width(const char *s);

#endif
