/*
 * sync.c - one sync round: fetch, check, accept, rebuild (see sync.h).
 */
#include "sync.h"
#include "buf.h"
#include "accept.h"
#include "cache.h"
#include "error.h"
#include "fs.h"
#include "json.h"
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

static const char *oid_hex(char *buf, const git_oid *id)
{
	git_oid_tostr(buf, GIT_OID_HEXSZ + 1, id);
	return buf;
}

/* ---- refusals remembered across rounds ---- */

/*
 * A branch refused by the acceptance rules is refused again, for the same
 * reason, whenever the same tip is offered on top of the same tip of ours,
 * as long as the rules themselves have not changed.  So the verdict is kept
 * in STATE/refused.json, with a digest of everything the rules read besides
 * the objects (the hrdex binary, allowed_signers, the limits), and a later
 * offer of that tip, from any peer, is refused without being checked again:
 * a hostile peer cannot make every sync pay for the same bytes.  Refusals
 * that depend on what a peer sent rather than on the tip ("missing-object")
 * are not kept.
 */
#define REFUSED_FILE "refused.json"
#define REFUSED_MAX 1000

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

static void refusals_free(struct refusals *r)
{
	if (!r)
		return;
	free(r->items);
	free(r);
}

static struct refusal *refusal_find(const struct refusals *r, const char *publisher, const git_oid *tip,
				    const git_oid *base)
{
	size_t i;

	for (i = 0; r && i < r->n; i++)
		if (git_oid_equal(&r->items[i].tip, tip) && git_oid_equal(&r->items[i].base, base) &&
		    !strcmp(r->items[i].publisher, publisher))
			return &r->items[i];
	return NULL;
}

static int refusal_add(struct refusals *r, const char *publisher, const git_oid *tip, const git_oid *base,
		       const char *rule, const char *reason)
{
	struct refusal *x;

	if (refusal_find(r, publisher, tip, base))
		return 0;
	if (r->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 16;

		x = realloc(r->items, na * sizeof(*x));
		if (!x)
			return hrdex_error_oom();
		r->items = x;
		r->alloc = na;
	}
	x = &r->items[r->n++];
	memset(x, 0, sizeof(*x));
	if (hrdex_fmt(x->publisher, sizeof(x->publisher), "%s", publisher) < 0)
		return -1;
	git_oid_cpy(&x->tip, tip);
	git_oid_cpy(&x->base, base);
	hrdex_fmt_cut(x->rule, sizeof(x->rule), "%s", rule);
	hrdex_fmt_cut(x->reason, sizeof(x->reason), "%s", reason);
	return 0;
}

/* The digest of what the rules read besides the objects; "" when one of
 * them cannot be read (then nothing is remembered). */
static void refusal_context(char out[2 * crypto_hash_sha256_BYTES + 1], const struct hrdex_state *st)
{
	crypto_hash_sha256_state h;
	unsigned char digest[crypto_hash_sha256_BYTES];
	struct hrdex_buf exe = HRDEX_BUF_INIT, signers = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(st, "allowed_signers");
	const struct hrdex_limits *l = &st->config->limits;
	int64_t limits[7];

	out[0] = '\0';
	/* The binary stands for the rules and the built-in schemas. */
	if (!path || hrdex_fs_read(&exe, "/proc/self/exe", (size_t)1 << 30) < 0 ||
	    (hrdex_fs_exists(path) && hrdex_fs_read(&signers, path, (size_t)16 << 20) < 0)) {
		hrdex_error_clear();
		goto cleanup;
	}
	limits[0] = l->document_bytes;
	limits[1] = l->attachment_bytes;
	limits[2] = l->fetch_bytes;
	limits[3] = l->fetch_commits;
	limits[4] = l->tree_entries;
	limits[5] = l->json_depth;
	limits[6] = l->string_bytes;
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)"hrdex refusals 1", 16);
	crypto_hash_sha256_update(&h, (const unsigned char *)exe.ptr, exe.len);
	crypto_hash_sha256_update(&h, (const unsigned char *)"\0signers", 8);
	crypto_hash_sha256_update(&h, (const unsigned char *)signers.ptr, signers.len);
	crypto_hash_sha256_update(&h, (const unsigned char *)limits, sizeof(limits));
	crypto_hash_sha256_final(&h, digest);
	sodium_bin2hex(out, 2 * crypto_hash_sha256_BYTES + 1, digest, sizeof(digest));
cleanup:
	hrdex_buf_free(&signers);
	hrdex_buf_free(&exe);
	free(path);
}

static const char *json_string(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* STATE/refused.json, when written under the same context; anything else
 * (no file, another context, a damaged file) is an empty memory. */
static int refusals_load(struct refusals **out, const struct hrdex_state *st)
{
	struct refusals *r = calloc(1, sizeof(*r));
	struct hrdex_buf text = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(st, REFUSED_FILE);
	cJSON *root = NULL, *item;
	const char *context;

	*out = r;
	if (!r || !path) {
		free(path);
		return hrdex_error_oom();
	}
	/* No file, no digest yet: most rounds refuse nothing. */
	if (!hrdex_fs_exists(path))
		goto done;
	refusal_context(r->context, st);
	r->context_known = 1;
	if (!r->context[0] || hrdex_fs_read(&text, path, (size_t)16 << 20) < 0 ||
	    hrdex_json_parse(&root, text.ptr, text.len, NULL) < 0)
		goto done;
	context = json_string(root, "context");
	if (!context || strcmp(context, r->context))
		goto done;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "refused")) {
		const char *pub = json_string(item, "publisher"), *tip = json_string(item, "commit");
		const char *base = json_string(item, "base"), *rule = json_string(item, "rule");
		const char *reason = json_string(item, "reason");
		git_oid t, b;

		if (!pub || !tip || !base || !rule || !reason || !hrdex_publisher_valid(pub) ||
		    strlen(tip) != GIT_OID_HEXSZ || git_oid_fromstr(&t, tip) < 0 ||
		    (base[0] ? strlen(base) != GIT_OID_HEXSZ || git_oid_fromstr(&b, base) < 0
			     : (memset(&b, 0, sizeof(b)), 0)))
			continue;
		if (refusal_add(r, pub, &t, &b, rule, reason) < 0)
			break;
	}
done:
	hrdex_error_clear();
	cJSON_Delete(root);
	hrdex_buf_free(&text);
	free(path);
	return 0;
}

/* This round's digest of the rules' inputs ("" when unknown). */
static const char *round_context(struct round *rd)
{
	if (!rd->now->context_known) {
		if (rd->was->context_known)
			memcpy(rd->now->context, rd->was->context, sizeof(rd->now->context));
		else
			refusal_context(rd->now->context, rd->st);
		rd->now->context_known = 1;
	}
	return rd->now->context;
}

/* The remembered refusals that apply as things are (on our present tip of
 * the branch): the fetch need not bring their objects again. */
static int skip_list(struct round *rd)
{
	const struct refusals *was = rd->was;
	size_t i;

	rd->skip = calloc(was->n + 1, sizeof(*rd->skip));
	if (!rd->skip)
		return hrdex_error_oom();
	for (i = 0; i < was->n; i++) {
		git_oid cur;
		int r = hrdex_repo_tip(&cur, rd->st->repo, was->items[i].publisher);

		if (r < 0)
			return -1;
		if (!git_oid_equal(&cur, &was->items[i].base))
			continue;
		if (hrdex_fmt(rd->skip[rd->nskip].name, sizeof(rd->skip[0].name), "%s", was->items[i].publisher) < 0)
			return -1;
		git_oid_cpy(&rd->skip[rd->nskip++].oid, &was->items[i].tip);
	}
	return 0;
}

/* Whether some peer offered this tip of publisher in this round. */
static int offered(const struct round *rd, const char *publisher, const git_oid *tip)
{
	size_t i;

	for (i = 0; i < rd->rep->nbranches; i++)
		if (git_oid_equal(&rd->rep->branches[i].offered, tip) &&
		    !strcmp(rd->rep->branches[i].publisher, publisher))
			return 1;
	return 0;
}

/* This round's refusals, then the remembered ones no peer offered this
 * round (a peer not synced now keeps its entries), at most REFUSED_MAX. */
static int refusals_save(struct round *rd)
{
	struct refusals *now = rd->now, *was = rd->was;
	cJSON *root = cJSON_CreateObject(), *list;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	char *path = hrdex_state_path(rd->st, REFUSED_FILE);
	char hex[GIT_OID_HEXSZ + 1];
	size_t i, n = 0;
	int ret = -1;

	/* Nothing refused and nothing remembered: no file (so no digest to
	 * compute at the next round). */
	if (!now->n && !was->n) {
		if (path && unlink(path) < 0 && errno != ENOENT)
			hrdex_log_warn("cannot remove '%s': %s", path, strerror(errno));
		ret = 0;
		goto cleanup;
	}
	if (!round_context(rd)[0]) {
		ret = 0;
		goto cleanup;
	}
	if (!root || !path || !cJSON_AddStringToObject(root, "context", now->context) ||
	    !(list = cJSON_AddArrayToObject(root, "refused")))
		goto oom;
	for (i = 0; i < now->n + (was ? was->n : 0) && n < REFUSED_MAX; i++) {
		const struct refusal *x = i < now->n ? &now->items[i] : &was->items[i - now->n];
		cJSON *o;

		if (i >= now->n && offered(rd, x->publisher, &x->tip))
			continue;
		if (!(o = cJSON_CreateObject()))
			goto oom;
		cJSON_AddItemToArray(list, o);
		if (!cJSON_AddStringToObject(o, "publisher", x->publisher) ||
		    !cJSON_AddStringToObject(o, "commit", oid_hex(hex, &x->tip)) ||
		    !cJSON_AddStringToObject(o, "base", git_oid_is_zero(&x->base) ? "" : oid_hex(hex, &x->base)) ||
		    !cJSON_AddStringToObject(o, "rule", x->rule) ||
		    !cJSON_AddStringToObject(o, "reason", x->reason))
			goto oom;
		n++;
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
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	p->url = (char *)path;
	if (!hrdex_name_valid(p->name)) {
		hrdex_error_set(HRDEX_EX_USAGE, "cannot name a peer after '%s' (letters, digits, '.', '_' and "
				"'-'); rename the file, or 'hrdex peer add NAME %s'", base, path);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(round[i]->name, p->name)) {
			hrdex_error_set(HRDEX_EX_USAGE, "peer '%s' is named twice in this sync ('%s')", p->name, path);
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

/* ---- per peer repositories ---- */

static git_repository *vrepo(struct round *rd, size_t peer)
{
	git_repository *r = NULL;
	git_odb *odb = NULL;

	if (rd->vrepos[peer])
		return rd->vrepos[peer];
	if (git_repository_open_bare(&r, rd->repo_path) < 0 || git_repository_odb(&odb, r) < 0 ||
	    git_odb_add_disk_alternate(odb, rd->jobs[peer].quarantine) < 0) {
		hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot open the quarantine of peer '%s'", rd->jobs[peer].name);
		git_odb_free(odb);
		git_repository_free(r);
		return NULL;
	}
	git_odb_free(odb);
	rd->vrepos[peer] = r;
	return r;
}

static int oid_cmp(const void *x, const void *y)
{
	return git_oid_cmp(x, y);
}

static int oids_add(struct oids *o, const git_oid *ids, size_t n)
{
	if (o->n + n > o->alloc) {
		size_t alloc = (o->n + n) * 2;
		git_oid *more = realloc(o->ids, alloc * sizeof(*more));

		if (!more)
			return hrdex_error_oom();
		o->ids = more;
		o->alloc = alloc;
	}
	if (n)
		memcpy(o->ids + o->n, ids, n * sizeof(*ids));
	o->n += n;
	return 0;
}

/* Sorted, each id once (the same attachment in two documents, or in two
 * branches, is listed twice: a pack may not hold an object twice). */
static void oids_unique(struct oids *o)
{
	size_t i, n = 0;

	if (!o->n)
		return;
	qsort(o->ids, o->n, sizeof(*o->ids), oid_cmp);
	for (i = 1; i < o->n; i++)
		if (!git_oid_equal(&o->ids[i], &o->ids[n]))
			git_oid_cpy(&o->ids[++n], &o->ids[i]);
	o->n = n + 1;
}

/* Copy the checked objects from a peer's quarantine into repo.git, as one
 * pack: undeltified (pack.h), since a delta search over a whole archive of
 * documents would cost more than it saves. */
static int copy_objects(struct round *rd, git_repository *from, const struct oids *ids)
{
	struct hrdex_pack *pack = NULL;
	git_odb *src = NULL;
	size_t i;
	int ret = -1;

	if (git_repository_odb(&src, from) < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot read the quarantine");
		goto cleanup;
	}
	if (hrdex_pack_begin(&pack, rd->st->repo) < 0)
		goto cleanup;
	for (i = 0; i < ids->n; i++) {
		git_odb_object *obj = NULL;
		int r;

		if (git_odb_read(&obj, src, &ids->ids[i]) < 0) {
			hrdex_error_git(HRDEX_EX_IOERR, "cannot read a checked object");
			goto cleanup;
		}
		r = hrdex_pack_add(pack, git_odb_object_type(obj), git_odb_object_data(obj),
				   git_odb_object_size(obj));
		git_odb_object_free(obj);
		if (r < 0)
			goto cleanup;
	}
	if (hrdex_pack_commit(pack) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_pack_free(pack);
	git_odb_free(src);
	return ret;
}

struct adopt_ctx {
	const struct oids *checked;
	git_odb *repo_odb;
	size_t extra;                      /* objects neither checked nor already ours */
};

static int adopt_each(const git_oid *id, void *payload)
{
	struct adopt_ctx *x = payload;

	if (bsearch(id, x->checked->ids, x->checked->n, sizeof(*id), oid_cmp) ||
	    git_odb_exists(x->repo_odb, id))
		return 0;
	x->extra++;
	return 1; /* one is enough: the pack is copied object by object */
}

/*
 * The packs of a peer's quarantine (objects/pack/pack-X.{pack,idx}, which
 * libgit2's indexer completed and hashed), or NULL when it holds anything
 * else (loose objects, other files): then it is not moved whole.
 */
static char **quarantine_packs(const char *quarantine, size_t *n)
{
	char *dir = hrdex_path_join(quarantine, "pack"), **names = NULL;
	DIR *d;
	struct dirent *e;
	int ok = 1;

	*n = 0;
	if (!dir)
		return NULL;
	/* nothing but pack/ (and git's empty info/) beside it */
	d = opendir(quarantine);
	while (d && ok && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "pack") &&
		    strcmp(e->d_name, "info"))
			ok = 0;
	if (d)
		closedir(d);
	d = ok ? opendir(dir) : NULL;
	while (d && ok && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **more;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (len < 10 || strncmp(e->d_name, "pack-", 5)) {
			ok = 0;
			break;
		}
		if (!strcmp(e->d_name + len - 4, ".idx"))
			continue;
		if (strcmp(e->d_name + len - 5, ".pack") || !(more = realloc(names, (*n + 2) * sizeof(*more)))) {
			ok = 0;
			break;
		}
		names = more;
		if (!(names[*n] = strndup(e->d_name, len - 5))) {
			ok = 0;
			break;
		}
		names[++*n] = NULL;
	}
	if (d)
		closedir(d);
	else
		ok = 0;
	free(dir);
	if (!ok) {
		while (names && *n)
			free(names[--*n]);
		free(names);
		return NULL;
	}
	return names;
}

/* Move pack-X.pack, then pack-X.idx (a pack is seen by its .idx), into
 * repo.git/objects/pack; a sync killed between the two leaves a .pack
 * alone, which state.c removes under the next lock. */
static int move_pack(const char *from_dir, const char *to_dir, const char *base)
{
	static const char *const ext[] = { ".pack", ".idx" };
	char from[4096], to[4096];
	size_t i;

	for (i = 0; i < 2; i++) {
		if (snprintf(from, sizeof(from), "%s/%s%s", from_dir, base, ext[i]) >= (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s%s", to_dir, base, ext[i]) >= (int)sizeof(to))
			return hrdex_error_set(HRDEX_EX_IOERR, "path too long: '%s'", from_dir);
		if (rename(from, to) < 0)
			return hrdex_error_errno(HRDEX_EX_IOERR, "cannot move '%s' to '%s'", from, to);
	}
	return 0;
}

/*
 * Bring the objects of a peer's branches that passed into repo.git.  When
 * every object the peer sent passed (or is ours already), which is the
 * usual case, its fetched packs are moved in whole: no object is read,
 * deflated or indexed again.  Otherwise (a rejected branch, objects nothing
 * refers to) only the checked objects are copied, in a new pack.
 */
static int import_objects(struct round *rd, size_t peer)
{
	struct oids *ids = &rd->checked[peer];
	struct adopt_ctx x = { ids, NULL, 0 };
	git_odb *q = NULL;
	git_repository *vr;
	char **packs = NULL, *to = NULL, *from = NULL;
	size_t npacks = 0, i;
	double t0 = hrdex_log_ms();
	int ret = -1, r;

	if (!ids->n)
		return 0;
	oids_unique(ids);
	if (git_repository_odb(&x.repo_odb, rd->st->repo) < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot open '%s'", rd->repo_path);
		goto cleanup;
	}
	packs = quarantine_packs(rd->jobs[peer].quarantine, &npacks);
	if (packs && npacks) {
		if (git_odb_open(&q, rd->jobs[peer].quarantine) < 0) {
			hrdex_error_git(HRDEX_EX_IOERR, "cannot read the quarantine of peer '%s'", rd->jobs[peer].name);
			goto cleanup;
		}
		r = git_odb_foreach(q, adopt_each, &x);
		if (r < 0 && r != 1) {
			hrdex_error_git(HRDEX_EX_IOERR, "cannot list the quarantine of peer '%s'", rd->jobs[peer].name);
			goto cleanup;
		}
	}
	if (packs && npacks && !x.extra) {
		to = hrdex_path_join(rd->repo_path, "objects/pack");
		from = hrdex_path_join(rd->jobs[peer].quarantine, "pack");
		if (!to || !from) {
			hrdex_error_oom();
			goto cleanup;
		}
		for (i = 0; i < npacks; i++)
			if (move_pack(from, to, packs[i]) < 0)
				goto cleanup;
		hrdex_log_debug("sync: moved the pack of peer '%s' into repo.git (%zu objects checked) in %.0f ms",
				rd->jobs[peer].name, ids->n, hrdex_log_ms() - t0);
	} else {
		if (!(vr = vrepo(rd, peer)) || copy_objects(rd, vr, ids) < 0)
			goto cleanup;
		hrdex_log_debug("sync: copied %zu checked objects of peer '%s' into repo.git in %.0f ms", ids->n,
				rd->jobs[peer].name, hrdex_log_ms() - t0);
	}
	if (git_odb_refresh(x.repo_odb) < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot copy accepted objects into '%s'", rd->repo_path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	for (i = 0; i < npacks; i++)
		free(packs[i]);
	free(packs);
	free(to);
	free(from);
	git_odb_free(q);
	git_odb_free(x.repo_odb);
	return ret;
}

static int in_repo(git_repository *repo, const git_oid *id)
{
	git_odb *odb = NULL;
	int r;

	if (git_repository_odb(&odb, repo) < 0)
		return 0;
	r = git_odb_exists(odb, id);
	git_odb_free(odb);
	return r;
}

/* refs/peers/<peer>/<publisher>: what the peer offered, once repo.git holds
 * all of it (so no ref of repo.git ever points at an incomplete history). */
static void record_peer_ref(struct round *rd, size_t peer, const char *publisher, const git_oid *id)
{
	git_reference *ref = NULL;
	char name[256];

	if (hrdex_fmt(name, sizeof(name), "refs/peers/%s/%s", rd->rep->peers[peer].name, publisher) < 0)
		return;
	if (git_reference_create(&ref, rd->st->repo, name, id, 1, "sync") < 0)
		hrdex_log_warn("cannot record '%s': %s", name,
			       git_error_last() ? git_error_last()->message : "unknown error");
	git_reference_free(ref);
}

/* Drop refs/peers/<peer>/X for branches the peer no longer offers. */
static void prune_peer_refs(struct round *rd, size_t peer)
{
	git_reference_iterator *it = NULL;
	const char *name;
	char glob[256], **gone = NULL;
	size_t ngone = 0, i, prefix;
	const struct hrdex_fetch *job = &rd->jobs[peer];

	if (hrdex_fmt(glob, sizeof(glob), "refs/peers/%s/*", rd->rep->peers[peer].name) < 0)
		return;
	prefix = strlen(glob) - 1;
	if (git_reference_iterator_glob_new(&it, rd->st->repo, glob) < 0)
		return;
	while (git_reference_next_name(&name, it) == 0) {
		int offered = 0;
		char **more;

		for (i = 0; i < job->nrefs; i++)
			if (!strcmp(job->refs[i].name, name + prefix))
				offered = 1;
		if (offered)
			continue;
		more = realloc(gone, (ngone + 1) * sizeof(*gone));
		if (!more)
			break;
		gone = more;
		if (!(gone[ngone] = strdup(name)))
			break;
		ngone++;
	}
	git_reference_iterator_free(it);
	for (i = 0; i < ngone; i++) {
		git_reference_remove(rd->st->repo, gone[i]);
		free(gone[i]);
	}
	free(gone);
}

/* Documents added, changed and removed between two tips (old may be NULL). */
static int count_changes(struct hrdex_sync_branch *b, git_repository *repo, const git_oid *old,
			 const git_oid *new_tip)
{
	git_commit *oc = NULL, *nc = NULL;
	git_tree *ot = NULL, *nt = NULL;
	git_diff *diff = NULL;
	size_t i, n;
	int ret = -1;

	if ((old && (git_commit_lookup(&oc, repo, old) < 0 || git_commit_tree(&ot, oc) < 0)) ||
	    git_commit_lookup(&nc, repo, new_tip) < 0 || git_commit_tree(&nt, nc) < 0 ||
	    git_diff_tree_to_tree(&diff, repo, ot, nt, NULL) < 0) {
		hrdex_error_git(HRDEX_EX_SOFTWARE, "cannot compare the tips of '%s'", b->publisher);
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		size_t len = strlen(path);

		if (len < 5 || strcmp(path + len - 5, ".json") || strstr(path, ".files/"))
			continue;
		if (d->status == GIT_DELTA_ADDED)
			b->added++;
		else if (d->status == GIT_DELTA_DELETED)
			b->removed++;
		else
			b->changed++;
	}
	ret = 0;
cleanup:
	git_diff_free(diff);
	git_tree_free(nt);
	git_tree_free(ot);
	git_commit_free(nc);
	git_commit_free(oc);
	return ret;
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
		return hrdex_error_git(r == GIT_EMODIFIED || r == GIT_EEXISTS ? HRDEX_EX_TEMPFAIL : HRDEX_EX_IOERR,
				       "cannot move '%s'", name);
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
	git_oid *stop = NULL, base;
	size_t nstop = 0, i;
	char hex[GIT_OID_HEXSZ + 1];
	const struct refusal *known;
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
	if (g->have_cur)
		git_oid_cpy(&stop[nstop++], &g->cur);

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
			record_peer_ref(rd, c[i].peer, pub, &c[i].oid);
			continue;
		}
		/* Our history is complete in repo.git: an older tip of ours is there. */
		if (g->have_cur && in_repo(st->repo, &c[i].oid) &&
		    git_graph_descendant_of(st->repo, &g->cur, &c[i].oid) == 1) {
			b->status = HRDEX_BRANCH_BEHIND;
			hrdex_log_debug("peer '%s' has an older '%s' (%.12s)", rep->peers[c[i].peer].name, pub,
					oid_hex(hex, &c[i].oid));
			record_peer_ref(rd, c[i].peer, pub, &c[i].oid);
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
		if ((known = refusal_find(rd->now, pub, &c[i].oid, &base)) != NULL ||
		    (known = refusal_find(rd->was, pub, &c[i].oid, &base)) != NULL) {
			hrdex_log_info("sync: '%s' at %.12s from peer '%s' was refused before (%s): not checked again",
				       pub, oid_hex(hex, &c[i].oid), rep->peers[c[i].peer].name, known->rule);
			branch_reject(rd, b, known->rule, "%s", known->reason);
			b->remembered = 1;
			if (refusal_add(rd->now, pub, &c[i].oid, &base, known->rule, known->reason) < 0)
				goto cleanup;
			continue;
		}
		/* Each peer's quarantine holds all it sent against repo.git as it
		 * was before this round, so the walk needs no other peer's objects. */
		vr = vrepo(rd, c[i].peer);
		if (!vr)
			goto cleanup;
		memset(&a, 0, sizeof(a));
		a.repo = vr;
		a.publisher = pub;
		a.signers = st->signers;
		a.schemas = st->schemas;
		a.limits = &st->config->limits;
		a.stop = stop;
		a.nstop = nstop;
		a.current = g->have_cur ? &g->cur : NULL;
		a.checked = keep_readme_facts;
		a.checked_ctx = rd->hints;
		t0 = hrdex_log_ms();
		r = hrdex_accept_check(&a, &c[i].oid);
		hrdex_log_debug("sync: checked '%s' from peer '%s' (%zu commits, %zu objects) in %.0f ms", pub,
				rep->peers[c[i].peer].name, a.ncommits, a.nobjects, hrdex_log_ms() - t0);
		if (r == 0)
			r = oids_add(&rd->checked[c[i].peer], a.objects, a.nobjects);
		if (r == 1) {
			branch_reject(rd, b, a.rule, "%s", a.reason);
			/* What a peer failed to send is no verdict on the tip. */
			if (strcmp(a.rule, "missing-object") && round_context(rd)[0] &&
			    refusal_add(rd->now, pub, &c[i].oid, &base, a.rule, a.reason) < 0)
				r = -1;
		}
		b->commits = a.ncommits;
		hrdex_accept_release(&a);
		if (r < 0)
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
			record_peer_ref(rd, c[i].peer, pub, &c[i].oid);
		}
		return 0;
	}
	git_oid_cpy(&newest, &valid[best]);
	for (i = 0; i < g->nc; i++) {
		struct hrdex_sync_branch *b = &rep->branches[c[i].branch];

		if (!oid_in(valid, nvalid, &c[i].oid))
			continue;
		record_peer_ref(rd, c[i].peer, pub, &c[i].oid);
		if (!git_oid_equal(&c[i].oid, &newest)) {
			b->status = HRDEX_BRANCH_BEHIND;
			continue;
		}
		if (taken) {
			b->status = HRDEX_BRANCH_CURRENT;
			continue;
		}
		taken = 1; /* the first peer offering it is the one we say we took it from */
		if (move_branch(rd, pub, cur, &newest, rep->peers[c[i].peer].name) < 0)
			return -1;
		b->status = HRDEX_BRANCH_ACCEPTED;
		b->is_new = !cur;
		if (cur)
			git_oid_cpy(&b->from, cur);
		if (count_changes(b, st->repo, cur, &newest) < 0)
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
			return hrdex_error_set(HRDEX_EX_USAGE, "no peer named '%s' (see 'hrdex peer list')", only[i]);
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
	if (refusals_load(&rd.was, st) < 0)
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
	if (skip_list(&rd) < 0)
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
		if (import_objects(&rd, i) < 0)
			goto cleanup;
	for (i = 0; i < ngroups; i++)
		if (settle_group(&rd, &groups[i]) < 0)
			goto cleanup;
	/* A bundle carries what its maker chose (--since), not all its maker
	 * has: a branch missing from it is no sign the maker dropped it. */
	for (i = 0; i < npeers; i++)
		if (rd.jobs[i].status == HRDEX_FETCH_OK && !hrdex_bundle_is_path(rd.peers[i]->url))
			prune_peer_refs(&rd, i);

	/* 3. The view of what moved, and the record of what did not. */
	if (refresh(&rd, flags) < 0)
		goto cleanup;
	if (write_rejections(&rd) < 0 || refusals_save(&rd) < 0)
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
	refusals_free(rd.was);
	refusals_free(rd.now);
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
