/*
 * date.h - calendar dates (YYYY-MM-DD) and RFC 3339 date-times as documents
 * write them.
 */
#ifndef HRDEX_DATE_H
#define HRDEX_DATE_H

#include <time.h>

/* 1 when s is exactly YYYY-MM-DD and that day exists. */
int hrdex_date_valid(const char *s);

/* Parse YYYY-MM-DD (the first 10 characters of s) to days since 1970-01-01. */
int hrdex_date_to_days(long *out, const char *s);

/* Days since 1970-01-01 of year y (0..9999), month m, day d (proleptic
 * Gregorian); -1 when that day does not exist. */
int hrdex_date_civil_days(long *out, int y, int m, int d);

/* Write days since 1970-01-01 as YYYYMMDD (basic, for iCalendar) or
 * YYYY-MM-DD (extended) into out (at least 11 bytes). */
void hrdex_date_from_days(char *out, long days, int extended);

/*
 * Parse an RFC 3339 date-time "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)" to
 * seconds since the epoch (UTC); fractions are dropped.  Returns -1 when s is
 * not one.
 */
int hrdex_datetime_parse(time_t *out, const char *s);

/*
 * The span of days a date at any precision covers, as YYYY-MM-DD into first
 * and last, and its precision: "2016" -> 2016-01-01 .. 2016-12-31, 1 (year);
 * "2016-Q2" -> 2016-04-01 .. 2016-06-30, 2 (quarter); "2016-04" -> 3
 * (month); "2016-04-06" -> 4 (day); a date-time, RFC 3339 with an offset or
 * local "YYYY-MM-DDThh:mm[:ss]" without one, -> its date, 5.  Returns 0, or
 * -1 (no error set) when s is none of these or names a day that does not
 * exist.
 */
int hrdex_pdate_range(const char *s, char first[11], char last[11], int *precision);

#endif
