/*
 * bundle.c - read and write git bundle files (see bundle.h).
 */
#include "bundle.h"
#include "config.h"
#include "error.h"
#include "refs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One header line without its newline; 0 ok, 1 end of file, -1 too long. */
static int read_line(char *line, size_t size, FILE *f)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (n + 1 >= size)
			return -1;
		line[n++] = (char)c;
	}
	line[n] = '\0';
	if (c == EOF)
		return 1;
	return 0;
}

/* An object id as git writes it (a NUL stops the check before the end). */
static int hex_oid(git_oid *oid, const char *s)
{
	if (!hrdex_oid_hex_valid(s))
		return -1;
	return git_oid_fromstrn(oid, s, GIT_OID_HEXSZ);
}

int hrdex_bundle_read_header(struct hrdex_bundle *b, FILE *f, const char *path)
{
	char line[HRDEX_BUNDLE_LINE_MAX];
	size_t lines = 0;
	int v3, r;

	memset(b, 0, sizeof(*b));
	r = read_line(line, sizeof(line), f);
	if (r != 0 || (strcmp(line, "# v2 git bundle") && strcmp(line, "# v3 git bundle")))
		return hrdex_error_set(HRDEX_E_INVALID, "'%s' is not a git bundle (no '# v2 git bundle' line)",
				       path);
	v3 = line[3] == '3';
	for (;;) {
		git_oid oid;

		r = read_line(line, sizeof(line), f);
		if (r < 0 || ++lines > HRDEX_BUNDLE_LINES_MAX)
			return hrdex_error_set(HRDEX_E_INVALID, "'%s': header line %zu too long, or too many lines",
					       path, lines + 1);
		if (r > 0)
			return hrdex_error_set(HRDEX_E_INVALID, "'%s' is truncated: it ends inside its header", path);
		if (!line[0])
			break;
		if (line[0] == '@') {
			if (!v3 || strcmp(line, "@object-format=sha1"))
				return hrdex_error_set(HRDEX_E_INVALID, "'%s': unsupported bundle capability '%s'",
						       path, line);
			continue;
		}
		if (line[0] == '-') {
			git_oid *more;

			if (hex_oid(&oid, line + 1) < 0 || (line[1 + GIT_OID_HEXSZ] && line[1 + GIT_OID_HEXSZ] != ' '))
				return hrdex_error_set(HRDEX_E_INVALID, "'%s': bad prerequisite line %zu", path,
						       lines + 1);
			more = realloc(b->prereqs, (b->nprereqs + 1) * sizeof(*more));
			if (!more)
				return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			b->prereqs = more;
			git_oid_cpy(&b->prereqs[b->nprereqs++], &oid);
		} else {
			struct hrdex_bundle_ref *more;

			if (hex_oid(&oid, line) < 0 || line[GIT_OID_HEXSZ] != ' ' || !line[GIT_OID_HEXSZ + 1])
				return hrdex_error_set(HRDEX_E_INVALID, "'%s': bad ref line %zu", path, lines + 1);
			more = realloc(b->refs, (b->nrefs + 1) * sizeof(*more));
			if (!more)
				return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			b->refs = more;
			git_oid_cpy(&more[b->nrefs].oid, &oid);
			snprintf(more[b->nrefs].name, sizeof(more[b->nrefs].name), "%s", line + GIT_OID_HEXSZ + 1);
			b->nrefs++;
		}
	}
	if (!b->nrefs)
		return hrdex_error_set(HRDEX_E_INVALID, "'%s' carries no refs", path);
	return 0;
}

int hrdex_bundle_check_prereqs(const struct hrdex_bundle *b, git_odb *odb)
{
	size_t i, len;
	git_object_t type;
	char hex[GIT_OID_HEXSZ + 1];

	for (i = 0; i < b->nprereqs; i++)
		if (git_odb_read_header(&len, &type, odb, &b->prereqs[i]) < 0 || type != GIT_OBJECT_COMMIT)
			return hrdex_error_set(HRDEX_E_UNAVAILABLE,
					       "the bundle needs commit %s, which this agent does not have; "
					       "ask for a bundle made with --all",
					       git_oid_tostr(hex, sizeof(hex), &b->prereqs[i]));
	return 0;
}

int hrdex_bundle_index(FILE *f, const char *path, const char *pack_dir, git_odb *odb,
		       git_indexer_progress_cb progress, void *payload)
{
	git_indexer *idx = NULL;
	git_indexer_options io;
	git_indexer_progress stats;
	char chunk[65536];
	size_t n;
	int ret = -1;

	git_indexer_options_init(&io, GIT_INDEXER_OPTIONS_VERSION);
	io.progress_cb = progress;
	io.progress_cb_payload = payload;
	memset(&stats, 0, sizeof(stats));
	if (git_indexer_new(&idx, pack_dir, 0444, odb, &io) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot index '%s'", path);
		goto cleanup;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (git_indexer_append(idx, chunk, n, &stats) < 0) {
			hrdex_error_git(HRDEX_E_INVALID, "'%s': damaged pack", path);
			goto cleanup;
		}
	if (ferror(f)) {
		hrdex_error_errno(HRDEX_E_IO, "cannot read '%s'", path);
		goto cleanup;
	}
	if (git_indexer_commit(idx, &stats) < 0) {
		hrdex_error_git(HRDEX_E_INVALID, "'%s' is truncated or damaged", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	git_indexer_free(idx);
	return ret;
}

void hrdex_bundle_free(struct hrdex_bundle *b)
{
	free(b->prereqs);
	free(b->refs);
	memset(b, 0, sizeof(*b));
}

static int write_pack(void *buf, size_t size, void *payload)
{
	return fwrite(buf, 1, size, payload) == size ? 0 : -1;
}

int hrdex_bundle_write(git_repository *repo, const char *path, char *const *names, const git_oid *tips,
		       size_t n, const git_oid *prereqs, size_t nprereqs, size_t *nobjects)
{
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	char tmp[4096], hex[GIT_OID_HEXSZ + 1];
	FILE *f = NULL;
	size_t i;
	int ret = -1, created = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return hrdex_error_set(HRDEX_E_USAGE, "path too long: '%s'", path);
	if (git_packbuilder_new(&pb, repo) < 0 || git_revwalk_new(&walk, repo) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot start a pack");
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		if (git_revwalk_push(walk, &tips[i]) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot walk 'refs/heads/%s'", names[i]);
			goto cleanup;
		}
	for (i = 0; i < nprereqs; i++)
		if (git_revwalk_hide(walk, &prereqs[i]) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot walk from %s",
					git_oid_tostr(hex, sizeof(hex), &prereqs[i]));
			goto cleanup;
		}
	if (git_packbuilder_insert_walk(pb, walk) < 0) {
		hrdex_error_git(HRDEX_E_INTERNAL, "cannot pack the branches");
		goto cleanup;
	}
	f = fopen(tmp, "wbx");
	if (!f) {
		hrdex_error_errno(errno == EEXIST ? HRDEX_E_CANTCREATE : HRDEX_E_IO, "cannot create '%s'", tmp);
		goto cleanup;
	}
	created = 1;
	fputs("# v2 git bundle\n", f);
	for (i = 0; i < nprereqs; i++)
		fprintf(f, "-%s\n", git_oid_tostr(hex, sizeof(hex), &prereqs[i]));
	for (i = 0; i < n; i++)
		fprintf(f, "%s refs/heads/%s\n", git_oid_tostr(hex, sizeof(hex), &tips[i]), names[i]);
	fputc('\n', f);
	if (git_packbuilder_foreach(pb, write_pack, f) < 0 || fflush(f) || ferror(f) || fsync(fileno(f)) < 0) {
		if (git_error_last())
			hrdex_error_git(HRDEX_E_IO, "cannot write '%s'", tmp);
		else
			hrdex_error_errno(HRDEX_E_IO, "cannot write '%s'", tmp);
		goto cleanup;
	}
	if (fclose(f)) {
		f = NULL;
		hrdex_error_errno(HRDEX_E_IO, "cannot write '%s'", tmp);
		goto cleanup;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create '%s'", path);
		goto cleanup;
	}
	if (nobjects)
		*nobjects = git_packbuilder_object_count(pb);
	ret = 0;
cleanup:
	if (f)
		fclose(f);
	if (ret < 0 && created)
		unlink(tmp);
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	return ret;
}
