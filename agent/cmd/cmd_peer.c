/*
 * cmd_peer.c - `hrdex peer add|list|remove`: the peers in hrdex.conf.
 */
#include "cmd.h"
#include "refresh.h"
#include "config.h"
#include "error.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char peer_usage[] =
	"usage: hrdex [-C DIR] peer add NAME URL [--publisher P]... [--ssh-key FILE]\n"
	"       hrdex [-C DIR] peer list [--json]\n"
	"       hrdex [-C DIR] peer remove NAME\n"
	"\n"
	"A peer is a git URL this agent pulls publisher branches from:\n"
	"file:///PATH, git://HOST[:PORT]/PATH, http(s)://HOST[:PORT]/PATH,\n"
	"ssh://[USER@]HOST[:PORT]/PATH or USER@HOST:PATH (ssh, with --ssh-key, an\n"
	"unencrypted private key); anything else exits 64 at once.\n"
	"With --publisher (repeatable), only those publishers' branches are taken\n"
	"from the peer; by default every trusted publisher's.  NAME: letters,\n"
	"digits, '.', '_' and '-'.  'remove' also drops refs/peers/NAME/*.\n";

static int open_state(struct hrdex_state **st, struct hrdex_global *g, unsigned flags)
{
	char *dir = hrdex_state_resolve(g->state_dir);
	int r;

	if (!dir)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	r = hrdex_refresh_open(st, dir, flags, "peer");
	free(dir);
	return r;
}

static int peer_add(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *st = NULL;
	struct hrdex_config *check = NULL;
	const char *name = NULL, *url = NULL, *key = NULL;
	char **pubs = NULL, k[256];
	size_t npubs = 0, i;
	int ret = HRDEX_EX_USAGE, a;

	pubs = calloc((size_t)argc + 1, sizeof(*pubs));
	if (!pubs)
		return HRDEX_EX_SOFTWARE;
	for (a = 2; a < argc; a++) {
		if (!strcmp(argv[a], "--publisher") || !strcmp(argv[a], "--ssh-key")) {
			if (a + 1 >= argc) {
				cmd_usage_error(peer_usage, "%s needs a value", argv[a]);
				goto cleanup;
			}
			if (argv[a][2] == 'p')
				pubs[npubs++] = argv[++a];
			else
				key = argv[++a];
		} else if (argv[a][0] == '-' && argv[a][1]) {
			cmd_usage_error(peer_usage, "unknown option '%s'", argv[a]);
			goto cleanup;
		} else if (!name) {
			name = argv[a];
		} else if (!url) {
			url = argv[a];
		} else {
			cmd_usage_error(peer_usage, "too many arguments");
			goto cleanup;
		}
	}
	if (!name || !url) {
		cmd_usage_error(peer_usage, "peer add needs NAME and URL");
		goto cleanup;
	}
	if (!hrdex_name_valid(name)) {
		cmd_usage_error(peer_usage, "invalid peer name '%s'", name);
		goto cleanup;
	}
	if (hrdex_git_url_check(url) < 0) {
		cmd_usage_error(NULL, "invalid URL %s", hrdex_error_message());
		goto cleanup;
	}
	for (i = 0; i < npubs; i++)
		if (!hrdex_publisher_valid(pubs[i])) {
			cmd_usage_error(peer_usage, "invalid publisher id '%s'", pubs[i]);
			goto cleanup;
		}
	if (open_state(&st, g, 0) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_config_peer(st->config, name)) {
		hrdex_error_set(HRDEX_EX_CANTCREAT, "peer '%s' exists; 'hrdex peer remove %s' first", name, name);
		ret = cmd_fail();
		goto cleanup;
	}
	snprintf(k, sizeof(k), "peer.%s.url", name);
	if (hrdex_config_set(st->config->path, k, url) < 0)
		goto fail;
	snprintf(k, sizeof(k), "peer.%s.publisher", name);
	for (i = 0; i < npubs; i++)
		if (hrdex_config_add(st->config->path, k, pubs[i]) < 0)
			goto fail;
	snprintf(k, sizeof(k), "peer.%s.sshKey", name);
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
	free(pubs);
	return ret;
}

static int peer_list(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *st = NULL;
	int json = g->json, a, ret = 0;
	size_t i, j;

	for (a = 2; a < argc; a++) {
		if (!strcmp(argv[a], "--json"))
			json = 1;
		else
			return cmd_usage_error(peer_usage, "unexpected '%s'", argv[a]);
	}
	if (open_state(&st, g, 0) < 0)
		return cmd_fail();
	if (json) {
		cJSON *root = cJSON_CreateArray();

		for (i = 0; root && i < st->config->npeers; i++) {
			const struct hrdex_peer *p = &st->config->peers[i];
			cJSON *o = cJSON_CreateObject(), *l;

			if (!o)
				break;
			cJSON_AddItemToArray(root, o);
			cJSON_AddStringToObject(o, "name", p->name);
			cJSON_AddStringToObject(o, "url", p->url);
			if (p->ssh_key)
				cJSON_AddStringToObject(o, "ssh_key", p->ssh_key);
			l = cJSON_AddArrayToObject(o, "publishers");
			for (j = 0; l && j < p->npublishers; j++)
				cJSON_AddItemToArray(l, cJSON_CreateString(p->publishers[j]));
		}
		if (!root && hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory"))
			ret = cmd_fail();
		else if (cmd_print_json(root) < 0)
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
				ret = HRDEX_EX_SOFTWARE;
			for (j = 0; !ret && j < p->npublishers; j++)
				if (hrdex_buf_putc(&line, j ? ',' : '\t') < 0 ||
				    hrdex_text_escapes(&line, p->publishers[j]) < 0)
					ret = HRDEX_EX_SOFTWARE;
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

static int peer_remove(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *st = NULL;
	git_reference_iterator *it = NULL;
	const char *name, *ref;
	char glob[256], **refs = NULL;
	size_t nrefs = 0, i;
	int ret;

	if (argc != 3)
		return cmd_usage_error(peer_usage, "peer remove needs NAME");
	name = argv[2];
	if (!hrdex_name_valid(name))
		return cmd_usage_error(peer_usage, "invalid peer name '%s'", name);
	if (open_state(&st, g, HRDEX_STATE_LOCK) < 0)
		return cmd_fail();
	if (!hrdex_config_peer(st->config, name)) {
		hrdex_error_set(HRDEX_EX_USAGE, "no peer named '%s'", name);
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_config_remove_section(st->config->path, "peer", name) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	/* Its quarantine refs go too: they only ever said what it offered. */
	snprintf(glob, sizeof(glob), "refs/peers/%s/*", name);
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
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(peer_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? HRDEX_EX_USAGE : 0;
	}
	if (cmd_wants_help(argc, argv)) {
		fputs(peer_usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "add"))
		return peer_add(argc, argv, g);
	if (!strcmp(argv[1], "list"))
		return peer_list(argc, argv, g);
	if (!strcmp(argv[1], "remove"))
		return peer_remove(argc, argv, g);
	return cmd_usage_error(peer_usage, "unknown peer command '%s'", argv[1]);
}
