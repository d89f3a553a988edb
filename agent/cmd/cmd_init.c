/*
 * cmd_init.c - hrdex init --publisher ID [--name TEXT] [--key FILE]
 *
 * The state directory is built beside its final place and renamed into it,
 * so a failed init leaves nothing behind and an existing one is untouched.
 */
#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "repo.h"
#include "key.h"
#include "registry.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: hrdex [-C DIR] init --publisher ID [--name TEXT] [--key FILE]\n"
	"                          [--registry LINE --registry-url URL]\n"
	"\n"
	"Make a state directory: hrdex.conf, repo.git, keys/, allowed_signers,\n"
	"outbox/, view/.  Prints the allowed_signers line that peers add with\n"
	"'hrdex trust add'.  Refuses (exit 73) when DIR already exists and is not empty.\n"
	"\n"
	"With --registry, the agent joins a network's registry (as 'hrdex join'\n"
	"does later): LINE is the line 'hrdex init' printed on the registry's agent\n"
	"('ohchr namespaces=\"git\" ssh-ed25519 AAAA...'), URL where its branch is\n"
	"fetched.  The registry's key is pinned in allowed_signers, URL becomes the\n"
	"peer 'registry', and every sync then trusts, names and suggests as peers\n"
	"the members the registry publishes.  '--registry ID' with this agent's\n"
	"own ID makes this agent the registry (it publishes the member documents).\n";

/* An empty directory counts as absent (it is removed, then replaced). */
static int remove_if_empty(const char *path)
{
	return rmdir(path) == 0 || errno == ENOENT;
}

static int build(const char *dir, const char *publisher, const char *name, const char *key_file,
		 struct hrdex_buf *signer_line)
{
	struct hrdex_key key;
	struct hrdex_buf line = HRDEX_BUF_INIT;
	char *p = NULL;
	int ret = -1;

	memset(&key, 0, sizeof(key));
#define PATH(rel) (free(p), p = hrdex_path_join(dir, rel))
	if (mkdir(dir, 0755) < 0)
		return hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create '%s'", dir);
	/* hrdex.conf holds webhook secrets: 0600 (config.c keeps the mode
	 * across edits); keys/ 0700 and the key 0600 (sign.c).  Modes only
	 * lose bits to the umask, never gain them. */
	if (!PATH("hrdex.conf") || hrdex_fs_write_atomic(p, "", 0, 0600) < 0 ||
	    hrdex_config_set(p, "hrdex.publisher", publisher) < 0 ||
	    (name && hrdex_config_set(p, "hrdex.name", name) < 0))
		goto cleanup;
	if (!PATH("repo.git") || hrdex_repo_create(p) < 0)
		goto cleanup;
	if (!PATH("keys") || mkdir(p, 0700) < 0) {
		hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create '%s'", p ? p : dir);
		goto cleanup;
	}
	if (key_file) {
		if (hrdex_key_load(&key, key_file) < 0)
			goto cleanup;
		snprintf(key.comment, sizeof(key.comment), "%s", publisher); /* fits: a valid publisher id */
	} else if (hrdex_key_generate(&key, publisher) < 0) {
		goto cleanup;
	}
	if (!PATH("keys/id_ed25519") || hrdex_key_save(&key, p) < 0)
		goto cleanup;
	if (hrdex_buf_printf(&line, "%s namespaces=\"git\" ", publisher) < 0 ||
	    hrdex_key_public_line(&line, key.pk, publisher) < 0 || hrdex_buf_putc(&line, '\n') < 0)
		goto cleanup;
	if (!PATH("allowed_signers") || hrdex_fs_write_atomic(p, line.ptr, line.len, 0644) < 0)
		goto cleanup;
	if (!PATH("outbox/done") || hrdex_fs_mkdirs(p, 0755) < 0 ||
	    !PATH("outbox/rejected") || hrdex_fs_mkdirs(p, 0755) < 0 ||
	    !PATH("view") || hrdex_fs_mkdirs(p, 0755) < 0)
		goto cleanup;
	if (!p) {
		hrdex_error_oom();
		goto cleanup;
	}
	*signer_line = line;
	memset(&line, 0, sizeof(line));
	ret = 0;
#undef PATH
cleanup:
	hrdex_key_wipe(&key);
	hrdex_buf_free(&line);
	free(p);
	return ret;
}

/* --registry: hrdex_registry_pin on the new state directory's files. */
static int pin(const char *dir, const char *publisher, const char *line, const char *url,
	       char reg[HRDEX_PUBLISHER_MAX + 1])
{
	char *conf = hrdex_path_join(dir, "hrdex.conf"), *signers = hrdex_path_join(dir, "allowed_signers");
	int ret = conf && signers ? hrdex_registry_pin(conf, signers, publisher, line, url, reg) : hrdex_error_oom();

	free(conf);
	free(signers);
	return ret;
}

int cmd_init(int argc, char **argv, struct hrdex_global *g)
{
	const char *publisher = NULL, *name = NULL, *key_file = NULL, *registry = NULL, *registry_url = NULL;
	char reg[HRDEX_PUBLISHER_MAX + 1];
	struct hrdex_buf line = HRDEX_BUF_INIT;
	char *dir = NULL, *tmp = NULL, *slash;
	int first, r, ret;
	const struct cmd_opt opts[] = {
		{ "publisher", 0, CMD_VALUE, &publisher, "ID", "this member's publisher id, [a-z][a-z0-9-]{1,31}" },
		{ "name", 0, CMD_VALUE, &name, "TEXT",
		  "its name for people, e.g. 'African Commission on Human and\nPeoples' Rights'" },
		{ "key", 0, CMD_VALUE, &key_file, "FILE",
		  "use this OpenSSH Ed25519 private key (ssh-keygen -t ed25519\n-N '') instead of making a new one" },
		{ "registry", 0, CMD_VALUE, &registry, "LINE",
		  "join the network whose registry has this allowed_signers\nline (or, this agent's own ID: be the registry)" },
		{ "registry-url", 0, CMD_VALUE, &registry_url, "URL", "where the registry's branch is fetched (peer 'registry')" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { usage, opts, NULL };

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	if (first < argc)
		return cmd_usage_error(usage, "unexpected argument '%s'", argv[first]);
	if (!publisher)
		return cmd_usage_error(usage, "init needs --publisher ID");
	if (!hrdex_publisher_valid(publisher))
		return cmd_usage_error(NULL, "'%s' is not a valid publisher id "
				       "([a-z][a-z0-9-]{1,31}, not main or head)", publisher);
	if (registry_url && !registry)
		return cmd_usage_error(usage, "--registry-url needs --registry LINE");
	if (registry && strcmp(registry, publisher) && !registry_url)
		return cmd_usage_error(usage, "--registry needs --registry-url URL, where its branch is fetched");
	if (cmd_open(g, 0, &dir, NULL) < 0)
		return cmd_fail();
	if (asprintf(&tmp, "%s.init-%ld", dir, (long)getpid()) < 0) {
		free(dir);
		return cmd_oom();
	}
	if (hrdex_fs_exists(dir) && !remove_if_empty(dir)) {
		hrdex_error_set(HRDEX_E_CANTCREATE, "'%s' already exists; not touching it", dir);
		ret = cmd_fail();
		goto cleanup;
	}
	/* like git init: the folders leading to it are made as needed */
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		r = hrdex_fs_mkdirs(dir, 0755);
		*slash = '/';
		if (r < 0) {
			ret = cmd_fail();
			goto cleanup;
		}
	}
	/* Nothing init makes is ever group- or world-writable, whatever the
	 * umask (libgit2 makes repo.git 0777 less the umask): a writable
	 * repo.git or allowed_signers would let any local account publish. */
	umask(umask(022) | 022);
	if (build(tmp, publisher, name, key_file, &line) < 0 ||
	    (registry && pin(tmp, publisher, registry, registry_url, reg) < 0) ||
	    (rename(tmp, dir) < 0 && hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create '%s'", dir))) {
		ret = cmd_fail();
		hrdex_fs_remove_tree(tmp);
		goto cleanup;
	}
	fprintf(stderr, "initialized '%s' for publisher '%s'\n"
		"peers trust this publisher with: hrdex trust add %s '<the line below>'\n",
		dir, publisher, publisher);
	if (registry && strcmp(reg, publisher))
		fprintf(stderr, "joined the registry '%s' (peer 'registry'): each sync now trusts and names the members "
			"it publishes\n", reg);
	else if (registry)
		fprintf(stderr, "this agent is the registry: the member documents it publishes admit members\n");
	fputs(line.ptr, stdout);
	ret = 0;
cleanup:
	hrdex_buf_free(&line);
	free(tmp);
	free(dir);
	return ret;
}
