/*
 * cmd_site.c - hrdex site [--out DIR] [--title TEXT] [--json]
 */
#include "cmd.h"
#include "error.h"
#include "site.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char usage[] =
	"usage: hrdex [-C DIR] site [--out DIR] [--title TEXT] [--json]\n"
	"\n"
	"Write the static HTML site of main: a home page, a page per publisher, type\n"
	"and document, a calendar (also as calendar.ics) and a client-side search.\n"
	"It needs no server (open DIR/index.html) and loads nothing from outside DIR.\n"
	"The site is published atomically: DIR becomes a symlink to DIR.d/N, swapped\n"
	"when the new build is complete; unchanged pages are carried over.\n";

static const char footer[] =
	"With site.enabled = true in hrdex.conf, the site is rebuilt after every\n"
	"publish, withdraw and sync.  SOURCE_DATE_EPOCH, when set, is the time that\n"
	"decides which events and visits are upcoming.\n";

int cmd_site(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	struct hrdex_site_opts so = { 0 };
	struct hrdex_site_stats st;
	const char *out = NULL, *title = NULL;
	char *dir = NULL, *path = NULL;
	int first, r, json = g->json, ret;
	const struct cmd_opt opts[] = {
		{ "out", 'o', CMD_VALUE, &out, "DIR", "where to write it (default: site.dir, else STATE/site)" },
		{ "title", 't', CMD_VALUE, &title, "TEXT", "the site's name (default: site.title)" },
		{ "json", 0, CMD_FLAG, &json, NULL, "print a JSON summary" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { usage, opts, footer };

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	if (first < argc)
		return cmd_usage_error(usage, "unexpected argument '%s'", argv[first]);
	/* No agent lock: the build only reads the repository, and builds into
	 * the same folder serialise on their own lock (site.h). */
	if (cmd_open(g, 0, &dir, &s) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	path = out ? strdup(out) : hrdex_site_path(s->dir, s->config);
	if (!path) {
		ret = cmd_oom();
		goto cleanup;
	}
	so.out = path;
	so.title = title ? title : s->config->site_title;
	so.config = s->config;
	so.now = hrdex_site_now();
	if (hrdex_site_build(s->repo, &so, &st) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (json) {
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddStringToObject(o, "out", path) ||
		    !cJSON_AddNumberToObject(o, "generation", (double)st.generation) ||
		    !cJSON_AddNumberToObject(o, "documents", (double)st.documents) ||
		    !cJSON_AddNumberToObject(o, "publishers", (double)st.publishers) ||
		    !cJSON_AddNumberToObject(o, "written", (double)st.written) ||
		    !cJSON_AddNumberToObject(o, "unchanged", (double)st.linked)) {
			cJSON_Delete(o);
			ret = cmd_oom();
			goto cleanup;
		}
		r = cmd_print_json(o);
		cJSON_Delete(o);
		if (r < 0) {
			ret = cmd_fail();
			goto cleanup;
		}
	} else {
		printf("site: %zu document%s from %zu publisher%s at %s/index.html (%zu files written, "
		       "%zu unchanged)\n", st.documents, st.documents == 1 ? "" : "s", st.publishers,
		       st.publishers == 1 ? "" : "s", path, st.written, st.linked);
	}
	ret = 0;
cleanup:
	free(path);
	free(dir);
	hrdex_state_free(s);
	return ret;
}
