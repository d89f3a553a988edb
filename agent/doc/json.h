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
	int max_depth;      /* containers nested in one another; 0: 64; above 1000
			       (cJSON's own limit) counts as 1000 */
	size_t max_string;  /* bytes of one string or member name, as decoded
			       UTF-8; 0: no limit */
};

/*
 * Parse data (len bytes, need not be NUL-terminated) into *out, to be freed
 * with cJSON_Delete().  opts may be NULL for the defaults.
 * On failure returns -1 with hrdex_error code HRDEX_E_INVALID and a message
 * "POINTER: what is wrong at line L, column C" (a bad string or number, too
 * deep), "POINTER: what is wrong" (a duplicate key: POINTER names the
 * object; a number beyond a double), or "line L, column C: what is wrong"
 * (a syntax error, or any fault at the root, whose pointer is empty), *out
 * left NULL.  Columns count code points from 1.  HRDEX_E_INTERNAL means
 * out of memory.
 *
 * Members of every object in *out are in canonical (sorted) order, not in
 * the order of the text: JSON objects are unordered, and sorting is how
 * duplicates are found.
 */
int hrdex_json_parse(cJSON **out, const char *data, size_t len, const struct hrdex_json_opts *opts);

/*
 * Append the canonical form of v to out.  v may come from anywhere (members
 * in any order); it fails (HRDEX_E_INVALID), leaving out as it was, on
 * invalid UTF-8, duplicate keys, NaN or infinity, or nesting beyond 1000.
 */
int hrdex_json_canonical(struct hrdex_buf *out, const cJSON *v);

/* Compact single-line form, keys sorted, for JSON Lines output; no newline. */
int hrdex_json_compact(struct hrdex_buf *out, const cJSON *v);

#endif
