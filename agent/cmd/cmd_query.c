/*
 * cmd_query.c - `hrdex query`: search the cache.
 *
 * The cache is opened read-only and never written: a query does not catch
 * up with the repository (that is the writers' job: sync, publish, withdraw,
 * run, reindex).  When cache.db is missing or behind the branches, a warning
 * says so on stderr and the answer comes from what is there.
 */
#include "cache.h"
#include "cmd.h"
#include "config.h"
#include "date.h"
#include "doc.h"
#include "doctype.h"
#include "fs.h"
#include "error.h"
#include "output.h"
#include "regtypes.h"
#include "state.h"
#include "text.h"
#include "facts.h"
#include "semantic.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

static const char usage[] =
	"usage: hrdex [-C DIR] query [FILTERS] [--text QUERY] [--sort ORDER] [--limit N]\n"
	"                            [--offset N] [--format jsonl|json|table|refs|csv|ics] [--json]\n"
	"                            [--fields LIST]\n"
	"       hrdex [-C DIR] query --held [--format ...]\n"
	"\n"
	"Search the local cache of current documents (every accepted publisher).\n";

static const char footer[] =
	"The filters from --publisher to --ref and from --addressee to --year repeat.\n"
	"--since, --until, --text, --sort, --limit, --offset, --format and --fields\n"
	"take one value: given twice, they are a usage error.\n"
	"\n"
	"exit: 0 (also when nothing matches), 64 bad filter or --text query\n";

static int parse_count(int64_t *out, const char *s)
{
	char *end;
	long long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end || v < 0 || v > 1000000000000LL)
		return -1;
	*out = v;
	return 0;
}

static int slug_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 64 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] == '-' && s[i + 1] != '-')))
			return 0;
	return 1;
}

/* The values of a repeatable filter, owned. */
struct values {
	char **items;
	size_t count, alloc;
};

static int values_add(struct values *v, const char *s)
{
	if (v->count == v->alloc) {
		size_t n = v->alloc ? v->alloc * 2 : 4;
		char **items = realloc(v->items, n * sizeof(*items));

		if (!items)
			return hrdex_error_oom();
		v->items = items;
		v->alloc = n;
	}
	if (!(v->items[v->count] = strdup(s)))
		return hrdex_error_oom();
	v->count++;
	return 0;
}

static void values_free(struct values *v)
{
	size_t i;

	for (i = 0; i < v->count; i++)
		free(v->items[i]);
	free(v->items);
}

static struct hrdex_query_list values_list(const struct values *v)
{
	struct hrdex_query_list l = { (const char *const *)v->items, v->count };

	return l;
}

/* The values of the version-2 enumerations the filters take (schemas/2/):
 * a value outside them could match nothing, so it is a usage error. */
static const char *const party_kinds[] = { "state", "body", "mechanism", "regional-organisation", "nhri",
					   "civil-society", "person", "states-parties", "other", NULL };
static const char *const responses[] = { "supported", "supported-in-part", "noted", "rejected",
					 "accepted-in-principle", "no-response", NULL };
/* a recommendation's implementation, a visit's and an event's status */
static const char *const statuses[] = { "not-started", "in-progress", "partially-implemented", "implemented",
					"not-implemented", "unknown", "requested", "reminded", "accepted",
					"refused", "postponed", "scheduled", "ongoing", "completed", "cancelled",
					"confirmed", "tentative", "held", NULL };
static const char *const kind_lists[] = { "decision-kinds", "report-kinds", "event-kinds", "note-kinds",
					  "statement-kinds", NULL };

static int in_set(const char *const *set, const char *v)
{
	for (; *set; set++)
		if (!strcmp(*set, v))
			return 1;
	return 0;
}

static int join_set(char *out, size_t n, const char *const *set)
{
	size_t len = 0;

	out[0] = '\0';
	for (; *set; set++) {
		int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "", *set);

		if (w < 0 || (size_t)w >= n - len)
			return hrdex_error_set(HRDEX_E_INTERNAL, "list of values too long");
		len += (size_t)w;
	}
	return 0;
}

/* "; nearest: 'a', 'b'" for v among the entries of the lists (vocab.h), or "". */
static void nearest_of(char *out, size_t n, const char *const *lists, const char *v)
{
	const char *near[3];
	size_t len = 0;
	int k, m, got = 0;

	out[0] = '\0';
	for (; *lists && got < 3; lists++) {
		m = hrdex_vocab_nearest(*lists, v, near, 3 - got);
		for (k = 0; k < m; k++, got++) {
			int w = snprintf(out + len, n - len, "%s'%s'", got ? ", " : "; nearest: ", near[k]);

			if (w < 0 || (size_t)w >= n - len) {
				out[len] = '\0';   /* a shorter hint, never a cut name */
				return;
			}
			len += (size_t)w;
		}
	}
}

/* A value of a controlled list, or a usage error naming the list and the
 * nearest entries. */
static int list_value(const char *name, const char *list, const char *v)
{
	const char *lists[] = { list, NULL };
	const char *title = hrdex_vocab_title(list, "en");
	char near[256];

	if (hrdex_vocab_has(list, v))
		return 0;
	nearest_of(near, sizeof(near), lists, v);
	return cmd_usage_error(NULL, "unknown %s '%s' (not in the list of %s%s)", name, v,
			       title ? title : list, near);
}

/* An ISO 3166-1 alpha-3 code, upper-cased in place. */
static int country_value(const char *name, char *v)
{
	size_t k;

	for (k = 0; v[k] && k < 4; k++)
		v[k] = (char)(v[k] >= 'a' && v[k] <= 'z' ? v[k] - 32 : v[k]);
	if (!hrdex_country_valid(v))
		return cmd_usage_error(NULL, "invalid %s '%s' (an ISO 3166-1 alpha-3 country code, e.g. HND)", name,
				       v);
	return 0;
}

/* The version-2 filters (facts.h): 0, or a usage error's exit code. */
static int v2_filter_value(const char *name, char *v)
{
	char set[512], near[256];
	size_t k;

	if (!strcmp(name, "--addressee")) {
		/* a party kind, a body of the list, else a country code */
		if (in_set(party_kinds, v) || hrdex_vocab_has("bodies", v))
			return 0;
		if (strlen(v) == 3 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == 3)
			return country_value(name, v);
		{
			const char *lists[] = { "bodies", NULL };

			nearest_of(near, sizeof(near), lists, v);
		}
		return cmd_usage_error(NULL, "invalid --addressee '%s' (a country code such as HND, a body of the "
				       "list of bodies, or a party kind such as nhri%s)", v, near);
	}
	if (!strcmp(name, "--recommending-state"))
		return country_value(name, v);
	if (!strcmp(name, "--body"))
		return list_value(name, "bodies", v);
	if (!strcmp(name, "--group"))
		return list_value(name, "groups", v);
	if (!strcmp(name, "--sdg") && !hrdex_sdg_valid(v))
		return cmd_usage_error(NULL, "invalid --sdg '%s' (a goal 1-17 or a target such as 16.10 or 16.a)", v);
	if (!strcmp(name, "--response") && !in_set(responses, v)) {
		if (join_set(set, sizeof(set), responses) < 0)
			return cmd_fail();
		return cmd_usage_error(NULL, "unknown --response '%s' (%s)", v, set);
	}
	if (!strcmp(name, "--status") && !in_set(statuses, v)) {
		if (join_set(set, sizeof(set), statuses) < 0)
			return cmd_fail();
		return cmd_usage_error(NULL, "unknown --status '%s' (%s)", v, set);
	}
	if (!strcmp(name, "--kind")) {
		for (k = 0; kind_lists[k]; k++)
			if (hrdex_vocab_has(kind_lists[k], v))
				return 0;
		nearest_of(near, sizeof(near), kind_lists, v);
		return cmd_usage_error(NULL, "unknown --kind '%s' (not a kind of decision, report, event, note or "
				       "statement%s)", v, near);
	}
	if (!strcmp(name, "--year")) {
		for (k = 0; k < 4 && v[k] >= '0' && v[k] <= '9'; k++)
			;
		if (k != 4 || v[4])
			return cmd_usage_error(NULL, "invalid --year '%s' (YYYY, e.g. 2016)", v);
	}
	return 0;
}

/* Check and normalise one filter value in place of *s (a copy of the
 * argument): 0, or a usage error's exit code. */
static int filter_value(const char *name, char **s)
{
	struct hrdex_ref pr;
	char *v = *s;
	size_t k;

	if (!strcmp(name, "--publisher") && !hrdex_publisher_valid(v))
		return cmd_usage_error(NULL, "invalid --publisher '%s'", v);
	if (!strcmp(name, "--type") && !hrdex_doc_type_valid(v)) {
		char types[256];

		if (hrdex_doctype_list(types, sizeof(types)) < 0)
			return cmd_fail();
		return cmd_usage_error(NULL, "unknown --type '%s' (%s)", v, types);
	}
	if (!strcmp(name, "--country")) {
		if (strlen(v) != 3)
			return cmd_usage_error(NULL, "invalid --country '%s' (ISO 3166-1 alpha-3, e.g. KEN)", v);
		for (k = 0; k < 3; k++) {
			char ch = (char)(v[k] >= 'a' && v[k] <= 'z' ? v[k] - 32 : v[k]);

			if (ch < 'A' || ch > 'Z')
				return cmd_usage_error(NULL, "invalid --country '%s' (ISO 3166-1 alpha-3, e.g. KEN)",
						       v);
		}
		for (k = 0; k < 3; k++)
			v[k] = (char)(v[k] >= 'a' && v[k] <= 'z' ? v[k] - 32 : v[k]);
	}
	if (!strcmp(name, "--theme") && !slug_valid(v))
		return cmd_usage_error(NULL, "invalid --theme '%s' (a lowercase slug)", v);
	if (!strcmp(name, "--links-to") || !strcmp(name, "--ref")) {
		char *norm;

		if (hrdex_ref_parse(&pr, v) < 0)
			return cmd_usage_error(NULL, "invalid %s %s'%s' (PUBLISHER/TYPE/ID)", name,
					       strcmp(name, "--ref") ? "ref " : "", v);
		if (!(norm = malloc(HRDEX_REF_MAX + 6))) {
			return cmd_oom();
		}
		hrdex_ref_format(norm, HRDEX_REF_MAX + 6, &pr);
		free(v);
		*s = norm;
		return 0;
	}
	return v2_filter_value(name, v);
}

struct emit {
	struct hrdex_output *out;
	struct hrdex_buf buf;
	int failed;   /* write error */
};

static int flush(struct emit *e)
{
	if (e->buf.len && fwrite(e->buf.ptr, 1, e->buf.len, stdout) != e->buf.len) {
		e->failed = 1;
		return hrdex_error_errno(HRDEX_E_IO, "cannot write the output");
	}
	hrdex_buf_clear(&e->buf);
	return 0;
}

static int on_row(const struct hrdex_query_row *row, void *payload)
{
	struct emit *e = payload;

	if (hrdex_output_row(e->out, &e->buf, row) < 0)
		return -1;
	if (e->buf.len >= 65536 && flush(e) < 0)
		return -1;
	return 0;
}

/* Warn when the cache lags behind the branches; never fails the query.
 * The refs are read from repo.git's files: a query runs without libgit2
 * (main.c does not start it), whose start-up would cost more than a small
 * query itself.  Only a state directory (one with hrdex.conf, as
 * hrdex_state_open() requires) is compared. */
static void warn_if_behind(struct hrdex_cache *c, const char *dir)
{
	char *conf = hrdex_path_join(dir, "hrdex.conf"), *gitdir = hrdex_path_join(dir, "repo.git");
	size_t behind = 0;
	char *first = NULL;

	if (conf && gitdir && hrdex_fs_exists(conf) &&
	    hrdex_cache_lag_files(c, gitdir, &behind, &first) == 0 && behind > 0)
		hrdex_text_line(stderr,
				"hrdex: warning: the cache is behind the repository (%zu branch%s, e.g. '%s'); "
				"answering from the cache as it is ('hrdex sync' or 'hrdex reindex' updates it)",
				behind, behind == 1 ? "" : "es", first ? first : "?");
	hrdex_error_clear();
	free(first);
	free(gitdir);
	free(conf);
}

/* query --held: one line (table, csv, refs...) or one JSON object (json,
 * jsonl) per held document: ref, commit, reason. */
struct held_out {
	int json;
	size_t n;
};

static int on_held(const char *ref, const char *publisher, const char *commit, const char *reason, void *payload)
{
	struct held_out *h = payload;
	cJSON *o;
	char *text;
	int r;

	if (!h->json) {
		/* Each field escaped (base/text.h): a reason quotes a peer's text. */
		struct hrdex_buf line = HRDEX_BUF_INIT;

		r = hrdex_text_escapes(&line, ref) < 0 || hrdex_buf_printf(&line, "\t%.12s\t", commit) < 0 ||
		    hrdex_text_escapes(&line, reason) < 0 || hrdex_buf_putc(&line, '\n') < 0;
		if (!r && fwrite(line.ptr, 1, line.len, stdout) != line.len)
			r = hrdex_error_errno(HRDEX_E_IO, "cannot write the output");
		hrdex_buf_free(&line);
		return r ? -1 : 0;
	}
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "ref", ref) || !cJSON_AddStringToObject(o, "publisher", publisher) ||
	    !cJSON_AddStringToObject(o, "commit", commit) || !cJSON_AddStringToObject(o, "reason", reason) ||
	    !(text = cJSON_PrintUnformatted(o))) {
		cJSON_Delete(o);
		return hrdex_error_oom();
	}
	r = printf("%s%s%s", h->json == 2 ? (h->n ? ",\n  " : "[\n  ") : "", text, h->json == 2 ? "" : "\n");
	h->n++;
	cJSON_free(text);
	cJSON_Delete(o);
	return r < 0 ? -1 : 0;
}

static int query_held(const char *path, const char *format)
{
	struct hrdex_cache *c = NULL;
	struct held_out h = { 0, 0 };
	int r;

	h.json = !strcmp(format, "json") ? 2 : !strcmp(format, "jsonl") ? 1 : 0;
	if (hrdex_cache_open(&c, path, 1) < 0) {
		if (hrdex_error_kind() != HRDEX_E_NOTFOUND)
			return cmd_fail();
		hrdex_text_line(stderr, "hrdex: warning: %s: nothing held is known until a sync or 'hrdex reindex' "
				"builds it", hrdex_error_message());
	} else {
		r = hrdex_cache_held(c, on_held, &h);
		hrdex_cache_close(c);
		if (r != 0)
			return hrdex_error_message()[0] ? cmd_fail() : HRDEX_EX_IOERR;
	}
	if (h.json == 2 && printf(h.n ? "\n]\n" : "[]\n") < 0)
		return HRDEX_EX_IOERR;
	return fflush(stdout) ? HRDEX_EX_IOERR : 0;
}

/* The types and list entries the registry added (regtypes.h) are --type and
 * --theme values too.  Best effort: a query answers from the cache alone,
 * and reports a state it cannot open there. */
static void load_registry_types(const struct hrdex_global *g)
{
	char *dir = hrdex_state_resolve(g->state_dir);
	struct hrdex_state *st = NULL;

	git_libgit2_init();
	if (dir && hrdex_fs_exists(dir) && hrdex_state_open(&st, dir, 0) == 0)
		hrdex_regtypes_load(st);
	hrdex_state_free(st);
	git_libgit2_shutdown();
	free(dir);
	hrdex_error_clear();
}

int cmd_query(int argc, char **argv, struct hrdex_global *g)
{
	/* the repeatable filters, in the order of struct values filters[] */
	static const char *const filter_names[] = { "--publisher", "--type", "--country", "--theme",
						    "--links-to", "--ref", "--addressee", "--recommending-state",
						    "--response", "--status", "--body", "--group", "--sdg", "--kind",
						    "--year" };
#define NFILTERS (sizeof(filter_names) / sizeof(filter_names[0]))
	struct cmd_list args[NFILTERS];
	struct values filters[NFILTERS];
	struct hrdex_query q;
	struct hrdex_output_opts oo;
	struct emit e = { NULL, HRDEX_BUF_INIT, 0 };
	struct hrdex_cache *c = NULL;
	char *dir = NULL, *path = NULL;
	const char *format = NULL, *sort = NULL, *limit = NULL, *offset = NULL;
	int first, ret = HRDEX_EX_OK, r, json_flag = g->json, held = 0;
	size_t k, n;
	const struct cmd_opt opts[] = {
		{ NULL, 0, 0, NULL, NULL,
		  "filters (different filters must all hold; the same filter given again adds\n"
		  "values, any of which may match: --country HND --country MEX is either):" },
		{ "publisher", 0, CMD_LIST, &args[0], "ID", "documents of this publisher" },
		{ "type", 0, CMD_LIST, &args[1], "TYPE", "decision, recommendation, report, event, visit, practice, note" },
		{ "country", 0, CMD_LIST, &args[2], "CODE",
		  "concerning this country (ISO 3166-1 alpha-3, e.g. KEN) in any\n"
		  "country field: countries, a recommendation's addressees, the\n"
		  "countries visited, a decision's states, an event's place.country" },
		{ "theme", 0, CMD_LIST, &args[3], "SLUG",
		  "with this theme, group or keyword (themes, groups, keywords;\ne.g. human-rights-defenders)" },
		{ "since", 0, CMD_VALUE, &q.since, "DATE", "dated on or after DATE (YYYY-MM-DD)" },
		{ "until", 0, CMD_VALUE, &q.until, "DATE",
		  "dated on or before DATE (YYYY-MM-DD)\n"
		  "(an event or a visit matches when its [start, end]\n"
		  "overlaps [--since, --until])" },
		{ "text", 0, CMD_VALUE, &q.text, "QUERY",
		  "full-text search in titles, summaries and texts, every\n"
		  "language (SQLite FTS5 syntax: words, \"phrases\", AND, OR,\n"
		  "NOT, prefix*, title:word); ranked by relevance" },
		{ "links-to", 0, CMD_LIST, &args[4], "REF", "documents that link to REF (back-references)" },
		{ "ref", 0, CMD_LIST, &args[5], "REF", "the document PUBLISHER/TYPE/ID" },
		{ NULL, 0, 0, NULL, NULL,
		  "filters on what documents of either schema version say, read from\n"
		  "their version-2 form (a version-1 recommendation's addressee is an\n"
		  "addressee; README.md, \"Tables of cache.db\", names each table):" },
		{ "addressee", 0, CMD_LIST, &args[6], "WHO",
		  "a recommendation addressed to WHO: a country code (HND), a body\n"
		  "of the list of bodies (achpr) or a party kind (state, nhri,\n"
		  "civil-society, states-parties...) [doc_addressees]" },
		{ "recommending-state", 0, CMD_LIST, &args[7], "CODE",
		  "a UPR recommendation made by this state [doc_recommending_states]" },
		{ "response", 0, CMD_LIST, &args[8], "POSITION",
		  "the state's response: supported, supported-in-part, noted,\n"
		  "rejected, accepted-in-principle, no-response [documents.response]" },
		{ "status", 0, CMD_LIST, &args[9], "STATUS",
		  "a recommendation's implementation (in-progress, implemented...),\n"
		  "a visit's (requested, refused, completed...) or an event's\n"
		  "(scheduled, held...) status [documents.status]" },
		{ "body", 0, CMD_LIST, &args[10], "ID",
		  "by or from this body or mechanism of the list of bodies\n"
		  "(authors, a recommendation's body; e.g. upr, sr-hrd) [doc_bodies]" },
		{ "group", 0, CMD_LIST, &args[11], "ID",
		  "concerning this group of the list of affected persons\n"
		  "(e.g. human-rights-defenders) [doc_groups]" },
		{ "sdg", 0, CMD_LIST, &args[12], "GOAL",
		  "linked to this SDG goal or target: 16 finds 16.10 too [doc_sdgs]" },
		{ "kind", 0, CMD_LIST, &args[13], "KIND",
		  "of this kind (views, judgment, press-release...) [documents.kind]" },
		{ "year", 0, CMD_LIST, &args[14], "YYYY",
		  "dated in this year at any precision: 2016 finds \"2016\",\n"
		  "\"2016-Q2\" and \"2016-04-06\" [documents.date_first]" },
		{ "withdrawn", 0, CMD_FLAG, &q.withdrawn, NULL,
		  "documents this agent saw withdrawn instead (tombstones,\n"
		  "the last version; 'hrdex serve' shows them as deleted\n"
		  "records); not with --country, --theme, --text, --links-to\n"
		  "nor the version-2 filters" },
		{ NULL, 0, 0, NULL, NULL, "output:" },
		{ "sort", 0, CMD_VALUE, &sort, "ORDER",
		  "-date (newest first; default), date, ref, rank (default with\n"
		  "--text); date is the start for events and visits, and a\n"
		  "partial date sorts as its first day (2016 as 2016-01-01)" },
		{ "limit", 0, CMD_VALUE, &limit, "N", "at most N documents" },
		{ "offset", 0, CMD_VALUE, &offset, "N", "skip the first N documents" },
		{ "format", 0, CMD_VALUE, &format, "FORMAT",
		  "jsonl (one document per line; default when not a terminal),\n"
		  "json (an array), table (default on a terminal; controls\n"
		  "shown escaped), refs, csv (a cell starting with =, +, -,\n"
		  "@, tab or CR gets a leading ' against formula injection),\n"
		  "ics (events and visits as an iCalendar file)" },
		{ "json", 0, CMD_FLAG, &json_flag, NULL, "the same as --format json" },
		{ "held", 0, CMD_FLAG, &held, NULL,
		  "list the held documents instead (a document rule keeps\n"
		  "them out of main, view/, the cache and the site): ref,\n"
		  "commit and reason, one a line (one JSON object with\n"
		  "--format json or jsonl); filters do not apply" },
		{ "fields", 0, CMD_VALUE, &oo.fields, "LIST",
		  "what a row shows, for csv, table, jsonl and json: names\n"
		  "separated by commas, each a cache column (ref, publisher,\n"
		  "type, id, date, start, end, title, lang, countries, themes,\n"
		  "commit, and of either schema version: schema, kind, status,\n"
		  "response, date_first, date_last) or a dotted path into the\n"
		  "document as published (title.fr,\n"
		  "dates.start, place.country); a value the document lacks\n"
		  "is an empty cell (null in JSON)" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { usage, opts, footer };

	memset(&q, 0, sizeof(q));
	memset(&oo, 0, sizeof(oo));
	memset(filters, 0, sizeof(filters));
	memset(args, 0, sizeof(args));
	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		goto cleanup;
	ret = HRDEX_EX_OK;
	if (first < argc) {
		ret = cmd_usage_error(usage, "unknown argument '%s'", argv[first]);
		goto cleanup;
	}
	load_registry_types(g);
	for (k = 0; k < NFILTERS; k++)
		for (n = 0; n < args[k].count; n++) {
			if (values_add(&filters[k], args[k].items[n]) < 0) {
				ret = cmd_fail();
				goto cleanup;
			}
			if ((ret = filter_value(filter_names[k], &filters[k].items[n])) != 0)
				goto cleanup;
		}
	if (limit && parse_count(&q.limit, limit) < 0) {
		ret = cmd_usage_error(usage, "--limit needs a count, not '%s'", limit);
		goto cleanup;
	}
	if (offset && parse_count(&q.offset, offset) < 0) {
		ret = cmd_usage_error(usage, "--offset needs a count, not '%s'", offset);
		goto cleanup;
	}
	if (json_flag && format && strcmp(format, "json")) {
		ret = cmd_usage_error(usage, "--json and --format %s disagree", format);
		goto cleanup;
	}
	if (json_flag)
		format = "json";
	q.publisher = values_list(&filters[0]);
	q.type = values_list(&filters[1]);
	q.country = values_list(&filters[2]);
	q.theme = values_list(&filters[3]);
	q.links_to = values_list(&filters[4]);
	q.ref = values_list(&filters[5]);
	q.addressee = values_list(&filters[6]);
	q.recommending_state = values_list(&filters[7]);
	q.response = values_list(&filters[8]);
	q.status = values_list(&filters[9]);
	q.body = values_list(&filters[10]);
	q.group = values_list(&filters[11]);
	q.sdg = values_list(&filters[12]);
	q.kind = values_list(&filters[13]);
	q.year = values_list(&filters[14]);
	if (q.since && !hrdex_date_valid(q.since)) {
		ret = cmd_usage_error(NULL, "invalid --since date '%s' (YYYY-MM-DD)", q.since);
		goto cleanup;
	}
	if (q.until && !hrdex_date_valid(q.until)) {
		ret = cmd_usage_error(NULL, "invalid --until date '%s' (YYYY-MM-DD)", q.until);
		goto cleanup;
	}
	if (q.since && q.until && strcmp(q.since, q.until) > 0) {
		ret = cmd_usage_error(NULL, "--since '%s' is after --until '%s'", q.since, q.until);
		goto cleanup;
	}
	if (q.text && !*q.text) {
		ret = cmd_usage_error(NULL, "empty --text query");
		goto cleanup;
	}
	q.sort = q.text ? HRDEX_SORT_RANK : HRDEX_SORT_DATE_DESC;
	if (sort) {
		if (!strcmp(sort, "date"))
			q.sort = HRDEX_SORT_DATE_ASC;
		else if (!strcmp(sort, "-date"))
			q.sort = HRDEX_SORT_DATE_DESC;
		else if (!strcmp(sort, "ref"))
			q.sort = HRDEX_SORT_REF;
		else if (!strcmp(sort, "rank") && q.text)
			q.sort = HRDEX_SORT_RANK;
		else if (!strcmp(sort, "rank"))
			ret = cmd_usage_error(NULL, "--sort rank needs --text");
		else
			ret = cmd_usage_error(NULL, "unknown --sort '%s' (date, -date, ref, rank)", sort);
		if (ret)
			goto cleanup;
	}
	if (!format)
		format = isatty(STDOUT_FILENO) ? "table" : "jsonl";
	if (hrdex_format_parse(&oo.format, format) < 0) {
		ret = cmd_usage_error(NULL, "%s", hrdex_error_message());
		goto cleanup;
	}
	oo.now = time(NULL);
	if (oo.format == HRDEX_FORMAT_TABLE && isatty(STDOUT_FILENO)) {
		struct winsize ws;

		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
			oo.width = ws.ws_col;
	}

	if (cmd_open(g, 0, &dir, NULL) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	path = hrdex_path_join(dir, "cache.db");
	if (!path) {
		ret = cmd_oom();
		goto cleanup;
	}
	if (hrdex_state_check_dir(dir) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (held) {
		ret = query_held(path, format);
		goto cleanup;
	}
	if (hrdex_output_new(&e.out, &oo) < 0) {
		ret = hrdex_error_kind() == HRDEX_E_USAGE ? cmd_usage_error(NULL, "%s", hrdex_error_message()) :
							     cmd_fail();
		goto cleanup;
	}
	q.ref_only = oo.format == HRDEX_FORMAT_REFS;
	q.no_json = !hrdex_output_needs_json(e.out);
	if (hrdex_cache_open(&c, path, 1) < 0) {
		if (hrdex_error_kind() != HRDEX_E_NOTFOUND) {
			ret = cmd_fail();
			goto cleanup;
		}
		hrdex_text_line(stderr, "hrdex: warning: %s: nothing to search until a sync or 'hrdex reindex' "
				"builds it", hrdex_error_message());
	} else {
		warn_if_behind(c, dir);
		r = hrdex_cache_query(c, &q, on_row, &e);
		if (r != 0) {
			ret = e.failed ? HRDEX_EX_IOERR : cmd_fail();
			goto cleanup;
		}
	}
	if (hrdex_output_finish(e.out, &e.buf) < 0 || flush(&e) < 0 || fflush(stdout) != 0) {
		if (!hrdex_error_message()[0])
			hrdex_error_errno(HRDEX_E_IO, "cannot write the output");
		ret = cmd_fail();
	}
cleanup:
	hrdex_cache_close(c);
	hrdex_output_free(e.out);
	hrdex_buf_free(&e.buf);
	free(path);
	free(dir);
	for (k = 0; k < sizeof(filters) / sizeof(filters[0]); k++) {
		values_free(&filters[k]);
		free(args[k].items);
	}
	return ret;
}
