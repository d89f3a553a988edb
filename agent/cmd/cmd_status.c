/*
 * cmd_status.c - hrdex status [--json]
 */
#include "cache.h"
#include "buf.h"
#include "cmd.h"
#include "error.h"
#include "json.h"
#include "revoke.h"
#include "outbox.h"
#include "state.h"
#include "status.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char status_usage[] =
	"usage: hrdex [-C DIR] status [--json]\n"
	"\n"
	"Show the service's health from status.json (peers, webhooks, counters),\n"
	"with the publishers and the outbox read now.  Exit 2 when unhealthy:\n"
	"'hrdex run' not running (nobody holds run.pid; a 'run --once' pass is\n"
	"judged by age), status.json older than status.maxAge, a peer or\n"
	"webhook with status.maxFailures consecutive failures, or a peer without a\n"
	"successful sync for status.maxAge seconds, or no readable cache.db.\n"
	"The cache line says how many documents scripts can query and whether\n"
	"the cache is behind the branches: while a command runs, it catches up\n"
	"before it ends; behind with none running is unhealthy (any command that\n"
	"changes something, or 'hrdex run --once', brings it up).  A held line\n"
	"counts the documents a document rule keeps from view, with the first\n"
	"reasons ('hrdex query --held' lists them all); held documents do not\n"
	"make the agent unhealthy.\n"
	"\n"
	"A warning (\"warnings\" in --json; no effect on the exit status) names\n"
	"each trusted publisher whose branch has not moved, with no peer\n"
	"offering anything newer, for network.staleAfter seconds: a member that\n"
	"stopped publishing, or a peer freezing what this agent sees, and each\n"
	"revocation of the registry that is held (nothing moved; the reason\n"
	"says why).  Resets, made with 'hrdex trust reset' or by the registry's\n"
	"revocations, are listed oldest first, with who sanctioned them.\n";

/* What scripts can query now: read from cache.db, not from status.json. */
struct cache_health {
	int readable;
	int kind;                    /* when not readable: HRDEX_E_NOTFOUND if there is none */
	int64_t documents;
	size_t behind;               /* branches whose tip the cache has not indexed */
	char *first;                 /* the first of them */
	char error[256];             /* when not readable */
	int64_t held;                /* documents a document rule holds */
	char *held_first[3];         /* "REF: reason" of the first ones */
};

static int note_held(const char *ref, const char *publisher, const char *commit, const char *reason, void *payload)
{
	struct cache_health *h = payload;
	size_t n = sizeof(h->held_first) / sizeof(h->held_first[0]);
	char *line;

	(void)publisher;
	(void)commit;
	if (h->held < (int64_t)n) {
		if (asprintf(&line, "%s: %s", ref, reason) < 0)
			return hrdex_error_oom();
		h->held_first[h->held] = line;
	}
	h->held++;
	return 0;
}

static void cache_health_free(struct cache_health *h)
{
	size_t i;

	free(h->first);
	for (i = 0; i < sizeof(h->held_first) / sizeof(h->held_first[0]); i++)
		free(h->held_first[i]);
}

static void cache_health(struct cache_health *h, struct hrdex_state *s)
{
	struct hrdex_cache *c = NULL;
	struct hrdex_cache_stats stats;
	char *path = hrdex_state_path(s, "cache.db");

	memset(h, 0, sizeof(*h));
	if (path && hrdex_cache_open(&c, path, 1) == 0 && hrdex_cache_stats(c, &stats) == 0 &&
	    hrdex_cache_lag(c, s->repo, &h->behind, &h->first) == 0 && hrdex_cache_held(c, note_held, h) == 0) {
		h->readable = 1;
		h->documents = stats.documents;
	} else {
		h->kind = path ? hrdex_error_kind() : HRDEX_E_INTERNAL;
		hrdex_fmt_cut(h->error, sizeof(h->error), "%s", path ? hrdex_error_message() : "out of memory");
	}
	hrdex_cache_close(c);
	free(path);
}

static void print_cache(const struct cache_health *h)
{
	if (!h->readable)
		hrdex_text_line(stdout, "cache: not readable: %s", h->error);
	else if (!h->behind)
		hrdex_text_line(stdout, "cache: %lld document%s, up to date", (long long)h->documents,
				h->documents == 1 ? "" : "s");
	else
		hrdex_text_line(stdout, "cache: %lld document%s, behind on %zu branch%s ('%s'%s): the next sync or "
				"publish catches up", (long long)h->documents, h->documents == 1 ? "" : "s", h->behind,
		       h->behind == 1 ? "" : "es", h->first ? h->first : "?", h->behind > 1 ? "..." : "");
	if (h->readable && h->held) {
		size_t i;

		hrdex_text_line(stdout, "held: %lld document%s a document rule keeps from view ('hrdex query --held'):",
				(long long)h->held, h->held == 1 ? "" : "s");
		for (i = 0; i < sizeof(h->held_first) / sizeof(h->held_first[0]) && h->held_first[i]; i++)
			hrdex_text_line(stdout, "  %s", h->held_first[i]);
		if (h->held > (int64_t)i)
			hrdex_text_line(stdout, "  ...");
	}
}

/* "3 s", "5 min", "2 h", "4 d" */
static void ago(char *out, size_t size, int64_t secs)
{
	if (secs < 0)
		secs = -secs;
	if (secs < 120)
		snprintf(out, size, "%lld s", (long long)secs); /* fits: a number */
	else if (secs < 7200)
		snprintf(out, size, "%lld min", (long long)(secs / 60)); /* fits: a number */
	else if (secs < 2 * 86400)
		snprintf(out, size, "%lld h", (long long)(secs / 3600)); /* fits: a number */
	else
		snprintf(out, size, "%lld d", (long long)(secs / 86400)); /* fits: a number */
}

static void print_rejection(const cJSON *r)
{
	static const char *const keys[] = { "peer", "publisher", "branch", "rule", "commit", "reason", "time" };
	struct hrdex_buf line = HRDEX_BUF_INIT;
	char *text = NULL;
	size_t i;

	for (i = 0; cJSON_IsObject(r) && i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, keys[i]);

		if (cJSON_IsString(v) &&
		    hrdex_buf_printf(&line, "%s%s=%s", line.len ? " " : "", keys[i], v->valuestring) < 0)
			break;
	}
	if (!line.len)
		text = cJSON_PrintUnformatted(r);
	/* Reasons name tree entries and commits from a peer: one escaped line. */
	hrdex_text_line(stdout, "  %s", line.len ? line.ptr : text ? text : "?");
	free(text);
	hrdex_buf_free(&line);
}

static void print_human(const struct hrdex_status *st, const struct hrdex_config *c,
			const struct hrdex_problems *why, const struct hrdex_problems *warn, int have_status,
			int64_t now, const struct cache_health *cache)
{
	char a[32], b[32];
	size_t i;

	hrdex_text_line(stdout, "%s: %s", c->publisher, why->count ? "unhealthy" : "healthy");
	if (have_status) {
		ago(a, sizeof(a), now - st->updated);
		ago(b, sizeof(b), now - st->started);
		if (st->service < 0 && st->stopped) {
			ago(b, sizeof(b), now - st->stopped);
			printf("  not running: 'hrdex run' (pid %lld) stopped %s ago\n", (long long)st->pid, b);
		} else if (st->service < 0 && !st->once) {
			printf("  not running: 'hrdex run' (pid %lld) is gone; status written %s ago\n",
			       (long long)st->pid, a);
		} else {
			printf("  status written %s ago by pid %lld (service started %s ago)\n", a,
			       (long long)st->pid, b);
		}
	} else {
		hrdex_text_line(stdout, "  no status.json: 'hrdex run' has not run here");
	}
	for (i = 0; i < why->count; i++)
		hrdex_text_line(stdout, "  problem: %s", why->items[i].message);
	for (i = 0; i < warn->count; i++)
		hrdex_text_line(stdout, "  warning: %s", warn->items[i].message);
	if (c->npeers) {
		hrdex_text_line(stdout, "peers:");
		for (i = 0; i < c->npeers; i++) {
			const struct hrdex_status_peer *p = NULL;
			size_t j;

			for (j = 0; j < st->npeers; j++)
				if (!strcmp(st->peers[j].name, c->peers[i].name))
					p = &st->peers[j];
			if (!p || !p->last_attempt) {
				hrdex_text_line(stdout, "  %-16s not tried yet  %s", c->peers[i].name, c->peers[i].url);
				continue;
			}
			if (p->last_success)
				ago(a, sizeof(a), now - p->last_success);
			ago(b, sizeof(b), p->next_try - now);
			if (!p->failures)
				hrdex_text_line(stdout, "  %-16s ok            last success %s ago, next %s %s", p->name, a,
				       p->next_try >= now ? "in" : "overdue by", b);
			else
				hrdex_text_line(stdout, "  %-16s failing (%lld)  %s%s%snext %s %s: %s", p->name, (long long)p->failures,
				       p->last_success ? "last success " : "never synced", p->last_success ? a : "",
				       p->last_success ? " ago, " : ", ", p->next_try >= now ? "in" : "overdue by", b,
				       p->error);
		}
	}
	if (st->npublishers) {
		hrdex_text_line(stdout, "publishers:");
		for (i = 0; i < st->npublishers; i++) {
			const struct hrdex_status_publisher *p = &st->publishers[i];
			time_t t = (time_t)p->commit_time;
			struct tm tm;
			char when[32] = "";

			if (gmtime_r(&t, &tm))
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
			const char *name = hrdex_config_publisher_name(c, p->id);

			hrdex_text_line(stdout, "  %-16s %6lld document%s  tip %.12s  %s%s%s%s", p->id, (long long)p->documents,
			       p->documents == 1 ? " " : "s", p->tip, when, strcmp(p->id, c->publisher) ? "" : "  (us)",
			       name ? "  " : "", name ? name : "");
		}
	}
	if (st->nresets) {
		hrdex_text_line(stdout, "resets (sanctioned moves back, oldest first):");
		for (i = 0; i < st->nresets; i++) {
			const struct hrdex_status_reset *r = &st->resets[i];
			time_t t = (time_t)r->time;
			struct tm tm;
			char when[32] = "";

			if (gmtime_r(&t, &tm))
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
			hrdex_text_line(stdout, "  %-16s reset to %.12s on %s, continued by key %s%s%s%s%s; by %s", r->publisher,
					r->commit, when, r->key, r->from[0] ? "; abandoned " : "",
					r->from[0] ? r->from : "", r->abandoned[0] ? " kept as " : "", r->abandoned,
					r->by[0] ? r->by : "hand (trust reset)");
		}
	}
	print_cache(cache);
	hrdex_text_line(stdout, "outbox: %lld pending, %lld done, %lld rejected (since counters began)",
	       (long long)st->outbox_pending, (long long)st->counters.outbox_done,
	       (long long)st->counters.outbox_rejected);
	if (st->nhooks) {
		hrdex_text_line(stdout, "webhooks:");
		for (i = 0; i < st->nhooks; i++) {
			const struct hrdex_status_hook *h = &st->hooks[i];

			if (!h->pending) {
				if (h->last_delivery)
					ago(a, sizeof(a), now - h->last_delivery);
				hrdex_text_line(stdout, "  %-16s idle%s%s%s", h->name, h->last_delivery ? ", last delivery " : "",
				       h->last_delivery ? a : "", h->last_delivery ? " ago" : "");
				continue;
			}
			ago(b, sizeof(b), h->next_try - now);
			hrdex_text_line(stdout, "  %-16s pending, %lld failed attempt%s, next %s %s%s%s", h->name,
			       (long long)h->attempts, h->attempts == 1 ? "" : "s", h->next_try >= now ? "in" : "overdue by",
			       b, h->error[0] ? ": " : "", h->error);
		}
	}
	if (cJSON_GetArraySize(st->rejections) > 0) {
		const cJSON *r;

		hrdex_text_line(stdout, "rejections (the last sync of each peer):");
		cJSON_ArrayForEach(r, st->rejections)
			print_rejection(r);
	}
	printf("counters: %lld syncs ok, %lld unreachable, %lld failed; %lld branches rejected; "
	       "%lld bytes fetched\n", (long long)st->counters.syncs_ok, (long long)st->counters.syncs_unreachable,
	       (long long)st->counters.syncs_failed, (long long)st->counters.branches_rejected,
	       (long long)st->counters.fetch_bytes);
}

static int print_json(const struct hrdex_status *st, const struct hrdex_problems *why,
		      const struct hrdex_problems *warn, const struct cache_health *cache)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	cJSON *o = NULL, *list, *wlist, *co, *held = NULL;
	size_t i;
	int ret = -1;

	if (hrdex_status_to_json(&b, st) < 0 || hrdex_json_parse(&o, b.ptr, b.len, NULL) < 0)
		goto cleanup;
	if (!(co = cJSON_AddObjectToObject(o, "cache")) ||
	    (cache->readable ? !cJSON_AddNumberToObject(co, "documents", (double)cache->documents) ||
				       !cJSON_AddNumberToObject(co, "behind", (double)cache->behind) ||
				       (cache->first && !cJSON_AddStringToObject(co, "first_behind", cache->first)) ||
				       !cJSON_AddNumberToObject(co, "held", (double)cache->held) ||
				       !(held = cJSON_AddArrayToObject(co, "first_held"))
			     : !cJSON_AddStringToObject(co, "error", cache->error)) ||
	    (st->service && !cJSON_AddBoolToObject(o, "running", st->service > 0)) ||
	    !cJSON_AddBoolToObject(o, "healthy", why->count == 0) ||
	    !(list = cJSON_AddArrayToObject(o, "problems")) ||
	    !(wlist = cJSON_AddArrayToObject(o, "warnings"))) {
		hrdex_error_oom();
		goto cleanup;
	}
	for (i = 0; held && i < sizeof(cache->held_first) / sizeof(cache->held_first[0]) && cache->held_first[i]; i++)
		if (cmd_json_push_string(held, cache->held_first[i]) < 0)
			goto cleanup;
	for (i = 0; i < why->count; i++)
		if (cmd_json_push_string(list, why->items[i].message) < 0)
			goto cleanup;
	for (i = 0; i < warn->count; i++)
		if (cmd_json_push_string(wlist, warn->items[i].message) < 0)
			goto cleanup;
	if (cmd_print_json(o) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	cJSON_Delete(o);
	hrdex_buf_free(&b);
	return ret;
}

/* A registry's revocation that the last pass held (revoke.h): nothing
 * moved, and the operator should hear why. */
static int revocation_warnings(const char *dir, struct hrdex_problems *warn)
{
	cJSON *root = NULL;
	const cJSON *e;
	int ret = 0;

	if (hrdex_revoke_load(&root, dir) < 0)
		return -1;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "revocations")) {
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(e, "ref");
		const cJSON *state = cJSON_GetObjectItemCaseSensitive(e, "state");
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(e, "reason");

		if (!cJSON_IsString(ref) || !cJSON_IsString(state) || strcmp(state->valuestring, "held"))
			continue;
		if (hrdex_problems_add(warn, "/network/revocations", "revocation", "the registry's revocation in '%s' is "
				       "held, nothing moved: %s", ref->valuestring,
				       cJSON_IsString(why) ? why->valuestring : "?") < 0) {
			ret = -1;
			break;
		}
	}
	cJSON_Delete(root);
	return ret;
}

int cmd_status(int argc, char **argv, struct hrdex_global *g)
{
	struct hrdex_state *s = NULL;
	struct hrdex_status st;
	struct hrdex_problems why = HRDEX_PROBLEMS_INIT, warn = HRDEX_PROBLEMS_INIT;
	struct cache_health cache = { 0 };
	int64_t now = (int64_t)time(NULL);
	char *dir = NULL;
	int first, json = g->json, have_status = 0, ret = -1;
	const struct cmd_opt opts[] = {
		{ "json", 0, CMD_FLAG, &json, NULL, "the status as JSON, with \"running\", \"healthy\" and \"problems\"\nadded" },
		{ NULL, 0, 0, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { status_usage, opts, NULL };

	memset(&st, 0, sizeof(st));
	if ((ret = cmd_parse(argc, argv, &spec, &first)) != CMD_GO)
		return ret;
	ret = -1;
	if (first < argc)
		return cmd_usage_error(status_usage, "status takes no arguments");
	if (cmd_open(g, 0, &dir, &s) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (hrdex_status_read(&st, dir) == 0) {
		have_status = 1;
	} else if (hrdex_error_kind() != HRDEX_E_NOTFOUND) {
		ret = cmd_fail();
		goto cleanup;
	}
	/* Publishers and the outbox as they are now; rejections as the service
	 * gathered them per peer, else as the last `hrdex sync` left them. */
	if (hrdex_status_scan_publishers(&st, s->repo) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	{
		char *cache_path = hrdex_state_path(s, "cache.db");

		hrdex_status_scan_held(&st, cache_path);
		free(cache_path);
	}
	if (!have_status) {
		cJSON_Delete(st.rejections);
		if (hrdex_status_read_rejections(&st.rejections, dir) < 0) {
			ret = cmd_fail();
			goto cleanup;
		}
	}
	st.service = hrdex_status_service_running(dir);
	st.outbox_pending = (int64_t)hrdex_outbox_pending(s);
	snprintf(st.publisher, sizeof(st.publisher), "%s", s->config->publisher); /* fits: a valid publisher id */
	if (hrdex_status_health(&st, s->config, now, &why) < 0 ||
	    hrdex_status_scan_network(&st, dir, s->signers, s->config, now) < 0 ||
	    hrdex_status_stale_warnings(&st, &warn) < 0 || revocation_warnings(dir, &warn) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	/* Unreadable is a problem, every query fails, unless nothing was
	 * published or accepted yet. */
	cache_health(&cache, s);
	/* Behind with no command under way: nothing is catching up (a run
	 * killed between its ref move and its refresh), and scripts get stale
	 * rows until one does (refresh.h, hrdex_refresh_catch_up). */
	if (cache.readable && cache.behind && hrdex_state_lock_held(s) == 0 &&
	    hrdex_problems_add(&why, "/cache", "cache", "the cache is behind %zu branch%s ('%s'%s) and no command "
			       "is catching up; run 'hrdex run --once'", cache.behind, cache.behind == 1 ? "" : "es",
			       cache.first ? cache.first : "?", cache.behind > 1 ? "..." : "") < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (!cache.readable && (cache.kind != HRDEX_E_NOTFOUND || st.npublishers) &&
	    hrdex_problems_add(&why, "/cache", "cache", "the cache cannot be read (%s)%s", cache.error,
			       /* reindex cannot mend another account's access */
			       cache.kind == HRDEX_E_PERMISSION ? "" : "; run 'hrdex reindex'") < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (json) {
		if (print_json(&st, &why, &warn, &cache) < 0) {
			ret = cmd_fail();
			goto cleanup;
		}
	} else {
		print_human(&st, s->config, &why, &warn, have_status, now, &cache);
	}
	ret = why.count ? HRDEX_EX_UNHEALTHY : 0;
cleanup:
	cache_health_free(&cache);
	hrdex_problems_free(&why);
	hrdex_problems_free(&warn);
	hrdex_status_release(&st);
	hrdex_state_free(s);
	free(dir);
	return ret;
}
