/*
 * pack.c - streaming packfile writer on top of git_odb_write_pack (see pack.h).
 *
 * Format (git's Documentation/gitformat-pack.txt): "PACK", version 2, object
 * count, then per object a size/type header and its zlib stream, then the
 * SHA-1 of everything before.  The count is patched in at the end, so the
 * checksum is computed over the finished file in one sequential read.
 * zlib and OpenSSL's libcrypto are what libgit2 itself links against; libgit2
 * exposes neither deflate nor SHA-1.
 *
 * Deflating costs about as much as checking a document, so it runs on a
 * worker thread: the caller checks document N+1 while document N is being
 * compressed.  The queue between them is bounded in bytes.
 */
#include "pack.h"
#include "buf.h"
#include "error.h"
#include "fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
/* Most bytes waiting for the worker before hrdex_pack_add() blocks: a
 * thousand documents or so is slack enough, and the queue's buffers stay in
 * the heap (with 32 MiB, a 25,000-document publish held 60 MiB of heap). */
#define QUEUE_MAX (8 * 1024 * 1024)

struct job {
	struct job *next;
	git_object_t type;
	size_t len;
	unsigned char data[];
};

struct hrdex_pack {
	git_odb *odb;
	char *path;          /* the temporary pack, inside objects/pack/ */
	int fd;
	z_stream z;
	int z_ready;
	uint32_t count;
	size_t pending;      /* bytes in buf not yet written */

	pthread_t worker;
	int worker_running;
	pthread_mutex_t mu;
	pthread_cond_t cond;     /* signalled on every queue change */
	struct job *head, *tail; /* guarded by mu */
	size_t queued;           /* bytes in the queue, guarded by mu */
	int closing;             /* no more jobs will come, guarded by mu */
	int failed;              /* the worker stopped on an error, guarded by mu */
	int failed_code;
	char failed_msg[512];
	int sync_ready;          /* mu and cond initialised */
	unsigned char out[CHUNK];
	unsigned char buf[SLICE];
};

static void *work(void *arg);

static int flush(struct hrdex_pack *p)
{
	size_t off = 0;

	while (off < p->pending) {
		ssize_t n = write(p->fd, p->buf + off, p->pending - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hrdex_error_errno(HRDEX_E_IO, "cannot write '%s'", p->path);
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
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	p->fd = -1;
	if (asprintf(&p->path, "%sobjects/pack/tmp_hrdex_XXXXXX", git_repository_path(repo)) < 0) {
		p->path = NULL;
		hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		goto fail;
	}
	p->fd = mkostemp(p->path, O_CLOEXEC);
	if (p->fd < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot create '%s'", p->path);
		free(p->path);
		p->path = NULL;
		goto fail;
	}
	if (git_repository_odb(&p->odb, repo) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot open the object database");
		goto fail;
	}
	if (deflateInit(&p->z, Z_BEST_SPEED) != Z_OK) {
		hrdex_error_set(HRDEX_E_INTERNAL, "cannot start zlib");
		goto fail;
	}
	p->z_ready = 1;
	if (emit(p, header, sizeof(header)) < 0)
		goto fail;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->sync_ready = 1;
	if (pthread_create(&p->worker, NULL, work, p) != 0) {
		hrdex_error_set(HRDEX_E_INTERNAL, "cannot start the pack writer thread");
		goto fail;
	}
	p->worker_running = 1;
	*out = p;
	return 0;
fail:
	hrdex_pack_free(p);
	return -1;
}

static int deflate_one(struct hrdex_pack *p, git_object_t type, const void *data, size_t len)
{
	unsigned char hdr[16];
	size_t n = 0, size = len;
	int r;

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
		return hrdex_error_set(HRDEX_E_INTERNAL, "zlib failed");
	p->z.next_in = (unsigned char *)data;
	p->z.avail_in = (uInt)len;
	do {
		p->z.next_out = p->out;
		p->z.avail_out = sizeof(p->out);
		r = deflate(&p->z, Z_FINISH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return hrdex_error_set(HRDEX_E_INTERNAL, "zlib failed");
		if (emit(p, p->out, sizeof(p->out) - p->z.avail_out) < 0)
			return -1;
	} while (r != Z_STREAM_END);
	return 0;
}

static void *work(void *arg)
{
	struct hrdex_pack *p = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->head && !p->closing)
			pthread_cond_wait(&p->cond, &p->mu);
		j = p->head;
		if (!j) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);

		if (!p->failed && deflate_one(p, j->type, j->data, j->len) < 0) {
			pthread_mutex_lock(&p->mu);
			p->failed = 1;
			p->failed_code = hrdex_error_kind();
			hrdex_fmt_cut(p->failed_msg, sizeof(p->failed_msg), "%s", hrdex_error_message());
			pthread_mutex_unlock(&p->mu);
		}
		pthread_mutex_lock(&p->mu);
		p->queued -= j->len;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->mu);
		free(j);
	}
	return NULL;
}

/* Wait for the worker to finish what is queued and stop; 0 unless it failed. */
static int stop_worker(struct hrdex_pack *p)
{
	int failed;

	if (!p->worker_running)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->closing = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->worker, NULL);
	p->worker_running = 0;
	failed = p->failed;
	return failed ? hrdex_error_set(p->failed_code, "%s", p->failed_msg) : 0;
}

int hrdex_pack_add(struct hrdex_pack *p, git_object_t type, const void *data, size_t len)
{
	struct job *j;

	if (p->count == UINT32_MAX)
		return hrdex_error_set(HRDEX_E_INVALID, "too many objects for one pack");
	j = malloc(sizeof(*j) + len);
	if (!j)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	j->next = NULL;
	j->type = type;
	j->len = len;
	memcpy(j->data, data, len);
	pthread_mutex_lock(&p->mu);
	/* One oversized object may exceed the bound alone; never deadlock on it. */
	while (!p->failed && p->queued && p->queued + len > QUEUE_MAX)
		pthread_cond_wait(&p->cond, &p->mu);
	if (p->failed) {
		pthread_mutex_unlock(&p->mu);
		free(j);
		return hrdex_error_set(p->failed_code, "%s", p->failed_msg);
	}
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued += len;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mu);
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

	if (stop_worker(p) < 0)
		return -1;
	if (!p->count)
		return 0;
	if (flush(p) < 0)
		return -1;
	if (pwrite(p->fd, &count, 4, 8) != 4 || lseek(p->fd, 0, SEEK_SET) != 0)
		return hrdex_error_errno(HRDEX_E_IO, "cannot write '%s'", p->path);
	sha = EVP_MD_CTX_new();
	if (!sha || EVP_DigestInit_ex(sha, EVP_sha1(), NULL) != 1) {
		hrdex_error_set(HRDEX_E_INTERNAL, "cannot checksum the pack");
		goto cleanup;
	}
	if (git_odb_write_pack(&wp, p->odb, NULL, NULL) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot start a pack");
		goto cleanup;
	}
	/* One sequential pass: checksum and feed the indexer together. */
	while ((n = read(p->fd, p->buf, SLICE)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hrdex_error_errno(HRDEX_E_IO, "cannot read '%s'", p->path);
			goto cleanup;
		}
		if (EVP_DigestUpdate(sha, p->buf, (size_t)n) != 1 ||
		    wp->append(wp, p->buf, (size_t)n, &stats) < 0) {
			hrdex_error_git(HRDEX_E_IO, "cannot index the pack");
			goto cleanup;
		}
	}
	if (EVP_DigestFinal_ex(sha, sum, &sumlen) != 1 || sumlen != 20) {
		hrdex_error_set(HRDEX_E_INTERNAL, "cannot checksum the pack");
		goto cleanup;
	}
	if (wp->append(wp, sum, sumlen, &stats) < 0 || wp->commit(wp, &stats) < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot index the pack");
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
	if (p->worker_running) {
		/* Discarding: the worker may drop what is queued. */
		pthread_mutex_lock(&p->mu);
		p->failed = 1;
		pthread_mutex_unlock(&p->mu);
		stop_worker(p);
	}
	if (p->sync_ready) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cond);
	}
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
