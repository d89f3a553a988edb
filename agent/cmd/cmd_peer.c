/*
 * cmd_peer.c - `hrdex peer add|list|remove`: the peers in hrdex.conf.
 */
#include "cmd.h"
#include "buf.h"
#include "config.h"
#include "error.h"
#include "registry.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

static const char peer_usage[] =
	"usage: hrdex [-C DIR] peer add NAME URL [--publisher P]... [--ssh-key FILE]\n"
	"       hrdex [-C DIR] peer list [--json]\n"
	"       hrdex [-C DIR] peer remove NAME\n"
	"       hrdex [-C DIR] peer suggest [--json]\n"
	"\n"
	"A peer is a git URL this agent pulls publisher branches from:\n"
	"file:///PATH, git://HOST[:PORT]/PATH, http(s)://HOST[:PORT]/PATH,\n"
	"ssh://[USER@]HOST[:PORT]/PATH or USER@HOST:PATH (ssh, with --ssh-key, an\n"
	"unencrypted private key), or the path of a git bundle file, FILE.bundle\n"
	"(kept absolute; each sync reads the file as it is then, see 'hrdex bundle');\n"
	"anything else exits 64 at once.\n"
	"With --publisher (repeatable), only those publishers' branches are taken\n"
	"from the peer; by default every trusted publisher's.  NAME: letters,\n"
	"digits, '.', '_' and '-'.  'remove' also drops refs/peers/NAME/*.\n"
	"'suggest' prints the members of the registry this agent joined (hrdex\n"
	"join) that are no peer yet, one a line: PUBLISHER, URL and name, tab-\n"
	"separated; add one with 'hrdex peer add PUBLISHER URL', or set\n"
	"network.autoPeers = true to have every sync add them.\n";

/* The parsed command line of `peer SUB`: operands, then options. */
struct peer_args {
	char **ops;
	int nops;
	struct cmd_list pubs;   /* add --publisher */
	const char *key;        /* add --ssh-key */
	int json;               /* list --json */
};

static int peer_add(struct peer_args *pa, struct hrdex_global *g)
{
	struct hrdex_state *st = NULL;
	struct hrdex_config *check = NULL;
	const char *name = pa->nops > 0 ? pa->ops[0] : NULL, *url = pa->nops > 1 ? pa->ops[1] : NULL;
	const char *key = pa->key, *const *pubs = pa->pubs.items;
	char k[256], abs[4096];
	size_t npubs = pa->pubs.count, i;
	int ret = HRDEX_EX_USAGE;

	if (pa->nops > 2) {
		cmd_usage_error(peer_usage, "too many arguments");
		goto cleanup;
	}
	if (!name || !url) {
		cmd_usage_error(peer_usage, "peer add needs NAME and URL");
		goto cleanup;
	}
	if (!hrdex_name_valid(name)) {
		cmd_usage_error(peer_usage, "invalid peer name '%s'", name);
		goto cleanup;
	}
	/* A bundle file: kept as an absolute path, since the service reads it
	 * from another working directory. */
	if (hrdex_bundle_is_path(url) && url[0] != '/') {
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd)) || snprintf(abs, sizeof(abs), "%s/%s", cwd, url) >= (int)sizeof(abs)) {
			cmd_usage_error(NULL, "cannot make '%s' an absolute path", url);
			goto cleanup;
		}
		url = abs;
	}
	if (!hrdex_bundle_is_path(url) && hrdex_git_url_check(url) < 0) {
		cmd_usage_error(NULL, "invalid URL %s", hrdex_error_message());
		goto cleanup;
	}
	for (i = 0; i < npubs; i++)
		if (!hrdex_publisher_valid(pubs[i])) {
			cmd_usage_error(peer_usage, "invalid publisher id '%s'", pubs[i]);
			goto cleanup;
		}
	if (cmd_open(g, 0, NULL, &st) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_config_peer(st->config, name)) {
		hrdex_error_set(HRDEX_E_CANTCREATE, "peer '%s' exists; 'hrdex peer remove %s' first", name, name);
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_fmt(k, sizeof(k), "peer.%s.url", name) < 0)
		goto fail;
	if (hrdex_config_set(st->config->path, k, url) < 0)
		goto fail;
	if (hrdex_fmt(k, sizeof(k), "peer.%s.publisher", name) < 0)
		goto fail;
	for (i = 0; i < npubs; i++)
		if (hrdex_config_add(st->config->path, k, pubs[i]) < 0)
			goto fail;
	if (hrdex_fmt(k, sizeof(k), "peer.%s.sshKey", name) < 0)
		goto fail;
	if (key && hrdex_config_set(st->config->path, k, key) < 0)
		goto fail;
	/* What we wrote must load; if not, leave the file as it was. */
	if (hrdex_config_load(&check, st->config->path) < 0)
		goto fail;
	ret = 0;
	goto cleanup;
fail:
	ret = cmd_fail();
	hrdex_config_remove_section(st->config->path, "peer", name);
cleanup:
	hrdex_config_free(check);
	hrdex_state_free(st);
	return ret;
}

static int peer_list(struct peer_args *pa, struct hrdex_global *g)
{
	struct hrdex_state *st = NULL;
	int json = g->json || pa->json, ret = 0;
	size_t i, j;

	if (pa->nops)
		return cmd_usage_error(peer_usage, "unexpected '%s'", pa->ops[0]);
	if (cmd_open(g, 0, NULL, &st) < 0)
		return cmd_fail();
	if (json) {
		cJSON *root = cJSON_CreateArray();

		for (i = 0; !ret && i < st->config->npeers; i++) {
			const struct hrdex_peer *p = &st->config->peers[i];
			cJSON *o = cmd_json_push_object(root), *l = NULL;

			if (!o || !cJSON_AddStringToObject(o, "name", p->name) ||
			    !cJSON_AddStringToObject(o, "url", p->url) ||
			    (p->ssh_key && !cJSON_AddStringToObject(o, "ssh_key", p->ssh_key)) ||
			    !(l = cJSON_AddArrayToObject(o, "publishers")))
				ret = cmd_oom();
			for (j = 0; !ret && j < p->npublishers; j++)
				if (cmd_json_push_string(l, p->publishers[j]) < 0)
					ret = cmd_fail();
		}
		if (!ret && cmd_print_json(root) < 0)
			ret = cmd_fail();
		cJSON_Delete(root);
	} else {
		for (i = 0; i < st->config->npeers; i++) {
			const struct hrdex_peer *p = &st->config->peers[i];

			struct hrdex_buf line = HRDEX_BUF_INIT;

			/* Tab-separated: each field escaped on its own, so a tab or
			 * newline inside one cannot make a column or a row. */
			if (hrdex_text_escapes(&line, p->name) < 0 || hrdex_buf_putc(&line, '\t') < 0 ||
			    hrdex_text_escapes(&line, p->url) < 0)
				ret = cmd_fail();
			for (j = 0; !ret && j < p->npublishers; j++)
				if (hrdex_buf_putc(&line, j ? ',' : '\t') < 0 ||
				    hrdex_text_escapes(&line, p->publishers[j]) < 0)
					ret = cmd_fail();
			if (!ret)
				printf("%s\n", line.ptr);
			hrdex_buf_free(&line);
			if (ret)
				break;
		}
	}
	hrdex_state_free(st);
	return ret;
}

static int peer_suggest(struct peer_args *pa, struct hrdex_global *g)
{
	struct hrdex_state *st = NULL;
	cJSON *list = NULL, *e;
	int ret = 0;

	if (pa->nops)
		return cmd_usage_error(peer_usage, "peer suggest takes no arguments");
	if (cmd_open(g, 0, NULL, &st) < 0 || hrdex_registry_suggestions(st, &list) < 0) {
		hrdex_state_free(st);
		return cmd_fail();
	}
	if (pa->json || g->json) {
		ret = cmd_print_json(list) < 0 ? cmd_fail() : 0;
	} else {
		if (!st->config->registry)
			hrdex_text_line(stderr, "no registry joined ('hrdex join'): nothing to suggest");
		cJSON_ArrayForEach(e, list) {
			struct hrdex_buf line = HRDEX_BUF_INIT;
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));

			if (hrdex_text_escapes(&line, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "publisher"))) < 0 ||
			    hrdex_buf_putc(&line, '\t') < 0 ||
			    hrdex_text_escapes(&line, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "url"))) < 0 ||
			    hrdex_buf_putc(&line, '\t') < 0 || hrdex_text_escapes(&line, name ? name : "") < 0)
				ret = cmd_fail();
			else
				printf("%s\n", line.ptr);
			hrdex_buf_free(&line);
			if (ret)
				break;
		}
	}
	cJSON_Delete(list);
	hrdex_state_free(st);
	return ret;
}

static int peer_remove(struct peer_args *pa, struct hrdex_global *g)
{
	struct hrdex_state *st = NULL;
	git_reference_iterator *it = NULL;
	const char *name, *ref;
	char glob[256], **refs = NULL;
	size_t nrefs = 0, i;
	int ret;

	if (pa->nops != 1)
		return cmd_usage_error(peer_usage, "peer remove needs NAME");
	name = pa->ops[0];
	if (!hrdex_name_valid(name))
		return cmd_usage_error(peer_usage, "invalid peer name '%s'", name);
	if (cmd_open(g, HRDEX_STATE_LOCK, NULL, &st) < 0)
		return cmd_fail();
	if (!hrdex_config_peer(st->config, name)) {
		hrdex_error_set(HRDEX_E_USAGE, "no peer named '%s'", name);
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_config_remove_section(st->config->path, "peer", name) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	/* Its quarantine refs go too: they only ever said what it offered. */
	snprintf(glob, sizeof(glob), "refs/peers/%s/*", name); /* fits: NAME is a valid name, at most 64 bytes */
	if (git_reference_iterator_glob_new(&it, st->repo, glob) == 0) {
		/* Collect first: removing while iterating is not safe. */
		while (git_reference_next_name(&ref, it) == 0) {
			char **more = realloc(refs, (nrefs + 1) * sizeof(*refs));

			if (!more || !(more[nrefs] = strdup(ref))) {
				refs = more ? more : refs;
				break;
			}
			refs = more;
			nrefs++;
		}
	}
	for (i = 0; i < nrefs; i++)
		git_reference_remove(st->repo, refs[i]);
	ret = 0;
cleanup:
	for (i = 0; i < nrefs; i++)
		free(refs[i]);
	free(refs);
	git_reference_iterator_free(it);
	hrdex_state_free(st);
	return ret;
}

int cmd_peer(int argc, char **argv, struct hrdex_global *g)
{
	struct peer_args pa = { NULL, 0, { NULL, 0 }, NULL, 0 };
	const struct cmd_opt opts[] = {
		{ "publisher", 0, CMD_LIST, &pa.pubs, "P", "add: take only this publisher's branches (repeatable)" },
		{ "ssh-key", 0, CMD_VALUE, &pa.key, "FILE", "add: the private key for an ssh URL" },
		{ "json", 0, CMD_FLAG, &pa.json, NULL, "list, suggest: print the peers as JSON" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { peer_usage, opts, NULL };
	const char *sub = argc > 1 ? argv[1] : NULL;
	int first, ret;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cmd_help(argc < 2 ? stderr : stdout, &spec);
		return argc < 2 ? HRDEX_EX_USAGE : 0;
	}
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "remove") && strcmp(sub, "suggest"))
		return cmd_usage_error(peer_usage, "unknown peer command '%s'", sub);
	if ((ret = cmd_parse(argc - 1, argv + 1, &spec, &first)) != CMD_GO)
		goto done;
	pa.ops = argv + 1 + first;
	pa.nops = argc - 1 - first;
	if ((pa.pubs.count || pa.key) && strcmp(sub, "add"))
		ret = cmd_usage_error(peer_usage, "%s is only for peer add", pa.key ? "--ssh-key" : "--publisher");
	else if (pa.json && strcmp(sub, "list") && strcmp(sub, "suggest"))
		ret = cmd_usage_error(peer_usage, "--json is only for peer list and peer suggest");
	else
		ret = !strcmp(sub, "add") ? peer_add(&pa, g) : !strcmp(sub, "list") ? peer_list(&pa, g)
			: !strcmp(sub, "suggest") ? peer_suggest(&pa, g) : peer_remove(&pa, g);
done:
	free(pa.pubs.items);
	return ret;
}
