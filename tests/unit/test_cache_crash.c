/* test_cache_crash.c - kill -9 during hrdex_cache_update at random points:
 * the cache is then at the old or the new state, and the next update
 * brings it to exactly what a fresh rebuild gives. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "error.h"
#include "fs.h"
#include "repo_fixture.h"

static char *doc(const char *publisher, const char *type, int i, const char *extra)
{
	char *s = malloc(512);

	snprintf(s, 512,
		 "{\"countries\":[\"KEN\"],\"date\":\"2016-01-%02d\",\"id\":\"d%d\",\"links\":[{\"ref\":"
		 "\"ohchr/report/d%d\",\"rel\":\"cites\"}],\"publisher\":\"%s\",\"summary\":{\"en\":\"%s\"},"
		 "\"themes\":[\"t%d\"],\"title\":{\"en\":\"Document %d\",\"zh\":\"人权文件%d\"},\"type\":\"%s\"}",
		 1 + i % 28, i, i / 2, publisher, extra, i % 7, i, i, type);
	return s;
}

static char *path_of(const char *publisher, const char *type, int i)
{
	char *s = malloc(128);

	snprintf(s, 128, "%s/%s/d%d.json", publisher, type, i);
	return s;
}

/* Commit n files built by the callers' arrays, then free them. */
static void commit_and_free(git_repository *repo, const char *branch, struct fx_file *files, size_t n)
{
	size_t i;

	assert_int_equal(fx_commit(repo, branch, files, n), 0);
	for (i = 0; i < n; i++) {
		free((char *)files[i].path);
		free((char *)files[i].content);
	}
}

static void copy_file(const char *from, const char *to)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	char side[4200];

	snprintf(side, sizeof(side), "%s-wal", to);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", to);
	unlink(side);
	unlink(to);
	assert_int_equal(hrdex_fs_read(&b, from, (size_t)1 << 30), 0);
	assert_int_equal(hrdex_fs_write_atomic(to, b.ptr, b.len, 0600), 0);
	hrdex_buf_free(&b);
}

static char *dump_of(const char *path, git_repository *repo, int update)
{
	struct hrdex_cache *c = NULL;
	struct hrdex_buf b = HRDEX_BUF_INIT;

	assert_int_equal(hrdex_cache_open(&c, path, 0), 0);
	if (update)
		assert_int_equal(hrdex_cache_update(c, repo, NULL), 0);
	assert_int_equal(hrdex_cache_dump(c, &b), 0);
	hrdex_cache_close(c);
	return hrdex_buf_detach(&b);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_kill_during_update(void **state)
{
	int slow = getenv("HRDEX_VALGRIND") != NULL;
	int n = slow ? 150 : 1500, rounds = 20, i, round, at_old = 0, at_new = 0;
	char *dir = fx_tempdir(), *repo_path, *base, *work, *rebuilt, *dump_old, *dump_new;
	git_repository *repo;
	struct fx_file *files = calloc((size_t)n + 64, sizeof(*files));
	struct hrdex_cache *c = NULL;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	double t0, duration;

	(void)state;
	srand(seed);
	fprintf(stderr, "crash test: %d documents, %d rounds, seed %u\n", n, rounds, seed);
	git_libgit2_init();
	assert_non_null(dir);
	repo = fx_repo_new(dir);
	assert_non_null(repo);
	repo_path = hrdex_path_join(dir, "repo.git");
	base = hrdex_path_join(dir, "base.db");
	work = hrdex_path_join(dir, "work.db");
	rebuilt = hrdex_path_join(dir, "rebuilt.db");

	/* the old state: 40 documents in two publishers */
	for (i = 0; i < 20; i++) {
		files[i].path = path_of("ohchr", "report", i);
		files[i].content = doc("ohchr", "report", i, "old");
	}
	commit_and_free(repo, "ohchr", files, 20);
	for (i = 0; i < 20; i++) {
		files[i].path = path_of("achpr", "decision", i);
		files[i].content = doc("achpr", "decision", i, "old");
	}
	commit_and_free(repo, "achpr", files, 20);
	assert_int_equal(hrdex_cache_open(&c, base, 0), 0);
	assert_int_equal(hrdex_cache_update(c, repo, NULL), 0);
	hrdex_cache_close(c);
	dump_old = dump_of(base, repo, 0);

	/* the new state: n added, some changed, some withdrawn, in both */
	for (i = 0; i < n; i++) {
		files[i].path = path_of("ohchr", "note", i);
		files[i].content = doc("ohchr", "note", i, "new");
	}
	for (i = 0; i < 10; i++) {
		files[n + i].path = path_of("ohchr", "report", i);
		files[n + i].content = i < 5 ? doc("ohchr", "report", i, "changed") : NULL;
	}
	commit_and_free(repo, "ohchr", files, (size_t)n + 10);
	for (i = 0; i < n / 2; i++) {
		files[i].path = path_of("achpr", "event", i);
		files[i].content = doc("achpr", "event", i, "new");
	}
	commit_and_free(repo, "achpr", files, (size_t)n / 2);
	assert_int_equal(hrdex_cache_rebuild(rebuilt, repo), 0);
	dump_new = dump_of(rebuilt, repo, 0);
	assert_string_not_equal(dump_old, dump_new);

	/* how long an update takes here (valgrind, sanitizers, a busy machine) */
	copy_file(base, work);
	t0 = now();
	{
		char *d = dump_of(work, repo, 1);

		assert_string_equal(d, dump_new);
		free(d);
	}
	duration = now() - t0;

	for (round = 0; round < rounds; round++) {
		useconds_t delay = (useconds_t)(duration * 1.3 * 1e6 * ((double)rand() / RAND_MAX));
		pid_t pid;
		int status;
		char *d;

		copy_file(base, work);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			git_repository *r = NULL;
			struct hrdex_cache *cc = NULL;

			if (git_repository_open_bare(&r, repo_path) < 0 || hrdex_cache_open(&cc, work, 0) < 0 ||
			    hrdex_cache_update(cc, r, NULL) < 0)
				_exit(1);
			_exit(0);   /* no close: as abrupt as it gets short of the kill */
		}
		usleep(delay);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
		/* old or new, nothing between */
		d = dump_of(work, repo, 0);
		if (!strcmp(d, dump_old))
			at_old++;
		else if (!strcmp(d, dump_new))
			at_new++;
		else
			fail_msg("round %d (delay %u us): the cache is neither old nor new", round, (unsigned)delay);
		free(d);
		/* and the next update catches up exactly */
		d = dump_of(work, repo, 1);
		assert_string_equal(d, dump_new);
		free(d);
	}
	fprintf(stderr, "crash test: update takes %.3f s; after the kill %d at old, %d at new\n", duration,
		at_old, at_new);

	free(dump_new);
	free(dump_old);
	git_repository_free(repo);
	hrdex_fs_remove_tree(dir);
	free(rebuilt);
	free(work);
	free(base);
	free(repo_path);
	free(files);
	free(dir);
	git_libgit2_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_during_update),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
