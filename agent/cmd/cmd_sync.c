/*
 * cmd_sync.c - `hrdex sync [PEER...]`: one round with the peers.
 */
#include "cmd.h"
#include "error.h"
#include "log.h"
#include "state.h"
#include "sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char sync_usage[] =
	"usage: hrdex [-C DIR] sync [--json] [PEER | FILE.bundle]...\n"
	"\n"
	"Fetch from every peer (or only the ones named), check each publisher branch\n"
	"they offer against the acceptance rules, move the branches that pass, then\n"
	"rebuild main, view/ and the cache, and push to the mirrors.  A branch that\n"
	"fails a rule stays where it was; the reason is logged and kept for\n"
	"'hrdex status'.  The same tip offered again (by any peer, on top of the same\n"
	"tip of ours) is refused for the remembered reason without being checked\n"
	"again, until allowed_signers, the limits or the hrdex binary change.  Each\n"
	"event (a branch accepted or rejected, a peer that failed) is one log line\n"
	"on stderr; stdout gets the summary.\n"
	"\n"
	"A PEER ending in .bundle is a git bundle file (see 'hrdex bundle'), read as\n"
	"a peer named after the file (achpr.bundle: 'achpr') for this round: the same\n"
	"child process, limits, quarantine and rules as a fetch.\n";

static const char sync_footer[] =
	"exit codes: 0 every peer fetched and nothing rejected; 1 some branch was\n"
	"rejected (the rest was synced); 69 some peer unreachable or failing (the\n"
	"others were still synced; 69 wins over 1); 64 usage; 75 another hrdex holds\n"
	"the lock; 78 bad configuration\n";

static const char *peer_status(enum hrdex_fetch_status s)
{
	switch (s) {
	case HRDEX_FETCH_OK:
		return "fetched";
	case HRDEX_FETCH_UNREACHABLE:
		return "unreachable";
	default:
		return "error";
	}
}

static const char *branch_status(enum hrdex_branch_status s)
{
	switch (s) {
	case HRDEX_BRANCH_ACCEPTED:
		return "accepted";
	case HRDEX_BRANCH_REJECTED:
		return "rejected";
	case HRDEX_BRANCH_BEHIND:
		return "behind";
	default:
		return "current";
	}
}

static int add_oid(cJSON *o, const char *key, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	return cJSON_AddStringToObject(o, key, hex) ? 0 : -1;
}

static int print_json(const struct hrdex_sync_report *r)
{
	cJSON *root = cJSON_CreateObject(), *peers;
	size_t i, j;
	int ret = -1;

	if (!root || !(peers = cJSON_AddArrayToObject(root, "peers")))
		goto cleanup;
	for (i = 0; i < r->npeers; i++) {
		const struct hrdex_sync_peer *p = &r->peers[i];
		cJSON *po = cJSON_CreateObject(), *bl;

		if (!po)
			goto cleanup;
		cJSON_AddItemToArray(peers, po);
		if (!cJSON_AddStringToObject(po, "name", p->name) || !cJSON_AddStringToObject(po, "url", p->url) ||
		    !cJSON_AddStringToObject(po, "status", peer_status(p->status)) ||
		    !cJSON_AddNumberToObject(po, "elapsed_ms", (double)p->elapsed_ms) ||
		    !cJSON_AddNumberToObject(po, "bytes", (double)p->bytes) ||
		    (p->status != HRDEX_FETCH_OK && !cJSON_AddStringToObject(po, "error", p->message)) ||
		    !(bl = cJSON_AddArrayToObject(po, "branches")))
			goto cleanup;
		for (j = 0; j < r->nbranches; j++) {
			const struct hrdex_sync_branch *b = &r->branches[j];
			cJSON *bo;

			if (b->peer != i)
				continue;
			bo = cJSON_CreateObject();
			if (!bo)
				goto cleanup;
			cJSON_AddItemToArray(bl, bo);
			if (!cJSON_AddStringToObject(bo, "publisher", b->publisher) ||
			    !cJSON_AddStringToObject(bo, "status", branch_status(b->status)) ||
			    add_oid(bo, "commit", &b->offered) < 0)
				goto cleanup;
			if (b->status == HRDEX_BRANCH_ACCEPTED) {
				if ((b->is_new ? !cJSON_AddNullToObject(bo, "from") : add_oid(bo, "from", &b->from) < 0) ||
				    add_oid(bo, "to", &b->offered) < 0 ||
				    !cJSON_AddNumberToObject(bo, "commits", (double)b->commits) ||
				    !cJSON_AddNumberToObject(bo, "added", (double)b->added) ||
				    !cJSON_AddNumberToObject(bo, "changed", (double)b->changed) ||
				    !cJSON_AddNumberToObject(bo, "removed", (double)b->removed))
					goto cleanup;
			} else if (b->status == HRDEX_BRANCH_REJECTED) {
				if (!cJSON_AddStringToObject(bo, "rule", b->rule) ||
				    !cJSON_AddStringToObject(bo, "reason", b->reason) ||
				    !cJSON_AddBoolToObject(bo, "remembered", b->remembered))
					goto cleanup;
			}
		}
	}
	if (!cJSON_AddNumberToObject(root, "accepted", (double)r->accepted) ||
	    !cJSON_AddNumberToObject(root, "rejected", (double)r->rejected) ||
	    !cJSON_AddNumberToObject(root, "unreachable", (double)r->unreachable) ||
	    !cJSON_AddNumberToObject(root, "elapsed_ms", (double)r->elapsed_ms) ||
	    (r->main_moved ? add_oid(root, "main", &r->main) < 0 : !cJSON_AddNullToObject(root, "main")))
		goto cleanup;
	ret = cmd_print_json(root);
cleanup:
	cJSON_Delete(root);
	return ret;
}

/* Each event (a branch accepted or rejected, a peer that failed) is one log
 * line on stderr, as under the service; stdout gets the summary, so a
 * terminal shows every event once. */
static void print_text(const struct hrdex_sync_report *r)
{
	printf("sync: %zu peer%s, %zu accepted, %zu rejected, %zu unreachable (%lld ms)\n", r->npeers,
	       r->npeers == 1 ? "" : "s", r->accepted, r->rejected, r->unreachable, (long long)r->elapsed_ms);
}

int cmd_sync(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_sync_report rep;
	struct hrdex_state *st = NULL;
	char **names = NULL, *dir = NULL;
	size_t n = 0;
	int i, first, json = g->json, ret;
	const struct cmd_opt opts[] = {
		{ "json", 0, CMD_FLAG, &json, NULL,
		  "print a JSON summary: per peer, fetched/unreachable/error, and per\n"
		  "branch, accepted (from, to), rejected (rule, reason, remembered),\n"
		  "current or behind" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { sync_usage, opts, sync_footer };

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	names = calloc((size_t)argc + 1, sizeof(*names));
	if (!names)
		return cmd_oom();
	for (i = first; i < argc; i++)
		names[n++] = argv[i];
	memset(&rep, 0, sizeof(rep));
	if (cmd_open(g, HRDEX_STATE_LOCK | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS, &dir, &st) < 0 ||
	    hrdex_sync_run(&rep, st, names, n, HRDEX_SYNC_PUSH) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	for (i = 0; (size_t)i < rep.npeers; i++)
		if (rep.peers[i].status != HRDEX_FETCH_OK)
			hrdex_log_warn("peer '%s' %s: %s", rep.peers[i].name,
				       rep.peers[i].status == HRDEX_FETCH_UNREACHABLE ? "unreachable" : "failed",
				       rep.peers[i].message);
	if (json ? print_json(&rep) < 0 : (print_text(&rep), 0)) {
		ret = hrdex_error_message()[0] ? cmd_fail() : cmd_oom();
		goto cleanup;
	}
	ret = rep.unreachable ? HRDEX_EX_UNAVAILABLE : rep.rejected ? HRDEX_EX_REJECTED : HRDEX_EX_OK;
cleanup:
	hrdex_sync_report_free(&rep);
	hrdex_state_free(st);
	free(dir);
	free(names);
	return ret;
}
