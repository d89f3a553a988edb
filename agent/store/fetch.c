/*
 * fetch.c - bounded fetches and pushes in child processes (see fetch.h).
 *
 * The child speaks to the parent over a pipe, one line per fact:
 *   connected              the remote answered and listed its refs
 *   ref NAME HEX           an advertised branch the parent asked for
 *   refused NAME MESSAGE   push: the remote refused refs/heads/NAME
 *   ok                     finished
 *   unreachable MESSAGE    could not connect
 *   error MESSAGE          failed after connecting
 * Anything but a final "ok" from a child that exited 0 counts as a failure.
 */
#include "fetch.h"
#include "buf.h"
#include "bundle.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#define CHILD_OUTPUT_MAX ((size_t)1 << 20) /* refs lines are bounded by the wanted list */
#define MEMORY_SLACK ((int64_t)512 << 20)   /* RLIMIT_AS headroom beyond the pack itself */

int64_t hrdex_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- child side ---- */

struct xfer {
	int64_t max_bytes;
	int64_t bytes;          /* received so far, reported to the parent */
	int over;               /* the byte cap stopped the transfer */
	int cred_tries;
	const char *ssh_key;
	int fd;                 /* pipe to the parent */
	const char *push_failed_name;
	unsigned calls;         /* progress callbacks since pages were last dropped */
};

static void child_say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void child_say(int fd, const char *fmt, ...)
{
	char line[1024];
	const char *p = line;
	va_list ap;
	int n;
	size_t i, len;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = strlen(line);
	/* One fact per line: no newline or control character from a message. */
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = ' ';
	line[len++] = '\n';
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		p += w;
		len -= (size_t)w;
	}
}

static const char *git_message(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

/*
 * libgit2 1.5's indexer reads the pack it is writing through mwindow maps
 * that it never registers with the mapped-memory limit, and keeps them until
 * the pack is indexed: every page of a 180 MB pack ended up in this
 * process's RSS (and in the service's cgroup).  The maps are read-only
 * (r--), so dropping their pages from our page tables is safe: the next
 * read faults the same bytes back in from the page cache.
 */
static void drop_pack_pages(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];

		if (!strstr(line, "/pack_git2_") || sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    strncmp(perms, "r--", 3))
			continue;
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	if (f)
		fclose(f);
}

static int on_progress(const git_indexer_progress *stats, void *payload)
{
	struct xfer *x = payload;

	/* called once per object received, then per delta resolved */
	if (++x->calls >= 2048) {
		x->calls = 0;
		drop_pack_pages();
	}
	x->bytes = (int64_t)stats->received_bytes;
	if ((int64_t)stats->received_bytes > x->max_bytes) {
		x->over = 1;
		return -1;
	}
	return 0;
}

static int on_push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	struct xfer *x = payload;

	(void)current;
	(void)total;
	if ((int64_t)bytes > x->max_bytes) {
		x->over = 1;
		return -1;
	}
	return 0;
}

static int on_credentials(git_credential **out, const char *url, const char *user,
			  unsigned int allowed, void *payload)
{
	struct xfer *x = payload;

	(void)url;
	if (x->cred_tries++ > 2) {
		git_error_set_str(GIT_ERROR_NET, "authentication failed");
		return -1;
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user ? user : "git");
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && x->ssh_key)
		return git_credential_ssh_key_new(out, user ? user : "git", NULL, x->ssh_key, NULL);
	git_error_set_str(GIT_ERROR_NET, x->ssh_key ? "the peer asks for credentials hrdex cannot give"
						    : "the peer asks for credentials; set peer.NAME.sshKey");
	return -1;
}

static int on_push_update(const char *refname, const char *status, void *payload)
{
	struct xfer *x = payload;

	if (status)
		child_say(x->fd, "refused %s %s",
			  strncmp(refname, "refs/heads/", 11) ? refname : refname + 11, status);
	return 0;
}

/* Cap memory and file size; die with the parent (pid parent). */
static void child_limits(int64_t max_bytes, pid_t parent)
{
	struct rlimit rl;
	unsigned long long pages = 0;
	FILE *f;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Killed between fork() and prctl(), the parent sent no signal: an
	 * orphan would go on writing into a quarantine the next run reuses. */
	if (getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	/* Memory: what we use now (huge under AddressSanitizer) plus the budget. */
	f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	if (pages) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) +
					    (rlim_t)max_bytes + (rlim_t)MEMORY_SLACK;
		setrlimit(RLIMIT_AS, &rl);
	}
	rl.rlim_cur = rl.rlim_max = (rlim_t)max_bytes + ((rlim_t)1 << 20);
	setrlimit(RLIMIT_FSIZE, &rl);
}

/* Whether the caller already knows its verdict on this tip (sync.c: a
 * refusal remembered), so that its objects need not come again. */
static int skipped(const struct hrdex_fetch *job, const char *name, const git_oid *tip)
{
	size_t i;

	for (i = 0; i < job->nskip; i++)
		if (git_oid_equal(&job->skip[i].oid, tip) && !strcmp(job->skip[i].name, name))
			return 1;
	return 0;
}

/* Index of name in the wanted list, or -1. */
static long wanted_index(const struct hrdex_fetch *job, const char *name)
{
	size_t i;

	for (i = 0; i < job->nwanted; i++)
		if (!strcmp(job->wanted[i], name))
			return (long)i;
	return -1;
}

/*
 * Whether to take the advertised ref refname at tip: only plain
 * refs/heads/<publisher> names we asked for, each once (taken: one flag per
 * wanted name).  0: not taken; 1: reported to the parent, not downloaded
 * (skip list); 2: reported, to download.  One rule for fetches and bundles.
 */
static int take_ref(const struct hrdex_fetch *job, char *taken, const char *refname, const git_oid *tip, int fd)
{
	char hex[GIT_OID_HEXSZ + 1];
	const char *name = refname + 11;
	long w;

	if (strncmp(refname, "refs/heads/", 11) || !hrdex_publisher_valid(name))
		return 0;
	w = wanted_index(job, name);
	if (w < 0 || taken[w])
		return 0;
	taken[w] = 1;
	child_say(fd, "ref %s %s", name, git_oid_tostr(hex, sizeof(hex), tip));
	return skipped(job, name, tip) ? 1 : 2;
}

/* The repository the child fetches with: repo.git's refs, the quarantine as its
 * only writable object store, repo.git's objects readable as an alternate. */
static int open_quarantined(git_repository **out, const char *repo_path, const char *quarantine)
{
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	git_odb_backend *pack = NULL;
	char *objects = NULL;
	int ret = -1;

	objects = hrdex_path_join(repo_path, "objects");
	if (!objects || git_repository_open_bare(&repo, repo_path) < 0 || git_odb_new(&odb) < 0)
		goto cleanup;
	if (git_odb_backend_pack(&pack, quarantine) < 0)
		goto cleanup;
	if (git_odb_add_backend(odb, pack, 2) < 0) {
		pack->free(pack);
		goto cleanup;
	}
	if (git_odb_add_disk_alternate(odb, objects) < 0 || git_repository_set_odb(repo, odb) < 0)
		goto cleanup;
	*out = repo;
	repo = NULL;
	ret = 0;
cleanup:
	git_odb_free(odb);
	git_repository_free(repo);
	free(objects);
	return ret;
}

/* HOST[:PORT] of a git URL (scheme://[USER@]HOST[:PORT]/PATH or scp-like
 * USER@HOST:PATH), for messages; the whole URL when it has no host. */
static void url_host(char *out, size_t size, const char *url)
{
	const char *p = strstr(url, "://"), *end, *at;

	if (p) {
		p += 3;
		end = p + strcspn(p, "/?#");
	} else {
		p = url;
		end = p + strcspn(p, ":");
	}
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (p == end)
		hrdex_fmt_cut(out, size, "%s", url);
	else
		hrdex_fmt_cut(out, size, "%.*s", (int)(end - p), p);
}

/*
 * Say why libgit2 failed, in words a person acts on: libgit2 and libssh2
 * report transport failures in their own terms ("Failed getting banner",
 * "early EOF", "invalid or unknown remote ssh hostkey").  Unknown messages
 * pass unchanged.
 */
static void child_say_git(int fd, const char *status, const char *url)
{
	static const struct {
		const char *needle;   /* in libgit2's message */
		const char *say;      /* one %s: the host (HOST[:PORT]) or the URL */
		int host;             /* %s is the host, else the URL */
		int detail;           /* append libgit2's message */
	} known[] = {
		{ "Connection refused", "connection refused by %s: nothing listens there", 1, 0 },
		{ "unknown remote ssh hostkey", "host key unknown for %s: add it to ~/.ssh/known_hosts "
						"of the account running hrdex (ssh-keyscan)", 1, 0 },
		{ "Failed getting banner", "no ssh server answers at %s", 1, 1 },
		{ "SSH authentication methods", "the ssh server at %s ended the login: is the key "
						"(peer.NAME.sshKey) in its authorized_keys?", 1, 1 },
		{ "Failed to authenticate", "the ssh server at %s refused the key (peer.NAME.sshKey)", 1, 1 },
		{ "Connection reset", "the server at %s hung up: does it speak git over this scheme?", 1, 1 },
		{ "no such repository", "no git repository at '%s'", 0, 1 },
		{ "repository not exported", "no git repository at '%s'", 0, 1 },
		{ "does not appear to be a git repository", "no git repository at '%s'", 0, 0 },
		{ "failed to resolve path", "no git repository at '%s'", 0, 0 },
		{ "could not find repository", "no git repository at '%s'", 0, 0 },
		{ "status code: 404", "no git repository at '%s'", 0, 1 },
		{ "early EOF", "no git repository at '%s', or the server hung up", 0, 1 },
		{ "failed to resolve address", "unknown host in '%s'", 0, 1 },
		{ "timed out", "timed out talking to %s", 1, 1 },
	};
	const char *msg = git_message();
	char host[256], say[768];
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(msg, known[i].needle))
			break;
	if (i == sizeof(known) / sizeof(known[0])) {
		child_say(fd, "%s %s", status, msg);
		return;
	}
	url_host(host, sizeof(host), url);
	hrdex_fmt_cut(say, sizeof(say), known[i].say, known[i].host ? host : url);
	if (known[i].detail)
		child_say(fd, "%s %s (%s)", status, say, msg);
	else
		child_say(fd, "%s %s", status, say);
}

/* An anonymous remote for url, connected in direction dir; the parent is
 * told "connected" (its connect deadline ends there) or why not. */
static int child_connect(git_remote **out, git_repository *repo, const char *url, git_direction dir,
			 const git_remote_callbacks *cbs, int fd)
{
	if (git_remote_create_anonymous(out, repo, url) < 0) {
		child_say(fd, "error %s", git_message());
		return -1;
	}
	if (git_remote_connect(*out, dir, cbs, NULL, NULL) < 0) {
		child_say_git(fd, "unreachable", url);
		return -1;
	}
	child_say(fd, "connected");
	return 0;
}

static int child_fetch(struct hrdex_fetch *job, const struct hrdex_fetch_opts *o, int fd)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_remote_callbacks cbs;
	git_fetch_options fo;
	const git_remote_head **heads = NULL;
	git_strarray specs = { NULL, 0 };
	struct xfer x = { o->max_bytes, 0, 0, 0, job->ssh_key, fd, NULL, 0 };
	size_t nheads = 0, i;
	char *taken = NULL;
	int picked = 0, rc = 1;

	/* The INIT macros leave fields out, which -Wextra refuses. */
	git_remote_init_callbacks(&cbs, GIT_REMOTE_CALLBACKS_VERSION);
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	if (open_quarantined(&repo, o->repo_path, job->quarantine) < 0) {
		child_say(fd, "error cannot open the repository: %s", git_message());
		goto cleanup;
	}
	cbs.credentials = on_credentials;
	cbs.transfer_progress = on_progress;
	cbs.payload = &x;
	if (child_connect(&remote, repo, job->url, GIT_DIRECTION_FETCH, &cbs, fd) < 0)
		goto cleanup;
	if (git_remote_ls(&heads, &nheads, remote) < 0) {
		child_say_git(fd, "error", job->url);
		goto cleanup;
	}
	specs.strings = calloc(job->nwanted + 1, sizeof(char *));
	taken = calloc(job->nwanted + 1, 1);
	if (!specs.strings || !taken) {
		child_say(fd, "error out of memory");
		goto cleanup;
	}
	for (i = 0; i < nheads && picked < HRDEX_FETCH_MAX_BRANCHES; i++) {
		const char *name = heads[i]->name + 11;
		char spec[256];
		int t;

		if (heads[i]->symref_target || !(t = take_ref(job, taken, heads[i]->name, &heads[i]->oid, fd)))
			continue;
		picked++;
		if (t == 1)
			continue;
		if (hrdex_fmt(spec, sizeof(spec), "+refs/heads/%s:refs/peers/%s/%s", name, job->name, name) < 0) {
			child_say(fd, "error %s", hrdex_error_message());
			goto cleanup;
		}
		specs.strings[specs.count] = strdup(spec);
		if (!specs.strings[specs.count]) {
			child_say(fd, "error out of memory");
			goto cleanup;
		}
		specs.count++;
	}
	if (specs.count) {
		fo.callbacks = cbs;
		fo.update_fetchhead = 0;
		fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
		fo.prune = GIT_FETCH_NO_PRUNE;
		if (git_remote_download(remote, &specs, &fo) < 0) {
			child_say(fd, "bytes %lld", (long long)x.bytes);
			if (x.over)
				child_say(fd, "error the peer sent more than %lld bytes (limits.fetch)",
					  (long long)o->max_bytes);
			else if (git_error_last() && git_error_last()->klass == GIT_ERROR_NOMEMORY)
				child_say(fd, "error the peer's pack needs more memory than the fetch "
					  "process may use (limits.fetch + 512 MiB)");
			else
				child_say_git(fd, "error", job->url);
			goto cleanup;
		}
	}
	git_remote_disconnect(remote);
	child_say(fd, "bytes %lld", (long long)x.bytes);
	child_say(fd, "ok");
	rc = 0;
cleanup:
	/* The process exits next; freeing keeps valgrind's leak check of this
	 * child meaningful (make valgrind). */
	for (i = 0; specs.strings && i < specs.count; i++)
		free(specs.strings[i]);
	free(specs.strings);
	free(taken);
	git_remote_free(remote);
	git_repository_free(repo);
	return rc;
}

/*
 * A bundle file instead of a remote (bundle.h): the same report, the same
 * quarantine and the same bounds as a fetch.  Its pack goes through the
 * indexer a fetch feeds, with repo.git's objects as the bases of a thin
 * pack; the parent then checks what it offers exactly as a fetch's.
 */
static int child_bundle(struct hrdex_fetch *job, const struct hrdex_fetch_opts *o, int fd)
{
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	struct hrdex_bundle b;
	struct xfer x = { o->max_bytes, 0, 0, 0, NULL, fd, NULL, 0 };
	char *taken = NULL, *pack = NULL;
	FILE *f;
	struct stat sb;
	size_t i;
	int download = 0, picked = 0, rc = 1;

	memset(&b, 0, sizeof(b));
	f = fopen(job->url, "rbe");
	if (!f) {
		child_say(fd, "unreachable cannot open '%s': %s", job->url, strerror(errno));
		goto cleanup;
	}
	child_say(fd, "connected");
	if (fstat(fileno(f), &sb) < 0)
		sb.st_size = 0;
	if (sb.st_size > o->max_bytes) {
		child_say(fd, "error '%s' holds more than %lld bytes (limits.fetch)", job->url,
			  (long long)o->max_bytes);
		goto cleanup;
	}
	if (open_quarantined(&repo, o->repo_path, job->quarantine) < 0 || git_repository_odb(&odb, repo) < 0) {
		child_say(fd, "error cannot open the repository: %s", git_message());
		goto cleanup;
	}
	taken = calloc(job->nwanted + 1, 1);
	pack = hrdex_path_join(job->quarantine, "pack");
	if (!taken || !pack) {
		child_say(fd, "error out of memory");
		goto cleanup;
	}
	if (hrdex_bundle_read_header(&b, f, job->url) < 0 || hrdex_bundle_check_prereqs(&b, odb) < 0) {
		child_say(fd, "error %s", hrdex_error_message());
		goto cleanup;
	}
	for (i = 0; i < b.nrefs && picked < HRDEX_FETCH_MAX_BRANCHES; i++) {
		int t = take_ref(job, taken, b.refs[i].name, &b.refs[i].oid, fd);

		picked += t != 0;
		download |= t == 2;
	}
	/* One pack holds every branch: indexed whole when any is wanted. */
	if (download && hrdex_bundle_index(f, job->url, pack, odb, on_progress, &x) < 0) {
		child_say(fd, "bytes %lld", (long long)x.bytes);
		if (x.over)
			child_say(fd, "error '%s' holds more than %lld bytes (limits.fetch)", job->url,
				  (long long)o->max_bytes);
		else
			child_say(fd, "error %s", hrdex_error_message());
		goto cleanup;
	}
	child_say(fd, "bytes %lld", (long long)(download ? (int64_t)sb.st_size : 0));
	child_say(fd, "ok");
	rc = 0;
cleanup:
	hrdex_bundle_free(&b);
	if (f)
		fclose(f);
	free(taken);
	free(pack);
	git_odb_free(odb);
	git_repository_free(repo);
	return rc;
}

static int child_push(struct hrdex_fetch *job, const struct hrdex_fetch_opts *o, int fd)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_remote_callbacks cbs;
	git_push_options po;
	git_strarray specs = { NULL, 0 };
	struct xfer x = { o->max_bytes, 0, 0, 0, job->ssh_key, fd, NULL, 0 };
	size_t i;
	int rc = 1;

	git_remote_init_callbacks(&cbs, GIT_REMOTE_CALLBACKS_VERSION);
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	if (git_repository_open_bare(&repo, o->repo_path) < 0) {
		child_say(fd, "error cannot open the repository: %s", git_message());
		goto cleanup;
	}
	cbs.credentials = on_credentials;
	cbs.push_transfer_progress = on_push_progress;
	cbs.push_update_reference = on_push_update;
	cbs.payload = &x;
	if (child_connect(&remote, repo, job->url, GIT_DIRECTION_PUSH, &cbs, fd) < 0)
		goto cleanup;
	specs.strings = calloc(job->nwanted + 1, sizeof(char *));
	if (!specs.strings) {
		child_say(fd, "error out of memory");
		goto cleanup;
	}
	for (i = 0; i < job->nwanted; i++) {
		char spec[256];

		/* No '+': a mirror that diverged is reported, never overwritten. */
		if (hrdex_fmt(spec, sizeof(spec), "refs/heads/%s:refs/heads/%s", job->wanted[i], job->wanted[i]) < 0) {
			child_say(fd, "error %s", hrdex_error_message());
			goto cleanup;
		}
		specs.strings[specs.count] = strdup(spec);
		if (!specs.strings[specs.count]) {
			child_say(fd, "error out of memory");
			goto cleanup;
		}
		specs.count++;
	}
	po.callbacks = cbs;
	if (git_remote_upload(remote, &specs, &po) < 0) {
		if (x.over)
			child_say(fd, "error the push exceeded %lld bytes (limits.fetch)", (long long)o->max_bytes);
		else
			child_say(fd, "error %s", git_message());
		goto cleanup;
	}
	git_remote_disconnect(remote);
	child_say(fd, "ok");
	rc = 0;
cleanup:
	for (i = 0; specs.strings && i < specs.count; i++)
		free(specs.strings[i]);
	free(specs.strings);
	git_remote_free(remote);
	git_repository_free(repo);
	return rc;
}

static void child_main(struct hrdex_fetch *job, struct hrdex_fetch *jobs, size_t n,
		       const struct hrdex_fetch_opts *o, int fd, pid_t parent)
{
	size_t i;
	int rc;

	/* The other children's pipes are none of this child's business. */
	for (i = 0; i < n; i++)
		if (&jobs[i] != job && jobs[i].fd >= 0)
			close(jobs[i].fd);
	child_limits(o->max_bytes, parent);
	rc = job->push ? child_push(job, o, fd)
		       : hrdex_bundle_is_path(job->url) ? child_bundle(job, o, fd) : child_fetch(job, o, fd);
	/* No exit handlers, no libgit2 shutdown: this process only reports. */
	_exit(rc);
}

/* ---- parent side ---- */

static void job_set(struct hrdex_fetch *job, enum hrdex_fetch_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void job_set(struct hrdex_fetch *job, enum hrdex_fetch_status st, const char *fmt, ...)
{
	va_list ap;

	job->status = st;
	va_start(ap, fmt);
	vsnprintf(job->message, sizeof(job->message), fmt, ap);
	va_end(ap);
}

static int job_start(struct hrdex_fetch *job, struct hrdex_fetch *jobs, size_t n,
		     const struct hrdex_fetch_opts *o)
{
	int p[2];
	pid_t pid, parent;

	if (pipe2(p, O_CLOEXEC) < 0)
		return hrdex_error_errno(HRDEX_E_INTERNAL, "cannot make a pipe");
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return hrdex_error_errno(HRDEX_E_INTERNAL, "cannot fork");
	}
	if (pid == 0) {
		close(p[0]);
		child_main(job, jobs, n, o, p[1], parent);
	}
	close(p[1]);
	job->pid = pid;
	job->fd = p[0];
	job->started_ms = hrdex_now_ms();
	hrdex_log_debug("%s '%s': started process %d", job->push ? "push to" : "fetch from", job->name,
			(int)pid);
	return 0;
}

static int64_t job_deadline(const struct hrdex_fetch *job, const struct hrdex_fetch_opts *o)
{
	int64_t t = job->connected ? o->timeout_ms
				   : (o->connect_timeout_ms < o->timeout_ms ? o->connect_timeout_ms
									    : o->timeout_ms);

	return job->started_ms + t;
}

static int add_ref(struct hrdex_fetch *job, const char *name, const git_oid *oid, int refused)
{
	struct hrdex_fetch_ref *more;
	size_t i;

	for (i = 0; i < job->nrefs; i++)
		if (!strcmp(job->refs[i].name, name)) {
			job->refs[i].refused |= refused;
			return 0;
		}
	more = realloc(job->refs, (job->nrefs + 1) * sizeof(*more));
	if (!more)
		return -1;
	job->refs = more;
	memset(&more[job->nrefs], 0, sizeof(*more));
	if (hrdex_fmt(more[job->nrefs].name, sizeof(more[job->nrefs].name), "%s", name) < 0)
		return -1;
	if (oid)
		git_oid_cpy(&more[job->nrefs].oid, oid);
	more[job->nrefs].refused = refused;
	job->nrefs++;
	return 0;
}

/* Read the child's report once it has exited. */
static void job_parse(struct hrdex_fetch *job, int exit_ok)
{
	char *line = job->out.ptr, *nl;
	int ok = 0;

	while (line && (nl = strchr(line, '\n'))) {
		*nl = '\0';
		if (!strncmp(line, "ref ", 4)) {
			char *sp = strchr(line + 4, ' ');
			git_oid oid;

			if (sp && (*sp = '\0', hrdex_publisher_valid(line + 4)) &&
			    git_oid_fromstrn(&oid, sp + 1, strlen(sp + 1)) == 0 &&
			    strlen(sp + 1) == GIT_OID_HEXSZ && add_ref(job, line + 4, &oid, 0) < 0) {
				job_set(job, HRDEX_FETCH_ERROR, "out of memory");
				return;
			}
		} else if (!strncmp(line, "refused ", 8)) {
			char *sp = strchr(line + 8, ' ');

			if (sp)
				*sp = '\0';
			if (add_ref(job, line + 8, NULL, 1) < 0) {
				job_set(job, HRDEX_FETCH_ERROR, "out of memory");
				return;
			}
			if (job->status == HRDEX_FETCH_PENDING)
				job_set(job, HRDEX_FETCH_ERROR, "refused '%s': %s", line + 8,
					sp ? sp + 1 : "no reason given");
		} else if (!strncmp(line, "unreachable ", 12)) {
			job_set(job, HRDEX_FETCH_UNREACHABLE, "%s", line + 12);
		} else if (!strncmp(line, "error ", 6)) {
			job_set(job, HRDEX_FETCH_ERROR, "%s", line + 6);
		} else if (!strncmp(line, "bytes ", 6)) {
			job->bytes = strtoll(line + 6, NULL, 10);
		} else if (!strcmp(line, "ok")) {
			ok = 1;
		}
		line = nl + 1;
	}
	if (job->status != HRDEX_FETCH_PENDING)
		return;
	if (ok && exit_ok)
		job->status = HRDEX_FETCH_OK;
	else
		job_set(job, HRDEX_FETCH_ERROR, "the %s process ended without a report",
			job->push ? "push" : "fetch");
}

static void job_reap(struct hrdex_fetch *job, int killed, const struct hrdex_fetch_opts *o)
{
	int st = 0;
	pid_t r;

	if (killed)
		kill(job->pid, SIGKILL);
	do
		r = waitpid(job->pid, &st, 0);
	while (r < 0 && errno == EINTR);
	close(job->fd);
	job->fd = -1;
	job->pid = 0;
	job->elapsed_ms = hrdex_now_ms() - job->started_ms;
	if (killed) {
		if (job->connected)
			job_set(job, HRDEX_FETCH_UNREACHABLE, "timed out after %lld s (sync.timeout)",
				(long long)(o->timeout_ms / 1000));
		else
			job_set(job, HRDEX_FETCH_UNREACHABLE, "no answer within %lld s (sync.connectTimeout)",
				(long long)((o->connect_timeout_ms < o->timeout_ms ? o->connect_timeout_ms
										   : o->timeout_ms) / 1000));
		return;
	}
	if (r > 0 && WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		job_set(job, HRDEX_FETCH_ERROR, "the %s process was killed by signal %d (%s)%s",
			job->push ? "push" : "fetch", sig, strsignal(sig),
			sig == SIGXFSZ ? ": the pack exceeded limits.fetch" : "");
		return;
	}
	job_parse(job, r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Take what the child wrote; 1 at end of file. */
static int job_read(struct hrdex_fetch *job)
{
	char chunk[4096];
	ssize_t n;

	n = read(job->fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	if (job->out.len + (size_t)n > CHILD_OUTPUT_MAX || hrdex_buf_put(&job->out, chunk, (size_t)n) < 0)
		return -1;
	if (!job->connected && job->out.ptr && strstr(job->out.ptr, "connected\n"))
		job->connected = 1;
	return 0;
}

int hrdex_fetch_run(struct hrdex_fetch *jobs, size_t n, const struct hrdex_fetch_opts *o)
{
	size_t parallel = o->parallel ? o->parallel : 16, next = 0, running = 0, i, k;
	struct pollfd *pfds = NULL;
	size_t *which = NULL;
	int ret = -1;

	for (i = 0; i < n; i++) {
		jobs[i].fd = -1;
		jobs[i].pid = 0;
		jobs[i].status = HRDEX_FETCH_PENDING;
		jobs[i].connected = 0;
	}
	pfds = calloc(n + 2, sizeof(*pfds));
	which = calloc(n + 1, sizeof(*which));
	if (!pfds || !which) {
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		goto cleanup;
	}
	while (next < n || running > 0) {
		int64_t now, wait_ms = -1;
		int pr;

		while (running < parallel && next < n) {
			if (job_start(&jobs[next], jobs, n, o) < 0)
				job_set(&jobs[next], HRDEX_FETCH_ERROR, "%s", hrdex_error_message());
			else
				running++;
			next++;
		}
		if (!running)
			continue;
		now = hrdex_now_ms();
		for (i = 0, k = 0; i < n; i++) {
			int64_t left;

			if (jobs[i].fd < 0)
				continue;
			pfds[k].fd = jobs[i].fd;
			pfds[k].events = POLLIN;
			pfds[k].revents = 0;
			which[k++] = i;
			left = job_deadline(&jobs[i], o) - now;
			if (left < 0)
				left = 0;
			if (wait_ms < 0 || left < wait_ms)
				wait_ms = left;
		}
		if (o->stop) {
			pfds[k].fd = o->stop_fd;
			pfds[k].events = POLLIN;
			pfds[k].revents = 0;
		}
		pr = poll(pfds, k + (o->stop != NULL), (int)(wait_ms > 60000 ? 60000 : wait_ms));
		if (pr < 0 && errno != EINTR) {
			hrdex_error_errno(HRDEX_E_INTERNAL, "poll");
			goto cleanup;
		}
		if (o->stop && pr > 0 && (pfds[k].revents & POLLIN) && o->stop(o->stop_payload)) {
			/* The running ones are killed; they and those not started end "stopped". */
			for (i = 0; i < n; i++) {
				int was_running = jobs[i].pid > 0;

				if (was_running)
					job_reap(&jobs[i], 1, o);
				if (was_running || i >= next)
					job_set(&jobs[i], HRDEX_FETCH_ERROR, "stopped (the service is stopping)");
			}
			break;
		}
		now = hrdex_now_ms();
		for (i = 0; i < k; i++) {
			struct hrdex_fetch *job = &jobs[which[i]];
			int r = 0;

			if (pr > 0 && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				r = job_read(job);
			if (r < 0) {
				job_reap(job, 1, o);
				job_set(job, HRDEX_FETCH_ERROR, "the %s process said too much",
					job->push ? "push" : "fetch");
				running--;
			} else if (r > 0) {
				job_reap(job, 0, o);
				running--;
			} else if (now >= job_deadline(job, o)) {
				job_reap(job, 1, o);
				running--;
			}
		}
	}
	ret = 0;
cleanup:
	/* Only after a poll failure: no child outlives the call. */
	for (i = 0; i < n; i++)
		if (jobs[i].fd >= 0)
			job_reap(&jobs[i], 1, o);
	free(pfds);
	free(which);
	return ret;
}

void hrdex_fetch_release(struct hrdex_fetch *job)
{
	free(job->refs);
	job->refs = NULL;
	job->nrefs = 0;
	hrdex_buf_free(&job->out);
}
