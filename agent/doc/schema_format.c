/*
 * schema_format.c - the JSON Schema "format" keyword's checks (see
 * schema_format.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "schema_format.h"
#include "ascii.h"
#include "date.h"
#include "schema_node.h"
#include "uri.h"

#include <string.h>

#include <pcre2.h>

static int digits(const char *s, int count, int *value)
{
	int v = 0, i;

	for (i = 0; i < count; i++) {
		if (!hrdex_ascii_digit(s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return 1;
}

/* RFC 3339 full-date at the start of s: YYYY-MM-DD, a real calendar day
 * (date.c's rule, which documents use too). */
static int format_date_prefix(const char *s)
{
	long days;

	return hrdex_date_to_days(&days, s) == 0;
}

static int format_date(const char *s)
{
	return hrdex_date_valid(s);
}

/* RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); second 60 only for a
 * leap second, which happens at 23:59:60 UTC. */
static int format_time(const char *s)
{
	int h, m, sec, oh = 0, om = 0, sign = 0, utc;

	if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &m) || s[5] != ':' ||
	    !digits(s + 6, 2, &sec))
		return 0;
	s += 8;
	if (*s == '.') {
		if (!hrdex_ascii_digit(s[1]))
			return 0;
		for (s++; hrdex_ascii_digit(*s); s++)
			;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		if (!digits(s + 1, 2, &oh) || s[3] != ':' || !digits(s + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return 0;
		s += 6;
	} else {
		return 0;
	}
	if (*s || h > 23 || m > 59 || sec > 60)
		return 0;
	if (sec == 60) {
		utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;
		return utc == 23 * 60 + 59;
	}
	return 1;
}

static int format_date_time(const char *s)
{
	return strlen(s) > 11 && format_date_prefix(s) && (s[10] == 'T' || s[10] == 't') &&
	       format_time(s + 11);
}

/* A date at the precision the source gives (date.h, hrdex_pdate_range):
 * YYYY, YYYY-MM, YYYY-Qn or YYYY-MM-DD, a day or month that exists. */
static int format_partial_date(const char *s)
{
	char first[11], last[11];
	int precision;

	return hrdex_pdate_range(s, first, last, &precision) == 0 && precision <= 4;
}

/* A wall-clock date-time without an offset: YYYY-MM-DDThh:mm[:ss]. */
static int format_local_date_time(const char *s)
{
	char first[11], last[11];
	int precision;

	return hrdex_pdate_range(s, first, last, &precision) == 0 && precision == 5 &&
	       (strlen(s) == 16 || strlen(s) == 19);
}

static int format_email(const char *s)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	const char *at = strrchr(s, '@'), *p, *label;

	if (!at || at == s || !at[1] || *s == '.' || at[-1] == '.')
		return 0;
	for (p = s; p < at; p++) {
		if (!(hrdex_ascii_alpha(*p) || hrdex_ascii_digit(*p) || strchr(atext, *p) || *p == '.') ||
		    (*p == '.' && p[1] == '.'))
			return 0;
	}
	p = at + 1;
	if (*p == '[') /* address literal */
		return p[strlen(p) - 1] == ']' && strlen(p) > 2 &&
		       strspn(p + 1, "0123456789abcdefABCDEF.:") == strlen(p) - 2;
	for (label = p;; p++) {
		if (*p == '.' || !*p) {
			size_t len = (size_t)(p - label);

			if (len == 0 || len > 63 || label[0] == '-' || p[-1] == '-')
				return 0;
			if (!*p)
				return 1;
			label = p + 1;
		} else if (!(hrdex_ascii_alpha(*p) || hrdex_ascii_digit(*p) || *p == '-')) {
			return 0;
		}
	}
}


static int format_regex(const char *s)
{
	PCRE2_SIZE offset;
	pcre2_code *code;
	int errcode;

	code = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, HRDEX_SCHEMA_PATTERN_FLAGS, &errcode, &offset,
			     NULL);
	pcre2_code_free(code);
	return code != NULL;
}


const char *hrdex_schema_format_problem(const char *format, const char *s)
{
	static const struct { const char *name; int (*ok)(const char *); const char *what; } formats[] = {
		{ "date", format_date, "a valid date (YYYY-MM-DD)" },
		{ "date-time", format_date_time, "a valid date-time (RFC 3339)" },
		{ "time", format_time, "a valid time (RFC 3339, with an offset)" },
		{ "partial-date", format_partial_date, "a valid date (YYYY, YYYY-MM, YYYY-Qn or YYYY-MM-DD)" },
		{ "local-date-time", format_local_date_time,
		  "a valid local date-time (YYYY-MM-DDThh:mm or YYYY-MM-DDThh:mm:ss)" },
		{ "email", format_email, "a valid email address" },
		{ "uri", hrdex_uri_absolute_valid, "a valid absolute URI" },
		{ "uri-reference", hrdex_uri_reference_valid, "a valid URI reference" },
		{ "regex", format_regex, "a valid regular expression" },
	};
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(format, formats[i].name) == 0)
			return formats[i].ok(s) ? NULL : formats[i].what;
	return NULL; /* unknown formats are annotations only */
}
