/*
 * pack.c - streaming packfile writer on top of git_odb_write_pack (see pack.h).
 *
 * Format (git's Documentation/gitformat-pack.txt): "PACK", version 2, object
 * count, then per object a size/type header and its zlib stream, then the
 * SHA-1 of everything before.  The count is patched in at the end, so the
 * checksum is computed over the finished file in one sequential read.
 * zlib and OpenSSL's libcrypto are what libgit2 itself links against; libgit2
 * exposes neither deflate nor SHA-1.
 */
#include "pack.h"
#include "error.h"
#include "fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2/odb_backend.h>
#include <openssl/evp.h>
#include <zlib.h>

#define CHUNK (256 * 1024)
/* The indexer maps and parses at every append: feed it large slices. */
#define SLICE (4 * 1024 * 1024)

struct hrdex_pack {
	git_odb *odb;
	char *path;          /* the temporary pack, inside objects/pack/ */
	int fd;
	z_stream z;
	int z_ready;
	uint32_t count;
	size_t pending;      /* bytes in buf not yet written */
	unsigned char out[CHUNK];
	unsigned char buf[SLICE];
};

static int flush(struct hrdex_pack *p)
{
	size_t off = 0;

	while (off < p->pending) {
		ssize_t n = write(p->fd, p->buf + off, p->pending - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hrdex_error_errno(HRDEX_EX_IOERR, "cannot write '%s'", p->path);
		off += (size_t)n;
	}
	p->pending = 0;
	return 0;
}

static int emit(struct hrdex_pack *p, const void *data, size_t len)
{
	const unsigned char *d = data;

	while (len) {
		size_t n = SLICE - p->pending < len ? SLICE - p->pending : len;

		memcpy(p->buf + p->pending, d, n);
		p->pending += n;
		d += n;
		len -= n;
		if (p->pending == SLICE && flush(p) < 0)
			return -1;
	}
	return 0;
}

int hrdex_pack_begin(struct hrdex_pack **out, git_repository *repo)
{
	struct hrdex_pack *p = calloc(1, sizeof(*p));
	unsigned char header[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 0 };

	*out = NULL;
	if (!p)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	p->fd = -1;
	if (asprintf(&p->path, "%sobjects/pack/tmp_hrdex_XXXXXX", git_repository_path(repo)) < 0) {
		p->path = NULL;
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto fail;
	}
	p->fd = mkostemp(p->path, O_CLOEXEC);
	if (p->fd < 0) {
		hrdex_error_errno(HRDEX_EX_IOERR, "cannot create '%s'", p->path);
		free(p->path);
		p->path = NULL;
		goto fail;
	}
	if (git_repository_odb(&p->odb, repo) < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot open the object database");
		goto fail;
	}
	if (deflateInit(&p->z, Z_BEST_SPEED) != Z_OK) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "cannot start zlib");
		goto fail;
	}
	p->z_ready = 1;
	if (emit(p, header, sizeof(header)) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	hrdex_pack_free(p);
	return -1;
}

int hrdex_pack_add(struct hrdex_pack *p, git_object_t type, const void *data, size_t len)
{
	unsigned char hdr[16];
	size_t n = 0, size = len;
	int r;

	if (p->count == UINT32_MAX)
		return hrdex_error_set(HRDEX_EX_DATAERR, "too many objects for one pack");
	/* type in bits 4-6 of the first byte, size in 4 then 7-bit groups */
	hdr[n] = (unsigned char)((type << 4) | (size & 15));
	size >>= 4;
	while (size) {
		hdr[n++] |= 0x80;
		hdr[n] = size & 0x7f;
		size >>= 7;
	}
	if (emit(p, hdr, n + 1) < 0)
		return -1;
	if (deflateReset(&p->z) != Z_OK)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "zlib failed");
	p->z.next_in = (unsigned char *)data;
	p->z.avail_in = (uInt)len;
	do {
		p->z.next_out = p->out;
		p->z.avail_out = sizeof(p->out);
		r = deflate(&p->z, Z_FINISH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "zlib failed");
		if (emit(p, p->out, sizeof(p->out) - p->z.avail_out) < 0)
			return -1;
	} while (r != Z_STREAM_END);
	p->count++;
	return 0;
}

uint32_t hrdex_pack_count(const struct hrdex_pack *p)
{
	return p->count;
}

int hrdex_pack_commit(struct hrdex_pack *p)
{
	git_odb_writepack *wp = NULL;
	git_indexer_progress stats;
	EVP_MD_CTX *sha = NULL;
	unsigned char sum[EVP_MAX_MD_SIZE];
	uint32_t count = htonl(p->count);
	unsigned int sumlen = 0;
	ssize_t n;
	int ret = -1;

	if (!p->count)
		return 0;
	if (flush(p) < 0)
		return -1;
	if (pwrite(p->fd, &count, 4, 8) != 4 || lseek(p->fd, 0, SEEK_SET) != 0)
		return hrdex_error_errno(HRDEX_EX_IOERR, "cannot write '%s'", p->path);
	sha = EVP_MD_CTX_new();
	if (!sha || EVP_DigestInit_ex(sha, EVP_sha1(), NULL) != 1) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "cannot checksum the pack");
		goto cleanup;
	}
	if (git_odb_write_pack(&wp, p->odb, NULL, NULL) < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot start a pack");
		goto cleanup;
	}
	/* One sequential pass: checksum and feed the indexer together. */
	while ((n = read(p->fd, p->buf, SLICE)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hrdex_error_errno(HRDEX_EX_IOERR, "cannot read '%s'", p->path);
			goto cleanup;
		}
		if (EVP_DigestUpdate(sha, p->buf, (size_t)n) != 1 ||
		    wp->append(wp, p->buf, (size_t)n, &stats) < 0) {
			hrdex_error_git(HRDEX_EX_IOERR, "cannot index the pack");
			goto cleanup;
		}
	}
	if (EVP_DigestFinal_ex(sha, sum, &sumlen) != 1 || sumlen != 20) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "cannot checksum the pack");
		goto cleanup;
	}
	if (wp->append(wp, sum, sumlen, &stats) < 0 || wp->commit(wp, &stats) < 0) {
		hrdex_error_git(HRDEX_EX_IOERR, "cannot index the pack");
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (wp)
		wp->free(wp);
	EVP_MD_CTX_free(sha);
	return ret;
}

void hrdex_pack_free(struct hrdex_pack *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	if (p->path)
		unlink(p->path);
	if (p->z_ready)
		deflateEnd(&p->z);
	git_odb_free(p->odb);
	free(p->path);
	free(p);
}
