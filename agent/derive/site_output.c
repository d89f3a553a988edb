/*
 * site_output.c - writing a generation of the static site (see site.c for
 * why): every file gets a key, is hard-linked from the previous generation
 * when its manifest has the same key for the same path, else written, and
 * is recorded in the new manifest.
 */
#include "site_int.h"
#include "buf.h"
#include "error.h"
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

void site_hex_key(char out[KEY_HEX], const unsigned char key[16])
{
	sodium_bin2hex(out, KEY_HEX, key, 16);
}

static int cmp_mentry(const void *a, const void *b)
{
	return strcmp(((const struct mentry *)a)->path, ((const struct mentry *)b)->path);
}

/* Read "KEY PATH" lines of the previous manifest; a missing one is empty. */
int site_load_manifest(struct site *s, const char *path)
{
	char *p, *nl;
	size_t n = 0, alloc = 0;

	if (!hrdex_fs_exists(path))
		return 0;
	if (hrdex_fs_read(&s->old_text, path, (size_t)1 << 30) < 0)
		return -1;
	for (p = s->old_text.ptr; p && *p; p = nl + 1) {
		char *sp;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		sp = strchr(p, ' ');
		if (!sp || sp - p != KEY_HEX - 1)
			continue;
		*sp = '\0';
		if (n == alloc) {
			struct mentry *m = realloc(s->old, (alloc = alloc ? alloc * 2 : 1024) * sizeof(*m));

			if (!m)
				return hrdex_error_oom();
			s->old = m;
		}
		s->old[n].key = p;
		s->old[n].path = sp + 1;
		n++;
	}
	s->nold = n;
	if (n)
		qsort(s->old, n, sizeof(*s->old), cmp_mentry);
	return 0;
}

static int record(struct site *s, const char *path, const char *key)
{
	return hrdex_buf_printf(&s->manifest, "%s %s\n", key, path);
}

/* mkdir -p the folder of path inside the new generation. */
static int make_parent(struct site *s, const char *full)
{
	const char *slash = strrchr(full, '/');
	size_t n = slash ? (size_t)(slash - full) : 0;

	if (!n || n >= sizeof(s->last_dir))
		return 0;
	if (strlen(s->last_dir) == n && !strncmp(s->last_dir, full, n))
		return 0;
	memcpy(s->last_dir, full, n);
	s->last_dir[n] = '\0';
	if (hrdex_fs_mkdirs(s->last_dir, 0755) < 0) {
		s->last_dir[0] = '\0';
		return -1;
	}
	return 0;
}

/* 1 when path had the same key in the previous build and was hard-linked
 * from it; 0 when it must be written. */
int site_try_link(struct site *s, const char *path, const char *key)
{
	struct mentry want = { path, NULL }, *m;
	char from[PATH_MAX], to[PATH_MAX];

	if (!s->old_dir || !s->nold)
		return 0;
	m = bsearch(&want, s->old, s->nold, sizeof(*s->old), cmp_mentry);
	if (!m || strcmp(m->key, key))
		return 0;
	if (hrdex_fmt(from, sizeof(from), "%s/%s", s->old_dir, path) < 0)
		return -1;
	if (hrdex_fmt(to, sizeof(to), "%s/%s", s->gen_dir, path) < 0)
		return -1;
	if (make_parent(s, to) < 0)
		return -1;
	if (link(from, to) < 0)
		return 0; /* gone or another file system: write it */
	s->stats->linked++;
	return record(s, path, key) < 0 ? -1 : 1;
}

int site_write_file(struct site *s, const char *path, const char *key, const void *data, size_t len)
{
	char full[PATH_MAX];
	const char *p = data;
	int fd;

	if ((size_t)snprintf(full, sizeof(full), "%s/%s", s->gen_dir, path) >= sizeof(full))
		return hrdex_error_set(HRDEX_E_INTERNAL, "path too long: '%s'", path);
	if (make_parent(s, full) < 0)
		return -1;
	fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return hrdex_error_errno(HRDEX_E_IO, "cannot create '%s'", full);
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			hrdex_error_errno(HRDEX_E_IO, "cannot write '%s'", full);
			close(fd);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0)
		return hrdex_error_errno(HRDEX_E_IO, "cannot write '%s'", full);
	s->stats->written++;
	return record(s, path, key);
}

/* Write rendered bytes under a key that is their own hash. */
int site_emit_content(struct site *s, const char *path, const struct hrdex_buf *b)
{
	unsigned char key[16];
	char hex[KEY_HEX];
	int r;

	crypto_generichash(key, sizeof(key), (const unsigned char *)b->ptr, b->len, NULL, 0);
	site_hex_key(hex, key);
	r = site_try_link(s, path, hex);
	if (r != 0)
		return r < 0 ? -1 : 0;
	return site_write_file(s, path, hex, b->ptr, b->len);
}

/* Copy a blob (JSON source, attachment) unless the previous build has it. */
int site_emit_blob(struct site *s, const char *path, const git_oid *id)
{
	git_blob *blob = NULL;
	char hex[KEY_HEX];
	int r;

	git_oid_tostr(hex, sizeof(hex), id); /* 32 hex digits of the id are key enough */
	r = site_try_link(s, path, hex);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (git_blob_lookup(&blob, s->repo, id) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot read '%s'", path);
	r = site_write_file(s, path, hex, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return r;
}
