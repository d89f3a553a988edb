/*
 * cmd_run.c - hrdex run [--once]
 */
#include "cmd.h"
#include "error.h"
#include "service.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>

static const char run_usage[] =
	"usage: hrdex [-C DIR] [-v|-q] run [--once]\n"
	"\n"
	"The service, in the foreground (systemd runs it; logs go to stderr, one\n"
	"line per event): sync every peer every sync.interval seconds (plus up to\n"
	"sync.jitter), backing off after failures; publish what is dropped into\n"
	"outbox/; after changes, push the mirrors and post webhooks; write\n"
	"status.json and metrics.prom.\n"
	;

static const char run_footer[] =
	"signals: SIGTERM/SIGINT cut a fetch short, finish the step in hand and exit\n"
	"0; SIGHUP re-reads hrdex.conf (a bad one is logged, the running one kept);\n"
	"SIGUSR1 syncs now.\n"
	"Only one 'hrdex run' per state directory: a second exits 75 at once.\n";

int cmd_run(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_service_opts o = { 0 };
	struct hrdex_service_result res = { 0 };
	const struct cmd_opt opts[] = {
		{ "once", 0, CMD_FLAG, &o.once, NULL,
		  "one pass (every peer, the outbox), deliver due webhooks, exit;\n"
		  "exit 69 if a peer failed, 1 if a branch was rejected, else 0;\n"
		  "if the outbox step itself failed (not a rejected file: those\n"
		  "go to outbox/rejected/), its own code, e.g. 74" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { run_usage, opts, run_footer };
	char *dir;
	int first, ret;

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	if (first < argc)
		return cmd_usage_error(run_usage, "run takes no arguments");
	if (cmd_open(g, 0, &dir, NULL) < 0)
		return cmd_fail();
	if (hrdex_service_run(dir, &o, &res) < 0)
		ret = cmd_fail();
	else if (o.once && res.outbox_failed) /* logged already */
		ret = cmd_exit_code(res.outbox_failed);
	else if (o.once && res.peers_failed)
		ret = HRDEX_EX_UNAVAILABLE;
	else if (o.once && res.branches_rejected)
		ret = HRDEX_EX_REJECTED;
	else
		ret = 0;
	free(dir);
	return ret;
}
