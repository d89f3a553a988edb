/*
 * cmd.h - the command layer: one cmd_<name>() per command (agent/cmd/cmd_*.c).
 *
 * Only this layer prints for users and chooses exit codes.  A command
 * returns the process exit status.
 */
#ifndef HRDEX_CMD_H
#define HRDEX_CMD_H

#include <stdio.h>

#include "problem.h"

struct hrdex_global {
	const char *state_dir;  /* -C DIR, else NULL (then $HRDEX_HOME, ./hrdex-data) */
	int json;               /* --json given before the command */
};

typedef int (*hrdex_cmd_fn)(int argc, char **argv, struct hrdex_global *g);

/* Print "hrdex: MESSAGE" from hrdex_error and return its exit code. */
int cmd_fail(void);

/* Print a usage error and return 64. */
int cmd_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when argv[i] is -h or --help. */
int cmd_wants_help(int argc, char **argv);

int cmd_init(int argc, char **argv, struct hrdex_global *g);
int cmd_validate(int argc, char **argv, struct hrdex_global *g);
int cmd_query(int argc, char **argv, struct hrdex_global *g);
int cmd_reindex(int argc, char **argv, struct hrdex_global *g);
int cmd_peer(int argc, char **argv, struct hrdex_global *g);
int cmd_sync(int argc, char **argv, struct hrdex_global *g);
int cmd_publish(int argc, char **argv, struct hrdex_global *g);
int cmd_withdraw(int argc, char **argv, struct hrdex_global *g);
int cmd_show(int argc, char **argv, struct hrdex_global *g);
int cmd_trust(int argc, char **argv, struct hrdex_global *g);
int cmd_run(int argc, char **argv, struct hrdex_global *g);
int cmd_status(int argc, char **argv, struct hrdex_global *g);
int cmd_config(int argc, char **argv, struct hrdex_global *g);
int cmd_site(int argc, char **argv, struct hrdex_global *g);
int cmd_verify(int argc, char **argv, struct hrdex_global *g);
int cmd_serve(int argc, char **argv, struct hrdex_global *g);

/* Print v on stdout as every --json output is printed: compact, keys
 * sorted, one line.  -1 with hrdex_error when it cannot. */
struct cJSON;
int cmd_print_json(const struct cJSON *v);

/* Print problems as "ORIGIN: POINTER: MESSAGE" (no pointer at the root). */
void cmd_print_problems(FILE *f, const char *origin, const struct hrdex_problems *p);

#endif
