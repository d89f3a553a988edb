/*
 * publish.c - one signed commit per batch; withdrawal (see publish.h).
 */
#include "publish.h"
#include "accept.h"
#include "buf.h"
#include "readme.h"
#include "refresh.h"
#include "error.h"
#include "fs.h"
#include "log.h"
#include "pack.h"
#include "repo.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

void hrdex_publish_result_free(struct hrdex_publish_result *res)
{
	free(res->kinds);
	res->kinds = NULL;
}

struct edits {
	struct hrdex_tree_edit *items;
	char **paths;  /* owned copies of the items' paths */
	size_t count, alloc;
};

static int edits_add(struct edits *e, const char *path, const git_oid *blob, int remove)
{
	if (e->count == e->alloc) {
		size_t alloc = e->alloc ? e->alloc * 2 : 64;
		struct hrdex_tree_edit *items = realloc(e->items, alloc * sizeof(*items));
		char **paths;

		if (!items)
			return hrdex_error_oom();
		e->items = items;
		paths = realloc(e->paths, alloc * sizeof(*paths));
		if (!paths)
			return hrdex_error_oom();
		e->paths = paths;
		e->alloc = alloc;
	}
	if (!(e->paths[e->count] = strdup(path)))
		return hrdex_error_oom();
	e->items[e->count].path = e->paths[e->count];
	e->items[e->count].remove = remove;
	if (blob)
		git_oid_cpy(&e->items[e->count].blob, blob);
	else
		memset(&e->items[e->count].blob, 0, sizeof(git_oid));
	e->count++;
	return 0;
}

static void edits_free(struct edits *e)
{
	size_t i;

	for (i = 0; i < e->count; i++)
		free(e->paths[i]);
	free(e->paths);
	free(e->items);
}

/* The id of path in tree, if it is a blob; 1 when absent. */
static int tree_blob(git_oid *out, git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;

	if (!tree || git_tree_entry_bypath(&e, tree, path) < 0)
		return 1;
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(e);
		return 1;
	}
	git_oid_cpy(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 0;
}

/* Upsert an attachment at path unless the tree already has it; *changed set
 * to 1 if so.  Its blob is written here unless stored already. */
static int put_attachment(struct edits *e, git_repository *repo, git_tree *old, const char *path,
			  const struct hrdex_attachment *a, int *changed)
{
	git_oid want, have;

	if (a->stored)
		git_oid_cpy(&want, &a->oid);
	else if (git_odb_hash(&want, a->data.ptr, a->data.len, GIT_OBJECT_BLOB) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot hash '%s'", path);
	if (tree_blob(&have, old, path) == 0 && git_oid_equal(&want, &have))
		return 0;
	if (!a->stored && git_blob_create_from_buffer(&want, repo, a->data.ptr, a->data.len) < 0)
		return hrdex_error_git(HRDEX_E_IO, "cannot store '%s'", path);
	*changed = 1;
	return edits_add(e, path, &want, 0);
}

/* Check a listed-but-not-given attachment against the stored blob. */
static int check_stored_attachment(git_repository *repo, git_tree *old, const char *path,
				   const cJSON *entry, int index, struct hrdex_batch_item *it)
{
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(entry, "sha256");
	const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(entry, "bytes");
	unsigned char digest[32];
	char hex[65], ptr[64];
	git_blob *blob = NULL;
	git_oid id;

	snprintf(ptr, sizeof(ptr), "/attachments/%d", index); /* fits: an int */
	if (tree_blob(&id, old, path) != 0 || git_blob_lookup(&blob, repo, &id) < 0)
		return hrdex_problems_add(&it->problems, ptr, "attachment",
					  "'%s' is listed but neither given nor already published",
					  path);
	crypto_hash_sha256(digest, git_blob_rawcontent(blob), (unsigned long long)git_blob_rawsize(blob));
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (!cJSON_IsString(sum) || strcmp(sum->valuestring, hex) || !cJSON_IsNumber(bytes) ||
	    bytes->valuedouble != (double)git_blob_rawsize(blob)) {
		git_blob_free(blob);
		return hrdex_problems_add(&it->problems, ptr, "attachment",
					  "does not match the published '%s'", path);
	}
	git_blob_free(blob);
	return 0;
}

/* Stage the attachments of a document kept in memory; sets *changed. */
static int stage_attachments(struct edits *e, git_repository *repo, git_tree *old,
			     struct hrdex_batch_item *it, int *changed)
{
	const struct hrdex_doc *doc = it->doc;
	char dir[HRDEX_REF_MAX + 16], full[HRDEX_REF_MAX + 160];
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc->json, "attachments"), *entry;
	git_tree_entry *files = NULL;
	git_tree *files_tree = NULL;
	size_t i;
	int index = 0, ret = -1;

	if (hrdex_ref_file(dir, sizeof(dir), &doc->ref, ".files", NULL) < 0)
		return -1;
	for (i = 0; i < it->nattachments; i++) {
		if (hrdex_ref_file(full, sizeof(full), &doc->ref, ".files", it->attachments[i].name) < 0 ||
		    put_attachment(e, repo, old, full, &it->attachments[i], changed) < 0)
			return -1;
	}
	cJSON_ArrayForEach(entry, list) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(entry, "name");
		int given = 0;

		for (i = 0; cJSON_IsString(name) && i < it->nattachments; i++)
			given |= !strcmp(it->attachments[i].name, name->valuestring);
		if (!given && cJSON_IsString(name)) {
			if (hrdex_ref_file(full, sizeof(full), &doc->ref, ".files", name->valuestring) < 0 ||
			    check_stored_attachment(repo, old, full, entry, index, it) < 0)
				return -1;
		}
		index++;
	}
	/* Stored attachments the document no longer lists are removed. */
	if (old && git_tree_entry_bypath(&files, old, dir) == 0 &&
	    git_tree_entry_type(files) == GIT_OBJECT_TREE) {
		if (git_tree_lookup(&files_tree, repo, git_tree_entry_id(files)) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", dir);
			goto cleanup;
		}
		for (i = 0; i < git_tree_entrycount(files_tree); i++) {
			const char *n = git_tree_entry_name(git_tree_entry_byindex(files_tree, i));
			int listed = 0;

			cJSON_ArrayForEach(entry, list) {
				const cJSON *name = cJSON_GetObjectItemCaseSensitive(entry, "name");

				listed |= cJSON_IsString(name) && !strcmp(name->valuestring, n);
			}
			if (listed)
				continue;
			if (hrdex_ref_file(full, sizeof(full), &doc->ref, ".files", n) < 0 ||
			    edits_add(e, full, NULL, 1) < 0)
				goto cleanup;
			*changed = 1;
		}
	}
	ret = 0;
cleanup:
	git_tree_free(files_tree);
	git_tree_entry_free(files);
	return ret;
}

static int read_tip(git_repository *repo, const char *publisher, git_commit **commit, git_tree **tree)
{
	git_oid tip;
	int r = hrdex_repo_tip(&tip, repo, publisher);

	*commit = NULL;
	*tree = NULL;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (git_commit_lookup(commit, repo, &tip) < 0 || git_commit_tree(tree, *commit) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read the tip of '%s'", publisher);
	return 0;
}

/* Below this many documents loose objects are cheaper than a pack. */
#define PACK_THRESHOLD 64

/* Store the canonical blobs of the items listed in need[] not stored yet. */
static int write_blobs(git_repository *repo, const struct hrdex_batch *b, const size_t *need, size_t n,
		       const struct hrdex_doc_opts *opts)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct hrdex_pack *pack = NULL;
	size_t i;
	int ret = -1;

	if (n >= PACK_THRESHOLD && hrdex_pack_begin(&pack, repo) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct hrdex_batch_item *it = &b->items[need[i]];
		git_oid id;

		hrdex_buf_clear(&text);
		if (hrdex_batch_canonical(&text, it, opts) < 0)
			goto cleanup;
		if (pack) {
			if (hrdex_pack_add(pack, GIT_OBJECT_BLOB, text.ptr, text.len) < 0)
				goto cleanup;
		} else if (git_blob_create_from_buffer(&id, repo, text.ptr, text.len) < 0) {
			hrdex_error_git(HRDEX_E_IO, "cannot store '%s'", it->origin);
			goto cleanup;
		}
	}
	if (pack && hrdex_pack_commit(pack) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_pack_free(pack);
	hrdex_buf_free(&text);
	return ret;
}

struct stream_ctx {
	git_odb *odb;
	git_tree *old;
	struct hrdex_pack *pack;
	struct hrdex_readme_hints *hints;
	git_oid *packed;          /* attachment blobs in the pack so far, sorted */
	size_t npacked, apacked;
};

/* Whether id is among the attachment blobs packed; else adds it (a pack may
 * not hold an object twice, and one annex may come with many documents). */
static int packed_before(struct stream_ctx *ctx, const git_oid *id, int *seen)
{
	size_t lo = 0, hi = ctx->npacked;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = git_oid_cmp(&ctx->packed[mid], id);

		if (!c) {
			*seen = 1;
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*seen = 0;
	if (ctx->npacked == ctx->apacked) {
		size_t alloc = ctx->apacked ? ctx->apacked * 2 : 64;
		git_oid *more = realloc(ctx->packed, alloc * sizeof(*more));

		if (!more)
			return hrdex_error_oom();
		ctx->packed = more;
		ctx->apacked = alloc;
	}
	memmove(&ctx->packed[lo + 1], &ctx->packed[lo], (ctx->npacked - lo) * sizeof(*id));
	git_oid_cpy(&ctx->packed[lo], id);
	ctx->npacked++;
	return 0;
}

/* A valid document's attachments go into the pack now and leave memory: a
 * batch held every attachment it was given until its commit (67 MB of a
 * 25,000-document publish). */
static int stream_attachments(struct stream_ctx *ctx, struct hrdex_batch_item *it)
{
	size_t i;

	for (i = 0; i < it->nattachments; i++) {
		struct hrdex_attachment *a = &it->attachments[i];
		int seen;

		if (git_odb_hash(&a->oid, a->data.ptr, a->data.len, GIT_OBJECT_BLOB) < 0)
			return hrdex_error_git(HRDEX_E_INTERNAL, "cannot hash '%s'", a->source);
		if (!git_odb_exists(ctx->odb, &a->oid)) {
			if (packed_before(ctx, &a->oid, &seen) < 0)
				return -1;
			if (!seen && hrdex_pack_add(ctx->pack, GIT_OBJECT_BLOB, a->data.ptr, a->data.len) < 0)
				return -1;
		}
		a->stored = 1;
		hrdex_buf_free(&a->data);
	}
	return 0;
}

/* Batch callback: deflate a new blob into the pack while it is in memory. */
static int stream_blob(struct hrdex_batch_item *it, const struct hrdex_buf *canonical, void *payload)
{
	struct stream_ctx *ctx = payload;
	char path[HRDEX_REF_MAX + 8];
	git_oid have;

	if (hrdex_ref_path(path, sizeof(path), &it->ref) < 0)
		return -1;
	/* parsed now: main's README need not read it again */
	if (hrdex_readme_hints_add(ctx->hints, &it->oid, it->doc->json) < 0 ||
	    stream_attachments(ctx, it) < 0)
		return -1;
	if ((tree_blob(&have, ctx->old, path) == 0 && git_oid_equal(&have, &it->oid)) ||
	    git_odb_exists(ctx->odb, &it->oid))
		return 0;
	if (hrdex_pack_add(ctx->pack, GIT_OBJECT_BLOB, canonical->ptr, canonical->len) < 0)
		return -1;
	it->stored = 1;
	return 0;
}

int hrdex_publish_files(struct hrdex_state *s, struct hrdex_batch *b, char **inputs, size_t ninputs,
			char **attach, size_t nattach, const struct hrdex_doc_opts *opts,
			const char *message, struct hrdex_publish_result *res)
{
	struct stream_ctx ctx = { NULL, NULL, NULL, NULL, NULL, 0, 0 };
	git_commit *tip = NULL;
	double t0 = hrdex_log_ms();
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (ninputs < PACK_THRESHOLD) {
		if (hrdex_batch_load(b, inputs, ninputs, attach, nattach, opts) < 0)
			return -1;
		hrdex_log_debug("publish: checked %zu document%s in %.0f ms", b->count,
				b->count == 1 ? "" : "s", hrdex_log_ms() - t0);
	} else {
		if (read_tip(s->repo, s->config->publisher, &tip, &ctx.old) < 0 ||
		    git_repository_odb(&ctx.odb, s->repo) < 0 || hrdex_pack_begin(&ctx.pack, s->repo) < 0 ||
		    hrdex_readme_hints_new(&ctx.hints) < 0)
			goto cleanup;
		if (hrdex_batch_load_with(b, inputs, ninputs, attach, nattach, opts, stream_blob, &ctx) < 0)
			goto cleanup;
		hrdex_log_debug("publish: checked %zu documents, %u new, in %.0f ms", b->count,
				hrdex_pack_count(ctx.pack), hrdex_log_ms() - t0);
		t0 = hrdex_log_ms();
		/* An invalid batch leaves its pack unindexed: nothing was written. */
		if (!b->invalid && hrdex_pack_commit(ctx.pack) < 0)
			goto cleanup;
		b->hints = ctx.hints; /* after loading, which starts the batch afresh */
		hrdex_log_debug("publish: indexed the pack in %.0f ms", hrdex_log_ms() - t0);
		t0 = hrdex_log_ms();
		/* The check's garbage (parse trees, copies for the deflating
		 * thread) would otherwise stay in the heap while the cache,
		 * main and view/ are rebuilt. */
		malloc_trim(0);
	}
	ret = b->invalid ? 0 : hrdex_publish(s, b, opts, message, res);
cleanup:
	b->hints = NULL;
	hrdex_readme_hints_free(ctx.hints);
	free(ctx.packed);
	hrdex_pack_free(ctx.pack);
	git_odb_free(ctx.odb);
	git_tree_free(ctx.old);
	git_commit_free(tip);
	return ret;
}


/*
 * An agent never writes what its peers would refuse (DESIGN.md, "Two
 * levels of rules"): the new commit goes through the very check sync
 * applies to a peer's copy of a branch (accept.h) before our ref moves;
 * only trust is left aside, since a peer trusts us or fetches nothing.
 */
struct self_check {
	struct hrdex_state *s;
	int refused;
	char rule[24];
	char reason[sizeof(((struct hrdex_accept *)0)->reason)];
};

static int self_accept(void *ctx, const git_oid *commit, const git_oid *parent)
{
	struct self_check *sc = ctx;
	struct hrdex_state *s = sc->s;
	struct hrdex_accept a;
	struct hrdex_ledger *ledger;
	int r;

	memset(&a, 0, sizeof(a));
	a.repo = s->repo;
	a.publisher = s->config->publisher;
	a.signers = s->signers;
	a.schemas = s->schemas;
	a.limits = &s->config->limits;
	a.stop = parent;
	a.nstop = parent ? 1 : 0;
	a.current = parent;
	a.now = (int64_t)time(NULL); /* what peers will check it against */
	if (hrdex_state_ledger(s, &ledger) < 0)
		return -1;
	a.ledger = ledger;
	r = hrdex_accept_check(&a, commit);
	hrdex_accept_release(&a);
	/* What peers would hold is refused here too: a held document is never
	 * shown anywhere (not by its own publisher either). */
	if (r == 0 && a.nheld) {
		snprintf(a.rule, sizeof(a.rule), "%s", "document");
		memcpy(a.reason, a.held_first, sizeof(a.reason));
		r = 1;
	}
	if (r == 1) {
		const char *why = a.reason;

		/* "commit X: " names a commit that will never exist */
		if (!strncmp(why, "commit ", 7) && strlen(why) > 21 && !strncmp(why + 19, ": ", 2))
			why += 21;
		sc->refused = 1;
		memcpy(sc->rule, a.rule, sizeof(sc->rule));
		memmove(sc->reason, why, strlen(why) + 1);
		return hrdex_error_set(HRDEX_E_INVALID, "peers would refuse this commit (%s): %s; nothing written",
				       sc->rule, sc->reason);
	}
	return r;
}

static int commit_edits(struct hrdex_state *s, git_tree *old, struct edits *e, const char *message,
			struct hrdex_publish_result *res, struct self_check *sc)
{
	git_oid tree;

	if (hrdex_repo_edit_tree(&tree, s->repo, old ? git_tree_id(old) : NULL, e->items, e->count) < 0)
		return -1;
	if (old && git_oid_equal(&tree, git_tree_id(old)))
		return 0;
	if (!s->schemas)
		return hrdex_error_set(HRDEX_E_INTERNAL, "publishing without the schemas loaded");
	sc->s = s;
	if (hrdex_repo_commit_checked(&res->commit, s->repo, s->config->publisher, &tree, message, &s->key,
				      self_accept, sc) < 0)
		return -1;
	res->committed = 1;
	return 0;
}

/* Whether reason names a path of the document at ref: 'P/T/ID.json' or
 * 'P/T/ID.files...' (accept.c quotes the paths it names). */
static int names_item(const char *reason, const struct hrdex_ref *ref)
{
	char p[HRDEX_REF_MAX + 16];

	if (hrdex_ref_file(p, sizeof(p), ref, ".json'", NULL) == 0 && strstr(reason, p))
		return 1;
	return hrdex_ref_file(p, sizeof(p), ref, ".files", NULL) == 0 && strstr(reason, p);
}

/* The branch rules refused the batch's commit: the documents the reason
 * names get it as their problem (the outbox then rejects just those), or
 * every document when it names none (a limit of the whole tree). */
static void blame_items(struct hrdex_batch *b, const struct self_check *sc)
{
	size_t i, named = 0;

	for (i = 0; i < b->count; i++)
		named += names_item(sc->reason, &b->items[i].ref);
	for (i = 0; i < b->count; i++)
		if (!named || names_item(sc->reason, &b->items[i].ref))
			hrdex_problems_add(&b->items[i].problems, "", "branch",
					   "peers would refuse this commit (%s): %s", sc->rule, sc->reason);
	b->invalid = named ? named : b->count;
}

int hrdex_publish(struct hrdex_state *s, struct hrdex_batch *b, const struct hrdex_doc_opts *opts,
		  const char *message, struct hrdex_publish_result *res)
{
	const char *pub = s->config->publisher;
	struct edits e = { 0 };
	git_commit *tip = NULL;
	git_tree *old = NULL;
	git_odb *odb = NULL;
	size_t *need = NULL, nneed = 0;
	double t0;
	char auto_msg[256], summary[128], path[HRDEX_REF_MAX + 8];
	struct hrdex_refresh rf = { 0 };
	struct self_check sc = { 0 };
	size_t i, bad = 0;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->kinds = calloc(b->count + 1, sizeof(*res->kinds));
	need = calloc(b->count + 1, sizeof(*need));
	if (!res->kinds || !need) {
		hrdex_error_oom();
		goto cleanup;
	}
	if (read_tip(s->repo, pub, &tip, &old) < 0)
		goto cleanup;
	if (git_repository_odb(&odb, s->repo) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot open the object database");
		goto cleanup;
	}
	for (i = 0; i < b->count; i++) {
		struct hrdex_batch_item *it = &b->items[i];
		git_oid have;
		int changed = 0, had;

		if (!it->valid) {
			hrdex_error_set(HRDEX_E_INTERNAL, "publishing an invalid batch");
			goto cleanup;
		}
		if (hrdex_ref_path(path, sizeof(path), &it->ref) < 0)
			goto cleanup;
		had = tree_blob(&have, old, path) == 0;
		if (!had || !git_oid_equal(&have, &it->oid)) {
			changed = 1;
			if (edits_add(&e, path, &it->oid, 0) < 0)
				goto cleanup;
			if (!it->stored && !git_odb_exists(odb, &it->oid))
				need[nneed++] = i;
		}
		if (it->doc && stage_attachments(&e, s->repo, old, it, &changed) < 0)
			goto cleanup;
		/* The keys that sign depend on key documents: only `hrdex key
		 * rotate` writes one, with the key it has just made. */
		if (!b->rotation && !strcmp(it->ref.type, "key")) {
			if (hrdex_problems_add(&it->problems, "/type", "key", "key documents are written by "
					       "'hrdex key rotate' only") < 0)
				goto cleanup;
		}
		if (it->problems.count) {
			bad++;
			continue;
		}
		res->kinds[i] = !changed ? HRDEX_UNCHANGED : had ? HRDEX_CHANGED : HRDEX_ADDED;
		res->added += res->kinds[i] == HRDEX_ADDED;
		res->changed += res->kinds[i] == HRDEX_CHANGED;
		res->unchanged += res->kinds[i] == HRDEX_UNCHANGED;
	}
	if (bad) {
		b->invalid = bad;
		hrdex_error_set(HRDEX_E_INVALID, "%zu document%s with attachment problems; nothing published",
				bad, bad == 1 ? "" : "s");
		goto cleanup;
	}
	/* Objects first; the tree, the commit and last the ref. */
	t0 = hrdex_log_ms();
	if (write_blobs(s->repo, b, need, nneed, opts) < 0)
		goto cleanup;
	hrdex_log_debug("publish: stored %zu new blob%s in %.0f ms", nneed, nneed == 1 ? "" : "s",
			hrdex_log_ms() - t0);
	t0 = hrdex_log_ms();
	hrdex_fmt_cut(summary, sizeof(summary), "+%zu ~%zu", res->added, res->changed);
	if (!message) {
		hrdex_fmt_cut(auto_msg, sizeof(auto_msg), "publish: %s %s", pub, summary);
		message = auto_msg;
	}
	if (e.count && commit_edits(s, old, &e, message, res, &sc) < 0) {
		if (sc.refused)
			blame_items(b, &sc);
		goto cleanup;
	}
	hrdex_log_debug("publish: tree and signed commit in %.0f ms", hrdex_log_ms() - t0);
	if (res->committed) {
		hrdex_fmt_cut(auto_msg, sizeof(auto_msg), "publish: %s %s -0", pub, summary);
		rf.message = auto_msg;
		rf.hints = b->hints;
	} else {
		rf.message = "publish: catch up after an interrupted run";
		rf.flags = HRDEX_REFRESH_CATCH_UP;
	}
	hrdex_refresh(s, &rf);
	ret = 0;
cleanup:
	free(need);
	git_odb_free(odb);
	edits_free(&e);
	git_tree_free(old);
	git_commit_free(tip);
	return ret;
}

int hrdex_withdraw(struct hrdex_state *s, const struct hrdex_ref *refs, size_t n, const char *message,
		   struct hrdex_publish_result *res)
{
	const char *pub = s->config->publisher;
	struct edits e = { 0 };
	git_commit *tip = NULL;
	git_tree *old = NULL, *files = NULL;
	git_tree_entry *files_entry = NULL;
	char path[HRDEX_REF_MAX + 160], full[HRDEX_REF_MAX + 300], auto_msg[256];
	struct hrdex_refresh rf = { 0 };
	struct self_check sc = { 0 };
	size_t i, j;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->kinds = calloc(n + 1, sizeof(*res->kinds));
	if (!res->kinds)
		return hrdex_error_oom();
	if (read_tip(s->repo, pub, &tip, &old) < 0)
		goto cleanup;
	for (i = 0; i < n; i++) {
		git_oid have;
		char ref[HRDEX_REF_MAX + 1];

		hrdex_ref_format(ref, sizeof(ref), &refs[i]);
		if (strcmp(refs[i].publisher, pub)) {
			hrdex_error_set(HRDEX_E_INVALID, "'%s' belongs to '%s'; only '%s' documents can be "
					"withdrawn here", ref, refs[i].publisher, pub);
			goto cleanup;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(refs[j].type, refs[i].type) && !strcmp(refs[j].id, refs[i].id)) {
				hrdex_error_set(HRDEX_E_USAGE, "'%s' is given twice", ref);
				goto cleanup;
			}
		if (hrdex_ref_path(path, sizeof(path), &refs[i]) < 0)
			goto cleanup;
		if (tree_blob(&have, old, path) != 0) {
			/* Retried after a withdraw killed before main, view/ and the
			 * cache followed: they catch up even though this one fails. */
			rf.message = "withdraw: catch up after an interrupted run";
			rf.flags = HRDEX_REFRESH_CATCH_UP;
			hrdex_refresh(s, &rf);
			hrdex_error_set(HRDEX_E_INVALID, "'%s' is not published; nothing withdrawn", ref);
			goto cleanup;
		}
		if (edits_add(&e, path, NULL, 1) < 0)
			goto cleanup;
		if (hrdex_ref_file(path, sizeof(path), &refs[i], ".files", NULL) < 0)
			goto cleanup;
		if (git_tree_entry_bypath(&files_entry, old, path) == 0 &&
		    git_tree_entry_type(files_entry) == GIT_OBJECT_TREE &&
		    git_tree_lookup(&files, s->repo, git_tree_entry_id(files_entry)) == 0) {
			for (j = 0; j < git_tree_entrycount(files); j++) {
				if (hrdex_ref_file(full, sizeof(full), &refs[i], ".files",
						   git_tree_entry_name(git_tree_entry_byindex(files, j))) < 0 ||
				    edits_add(&e, full, NULL, 1) < 0)
					goto cleanup;
			}
		}
		git_tree_free(files);
		files = NULL;
		git_tree_entry_free(files_entry);
		files_entry = NULL;
		res->kinds[i] = HRDEX_REMOVED;
		res->removed++;
	}
	if (!message) {
		hrdex_fmt_cut(auto_msg, sizeof(auto_msg), "withdraw: %s -%zu", pub, n);
		message = auto_msg;
	}
	if (commit_edits(s, old, &e, message, res, &sc) < 0)
		goto cleanup;
	hrdex_fmt_cut(auto_msg, sizeof(auto_msg), "withdraw: %s +0 ~0 -%zu", pub, n);
	rf.message = auto_msg;
	hrdex_refresh(s, &rf);
	ret = 0;
cleanup:
	git_tree_free(files);
	git_tree_entry_free(files_entry);
	edits_free(&e);
	git_tree_free(old);
	git_commit_free(tip);
	return ret;
}
