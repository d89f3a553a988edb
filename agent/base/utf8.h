/*
 * utf8.h - UTF-8 as Unicode's table 3-7 defines it: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no truncated sequence.  One rule of
 * well-formedness (hrdex_utf8_sequence) serves the strict JSON parser, the
 * canonical writer and every caller that checks or walks text.
 */
#ifndef HRDEX_UTF8_H
#define HRDEX_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length (1-4) of the well-formed UTF-8 sequence at s, of which at most
 * avail bytes may be read, or 0 with *why naming the fault ("overlong
 * encoding", "surrogate code point", "truncated sequence"...).
 */
size_t hrdex_utf8_sequence(const unsigned char *s, size_t avail, const char **why);

/*
 * The common 2- and 3-byte sequences (Latin, Greek, Cyrillic, Hebrew, Arabic,
 * CJK), checked inline; 0 sends the caller to hrdex_utf8_sequence() for the rest
 * and for the diagnosis.  Reads s[1] only when s[0] is a lead byte and s[2]
 * only when s[1] is a continuation byte, so a NUL terminator bounds it.
 */
static inline size_t hrdex_utf8_quick(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE1 && c <= 0xEF && c != 0xED)
		return (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	return 0;
}

/*
 * Check that s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF,
 * no truncated sequence; NUL bytes are valid).  Like every fallible hrdex
 * call, returns 0 when valid, and -1 when not, with HRDEX_E_INVALID and
 * "invalid UTF-8 at byte N: what is wrong".  Not a boolean: test "< 0".
 */
int hrdex_utf8_valid(const char *s, size_t len);

/* Decode the UTF-8 sequence at s (at most n bytes): its length, with the
 * code point in *cp; 0 when it is not a valid shortest-form sequence of a
 * Unicode scalar value. */
size_t hrdex_utf8_decode(const void *s, size_t n, unsigned *cp);

/* The same over NUL-terminated text, never failing: an invalid byte is one
 * U+FFFD of length 1, so callers can always advance by *len. */
unsigned hrdex_utf8_next(const void *s, size_t *len);

/* Number of Unicode code points in a valid, NUL-terminated UTF-8 string. */
size_t hrdex_utf8_length(const char *s);

/* Write code point cp (at most U+10FFFF, not checked) as UTF-8 into out
 * (4 bytes of room); returns its length. */
size_t hrdex_utf8_encode(char *out, uint32_t cp);

#endif
