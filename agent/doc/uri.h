/*
 * uri.h - URI references (RFC 3986): splitting, resolving against a base,
 * percent-decoding, and the syntax checks of the JSON Schema formats "uri"
 * and "uri-reference".  Schema ids and "$ref"s are resolved with these.
 */
#ifndef HRDEX_URI_H
#define HRDEX_URI_H

#include <stddef.h>

#include "buf.h"

struct hrdex_uri_part {
	const char *p;   /* into the split text, not NUL-terminated */
	size_t len;
	int defined;     /* "?" with an empty query is a defined, empty query */
};

struct hrdex_uri {
	struct hrdex_uri_part scheme, authority, path, query, fragment;
};

/* Split a URI reference into its five parts (RFC 3986 appendix B); never
 * fails, every text is some reference.  The parts point into s. */
void hrdex_uri_split(const char *s, struct hrdex_uri *u);

/*
 * Append ref resolved against base (RFC 3986 section 5.2.2, dot segments
 * removed) to out, which is then NUL-terminated and never NULL.  A NULL base
 * leaves ref as it is, apart from its dot segments.  -1 only when out of
 * memory.
 */
int hrdex_uri_resolve(struct hrdex_buf *out, const char *ref, const char *base);

/* Append s with its %XX escapes decoded (others kept as they are) to out,
 * NUL-terminated. */
int hrdex_uri_percent_decode(struct hrdex_buf *out, const char *s);

/* 1 when s is a syntactically valid URI reference (every character allowed
 * in its part, %XX escapes well formed), else 0. */
int hrdex_uri_reference_valid(const char *s);

/* 1 when s is a valid URI reference with a scheme (an absolute URI, maybe
 * with a fragment), else 0. */
int hrdex_uri_absolute_valid(const char *s);

#endif
