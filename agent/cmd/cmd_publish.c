/*
 * cmd_publish.c - hrdex publish [-m MSG] [--attach FILE]... PATH...
 *                 hrdex withdraw [-m MSG] REF...
 */
#include "batch.h"
#include "cmd.h"
#include "refresh.h"
#include "error.h"
#include "json.h"
#include "log.h"
#include "publish.h"
#include "state.h"
#include "text.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char publish_usage[] =
	"usage: hrdex [-C DIR] publish [-m MSG] [--attach FILE]... [--json] PATH...\n"
	"\n"
	"Validate every document, then publish them all as one signed commit on\n"
	"this publisher's branch; if any is invalid, or peers would refuse the\n"
	"commit (the checks sync applies), nothing is written (exit 65).\n"
	"PATH is a file, a folder (every *.json below it) or - for standard input.\n"
	"A folder NAME.files/ beside NAME.json holds that document's attachments.\n"
	"Only regular files are read (a FIFO is refused, exit 65).  A link named\n"
	"here is followed; links found in a folder or NAME.files/ are not.\n"
	"A missing \"publisher\" is filled in; documents already published with the\n"
	"same content are left alone, and a batch that changes nothing makes no commit.\n"
	"\n"
	"  -m, --message MSG  commit message (default: a summary)\n"
	"  --attach FILE      attach FILE to the (single) document given\n"
	"  --json             print the summary as JSON\n";

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

static void print_result(const struct hrdex_publish_result *res, char **refs, size_t n, int json)
{
	char id[GIT_OID_HEXSZ + 1] = "";
	size_t i;

	if (res->committed)
		git_oid_tostr(id, sizeof(id), &res->commit);
	if (json) {
		cJSON *o = cJSON_CreateObject(), *list = NULL;

		if (res->committed)
			cJSON_AddStringToObject(o, "commit", id);
		else
			cJSON_AddNullToObject(o, "commit");
		cJSON_AddNumberToObject(o, "added", (double)res->added);
		cJSON_AddNumberToObject(o, "changed", (double)res->changed);
		cJSON_AddNumberToObject(o, "unchanged", (double)res->unchanged);
		cJSON_AddNumberToObject(o, "withdrawn", (double)res->removed);
		list = cJSON_AddArrayToObject(o, "documents");
		for (i = 0; i < n; i++) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddStringToObject(e, "ref", refs[i]);
			cJSON_AddStringToObject(e, "status", kind_name(res->kinds[i]));
			cJSON_AddItemToArray(list, e);
		}
		if (cmd_print_json(o) < 0)
			fprintf(stderr, "hrdex: %s\n", hrdex_error_message());
		cJSON_Delete(o);
		return;
	}
	for (i = 0; i < n; i++)
		hrdex_text_line(stdout, "%-9s %s", kind_name(res->kinds[i]), refs[i]);
	if (res->committed)
		hrdex_text_line(stdout, "commit %s: %zu added, %zu changed, %zu unchanged, %zu withdrawn", id,
		       res->added, res->changed, res->unchanged, res->removed);
	else
		hrdex_text_line(stdout, "nothing to publish: %zu document%s unchanged", res->unchanged,
		       res->unchanged == 1 ? "" : "s");
}

int cmd_publish(int argc, char **argv, struct hrdex_global *g)
{
	static const struct option opts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "attach", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hrdex_state *s = NULL;
	struct hrdex_batch batch = { 0 };
	struct hrdex_publish_result res = { 0 };
	struct hrdex_doc_opts dopts = { 0 };
	const char *message = NULL;
	char **inputs = NULL, **attach = NULL, **refs = NULL, *dir = NULL;
	size_t ninputs = 0, nattach = 0, i;
	int c, json = g->json, ret = -1;

	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': message = optarg; break;
		case 'a': {
			char **more = realloc(attach, (nattach + 1) * sizeof(*attach));

			if (!more)
				return cmd_usage_error(NULL, "out of memory");
			attach = more;
			attach[nattach++] = optarg;
			break;
		}
		case 'j': json = 1; break;
		case 'h': fputs(publish_usage, stdout); free(attach); return 0;
		default: fputs(publish_usage, stderr); free(attach); return HRDEX_EX_USAGE;
		}
	}
	if (optind >= argc) {
		free(attach);
		return cmd_usage_error(publish_usage, "publish needs at least one PATH");
	}
	if (hrdex_batch_collect(&inputs, &ninputs, argv + optind, (size_t)(argc - optind)) < 0) {
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
	dir = hrdex_state_resolve(g->state_dir);
	if (!dir || hrdex_refresh_open(&s, dir, HRDEX_STATE_LOCK | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS, "publish") < 0) {
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
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		ret = cmd_fail();
		goto cleanup;
	}
	print_result(&res, refs, batch.count, json);
	ret = 0;
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
	static const struct option opts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hrdex_state *s = NULL;
	struct hrdex_publish_result res = { 0 };
	struct hrdex_ref *refs = NULL;
	const char *message = NULL;
	char *dir = NULL, **names = NULL;
	size_t n, i;
	int c, json = g->json, ret = -1;

	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': message = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(withdraw_usage, stdout); return 0;
		default: fputs(withdraw_usage, stderr); return HRDEX_EX_USAGE;
		}
	}
	if (optind >= argc)
		return cmd_usage_error(withdraw_usage, "withdraw needs at least one REF");
	n = (size_t)(argc - optind);
	refs = calloc(n, sizeof(*refs));
	if (!refs)
		return cmd_usage_error(NULL, "out of memory");
	for (i = 0; i < n; i++)
		if (hrdex_ref_parse(&refs[i], argv[optind + (int)i]) < 0) {
			free(refs);
			return cmd_fail();
		}
	dir = hrdex_state_resolve(g->state_dir);
	if (!dir || hrdex_refresh_open(&s, dir, HRDEX_STATE_LOCK | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS, "withdraw") < 0 ||
	    hrdex_withdraw(s, refs, n, message, &res) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	names = argv + optind;
	print_result(&res, names, n, json);
	ret = 0;
cleanup:
	hrdex_publish_result_free(&res);
	hrdex_state_free(s);
	free(refs);
	free(dir);
	return ret;
}
