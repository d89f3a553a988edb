/*
 * date.c - calendar arithmetic without the C library's time zone state.
 */
#include "date.h"

#include <string.h>

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

static int parse_ymd(const char *s, int *y, int *m, int *d)
{
	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (digits(s, 4, y) < 0 || digits(s + 5, 2, m) < 0 || digits(s + 8, 2, d) < 0)
		return -1;
	if (*m < 1 || *m > 12 || *d < 1 || *d > month_days(*y, *m))
		return -1;
	return 0;
}

int hrdex_date_valid(const char *s)
{
	int y, m, d;

	return strlen(s) == 10 && parse_ymd(s, &y, &m, &d) == 0;
}

/* Days from civil (Howard Hinnant's algorithm), proleptic Gregorian. */
static long days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int hrdex_date_civil_days(long *out, int y, int m, int d)
{
	if (y < 0 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -1;
	*out = days_from_civil(y, m, d);
	return 0;
}

int hrdex_date_to_days(long *out, const char *s)
{
	int y, m, d;

	if (parse_ymd(s, &y, &m, &d) < 0)
		return -1;
	*out = days_from_civil(y, m, d);
	return 0;
}

void hrdex_date_from_days(char *out, long z, int extended)
{
	long era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	if (extended) {
		out[4] = '-';
		out[5] = (char)('0' + m / 10);
		out[6] = (char)('0' + m % 10);
		out[7] = '-';
		out[8] = (char)('0' + d / 10);
		out[9] = (char)('0' + d % 10);
		out[10] = '\0';
	} else {
		out[4] = (char)('0' + m / 10);
		out[5] = (char)('0' + m % 10);
		out[6] = (char)('0' + d / 10);
		out[7] = (char)('0' + d % 10);
		out[8] = '\0';
	}
}

int hrdex_datetime_parse(time_t *out, const char *s)
{
	int y, mo, d, hh, mm, ss, oh = 0, om = 0, sign = 0;
	const char *p;
	long days;

	if (parse_ymd(s, &y, &mo, &d) < 0 || s[10] != 'T')
		return -1;
	if (strlen(s) < 19 || s[13] != ':' || s[16] != ':' || digits(s + 11, 2, &hh) < 0 ||
	    digits(s + 14, 2, &mm) < 0 || digits(s + 17, 2, &ss) < 0)
		return -1;
	if (hh > 23 || mm > 59 || ss > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
		   digits(p + 1, 2, &oh) == 0 && digits(p + 4, 2, &om) == 0) {
		sign = *p == '+' ? 1 : -1;
	} else {
		return -1;
	}
	days = days_from_civil(y, mo, d);
	*out = (time_t)days * 86400 + hh * 3600 + mm * 60 + ss - sign * (oh * 3600 + om * 60);
	return 0;
}

/* "hh:mm" or "hh:mm:ss", a time of day (second 60: a leap second). */
static int local_time(const char *s)
{
	int h, m, sec = 0;
	size_t n = strlen(s);

	if ((n != 5 && n != 8) || digits(s, 2, &h) < 0 || s[2] != ':' || digits(s + 3, 2, &m) < 0)
		return -1;
	if (n == 8 && (s[5] != ':' || digits(s + 6, 2, &sec) < 0))
		return -1;
	return h > 23 || m > 59 || sec > 60 ? -1 : 0;
}

int hrdex_pdate_range(const char *s, char first[11], char last[11], int *precision)
{
	size_t n = strlen(s);
	int y, m = 1, d, m2 = 12;
	time_t t;

	if (n < 4 || digits(s, 4, &y) < 0)
		return -1;
	if (n == 4) {
		*precision = 1;
	} else if (n == 7 && s[4] == '-' && s[5] == 'Q' && s[6] >= '1' && s[6] <= '4') {
		m = (s[6] - '1') * 3 + 1;
		m2 = m + 2;
		*precision = 2;
	} else if (n == 7 && s[4] == '-' && digits(s + 5, 2, &m) == 0 && m >= 1 && m <= 12) {
		m2 = m;
		*precision = 3;
	} else if (n == 10 && parse_ymd(s, &y, &m, &d) == 0) {
		memcpy(first, s, 10);
		first[10] = '\0';
		memcpy(last, first, 11);
		*precision = 4;
		return 0;
	} else if (n > 10 && parse_ymd(s, &y, &m, &d) == 0 && s[10] == 'T' &&
		   (local_time(s + 11) == 0 || hrdex_datetime_parse(&t, s) == 0)) {
		memcpy(first, s, 10);
		first[10] = '\0';
		memcpy(last, first, 11);
		*precision = 5;
		return 0;
	} else {
		return -1;
	}
	hrdex_date_from_days(first, days_from_civil(y, m, 1), 1);
	hrdex_date_from_days(last, days_from_civil(y, m2, month_days(y, m2)), 1);
	return 0;
}
