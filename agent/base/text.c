/*
 * text.c - escaping untrusted text for terminals and log lines (see text.h).
 */
#include "text.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

/* Characters that reorder or break what a terminal shows although they are
 * valid UTF-8: Arabic letter mark, LRM/RLM, line and paragraph separators,
 * the bidi embeddings, overrides and isolates. */
static int is_format_control(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Look at the text at p (n > 0 bytes left): the number of bytes it takes,
 * and either esc[0] == '\0' (copy those bytes as they are) or the escape to
 * show in their place in esc (at most 7 characters and a NUL).
 */
static size_t step(const unsigned char *p, size_t n, char esc[8])
{
	static const char hex[] = "0123456789abcdef";
	unsigned cp;
	size_t len;

	esc[0] = '\0';
	if (*p == '\n' || *p == '\r' || *p == '\t') {
		esc[0] = '\\';
		esc[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
		esc[2] = '\0';
		return 1;
	}
	len = hrdex_utf8_decode(p, n, &cp);
	if (!len || cp < 0x20 || cp == 0x7f) {
		/* A control byte, or one that is not valid UTF-8 here. */
		esc[0] = '\\';
		esc[1] = 'x';
		esc[2] = hex[*p >> 4];
		esc[3] = hex[*p & 0xf];
		esc[4] = '\0';
		return 1;
	}
	if (is_format_control(cp)) {
		esc[0] = '\\';
		esc[1] = 'u';
		esc[2] = hex[(cp >> 12) & 0xf];
		esc[3] = hex[(cp >> 8) & 0xf];
		esc[4] = hex[(cp >> 4) & 0xf];
		esc[5] = hex[cp & 0xf];
		esc[6] = '\0';
	}
	return len;
}

int hrdex_text_escape(struct hrdex_buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (hrdex_buf_grow(out, len) < 0)
		return -1;
	while (i < len) {
		char esc[8];
		size_t start = i;

		/* Copy the longest run that needs no escape in one go. */
		for (;;) {
			size_t k = i < len ? step(p + i, len - i, esc) : 0;

			if (!k || esc[0]) {
				if (i > start && hrdex_buf_put(out, p + start, i - start) < 0)
					return -1;
				if (k && hrdex_buf_puts(out, esc) < 0)
					return -1;
				i += k;
				break;
			}
			i += k;
		}
	}
	return 0;
}

int hrdex_text_escapes(struct hrdex_buf *out, const char *s)
{
	return hrdex_text_escape(out, s ? s : "", s ? strlen(s) : 0);
}

char *hrdex_text_dup(const char *s)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	if (hrdex_text_escapes(&b, s) < 0) {
		hrdex_buf_free(&b);
		return NULL;
	}
	return hrdex_buf_detach(&b);
}

/* Write s escaped to f, with no allocation (and so no error to set). */
static int put_escaped(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		char esc[8];
		size_t k = step(p + i, len - i, esc);

		if (esc[0] ? fputs(esc, f) < 0 : fwrite(p + i, 1, k, f) != k)
			return -1;
		i += k;
	}
	return 0;
}

int hrdex_text_vline(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char small[4096], *line = small;
	va_list again;
	int n, ret;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		line = malloc((size_t)n + 1);
		if (line)
			vsnprintf(line, (size_t)n + 1, fmt, again);
		else
			line = small, n = (int)sizeof(small) - 1;   /* print what fits */
	}
	va_end(again);
	if (n < 0)
		n = 0, small[0] = '\0';
	/* One lock for the whole line: threads (the cache's) log too, and
	 * their lines must not interleave. */
	flockfile(f);
	ret = (prefix && fputs(prefix, f) < 0) || put_escaped(f, line, (size_t)n) < 0 || fputc('\n', f) == EOF ?
		      -1 :
		      0;
	funlockfile(f);
	if (line != small)
		free(line);
	return ret;
}

int hrdex_text_line(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = hrdex_text_vline(f, NULL, fmt, ap);
	va_end(ap);
	return ret;
}
