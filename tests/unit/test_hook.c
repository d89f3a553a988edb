/* test_hook.c - webhooks: backoff, HMAC signature, summaries, failed posts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>
#include <sodium.h>

#include "error.h"
#include "fs.h"
#include "hook.h"

static char dir[256];
static git_repository *repo;

static int setup(void **state)
{
	(void)state;
	git_libgit2_init();
	if (sodium_init() < 0)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/hrdex-test-hook-%ld.git", (long)getpid());
	return git_repository_init(&repo, dir, 1);
}

static int teardown(void **state)
{
	(void)state;
	git_repository_free(repo);
	hrdex_fs_remove_tree(dir);
	git_libgit2_shutdown();
	return 0;
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(hrdex_hook_backoff(1, 3600), 1);
	assert_int_equal(hrdex_hook_backoff(2, 3600), 2);
	assert_int_equal(hrdex_hook_backoff(5, 3600), 16);
	assert_int_equal(hrdex_hook_backoff(12, 3600), 2048);
	assert_int_equal(hrdex_hook_backoff(13, 3600), 3600);
	assert_int_equal(hrdex_hook_backoff(1000000, 3600), 3600);
	assert_int_equal(hrdex_hook_backoff(3, 3), 3);
}

static void test_signature(void **state)
{
	char sig[72];

	(void)state;
	/* RFC 4231, test case 2 */
	hrdex_hook_signature(sig, "Jefe", "what do ya want for nothing?", 28);
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* a key longer than the block size is hashed first (RFC 4231, test case 6) */
	{
		char key[132];

		memset(key, 0xaa, 131);
		key[131] = '\0';
		hrdex_hook_signature(sig, key, "Test Using Larger Than Block-Size Key - Hash Key First", 54);
		assert_string_equal(sig,
				    "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	}
}

/* Commit a tree of (path, content) pairs on top of parent (may be NULL). */
static void commit(git_oid *out, const char *const *files, const git_oid *parent)
{
	git_index *index = NULL;
	git_signature *sig = NULL;
	git_commit *p = NULL;
	git_oid tree;
	size_t i;

	assert_int_equal(git_index_new(&index), 0);
	for (i = 0; files[i]; i += 2) {
		git_index_entry e;
		git_oid blob;

		assert_int_equal(git_blob_create_from_buffer(&blob, repo, files[i + 1], strlen(files[i + 1])), 0);
		memset(&e, 0, sizeof(e));
		e.mode = GIT_FILEMODE_BLOB;
		e.path = files[i];
		e.id = blob;
		assert_int_equal(git_index_add(index, &e), 0);
	}
	assert_int_equal(git_index_write_tree_to(&tree, index, repo), 0);
	{
		git_tree *t = NULL;

		assert_int_equal(git_tree_lookup(&t, repo, &tree), 0);
		assert_int_equal(git_signature_new(&sig, "t", "t@example.org", 1700000000, 0), 0);
		if (parent)
			assert_int_equal(git_commit_lookup(&p, repo, parent), 0);
		assert_int_equal(git_commit_create(out, repo, NULL, sig, sig, NULL, "m", t, parent ? 1 : 0,
						   (const git_commit **)&p), 0);
		git_tree_free(t);
	}
	git_commit_free(p);
	git_signature_free(sig);
	git_index_free(index);
}

static int has(const cJSON *o, const char *list, const char *ref)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, list))
		if (!strcmp(e->valuestring, ref))
			return 1;
	return 0;
}

static void test_summary(void **state)
{
	static const char *const v1[] = {
		"ohchr/note/a.json", "{\"a\": 1}\n",
		"ohchr/note/b.json", "{\"b\": 1}\n",
		"ohchr/note/c.json", "{\"c\": 1}\n",
		"ohchr/note/c.files/x.pdf", "x1",
		NULL,
	};
	static const char *const v2[] = {
		"ohchr/note/a.json", "{\"a\": 2}\n",           /* changed */
		"ohchr/note/c.json", "{\"c\": 1}\n",           /* attachment changed */
		"ohchr/note/c.files/x.pdf", "x2",
		"ohchr/report/d.json", "{\"d\": 1}\n",         /* added; b withdrawn */
		NULL,
	};
	struct hrdex_change ch;
	git_oid c1, c2;
	cJSON *s = NULL;
	char hex[GIT_OID_HEXSZ + 1];

	(void)state;
	commit(&c1, v1, NULL);
	commit(&c2, v2, &c1);
	memset(&ch, 0, sizeof(ch));
	strcpy(ch.publisher, "ohchr");
	ch.old = c1;
	ch.new = c2;
	assert_int_equal(hrdex_hook_summary(&s, repo, &ch), 0);
	assert_string_equal(cJSON_GetObjectItem(s, "old")->valuestring, git_oid_tostr(hex, sizeof(hex), &c1));
	assert_string_equal(cJSON_GetObjectItem(s, "new")->valuestring, git_oid_tostr(hex, sizeof(hex), &c2));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "commits")), 1);
	assert_true(has(s, "added", "ohchr/report/d"));
	assert_true(has(s, "changed", "ohchr/note/a"));
	assert_true(has(s, "changed", "ohchr/note/c"));
	assert_true(has(s, "withdrawn", "ohchr/note/b"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "added")), 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "changed")), 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "withdrawn")), 1);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(s, "truncated")));
	cJSON_Delete(s);

	/* a new branch: old is null, everything added, both commits */
	memset(&ch.old, 0, sizeof(ch.old));
	assert_int_equal(hrdex_hook_summary(&s, repo, &ch), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(s, "old")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "commits")), 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "added")), 3);
	cJSON_Delete(s);
}

static void test_post_unreachable(void **state)
{
	char err[256];
	atomic_int stop;

	(void)state;
	atomic_init(&stop, 0);
	/* port 1 on loopback: refused at once */
	assert_int_equal(hrdex_hook_post("http://127.0.0.1:1/", "k", "{}", 2, 2, 2, &stop, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	/* protocols other than http(s) are refused by libcurl itself */
	assert_int_equal(hrdex_hook_post("file:///etc/passwd", NULL, "{}", 2, 2, 2, &stop, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_post_unreachable),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
