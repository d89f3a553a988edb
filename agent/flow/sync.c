/*
 * sync.c - one sync round: fetch, check, accept, rebuild (see sync.h).
 */
#include "sync.h"
#include "sync_int.h"
#include "buf.h"
#include "accept.h"
#include "cache.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "ledger.h"
#include "registry.h"
#include "revoke.h"
#include "log.h"
#include "pack.h"
#include "readme.h"
#include "refresh.h"
#include "repo.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- cleaning ---- */

void hrdex_sync_clean(struct hrdex_state *st)
{
	char *q = hrdex_state_path(st, "quarantine");
	char *pack = hrdex_path_join(git_repository_path(st->repo), "objects/pack");
	DIR *d;
	struct dirent *e;

	if (q)
		hrdex_fs_remove_tree(q);
	d = pack ? opendir(pack) : NULL;
	while (d && (e = readdir(d))) {
		char *path;

		/* libgit2's indexer names its temporary files tmp_pack_*, tmp_idx_* */
		if (strncmp(e->d_name, "tmp_", 4))
			continue;
		path = hrdex_path_join(pack, e->d_name);
		if (path && unlink(path) == 0)
			hrdex_log_debug("removed leftover '%s'", path);
		free(path);
	}
	if (d)
		closedir(d);
	free(pack);
	free(q);
}

/* ---- the report ---- */

static struct hrdex_sync_branch *branch_add(struct round *rd, const char *publisher, size_t peer,
					    const git_oid *offered, size_t *index)
{
	struct hrdex_sync_report *rep = rd->rep;
	struct hrdex_sync_branch *b;

	if (rep->nbranches == rep->abranches) {
		size_t na = rep->abranches ? rep->abranches * 2 : 16;

		b = realloc(rep->branches, na * sizeof(*b));
		if (!b) {
			hrdex_error_oom();
			return NULL;
		}
		rep->branches = b;
		rep->abranches = na;
	}
	*index = rep->nbranches;
	b = &rep->branches[rep->nbranches++];
	memset(b, 0, sizeof(*b));
	if (hrdex_fmt(b->publisher, sizeof(b->publisher), "%s", publisher) < 0)
		return NULL;
	b->peer = peer;
	git_oid_cpy(&b->offered, offered);
	b->status = HRDEX_BRANCH_CURRENT;
	return b;
}

static void branch_reject(struct round *rd, struct hrdex_sync_branch *b, const char *rule,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void branch_reject(struct round *rd, struct hrdex_sync_branch *b, const char *rule,
			  const char *fmt, ...)
{
	char hex[GIT_OID_HEXSZ + 1];
	va_list ap;

	b->status = HRDEX_BRANCH_REJECTED;
	hrdex_fmt_cut(b->rule, sizeof(b->rule), "%s", rule);
	va_start(ap, fmt);
	vsnprintf(b->reason, sizeof(b->reason), fmt, ap);
	va_end(ap);
	rd->rep->rejected++;
	hrdex_log_warn("rejected '%s' from peer '%s' at %.12s (%s): %s", b->publisher,
		       rd->rep->peers[b->peer].name, oid_hex(hex, &b->offered), b->rule, b->reason);
}

void hrdex_sync_report_free(struct hrdex_sync_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->npeers; i++) {
		free(r->peers[i].name);
		free(r->peers[i].url);
	}
	free(r->peers);
	free(r->branches);
	memset(r, 0, sizeof(*r));
}

/* ---- what to fetch ---- */

static int list_has(char **list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

/* Publisher ids we take from this peer: trusted ones (and our own, to notice
 * a peer writing our log), narrowed by peer.NAME.publisher when given. */
static int wanted_for(char ***out, size_t *nout, const struct hrdex_state *st, const struct hrdex_peer *p)
{
	const struct hrdex_signers *s = st->signers;
	char **list = calloc((s ? s->count : 0) + 2, sizeof(char *));
	size_t n = 0, i;

	*out = NULL;
	*nout = 0;
	if (!list)
		return hrdex_error_oom();
	for (i = 0; s && i < s->count; i++) {
		const char *pub = s->items[i].principal;

		if (!pub || s->items[i].cert_authority || !hrdex_publisher_valid(pub) || list_has(list, n, pub))
			continue;
		list[n++] = (char *)pub;
	}
	if (!list_has(list, n, st->config->publisher))
		list[n++] = st->config->publisher;
	if (p->npublishers) {
		size_t k = 0;

		for (i = 0; i < n; i++)
			if (list_has(p->publishers, p->npublishers, list[i]))
				list[k++] = list[i];
		n = k;
	}
	*out = list;
	*nout = n;
	return 0;
}

/*
 * `hrdex sync FILE.bundle`: a peer for this round only, named after the
 * file (achpr.bundle: peer 'achpr'), so that refs/peers/achpr/ record what
 * its maker has and `bundle create --since achpr` can answer it.  A peer
 * configured under that name lends its publisher filter.
 */
static int adhoc_peer(struct hrdex_peer *p, const struct hrdex_config *cfg, const char *path,
		      const struct hrdex_peer *const *round, size_t n)
{
	const char *base = strrchr(path, '/');
	const struct hrdex_peer *same;
	size_t i;

	base = base ? base + 1 : path;
	p->name = strndup(base, strlen(base) - 7);
	if (!p->name)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	p->url = (char *)path;
	if (!hrdex_name_valid(p->name)) {
		hrdex_error_set(HRDEX_E_USAGE, "cannot name a peer after '%s' (letters, digits, '.', '_' and "
				"'-'); rename the file, or 'hrdex peer add NAME %s'", base, path);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(round[i]->name, p->name)) {
			hrdex_error_set(HRDEX_E_USAGE, "peer '%s' is named twice in this sync ('%s')", p->name, path);
			goto fail;
		}
	same = hrdex_config_peer(cfg, p->name);
	if (same) {
		p->publishers = same->publishers;
		p->npublishers = same->npublishers;
	}
	return 0;
fail:
	free(p->name);
	p->name = NULL;
	return -1;
}

/* ---- one branch ---- */

static int oid_in(const git_oid *list, size_t n, const git_oid *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (git_oid_equal(&list[i], id))
			return 1;
	return 0;
}

/* Move refs/heads/B from cur (NULL: create) to to, compare-and-swap. */
static int move_branch(struct round *rd, const char *publisher, const git_oid *cur, const git_oid *to,
		       const char *peer)
{
	git_reference *ref = NULL;
	char name[64], msg[128];
	int r;

	if (hrdex_fmt(name, sizeof(name), "refs/heads/%s", publisher) < 0)
		return -1;
	hrdex_fmt_cut(msg, sizeof(msg), "sync: from peer %s", peer);
	if (cur)
		r = git_reference_create_matching(&ref, rd->st->repo, name, to, 1, cur, msg);
	else
		r = git_reference_create(&ref, rd->st->repo, name, to, 0, msg);
	git_reference_free(ref);
	if (r < 0)
		return hrdex_error_git(r == GIT_EMODIFIED || r == GIT_EEXISTS ? HRDEX_E_BUSY : HRDEX_E_IO,
				       "cannot move '%s'", name);
	return 0;
}

/* A peer offers pub at tip, which passed every branch rule: unless it is
 * the newest tip we know, the publisher is not frozen (ledger.h).  Only a
 * valid tip counts, so junk from a peer cannot hide a freeze. */
static int note_offered(struct round *rd, const char *pub, const git_oid *tip)
{
	struct hrdex_ledger_entry *e = hrdex_ledger_get(rd->ledger, pub, 1, rd->now_time);

	if (!e)
		return -1;
	if (!git_oid_equal(&e->tip, tip))
		e->offered = rd->now_time;
	return 0;
}

/*
 * Before the round: an entry for every trusted publisher (its staleness
 * counts from now), and the ledger brought up to repo.git where repo.git
 * is ahead of it (a round killed between moving a ref and saving the
 * ledger, or an agent older than the ledger).
 */
static int ledger_prepare(struct round *rd)
{
	const struct hrdex_signers *s = rd->st->signers;
	size_t i;

	for (i = 0; s && i < s->count; i++) {
		const char *pub = s->items[i].principal;
		struct hrdex_ledger_entry *e;
		git_oid cur;
		int r;

		if (s->items[i].cert_authority || !hrdex_publisher_valid(pub) || !strcmp(pub, rd->st->config->publisher))
			continue;
		if (!(e = hrdex_ledger_get(rd->ledger, pub, 1, rd->now_time)))
			return -1;
		r = hrdex_repo_tip(&cur, rd->st->repo, pub);
		if (r < 0)
			return -1;
		if (r == 0 && (git_oid_is_zero(&e->tip) ||
			       git_graph_descendant_of(rd->st->repo, &cur, &e->tip) == 1))
			git_oid_cpy(&e->tip, &cur);
		git_error_clear();
	}
	return 0;
}

/* Sync keeps the README facts of each document it checks (accept.h). */
static int keep_readme_facts(void *hints, const git_oid *blob, const cJSON *doc)
{
	return hrdex_readme_hints_add(hints, blob, doc);
}

/* Check every peer's copy of one publisher's branch; the objects of those
 * that pass are imported later, peer by peer (import_objects). */
static int check_group(struct round *rd, struct group *g)
{
	struct hrdex_state *st = rd->st;
	struct hrdex_sync_report *rep = rd->rep;
	struct candidate *c = g->c;
	const char *pub = c[0].publisher;
	int own = !strcmp(pub, st->config->publisher);
	git_oid *stop = NULL, base, ffbase;
	size_t nstop = 0, i;
	int have_base = 0;
	char hex[GIT_OID_HEXSZ + 1];
	const struct refusal *known;
	char why[512];
	int r, ret = -1;
	double t0;

	r = hrdex_repo_tip(&g->cur, st->repo, pub);
	if (r < 0)
		return -1;
	g->have_cur = r == 0;
	g->valid = calloc(g->nc + 1, sizeof(*g->valid));
	stop = calloc(g->nc + 2, sizeof(*stop));
	if (!g->valid || !stop) {
		hrdex_error_oom();
		goto cleanup;
	}
	/* A repo.git restored from a backup may hold an older tip than the
	 * newest accepted one, even a commit a reset abandoned: peers' tips
	 * are measured from the newest accepted one then (ledger.h). */
	if (g->have_cur) {
		r = hrdex_ledger_base(rd->ledger, st->repo, pub, &g->cur, &ffbase);
		have_base = r == 1;
		if (have_base)
			hrdex_log_warn("sync: our '%s' at %.12s is behind or beside %.12s, the newest this agent "
				       "accepted (repo.git restored from a backup?): peers' copies are measured from "
				       "the newest", pub, oid_hex(hex, &g->cur), oid_hex(why, &ffbase));
		git_oid_cpy(&stop[nstop++], have_base ? &ffbase : &g->cur);
	}

	for (i = 0; i < g->nc; i++) {
		struct hrdex_sync_branch *b = &rep->branches[c[i].branch];
		struct hrdex_accept a;
		git_repository *vr;

		/* The fetch asked only for these; checked again here all the same. */
		if (!own && (!hrdex_signers_has(st->signers, pub) ||
			     (rd->peers[c[i].peer]->npublishers &&
			      !list_has(rd->peers[c[i].peer]->publishers, rd->peers[c[i].peer]->npublishers, pub)))) {
			branch_reject(rd, b, "trust", "'%s' is not a publisher we take from this peer", pub);
			continue;
		}
		if (g->have_cur && git_oid_equal(&c[i].oid, &g->cur)) {
			b->status = HRDEX_BRANCH_CURRENT;
			sync_record_peer_ref(rd, c[i].peer, pub, &c[i].oid);
			continue;
		}
		/* Our history is complete in repo.git: an older tip of ours is there. */
		if (g->have_cur && sync_in_repo(st->repo, &c[i].oid) &&
		    git_graph_descendant_of(st->repo, &g->cur, &c[i].oid) == 1) {
			b->status = HRDEX_BRANCH_BEHIND;
			hrdex_log_debug("peer '%s' has an older '%s' (%.12s)", rep->peers[c[i].peer].name, pub,
					oid_hex(hex, &c[i].oid));
			sync_record_peer_ref(rd, c[i].peer, pub, &c[i].oid);
			continue;
		}
		if (own) {
			branch_reject(rd, b, "own-branch", "offers commits on our own branch '%s' that this "
				      "agent did not write", pub);
			continue;
		}
		if (oid_in(g->valid, g->nvalid, &c[i].oid))
			continue;
		/* Refused before, on top of the same tip of ours: refused again,
		 * unchecked (see "refusals remembered" above). */
		memset(&base, 0, sizeof(base));
		if (g->have_cur)
			git_oid_cpy(&base, &g->cur);
		if ((known = sync_refusal_find(rd->now, pub, &c[i].oid, &base)) != NULL ||
		    (known = sync_refusal_find(rd->was, pub, &c[i].oid, &base)) != NULL) {
			hrdex_log_info("sync: '%s' at %.12s from peer '%s' was refused before (%s): not checked again",
				       pub, oid_hex(hex, &c[i].oid), rep->peers[c[i].peer].name, known->rule);
			branch_reject(rd, b, known->rule, "%s", known->reason);
			b->remembered = 1;
			if (sync_refusal_add(rd->now, pub, &c[i].oid, &base, known->rule, known->reason) < 0)
				goto cleanup;
			continue;
		}
		/* Each peer's quarantine holds all it sent against repo.git as it
		 * was before this round, so the walk needs no other peer's objects. */
		vr = sync_vrepo(rd, c[i].peer);
		if (!vr)
			goto cleanup;
		/* Never older than the newest tip this agent accepted, recorded
		 * outside repo.git: a restored backup of repo.git must not let a
		 * peer roll the branch back (TUF's rollback attack). */
		r = hrdex_ledger_check_tip(rd->ledger, vr, pub, &c[i].oid, g->have_cur ? &g->cur : NULL, why,
					   sizeof(why));
		if (r < 0)
			goto cleanup;
		if (r == 1) {
			branch_reject(rd, b, "rollback", "%s", why);
			continue;
		}
		/* Measured from the newest accepted tip (above): its commits
		 * since what repo.git holds are walked, so that they are
		 * checked and brought in like any new ones. */
		if (have_base) {
			git_oid mb;

			if (git_merge_base(&mb, vr, &g->cur, &ffbase) == 0)
				git_oid_cpy(&stop[0], &mb);
			else
				git_oid_cpy(&stop[0], &ffbase);
			git_error_clear();
		}
		memset(&a, 0, sizeof(a));
		a.repo = vr;
		a.publisher = pub;
		a.signers = st->signers;
		a.schemas = st->schemas;
		a.limits = &st->config->limits;
		a.stop = stop;
		a.nstop = nstop;
		a.current = have_base ? &ffbase : g->have_cur ? &g->cur : NULL;
		a.now = rd->now_time;
		a.ledger = rd->ledger;
		a.checked = keep_readme_facts;
		a.checked_ctx = rd->hints;
		t0 = hrdex_log_ms();
		r = hrdex_accept_check(&a, &c[i].oid);
		hrdex_log_debug("sync: checked '%s' from peer '%s' (%zu commits, %zu objects) in %.0f ms", pub,
				rep->peers[c[i].peer].name, a.ncommits, a.nobjects, hrdex_log_ms() - t0);
		if (r == 0)
			r = sync_oids_add(&rd->checked[c[i].peer], a.objects, a.nobjects);
		if (r == 1) {
			branch_reject(rd, b, a.rule, "%s", a.reason);
			/* What a peer failed to send is no verdict on the tip. */
			if (strcmp(a.rule, "missing-object") && sync_round_context(rd)[0] &&
			    sync_refusal_add(rd->now, pub, &c[i].oid, &base, a.rule, a.reason) < 0)
				r = -1;
		}
		b->commits = a.ncommits;
		hrdex_accept_release(&a);
		if (r < 0)
			goto cleanup;
		if (r == 0 && note_offered(rd, pub, &c[i].oid) < 0)
			goto cleanup;
		if (r == 0) {
			git_oid_cpy(&g->valid[g->nvalid++], &c[i].oid);
			git_oid_cpy(&stop[nstop++], &c[i].oid);
		}
	}
	ret = 0;
cleanup:
	free(stop);
	return ret;
}

/* With the objects in repo.git: move the branch to the newest copy that
 * passed, unless two that passed diverge (a fork: keep ours). */
static int settle_group(struct round *rd, struct group *g)
{
	struct hrdex_state *st = rd->st;
	struct hrdex_sync_report *rep = rd->rep;
	struct candidate *c = g->c;
	const char *pub = c[0].publisher;
	const git_oid *valid = g->valid, *cur = g->have_cur ? &g->cur : NULL;
	size_t nvalid = g->nvalid, i, j, best = (size_t)-1;
	char hex[GIT_OID_HEXSZ + 1], hex2[GIT_OID_HEXSZ + 1];
	git_oid newest;
	int taken = 0;

	if (!nvalid)
		return 0;
	/* The newest valid copy descends from every other one. */
	for (i = 0; i < nvalid && best == (size_t)-1; i++) {
		int all = 1;

		for (j = 0; j < nvalid && all; j++)
			if (j != i && git_graph_descendant_of(st->repo, &valid[i], &valid[j]) != 1)
				all = 0;
		if (all)
			best = i;
	}
	if (best == (size_t)-1) {
		/* Two signed, valid histories that diverge: the publisher forked its log. */
		for (i = 0; i < g->nc; i++) {
			struct hrdex_sync_branch *b = &rep->branches[c[i].branch];

			if (!oid_in(valid, nvalid, &c[i].oid))
				continue;
			branch_reject(rd, b, "fork", "peers offer diverging histories of '%s' (%.12s and %.12s): "
				      "the publisher forked its log; keeping ours", pub, oid_hex(hex, &valid[0]),
				      oid_hex(hex2, &valid[1]));
			sync_record_peer_ref(rd, c[i].peer, pub, &c[i].oid);
		}
		return 0;
	}
	git_oid_cpy(&newest, &valid[best]);
	for (i = 0; i < g->nc; i++) {
		struct hrdex_sync_branch *b = &rep->branches[c[i].branch];

		if (!oid_in(valid, nvalid, &c[i].oid))
			continue;
		sync_record_peer_ref(rd, c[i].peer, pub, &c[i].oid);
		if (!git_oid_equal(&c[i].oid, &newest)) {
			b->status = HRDEX_BRANCH_BEHIND;
			continue;
		}
		if (taken) {
			b->status = HRDEX_BRANCH_CURRENT;
			continue;
		}
		taken = 1; /* the first peer offering it is the one we say we took it from */
		if (move_branch(rd, pub, cur, &newest, rep->peers[c[i].peer].name) < 0 ||
		    hrdex_ledger_moved(rd->ledger, pub, &newest, rd->now_time) < 0)
			return -1;
		b->status = HRDEX_BRANCH_ACCEPTED;
		b->is_new = !cur;
		if (cur)
			git_oid_cpy(&b->from, cur);
		if (sync_count_changes(b, st->repo, cur, &newest) < 0)
			return -1;
		rep->accepted++;
		hrdex_log_info("accepted '%s' %.12s..%.12s from peer '%s' (+%zu ~%zu -%zu)", pub,
			       cur ? oid_hex(hex, cur) : "(new)", oid_hex(hex2, &newest),
			       rep->peers[c[i].peer].name, b->added, b->changed, b->removed);
		if (hrdex_buf_printf(&rd->message, "%s%s +%zu ~%zu -%zu via peer %s",
				     rd->message.len ? "; " : "sync: ", pub, b->added, b->changed, b->removed,
				     rep->peers[c[i].peer].name) < 0)
			return -1;
	}
	return 0;
}

static int cand_cmp(const void *x, const void *y)
{
	const struct candidate *a = x, *b = y;
	int c = strcmp(a->publisher, b->publisher);

	if (c)
		return c;
	return a->peer < b->peer ? -1 : a->peer > b->peer;
}

/* ---- after the branches ---- */

static int write_rejections(struct round *rd)
{
	struct hrdex_sync_report *rep = rd->rep;
	cJSON *root = cJSON_CreateObject(), *list;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(rd->st, "rejections.json");
	char when[32], hex[GIT_OID_HEXSZ + 1];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int ret = -1;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!root || !path || !cJSON_AddStringToObject(root, "time", when) ||
	    !(list = cJSON_AddArrayToObject(root, "rejections")))
		goto oom;
	for (i = 0; i < rep->nbranches; i++) {
		const struct hrdex_sync_branch *b = &rep->branches[i];
		cJSON *o;

		if (b->status != HRDEX_BRANCH_REJECTED)
			continue;
		o = cJSON_CreateObject();
		if (!o)
			goto oom;
		cJSON_AddItemToArray(list, o);
		if (!cJSON_AddStringToObject(o, "peer", rep->peers[b->peer].name) ||
		    !cJSON_AddStringToObject(o, "publisher", b->publisher) ||
		    !cJSON_AddStringToObject(o, "commit", oid_hex(hex, &b->offered)) ||
		    !cJSON_AddStringToObject(o, "rule", b->rule) ||
		    !cJSON_AddStringToObject(o, "reason", b->reason))
			goto oom;
	}
	if (hrdex_json_canonical(&text, root) < 0)
		goto cleanup;
	ret = hrdex_fs_write_atomic(path, text.ptr, text.len, 0644);
	goto cleanup;
oom:
	hrdex_error_oom();
cleanup:
	hrdex_buf_free(&text);
	free(path);
	cJSON_Delete(root);
	return ret;
}

/* What follows the round (refresh.h): after branches moved, main, view/,
 * the cache, the site and the mirrors, failing the round when one of the
 * first three fails; else only what an interrupted run left behind.
 * HRDEX_SYNC_PUSH pushes the mirrors either way. */
static int refresh(struct round *rd, unsigned flags)
{
	struct hrdex_refresh rf = { 0 };
	int r;

	rf.flags = flags & HRDEX_SYNC_PUSH ? HRDEX_REFRESH_PUSH : 0;
	if (rd->rep->accepted) {
		rf.message = rd->message.ptr;
		rf.hints = rd->hints;
		rf.flags |= HRDEX_REFRESH_STRICT;
	} else {
		rf.message = "sync: catch up after an interrupted run";
		rf.flags |= HRDEX_REFRESH_CATCH_UP;
	}
	r = hrdex_refresh(rd->st, &rf);
	if (rd->rep->accepted) {
		git_oid_cpy(&rd->rep->main, &rf.main);
		rd->rep->main_moved = !git_oid_is_zero(&rd->rep->main);
	}
	return r;
}

/* 1 when this round accepted a move of the registry's branch, or what the
 * registry gave was never derived (joined since, or STATE/registry.json lost). */
static int registry_moved(const struct hrdex_sync_report *r, struct hrdex_state *st)
{
	char reg[HRDEX_PUBLISHER_MAX + 1];
	size_t i;

	if (!hrdex_registry_get(st->config, reg))
		return 0;
	if (st->config->publisher && !strcmp(reg, st->config->publisher))
		return 1; /* the registry's own agent: its branch moves by publish */
	for (i = 0; i < r->nbranches; i++)
		if (r->branches[i].status == HRDEX_BRANCH_ACCEPTED && !strcmp(r->branches[i].publisher, reg))
			return 1;
	return !hrdex_registry_derived(st);
}

int hrdex_sync_run(struct hrdex_sync_report *out, struct hrdex_state *st, char **only, size_t nonly,
		   unsigned flags)
{
	struct hrdex_config *cfg = st->config;
	struct hrdex_fetch_opts fo;
	struct round rd;
	struct candidate *cands = NULL;
	struct group *groups = NULL;
	struct hrdex_peer *adhoc = NULL;
	size_t npeers = 0, ncands = 0, ngroups = 0, nadhoc = 0, i, j, start;
	int64_t t0 = hrdex_now_ms();
	int ret = -1;

	memset(out, 0, sizeof(*out));
	memset(&rd, 0, sizeof(rd));
	rd.st = st;
	rd.rep = out;
	for (i = 0; i < nonly; i++)
		if (!hrdex_bundle_is_path(only[i]) && !hrdex_config_peer(cfg, only[i]))
			return hrdex_error_set(HRDEX_E_USAGE, "no peer named '%s' (see 'hrdex peer list')", only[i]);
	rd.peers = calloc(cfg->npeers + nonly + 1, sizeof(*rd.peers));
	adhoc = calloc(nonly + 1, sizeof(*adhoc));
	if (!rd.peers || !adhoc) {
		free(rd.peers);
		free(adhoc);
		return hrdex_error_oom();
	}
	for (i = 0; i < cfg->npeers; i++)
		if (!nonly || list_has(only, nonly, cfg->peers[i].name))
			rd.peers[npeers++] = &cfg->peers[i];
	for (i = 0; i < nonly; i++)
		if (hrdex_bundle_is_path(only[i])) {
			if (adhoc_peer(&adhoc[nadhoc], cfg, only[i], rd.peers, npeers) < 0) {
				npeers = 0;
				goto cleanup;
			}
			rd.peers[npeers++] = &adhoc[nadhoc++];
		}
	out->peers = calloc(npeers + 1, sizeof(*out->peers));
	rd.jobs = calloc(npeers + 1, sizeof(*rd.jobs));
	rd.vrepos = calloc(npeers + 1, sizeof(*rd.vrepos));
	rd.checked = calloc(npeers + 1, sizeof(*rd.checked));
	if (hrdex_readme_hints_new(&rd.hints) < 0)
		goto cleanup;
	rd.repo_path = strdup(git_repository_path(st->repo));
	rd.quarantine = hrdex_state_path(st, "quarantine");
	if (!out->peers || !rd.jobs || !rd.vrepos || !rd.checked || !rd.repo_path || !rd.quarantine) {
		hrdex_error_oom();
		goto cleanup;
	}
	out->npeers = npeers;
	if (sync_refusals_load(&rd.was, st) < 0)
		goto cleanup;
	rd.now_time = (int64_t)time(NULL);
	if (hrdex_state_ledger(st, &rd.ledger) < 0 || ledger_prepare(&rd) < 0)
		goto cleanup;
	if (!(rd.now = calloc(1, sizeof(*rd.now)))) {
		hrdex_error_oom();
		goto cleanup;
	}
	hrdex_sync_clean(st);

	/* 1. Fetch, every peer at once (up to 8), each bounded. */
	for (i = 0; i < npeers; i++) {
		struct hrdex_fetch *job = &rd.jobs[i];
		char *dir;

		out->peers[i].name = strdup(rd.peers[i]->name);
		out->peers[i].url = strdup(rd.peers[i]->url);
		if (!out->peers[i].name || !out->peers[i].url) {
			hrdex_error_oom();
			goto cleanup;
		}
		job->fd = -1;
		job->name = rd.peers[i]->name;
		job->url = rd.peers[i]->url;
		job->ssh_key = rd.peers[i]->ssh_key;
		if (wanted_for(&job->wanted, &job->nwanted, st, rd.peers[i]) < 0)
			goto cleanup;
		dir = hrdex_path_join(rd.quarantine, rd.peers[i]->name);
		job->quarantine = dir ? hrdex_path_join(dir, "objects") : NULL;
		free(dir);
		if (!job->quarantine) {
			hrdex_error_oom();
			goto cleanup;
		}
		dir = hrdex_path_join(job->quarantine, "pack");
		if (!dir || hrdex_fs_mkdirs(dir, 0700) < 0) {
			free(dir);
			goto cleanup;
		}
		free(dir);
	}
	/* Tips refused before, on top of our present tips: not downloaded again. */
	if (sync_skip_list(&rd) < 0)
		goto cleanup;
	for (i = 0; i < npeers; i++) {
		rd.jobs[i].skip = rd.skip;
		rd.jobs[i].nskip = rd.nskip;
	}
	memset(&fo, 0, sizeof(fo));
	fo.repo_path = rd.repo_path;
	fo.connect_timeout_ms = cfg->connect_timeout * 1000;
	fo.timeout_ms = cfg->transfer_timeout * 1000;
	fo.max_bytes = cfg->limits.fetch_bytes;
	fo.parallel = 16;
	fo.stop = st->interrupt;
	fo.stop_fd = st->interrupt_fd;
	fo.stop_payload = st->interrupt_payload;
	if (hrdex_fetch_run(rd.jobs, npeers, &fo) < 0)
		goto cleanup;

	for (i = 0; i < npeers; i++) {
		struct hrdex_fetch *job = &rd.jobs[i];

		out->peers[i].status = job->status;
		out->peers[i].elapsed_ms = job->elapsed_ms;
		out->peers[i].bytes = job->bytes;
		hrdex_fmt_cut(out->peers[i].message, sizeof(out->peers[i].message), "%s", job->message);
		if (job->status != HRDEX_FETCH_OK) {
			/* In the report, not logged: each caller says it once
			 * (`sync`, or the service with its next try). */
			out->unreachable++;
			continue;
		}
		hrdex_log_debug("fetched from '%s' in %lld ms: %zu branches", job->name,
				(long long)job->elapsed_ms, job->nrefs);
		ncands += job->nrefs;
	}

	/* 2. Every branch offered, publisher by publisher. */
	cands = calloc(ncands + 1, sizeof(*cands));
	groups = calloc(ncands + 1, sizeof(*groups));
	if (!cands || !groups) {
		hrdex_error_oom();
		goto cleanup;
	}
	ncands = 0;
	for (i = 0; i < npeers; i++) {
		if (rd.jobs[i].status != HRDEX_FETCH_OK)
			continue;
		for (j = 0; j < rd.jobs[i].nrefs; j++) {
			struct candidate *c = &cands[ncands++];

			c->peer = i;
			c->publisher = rd.jobs[i].refs[j].name;
			git_oid_cpy(&c->oid, &rd.jobs[i].refs[j].oid);
		}
	}
	qsort(cands, ncands, sizeof(*cands), cand_cmp);
	for (i = 0; i < ncands; i++)
		if (!branch_add(&rd, cands[i].publisher, cands[i].peer, &cands[i].oid, &cands[i].branch))
			goto cleanup;
	/* 2a. Check all, 2b. bring in the objects that passed, peer by peer,
	 * 2c. then move the branches: a ref never points at missing objects. */
	for (start = 0; start < ncands; start = i) {
		for (i = start; i < ncands && !strcmp(cands[i].publisher, cands[start].publisher); i++)
			;
		groups[ngroups].c = &cands[start];
		groups[ngroups].nc = i - start;
		if (check_group(&rd, &groups[ngroups++]) < 0)
			goto cleanup;
	}
	for (i = 0; i < npeers; i++)
		if (sync_import_objects(&rd, i) < 0)
			goto cleanup;
	for (i = 0; i < ngroups; i++)
		if (settle_group(&rd, &groups[i]) < 0)
			goto cleanup; /* the next round's ledger_prepare records what moved */
	if (hrdex_ledger_save(rd.ledger) < 0)
		goto cleanup;
	/* A bundle carries what its maker chose (--since), not all its maker
	 * has: a branch missing from it is no sign the maker dropped it. */
	for (i = 0; i < npeers; i++)
		if (rd.jobs[i].status == HRDEX_FETCH_OK && !hrdex_bundle_is_path(rd.peers[i]->url))
			sync_prune_peer_refs(&rd, i);

	/* 2d. The registry's branch moved: trust, names and peers follow it
	 * (registry.h) before main is rebuilt, so a member withdrawn leaves it
	 * in this same round. */
	if (registry_moved(out, st) ? hrdex_registry_apply(st, &out->registry_changed) < 0
				    : hrdex_registry_auto_peers(st, &out->registry_changed) < 0 ||
				      (out->accepted && hrdex_revoke_apply(st, NULL) < 0))
		goto cleanup; /* a held revocation's reset_to may come with another branch (revoke.h) */

	/* 3. The view of what moved, and the record of what did not. */
	if (refresh(&rd, flags) < 0)
		goto cleanup;
	if (write_rejections(&rd) < 0 || sync_refusals_save(&rd) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	out->elapsed_ms = hrdex_now_ms() - t0;
	for (i = 0; rd.jobs && i < npeers; i++) {
		free(rd.jobs[i].wanted);
		free((char *)rd.jobs[i].quarantine);
		hrdex_fetch_release(&rd.jobs[i]);
		if (rd.vrepos)
			git_repository_free(rd.vrepos[i]);
		if (rd.checked)
			free(rd.checked[i].ids);
	}
	for (i = 0; i < ngroups; i++)
		free(groups[i].valid);
	free(groups);
	free(rd.checked);
	sync_refusals_free(rd.was);
	sync_refusals_free(rd.now);
	free(rd.skip);
	hrdex_readme_hints_free(rd.hints);
	hrdex_sync_clean(st);
	hrdex_buf_free(&rd.message);
	free(cands);
	free(rd.jobs);
	free(rd.vrepos);
	free(rd.repo_path);
	free(rd.quarantine);
	free(rd.peers);
	for (i = 0; i < nadhoc; i++)
		free(adhoc[i].name);
	free(adhoc);
	return ret;
}
