/*
 * cmd_reindex.c - `hrdex reindex`: rebuild cache.db from repo.git.
 */
#include "cache.h"
#include "cmd.h"
#include "refresh.h"
#include "error.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int i, json = g->json, ret = HRDEX_EX_OK;

	if (cmd_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return cmd_usage_error(usage, "unknown argument '%s'", argv[i]);
	}
	dir = hrdex_state_resolve(g->state_dir);
	if (!dir) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_refresh_open(&s, dir, HRDEX_STATE_LOCK, "reindex") < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	path = hrdex_state_path(s, "cache.db");
	if (!path) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_cache_rebuild(path, s->repo) < 0 || hrdex_cache_open(&c, path, 1) < 0 ||
	    hrdex_cache_stats(c, &st) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (json)
		printf("{\"documents\":%lld,\"publishers\":%lld,\"links\":%lld}\n", (long long)st.documents,
		       (long long)st.publishers, (long long)st.links);
	else
		printf("indexed %lld document%s of %lld publisher%s\n", (long long)st.documents,
		       st.documents == 1 ? "" : "s", (long long)st.publishers, st.publishers == 1 ? "" : "s");
cleanup:
	hrdex_cache_close(c);
	free(path);
	hrdex_state_free(s);
	free(dir);
	return ret;
}
