/*
 * fetch.h - bounded fetches (and pushes), each in a child process.
 *
 * libgit2 1.5 has no server timeouts and git_remote_stop() cannot interrupt
 * a blocked read (docs/DESIGN.md, known traps), so every transfer runs in a child
 * process: the child opens its own repository handle, connects, lists the
 * peer's refs, and downloads; the parent waits with a deadline and SIGKILLs
 * the child when it passes.  The child runs under RLIMIT_AS (memory) and
 * RLIMIT_FSIZE (disk), and its transfer-progress callback stops the download
 * past the byte cap.  Several children run at once, so one slow peer delays
 * no other beyond its own timeout.
 *
 * Fetched objects land in a quarantine object directory (one per peer), not
 * in repo.git: the child's object database writes there and reads repo.git's
 * objects as an alternate.  Nothing a peer sends reaches repo.git until the
 * acceptance rules have passed (sync.c copies exactly the checked objects),
 * so an incomplete or hostile pack can never make repo.git claim to have a
 * commit whose trees it lacks.  The child writes no refs; it reports the
 * branches the peer advertises and the parent decides.  A branch advertised
 * at a tip the parent lists in skip (one it refused before) is reported but
 * not downloaded.
 */
#ifndef HRDEX_FETCH_H
#define HRDEX_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <git2.h>

#include "buf.h"
#include "doc.h"

/* At most this many publisher branches are taken from one peer per fetch. */
#define HRDEX_FETCH_MAX_BRANCHES 4096

enum hrdex_fetch_status {
	HRDEX_FETCH_PENDING = 0,
	HRDEX_FETCH_OK,           /* fetched (or pushed) */
	HRDEX_FETCH_UNREACHABLE,  /* could not connect, or timed out */
	HRDEX_FETCH_ERROR,        /* connected, then failed: byte cap, protocol error, push refused */
};

/* One branch the peer advertises (fetch), or one ref pushed (push). */
struct hrdex_fetch_ref {
	char name[HRDEX_PUBLISHER_MAX + 1];
	git_oid oid;
	int refused;               /* push: the remote refused this ref */
};

struct hrdex_fetch {
	/* in */
	const char *name;          /* peer or mirror name, for messages */
	const char *url;
	const char *ssh_key;       /* private key file for ssh:// URLs, may be NULL */
	char **wanted;             /* fetch: publisher ids to take; push: branches to push */
	size_t nwanted;
	const char *quarantine;    /* fetch: objects directory the child writes into */
	const struct hrdex_fetch_ref *skip; /* fetch: a branch advertised at one of these
					       (name and tip) is reported but not downloaded */
	size_t nskip;
	int push;                  /* push refs/heads/<wanted> to the same names, no force */

	/* out */
	enum hrdex_fetch_status status;
	char message[512];         /* why, when status is not OK */
	struct hrdex_fetch_ref *refs;
	size_t nrefs;
	int64_t elapsed_ms;
	int64_t bytes;             /* received from the peer (fetch only) */

	/* private to fetch.c */
	pid_t pid;
	int fd;
	int connected;
	int64_t started_ms;
	struct hrdex_buf out;
};

struct hrdex_fetch_opts {
	const char *repo_path;     /* repo.git */
	int64_t connect_timeout_ms;
	int64_t timeout_ms;        /* whole transfer, connecting included */
	int64_t max_bytes;         /* limits.fetch */
	size_t parallel;           /* children at once; 0: 16 */
	/* Optional (stop NULL: none): stop_fd is polled with the children; when
	 * it is readable and stop(stop_payload) says so, every child is killed,
	 * its job and those not started end HRDEX_FETCH_ERROR "stopped". */
	int stop_fd;
	int (*stop)(void *payload);
	void *stop_payload;
};

/*
 * Run every job of jobs[0..n) to completion (or its deadline).  Each job ends
 * with its own status; the call fails (-1) only when it cannot run children
 * at all (fork or pipe failure).
 */
int hrdex_fetch_run(struct hrdex_fetch *jobs, size_t n, const struct hrdex_fetch_opts *opts);

/* Free the outputs of one job (refs, buffers); the inputs are the caller's. */
void hrdex_fetch_release(struct hrdex_fetch *job);

/* Milliseconds of a monotonic clock. */
int64_t hrdex_now_ms(void);

#endif
