/*
 * log.h - one line per event on stderr.  Under journald (stderr is the
 * stream JOURNAL_STREAM names) the journal adds the time; anywhere else each
 * line starts with an ISO 8601 UTC time, "2026-12-06T07:08:42Z warning: ...".
 *
 * Messages follow git's style: lowercase, no final period, subjects quoted.
 * The whole line is escaped by hrdex_text_vline (text.h): arguments may hold
 * foreign text, and a newline or escape sequence in them is shown, not obeyed.
 */
#ifndef HRDEX_LOG_H
#define HRDEX_LOG_H

enum hrdex_log_level { HRDEX_LOG_ERROR, HRDEX_LOG_WARN, HRDEX_LOG_INFO, HRDEX_LOG_DEBUG };

void hrdex_log_set_level(enum hrdex_log_level level);
enum hrdex_log_level hrdex_log_get_level(void);

void hrdex_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hrdex_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hrdex_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hrdex_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Milliseconds on a monotonic clock, for "took N ms" debug lines. */
double hrdex_log_ms(void);

#endif
