/*
 * cmd.c - helpers shared by the commands: error and usage printing.
 */
#include "cmd.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cmd_fail(void)
{
	/* Messages name files, peers and entries that came from outside. */
	hrdex_text_line(stderr, "hrdex: %s", hrdex_error_message());
	return hrdex_error_code();
}

int cmd_usage_error(const char *cmd_usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hrdex_text_vline(stderr, "hrdex: ", fmt, ap);
	va_end(ap);
	if (cmd_usage)
		fputs(cmd_usage, stderr);
	return HRDEX_EX_USAGE;
}

int cmd_print_json(const cJSON *v)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	int r = hrdex_json_compact(&b, v);

	if (r == 0 && (fputs(b.ptr, stdout) == EOF || putchar('\n') == EOF))
		r = hrdex_error_errno(HRDEX_EX_IOERR, "cannot write the output");
	hrdex_buf_free(&b);
	return r;
}

int cmd_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

void cmd_print_problems(FILE *f, const char *origin, const struct hrdex_problems *p)
{
	size_t i;

	for (i = 0; i < p->count; i++) {
		if (p->items[i].pointer[0])
			hrdex_text_line(f, "%s: %s: %s", origin, p->items[i].pointer, p->items[i].message);
		else
			hrdex_text_line(f, "%s: %s", origin, p->items[i].message);
	}
}
