/* test_repo.c - tree edits, signed commits with CAS, main rebuild, view/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <sodium.h>

#include "error.h"
#include "fs.h"
#include "mainview.h"
#include "repo.h"
#include "key.h"

struct fixture {
	char dir[256];
	git_repository *repo;
	struct hrdex_key key;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[300];

	assert_int_equal(sodium_init() < 0, 0);
	git_libgit2_init();
	snprintf(f->dir, sizeof(f->dir), "/tmp/hrdex-test-repo-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/repo.git", f->dir);
	assert_int_equal(hrdex_repo_create(path), 0);
	assert_int_equal(git_repository_open_bare(&f->repo, path), 0);
	assert_int_equal(hrdex_key_generate(&f->key, "achpr"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	git_repository_free(f->repo);
	hrdex_fs_remove_tree(f->dir);
	hrdex_key_wipe(&f->key);
	free(f);
	git_libgit2_shutdown();
	return 0;
}

static git_oid blob(git_repository *repo, const char *text)
{
	git_oid id;

	assert_int_equal(git_blob_create_from_buffer(&id, repo, text, strlen(text)), 0);
	return id;
}

static int has_path(git_repository *repo, const git_oid *tree_id, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int found;

	assert_int_equal(git_tree_lookup(&tree, repo, tree_id), 0);
	found = git_tree_entry_bypath(&e, tree, path) == 0;
	git_tree_entry_free(e);
	git_tree_free(tree);
	return found;
}

static void test_edit_tree_add_and_remove(void **state)
{
	struct fixture *f = *state;
	struct hrdex_tree_edit add[2], del[1];
	git_oid t1, t2;

	add[0] = (struct hrdex_tree_edit){ "achpr/decision/a.json", blob(f->repo, "{}\n"), 0 };
	add[1] = (struct hrdex_tree_edit){ "achpr/report/b.json", blob(f->repo, "[]\n"), 0 };
	assert_int_equal(hrdex_repo_edit_tree(&t1, f->repo, NULL, add, 2), 0);
	assert_true(has_path(f->repo, &t1, "achpr/decision/a.json"));
	assert_true(has_path(f->repo, &t1, "achpr/report/b.json"));
	del[0] = (struct hrdex_tree_edit){ "achpr/report/b.json", { { 0 } }, 1 };
	assert_int_equal(hrdex_repo_edit_tree(&t2, f->repo, &t1, del, 1), 0);
	assert_false(has_path(f->repo, &t2, "achpr/report/b.json"));
	/* The emptied folder goes too: git cannot represent an empty tree entry. */
	assert_false(has_path(f->repo, &t2, "achpr/report"));
	assert_true(has_path(f->repo, &t2, "achpr/decision/a.json"));
	/* Removing what is not there is refused. */
	assert_int_equal(hrdex_repo_edit_tree(&t2, f->repo, &t2, del, 1), -1);
}

/* A valid document at path "P/T/ID.json" (a decision or a report), its
 * summary marker: main leaves out what a document rule would hold. */
static char *valid_doc(const char *path, const char *marker)
{
	static char text[600];
	char pub[40], type[20], id[60];
	const char *a = strchr(path, '/'), *b = strrchr(path, '/');

	assert_non_null(a);
	snprintf(pub, sizeof(pub), "%.*s", (int)(a - path), path);
	snprintf(type, sizeof(type), "%.*s", (int)(b - a - 1), a + 1);
	snprintf(id, sizeof(id), "%.*s", (int)(strlen(b + 1) - 5), b + 1);
	snprintf(text, sizeof(text),
		 "{\"date\":\"2016-01-01\",\"id\":\"%s\",\"kind\":\"%s\",\"publisher\":\"%s\","
		 "\"summary\":{\"en\":\"%s\"},\"title\":{\"en\":\"x\"},\"type\":\"%s\"}\n",
		 id, strcmp(type, "report") ? "resolution" : "annual", pub, marker, type);
	return text;
}

static void commit_one(struct fixture *f, const char *pub, const char *path, const char *marker,
		       git_oid *out)
{
	struct hrdex_tree_edit e = { path, blob(f->repo, valid_doc(path, marker)), 0 };
	git_commit *tip = NULL;
	git_tree *tree = NULL;
	git_oid t, tip_id;
	int r = hrdex_repo_tip(&tip_id, f->repo, pub);

	if (r == 0) {
		assert_int_equal(git_commit_lookup(&tip, f->repo, &tip_id), 0);
		assert_int_equal(git_commit_tree(&tree, tip), 0);
	}
	assert_int_equal(hrdex_repo_edit_tree(&t, f->repo, tree ? git_tree_id(tree) : NULL, &e, 1), 0);
	assert_int_equal(hrdex_repo_commit(out, f->repo, pub, &t, "test", &f->key), 0);
	git_tree_free(tree);
	git_commit_free(tip);
}

static void test_main_merges_moved_tips(void **state)
{
	struct fixture *f = *state;
	git_oid a1, b1, m1, m2, m3, a2;
	git_commit *main_c = NULL;

	commit_one(f, "achpr", "achpr/decision/a.json", "a1", &a1);
	commit_one(f, "iachr", "iachr/report/b.json", "b1", &b1);
	assert_int_equal(hrdex_main_rebuild(&m1, f->repo, "first", &f->key, NULL, NULL), 0);
	assert_int_equal(git_commit_lookup(&main_c, f->repo, &m1), 0);
	assert_int_equal(git_commit_parentcount(main_c), 2);
	git_commit_free(main_c);
	/* Nothing moved: main stays. */
	assert_int_equal(hrdex_main_rebuild(&m2, f->repo, "again", &f->key, NULL, NULL), 0);
	assert_true(git_oid_equal(&m1, &m2));
	/* One tip moved: parents are the old main and that tip only. */
	commit_one(f, "achpr", "achpr/decision/c.json", "c1", &a2);
	assert_int_equal(hrdex_main_rebuild(&m3, f->repo, "sync: achpr +1 ~0 -0", &f->key, NULL, NULL), 0);
	assert_int_equal(git_commit_lookup(&main_c, f->repo, &m3), 0);
	assert_int_equal(git_commit_parentcount(main_c), 2);
	assert_true(git_oid_equal(git_commit_parent_id(main_c, 0), &m1));
	assert_true(git_oid_equal(git_commit_parent_id(main_c, 1), &a2));
	assert_true(has_path(f->repo, git_commit_tree_id(main_c), "README.md"));
	assert_true(has_path(f->repo, git_commit_tree_id(main_c), "iachr/report/b.json"));
	assert_true(has_path(f->repo, git_commit_tree_id(main_c), "achpr/decision/c.json"));
	git_commit_free(main_c);
}

/* trust remove parks a branch out of refs/heads/ (and so out of main);
 * trust add moves it back; an unrelated earlier parked tip is never lost. */
static void test_park_and_unpark(void **state)
{
	struct fixture *f = *state;
	git_oid a1, r1, got, m;
	git_commit *main_c = NULL;
	git_config *cfg = NULL;
	git_buf hide = GIT_BUF_INIT;
	char parked[96];

	commit_one(f, "achpr", "achpr/decision/a.json", "a1", &a1);
	commit_one(f, "iachr", "iachr/report/b.json", "b1", &got);
	assert_int_equal(hrdex_repo_park(f->repo, "achpr", parked, sizeof(parked)), 0);
	assert_string_equal(parked, "refs/hrdex/untrusted/achpr");
	assert_int_equal(hrdex_repo_tip(&got, f->repo, "achpr"), 1);
	assert_int_equal(hrdex_repo_parked(&got, f->repo, "achpr"), 0);
	assert_true(git_oid_equal(&got, &a1));
	assert_int_equal(hrdex_repo_park(f->repo, "achpr", parked, sizeof(parked)), 1);
	assert_int_equal(git_repository_config_snapshot(&cfg, f->repo), 0);
	assert_int_equal(git_config_get_string_buf(&hide, cfg, "uploadpack.hideRefs"), 0);
	assert_string_equal(hide.ptr, "refs/hrdex/untrusted/");
	git_buf_dispose(&hide);
	git_config_free(cfg);
	assert_int_equal(hrdex_main_rebuild(&m, f->repo, "parked", &f->key, NULL, NULL), 0);
	assert_int_equal(git_commit_lookup(&main_c, f->repo, &m), 0);
	assert_false(has_path(f->repo, git_commit_tree_id(main_c), "achpr/decision/a.json"));
	assert_true(has_path(f->repo, git_commit_tree_id(main_c), "iachr/report/b.json"));
	git_commit_free(main_c);

	memset(&r1, 0, sizeof(r1));
	assert_int_equal(hrdex_repo_unpark(f->repo, "achpr", &r1), -1); /* not the parked tip */
	assert_int_equal(hrdex_repo_unpark(f->repo, "achpr", &a1), 0);
	assert_int_equal(hrdex_repo_tip(&got, f->repo, "achpr"), 0);
	assert_true(git_oid_equal(&got, &a1));
	assert_int_equal(hrdex_repo_parked(&got, f->repo, "achpr"), 1);

	/* parked again, then an unrelated branch (a reset) is parked beside it */
	assert_int_equal(hrdex_repo_park(f->repo, "achpr", parked, sizeof(parked)), 0);
	commit_one(f, "achpr", "achpr/decision/r.json", "r1", &r1);
	assert_int_equal(hrdex_repo_park(f->repo, "achpr", parked, sizeof(parked)), 0);
	assert_string_equal(parked, "refs/hrdex/untrusted/achpr.1");
	assert_int_equal(hrdex_repo_parked(&got, f->repo, "achpr"), 0);
	assert_true(git_oid_equal(&got, &a1));
	/* a branch that came back meanwhile is not overwritten */
	commit_one(f, "achpr", "achpr/decision/s.json", "s1", &r1);
	assert_int_equal(hrdex_repo_unpark(f->repo, "achpr", &a1), -1);
	assert_int_equal(hrdex_repo_tip(&got, f->repo, "achpr"), 0);
	assert_true(git_oid_equal(&got, &r1));
	assert_int_equal(hrdex_repo_parked(&got, f->repo, "achpr"), 0);
}

static void test_view_follows_main(void **state)
{
	struct fixture *f = *state;
	char view[300], path[400];
	git_oid a1;
	struct stat st1, st2;

	snprintf(view, sizeof(view), "%s/view", f->dir);
	commit_one(f, "achpr", "achpr/decision/a.json", "a1", &a1);
	commit_one(f, "achpr", "achpr/decision/b.json", "b1", &a1);
	assert_int_equal(hrdex_main_rebuild(NULL, f->repo, "m", &f->key, NULL, NULL), 0);
	assert_int_equal(hrdex_view_update(f->repo, view), 0);
	snprintf(path, sizeof(path), "%s/achpr/decision/a.json", view);
	assert_int_equal(stat(path, &st1), 0);
	snprintf(path, sizeof(path), "%s/README.md", view);
	assert_true(hrdex_fs_exists(path));
	sleep(1);
	commit_one(f, "achpr", "achpr/decision/b.json", "b2", &a1);
	assert_int_equal(hrdex_main_rebuild(NULL, f->repo, "m", &f->key, NULL, NULL), 0);
	assert_int_equal(hrdex_view_update(f->repo, view), 0);
	/* Unchanged files are not rewritten. */
	snprintf(path, sizeof(path), "%s/achpr/decision/a.json", view);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_mtime, st2.st_mtime);
	assert_int_equal(st1.st_ino, st2.st_ino);
	{
		struct hrdex_buf b = HRDEX_BUF_INIT;

		snprintf(path, sizeof(path), "%s/achpr/decision/b.json", view);
		assert_int_equal(hrdex_fs_read(&b, path, 1000), 0);
		assert_string_equal(b.ptr, valid_doc("achpr/decision/b.json", "b2"));
		hrdex_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_edit_tree_add_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_main_merges_moved_tips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_follows_main, setup, teardown),
		cmocka_unit_test_setup_teardown(test_park_and_unpark, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
