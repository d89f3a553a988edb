/*
 * error.c - the last error message and its kind (see error.h).
 */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <git2.h>

static _Thread_local char message[2048];
static _Thread_local int message_kind;

/* A legacy sysexits code as its kind; a kind as itself. */
static int kind_of(int code)
{
	switch (code) {
	case HRDEX_EX_USAGE: return HRDEX_E_USAGE;
	case HRDEX_EX_DATAERR: return HRDEX_E_INVALID;
	case HRDEX_EX_NOINPUT: return HRDEX_E_NOTFOUND;
	case HRDEX_EX_UNAVAILABLE: return HRDEX_E_UNAVAILABLE;
	case HRDEX_EX_CANTCREAT: return HRDEX_E_CANTCREATE;
	case HRDEX_EX_IOERR: return HRDEX_E_IO;
	case HRDEX_EX_TEMPFAIL: return HRDEX_E_BUSY;
	case HRDEX_EX_NOPERM: return HRDEX_E_PERMISSION;
	case HRDEX_EX_CONFIG: return HRDEX_E_CONFIG;
	default:
		return code >= HRDEX_E_INTERNAL && code <= HRDEX_E_CONFIG ? code : HRDEX_E_INTERNAL;
	}
}

int hrdex_error_vset(int kind, const char *fmt, va_list ap)
{
	/* a message too long for the buffer is cut: it is only read by people */
	vsnprintf(message, sizeof(message), fmt, ap);
	message_kind = kind_of(kind);
	return -1;
}

int hrdex_error_set(int kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hrdex_error_vset(kind, fmt, ap);
	va_end(ap);
	return -1;
}

static void append(const char *suffix)
{
	size_t len = strlen(message);

	/* cut like the message itself: only read by people */
	if (len < sizeof(message) - 1)
		snprintf(message + len, sizeof(message) - len, ": %s", suffix);
}

int hrdex_error_errno(int kind, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	hrdex_error_vset(kind, fmt, ap);
	va_end(ap);
	append(strerror(saved));
	return -1;
}

int hrdex_error_git(int kind, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	va_list ap;

	va_start(ap, fmt);
	hrdex_error_vset(kind, fmt, ap);
	va_end(ap);
	append(e && e->message ? e->message : "unknown libgit2 error");
	return -1;
}

const char *hrdex_error_message(void)
{
	return message;
}

enum hrdex_kind hrdex_error_kind(void)
{
	return message_kind ? (enum hrdex_kind)message_kind : HRDEX_E_INTERNAL;
}

int hrdex_error_oom(void)
{
	return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
}

void hrdex_error_clear(void)
{
	message[0] = '\0';
	message_kind = 0;
}
