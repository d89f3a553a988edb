/*
 * refresh.c - main, view/, the cache, the site and the mirrors after the
 * branches moved (see refresh.h).
 */
#include "refresh.h"
#include "keyring.h"
#include "regtypes.h"
#include "cache.h"
#include "error.h"
#include "fs.h"
#include "log.h"
#include "mainview.h"
#include "mirror.h"
#include "repo.h"
#include "site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* site.enabled: rebuild the static site (site.h); a failure is logged and
 * the previous site stays published. */
static void refresh_site(struct hrdex_state *s)
{
	struct hrdex_site_opts so = { 0 };
	struct hrdex_site_stats st;
	char *path;
	double t0 = hrdex_log_ms();

	if (!s->config->site_enabled)
		return;
	path = hrdex_site_path(s->dir, s->config);
	if (!path) {
		hrdex_log_warn("site not rebuilt: out of memory");
		return;
	}
	so.out = path;
	so.title = s->config->site_title;
	so.config = s->config;
	so.now = hrdex_site_now();
	if (hrdex_site_build(s->repo, &so, &st) < 0)
		hrdex_log_warn("site not rebuilt: %s", hrdex_error_message());
	else
		hrdex_log_info("site: %zu documents, %zu pages written, %zu unchanged", st.documents, st.written,
			       st.linked);
	free(path);
	hrdex_log_debug("refresh: site built in %.0f ms", hrdex_log_ms() - t0);
}

/* The branches moved: tell the mirrors.  A failed push is logged and
 * retried by the next refresh that pushes; the branches stand either way. */
static void push_mirrors(struct hrdex_state *s, struct hrdex_refresh *r)
{
	if (!s->config->nmirrors)
		return;
	r->mirrors_failed = hrdex_mirror_push(s);
	if (r->mirrors_failed < 0)
		hrdex_log_warn("mirrors not pushed: %s", hrdex_error_message());
}

/* CATCH_UP: each of main, view/ and the cache that lags is brought up;
 * returns 1 when any did, 0 when none, -1 when main could not be rebuilt
 * (logged). */
static int catch_up(struct hrdex_state *s, struct hrdex_refresh *r)
{
	struct hrdex_cache *cache = NULL;
	git_oid before, view;
	char *path = NULL;
	size_t behind = 0;
	int had_main, caught = 0, rules = 0;

	had_main = git_reference_name_to_id(&before, s->repo, HRDEX_REF_MAIN) == 0;
	if (!had_main) {
		git_strarray pubs = { NULL, 0 };
		size_t n;

		if (hrdex_repo_publishers(&pubs, s->repo) < 0)
			return -1;
		n = pubs.count;
		git_strarray_dispose(&pubs);
		if (!n)
			return 0; /* nothing published or accepted yet: no main to build */
	}
	/* Changed document rules (an upgrade, or HRDEX_SCHEMA_NEWEST removed)
	 * change main too: the documents they release join it. */
	path = hrdex_state_path(s, "cache.db");
	if (path && hrdex_fs_exists(path) && hrdex_cache_open(&cache, path, 1) == 0)
		rules = hrdex_cache_rules_changed(cache) > 0;
	hrdex_error_clear(); /* checked again below, where a failure is logged */
	hrdex_cache_close(cache);
	cache = NULL;
	free(path);
	/* A no-op (no commit) when main already holds every tip. */
	if (hrdex_main_rebuild(&r->main, s->repo, r->message, s->have_key ? &s->key : NULL, s->config,
			       r->hints) < 0) {
		hrdex_log_warn("main not rebuilt: %s", hrdex_error_message());
		return -1;
	}
	if (!had_main || !git_oid_equal(&before, &r->main)) {
		if (rules)
			hrdex_log_info("the document rules changed: main rebuilt");
		else
			hrdex_log_warn("main was behind the branches (an interrupted run); rebuilt");
		caught = 1;
	}
	rules = 0;
	path = hrdex_state_path(s, "view");
	if (path && (git_reference_name_to_id(&view, s->repo, HRDEX_REF_VIEW) < 0 ||
		     !git_oid_equal(&view, &r->main) || !hrdex_fs_is_dir(path))) {
		if (hrdex_view_update(s->repo, path) < 0)
			hrdex_log_warn("view not updated: %s", hrdex_error_message());
		caught = 1;
	}
	free(path);
	path = hrdex_state_path(s, "cache.db");
	/* An upgrade that changed the document rules checks held documents
	 * again (cache.h): those that pass are released. */
	if (path && (hrdex_cache_open(&cache, path, 0) < 0 || hrdex_cache_lag(cache, s->repo, &behind, NULL) < 0 ||
		     (rules = hrdex_cache_rules_changed(cache)) < 0 ||
		     ((behind || rules) && hrdex_cache_update(cache, s->repo, NULL) < 0)))
		hrdex_log_warn("cache not updated: %s", hrdex_error_message());
	else if (rules) {
		caught = 1;
	} else if (behind) {
		hrdex_log_warn("the cache was behind %zu branch%s (an interrupted run); updated", behind,
			       behind == 1 ? "" : "es");
		caught = 1;
	}
	hrdex_cache_close(cache);
	free(path);
	return caught;
}

/* The branches moved: main, view/ and the cache, all three whatever
 * happens to one.  Returns -2 when main failed (view/ was then not
 * touched), -1 when view/ or the cache did; logged unless strict. */
static int after_move(struct hrdex_state *s, struct hrdex_refresh *r, int strict)
{
	struct hrdex_cache_job *job = NULL;
	char *path = hrdex_state_path(s, "cache.db");
	double t0 = hrdex_log_ms(), t1;
	int started, ret = 0;

	/* The cache follows the branches, not main: it is updated on its own
	 * thread while main and view/ are rebuilt here (cache.h). */
	started = path && hrdex_cache_update_start(&job, path, git_repository_path(s->repo)) == 0;
	free(path);
	if (!started) {
		if (strict)
			return -1;
		hrdex_log_warn("cache not updated: %s", hrdex_error_message());
	}
	if (hrdex_main_rebuild(&r->main, s->repo, r->message, s->have_key ? &s->key : NULL, s->config,
			       r->hints) < 0) {
		if (!strict)
			hrdex_log_warn("main not rebuilt: %s", hrdex_error_message());
		hrdex_cache_update_finish(job, NULL); /* the thread uses the repository */
		return -2;
	}
	hrdex_log_debug("refresh: main rebuilt in %.0f ms", hrdex_log_ms() - t0);
	t1 = hrdex_log_ms();
	path = hrdex_state_path(s, "view");
	if (!path || hrdex_view_update(s->repo, path) < 0) {
		if (!path)
			hrdex_error_oom();
		ret = -1;
		if (!strict)
			hrdex_log_warn("view not updated: %s", hrdex_error_message());
	}
	hrdex_log_debug("refresh: view updated in %.0f ms", hrdex_log_ms() - t1);
	free(path);
	if (started && hrdex_cache_update_finish(job, NULL) < 0) {
		ret = -1;
		if (!strict)
			hrdex_log_warn("cache not updated: %s", hrdex_error_message());
	}
	hrdex_log_debug("refresh: cache updated in %.0f ms (alongside)", hrdex_log_ms() - t0);
	return ret;
}

int hrdex_refresh(struct hrdex_state *s, struct hrdex_refresh *r)
{
	int strict = (r->flags & HRDEX_REFRESH_STRICT) != 0, moved;

	/* Rotations the branches carry reach allowed_signers (keyring.h);
	 * trust itself does not depend on it, so a failure is only logged. */
	if (s->lock_fd >= 0 && hrdex_keyring_follow(s, NULL) < 0)
		hrdex_log_error("allowed_signers: %s", hrdex_error_message());
	memset(&r->main, 0, sizeof(r->main));
	r->caught_up = 0;
	r->mirrors_failed = -1;
	/* What the registry's branch adds (types, list entries) first, so the
	 * document rules below already know it (regtypes.h). */
	if (hrdex_regtypes_apply(s) < 0) {
		if (strict)
			return -1;
		hrdex_log_error("registry: %s", hrdex_error_message());
	}
	if (r->flags & HRDEX_REFRESH_CATCH_UP) {
		moved = r->caught_up = catch_up(s, r) == 1;
		if (moved)
			refresh_site(s);
	} else {
		int rc = after_move(s, r, strict);

		if (rc < 0 && strict)
			return -1;
		/* Without main the site has nothing new to show; the branches
		 * moved all the same, so the mirrors still get them. */
		if (rc != -2)
			refresh_site(s);
		moved = 1;
	}
	if (moved || (r->flags & HRDEX_REFRESH_PUSH))
		push_mirrors(s, r);
	return 0;
}

void hrdex_refresh_catch_up(struct hrdex_state *s, const char *who)
{
	struct hrdex_refresh rf = { 0 };
	char msg[96], *path = NULL;
	int loaded = 0;

	/* main is signed like every commit hrdex makes: a command that does
	 * not sign itself (reindex, peer) lends the key for the catch-up. */
	if (!s->have_key && (path = hrdex_state_path(s, "keys/id_ed25519")) != NULL &&
	    hrdex_key_load(&s->key, path) == 0)
		s->have_key = loaded = 1;
	free(path);
	if (!who || snprintf(msg, sizeof(msg), "%s: catch up after an interrupted run", who) >= (int)sizeof(msg))
		snprintf(msg, sizeof(msg), "catch up after an interrupted run");
	rf.message = msg;
	rf.flags = HRDEX_REFRESH_CATCH_UP;
	hrdex_refresh(s, &rf);
	if (loaded) {
		hrdex_key_wipe(&s->key);
		s->have_key = 0;
	}
}

int hrdex_refresh_open(struct hrdex_state **out, const char *dir, unsigned flags, const char *who)
{
	if (hrdex_state_open(out, dir, flags) < 0)
		return -1;
	if (hrdex_regtypes_load(*out) < 0) {
		hrdex_state_free(*out);
		*out = NULL;
		return -1;
	}
	if (flags & HRDEX_STATE_LOCK)
		hrdex_refresh_catch_up(*out, who);
	return 0;
}
