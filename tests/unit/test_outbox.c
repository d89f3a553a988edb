/* test_outbox.c - the outbox state machine: which files are taken, free
 * destination names, and finishing the moves of an interrupted pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "error.h"
#include "fs.h"
#include "outbox.h"
#include "service.h"

static char dir[256], journal[300];

static void put(const char *name, const char *text, int64_t age)
{
	char path[512];
	struct utimbuf t;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(hrdex_fs_write_atomic(path, text, strlen(text), 0644), 0);
	t.actime = t.modtime = time(NULL) - age;
	assert_int_equal(utime(path, &t), 0);
}

static void mk(const char *name, int64_t age)
{
	char path[512];
	struct utimbuf t;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(hrdex_fs_mkdirs(path, 0755), 0);
	t.actime = t.modtime = time(NULL) - age;
	assert_int_equal(utime(path, &t), 0);
}

static int exists(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return hrdex_fs_exists(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hrdex-test-outbox-%ld", (long)getpid());
	snprintf(journal, sizeof(journal), "%s.journal", dir);
	hrdex_fs_remove_tree(dir);
	unlink(journal);
	mk("done", 0);
	mk("rejected", 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(journal);
	return hrdex_fs_remove_tree(dir);
}

static void test_scan(void **state)
{
	char **names = NULL;
	size_t n = 0, more = 0;

	(void)state;
	put("b.json", "{}", 60);
	put("a.json", "{}", 60);
	put("young.json", "{}", 0);
	put("x.json.tmp", "{}", 60);
	put(".hidden.json", "{}", 60);
	put("notes.txt", "", 60);
	put(".json", "{}", 60);
	mk("dir.json", 60);                 /* not a regular file: taken, to be rejected */
	put("att.json", "{}", 60);
	mk("att.files", 60);
	put("att.files/new.pdf", "x", 0);   /* an attachment still being written */
	assert_int_equal(hrdex_outbox_scan(&names, &n, &more, dir, time(NULL), 5, 100), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "a.json");
	assert_string_equal(names[1], "b.json");
	assert_string_equal(names[2], "dir.json");
	assert_int_equal(more, 2); /* young, att.json */
	hrdex_outbox_names_free(names, n);
	/* settle 0 takes the young ones; max keeps the first by name */
	assert_int_equal(hrdex_outbox_scan(&names, &n, &more, dir, time(NULL), 0, 2), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a.json");
	assert_string_equal(names[1], "att.json");
	assert_int_equal(more, 3); /* b, dir, young over max */
	hrdex_outbox_names_free(names, n);
}

static void test_free_name(void **state)
{
	char *name = NULL, *taken[1];
	char done[300];
	int fd;

	(void)state;
	snprintf(done, sizeof(done), "%s/done", dir);
	fd = open(done, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(hrdex_outbox_free_name(&name, fd, done, "x", NULL, 0), 0);
	assert_string_equal(name, "x");
	free(name);
	put("done/x.json", "{}", 0);
	mk("done/x~1.files", 0);            /* a folder alone takes the name too */
	assert_int_equal(hrdex_outbox_free_name(&name, fd, done, "x", NULL, 0), 0);
	assert_string_equal(name, "x~2");
	taken[0] = name;                    /* chosen earlier in the same pass */
	assert_int_equal(hrdex_outbox_free_name(&name, fd, done, "x", taken, 1), 0);
	assert_string_equal(name, "x~3");
	free(name);
	free(taken[0]);
	close(fd);
}

static void test_recover(void **state)
{
	(void)state;
	/* The journal of a pass that crashed after moving r.json only. */
	put("p.json", "{}", 0);
	mk("p.files", 0);
	put("done/r.json", "{}", 0);
	put("q.json", "{}", 0);
	assert_int_equal(hrdex_fs_write_atomic(journal, "p.json\tdone/p.json\np.files\tdone/p.files\n"
					       "r.json\tdone/r.json\nq.json\trejected/q.json\n", 82, 0600), 0);
	assert_int_equal(hrdex_outbox_recover(journal, dir), 0);
	assert_false(hrdex_fs_exists(journal));
	assert_false(exists("p.json"));
	assert_false(exists("p.files"));
	assert_false(exists("q.json"));
	assert_true(exists("done/p.json"));
	assert_true(exists("done/p.files"));
	assert_true(exists("done/r.json"));
	assert_true(exists("rejected/q.json"));
	/* no journal: nothing to do */
	assert_int_equal(hrdex_outbox_recover(journal, dir), 0);
	/* a pass killed while writing an .error left its lock: removed; a
	 * user's files ending in ".lock" are not ours to remove */
	put("rejected/q.error.lock", "q.json: /da", 0);
	put(".t.lock", "user", 0);
	mk("rejected/q.files", 0);
	put("rejected/q.files/a.error.lock", "user", 0);
	assert_int_equal(hrdex_outbox_recover(journal, dir), 0);
	assert_false(exists("rejected/q.error.lock"));
	assert_true(exists(".t.lock"));
	assert_true(exists("rejected/q.files/a.error.lock"));
	/* a destination taken: the source stays for the next pass, never overwritten */
	put("s.json", "new", 0);
	put("done/s.json", "old", 0);
	assert_int_equal(hrdex_fs_write_atomic(journal, "s.json\tdone/s.json\n", 19, 0600), 0);
	assert_int_equal(hrdex_outbox_recover(journal, dir), 0);
	assert_true(exists("s.json"));
}

/* Moves that would leave outbox/, done/ or rejected/ are refused, and an
 * outbox/.journal (an older version's, or forged by the outbox account) is
 * never replayed. */
static void test_recover_refuses(void **state)
{
	static const char text[] = "../secret\tdone/secret\n"
				   "t.json\tdone/../../t.json\n"
				   "t.json\tdone/sub/t.json\n"
				   "t.json\t../t.json\n"
				   "t.json\tdone/..\n"
				   "t.json\tview/t.json\n"
				   ".\tdone/x\n"
				   "t.json\t/tmp/t.json\n"
				   "u.json\trejected/u.json\n";
	char outside[300];

	(void)state;
	snprintf(outside, sizeof(outside), "%s.secret", dir);
	assert_int_equal(hrdex_fs_write_atomic(outside, "key", 3, 0600), 0);
	put("t.json", "{}", 0);
	put("u.json", "{}", 0);
	assert_int_equal(hrdex_fs_write_atomic(journal, text, sizeof(text) - 1, 0600), 0);
	assert_int_equal(hrdex_outbox_recover(journal, dir), 0);
	assert_false(hrdex_fs_exists(journal));
	assert_true(exists("t.json"));          /* every bad move refused */
	assert_false(exists("u.json"));         /* the good one made */
	assert_true(exists("rejected/u.json"));
	assert_true(hrdex_fs_exists(outside));
	assert_false(exists("done/secret"));
	unlink(outside);
	/* the old place, outbox/.journal: removed, not replayed */
	put("v.json", "{}", 0);
	put(".journal", "v.json\tdone/v.json\n", 0);
	assert_int_equal(hrdex_outbox_recover(journal, dir), 0);
	assert_false(exists(".journal"));
	assert_true(exists("v.json"));
	assert_false(exists("done/v.json"));
}

static void test_service_delay(void **state)
{
	(void)state;
	assert_int_equal(hrdex_service_delay(0, 300, 3600), 300);
	assert_int_equal(hrdex_service_delay(1, 300, 3600), 300);
	assert_int_equal(hrdex_service_delay(2, 300, 3600), 600);
	assert_int_equal(hrdex_service_delay(4, 300, 3600), 2400);
	assert_int_equal(hrdex_service_delay(5, 300, 3600), 3600);
	assert_int_equal(hrdex_service_delay(1000, 300, 3600), 3600);
	/* backoffMax below the interval never makes a failing peer retry sooner */
	assert_int_equal(hrdex_service_delay(3, 300, 60), 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_free_name),
		cmocka_unit_test(test_recover),
		cmocka_unit_test(test_recover_refuses),
		cmocka_unit_test(test_service_delay),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
