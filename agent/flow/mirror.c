/*
 * mirror.c - pushing our branches to mirrors (see mirror.h).
 */
#include "mirror.h"
#include "error.h"
#include "fetch.h"
#include "log.h"
#include "repo.h"

#include <stdlib.h>
#include <string.h>

int hrdex_mirror_push(struct hrdex_state *st)
{
	struct hrdex_config *cfg = st->config;
	struct hrdex_fetch *jobs = NULL;
	struct hrdex_fetch_opts fo;
	git_strarray pubs = { NULL, 0 };
	char *own[1];
	size_t i, n = 0;
	int failed = 0, ret = -1;

	if (!cfg->nmirrors)
		return 0;
	if (hrdex_repo_publishers(&pubs, st->repo) < 0)
		return -1;
	jobs = calloc(cfg->nmirrors, sizeof(*jobs));
	if (!jobs) {
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		goto cleanup;
	}
	own[0] = cfg->publisher;
	for (i = 0; i < cfg->nmirrors; i++) {
		jobs[i].name = cfg->mirrors[i].name;
		jobs[i].url = cfg->mirrors[i].url;
		jobs[i].push = 1;
		jobs[i].fd = -1;
		if (cfg->mirrors[i].all) {
			jobs[i].wanted = pubs.strings;
			jobs[i].nwanted = pubs.count;
		} else {
			git_oid tip;

			/* Nothing published yet: nothing to push. */
			jobs[i].wanted = own;
			jobs[i].nwanted = hrdex_repo_tip(&tip, st->repo, cfg->publisher) == 0 ? 1 : 0;
		}
	}
	memset(&fo, 0, sizeof(fo));
	fo.repo_path = git_repository_path(st->repo);
	fo.connect_timeout_ms = cfg->connect_timeout * 1000;
	fo.timeout_ms = cfg->transfer_timeout * 1000;
	fo.max_bytes = cfg->limits.fetch_bytes;
	fo.parallel = 16;
	/* Under the service, SIGTERM cuts a push short as it does a fetch. */
	fo.stop = st->interrupt;
	fo.stop_fd = st->interrupt_fd;
	fo.stop_payload = st->interrupt_payload;
	/* Mirrors with nothing to push (we have published nothing yet) sit out. */
	for (i = 0, n = 0; i < cfg->nmirrors; i++)
		if (jobs[i].nwanted)
			jobs[n++] = jobs[i];
	if (hrdex_fetch_run(jobs, n, &fo) < 0)
		goto cleanup;
	for (i = 0; i < n; i++) {
		if (jobs[i].status == HRDEX_FETCH_OK) {
			hrdex_log_info("pushed %zu branch%s to mirror '%s'", jobs[i].nwanted,
				       jobs[i].nwanted == 1 ? "" : "es", jobs[i].name);
			continue;
		}
		failed++;
		hrdex_log_warn("mirror '%s': %s", jobs[i].name, jobs[i].message);
	}
	ret = failed;
cleanup:
	for (i = 0; jobs && i < n; i++)
		hrdex_fetch_release(&jobs[i]);
	free(jobs);
	git_strarray_dispose(&pubs);
	return ret;
}
