/*
 * log.c - leveled one-line logging to stderr (see log.h).
 */
#include "log.h"
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum hrdex_log_level current = HRDEX_LOG_INFO;

void hrdex_log_set_level(enum hrdex_log_level level)
{
	current = level;
}

enum hrdex_log_level hrdex_log_get_level(void)
{
	return current;
}

/* 1 when stderr is the journal stream systemd gave us: JOURNAL_STREAM is
 * "DEV:INODE" of that stream (systemd.exec(5)), so a child whose stderr was
 * redirected elsewhere is not fooled by the inherited variable. */
static int stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (!v || !*v || fstat(STDERR_FILENO, &st) < 0)
		return 0;
	errno = 0;
	dev = strtoull(v, &end, 10);
	if (errno || end == v || *end != ':')
		return 0;
	v = end + 1;
	ino = strtoull(v, &end, 10);
	if (errno || end == v || *end)
		return 0;
	return dev == (unsigned long long)st.st_dev && ino == (unsigned long long)st.st_ino;
}

static void vlog(enum hrdex_log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	static int journal = -1;
	char stamp[32] = "", head[48];

	if (level > current)
		return;
	/* journald stamps each line itself; anywhere else (a terminal, a log
	 * file, docker) a line needs its own time, ISO 8601 in UTC. */
	if (journal < 0)
		journal = stderr_is_journal();
	if (!journal) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		if (gmtime_r(&ts.tv_sec, &tm) && strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm) == 0)
			stamp[0] = '\0';
	}
	if (snprintf(head, sizeof(head), "%s%s", stamp, prefix[level]) >= (int)sizeof(head))
		head[0] = '\0';
	/* Arguments often carry a peer's or an author's text: escaped, so that
	 * one event stays one line and cannot drive the terminal or journald. */
	hrdex_text_vline(stderr, head, fmt, ap);
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
