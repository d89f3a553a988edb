/*
 * accept.h - the acceptance rules (docs/DESIGN.md) for one publisher branch
 * offered by a peer: fast-forward only, every new commit signed by the
 * publisher, every new tree strictly well formed, within the limits (the
 * branch rules of DESIGN.md).  A document that fails a document rule does
 * not refuse the branch: it is held (hrdex_document_check), left out of
 * main, view/, the cache and the site.
 *
 * libgit2 has no fsck on fetch and no connectivity check, so this module
 * reads every new commit and every changed tree and blob itself: raw tree
 * objects are parsed here (modes, names, git's entry order, duplicates), and
 * a missing object rejects the branch.  Only what changed relative to the
 * parent commit is read (identical subtrees are skipped), so the cost
 * follows the change, not the size of the branch.
 */
#ifndef HRDEX_ACCEPT_H
#define HRDEX_ACCEPT_H

#include <stddef.h>

#include <git2.h>

#include "limit.h"
#include "signers.h"

struct hrdex_schemas;
struct hrdex_ledger;
struct cJSON;

struct hrdex_accept {
	/* in */
	git_repository *repo;                /* sees the candidate's objects */
	const char *publisher;               /* the branch, B */
	const struct hrdex_signers *signers;
	struct hrdex_schemas *schemas;
	const struct hrdex_limits *limits;
	const git_oid *stop;                 /* commits already accepted or checked: the walk ends there */
	size_t nstop;
	const git_oid *current;              /* our refs/heads/B, NULL when we have none */
	/* When the new commits reach this agent (unix time): a key must be
	 * valid then, whatever date a commit names (signed_commit.h,
	 * hrdex_commit_verify_at).  0 for history accepted before (verify, a
	 * parked branch coming back): checked at each commit's own date. */
	int64_t now;
	/* may be NULL: the sanctioned resets (ledger.h); a commit after the
	 * newest reset point of B it descends from must be signed by the key
	 * that reset names, whatever allowed_signers says (validity by
	 * position in the branch, not by date) */
	const struct hrdex_ledger *ledger;
	/* may be NULL: told of each document that passed (its blob and JSON),
	 * so a caller can keep what it needs (sync: the README facts, readme.h)
	 * without parsing it again; returning -1 (hrdex_error set) fails the check */
	int (*checked)(void *ctx, const git_oid *blob, const struct cJSON *doc);
	void *checked_ctx;

	/* out */
	char rule[24];                       /* the rule broken, e.g. "signature", "tree" */
	char reason[768];                    /* one line, naming commit and path */
	git_oid commit;                      /* the commit at fault (zero if none) */
	git_oid *objects;                    /* every new object checked: what to copy */
	size_t nobjects, aobjects;
	size_t ncommits;                     /* new commits */
	size_t nheld;                        /* documents a document rule held (a document
					        changed in several commits counts once per commit) */
	char held_first[768];                /* why the first of them is held, naming its path */

	/* private */
	git_odb *odb;
	int in_commit;
	int held;                            /* the document in hand is held */
	char held_reason[768];
};

/*
 * Check tip and every commit of its history back to a stop commit.  Returns
 * 0 when the branch may move to tip, 1 when a rule rejects it (rule, reason
 * and commit say why), -1 when checking itself failed (hrdex_error).
 */
int hrdex_accept_check(struct hrdex_accept *a, const git_oid *tip);
void hrdex_accept_release(struct hrdex_accept *a);

/*
 * The document rules (DESIGN.md, "Two levels of rules") for one document of
 * an accepted tree: publisher/type/ID.json of type_tree (B/TYPE), with its
 * ID.files/ when there is one: strict JSON, the schema of the version and
 * type it names, envelope consistent with its path, the semantic checks,
 * attachments matching their list and hashes.  Returns 0 when the document
 * may be shown, 1 when it is held (reason says why, one line naming the
 * path), -1 when checking failed (hrdex_error).  One implementation,
 * called by acceptance (sync, verify), main's tree and the cache.
 */
int hrdex_document_check(git_repository *repo, struct hrdex_schemas *schemas, const struct hrdex_limits *limits,
			 const char *publisher, const char *type, const git_tree *type_tree, const char *id,
			 char *reason, size_t size);

/* ---- exposed for tests ---- */

/* NULL when name may appear in a tree, else why not: empty, ".", "..", '/',
 * '\', ':', '~', control characters, invalid UTF-8, ignorable Unicode code
 * points, a leading '.' (".git" and its spellings, ".gitmodules"...), a
 * trailing '.' or ' ' (NTFS drops them). */
const char *hrdex_tree_name_problem(const char *name, size_t len);

/* git's tree order: names compare bytewise, a tree as if its name ended with '/'. */
int hrdex_tree_name_cmp(const char *a, size_t alen, int adir, const char *b, size_t blen, int bdir);

struct hrdex_tree_entry {
	const char *name;   /* points into the raw tree, not NUL-terminated */
	size_t len;
	int dir;            /* mode 40000; else a regular file, 100644 */
	git_oid oid;
};

struct hrdex_tree {
	struct hrdex_tree_entry *e;
	size_t n;
};

/*
 * Parse a raw tree object strictly: modes exactly "100644" or "40000", safe
 * names, strictly increasing in git's order (so no duplicates), at most max
 * entries.  Returns 0, or 1 with reason filled when the tree is not
 * acceptable, or -1 when out of memory.
 */
int hrdex_tree_parse(struct hrdex_tree *out, const void *data, size_t len, size_t max, char *reason,
		     size_t reason_size);
void hrdex_tree_release(struct hrdex_tree *t);

/*
 * A digest of what the document rules are: the built-in schemas, the
 * newest schema version this agent knows (hrdex_schema_known_newest), the
 * controlled lists (a list that grows releases what it held) and a
 * revision of the rules no schema states, as 64 hex digits.  The cache
 * records it; when it changes (an upgrade), held documents are checked
 * again and released when they pass.
 */
void hrdex_document_rules_digest(char out[65]);

#endif
