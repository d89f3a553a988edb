/*
 * json.h - strict JSON parsing and the canonical form, on top of cJSON.
 *
 * cJSON alone accepts duplicate keys, "\u0000" (which truncates), invalid
 * UTF-8, 1e400 (inf), leading zeros and trailing garbage.  hrdex_json_parse()
 * refuses all of these, plus unpaired surrogate escapes, nesting deeper than
 * max_depth and strings longer than max_string, before a document counts.
 *
 * The canonical form is what hrdex writes to git: UTF-8 without escapes other
 * than the ones JSON requires (", \, and control characters below U+0020,
 * written \b \f \n \r \t or \u00XX), object keys sorted by code point (that is,
 * by their UTF-8 bytes), two-space indent, ": " after keys, one trailing
 * newline; empty objects and arrays as {} and []; numbers as integers when
 * integral and below 2^53 in magnitude, else the shortest text that reads back
 * to the same double.  Canonicalising canonical text returns it unchanged.
 */
#ifndef HRDEX_JSON_H
#define HRDEX_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

struct hrdex_json_opts {
	size_t max_bytes;   /* 0: no limit beyond HRDEX_BUF_MAX */
	int max_depth;      /* 0: 64 */
	size_t max_string;  /* 0: no limit */
};

/*
 * Parse data (len bytes, need not be NUL-terminated) into *out.
 * On failure returns -1 with hrdex_error code HRDEX_EX_DATAERR and a message
 * "POINTER: what is wrong" (or "line L, column C: what is wrong" when no
 * pointer can be named yet, e.g. a syntax error), *out left NULL.
 */
int hrdex_json_parse(cJSON **out, const char *data, size_t len, const struct hrdex_json_opts *opts);

/* Append the canonical form of v to out. */
int hrdex_json_canonical(struct hrdex_buf *out, const cJSON *v);

/* Compact single-line form, keys sorted, for JSON Lines output; no newline. */
int hrdex_json_compact(struct hrdex_buf *out, const cJSON *v);

/* Check that s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int hrdex_utf8_valid(const char *s, size_t len);

/* Number of Unicode code points in a valid UTF-8 string. */
size_t hrdex_utf8_length(const char *s);

#endif
