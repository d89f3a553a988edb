/*
 * ascii.h - ASCII character classes for formats that are defined in ASCII
 * (JSON, URIs, dates): unlike <ctype.h> they do not depend on the locale,
 * and they take any int, negative chars included.
 */
#ifndef HRDEX_ASCII_H
#define HRDEX_ASCII_H

static inline int hrdex_ascii_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int hrdex_ascii_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int hrdex_ascii_xdigit(int c)
{
	return hrdex_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The value of a hex digit (hrdex_ascii_xdigit(c) must hold). */
static inline int hrdex_ascii_xvalue(int c)
{
	return hrdex_ascii_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

#endif
