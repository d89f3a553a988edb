/*
 * state.h - the state directory (docs/DESIGN.md, "State directory") and the
 * agent-wide lock.
 *
 * Commands that change anything hold an exclusive flock on DIR/lock for their
 * whole run; under it, stale "*.lock" files left by a killed process are
 * cleared, so libgit2 never fails with GIT_ELOCKED after a crash.  Readers
 * (query, show, status) take no lock.
 */
#ifndef HRDEX_STATE_H
#define HRDEX_STATE_H

#include <git2.h>

#include "config.h"
#include "key.h"
#include "signers.h"

struct hrdex_schemas;
struct hrdex_ledger;

struct hrdex_state {
	char *dir;
	struct hrdex_config *config;
	git_repository *repo;
	struct hrdex_signers *signers;   /* allowed_signers */
	struct hrdex_schemas *schemas;   /* built-in schemas, with HRDEX_STATE_SCHEMAS */
	struct hrdex_ledger *ledger;     /* STATE/tips.json, as hrdex_state_ledger last read it */
	struct hrdex_key key;            /* with HRDEX_STATE_KEY */
	int have_key;
	int lock_fd;                     /* -1 when not locked */
	/* Set by the service (NULL otherwise): long network waits (sync's
	 * fetches) also watch interrupt_fd, and when it is readable ask
	 * interrupt() whether to give up (SIGTERM during a fetch). */
	int interrupt_fd;
	int (*interrupt)(void *payload);
	void *interrupt_payload;
};

enum {
	HRDEX_STATE_LOCK = 1 << 0,    /* take the exclusive lock (waits up to 10 s, then exit 75) */
	HRDEX_STATE_KEY = 1 << 1,     /* load keys/id_ed25519 */
	HRDEX_STATE_SCHEMAS = 1 << 2, /* load the built-in schemas */
	HRDEX_STATE_NOWAIT = 1 << 3,  /* with HRDEX_STATE_LOCK: fail at once (75) when it is held */
};

/* -C DIR, else $HRDEX_HOME, else ./hrdex-data; caller frees. */
char *hrdex_state_resolve(const char *opt_dir);

/*
 * 0 when dir is a state directory (it holds hrdex.conf), else
 * HRDEX_E_CONFIG naming dir: every command but init needs one, so a
 * mistyped -C DIR is an error, never an empty answer.  hrdex_state_open()
 * checks it; commands that read a file without opening the state (query)
 * call it themselves.
 */
int hrdex_state_check_dir(const char *dir);

int hrdex_state_open(struct hrdex_state **out, const char *dir, unsigned flags);
void hrdex_state_free(struct hrdex_state *s);

/* DIR/name; caller frees (NULL only when out of memory). */
char *hrdex_state_path(const struct hrdex_state *s, const char *name);

/*
 * Take the agent-wide lock on an open state (no-op when held): wait up to
 * 10 s when wait is set, else fail at once; HRDEX_E_BUSY when held by
 * another process.  Clears stale "*.lock" files once taken.  The service
 * holds it only while a pass runs, so commands run between its passes.
 */
int hrdex_state_lock(struct hrdex_state *s, int wait);
void hrdex_state_unlock(struct hrdex_state *s);

/*
 * Whether another process holds the lock now: 1 held (a command is under
 * way, and brings derived state up before it ends), 0 free (0 too when s
 * holds it), -1 when this account cannot tell (no error set).  Probes with
 * a shared lock released at once, so a writer waiting for the lock is held
 * up for no more than that.
 */
int hrdex_state_lock_held(const struct hrdex_state *s);

/*
 * The publisher id c names (hrdex.publisher) must be the one allowed_signers
 * trusts for this agent's own key (keys/id_ed25519, which init binds to the
 * publisher it was made for), and, while that publisher has no branch yet,
 * no other branch in repo.git may have been written with that key: else the
 * next signed commit would start a branch that peers refuse, or silently
 * abandon the one we had.  HRDEX_E_CONFIG with one line naming hrdex.conf
 * and hrdex.publisher.  hrdex_state_open() runs it with HRDEX_STATE_KEY (every
 * command that signs); `config check` runs it on the file it checks.
 */
int hrdex_state_check_publisher(const struct hrdex_state *s, const struct hrdex_config *c);

/* The ledger of accepted tips and resets (ledger.h), read again on every
 * call (another command may have changed it between two passes of the
 * service; a pointer from an earlier call is freed); *out belongs to s.
 * HRDEX_E_CONFIG when STATE/tips.json is damaged. */
int hrdex_state_ledger(struct hrdex_state *s, struct hrdex_ledger **out);

/* The network the document rules see (doc.h, hrdex_doc_network_set: the
 * registry, our publisher id and its key in allowed_signers) and the
 * registry members' display names (members.h) into s->config; run by
 * hrdex_state_open, and again after the config or allowed_signers change. */
int hrdex_state_network(struct hrdex_state *s);

/* Re-read keys/id_ed25519 when this state holds a key (the service, between
 * passes: `hrdex key rotate` may have replaced it), after finishing a
 * rotation killed half-way when s holds the lock (keyring.h). */
int hrdex_state_reload_key(struct hrdex_state *s);

/* Re-read allowed_signers after it changed. */
int hrdex_state_reload_signers(struct hrdex_state *s);

#endif
