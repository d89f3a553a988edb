/*
 * fuzz_config.c - hrdex.conf loading (git-config syntax, via libgit2).
 *
 * Input: the file's bytes, written to one temporary file per process.
 * Invariants, when it loads: every integer is within the bounds of its key,
 * the publisher id and every peer, mirror and webhook name are valid, every
 * peer, mirror and webhook has a URL, every peer publisher is valid.
 * When it does not: a config (or out-of-memory) error, *out left NULL.
 */
#include "fuzz.h"
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

static char dir[64];
static char path[128];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_SETUP(git_libgit2_init());
	/* Nothing of the user's git configuration may leak into the runs. */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	snprintf(dir, sizeof(dir), "/tmp/hrdex-fuzz-config.XXXXXX");
	FUZZ_CHECK(mkdtemp(dir) != NULL, "cannot make a temporary folder");
	snprintf(path, sizeof(path), "%s/hrdex.conf", dir);
	atexit(cleanup);
	return 0;
}

#define IN(v, lo, hi) ((v) >= (lo) && (v) <= (hi))

static void check_loaded(const struct hrdex_config *c)
{
	size_t i, j;

	FUZZ_CHECK(c->publisher && hrdex_publisher_valid(c->publisher), "publisher id valid");
	FUZZ_CHECK(IN(c->sync_interval, 1, 7 * 86400), "sync.interval in bounds");
	FUZZ_CHECK(IN(c->sync_jitter, 0, 86400), "sync.jitter in bounds");
	FUZZ_CHECK(IN(c->connect_timeout, 1, 600), "sync.connectTimeout in bounds");
	FUZZ_CHECK(IN(c->transfer_timeout, 1, 86400), "sync.timeout in bounds");
	FUZZ_CHECK(IN(c->backoff_max, 1, 7 * 86400), "sync.backoffMax in bounds");
	FUZZ_CHECK(IN(c->pass_timeout, 1, 86400), "sync.passTimeout in bounds");
	FUZZ_CHECK(IN(c->outbox_settle, 0, 3600), "outbox.settle in bounds");
	FUZZ_CHECK(IN(c->status_max_age, 1, 365 * 86400), "status.maxAge in bounds");
	FUZZ_CHECK(IN(c->status_max_failures, 1, 1000000), "status.maxFailures in bounds");
	FUZZ_CHECK(IN(c->hook_timeout, 1, 600), "webhook.timeout in bounds");
	FUZZ_CHECK(IN(c->limits.document_bytes, 1024, (int64_t)64 << 20), "limits.document in bounds");
	FUZZ_CHECK(IN(c->limits.attachment_bytes, 0, (int64_t)4 << 30), "limits.attachment in bounds");
	FUZZ_CHECK(IN(c->limits.fetch_bytes, 1 << 20, (int64_t)64 << 30), "limits.fetch in bounds");
	FUZZ_CHECK(IN(c->limits.fetch_commits, 1, 100000000), "limits.commits in bounds");
	FUZZ_CHECK(IN(c->limits.tree_entries, 16, 100000000), "limits.treeEntries in bounds");
	FUZZ_CHECK(IN(c->limits.json_depth, 4, 512), "limits.depth in bounds");
	FUZZ_CHECK(IN(c->limits.string_bytes, 64, (int64_t)16 << 20), "limits.string in bounds");
	FUZZ_CHECK(c->site_enabled == 0 || c->site_enabled == 1, "site.enabled is a boolean");
	for (i = 0; i < c->npeers; i++) {
		const struct hrdex_peer *p = &c->peers[i];

		FUZZ_CHECK(hrdex_name_valid(p->name) && p->url, "a peer has a valid name and a URL");
		FUZZ_CHECK(hrdex_config_peer(c, p->name) == p, "peer names are unique");
		for (j = 0; j < p->npublishers; j++)
			FUZZ_CHECK(hrdex_publisher_valid(p->publishers[j]), "peer publishers are valid");
	}
	for (i = 0; i < c->nmirrors; i++)
		FUZZ_CHECK(hrdex_name_valid(c->mirrors[i].name) && c->mirrors[i].url,
			   "a mirror has a valid name and a URL");
	for (i = 0; i < c->nhooks; i++)
		FUZZ_CHECK(hrdex_name_valid(c->hooks[i].name) && c->hooks[i].url,
			   "a webhook has a valid name and a URL");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hrdex_config *c = NULL;
	int fd;

	if (size > 65536)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0, "cannot write the temporary config");
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "cannot write the temporary config");
	close(fd);
	if (hrdex_config_load(&c, path) == 0) {
		FUZZ_CHECK(c != NULL, "a loaded config is returned");
		check_loaded(c);
	} else {
		FUZZ_CHECK(c == NULL, "a failed load leaves *out NULL");
		FUZZ_CHECK(hrdex_error_kind() == HRDEX_E_CONFIG ||
				   hrdex_error_kind() == HRDEX_E_INTERNAL,
			   "a refused config is a config error");
	}
	hrdex_config_free(c);
	hrdex_error_clear();
	return 0;
}
