/*
 * utf8.c - UTF-8 checked as Unicode's table 3-7 defines it (see utf8.h).
 */
#include "utf8.h"
#include "error.h"

/*
 * Length (1-4) of the well-formed UTF-8 sequence at s, of which at most
 * avail bytes may be read, or 0 with *why naming the fault.  This is Unicode
 * table 3-7: the second byte's range excludes overlongs (after E0, F0),
 * surrogates (after ED) and code points above U+10FFFF (after F4).
 */
size_t hrdex_utf8_sequence(const unsigned char *s, size_t avail, const char **why)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;  /* allowed range of the second byte */
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c < 0xC0) {
		*why = "unexpected continuation byte";
		return 0;
	}
	if (c < 0xC2) {
		*why = "overlong encoding";
		return 0;
	}
	if (c < 0xE0) {
		need = 1;
	} else if (c < 0xF0) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c < 0xF5) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		*why = c < 0xF8 ? "code point above U+10FFFF" : "invalid byte";
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= avail || s[i] < 0x80 || s[i] > 0xBF) {
			*why = "truncated sequence";
			return 0;
		}
	}
	if (s[1] < lo || s[1] > hi) {
		*why = c == 0xED ? "surrogate code point" :
		       c == 0xF4 ? "code point above U+10FFFF" : "overlong encoding";
		return 0;
	}
	return need + 1;
}

int hrdex_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *why = NULL;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = hrdex_utf8_sequence(p + i, len - i, &why);
		if (!n)
			return hrdex_error_set(HRDEX_E_INVALID, "invalid UTF-8 at byte %zu: %s", i, why);
		i += n;
	}
	return 0;
}

size_t hrdex_utf8_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	/* Every code point has exactly one byte that is not a continuation byte. */
	for (; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

size_t hrdex_utf8_encode(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}


size_t hrdex_utf8_decode(const void *str, size_t n, unsigned *cp)
{
	static const unsigned char lead_bits[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	const unsigned char *s = str;
	const char *why = NULL;
	size_t len, i;
	unsigned c;

	/* One rule of well-formedness: hrdex_utf8_sequence's; this only decodes. */
	if (!n || !(len = hrdex_utf8_sequence(s, n, &why)))
		return 0;
	c = s[0] & lead_bits[len];
	for (i = 1; i < len; i++)
		c = (c << 6) | (s[i] & 0x3f);
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
