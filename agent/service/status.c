/*
 * status.c - status.json, metrics.prom and health (see status.h).
 */
#include "status.h"
#include "key.h"
#include "ledger.h"
#include "signers.h"
#include "cache.h"
#include "buf.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "readme.h"
#include "repo.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define STATUS_MAX ((size_t)64 << 20)

/* Counters by name in status.json; the one table both directions use. */
struct counter {
	const char *key;
	size_t offset;   /* into struct hrdex_status_counters */
	int is_double;
};

#define CNT(f) offsetof(struct hrdex_status_counters, f)

static const struct counter counters[] = {
	{ "syncsOk", CNT(syncs_ok), 0 },
	{ "syncsUnreachable", CNT(syncs_unreachable), 0 },
	{ "syncsFailed", CNT(syncs_failed), 0 },
	{ "branchesAccepted", CNT(branches_accepted), 0 },
	{ "branchesRejected", CNT(branches_rejected), 0 },
	{ "documentsFromPeers", CNT(docs_from_peers), 0 },
	{ "documentsPublished", CNT(docs_published), 0 },
	{ "documentsRejected", CNT(docs_rejected), 0 },
	{ "fetchBytes", CNT(fetch_bytes), 0 },
	{ "fetchSeconds", CNT(fetch_seconds), 1 },
	{ "outboxDone", CNT(outbox_done), 0 },
	{ "outboxRejected", CNT(outbox_rejected), 0 },
	{ "webhooksOk", CNT(hooks_ok), 0 },
	{ "webhooksFailed", CNT(hooks_failed), 0 },
	{ "passes", CNT(passes), 0 },
};

#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))

/* The metrics.prom counters: rows with the same name share HELP and TYPE. */
struct metric {
	const char *name;
	const char *help;
	const char *label;     /* "result=\"ok\"" style, or NULL */
	size_t offset;
	int is_double;
};

static const struct metric metrics[] = {
	{ "hrdex_syncs_total", "Peer syncs by result.", "result=\"ok\"", CNT(syncs_ok), 0 },
	{ "hrdex_syncs_total", NULL, "result=\"unreachable\"", CNT(syncs_unreachable), 0 },
	{ "hrdex_syncs_total", NULL, "result=\"error\"", CNT(syncs_failed), 0 },
	{ "hrdex_branches_total", "Publisher branches offered by peers, by result.", "result=\"accepted\"",
	  CNT(branches_accepted), 0 },
	{ "hrdex_branches_total", NULL, "result=\"rejected\"", CNT(branches_rejected), 0 },
	{ "hrdex_documents_accepted_total", "Documents added, changed or withdrawn, by source.",
	  "source=\"peer\"", CNT(docs_from_peers), 0 },
	{ "hrdex_documents_accepted_total", NULL, "source=\"outbox\"", CNT(docs_published), 0 },
	{ "hrdex_documents_rejected_total", "Outbox documents rejected as invalid.", "source=\"outbox\"",
	  CNT(docs_rejected), 0 },
	{ "hrdex_fetch_bytes_total", "Bytes fetched from peers.", NULL, CNT(fetch_bytes), 0 },
	{ "hrdex_fetch_seconds_total", "Seconds spent fetching from peers.", NULL, CNT(fetch_seconds), 1 },
	{ "hrdex_outbox_processed_total", "Outbox files moved, by result.", "result=\"done\"",
	  CNT(outbox_done), 0 },
	{ "hrdex_outbox_processed_total", NULL, "result=\"rejected\"", CNT(outbox_rejected), 0 },
	{ "hrdex_webhook_deliveries_total", "Webhook delivery attempts, by result.", "result=\"ok\"",
	  CNT(hooks_ok), 0 },
	{ "hrdex_webhook_deliveries_total", NULL, "result=\"error\"", CNT(hooks_failed), 0 },
	{ "hrdex_passes_total", "Passes of the service loop.", NULL, CNT(passes), 0 },
};

void hrdex_status_release(struct hrdex_status *st)
{
	free(st->peers);
	free(st->publishers);
	free(st->hooks);
	free(st->network);
	free(st->resets);
	cJSON_Delete(st->rejections);
	memset(st, 0, sizeof(*st));
}

struct hrdex_status_peer *hrdex_status_peer(struct hrdex_status *st, const char *name)
{
	struct hrdex_status_peer *p;
	size_t i;

	for (i = 0; i < st->npeers; i++)
		if (!strcmp(st->peers[i].name, name))
			return &st->peers[i];
	p = realloc(st->peers, (st->npeers + 1) * sizeof(*p));
	if (!p)
		return NULL;
	st->peers = p;
	p = &p[st->npeers++];
	memset(p, 0, sizeof(*p));
	if (hrdex_fmt(p->name, sizeof(p->name), "%s", name) < 0)
		return NULL;
	return p;
}

struct hrdex_status_hook *hrdex_status_hook(struct hrdex_status *st, const char *name)
{
	struct hrdex_status_hook *h;
	size_t i;

	for (i = 0; i < st->nhooks; i++)
		if (!strcmp(st->hooks[i].name, name))
			return &st->hooks[i];
	h = realloc(st->hooks, (st->nhooks + 1) * sizeof(*h));
	if (!h)
		return NULL;
	st->hooks = h;
	h = &h[st->nhooks++];
	memset(h, 0, sizeof(*h));
	if (hrdex_fmt(h->name, sizeof(h->name), "%s", name) < 0)
		return NULL;
	return h;
}

void hrdex_status_prune_peers(struct hrdex_status *st, const struct hrdex_config *c)
{
	size_t i, j = 0;

	for (i = 0; i < st->npeers; i++)
		if (hrdex_config_peer(c, st->peers[i].name))
			st->peers[j++] = st->peers[i];
	st->npeers = j;
}

/* Documents in a publisher tree: blobs P/TYPE/NAME.json (readme.c counts them). */
static int count_documents(int64_t *out, git_repository *repo, git_tree *root, const char *publisher)
{
	size_t counts[HRDEX_NTYPES_MAX], t;
	git_tree_entry *pe = NULL;
	git_tree *pt = NULL;
	int ret = -1;

	*out = 0;
	if (git_tree_entry_bypath(&pe, root, publisher) < 0) {
		ret = 0; /* an empty log */
		goto cleanup;
	}
	if (git_tree_entry_type(pe) != GIT_OBJECT_TREE || git_tree_lookup(&pt, repo, git_tree_entry_id(pe)) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tree of '%s'", publisher);
		goto cleanup;
	}
	if (hrdex_readme_count(counts, repo, pt) < 0)
		goto cleanup;
	for (t = 0; t < (size_t)hrdex_ntypes(); t++)
		*out += (int64_t)counts[t];
	ret = 0;
cleanup:
	git_tree_free(pt);
	git_tree_entry_free(pe);
	return ret;
}

int hrdex_status_scan_publishers(struct hrdex_status *st, git_repository *repo)
{
	git_strarray names = { 0 };
	struct hrdex_status_publisher *list = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	size_t i, j, n = 0;
	int ret = -1;

	if (hrdex_repo_publishers(&names, repo) < 0)
		return -1;
	list = calloc(names.count + 1, sizeof(*list));
	if (!list) {
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < names.count; i++) {
		struct hrdex_status_publisher *p = &list[n];
		git_oid tip;

		if (hrdex_repo_tip(&tip, repo, names.strings[i]) != 0)
			continue;
		if (hrdex_fmt(p->id, sizeof(p->id), "%s", names.strings[i]) < 0)
			goto cleanup;
		git_oid_tostr(p->tip, sizeof(p->tip), &tip);
		for (j = 0; j < st->npublishers; j++) /* unchanged tip: reuse the count */
			if (!strcmp(st->publishers[j].id, p->id) && !strcmp(st->publishers[j].tip, p->tip))
				break;
		if (j < st->npublishers) {
			*p = st->publishers[j];
			n++;
			continue;
		}
		if (git_commit_lookup(&commit, repo, &tip) < 0 || git_commit_tree(&tree, commit) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tip of '%s'", p->id);
			goto cleanup;
		}
		p->commit_time = (int64_t)git_commit_time(commit);
		if (count_documents(&p->documents, repo, tree, p->id) < 0)
			goto cleanup;
		git_tree_free(tree);
		tree = NULL;
		git_commit_free(commit);
		commit = NULL;
		n++;
	}
	free(st->publishers);
	st->publishers = list;
	st->npublishers = n;
	list = NULL;
	ret = 0;
cleanup:
	free(list);
	git_tree_free(tree);
	git_commit_free(commit);
	git_strarray_dispose(&names);
	return ret;
}

static int count_held(const char *ref, const char *publisher, const char *commit, const char *reason, void *payload)
{
	struct hrdex_status *st = payload;
	size_t i;

	(void)ref;
	(void)commit;
	(void)reason;
	for (i = 0; i < st->npublishers; i++)
		if (!strcmp(st->publishers[i].id, publisher))
			st->publishers[i].held++;
	return 0;
}

void hrdex_status_scan_held(struct hrdex_status *st, const char *cache_path)
{
	struct hrdex_cache *c = NULL;
	size_t i;

	for (i = 0; i < st->npublishers; i++)
		st->publishers[i].held = 0;
	if (!cache_path || hrdex_cache_open(&c, cache_path, 1) < 0 || hrdex_cache_held(c, count_held, st) != 0)
		hrdex_error_clear();
	hrdex_cache_close(c);
}

/* ---- the network: the ledger of accepted tips and resets ---- */

int hrdex_status_scan_network(struct hrdex_status *st, const char *state_dir, const struct hrdex_signers *signers,
			      const struct hrdex_config *c, int64_t now)
{
	struct hrdex_ledger *l = NULL;
	size_t i, j;

	free(st->network);
	free(st->resets);
	st->network = NULL;
	st->resets = NULL;
	st->nnetwork = st->nresets = 0;
	st->stale_after = c->stale_after;
	if (hrdex_ledger_load(&l, state_dir) < 0)
		return -1;
	st->network = calloc((signers ? signers->count : 0) + 1, sizeof(*st->network));
	st->resets = calloc(l->nresets + 1, sizeof(*st->resets));
	if (!st->network || !st->resets) {
		hrdex_ledger_free(l);
		return hrdex_error_oom();
	}
	for (i = 0; signers && i < signers->count; i++) {
		const char *pub = signers->items[i].principal;
		const struct hrdex_ledger_entry *e;
		struct hrdex_status_network *n;
		int64_t last;

		if (signers->items[i].cert_authority || !hrdex_publisher_valid(pub) || !strcmp(pub, c->publisher))
			continue;
		for (j = 0; j < st->nnetwork && strcmp(st->network[j].id, pub); j++)
			;
		if (j < st->nnetwork)
			continue;
		n = &st->network[st->nnetwork++];
		snprintf(n->id, sizeof(n->id), "%s", pub); /* fits: a valid publisher id */
		e = hrdex_ledger_get(l, pub, 0, now);
		if (!e) {
			/* trusted, never seen by a sync: nothing to measure yet */
			continue;
		}
		n->moved = e->moved;
		n->offered = e->offered;
		n->since = e->since;
		last = n->moved > n->offered ? n->moved : n->offered;
		if (n->since > last)
			last = n->since;
		n->still_for = last ? now - last : 0;
		n->stale = last && n->still_for > c->stale_after;
	}
	for (i = 0; i < l->nresets; i++) {
		const struct hrdex_reset *r = &l->resets[i];
		struct hrdex_status_reset *o = &st->resets[st->nresets++];

		snprintf(o->publisher, sizeof(o->publisher), "%s", r->publisher); /* fits */
		git_oid_tostr(o->commit, sizeof(o->commit), &r->commit);
		if (!git_oid_is_zero(&r->from))
			git_oid_tostr(o->from, sizeof(o->from), &r->from);
		snprintf(o->abandoned, sizeof(o->abandoned), "%s", r->abandoned); /* same size */
		snprintf(o->by, sizeof(o->by), "%s", r->by); /* same size */
		if (hrdex_key_fingerprint(o->key, sizeof(o->key), r->key) < 0) {
			hrdex_ledger_free(l);
			return -1;
		}
		o->time = r->time;
	}
	hrdex_ledger_free(l);
	return 0;
}

int hrdex_status_stale_warnings(const struct hrdex_status *st, struct hrdex_problems *why)
{
	size_t i, before = why->count;

	for (i = 0; i < st->nnetwork; i++) {
		const struct hrdex_status_network *n = &st->network[i];

		if (n->stale &&
		    hrdex_problems_add(why, "", "stale", "publisher '%s': its branch has not moved and no peer offered "
				       "anything newer for %lld s (network.staleAfter is %lld): is the member frozen "
				       "or cut off?", n->id, (long long)n->still_for, (long long)st->stale_after) < 0)
			return -1;
	}
	return (int)(why->count - before);
}

/* ---- status.json ---- */

static void add_time(cJSON *o, const char *key, int64_t t)
{
	if (t)
		cJSON_AddNumberToObject(o, key, (double)t);
	else
		cJSON_AddNullToObject(o, key);
}

int hrdex_status_to_json(struct hrdex_buf *out, const struct hrdex_status *st)
{
	cJSON *o = cJSON_CreateObject(), *list, *e, *c;
	size_t i;
	int ret = -1;

	if (!o)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "publisher", st->publisher);
	cJSON_AddNumberToObject(o, "pid", (double)st->pid);
	add_time(o, "started", st->started);
	add_time(o, "updated", st->updated);
	add_time(o, "stopped", st->stopped);
	if (st->once)
		cJSON_AddTrueToObject(o, "once");
	list = cJSON_AddArrayToObject(o, "peers");
	for (i = 0; list && i < st->npeers; i++) {
		const struct hrdex_status_peer *p = &st->peers[i];

		e = cJSON_CreateObject();
		cJSON_AddItemToArray(list, e);
		cJSON_AddStringToObject(e, "name", p->name);
		add_time(e, "lastAttempt", p->last_attempt);
		add_time(e, "lastSuccess", p->last_success);
		add_time(e, "nextTry", p->next_try);
		cJSON_AddNumberToObject(e, "failures", (double)p->failures);
		cJSON_AddNumberToObject(e, "lastBytes", (double)p->last_bytes);
		cJSON_AddNumberToObject(e, "lastSeconds", p->last_seconds);
		if (p->error[0])
			cJSON_AddStringToObject(e, "error", p->error);
		else
			cJSON_AddNullToObject(e, "error");
	}
	list = cJSON_AddArrayToObject(o, "publishers");
	for (i = 0; list && i < st->npublishers; i++) {
		const struct hrdex_status_publisher *p = &st->publishers[i];

		e = cJSON_CreateObject();
		cJSON_AddItemToArray(list, e);
		cJSON_AddStringToObject(e, "id", p->id);
		cJSON_AddStringToObject(e, "tip", p->tip);
		add_time(e, "commitTime", p->commit_time);
		cJSON_AddNumberToObject(e, "documents", (double)p->documents);
		cJSON_AddNumberToObject(e, "held", (double)p->held);
	}
	list = cJSON_AddArrayToObject(o, "webhooks");
	for (i = 0; list && i < st->nhooks; i++) {
		const struct hrdex_status_hook *h = &st->hooks[i];

		e = cJSON_CreateObject();
		cJSON_AddItemToArray(list, e);
		cJSON_AddStringToObject(e, "name", h->name);
		cJSON_AddBoolToObject(e, "pending", h->pending);
		cJSON_AddNumberToObject(e, "attempts", (double)h->attempts);
		add_time(e, "nextTry", h->next_try);
		add_time(e, "lastDelivery", h->last_delivery);
		if (h->error[0])
			cJSON_AddStringToObject(e, "error", h->error);
		else
			cJSON_AddNullToObject(e, "error");
	}
	e = cJSON_AddObjectToObject(o, "outbox");
	if (e) {
		cJSON_AddNumberToObject(e, "pending", (double)st->outbox_pending);
		cJSON_AddNumberToObject(e, "done", (double)st->counters.outbox_done);
		cJSON_AddNumberToObject(e, "rejected", (double)st->counters.outbox_rejected);
	}
	cJSON_AddItemToObject(o, "rejections", st->rejections ? cJSON_Duplicate(st->rejections, 1)
								: cJSON_CreateArray());
	if (st->nnetwork || st->nresets) {
		cJSON *net = cJSON_AddObjectToObject(o, "network");

		list = net ? cJSON_AddArrayToObject(net, "publishers") : NULL;
		for (i = 0; list && i < st->nnetwork; i++) {
			const struct hrdex_status_network *n = &st->network[i];

			e = cJSON_CreateObject();
			cJSON_AddItemToArray(list, e);
			cJSON_AddStringToObject(e, "id", n->id);
			add_time(e, "moved", n->moved);
			add_time(e, "offered", n->offered);
			add_time(e, "since", n->since);
			cJSON_AddBoolToObject(e, "stale", n->stale);
		}
		list = net ? cJSON_AddArrayToObject(net, "resets") : NULL;
		for (i = 0; list && i < st->nresets; i++) {
			const struct hrdex_status_reset *r = &st->resets[i];

			e = cJSON_CreateObject();
			cJSON_AddItemToArray(list, e);
			cJSON_AddStringToObject(e, "publisher", r->publisher);
			cJSON_AddStringToObject(e, "commit", r->commit);
			if (r->from[0])
				cJSON_AddStringToObject(e, "from", r->from);
			if (r->abandoned[0])
				cJSON_AddStringToObject(e, "abandoned", r->abandoned);
			cJSON_AddStringToObject(e, "key", r->key);
			cJSON_AddStringToObject(e, "by", r->by[0] ? r->by : "hand");
			add_time(e, "time", r->time);
		}
		if (net)
			cJSON_AddNumberToObject(net, "staleAfter", (double)st->stale_after);
	}
	c = cJSON_AddObjectToObject(o, "counters");
	for (i = 0; c && i < NCOUNTERS; i++) {
		const char *base = (const char *)&st->counters + counters[i].offset;

		cJSON_AddNumberToObject(c, counters[i].key, counters[i].is_double ? *(const double *)base
										   : (double)*(const int64_t *)base);
	}
	ret = hrdex_json_canonical(out, o);
	cJSON_Delete(o);
	return ret;
}

static int64_t get_int(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? (int64_t)v->valuedouble : 0;
}

static void get_str(char *out, size_t size, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	hrdex_fmt_cut(out, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

int hrdex_status_from_json(struct hrdex_status *st, const char *data, size_t len)
{
	cJSON *o = NULL;
	const cJSON *list, *e, *c;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (hrdex_json_parse(&o, data, len, NULL) < 0)
		return -1;
	if (!cJSON_IsObject(o) || get_int(o, "version") != 1) {
		cJSON_Delete(o);
		return hrdex_error_set(HRDEX_E_INVALID, "not an hrdex status (version 1)");
	}
	st->started = get_int(o, "started");
	st->updated = get_int(o, "updated");
	st->pid = get_int(o, "pid");
	st->stopped = get_int(o, "stopped");
	st->once = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "once"));
	get_str(st->publisher, sizeof(st->publisher), o, "publisher");
	list = cJSON_GetObjectItemCaseSensitive(o, "peers");
	cJSON_ArrayForEach(e, list) {
		char name[65];
		struct hrdex_status_peer *p;
		const cJSON *secs = cJSON_GetObjectItemCaseSensitive(e, "lastSeconds");

		get_str(name, sizeof(name), e, "name");
		if (!name[0] || !(p = hrdex_status_peer(st, name)))
			continue;
		p->last_attempt = get_int(e, "lastAttempt");
		p->last_success = get_int(e, "lastSuccess");
		p->next_try = get_int(e, "nextTry");
		p->failures = get_int(e, "failures");
		p->last_bytes = get_int(e, "lastBytes");
		p->last_seconds = cJSON_IsNumber(secs) ? secs->valuedouble : 0;
		get_str(p->error, sizeof(p->error), e, "error");
	}
	list = cJSON_GetObjectItemCaseSensitive(o, "publishers");
	i = (size_t)cJSON_GetArraySize(list);
	st->publishers = calloc(i + 1, sizeof(*st->publishers));
	if (!st->publishers) {
		cJSON_Delete(o);
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	}
	cJSON_ArrayForEach(e, list) {
		struct hrdex_status_publisher *p = &st->publishers[st->npublishers++];

		get_str(p->id, sizeof(p->id), e, "id");
		get_str(p->tip, sizeof(p->tip), e, "tip");
		p->commit_time = get_int(e, "commitTime");
		p->documents = get_int(e, "documents");
		p->held = get_int(e, "held");
	}
	list = cJSON_GetObjectItemCaseSensitive(o, "webhooks");
	cJSON_ArrayForEach(e, list) {
		char name[65];
		struct hrdex_status_hook *h;

		get_str(name, sizeof(name), e, "name");
		if (!name[0] || !(h = hrdex_status_hook(st, name)))
			continue;
		h->pending = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "pending"));
		h->attempts = get_int(e, "attempts");
		h->next_try = get_int(e, "nextTry");
		h->last_delivery = get_int(e, "lastDelivery");
		get_str(h->error, sizeof(h->error), e, "error");
	}
	st->outbox_pending = get_int(cJSON_GetObjectItemCaseSensitive(o, "outbox"), "pending");
	e = cJSON_GetObjectItemCaseSensitive(o, "rejections");
	if (e && !cJSON_IsNull(e))
		st->rejections = cJSON_Duplicate(e, 1);
	c = cJSON_GetObjectItemCaseSensitive(o, "counters");
	for (i = 0; i < NCOUNTERS; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, counters[i].key);
		char *base = (char *)&st->counters + counters[i].offset;

		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
			continue;
		if (counters[i].is_double)
			*(double *)base = v->valuedouble;
		else
			*(int64_t *)base = (int64_t)v->valuedouble;
	}
	cJSON_Delete(o);
	return 0;
}

/* ---- metrics.prom ---- */

int hrdex_status_escape_label(struct hrdex_buf *out, const char *s)
{
	for (; *s; s++) {
		int r;

		if (*s == '\\')
			r = hrdex_buf_puts(out, "\\\\");
		else if (*s == '"')
			r = hrdex_buf_puts(out, "\\\"");
		else if (*s == '\n')
			r = hrdex_buf_puts(out, "\\n");
		else
			r = hrdex_buf_putc(out, *s);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int header(struct hrdex_buf *b, const char *name, const char *type, const char *help)
{
	return hrdex_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One gauge sample: NAME{KEY="VALUE"} NUMBER */
static int sample(struct hrdex_buf *b, const char *name, const char *key, const char *value, double v)
{
	if (hrdex_buf_printf(b, "%s", name) < 0)
		return -1;
	if (key && (hrdex_buf_printf(b, "{%s=\"", key) < 0 || hrdex_status_escape_label(b, value) < 0 ||
		    hrdex_buf_puts(b, "\"}") < 0))
		return -1;
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return hrdex_buf_printf(b, " %.0f\n", v);
	return hrdex_buf_printf(b, " %.17g\n", v);
}

int hrdex_status_metrics(struct hrdex_buf *b, const struct hrdex_status *st)
{
	size_t i;

#define TRY(x) do { if ((x) < 0) return -1; } while (0)
	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
		const struct metric *m = &metrics[i];
		const char *base = (const char *)&st->counters + m->offset;
		double v = m->is_double ? *(const double *)base : (double)*(const int64_t *)base;

		if (m->help)
			TRY(header(b, m->name, "counter", m->help));
		if (m->label)
			TRY(hrdex_buf_printf(b, "%s{%s}", m->name, m->label));
		else
			TRY(hrdex_buf_puts(b, m->name));
		if (m->is_double)
			TRY(hrdex_buf_printf(b, " %.6f\n", v));
		else
			TRY(hrdex_buf_printf(b, " %.0f\n", v));
	}
	TRY(header(b, "hrdex_up", "gauge", "1 while the service runs passes (see hrdex_last_pass_timestamp_seconds), 0 once it stopped."));
	TRY(sample(b, "hrdex_up", NULL, NULL, st->stopped ? 0 : 1));
	TRY(header(b, "hrdex_start_timestamp_seconds", "gauge", "When the service started, unix time."));
	TRY(sample(b, "hrdex_start_timestamp_seconds", NULL, NULL, (double)st->started));
	TRY(header(b, "hrdex_last_pass_timestamp_seconds", "gauge", "When the last pass ended, unix time."));
	TRY(sample(b, "hrdex_last_pass_timestamp_seconds", NULL, NULL, (double)st->updated));
	TRY(header(b, "hrdex_outbox_pending", "gauge", "Files waiting in the outbox."));
	TRY(sample(b, "hrdex_outbox_pending", NULL, NULL, (double)st->outbox_pending));
	if (st->npeers) {
		TRY(header(b, "hrdex_peer_up", "gauge", "1 when the last sync of the peer succeeded."));
		for (i = 0; i < st->npeers; i++)
			TRY(sample(b, "hrdex_peer_up", "peer", st->peers[i].name,
				   st->peers[i].last_attempt && !st->peers[i].failures));
		TRY(header(b, "hrdex_peer_consecutive_failures", "gauge", "Failed syncs since the last success."));
		for (i = 0; i < st->npeers; i++)
			TRY(sample(b, "hrdex_peer_consecutive_failures", "peer", st->peers[i].name,
				   (double)st->peers[i].failures));
		TRY(header(b, "hrdex_peer_last_success_timestamp_seconds", "gauge",
			   "When the peer last synced successfully, unix time (0: never)."));
		for (i = 0; i < st->npeers; i++)
			TRY(sample(b, "hrdex_peer_last_success_timestamp_seconds", "peer", st->peers[i].name,
				   (double)st->peers[i].last_success));
		TRY(header(b, "hrdex_peer_next_try_timestamp_seconds", "gauge",
			   "When the service syncs the peer next, unix time."));
		for (i = 0; i < st->npeers; i++)
			TRY(sample(b, "hrdex_peer_next_try_timestamp_seconds", "peer", st->peers[i].name,
				   (double)st->peers[i].next_try));
	}
	if (st->npublishers) {
		TRY(header(b, "hrdex_publisher_documents", "gauge", "Current documents of the publisher."));
		for (i = 0; i < st->npublishers; i++)
			TRY(sample(b, "hrdex_publisher_documents", "publisher", st->publishers[i].id,
				   (double)st->publishers[i].documents));
		TRY(header(b, "hrdex_documents_held", "gauge",
			   "Documents of the publisher's branch a document rule holds (left out of main, view/, "
			   "the cache and the site)."));
		for (i = 0; i < st->npublishers; i++)
			TRY(sample(b, "hrdex_documents_held", "publisher", st->publishers[i].id,
				   (double)st->publishers[i].held));
		TRY(header(b, "hrdex_publisher_commit_timestamp_seconds", "gauge",
			   "Commit time of the publisher's tip, unix time."));
		for (i = 0; i < st->npublishers; i++)
			TRY(sample(b, "hrdex_publisher_commit_timestamp_seconds", "publisher", st->publishers[i].id,
				   (double)st->publishers[i].commit_time));
	}
	if (st->nnetwork) {
		TRY(header(b, "hrdex_publisher_stale", "gauge",
			   "1 when the trusted publisher's branch has not moved and no peer offered anything newer "
			   "for network.staleAfter (frozen or cut off)."));
		for (i = 0; i < st->nnetwork; i++)
			TRY(sample(b, "hrdex_publisher_stale", "publisher", st->network[i].id, st->network[i].stale));
		TRY(header(b, "hrdex_publisher_still_seconds", "gauge",
			   "Seconds since the publisher's branch last moved or a peer offered anything newer."));
		for (i = 0; i < st->nnetwork; i++)
			TRY(sample(b, "hrdex_publisher_still_seconds", "publisher", st->network[i].id,
				   (double)st->network[i].still_for));
	}
	TRY(header(b, "hrdex_branch_resets", "gauge",
		   "Sanctioned resets of publisher branches this agent recorded (hrdex trust reset, the registry's revocations)."));
	TRY(sample(b, "hrdex_branch_resets", NULL, NULL, (double)st->nresets));
	if (st->nresets) {
		TRY(header(b, "hrdex_branch_last_reset_timestamp_seconds", "gauge",
			   "When the publisher's branch was last reset, unix time."));
		for (i = 0; i < st->nresets; i++) {
			size_t j;

			for (j = i + 1; j < st->nresets && strcmp(st->resets[j].publisher, st->resets[i].publisher); j++)
				;
			if (j == st->nresets) /* the newest of this publisher */
				TRY(sample(b, "hrdex_branch_last_reset_timestamp_seconds", "publisher",
					   st->resets[i].publisher, (double)st->resets[i].time));
		}
	}
	if (st->nhooks) {
		TRY(header(b, "hrdex_webhook_pending", "gauge", "1 when a change summary waits for delivery."));
		for (i = 0; i < st->nhooks; i++)
			TRY(sample(b, "hrdex_webhook_pending", "webhook", st->hooks[i].name, st->hooks[i].pending));
		TRY(header(b, "hrdex_webhook_failed_attempts", "gauge", "Failed attempts of the pending summary."));
		for (i = 0; i < st->nhooks; i++)
			TRY(sample(b, "hrdex_webhook_failed_attempts", "webhook", st->hooks[i].name,
				   (double)st->hooks[i].attempts));
	}
#undef TRY
	return 0;
}

/* ---- files ---- */

static int write_file(const char *dir, const char *name, const struct hrdex_buf *b)
{
	char *path = hrdex_path_join(dir, name);
	int r;

	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	r = hrdex_fs_write_atomic(path, b->ptr ? b->ptr : "", b->len, 0644);
	free(path);
	return r;
}

int hrdex_status_write(const struct hrdex_status *st, const char *dir)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	int ret = -1;

	if (hrdex_status_to_json(&b, st) < 0 || write_file(dir, "status.json", &b) < 0)
		goto cleanup;
	hrdex_buf_clear(&b);
	if (hrdex_status_metrics(&b, st) < 0 || write_file(dir, "metrics.prom", &b) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&b);
	return ret;
}

int hrdex_status_read(struct hrdex_status *st, const char *dir)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char *path = hrdex_path_join(dir, "status.json");
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	if (hrdex_fs_read(&b, path, STATUS_MAX) < 0)
		goto cleanup;
	if (hrdex_status_from_json(st, b.ptr, b.len) < 0) {
		char msg[1024];

		hrdex_fmt_cut(msg, sizeof(msg), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_E_INVALID, "%s: %s", path, msg);
		goto cleanup;
	}
	ret = 0;
cleanup:
	hrdex_buf_free(&b);
	free(path);
	return ret;
}

int hrdex_status_read_rejections(cJSON **out, const char *dir)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char *path = hrdex_path_join(dir, "rejections.json");
	cJSON *v = NULL, *list;
	int ret = -1;

	*out = NULL;
	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	if (!hrdex_fs_exists(path)) {
		ret = 0;
		goto cleanup;
	}
	if (hrdex_fs_read(&b, path, STATUS_MAX) < 0 || hrdex_json_parse(&v, b.ptr, b.len, NULL) < 0)
		goto cleanup;
	list = cJSON_IsArray(v) ? v : cJSON_DetachItemFromObjectCaseSensitive(v, "rejections");
	if (!cJSON_IsArray(list)) {
		if (list != v)
			cJSON_Delete(list);
		hrdex_error_set(HRDEX_E_INVALID, "%s: no \"rejections\" array", path);
		goto cleanup;
	}
	if (list != v)
		cJSON_Delete(v);
	v = NULL;
	*out = list;
	ret = 0;
cleanup:
	cJSON_Delete(v);
	hrdex_buf_free(&b);
	free(path);
	return ret;
}

static int of_peer(const cJSON *e, const char *peer)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "peer");

	return !cJSON_IsString(p) || !strcmp(p->valuestring, peer);
}

int hrdex_status_merge_rejections(struct hrdex_status *st, const cJSON *list, const char *peer)
{
	cJSON *e, *next;

	if (!st->rejections && !(st->rejections = cJSON_CreateArray()))
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	if (!cJSON_IsArray(st->rejections)) { /* an older status.json: start over */
		cJSON_Delete(st->rejections);
		if (!(st->rejections = cJSON_CreateArray()))
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	}
	for (e = st->rejections->child; e; e = next) {
		next = e->next;
		if (of_peer(e, peer))
			cJSON_Delete(cJSON_DetachItemViaPointer(st->rejections, e));
	}
	cJSON_ArrayForEach(e, list) {
		cJSON *copy;

		if (!of_peer(e, peer))
			continue;
		copy = cJSON_Duplicate(e, 1);
		if (!copy || !cJSON_AddItemToArray(st->rejections, copy)) {
			cJSON_Delete(copy);
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		}
	}
	return 0;
}

void hrdex_status_prune_rejections(struct hrdex_status *st, const struct hrdex_config *c)
{
	cJSON *e, *next;

	if (!cJSON_IsArray(st->rejections))
		return;
	for (e = st->rejections->child; e; e = next) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "peer");

		next = e->next;
		if (cJSON_IsString(p) && !hrdex_config_peer(c, p->valuestring))
			cJSON_Delete(cJSON_DetachItemViaPointer(st->rejections, e));
	}
}

/* ---- health ---- */

int hrdex_status_service_running(const char *dir)
{
	char *path = hrdex_path_join(dir, "run.pid");
	int fd, r;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? -1 : 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		r = -1;
	else
		r = errno == EWOULDBLOCK ? 1 : 0;
	close(fd); /* releases a lock we took */
	return r;
}

int hrdex_status_health(const struct hrdex_status *st, const struct hrdex_config *c, int64_t now,
			struct hrdex_problems *why)
{
	size_t i, before = why->count;

#define ADD(...) do { if (hrdex_problems_add(why, "", "health", __VA_ARGS__) < 0) return -1; } while (0)
	if (!st->updated)
		ADD("no status.json: is 'hrdex run' running?");
	else if (st->service < 0 && st->stopped)
		ADD("'hrdex run' is not running: it stopped %lld s ago", (long long)(now - st->stopped));
	else if (st->service < 0 && !st->once)
		ADD("'hrdex run' is not running: pid %lld is gone without stopping cleanly",
		    (long long)st->pid);
	else if (now - st->updated > c->status_max_age)
		ADD("status.json was last written %lld s ago (status.maxAge is %lld); is 'hrdex run' running?",
		    (long long)(now - st->updated), (long long)c->status_max_age);
	for (i = 0; i < st->npeers; i++) {
		const struct hrdex_status_peer *p = &st->peers[i];

		if (!hrdex_config_peer(c, p->name))
			continue;
		if (p->failures >= c->status_max_failures)
			ADD("peer '%s': %lld consecutive failures (status.maxFailures is %lld): %s", p->name,
			    (long long)p->failures, (long long)c->status_max_failures, p->error);
		else if (p->last_success && now - p->last_success > c->status_max_age)
			ADD("peer '%s': no successful sync for %lld s (status.maxAge is %lld)", p->name,
			    (long long)(now - p->last_success), (long long)c->status_max_age);
		else if (!p->last_success && p->last_attempt && st->started &&
			 now - st->started > c->status_max_age)
			ADD("peer '%s': never synced successfully", p->name);
	}
	for (i = 0; i < st->nhooks; i++)
		if (st->hooks[i].pending && st->hooks[i].attempts >= c->status_max_failures)
			ADD("webhook '%s': %lld failed deliveries: %s", st->hooks[i].name,
			    (long long)st->hooks[i].attempts, st->hooks[i].error);
#undef ADD
	return (int)(why->count - before);
}
