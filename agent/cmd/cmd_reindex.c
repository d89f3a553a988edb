/*
 * cmd_reindex.c - `hrdex reindex`: rebuild cache.db from repo.git.
 */
#include "cache.h"
#include "cmd.h"
#include "error.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char usage[] =
	"usage: hrdex [-C DIR] reindex [--json]\n"
	"\n"
	"Rebuild the cache (cache.db) from every publisher branch of repo.git. The new\n"
	"cache is built aside and renamed over the old one, so readers see the old or\n"
	"the new cache, never a mix. Safe to run at any time; takes the agent lock.\n";

int cmd_reindex(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	struct hrdex_cache *c = NULL;
	struct hrdex_cache_stats st;
	char *dir = NULL, *path = NULL;
	int first, json = g->json, ret;
	const struct cmd_opt opts[] = {
		{ "json", 0, CMD_FLAG, &json, NULL, "print the counts as JSON" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { usage, opts, NULL };

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	ret = HRDEX_EX_OK;
	if (first < argc)
		return cmd_usage_error(usage, "unknown argument '%s'", argv[first]);
	if (cmd_open(g, HRDEX_STATE_LOCK, &dir, &s) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	path = hrdex_state_path(s, "cache.db");
	if (!path) {
		ret = cmd_oom();
		goto cleanup;
	}
	if (hrdex_cache_rebuild(path, s->repo) < 0 || hrdex_cache_open(&c, path, 1) < 0 ||
	    hrdex_cache_stats(c, &st) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (json) {
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddNumberToObject(o, "documents", (double)st.documents) ||
		    !cJSON_AddNumberToObject(o, "publishers", (double)st.publishers) ||
		    !cJSON_AddNumberToObject(o, "links", (double)st.links))
			ret = cmd_oom();
		else if (cmd_print_json(o) < 0)
			ret = cmd_fail();
		cJSON_Delete(o);
	} else
		printf("indexed %lld document%s of %lld publisher%s\n", (long long)st.documents,
		       st.documents == 1 ? "" : "s", (long long)st.publishers, st.publishers == 1 ? "" : "s");
cleanup:
	hrdex_cache_close(c);
	free(path);
	hrdex_state_free(s);
	free(dir);
	return ret;
}
