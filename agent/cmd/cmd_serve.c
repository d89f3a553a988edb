/*
 * cmd_serve.c - hrdex serve [--listen ADDR:PORT]
 */
#include "cmd.h"
#include "error.h"
#include "serve.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>

static const char serve_usage[] =
	"usage: hrdex [-C DIR] [-v|-q] serve [--listen ADDR:PORT]\n"
	"\n"
	"A read-only HTTP server for readers that are not agents (put nginx in\n"
	"front of it for TLS; contrib/nginx-serve.conf):\n"
	"  /oai                      OAI-PMH 2.0 (formats oai_dc and hrdex; sets\n"
	"                            publisher:ID, type:TYPE, country:XXX,\n"
	"                            language:xx; withdrawn documents as deleted\n"
	"                            records)\n"
	"  /feeds/all.atom           Atom, newest first; also\n"
	"                            /feeds/publisher/ID.atom, /feeds/type/TYPE.atom,\n"
	"                            /feeds/country/XXX.atom\n"
	"  /calendar.ics             events and visits as iCalendar; filters\n"
	"                            ?publisher=ID&country=XXX&type=event|visit\n"
	"  /healthz                  200 while 'hrdex status' says healthy, else\n"
	"                            503 with the reasons\n"
	"  /metrics                  metrics.prom (Prometheus)\n"
	"  /                         the static site (STATE/site, 'hrdex site')\n"
	"\n"
	"It opens the cache read-only and never takes the agent's lock: run it\n"
	"next to 'hrdex run', as many as you like.\n";

static const char serve_footer[] =
	"At most 64 connections, 30 s idle timeout.  SIGTERM or SIGINT stops it.\n";

int cmd_serve(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_serve_opts o = { 0 };
	const struct cmd_opt opts[] = {
		{ "listen", 0, CMD_VALUE, &o.listen, "ADDR:PORT",
		  "where to listen (default " HRDEX_SERVE_DEFAULT_LISTEN "; [ADDR6]:PORT for IPv6)" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { serve_usage, opts, serve_footer };
	char *dir;
	int first, ret;

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	if (first < argc)
		return cmd_usage_error(serve_usage, "serve takes no arguments");
	if (cmd_open(g, 0, &dir, NULL) < 0)
		return cmd_fail();
	ret = hrdex_serve(dir, &o) < 0 ? cmd_fail() : 0;
	free(dir);
	return ret;
}
