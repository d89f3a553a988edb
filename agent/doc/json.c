/*
 * json.c - strict JSON parsing on top of cJSON (see json.h); the canonical
 * writer is json_write.c.
 *
 * hrdex_json_parse() works in three steps over a NUL-terminated copy of the
 * input:
 *  1. scan(): one linear, iterative pass that checks the whole text against
 *     the JSON grammar (RFC 8259) and hrdex's limits, refusing everything
 *     cJSON would let through.  It keeps a stack of open containers (bounded
 *     by max_depth, never the C stack) so that an error can name the JSON
 *     pointer of the value at fault.
 *  2. cJSON builds the tree.  After step 1 it can only fail for memory.
 *  3. check_tree(): an iterative walk refusing what only the tree shows:
 *     duplicate keys and numbers that overflow a double.  Finding duplicates
 *     sorts each object's members, and the sorted order is kept, so the
 *     canonical writer finds them in order and need not sort again.
 */
#include "json.h"
#include "ascii.h"
#include "error.h"
#include "utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DEPTH 64
#define SMALL_DEPTH 64     /* containers tracked on the C stack; deeper limits use malloc */
#define SMALL_TEXT 8192    /* documents copied to the C stack; larger ones use malloc */

/* ------------------------------------------------------------------------
 * Pieces of error messages
 */

/* 1-based line and column (in code points) of byte off; computed only on error. */
static void text_position(const char *text, size_t off, size_t *line, size_t *column)
{
	size_t i;

	*line = 1;
	*column = 1;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			++*line;
			*column = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			++*column;
		}
	}
}

/*
 * Append byte c of a JSON pointer token: "~" and "/" escaped as RFC 6901
 * says, control characters as \u00XX so that the message stays on one line.
 */
static int put_token_byte(struct hrdex_buf *b, unsigned char c)
{
	if (c == '~')
		return hrdex_buf_put(b, "~0", 2);
	if (c == '/')
		return hrdex_buf_put(b, "~1", 2);
	if (c < 0x20 || c == 0x7F)
		return hrdex_buf_printf(b, "\\u%04x", c);
	return hrdex_buf_putc(b, (char)c);
}

/* Append s with control characters as \u00XX, to quote a name in a message. */
static int put_visible(struct hrdex_buf *b, const char *s)
{
	for (; *s; s++) {
		if ((*s == '~' || *s == '/' ? hrdex_buf_putc(b, *s) :
		     put_token_byte(b, (unsigned char)*s)) < 0)
			return -1;
	}
	return 0;
}

static int put_token(struct hrdex_buf *b, const char *s)
{
	for (; *s; s++) {
		if (put_token_byte(b, (unsigned char)*s) < 0)
			return -1;
	}
	return 0;
}

static int hex4(const unsigned char *s)
{
	int v = 0, i;

	/* Stops at the first non-hex byte, so it never reads past a NUL. */
	for (i = 0; i < 4; i++) {
		if (!hrdex_ascii_xdigit(s[i]))
			return -1;
		v = v * 16 + hrdex_ascii_xvalue(s[i]);
	}
	return v;
}

/* Append the pointer token for a member name the scanner has already checked. */
static int put_raw_key(struct hrdex_buf *b, const unsigned char *raw, size_t n)
{
	char enc[4];
	size_t i = 0, k, len;
	unsigned char c;
	uint32_t cp;

	while (i < n) {
		if (raw[i] != '\\') {
			if (put_token_byte(b, raw[i++]) < 0)
				return -1;
			continue;
		}
		c = raw[i + 1];
		i += 2;
		switch (c) {
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			cp = (uint32_t)hex4(raw + i);
			i += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)hex4(raw + i + 2) - 0xDC00);
				i += 6;
			}
			len = hrdex_utf8_encode(enc, cp);
			for (k = 0; k < len; k++) {
				if (put_token_byte(b, (unsigned char)enc[k]) < 0)
					return -1;
			}
			continue;
		default: break; /* '"', '\\', '/' stand for themselves */
		}
		if (put_token_byte(b, c) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Step 1: the scanner
 */

struct frame {
	char kind;       /* '{' or '[' */
	size_t count;    /* members or elements done: the index of the one in hand */
	size_t key_off;  /* the member in hand's name, raw text between the quotes */
	size_t key_len;
};

struct scan {
	const char *text;     /* NUL-terminated, so a look-ahead of one byte is always safe */
	size_t len;
	size_t pos;
	struct frame *frames; /* max_depth entries */
	int depth;            /* containers open */
	int deepest;          /* greatest depth reached, sizes the tree walk */
	int max_depth;
	size_t max_string;    /* 0: no limit */
};

enum want { WANT_VALUE, WANT_KEY, WANT_NEXT };

/*
 * Fail at byte off.  The place is named by the JSON pointer made of the
 * first `frames` open containers when that pointer is not the root, as
 * "POINTER: MESSAGE at line L, column C", else as "line L, column C: MESSAGE".
 */
static int scan_error(const struct scan *sc, size_t off, int frames, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int scan_error(const struct scan *sc, size_t off, int frames, const char *fmt, ...)
{
	struct hrdex_buf ptr = HRDEX_BUF_INIT;
	const struct frame *f;
	char msg[512];
	size_t line, column;
	va_list ap;
	int i, ok = 1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text_position(sc->text, off, &line, &column);
	for (i = 0; i < frames && ok; i++) {
		f = &sc->frames[i];
		ok = hrdex_buf_putc(&ptr, '/') == 0 &&
		     (f->kind == '[' ? hrdex_buf_printf(&ptr, "%zu", f->count) :
		      put_raw_key(&ptr, (const unsigned char *)sc->text + f->key_off, f->key_len)) == 0;
	}
	if (ok && ptr.len)
		hrdex_error_set(HRDEX_E_INVALID, "%s: %s at line %zu, column %zu", ptr.ptr, msg,
				line, column);
	else
		hrdex_error_set(HRDEX_E_INVALID, "line %zu, column %zu: %s", line, column, msg);
	hrdex_buf_free(&ptr);
	return -1;
}

/* What is at byte off, for "found ..." in messages. */
static const char *describe(const struct scan *sc, size_t off, char *tmp, size_t size)
{
	unsigned char c = (unsigned char)sc->text[off];

	if (off >= sc->len)
		return "end of input";
	if (c > 0x20 && c < 0x7F)
		snprintf(tmp, size, "'%c'", c);
	else
		snprintf(tmp, size, "byte 0x%02x", c);
	return tmp;
}

static void skip_space(struct scan *sc)
{
	const char *t = sc->text;
	size_t i = sc->pos;

	/* JSON whitespace is exactly these four; cJSON would skip any byte <= 0x20. */
	while (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')
		i++;
	sc->pos = i;
}

/* A string at sc->pos (the opening quote); is_key when it names a member. */
static int scan_string(struct scan *sc, int is_key)
{
	const unsigned char *t = (const unsigned char *)sc->text;
	int where = is_key ? sc->depth - 1 : sc->depth; /* frames naming the place */
	size_t start = sc->pos, i = start + 1, n;
	size_t shrink = 0; /* raw bytes of escapes beyond the bytes they decode to */
	const char *why = NULL;
	unsigned char c;
	int cp, lo;

	for (;;) {
		c = t[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			n = hrdex_utf8_quick(t + i);
			if (!n)
				n = hrdex_utf8_sequence(t + i, sc->len - i, &why);
			if (!n)
				return scan_error(sc, i, where, "invalid UTF-8 in %s: %s",
						  is_key ? "member name" : "string", why);
			i += n;
			continue;
		}
		if (c == '"')
			break;
		if (c != '\\') {
			if (i >= sc->len)
				return scan_error(sc, start, 0, "unterminated string");
			return scan_error(sc, i, where, "control character U+%04X in %s must be escaped",
					  c, is_key ? "member name" : "string");
		}
		if (i + 1 >= sc->len)
			return scan_error(sc, start, 0, "unterminated string");
		switch (t[i + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			i += 2;
			shrink += 1;
			continue;
		case 'u':
			break;
		default:
			return scan_error(sc, i, where, "invalid escape sequence '\\%c'",
					  t[i + 1] > 0x20 && t[i + 1] < 0x7F ? t[i + 1] : '?');
		}
		cp = hex4(t + i + 2);
		if (cp < 0)
			return scan_error(sc, i, where, "'\\u' must be followed by four hex digits");
		if (cp == 0)
			return scan_error(sc, i, where, "'\\u0000' is not allowed in strings");
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return scan_error(sc, i, where, "unpaired surrogate '\\%.5s'", t + i + 1);
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			/* Short-circuit order keeps every read before the NUL. */
			lo = t[i + 6] == '\\' && t[i + 7] == 'u' ? hex4(t + i + 8) : -1;
			if (lo < 0xDC00 || lo > 0xDFFF)
				return scan_error(sc, i, where,
						  "unpaired surrogate '\\%.5s' (no low surrogate follows)",
						  t + i + 1);
			i += 12;
			shrink += 12 - 4;
			continue;
		}
		i += 6;
		shrink += 6 - (cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3);
	}
	n = i - (start + 1) - shrink; /* bytes the string decodes to */
	if (sc->max_string && n > sc->max_string)
		return scan_error(sc, start, where, "string of %zu bytes exceeds the limit of %zu bytes",
				  n, sc->max_string);
	sc->pos = i + 1;
	return 0;
}

/* A number at sc->pos, to the letter of the JSON grammar. */
static int scan_number(struct scan *sc)
{
	const char *t = sc->text;
	size_t i = sc->pos;

	if (t[i] == '-')
		i++;
	if (t[i] == '0') {
		i++;
		if (hrdex_ascii_digit(t[i]))
			return scan_error(sc, sc->pos, sc->depth, "leading zero in number");
		if (t[i] == 'x' || t[i] == 'X')
			return scan_error(sc, sc->pos, sc->depth, "hexadecimal numbers are not JSON");
	} else if (hrdex_ascii_digit(t[i])) {
		while (hrdex_ascii_digit(t[i]))
			i++;
	} else if (t[i] == 'I') {
		return scan_error(sc, sc->pos, sc->depth, "-Infinity is not a JSON number");
	} else {
		return scan_error(sc, sc->pos, sc->depth, "expected a digit after '-'");
	}
	if (t[i] == '.') {
		i++;
		if (!hrdex_ascii_digit(t[i]))
			return scan_error(sc, sc->pos, sc->depth,
					  "expected a digit after the decimal point");
		while (hrdex_ascii_digit(t[i]))
			i++;
	}
	if (t[i] == 'e' || t[i] == 'E') {
		i++;
		if (t[i] == '+' || t[i] == '-')
			i++;
		if (!hrdex_ascii_digit(t[i]))
			return scan_error(sc, sc->pos, sc->depth, "expected a digit in the exponent");
		while (hrdex_ascii_digit(t[i]))
			i++;
	}
	sc->pos = i;
	return 0;
}

static int scan_literal(struct scan *sc)
{
	const char *word = sc->text[sc->pos] == 't' ? "true" :
			   sc->text[sc->pos] == 'f' ? "false" : "null";
	size_t n = strlen(word);

	if (sc->len - sc->pos < n || memcmp(sc->text + sc->pos, word, n) != 0)
		return scan_error(sc, sc->pos, sc->depth, "invalid literal, expected '%s'", word);
	sc->pos += n;
	return 0;
}

/* Anything else where a value must start: say what is wrong as precisely as we can. */
static int bad_value(const struct scan *sc)
{
	const struct frame *f = sc->depth ? &sc->frames[sc->depth - 1] : NULL;
	char tmp[16];

	switch (sc->text[sc->pos]) {
	case '+':
		return scan_error(sc, sc->pos, sc->depth, "a number cannot start with '+'");
	case '.':
		return scan_error(sc, sc->pos, sc->depth, "a number must have a digit before '.'");
	case 'N':
		return scan_error(sc, sc->pos, sc->depth, "NaN is not a JSON number");
	case 'I':
		return scan_error(sc, sc->pos, sc->depth, "Infinity is not a JSON number");
	case '\'':
		return scan_error(sc, sc->pos, sc->depth, "strings take double quotes");
	case ']':
		if (f && f->kind == '[' && f->count > 0)
			return scan_error(sc, sc->pos, 0, "trailing comma before ']'");
		break;
	default:
		break;
	}
	return scan_error(sc, sc->pos, 0, "expected a value, found %s",
			  describe(sc, sc->pos, tmp, sizeof(tmp)));
}

/* Check all of sc->text; iterative, so hostile nesting cannot exhaust the stack. */
static int scan(struct scan *sc)
{
	const char *t = sc->text;
	enum want want = WANT_VALUE;
	struct frame *f;
	size_t key;
	char tmp[16];
	char c;

	if (sc->len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
		return scan_error(sc, 0, 0, "byte order mark (U+FEFF) before the JSON text is not allowed; "
				  "save as UTF-8 without BOM");
	skip_space(sc);
	for (;;) {
		switch (want) {
		case WANT_VALUE:
			c = t[sc->pos];
			if (c == '{' || c == '[') {
				if (sc->depth >= sc->max_depth)
					return scan_error(sc, sc->pos, sc->depth,
							  "nesting deeper than %d levels", sc->max_depth);
				f = &sc->frames[sc->depth++];
				if (sc->depth > sc->deepest)
					sc->deepest = sc->depth;
				f->kind = c;
				f->count = 0;
				f->key_off = f->key_len = 0;
				sc->pos++;
				skip_space(sc);
				if (t[sc->pos] == (c == '{' ? '}' : ']')) {
					sc->pos++;
					sc->depth--;
					want = WANT_NEXT;
				} else {
					want = c == '{' ? WANT_KEY : WANT_VALUE;
				}
			} else if (c == '"') {
				if (scan_string(sc, 0) < 0)
					return -1;
				want = WANT_NEXT;
			} else if (c == '-' || hrdex_ascii_digit(c)) {
				if (scan_number(sc) < 0)
					return -1;
				want = WANT_NEXT;
			} else if (c == 't' || c == 'f' || c == 'n') {
				if (scan_literal(sc) < 0)
					return -1;
				want = WANT_NEXT;
			} else {
				return bad_value(sc);
			}
			break;
		case WANT_KEY:
			f = &sc->frames[sc->depth - 1];
			if (t[sc->pos] != '"') {
				if (t[sc->pos] == '}' && f->count > 0)
					return scan_error(sc, sc->pos, 0, "trailing comma before '}'");
				return scan_error(sc, sc->pos, 0,
						  "expected a member name in double quotes, found %s",
						  describe(sc, sc->pos, tmp, sizeof(tmp)));
			}
			key = sc->pos + 1;
			if (scan_string(sc, 1) < 0)
				return -1;
			f->key_off = key;
			f->key_len = sc->pos - 1 - key;
			skip_space(sc);
			if (t[sc->pos] != ':')
				return scan_error(sc, sc->pos, 0, "expected ':' after member name, found %s",
						  describe(sc, sc->pos, tmp, sizeof(tmp)));
			sc->pos++;
			skip_space(sc);
			want = WANT_VALUE;
			break;
		case WANT_NEXT:
			skip_space(sc);
			if (sc->depth == 0) {
				if (sc->pos != sc->len)
					return scan_error(sc, sc->pos, 0,
							  "unexpected %s after the JSON value",
							  describe(sc, sc->pos, tmp, sizeof(tmp)));
				return 0;
			}
			f = &sc->frames[sc->depth - 1];
			f->count++;
			c = t[sc->pos];
			if (c == ',') {
				sc->pos++;
				skip_space(sc);
				want = f->kind == '{' ? WANT_KEY : WANT_VALUE;
			} else if (c == (f->kind == '{' ? '}' : ']')) {
				sc->pos++;
				sc->depth--;
			} else {
				return scan_error(sc, sc->pos, 0, "expected ',' or '%c' after %s, found %s",
						  f->kind == '{' ? '}' : ']',
						  f->kind == '{' ? "a member" : "an element",
						  describe(sc, sc->pos, tmp, sizeof(tmp)));
			}
			break;
		}
	}
}

/* ------------------------------------------------------------------------
 * Step 3: checks on the tree
 */

/* JSON pointer of path[depth], the items from the root down, into b. */
static int tree_pointer(struct hrdex_buf *b, cJSON *const *path, int depth)
{
	const cJSON *c;
	size_t index;
	int i;

	for (i = 1; i <= depth; i++) {
		if (hrdex_buf_putc(b, '/') < 0)
			return -1;
		if (cJSON_IsObject(path[i - 1])) {
			if (put_token(b, path[i]->string) < 0)
				return -1;
			continue;
		}
		index = 0;
		for (c = path[i - 1]->child; c && c != path[i]; c = c->next)
			index++;
		if (hrdex_buf_printf(b, "%zu", index) < 0)
			return -1;
	}
	return 0;
}

/* Fail naming path[depth] ("POINTER: MESSAGE", or just MESSAGE at the root). */
static int tree_error(cJSON *const *path, int depth, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tree_error(cJSON *const *path, int depth, const char *fmt, ...)
{
	struct hrdex_buf ptr = HRDEX_BUF_INIT;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (depth > 0 && tree_pointer(&ptr, path, depth) == 0)
		hrdex_error_set(HRDEX_E_INVALID, "%s: %s", ptr.ptr, msg);
	else
		hrdex_error_set(HRDEX_E_INVALID, "%s", msg);
	hrdex_buf_free(&ptr);
	return -1;
}

static int duplicate_error(cJSON *const *path, int depth, const char *name)
{
	struct hrdex_buf visible = HRDEX_BUF_INIT;

	if (put_visible(&visible, name) < 0)
		return -1;
	tree_error(path, depth, "duplicate key '%s'", visible.ptr ? visible.ptr : "");
	hrdex_buf_free(&visible);
	return -1;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Make room for n item pointers in *scratch (grown, never shrunk). */
static int scratch_reserve(cJSON ***scratch, size_t *alloc, size_t n)
{
	cJSON **p;
	size_t size = *alloc ? *alloc : 16;

	if (n <= *alloc)
		return 0;
	while (size < n)
		size *= 2;
	p = realloc(*scratch, size * sizeof(*p));
	if (!p)
		return hrdex_error_oom();
	*scratch = p;
	*alloc = size;
	return 0;
}

/*
 * Refuse duplicate names among obj's members, and leave the members sorted
 * by name.  Sorting makes this O(n log n); text already in canonical order
 * costs one linear pass.
 */
static int sort_members(cJSON **path, int depth, cJSON ***scratch, size_t *alloc)
{
	cJSON *obj = path[depth], *c;
	size_t n = 0, i;
	int sorted = 1, r;

	for (c = obj->child; c; c = c->next) {
		if (c->next) {
			r = strcmp(c->string, c->next->string);
			if (r == 0)
				return duplicate_error(path, depth, c->string);
			if (r > 0)
				sorted = 0;
		}
		n++;
	}
	if (sorted)
		return 0;
	if (scratch_reserve(scratch, alloc, n) < 0)
		return -1;
	for (i = 0, c = obj->child; c; c = c->next)
		(*scratch)[i++] = c;
	qsort(*scratch, n, sizeof(**scratch), compare_names);
	for (i = 0; i + 1 < n; i++) {
		if (strcmp((*scratch)[i]->string, (*scratch)[i + 1]->string) == 0)
			return duplicate_error(path, depth, (*scratch)[i]->string);
	}
	/* Relink; cJSON keeps the first item's prev pointing at the last. */
	for (i = 0; i < n; i++) {
		(*scratch)[i]->prev = (*scratch)[i ? i - 1 : n - 1];
		(*scratch)[i]->next = i + 1 < n ? (*scratch)[i + 1] : NULL;
	}
	obj->child = (*scratch)[0];
	return 0;
}

/* Walk the tree depth first, without recursion; deepest is the scanner's count. */
static int check_tree(cJSON *root, int deepest)
{
	cJSON *small[SMALL_DEPTH + 1];
	cJSON **path = small, **scratch = NULL, *node;
	size_t alloc = 0;
	int depth = 0, rc = -1;

	if (deepest > SMALL_DEPTH) {
		path = malloc(((size_t)deepest + 1) * sizeof(*path));
		if (!path) {
			hrdex_error_oom();
			goto cleanup;
		}
	}
	path[0] = root;
	for (;;) {
		node = path[depth];
		if (cJSON_IsNumber(node) && !isfinite(node->valuedouble)) {
			tree_error(path, depth, "number out of range (too large for a double)");
			goto cleanup;
		}
		if (cJSON_IsObject(node) && node->child && node->child->next &&
		    sort_members(path, depth, &scratch, &alloc) < 0)
			goto cleanup;
		if ((cJSON_IsObject(node) || cJSON_IsArray(node)) && node->child) {
			path[++depth] = node->child;
			continue;
		}
		while (depth > 0 && !path[depth]->next)
			depth--;
		if (depth == 0)
			break;
		path[depth] = path[depth]->next;
	}
	rc = 0;
cleanup:
	free(scratch);
	if (path != small)
		free(path);
	return rc;
}

/* ------------------------------------------------------------------------
 * Parsing
 */

int hrdex_json_parse(cJSON **out, const char *data, size_t len, const struct hrdex_json_opts *opts)
{
	struct frame small[SMALL_DEPTH];
	struct scan sc;
	size_t max_bytes = opts && opts->max_bytes ? opts->max_bytes : HRDEX_BUF_MAX;
	size_t line, column;
	const char *end = NULL;
	char small_text[SMALL_TEXT];
	char *copy = NULL;
	cJSON *root = NULL;
	int rc = -1;

	*out = NULL;
	memset(&sc, 0, sizeof(sc));
	sc.frames = small;
	if (len > max_bytes) {
		hrdex_error_set(HRDEX_E_INVALID, "document of %zu bytes exceeds the limit of %zu bytes",
				len, max_bytes);
		goto cleanup;
	}
	/* The scanner and cJSON's require_null_terminated both need a NUL after the text. */
	/*
	 * Most documents are a few KiB: a malloc of that size between cJSON's
	 * many small ones makes glibc consolidate its free lists every time.
	 */
	copy = len < sizeof(small_text) ? small_text : malloc(len + 1);
	if (!copy) {
		hrdex_error_oom();
		goto cleanup;
	}
	if (len)
		memcpy(copy, data, len);
	copy[len] = '\0';
	sc.text = copy;
	sc.len = len;
	sc.max_depth = opts && opts->max_depth > 0 ? opts->max_depth : DEFAULT_DEPTH;
	/* Ours must trigger first, with a clear message, and cJSON's then never does. */
	if (sc.max_depth > CJSON_NESTING_LIMIT)
		sc.max_depth = CJSON_NESTING_LIMIT;
	sc.max_string = opts ? opts->max_string : 0;
	if (sc.max_depth > SMALL_DEPTH) {
		sc.frames = malloc((size_t)sc.max_depth * sizeof(*sc.frames));
		if (!sc.frames) {
			hrdex_error_oom();
			goto cleanup;
		}
	}
	if (scan(&sc) < 0)
		goto cleanup;
	root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (!root) {
		/* The scanner accepted the text, so this is memory or a bug, not the data. */
		text_position(copy, end && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0,
			      &line, &column);
		hrdex_error_set(HRDEX_E_INTERNAL,
				"line %zu, column %zu: cJSON refused text the scanner accepted "
				"(out of memory?)", line, column);
		goto cleanup;
	}
	if (check_tree(root, sc.deepest) < 0)
		goto cleanup;
	*out = root;
	root = NULL;
	rc = 0;
cleanup:
	cJSON_Delete(root);
	if (sc.frames != small)
		free(sc.frames);
	if (copy != small_text)
		free(copy);
	return rc;
}
