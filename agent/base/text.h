/*
 * text.h - showing untrusted text on a terminal or in a one-line log entry.
 *
 * Text that came from a peer, a document, an author, a commit or a file
 * name may hold bytes that a terminal obeys (ESC sequences, the C1 CSI
 * U+009B), that reorder what is shown (bidi controls such as U+202E), or
 * that start a new line and so forge a log entry.  Every place that prints
 * such text to people goes through this escape; JSON outputs carry the raw
 * value instead (JSON escaping is safe on its own).
 *
 * The escape, byte for byte:
 *   \n \r \t                     as "\n", "\r", "\t"
 *   other C0 controls, DEL       as "\xHH" (e.g. ESC is "\x1b")
 *   a byte that is not part of
 *   valid shortest-form UTF-8    as "\xHH", one escape per byte
 *   C1 controls U+0080-U+009F,
 *   U+061C, U+200E, U+200F,
 *   U+2028, U+2029,
 *   U+202A-U+202E, U+2066-U+2069 as "\uHHHH" (e.g. "\u202e")
 * Everything else, valid text in every script included, passes unchanged,
 * and so does the backslash: the escaped form is for reading, not to be
 * parsed back, and escaping already escaped text changes nothing.  Nothing
 * is dropped: every byte of the input is either copied or shown escaped.
 */
#ifndef HRDEX_TEXT_H
#define HRDEX_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

/* Append the escaped form of s (len bytes, NUL bytes shown as "\x00"). */
int hrdex_text_escape(struct hrdex_buf *out, const char *s, size_t len);

/* The same for NUL-terminated s; NULL appends nothing. */
int hrdex_text_escapes(struct hrdex_buf *out, const char *s);

/* A malloc'd escaped copy of s (NULL is ""), or NULL when out of memory. */
char *hrdex_text_dup(const char *s);

/*
 * Print one line to f: the text fmt makes, with every character of it
 * (arguments and format alike) escaped, then one '\n'.  So a line printed
 * this way stays one line whatever its arguments hold.  Never touches the
 * hrdex error state (the log uses it); returns -1 only when f fails.
 */
int hrdex_text_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hrdex_text_vline(FILE *f, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
