/*
 * cmd_verify.c - hrdex verify [--json]
 *
 * Re-checks everything this agent holds, from scratch: every commit of every
 * publisher branch against the acceptance rules (signature, paths, modes,
 * documents, limits: accept.h, with nothing taken as already checked), main
 * and the view against the branches, and the cache against the refs.  It
 * reads only; exit 1 lists every difference.
 */
#include "accept.h"
#include "buf.h"
#include "cache.h"
#include "cmd.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "ledger.h"
#include "mainview.h"
#include "repo.h"
#include "schema.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: hrdex [-C DIR] verify [--json]\n"
	"\n"
	"Re-check every accepted publisher branch from its first commit (signatures\n"
	"against allowed_signers, paths, modes, limits), that main holds exactly the\n"
	"publisher trees but their held documents, and that the cache matches the\n"
	"refs.  Held documents (a document rule keeps them from view) are listed,\n"
	"'held REF: reason', and are no problem.  Changes nothing.  Exit 0 when all\n"
	"is well, 1 with one line per problem otherwise.\n";

struct finding {
	char *what;      /* "branch", "main", "cache" */
	char *subject;   /* publisher, or the cache row's ref */
	char *message;
};

struct findings {
	struct finding *items;
	size_t count;
};

static int add(struct findings *f, const char *what, const char *subject, const char *message)
{
	struct finding *more = realloc(f->items, (f->count + 1) * sizeof(*more));

	if (!more)
		return hrdex_error_oom();
	f->items = more;
	more[f->count].what = strdup(what);
	more[f->count].subject = strdup(subject);
	more[f->count].message = strdup(message);
	if (!more[f->count].what || !more[f->count].subject || !more[f->count].message)
		return hrdex_error_oom();
	f->count++;
	return 0;
}

static void findings_free(struct findings *f)
{
	size_t i;

	for (i = 0; i < f->count; i++) {
		free(f->items[i].what);
		free(f->items[i].subject);
		free(f->items[i].message);
	}
	free(f->items);
}

/* Every commit of refs/heads/<pub>, root to tip, through the acceptance rules. */
static int verify_branch(struct hrdex_state *s, const char *pub, size_t *commits, struct findings *f)
{
	struct hrdex_accept a;
	struct hrdex_ledger *ledger;
	git_oid tip;
	char line[1024], why[512];
	int r;

	if (hrdex_repo_tip(&tip, s->repo, pub) != 0 || hrdex_state_ledger(s, &ledger) < 0)
		return -1;
	/* Behind the newest tip this agent accepted: repo.git was restored
	 * from a backup (the next sync brings the branch up again). */
	r = hrdex_ledger_check_tip(ledger, s->repo, pub, &tip, NULL, why, sizeof(why));
	if (r < 0 || (r == 1 && add(f, "branch", pub, why) < 0))
		return -1;
	memset(&a, 0, sizeof(a));
	a.repo = s->repo;
	a.publisher = pub;
	a.signers = s->signers;
	a.schemas = s->schemas;
	a.limits = &s->config->limits;
	a.ledger = ledger; /* after a reset, only its key signs */
	r = hrdex_accept_check(&a, &tip);
	*commits = a.ncommits;
	if (r == 1) {
		hrdex_fmt_cut(line, sizeof(line), "%s: %s", a.rule, a.reason);
		r = add(f, "branch", pub, line);
	}
	hrdex_accept_release(&a);
	return r < 0 ? -1 : 0;
}

/* Same entries in both folders, but main's generated README.md. */
static int same_folder(git_repository *repo, const git_oid *branch_id, const git_oid *main_id)
{
	git_tree *b = NULL, *m = NULL;
	size_t i, j = 0;
	int same = 0;

	if (git_tree_lookup(&b, repo, branch_id) < 0 || git_tree_lookup(&m, repo, main_id) < 0)
		goto done;
	for (i = 0; i < git_tree_entrycount(m); i++) {
		const git_tree_entry *me = git_tree_entry_byindex(m, i), *be;

		if (!strcmp(git_tree_entry_name(me), "README.md"))
			continue;
		be = j < git_tree_entrycount(b) ? git_tree_entry_byindex(b, j++) : NULL;
		if (!be || strcmp(git_tree_entry_name(be), git_tree_entry_name(me)) ||
		    !git_oid_equal(git_tree_entry_id(be), git_tree_entry_id(me)))
			goto done;
	}
	same = j == git_tree_entrycount(b);
done:
	git_tree_free(m);
	git_tree_free(b);
	return same;
}

/* main's tree must hold each publisher's folder as its branch has it (plus
 * the README.md main generates in it). */
static int verify_main(struct hrdex_state *s, const git_strarray *pubs, struct findings *f)
{
	git_commit *main_c = NULL;
	git_tree *main_tree = NULL;
	git_oid id;
	size_t i;
	char line[512];
	int ret = -1;

	if (git_reference_name_to_id(&id, s->repo, HRDEX_REF_MAIN) < 0) {
		ret = pubs->count ? add(f, "main", "main", "missing while publisher branches exist") : 0;
		goto cleanup;
	}
	if (git_commit_lookup(&main_c, s->repo, &id) < 0 || git_commit_tree(&main_tree, main_c) < 0) {
		ret = add(f, "main", "main", "unreadable");
		goto cleanup;
	}
	for (i = 0; i < pubs->count; i++) {
		git_commit *tip_c = NULL;
		git_tree *tip_tree = NULL;
		const git_tree_entry *want, *have;
		git_oid tip, shown;

		if (hrdex_repo_tip(&tip, s->repo, pubs->strings[i]) != 0 ||
		    git_commit_lookup(&tip_c, s->repo, &tip) < 0 || git_commit_tree(&tip_tree, tip_c) < 0) {
			git_commit_free(tip_c);
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", pubs->strings[i]);
			goto cleanup;
		}
		want = git_tree_entry_byname(tip_tree, pubs->strings[i]);
		have = git_tree_entry_byname(main_tree, pubs->strings[i]);
		/* main shows the branch but its held documents (mainview.h). */
		if (want && hrdex_main_shown(&shown, s->repo, pubs->strings[i], git_tree_entry_id(want)) < 0) {
			git_tree_free(tip_tree);
			git_commit_free(tip_c);
			goto cleanup;
		}
		if (!want != !have || (want && !same_folder(s->repo, &shown, git_tree_entry_id(have)))) {
			hrdex_fmt_cut(line, sizeof(line), "main's '%s/' differs from the branch (run any publish or "
				 "sync to rebuild main)", pubs->strings[i]);
			if (add(f, "main", pubs->strings[i], line) < 0) {
				git_tree_free(tip_tree);
				git_commit_free(tip_c);
				goto cleanup;
			}
		}
		git_tree_free(tip_tree);
		git_commit_free(tip_c);
	}
	ret = 0;
cleanup:
	git_tree_free(main_tree);
	git_commit_free(main_c);
	return ret;
}

/* Held documents are reported, not problems: the branch is as it should be. */
static int add_held(const char *ref, const char *publisher, const char *commit, const char *reason, void *payload)
{
	(void)publisher;
	(void)commit;
	return add(payload, "held", ref, reason);
}

static int print_json(const struct findings *f, const struct findings *held, const git_strarray *pubs,
		      const size_t *commits)
{
	cJSON *o = cJSON_CreateObject(), *list = NULL, *br = NULL;
	size_t i;
	int r;

	if (!o || !cJSON_AddBoolToObject(o, "ok", f->count == 0) || !(br = cJSON_AddObjectToObject(o, "branches")))
		goto oom;
	for (i = 0; i < pubs->count; i++)
		if (!cJSON_AddNumberToObject(br, pubs->strings[i], (double)commits[i]))
			goto oom;
	if (!(list = cJSON_AddArrayToObject(o, "problems")))
		goto oom;
	for (i = 0; i < f->count; i++) {
		cJSON *e = cmd_json_push_object(list);

		if (!e || !cJSON_AddStringToObject(e, "what", f->items[i].what) ||
		    !cJSON_AddStringToObject(e, "subject", f->items[i].subject) ||
		    !cJSON_AddStringToObject(e, "message", f->items[i].message))
			goto oom;
	}
	if (!(list = cJSON_AddArrayToObject(o, "held")))
		goto oom;
	for (i = 0; i < held->count; i++) {
		cJSON *e = cmd_json_push_object(list);

		if (!e || !cJSON_AddStringToObject(e, "ref", held->items[i].subject) ||
		    !cJSON_AddStringToObject(e, "reason", held->items[i].message))
			goto oom;
	}
	r = cmd_print_json(o);
	cJSON_Delete(o);
	return r;
oom:
	cJSON_Delete(o);
	return hrdex_error_oom();
}

static int print(const struct findings *f, const struct findings *held, const git_strarray *pubs,
		 const size_t *commits, int json)
{
	size_t i;

	if (json)
		return print_json(f, held, pubs, commits);
	for (i = 0; i < f->count; i++)
		hrdex_text_line(stdout, "%s %s: %s", f->items[i].what, f->items[i].subject, f->items[i].message);
	for (i = 0; i < held->count; i++)
		hrdex_text_line(stderr, "held %s: %s", held->items[i].subject, held->items[i].message);
	for (i = 0; i < pubs->count; i++)
		hrdex_text_line(stderr, "branch '%s': %zu commit%s checked", pubs->strings[i], commits[i],
			commits[i] == 1 ? "" : "s");
	if (f->count)
		hrdex_text_line(stderr, "hrdex: %zu problem%s found", f->count, f->count == 1 ? "" : "s");
	else
		hrdex_text_line(stderr, "all %zu branch%s, main and the cache verified", pubs->count,
			pubs->count == 1 ? "" : "es");
	return 0;
}

int cmd_verify(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	struct hrdex_cache *cache = NULL;
	struct hrdex_problems diffs = HRDEX_PROBLEMS_INIT;
	struct findings f = { NULL, 0 }, held = { NULL, 0 };
	git_strarray pubs = { NULL, 0 };
	size_t *commits = NULL, i;
	char *dir = NULL, *path = NULL;
	int first, json = g->json, ret;
	const struct cmd_opt opts[] = {
		{ "json", 0, CMD_FLAG, &json, NULL, "print the findings as JSON" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { usage, opts, NULL };

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	ret = -1;
	if (first < argc)
		return cmd_usage_error(usage, "unexpected argument '%s'", argv[first]);
	if (cmd_open(g, HRDEX_STATE_SCHEMAS, &dir, &s) < 0 || hrdex_repo_publishers(&pubs, s->repo) < 0)
		goto fail;
	commits = calloc(pubs.count + 1, sizeof(*commits));
	if (!commits) {
		hrdex_error_oom();
		goto fail;
	}
	for (i = 0; i < pubs.count; i++)
		if (verify_branch(s, pubs.strings[i], &commits[i], &f) < 0)
			goto fail;
	if (verify_main(s, &pubs, &f) < 0)
		goto fail;
	path = hrdex_state_path(s, "cache.db");
	if (!path)
		goto fail;
	if (!hrdex_fs_exists(path)) {
		if (pubs.count && add(&f, "cache", "cache.db", "missing (run 'hrdex reindex')") < 0)
			goto fail;
	} else if (hrdex_cache_open(&cache, path, 1) < 0) {
		if (add(&f, "cache", "cache.db", hrdex_error_message()) < 0)
			goto fail;
	} else {
		if (hrdex_cache_verify(cache, s->repo, &diffs) < 0 || hrdex_cache_held(cache, add_held, &held) != 0)
			goto fail;
		for (i = 0; i < diffs.count; i++) {
			char line[1200];

			hrdex_fmt_cut(line, sizeof(line), "%s: %s", diffs.items[i].keyword, diffs.items[i].message);
			if (add(&f, "cache", diffs.items[i].pointer[0] ? diffs.items[i].pointer : "cache.db",
				line) < 0)
				goto fail;
		}
	}
	if (print(&f, &held, &pubs, commits, json) < 0)
		goto fail;
	ret = f.count ? HRDEX_EX_REJECTED : 0;
	goto cleanup;
fail:
	ret = cmd_fail();
cleanup:
	hrdex_problems_free(&diffs);
	hrdex_cache_close(cache);
	findings_free(&f);
	findings_free(&held);
	free(commits);
	git_strarray_dispose(&pubs);
	hrdex_state_free(s);
	free(path);
	free(dir);
	return ret;
}
