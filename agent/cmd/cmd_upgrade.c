/*
 * cmd_upgrade.c - hrdex upgrade [--dry-run] [--json]
 */
#include "cmd.h"
#include "error.h"
#include "json.h"
#include "state.h"
#include "text.h"
#include "upgrade_branch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char upgrade_usage[] =
	"usage: hrdex [-C DIR] upgrade [--dry-run] [--json]\n"
	"\n"
	"Rewrite every version-1 document of this publisher's branch to schema\n"
	"version 2 in one signed commit (\"upgrade N documents to schema version 2\"),\n"
	"checked as publish checks, then refresh main, view/, the cache and the site.\n"
	"Prints each document's ref and every change, one line each; nothing is\n"
	"dropped (free texts become names, unlisted themes keywords).  --dry-run\n"
	"prints the same and writes nothing.  Nothing to upgrade: says so, exit 0.\n"
	"A document whose upgraded form would be invalid stops the whole upgrade:\n"
	"exit 65, naming it and why, nothing written.\n";

static int print_json(const struct hrdex_upgrade_result *res, int dry_run)
{
	char id[GIT_OID_HEXSZ + 1] = "";
	cJSON *o = cJSON_CreateObject(), *list = NULL;
	size_t i, j;
	int r;

	if (res->committed)
		git_oid_tostr(id, sizeof(id), &res->commit);
	if (!o || !(res->committed ? cJSON_AddStringToObject(o, "commit", id) : cJSON_AddNullToObject(o, "commit")) ||
	    !cJSON_AddBoolToObject(o, "dry_run", dry_run) ||
	    !cJSON_AddNumberToObject(o, "schema", 2) ||
	    !cJSON_AddNumberToObject(o, "upgraded", (double)res->count) ||
	    !cJSON_AddNumberToObject(o, "unchanged", (double)(res->documents - res->count)) ||
	    !(list = cJSON_AddArrayToObject(o, "documents")))
		goto oom;
	for (i = 0; i < res->count; i++) {
		cJSON *e = cmd_json_push_object(list), *changes;
		char ref[HRDEX_REF_MAX + 1];

		hrdex_ref_format(ref, sizeof(ref), &res->docs[i].ref);
		if (!e || !cJSON_AddStringToObject(e, "ref", ref) || !(changes = cJSON_AddArrayToObject(e, "changes")))
			goto oom;
		for (j = 0; j < res->docs[i].changes.count; j++)
			if (cmd_json_push_string(changes, res->docs[i].changes.lines[j]) < 0)
				goto oom;
	}
	r = cmd_print_json(o);
	cJSON_Delete(o);
	return r;
oom:
	cJSON_Delete(o);
	return hrdex_error_oom();
}

static void print_text(const struct hrdex_upgrade_result *res, int dry_run)
{
	char id[GIT_OID_HEXSZ + 1] = "", ref[HRDEX_REF_MAX + 1];
	size_t i, j, unchanged = res->documents - res->count;

	for (i = 0; i < res->count; i++) {
		hrdex_ref_format(ref, sizeof(ref), &res->docs[i].ref);
		hrdex_text_line(stdout, "%-9s %s", dry_run ? "would" : "upgraded", ref);
		for (j = 0; j < res->docs[i].changes.count; j++)
			hrdex_text_line(stdout, "    %s", res->docs[i].changes.lines[j]);
	}
	if (!res->count)
		hrdex_text_line(stdout, "nothing to upgrade: %zu document%s already at schema version 2",
				unchanged, unchanged == 1 ? "" : "s");
	else if (dry_run)
		hrdex_text_line(stdout, "dry run: %zu document%s would be upgraded to schema version 2, "
				"%zu unchanged; nothing written", res->count, res->count == 1 ? "" : "s", unchanged);
	else {
		if (res->committed)
			git_oid_tostr(id, sizeof(id), &res->commit);
		hrdex_text_line(stdout, "commit %s: %zu document%s upgraded to schema version 2, %zu unchanged", id,
				res->count, res->count == 1 ? "" : "s", unchanged);
	}
}

int cmd_upgrade(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_upgrade_result res = { 0 };
	struct hrdex_state *s = NULL;
	char *dir = NULL;
	int first, dry_run = 0, json = g->json, ret;
	const struct cmd_opt opts[] = {
		{ "dry-run", 0, CMD_FLAG, &dry_run, NULL, "print what would change, write nothing" },
		{ "json", 0, CMD_FLAG, &json, NULL, "print the result as JSON" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { upgrade_usage, opts, NULL };

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	if (first < argc)
		return cmd_usage_error(upgrade_usage, "upgrade takes no arguments");
	/* A dry run only reads, and readers take no lock. */
	if (cmd_open(g, (dry_run ? 0 : HRDEX_STATE_LOCK) | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS, &dir, &s) < 0)
		return cmd_fail();
	if (hrdex_upgrade_branch(s, dry_run, &res) < 0) {
		if (res.refused) {
			char ref[HRDEX_REF_MAX + 1];

			hrdex_ref_format(ref, sizeof(ref), &res.refused_ref);
			cmd_print_problems(stderr, ref, &res.problems);
		}
		ret = cmd_fail();
		goto cleanup;
	}
	if (json)
		ret = print_json(&res, dry_run) < 0 ? cmd_fail() : 0;
	else {
		print_text(&res, dry_run);
		ret = 0;
	}
cleanup:
	hrdex_upgrade_result_free(&res);
	hrdex_state_free(s);
	free(dir);
	return ret;
}
