/*
 * sync_int.h - what the parts of one sync round share (sync.c: fetching,
 * checking and settling each publisher's candidates; sync_refused.c: the
 * refusals remembered across rounds; sync_import.c: the per-peer
 * repositories and moving checked objects into repo.git).  Not an API:
 * only flow/sync*.c include it.  Each function's contract is in the comment
 * above its definition.
 */
#ifndef HRDEX_SYNC_INT_H
#define HRDEX_SYNC_INT_H

#include <sodium.h>

#include <git2.h>

#include "buf.h"
#include "fetch.h"
#include "state.h"
#include "sync.h"

struct hrdex_readme_hints;

/* One peer's copy of one branch. */
struct candidate {
	size_t peer;
	const char *publisher;     /* points into the fetch job's refs */
	git_oid oid;
	size_t branch;             /* index of its report entry */
};

struct round {
	struct hrdex_state *st;
	struct hrdex_sync_report *rep;
	const struct hrdex_peer **peers;   /* the peers of this round, report order */
	struct hrdex_fetch *jobs;
	git_repository **vrepos;           /* per peer: repo.git + its quarantine, opened on demand */
	char *repo_path;                   /* repo.git/ */
	char *quarantine;                  /* STATE/quarantine */
	struct hrdex_buf message;          /* main's commit message */
	struct oids *checked;              /* per peer: objects of its branches that passed */
	struct hrdex_readme_hints *hints;  /* README facts of the documents checked */
	struct refusals *was, *now;        /* refusals remembered, and those of this round */
	struct hrdex_ledger *ledger;       /* STATE/tips.json (st's): newest tips, resets */
	int64_t now_time;                  /* when this round's commits reach us (unix time) */
	struct hrdex_fetch_ref *skip;      /* remembered refused tips on our present tips */
	size_t nskip;
};

struct oids {
	git_oid *ids;
	size_t n, alloc;
};

/* One publisher's candidates between checking and settling. */
struct group {
	struct candidate *c;
	size_t nc;
	git_oid cur;
	int have_cur;
	git_oid *valid;                    /* candidate tips that passed, in check order */
	size_t nvalid;
};

struct refusal {
	char publisher[HRDEX_PUBLISHER_MAX + 1];
	git_oid tip, base;           /* base: our tip when refused, zero when we had none */
	char rule[24];
	char reason[768];
};

struct refusals {
	struct refusal *items;
	size_t n, alloc;
	char context[2 * crypto_hash_sha256_BYTES + 1]; /* "" when unknown: remember nothing */
	int context_known;                              /* computed (it costs a read of the binary) */
};

static inline const char *oid_hex(char *buf, const git_oid *id)
{
	git_oid_tostr(buf, GIT_OID_HEXSZ + 1, id);
	return buf;
}

/* ---- sync_refused.c ---- */

void sync_refusals_free(struct refusals *r);

struct refusal *sync_refusal_find(const struct refusals *r, const char *publisher, const git_oid *tip,
				  const git_oid *base);

int sync_refusal_add(struct refusals *r, const char *publisher, const git_oid *tip, const git_oid *base,
		     const char *rule, const char *reason);

int sync_refusals_load(struct refusals **out, const struct hrdex_state *st);

const char *sync_round_context(struct round *rd);

int sync_skip_list(struct round *rd);

int sync_offered(const struct round *rd, const char *publisher, const git_oid *tip);

int sync_refusals_save(struct round *rd);

/* ---- sync_import.c ---- */

git_repository *sync_vrepo(struct round *rd, size_t peer);

int sync_oids_add(struct oids *o, const git_oid *ids, size_t n);

int sync_import_objects(struct round *rd, size_t peer);

int sync_in_repo(git_repository *repo, const git_oid *id);

void sync_record_peer_ref(struct round *rd, size_t peer, const char *publisher, const git_oid *id);

void sync_prune_peer_refs(struct round *rd, size_t peer);

int sync_count_changes(struct hrdex_sync_branch *b, git_repository *repo, const git_oid *old,
		       const git_oid *new_tip);

#endif
