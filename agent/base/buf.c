/*
 * buf.c - growable byte buffer (see buf.h).
 */
#include "buf.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hrdex_buf_grow(struct hrdex_buf *b, size_t extra)
{
	size_t max = b->max ? b->max : HRDEX_BUF_MAX;
	size_t need, size;
	char *p;

	if (extra > max || b->len > max - extra)
		return hrdex_error_set(HRDEX_E_INVALID,
				       "data exceeds the limit of %zu bytes", max);
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	size = b->alloc ? b->alloc : 64;
	while (size < need)
		size = size < ((size_t)-1) / 2 ? size * 2 : need;
	p = realloc(b->ptr, size);
	if (!p)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	p[b->len] = '\0';   /* a new buffer is "" at once */
	b->ptr = p;
	b->alloc = size;
	return 0;
}

int hrdex_buf_put(struct hrdex_buf *b, const void *data, size_t len)
{
	if (hrdex_buf_grow(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int hrdex_buf_puts(struct hrdex_buf *b, const char *s)
{
	return hrdex_buf_put(b, s, strlen(s));
}

int hrdex_buf_putc(struct hrdex_buf *b, char c)
{
	return hrdex_buf_put(b, &c, 1);
}

int hrdex_buf_printf(struct hrdex_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "bad format");
	if (hrdex_buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void hrdex_buf_clear(struct hrdex_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *hrdex_buf_detach(struct hrdex_buf *b)
{
	char *p;

	if (!b->ptr && hrdex_buf_grow(b, 0) < 0)
		return NULL;
	p = b->ptr;
	b->ptr = NULL;
	b->len = b->alloc = 0;
	return p;
}

void hrdex_buf_free(struct hrdex_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->alloc = 0;
}

int hrdex_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < size)
		return 0;
	if (n < 0 && size)
		buf[0] = '\0';
	return hrdex_error_set(HRDEX_E_INVALID, "name too long: '%.40s...'", size ? buf : "");
}

void hrdex_fmt_cut(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 && size)
		buf[0] = '\0';
	else if ((size_t)n >= size && size > 4) {
		size_t at = size - 4;

		while (at > 0 && ((unsigned char)buf[at] & 0xc0) == 0x80)
			at--; /* not inside a UTF-8 sequence */
		memcpy(buf + at, "...", 4);
	}
}
