/* cache_bench.c - the cache at scale (not part of `make check`; run with
 * `make bench-cache`): N small documents (default 100000, or argv[1]) in
 * four publisher branches; times the full index, a one-document
 * incremental update, and queries (filters, FTS, back-references).
 * BENCH_UPDATES=N adds N one-document commit+update rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "error.h"
#include "fs.h"
#include "../unit/repo_fixture.h"

static const char *const publishers[] = { "ohchr", "achpr", "iachr", "coe" };
static const char *const types[] = { "decision", "recommendation", "report", "event", "visit", "practice", "note" };
static const char *const countries[] = { "KEN", "UGA", "HND", "CHE", "RWA", "FRA", "CHN", "EGY", "BRA", "IND" };
static const char *const words[] = { "rights", "defenders", "torture", "freedom", "expression", "assembly",
				     "women", "children", "migrants", "detention", "elections", "justice" };

/* A filter of one value, and none: --publisher X is a list of one. */
#define ONE(v) ((struct hrdex_query_list){ (const char *const[]){ v }, 1 })
static const struct hrdex_query_list none;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *make_doc(const char *p, const char *type, int i, const char *note)
{
	char *s = malloc(1024);
	int day = 1 + i % 28, month = 1 + (i / 28) % 12, year = 2000 + (i / 336) % 25;

	snprintf(s, 1024,
		 "{\n  \"countries\": [\n    \"%s\"\n  ],\n  \"date\": \"%04d-%02d-%02d\",\n"
		 "  \"id\": \"d%d\",\n  \"links\": [\n    {\n      \"ref\": \"ohchr/report/d%d\",\n"
		 "      \"rel\": \"cites\"\n    }\n  ],\n  \"publisher\": \"%s\",\n"
		 "  \"summary\": {\n    \"en\": \"On %s and %s %s\",\n    \"fr\": \"Sur les droits %d\"\n  },\n"
		 "  \"themes\": [\n    \"theme-%d\"\n  ],\n  \"title\": {\n    \"en\": \"Document %d on %s\",\n"
		 "    \"zh\": \"%s%d\"\n  },\n  \"type\": \"%s\"\n}\n",
		 countries[i % 10], year, month, day, i, (i * 7) % 1000, p, words[i % 12], words[(i / 12) % 12],
		 note, i, i % 40, i, words[(i / 3) % 12], i % 6 ? "文件" : "关于人权的文件", i, type);
	return s;
}

struct count {
	long n;
};

static int counter(const struct hrdex_query_row *row, void *payload)
{
	(void)row;
	((struct count *)payload)->n++;
	return 0;
}

static void time_query(struct hrdex_cache *c, const char *name, const struct hrdex_query *q)
{
	struct count k = { 0 };
	double t0, best = 1e9;
	int i;

	for (i = 0; i < 5; i++) {
		k.n = 0;
		t0 = now();
		if (hrdex_cache_query(c, q, counter, &k) != 0) {
			fprintf(stderr, "query %s: %s\n", name, hrdex_error_message());
			exit(1);
		}
		if (now() - t0 < best)
			best = now() - t0;
	}
	printf("  %-48s %6ld rows  %8.2f ms\n", name, k.n, best * 1000);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000, per, i, pi;
	char *dir, *path;
	git_repository *repo;
	struct hrdex_cache *c = NULL;
	struct fx_file *files;
	struct hrdex_query q;
	int64_t changed = 0;
	double t0;

	git_libgit2_init();
	dir = fx_tempdir();
	repo = fx_repo_new(dir);
	path = hrdex_path_join(dir, "cache.db");
	per = n / 4;
	files = calloc((size_t)per + 1, sizeof(*files));
	printf("cache bench: %d documents in %d branches (%s)\n", per * 4, 4, dir);
	t0 = now();
	for (pi = 0; pi < 4; pi++) {
		for (i = 0; i < per; i++) {
			char *fp = malloc(128);

			snprintf(fp, 128, "%s/%s/d%d.json", publishers[pi], types[i % 7], i);
			files[i].path = fp;
			files[i].content = make_doc(publishers[pi], types[i % 7], i, "v1");
		}
		if (fx_commit(repo, publishers[pi], files, (size_t)per) < 0)
			return 1;
		for (i = 0; i < per; i++) {
			free((char *)files[i].path);
			free((char *)files[i].content);
		}
	}
	printf("  generating the repository                        %8.2f s\n", now() - t0);

	t0 = now();
	if (hrdex_cache_rebuild(path, repo) < 0) {
		fprintf(stderr, "rebuild: %s\n", hrdex_error_message());
		return 1;
	}
	printf("  full index (hrdex_cache_rebuild)                 %8.2f s\n", now() - t0);
	if (hrdex_cache_open(&c, path, 0) < 0)
		return 1;

	{
		struct fx_file one = { "achpr/report/d2.json", NULL };
		char *content = make_doc("achpr", "report", 2, "v2");

		one.content = content;
		fx_commit(repo, "achpr", &one, 1);
		t0 = now();
		if (hrdex_cache_update(c, repo, &changed) < 0) {
			fprintf(stderr, "update: %s\n", hrdex_error_message());
			return 1;
		}
		printf("  incremental update, 1 document changed           %8.2f ms (%lld rows written)\n",
		       (now() - t0) * 1000, (long long)changed);
		free(content);
		content = make_doc("ohchr", "note", 6, "v2");
		one.path = "ohchr/note/d6.json";
		one.content = content;
		fx_commit(repo, "ohchr", &one, 1);
		t0 = now();
		hrdex_cache_update(c, repo, &changed);
		printf("  incremental update, 1 document changed, again    %8.2f ms\n", (now() - t0) * 1000);
		free(content);
		one.path = "ohchr/note/d13.json";
		one.content = NULL;
		fx_commit(repo, "ohchr", &one, 1);
		t0 = now();
		hrdex_cache_update(c, repo, &changed);
		printf("  incremental update, 1 document withdrawn         %8.2f ms\n", (now() - t0) * 1000);
		t0 = now();
		hrdex_cache_update(c, repo, &changed);
		printf("  incremental update, nothing changed              %8.2f ms\n", (now() - t0) * 1000);
	}

	if (getenv("BENCH_UPDATES")) {
		int k, m = atoi(getenv("BENCH_UPDATES"));

		t0 = now();
		for (k = 0; k < m; k++) {
			struct fx_file one = { "coe/report/d2.json", NULL };
			char note[16];

			snprintf(note, sizeof(note), "u%d", k);
			one.content = make_doc("coe", "report", 2, note);
			fx_commit(repo, "coe", &one, 1);
			free((char *)one.content);
			hrdex_cache_update(c, repo, &changed);
		}
		printf("  %d one-document commits and updates              %8.2f ms each\n", m,
		       (now() - t0) * 1000 / m);
	}

	memset(&q, 0, sizeof(q));
	q.limit = 50;
	time_query(c, "newest 50 (no filter, -date)", &q);
	q.publisher = ONE("iachr");
	q.type = ONE("decision");
	time_query(c, "--publisher iachr --type decision --limit 50", &q);
	q.limit = 0;
	time_query(c, "--publisher iachr --type decision (all)", &q);
	q.publisher = none;
	q.type = none;
	q.country = ONE("HND");
	q.theme = ONE("theme-2");
	time_query(c, "--country HND --theme theme-2 (all)", &q);
	q.theme = none;
	q.since = "2003-03-01";
	q.until = "2003-03-31";
	time_query(c, "--country HND --since/--until one month (all)", &q);
	q.country = none;
	time_query(c, "--since/--until one month (all)", &q);
	q.since = q.until = NULL;
	q.links_to = ONE("ohchr/report/d42");
	time_query(c, "--links-to ohchr/report/d42 (back-refs)", &q);
	q.links_to = none;
	q.sort = HRDEX_SORT_RANK;
	q.limit = 50;
	q.text = "torture AND migrants";
	time_query(c, "--text 'torture AND migrants' --limit 50", &q);
	q.text = "\"document 4242\"";
	time_query(c, "--text '\"document 4242\"'", &q);
	q.text = "人权";
	time_query(c, "--text 人权 --limit 50 (1 doc in 6)", &q);
	q.text = "文件";
	time_query(c, "--text 文件 --limit 50 (every doc: worst case)", &q);
	q.text = "document";
	time_query(c, "--text document --limit 50 (every doc: worst case)", &q);
	q.limit = 0;
	q.text = "droits 4242";
	time_query(c, "--text 'droits 4242' (all)", &q);
	q.text = NULL;
	q.sort = HRDEX_SORT_DATE_DESC;
	q.ref = ONE("coe/note/d6");
	time_query(c, "--ref coe/note/d6", &q);

	hrdex_cache_close(c);
	git_repository_free(repo);
	hrdex_fs_remove_tree(dir);
	free(files);
	free(path);
	free(dir);
	git_libgit2_shutdown();
	return 0;
}
