/*
 * error.c - the last error message and its exit code (see error.h).
 */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <git2.h>

static _Thread_local char message[2048];
static _Thread_local int message_code;

int hrdex_error_vset(int code, const char *fmt, va_list ap)
{
	vsnprintf(message, sizeof(message), fmt, ap);
	message_code = code;
	return -1;
}

int hrdex_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hrdex_error_vset(code, fmt, ap);
	va_end(ap);
	return -1;
}

static void append(const char *suffix)
{
	size_t len = strlen(message);

	if (len < sizeof(message) - 1)
		snprintf(message + len, sizeof(message) - len, ": %s", suffix);
}

int hrdex_error_errno(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	hrdex_error_vset(code, fmt, ap);
	va_end(ap);
	append(strerror(saved));
	return -1;
}

int hrdex_error_git(int code, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	va_list ap;

	va_start(ap, fmt);
	hrdex_error_vset(code, fmt, ap);
	va_end(ap);
	append(e && e->message ? e->message : "unknown libgit2 error");
	return -1;
}

const char *hrdex_error_message(void)
{
	return message;
}

int hrdex_error_code(void)
{
	return message_code ? message_code : HRDEX_EX_SOFTWARE;
}

void hrdex_error_clear(void)
{
	message[0] = '\0';
	message_code = 0;
}
