/*
 * html.h - writing untrusted text into HTML, JavaScript and Markdown.
 *
 * Every string that reaches the static site or a generated README comes from
 * a document, and documents come from peers: treat them as hostile.  These
 * helpers are the only way such text is written:
 *
 *   hrdex_html_text     text content and double-quoted attribute values:
 *                       & < > " ' escaped, control characters replaced
 *   hrdex_html_url_ok   whether a URL may go into href (http/https only)
 *   hrdex_js_string     a JavaScript string literal, safe in a .js file
 *   hrdex_md_text       Markdown inline text (a table cell, a link label)
 *
 * Input is valid UTF-8 (documents are checked before they are accepted);
 * bytes that are not are still escaped or replaced, never passed through raw
 * as markup.
 */
#ifndef HRDEX_HTML_H
#define HRDEX_HTML_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

/*
 * Append s escaped for HTML text and for attribute values in double or
 * single quotes: & < > " ' become entities; C0 controls other than tab,
 * newline and carriage return, DEL and C1 controls become U+FFFD; so do the
 * bidirectional embedding, override and isolate controls (U+202A-202E,
 * U+2066-2069), which could make a hostile title spoof the text around it.
 */
int hrdex_html_text(struct hrdex_buf *b, const char *s);

/*
 * Append s as one percent-encoded URL path segment (RFC 3986: every byte
 * but A-Z a-z 0-9 - . _ ~ becomes %XX), so a file name such as "Informe
 * anual 2026 (ES).pdf", "50% #2.pdf" or "قرار.pdf" links to itself.  The
 * result holds no character that needs HTML escaping.
 */
int hrdex_url_segment(struct hrdex_buf *b, const char *s);
int hrdex_html_textn(struct hrdex_buf *b, const char *s, size_t n);

/*
 * 1 when url may be written into an href: it starts with "http://" or
 * "https://" (any case), has a host, is at most 2048 bytes, and holds no
 * whitespace, control characters, quotes, backslash, '<', '>' or '`'.  Anything
 * else (javascript:, data:, relative URLs, "http:\\evil") gives 0: show it
 * as text instead.  The caller still escapes it with hrdex_html_text.
 */
int hrdex_html_url_ok(const char *url);

/* 1 when tag is a well-formed BCP-47-like tag usable in lang="…"
 * ([A-Za-z]{2,8} then "-" and [A-Za-z0-9]{1,8} parts, at most 35 bytes). */
int hrdex_html_lang_ok(const char *tag);

/* Writing direction for a language tag: "rtl" for Arabic, Hebrew, Persian,
 * Urdu… (or a tag with an Arab/Hebr/Syrc/Thaa/Nkoo/Adlm script subtag), "ltr"
 * for other tags, "auto" when the tag is not well formed. */
const char *hrdex_html_dir(const char *tag);

/* English name of a language for labels ("Arabic"), or NULL when unknown. */
const char *hrdex_lang_name(const char *tag);
/* The language's own name ("العربية"), or NULL when unknown. */
const char *hrdex_lang_autonym(const char *tag);

/*
 * Append s as a double-quoted JavaScript string literal: \ " and control
 * characters escaped, and also < > & (as \u003c…) and U+2028/U+2029, so the
 * literal is valid JSON, valid JavaScript, and cannot close a script element.
 */
int hrdex_js_string(struct hrdex_buf *b, const char *s);

/*
 * Append s as Markdown inline text: line breaks and control characters
 * become spaces; the ASCII punctuation that means something inline
 * (\ ` * _ [ ] < > | ! # ~ $) is backslash-escaped and & becomes &amp;, so a
 * title renders as the same text on CommonMark and GitHub viewers and cannot
 * open a link, an image, raw HTML, code, emphasis or a table column.  (GitHub
 * still shows a bare http(s) URL inside a title as a link.)  Not for text at
 * the start of a line, where "- " or "1. " would start a list.
 */
int hrdex_md_text(struct hrdex_buf *b, const char *s);

/*
 * The entry of a language map (BCP-47 tag to text) to show when there is
 * room for one: prefer if present, else English, French, Spanish, Russian,
 * Arabic, Chinese, else the first.  Its key (e->string) is the language.
 * NULL when map holds no text.
 */
const cJSON *hrdex_langmap_pick(const cJSON *map, const char *prefer);

#endif
