/*
 * main.c - global options and the command table.
 */
#include "cmd.h"
#include "error.h"
#include "log.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <sodium.h>

#ifndef HRDEX_VERSION
#define HRDEX_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	hrdex_cmd_fn fn;
	const char *summary;
	int no_git;   /* never calls libgit2: skip git_libgit2_init() */
};

static const struct command commands[] = {
	{ "init", cmd_init, "make the state directory, repository, key pair, config", 0 },
	{ "validate", cmd_validate, "check documents, change nothing", 0 },
	{ "publish", cmd_publish, "validate, then publish documents as one signed commit", 0 },
	{ "withdraw", cmd_withdraw, "remove documents from our log (history keeps them)", 0 },
	{ "upgrade", cmd_upgrade, "rewrite our version-1 documents to schema version 2", 0 },
	{ "show", cmd_show, "print a document, or its history", 0 },
	{ "trust", cmd_trust, "add, list, remove or reset trusted publishers (allowed_signers)", 0 },
	{ "join", cmd_join, "join a network's registry: trust, names and peers from its members", 0 },
	{ "key", cmd_key, "show this agent's public key and fingerprint, or rotate it", 0 },
	{ "query", cmd_query, "search the cache", 1 },
	{ "reindex", cmd_reindex, "rebuild the cache from the repository", 0 },
	{ "verify", cmd_verify, "re-check every branch, main and the cache; change nothing", 0 },
	{ "peer", cmd_peer, "add, list, remove or suggest peers", 0 },
	{ "sync", cmd_sync, "fetch from peers, accept what passes, rebuild main", 0 },
	{ "bundle", cmd_bundle, "write the branches to a git bundle for a peer off the network", 0 },
	{ "site", cmd_site, "write the static HTML site for browsing", 0 },
	{ "run", cmd_run, "the service: sync on a schedule, publish the outbox, write status", 0 },
	{ "serve", cmd_serve, "read-only HTTP: OAI-PMH, Atom, iCalendar, health, metrics, the site", 0 },
	{ "status", cmd_status, "peers, publishers, outbox, webhooks; exit 2 when unhealthy", 0 },
	{ "config", cmd_config, "check hrdex.conf: \"configuration OK\" or the bad key", 0 },
	{ NULL, NULL, NULL, 0 },
};

static const char usage[] =
	"usage: hrdex [-C DIR] [-v|-q] COMMAND [ARGS]\n"
	"\n"
	"The human-rights document exchange agent: publishes this member's documents\n"
	"as signed git commits, pulls its peers, and keeps a local query cache.\n"
	"\n"
	"options:\n"
	"  -C DIR         state directory (default: $HRDEX_HOME, else ./hrdex-data)\n"
	"  -v, --verbose  log more\n"
	"  -q, --quiet    log only errors\n"
	"  --version      print the version\n"
	"  -h, --help     this help; `hrdex COMMAND --help` for a command\n"
	"\n"
	"commands:\n";

static void print_usage(FILE *f)
{
	const struct command *c;

	fputs(usage, f);
	for (c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\nexit codes: 0 ok, 1 sync rejected a branch, 2 unhealthy, 64 usage, 65 invalid\n"
	      "document, 69 peer unreachable, 70 internal, 73 cannot create, 74 I/O,\n"
	      "75 busy (try again), 78 bad configuration\n", f);
}

int main(int argc, char **argv)
{
	struct hrdex_global g = { NULL, 0 };
	const struct command *c;
	int i, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("hrdex %s\n", HRDEX_VERSION);
			return 0;
		} else if (!strcmp(a, "-C")) {
			if (++i >= argc)
				return cmd_usage_error(NULL, "-C needs a directory");
			g.state_dir = argv[i];
		} else if (!strncmp(a, "-C", 2)) {
			g.state_dir = a + 2;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			hrdex_log_set_level(HRDEX_LOG_DEBUG);
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			hrdex_log_set_level(HRDEX_LOG_ERROR);
		} else if (!strcmp(a, "--json")) {
			g.json = 1;
		} else {
			hrdex_text_line(stderr, "hrdex: unknown option '%s'", a);
			print_usage(stderr);
			return HRDEX_EX_USAGE;
		}
	}
	if (i >= argc) {
		print_usage(stderr);
		return HRDEX_EX_USAGE;
	}
	for (c = commands; c->name; c++)
		if (!strcmp(c->name, argv[i]))
			break;
	if (!c->name) {
		hrdex_text_line(stderr, "hrdex: '%s' is not a command, see 'hrdex --help'", argv[i]);
		return HRDEX_EX_USAGE;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hrdex: cannot initialise libsodium\n");
		return HRDEX_EX_SOFTWARE;
	}
	/* Debian's libgit2 (mbedTLS) parses the whole system CA bundle here,
	 * about 3 ms: a third of a small query, which reads no repository. */
	if (c->no_git)
		return c->fn(argc - i, argv + i, &g);
	git_libgit2_init();
	/* libgit2 maps pack files in windows of 1 GiB, up to 8 GiB in all, and
	 * the mapped pages count as our RSS: a sync of a 100,000-document
	 * archive peaked at 470 MiB, 400 of it mapped pack.  Small windows and
	 * a low cap keep the peak bounded (32 MiB windows and a 96 MiB cap
	 * still gave 204 MiB, 8 and 32 give 131 MiB); reading is as fast, from
	 * the page cache.  The fetch child's own pack is another matter
	 * (fetch.c). */
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)8 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)32 << 20);
	/* Every object id in repo.git and in a quarantine was computed from the
	 * object's bytes when it was written or indexed (fetched packs are
	 * indexed by libgit2, which hashes every object), so hashing each object
	 * again on every read (libgit2's default) only guards against a disk
	 * that changes bytes; it cost 5-10% of a sync.  `hrdex verify`, whose
	 * job that is, keeps it. */
	if (strcmp(c->name, "verify") != 0)
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	ret = c->fn(argc - i, argv + i, &g);
	git_libgit2_shutdown();
	return ret;
}
