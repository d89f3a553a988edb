/*
 * cmd.c - helpers shared by the commands: error and usage printing.
 */
#include "cmd.h"
#include "refresh.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "state.h"
#include "text.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_fail(void)
{
	/* Messages name files, peers and entries that came from outside. */
	hrdex_text_line(stderr, "hrdex: %s", hrdex_error_message());
	return cmd_exit_code(hrdex_error_kind());
}

int cmd_exit_code(enum hrdex_kind kind)
{
	switch (kind) {
	case HRDEX_E_USAGE: return HRDEX_EX_USAGE;
	case HRDEX_E_INVALID: return HRDEX_EX_DATAERR;
	case HRDEX_E_NOTFOUND: return HRDEX_EX_NOINPUT;
	case HRDEX_E_UNAVAILABLE: return HRDEX_EX_UNAVAILABLE;
	case HRDEX_E_CANTCREATE: return HRDEX_EX_CANTCREAT;
	case HRDEX_E_IO: return HRDEX_EX_IOERR;
	case HRDEX_E_BUSY: return HRDEX_EX_TEMPFAIL;
	case HRDEX_E_PERMISSION: return HRDEX_EX_NOPERM;
	case HRDEX_E_CONFIG: return HRDEX_EX_CONFIG;
	case HRDEX_E_INTERNAL: break;
	}
	return HRDEX_EX_SOFTWARE;
}

int cmd_open(const struct hrdex_global *g, unsigned flags, char **dir, struct hrdex_state **s)
{
	char *d = hrdex_state_resolve(g->state_dir);

	if (!d)
		return hrdex_error_oom();
	/* every command that takes the lock catches up first (refresh.h) */
	if (s && hrdex_refresh_open(s, d, flags, NULL) < 0) {
		free(d);
		return -1;
	}
	if (dir)
		*dir = d;
	else
		free(d);
	return 0;
}

int cmd_oom(void)
{
	hrdex_error_oom();
	return cmd_fail();
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
	int r;

	if (!v)
		return hrdex_error_oom();
	r = hrdex_json_compact(&b, v);

	/* flushed here: a full disk must fail the command, not pass unseen at exit */
	if (r == 0 && (fputs(b.ptr, stdout) == EOF || putchar('\n') == EOF || fflush(stdout) == EOF))
		r = hrdex_error_errno(HRDEX_E_IO, "cannot write the output");
	hrdex_buf_free(&b);
	return r;
}

int cmd_json_push_string(cJSON *array, const char *s)
{
	cJSON *v = array ? cJSON_CreateString(s) : NULL;

	if (!v || !cJSON_AddItemToArray(array, v)) {
		cJSON_Delete(v);
		return hrdex_error_oom();
	}
	return 0;
}

cJSON *cmd_json_push_object(cJSON *array)
{
	cJSON *o = array ? cJSON_CreateObject() : NULL;

	if (!o || !cJSON_AddItemToArray(array, o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

void cmd_help(FILE *f, const struct cmd_spec *spec)
{
	const struct cmd_opt *o;
	size_t col = 0, w;

	fputs(spec->usage, f);
	for (o = spec->opts; o && (o->name || o->help); o++) {
		w = o->name ? 2 + (o->short_name ? 4 : 0) + 2 + strlen(o->name) +
			(o->arg_name ? 1 + strlen(o->arg_name) : 0) : 0;
		col = w > col ? w : col;
	}
	col += 2;
	for (o = spec->opts; o && (o->name || o->help); o++) {
		const char *h = o->help ? o->help : "", *nl;
		int n = 0;

		if (!o->name) {
			fprintf(f, "\n%s\n", h);
			continue;
		}
		if (o == spec->opts)
			fputc('\n', f);
		if (o->short_name)
			n = fprintf(f, "  -%c, --%s%s%s", o->short_name, o->name, o->arg_name ? " " : "",
				    o->arg_name ? o->arg_name : "");
		else
			n = fprintf(f, "  --%s%s%s", o->name, o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
		for (; (nl = strchr(h, '\n')); h = nl + 1) {
			fprintf(f, "%*s%.*s\n", (int)col - n, "", (int)(nl - h), h);
			n = 0;
		}
		fprintf(f, "%*s%s\n", (int)col - n, "", h);
	}
	if (spec->footer)
		fprintf(f, "\n%s", spec->footer);
}

static int parse_usage_error(const struct cmd_spec *spec, const char *fmt, const char *what)
{
	hrdex_text_line(stderr, fmt, what);
	cmd_help(stderr, spec);
	return HRDEX_EX_USAGE;
}

int cmd_parse(int argc, char **argv, const struct cmd_spec *spec, int *first)
{
	const struct cmd_opt *o;
	struct option *lo;
	struct hrdex_buf shorts = HRDEX_BUF_INIT;
	size_t n = 0, i;
	int c, li, ret = CMD_GO;

	for (o = spec->opts; o && (o->name || o->help); o++)
		n++;
	lo = calloc(n + 2, sizeof(*lo));
	/* leading ':' tells a missing value from an unknown option */
	if (!lo || hrdex_buf_puts(&shorts, ":h") < 0) {
		free(lo);
		hrdex_buf_free(&shorts);
		return cmd_oom();
	}
	for (i = 0, n = 0; spec->opts && (spec->opts[i].name || spec->opts[i].help); i++) {
		o = &spec->opts[i];
		if (!o->name)
			continue;
		lo[n].name = o->name;
		lo[n].has_arg = o->arg == CMD_FLAG ? no_argument : required_argument;
		lo[n].val = 256 + (int)i;
		n++;
		if (o->short_name && (hrdex_buf_putc(&shorts, (char)o->short_name) < 0 ||
				      (o->arg != CMD_FLAG && hrdex_buf_putc(&shorts, ':') < 0))) {
			free(lo);
			hrdex_buf_free(&shorts);
			return cmd_oom();
		}
	}
	lo[n].name = "help";
	lo[n].val = 'h';
	opterr = 0;
	optind = 0; /* glibc: start afresh, also for a second parse in one process */
	while (ret == CMD_GO && (li = -1, c = getopt_long(argc, argv, shorts.ptr, lo, &li)) != -1) {
		const struct cmd_opt *hit = NULL;
		char name[64];

		/* getopt_long takes "--force" for "--force-bind": a prefix is an
		 * unknown option here, so a name never changes meaning when a
		 * longer option is added. */
		if (li >= 0 && c != '?' && c != ':') {
			const char *text = optarg && optind >= 2 && optarg == argv[optind - 1] ? argv[optind - 2]
											   : argv[optind - 1];
			size_t len = strlen(lo[li].name);

			if (strncmp(text, "--", 2) || strncmp(text + 2, lo[li].name, len) ||
			    (text[2 + len] && text[2 + len] != '=')) {
				ret = parse_usage_error(spec, "hrdex: unknown option '%s'", text);
				break;
			}
		}

		if (c == 'h') {
			cmd_help(stdout, spec);
			ret = 0;
			break;
		}
		if (c == '?') {
			if (optopt && optopt < 256)
				snprintf(name, sizeof(name), "-%c", optopt); /* fits: one character */
			ret = parse_usage_error(spec, "hrdex: unknown option '%s'",
						optopt && optopt < 256 ? name : argv[optind - 1]);
			break;
		}
		if (c == ':' || c >= 256) {
			int v = c == ':' ? optopt : c;

			for (i = 0; spec->opts[i].name || spec->opts[i].help; i++)
				if (spec->opts[i].name && (v == 256 + (int)i || v == spec->opts[i].short_name))
					hit = &spec->opts[i];
		} else {
			for (i = 0; spec->opts[i].name || spec->opts[i].help; i++)
				if (spec->opts[i].name && c == spec->opts[i].short_name)
					hit = &spec->opts[i];
		}
		if (!hit) {
			ret = parse_usage_error(spec, "hrdex: unknown option '%s'", argv[optind - 1]);
			break;
		}
		if (c == ':') {
			hrdex_text_line(stderr, "hrdex: --%s needs a value", hit->name);
			cmd_help(stderr, spec);
			ret = HRDEX_EX_USAGE;
			break;
		}
		if (hit->arg == CMD_FLAG) {
			*(int *)hit->target = 1;
		} else if (hit->arg == CMD_VALUE) {
			const char **t = hit->target;

			if (*t) {
				hrdex_text_line(stderr, "hrdex: --%s given twice ('%s', '%s'): it takes one value",
						hit->name, *t, optarg);
				cmd_help(stderr, spec);
				ret = HRDEX_EX_USAGE;
				break;
			}
			*t = optarg;
		} else {
			struct cmd_list *l = hit->target;
			const char **more = realloc(l->items, (l->count + 1) * sizeof(*more));

			if (!more) {
				ret = cmd_oom();
				break;
			}
			l->items = more;
			l->items[l->count++] = optarg;
		}
	}
	free(lo);
	hrdex_buf_free(&shorts);
	*first = optind;
	return ret;
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
