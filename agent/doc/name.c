/*
 * name.c - safe file names (see name.h).
 */
#include "name.h"
#include "error.h"
#include "json.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

/* Controls: C0, DEL, C1, and the line and paragraph separators. */
static int control(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

/* Bidirectional controls: they make a name display as another ("exe.pdf"). */
static int bidi(unsigned cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Invisible format characters no real name needs.  ZWNJ and ZWJ (U+200C,
 * U+200D) are not here: Persian and Indic words are spelt with them. */
static int invisible(unsigned cp)
{
	return cp == 0x00ad || cp == 0x034f || cp == 0x180e || cp == 0x200b || (cp >= 0x2060 && cp <= 0x2064) ||
	       (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/* Code points HFS+ ignores when it compares names (git's is_hfs_dotgit). */
static int hfs_ignored(unsigned cp)
{
	return cp == 0x200c || cp == 0x200d || bidi(cp) || invisible(cp);
}

/* Windows device names: "CON", "nul.txt", "Com1.tar.gz" all open a device. */
static const char *windows_device(const char *name, size_t len)
{
	static const char *const devices[] = { "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", NULL };
	const char *dot = memchr(name, '.', len);
	size_t stem = dot ? (size_t)(dot - name) : len, i;

	while (stem > 0 && name[stem - 1] == ' ')
		stem--;
	for (i = 0; devices[i]; i++)
		if (stem == strlen(devices[i]) && !strncasecmp(name, devices[i], stem))
			return devices[i];
	if ((stem == 4 || (stem == 5 && (unsigned char)name[3] == 0xc2)) &&
	    (!strncasecmp(name, "COM", 3) || !strncasecmp(name, "LPT", 3))) {
		unsigned char d = (unsigned char)name[3];

		if (stem == 4 && d >= '0' && d <= '9')
			return "COM1-9 or LPT1-9";
		/* superscript one, two, three (U+00B9, U+00B2, U+00B3) */
		if (stem == 5 && ((unsigned char)name[4] == 0xb9 || (unsigned char)name[4] == 0xb2 ||
				  (unsigned char)name[4] == 0xb3))
			return "COM1-9 or LPT1-9";
	}
	return NULL;
}

const char *hrdex_name_safe(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	char folded[HRDEX_NAME_MAX_BYTES + 1];
	size_t i, k = 0, step;
	unsigned cp;

	if (len == 0)
		return "empty name";
	if (len > HRDEX_NAME_MAX_BYTES)
		return "name longer than 255 bytes";
	for (i = 0; i < len; i += step) {
		step = hrdex_utf8_decode(s + i, len - i, &cp);
		if (!step)
			return "invalid UTF-8 in name";
		if (control(cp))
			return "control character in name";
		if (bidi(cp))
			return "bidirectional control character in name";
		if (invisible(cp))
			return "invisible format character in name";
		if (cp == '/' || cp == '\\')
			return "path separator ('/' or '\\') in name";
		if (cp < 0x80 && strchr("<>:\"|?*", (int)cp))
			return "character Windows refuses (< > : \" | ? *) in name";
		/* What HFS+ and NTFS compare: ASCII case-folded, ignorables dropped;
		 * any other code point stands as one byte that matches nothing. */
		if (hfs_ignored(cp))
			continue;
		folded[k++] = cp < 0x80 ? (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp) : '\x80';
	}
	folded[k] = '\0';
	/* NTFS drops trailing dots and spaces: ".git. . " is ".git" there. */
	while (k > 0 && (folded[k - 1] == '.' || folded[k - 1] == ' '))
		folded[--k] = '\0';
	if (!strcmp(folded, ".git"))
		return "'.git' (in some spelling) as a name";
	if (!strncmp(folded, "git~", 4) && folded[4] >= '0' && folded[4] <= '9')
		return "NTFS short name of '.git' as a name";
	if (s[0] == '.')
		return "hidden name (leading '.')";
	if (s[len - 1] == '.' || s[len - 1] == ' ')
		return "trailing '.' or ' ' in name";
	if (windows_device(name, len))
		return "reserved Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9) as a name";
	return NULL;
}

struct keyed {
	unsigned char *key;
	size_t index;
};

static int keyed_cmp(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = strcmp((const char *)a->key, (const char *)b->key);

	return c ? c : (a->index > b->index) - (a->index < b->index);
}

int hrdex_names_clash(const char *const *names, const size_t *lens, size_t n, size_t *a, size_t *b)
{
	struct keyed *k;
	size_t i, done = 0;
	int ret = 0;

	if (n < 2)
		return 0;
	k = calloc(n, sizeof(*k));
	if (!k)
		return hrdex_error_oom();
	for (i = 0; i < n; i++, done++) {
		/* Canonical composition (NFC), full case folding, default
		 * ignorables dropped: what APFS, HFS+ and NTFS treat as one. */
		utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)names[i], (utf8proc_ssize_t)lens[i],
						  &k[i].key,
						  UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);

		k[i].index = i;
		if (r < 0) {
			/* Not valid UTF-8: compare the bytes as they are. */
			k[i].key = malloc(lens[i] + 1);
			if (!k[i].key) {
				ret = hrdex_error_oom();
				goto cleanup;
			}
			memcpy(k[i].key, names[i], lens[i]);
			k[i].key[lens[i]] = '\0';
		}
	}
	qsort(k, n, sizeof(*k), keyed_cmp);
	*a = *b = n;
	for (i = 0; i + 1 < n; i++)
		if (!strcmp((const char *)k[i].key, (const char *)k[i + 1].key) &&
		    (k[i].index < *a || (k[i].index == *a && k[i + 1].index < *b))) {
			*a = k[i].index;
			*b = k[i + 1].index;
			ret = 1;
		}
cleanup:
	for (i = 0; i < done; i++)
		free(k[i].key);
	free(k);
	return ret;
}
