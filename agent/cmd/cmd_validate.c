/*
 * cmd_validate.c - hrdex validate [--schema FILE] [--json] PATH...
 */
#include "batch.h"
#include "buf.h"
#include "cmd.h"
#include "regtypes.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "schema.h"
#include "state.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: hrdex [-C DIR] validate [--schema FILE] [--json] PATH...\n"
	"\n"
	"Check documents and change nothing.  PATH is a file, a folder (every\n"
	"*.json below it) or - for standard input.  Each document is checked\n"
	"against the schema version it names (\"schema\": 2; none: version 1),\n"
	"and the answer says which: FILE: ok (schema version 2).  Each problem is\n"
	"printed as FILE: /json/pointer: message, then FILE: checked against\n"
	"schema version N; --json gives \"schema\": N.  A version this agent does\n"
	"not know is a problem (sync holds such documents).  Exit 0 when all are\n"
	"valid, 65 otherwise.\n"
	"With a state directory (-C DIR, $HRDEX_HOME, or ./hrdex-data when it\n"
	"exists) the answer is publish's: a missing \"publisher\" is filled in, a\n"
	"different one refused, and its limits apply; without one each document is\n"
	"checked alone (said on standard error).\n"
	"Only regular files are read; a link named here is followed, links found\n"
	"in a folder are not (as publish).\n";



/* The schema version a document was checked against, or 0 when it was not
 * (unreadable, or a version this agent does not know). */
static int checked_version(int version)
{
	return version >= 1 && version <= hrdex_schema_known_newest() ? version : 0;
}

/* One JSON object for one input; -1 with hrdex_error when it cannot.
 * version: the schema version it was checked against, 0 for none. */
static int print_json(const char *origin, const struct hrdex_problems *p, int version)
{
	cJSON *o = cJSON_CreateObject(), *list = NULL;
	size_t i;
	int r = -1;

	if (!o || !cJSON_AddStringToObject(o, "file", origin) ||
	    !cJSON_AddBoolToObject(o, "valid", p->count == 0) ||
	    (version && !cJSON_AddNumberToObject(o, "schema", version)) ||
	    !(list = cJSON_AddArrayToObject(o, "problems")))
		goto oom;
	for (i = 0; i < p->count; i++) {
		cJSON *e = cmd_json_push_object(list);

		if (!e || !cJSON_AddStringToObject(e, "pointer", p->items[i].pointer) ||
		    !cJSON_AddStringToObject(e, "keyword", p->items[i].keyword) ||
		    !cJSON_AddStringToObject(e, "message", p->items[i].message))
			goto oom;
	}
	r = cmd_print_json(o);
	cJSON_Delete(o);
	return r;
oom:
	cJSON_Delete(o);
	return hrdex_error_oom();
}

/* With --schema: parse each input strictly and validate against FILE only. */
static int validate_with_schema(const char *schema_file, char **inputs, size_t n, int json,
				const struct hrdex_limits *lim)
{
	struct hrdex_schemas *schemas = NULL;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct hrdex_json_opts jo = { (size_t)lim->document_bytes, (int)lim->json_depth,
				      (size_t)lim->string_bytes };
	cJSON *schema = NULL;
	char id[4200], *real = NULL;
	size_t i, invalid = 0;
	int ret = -1;

	if (hrdex_schemas_new(&schemas) < 0 || hrdex_schemas_add_builtin(schemas) < 0)
		goto cleanup;
	if (hrdex_fs_read(&text, schema_file, (size_t)16 << 20) < 0)
		goto cleanup;
	if (hrdex_json_parse(&schema, text.ptr, text.len, &jo) < 0) {
		char msg[2048];

		hrdex_fmt_cut(msg, sizeof(msg), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_E_INVALID, "%s: %s", schema_file, msg);
		goto cleanup;
	}
	real = realpath(schema_file, NULL);
	if (hrdex_fmt(id, sizeof(id), "file://%s", real ? real : schema_file) < 0)
		goto cleanup;
	{
		const cJSON *sid = cJSON_GetObjectItemCaseSensitive(schema, "$id");

		if (cJSON_IsString(sid))
			if (hrdex_fmt(id, sizeof(id), "%s", sid->valuestring) < 0)
				goto cleanup;
	}
	if (hrdex_schemas_add(schemas, schema, id, schema_file) < 0) {
		schema = NULL;
		goto cleanup;
	}
	schema = NULL;
	for (i = 0; i < n; i++) {
		struct hrdex_problems p = HRDEX_PROBLEMS_INIT;
		cJSON *doc = NULL;

		hrdex_buf_clear(&text);
		if (hrdex_batch_read(&text, inputs[i], (size_t)lim->document_bytes) < 0)
			hrdex_problems_add(&p, "", "file", "%s", hrdex_error_message());
		else if (hrdex_json_parse(&doc, text.ptr, text.len, &jo) < 0)
			hrdex_problems_add(&p, "", "json", "%s", hrdex_error_message());
		else if (hrdex_schema_validate(schemas, id, doc, &p) < 0) {
			cJSON_Delete(doc);
			hrdex_problems_free(&p);
			goto cleanup;
		}
		cJSON_Delete(doc);
		if (json) {
			if (print_json(inputs[i], &p, 0) < 0) {
				hrdex_problems_free(&p);
				goto cleanup;
			}
		} else if (p.count)
			cmd_print_problems(stderr, inputs[i], &p);
		else
			hrdex_text_line(stdout, "%s: ok", inputs[i]);
		invalid += p.count > 0;
		hrdex_problems_free(&p);
	}
	ret = invalid ? HRDEX_EX_DATAERR : 0;
cleanup:
	free(real);
	cJSON_Delete(schema);
	hrdex_buf_free(&text);
	hrdex_schemas_free(schemas);
	return ret < 0 ? cmd_fail() : ret;
}

/*
 * validate answers what publish would (DESIGN.md, "Two levels of rules"):
 * with the state publish would use, the same options.  -C DIR or
 * $HRDEX_HOME must name a state directory; ./hrdex-data is used when it
 * exists.  *s stays NULL (0 returned) when there is none, or when this
 * account may not read it (it could not publish either).
 */
static int open_state(struct hrdex_state **s, const struct hrdex_global *g)
{
	const char *env = getenv("HRDEX_HOME");
	int named = (g->state_dir && *g->state_dir) || (env && *env);
	char *dir = hrdex_state_resolve(g->state_dir);
	int r = 0, said = 0;

	*s = NULL;
	if (!dir)
		return hrdex_error_oom();
	if (named || hrdex_fs_exists(dir)) {
		r = hrdex_state_open(s, dir, HRDEX_STATE_SCHEMAS);
		/* the types and list entries the registry added (regtypes.h) */
		if (r == 0 && (r = hrdex_regtypes_load(*s)) < 0) {
			hrdex_state_free(*s);
			*s = NULL;
		}
		if (r < 0 && hrdex_error_kind() == HRDEX_E_PERMISSION) {
			hrdex_text_line(stderr, "hrdex: %s; checked each document alone", hrdex_error_message());
			r = 0;
			said = 1;
		}
	}
	if (r == 0 && !*s && !said)
		hrdex_text_line(stderr, "hrdex: no state directory: checked each document alone (publish "
				"fills in a missing \"publisher\" from hrdex.conf)");
	free(dir);
	return r;
}

int cmd_validate(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_limits limits;
	struct hrdex_doc_opts dopts = { 0 };
	struct hrdex_batch batch = { 0 };
	struct hrdex_state *s = NULL;
	const char *schema_file = NULL;
	char **inputs = NULL;
	size_t ninputs = 0, i;
	int first, json = g->json, ret;
	const struct cmd_opt opts[] = {
		{ "schema", 0, CMD_VALUE, &schema_file, "FILE",
		  "validate against this JSON Schema (draft-07) only,\n"
		  "instead of hrdex's document rules: to test your own schemas" },
		{ "json", 0, CMD_FLAG, &json, NULL, "print one JSON object per input" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { usage, opts, NULL };

	hrdex_limits_default(&limits);
	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	ret = -1;
	if (first >= argc)
		return cmd_usage_error(usage, "validate needs at least one PATH");
	if (hrdex_batch_collect(&inputs, &ninputs, argv + first, (size_t)(argc - first)) < 0)
		return cmd_fail();
	if (ninputs == 0) {
		hrdex_text_line(stderr, "hrdex: no *.json documents found");
		ret = HRDEX_EX_NOINPUT;
		goto cleanup;
	}
	if (schema_file) {
		ret = validate_with_schema(schema_file, inputs, ninputs, json, &limits);
		goto cleanup;
	}
	if (open_state(&s, g) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	dopts.limits = &limits;
	if (s) {
		/* publish's options (cmd_publish.c) */
		dopts.limits = &s->config->limits;
		dopts.schemas = s->schemas;
		dopts.fill_publisher = s->config->publisher;
		dopts.expect_publisher = s->config->publisher;
	}
	if ((!s && (hrdex_schemas_new(&dopts.schemas) < 0 || hrdex_schemas_add_builtin(dopts.schemas) < 0)) ||
	    hrdex_batch_load(&batch, inputs, ninputs, NULL, 0, &dopts) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	for (i = 0; i < batch.count; i++) {
		const struct hrdex_batch_item *it = &batch.items[i];

		int version = checked_version(it->version);

		if (json) {
			if (print_json(it->origin, &it->problems, version) < 0) {
				ret = cmd_fail();
				goto cleanup;
			}
		} else if (it->problems.count) {
			cmd_print_problems(stderr, it->origin, &it->problems);
			if (version)
				hrdex_text_line(stderr, "%s: checked against schema version %d", it->origin, version);
		} else {
			hrdex_text_line(stdout, "%s: ok (schema version %d)", it->origin, version);
		}
	}
	ret = batch.invalid ? HRDEX_EX_DATAERR : 0;
cleanup:
	hrdex_batch_free(&batch);
	if (!s)
		hrdex_schemas_free(dopts.schemas);
	hrdex_state_free(s);
	for (i = 0; i < ninputs; i++)
		free(inputs[i]);
	free(inputs);
	return ret;
}
