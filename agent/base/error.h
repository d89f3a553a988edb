/*
 * error.h - the one error message a failing call leaves behind.
 *
 * Functions that can fail return an int: 0 on success, -1 on failure, after
 * setting exactly one message with hrdex_error_set().  The message is passed up
 * unchanged; only the command layer prints it (to stderr) and turns the
 * attached sysexits code into the process exit status.
 */
#ifndef HRDEX_ERROR_H
#define HRDEX_ERROR_H

#include <stdarg.h>

/* sysexits(3) codes used by hrdex; kept here so no file needs <sysexits.h>. */
enum hrdex_exit {
	HRDEX_EX_OK = 0,
	HRDEX_EX_REJECTED = 1,   /* sync: some branch was rejected (README) */
	HRDEX_EX_UNHEALTHY = 2,  /* status: health thresholds exceeded */
	HRDEX_EX_USAGE = 64,
	HRDEX_EX_DATAERR = 65,
	HRDEX_EX_NOINPUT = 66,
	HRDEX_EX_UNAVAILABLE = 69,
	HRDEX_EX_SOFTWARE = 70,
	HRDEX_EX_CANTCREAT = 73,
	HRDEX_EX_IOERR = 74,
	HRDEX_EX_TEMPFAIL = 75,
	HRDEX_EX_NOPERM = 77,
	HRDEX_EX_CONFIG = 78,
};

/* Set the message and its exit code; always returns -1 so callers can
 * `return hrdex_error_set(...)`. */
int hrdex_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int hrdex_error_vset(int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Like hrdex_error_set, appending ": strerror(errno)". */
int hrdex_error_errno(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Take libgit2's last error as ours, prefixed by the given context. */
int hrdex_error_git(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const char *hrdex_error_message(void); /* "" when none */
int hrdex_error_code(void);            /* HRDEX_EX_SOFTWARE when none */
void hrdex_error_clear(void);

#endif
