/*
 * accept.c - the acceptance rules for one publisher branch (see accept.h).
 *
 * A branch's tree has a fixed shape, checked level by level:
 *   depth 0  B                      a tree, the only entry
 *   depth 1  B/TYPE                 trees named after document types
 *   depth 2  B/TYPE/ID.json         documents (blobs)
 *            B/TYPE/ID.files        attachment folders (trees)
 *   depth 3  B/TYPE/ID.files/NAME   attachments (blobs)
 * That grammar alone excludes ".git" in every spelling, ".gitmodules",
 * symlinks and submodules; the generic name check runs first anyway, so the
 * reason given is the most telling one.
 */
#include "accept.h"
#include "regext.h"
#include "builtin.h"
#include "buf.h"
#include "config.h"
#include "doc.h"
#include "error.h"
#include "json.h"
#include "keychain.h"
#include "ledger.h"
#include "name.h"
#include "schema.h"
#include "signed_commit.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#define NAME_MAX_BYTES 255
#define ATTACHMENTS_MAX 1000

/* ---- names and order ---- */

/* Every entry name of a branch's tree is a safe name (name.h): the rule
 * publish applies to the attachments it is given. */
const char *hrdex_tree_name_problem(const char *name, size_t len)
{
	return hrdex_name_safe(name, len);
}

int hrdex_tree_name_cmp(const char *a, size_t alen, int adir, const char *b, size_t blen, int bdir)
{
	size_t n = alen < blen ? alen : blen;
	unsigned char ca, cb;
	int c = memcmp(a, b, n);

	if (c)
		return c;
	ca = alen > n ? (unsigned char)a[n] : (adir ? '/' : '\0');
	cb = blen > n ? (unsigned char)b[n] : (bdir ? '/' : '\0');
	return ca < cb ? -1 : ca > cb;
}

void hrdex_tree_release(struct hrdex_tree *t)
{
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

static int tree_fail(char *reason, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int tree_fail(char *reason, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, size, fmt, ap);
	va_end(ap);
	return 1;
}

int hrdex_tree_parse(struct hrdex_tree *out, const void *data, size_t len, size_t max, char *reason,
		     size_t rsize)
{
	const char *p = data, *end = p + len;
	size_t alloc = 0;

	out->e = NULL;
	out->n = 0;
	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p)), *nul;
		struct hrdex_tree_entry *e;
		const char *problem;
		size_t mlen, k;
		int dir;

		if (!sp)
			return tree_fail(reason, rsize, "malformed tree");
		mlen = (size_t)(sp - p);
		nul = memchr(sp + 1, '\0', (size_t)(end - sp - 1));
		if (!nul || (size_t)(end - nul - 1) < GIT_OID_RAWSZ)
			return tree_fail(reason, rsize, "malformed tree");
		if (mlen == 6 && !memcmp(p, "100644", 6))
			dir = 0;
		else if (mlen == 5 && !memcmp(p, "40000", 5))
			dir = 1;
		else
			return tree_fail(reason, rsize, "entry '%.*s' has mode %.*s (only 100644 files and 40000 folders)",
					 (int)(nul - sp - 1 > 200 ? 200 : nul - sp - 1), sp + 1,
					 (int)(mlen > 10 ? 10 : mlen), p);
		if (out->n >= max)
			return tree_fail(reason, rsize, "tree has more than %zu entries (limits.treeEntries)", max);
		if (out->n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;

			if (na > max)
				na = max;
			e = realloc(out->e, na * sizeof(*e));
			if (!e)
				return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			out->e = e;
			alloc = na;
		}
		e = &out->e[out->n];
		e->name = sp + 1;
		e->len = (size_t)(nul - sp - 1);
		e->dir = dir;
		git_oid_fromraw(&e->oid, (const unsigned char *)nul + 1);
		problem = hrdex_tree_name_problem(e->name, e->len);
		if (problem)
			return tree_fail(reason, rsize, "entry '%.*s': %s", (int)(e->len > 200 ? 200 : e->len),
					 e->name, problem);
		if (out->n > 0) {
			const struct hrdex_tree_entry *prev = &out->e[out->n - 1];

			if (prev->len == e->len && !memcmp(prev->name, e->name, e->len))
				return tree_fail(reason, rsize, "duplicate entry '%.*s'", (int)e->len, e->name);
			if (hrdex_tree_name_cmp(prev->name, prev->len, prev->dir, e->name, e->len, e->dir) >= 0)
				return tree_fail(reason, rsize, "entries out of order at '%.*s'", (int)e->len, e->name);
		}
		/* A file "x" and a folder "x" need not be neighbours ("x", "x-y", "x/"):
		 * look back over the names that start with this one. */
		for (k = out->n; dir && k-- > 0;) {
			const struct hrdex_tree_entry *o = &out->e[k];

			if (o->len < e->len || memcmp(o->name, e->name, e->len))
				break;
			if (o->len == e->len)
				return tree_fail(reason, rsize, "duplicate entry '%.*s'", (int)e->len, e->name);
		}
		out->n++;
		p = nul + 1 + GIT_OID_RAWSZ;
	}
	return 0;
}

/* ---- the walk ---- */

struct loaded_tree {
	git_odb_object *obj;
	struct hrdex_tree t;
};

static void loaded_free(struct loaded_tree *lt)
{
	hrdex_tree_release(&lt->t);
	git_odb_object_free(lt->obj);
	lt->obj = NULL;
}

static int reject(struct hrdex_accept *a, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reject(struct hrdex_accept *a, const char *rule, const char *fmt, ...)
{
	char msg[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hrdex_fmt_cut(a->rule, sizeof(a->rule), "%s", rule);
	if (a->in_commit) {
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), &a->commit);
		hrdex_fmt_cut(a->reason, sizeof(a->reason), "commit %.12s: %s", hex, msg);
	} else {
		hrdex_fmt_cut(a->reason, sizeof(a->reason), "%s", msg);
	}
	return 1;
}

/* A document rule failed: the document is held, the branch goes on
 * (DESIGN.md, "Two levels of rules").  Returns 0. */
static int hold(struct hrdex_accept *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int hold(struct hrdex_accept *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->held_reason, sizeof(a->held_reason), fmt, ap);
	va_end(ap);
	if (!a->nheld)
		memcpy(a->held_first, a->held_reason, sizeof(a->held_first));
	a->held = 1;
	a->nheld++;
	return 0;
}

static int record(struct hrdex_accept *a, const git_oid *id)
{
	if (a->nobjects == a->aobjects) {
		size_t na = a->aobjects ? a->aobjects * 2 : 64;
		git_oid *more = realloc(a->objects, na * sizeof(*more));

		if (!more)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		a->objects = more;
		a->aobjects = na;
	}
	git_oid_cpy(&a->objects[a->nobjects++], id);
	return 0;
}

/* Header of an object that must exist with this type and at most max bytes. */
static int check_object(struct hrdex_accept *a, const git_oid *id, git_object_t want, int64_t max,
			const char *what, const char *path, size_t *size)
{
	git_object_t type;
	size_t len;
	char hex[GIT_OID_HEXSZ + 1];
	int r;

	git_oid_tostr(hex, sizeof(hex), id);
	r = git_odb_read_header(&len, &type, a->odb, id);
	if (r == GIT_ENOTFOUND)
		return reject(a, "missing-object", "%s %.12s of '%s' is missing (incomplete pack)", what, hex, path);
	if (r < 0)
		return reject(a, "missing-object", "cannot read %s %.12s of '%s': %s", what, hex, path,
			      git_error_last() ? git_error_last()->message : "unknown error");
	if (type != want)
		return reject(a, "tree", "'%s' should be a %s, object %.12s is a %s", path, what, hex,
			      git_object_type2string(type));
	if ((int64_t)len > max)
		return reject(a, "limits", "'%s' is %zu bytes, over the limit of %lld", path, len, (long long)max);
	if (size)
		*size = len;
	return 0;
}

static int load_tree(struct hrdex_accept *a, struct loaded_tree *lt, const git_oid *id, const char *path)
{
	int64_t max = a->limits->tree_entries * (int64_t)(6 + 1 + NAME_MAX_BYTES + 1 + GIT_OID_RAWSZ);
	char reason[512];
	int r;

	r = check_object(a, id, GIT_OBJECT_TREE, max, "tree", path, NULL);
	if (r)
		return r;
	if (git_odb_read(&lt->obj, a->odb, id) < 0)
		return reject(a, "missing-object", "cannot read the tree of '%s': %s", path,
			      git_error_last() ? git_error_last()->message : "unknown error");
	r = hrdex_tree_parse(&lt->t, git_odb_object_data(lt->obj), git_odb_object_size(lt->obj),
			     (size_t)a->limits->tree_entries, reason, sizeof(reason));
	if (r > 0)
		return reject(a, "tree", "'%s': %s", path, reason);
	return r;
}

static const struct hrdex_tree_entry *find_entry(const struct hrdex_tree *t, const char *name, int dir)
{
	size_t lo = 0, hi = t->n, len = strlen(name);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hrdex_tree_entry *e = &t->e[mid];
		int c = hrdex_tree_name_cmp(e->name, e->len, e->dir, name, len, dir);

		if (c == 0)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The id of a depth-2 entry ("x.json" or "x.files"), or 0 when the name is
 * not one of those with a valid id. */
static int entry_id(char *id, size_t size, const struct hrdex_tree_entry *e)
{
	size_t base;

	if (e->len > 5 && !memcmp(e->name + e->len - 5, ".json", 5) && !e->dir)
		base = e->len - 5;
	else if (e->len > 6 && !memcmp(e->name + e->len - 6, ".files", 6) && e->dir)
		base = e->len - 6;
	else
		return 0;
	if (base >= size)
		return 0;
	memcpy(id, e->name, base);
	id[base] = '\0';
	return hrdex_doc_id_valid(id);
}

/* The shape of a type folder's name, known type or not: [a-z][a-z0-9-]*,
 * at most HRDEX_TYPE_MAX bytes. */
static int type_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > HRDEX_TYPE_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* Is this entry allowed at this depth of B's tree?  0, or 1 with a reason. */
static int check_grammar(struct hrdex_accept *a, int depth, const char *path, const struct hrdex_tree_entry *e)
{
	char name[NAME_MAX_BYTES + 1], id[HRDEX_ID_MAX + 2];

	memcpy(name, e->name, e->len);
	name[e->len] = '\0';
	switch (depth) {
	case 0:
		if (e->dir && !strcmp(name, a->publisher))
			return 0;
		return reject(a, "path", "'%s' is outside '%s/' (a publisher writes only its own folder)",
			      name, a->publisher);
	case 1:
		/* A type this agent does not know is a document rule (its
		 * documents are held), not a reason to refuse the branch. */
		if (e->dir && type_name_ok(name))
			return 0;
		return reject(a, "path", "'%s/%s' is not a document type folder", path, name);
	case 2:
		if (entry_id(id, sizeof(id), e))
			return 0;
		return reject(a, "path", "'%s/%s' is neither ID.json (a file) nor ID.files (a folder)", path, name);
	case 3:
		/* The name itself passed hrdex_tree_name_problem already. */
		if (!e->dir)
			return 0;
		return reject(a, "path", "'%s/%s' is a folder, not an attachment file", path, name);
	default:
		return reject(a, "path", "'%s/%s' is too deep", path, name);
	}
}

struct idlist {
	char (*ids)[HRDEX_ID_MAX + 1];
	size_t n, alloc;
};

static int idlist_add(struct idlist *l, const char *id)
{
	if (l->n && !strcmp(l->ids[l->n - 1], id))
		return 0;
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;
		void *more = realloc(l->ids, na * sizeof(*l->ids));

		if (!more)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		l->ids = more;
		l->alloc = na;
	}
	snprintf(l->ids[l->n++], sizeof(l->ids[0]), "%s", id); /* fits: entry_id() keeps ids within HRDEX_ID_MAX */
	return 0;
}

static int idcmp(const void *x, const void *y)
{
	return strcmp(x, y);
}

static const char *first_problem(const struct hrdex_problems *p, char *buf, size_t size)
{
	if (!p->count)
		return "invalid document";
	hrdex_fmt_cut(buf, size, "%s%s%s%s", p->items[0].pointer[0] ? p->items[0].pointer : "",
		 p->items[0].pointer[0] ? ": " : "", p->items[0].message,
		 p->count > 1 ? " (and more)" : "");
	return buf;
}

static int names_clash(struct hrdex_accept *a, const struct hrdex_tree *t, const char *filespath)
{
	const char **names = calloc(t->n + 1, sizeof(*names));
	size_t *lens = calloc(t->n + 1, sizeof(*lens)), i, x, y;
	char nx[NAME_MAX_BYTES + 1], ny[NAME_MAX_BYTES + 1];
	int r;

	if (!names || !lens) {
		free(names);
		free(lens);
		return hrdex_error_oom();
	}
	for (i = 0; i < t->n; i++) {
		names[i] = t->e[i].name;
		lens[i] = t->e[i].len;
	}
	r = hrdex_names_clash(names, lens, t->n, &x, &y);
	free(names);
	free(lens);
	if (r <= 0)
		return r;
	snprintf(nx, sizeof(nx), "%.*s", (int)t->e[x].len, t->e[x].name);
	snprintf(ny, sizeof(ny), "%.*s", (int)t->e[y].len, t->e[y].name);
	return reject(a, "tree", "'%s/': '%s' and '%s' differ only in case or Unicode normalisation",
		      filespath, nx, ny);
}

/* The attachments of one document match its ID.files folder exactly. */
static int check_attachments(struct hrdex_accept *a, const char *docpath, const cJSON *doc,
			     const struct hrdex_tree_entry *files, const char *filespath)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "attachments"), *item;
	struct loaded_tree lt = { NULL, { NULL, 0 } };
	char *seen = NULL;
	size_t count = 0, i;
	int r = 0;

	if (list && !cJSON_IsArray(list))
		return reject(a, "attachment", "'%s': /attachments is not an array", docpath);
	count = list ? (size_t)cJSON_GetArraySize(list) : 0;
	if (count > ATTACHMENTS_MAX)
		return reject(a, "attachment", "'%s': more than %d attachments", docpath, ATTACHMENTS_MAX);
	if (!files)
		return count ? reject(a, "attachment", "'%s' lists %zu attachments but '%s/' is missing",
				      docpath, count, filespath)
			     : 0;
	r = load_tree(a, &lt, &files->oid, filespath);
	if (r)
		goto cleanup;
	if (lt.t.n != count) {
		r = reject(a, "attachment", "'%s/' holds %zu files but '%s' lists %zu attachments", filespath,
			   lt.t.n, docpath, count);
		goto cleanup;
	}
	seen = calloc(count + 1, 1);
	if (!seen) {
		r = hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		goto cleanup;
	}
	i = 0;
	cJSON_ArrayForEach(item, list) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
		const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(item, "bytes");
		const cJSON *sha = cJSON_GetObjectItemCaseSensitive(item, "sha256");
		const struct hrdex_tree_entry *e;
		git_odb_object *blob = NULL;
		unsigned char digest[crypto_hash_sha256_BYTES];
		char hex[2 * crypto_hash_sha256_BYTES + 1], path[1024];
		size_t size = 0;

		if (!cJSON_IsString(name) || !cJSON_IsNumber(bytes) || !cJSON_IsString(sha)) {
			r = reject(a, "attachment", "'%s': /attachments/%zu needs name, bytes and sha256", docpath, i);
			goto cleanup;
		}
		e = find_entry(&lt.t, name->valuestring, 0);
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", filespath, name->valuestring) >= sizeof(path)) {
			r = reject(a, "attachment", "'%s': /attachments/%zu has too long a name", docpath, i);
			goto cleanup;
		}
		if (!e) {
			r = reject(a, "attachment", "'%s' lists '%s', which is missing", docpath, path);
			goto cleanup;
		}
		if (seen[e - lt.t.e]) {
			r = reject(a, "attachment", "'%s' lists '%s' twice", docpath, name->valuestring);
			goto cleanup;
		}
		seen[e - lt.t.e] = 1;
		r = check_object(a, &e->oid, GIT_OBJECT_BLOB, a->limits->attachment_bytes, "file", path, &size);
		if (r)
			goto cleanup;
		if (bytes->valuedouble != (double)size) {
			r = reject(a, "attachment", "'%s' is %zu bytes, '%s' says %.0f", path, size, docpath,
				   bytes->valuedouble);
			goto cleanup;
		}
		if (git_odb_read(&blob, a->odb, &e->oid) < 0) {
			r = reject(a, "missing-object", "cannot read '%s'", path);
			goto cleanup;
		}
		crypto_hash_sha256(digest, git_odb_object_data(blob), git_odb_object_size(blob));
		git_odb_object_free(blob);
		sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
		if (strcmp(hex, sha->valuestring)) {
			r = reject(a, "attachment", "'%s' has sha256 %s, '%s' says %.64s", path, hex, docpath,
				   sha->valuestring);
			goto cleanup;
		}
		i++;
	}
cleanup:
	free(seen);
	loaded_free(&lt);
	return r;
}

/* One document (and its attachments) of a changed type folder. */
static int check_document_rules(struct hrdex_accept *a, const char *typepath, const struct hrdex_tree *t,
				const char *id);

/* The document rules; a key document they would hold refuses the branch
 * instead: the keys that sign depend on it (keychain.h). */
static int check_document(struct hrdex_accept *a, const char *typepath, const struct hrdex_tree *t,
			  const char *id)
{
	const char *slash = strrchr(typepath, '/');
	int r = check_document_rules(a, typepath, t, id);

	if (r == 0 && a->held && slash && !strcmp(slash + 1, "key")) {
		a->held = 0;
		if (!--a->nheld)
			a->held_first[0] = '\0';
		return reject(a, "rotation", "a key document must pass the document rules: %s", a->held_reason);
	}
	return r;
}

static int check_document_rules(struct hrdex_accept *a, const char *typepath, const struct hrdex_tree *t,
				const char *id)
{
	char name[HRDEX_ID_MAX + 8], docpath[512], filespath[512], pbuf[512], refstr[HRDEX_REF_MAX + 1];
	const char *slash;
	struct hrdex_ref ref;
	const struct hrdex_tree_entry *json, *files;
	struct hrdex_problems problems = HRDEX_PROBLEMS_INIT;
	struct hrdex_doc_opts opts;
	struct hrdex_doc *doc = NULL;
	git_odb_object *blob = NULL;
	int r;

	if (hrdex_fmt(name, sizeof(name), "%s.json", id) < 0)
		return -1;
	json = find_entry(t, name, 0);
	if (hrdex_fmt(name, sizeof(name), "%s.files", id) < 0)
		return -1;
	files = find_entry(t, name, 1);
	slash = strrchr(typepath, '/');
	if (slash && !hrdex_doc_type_valid(slash + 1)) {
		snprintf(docpath, sizeof(docpath), "%s/%s.json", typepath, id);
		snprintf(filespath, sizeof(filespath), "%s/%s.files", typepath, id);
		if (!json)
			return files ? reject(a, "attachment", "'%s/' has no document '%s'", filespath, docpath) : 0;
		return hold(a, "'%s': type '%s' is not known to this agent", docpath, slash + 1);
	}
	/* typepath and id passed the tree grammar: they make a ref. */
	if ((size_t)snprintf(refstr, sizeof(refstr), "%s/%s", typepath, id) >= sizeof(refstr) ||
	    hrdex_ref_parse(&ref, refstr) < 0 || hrdex_ref_path(docpath, sizeof(docpath), &ref) < 0 ||
	    hrdex_ref_file(filespath, sizeof(filespath), &ref, ".files", NULL) < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot form the paths of '%s/%s'", typepath, id);
	if (!json)
		return files ? reject(a, "attachment", "'%s/' has no document '%s'", filespath, docpath) : 0;
	r = check_object(a, &json->oid, GIT_OBJECT_BLOB, a->limits->document_bytes, "file", docpath, NULL);
	if (r)
		return r;
	if (git_odb_read(&blob, a->odb, &json->oid) < 0)
		return reject(a, "missing-object", "cannot read '%s'", docpath);
	memset(&opts, 0, sizeof(opts));
	opts.limits = a->limits;
	opts.schemas = a->schemas;
	opts.expect_publisher = a->publisher;
	opts.expect_path = docpath;
	r = hrdex_doc_load(&doc, git_odb_object_data(blob), git_odb_object_size(blob), &opts, &problems);
	if (r < 0)
		goto cleanup;
	if (!doc) {
		r = hold(a, "'%s': %s", docpath, first_problem(&problems, pbuf, sizeof(pbuf)));
		goto cleanup;
	}
	r = check_attachments(a, docpath, doc->json, files, filespath);
	/* The attachments disagree with what the document says of them: a
	 * document rule (missing objects, limits and tree shape stay the
	 * branch's). */
	if (r == 1 && !strcmp(a->rule, "attachment")) {
		r = hold(a, "%s", a->reason);
		a->rule[0] = '\0';
	}
	if (r == 0 && !a->held && a->checked && a->checked(a->checked_ctx, &json->oid, doc->json) < 0)
		r = -1;
cleanup:
	hrdex_doc_free(doc);
	hrdex_problems_free(&problems);
	git_odb_object_free(blob);
	return r;
}

/*
 * Compare the new tree at path (depth levels below the root) with the old
 * one at the same path (NULL: none), checking every new or changed entry and
 * skipping identical ones: the old tree passed these checks already.
 */
static int check_tree(struct hrdex_accept *a, int depth, const char *path, const git_oid *old_id,
		      const git_oid *new_id)
{
	struct loaded_tree o = { NULL, { NULL, 0 } }, n = { NULL, { NULL, 0 } };
	struct idlist dirty = { NULL, 0, 0 };
	size_t i = 0, j = 0;
	int r;

	if (old_id && git_oid_equal(old_id, new_id))
		return 0;
	r = load_tree(a, &n, new_id, depth ? path : "/");
	if (r)
		goto cleanup;
	if (depth > 0 && n.t.n == 0) {
		r = reject(a, "tree", "'%s/' is an empty folder", path);
		goto cleanup;
	}
	/* Safe names, a branch rule: a case-insensitive or normalising file
	 * system would merge "A.pdf" and "a.pdf", or "é.pdf" in NFC and in
	 * NFD, in view/ or a clone, whatever the document says. */
	if (depth == 3 && (r = names_clash(a, &n.t, path)) != 0)
		goto cleanup;
	if ((r = record(a, new_id)) < 0)
		goto cleanup;
	if (old_id && (r = load_tree(a, &o, old_id, depth ? path : "/")) != 0)
		goto cleanup;
	while (i < o.t.n || j < n.t.n) {
		const struct hrdex_tree_entry *oe = i < o.t.n ? &o.t.e[i] : NULL;
		const struct hrdex_tree_entry *ne = j < n.t.n ? &n.t.e[j] : NULL;
		const struct hrdex_tree_entry *same = NULL;
		char sub[1024], id[HRDEX_ID_MAX + 2];
		int c;

		c = !oe ? 1 : !ne ? -1 : hrdex_tree_name_cmp(oe->name, oe->len, oe->dir, ne->name, ne->len, ne->dir);
		if (c < 0) { /* removed */
			if (depth == 2 && entry_id(id, sizeof(id), oe) && (r = idlist_add(&dirty, id)) < 0)
				goto cleanup;
			i++;
			continue;
		}
		if (c == 0) {
			same = oe;
			i++;
		}
		j++;
		if (same && git_oid_equal(&same->oid, &ne->oid))
			continue;
		r = check_grammar(a, depth, path, ne);
		if (r)
			goto cleanup;
		if ((r = hrdex_fmt(sub, sizeof(sub), "%s%s%.*s", path, depth ? "/" : "", (int)ne->len, ne->name)) < 0)
			goto cleanup;
		if (ne->dir) {
			r = check_tree(a, depth + 1, sub, same ? &same->oid : NULL, &ne->oid);
		} else {
			int64_t max = depth == 3 ? a->limits->attachment_bytes : a->limits->document_bytes;

			r = check_object(a, &ne->oid, GIT_OBJECT_BLOB, max, "file", sub, NULL);
			if (!r)
				r = record(a, &ne->oid);
		}
		if (r)
			goto cleanup;
		if (depth == 2 && entry_id(id, sizeof(id), ne) && (r = idlist_add(&dirty, id)) < 0)
			goto cleanup;
	}
	if (dirty.n > 1)
		qsort(dirty.ids, dirty.n, sizeof(dirty.ids[0]), idcmp);
	for (i = 0; i < dirty.n; i++) {
		if (i > 0 && !strcmp(dirty.ids[i], dirty.ids[i - 1]))
			continue;
		a->held = 0;
		r = check_document(a, path, &n.t, dirty.ids[i]);
		a->held = 0;
		if (r)
			goto cleanup;
	}
	r = 0;
cleanup:
	free(dirty.ids);
	loaded_free(&o);
	loaded_free(&n);
	return r;
}

/* The commit's header section (signed_commit.h: hrdex_commit_parse_headers). */
static int check_headers(struct hrdex_accept *a, const git_oid *id, const char *hex)
{
	struct hrdex_commit_headers h;
	git_odb_object *obj = NULL;
	char why[256];
	int r;

	if (git_odb_read(&obj, a->odb, id) < 0)
		return reject(a, "missing-object", "cannot read commit %.12s: %s", hex,
			      git_error_last() ? git_error_last()->message : "unknown error");
	r = hrdex_commit_parse_headers(&h, git_odb_object_data(obj), git_odb_object_size(obj), why, sizeof(why));
	git_odb_object_free(obj);
	if (r)
		return reject(a, "commit", "commit %.12s: %s", hex, why);
	return 0;
}

/*
 * Per commit of chain (tip first, n commits), the index in a->ledger's
 * resets of the reset that governs it, or -1: the newest reset of B whose
 * commit the chain commit strictly descends from.  A reset commit in the
 * chain governs the commits above it; one below the chain (the chain's base
 * is it or descends from it) governs them all.
 */
static int reset_positions(struct hrdex_accept *a, const git_oid *chain, size_t n, long *gov)
{
	const struct hrdex_ledger *l = a->ledger;
	git_commit *bottom = NULL;
	const git_oid *base = NULL;
	size_t i, j, pos;

	for (j = 0; j < n; j++)
		gov[j] = -1;
	if (!l || !n)
		return 0;
	if (git_commit_lookup(&bottom, a->repo, &chain[n - 1]) == 0 && git_commit_parentcount(bottom) == 1)
		base = git_commit_parent_id(bottom, 0);
	for (i = 0; i < l->nresets; i++) {
		const git_oid *r = &l->resets[i].commit;

		if (strcmp(l->resets[i].publisher, a->publisher))
			continue;
		for (pos = 0; pos < n && !git_oid_equal(&chain[pos], r); pos++)
			;
		if (pos == n && !(base && (git_oid_equal(base, r) || git_graph_descendant_of(a->repo, base, r) == 1)))
			pos = 0; /* not in this history: governs none of it */
		git_error_clear();
		for (j = 0; j < pos; j++)
			gov[j] = (long)i;
	}
	git_commit_free(bottom);
	return 0;
}

static int is_stop(const struct hrdex_accept *a, const git_oid *id)
{
	size_t i;

	for (i = 0; i < a->nstop; i++)
		if (git_oid_equal(&a->stop[i], id))
			return 1;
	return 0;
}


/* ---- keys by position (keychain.h) ---- */

/* The key history of the tree of commit or tree id (either: a commit is
 * read for its tree).  0, 1 (rejected, rule "rotation"), -1. */
static int read_keys(struct hrdex_accept *a, const git_oid *id, struct hrdex_keychain *out)
{
	git_object *obj = NULL;
	const git_oid *tree = id;
	char why[512];
	int r;

	if (git_object_lookup(&obj, a->repo, id, GIT_OBJECT_ANY) < 0) {
		git_error_clear();
		return reject(a, "missing-object", "cannot read the key history at %.12s", git_oid_tostr_s(id));
	}
	if (git_object_type(obj) == GIT_OBJECT_COMMIT)
		tree = git_commit_tree_id((git_commit *)obj);
	r = hrdex_keychain_read(out, a->repo, tree, a->publisher, why, sizeof(why));
	git_object_free(obj);
	return r == 1 ? reject(a, "rotation", "%s", why) : r;
}

static int tip_keys(struct hrdex_accept *a, const git_oid *tip, struct hrdex_keychain *out)
{
	int r, in = a->in_commit;

	a->in_commit = 0;
	r = read_keys(a, tip, out);
	a->in_commit = in;
	if (r == 1) { /* the commit that damaged it is named in the walk */
		a->rule[0] = a->reason[0] = '\0';
		r = 0;
	}
	return r;
}

/*
 * The signature of commit id, by position: the key of the newest key
 * document before it (kp, the parent's), unless a reset governs it (gov)
 * with no rotation since (reset_keys: the key documents at the reset
 * commit); else the first key, which allowed_signers grants and which is
 * none of the keys the branch names (ktip).  signer gets the key.
 */
static int check_signer(struct hrdex_accept *a, const git_oid *id, long gov, size_t reset_keys,
			const struct hrdex_keychain *kp, const struct hrdex_keychain *ktip, unsigned char signer[32])
{
	const unsigned char *expect = NULL;
	struct hrdex_signers *only = NULL;
	struct hrdex_buf line = HRDEX_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1], fp[64], msg[640];
	size_t i;
	int r;

	git_oid_tostr(hex, sizeof(hex), id);
	if (kp->n > (gov >= 0 ? reset_keys : 0))
		expect = hrdex_keychain_current(kp);
	else if (gov >= 0)
		expect = a->ledger->resets[gov].key;
	a->in_commit = 0;
	if (!expect) {
		if (hrdex_commit_verify_at(a->repo, id, a->signers, a->publisher, a->now, signer) < 0)
			return reject(a, "signature", "%s", hrdex_error_message());
		/* (a key the branch names, unless key 2 says it replaces it:
		 * then the rotation rules speak) */
		if (ktip->n && hrdex_key_fingerprint(fp, sizeof(fp), signer) == 0 && !strcmp(fp, ktip->keys[0].previous))
			i = ktip->n;
		else
			i = 0;
		for (; i < ktip->n; i++)
			if (!memcmp(ktip->keys[i].pk, signer, 32))
				return reject(a, "signature", "commit %.12s: signed by key %zu of '%s', which "
					      "'%s/key/%zu.json' makes valid only after the commit that adds it", hex,
					      i + 2, a->publisher, a->publisher, i + 2);
		a->in_commit = 1;
		return 0;
	}
	/* The branch names the key; allowed_signers still says whether we
	 * take the publisher at all. */
	if (!hrdex_signers_has(a->signers, a->publisher))
		return reject(a, "signature", "commit %.12s: signed by a key not trusted for '%s'", hex, a->publisher);
	if (hrdex_buf_printf(&line, "%s namespaces=\"git\" ", a->publisher) < 0 ||
	    hrdex_key_public_line(&line, expect, NULL) < 0 ||
	    hrdex_signers_parse(&only, line.ptr, line.len, "key history") < 0) {
		hrdex_buf_free(&line);
		return -1;
	}
	hrdex_buf_free(&line);
	r = hrdex_commit_verify_at(a->repo, id, only, a->publisher, 0, signer);
	hrdex_signers_free(only);
	if (r == 0) {
		a->in_commit = 1;
		return 0;
	}
	hrdex_fmt_cut(msg, sizeof(msg), "%s", hrdex_error_message());
	if (!strstr(msg, "signed by a key not trusted"))
		return reject(a, "signature", "%s", msg);
	if (gov >= 0 && kp->n <= reset_keys)
		return reject(a, "signature", "commit %.12s: signed by a key of '%s' that is not valid after the "
			      "reset of the branch to %.12s; only the key that reset names signs after it", hex,
			      a->publisher, git_oid_tostr_s(&a->ledger->resets[gov].commit));
	if (hrdex_key_fingerprint(fp, sizeof(fp), expect) < 0)
		return -1;
	return reject(a, "signature", "commit %.12s: signed by a key of '%s' that is not valid at this point of "
		      "the branch: after '%s/key/%zu.json' only key %zu (%s) signs, whatever date a commit names",
		      hex, a->publisher, a->publisher, kp->n + 1, kp->n + 1, fp);
}

/* The id of publisher's key folder in tree: 1 found, 0 none. */
static int key_folder(struct hrdex_accept *a, const git_oid *tree, git_oid *out)
{
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	char path[HRDEX_PUBLISHER_MAX + 8];
	int found = 0;

	if (!tree || hrdex_fmt(path, sizeof(path), "%s/key", a->publisher) < 0)
		return 0;
	if (git_tree_lookup(&t, a->repo, tree) == 0 && git_tree_entry_bypath(&e, t, path) == 0) {
		git_oid_cpy(out, git_tree_entry_id(e));
		found = 1;
	}
	git_error_clear();
	git_tree_entry_free(e);
	git_tree_free(t);
	return found;
}

/* A commit that touches the key folder: the rotation rules
 * (hrdex_keychain_step); kp becomes the commit's key history. */
static int check_rotation(struct hrdex_accept *a, const git_oid *parent_tree, const git_oid *tree,
			  const unsigned char signer[32], struct hrdex_keychain *kp)
{
	struct hrdex_keychain kc = { NULL, 0 };
	unsigned char (*used)[32] = NULL;
	size_t nused = 0, i;
	git_oid po, no;
	int hp = key_folder(a, parent_tree, &po), hn = key_folder(a, tree, &no), r;
	char why[512];

	if (hp == hn && (!hn || git_oid_equal(&po, &no)))
		return 0;
	if ((r = read_keys(a, tree, &kc)) != 0)
		return r;
	/* the keys sanctioned resets named are this branch's too */
	if (a->ledger && a->ledger->nresets && !(used = calloc(a->ledger->nresets, sizeof(*used)))) {
		hrdex_keychain_free(&kc);
		return hrdex_error_oom();
	}
	for (i = 0; a->ledger && i < a->ledger->nresets; i++)
		if (!strcmp(a->ledger->resets[i].publisher, a->publisher))
			memcpy(used[nused++], a->ledger->resets[i].key, 32);
	r = hrdex_keychain_step(kp, &kc, signer, (const unsigned char (*)[32])used, nused, a->repo, a->signers,
				a->publisher, why, sizeof(why));
	free(used);
	if (r) {
		hrdex_keychain_free(&kc);
		return r < 0 ? -1 : reject(a, "rotation", "%s", why);
	}
	hrdex_keychain_free(kp);
	*kp = kc;
	return 0;
}

int hrdex_accept_check(struct hrdex_accept *a, const git_oid *tip)
{
	git_oid *chain = NULL, cur;
	struct hrdex_keychain kp = { NULL, 0 }, ktip = { NULL, 0 };
	long *gov = NULL, reset_cached = -1;
	size_t reset_keys = 0;   /* key documents at the governing reset's commit */
	size_t n = 0, alloc = 0, k;
	git_commit *c = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int r = 0;

	a->rule[0] = a->reason[0] = '\0';
	memset(&a->commit, 0, sizeof(a->commit));
	a->in_commit = 0;
	a->ncommits = 0;
	a->nheld = 0;
	a->held = 0;
	a->held_first[0] = '\0';
	if (sodium_init() < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot initialise libsodium");
	if (git_repository_odb(&a->odb, a->repo) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot open the object database");

	/* 1. The new history, tip first: linear, complete, ending on a stop commit. */
	git_oid_cpy(&cur, tip);
	while (!is_stop(a, &cur)) {
		size_t np;

		git_oid_tostr(hex, sizeof(hex), &cur);
		if ((int64_t)n >= a->limits->fetch_commits) {
			r = reject(a, "limits", "more than %lld new commits (limits.commits)",
				   (long long)a->limits->fetch_commits);
			goto cleanup;
		}
		git_oid_cpy(&a->commit, &cur);
		r = check_object(a, &cur, GIT_OBJECT_COMMIT, (int64_t)1 << 20, "commit", a->publisher, NULL);
		if (r)
			goto cleanup;
		/* Headers as git fsck --strict wants them, before libgit2 parses
		 * the commit (it skips a second author line, for one). */
		r = check_headers(a, &cur, hex);
		if (r)
			goto cleanup;
		if (git_commit_lookup(&c, a->repo, &cur) < 0) {
			r = reject(a, "history", "commit %.12s cannot be parsed: %s", hex,
				   git_error_last() ? git_error_last()->message : "unknown error");
			goto cleanup;
		}
		np = git_commit_parentcount(c);
		if (np > 1) {
			r = reject(a, "history", "commit %.12s is a merge; a publisher's log is linear", hex);
			goto cleanup;
		}
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			git_oid *more = realloc(chain, na * sizeof(*more));

			if (!more) {
				r = hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
				goto cleanup;
			}
			chain = more;
			alloc = na;
		}
		git_oid_cpy(&chain[n++], &cur);
		if (np == 0) {
			if (a->current) {
				char cur_hex[GIT_OID_HEXSZ + 1];

				git_oid_tostr(cur_hex, sizeof(cur_hex), a->current);
				git_oid_cpy(&a->commit, tip);
				r = reject(a, "fast-forward", "does not descend from our '%s' at %.12s "
					   "(history rewritten)", a->publisher, cur_hex);
				goto cleanup;
			}
			break;
		}
		git_oid_cpy(&cur, git_commit_parent_id(c, 0));
		git_commit_free(c);
		c = NULL;
	}
	a->ncommits = n;
	if (!(gov = calloc(n + 1, sizeof(*gov)))) {
		r = hrdex_error_oom();
		goto cleanup;
	}
	reset_positions(a, chain, n, gov);

	/* The keys the branch names at its tip: never a first key (keychain.h). */
	if ((r = tip_keys(a, tip, &ktip)) != 0)
		goto cleanup;

	/* 2. Oldest first: the signature, then what the commit changed. */
	for (k = n; k-- > 0;) {
		git_commit *parent = NULL;
		git_oid tree_id, parent_tree;
		int have_parent;
		unsigned char signer[32];

		git_oid_cpy(&a->commit, &chain[k]);
		git_commit_free(c);
		c = NULL;
		if (git_commit_lookup(&c, a->repo, &chain[k]) < 0) {
			r = reject(a, "history", "cannot parse the commit: %s",
				   git_error_last() ? git_error_last()->message : "unknown error");
			goto cleanup;
		}
		git_oid_cpy(&tree_id, git_commit_tree_id(c));
		have_parent = git_commit_parentcount(c) == 1;
		if (have_parent) {
			if (git_commit_parent(&parent, c, 0) < 0) {
				r = reject(a, "missing-object", "its parent is missing");
				goto cleanup;
			}
			git_oid_cpy(&parent_tree, git_commit_tree_id(parent));
			git_commit_free(parent);
		}
		/* The key history before this commit: the base's, once. */
		if (k == n - 1 && have_parent && (r = read_keys(a, &parent_tree, &kp)) != 0)
			goto cleanup;
		a->in_commit = 1;
		/* Any failure rejects: the branch stays and the next sync tries again. */
		if (gov[k] != reset_cached) {
			struct hrdex_keychain kr;

			if ((r = read_keys(a, &a->ledger->resets[gov[k]].commit, &kr)) != 0)
				goto cleanup;
			reset_keys = kr.n;
			hrdex_keychain_free(&kr);
			reset_cached = gov[k];
		}
		if ((r = check_signer(a, &chain[k], gov[k], reset_keys, &kp, &ktip, signer)) != 0)
			goto cleanup;
		r = check_tree(a, 0, "", have_parent ? &parent_tree : NULL, &tree_id);
		if (r)
			goto cleanup;
		if ((r = check_rotation(a, have_parent ? &parent_tree : NULL, &tree_id, signer, &kp)) != 0)
			goto cleanup;
		if ((r = record(a, &chain[k])) < 0)
			goto cleanup;
	}
	a->in_commit = 0;
	memset(&a->commit, 0, sizeof(a->commit));
	r = 0;
cleanup:
	a->in_commit = 0;
	hrdex_keychain_free(&kp);
	hrdex_keychain_free(&ktip);
	git_commit_free(c);
	free(gov);
	free(chain);
	git_odb_free(a->odb);
	a->odb = NULL;
	return r;
}

int hrdex_document_check(git_repository *repo, struct hrdex_schemas *schemas, const struct hrdex_limits *limits,
			 const char *publisher, const char *type, const git_tree *type_tree, const char *id,
			 char *reason, size_t size)
{
	struct hrdex_accept a;
	struct hrdex_tree t = { NULL, 0 };
	size_t i, n = git_tree_entrycount(type_tree);
	char typepath[HRDEX_PUBLISHER_MAX + HRDEX_TYPE_MAX + 2];
	int r;

	if (reason && size)
		reason[0] = '\0';
	if ((size_t)snprintf(typepath, sizeof(typepath), "%s/%s", publisher, type) >= sizeof(typepath))
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot form the path of '%s/%s'", publisher, type);
	memset(&a, 0, sizeof(a));
	a.repo = repo;
	a.publisher = publisher;
	a.schemas = schemas;
	a.limits = limits;
	if (sodium_init() < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot initialise libsodium");
	t.e = calloc(n + 1, sizeof(*t.e));
	if (!t.e)
		return hrdex_error_oom();
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(type_tree, i);

		t.e[i].name = git_tree_entry_name(e);
		t.e[i].len = strlen(t.e[i].name);
		t.e[i].dir = git_tree_entry_type(e) == GIT_OBJECT_TREE;
		git_oid_cpy(&t.e[i].oid, git_tree_entry_id(e));
	}
	t.n = n;
	if (git_repository_odb(&a.odb, repo) < 0) {
		free(t.e);
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot open the object database");
	}
	r = check_document(&a, typepath, &t, id);
	git_odb_free(a.odb);
	free(t.e);
	hrdex_accept_release(&a);
	if (r < 0)
		return -1;
	if (r == 1) /* a branch rule: the tree was accepted, so only a missing object */
		snprintf(reason, size, "%s", a.reason);
	else if (a.held)
		snprintf(reason, size, "%s", a.held_reason);
	return r == 1 || a.held;
}

/* Bump when a document rule outside the schemas changes (doc.c,
 * semantic checks, the attachment rules here): held documents are then
 * checked again, as when the schemas change. */
#define DOCUMENT_RULES_REVISION "1"

void hrdex_document_rules_digest(char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	const struct hrdex_builtin_file *f;

	if (sodium_init() < 0) {
		snprintf(out, 65, "%s", "unknown");
		return;
	}
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)DOCUMENT_RULES_REVISION,
				  sizeof(DOCUMENT_RULES_REVISION));
	/* The versions this agent knows (HRDEX_SCHEMA_NEWEST=1 hides the
	 * newer ones): removing the switch re-checks what it held. */
	{
		unsigned char newest = (unsigned char)hrdex_schema_known_newest();

		crypto_hash_sha256_update(&st, &newest, 1);
	}
	/* The network (doc.h): joining a registry releases the member
	 * documents held while there was none, and holds the others. */
	{
		char net[256];

		hrdex_doc_network_digest(net, sizeof(net));
		crypto_hash_sha256_update(&st, (const unsigned char *)net, strlen(net) + 1);
	}
	for (f = hrdex_builtin_schemas; f->name; f++) {
		crypto_hash_sha256_update(&st, (const unsigned char *)f->name, strlen(f->name) + 1);
		crypto_hash_sha256_update(&st, f->data, f->len);
	}
	/* The controlled lists are rules too: a value held as "not in the list"
	 * is accepted once an agent ships a list that has it. */
	for (f = hrdex_builtin_lists; f->name; f++) {
		crypto_hash_sha256_update(&st, (const unsigned char *)"lists/", 6);
		crypto_hash_sha256_update(&st, (const unsigned char *)f->name, strlen(f->name) + 1);
		crypto_hash_sha256_update(&st, f->data, f->len);
	}
	/* What the network's registry added (regext.h): a type or a list entry
	 * it adds releases what waited for it.  Nothing without a registry, so
	 * the digest of an agent that joined none is as before. */
	if (*hrdex_regext_text()) {
		crypto_hash_sha256_update(&st, (const unsigned char *)"registry/", 9);
		crypto_hash_sha256_update(&st, (const unsigned char *)hrdex_regext_text(),
					  strlen(hrdex_regext_text()));
	}
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

void hrdex_accept_release(struct hrdex_accept *a)
{
	free(a->objects);
	a->objects = NULL;
	a->nobjects = a->aobjects = 0;
}
