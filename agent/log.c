/*
 * log.c - leveled one-line logging to stderr (see log.h).
 */
#include "log.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum hrdex_log_level current = HRDEX_LOG_INFO;

void hrdex_log_set_level(enum hrdex_log_level level)
{
	current = level;
}

enum hrdex_log_level hrdex_log_get_level(void)
{
	return current;
}

static void vlog(enum hrdex_log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };

	if (level > current)
		return;
	/* Arguments often carry a peer's or an author's text: escaped, so that
	 * one event stays one line and cannot drive the terminal or journald. */
	hrdex_text_vline(stderr, prefix[level], fmt, ap);
}

#define DEFINE_LOG(name, level)                      \
	void hrdex_log_##name(const char *fmt, ...)  \
	{                                            \
		va_list ap;                          \
		va_start(ap, fmt);                   \
		vlog(level, fmt, ap);                \
		va_end(ap);                          \
	}

DEFINE_LOG(error, HRDEX_LOG_ERROR)
DEFINE_LOG(warn, HRDEX_LOG_WARN)
DEFINE_LOG(info, HRDEX_LOG_INFO)
DEFINE_LOG(debug, HRDEX_LOG_DEBUG)

double hrdex_log_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
