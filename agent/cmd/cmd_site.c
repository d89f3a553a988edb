/*
 * cmd_site.c - hrdex site [--out DIR] [--title TEXT] [--json]
 */
#include "cmd.h"
#include "error.h"
#include "site.h"
#include "state.h"

#include <getopt.h>
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
	"when the new build is complete; unchanged pages are carried over.\n"
	"\n"
	"  --out DIR     where to write it (default: site.dir, else STATE/site)\n"
	"  --title TEXT  the site's name (default: site.title)\n"
	"  --json        print a JSON summary\n"
	"\n"
	"With site.enabled = true in hrdex.conf, the site is rebuilt after every\n"
	"publish, withdraw and sync.  SOURCE_DATE_EPOCH, when set, is the time that\n"
	"decides which events and visits are upcoming.\n";

int cmd_site(int argc, char **argv, struct hrdex_global *g)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hrdex_state *s = NULL;
	struct hrdex_site_opts so = { 0 };
	struct hrdex_site_stats st;
	const char *out = NULL, *title = NULL;
	char *dir = NULL, *path = NULL;
	int c, r, json = g->json, ret;

	while ((c = getopt_long(argc, argv, "o:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 't': title = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return HRDEX_EX_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	/* No agent lock: the build only reads the repository, and builds into
	 * the same folder serialise on their own lock (site.h). */
	dir = hrdex_state_resolve(g->state_dir);
	if (!dir || hrdex_state_open(&s, dir, 0) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	path = out ? strdup(out) : hrdex_site_path(s->dir, s->config);
	if (!path) {
		ret = cmd_usage_error(NULL, "out of memory");
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
			hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
			ret = cmd_fail();
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
