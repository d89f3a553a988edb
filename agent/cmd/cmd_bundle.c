/*
 * cmd_bundle.c - `hrdex bundle create FILE [--since PEER|--all]`: the
 * publisher branches as a git bundle, for a peer that has no network to us.
 */
#include "bundle.h"
#include "cmd.h"
#include "config.h"
#include "error.h"
#include "repo.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char bundle_usage[] =
	"usage: hrdex [-C DIR] bundle create FILE.bundle [--since PEER | --all] [--json]\n"
	"\n"
	"Write the publisher branches this agent holds (its own and those it relays;\n"
	"never main or refs/peers) as a git bundle, for an office with no network to\n"
	"this one: carry the file over, and there run 'hrdex sync FILE.bundle'.  The\n"
	"file is checked there exactly like a fetch.  'git bundle verify' accepts it.\n"
	"\n"
	"  --since PEER   only what PEER lacks, as far as this agent knows: the tips\n"
	"                 PEER last offered (refs/peers/PEER/*, from a sync with it or\n"
	"                 a bundle it made) become the bundle's prerequisites, and\n"
	"                 branches at those tips are left out\n"
	"  --all          every branch, whole history (the default)\n"
	"  --json         print {file, branches: [{publisher, commit, since}], objects}\n"
	"\n"
	"FILE must end in .bundle (that is how 'hrdex sync' tells it from a peer name);\n"
	"an existing FILE is replaced.  A bundle that needs commits its reader lacks\n"
	"is refused there, asking for one made with --all.\n"
	"\n"
	"exit codes: 0 written; 1 nothing to bundle (PEER has every branch; no file\n"
	"written); 64 usage (unknown PEER); 73/74 cannot write FILE\n";

struct branch {
	char name[HRDEX_PUBLISHER_MAX + 1];
	git_oid tip, since;
	int has_since;
};

/* Whether this agent knows anything of PEER: configured, or refs under refs/peers/PEER. */
static int peer_known(struct hrdex_state *st, const char *peer)
{
	git_reference_iterator *it = NULL;
	const char *name;
	char glob[256];
	int found;

	if (hrdex_config_peer(st->config, peer))
		return 1;
	snprintf(glob, sizeof(glob), "refs/peers/%s/*", peer);
	if (git_reference_iterator_glob_new(&it, st->repo, glob) < 0)
		return 0;
	found = git_reference_next_name(&name, it) == 0;
	git_reference_iterator_free(it);
	return found;
}

/* The publisher branches, with what PEER (may be NULL) is known to have. */
static int list_branches(struct branch **out, size_t *n, struct hrdex_state *st, const char *peer)
{
	git_reference_iterator *it = NULL;
	const char *name;
	struct branch *list = NULL;
	int ret = -1;

	*n = 0;
	if (git_reference_iterator_glob_new(&it, st->repo, "refs/heads/*") < 0)
		return hrdex_error_git(HRDEX_E_IO, "cannot list the branches");
	while (git_reference_next_name(&name, it) == 0) {
		struct branch *b, *more;
		char ref[256];
		git_oid have;

		name += 11;
		if (!hrdex_publisher_valid(name))
			continue; /* main, and anything that is not a publisher's log */
		more = realloc(list, (*n + 1) * sizeof(*more));
		if (!more) {
			hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			goto cleanup;
		}
		list = more;
		b = &list[*n];
		memset(b, 0, sizeof(*b));
		snprintf(b->name, sizeof(b->name), "%s", name);
		if (hrdex_repo_tip(&b->tip, st->repo, b->name) != 0) {
			hrdex_error_git(HRDEX_E_IO, "cannot read 'refs/heads/%s'", b->name);
			goto cleanup;
		}
		if (peer && snprintf(ref, sizeof(ref), "refs/peers/%s/%s", peer, b->name) < (int)sizeof(ref) &&
		    git_reference_name_to_id(&have, st->repo, ref) == 0) {
			if (git_oid_equal(&have, &b->tip))
				continue; /* the peer has it all */
			/* Only an ancestor of ours can be a prerequisite: after a
			 * sanctioned reset the peer's copy is not, and the branch
			 * goes whole. */
			if (git_graph_descendant_of(st->repo, &b->tip, &have) == 1) {
				git_oid_cpy(&b->since, &have);
				b->has_since = 1;
			}
		}
		(*n)++;
	}
	*out = list;
	list = NULL;
	ret = 0;
cleanup:
	free(list);
	git_reference_iterator_free(it);
	return ret;
}

static int print_json(const char *file, const struct branch *bs, size_t n, size_t objects)
{
	cJSON *root = cJSON_CreateObject(), *list;
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;
	int ret = -1;

	if (!root || !cJSON_AddStringToObject(root, "file", file) ||
	    !cJSON_AddNumberToObject(root, "objects", (double)objects) ||
	    !(list = cJSON_AddArrayToObject(root, "branches")))
		goto oom;
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			goto oom;
		cJSON_AddItemToArray(list, o);
		if (!cJSON_AddStringToObject(o, "publisher", bs[i].name) ||
		    !cJSON_AddStringToObject(o, "commit", git_oid_tostr(hex, sizeof(hex), &bs[i].tip)) ||
		    (bs[i].has_since ? !cJSON_AddStringToObject(o, "since", git_oid_tostr(hex, sizeof(hex), &bs[i].since))
				     : !cJSON_AddNullToObject(o, "since")))
			goto oom;
	}
	ret = cmd_print_json(root);
	goto cleanup;
oom:
	hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
cleanup:
	cJSON_Delete(root);
	return ret;
}

static int bundle_create(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *st = NULL;
	struct branch *bs = NULL;
	char **names = NULL, *dir = NULL;
	git_oid *tips = NULL, *prereqs = NULL;
	const char *file = NULL, *peer = NULL;
	size_t n = 0, nprereqs = 0, objects = 0, i;
	int json = g->json, all = 0, a, ret;

	for (a = 2; a < argc; a++) {
		if (!strcmp(argv[a], "--json")) {
			json = 1;
		} else if (!strcmp(argv[a], "--all")) {
			all = 1;
		} else if (!strcmp(argv[a], "--since")) {
			if (a + 1 >= argc)
				return cmd_usage_error(bundle_usage, "--since needs a peer name");
			peer = argv[++a];
		} else if (argv[a][0] == '-' && argv[a][1]) {
			return cmd_usage_error(bundle_usage, "unknown option '%s'", argv[a]);
		} else if (!file) {
			file = argv[a];
		} else {
			return cmd_usage_error(bundle_usage, "too many arguments");
		}
	}
	if (!file)
		return cmd_usage_error(bundle_usage, "bundle create needs FILE");
	if (!hrdex_bundle_is_path(file))
		return cmd_usage_error(bundle_usage, "'%s' does not end in .bundle", file);
	if (all && peer)
		return cmd_usage_error(bundle_usage, "--since and --all exclude each other");
	if (peer && !hrdex_name_valid(peer))
		return cmd_usage_error(bundle_usage, "invalid peer name '%s'", peer);
	dir = hrdex_state_resolve(g->state_dir);
	if (!dir) {
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_state_open(&st, dir, 0) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (peer && !peer_known(st, peer)) {
		ret = cmd_usage_error(NULL, "no peer named '%s', and no refs/peers/%s/* (see 'hrdex peer list')",
				      peer, peer);
		goto cleanup;
	}
	if (list_branches(&bs, &n, st, peer) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (!n) {
		fprintf(stderr, "hrdex: nothing to bundle: %s%s%s; '%s' not written\n",
			peer ? "peer '" : "this agent holds no publisher branch", peer ? peer : "",
			peer ? "' has every branch this agent holds" : "", file);
		ret = HRDEX_EX_REJECTED;
		goto cleanup;
	}
	names = calloc(n + 1, sizeof(*names));
	tips = calloc(n + 1, sizeof(*tips));
	prereqs = calloc(n + 1, sizeof(*prereqs));
	if (!names || !tips || !prereqs) {
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		ret = cmd_fail();
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		names[i] = bs[i].name;
		git_oid_cpy(&tips[i], &bs[i].tip);
		if (bs[i].has_since)
			git_oid_cpy(&prereqs[nprereqs++], &bs[i].since);
	}
	if (hrdex_bundle_write(st->repo, file, names, tips, n, prereqs, nprereqs, &objects) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (json) {
		ret = print_json(file, bs, n, objects) < 0 ? cmd_fail() : 0;
		goto cleanup;
	}
	printf("bundle: '%s': %zu branch%s, %zu object%s", file, n, n == 1 ? "" : "es", objects,
	       objects == 1 ? "" : "s");
	if (peer)
		printf(" (since what peer '%s' had: %zu prerequisite%s)", peer, nprereqs, nprereqs == 1 ? "" : "s");
	printf("\n");
	ret = 0;
cleanup:
	free(names);
	free(tips);
	free(prereqs);
	free(bs);
	hrdex_state_free(st);
	free(dir);
	return ret;
}

int cmd_bundle(int argc, char **argv, struct hrdex_global *g)
{
	if (argc < 2 || cmd_wants_help(argc, argv)) {
		fputs(bundle_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? HRDEX_EX_USAGE : 0;
	}
	if (!strcmp(argv[1], "create"))
		return bundle_create(argc, argv, g);
	return cmd_usage_error(bundle_usage, "unknown bundle command '%s'", argv[1]);
}
