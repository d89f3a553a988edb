/*
 * site.c - the static HTML site (see site.h): the build, from OUT and its
 * generations to the swap.  The other site_*.c files load the documents and
 * render the pages; site_int.h says what they share.
 *
 * Data: main's tree, walked with libgit2.  Every document is parsed once per
 * build (the index pages, the search index and the back-references need all
 * of them); the cache is not needed, so the site is right even when the
 * cache lags, and back-references come from one sort of the links in memory.
 *
 * Cost of a rebuild, and atomicity.  OUT is a symlink to OUT.d/N.  A build
 * makes OUT.d/N+1 and, for every file, computes a key: for a document page
 * a hash of what the page shows (its blob, the blobs of the documents it
 * links to and of those linking to it, the display names, the site title and
 * this hrdex binary); for an attachment or a JSON copy its blob id; for the
 * pages that summarise everything (index, publisher, type, calendar, search
 * index) a hash of the rendered bytes.  When OUT.d/N.manifest records the
 * same key for the same path, the file is hard-linked from OUT.d/N instead of
 * being rendered and written, so a change to one document renders that page,
 * the pages that link to it or from it, and the summaries, and links the rest.
 * Files are never modified in place (a generation is never written after
 * the swap), which is what makes hard links safe.  When the new generation is
 * complete it is flushed (syncfs), a new symlink is renamed over OUT
 * (rename(2) is atomic: a reader sees the old site or the new one, never a
 * mix), and the old generation is removed.  A crash leaves OUT pointing at a
 * complete generation; the leftovers are removed by the next build.
 * Readers that resolve OUT per request (nginx, a browser on file://) follow
 * the swap; a server that chdir()s into OUT at start would not (README).
 *
 * Everything taken from a document is hostile: it goes through html.h
 * (hrdex_html_text, hrdex_html_url_ok, hrdex_js_string).  Paths are built
 * only from validated publisher ids, types, document ids and attachment
 * names.  Pages carry a Content-Security-Policy without inline script.
 */
#include "site.h"
#include "buf.h"
#include "site_int.h"
#include "error.h"
#include "fs.h"
#include "log.h"
#include "repo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TITLE "Human-rights document exchange"

/* ---- generations and the swap ---- */

time_t hrdex_site_now(void)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (env && *env) {
		errno = 0;
		v = strtoll(env, &end, 10);
		if (!errno && !*end && v >= 0)
			return (time_t)v;
	}
	return time(NULL);
}

char *hrdex_site_path(const char *state_dir, const struct hrdex_config *config)
{
	const char *dir = config ? config->site_dir : NULL;

	if (dir && dir[0] == '/')
		return strdup(dir);
	return hrdex_path_join(state_dir, dir ? dir : "site");
}

/* The generation number OUT points at ("BASE.d/N"), 0 when none. */
static unsigned long current_generation(const char *out, const char *base)
{
	char target[PATH_MAX];
	ssize_t n = readlink(out, target, sizeof(target) - 1);
	size_t blen = strlen(base);
	char *end;
	unsigned long g;

	if (n <= 0)
		return 0;
	target[n] = '\0';
	if (strncmp(target, base, blen) || strncmp(target + blen, ".d/", 3))
		return 0;
	errno = 0;
	g = strtoul(target + blen + 3, &end, 10);
	return errno || *end || g == 0 ? 0 : g;
}

/* GENS/N and GENS/N.manifest, both or neither (out of memory: error set). */
static int gen_paths(const char *gens, unsigned long gen, char **dir, char **manifest)
{
	*dir = *manifest = NULL;
	if (asprintf(dir, "%s/%lu", gens, gen) < 0) {
		*dir = NULL;
		return hrdex_error_oom();
	}
	if (asprintf(manifest, "%s/%lu.manifest", gens, gen) < 0) {
		free(*dir);
		*dir = *manifest = NULL;
		return hrdex_error_oom();
	}
	return 0;
}

/* Remove generations (and their manifests) other than keep. */
static void remove_old(const char *gens, unsigned long keep)
{
	DIR *d = opendir(gens);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end, path[PATH_MAX];
		unsigned long g;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		g = strtoul(e->d_name, &end, 10);
		if (g == keep || (*end && strcmp(end, ".manifest")))
			continue;
		if (hrdex_fmt(path, sizeof(path), "%s/%s", gens, e->d_name) < 0)
			continue;
		if (hrdex_fs_remove_tree(path) < 0) {
			hrdex_log_warn("site: %s", hrdex_error_message());
			hrdex_error_clear();
		}
	}
	closedir(d);
}

int hrdex_site_build(git_repository *repo, const struct hrdex_site_opts *opts, struct hrdex_site_stats *stats)
{
	struct site s;
	struct stat st;
	git_commit *main_c = NULL;
	git_tree *top = NULL;
	git_oid main_id;
	char *out = NULL, *gens = NULL, *lock = NULL, *manifest = NULL, *base, *slash, tmp[PATH_MAX],
	     target[PATH_MAX], parent[PATH_MAX];
	unsigned long gen;
	size_t i;
	int r, lock_fd = -1, ret = -1;
	struct tm tm;
	time_t now = opts->now;

	memset(&s, 0, sizeof(s));
	memset(stats, 0, sizeof(*stats));
	s.repo = repo;
	s.opts = opts;
	s.stats = stats;
	s.title = opts->title && opts->title[0] ? opts->title : DEFAULT_TITLE;
	gmtime_r(&now, &tm);
	strftime(s.today, sizeof(s.today), "%Y-%m-%d", &tm);

	/* OUT without trailing slashes; its folder; BASE.d beside it */
	out = strdup(opts->out);
	if (!out || !out[0]) {
		hrdex_error_set(out ? HRDEX_E_USAGE : HRDEX_E_INTERNAL, out ? "empty site path" : "out of memory");
		goto cleanup;
	}
	for (i = strlen(out); i > 1 && out[i - 1] == '/'; i--)
		out[i - 1] = '\0';
	slash = strrchr(out, '/');
	base = slash ? slash + 1 : out;
	if (hrdex_fmt(parent, sizeof(parent), "%.*s", slash ? (int)(slash == out ? 1 : slash - out) : 1, slash ? out : ".") < 0)
		goto cleanup;
	if (!base[0] || !strcmp(base, ".") || !strcmp(base, "..")) {
		hrdex_error_set(HRDEX_E_USAGE, "'%s': name the site's folder, e.g. '%s/site'", opts->out, opts->out);
		goto cleanup;
	}
	if (hrdex_fs_mkdirs(parent, 0755) < 0)
		goto cleanup;
	if (asprintf(&gens, "%s.d", out) < 0 || asprintf(&lock, "%s/lock", gens) < 0) {
		gens = lock = NULL;
		hrdex_error_oom();
		goto cleanup;
	}
	if (mkdir(gens, 0755) < 0 && errno != EEXIST) {
		hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create '%s'", gens);
		goto cleanup;
	}
	lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot lock '%s'", lock);
		goto cleanup;
	}
	/* What is at OUT now: our symlink, nothing, or an empty folder. */
	gen = 0;
	if (lstat(out, &st) == 0) {
		if (S_ISLNK(st.st_mode) && (gen = current_generation(out, base)) > 0) {
			/* ours */
		} else if (S_ISDIR(st.st_mode) && rmdir(out) == 0) {
			/* an empty folder made by hand: replaced by the link */
		} else {
			hrdex_error_set(HRDEX_E_CANTCREATE, "'%s' exists and is not a site hrdex built; move it "
					"away or build elsewhere (--out)", out);
			goto cleanup;
		}
	}
	if (gen) {
		if (gen_paths(gens, gen, &s.old_dir, &manifest) < 0)
			goto cleanup;
		if (!hrdex_fs_is_dir(s.old_dir) || site_load_manifest(&s, manifest) < 0) {
			hrdex_log_warn("site: previous build '%s' unusable; rendering every page", s.old_dir);
			hrdex_error_clear();
			free(s.old_dir);
			s.old_dir = NULL;
		}
		free(manifest);
		manifest = NULL;
	}
	gen++;
	if (gen_paths(gens, gen, &s.gen_dir, &manifest) < 0)
		goto cleanup;
	/* leftovers of a build that crashed before its swap */
	if (hrdex_fs_remove_tree(s.gen_dir) < 0 || (unlink(manifest) < 0 && errno != ENOENT))
		goto cleanup;
	if (mkdir(s.gen_dir, 0755) < 0) {
		hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create '%s'", s.gen_dir);
		goto cleanup;
	}

	/* The documents. */
	r = git_reference_name_to_id(&main_id, repo, HRDEX_REF_MAIN);
	if (r < 0 && r != GIT_ENOTFOUND) {
		hrdex_error_git(HRDEX_E_IO, "cannot read main");
		goto cleanup;
	}
	if (r == 0) {
		if (git_commit_lookup(&main_c, repo, &main_id) < 0 || git_commit_tree(&top, main_c) < 0) {
			hrdex_error_git(HRDEX_E_INTERNAL, "cannot read main");
			goto cleanup;
		}
		git_oid_tostr(s.main_hex, sizeof(s.main_hex), &main_id);
		s.main_time = (int64_t)git_commit_time(main_c);
	}
	if (site_collect(&s, top) < 0)
		goto cleanup;
	stats->documents = s.ndocs;
	stats->publishers = s.npubs;

	/* The pages: documents first, then what links to them. */
	for (i = 0; i < s.ndocs; i++)
		if (site_emit_doc(&s, i) < 0)
			goto cleanup;
	for (i = 0; i < s.npubs; i++)
		if (site_emit_publisher(&s, s.pubs[i]) < 0)
			goto cleanup;
	if (site_emit_assets(&s) < 0 || site_emit_calendar(&s) < 0 || site_emit_ics(&s) < 0 || site_emit_search(&s) < 0 ||
	    site_emit_home(&s) < 0)
		goto cleanup;
	if (hrdex_fs_write_atomic(manifest, s.manifest.ptr ? s.manifest.ptr : "", s.manifest.len, 0644) < 0)
		goto cleanup;

	/* Flush the generation, then swap the link. */
	{
		int fd = open(s.gen_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || syncfs(fd) < 0) {
			hrdex_error_errno(HRDEX_E_IO, "cannot flush '%s'", s.gen_dir);
			if (fd >= 0)
				close(fd);
			goto cleanup;
		}
		close(fd);
	}
	if (hrdex_fmt(target, sizeof(target), "%s.d/%lu", base, gen) < 0)
		goto cleanup;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.new", parent, base) >= sizeof(tmp)) {
		hrdex_error_set(HRDEX_E_USAGE, "site path too long: '%s'", out);
		goto cleanup;
	}
	if ((unlink(tmp) < 0 && errno != ENOENT) || symlink(target, tmp) < 0) {
		hrdex_error_errno(HRDEX_E_CANTCREATE, "cannot create '%s'", tmp);
		goto cleanup;
	}
	if (rename(tmp, out) < 0) {
		hrdex_error_errno(HRDEX_E_IO, "cannot publish the site at '%s'", out);
		unlink(tmp);
		goto cleanup;
	}
	if (hrdex_fs_sync_dir(parent) < 0) {
		hrdex_log_warn("site: %s", hrdex_error_message());
		hrdex_error_clear();
	}
	stats->generation = gen;
	remove_old(gens, gen);
	ret = 0;
cleanup:
	if (ret < 0 && s.gen_dir) {
		/* keep the published site; drop the half-built one */
		int saved = hrdex_error_kind();
		char msg[1024];

		hrdex_fmt_cut(msg, sizeof(msg), "%s", hrdex_error_message());
		hrdex_fs_remove_tree(s.gen_dir);
		if (manifest)
			unlink(manifest);
		hrdex_error_set(saved, "%s", msg);
	}
	if (lock_fd >= 0)
		close(lock_fd);
	site_free_docs(&s);
	hrdex_buf_free(&s.page);
	hrdex_buf_free(&s.manifest);
	hrdex_buf_free(&s.old_text);
	free(s.old);
	free(s.gen_dir);
	free(s.old_dir);
	free(manifest);
	free(lock);
	free(gens);
	free(out);
	git_tree_free(top);
	git_commit_free(main_c);
	return ret;
}
