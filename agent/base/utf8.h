/*
 * utf8.h - decoding UTF-8 one sequence at a time, for every layer that
 * shows or measures text (base/text.c, derive/html.c, output.c...).
 * Checking a whole string is json.h's hrdex_utf8_valid().
 */
#ifndef HRDEX_UTF8_H
#define HRDEX_UTF8_H

#include <stddef.h>

/* Decode the UTF-8 sequence at s (at most n bytes): its length, with the
 * code point in *cp; 0 when it is not a valid shortest-form sequence of a
 * Unicode scalar value. */
size_t hrdex_utf8_decode(const void *s, size_t n, unsigned *cp);

/* The same over NUL-terminated text, never failing: an invalid byte is one
 * U+FFFD of length 1, so callers can always advance by *len. */
unsigned hrdex_utf8_next(const void *s, size_t *len);

#endif
