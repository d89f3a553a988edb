/*
 * service.c - the `hrdex run` loop (see service.h).
 *
 * The shape is git-sync's and redis's: hrdex_service_run() reads as a
 * script (claim, signals, load, loop, clean up), and all periodic work is in
 * one function, cron(), which runs one pass:
 *   take the agent-wide lock; sync the peers that are due, one at a time,
 *   each with its own backoff, until the pass has run sync.passTimeout; run
 *   the outbox; notice which publisher tips moved and queue webhooks; write
 *   status.json and metrics.prom; release the lock.
 * Between passes the loop sleeps in ppoll() on a signalfd until the next
 * peer or outbox scan is due, so a signal ends the sleep at once.
 *
 * Schedule: a peer synced successfully is due again after sync.interval plus
 * a random 0..sync.jitter seconds (peers drift apart instead of hitting
 * their own peers in step).  After n consecutive failures the wait is
 * sync.interval * 2^(n-1), at most sync.backoffMax, plus jitter; a success
 * resets it.  SIGUSR1 and a start make every peer due at once.
 */
#include "service.h"
#include "regtypes.h"
#include "buf.h"
#include "error.h"
#include "fs.h"
#include "hook.h"
#include "log.h"
#include "outbox.h"
#include "refresh.h"
#include "repo.h"
#include "status.h"
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#define BUSY_RETRY 1   /* seconds before retrying a pass when the state is locked */

struct peer_sched {
	char name[65];
	int64_t next_try;
};

struct service {
	char *dir;
	struct hrdex_state *state;
	struct hrdex_status st;
	struct hrdex_hooks *hooks;
	struct peer_sched *sched;   /* one per configured peer */
	size_t nsched;
	int run_fd;                 /* flock on run.pid */
	int sig_fd;
	sigset_t old_mask;
	int masked;
	int64_t next_outbox;
	int64_t next_pass;          /* retry when the state was busy */
	int64_t busy_since;         /* the lock has been held by others since */
	int locked_out;             /* the last pass could not take the lock */
	int cleaned;                /* hrdex_sync_clean() done */
	int have_tips;              /* st.publishers holds the tips the last pass saw */
	int stop, reload, sync_now;
	const char *reload_why;   /* NULL: SIGHUP */
	int once;
	struct hrdex_service_result result;
};

int64_t hrdex_service_delay(int64_t failures, int64_t interval, int64_t backoff_max)
{
	int64_t cap = backoff_max > interval ? backoff_max : interval, d = interval;

	while (failures > 1 && d < cap) {
		d *= 2;
		failures--;
	}
	return d < cap ? d : cap;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The adapter to sync.c: a round limited to this one peer, so that each
 * peer keeps its own schedule and backoff, and a signal is answered between
 * two peers. */
int hrdex_service_sync_peer(struct hrdex_state *s, const struct hrdex_peer *peer,
			    struct hrdex_sync_result *out)
{
	struct hrdex_sync_report r;
	char *only[1];
	size_t i;

	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	only[0] = peer->name;
	if (hrdex_sync_run(&r, s, only, 1, 0) < 0) {
		hrdex_sync_report_free(&r);
		return -1;
	}
	out->seconds = (double)r.elapsed_ms / 1000.0;
	out->accepted = r.accepted;
	out->rejected = r.rejected;
	out->registry_changed = r.registry_changed;
	out->status = HRDEX_SYNC_OK;
	for (i = 0; i < r.npeers; i++) {
		out->bytes += r.peers[i].bytes;
		if (r.peers[i].status == HRDEX_FETCH_OK)
			continue;
		out->status = r.peers[i].status == HRDEX_FETCH_UNREACHABLE ? HRDEX_SYNC_UNREACHABLE
									   : HRDEX_SYNC_FAILED;
		hrdex_fmt_cut(out->error, sizeof(out->error), "%s", r.peers[i].message);
	}
	hrdex_sync_report_free(&r);
	return 0;
}

static int64_t jitter(const struct hrdex_config *c)
{
	return c->sync_jitter > 0 ? (int64_t)randombytes_uniform((uint32_t)c->sync_jitter + 1) : 0;
}

/* ---- systemd readiness (Type=notify), without libsystemd ---- */

static void sd_notify_msg(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || (len = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

/* ---- one instance per state directory ---- */

static int claim(struct service *sv)
{
	char *path = hrdex_path_join(sv->dir, "run.pid"), pid[32];
	int n;

	if (!path)
		return hrdex_error_oom();
	sv->run_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (sv->run_fd < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot open '%s'", path);
		free(path);
		return -1;
	}
	/* `hrdex status` holds a shared lock for an instant to see whether
	 * we run: wait that out, but not another service. */
	for (n = 0; flock(sv->run_fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK && n < 5; n++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (flock(sv->run_fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t r = read(sv->run_fd, pid, sizeof(pid) - 1);

		pid[r > 0 ? r : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (errno == EWOULDBLOCK || r >= 0)
			hrdex_error_set(HRDEX_E_BUSY, "another 'hrdex run'%s%s%s holds '%s'",
					pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "", sv->dir);
		free(path);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid()); /* fits: a number */
	if (ftruncate(sv->run_fd, 0) < 0 || pwrite(sv->run_fd, pid, (size_t)n, 0) != n)
		hrdex_log_warn("cannot write '%s': %s", path, strerror(errno));
	free(path);
	return 0;
}

/* ---- signals ---- */

static void unblock_in_child(void)
{
	sigset_t all;

	/* Children (fetches) must not inherit the blocked signals. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

static int signals_init(struct service *sv)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, &sv->old_mask) != 0)
		return hrdex_error_errno(HRDEX_E_INTERNAL, "cannot block signals");
	sv->masked = 1;
	signal(SIGPIPE, SIG_IGN);
	pthread_atfork(NULL, NULL, unblock_in_child);
	sv->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sv->sig_fd < 0)
		return hrdex_error_errno(HRDEX_E_INTERNAL, "cannot create a signalfd");
	return 0;
}

/* Read pending signals into flags; never blocks. */
static void signals_poll(struct service *sv)
{
	struct signalfd_siginfo si;

	while (read(sv->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (!sv->stop)
				hrdex_log_info("received %s; stopping after the step in hand",
					       si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			sv->stop = 1;
			break;
		case SIGHUP:
			sv->reload = 1;
			break;
		case SIGUSR1:
			hrdex_log_info("received SIGUSR1; syncing every peer now");
			sv->sync_now = 1;
			break;
		}
	}
}

/* state.h's interrupt: a signal arrived during a fetch; give up on SIGTERM
 * or SIGINT (the others are kept as flags for after the pass). */
static int stop_requested(void *payload)
{
	struct service *sv = payload;

	signals_poll(sv);
	return sv->stop;
}

/* Sleep until `until` (unix seconds) or a signal. */
static void sleep_until(struct service *sv, int64_t until)
{
	int64_t wait = until - now_s();
	struct pollfd p = { sv->sig_fd, POLLIN, 0 };
	struct timespec ts;

	if (wait <= 0)
		return;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = 0;
	(void)ppoll(&p, 1, &ts, NULL);
	signals_poll(sv);
}

/* ---- schedule ---- */

static struct peer_sched *sched_for(struct service *sv, const char *name)
{
	size_t i;

	for (i = 0; i < sv->nsched; i++)
		if (!strcmp(sv->sched[i].name, name))
			return &sv->sched[i];
	return NULL;
}

/* One entry per configured peer; new peers are due now. */
static int sched_update(struct service *sv, int64_t now)
{
	const struct hrdex_config *c = sv->state->config;
	struct peer_sched *list = calloc(c->npeers + 1, sizeof(*list));
	size_t i;

	if (!list)
		return hrdex_error_oom();
	for (i = 0; i < c->npeers; i++) {
		struct peer_sched *old = sched_for(sv, c->peers[i].name);

		snprintf(list[i].name, sizeof(list[i].name), "%s", c->peers[i].name); /* fits: peer names are valid names, at most 64 bytes (config.c) */
		list[i].next_try = old ? old->next_try : now;
	}
	free(sv->sched);
	sv->sched = list;
	sv->nsched = c->npeers;
	hrdex_status_prune_peers(&sv->st, c);
	hrdex_status_prune_rejections(&sv->st, c);
	return 0;
}

static int64_t next_wakeup(const struct service *sv)
{
	int64_t t = sv->next_outbox;
	size_t i;

	for (i = 0; i < sv->nsched; i++)
		if (sv->sched[i].next_try < t)
			t = sv->sched[i].next_try;
	if (sv->next_pass && sv->next_pass < t)
		t = sv->next_pass;
	return t;
}

/* ---- configuration ---- */

static void reload(struct service *sv)
{
	struct hrdex_config *c = NULL;
	char *path = hrdex_state_path(sv->state, "hrdex.conf");

	const char *why = sv->reload_why ? sv->reload_why : "received SIGHUP";

	sv->reload = 0;
	sv->reload_why = NULL;
	sd_notify_msg("RELOADING=1");
	if (!path || hrdex_config_load(&c, path) < 0) {
		hrdex_log_error("%s; not reloading: %s; keeping the running configuration", why,
				hrdex_error_message());
		goto done;
	}
	if (strcmp(c->publisher, sv->state->config->publisher)) {
		hrdex_log_error("%s; not reloading: hrdex.publisher changed from '%s' to '%s'; "
				"keeping the running configuration", why, sv->state->config->publisher, c->publisher);
		hrdex_config_free(c);
		goto done;
	}
	hrdex_config_free(sv->state->config);
	sv->state->config = c;
	if (hrdex_state_reload_signers(sv->state) < 0 || hrdex_state_network(sv->state) < 0)
		hrdex_log_error("cannot re-read allowed_signers: %s", hrdex_error_message());
	if (sched_update(sv, now_s()) < 0 || hrdex_hooks_configure(sv->hooks, c) < 0)
		hrdex_log_error("%s", hrdex_error_message());
	sv->next_outbox = now_s();
	hrdex_log_info("%s; configuration reloaded (%zu peer%s, %zu webhook%s)", why, c->npeers,
		       c->npeers == 1 ? "" : "s", c->nhooks, c->nhooks == 1 ? "" : "s");
done:
	free(path);
	sd_notify_msg("READY=1");
}

/* ---- one pass ---- */

/* Tips of every publisher branch, to see what a pass moved. */
struct tips {
	git_strarray names;
	git_oid *oids;
};

static int tips_read(struct tips *t, git_repository *repo)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	if (hrdex_repo_publishers(&t->names, repo) < 0)
		return -1;
	t->oids = calloc(t->names.count + 1, sizeof(*t->oids));
	if (!t->oids)
		return hrdex_error_oom();
	for (i = 0; i < t->names.count; i++)
		if (hrdex_repo_tip(&t->oids[i], repo, t->names.strings[i]) < 0)
			return -1;
	return 0;
}

/* The tips the last pass saw (status.json keeps them across restarts), so
 * that changes made between passes (hrdex publish, withdraw, sync) are
 * announced too. */
static int tips_from_status(struct tips *t, const struct hrdex_status *st)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->names.strings = calloc(st->npublishers + 1, sizeof(char *));
	t->oids = calloc(st->npublishers + 1, sizeof(*t->oids));
	if (!t->names.strings || !t->oids)
		return hrdex_error_oom();
	for (i = 0; i < st->npublishers; i++) {
		if (git_oid_fromstr(&t->oids[t->names.count], st->publishers[i].tip) < 0)
			continue;
		if (!(t->names.strings[t->names.count] = strdup(st->publishers[i].id)))
			return hrdex_error_oom();
		t->names.count++;
	}
	return 0;
}

static void tips_free(struct tips *t)
{
	git_strarray_dispose(&t->names);
	free(t->oids);
	memset(t, 0, sizeof(*t));
}

static const git_oid *tips_get(const struct tips *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->names.count; i++)
		if (!strcmp(t->names.strings[i], name))
			return &t->oids[i];
	return NULL;
}

/* Branches that moved between a and b. */
static int tips_diff(struct hrdex_change **out, size_t *n, const struct tips *a, const struct tips *b)
{
	struct hrdex_change *list = calloc(a->names.count + b->names.count + 1, sizeof(*list));
	size_t i, k = 0;

	*out = list;
	*n = 0;
	if (!list)
		return hrdex_error_oom();
	for (i = 0; i < b->names.count; i++) {
		const git_oid *old = tips_get(a, b->names.strings[i]);

		if (old && git_oid_equal(old, &b->oids[i]))
			continue;
		snprintf(list[k].publisher, sizeof(list[k].publisher), "%s", b->names.strings[i]); /* fits: branch names are valid publisher ids */
		if (old)
			list[k].old = *old;
		list[k++].new = b->oids[i];
	}
	for (i = 0; i < a->names.count; i++) {
		if (tips_get(b, a->names.strings[i]))
			continue;
		snprintf(list[k].publisher, sizeof(list[k].publisher), "%s", a->names.strings[i]); /* fits: branch names are valid publisher ids */
		list[k++].old = a->oids[i];
	}
	*n = k;
	return 0;
}

static int reopen_repo(struct hrdex_state *s)
{
	char *path = hrdex_state_path(s, "repo.git");
	git_repository *repo = NULL;
	int r;

	if (!path)
		return hrdex_error_oom();
	r = git_repository_open_bare(&repo, path);
	if (r < 0)
		hrdex_error_git(HRDEX_E_IO, "cannot open repository '%s'", path);
	free(path);
	if (r < 0)
		return -1;
	git_repository_free(s->repo);
	s->repo = repo;
	return 0;
}

static void sync_one(struct service *sv, struct peer_sched *ps, int64_t now)
{
	const struct hrdex_config *c = sv->state->config;
	const struct hrdex_peer *peer = hrdex_config_peer(c, ps->name);
	struct hrdex_status_peer *p = hrdex_status_peer(&sv->st, ps->name);
	struct hrdex_sync_result r;
	double t0 = mono_s();
	int64_t delay;

	if (!peer || !p)
		return;
	memset(&r, 0, sizeof(r));
	if (hrdex_service_sync_peer(sv->state, peer, &r) < 0) {
		r.status = HRDEX_SYNC_FAILED;
		hrdex_fmt_cut(r.error, sizeof(r.error), "%s", hrdex_error_message());
	}
	if (!r.seconds)
		r.seconds = mono_s() - t0;
	/* New peers from the registry (network.autoPeers) are in hrdex.conf:
	 * read it again between two peers, as SIGHUP does. */
	if (r.registry_changed && !sv->reload) {
		sv->reload = 1;
		sv->reload_why = "the registry's members changed";
	}
	if (sv->stop && r.status != HRDEX_SYNC_OK) {
		/* cut short by SIGTERM: not the peer's failure, no backoff */
		hrdex_log_info("peer '%s': sync stopped", ps->name);
		return;
	}
	{
		cJSON *rej = NULL;

		if (hrdex_status_read_rejections(&rej, sv->dir) < 0 ||
		    hrdex_status_merge_rejections(&sv->st, rej, ps->name) < 0)
			hrdex_log_warn("status: %s", hrdex_error_message());
		cJSON_Delete(rej);
	}
	p->last_attempt = now;
	p->last_bytes = r.bytes;
	p->last_seconds = r.seconds;
	sv->st.counters.fetch_bytes += r.bytes;
	sv->st.counters.fetch_seconds += r.seconds;
	sv->st.counters.branches_accepted += (int64_t)r.accepted;
	sv->st.counters.branches_rejected += (int64_t)r.rejected;
	sv->result.branches_rejected += (int)r.rejected;
	if (r.status == HRDEX_SYNC_OK) {
		sv->st.counters.syncs_ok++;
		p->failures = 0;
		p->last_success = now_s();
		p->error[0] = '\0';
		delay = hrdex_service_delay(0, c->sync_interval, c->backoff_max);
		if (r.accepted || r.rejected)
			hrdex_log_info("peer '%s': synced in %.1f s: %zu branch%s accepted, %zu rejected, %lld bytes",
				       ps->name, r.seconds, r.accepted, r.accepted == 1 ? "" : "es", r.rejected,
				       (long long)r.bytes);
		else
			hrdex_log_debug("peer '%s': synced in %.1f s, nothing new", ps->name, r.seconds);
	} else {
		if (r.status == HRDEX_SYNC_UNREACHABLE)
			sv->st.counters.syncs_unreachable++;
		else
			sv->st.counters.syncs_failed++;
		p->failures++;
		hrdex_fmt_cut(p->error, sizeof(p->error), "%s", r.error);
		sv->result.peers_failed++;
		delay = hrdex_service_delay(p->failures, c->sync_interval, c->backoff_max);
		hrdex_log_warn("peer '%s': %s: %s; next try in %lld s (%lld consecutive failure%s)", ps->name,
			       r.status == HRDEX_SYNC_UNREACHABLE ? "unreachable" : "sync failed", r.error,
			       (long long)delay, (long long)p->failures, p->failures == 1 ? "" : "s");
	}
	ps->next_try = now_s() + delay + jitter(c);
	p->next_try = ps->next_try;
}

static void run_outbox(struct service *sv, int64_t now)
{
	struct hrdex_outbox_report r;
	char id[12];

	sv->next_outbox = now + sv->state->config->outbox_interval;
	if (hrdex_outbox_pass(sv->state, now, &r) < 0) {
		sv->result.outbox_failed = hrdex_error_kind();
		hrdex_log_error("outbox: %s; trying again in %lld s", hrdex_error_message(),
				(long long)sv->state->config->outbox_interval);
		return;
	}
	sv->st.counters.outbox_done += (int64_t)r.published;
	sv->st.counters.outbox_rejected += (int64_t)r.rejected;
	sv->st.counters.docs_rejected += (int64_t)r.rejected;
	sv->st.counters.docs_published += (int64_t)(r.added + r.changed);
	if (r.committed)
		hrdex_log_info("outbox: published %zu file%s as commit %s (%zu added, %zu changed)", r.published,
			       r.published == 1 ? "" : "s", git_oid_tostr(id, sizeof(id), &r.commit), r.added,
			       r.changed);
	else if (r.published)
		hrdex_log_info("outbox: %zu file%s already published; moved to done/", r.published,
			       r.published == 1 ? "" : "s");
	if (r.rejected)
		hrdex_log_warn("outbox: rejected %zu file%s; see outbox/rejected/*.error", r.rejected,
			       r.rejected == 1 ? "" : "s");
}

/* Count the documents peers changed, and queue webhooks. */
static void after_changes(struct service *sv, const struct tips *before, const struct tips *after)
{
	struct hrdex_change *ch = NULL;
	size_t n = 0, i;

	if (tips_diff(&ch, &n, before, after) < 0) {
		hrdex_log_error("%s", hrdex_error_message());
		free(ch);
		return;
	}
	for (i = 0; i < n; i++) {
		cJSON *s = NULL;

		if (!strcmp(ch[i].publisher, sv->state->config->publisher))
			continue;
		if (hrdex_hook_summary(&s, sv->state->repo, &ch[i]) == 0)
			sv->st.counters.docs_from_peers +=
				cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "added")) +
				cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "changed")) +
				cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "withdrawn"));
		cJSON_Delete(s);
	}
	if (n && hrdex_hooks_notify(sv->hooks, sv->state->repo, ch, n) < 0)
		hrdex_log_error("webhooks: cannot queue the change: %s", hrdex_error_message());
	free(ch);
}

static void write_status(struct service *sv)
{
	sv->st.updated = now_s();
	sv->st.pid = (int64_t)getpid();
	snprintf(sv->st.publisher, sizeof(sv->st.publisher), "%s", sv->state->config->publisher); /* fits: a valid publisher id */
	sv->st.outbox_pending = (int64_t)hrdex_outbox_pending(sv->state);
	if (hrdex_status_scan_publishers(&sv->st, sv->state->repo) < 0) {
		hrdex_log_error("status: %s", hrdex_error_message());
	} else {
		char *cache = hrdex_state_path(sv->state, "cache.db");

		hrdex_status_scan_held(&sv->st, cache);
		free(cache);
	}
	if (hrdex_status_scan_network(&sv->st, sv->dir, sv->state->signers, sv->state->config, sv->st.updated) < 0)
		hrdex_log_error("status: %s", hrdex_error_message());
	if (hrdex_hooks_report(sv->hooks, &sv->st) < 0)
		hrdex_log_error("status: %s", hrdex_error_message());
	if (hrdex_status_write(&sv->st, sv->dir) < 0)
		hrdex_log_error("status: %s", hrdex_error_message());
}

/* One pass: due peers, the outbox, webhooks, status.  All periodic work. */
static void cron(struct service *sv)
{
	const struct hrdex_config *c;
	struct tips before, after;
	int64_t now = now_s();
	double start = mono_s();
	size_t i;

	memset(&sv->result, 0, sizeof(sv->result));
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	/* Never wait for the lock here: a command holding it (hrdex publish)
	 * ends soon, and the loop must keep answering signals meanwhile. */
	if (hrdex_state_lock(sv->state, sv->once) < 0) {
		sv->locked_out = 1;
		if (!sv->busy_since)
			sv->busy_since = now;
		if (now - sv->busy_since >= 60 && (now - sv->busy_since) % 60 == 0)
			hrdex_log_warn("%s (for %lld s); retrying every %d s", hrdex_error_message(),
				       (long long)(now - sv->busy_since), BUSY_RETRY);
		else
			hrdex_log_debug("%s; next pass in %d s", hrdex_error_message(), BUSY_RETRY);
		sv->next_pass = now + BUSY_RETRY;
		return;
	}
	sv->next_pass = 0;
	sv->busy_since = 0;
	sv->locked_out = 0;
	if (!sv->cleaned) { /* leftovers of transfers killed with an earlier run */
		hrdex_sync_clean(sv->state);
		sv->cleaned = 1;
	}
	/* `hrdex key rotate` may have run between two passes: sign with the
	 * key it left (keyring.h) */
	if (reopen_repo(sv->state) < 0 || hrdex_state_reload_signers(sv->state) < 0 ||
	    hrdex_state_reload_key(sv->state) < 0 ||
	    (sv->have_tips ? tips_from_status(&before, &sv->st) : tips_read(&before, sv->state->repo)) < 0) {
		tips_free(&before);
		hrdex_log_error("%s; next pass in %d s", hrdex_error_message(), BUSY_RETRY);
		sv->next_pass = now_s() + BUSY_RETRY;
		hrdex_state_unlock(sv->state);
		return;
	}
	/* A command killed after its branch moved (between two passes, too)
	 * left main, view/ or the cache behind; with no peer due and the
	 * outbox empty, no pass would bring them up (refresh.h). */
	hrdex_refresh_catch_up(sv->state, "run");
	c = sv->state->config;
	if (sv->sync_now) {
		for (i = 0; i < sv->nsched; i++)
			sv->sched[i].next_try = now;
		sv->sync_now = 0;
	}
	for (;;) {
		struct peer_sched *due = NULL;

		signals_poll(sv);
		if (sv->stop)
			break;
		for (i = 0; i < sv->nsched; i++)
			if (sv->sched[i].next_try <= now && (!due || sv->sched[i].next_try < due->next_try))
				due = &sv->sched[i];
		if (!due)
			break;
		if (mono_s() - start > (double)c->pass_timeout) {
			hrdex_log_warn("pass ran %lld s (sync.passTimeout); other peers wait for the next pass",
				       (long long)(mono_s() - start));
			break;
		}
		sync_one(sv, due, now);
	}
	signals_poll(sv);
	if (!sv->stop && (sv->once || sv->next_outbox <= now_s()))
		run_outbox(sv, now_s());
	if (tips_read(&after, sv->state->repo) == 0)
		after_changes(sv, &before, &after);
	else
		hrdex_log_error("%s", hrdex_error_message());
	tips_free(&before);
	tips_free(&after);
	sv->st.counters.passes++;
	write_status(sv);
	sv->have_tips = 1;
	hrdex_state_unlock(sv->state);
}

/* ---- the service ---- */

static int load_status(struct service *sv)
{
	struct hrdex_status old;
	size_t i;

	if (hrdex_status_read(&old, sv->dir) < 0) {
		if (hrdex_error_kind() != HRDEX_E_NOTFOUND)
			hrdex_log_warn("starting with fresh counters: %s", hrdex_error_message());
		memset(&sv->st, 0, sizeof(sv->st));
		return 0;
	}
	/* Counters, tips and per-peer history survive restarts; the rest is rebuilt. */
	sv->st.counters = old.counters;
	sv->st.publishers = old.publishers;
	sv->st.npublishers = old.npublishers;
	old.publishers = NULL;
	old.npublishers = 0;
	sv->st.rejections = old.rejections;
	old.rejections = NULL;
	sv->have_tips = 1;
	for (i = 0; i < old.npeers; i++) {
		struct hrdex_status_peer *p = hrdex_status_peer(&sv->st, old.peers[i].name);

		if (p)
			*p = old.peers[i];
	}
	for (i = 0; i < old.nhooks; i++) {
		struct hrdex_status_hook *h = hrdex_status_hook(&sv->st, old.hooks[i].name);

		if (h)
			*h = old.hooks[i];
	}
	hrdex_status_release(&old);
	return 0;
}

int hrdex_service_run(const char *dir, const struct hrdex_service_opts *opts,
		      struct hrdex_service_result *result)
{
	struct service sv;
	int curl_ready = 0, ret = -1;

	memset(&sv, 0, sizeof(sv));
	sv.run_fd = sv.sig_fd = -1;
	sv.once = opts->once;
	if (!(sv.dir = strdup(dir))) {
		hrdex_error_oom();
		goto cleanup;
	}
	if (hrdex_state_open(&sv.state, dir, HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS) < 0 || claim(&sv) < 0 ||
	    hrdex_regtypes_load(sv.state) < 0)
		goto cleanup;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		hrdex_error_set(HRDEX_E_INTERNAL, "cannot initialise libcurl");
		goto cleanup;
	}
	curl_ready = 1;
	if (signals_init(&sv) < 0 || load_status(&sv) < 0)
		goto cleanup;
	sv.state->interrupt_fd = sv.sig_fd;
	sv.state->interrupt = stop_requested;
	sv.state->interrupt_payload = &sv;
	sv.st.started = now_s();
	sv.st.once = sv.once;
	if (sched_update(&sv, now_s()) < 0 || hrdex_hooks_start(&sv.hooks, dir, sv.state->config) < 0)
		goto cleanup;
	sv.next_outbox = now_s();
	hrdex_log_info("%s for '%s' in '%s': %zu peer%s, %zu webhook%s", opts->once ? "one pass" : "started",
		       sv.state->config->publisher, dir, sv.state->config->npeers,
		       sv.state->config->npeers == 1 ? "" : "s", sv.state->config->nhooks,
		       sv.state->config->nhooks == 1 ? "" : "s");
	sd_notify_msg("READY=1");
	while (!sv.stop) {
		if (sv.reload)
			reload(&sv);
		cron(&sv);
		if (sv.once || sv.stop)
			break;
		sleep_until(&sv, next_wakeup(&sv));
	}
	sd_notify_msg("STOPPING=1");
	if (sv.once && sv.locked_out) /* --once waited 10 s like other commands: 75 */
		goto cleanup;
	if (sv.once && hrdex_hooks_drain(sv.hooks, now_s() + sv.state->config->hook_timeout + 1) &&
	    hrdex_state_lock(sv.state, 1) == 0) {
		write_status(&sv); /* with the deliveries just made */
		hrdex_state_unlock(sv.state);
	}
	if (!sv.once) {
		/* Monitors see a clean stop at once (hrdex_up 0, "stopped"),
		 * not a healthy service until status.maxAge runs out. */
		sv.st.stopped = now_s();
		if (hrdex_state_lock(sv.state, 1) == 0) {
			write_status(&sv);
			hrdex_state_unlock(sv.state);
		} else {
			hrdex_log_warn("cannot record the stop in status.json: %s", hrdex_error_message());
		}
		hrdex_log_info("stopped");
	}
	if (result)
		*result = sv.result;
	ret = 0;
cleanup:
	hrdex_hooks_stop(sv.hooks);
	hrdex_status_release(&sv.st);
	free(sv.sched);
	if (sv.sig_fd >= 0)
		close(sv.sig_fd);
	if (sv.masked)
		pthread_sigmask(SIG_SETMASK, &sv.old_mask, NULL);
	if (curl_ready)
		curl_global_cleanup();
	hrdex_state_free(sv.state);
	if (sv.run_fd >= 0)
		close(sv.run_fd);
	free(sv.dir);
	return ret;
}
