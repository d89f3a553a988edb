/*
 * batch.c - reading the documents and attachments of one run (see batch.h).
 */
#include "batch.h"
#include "name.h"
#include "error.h"
#include "fs.h"
#include "json.h"
#include "utf8.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

static const struct {
	const char *ext, *type;
} media_types[] = {
	{ "pdf", "application/pdf" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "rtf", "application/rtf" },
	{ "txt", "text/plain" },
	{ "md", "text/markdown" },
	{ "html", "text/html" },
	{ "htm", "text/html" },
	{ "csv", "text/csv" },
	{ "json", "application/json" },
	{ "xml", "application/xml" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "png", "image/png" },
	{ "gif", "image/gif" },
	{ "svg", "image/svg+xml" },
	{ "webp", "image/webp" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "mp4", "video/mp4" },
	{ "webm", "video/webm" },
	{ "zip", "application/zip" },
	{ "epub", "application/epub+zip" },
};

const char *hrdex_media_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot && dot[1])
		for (i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
			if (!strcasecmp(dot + 1, media_types[i].ext))
				return media_types[i].type;
	return "application/octet-stream";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(char ***list, size_t *n, const char *s)
{
	char **more = realloc(*list, (*n + 1) * sizeof(**list));

	if (!more)
		return hrdex_error_oom();
	*list = more;
	if (!(more[*n] = strdup(s)))
		return hrdex_error_oom();
	(*n)++;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Entries of the folder dirfd (dir in messages), not dotfiles, sorted;
 * caller frees.  dirfd stays open. */
static int list_dir(char ***out, size_t *n, int dirfd, const char *dir)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	*out = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return hrdex_error_errno(HRDEX_E_IO, "cannot open '%s'", dir);
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (push(out, n, e->d_name) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	qsort(*out, *n, sizeof(**out), cmp_str);
	return 0;
}

static void free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/*
 * Every *.json below the folder dirfd (dir in messages).  Links found here
 * are not followed: a folder reached through one is not walked, and an
 * entry named *.json that is a link (or a FIFO...) is listed, so that
 * reading it (without following) reports it.
 */
static int walk(char ***out, size_t *n, int dirfd, const char *dir, int depth)
{
	char **names = NULL;
	size_t count = 0, i;
	int ret = -1;

	if (depth > 32)
		return hrdex_error_set(HRDEX_E_INVALID, "'%s': folders nested too deep", dir);
	if (list_dir(&names, &count, dirfd, dir) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		char *path = hrdex_path_join(dir, names[i]);
		struct stat st;
		int r = 0;

		if (!path) {
			hrdex_error_oom();
			goto cleanup;
		}
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
			if (!ends_with(names[i], ".files")) {
				int fd = hrdex_fs_open_dir(dirfd, names[i], path);

				r = fd < 0 ? -1 : walk(out, n, fd, path, depth + 1);
				if (fd >= 0)
					close(fd);
			}
		} else if (ends_with(names[i], ".json")) {
			r = push(out, n, path);
		}
		free(path);
		if (r < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	free_list(names, count);
	return ret;
}

int hrdex_batch_collect(char ***out, size_t *n, char **paths, size_t npaths)
{
	size_t i;

	*out = NULL;
	*n = 0;
	for (i = 0; i < npaths; i++) {
		struct stat st;
		char *real = NULL;
		int r;

		/* A path the operator names is taken as meant: a link there is
		 * followed, once, here, and its target read as a file found
		 * below it would be (nothing further is followed). */
		if (strcmp(paths[i], "-") && lstat(paths[i], &st) == 0 && S_ISLNK(st.st_mode) &&
		    !(real = realpath(paths[i], NULL))) {
			hrdex_error_errno(HRDEX_E_NOTFOUND, "cannot open '%s'", paths[i]);
			goto fail;
		}
		if (strcmp(paths[i], "-") && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			int fd = open(paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd < 0) {
				free(real);
				hrdex_error_errno(HRDEX_E_NOTFOUND, "cannot open '%s'", paths[i]);
				goto fail;
			}
			r = walk(out, n, fd, paths[i], 0);
			close(fd);
		} else {
			r = push(out, n, real ? real : paths[i]);
		}
		free(real);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	free_list(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

int hrdex_batch_read(struct hrdex_buf *out, const char *input, size_t max)
{
	return strcmp(input, "-") ? hrdex_fs_read_nofollow(out, input, max) : hrdex_fs_read(out, input, max);
}

static void attachment_free(struct hrdex_attachment *a)
{
	free(a->name);
	free(a->source);
	hrdex_buf_free(&a->data);
}

/* Attach the file path: read from the folder dirfd (name in it, never
 * following a link) or, dirfd < 0, as named by the operator (--attach). */
static int add_attachment(struct hrdex_batch_item *it, int dirfd, const char *path, int64_t max)
{
	struct hrdex_attachment *more, *a;
	const char *base = strrchr(path, '/'), *why;
	int r;

	base = base ? base + 1 : path;
	/* The rule every peer's acceptance applies to the tree (name.h). */
	why = hrdex_name_safe(base, strlen(base));
	if (why)
		return hrdex_problems_add(&it->problems, "/attachments", "attachment",
					  "'%s' is not a valid attachment name: %s", base, why);
	more = realloc(it->attachments, (it->nattachments + 1) * sizeof(*more));
	if (!more)
		return hrdex_error_oom();
	it->attachments = more;
	a = &more[it->nattachments];
	memset(a, 0, sizeof(*a));
	a->name = strdup(base);
	a->source = strdup(path);
	if (!a->name || !a->source) {
		attachment_free(a);
		return hrdex_error_oom();
	}
	r = dirfd >= 0 ? hrdex_fs_read_at(&a->data, dirfd, base, path, (size_t)max)
		       : hrdex_fs_read(&a->data, path, (size_t)max);
	if (r < 0) {
		r = hrdex_error_kind() == HRDEX_E_INTERNAL
			    ? -1
			    : hrdex_problems_add(&it->problems, "/attachments", "attachment", "%s",
						 hrdex_error_message());
		attachment_free(a);
		return r;
	}
	snprintf(a->media_type, sizeof(a->media_type), "%s", hrdex_media_type(base)); /* fits: media types are short constants */
	crypto_hash_sha256(a->sha256, (const unsigned char *)a->data.ptr, a->data.len);
	it->nattachments++;
	return 0;
}

/*
 * Attach the files of NAME.files/ beside the document: the folder is
 * opened without following a link (a link, file or FIFO in its place is a
 * problem), and so is each file in it (only regular files are attached).
 */
static int add_files_folder(struct hrdex_batch_item *it, const char *dir, int64_t max)
{
	char **names = NULL;
	size_t count = 0, j;
	int fd = hrdex_fs_open_dir(AT_FDCWD, dir, dir), ret = -1;

	if (fd < 0) {
		if (hrdex_error_kind() == HRDEX_E_NOTFOUND)
			return 0; /* no attachments */
		if (hrdex_error_kind() == HRDEX_E_INTERNAL)
			return -1;
		return hrdex_problems_add(&it->problems, "/attachments", "attachment", "%s",
					  hrdex_error_message());
	}
	if (list_dir(&names, &count, fd, dir) < 0)
		goto cleanup;
	for (j = 0; j < count; j++) {
		char *p = hrdex_path_join(dir, names[j]);
		int r = p ? add_attachment(it, fd, p, max) : hrdex_error_oom();

		free(p);
		if (r < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	free_list(names, count);
	close(fd);
	return ret;
}

static void hex(char *out, const unsigned char *bin, size_t n)
{
	sodium_bin2hex(out, n * 2 + 1, bin, n);
}

/* Make attachments[] and the given files agree: fill the field when the
 * document has none, else check every entry against its file. */
static int reconcile_attachments(struct hrdex_batch_item *it)
{
	cJSON *json = it->doc->json, *list = cJSON_GetObjectItemCaseSensitive(json, "attachments");
	size_t i;

	it->has_attachment_field = list != NULL;
	if (!list) {
		if (!it->nattachments)
			return 0;
		list = cJSON_AddArrayToObject(json, "attachments");
		if (!list)
			return hrdex_error_oom();
		for (i = 0; i < it->nattachments; i++) {
			struct hrdex_attachment *a = &it->attachments[i];
			cJSON *e = cJSON_CreateObject();
			char sum[65];

			hex(sum, a->sha256, 32);
			if (!e || !cJSON_AddStringToObject(e, "name", a->name) ||
			    !cJSON_AddStringToObject(e, "media_type", a->media_type) ||
			    !cJSON_AddNumberToObject(e, "bytes", (double)a->data.len) ||
			    !cJSON_AddStringToObject(e, "sha256", sum)) {
				cJSON_Delete(e);
				return hrdex_error_oom();
			}
			cJSON_AddItemToArray(list, e);
		}
		hrdex_buf_clear(&it->doc->canonical);
		return hrdex_json_canonical(&it->doc->canonical, json);
	}
	/* The document lists its attachments: every given file must be listed
	 * and match; listed files not given are looked up in the repository
	 * at publish time (re-publishing need not resend them). */
	for (i = 0; i < it->nattachments; i++) {
		struct hrdex_attachment *a = &it->attachments[i];
		const cJSON *e = NULL, *v;
		char sum[65];
		int idx = 0, found = -1;

		cJSON_ArrayForEach(e, list) {
			v = cJSON_GetObjectItemCaseSensitive(e, "name");
			if (cJSON_IsString(v) && !strcmp(v->valuestring, a->name)) {
				found = idx;
				break;
			}
			idx++;
		}
		if (found < 0) {
			if (hrdex_problems_add(&it->problems, "/attachments", "attachment",
					       "file '%s' is not listed in attachments", a->name) < 0)
				return -1;
			continue;
		}
		hex(sum, a->sha256, 32);
		v = cJSON_GetObjectItemCaseSensitive(e, "sha256");
		if (!cJSON_IsString(v) || strcmp(v->valuestring, sum)) {
			char ptr[64];

			snprintf(ptr, sizeof(ptr), "/attachments/%d/sha256", found); /* fits: an int */
			if (hrdex_problems_add(&it->problems, ptr, "attachment",
					       "does not match file '%s' (sha256 %s)", a->source, sum) < 0)
				return -1;
		}
		v = cJSON_GetObjectItemCaseSensitive(e, "bytes");
		if (!cJSON_IsNumber(v) || v->valuedouble != (double)a->data.len) {
			char ptr[64];

			snprintf(ptr, sizeof(ptr), "/attachments/%d/bytes", found); /* fits: an int */
			if (hrdex_problems_add(&it->problems, ptr, "attachment",
					       "does not match file '%s' (%zu bytes)", a->source,
					       a->data.len) < 0)
				return -1;
		}
	}
	return 0;
}

static int load_item(struct hrdex_batch_item *it, char **attach, size_t nattach,
		     const struct hrdex_doc_opts *opts, hrdex_batch_cb cb, void *payload)
{
	struct hrdex_buf data = HRDEX_BUF_INIT;
	size_t max = opts->limits ? (size_t)opts->limits->document_bytes : ((size_t)1 << 20);
	int64_t amax = opts->limits ? opts->limits->attachment_bytes : ((int64_t)64 << 20);
	size_t i;
	int ret = -1;

	/* Read one byte past the limit so the size problem names the real cause. */
	if (hrdex_batch_read(&data, it->origin, max + 1) < 0) {
		if (hrdex_error_kind() == HRDEX_E_INTERNAL)
			goto cleanup;
		ret = hrdex_problems_add(&it->problems, "", "file", "%s", hrdex_error_message());
		goto cleanup;
	}
	{
		struct hrdex_doc_opts o = *opts;

		o.version = &it->version;
		if (hrdex_doc_load(&it->doc, data.ptr, data.len, &o, &it->problems) < 0)
			goto cleanup;
	}
	for (i = 0; i < nattach; i++)
		if (add_attachment(it, -1, attach[i], amax) < 0)
			goto cleanup;
	if (ends_with(it->origin, ".json")) {
		size_t n = strlen(it->origin) - 5;
		char *dir = malloc(n + 7);
		int r;

		if (!dir) {
			hrdex_error_oom();
			goto cleanup;
		}
		memcpy(dir, it->origin, n);
		memcpy(dir + n, ".files", 7);
		r = add_files_folder(it, dir, amax);
		free(dir);
		if (r < 0)
			goto cleanup;
	}
	if (it->doc && reconcile_attachments(it) < 0)
		goto cleanup;
	if (it->doc && !it->problems.count) {
		if (git_odb_hash(&it->oid, it->doc->canonical.ptr, it->doc->canonical.len,
				 GIT_OBJECT_BLOB) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot hash '%s'", it->origin);
			goto cleanup;
		}
		it->ref = it->doc->ref;
		it->valid = 1;
		if (cb && cb(it, &it->doc->canonical, payload) != 0)
			goto cleanup;
		if (!it->nattachments && !it->has_attachment_field && strcmp(it->origin, "-")) {
			hrdex_doc_free(it->doc);
			it->doc = NULL;
		}
	}
	ret = 0;
cleanup:
	hrdex_buf_free(&data);
	return ret;
}

static int cmp_item_ref(const void *a, const void *b)
{
	const struct hrdex_batch_item *x = *(struct hrdex_batch_item *const *)a;
	const struct hrdex_batch_item *y = *(struct hrdex_batch_item *const *)b;
	int r = strcmp(x->ref.publisher, y->ref.publisher);

	if (!r)
		r = strcmp(x->ref.type, y->ref.type);
	return r ? r : strcmp(x->ref.id, y->ref.id);
}

static int flag_duplicates(struct hrdex_batch *b)
{
	struct hrdex_batch_item **sorted = calloc(b->count + 1, sizeof(*sorted));
	size_t i, n = 0;
	int ret = -1;

	if (!sorted)
		return hrdex_error_oom();
	for (i = 0; i < b->count; i++)
		if (b->items[i].valid)
			sorted[n++] = &b->items[i];
	qsort(sorted, n, sizeof(*sorted), cmp_item_ref);
	for (i = 1; i < n; i++) {
		if (cmp_item_ref(&sorted[i - 1], &sorted[i]))
			continue;
		char ref[HRDEX_REF_MAX + 1];

		hrdex_ref_format(ref, sizeof(ref), &sorted[i]->ref);
		if (hrdex_problems_add(&sorted[i]->problems, "/id", "duplicate",
				       "'%s' is also given by '%s'", ref, sorted[i - 1]->origin) < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	free(sorted);
	return ret;
}

int hrdex_batch_load(struct hrdex_batch *b, char **inputs, size_t ninputs, char **attach,
		     size_t nattach, const struct hrdex_doc_opts *opts)
{
	return hrdex_batch_load_with(b, inputs, ninputs, attach, nattach, opts, NULL, NULL);
}

int hrdex_batch_load_with(struct hrdex_batch *b, char **inputs, size_t ninputs, char **attach,
			  size_t nattach, const struct hrdex_doc_opts *opts, hrdex_batch_cb cb,
			  void *payload)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	b->items = calloc(ninputs + 1, sizeof(*b->items));
	if (!b->items)
		return hrdex_error_oom();
	for (i = 0; i < ninputs; i++) {
		struct hrdex_batch_item *it = &b->items[i];

		it->origin = strdup(inputs[i]);
		b->count++;
		if (!it->origin)
			return hrdex_error_oom();
		if (load_item(it, ninputs == 1 ? attach : NULL, ninputs == 1 ? nattach : 0, opts, cb,
			      payload) < 0)
			return -1;
	}
	if (flag_duplicates(b) < 0)
		return -1;
	for (i = 0; i < b->count; i++)
		if (b->items[i].problems.count) {
			b->items[i].valid = 0;
			b->invalid++;
		}
	return 0;
}

int hrdex_batch_canonical(struct hrdex_buf *out, const struct hrdex_batch_item *it,
			  const struct hrdex_doc_opts *opts)
{
	struct hrdex_problems problems = HRDEX_PROBLEMS_INIT;
	struct hrdex_buf data = HRDEX_BUF_INIT;
	struct hrdex_doc *doc = NULL;
	size_t max = opts->limits ? (size_t)opts->limits->document_bytes : ((size_t)1 << 20);
	git_oid oid;
	int ret = -1;

	if (it->doc)
		return hrdex_buf_put(out, it->doc->canonical.ptr, it->doc->canonical.len);
	if (hrdex_batch_read(&data, it->origin, max) < 0 ||
	    hrdex_doc_load(&doc, data.ptr, data.len, opts, &problems) < 0)
		goto cleanup;
	if (!doc || git_odb_hash(&oid, doc->canonical.ptr, doc->canonical.len, GIT_OBJECT_BLOB) < 0 ||
	    !git_oid_equal(&oid, &it->oid)) {
		hrdex_error_set(HRDEX_E_INVALID, "%s: changed while being published; nothing published",
				it->origin);
		goto cleanup;
	}
	ret = hrdex_buf_put(out, doc->canonical.ptr, doc->canonical.len);
cleanup:
	hrdex_doc_free(doc);
	hrdex_problems_free(&problems);
	hrdex_buf_free(&data);
	return ret;
}

int hrdex_batch_add_doc(struct hrdex_batch *b, struct hrdex_doc *doc, const char *origin)
{
	struct hrdex_batch_item *items, *it;

	items = realloc(b->items, (b->count + 1) * sizeof(*items));
	if (!items) {
		hrdex_doc_free(doc);
		return hrdex_error_oom();
	}
	b->items = items;
	it = &b->items[b->count];
	memset(it, 0, sizeof(*it));
	it->doc = doc;
	b->count++;
	if (!(it->origin = strdup(origin)))
		return hrdex_error_oom();
	if (git_odb_hash(&it->oid, doc->canonical.ptr, doc->canonical.len, GIT_OBJECT_BLOB) < 0)
		return hrdex_error_git(HRDEX_E_INTERNAL, "cannot hash '%s'", origin);
	it->ref = doc->ref;
	it->has_attachment_field = cJSON_GetObjectItemCaseSensitive(doc->json, "attachments") != NULL;
	it->valid = 1;
	return 0;
}

void hrdex_batch_free(struct hrdex_batch *b)
{
	size_t i, j;

	for (i = 0; i < b->count; i++) {
		struct hrdex_batch_item *it = &b->items[i];

		free(it->origin);
		hrdex_doc_free(it->doc);
		hrdex_problems_free(&it->problems);
		for (j = 0; j < it->nattachments; j++)
			attachment_free(&it->attachments[j]);
		free(it->attachments);
	}
	free(b->items);
	memset(b, 0, sizeof(*b));
}
