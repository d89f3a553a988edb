/*
 * schema_format.h - the draft-07 "format" values hrdex checks: date,
 * date-time, time (RFC 3339), email, uri, uri-reference (RFC 3986) and regex
 * (what PCRE2 compiles with the flags "pattern" uses).  Other formats are
 * annotations only, as draft-07 allows.
 */
#ifndef HRDEX_SCHEMA_FORMAT_H
#define HRDEX_SCHEMA_FORMAT_H

/* NULL when s is valid for format or format is not one hrdex checks; else
 * what s should have been ("a valid date (YYYY-MM-DD)"), for a message. */
const char *hrdex_schema_format_problem(const char *format, const char *s);

#endif
