/*
 * error.h - the one error message a failing call leaves behind.
 *
 * Functions that can fail return an int: 0 on success, -1 on failure, after
 * setting exactly one message with hrdex_error_set().  The message is passed up
 * unchanged with its kind (what went wrong, enum hrdex_kind); only the
 * command layer prints it (to stderr) and maps the kind to the process exit
 * status (cmd_exit_code() in cmd/cmd.c, the one place that knows sysexits).
 * Library code that must tell failures apart branches on hrdex_error_kind().
 */
#ifndef HRDEX_ERROR_H
#define HRDEX_ERROR_H

#include <stdarg.h>

/* What went wrong, for the caller to branch on and for cmd/ to map to an
 * exit code.  Numbered apart from the sysexits codes below so the two never
 * compare equal by accident. */
enum hrdex_kind {
	HRDEX_E_INTERNAL = 1000, /* a bug, or out of memory */
	HRDEX_E_USAGE,           /* the caller asked for something malformed */
	HRDEX_E_INVALID,         /* the data (a document, a commit, a key) is bad */
	HRDEX_E_NOTFOUND,        /* a file, document or ref that should be there is not */
	HRDEX_E_UNAVAILABLE,     /* a peer or service cannot be reached */
	HRDEX_E_CANTCREATE,      /* cannot create: exists already, or no room for it */
	HRDEX_E_IO,              /* reading or writing failed */
	HRDEX_E_BUSY,            /* held by another process: try again */
	HRDEX_E_PERMISSION,      /* not allowed */
	HRDEX_E_CONFIG,          /* the configuration is bad */
};

/* sysexits(3) codes used by hrdex; kept here so no file needs <sysexits.h>.
 * Only cmd/ uses them (exit statuses); every hrdex_error_set() passes a kind.
 * (A sysexits code given there anyway is read as the matching kind:
 * DATAERR invalid, NOINPUT not found, SOFTWARE internal, ...) */
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

/* Set the message and its kind (an enum hrdex_kind, or a legacy sysexits
 * code read as its kind); always returns -1 so callers can
 * `return hrdex_error_set(...)`. */
int hrdex_error_set(int kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int hrdex_error_vset(int kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Like hrdex_error_set, appending ": strerror(errno)". */
int hrdex_error_errno(int kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Take libgit2's last error as ours, prefixed by the given context. */
int hrdex_error_git(int kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const char *hrdex_error_message(void); /* "" when none */
enum hrdex_kind hrdex_error_kind(void); /* HRDEX_E_INTERNAL when none */

/* "out of memory", kind internal: the one message for a failed allocation. */
int hrdex_error_oom(void);
void hrdex_error_clear(void);

#endif
