/*
 * schema_format.h - the draft-07 "format" values hrdex checks: date,
 * date-time, time (RFC 3339), email, uri, uri-reference (RFC 3986), regex
 * (what PCRE2 compiles with the flags "pattern" uses), and hrdex's own
 * partial-date (YYYY, YYYY-MM, YYYY-Qn, YYYY-MM-DD: a day that exists) and
 * local-date-time (YYYY-MM-DDThh:mm[:ss], no offset) of schema version 2.  Other formats are
 * annotations only, as draft-07 allows.
 */
#ifndef HRDEX_SCHEMA_FORMAT_H
#define HRDEX_SCHEMA_FORMAT_H

/* NULL when s is valid for format or format is not one hrdex checks; else
 * what s should have been ("a valid date (YYYY-MM-DD)"), for a message. */
const char *hrdex_schema_format_problem(const char *format, const char *s);

#endif
