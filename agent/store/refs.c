/*
 * refs.c - publisher branch tips read from a bare repository's ref files.
 *
 * git's "files" ref storage: refs/heads/NAME holds "<hex>\n" or
 * "ref: <target>\n"; packed-refs holds "<hex> <refname>" lines, each
 * optionally followed by "^<hex>", the object a tag peels to, under a
 * "# pack-refs with: ..." header.  Writers replace either file by rename, so
 * a reader sees the old or the new content.
 */
#include "refs.h"
#include "buf.h"
#include "config.h"
#include "error.h"
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* No ref file is anywhere near this; a larger one is not a ref. */
#define LOOSE_MAX 4096
#define PACKED_MAX ((size_t)256 << 20)
#define SYMREF_DEPTH 5   /* libgit2's limit on nested symbolic refs */

struct packed {
	char *name;                    /* full name, refs/... */
	char hex[HRDEX_OID_HEX + 1];   /* peeled when a "^" line follows */
};

struct packed_refs {
	struct packed *items;
	size_t count, alloc;
};

int hrdex_oid_hex_valid(const char *s)
{
	size_t i;

	for (i = 0; i < HRDEX_OID_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void packed_free(struct packed_refs *p)
{
	size_t i;

	for (i = 0; i < p->count; i++)
		free(p->items[i].name);
	free(p->items);
}

static int packed_add(struct packed_refs *p, const char *name, size_t len, const char *hex)
{
	struct packed *e;

	if (p->count == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 16;
		struct packed *items = realloc(p->items, n * sizeof(*items));

		if (!items)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		p->items = items;
		p->alloc = n;
	}
	e = &p->items[p->count];
	e->name = strndup(name, len);
	if (!e->name)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	memcpy(e->hex, hex, HRDEX_OID_HEX);
	e->hex[HRDEX_OID_HEX] = '\0';
	p->count++;
	return 0;
}

/* A missing packed-refs is an empty one. */
static int packed_read(struct packed_refs *out, const char *gitdir)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char *path = hrdex_path_join(gitdir, "packed-refs");
	const char *s, *end;
	int ret = -1;

	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	if (hrdex_fs_read(&b, path, PACKED_MAX) < 0) {
		if (hrdex_error_kind() == HRDEX_E_NOTFOUND) {
			hrdex_error_clear();
			ret = 0;
		}
		goto cleanup;
	}
	for (s = b.ptr, end = b.ptr + b.len; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;
		size_t len = (size_t)(eol - s);

		if (len && eol[-1] == '\r')
			len--;
		if (len == 0 || s[0] == '#') {
			/* header or blank line */
		} else if (s[0] == '^') {
			if (len != 1 + HRDEX_OID_HEX || !hrdex_oid_hex_valid(s + 1) || !out->count)
				goto corrupt;
			memcpy(out->items[out->count - 1].hex, s + 1, HRDEX_OID_HEX);
		} else {
			if (len < HRDEX_OID_HEX + 2 || !hrdex_oid_hex_valid(s) || s[HRDEX_OID_HEX] != ' ')
				goto corrupt;
			if (packed_add(out, s + HRDEX_OID_HEX + 1, len - HRDEX_OID_HEX - 1, s) < 0)
				goto cleanup;
		}
		s = eol + (nl ? 1 : 0);
	}
	ret = 0;
	goto cleanup;
corrupt:
	hrdex_error_set(HRDEX_E_IO, "'%s' is corrupt", path);
cleanup:
	hrdex_buf_free(&b);
	free(path);
	return ret;
}

static const struct packed *packed_find(const struct packed_refs *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->count; i++)
		if (!strcmp(p->items[i].name, name))
			return &p->items[i];
	return NULL;
}

/*
 * Resolve the ref name (refs/...) to an object id: its loose file if there
 * is one, else packed-refs.  1 when found, 0 when neither has it.
 */
static int resolve(char hex[HRDEX_OID_HEX + 1], const char *gitdir, const char *name,
		   const struct packed_refs *packed, int depth)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	const struct packed *pr;
	char *path;
	int ret = -1;

	if (depth > SYMREF_DEPTH)
		return hrdex_error_set(HRDEX_E_IO, "ref '%s': too many symbolic refs", name);
	/* A name that could leave refs/ is not a ref (".." in a symbolic ref). */
	if (strncmp(name, "refs/", 5) || strstr(name, "..") || strstr(name, "//"))
		return hrdex_error_set(HRDEX_E_IO, "invalid ref name '%s'", name);
	path = hrdex_path_join(gitdir, name);
	if (!path)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	if (hrdex_fs_read(&b, path, LOOSE_MAX) < 0) {
		/* ENOENT, or a directory (refs/heads/a/ when asking for a): not loose */
		if (hrdex_error_kind() != HRDEX_E_NOTFOUND && !hrdex_fs_is_dir(path))
			goto cleanup;
		hrdex_error_clear();
		pr = packed_find(packed, name);
		if (pr)
			memcpy(hex, pr->hex, HRDEX_OID_HEX + 1);
		ret = pr != NULL;
		goto cleanup;
	}
	if (!strncmp(b.ptr, "ref: ", 5)) {
		char *target = b.ptr + 5;

		target[strcspn(target, "\r\n")] = '\0';
		ret = resolve(hex, gitdir, target, packed, depth + 1);
		goto cleanup;
	}
	/* libgit2 takes the id and allows anything after it from a space on */
	if (b.len < HRDEX_OID_HEX || !hrdex_oid_hex_valid(b.ptr) ||
	    (b.len > HRDEX_OID_HEX && !strchr(" \t\r\n", b.ptr[HRDEX_OID_HEX]))) {
		hrdex_error_set(HRDEX_E_IO, "corrupt loose ref '%s'", path);
		goto cleanup;
	}
	memcpy(hex, b.ptr, HRDEX_OID_HEX);
	hex[HRDEX_OID_HEX] = '\0';
	ret = 1;
cleanup:
	hrdex_buf_free(&b);
	free(path);
	return ret;
}

static int tips_add(struct hrdex_tips *t, size_t *alloc, const char *name)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (!strcmp(t->items[i].name, name))
			return 0;
	if (t->count == *alloc) {
		size_t n = *alloc ? *alloc * 2 : 16;
		struct hrdex_tip *items = realloc(t->items, n * sizeof(*items));

		if (!items)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		t->items = items;
		*alloc = n;
	}
	t->items[t->count].name = strdup(name);
	if (!t->items[t->count].name)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	t->items[t->count].hex[0] = '\0';
	t->count++;
	return 0;
}

static int tip_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hrdex_tip *)a)->name, ((const struct hrdex_tip *)b)->name);
}

/* What libgit2's git_repository_open_bare() asks of a directory. */
static int looks_like_repo(const char *gitdir)
{
	static const char *const parts[] = { "HEAD", "objects", "refs" };
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *p = hrdex_path_join(gitdir, parts[i]);
		int ok = p && hrdex_fs_exists(p);

		free(p);
		if (!ok)
			return 0;
	}
	return 1;
}

int hrdex_refs_branches(struct hrdex_tips *out, const char *gitdir)
{
	struct packed_refs packed = { NULL, 0, 0 };
	struct hrdex_tips t = { NULL, 0 };
	size_t alloc = 0, i, j;
	char *heads = NULL;
	DIR *d = NULL;
	struct dirent *e;
	int ret = -1;

	out->items = NULL;
	out->count = 0;
	if (!looks_like_repo(gitdir))
		return hrdex_error_set(HRDEX_E_IO, "'%s' is not a git repository", gitdir);
	/* The names first, loose before packed: a concurrent `git pack-refs`
	 * moves a ref from loose to packed, so it is seen in one or the other. */
	heads = hrdex_path_join(gitdir, "refs/heads");
	if (!heads) {
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		goto cleanup;
	}
	d = opendir(heads);
	if (!d && errno != ENOENT) {
		hrdex_error_errno(HRDEX_E_IO, "cannot list '%s'", heads);
		goto cleanup;
	}
	while (d && (errno = 0, e = readdir(d))) {
		if (hrdex_publisher_valid(e->d_name) && tips_add(&t, &alloc, e->d_name) < 0)
			goto cleanup;
	}
	if (d && errno) {
		hrdex_error_errno(HRDEX_E_IO, "cannot list '%s'", heads);
		goto cleanup;
	}
	if (packed_read(&packed, gitdir) < 0)
		goto cleanup;
	for (i = 0; i < packed.count; i++) {
		const char *n = packed.items[i].name;

		if (!strncmp(n, "refs/heads/", 11) && hrdex_publisher_valid(n + 11) && tips_add(&t, &alloc, n + 11) < 0)
			goto cleanup;
	}
	for (i = 0; i < t.count; i++) {
		char name[11 + 64];

		if (hrdex_fmt(name, sizeof(name), "refs/heads/%s", t.items[i].name) < 0)
			goto cleanup;
		if (resolve(t.items[i].hex, gitdir, name, &packed, 0) < 0)
			goto cleanup;
	}
	/* Unresolved: deleted meanwhile, or refs/heads/<p>/ is a directory of
	 * other refs (which libgit2 lists as refs/heads/<p>/..., not a branch). */
	for (i = j = 0; i < t.count; i++) {
		if (!t.items[i].hex[0]) {
			free(t.items[i].name);
			continue;
		}
		t.items[j++] = t.items[i];
	}
	t.count = j;
	if (t.count)
		qsort(t.items, t.count, sizeof(*t.items), tip_cmp);
	*out = t;
	t.items = NULL;
	t.count = 0;
	ret = 0;
cleanup:
	if (d)
		closedir(d);
	hrdex_tips_free(&t);
	packed_free(&packed);
	free(heads);
	return ret;
}

void hrdex_tips_free(struct hrdex_tips *t)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		free(t->items[i].name);
	free(t->items);
	t->items = NULL;
	t->count = 0;
}
