/*
 * cmd_publish.c - hrdex publish [-m MSG] [--attach FILE]... PATH...
 *                 hrdex withdraw [-m MSG] REF...
 */
#include "batch.h"
#include "cmd.h"
#include "error.h"
#include "json.h"
#include "log.h"
#include "publish.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char publish_usage[] =
	"usage: hrdex [-C DIR] publish [-m MSG] [--attach FILE]... [--json] PATH...\n"
	"\n"
	"Validate every document, then publish them all as one signed commit on\n"
	"this publisher's branch; if any is invalid, nothing is written (exit 65).\n"
	"PATH is a file, a folder (every *.json below it) or - for standard input.\n"
	"A folder NAME.files/ beside NAME.json holds that document's attachments.\n"
	"Only regular files are read (a FIFO is refused, exit 65).  A link named\n"
	"here is followed; links found in a folder or NAME.files/ are not.\n"
	"A missing \"publisher\" is filled in; documents already published with the\n"
	"same content are left alone, and a batch that changes nothing makes no commit.\n";

static const char withdraw_usage[] =
	"usage: hrdex [-C DIR] withdraw [-m REASON] [--json] REF...\n"
	"\n"
	"Remove documents (and their attachments) from this publisher's log in one\n"
	"signed commit; history keeps them.  REF is PUBLISHER/TYPE/ID.  The message\n"
	"records the reason.  Withdrawing what is not published: exit 65, nothing written.\n";

static const char *kind_name(enum hrdex_change_kind k)
{
	switch (k) {
	case HRDEX_ADDED: return "added";
	case HRDEX_CHANGED: return "changed";
	case HRDEX_REMOVED: return "withdrawn";
	default: return "unchanged";
	}
}

static int print_json(const struct hrdex_publish_result *res, const char *id, char **refs, size_t n)
{
	cJSON *o = cJSON_CreateObject(), *list = NULL;
	size_t i;
	int r;

	if (!o || !(res->committed ? cJSON_AddStringToObject(o, "commit", id) : cJSON_AddNullToObject(o, "commit")) ||
	    !cJSON_AddNumberToObject(o, "added", (double)res->added) ||
	    !cJSON_AddNumberToObject(o, "changed", (double)res->changed) ||
	    !cJSON_AddNumberToObject(o, "unchanged", (double)res->unchanged) ||
	    !cJSON_AddNumberToObject(o, "withdrawn", (double)res->removed) ||
	    !(list = cJSON_AddArrayToObject(o, "documents")))
		goto oom;
	for (i = 0; i < n; i++) {
		cJSON *e = cmd_json_push_object(list);

		if (!e || !cJSON_AddStringToObject(e, "ref", refs[i]) ||
		    !cJSON_AddStringToObject(e, "status", kind_name(res->kinds[i])))
			goto oom;
	}
	r = cmd_print_json(o);
	cJSON_Delete(o);
	return r;
oom:
	cJSON_Delete(o);
	return hrdex_error_oom();
}

/* The summary a user reads, or the JSON one; -1 with hrdex_error. */
static int print_result(const struct hrdex_publish_result *res, char **refs, size_t n, int json)
{
	char id[GIT_OID_HEXSZ + 1] = "";
	size_t i;

	if (res->committed)
		git_oid_tostr(id, sizeof(id), &res->commit);
	if (json)
		return print_json(res, id, refs, n);
	for (i = 0; i < n; i++)
		hrdex_text_line(stdout, "%-9s %s", kind_name(res->kinds[i]), refs[i]);
	if (res->committed)
		hrdex_text_line(stdout, "commit %s: %zu added, %zu changed, %zu unchanged, %zu withdrawn", id,
		       res->added, res->changed, res->unchanged, res->removed);
	else
		hrdex_text_line(stdout, "nothing to publish: %zu document%s unchanged", res->unchanged,
		       res->unchanged == 1 ? "" : "s");
	return 0;
}

int cmd_publish(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	struct hrdex_batch batch = { 0 };
	struct hrdex_publish_result res = { 0 };
	struct hrdex_doc_opts dopts = { 0 };
	const char *message = NULL;
	char **inputs = NULL, **attach = NULL, **refs = NULL, *dir = NULL;
	size_t ninputs = 0, nattach = 0, i;
	struct cmd_list attached = { NULL, 0 };
	int first, json = g->json, ret;
	const struct cmd_opt opts[] = {
		{ "message", 'm', CMD_VALUE, &message, "MSG", "commit message (default: a summary)" },
		{ "attach", 0, CMD_LIST, &attached, "FILE", "attach FILE to the (single) document given" },
		{ "json", 0, CMD_FLAG, &json, NULL, "print the summary as JSON" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { publish_usage, opts, NULL };

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO) {
		free(attached.items);
		return ret;
	}
	ret = -1;
	attach = (char **)attached.items;
	nattach = attached.count;
	if (first >= argc) {
		free(attach);
		return cmd_usage_error(publish_usage, "publish needs at least one PATH");
	}
	if (hrdex_batch_collect(&inputs, &ninputs, argv + first, (size_t)(argc - first)) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (nattach && ninputs != 1) {
		ret = cmd_usage_error(NULL, "--attach needs exactly one document, not %zu", ninputs);
		goto cleanup;
	}
	if (!ninputs) {
		hrdex_text_line(stderr, "hrdex: no *.json documents found");
		ret = HRDEX_EX_NOINPUT;
		goto cleanup;
	}
	if (cmd_open(g, HRDEX_STATE_LOCK | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS, &dir, &s) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	dopts.limits = &s->config->limits;
	dopts.schemas = s->schemas;
	dopts.fill_publisher = s->config->publisher;
	dopts.expect_publisher = s->config->publisher;
	if (hrdex_publish_files(s, &batch, inputs, ninputs, attach, nattach, &dopts, message, &res) < 0 &&
	    !batch.invalid) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (batch.invalid) {
		for (i = 0; i < batch.count; i++)
			cmd_print_problems(stderr, batch.items[i].origin, &batch.items[i].problems);
		hrdex_text_line(stderr, "hrdex: %zu of %zu document%s invalid; nothing published",
			batch.invalid, batch.count, batch.count == 1 ? "" : "s");
		ret = HRDEX_EX_DATAERR;
		goto cleanup;
	}
	refs = calloc(batch.count + 1, sizeof(*refs));
	for (i = 0; refs && i < batch.count; i++) {
		refs[i] = malloc(HRDEX_REF_MAX + 1);
		if (refs[i])
			hrdex_ref_format(refs[i], HRDEX_REF_MAX + 1, &batch.items[i].ref);
	}
	for (i = 0; refs && i < batch.count && refs[i]; i++)
		;
	if (!refs || i < batch.count) {
		ret = cmd_oom();
		goto cleanup;
	}
	ret = print_result(&res, refs, batch.count, json) < 0 ? cmd_fail() : 0;
cleanup:
	for (i = 0; refs && i < batch.count; i++)
		free(refs[i]);
	free(refs);
	hrdex_publish_result_free(&res);
	hrdex_batch_free(&batch);
	hrdex_state_free(s);
	for (i = 0; i < ninputs; i++)
		free(inputs[i]);
	free(inputs);
	free(attach);
	free(dir);
	return ret;
}

int cmd_withdraw(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	struct hrdex_publish_result res = { 0 };
	struct hrdex_ref *refs = NULL;
	const char *message = NULL;
	char *dir = NULL, **names = NULL;
	size_t n, i;
	int first, json = g->json, ret;
	const struct cmd_opt opts[] = {
		{ "message", 'm', CMD_VALUE, &message, "REASON", "commit message: why they are withdrawn" },
		{ "json", 0, CMD_FLAG, &json, NULL, "print the summary as JSON" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { withdraw_usage, opts, NULL };

	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	ret = -1;
	if (first >= argc)
		return cmd_usage_error(withdraw_usage, "withdraw needs at least one REF");
	n = (size_t)(argc - first);
	refs = calloc(n, sizeof(*refs));
	if (!refs)
		return cmd_oom();
	/* The state first: a type the registry added is known then (regtypes.h). */
	if (cmd_open(g, HRDEX_STATE_LOCK | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS, &dir, &s) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		if (hrdex_ref_parse(&refs[i], argv[first + (int)i]) < 0) {
			ret = cmd_fail();
			goto cleanup;
		}
	if (hrdex_withdraw(s, refs, n, message, &res) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	names = argv + first;
	ret = print_result(&res, names, n, json) < 0 ? cmd_fail() : 0;
cleanup:
	hrdex_publish_result_free(&res);
	hrdex_state_free(s);
	free(refs);
	free(dir);
	return ret;
}
