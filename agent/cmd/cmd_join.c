/*
 * cmd_join.c - hrdex join LINE URL: join a network's registry
 * (agent/flow/registry.h) on an existing agent.
 */
#include "cmd.h"
#include "config.h"
#include "error.h"
#include "refresh.h"
#include "registry.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: hrdex [-C DIR] join LINE URL\n"
	"\n"
	"Join a network's registry: LINE is the line 'hrdex init' printed on the\n"
	"registry's agent ('ohchr namespaces=\"git\" ssh-ed25519 AAAA...'; check its\n"
	"SHA256: fingerprint with the registry on the phone), URL where the\n"
	"registry's branch is fetched.  The registry's key is pinned in\n"
	"allowed_signers, registry.publisher and registry.url are set in\n"
	"hrdex.conf and URL becomes the peer 'registry'.  From the next sync on,\n"
	"the registry's member documents give trust (each member's first key, in\n"
	"allowed_signers under '# registry REGISTRY/member/ID'), display names and\n"
	"suggested peers ('hrdex peer suggest'; added by themselves with\n"
	"network.autoPeers = true).  Running it again changes nothing; joining a\n"
	"second registry, or a line whose key allowed_signers gives another\n"
	"publisher, is refused (65).\n";

int cmd_join(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	char *dir = NULL, *signers = NULL, reg[HRDEX_PUBLISHER_MAX + 1];
	const struct cmd_opt opts[] = { { NULL, 0, 0, NULL, NULL, NULL } };
	const struct cmd_spec spec = { usage, opts, NULL };
	int first, ret;

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	if (argc - first != 2)
		return cmd_usage_error(usage, "join needs LINE and URL");
	if (cmd_open(g, HRDEX_STATE_LOCK | HRDEX_STATE_SCHEMAS, &dir, &s) < 0)
		goto fail;
	if (!strcmp(argv[first], s->config->publisher)) {
		ret = cmd_usage_error(usage, "to make this agent the registry, set registry.publisher = %s in "
				      "hrdex.conf", argv[first]);
		goto cleanup;
	}
	signers = hrdex_state_path(s, "allowed_signers");
	if (!signers) {
		hrdex_error_oom();
		goto fail;
	}
	if (hrdex_registry_pin(s->config->path, signers, s->config->publisher, argv[first], argv[first + 1], reg) < 0)
		goto fail;
	hrdex_text_line(stderr, "joined the registry '%s' (peer 'registry', %s): each sync now trusts and names the "
			"members it publishes", reg, argv[first + 1]);
	ret = 0;
	goto cleanup;
fail:
	ret = cmd_fail();
cleanup:
	hrdex_state_free(s);
	free(signers);
	free(dir);
	return ret;
}
