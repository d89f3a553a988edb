/*
 * json_write.c - the canonical and the compact JSON form (see json.h).
 *
 * Trees written here need not come from hrdex_json_parse(): strings are
 * checked for UTF-8 as they are copied, numbers for NaN and infinity, and
 * members are written in sorted order whatever order they are in.
 */
#include "json.h"
#include "error.h"
#include "utf8.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Doubles with magnitude below this are integers exactly when integral. */
#define EXACT_INT_LIMIT 9007199254740992.0 /* 2^53 */

struct writer {
	struct hrdex_buf *out;
	size_t limit;          /* out's ceiling */
	int pretty;            /* canonical (indented) rather than compact */
	const cJSON **stack;   /* members of objects being written that were out of order, sorted */
	size_t used;           /* each open object owns a slice; children push above it */
	size_t alloc;
};

static int write_value(struct writer *w, const cJSON *v, int depth);

/*
 * Append n bytes.  When the room is already there this is a memcpy with no
 * call; writing is many small pieces, and hrdex_buf_put's checks showed in
 * profiles.  It leaves no NUL: write_top() terminates the result.
 */
static inline int put(struct writer *w, const void *p, size_t n)
{
	struct hrdex_buf *b = w->out;

	if (b->ptr && n < b->alloc - b->len && n <= w->limit - b->len) {
		memcpy(b->ptr + b->len, p, n);
		b->len += n;
		return 0;
	}
	return hrdex_buf_put(b, p, n);
}

/* Optionally a comma, then (canonical form only) a newline and indentation. */
static int put_break(struct writer *w, int comma, int depth)
{
	static const char text[] = ",\n                                                                ";
	const size_t room = sizeof(text) - 3; /* spaces in text */
	size_t n = (size_t)depth * 2, chunk;

	if (!w->pretty)
		return comma ? put(w, text, 1) : 0;
	chunk = n < room ? n : room;
	if (put(w, text + !comma, 1 + (size_t)comma + chunk) < 0)
		return -1;
	for (n -= chunk; n; n -= chunk) {
		chunk = n < room ? n : room;
		if (put(w, text + 2, chunk) < 0)
			return -1;
	}
	return 0;
}

static int write_string(struct writer *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	const char *why = NULL;
	char esc[6];
	unsigned char c;

	if (!s)
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot write a string item without a value");
	if (put(w, "\"", 1) < 0)
		return -1;
	for (;;) {
		c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			/* The trees we write may not come from our parser: check as we copy. */
			n = hrdex_utf8_quick(p + i);
			if (!n)
				n = hrdex_utf8_sequence(p + i, SIZE_MAX, &why);
			if (!n)
				return hrdex_error_set(HRDEX_E_INVALID,
						       "cannot write string: invalid UTF-8 at byte %zu: %s",
						       i, why);
			i += n;
			continue;
		}
		if (c == '\0')
			break;
		if (put(w, p + run, i - run) < 0)
			return -1;
		esc[0] = '\\';
		n = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xF];
			n = 6;
			break;
		}
		if (put(w, esc, n) < 0)
			return -1;
		run = ++i;
	}
	if (put(w, p + run, i - run) < 0)
		return -1;
	return put(w, "\"", 1);
}

/* Replace the locale's decimal point, should a caller have set one, by '.'. */
static void fix_decimal_point(char *buf)
{
	const char *dp = localeconv()->decimal_point;
	size_t n;
	char *p;

	if (!dp || (dp[0] == '.' && dp[1] == '\0') || !dp[0])
		return;
	p = strstr(buf, dp);
	if (!p)
		return;
	n = strlen(dp);
	*p = '.';
	memmove(p + 1, p + n, strlen(p + n) + 1);
}

/*
 * The number's canonical text into buf (at least 32 bytes), returning its
 * length.  Integers below 2^53 in magnitude print as integers ("-0" as "0");
 * anything else as the shortest of %.15g, %.16g, %.17g that reads back to
 * the same double, the exponent trimmed of leading zeros ("1e-07" -> "1e-7",
 * as JavaScript writes it).
 */
static int format_number(char *buf, size_t size, double d)
{
	unsigned long long u;
	char tmp[24], *q, *e, *digits, *nz;
	int prec;

	if (!isfinite(d))
		return hrdex_error_set(HRDEX_E_INVALID, "cannot write %s: JSON has no such number",
				       isnan(d) ? "NaN" : "infinity");
	if (d == floor(d) && fabs(d) < EXACT_INT_LIMIT) {
		/* By hand: most numbers in documents are integers, and snprintf is slow. */
		u = (unsigned long long)fabs(d);
		q = tmp + sizeof(tmp);
		do {
			*--q = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (d < 0)
			*--q = '-';
		memcpy(buf, q, (size_t)(tmp + sizeof(tmp) - q));
		return (int)(tmp + sizeof(tmp) - q);
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(buf, size, "%.17g", d);
	fix_decimal_point(buf);
	e = strchr(buf, 'e');
	if (e) {
		digits = e + 1;
		if (*digits == '+' || *digits == '-')
			digits++;
		for (nz = digits; nz[0] == '0' && nz[1]; nz++)
			;
		memmove(digits, nz, strlen(nz) + 1);
	}
	return (int)strlen(buf);
}

static int write_number(struct writer *w, double d)
{
	char buf[40];
	int n = format_number(buf, sizeof(buf), d);

	if (n < 0)
		return -1;
	return put(w, buf, (size_t)n);
}

static int write_member(struct writer *w, const cJSON *m, int first, int depth)
{
	if (put_break(w, !first, depth + 1) < 0)
		return -1;
	if (write_string(w, m->string) < 0)
		return -1;
	if (put(w, ": ", w->pretty ? 2 : 1) < 0)
		return -1;
	return write_value(w, m, depth + 1);
}

static int compare_const_names(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

static int write_object(struct writer *w, const cJSON *v, int depth)
{
	const cJSON *c, **p;
	size_t n = 0, i, base, size;
	int sorted = 1, r;

	for (c = v->child; c; c = c->next) {
		if (!c->string)
			return hrdex_error_set(HRDEX_E_INTERNAL, "cannot write an object member without a name");
		if (c->next && c->next->string) {
			r = strcmp(c->string, c->next->string);
			if (r == 0)
				return hrdex_error_set(HRDEX_E_INVALID, "cannot write duplicate key '%s'",
						       c->string);
			if (r > 0)
				sorted = 0;
		}
		n++;
	}
	if (n == 0)
		return put(w, "{}", 2);
	if (put(w, "{", 1) < 0)
		return -1;
	if (sorted) {
		/* Trees from hrdex_json_parse() always take this path: no allocation. */
		for (c = v->child, i = 0; c; c = c->next, i++) {
			if (write_member(w, c, i == 0, depth) < 0)
				return -1;
		}
	} else {
		base = w->used;
		if (w->alloc - base < n) {
			size = w->alloc ? w->alloc : 16;
			while (size - base < n)
				size *= 2;
			p = realloc(w->stack, size * sizeof(*p));
			if (!p)
				return hrdex_error_oom();
			w->stack = p;
			w->alloc = size;
		}
		for (c = v->child, i = 0; c; c = c->next)
			w->stack[base + i++] = c;
		qsort(w->stack + base, n, sizeof(*w->stack), compare_const_names);
		for (i = 0; i + 1 < n; i++) {
			if (strcmp(w->stack[base + i]->string, w->stack[base + i + 1]->string) == 0)
				return hrdex_error_set(HRDEX_E_INVALID, "cannot write duplicate key '%s'",
						       w->stack[base + i]->string);
		}
		w->used = base + n;
		/* Index, not pointer: deeper objects may move the stack. */
		for (i = 0; i < n; i++) {
			if (write_member(w, w->stack[base + i], i == 0, depth) < 0)
				return -1;
		}
		w->used = base;
	}
	if (put_break(w, 0, depth) < 0)
		return -1;
	return put(w, "}", 1);
}

static int write_array(struct writer *w, const cJSON *v, int depth)
{
	const cJSON *c;

	if (!v->child)
		return put(w, "[]", 2);
	if (put(w, "[", 1) < 0)
		return -1;
	for (c = v->child; c; c = c->next) {
		if (put_break(w, c != v->child, depth + 1) < 0)
			return -1;
		if (write_value(w, c, depth + 1) < 0)
			return -1;
	}
	if (put_break(w, 0, depth) < 0)
		return -1;
	return put(w, "]", 1);
}

/* Recursive; depth is bounded here for trees not made by our parser. */
static int write_value(struct writer *w, const cJSON *v, int depth)
{
	switch (v->type & 0xFF) {
	case cJSON_NULL:
		return put(w, "null", 4);
	case cJSON_False:
		return put(w, "false", 5);
	case cJSON_True:
		return put(w, "true", 4);
	case cJSON_Number:
		return write_number(w, v->valuedouble);
	case cJSON_String:
		return write_string(w, v->valuestring);
	case cJSON_Array:
	case cJSON_Object:
		if (depth >= CJSON_NESTING_LIMIT)
			return hrdex_error_set(HRDEX_E_INVALID, "cannot write nesting deeper than %d levels",
					       CJSON_NESTING_LIMIT);
		return (v->type & 0xFF) == cJSON_Array ? write_array(w, v, depth) :
							 write_object(w, v, depth);
	default:
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot write cJSON item of type %d",
				       v->type & 0xFF);
	}
}

static int write_top(struct hrdex_buf *out, const cJSON *v, int pretty)
{
	struct writer w = { out, out->max ? out->max : HRDEX_BUF_MAX, pretty, NULL, 0, 0 };
	size_t len0 = out->len;
	int rc;

	rc = write_value(&w, v, 0);
	if (rc == 0)
		rc = pretty ? hrdex_buf_putc(out, '\n') : hrdex_buf_put(out, "", 0);
	if (rc < 0 && out->ptr) {
		/* Leave out as it was rather than holding half a document. */
		out->len = len0;
		out->ptr[len0] = '\0';
	}
	free(w.stack);
	return rc;
}

int hrdex_json_canonical(struct hrdex_buf *out, const cJSON *v)
{
	return write_top(out, v, 1);
}

int hrdex_json_compact(struct hrdex_buf *out, const cJSON *v)
{
	return write_top(out, v, 0);
}
