/*
 * html.c - escaping untrusted text for HTML, JavaScript and Markdown (see
 * html.h).
 */
#include "html.h"
#include "json.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Characters never written raw: controls and bidirectional overrides. */
static int forbidden(unsigned cp)
{
	if (cp < 0x20)
		return cp != '\t' && cp != '\n' && cp != '\r';
	return (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

int hrdex_html_textn(struct hrdex_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, len;
	unsigned cp;
	const char *rep;

	if (hrdex_buf_grow(b, n) < 0)
		return -1;
	while (i < n) {
		rep = NULL;
		len = 1;
		switch (p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (p[i] >= 0x20 && p[i] < 0x7f)
				break;
			len = hrdex_utf8_decode(p + i, n - i, &cp);
			if (!len) {
				len = 1;
				rep = replacement;
			} else if (forbidden(cp)) {
				rep = replacement;
			}
		}
		if (rep) {
			if (hrdex_buf_put(b, s + start, i - start) < 0 || hrdex_buf_puts(b, rep) < 0)
				return -1;
			start = i + len;
		}
		i += len;
	}
	return hrdex_buf_put(b, s + start, n - start);
}

int hrdex_url_segment(struct hrdex_buf *b, const char *s)
{
	static const char hexdigits[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '.' || *p == '_' || *p == '~';
		char enc[3] = { '%', hexdigits[*p >> 4], hexdigits[*p & 15] };

		if (plain ? hrdex_buf_put(b, p, 1) < 0 : hrdex_buf_put(b, enc, 3) < 0)
			return -1;
	}
	return 0;
}

int hrdex_html_text(struct hrdex_buf *b, const char *s)
{
	return hrdex_html_textn(b, s ? s : "", s ? strlen(s) : 0);
}

int hrdex_html_url_ok(const char *url)
{
	size_t n, skip, i;

	if (!url)
		return 0;
	n = strlen(url);
	if (n > 2048)
		return 0;
	if (!strncasecmp(url, "http://", 7))
		skip = 7;
	else if (!strncasecmp(url, "https://", 8))
		skip = 8;
	else
		return 0;
	/* A host: something other than a slash right after "//". */
	if (n == skip || url[skip] == '/')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' ||
		    c == '`')
			return 0;
	}
	return 1;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

int hrdex_html_lang_ok(const char *tag)
{
	size_t i = 0, part;

	if (!tag || strlen(tag) > 35)
		return 0;
	while (is_alpha(tag[i]))
		i++;
	if (i < 2 || i > 8)
		return 0;
	while (tag[i] == '-') {
		i++;
		part = 0;
		while (is_alnum(tag[i])) {
			i++;
			part++;
		}
		if (part < 1 || part > 8)
			return 0;
	}
	return tag[i] == '\0';
}

/* The primary subtag of tag equals lang (case-insensitively). */
static int primary_is(const char *tag, const char *lang)
{
	size_t n = strlen(lang);

	return !strncasecmp(tag, lang, n) && (tag[n] == '\0' || tag[n] == '-');
}

const char *hrdex_html_dir(const char *tag)
{
	static const char *const rtl_langs[] = { "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ps", "sd",
						 "syr", "ug", "ur", "yi", NULL };
	static const char *const rtl_scripts[] = { "arab", "hebr", "syrc", "thaa", "nkoo", "adlm", NULL };
	const char *p;
	size_t i;

	if (!hrdex_html_lang_ok(tag))
		return "auto";
	/* A script subtag (four letters) decides when there is one. */
	for (p = strchr(tag, '-'); p; p = strchr(p + 1, '-')) {
		size_t len = strcspn(p + 1, "-");

		if (len != 4 || !is_alpha(p[1]))
			continue;
		for (i = 0; rtl_scripts[i]; i++)
			if (!strncasecmp(p + 1, rtl_scripts[i], 4))
				return "rtl";
		return "ltr";
	}
	for (i = 0; rtl_langs[i]; i++)
		if (primary_is(tag, rtl_langs[i]))
			return "rtl";
	return "ltr";
}

static const struct {
	const char *tag, *name, *autonym;
} languages[] = {
	{ "ar", "Arabic", "العربية" },       { "zh", "Chinese", "中文" },
	{ "en", "English", "English" },      { "fr", "French", "Français" },
	{ "ru", "Russian", "Русский" },      { "es", "Spanish", "Español" },
	{ "pt", "Portuguese", "Português" }, { "sw", "Swahili", "Kiswahili" },
	{ "de", "German", "Deutsch" },       { "it", "Italian", "Italiano" },
	{ "fa", "Persian", "فارسی" },         { "he", "Hebrew", "עברית" },
	{ "ur", "Urdu", "اردو" },            { "hi", "Hindi", "हिन्दी" },
	{ "id", "Indonesian", "Bahasa Indonesia" }, { "ms", "Malay", "Bahasa Melayu" },
	{ "th", "Thai", "ไทย" },             { "vi", "Vietnamese", "Tiếng Việt" },
	{ "am", "Amharic", "አማርኛ" },         { "ha", "Hausa", "Hausa" },
	{ "nl", "Dutch", "Nederlands" },     { "tr", "Turkish", "Türkçe" },
	{ "uk", "Ukrainian", "Українська" }, { "ja", "Japanese", "日本語" },
	{ "ko", "Korean", "한국어" },
};

static int language_index(const char *tag)
{
	size_t i;

	if (!tag)
		return -1;
	for (i = 0; i < sizeof(languages) / sizeof(languages[0]); i++)
		if (!strcasecmp(tag, languages[i].tag))
			return (int)i;
	return -1;
}

const char *hrdex_lang_name(const char *tag)
{
	int i = language_index(tag);

	return i < 0 ? NULL : languages[i].name;
}

const char *hrdex_lang_autonym(const char *tag)
{
	int i = language_index(tag);

	return i < 0 ? NULL : languages[i].autonym;
}

int hrdex_js_string(struct hrdex_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0, start = 0, len;
	unsigned cp;
	char esc[8];

	if (hrdex_buf_putc(b, '"') < 0)
		return -1;
	while (i < n) {
		const char *rep = NULL;

		len = 1;
		if (p[i] == '"')
			rep = "\\\"";
		else if (p[i] == '\\')
			rep = "\\\\";
		else if (p[i] == '\n')
			rep = "\\n";
		else if (p[i] == '\t')
			rep = "\\t";
		else if (p[i] < 0x20 || p[i] == '<' || p[i] == '>' || p[i] == '&' || p[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]); /* fits: six characters */
			rep = esc;
		} else if (p[i] >= 0x80) {
			len = hrdex_utf8_decode(p + i, n - i, &cp);
			if (!len) {
				len = 1;
				rep = "\\ufffd";
			} else if (cp == 0x2028 || cp == 0x2029) {
				snprintf(esc, sizeof(esc), "\\u%04x", cp); /* fits: six characters */
				rep = esc;
			}
		}
		if (rep) {
			if (hrdex_buf_put(b, p + start, i - start) < 0 || hrdex_buf_puts(b, rep) < 0)
				return -1;
			start = i + len;
		}
		i += len;
	}
	if (hrdex_buf_put(b, p + start, n - start) < 0)
		return -1;
	return hrdex_buf_putc(b, '"');
}

int hrdex_md_text(struct hrdex_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0, len;
	unsigned cp;

	while (i < n) {
		int r;

		len = 1;
		if (strchr("\\`*_[]<>|!#~$", p[i]) && p[i]) {
			r = hrdex_buf_putc(b, '\\') < 0 ? -1 : hrdex_buf_putc(b, (char)p[i]);
		} else if (p[i] == '&') {
			r = hrdex_buf_puts(b, "&amp;");
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			r = hrdex_buf_putc(b, ' ');
		} else if (p[i] < 0x80) {
			r = hrdex_buf_putc(b, (char)p[i]);
		} else {
			len = hrdex_utf8_decode(p + i, n - i, &cp);
			if (!len) {
				len = 1;
				r = hrdex_buf_puts(b, replacement);
			} else if (forbidden(cp) || cp == 0x2028 || cp == 0x2029) {
				r = hrdex_buf_putc(b, ' ');
			} else {
				r = hrdex_buf_put(b, p + i, len);
			}
		}
		if (r < 0)
			return -1;
		i += len;
	}
	return 0;
}

const cJSON *hrdex_langmap_pick(const cJSON *map, const char *prefer)
{
	static const char *const order[] = { "en", "fr", "es", "ru", "ar", "zh", NULL };
	const cJSON *e;
	size_t i;

	if (!cJSON_IsObject(map))
		return NULL;
	if (prefer) {
		e = cJSON_GetObjectItemCaseSensitive(map, prefer);
		if (cJSON_IsString(e))
			return e;
	}
	for (i = 0; order[i]; i++) {
		e = cJSON_GetObjectItemCaseSensitive(map, order[i]);
		if (cJSON_IsString(e))
			return e;
	}
	cJSON_ArrayForEach(e, map)
		if (cJSON_IsString(e))
			return e;
	return NULL;
}
