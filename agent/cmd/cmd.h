/*
 * cmd.h - the command layer: one cmd_<name>() per command (agent/cmd/cmd_*.c).
 *
 * Only this layer prints for users and chooses exit codes.  A command
 * returns the process exit status.
 */
#ifndef HRDEX_CMD_H
#define HRDEX_CMD_H

#include <stdio.h>

#include "error.h"
#include "problem.h"

struct hrdex_global {
	const char *state_dir;  /* -C DIR, else NULL (then $HRDEX_HOME, ./hrdex-data) */
	int json;               /* --json given before the command */
};

typedef int (*hrdex_cmd_fn)(int argc, char **argv, struct hrdex_global *g);

/* Print "hrdex: MESSAGE" from hrdex_error and return its exit code. */
int cmd_fail(void);

/* The exit status for an error kind: the one mapping from the library's
 * kinds (error.h) to sysexits codes. */
int cmd_exit_code(enum hrdex_kind kind);

/* The preamble every command that reads the state directory starts with:
 * resolve it (-C DIR, else $HRDEX_HOME, else ./hrdex-data) into *dir when
 * dir is not NULL (the caller frees it), and when s is not NULL open it with
 * flags (HRDEX_STATE_LOCK, _KEY, _SCHEMAS, _NOWAIT: what the command needs
 * beyond hrdex.conf and repo.git).  -1 with hrdex_error; *dir and *s are
 * set only when it succeeds. */
struct hrdex_state;
int cmd_open(const struct hrdex_global *g, unsigned flags, char **dir, struct hrdex_state **s);

/* Print "hrdex: out of memory" and return 70: every failed allocation in a
 * command ends here. */
int cmd_oom(void);

/* Print a usage error and return 64. */
int cmd_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when argv[i] is -h or --help. */
int cmd_wants_help(int argc, char **argv);

/* ---- options: one table per command, parsed by cmd_parse() ---- */

enum cmd_arg {
	CMD_FLAG,   /* no value: *(int *)target = 1 */
	CMD_VALUE,  /* one value: *(const char **)target; given twice is a usage error */
	CMD_LIST,   /* repeatable: appended to *(struct cmd_list *)target */
};

/* The values of a CMD_LIST option, pointing into argv; free items. */
struct cmd_list {
	const char **items;
	size_t count;
};

struct cmd_opt {
	const char *name;     /* long name without "--"; NULL: help is a paragraph of the help */
	int short_name;       /* 'm' for -m, or 0 */
	enum cmd_arg arg;
	void *target;
	const char *arg_name; /* the value in the help, e.g. "MSG" */
	const char *help;     /* one line per '\n', aligned after the option */
};

/* A command's help: usage (synopsis and what it does), then one line per
 * option of the table (ended by an entry with name and help NULL), then
 * footer (or NULL). */
struct cmd_spec {
	const char *usage;
	const struct cmd_opt *opts;
	const char *footer;
};

#define CMD_GO (-1)

/* Parse argv[1..] with getopt_long (options and operands may mix; "--"
 * ends the options) by spec's table, plus -h/--help.  CMD_GO with *first
 * the index of the first operand (operands are then argv[*first..argc-1]),
 * else the exit status to return: 0 after --help (printed on stdout), 64
 * after a usage error (printed with the help on stderr), 70 out of memory. */
int cmd_parse(int argc, char **argv, const struct cmd_spec *spec, int *first);

/* Print spec's help (usage, options, footer) to f. */
void cmd_help(FILE *f, const struct cmd_spec *spec);

int cmd_init(int argc, char **argv, struct hrdex_global *g);
int cmd_validate(int argc, char **argv, struct hrdex_global *g);
int cmd_query(int argc, char **argv, struct hrdex_global *g);
int cmd_reindex(int argc, char **argv, struct hrdex_global *g);
int cmd_peer(int argc, char **argv, struct hrdex_global *g);
int cmd_sync(int argc, char **argv, struct hrdex_global *g);
int cmd_bundle(int argc, char **argv, struct hrdex_global *g);
int cmd_publish(int argc, char **argv, struct hrdex_global *g);
int cmd_withdraw(int argc, char **argv, struct hrdex_global *g);
int cmd_upgrade(int argc, char **argv, struct hrdex_global *g);
int cmd_show(int argc, char **argv, struct hrdex_global *g);
int cmd_trust(int argc, char **argv, struct hrdex_global *g);
int cmd_join(int argc, char **argv, struct hrdex_global *g);
int cmd_key(int argc, char **argv, struct hrdex_global *g);
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

/* Append a string, or a new empty object (returned; NULL on failure), to
 * a JSON array: a NULL array or a failed allocation is an error, never a
 * silently missing element.  Every --json output is built with checked
 * cJSON calls and printed with cmd_print_json(). */
int cmd_json_push_string(struct cJSON *array, const char *s);
struct cJSON *cmd_json_push_object(struct cJSON *array);

/* Print problems as "ORIGIN: POINTER: MESSAGE" (no pointer at the root). */
void cmd_print_problems(FILE *f, const char *origin, const struct hrdex_problems *p);

#endif
