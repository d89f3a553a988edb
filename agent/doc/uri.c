/*
 * uri.c - URI references as RFC 3986 defines them (see uri.h).
 */
#include "uri.h"
#include "ascii.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

/* Split a URI reference into its five parts (RFC 3986 appendix B). */
void hrdex_uri_split(const char *s, struct hrdex_uri *u)
{
	const char *p = s, *q;

	memset(u, 0, sizeof(*u));
	if (hrdex_ascii_alpha(*p)) {
		for (q = p + 1; hrdex_ascii_alpha(*q) || hrdex_ascii_digit(*q) || *q == '+' || *q == '-' || *q == '.'; q++)
			;
		if (*q == ':') {
			u->scheme = (struct hrdex_uri_part){ p, (size_t)(q - p), 1 };
			p = q + 1;
		}
	}
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		q = p + strcspn(p, "/?#");
		u->authority = (struct hrdex_uri_part){ p, (size_t)(q - p), 1 };
		p = q;
	}
	q = p + strcspn(p, "?#");
	u->path = (struct hrdex_uri_part){ p, (size_t)(q - p), 1 };
	p = q;
	if (*p == '?') {
		p++;
		q = p + strcspn(p, "#");
		u->query = (struct hrdex_uri_part){ p, (size_t)(q - p), 1 };
		p = q;
	}
	if (*p == '#') {
		p++;
		u->fragment = (struct hrdex_uri_part){ p, strlen(p), 1 };
	}
}

/* Append path (len bytes) to out with "." and ".." segments removed
 * (RFC 3986 section 5.2.4). */
static int uri_remove_dots(struct hrdex_buf *out, const char *path, size_t len)
{
	char *in = malloc(len + 1), *p, *end;
	size_t start = out->len;
	int err = -1;

	if (!in)
		return hrdex_error_oom();
	memcpy(in, path, len);
	in[len] = '\0';
	p = in;
	end = in + len;
	/* the ".." case below pops from out, so out->ptr must exist */
	if (hrdex_buf_put(out, "", 0) < 0)
		goto cleanup;
	while (p < end) {
		size_t rest = (size_t)(end - p);

		if (rest >= 3 && strncmp(p, "../", 3) == 0) {
			p += 3;
		} else if (rest >= 2 && strncmp(p, "./", 2) == 0) {
			p += 2;
		} else if (rest >= 3 && strncmp(p, "/./", 3) == 0) {
			p += 2;
		} else if (rest == 2 && strncmp(p, "/.", 2) == 0) {
			p += 1;
			*p = '/';
		} else if ((rest >= 4 && strncmp(p, "/../", 4) == 0) ||
			   (rest == 3 && strncmp(p, "/..", 3) == 0)) {
			char *slash;

			if (rest == 3) {
				p += 2;
				*p = '/';
			} else {
				p += 3;
			}
			slash = strrchr(out->ptr + start, '/');
			out->len = slash ? (size_t)(slash - out->ptr) : start;
			out->ptr[out->len] = '\0';
		} else if ((rest == 1 && *p == '.') || (rest == 2 && strncmp(p, "..", 2) == 0)) {
			p = end;
		} else {
			char *q = p + 1;

			while (q < end && *q != '/')
				q++;
			if (hrdex_buf_put(out, p, (size_t)(q - p)) < 0)
				goto cleanup;
			p = q;
		}
	}
	err = 0;
cleanup:
	free(in);
	return err;
}

/*
 * Resolve ref against base (RFC 3986 section 5.2.2) into out.  A NULL base
 * leaves ref as it is, apart from its dot segments.
 */
int hrdex_uri_resolve(struct hrdex_buf *out, const char *ref, const char *base)
{
	struct hrdex_uri r, b, t;
	struct hrdex_buf merged = HRDEX_BUF_INIT;
	const struct hrdex_uri_part *path = &r.path;
	int err = -1;

	hrdex_uri_split(ref, &r);
	memset(&b, 0, sizeof(b));
	if (base)
		hrdex_uri_split(base, &b);
	t = r;
	if (!base || r.scheme.defined) {
		;
	} else if (r.authority.defined) {
		t.scheme = b.scheme;
	} else {
		t.scheme = b.scheme;
		t.authority = b.authority;
		if (r.path.len == 0) {
			path = NULL; /* the base path, already free of dot segments */
			t.path = b.path;
			if (!r.query.defined)
				t.query = b.query;
		} else if (r.path.p[0] != '/') {
			const char *slash = NULL, *p;

			for (p = b.path.p; p < b.path.p + b.path.len; p++) {
				if (*p == '/')
					slash = p;
			}
			if (b.authority.defined && b.path.len == 0) {
				if (hrdex_buf_putc(&merged, '/') < 0)
					goto cleanup;
			} else if (slash && hrdex_buf_put(&merged, b.path.p,
							  (size_t)(slash - b.path.p) + 1) < 0) {
				goto cleanup;
			}
			if (hrdex_buf_put(&merged, r.path.p, r.path.len) < 0 ||
			    hrdex_buf_put(&merged, "", 0) < 0)
				goto cleanup;
			t.path = (struct hrdex_uri_part){ merged.ptr, merged.len, 1 };
			path = &t.path;
		}
	}
	if (t.scheme.defined && (hrdex_buf_put(out, t.scheme.p, t.scheme.len) < 0 ||
				 hrdex_buf_putc(out, ':') < 0))
		goto cleanup;
	if (t.authority.defined && (hrdex_buf_puts(out, "//") < 0 ||
				    hrdex_buf_put(out, t.authority.p, t.authority.len) < 0))
		goto cleanup;
	if (path) {
		if (uri_remove_dots(out, path->p, path->len) < 0)
			goto cleanup;
	} else if (hrdex_buf_put(out, t.path.p, t.path.len) < 0) {
		goto cleanup;
	}
	if (t.query.defined && (hrdex_buf_putc(out, '?') < 0 ||
				hrdex_buf_put(out, t.query.p, t.query.len) < 0))
		goto cleanup;
	if (t.fragment.defined && (hrdex_buf_putc(out, '#') < 0 ||
				   hrdex_buf_put(out, t.fragment.p, t.fragment.len) < 0))
		goto cleanup;
	if (hrdex_buf_put(out, "", 0) < 0) /* so that ptr is never NULL */
		goto cleanup;
	err = 0;
cleanup:
	hrdex_buf_free(&merged);
	return err;
}


/* Decode %XX escapes of a URI fragment into out. */
int hrdex_uri_percent_decode(struct hrdex_buf *out, const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (c == '%' && hrdex_ascii_xdigit(s[1]) && hrdex_ascii_xdigit(s[2])) {
			c = (char)(hrdex_ascii_xvalue(s[1]) * 16 + hrdex_ascii_xvalue(s[2]));
			s += 2;
		}
		if (hrdex_buf_putc(out, c) < 0)
			return -1;
	}
	return hrdex_buf_put(out, "", 0);
}


/* Every character of part is a pchar, a %XX escape, or one of extra. */
static int uri_part_ok(const struct hrdex_uri_part *part, const char *extra)
{
	static const char pchar[] = "-._~!$&'()*+,;=:@";
	size_t i;

	for (i = 0; i < part->len; i++) {
		char c = part->p[i];

		if (c == '%') {
			if (i + 2 >= part->len || !hrdex_ascii_xdigit(part->p[i + 1]) ||
			    !hrdex_ascii_xdigit(part->p[i + 2]))
				return 0;
			i += 2;
		} else if (!(hrdex_ascii_alpha(c) || hrdex_ascii_digit(c) || (c && strchr(pchar, c)) ||
			     (c && strchr(extra, c)))) {
			return 0;
		}
	}
	return 1;
}

int hrdex_uri_reference_valid(const char *s)
{
	struct hrdex_uri u;

	hrdex_uri_split(s, &u);
	if (!uri_part_ok(&u.authority, "[]") || !uri_part_ok(&u.path, "/") ||
	    !uri_part_ok(&u.query, "/?") || !uri_part_ok(&u.fragment, "/?"))
		return 0;
	/* without a scheme, a colon in the first segment would read as one */
	if (!u.scheme.defined && !u.authority.defined &&
	    memchr(u.path.p, ':', strcspn(u.path.p, "/?#")))
		return 0;
	return 1;
}

int hrdex_uri_absolute_valid(const char *s)
{
	struct hrdex_uri u;

	hrdex_uri_split(s, &u);
	return u.scheme.defined && hrdex_uri_reference_valid(s);
}
