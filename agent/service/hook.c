/*
 * hook.c - webhook delivery (see hook.h).
 *
 * Why threads: a delivery may wait up to webhook.timeout on a receiver that
 * accepts and never answers.  Syncing and publishing must not wait with it,
 * nor the other webhooks, and signals (SIGTERM) must still be answered
 * within a second or two.  A child process per delivery would need the
 * queue shared through files and a reaper; curl multi would need every step
 * of the service loop cut into bounded slices.  One thread per webhook with
 * blocking libcurl easy transfers is the simplest design that isolates each
 * receiver completely:
 *   - the threads own no repository handle and touch no git state; the main
 *     thread builds the summary (it owns the repository) and hands over a
 *     finished body;
 *   - the queue (struct hook entries) is guarded by one mutex, held only to
 *     copy or update entries and to write their small queue files, never
 *     during a transfer;
 *   - every transfer has a connect timeout and a total timeout, a 64 KiB cap
 *     on the answer enforced in the write callback (CURLOPT_MAXFILESIZE does
 *     not stop a transfer under way), and a progress callback that aborts it
 *     when the service stops;
 *   - the threads are created with the service's signals blocked, so they
 *     are all read from the main loop's signalfd.
 * Queue files are written only under the mutex, so the thread and the main
 * loop never race on STATE/hooks/NAME.json.lock; hooks/ is skipped when
 * another hrdex clears stale lock files (state.c), since this thread writes
 * without the agent-wide flock.
 */
#include "hook.h"
#include "accept.h"
#include "buf.h"
#include "doc.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "log.h"
#include "schema.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#ifndef HRDEX_VERSION
#define HRDEX_VERSION "0.1.0"
#endif

#define ANSWER_MAX (64 << 10)
#define COMMITS_MAX 100
#define REFS_MAX 1000

struct pending {
	char publisher[33];
	git_oid old, new;
};

struct hook {
	char name[65];
	char *url, *secret;
	struct pending *changes;  /* merged, one per publisher */
	size_t nchanges;
	char *body;               /* the summary to deliver; NULL when none */
	uint64_t gen;             /* bumped when body changes */
	int64_t attempts, next_try, last_delivery;
	char error[256];
};

struct worker {
	char name[65];            /* the webhook it delivers */
	pthread_t thread;
	struct hrdex_hooks *hooks;
	int exited;               /* its webhook was removed; join it */
};

struct hrdex_hooks {
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* the queue changed, or an attempt ended */
	struct worker **workers;
	size_t nworkers;
	atomic_int stop;
	char *dir;                /* STATE/hooks */
	char agent[33];
	long connect_timeout, timeout;
	int64_t backoff_max;
	struct hook *hooks;
	size_t n;
	int64_t ok, failed;       /* attempts since the last report */
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

int64_t hrdex_hook_backoff(int64_t n, int64_t max)
{
	int64_t d = 1;

	while (n > 1 && d < max) {
		d *= 2;
		n--;
	}
	return d < max ? d : max;
}

void hrdex_hook_signature(char out[72], const char *secret, const void *body, size_t len)
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 65, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

/* ---- summaries ---- */

static int add_ref_once(cJSON *list, const char *ref, int *truncated)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, list)
		if (!strcmp(e->valuestring, ref))
			return 0;
	if (cJSON_GetArraySize(list) >= REFS_MAX) {
		*truncated = 1;
		return 0;
	}
	return cJSON_AddItemToArray(list, cJSON_CreateString(ref)) ? 0 : -1;
}

static int in_list(const cJSON *list, const char *ref)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, list)
		if (!strcmp(e->valuestring, ref))
			return 1;
	return 0;
}

static int tree_of(git_tree **out, git_repository *repo, const git_oid *id)
{
	git_commit *c = NULL;
	int r;

	*out = NULL;
	if (git_oid_is_zero(id))
		return 0;
	if (git_commit_lookup(&c, repo, id) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read commit");
	r = git_commit_tree(out, c);
	git_commit_free(c);
	return r < 0 ? hrdex_error_git(HRDEX_E_INTERNAL, "cannot read tree") : 0;
}

/* Whether the document ref ("P/T/ID") of tree is held (accept.h): 1 with
 * reason, 0 when shown or absent, -1 on error. */
static int doc_held(git_repository *repo, struct hrdex_schemas *schemas, const struct hrdex_limits *limits,
		    const git_tree *tree, const char *ref, char *reason, size_t size)
{
	char typepath[HRDEX_REF_MAX + 1], pub[HRDEX_PUBLISHER_MAX + 1];
	const char *a = strchr(ref, '/'), *b = strrchr(ref, '/');
	git_tree_entry *e = NULL;
	git_tree *t = NULL;
	int r;

	if (!tree || !a || a == b)
		return 0;
	snprintf(typepath, sizeof(typepath), "%.*s", (int)(b - ref), ref);
	snprintf(pub, sizeof(pub), "%.*s", (int)(a - ref), ref);
	if (git_tree_entry_bypath(&e, tree, typepath) < 0) {
		git_error_clear();
		return 0;
	}
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE || git_tree_lookup(&t, repo, git_tree_entry_id(e)) < 0) {
		git_tree_entry_free(e);
		return 0;
	}
	git_tree_entry_free(e);
	typepath[b - ref] = '\0';
	r = hrdex_document_check(repo, schemas, limits, pub, typepath + (a - ref) + 1, t, b + 1, reason, size);
	git_tree_free(t);
	return r;
}

/*
 * "held": the added or changed documents a document rule holds now, with
 * why; "released": changed documents held before this change and shown
 * now (DESIGN.md, "Two levels of rules").
 */
static int held_and_released(cJSON *o, git_repository *repo, const char *publisher, const git_tree *a,
			     const git_tree *b, const cJSON *added, const cJSON *changed)
{
	struct hrdex_schemas *schemas = NULL;
	struct hrdex_limits limits;
	cJSON *held = cJSON_AddArrayToObject(o, "held"), *released = cJSON_AddArrayToObject(o, "released");
	const cJSON *lists[2] = { added, changed }, *e;
	char reason[768];
	size_t k;
	int r, ret = -1;

	(void)publisher;
	if (!held || !released)
		return hrdex_error_oom();
	if (!cJSON_GetArraySize(added) && !cJSON_GetArraySize(changed))
		return 0;
	hrdex_limits_default(&limits);
	if (hrdex_schemas_new(&schemas) < 0 || hrdex_schemas_add_builtin(schemas) < 0)
		goto cleanup;
	for (k = 0; k < 2; k++) {
		cJSON_ArrayForEach(e, lists[k]) {
			cJSON *item;

			if (!cJSON_IsString(e))
				continue;
			r = doc_held(repo, schemas, &limits, b, e->valuestring, reason, sizeof(reason));
			if (r < 0)
				goto cleanup;
			if (r) {
				item = cJSON_CreateObject();
				if (!item || !cJSON_AddItemToArray(held, item) ||
				    !cJSON_AddStringToObject(item, "ref", e->valuestring) ||
				    !cJSON_AddStringToObject(item, "reason", reason)) {
					hrdex_error_oom();
					goto cleanup;
				}
				continue;
			}
			if (k == 1 && (r = doc_held(repo, schemas, &limits, a, e->valuestring, reason, sizeof(reason))) != 0) {
				if (r < 0)
					goto cleanup;
				if (!cJSON_AddItemToArray(released, cJSON_CreateString(e->valuestring))) {
					hrdex_error_oom();
					goto cleanup;
				}
			}
		}
	}
	ret = 0;
cleanup:
	hrdex_schemas_free(schemas);
	return ret;
}

int hrdex_hook_summary(cJSON **out, git_repository *repo, const struct hrdex_change *ch)
{
	cJSON *o = cJSON_CreateObject(), *commits, *added, *changed, *withdrawn;
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_revwalk *walk = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	size_t i;
	int truncated = 0, ret = -1;

	*out = NULL;
	if (!o)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	cJSON_AddStringToObject(o, "publisher", ch->publisher);
	if (git_oid_is_zero(&ch->old))
		cJSON_AddNullToObject(o, "old");
	else
		cJSON_AddStringToObject(o, "old", git_oid_tostr(hex, sizeof(hex), &ch->old));
	if (git_oid_is_zero(&ch->new))
		cJSON_AddNullToObject(o, "new");
	else
		cJSON_AddStringToObject(o, "new", git_oid_tostr(hex, sizeof(hex), &ch->new));
	commits = cJSON_AddArrayToObject(o, "commits");
	added = cJSON_AddArrayToObject(o, "added");
	changed = cJSON_AddArrayToObject(o, "changed");
	withdrawn = cJSON_AddArrayToObject(o, "withdrawn");
	if (!commits || !added || !changed || !withdrawn) {
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		goto cleanup;
	}
	if (!git_oid_is_zero(&ch->new)) {
		if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_push(walk, &ch->new) < 0 ||
		    (!git_oid_is_zero(&ch->old) && git_revwalk_hide(walk, &ch->old) < 0)) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot walk '%s'", ch->publisher);
			goto cleanup;
		}
		git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
		while (git_revwalk_next(&id, walk) == 0) {
			if (cJSON_GetArraySize(commits) >= COMMITS_MAX) {
				truncated = 1;
				break;
			}
			cJSON_AddItemToArray(commits, cJSON_CreateString(git_oid_tostr(hex, sizeof(hex), &id)));
		}
	}
	/* The one move back there is: a sanctioned reset (`trust reset`).  Its
	 * receiver hears which commits were abandoned. */
	if (!git_oid_is_zero(&ch->old) && !git_oid_is_zero(&ch->new) && !git_oid_equal(&ch->old, &ch->new) &&
	    git_graph_descendant_of(repo, &ch->old, &ch->new) == 1) {
		cJSON *abandoned = cJSON_AddArrayToObject(o, "abandoned");

		git_revwalk_free(walk);
		walk = NULL;
		if (!abandoned || !cJSON_AddTrueToObject(o, "reset")) {
			hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			goto cleanup;
		}
		if (git_revwalk_new(&walk, repo) < 0 || git_revwalk_push(walk, &ch->old) < 0 ||
		    git_revwalk_hide(walk, &ch->new) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot walk '%s'", ch->publisher);
			goto cleanup;
		}
		git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
		while (git_revwalk_next(&id, walk) == 0) {
			if (cJSON_GetArraySize(abandoned) >= COMMITS_MAX) {
				truncated = 1;
				break;
			}
			cJSON_AddItemToArray(abandoned, cJSON_CreateString(git_oid_tostr(hex, sizeof(hex), &id)));
		}
	}
	git_error_clear();
	if (tree_of(&a, repo, &ch->old) < 0 || tree_of(&b, repo, &ch->new) < 0)
		goto cleanup;
	if (git_diff_tree_to_tree(&diff, repo, a, b, NULL) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot diff '%s'", ch->publisher);
		goto cleanup;
	}
	/* Documents first, then attachments of documents not listed yet. */
	for (i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		struct hrdex_ref ref;
		char name[HRDEX_REF_MAX + 8];
		cJSON *list;

		if (hrdex_ref_from_path(&ref, path) < 0)
			continue;
		hrdex_ref_format(name, sizeof(name), &ref);
		list = d->status == GIT_DELTA_ADDED ? added : d->status == GIT_DELTA_DELETED ? withdrawn : changed;
		if (add_ref_once(list, name, &truncated) < 0)
			goto oom;
	}
	for (i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		const char *files = strstr(path, ".files/");
		struct hrdex_ref ref;
		char doc[HRDEX_REF_MAX + 8], name[HRDEX_REF_MAX + 8];

		if (!files || (size_t)(files - path) + 5 >= sizeof(doc))
			continue;
		snprintf(doc, sizeof(doc), "%.*s.json", (int)(files - path), path); /* fits: checked above */
		if (hrdex_ref_from_path(&ref, doc) < 0)
			continue;
		hrdex_ref_format(name, sizeof(name), &ref);
		if (in_list(added, name) || in_list(withdrawn, name))
			continue;
		if (add_ref_once(changed, name, &truncated) < 0)
			goto oom;
	}
	if (held_and_released(o, repo, ch->publisher, a, b, added, changed) < 0)
		goto cleanup;
	cJSON_AddBoolToObject(o, "truncated", truncated);
	*out = o;
	o = NULL;
	ret = 0;
	goto cleanup;
oom:
	hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
cleanup:
	git_revwalk_free(walk);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	cJSON_Delete(o);
	return ret;
}

/* The whole body for a hook's pending changes. */
static int build_body(char **out, git_repository *repo, const char *agent, const struct pending *changes,
		      size_t n)
{
	cJSON *o = cJSON_CreateObject(), *list;
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	size_t i;
	int ret = -1;

	*out = NULL;
	if (!o)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, "event", "change");
	cJSON_AddStringToObject(o, "agent", agent);
	cJSON_AddStringToObject(o, "time", when);
	list = cJSON_AddArrayToObject(o, "changes");
	for (i = 0; list && i < n; i++) {
		struct hrdex_change ch;
		cJSON *s = NULL;

		memset(&ch, 0, sizeof(ch));
		snprintf(ch.publisher, sizeof(ch.publisher), "%s", changes[i].publisher); /* fits: the same size */
		ch.old = changes[i].old;
		ch.new = changes[i].new;
		if (hrdex_hook_summary(&s, repo, &ch) < 0)
			goto cleanup;
		cJSON_AddItemToArray(list, s);
	}
	if (hrdex_json_compact(&b, o) < 0)
		goto cleanup;
	*out = hrdex_buf_detach(&b);
	ret = *out ? 0 : hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
cleanup:
	hrdex_buf_free(&b);
	cJSON_Delete(o);
	return ret;
}

/* ---- transfers ---- */

struct answer {
	size_t len;
};

static size_t on_answer(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct answer *a = userdata;
	size_t n = size * nmemb;

	(void)data;
	if (a->len + n > ANSWER_MAX)
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	a->len += n;
	return n;
}

static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	atomic_int *stop = p;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return stop && atomic_load(stop) ? 1 : 0;
}

int hrdex_hook_post(const char *url, const char *secret, const char *body, size_t len,
		    long connect_timeout, long timeout, atomic_int *stop, char *err, size_t errsize)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = NULL, *more;
	struct answer answer = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "", sig[80 + 72];
	long code = 0;
	CURLcode rc;
	int ret = -1;

	err[0] = '\0';
	if (!curl) {
		hrdex_fmt_cut(err, errsize, "cannot initialise libcurl");
		return -1;
	}
	more = curl_slist_append(headers, "Content-Type: application/json");
	headers = more ? more : headers;
	more = more ? curl_slist_append(headers, "X-Hrdex-Event: change") : NULL;
	headers = more ? more : headers;
	if (more && secret && *secret) {
		memcpy(sig, "X-Hrdex-Signature: ", 19);
		hrdex_hook_signature(sig + 19, secret, body, len);
		more = curl_slist_append(headers, sig);
		headers = more ? more : headers;
	}
	if (!more) {
		hrdex_fmt_cut(err, errsize, "out of memory");
		goto cleanup;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, connect_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "hrdex/" HRDEX_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, stop);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_WRITE_ERROR && answer.len + 1 > ANSWER_MAX / 2) {
		hrdex_fmt_cut(err, errsize, "answer larger than %d bytes", ANSWER_MAX);
		goto cleanup;
	}
	if (rc != CURLE_OK) {
		hrdex_fmt_cut(err, errsize, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto cleanup;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		hrdex_fmt_cut(err, errsize, "HTTP status %ld", code);
		goto cleanup;
	}
	ret = 0;
cleanup:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return ret;
}

/* ---- the queue ---- */

static char *queue_path(const struct hrdex_hooks *h, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s.json", h->dir, name) < 0)
		return NULL;
	return p;
}

/* Write (or remove, when nothing is pending) hooks/NAME.json; mutex held. */
static void save(struct hrdex_hooks *h, const struct hook *k)
{
	char *path = queue_path(h, k->name), hex[GIT_OID_HEXSZ + 1];
	cJSON *o = NULL, *list;
	struct hrdex_buf b = HRDEX_BUF_INIT;
	size_t i;

	if (!path)
		return;
	if (!k->body) {
		if (unlink(path) < 0 && errno != ENOENT)
			hrdex_log_warn("webhook '%s': cannot remove '%s': %s", k->name, path, strerror(errno));
		goto cleanup;
	}
	o = cJSON_CreateObject();
	if (!o)
		goto cleanup;
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddNumberToObject(o, "attempts", (double)k->attempts);
	cJSON_AddNumberToObject(o, "nextTry", (double)k->next_try);
	cJSON_AddStringToObject(o, "error", k->error);
	list = cJSON_AddArrayToObject(o, "changes");
	for (i = 0; list && i < k->nchanges; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddItemToArray(list, e);
		cJSON_AddStringToObject(e, "publisher", k->changes[i].publisher);
		cJSON_AddStringToObject(e, "old", git_oid_tostr(hex, sizeof(hex), &k->changes[i].old));
		cJSON_AddStringToObject(e, "new", git_oid_tostr(hex, sizeof(hex), &k->changes[i].new));
	}
	cJSON_AddStringToObject(o, "body", k->body);
	if (hrdex_json_canonical(&b, o) < 0 || hrdex_fs_write_atomic(path, b.ptr, b.len, 0600) < 0)
		hrdex_log_error("webhook '%s': cannot save its queue: %s", k->name, hrdex_error_message());
cleanup:
	hrdex_buf_free(&b);
	cJSON_Delete(o);
	free(path);
}

/* Read hooks/NAME.json into k (nothing pending when absent or unreadable). */
static void load(struct hrdex_hooks *h, struct hook *k)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char *path = queue_path(h, k->name);
	cJSON *o = NULL;
	const cJSON *list, *e, *body, *err;

	if (!path || !hrdex_fs_exists(path))
		goto cleanup;
	if (hrdex_fs_read(&b, path, (size_t)64 << 20) < 0 || hrdex_json_parse(&o, b.ptr, b.len, NULL) < 0) {
		hrdex_log_error("webhook '%s': cannot read its queue: %s", k->name, hrdex_error_message());
		goto cleanup;
	}
	body = cJSON_GetObjectItemCaseSensitive(o, "body");
	list = cJSON_GetObjectItemCaseSensitive(o, "changes");
	if (!cJSON_IsString(body) || !(k->body = strdup(body->valuestring)))
		goto cleanup;
	cJSON_ArrayForEach(e, list) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "publisher");
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(e, "old");
		const cJSON *new = cJSON_GetObjectItemCaseSensitive(e, "new");
		struct pending *more;

		if (!cJSON_IsString(p) || !cJSON_IsString(old) || !cJSON_IsString(new))
			continue;
		more = realloc(k->changes, (k->nchanges + 1) * sizeof(*more));
		if (!more)
			break;
		k->changes = more;
		more = &more[k->nchanges];
		memset(more, 0, sizeof(*more));
		if (hrdex_fmt(more->publisher, sizeof(more->publisher), "%s", p->valuestring) < 0)
			continue;
		if (git_oid_fromstr(&more->old, old->valuestring) < 0 || git_oid_fromstr(&more->new, new->valuestring) < 0)
			continue;
		k->nchanges++;
	}
	k->attempts = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "attempts"));
	k->next_try = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "nextTry"));
	err = cJSON_GetObjectItemCaseSensitive(o, "error");
	hrdex_fmt_cut(k->error, sizeof(k->error), "%s", cJSON_IsString(err) ? err->valuestring : "");
	k->gen++;
	hrdex_log_info("webhook '%s': a summary is pending from an earlier run", k->name);
cleanup:
	cJSON_Delete(o);
	hrdex_buf_free(&b);
	free(path);
}

static void hook_release(struct hook *k)
{
	free(k->url);
	if (k->secret)
		sodium_memzero(k->secret, strlen(k->secret));
	free(k->secret);
	free(k->changes);
	free(k->body);
	memset(k, 0, sizeof(*k));
}

static struct hook *find(struct hrdex_hooks *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (!strcmp(h->hooks[i].name, name))
			return &h->hooks[i];
	return NULL;
}

/* ---- the delivery thread ---- */

/* One thread per webhook, so that a receiver that hangs delays only its
 * own deliveries.  It ends when its webhook is no longer configured. */
static void *deliver(void *arg)
{
	struct worker *w = arg;
	struct hrdex_hooks *h = w->hooks;

	pthread_mutex_lock(&h->mu);
	while (!atomic_load(&h->stop)) {
		struct hook *k = find(h, w->name);
		int64_t now = now_s();
		char err[256];
		char *url = NULL, *secret = NULL, *body = NULL;
		uint64_t gen;
		int copied, r;
		long connect_timeout = h->connect_timeout, timeout = h->timeout;

		if (!k)
			break; /* removed by a reload */
		if (!k->body || k->next_try > now) {
			struct timespec ts = { (time_t)k->next_try, 0 };

			if (!k->body)
				pthread_cond_wait(&h->cv, &h->mu);
			else
				pthread_cond_timedwait(&h->cv, &h->mu, &ts);
			continue;
		}
		url = strdup(k->url);
		secret = k->secret ? strdup(k->secret) : NULL;
		body = strdup(k->body);
		gen = k->gen;
		copied = url && body && (!k->secret || secret);
		pthread_mutex_unlock(&h->mu);
		if (copied)
			r = hrdex_hook_post(url, secret, body, strlen(body), connect_timeout, timeout, &h->stop, err,
					    sizeof(err));
		else
			r = -1, snprintf(err, sizeof(err), "out of memory"); /* fits: a short message */
		pthread_mutex_lock(&h->mu);
		if (r == 0)
			h->ok++;
		else if (!atomic_load(&h->stop))
			h->failed++;
		k = find(h, w->name); /* the list may have been replaced meanwhile */
		if (k && r == 0 && k->gen == gen) {
			hrdex_log_info("webhook '%s': delivered", w->name);
			free(k->body);
			k->body = NULL;
			free(k->changes);
			k->changes = NULL;
			k->nchanges = 0;
			k->attempts = 0;
			k->error[0] = '\0';
			k->last_delivery = now_s();
			save(h, k);
		} else if (k && r == 0) {
			k->last_delivery = now_s(); /* a newer summary (covering this one) is queued */
		} else if (k && !atomic_load(&h->stop)) {
			k->attempts++;
			k->next_try = now_s() + hrdex_hook_backoff(k->attempts, h->backoff_max);
			hrdex_fmt_cut(k->error, sizeof(k->error), "%s", err);
			hrdex_log_warn("webhook '%s': delivery failed (attempt %lld, next in %lld s): %s", w->name,
				       (long long)k->attempts, (long long)(k->next_try - now_s()), err);
			if (k->gen == gen)
				save(h, k);
		}
		pthread_cond_broadcast(&h->cv); /* hrdex_hooks_drain() waits for this */
		if (secret)
			sodium_memzero(secret, strlen(secret));
		free(secret);
		free(url);
		free(body);
	}
	w->exited = 1;
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Start a thread for each configured webhook without a live one; mutex held. */
static int start_workers(struct hrdex_hooks *h)
{
	size_t i, j;

	/* Join the threads of removed webhooks: they set exited under the mutex
	 * we hold, so they have released it and are returning. */
	for (i = j = 0; i < h->nworkers; i++) {
		if (h->workers[i]->exited) {
			pthread_join(h->workers[i]->thread, NULL);
			free(h->workers[i]);
		} else {
			h->workers[j++] = h->workers[i];
		}
	}
	h->nworkers = j;
	for (i = 0; i < h->n; i++) {
		struct worker *w, **more;
		int live = 0, r;

		for (j = 0; j < h->nworkers; j++)
			live |= !h->workers[j]->exited && !strcmp(h->workers[j]->name, h->hooks[i].name);
		if (live)
			continue;
		more = realloc(h->workers, (h->nworkers + 1) * sizeof(*more));
		if (!more)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		h->workers = more;
		w = calloc(1, sizeof(*w));
		if (!w)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		snprintf(w->name, sizeof(w->name), "%s", h->hooks[i].name); /* fits: hook names are valid names, at most 64 bytes */
		w->hooks = h;
		r = pthread_create(&w->thread, NULL, deliver, w);
		if (r) {
			free(w);
			return hrdex_error_set(HRDEX_E_INTERNAL, "cannot start a webhook thread: %s", strerror(r));
		}
		h->workers[h->nworkers++] = w;
	}
	return 0;
}

int hrdex_hooks_configure(struct hrdex_hooks *h, const struct hrdex_config *c)
{
	struct hook *list = calloc(c->nhooks + 1, sizeof(*list));
	size_t i, j;
	int r;

	if (!list)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	pthread_mutex_lock(&h->mu);
	for (i = 0; i < c->nhooks; i++) {
		struct hook *k = &list[i], *old = find(h, c->hooks[i].name);

		if (old) {
			*k = *old;
			memset(old, 0, sizeof(*old));
			free(k->url);
			if (k->secret)
				sodium_memzero(k->secret, strlen(k->secret));
			free(k->secret);
			k->url = k->secret = NULL;
		} else {
			snprintf(k->name, sizeof(k->name), "%s", c->hooks[i].name); /* fits: hook names are valid names, at most 64 bytes */
			load(h, k);
		}
		k->url = strdup(c->hooks[i].url);
		k->secret = c->hooks[i].secret ? strdup(c->hooks[i].secret) : NULL;
		if (!k->url || (c->hooks[i].secret && !k->secret)) {
			for (j = 0; j <= i; j++)
				hook_release(&list[j]);
			free(list);
			pthread_mutex_unlock(&h->mu);
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		}
	}
	for (i = 0; i < h->n; i++) {
		if (h->hooks[i].body)
			hrdex_log_warn("webhook '%s' is no longer configured; its pending summary stays in '%s'",
				       h->hooks[i].name, h->dir);
		hook_release(&h->hooks[i]);
	}
	free(h->hooks);
	h->hooks = list;
	h->n = c->nhooks;
	h->connect_timeout = (long)c->hook_connect_timeout;
	h->timeout = (long)c->hook_timeout;
	h->backoff_max = c->hook_backoff_max;
	snprintf(h->agent, sizeof(h->agent), "%s", c->publisher); /* fits: a valid publisher id */
	pthread_cond_broadcast(&h->cv);
	r = start_workers(h);
	pthread_mutex_unlock(&h->mu);
	return r;
}

int hrdex_hooks_start(struct hrdex_hooks **out, const char *state_dir, const struct hrdex_config *c)
{
	struct hrdex_hooks *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	atomic_init(&h->stop, 0);
	h->dir = hrdex_path_join(state_dir, "hooks");
	if (!h->dir) {
		hrdex_hooks_stop(h);
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	}
	if (hrdex_fs_mkdirs(h->dir, 0700) < 0 || hrdex_hooks_configure(h, c) < 0) {
		hrdex_hooks_stop(h);
		return -1;
	}
	*out = h;
	return 0;
}

int hrdex_hooks_notify(struct hrdex_hooks *h, git_repository *repo, const struct hrdex_change *changes,
		       size_t n)
{
	size_t i, j;
	int ret = 0;

	if (!n)
		return 0;
	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->n; i++) {
		struct hook *k = &h->hooks[i];
		char *body = NULL;

		for (j = 0; j < n; j++) {
			struct pending *p = NULL, *more;
			size_t m;

			for (m = 0; m < k->nchanges; m++)
				if (!strcmp(k->changes[m].publisher, changes[j].publisher))
					p = &k->changes[m];
			if (p) { /* merge: keep the oldest tip not yet announced */
				p->new = changes[j].new;
				continue;
			}
			more = realloc(k->changes, (k->nchanges + 1) * sizeof(*more));
			if (!more) {
				ret = hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
				goto cleanup;
			}
			k->changes = more;
			p = &more[k->nchanges++];
			memset(p, 0, sizeof(*p));
			snprintf(p->publisher, sizeof(p->publisher), "%s", changes[j].publisher); /* fits: the same size */
			p->old = changes[j].old;
			p->new = changes[j].new;
		}
		if (build_body(&body, repo, h->agent, k->changes, k->nchanges) < 0) {
			ret = -1;
			goto cleanup;
		}
		free(k->body);
		k->body = body;
		k->gen++;
		k->attempts = 0;
		k->next_try = now_s();
		save(h, k);
	}
	pthread_cond_broadcast(&h->cv);
cleanup:
	pthread_mutex_unlock(&h->mu);
	return ret;
}

int hrdex_hooks_report(struct hrdex_hooks *h, struct hrdex_status *st)
{
	size_t i;
	int ret = 0;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < st->nhooks;) { /* drop webhooks no longer configured */
		if (find(h, st->hooks[i].name))
			i++;
		else
			st->hooks[i] = st->hooks[--st->nhooks];
	}
	for (i = 0; i < h->n; i++) {
		struct hrdex_status_hook *s = hrdex_status_hook(st, h->hooks[i].name);

		if (!s) {
			ret = hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			break;
		}
		s->pending = h->hooks[i].body != NULL;
		s->attempts = h->hooks[i].attempts;
		s->next_try = s->pending ? h->hooks[i].next_try : 0;
		if (h->hooks[i].last_delivery)
			s->last_delivery = h->hooks[i].last_delivery;
		hrdex_fmt_cut(s->error, sizeof(s->error), "%s", h->hooks[i].error);
	}
	st->counters.hooks_ok += h->ok;
	st->counters.hooks_failed += h->failed;
	h->ok = h->failed = 0;
	pthread_mutex_unlock(&h->mu);
	return ret;
}

/* 1 when a summary is due now; mutex held. */
static int any_due(const struct hrdex_hooks *h, int64_t now)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->hooks[i].body && h->hooks[i].next_try <= now)
			return 1;
	return 0;
}

int hrdex_hooks_drain(struct hrdex_hooks *h, int64_t deadline)
{
	if (!h || !h->n)
		return 0;
	pthread_mutex_lock(&h->mu);
	while (any_due(h, now_s()) && now_s() < deadline) {
		struct timespec ts = { (time_t)deadline, 0 };

		pthread_cond_timedwait(&h->cv, &h->mu, &ts);
	}
	pthread_mutex_unlock(&h->mu);
	return 1;
}

void hrdex_hooks_stop(struct hrdex_hooks *h)
{
	size_t i;

	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	atomic_store(&h->stop, 1);
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	for (i = 0; i < h->nworkers; i++) {
		pthread_join(h->workers[i]->thread, NULL);
		free(h->workers[i]);
	}
	free(h->workers);
	for (i = 0; i < h->n; i++)
		hook_release(&h->hooks[i]);
	free(h->hooks);
	free(h->dir);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
