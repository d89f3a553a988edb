/*
 * utf8.c - decoding one UTF-8 sequence (see utf8.h).
 */
#include "utf8.h"

size_t hrdex_utf8_decode(const void *str, size_t n, unsigned *cp)
{
	const unsigned char *s = str;
	size_t len, i;
	unsigned c;

	if (!n)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

unsigned hrdex_utf8_next(const void *str, size_t *len)
{
	const unsigned char *s = str;
	unsigned cp;
	size_t n = 1;

	/* Bound the look-ahead by the NUL: a truncated sequence stays invalid. */
	while (n < 4 && s[n - 1] && s[n])
		n++;
	*len = hrdex_utf8_decode(s, n, &cp);
	if (!*len) {
		*len = 1;
		return 0xfffd;
	}
	return cp;
}
