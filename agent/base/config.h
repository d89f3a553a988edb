/*
 * config.h - hrdex.conf, in git-config syntax, read and written with
 * libgit2's config API (so `git config -f hrdex.conf` edits it too).
 *
 * Every key hrdex knows is in one table in config.c (name, default, bounds);
 * an unknown key in hrdex's sections is an error naming it, so a typo never
 * silently falls back to a default.
 */
#ifndef HRDEX_CONFIG_H
#define HRDEX_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "limit.h"

struct hrdex_peer {
	char *name;
	char *url;
	char *ssh_key;        /* peer.NAME.sshKey: private key for ssh:// URLs */
	char **publishers;    /* peer.NAME.publisher (multi): take only these; none = all trusted */
	size_t npublishers;
};

struct hrdex_remote {         /* mirror.NAME.* and webhook.NAME.* */
	char *name;
	char *url;
	char *secret;         /* webhook: HMAC-SHA256 shared secret */
	int all;              /* mirror.NAME.branches = all (else own) */
};

struct hrdex_publisher_name {  /* publisher.ID.name */
	char *id;
	char *name;
};

struct hrdex_config {
	char *path;
	char *publisher;      /* hrdex.publisher */
	char *name;           /* hrdex.name: human name of the publisher */
	struct hrdex_limits limits;
	int64_t sync_interval;      /* sync.interval, seconds */
	int64_t sync_jitter;        /* sync.jitter, seconds */
	int64_t connect_timeout;    /* sync.connectTimeout, seconds */
	int64_t transfer_timeout;   /* sync.timeout: whole fetch, seconds */
	int64_t backoff_max;        /* sync.backoffMax, seconds */
	int64_t pass_timeout;       /* sync.passTimeout, seconds */
	int64_t outbox_settle;      /* outbox.settle, seconds */
	int64_t outbox_interval;    /* outbox.interval: seconds between outbox scans (service) */
	int64_t outbox_batch;       /* outbox.batch: most files published in one commit */
	int64_t status_max_age;     /* status.maxAge: unhealthy if no successful sync for this long */
	int64_t status_max_failures;/* status.maxFailures: per peer */
	int64_t stale_after;        /* network.staleAfter: a trusted publisher's branch standing
				       still this long (seconds), nothing newer offered, is a warning */
	int64_t hook_timeout;       /* webhook.timeout: one delivery in all, seconds */
	int64_t hook_connect_timeout; /* webhook.connectTimeout, seconds */
	int64_t hook_backoff_max;   /* webhook.backoffMax: longest wait between retries, seconds */
	int site_enabled;           /* site.enabled */
	char *site_dir;             /* site.dir: where the site goes (NULL: STATE/site) */
	char *site_title;           /* site.title (NULL: a default) */
	struct hrdex_publisher_name *names;   /* display names of other publishers */
	size_t nnames;
	/* Display names the registry's member documents give (registry.h,
	 * filled by hrdex_state_open from STATE/registry.json): after names,
	 * so a name set by hand wins. */
	struct hrdex_publisher_name *registry_names;
	size_t nregistry_names;
	char *registry;             /* registry.publisher: the network's registry (NULL: none) */
	char *registry_url;         /* registry.url: where its branch is fetched (also peer 'registry') */
	int auto_peers;             /* network.autoPeers: add the registry's members as peers */
	struct hrdex_peer *peers;
	size_t npeers;
	struct hrdex_remote *mirrors;
	size_t nmirrors;
	struct hrdex_remote *hooks;
	size_t nhooks;
};

/* Load and check path; HRDEX_E_CONFIG with "FILE: KEY: problem" on error. */
int hrdex_config_load(struct hrdex_config **out, const char *path);
void hrdex_config_free(struct hrdex_config *c);

/* Set (value != NULL) or unset one key, atomically (libgit2 locks the file). */
int hrdex_config_set(const char *path, const char *key, const char *value);
/* Add one value to a multi-valued key. */
int hrdex_config_add(const char *path, const char *key, const char *value);
/* Remove a whole subsection, e.g. ("peer", "iachr"). */
int hrdex_config_remove_section(const char *path, const char *section, const char *sub);

/* A publisher's display name: hrdex.name for our own, publisher.ID.name for
 * others, else (for our own too) the name the registry's member document
 * gives it (registry_names); NULL when none is known (show the id). */
const char *hrdex_config_publisher_name(const struct hrdex_config *c, const char *id);

const struct hrdex_peer *hrdex_config_peer(const struct hrdex_config *c, const char *name);

/* Valid publisher id: [a-z][a-z0-9-]{1,31}, not "main" or "head". */
int hrdex_publisher_valid(const char *id);
/*
 * 0 when url has a form libgit2 fetches from and pushes to: file:///PATH,
 * git://, http://, https:// or ssh:// with a host, an optional port and a
 * path, or scp-like USER@HOST:PATH.  Else HRDEX_E_CONFIG, "'URL': what is
 * wrong; expected FORMS" (an unknown scheme, no scheme, a local path without
 * file://, no host, a bad port, no path).  A check of shape only: whether
 * anything answers there is for sync to find out.
 */
int hrdex_git_url_check(const char *url);

/* 1 when s names a git bundle file rather than a peer or a URL: it ends in
 * ".bundle" and has no URL scheme (a peer's URL may be the absolute path of
 * one: store/bundle.h). */
int hrdex_bundle_is_path(const char *s);

/* Valid peer/mirror/webhook name: [A-Za-z0-9][A-Za-z0-9._-]{0,63}. */
int hrdex_name_valid(const char *name);

#endif
